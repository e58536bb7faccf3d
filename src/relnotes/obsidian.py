"""What relnotes takes from the settings of Obsidian and its popular plugins in ``.obsidian/``.

- the template folders, skipped by the walk: the core Templates plugin's and Templater's
  (``Templates`` when neither is set: where ``relnotes init --templates`` writes);
- the daily notes' folder and date format (a moment.js format): Periodic Notes' daily notes
  (either of its schemas) when it enables them, and the core Daily notes plugin's;
- Obsidian's "Excluded files" (``userIgnoreFilters`` in ``app.json``): path prefixes, matched
  without regard to case, and ``/regular expressions/``;
- the Tasks plugin's global filter, and whether it is removed from a task's description.

A community plugin's settings count only while ``community-plugins.json`` lists it (its
``data.json`` stays behind when it is switched off); without that file, those that exist do.
Every file is optional, and the vault is untrusted input: a file that cannot be read, is not
JSON or holds values of the wrong type is a :class:`~relnotes.model.Problem`, and its settings
are the defaults.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import quote

from .problem import Problem

__all__ = ["DEFAULT_TEMPLATES_FOLDER", "SETTINGS_FILES", "VaultSettings", "obsidian_url", "read_settings"]

_APP = ".obsidian/app.json"
_COMMUNITY_PLUGINS = ".obsidian/community-plugins.json"
_DAILY_NOTES = ".obsidian/daily-notes.json"
_TEMPLATES = ".obsidian/templates.json"
_TASKS = ".obsidian/plugins/obsidian-tasks-plugin/data.json"
_PERIODIC_NOTES = ".obsidian/plugins/periodic-notes/data.json"
_TEMPLATER = ".obsidian/plugins/templater-obsidian/data.json"
SETTINGS_FILES = (_APP, _COMMUNITY_PLUGINS, _DAILY_NOTES, _TEMPLATES, _TASKS, _PERIODIC_NOTES,
                  _TEMPLATER)  # what read_settings reads (vault-relative)

DEFAULT_TEMPLATES_FOLDER = "Templates"  # the template folder when no plugin sets one
DEFAULT_DAILY_FORMAT = "YYYY-MM-DD"


@dataclass(frozen=True)
class VaultSettings:
    """What relnotes takes from ``.obsidian/`` (folders are vault-relative, without a trailing slash)."""

    template_folders: tuple[str, ...] = (DEFAULT_TEMPLATES_FOLDER,)  # the core Templates', then Templater's
    daily_folder: str = ""  # the core Daily notes plugin's; "" is the vault root
    daily_format: str = DEFAULT_DAILY_FORMAT  # a moment.js format, as Obsidian stores it
    periodic_daily: tuple[str, str] | None = None  # Periodic Notes' daily (folder, format), when enabled
    ignore_filters: tuple[str, ...] = ()  # Obsidian's "Excluded files": prefixes and /regular expressions/
    task_filter: str = ""  # the Tasks plugin's global filter ("#task"); "" is none
    task_filter_removed: bool = False  # whether Tasks removes the global filter from descriptions
    templater: bool = False  # the first template folder is Templater's (placeholders <% … %>, not {{…}})
    max_note_mb: int = 64  # not from .obsidian/: the config's cap on a note's size (``max_note_mb``)

    @property
    def templates_folder(self) -> str | None:
        """The first template folder (the one ``relnotes init --templates`` writes into), or None."""
        return self.template_folders[0] if self.template_folders else None

    @property
    def daily_notes(self) -> tuple[tuple[str, str], ...]:
        """Each (folder, format) a daily note may be written with, in the order they are tried:
        Periodic Notes' first, then the core Daily notes plugin's."""
        core = (self.daily_folder, self.daily_format)
        return (self.periodic_daily, core) if self.periodic_daily not in (None, core) else (core,)

    def daily_date(self, path: str) -> dt.date | None:
        """The date of a daily note at vault-relative ``path``, or None."""
        for folder, fmt in self.daily_notes:
            stem = path[:-3]
            if folder:
                prefix = folder + "/"
                if not stem.lower().startswith(prefix.lower()):
                    continue
                stem = stem[len(prefix):]
            date = _moment_parser(fmt)(stem)
            if date is not None:
                return date
        return None

    def daily_path(self, day: dt.date) -> str:
        """The vault-relative path of ``day``'s daily note, as the first of :attr:`daily_notes` names it."""
        folder, fmt = self.daily_notes[0]
        name = format_moment(day, fmt)
        return f"{folder}/{name}.md" if folder else f"{name}.md"

    def excludes(self, rel_path: str) -> bool:
        """Whether the note at vault-relative POSIX ``rel_path`` (``"Archive/x.md"``) is left out:
        it is in a template folder, or Obsidian's "Excluded files" match it.

        A folder is given with a trailing slash (``"Archive/"``): it is left out when every note
        in it would be (a template folder, a matching prefix), so the walk need not go in. A
        regular expression is tried on the notes only: ``/^(?!Work)/`` says nothing of a folder.
        """
        prefixes, patterns = _exclusions(self.template_folders, self.ignore_filters)
        if rel_path.lower().startswith(prefixes):
            return True
        return not rel_path.endswith("/") and any(p.search(rel_path) for p in patterns)


@functools.lru_cache(maxsize=16)
def _exclusions(template_folders: tuple[str, ...],
                ignore_filters: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[re.Pattern[str], ...]]:
    """The lower-cased path prefixes and the compiled regular expressions of these settings
    (worked out once: the walk asks for every file); a broken one, reported when it was read, is skipped."""
    prefixes = [folder.lower() + "/" for folder in template_folders]
    patterns = []
    for entry in ignore_filters:
        try:
            pattern = _ignore_regex(entry)
        except re.error:
            continue
        if pattern is None:
            prefixes.append(entry.lower())
        else:
            patterns.append(pattern)
    return tuple(prefixes), tuple(patterns)


def _ignore_regex(entry: str) -> re.Pattern[str] | None:
    """An "Excluded files" entry written as ``/…/`` compiled (as JavaScript would: ASCII classes,
    searched anywhere in the path), or None for a path prefix. :raises re.error: when it is broken."""
    if len(entry) < 2 or not (entry.startswith("/") and entry.endswith("/")):
        return None
    return re.compile(entry[1:-1], re.ASCII)


# --- reading the files ----------------------------------------------------------------------

_T = TypeVar("_T")


class _WrongType(ValueError):
    """A settings file holds a value of a type its plugin never writes."""


def _field(data: dict, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """``data[key]`` when it is a ``kind`` (None when missing or null); :raises _WrongType: else."""
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise _WrongType(f"{key!r} is not {what}")
    return value


def _object(data: object, what: str = "the file") -> dict:
    if not isinstance(data, dict):
        raise _WrongType(f"{what} is not a JSON object")
    return data


def _clean_folder(value: str | None) -> str | None:
    if value is None:
        return None
    folder = PurePosixPath(value.replace("\\", "/").strip().strip("/")).as_posix()
    return None if folder in ("", ".") else folder


def _clean_format(value: str | None) -> str:
    return value.strip() if value and value.strip() else DEFAULT_DAILY_FORMAT


def _read_json(path: Path) -> object:
    """The JSON in the file at ``path``; a pipe or a device is not waited for."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        data = handle.read()
    return json.loads(data.decode("utf-8-sig"))


def read_settings(root: Path) -> tuple[VaultSettings, list[Problem]]:
    """Read what relnotes takes from ``.obsidian/`` in the vault at ``root`` (every file optional)."""
    problems: list[Problem] = []

    def load(rel: str, parse: Callable[[object], _T], default: _T) -> _T:
        try:
            data = _read_json(root / rel)
        except (FileNotFoundError, NotADirectoryError):
            return default
        except (OSError, ValueError, RecursionError) as exc:  # ValueError: not UTF-8, not JSON
            reason = (exc.strerror or str(exc)) if isinstance(exc, OSError) else (
                "nested too deeply" if isinstance(exc, RecursionError) else str(exc))
            problems.append(Problem(rel, getattr(exc, "lineno", None),
                                    f"cannot read Obsidian settings ({reason}); using defaults"))
            return default
        try:
            return parse(data)
        except _WrongType as exc:
            problems.append(Problem(rel, None, f"cannot read Obsidian settings ({exc}); using defaults"))
            return default

    community = load(_COMMUNITY_PLUGINS, _plugin_ids, None)

    def plugin(rel: str, plugin_id: str, parse: Callable[[object], _T], default: _T) -> _T:
        """A community plugin's settings: its defaults while it is switched off."""
        return default if community is not None and plugin_id not in community else load(rel, parse, default)

    folders = [load(_TEMPLATES, lambda d: _clean_folder(_field(_object(d), "folder", str, "text")), None),
               plugin(_TEMPLATER, "templater-obsidian",
                      lambda d: _clean_folder(_field(_object(d), "templates_folder", str, "text")), None)]
    template_folders: list[str] = []
    for folder in folders:
        if folder is not None and folder.lower() not in (f.lower() for f in template_folders):
            template_folders.append(folder)
    daily_folder, daily_format = load(_DAILY_NOTES, _daily_notes, ("", DEFAULT_DAILY_FORMAT))
    task_filter, task_filter_removed = plugin(_TASKS, "obsidian-tasks-plugin", _tasks, ("", False))
    return VaultSettings(
        template_folders=tuple(template_folders) or (DEFAULT_TEMPLATES_FOLDER,),
        daily_folder=daily_folder,
        daily_format=daily_format,
        periodic_daily=plugin(_PERIODIC_NOTES, "periodic-notes", _periodic_daily, None),
        ignore_filters=_ignore_filters(load(_APP, _user_ignore_filters, ()), problems),
        task_filter=task_filter,
        task_filter_removed=task_filter_removed,
        templater=folders[0] is None and folders[1] is not None,
    ), problems


def _plugin_ids(data: object) -> frozenset[str]:
    """``community-plugins.json``: the ids of the community plugins switched on."""
    if not isinstance(data, list) or not all(isinstance(item, str) for item in data):
        raise _WrongType("the file is not a list of plugin ids")
    return frozenset(data)


def _daily_notes(data: object) -> tuple[str, str]:
    """``daily-notes.json``: the core Daily notes plugin's folder and format."""
    data = _object(data)
    return (_clean_folder(_field(data, "folder", str, "text")) or "",
            _clean_format(_field(data, "format", str, "text")))


def _periodic_daily(data: object) -> tuple[str, str] | None:
    """Periodic Notes' daily (folder, format) when it enables them: ``{"daily": {…}}`` before 1.0,
    ``{"calendarSets": [{"id": …, "day": {…}}, …], "activeCalendarSet": …}`` since."""
    data = _object(data)
    if "calendarSets" in data:
        sets = _field(data, "calendarSets", list, "a list") or []
        for item in sets:
            _object(item, "an item of 'calendarSets'")
        active = _field(data, "activeCalendarSet", str, "text")
        chosen = next((s for s in sets if active is not None and s.get("id") == active), sets[0] if sets else {})
        day = _field(chosen, "day", dict, "a JSON object")
    else:
        day = _field(data, "daily", dict, "a JSON object")
    if not day or _field(day, "enabled", bool, "true or false") is not True:
        return None
    return (_clean_folder(_field(day, "folder", str, "text")) or "",
            _clean_format(_field(day, "format", str, "text")))


def _user_ignore_filters(data: object) -> tuple[str, ...]:
    """``app.json``: Obsidian's "Excluded files", blank entries left out."""
    filters = _field(_object(data), "userIgnoreFilters", list, "a list") or []
    if not all(isinstance(item, str) for item in filters):
        raise _WrongType("'userIgnoreFilters' is not a list of text")
    return tuple(item for item in filters if item.strip())


def _ignore_filters(filters: tuple[str, ...], problems: list[Problem]) -> tuple[str, ...]:
    """The filters relnotes can use: a broken regular expression is reported and left out."""
    usable = []
    for entry in filters:
        try:
            _ignore_regex(entry)
        except re.error as exc:
            problems.append(Problem(_APP, None, f"the excluded files pattern {entry!r} is not a regular "
                                                f"expression relnotes can read ({exc}); ignored"))
            continue
        usable.append(entry)
    return tuple(usable)


def _tasks(data: object) -> tuple[str, bool]:
    """The Tasks plugin's global filter, and whether it is removed from descriptions."""
    data = _object(data)
    return (_field(data, "globalFilter", str, "text") or "",
            _field(data, "removeGlobalFilter", bool, "true or false") or False)


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
        if year is None or month is None or day is None:
            return None
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None

    _moment_cache[fmt] = parse
    return parse


_WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]


def _ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"


def format_moment(day: dt.date, fmt: str) -> str:
    """``day`` written in the moment.js format ``fmt``, as Obsidian names a daily note (English names)."""
    weekday = _WEEKDAYS[day.isoweekday() % 7]
    month = _MONTHS[day.month - 1]
    values = {
        "YYYY": f"{day.year:04d}", "YY": f"{day.year % 100:02d}", "MMMM": month.capitalize(),
        "MMM": month[:3].capitalize(), "MM": f"{day.month:02d}", "M": str(day.month), "Do": _ordinal(day.day),
        "DD": f"{day.day:02d}", "D": str(day.day), "dddd": weekday.capitalize(), "ddd": weekday[:3].capitalize(),
        "dd": weekday[:2].capitalize(), "d": str(day.isoweekday() % 7),
    }
    return "".join(token[1:-1] if token.startswith("[") else values.get(token, token)
                   for token in _MOMENT_TOKENS.findall(fmt))


def obsidian_url(vault_name: str, path: str) -> str:
    """An ``obsidian://open`` link to the note at ``path`` (vault-relative) of the vault called ``vault_name``."""
    return f"obsidian://open?vault={_quoted(vault_name)}&file={_quoted(path)}"


@functools.lru_cache(maxsize=1 << 17)  # room for a 100k-note vault's sources
def _quoted(text: str) -> str:
    return quote(text, safe="")
