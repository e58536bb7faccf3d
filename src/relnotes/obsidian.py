"""What relnotes takes from Obsidian's own settings in ``.obsidian/``: the templates folder
and the daily notes' folder and date format (a moment.js format)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .model import Problem

__all__ = ["SETTINGS_FILES", "VaultSettings", "read_settings"]

SETTINGS_FILES = (".obsidian/daily-notes.json", ".obsidian/templates.json")  # what read_settings reads


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
        if year is None or month is None or day is None:
            return None
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None

    _moment_cache[fmt] = parse
    return parse
