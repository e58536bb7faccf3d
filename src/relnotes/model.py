"""The data relnotes works on: notes as read, the people, meetings, interactions and
reminders made from them, the vault that links them, and a scan's result.
Pure: nothing here touches the disk, except a note whose body was let go of (see
:meth:`Note.release_body`), which reads it again from its file when asked."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import posixpath
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import unquote

from .actions import Action, read_actions
from .dates import Cadence, DateProblem, MonthDay, parse_cadence, parse_date, parse_month_day
from .fields import Fields, Found, Vocabulary, field_key, single
from .links import Link, find_links, frontmatter_links, name_key, prose
from .markdown import DONE, Task, find_tasks
from .problem import Problem
from .text import days_away

if TYPE_CHECKING:
    from .obsidian import VaultSettings

__all__ = [
    "CATEGORIES",
    "ROLES",
    "STATUSES",
    "GoalStatus",
    "Interaction",
    "Meeting",
    "Note",
    "Output",
    "Person",
    "Problem",
    "Recurrence",
    "Reminder",
    "ScanResult",
    "Vault",
    "make_uid",
    "progress_bar",
]


T = TypeVar("T")



_MISSING = object()


class Note:
    """One Markdown file of the vault, as read.

    ``links`` (wikilinks in frontmatter values and body) are found the first time they
    are asked for: most notes' links are never needed, and finding them is the costliest
    part of reading a note.

    A note read from a file keeps the facts the rules derived from its body (its tasks,
    inline fields, contact links, …: see :meth:`derived`), not the body: once a scan has
    built its vault, the body is let go of (:meth:`release_body`), and the cache keeps the
    facts. Asked for after that, :attr:`body` is read again from the file.
    """

    __slots__ = (
        "_body",
        "_derived",
        "_links",
        "_lower_keys",
        "_source",
        "body_line",
        "daily",
        "date",
        "frontmatter",
        "key_lines",
        "kind",
        "path",
        "title",
    )
    _body: str | bytes | None  # None: let go of (see release_body)

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
        self._source: Callable[[], str] | None = None  # reads the body again from the file

    def __repr__(self) -> str:
        return f"Note({self.path!r}, kind={self.kind!r})"

    @property
    def body(self) -> str:
        """The text after the frontmatter. Kept as it is when ASCII, else as UTF-8 bytes, decoded
        when asked for: Python keeps a text with a single emoji or CJK character in it at 4 bytes
        a character (the bodies were half the memory of a scan). Read again from the file once
        let go of (:meth:`release_body`), as the file holds it now, and kept until let go of again
        (so a rule deriving several things from it reads the file once)."""
        body = self._body
        if body is None:
            text = self._source() if self._source is not None else ""
            self.body = text
            return text
        return body if isinstance(body, str) else body.decode("utf-8", "surrogatepass")

    @body.setter
    def body(self, text: str) -> None:
        self._body = text if text.isascii() else text.encode("utf-8", "surrogatepass")

    def read_from(self, source: Callable[[], str]) -> None:
        """The note was read from a file, whose body ``source()`` reads again (a picklable callable:
        the cache keeps it): its body may be let go of."""
        self._source = source

    def release_body(self) -> None:
        """Let go of the body of a note read from a file (see :meth:`read_from`), keeping what was
        derived from it: asked for again, it is read from the file."""
        if self._source is not None:
            self._body = None

    def __reduce__(self) -> tuple:
        """Pickled compactly (the cache): a note read from a file without its body, with the facts
        derived from it (:data:`FACTS`) and its links."""
        facts = {name: kept for name, kept in (self._derived or {}).items() if name in FACTS}
        return _restored, (self.path, self.title, self.frontmatter, None if self._source else self._body,
                           self.body_line, self.key_lines, self.date, self.daily, self.kind, self._source,
                           facts or None, self._links)

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
    def tasks(self) -> tuple[Task, ...]:
        """Every task item of the body (``- [ ] …``), fenced code skipped; worked out once."""
        return self.derived("tasks", lambda: find_tasks(self.body, self.body_line))

    @property
    def actions(self) -> tuple[list[Action], list[tuple[int, str]]]:
        """The action log's lines of the body, and those that cannot be read (see
        :func:`~relnotes.actions.read_actions`); worked out once."""
        return self.derived("actions", lambda: read_actions(self.body, self.body_line))

    @property
    def contact_links(self) -> tuple[Link, ...]:
        """The links that are contact with whom they name: those of :attr:`links`, less those in
        embeds, code and query blocks, comments, tasks not done (an intention is not contact) and
        the action log's snoozes and dones. Worked out once."""
        def find() -> tuple[Link, ...]:
            intentions = ({t.line for t in self.tasks if t.status not in DONE}
                          | {action.line for action in self.actions[0] if action.kind != "talked"})
            body = [link for link in find_links(prose(self.body), self.body_line, embeds=False)
                    if link.line not in intentions]
            return (*frontmatter_links(self.frontmatter, self.key_lines), *body)
        return self.derived("contact-links", find)

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


# The names of what :meth:`Note.derived` keeps that the cache keeps too: facts of the note's body
# alone (and of the parameters each records), which the rules ask of every note.
FACTS = frozenset({"tasks", "tasks-filtered", "contact-links", "inline-fields", "inline-tags", "headings",
                   "contact-log", "actions", "labelled-lines"})


def _restored(path: str, title: str, frontmatter: dict, body: str | bytes | None, body_line: int,
              key_lines: dict[str, int], date: dt.date | None, daily: bool, kind: str,
              source: Callable[[], str] | None,
              facts: dict | None, links: tuple[Link, ...] | None) -> Note:
    """A note as :meth:`Note.__reduce__` pickled it (the body as the note keeps it)."""
    note = Note(path, title, frontmatter, "", links, body_line, key_lines, date, daily, kind)
    note._body, note._source, note._derived = body, source, facts
    return note


ROLES = ("mentor", "sponsor", "peer", "manager", "client", "contact")
STATUSES = ("active", "paused", "limit-contact", "archived")
_STATUS_WORDS = {"inactive": "paused", "on-hold": "paused", "dormant": "paused", "archive": "archived"}
_DEFAULT_VOCABULARY = Vocabulary()


@dataclass(frozen=True, slots=True)
class Interaction:
    """A moment of contact with a person.

    ``person`` names the person as a link would: a title, an alias or a
    vault path; the host resolves it. ``kind`` is e.g. ``"meeting"`` or
    ``"note"`` (a dated note linking them); ``line`` says where in its source it was
    found, when known (a brief shows which line counted).
    """

    person: str
    date: dt.date
    source: str  # vault-relative path of the note it comes from ("" if none)
    kind: str
    title: str = ""
    line: int | None = None


@dataclass(eq=False)
class Person:
    """A person note with its frontmatter made sense of."""

    note: Note
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()  # relationship types: ROLES, or the user's own ([cadence] keys, relationship:)
    company: str | None = None
    position: str | None = None  # a job title: `position`, or a `role` that is no relationship type
    cadence: Cadence | None = None
    cadence_set: bool = False  # False: use the role default
    last_contact: dt.date | None = None
    met: dt.date | None = None
    birthday: MonthDay | None = None
    started: dt.date | None = None
    milestones: tuple[tuple[str, dt.date], ...] = ()
    status: str = "active"
    snooze_until: dt.date | None = None
    # identity keys: found by them as by an alias (``email_key``, ``phone_key``, ``linkedin_key``)
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    linkedin: str | None = None
    interactions: list[Interaction] = field(default_factory=list)  # sorted by date
    # a snooze from the action log (relnotes snooze), as of the day of the build: (until, where)
    logged_snooze: tuple[dt.date, str] | None = field(default=None, init=False, repr=False)
    _last: tuple | None = field(default=None, init=False, repr=False)  # last_contact_on's answer, and its inputs

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

    def contacted(self, today: dt.date) -> bool:
        """Whether any contact on or before ``today`` is recorded."""
        return (any(i.date <= today for i in self.interactions)
                or any(d is not None and d <= today for d in (self.last_contact, self.met)))

    @property
    def identity(self) -> tuple[str, ...]:
        """The keys that identify the person besides their names: ``priya@example.org``,
        ``tel:+15551234567``, ``linkedin:priya-raman`` (each a link target that leads to them)."""
        return (*self.emails, *self.phones, *((self.linkedin,) if self.linkedin else ()))

    @property
    def handles(self) -> tuple[str, ...]:
        """What the person is found by besides the note's title: aliases and identity keys."""
        return (*self.aliases, *self.identity)

    @property
    def snoozed_until(self) -> dt.date | None:
        """The later of ``snooze_until`` and the action log's snooze, if any."""
        logged = self.logged_snooze[0] if self.logged_snooze else None
        return max((d for d in (self.snooze_until, logged) if d), default=None)

    def snoozed(self, due: dt.date, why: str) -> tuple[dt.date, str]:
        """A reminder's ``due`` date and ``why``, put off to ``snooze_until`` (or the action log's
        snooze) when that is later, and saying so."""
        until = self.snoozed_until
        if until and until > due:
            where = f" ({self.logged_snooze[1]})" if self.logged_snooze and self.logged_snooze[0] == until else ""
            return until, f"{why} · snoozed until {until.isoformat()}{where}"
        return due, why

    def booked(self, today: dt.date) -> Interaction | None:
        """The first meeting booked after ``today``, if any (of one day's, a meeting note's before
        a calendar's)."""
        ahead = [i for i in self.interactions if i.date > today and i.kind == "meeting"]
        if not ahead:
            return None
        return next((i for i in ahead if i.date == ahead[0].date and i.source), ahead[0])

    def cadences(self, defaults: Mapping[str, Cadence | None],
                 today: dt.date | None = None) -> list[tuple[Cadence, str]]:
        """The cadences that apply, with where each comes from: the note's own ``cadence``, or
        the ``defaults`` (per relationship type, ``config.cadence``) of the person's types; a type
        without a default of its own, and a person of no type once contact with them is recorded
        (on or before ``today``; any, without it), follow ``defaults["default"]``."""
        if self.cadence_set:
            return [(self.cadence, "cadence")] if self.cadence else []
        fallback = defaults.get("default")
        if not self.roles:
            contacted = self.contacted(today) if today else bool(self.interactions or self.last_contact or self.met)
            return [(fallback, "default cadence")] if fallback and contacted else []
        found = []
        for role in self.roles:
            cadence, origin = (defaults[role], f"{role} default") if role in defaults else (fallback, "default cadence")
            if cadence:
                found.append((cadence, origin))
        return found

    def last_contact_on(self, today: dt.date) -> tuple[dt.date, str] | None:
        """The latest contact on or before ``today``, with how it happened: ``contacts(today)[-1]``,
        without describing every contact (remembered while the interactions are the same list)."""
        kept = self._last
        if kept is not None and kept[0] is self.interactions and kept[1:4] == (today, self.last_contact, self.met):
            return kept[4]
        last = self.last_interaction(today)
        found = [(last.date, _describe_interaction(last))] if last else []
        found += [(date, how) for date, how in ((self.last_contact, "last_contact"), (self.met, "met"))
                  if date and date <= today]
        answer = max(found, default=None)
        self._last = (self.interactions, today, self.last_contact, self.met, answer)
        return answer

    def last_interaction(self, today: dt.date) -> Interaction | None:
        """The latest interaction on or before ``today`` (of one day's, the last as described)."""
        day = max((i.date for i in self.interactions if i.date <= today), default=None)
        if day is None:
            return None
        return max((i for i in self.interactions if i.date == day), key=_describe_interaction)

    @classmethod
    def from_note(cls, note: Note, problems: list[Problem], vocabulary: Vocabulary | None = None) -> Person:
        """Read the person fields — under any of their names (``vocabulary``, by default the
        built-in ones) — reporting each unusable value and ignoring it."""
        words = vocabulary or _DEFAULT_VOCABULARY
        fields = words.reader(note)
        find = fields.find
        person = cls(note)

        def read(name: str, parse: Callable[[object], T]) -> T | None:
            found = find(name)
            if found is None:
                return None
            try:
                return parse(single(found.value))
            except DateProblem as exc:
                problems.append(note.problem(f"{found.key}: {exc}; ignored", line=found.line))
                return None

        aliases = find("aliases")
        person.aliases = tuple(a.strip() for a in texts(note, aliases, problems) if a.strip())
        person.roles, titles = _roles(note, fields, words, problems)
        company = texts(note, find("company"), problems, many=False)
        person.company = company[0] if company else None
        position = texts(note, find("position"), problems, many=False)
        person.position = position[0] if position else (", ".join(titles) if titles else None)
        cadence = find("cadence")
        if cadence is not None:
            person.cadence_set = True
            person.cadence = read("cadence", parse_cadence)
            raw = single(cadence.value)
            if person.cadence is None and not (isinstance(raw, str)
                                               and raw.strip().lower() in ("none", "never", "off")):
                person.cadence_set = False  # unreadable: fall back to the role default
        person.last_contact = read("last_contact", parse_date)
        person.met = read("met", parse_date)
        person.birthday = read("birthday", parse_month_day)
        person.started = read("started", parse_date)
        person.snooze_until = read("snooze_until", parse_date)
        person.milestones = _milestones(note, find("milestones"), problems)
        for name, parse in (("email", email_key), ("phone", phone_key), ("linkedin", linkedin_key)):
            found = find(name)
            if found is None:
                continue
            keys: list[str] = []
            for text in texts(note, found, problems, many=name != "linkedin"):
                key = parse(text)
                if key is None:
                    problems.append(note.problem(f"{found.key}: {text!r} is not {_KEY_WORDS[name]}; ignored",
                                                 line=found.line))
                elif key not in keys:
                    keys.append(key)
            if name == "linkedin":
                person.linkedin = keys[0] if keys else None
            else:
                setattr(person, f"{name}s", tuple(keys))
        found = find("status")
        for status in texts(note, found, problems, many=False):
            text = status.strip().lower().replace("_", "-").replace(" ", "-")
            text = _STATUS_WORDS.get(text, text)
            if text in STATUSES:
                person.status = text
            elif found is not None:
                problems.append(note.problem(
                    f"{found.key}: {status!r} is not one of {', '.join(STATUSES)}; treated as active",
                    line=found.line))
        return person


_EMAIL = re.compile(r"[^@\s<>()\[\],;:\"]+@[^@\s<>()\[\],;:\"]+\.[^@\s<>()\[\],;:\".]+")
_LINKEDIN = re.compile(r"(?:https?://)?(?:[\w-]+\.)?linkedin\.com/(?:in|pub)/([^/?#\s]+)", re.IGNORECASE)
_KEY_WORDS = {"email": "an email address", "phone": "a phone number (7 digits or more)",
              "linkedin": "a LinkedIn profile (https://www.linkedin.com/in/NAME)"}


def email_key(text: str) -> str | None:
    """An email address as it identifies a person: ``Priya@Example.org`` → ``priya@example.org``
    (``mailto:`` and a display name's ``<…>`` taken off); None when it is none."""
    text = text.strip()
    if "<" in text and text.endswith(">"):
        text = text[text.rindex("<") + 1:-1]
    text = text.removeprefix("mailto:").removeprefix("MAILTO:").strip()
    return text.lower() if _EMAIL.fullmatch(text) else None


def phone_key(text: str) -> str | None:
    """A phone number as it identifies a person: ``+1 (555) 123-4567`` → ``tel:+15551234567``."""
    text = text.strip().removeprefix("tel:")
    digits = re.sub(r"\D", "", text)
    if not 7 <= len(digits) <= 15 or re.search(r"[^\d\s()+./-]", text):
        return None
    return "tel:" + ("+" if text.startswith("+") else "") + digits


def identity_kind(key: str) -> str | None:
    """Which identity field a key (:attr:`Person.identity`) comes from — ``"email"``, ``"phone"``
    or ``"linkedin"`` — or None for a name."""
    if key.startswith("tel:"):
        return "phone"
    if key.startswith("linkedin:"):
        return "linkedin"
    return "email" if email_key(key) == key else None


def linkedin_key(text: str) -> str | None:
    """A LinkedIn profile as it identifies a person: ``https://www.linkedin.com/in/Priya-Raman/`` →
    ``linkedin:priya-raman``."""
    found = _LINKEDIN.search(text.strip())
    return f"linkedin:{unquote(found.group(1)).casefold()}" if found else None


def _describe_interaction(interaction: Interaction) -> str:
    title = interaction.title or interaction.source
    return f"mentioned in {title}" if interaction.kind == "note" else f"{interaction.kind}: {title}"


_SCALARS = (str, int, float, dt.date)


def texts(note: Note, found: Found | None, problems: list[Problem], many: bool = True) -> list[str]:
    """A field (as found by a :class:`~relnotes.fields.Vocabulary`) that holds text — or, with
    ``many``, a list of texts — as strings; a link stands for its target, a list of one for its item.

    Anything else — a mapping, a nested list, or a list where one value is expected — is
    reported and ignored, never turned into text (a YAML alias bomb would never finish).
    """
    if found is None:
        return []
    value = found.value if many else single(found.value)
    if value is None or isinstance(value, bool):
        return []
    if isinstance(value, _SCALARS):
        return [str(single(value))]
    if many and isinstance(value, list):
        items = [single(v) for v in value]
        if all(isinstance(v, _SCALARS) or v is None for v in items):
            return [str(v) for v in items if v is not None]
    expected = "text or a list of texts" if many else "text"
    problems.append(note.problem(f"{found.key}: expected {expected}, got a {type(value).__name__}; ignored",
                                 line=found.line))
    return []


def _roles(note: Note, fields: Fields, words: Vocabulary,
           problems: list[Problem]) -> tuple[tuple[str, ...], list[str]]:
    """The person's relationship types, and the ``role`` values that are job titles instead.

    A word of a ``role`` field that is no relationship type is a job title (``role: Tech
    Lead``); one of a ``relationship`` field is a type of the user's own (``relationship: friend``).
    Without either, a ``type`` that is a relationship type (``type: mentor``) is the person's.
    """
    roles: list[str] = []
    titles: list[str] = []
    for found in fields.values("role"):
        items = texts(note, found, problems)
        if len(items) == 1:
            items = items[0].split(",")
        title_field = field_key(found.key) in ("role", "roles")
        for item in items:
            text = " ".join(item.split())
            kind = words.relationship(text)
            if kind is None and text and not title_field:
                kind = text.lower()
            if kind is not None:
                if kind not in roles:
                    roles.append(kind)
            elif text:
                titles.append(text)
    if not roles:  # `type: mentor`, `type: contact`: the type that made a person says the relationship too
        for word in texts(note, fields.find("type"), []):
            kind = words.relationship(word)
            if kind is not None and kind not in roles:
                roles.append(kind)
    return tuple(roles), titles


def _milestones(note: Note, found: Found | None, problems: list[Problem]) -> tuple[tuple[str, dt.date], ...]:
    if found is None:
        return ()
    raw = found.value
    if isinstance(raw, list) and all(isinstance(i, dict) for i in raw):
        pairs = [pair for item in raw for pair in item.items()]
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    else:
        problems.append(note.problem(
            "milestones: expected a mapping of label: date, e.g. 'promoted to director: 2024-12-01'; ignored",
            line=found.line))
        return ()
    dates = []
    for label, value in pairs:
        try:
            dates.append((str(label), parse_date(single(value))))
        except DateProblem as exc:
            problems.append(note.problem(f"{found.key}: {label}: {exc}; ignored", line=found.line))
    return tuple(sorted(dates, key=lambda p: (p[1], p[0])))


@dataclass(eq=False)
class Meeting:
    """A meeting note: when it happened and who was there."""

    note: Note
    date: dt.date | None
    attendees: list[Person]
    follow_up: dt.date | None = None
    follow_up_done: bool = False

    @property
    def title(self) -> str:
        """The note's title without a leading date: "2026-10-01 Q3 review" → "Q3 review".
        (A plain property: a cached one takes a lock, slower than working it out again.)"""
        title = _LEADING_DATE.sub("", self.note.title)
        return title or self.note.title


_LEADING_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[\s_–—-]*")


def make_uid(kind: str, *parts: object) -> str:
    """A stable reminder identity from what the reminder is about.

    Names are hashed so no personal data appears in clear text in a feed.
    """
    digest = hashlib.sha256("\x1f".join([kind, *map(str, parts)]).encode()).hexdigest()[:20]
    return f"{kind}-{digest}@relnotes"


CATEGORIES = ("todo", "celebration")


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A reminder that comes back every year on one day: a birthday, an anniversary.

    Calendars show it as one yearly series from ``start``, titled ``title`` (without
    an age or a count); a Feb 29 series falls on ``leap_day`` (``"feb28"`` or
    ``"mar1"``) in common years, and the feed gives it as one event per year.
    """

    start: dt.date  # the first occurrence of the series
    title: str
    month: int
    day: int
    leap_day: str = "feb28"

    def to_json(self) -> dict:
        return {"recurs": "yearly", "series_start": self.start.isoformat(), "series_title": self.title,
                "month_day": f"{self.month:02d}-{self.day:02d}"}


@dataclass(frozen=True, slots=True)
class Reminder:
    """Something to do or celebrate on a date.

    ``date`` is when it is (or was) due; a reminder dated before today is
    overdue. ``detail`` says why, for people reading it; ``data`` holds
    facts outputs may use (e.g. ``{"years": 5}``). ``category`` is ``"todo"``
    or ``"celebration"``; ``recurrence`` makes it a yearly calendar series.
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
    category: str = "todo"
    recurrence: Recurrence | None = None

    @property
    def celebration(self) -> bool:
        return self.category == "celebration"

    def overdue(self, today: dt.date) -> bool:
        return self.date < today

    def late_by(self, today: dt.date) -> str:
        """How late it is, in words: ``"3 days late"``."""
        return days_away((self.date - today).days)

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
            "data": {**dict(self.data), **(self.recurrence.to_json() if self.recurrence else {})},
        }
        return out


FEED_NAME = "relnotes.ics"  # the calendar feed of every reminder in relnotes serve's URL: /TOKEN/relnotes.ics


@dataclass(frozen=True)
class Output:
    """A file relnotes generates (the calendar feed, the summary note …).

    ``marker`` identifies relnotes' own files: an existing file at ``path``
    that does not contain it is never replaced. ``label`` names it for people
    ("calendar feed"); ``media_type`` says what it is: ``serve`` serves each
    ``text/calendar`` one, at ``/TOKEN/`` and its ``served_as`` (its file's name
    when empty).
    """

    name: str  # e.g. "ics", "summary"
    path: Path
    content: bytes
    marker: bytes
    media_type: str = "application/octet-stream"
    label: str = ""
    served_as: str = ""

    @property
    def bare_type(self) -> str:
        """Its media type without parameters: ``"text/calendar"``."""
        return self.media_type.split(";", 1)[0].strip()

    @property
    def served_name(self) -> str:
        """The last part of its URL in ``relnotes serve``."""
        return self.served_as or self.path.name

    @property
    def shown_label(self) -> str:
        return self.label or self.name



class Vault:
    """The vault made sense of: notes, people, meetings, and how links resolve.

    ``root`` is the vault folder, for plugins that read files of their own in
    ``root / ".relnotes"`` (relnotes itself has read every note by now; a change to a
    file elsewhere is not seen by ``scan`` while the vault is unchanged).

    A long-running ``relnotes watch`` keeps one vault and updates it note by note (see
    :class:`relnotes.core.Engine`): the lists :attr:`notes`, :attr:`people` and
    :attr:`meetings` are made, in path order, when first asked for after a change.
    """

    def __init__(self, root: Path, settings: VaultSettings | None = None) -> None:
        self.root = root
        self.settings = settings  # what relnotes took from .obsidian/ (None: Obsidian's defaults)
        self.problems: list[Problem] = []
        self._notes: dict[str, Note] = {}
        self._person_of: dict[str, Person] = {}
        self._meeting_of: dict[str, Meeting] = {}
        self._by_path: dict[str, Note] = {}
        self._by_title: dict[str, dict[str, Note]] = defaultdict(dict)
        self._by_alias: dict[str, dict[str, Person]] = defaultdict(dict)
        # link target -> what _resolve says of it: a vault links the same names often
        self._resolved: dict[str, tuple[Note | None, str, str]] = {}
        self._lists: dict[str, list] = {}
        # each person's latest contact (an interaction, future ones too, or last_contact), and
        # (that date, path) in order: who was in touch since a day is found without asking everyone
        self._latest: dict[str, dt.date] = {}
        self._by_latest: list[tuple[dt.date, str]] = []
        self._seen: set[str] | None = None  # while tracking: the names looked up
        self._ambiguous: dict[str, str] | None = None  # while tracking: ambiguous key -> the target as written

    # --- the lists, in path order ------------------------------------------------------------

    def _listed(self, name: str, items: Mapping[str, T]) -> list[T]:
        found = self._lists.get(name)
        if found is None:
            found = self._lists[name] = [items[path] for path in sorted(items)]
        return found

    @property
    def notes(self) -> list[Note]:
        return self._listed("notes", self._notes)

    @property
    def people(self) -> list[Person]:
        return self._listed("people", self._person_of)

    @property
    def meetings(self) -> list[Meeting]:
        return self._listed("meetings", self._meeting_of)

    def contacted_since(self, day: dt.date) -> list[Person]:
        """The people with an interaction or a ``last_contact`` on or after ``day`` (those to come
        too), most recent last: a few of a large vault's people, found without asking each."""
        start = bisect.bisect_left(self._by_latest, (day, ""))
        return [self._person_of[path] for _, path in self._by_latest[start:]]

    # --- changes (made by the engine) --------------------------------------------------------

    def set_interactions(self, person: Person, interactions: list[Interaction]) -> None:
        """Give ``person`` (one of the vault's) its ``interactions``, sorted by date, and index its
        latest contact anew (after its ``last_contact`` changed too)."""
        person.interactions = interactions
        self._unindex_contact(person.path)
        latest = max(filter(None, (interactions[-1].date if interactions else None, person.last_contact)),
                     default=None)
        if latest is not None:
            self._latest[person.path] = latest
            bisect.insort(self._by_latest, (latest, person.path))

    def _unindex_contact(self, path: str) -> None:
        latest = self._latest.pop(path, None)
        if latest is not None:
            del self._by_latest[bisect.bisect_left(self._by_latest, (latest, path))]

    def put_note(self, note: Note) -> None:
        """Add ``note``, or put it in the place of the note at its path (the person or meeting
        that note was stays, for the engine to bring up to date)."""
        self._notes[note.path] = note
        self._by_path[name_key(note.path[:-3])] = note
        self._by_title[name_key(note.title)][note.path] = note
        self._lists.pop("notes", None)
        self._resolved.clear()

    def drop_note(self, path: str) -> None:
        """Forget the note at ``path`` (and the person or meeting it was)."""
        note = self._notes.pop(path, None)
        if note is None:
            return
        self._by_path.pop(name_key(path[:-3]), None)
        titled = self._by_title[name_key(note.title)]
        titled.pop(path, None)
        if not titled:
            del self._by_title[name_key(note.title)]
        self.drop_person(path)
        self.set_meeting(path, None)
        self._lists.pop("notes", None)
        self._resolved.clear()

    def put_person(self, person: Person, aliases: tuple[str, ...] = ()) -> None:
        """Add ``person``, or index it again after it changed in place (``aliases``: the
        :attr:`~Person.handles` it had): the list of people stays as it is then."""
        for alias in aliases:
            self._unalias(person.path, alias)
        if self._person_of.get(person.path) is not person:
            self.drop_person(person.path)
            self._person_of[person.path] = person
            self._lists.pop("people", None)
        for alias in person.handles:
            self._by_alias[name_key(alias)][person.path] = person
        self._resolved.clear()

    def drop_person(self, path: str) -> None:
        person = self._person_of.pop(path, None)
        if person is None:
            return
        for alias in person.handles:
            self._unalias(path, alias)
        self._unindex_contact(path)
        self._lists.pop("people", None)
        self._resolved.clear()

    def _unalias(self, path: str, alias: str) -> None:
        named = self._by_alias.get(name_key(alias))
        if named is not None:
            named.pop(path, None)
            if not named:
                del self._by_alias[name_key(alias)]

    def set_meeting(self, path: str, meeting: Meeting | None) -> None:
        if meeting is not None:
            self._meeting_of[path] = meeting
        elif self._meeting_of.pop(path, None) is None:
            return
        self._lists.pop("meetings", None)

    def meeting_of(self, note: Note) -> Meeting | None:
        """The meeting ``note`` is, if it is one."""
        return self._meeting_of.get(note.path)

    def person_of(self, note: Note) -> Person | None:
        """The person ``note`` describes, if it is a person note."""
        return self._person_of.get(note.path)

    def named(self, key: str) -> list[Person]:
        """The people whose title or an alias is ``key`` (a :func:`~relnotes.links.name_key`), in path order."""
        found = {path: self._person_of[path] for path in self._by_title.get(key, ()) if path in self._person_of}
        found.update(self._by_alias.get(key, {}))
        return [found[path] for path in sorted(found)]

    def track(self, seen: set[str] | None, ambiguous: dict[str, str] | None) -> None:
        """Record in ``seen`` the names looked up from now on (:meth:`resolve`, :meth:`person`,
        :meth:`person_at`), each as the key of its last part, and in ``ambiguous`` those that
        are ambiguous, as written (None, None: stop): what an answer depends on besides its note."""
        self._seen, self._ambiguous = seen, ambiguous

    # --- resolving links ---------------------------------------------------------------------

    def _candidates(self, key: str) -> list[Note]:
        if "/" in key:
            exact = self._by_path.get(key.lstrip("/"))
            if exact:
                return [exact]
            tail = key.rsplit("/", 1)[1]
            return [n for n in self._by_title.get(tail, {}).values() if name_key(n.path[:-3]).endswith("/" + key)]
        notes = list(self._by_title.get(key, {}).values())
        return notes or [p.note for p in self._by_alias.get(key, {}).values()]

    def resolve(self, target: str, source: str = "") -> Note | None:
        """The note a link target points at, as Obsidian resolves it.

        Case and Unicode form are ignored; ``folder/Name`` picks by path;
        aliases of people count. Among several notes of one name, people come
        first, then the shortest path (a warning names them, once). A relative
        target (``../People/Jane``, ``./Jane``) is taken from the folder of ``source``.
        """
        if target.startswith("."):
            target = _relative(target, source)
        found = self._resolved.get(target)
        if found is None:
            found = self._resolved[target] = self._resolve(target)
        note, tail, key = found
        if self._seen is not None:
            self._seen.add(tail)
            if key and self._ambiguous is not None:
                self._ambiguous.setdefault(key, target)
        return note

    def _resolve(self, target: str) -> tuple[Note | None, str, str]:
        """The note ``target`` means, the key of its last part, and its key when several notes
        answer to it ("" when not)."""
        key = name_key(target)
        if key.endswith(".md"):
            key = key[:-3]
        notes = self._candidates(key)
        if len(notes) <= 1:
            return (notes[0] if notes else None), key.rpartition("/")[2], ""
        return min(notes, key=_preference), key.rpartition("/")[2], key

    def ambiguity(self, key: str) -> list[Note]:
        """The notes a link ``key`` could mean, the one it goes to first."""
        return sorted(self._candidates(key), key=_preference)

    def person(self, target: str, source: str = "") -> Person | None:
        """The person a link target, title, alias or path points at, or None."""
        note = self.resolve(target, source)
        return self._person_of.get(note.path) if note else None

    def person_at(self, path: str) -> Person | None:
        """The person whose note is at vault-relative ``path`` exactly (case and Unicode form aside)."""
        key = name_key(path[:-3] if path.lower().endswith(".md") else path)
        if self._seen is not None:
            self._seen.add(key.rpartition("/")[2])
        note = self._by_path.get(key)
        return self._person_of.get(note.path) if note else None

    def person_named(self, note: Note, key: str, name: str, line: int | None,
                     problems: list[Problem]) -> Person | None:
        """The person ``note``'s field ``key`` names (on ``line``), or None and a warning."""
        person = self.person(name, note.path)
        if person is None:
            problems.append(note.problem(f"{key}: no person note for {name!r}", line=line))
        return person

    # --- tasks -------------------------------------------------------------------------------

    def tasks(self, note: Note) -> tuple[Task, ...]:
        """The tasks of ``note``, as the vault's Tasks plugin settings (its global filter) have them."""
        task_filter = self.settings.task_filter if self.settings is not None else ""
        if not task_filter:
            return note.tasks
        removed = self.settings is not None and self.settings.task_filter_removed
        return note.derived(("tasks-filtered", task_filter, removed),
                            lambda: find_tasks(note.body, note.body_line, task_filter, removed))

    def task_notes(self) -> Iterator[tuple[Note, Meeting | None]]:
        """The notes tasks are read from — every note — with their meeting (or None)."""
        for note in self.notes:
            yield note, self._meeting_of.get(note.path)

    def task_owner(self, task: Task, note: Note, meeting: Meeting | None) -> Person | None:
        """Whom a task is about: the person whose note it is in, else the first person it links,
        else the meeting's first attendee."""
        person = self.person_of(note)
        if person is None:
            person = next((p for p in (self.person(t, note.path) for t in task.people) if p), None)
        if person is None and meeting is not None and meeting.attendees:
            person = meeting.attendees[0]
        return person


def _preference(note: Note) -> tuple:
    """Among notes of one name, which a link goes to: people first, then the shortest path."""
    return (note.kind != "person", len(note.path), note.path)


def _relative(target: str, source: str) -> str:
    """A relative link target (``../People/Jane``) made vault-relative from the folder of the
    note ``source``; above the vault's top is its top."""
    if not target.startswith(("./", "../")):
        return target
    path = posixpath.normpath(posixpath.join(source.rpartition("/")[0], target))
    while path.startswith("../"):
        path = path[3:]
    return path


@dataclass(frozen=True)
class GoalStatus:
    """Progress against ``goal = { people = N, per = "month" }``."""

    target: int
    per: str
    done: int
    period_start: dt.date
    people: tuple[str, ...] = ()

    def bar(self, width: int = 20, full: str = "#", empty: str = "-") -> str:
        """Progress as a bar of ``width`` characters."""
        return progress_bar(self.done, self.target, width, full, empty)

    def to_json(self) -> dict:
        return {"target": self.target, "per": self.per, "done": self.done,
                "period_start": self.period_start.isoformat(), "people": list(self.people)}


@dataclass
class ScanResult:
    """What a scan found: the vault, the reminders in its window, the goal, the problems."""

    root: Path  # the vault folder
    vault: Vault
    today: dt.date
    horizon: int
    reminders: list[Reminder]  # up to today + horizon, overdue ones included
    all_reminders: list[Reminder]  # whatever their date
    goal: GoalStatus | None
    problems: list[Problem] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)  # generated files, not yet written

    @functools.cached_property
    def frozen_reminders(self) -> tuple[Reminder, ...]:
        """``all_reminders`` as a tuple, made once: what the outputs cut into remembered runs, in
        parts (see :meth:`~relnotes.cache.Memo.runs`), cut once for them all."""
        return tuple(self.all_reminders)

    def output(self, media_type: str) -> Output | None:
        """The first output of this media type (e.g. ``"text/calendar"``), if any plugin made one."""
        return next(iter(self.outputs_of(media_type)), None)

    def outputs_of(self, media_type: str) -> list[Output]:
        """The outputs of this media type (without parameters), by name."""
        return [o for o in self.outputs if o.bare_type == media_type]


def progress_bar(done: int, target: int, width: int = 20, full: str = "#", empty: str = "-") -> str:
    """``done`` out of ``target`` as a bar of ``width`` characters."""
    filled = min(width, round(width * done / target)) if target else width
    return full * filled + empty * (width - filled)
