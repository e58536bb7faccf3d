"""Built-in rule ``task``: open Obsidian Tasks items with a due date (``- [ ] text 📅 YYYY-MM-DD``)
in meeting notes and dated notes."""

from __future__ import annotations

import bisect
import datetime as dt
import re
from collections import Counter
from dataclasses import dataclass

from relnotes import hookimpl
from relnotes.dates import DateProblem, parse_date
from relnotes.links import WIKILINK, find_links, link_target, name_key
from relnotes.model import Note, Reminder, make_uid

# A task item is a list item of its own line, its marker followed by a space or a tab as in
# Markdown; its checkbox is searched for first, much faster than trying every line.
_TASK = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+]|\d+[.)])[ \t]+\[(.)\][ \t]+(.*)$", re.M)
_CHECKBOX = re.compile(r"\[[^\n]\][ \t]")
_DUE = re.compile(r"📅\ufe0f?\s*(\d{4}-\d{2}-\d{2})")
# Obsidian Tasks' fields: due, scheduled, start, created, done, cancelled dates, recurrence, priority
_FIELDS = re.compile(r"\s*(?:[📅⏳🛫➕✅❌]\ufe0f?\s*\d{4}-\d{2}-\d{2}|🔁\ufe0f?[^📅⏳🛫➕✅❌⏫🔼🔽🔺⏬]*|[⏫🔼🔽🔺⏬]\ufe0f?)")
_FENCE = re.compile(r"^[^\S\n]*(?:```|~~~)", re.M)
CLOSED = {"x", "X", "-"}  # done, cancelled


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


def tasks_in(note: Note) -> list[Task]:
    """Every task item in ``note``'s body, skipping fenced code blocks."""
    return list(note.derived("tasks", lambda: _tasks_in(note)))


def _tasks_in(note: Note) -> tuple[Task, ...]:
    body = note.body
    if "[" not in body:
        return ()
    fences = [m.start() for m in _FENCE.finditer(body)] if ("```" in body or "~~~" in body) else []
    tasks, line, pos = [], note.body_line, 0
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


def task_notes(vault):
    """The notes tasks are read from, with their meeting (or None): meetings and dated notes."""
    meetings = {m.note.path: m for m in vault.meetings}
    for note in vault.notes:
        meeting = meetings.get(note.path)
        if meeting is not None or note.date is not None:
            yield note, meeting


def task_owner(task: Task, note: Note, meeting, vault):
    """Whom a task is about: the first person it links, else the meeting's first attendee."""
    person = next((p for p in (vault.person(t, note.path) for t in task.people) if p), None)
    if person is None and meeting is not None and meeting.attendees:
        person = meeting.attendees[0]
    return person


@hookimpl
def relnotes_reminders(vault, config, today):
    for note, meeting in task_notes(vault):
        seen: Counter = Counter()
        for task in tasks_in(note):
            if task.problem:
                vault.problems.append(note.problem(f"{task.problem}; task ignored", line=task.line))
            if not task.open or task.due is None:
                continue
            person = task_owner(task, note, meeting, vault)
            if person is not None and person.status == "archived":
                continue
            seen[task.text] += 1
            yield Reminder(
                kind="task",
                person=person.name if person else None,
                date=task.due,
                title=task.text or "(empty task)",
                source=note.path,
                uid=make_uid("task", name_key(note.title), task.text, seen[task.text]),
                detail=f"open task in “{note.title}”, line {task.line}",
                person_path=person.path if person else None,
                data=(("line", task.line),),
            )
