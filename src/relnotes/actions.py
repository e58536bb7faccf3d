"""The action log: what the user did about a reminder, one line each, in a note of the vault.

``relnotes log``, ``snooze`` and ``done`` (and the buttons of the phone pages) append a line
to the log note; the next scan reads the lines back:

- ``- 2026-11-25 talked with [[Priya Raman]] · call · "promo case"`` is contact on that day;
- ``- 2026-11-25 snoozed [[Wei Chen]] until 2026-12-09`` puts off that person's follow-ups;
- ``- 2026-11-25 snoozed: Send the deck · [[Wei Chen]] until 2026-12-09 %%task-…@relnotes%%``
  puts off the one reminder with that uid;
- ``- 2026-11-25 done: Follow up after “Acme check-in” · [[Aisha Khan]] %%meeting-…@relnotes 2026-11-24%%``
  closes that reminder (a yearly one: the occurrence of that date).

The log is plain Markdown the user may read and correct: a line relnotes cannot read is a
warning with its line number. relnotes creates it with its marker (``relnotes: action-log``
in the frontmatter) and from then on only appends to it, one whole line per write, under a
lock, so that the command line, the daemon and the server can append at once
(:func:`relnotes.files.append_line`, the one effect).

Parsing and writing lines here is pure.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol

from .dates import MAX_YEAR, MIN_YEAR
from .links import WIKILINK, link_target
from .text import one_line


class Reminder(Protocol):
    """What a snooze or done line says of a reminder (:class:`relnotes.model.Reminder` has it)."""

    @property
    def title(self) -> str: ...

    @property
    def uid(self) -> str: ...

    @property
    def date(self) -> dt.date: ...

__all__ = ["LOG_MARKER", "Action", "done_line", "log_header", "read_actions", "snoozed_line",
           "talked_line"]

LOG_MARKER = b"relnotes: action-log"

MAX_LINE = 4096  # characters: a longer list item is no line relnotes wrote, and is not read
_ENTRY = re.compile(r"[-*+][ \t]+(\d{4}-\d{1,2}-\d{1,2})[ \t]+(talked|snoozed|done)\b")  # a line's start
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}")
_UID = re.compile(r"\S+@relnotes")
_LINKS = re.compile(r"(?:[ \t]*(?:,|and)?[ \t]*\[\[[^\[\]\n]+\]\])+")  # [[A]], [[B]] and [[C]]
_SEPARATOR = " · "
VIA = re.compile(r"[^\W\d_][\w-]*(?: [\w-]+){0,3}")  # a channel: call, email, video call, …


@dataclass(frozen=True, slots=True)
class Action:
    """One line of the log, read.

    ``kind`` is ``"talked"`` (with ``people``, ``via`` and ``note``), ``"snoozed"`` (``people``, or
    one reminder's ``uid``; ``until``) or ``"done"`` (``uid``, and ``due``: the date of the
    reminder when it was done). ``line`` is the line's number in the file.
    """

    kind: str
    date: dt.date
    line: int
    people: tuple[str, ...] = ()
    via: str = ""
    note: str = ""
    until: dt.date | None = None
    uid: str | None = None
    due: dt.date | None = None


def _day(text: str) -> dt.date:
    year, month, day = (int(part) for part in text.split("-"))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{text}: a year outside {MIN_YEAR}–{MAX_YEAR}")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"{text} is not a real date") from None


def _names(text: str) -> tuple[str, ...]:
    """The people a line names: its wikilinks' targets, or the plain name written without one."""
    links = tuple(link_target(inner) for inner in WIKILINK.findall(text))
    if links:
        return links
    plain = text.strip(" ·,:")
    return (plain,) if plain else ()


def read_actions(text: str, first_line: int = 1) -> tuple[list[Action], list[tuple[int, str]]]:
    """The actions in ``text`` (a note's body, whose first line is line ``first_line`` of the
    file), and (line, why) for each list item that starts with a date and a verb of the log
    (talked, snoozed, done) but cannot be read. Other lines — headings, prose, the user's own
    list items — are not actions and are left alone. Linear in the length of the text."""
    found: list[Action] = []
    problems: list[tuple[int, str]] = []
    if "talked" not in text and "snoozed" not in text and "done" not in text:
        return found, problems  # most notes, at once
    for number, raw in enumerate(text.split("\n"), first_line):
        line = raw.strip()
        entry = _ENTRY.match(line)
        if entry is None:
            continue
        if len(line) > MAX_LINE:
            problems.append((number, f"an action of more than {MAX_LINE} characters; ignored"))
            continue
        try:
            action = _action(_day(entry.group(1)), entry.group(2), line[entry.end():].strip(), number)
        except ValueError as exc:
            problems.append((number, f"cannot read this action ({exc}); ignored"))
            continue
        found.append(action)
    return found, problems


def _action(date: dt.date, verb: str, rest: str, line: int) -> Action:
    if verb == "talked":
        return _talked(date, rest, line)
    body, uid, due = rest, None, None
    if rest.endswith("%%"):  # the machine's part: %%uid%% or %%uid YYYY-MM-DD%%
        start = rest.rfind("%%", 0, len(rest) - 2)
        words = rest[start + 2:-2].split() if start >= 0 else []
        if words and _UID.fullmatch(words[0]) and len(words) <= 2 and all(map(_DATE.fullmatch, words[1:])):
            body, uid, due = rest[:start].rstrip(), words[0], words[1] if len(words) == 2 else None
    if verb == "snoozed":
        who, found, until = body.rpartition(" until ")
        if not found or not _DATE.fullmatch(until.strip()):
            raise ValueError('expected "snoozed [[Name]] until YYYY-MM-DD"')
        people = () if uid else _names(who.lstrip(":"))
        if not uid and not people:
            raise ValueError("snoozed whom? expected a [[Name]] or a reminder's %%uid%%")
        return Action("snoozed", date, line, people, until=_day(until.strip()), uid=uid)
    if uid is None:
        raise ValueError("a done line ends with its reminder's %%uid%%")
    return Action("done", date, line, uid=uid, due=_day(due) if due else None)


def _talked(date: dt.date, rest: str, line: int) -> Action:
    """``with [[Name]] · how · "note"``: whole links first (a name may hold " · "), then the parts."""
    shape = 'expected "talked with [[Name]] · how · \\"note\\""'
    if not rest.startswith("with "):
        raise ValueError(shape)
    rest = rest[len("with "):].strip()
    links = _LINKS.match(rest)
    if links:
        who, tail = links.group(), rest[links.end():].strip()
        if tail and not tail.startswith("·"):
            raise ValueError(shape)
        tail = tail[1:].strip()
    else:
        who, _, tail = rest.partition(_SEPARATOR)
    people = _names(who)
    if not people:
        raise ValueError(shape)
    via, _, note = ("", "", tail) if tail.startswith('"') else tail.partition(_SEPARATOR)
    via, note = via.strip(), note.strip()
    if note and not note.startswith('"'):
        raise ValueError(shape)
    note = note[1:-1] if len(note) > 1 and note.endswith('"') else note[1:]
    return Action("talked", date, line, people, via, note)


# --- writing lines ---------------------------------------------------------------------------

def _clean(text: str) -> str:
    """Text for a log line: one line, without the characters that end its parts."""
    return one_line(text).replace("%%", "%").replace('"', "'").replace(" · ", " - ").strip()


def talked_line(day: dt.date, link: str, via: str = "", note: str = "") -> str:
    """The line for contact with the person ``link`` (a wikilink) on ``day``."""
    parts = [f"- {day.isoformat()} talked with {link}", *([_clean(via)] if via else []),
             *([f'"{_clean(note)}"'] if note else [])]
    return " · ".join(parts)


def _about(reminder: Reminder, link: str | None) -> str:
    return _clean(reminder.title).replace("[[", "[").replace("]]", "]") + (f" · {link}" if link else "")


def snoozed_line(day: dt.date, until: dt.date, link: str | None = None, reminder: Reminder | None = None) -> str:
    """The line that puts off a person's follow-ups (``link``), or one ``reminder``, to ``until``."""
    if reminder is None:
        return f"- {day.isoformat()} snoozed {link} until {until.isoformat()}"
    return f"- {day.isoformat()} snoozed: {_about(reminder, link)} until {until.isoformat()} %%{reminder.uid}%%"


def done_line(day: dt.date, reminder: Reminder, link: str | None = None) -> str:
    """The line that closes ``reminder`` (as it is due now: a yearly one's occurrence)."""
    return f"- {day.isoformat()} done: {_about(reminder, link)} %%{reminder.uid} {reminder.date.isoformat()}%%"


def log_header(title: str) -> str:
    """The start of a new log note: its marker, and a word on what it is."""
    return (f"---\n{LOG_MARKER.decode()}\n---\n# {one_line(title)}\n\n"
            "What you did about relnotes' reminders, one line each, newest last: `relnotes log`, `snooze` "
            "and `done` (and the buttons of the phone pages) add them. relnotes reads them back on every "
            "scan. You may correct a line, keeping its shape, or delete one; relnotes only ever adds lines "
            "at the end.\n\n")
