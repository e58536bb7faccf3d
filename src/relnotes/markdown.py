"""What a note's Markdown text holds beyond links: Obsidian Tasks items (``- [ ] text 📅 YYYY-MM-DD``)."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from dataclasses import dataclass

from .dates import DateProblem, parse_date
from .links import WIKILINK, find_links, link_target

__all__ = ["CLOSED", "Task", "find_tasks"]

# A task item is a list item of its own line, its marker followed by a space or a tab as in
# Markdown; its checkbox is searched for first, much faster than trying every line.
_TASK = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d+[.)])[ \t]+\[(.)\][ \t]+(.*)$", re.M)
_CHECKBOX = re.compile(r"\[[^\n]\][ \t]")
_DUE = re.compile(r"📅\ufe0f?\s*(\d{4}-\d{2}-\d{2})")
# Obsidian Tasks' fields: due, scheduled, start, created, done, cancelled dates, recurrence, priority
_FIELDS = re.compile(r"\s*(?:[📅⏳🛫➕✅❌]\ufe0f?\s*\d{4}-\d{2}-\d{2}"
                     r"|🔁\ufe0f?[^📅⏳🛫➕✅❌⏫🔼🔽🔺⏬]*|[⏫🔼🔽🔺⏬]\ufe0f?)")
_FENCE = re.compile(r"^[^\S\n]*(?:```|~~~)", re.M)
CLOSED = frozenset({"x", "X", "-"})  # done, cancelled


@dataclass(frozen=True)
class Task:
    """One task line of a note."""

    text: str  # without the Tasks fields, links shown as their text
    status: str  # the character between the brackets
    due: dt.date | None
    line: int
    people: tuple[str, ...]  # link targets, in order
    problem: str | None = None  # e.g. an impossible due date

    @property
    def open(self) -> bool:
        return self.status not in CLOSED


def _shown(match: re.Match) -> str:
    inner = match.group(1)
    return inner.split("|", 1)[1] if "|" in inner else link_target(inner)


def find_tasks(body: str, first_line: int = 1) -> tuple[Task, ...]:
    """Every task item in ``body`` (which starts on file line ``first_line``), skipping fenced code blocks."""
    if "[" not in body:
        return ()
    fences = [m.start() for m in _FENCE.finditer(body)] if ("```" in body or "~~~" in body) else []
    tasks, line, pos = [], first_line, 0
    for box in _CHECKBOX.finditer(body):
        start = body.rfind("\n", 0, box.start()) + 1
        match = _TASK.match(body, start)
        if match is None or match.start(1) != box.start() + 1:
            continue  # not a task line, or not its first checkbox
        if fences and bisect.bisect(fences, start) % 2:
            continue  # inside a fenced code block
        line += body.count("\n", pos, start)
        pos = start
        status, rest = match.groups()
        due, problem = None, None
        found = _DUE.search(rest)
        if found:
            try:
                due = parse_date(found.group(1))
            except DateProblem as exc:
                problem = f"task due date: {exc}"
        cleaned = WIKILINK.sub(_shown, _FIELDS.sub("", rest)).strip()
        people = tuple(link.target for link in find_links(rest))
        tasks.append(Task(cleaned, status, due, line, people, problem))
    return tuple(tasks)
