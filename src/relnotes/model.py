"""The data relnotes works on: notes as read, and the people, meetings,
interactions and reminders made from them. Pure: nothing here touches the disk."""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from .dates import Cadence, DateProblem, MonthDay, parse_cadence, parse_date, parse_month_day
from .links import Link, find_links, frontmatter_links

__all__ = [
    "Interaction",
    "Meeting",
    "Note",
    "Output",
    "Person",
    "Problem",
    "Reminder",
    "ROLES",
    "STATUSES",
    "make_uid",
]


T = TypeVar("T")


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """Something wrong with the user's notes or setup, reported as a warning."""

    path: str  # vault-relative POSIX path ("" for the vault as a whole)
    line: int | None
    message: str

    def sort_key(self) -> tuple:
        return (self.path, self.line or 0, self.message)

    def to_json(self) -> dict:
        return {"path": self.path, "line": self.line, "message": self.message}


_MISSING = object()


class Note:
    """One Markdown file of the vault, as read.

    ``links`` (wikilinks in frontmatter values and body) are found the first time they
    are asked for: most notes' links are never needed, and finding them is the costliest
    part of reading a note.
    """

    __slots__ = ("path", "title", "frontmatter", "body", "body_line", "key_lines", "date", "daily", "kind",
                 "_links", "_lower_keys", "_derived")

    def __init__(self, path: str, title: str, frontmatter: dict, body: str, links: tuple[Link, ...] | None = None,
                 body_line: int = 1, key_lines: dict[str, int] | None = None, date: dt.date | None = None,
                 daily: bool = False, kind: str = "note") -> None:
        self.path = path  # vault-relative, POSIX separators, with the .md suffix
        self.title = title  # the file name without .md
        self.frontmatter = frontmatter
        self.body = body
        self.body_line = body_line  # the file line the body starts on
        self.key_lines = {} if key_lines is None else key_lines  # top-level key -> line
        self.date = date  # set for daily notes and YYYY-MM-DD… file names
        self.daily = daily  # a daily note, per .obsidian/daily-notes.json
        self.kind = kind  # "person", "meeting" or "note", set when the vault is built
        self._links = links
        self._lower_keys: dict | None = None
        self._derived: dict | None = None

    def __repr__(self) -> str:
        return f"Note({self.path!r}, kind={self.kind!r})"

    def __reduce__(self) -> tuple:  # pickled compactly (the cache, a second process); links are found again
        return Note, (self.path, self.title, self.frontmatter, self.body, None, self.body_line, self.key_lines,
                      self.date, self.daily, self.kind)

    def derived(self, key: str | tuple, compute: Callable[[], T]) -> T:
        """``compute()``, worked out once for this note and ``key``: a long-running ``relnotes
        watch`` keeps unchanged notes (a changed file is read into a new Note), so what is
        derived from a note alone is not derived again on every rebuild.

        ``key`` is a name, or a tuple of a name and everything else the result depends on
        (``("celebrations", today)``); a note keeps one result per name, so a new day replaces
        the old one instead of piling up. Results are shared: never change one.
        """
        name, params = (key[0], key[1:]) if isinstance(key, tuple) else (key, ())
        if self._derived is None:
            self._derived = {}
        kept = self._derived.get(name)
        if kept is not None and kept[0] == params:
            return kept[1]
        value = compute()
        self._derived[name] = (params, value)
        return value

    @property
    def links(self) -> tuple[Link, ...]:
        """Wikilinks in frontmatter values (with their key) and in the body, in file order."""
        if self._links is None:
            self._links = (*frontmatter_links(self.frontmatter, self.key_lines),
                           *find_links(self.body, self.body_line))
        return self._links

    def get(self, key: str, default: object = None) -> object:
        """A frontmatter value; keys match case-insensitively (``Role`` finds ``role``)."""
        value = self.frontmatter.get(key, _MISSING)
        if value is not _MISSING:
            return value
        if self._lower_keys is None:
            self._lower_keys = {k.lower(): v for k, v in reversed(self.frontmatter.items())}
        return self._lower_keys.get(key, default)

    def line_of(self, key: str) -> int | None:
        return self.key_lines.get(key) or next(
            (line for k, line in self.key_lines.items() if k.lower() == key), None
        )

    @property
    def tags(self) -> frozenset[str]:
        """Frontmatter tags, lower-case, without ``#``; nested tags keep their path."""
        raw = self.get("tags", self.get("tag"))
        if isinstance(raw, str):
            raw = raw.replace(",", " ").split()
        if not isinstance(raw, list):
            return frozenset()
        return frozenset(str(t).strip().lstrip("#").lower() for t in raw if t is not None)

    def problem(self, message: str, key: str | None = None, line: int | None = None) -> Problem:
        return Problem(self.path, line if line is not None else (self.line_of(key) if key else None), message)


ROLES = ("mentor", "sponsor", "peer", "manager", "client", "contact")
_ROLE_SYNONYMS = {
    "supervisor": "manager",
    "boss": "manager",
    "customer": "client",
    "network": "contact",
    "network contact": "contact",
    "network-contact": "contact",
}
STATUSES = ("active", "paused", "limit-contact", "archived")


@dataclass(frozen=True, slots=True)
class Interaction:
    """A moment of contact with a person.

    ``person`` names the person as a link would: a title, an alias or a
    vault path; the host resolves it. ``kind`` is e.g. ``"meeting"`` or
    ``"note"`` (a dated note linking them).
    """

    person: str
    date: dt.date
    source: str  # vault-relative path of the note it comes from ("" if none)
    kind: str
    title: str = ""


@dataclass(eq=False)
class Person:
    """A person note with its frontmatter made sense of."""

    note: Note
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    company: str | None = None
    cadence: Cadence | None = None
    cadence_set: bool = False  # False: use the role default
    last_contact: dt.date | None = None
    met: dt.date | None = None
    birthday: MonthDay | None = None
    started: dt.date | None = None
    milestones: tuple[tuple[str, dt.date], ...] = ()
    status: str = "active"
    snooze_until: dt.date | None = None
    interactions: list[Interaction] = field(default_factory=list)  # sorted by date

    @property
    def name(self) -> str:
        return self.note.title

    @property
    def path(self) -> str:
        return self.note.path

    def contacts(self, today: dt.date) -> list[tuple[dt.date, str]]:
        """Every known contact on or before ``today`` as (date, how), oldest first."""
        found = [(i.date, _describe_interaction(i)) for i in self.interactions if i.date <= today]
        if self.last_contact and self.last_contact <= today:
            found.append((self.last_contact, "last_contact"))
        if self.met and self.met <= today:
            found.append((self.met, "met"))
        return sorted(found)

    def last_contact_on(self, today: dt.date) -> tuple[dt.date, str] | None:
        """The latest contact on or before ``today``, with how it happened: ``contacts(today)[-1]``,
        without describing every contact."""
        day = max((i.date for i in self.interactions if i.date <= today), default=None)
        found = [(day, _describe_interaction(i)) for i in self.interactions if i.date == day] if day else []
        found += [(date, how) for date, how in ((self.last_contact, "last_contact"), (self.met, "met"))
                  if date and date <= today]
        return max(found, default=None)

    @classmethod
    def from_note(cls, note: Note, problems: list[Problem]) -> Person:
        """Read the person fields, reporting each unusable value and ignoring it."""
        person = cls(note)

        def read(key, parse):
            value = note.get(key)
            if value is None or value == "":
                return None
            try:
                return parse(value)
            except DateProblem as exc:
                problems.append(note.problem(f"{key}: {exc}; ignored", key))
                return None

        alias_key = "aliases" if note.get("aliases") is not None else "alias"
        person.aliases = tuple(a.strip() for a in texts(note, alias_key, problems) if a.strip())
        person.roles = _roles(note, problems)
        company = texts(note, "company", problems, many=False)
        person.company = company[0] if company else None
        if note.get("cadence") is not None:
            person.cadence_set = True
            person.cadence = read("cadence", parse_cadence)
            raw = note.get("cadence")
            if person.cadence is None and not (isinstance(raw, str) and raw.strip().lower() in ("none", "never", "off")):
                person.cadence_set = False  # unreadable: fall back to the role default
        person.last_contact = read("last_contact", parse_date)
        person.met = read("met", parse_date)
        person.birthday = read("birthday", parse_month_day)
        person.started = read("started", parse_date)
        person.snooze_until = read("snooze_until", parse_date)
        person.milestones = _milestones(note, problems)
        for status in texts(note, "status", problems, many=False):
            text = status.strip().lower().replace("_", "-").replace(" ", "-")
            if text in STATUSES:
                person.status = text
            else:
                problems.append(note.problem(
                    f"status: {status!r} is not one of {', '.join(STATUSES)}; treated as active", "status"))
        return person


def _describe_interaction(interaction: Interaction) -> str:
    title = interaction.title or interaction.source
    return f"mentioned in {title}" if interaction.kind == "note" else f"{interaction.kind}: {title}"


_SCALARS = (str, int, float, dt.date)


def texts(note: Note, key: str, problems: list[Problem], many: bool = True) -> list[str]:
    """A field that holds text (or, with ``many``, a list of texts or a comma-free list), as strings.

    Anything else — a mapping, a nested list, or a list where one value is expected — is
    reported and ignored, never turned into text (a YAML alias bomb would never finish).
    """
    value = note.get(key)
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, _SCALARS):
        return [str(value)]
    if many and isinstance(value, list) and all(isinstance(v, _SCALARS) or v is None for v in value):
        return [str(v) for v in value if v is not None]
    expected = "text or a list of texts" if many else "text"
    problems.append(note.problem(f"{key}: expected {expected}, got a {type(value).__name__}; ignored", key))
    return []


def _roles(note: Note, problems: list[Problem]) -> tuple[str, ...]:
    key = "role" if note.get("role") is not None else "roles"
    items = texts(note, key, problems)
    if len(items) == 1:
        items = items[0].split(",")
    roles = []
    for item in items:
        text = " ".join(item.split()).lower()
        text = _ROLE_SYNONYMS.get(text, text)
        if text in ROLES:
            if text not in roles:
                roles.append(text)
        elif text:
            problems.append(note.problem(
                f"role: {item!r} is not a known role ({', '.join(ROLES)}); ignored", "role"))
    return tuple(roles)


def _milestones(note: Note, problems: list[Problem]) -> tuple[tuple[str, dt.date], ...]:
    raw = note.get("milestones")
    if raw is None:
        return ()
    if isinstance(raw, list) and all(isinstance(i, dict) for i in raw):
        pairs = [pair for item in raw for pair in item.items()]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        problems.append(note.problem(
            "milestones: expected a mapping of label: date, e.g. 'promoted to director: 2024-12-01'; ignored",
            "milestones"))
        return ()
    found = []
    for label, value in pairs:
        try:
            found.append((str(label), parse_date(value)))
        except DateProblem as exc:
            problems.append(note.problem(f"milestones: {label}: {exc}; ignored", "milestones"))
    return tuple(sorted(found, key=lambda p: (p[1], p[0])))


@dataclass(eq=False)
class Meeting:
    """A meeting note: when it happened and who was there."""

    note: Note
    date: dt.date | None
    attendees: list[Person]
    follow_up: dt.date | None = None
    follow_up_done: bool = False

    @functools.cached_property
    def title(self) -> str:
        """The note's title without a leading date: "2026-10-01 Q3 review" → "Q3 review"."""
        title = _LEADING_DATE.sub("", self.note.title)
        return title or self.note.title


_LEADING_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[\s_–—-]*")


def make_uid(kind: str, *parts: object) -> str:
    """A stable reminder identity from what the reminder is about.

    Names are hashed so no personal data appears in clear text in a feed.
    """
    digest = hashlib.sha256("\x1f".join([kind, *map(str, parts)]).encode()).hexdigest()[:20]
    return f"{kind}-{digest}@relnotes"


@dataclass(frozen=True, slots=True)
class Reminder:
    """Something to do or celebrate on a date.

    ``date`` is when it is (or was) due; a reminder dated before today is
    overdue. ``detail`` says why, for people reading it; ``data`` holds
    facts outputs may use (e.g. ``{"years": 5}``).
    """

    kind: str
    person: str | None  # the person note's title
    date: dt.date
    title: str
    source: str  # vault-relative path of the note it comes from
    uid: str
    detail: str = ""
    person_path: str | None = None
    data: tuple[tuple[str, object], ...] = ()

    def overdue(self, today: dt.date) -> bool:
        return self.date < today

    def to_json(self, today: dt.date) -> dict:
        out = {
            "kind": self.kind,
            "person": self.person,
            "date": self.date.isoformat(),
            "overdue": self.overdue(today),
            "title": self.title,
            "source": self.source,
            "uid": self.uid,
            "detail": self.detail,
            "data": dict(self.data),
        }
        return out


@dataclass(frozen=True)
class Output:
    """A file relnotes generates (the calendar feed, the summary note …).

    ``marker`` identifies relnotes' own files: an existing file at ``path``
    that does not contain it is never replaced.
    """

    name: str  # e.g. "ics", "summary"
    path: Path
    content: bytes
    marker: bytes
    media_type: str = "application/octet-stream"
