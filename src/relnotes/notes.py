"""Reading one note: its bytes made into a :class:`~relnotes.model.Note` and the problems met.

:func:`parse_note` is pure (bytes in, note and problems out), in steps: decode the
bytes, split off the frontmatter, load its YAML (the fast reader of
:mod:`relnotes.simpleyaml` first), check its fields, date the note.
:func:`read_note` reads the file.
"""

from __future__ import annotations

import codecs
import functools
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

import yaml
from frontmatter.default_handlers import YAMLHandler

from . import simpleyaml
from .dates import DateProblem, parse_date
from .model import Note, Problem
from .obsidian import VaultSettings

__all__ = ["GENERATED_KEY", "GENERATOR", "MARKER", "NOTE_MARKER", "parse_note", "read_body", "read_many", "read_note",
           "read_notes"]

_YAML = YAMLHandler()

# Notes relnotes generates carry `generated_by: relnotes` in their frontmatter.
GENERATED_KEY, GENERATOR = "generated_by", "relnotes"
NOTE_MARKER = MARKER = f"{GENERATED_KEY}: {GENERATOR}".encode()  # in the frontmatter of every note relnotes writes


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
    lines: dict[str, int] = {}
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
    text = _text(path, data, problems)
    frontmatter: dict = {}
    body, body_line, key_lines = text, 1, {}
    if not text.strip():
        problems.append(Problem(path, None, "empty file"))
    elif _YAML.detect(text):
        split = _split(path, text, problems)
        if split is not None:
            fm_text, body = split
            body_line = text.count("\n", 0, len(text) - len(body)) + 1
            key_lines = _key_lines(fm_text, 1)
            loaded, failed = _load_yaml(path, fm_text, problems)
            if failed:
                key_lines = {}
            elif isinstance(loaded, dict):
                frontmatter = _check_fields(path, loaded, key_lines, problems)
            elif loaded is not None:
                problems.append(Problem(path, 2, f"frontmatter is a {_yaml_kind(loaded)}, not a set of "
                                        "'key: value' fields; fields ignored"))
                key_lines = {}
            elif not body.strip():
                problems.append(Problem(path, None, "empty note: an empty frontmatter block and no text"))
    note = Note(path=path, title=path.rsplit("/", 1)[-1][:-3], frontmatter=frontmatter, body=body,
                body_line=body_line, key_lines=key_lines)
    _date_note(note, settings, problems)
    return note, problems


def _text(path: str, data: bytes, problems: list[Problem]) -> str:
    text = _decode(path, data, problems)
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _split(path: str, text: str, problems: list[Problem]) -> tuple[str, str] | None:
    """The frontmatter block's text and the body, or None when the block is never closed."""
    try:
        fm_text, body = _YAML.split(text)
    except ValueError:
        problems.append(Problem(path, 1, "frontmatter opened with --- on line 1 is never closed "
                                "(add a closing --- line); read as plain text"))
        return None
    return fm_text, body


def _load_yaml(path: str, fm_text: str, problems: list[Problem]) -> tuple[object, bool]:
    """The frontmatter's value, and whether it failed to load (the problem says where and why).
    The fast reader answers most blocks; the YAML loader answers the rest."""
    simple = simpleyaml.load(fm_text, _construct)
    loaded: object = None
    failed = False
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
            failed = True
        finally:
            loader.dispose()
        duplicates = loader.duplicates
    for key, line in duplicates:
        problems.append(Problem(path, line + 1, f"{key!r} is given twice in the frontmatter; the last one is used"))
    return loaded, failed


def _check_fields(path: str, loaded: dict, key_lines: dict[str, int], problems: list[Problem]) -> dict:
    """The frontmatter with text keys; fields that clash by case, and unusable tags, reported."""
    frontmatter = {str(k) if not isinstance(k, str) else k: v for k, v in loaded.items()}
    _same_field(path, frontmatter, key_lines, problems)
    tags = frontmatter.get("tags")
    if tags is not None and not isinstance(tags, (str, list)):
        problems.append(Problem(path, key_lines.get("tags"), f"tags: expected a list of tags, got a "
                                f"{type(tags).__name__}; ignored"))
    return frontmatter


def _date_note(note: Note, settings: VaultSettings, problems: list[Problem]) -> None:
    """A daily note's date (per the daily-notes settings), or that of a ``YYYY-MM-DD…`` file name."""
    note.date = settings.daily_date(note.path)
    note.daily = note.date is not None
    if note.date is None:
        match = _DATE_PREFIX.match(note.title)
        if match:
            try:
                note.date = parse_date(match.group(0))
            except DateProblem as exc:
                problems.append(Problem(note.path, None, f"file name starts with a date, but {exc}; "
                                        "not treated as a dated note"))


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


def _read_file(rel_path: str, path: str | Path, max_mb: int) -> bytes | Problem:
    """The bytes of a note's file, or why there are none."""
    limit = max_mb << 20
    too_big = Problem(rel_path, None, f"bigger than {max_mb} MB (the config's max_note_mb); skipped")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))  # a pipe must not block the scan
        with os.fdopen(fd, "rb") as handle:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode):
                return Problem(rel_path, None, "not a regular file (a pipe, socket or device); skipped")
            if info.st_size > limit:
                return too_big
            data = handle.read(info.st_size + 1)  # (asking for the most at once costs a 64 MB buffer each time)
            if data is not None and len(data) > info.st_size:  # a kernel's or a FUSE file may be longer than it
                parts = [data]  # says: the rest, a piece at a time (asked for at once, a kernel's file fails)
                while sum(map(len, parts)) <= limit and (part := handle.read(1 << 16)):
                    parts.append(part)
                data = b"".join(parts)
    except OSError as exc:
        return Problem(rel_path, None, f"cannot read file: {exc.strerror or exc}; skipped")
    if data is None:  # /proc/kmsg, some FUSE files: a regular file with nothing to read without waiting
        return Problem(rel_path, None, "cannot read file: it gives nothing without waiting; skipped")
    return too_big if len(data) > limit else data


def read_note(rel_path: str, path: str | Path, settings: VaultSettings) -> tuple[Note | None, list[Problem]]:
    """Read and parse one note file. A file that cannot be read is reported, not raised;
    a note relnotes generated itself (frontmatter ``generated_by: relnotes``) gives None:
    a summary links everyone and must never count as contact. The note may let go of its body
    (:meth:`~relnotes.model.Note.release_body`): it knows the file."""
    data = _read_file(rel_path, path, settings.max_note_mb)
    if isinstance(data, Problem):
        return None, [data]
    note, problems = parse_note(rel_path, data, settings)
    if note.frontmatter.get(GENERATED_KEY) == GENERATOR:
        return None, []
    note.read_from(functools.partial(read_body, os.fspath(path)))
    return note, problems


def read_body(path: str) -> str:
    """The body of the note file at ``path`` as the file holds it now (empty when it cannot be
    read): for a note that let go of its body (:meth:`~relnotes.model.Note.release_body`)."""
    data = _read_file("", path, _MAX_MB)
    if isinstance(data, Problem):
        return ""
    text = _text(path, data, [])
    split = _split(path, text, []) if text.strip() and _YAML.detect(text) else None
    return text if split is None else split[1]


_MAX_MB = 4096  # the most the config's max_note_mb allows


def read_many(files: list[tuple[str, str]], settings: VaultSettings,
              progress: Callable[[int], None] | None = None) -> list[tuple[Note | None, list[Problem]]]:
    """:func:`read_note` for each of ``files`` (as from :func:`~relnotes.walk.walk`), in order;
    ``progress`` is called with 1 after each."""
    results = []
    for rel_path, path in files:
        results.append(read_note(rel_path, path, settings))
        if progress:
            progress(1)
    return results


def read_notes(files: list[tuple[str, str]], settings: VaultSettings) -> tuple[list[Note], list[Problem]]:
    """The notes of ``files`` (as from :func:`~relnotes.walk.walk`), and every problem found."""
    results = read_many(files, settings)
    return [note for note, _ in results if note is not None], [p for _, found in results for p in found]
