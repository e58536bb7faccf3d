"""Reading an Obsidian vault from disk: its settings, its files, its notes.

``parse_note`` is pure (bytes in, note and problems out); ``walk`` and
``read_notes`` are the only functions here that touch the file system.
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import json
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml
from frontmatter.default_handlers import YAMLHandler

from .dates import DateProblem, parse_date
from . import simpleyaml
from .model import Note, Problem
from .parallel import can_fork, forked

__all__ = ["FileKey", "VaultSettings", "digest_files", "file_key", "fingerprint", "parse_note", "read_many", "read_note", "read_notes",
           "read_settings", "walk"]

_YAML = YAMLHandler()

# Notes relnotes generates carry `generated_by: relnotes` in their frontmatter.
GENERATED_KEY, GENERATOR = "generated_by", "relnotes"
MARKER = f"{GENERATED_KEY}: {GENERATOR}".encode()


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML's safe loader, except that an impossible date (2026-02-30) stays a string,
    so the rest of the frontmatter survives and the field gets its own warning, and that
    keys given twice in one mapping are recorded (YAML keeps the last one silently)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[tuple[str, int]] = []

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                if key_node.value in seen:
                    self.duplicates.append((key_node.value, key_node.start_mark.line))
                seen.add(key_node.value)
        return super().construct_mapping(node, deep)


def _timestamp(loader, node):
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)
_construct = simpleyaml.constructor(_Loader)
_DATE_PREFIX = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?!\d)")


@dataclass(frozen=True)
class VaultSettings:
    """What relnotes takes from ``.obsidian/``."""

    templates_folder: str | None = None  # vault-relative, no trailing slash
    daily_folder: str = ""  # "" is the vault root
    daily_format: str = "YYYY-MM-DD"  # a moment.js format, as Obsidian stores it

    def daily_date(self, path: str) -> dt.date | None:
        """The date of a daily note at vault-relative ``path``, or None."""
        stem = path[:-3]
        if self.daily_folder:
            prefix = self.daily_folder + "/"
            if not stem.lower().startswith(prefix.lower()):
                return None
            stem = stem[len(prefix):]
        return _moment_parser(self.daily_format)(stem)


def _clean_folder(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    folder = PurePosixPath(value.replace("\\", "/").strip().strip("/")).as_posix()
    return None if folder in ("", ".") else folder


def read_settings(root: Path) -> tuple[VaultSettings, list[Problem]]:
    """Read the templates and daily-notes settings from ``.obsidian/`` (both optional)."""
    problems: list[Problem] = []

    def load(name: str) -> dict:
        path = root / ".obsidian" / name
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            return {}
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(Problem(f".obsidian/{name}", getattr(exc, "lineno", None),
                                    f"cannot read Obsidian settings ({exc}); using defaults"))
            return {}
        return data if isinstance(data, dict) else {}

    templates = load("templates.json")
    daily = load("daily-notes.json")
    fmt = daily.get("format")
    return VaultSettings(
        templates_folder=_clean_folder(templates.get("folder")),
        daily_folder=_clean_folder(daily.get("folder")) or "",
        daily_format=fmt.strip() if isinstance(fmt, str) and fmt.strip() else "YYYY-MM-DD",
    ), problems


# --- moment.js date formats (Obsidian's daily-notes "format") -------------------

_MONTHS = ["january", "february", "march", "april", "may", "june", "july",
           "august", "september", "october", "november", "december"]
_MOMENT_TOKENS = re.compile(r"\[[^\]]*\]|YYYY|YY|MMMM|MMM|MM|M|Do|DD|D|dddd|ddd|dd|d|.", re.S)
_MOMENT_PATTERNS = {
    "YYYY": r"(?P<year>\d{4})", "YY": r"(?P<year2>\d{2})",
    "MMMM": r"(?P<monthname>[A-Za-z]+)", "MMM": r"(?P<monthabbr>[A-Za-z]{3})",
    "MM": r"(?P<month>\d{2})", "M": r"(?P<month>\d{1,2})",
    "Do": r"(?P<day>\d{1,2})(?:st|nd|rd|th)", "DD": r"(?P<day>\d{2})", "D": r"(?P<day>\d{1,2})",
    "dddd": r"[A-Za-z]+", "ddd": r"[A-Za-z]{3}", "dd": r"[A-Za-z]{2}", "d": r"\d",
}
_moment_cache: dict[str, Callable[[str], dt.date | None]] = {}


def _moment_parser(fmt: str) -> Callable[[str], dt.date | None]:
    """A function that parses a string written in the moment.js format ``fmt``."""
    if fmt in _moment_cache:
        return _moment_cache[fmt]
    parts, seen = [], set()
    for token in _MOMENT_TOKENS.findall(fmt):
        if token.startswith("["):
            parts.append(re.escape(token[1:-1]))
        elif token in _MOMENT_PATTERNS:
            pattern = _MOMENT_PATTERNS[token]
            group = re.search(r"\?P<(\w+)>", pattern)
            if group and group.group(1) in seen:  # a token repeated: match it, don't capture it again
                pattern = pattern.replace(f"?P<{group.group(1)}>", "?:")
            elif group:
                seen.add(group.group(1))
            parts.append(pattern)
        else:
            parts.append(re.escape(token))
    regex = re.compile("".join(parts), re.IGNORECASE)

    def parse(text: str) -> dt.date | None:
        match = regex.fullmatch(text)
        if not match:
            return None
        found = match.groupdict()
        year = int(found["year"]) if found.get("year") else (2000 + int(found["year2"]) if found.get("year2") else None)
        month = int(found["month"]) if found.get("month") else None
        for key in ("monthname", "monthabbr"):
            if found.get(key):
                names = [m for m in _MONTHS if m.startswith(found[key].lower())]
                month = _MONTHS.index(names[0]) + 1 if names else None
        day = int(found["day"]) if found.get("day") else None
        if None in (year, month, day):
            return None
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None

    _moment_cache[fmt] = parse
    return parse


# --- one note --------------------------------------------------------------------

def _decode(path: str, data: bytes, problems: list[Problem]) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        problems.append(Problem(path, None, "file is UTF-16, not UTF-8; read anyway, but Obsidian may not"))
        return data.decode("utf-16", errors="replace")
    if len(data) >= 4 and b"\x00" in data[:200]:
        odd, even = data[1:200:2].count(0), data[0:200:2].count(0)
        if max(odd, even) > len(data[:200]) // 4:  # every other byte zero: UTF-16 text without its BOM
            codec = "utf-16-le" if odd > even else "utf-16-be"
            problems.append(Problem(path, None, f"file is {codec.upper()} without a byte order mark, not UTF-8; "
                                    "read anyway, but Obsidian may not"))
            return data.decode(codec, errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(
            path, line, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} on line {line}); "
            "unreadable characters were replaced"))
        return data.decode("utf-8-sig", errors="replace")


def _key_lines(fm_text: str, first_line: int) -> dict[str, int]:
    """The line of each top-level ``key:`` of a frontmatter block (no regex: linear on any line)."""
    lines = {}
    for offset, text in enumerate(fm_text.split("\n")):
        if not text or text[0] in " \t#-":
            continue
        key, colon, rest = text.partition(":")
        if colon and (not rest or rest[0] in " \t"):
            lines.setdefault(key.strip().strip("'\""), first_line + offset)
    return lines


def parse_note(path: str, data: bytes, settings: VaultSettings) -> tuple[Note, list[Problem]]:
    """Make a :class:`Note` of a file's bytes; every problem is reported, none raised.

    ``path`` is vault-relative and POSIX. A broken frontmatter block leaves
    the note with empty frontmatter, so the body (and its links) still count.
    """
    problems: list[Problem] = []
    text = _decode(path, data, problems)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    frontmatter: dict = {}
    body, body_line, key_lines = text, 1, {}
    if not text.strip():
        problems.append(Problem(path, None, "empty file"))
    elif _YAML.detect(text):
        try:
            fm_text, body = _YAML.split(text)
        except ValueError:
            problems.append(Problem(path, 1, "frontmatter opened with --- on line 1 is never closed "
                                    "(add a closing --- line); read as plain text"))
        else:
            body_line = text.count("\n", 0, len(text) - len(body)) + 1
            key_lines = _key_lines(fm_text, 1)
            loaded, failed = None, False
            simple = simpleyaml.load(fm_text, _construct)
            if simple is not None:
                loaded, duplicates = simple
            else:
                loader = _Loader(fm_text)
                try:
                    loaded = loader.get_single_data()
                except Exception as exc:  # YAMLError, or anything else a hostile document provokes
                    line = _error_line(exc, closing_line=fm_text.count("\n") + 1)
                    reason = getattr(exc, "problem", None) or (str(exc).splitlines() or [type(exc).__name__])[0]
                    problems.append(Problem(path, line, f"frontmatter is not valid YAML "
                                            f"({reason}{_hint(fm_text, line)}); fields ignored"))
                    key_lines, failed = {}, True
                finally:
                    loader.dispose()
                duplicates = loader.duplicates
            for key, line in duplicates:
                problems.append(Problem(path, line + 1, f"{key!r} is given twice in the frontmatter; the last one is used"))
            if isinstance(loaded, dict):
                frontmatter = {str(k) if not isinstance(k, str) else k: v for k, v in loaded.items()}
                _same_field(path, frontmatter, key_lines, problems)
                tags = frontmatter.get("tags")
                if tags is not None and not isinstance(tags, (str, list)):
                    problems.append(Problem(path, key_lines.get("tags"), f"tags: expected a list of tags, got a "
                                            f"{type(tags).__name__}; ignored"))
            elif loaded is not None:
                problems.append(Problem(path, 2, f"frontmatter is a {_yaml_kind(loaded)}, not a set of "
                                        "'key: value' fields; fields ignored"))
                key_lines = {}
            elif not failed and not body.strip():
                problems.append(Problem(path, None, "empty note: an empty frontmatter block and no text"))
    title = path.rsplit("/", 1)[-1][:-3]
    note = Note(path=path, title=title, frontmatter=frontmatter, body=body,
                body_line=body_line, key_lines=key_lines)
    note.date = settings.daily_date(path)
    note.daily = note.date is not None
    if note.date is None:
        match = _DATE_PREFIX.match(title)
        if match:
            try:
                note.date = parse_date(match.group(0))
            except DateProblem as exc:
                problems.append(Problem(path, None, f"file name starts with a date, but {exc}; "
                                        "not treated as a dated note"))
    return note, problems


def _hint(fm_text: str, line: int | None) -> str:
    """What usually causes a YAML error on that line, in words a note-taker knows."""
    text = fm_text.split("\n")[line - 1] if line and 0 < line <= fm_text.count("\n") + 1 else fm_text
    if "{{" in text or "<%" in text:
        return ": a template placeholder such as {{date}} that was never filled in; fill it in or quote it"
    if "\t" in text:
        return ": YAML does not allow tabs for indentation; use spaces"
    return ""


def _same_field(path: str, frontmatter: dict, key_lines: dict[str, int], problems: list[Problem]) -> None:
    """Keys that differ only by case are one field for relnotes (``Role`` and ``role``): say which is used."""
    by_case: dict[str, list[str]] = {}
    for key in frontmatter:
        by_case.setdefault(key.lower(), []).append(key)
    for lower, keys in by_case.items():
        if len(keys) > 1:
            used = lower if lower in keys else keys[0]
            problems.append(Problem(path, key_lines.get(keys[-1]), f"{' and '.join(map(repr, keys))} are the same "
                                    f"field for relnotes; {used!r} is used"))


def _error_line(exc: Exception, closing_line: int) -> int | None:
    """The file line a YAML error points at: where the parser gave up, or, when that is
    the closing ``---`` (an unclosed bracket or quote), where the broken construct began."""
    problem = getattr(exc, "problem_mark", None)
    context = getattr(exc, "context_mark", None)
    if problem and problem.line + 1 < closing_line:
        return problem.line + 1
    return context.line + 1 if context else (problem.line + 1 if problem else None)


def _yaml_kind(value: object) -> str:
    return {list: "list", str: "text", int: "number", float: "number", bool: "yes/no value"}.get(
        type(value), type(value).__name__)


# --- the whole vault -----------------------------------------------------------------

def _shown_name(name: str, rel: str, problems: list[Problem]) -> str:
    """A file or folder name as relnotes shows it: a name that is not valid UTF-8 (undecodable
    bytes arrive as surrogates) is shown with U+FFFD and reported, so output stays valid text."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        problems.append(Problem(f"{rel}/{shown}" if rel else shown, None,
                                "the file name is not valid UTF-8 (shown with �); rename it"))
        return shown


def walk(root: Path, settings: VaultSettings, exclude: Iterable[str] = ()) -> tuple[list[tuple[str, str]], list[Problem]]:
    """Every note file of the vault as (vault-relative POSIX path, file system path), sorted.

    Skips dot-folders (``.obsidian``, ``.trash``, ``.git`` …), dot-files, the
    templates folder and the vault-relative paths in ``exclude``. Symlinks are
    followed, but every real folder and file is visited once: the real tree is
    walked first and symlinks after, so a link back into the vault neither
    loops nor double-counts, and a note reachable both ways keeps its real path.
    """
    problems: list[Problem] = []
    skip = {p.lower() for p in exclude}
    templates = settings.templates_folder.lower() if settings.templates_folder else None
    found: list[tuple[str, str]] = []
    try:
        info = root.stat()
    except OSError as exc:
        raise FileNotFoundError(f"cannot read vault {root}: {exc.strerror or exc}") from exc
    seen = {(info.st_dev, info.st_ino)}
    links: list[tuple[str, str]] = []  # symlinks met in the real tree, visited afterwards

    def visit(path: str, rel_path: str, key: tuple[int, int], is_dir: bool, is_file: bool, folders: list) -> None:
        if key in seen:
            return
        if not (is_dir or is_file):
            if rel_path.lower().endswith(".md"):
                problems.append(Problem(rel_path, None, "not a regular file (a pipe, socket or device); skipped"))
            return
        if is_dir:
            if rel_path.lower() != templates:
                seen.add(key)
                folders.append((path, rel_path))
        elif is_file and rel_path.lower().endswith(".md") and rel_path.lower() not in skip:
            seen.add(key)
            found.append((rel_path, path))

    def walk_tree(top: str, top_rel: str, defer_links: bool) -> None:
        stack = [(top, top_rel)]
        while stack:
            folder, rel = stack.pop()
            try:
                device = os.stat(folder).st_dev
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                problems.append(Problem(rel, None, f"cannot read folder: {exc.strerror or exc}; skipped"))
                continue
            folders: list[tuple[str, str]] = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel_path = f"{rel}/{_shown_name(entry.name, rel, problems)}" if rel else _shown_name(
                    entry.name, rel, problems)
                try:
                    if entry.is_symlink():
                        if defer_links:
                            links.append((entry.path, rel_path))
                            continue
                        st = entry.stat()
                        visit(entry.path, rel_path, (st.st_dev, st.st_ino), stat.S_ISDIR(st.st_mode),
                              stat.S_ISREG(st.st_mode), folders)
                    else:  # the kind comes from the directory listing: no stat call per file
                        visit(entry.path, rel_path, (device, entry.inode()), entry.is_dir(follow_symlinks=False),
                              entry.is_file(follow_symlinks=False), folders)
                except OSError as exc:
                    kind = "broken link" if entry.is_symlink() else "cannot read"
                    problems.append(Problem(rel_path, None, f"{kind}: {exc.strerror or exc}; skipped"))
            stack.extend(reversed(folders))

    walk_tree(str(root), "", defer_links=True)
    for path, rel_path in links:
        try:
            st = os.stat(path)
        except OSError as exc:
            problems.append(Problem(rel_path, None, f"broken link: {exc.strerror or exc}; skipped"))
            continue
        folders: list[tuple[str, str]] = []
        visit(path, rel_path, (st.st_dev, st.st_ino), stat.S_ISDIR(st.st_mode), stat.S_ISREG(st.st_mode), folders)
        for folder, rel in folders:
            walk_tree(folder, rel, defer_links=False)
    found.sort(key=lambda f: f[0])
    return found, problems


def read_note(rel_path: str, path: str | Path, settings: VaultSettings) -> tuple[Note | None, list[Problem]]:
    """Read and parse one note file. A file that cannot be read is reported, not raised;
    a note relnotes generated itself (frontmatter ``generated_by: relnotes``) gives None:
    a summary links everyone and must never count as contact."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a pipe must not block the scan
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None, [Problem(rel_path, None, "not a regular file (a pipe, socket or device); skipped")]
            data = handle.read()
    except OSError as exc:
        return None, [Problem(rel_path, None, f"cannot read file: {exc.strerror or exc}; skipped")]
    note, problems = parse_note(rel_path, data, settings)
    if note.frontmatter.get(GENERATED_KEY) == GENERATOR:
        return None, []
    return note, problems


PARALLEL_FROM = 2000  # notes: below this, a second process costs more than it saves


def read_many(files: list[tuple[str, str]], settings: VaultSettings,
              progress: Callable[[int], None] | None = None) -> list[tuple[Note | None, list[Problem]]]:
    """:func:`read_note` for each of ``files``, in order; a big batch is parsed on two cores
    (a forked child takes every other file, so both get a like mix of notes)."""
    mine, theirs = files, None
    if len(files) >= PARALLEL_FROM and can_fork():
        mine = files[0::2]
        theirs = forked(lambda: [read_note(rel_path, path, settings) for rel_path, path in files[1::2]])
    results = []
    for rel_path, path in mine:
        results.append(read_note(rel_path, path, settings))
        if progress:
            progress(1)
    if theirs is None:
        return results
    merged = [None] * len(files)
    merged[0::2], merged[1::2] = results, theirs()
    if progress:
        progress(len(files) - len(results))
    return merged


def read_notes(files: list[tuple[str, str]], settings: VaultSettings,
               progress: Callable[[int], None] | None = None) -> tuple[list[Note], list[Problem]]:
    """Read and parse ``files`` (as from :func:`walk`): the notes, and every problem found."""
    results = read_many(files, settings, progress)
    return [note for note, _ in results if note is not None], [p for _, found in results for p in found]


def fingerprint(root: Path) -> str:
    """A digest that changes when any note, the config or the Obsidian settings change
    (see :func:`digest_files`); cheap next to a scan."""
    settings, _ = read_settings(root)
    files, _ = walk(root, settings)
    extra = [(rel, os.path.join(root, rel)) for rel in (".relnotes/config.toml", ".obsidian/daily-notes.json",
                                                          ".obsidian/templates.json")]
    digest = hashlib.sha256()
    digest_files(digest, [*files, *extra])
    return digest.hexdigest()


FileKey = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def file_key(path: str | Path) -> FileKey | None:
    """A file's size, modification and change time and inode (None if it is not there): any
    change to the file, or another file put in its place, changes it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def digest_files(digest, files: Iterable[tuple[str, str]]) -> None:
    """Add to ``digest`` each (vault-relative path, file system path) with its :func:`file_key`:
    any change to a file, or a file added, removed or renamed, changes it."""
    for rel, path in files:
        digest.update(f"{rel}\0{file_key(path)}\n".encode())
