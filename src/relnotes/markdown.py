"""What a note's Markdown text holds beyond links: Obsidian Tasks items (``- [ ] text 📅 YYYY-MM-DD``)."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass

from .dates import DateProblem, parse_date
from .fields import BRACKET_FIELD
from .links import WIKILINK, link_target, link_targets

__all__ = ["CLOSED", "DONE", "Task", "find_tasks"]

# A task item is a list item of its own line, its marker followed by a space or a tab as in
# Markdown; its checkbox is searched for first, much faster than trying every line.
_TASK = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d+[.)])[ \t]+\[(.)\][ \t]+(.*)$", re.M)
_CHECKBOX = re.compile(r"\[[^\n]\][ \t]")
_DATE = r"(\d{4}-\d{2}-\d{2})"
# The due date: Tasks' 📅, Dataview's 🗓️ shorthand, or Dataview's [due:: …] / (due:: …) field
# (one pattern each, tried when the text holds its mark: an alternation would make every search slow)
_DUE_EMOJI = re.compile(rf"[📅🗓]\ufe0f?\s*{_DATE}")
_DUE_FIELD = re.compile(rf"[\[(]due::\s*{_DATE}", re.I)
_SCHEDULED_EMOJI = re.compile(rf"⏳\ufe0f?\s*{_DATE}")
_SCHEDULED_FIELD = re.compile(rf"[\[(]scheduled::\s*{_DATE}", re.I)
# Tasks' and Dataview's metadata, left out of a task's title: dates (due, scheduled, start, created,
# done, cancelled), recurrence, priority, id, dependencies, on-completion, and [key:: value] fields
# (the spaces after one go with it: spaces before would be tried from each of them, slow on a long run)
_FIELDS = re.compile(r"(?:[📅🗓⏳🛫➕✅❌]\ufe0f?\s*\d{4}-\d{2}-\d{2}"
                     r"|🔁\ufe0f?[^📅🗓⏳🛫➕✅❌⏫🔼🔽🔺⏬🆔⛔🏁\[(]*"
                     r"|[🆔⛔🏁]\ufe0f?\s*[\w,-]*|[⏫🔼🔽🔺⏬]\ufe0f?)\s*")
_INLINE_FIELDS = re.compile(rf"(?:{BRACKET_FIELD.pattern})\s*")  # only where "::" is
_FENCE = re.compile(r"^[^\S\n]*(?:```|~~~)", re.M)
CLOSED = frozenset({"x", "X", "-"})  # done, cancelled
DONE = frozenset({"x", "X"})


@dataclass(frozen=True)
class Task:
    """One task line of a note."""

    text: str  # without the Tasks fields, links shown as their text
    status: str  # the character between the brackets
    due: dt.date | None
    line: int
    people: tuple[str, ...]  # link targets, in order
    problem: str | None = None  # e.g. an impossible due date
    scheduled: dt.date | None = None  # ⏳ or [scheduled:: …]

    @property
    def open(self) -> bool:
        return self.status not in CLOSED

    @property
    def when(self) -> dt.date | None:
        """When it is due: its due date, else the date it is scheduled for."""
        return self.due or self.scheduled


def _shown(match: re.Match) -> str:
    inner = match.group(1)
    return inner.split("|", 1)[1] if "|" in inner else link_target(inner)


def _date(found: re.Match | None) -> tuple[dt.date | None, str | None]:
    """The date a search found, or why it is none."""
    if found is None:
        return None, None
    try:
        return parse_date(found.group(1)), None
    except DateProblem as exc:
        return None, str(exc)


def _due(text: str) -> re.Match | None:
    found = _DUE_EMOJI.search(text) if "📅" in text or "🗓" in text else None
    return found or (_DUE_FIELD.search(text) if "::" in text else None)


def _scheduled(text: str) -> re.Match | None:
    found = _SCHEDULED_EMOJI.search(text) if "⏳" in text else None
    return found or (_SCHEDULED_FIELD.search(text) if "::" in text else None)


def find_tasks(body: str, first_line: int = 1, global_filter: str = "",
               remove_filter: bool = False) -> tuple[Task, ...]:
    """Every task item in ``body`` (which starts on file line ``first_line``), skipping fenced code
    blocks. With the Tasks plugin's ``global_filter`` (``#task``), only items holding it are
    tasks, and ``remove_filter`` leaves it out of their text."""
    if "[" not in body:
        return ()
    fences = [m.start() for m in _FENCE.finditer(body)] if ("```" in body or "~~~" in body) else []
    tasks, line, pos = [], first_line, 0
    seen_to = 0  # the end of the last line looked at: only a line's first checkbox can start a task
    for box in _CHECKBOX.finditer(body):
        if box.start() < seen_to:
            continue  # one more checkbox on a line already looked at (a long line of them stays linear)
        start = body.rfind("\n", 0, box.start()) + 1
        seen_to = body.find("\n", box.start())
        seen_to = len(body) if seen_to < 0 else seen_to
        match = _TASK.match(body, start)
        if match is None or match.start(1) != box.start() + 1:
            continue  # not a task line, or not its first checkbox
        if fences and bisect.bisect(fences, start) % 2:
            continue  # inside a fenced code block
        status, rest = match.groups()
        if global_filter and global_filter not in rest:
            continue
        line += body.count("\n", pos, start)
        pos = start
        due, problem = _date(_due(rest))
        scheduled = None
        if problem:
            problem = f"task due date: {problem}"
        elif due is None:
            scheduled, problem = _date(_scheduled(rest))
            problem = problem and f"task scheduled date: {problem}"
        shown = " ".join(rest.replace(global_filter, " ").split()) if global_filter and remove_filter else rest
        cleaned = _FIELDS.sub("", shown) if not shown.isascii() else shown
        if "::" in cleaned:
            cleaned = _INLINE_FIELDS.sub("", cleaned)
        cleaned = (WIKILINK.sub(_shown, cleaned) if "[[" in cleaned else cleaned).strip()
        people = tuple(link_targets(rest))
        tasks.append(Task(cleaned, status, due, line, people, problem, scheduled))
    return tuple(tasks)
