"""Incidents: notes that document a problematic interaction, the record one escalates with.

A note is an **incident** when its ``type`` says ``incident`` (as text, a link or in a list).
An incident is **about** the people its ``people`` field names (or any other name of
``attendees`` or ``about``: ``with``, ``person``, ``subject`` …); when it names none, about the
person whose note it sits under (``People/Ann/2026-03-01 x.md`` beside ``People/Ann.md``, or in
a folder ``Ann/`` holding ``Ann.md``). Its **witnesses** are the people (or plain names) of
its ``witnesses`` field, and the people linked on a line of its text that starts with
``Witnesses:``. Anyone else it links is only **mentioned**. Its **date** is its ``date``
field, else the date of its file name (or of its daily note), else it has none.

The contact rule, which the built-in interactions plugin follows: an incident is contact on
its date with the people it is about — never with its witnesses or the people it mentions,
whatever its file name; an undated incident is contact with no one.
Pure: nothing here touches the disk.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple

from .dates import DateProblem, parse_date
from .fields import Fields, Vocabulary, field_key, single
from .kinds import kind_words
from .links import link_targets, name_key, people_in, prose
from .model import Note, Person, Problem, Vault

__all__ = ["ABOUT", "INCIDENT", "MENTIONED", "WITNESS", "Incident", "Named", "find_incidents", "incident_of",
           "is_incident"]

INCIDENT = "incident"
ABOUT, WITNESS, MENTIONED = "about", "witness", "mentioned"  # what a person is to an incident

_LEADING_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[\s_–—-]*")
# "Witnesses: [[Ann]], [[Bob]]", "- **Witness**: [[Ann]]", "> Seen by: [[Ann]]" (one colon: "::" is a Dataview field)
_LABEL_LINE = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:(?:[-*+]|\d+[.)])[ \t]+)?(?:\*\*|__|\*|_)?"
                         r"([^\W\d_][\w \t-]{0,40}?)(?:\*\*|__|\*|_)?[ \t]*:(?!:)(.*)$", re.M)


class Named(NamedTuple):
    """Someone an incident names: as written (a link's target, or plain text), their person
    note when they have one, and the file line they are named on (None: not known)."""

    name: str
    person: Person | None
    line: int | None = None


@dataclass(frozen=True, eq=False)
class Incident:
    """One incident note, made sense of: when, about whom, seen by whom."""

    note: Note
    date: dt.date | None
    about: tuple[Named, ...]
    witnesses: tuple[Named, ...]
    mentioned: tuple[Person, ...]  # people it links who are neither about nor witnesses
    sits_under: bool = False  # `about` is the person note it sits under, not a field
    dated_by: str = ""  # where its date comes from: the field's name as written, "file name", "daily note"

    @property
    def title(self) -> str:
        """The note's title without a leading date: "2026-03-01 Standup" → "Standup"."""
        return _LEADING_DATE.sub("", self.note.title) or self.note.title

    def role(self, person: Person) -> str | None:
        """What ``person`` is to this incident: :data:`ABOUT`, :data:`WITNESS`, :data:`MENTIONED` or None."""
        if any(n.person is person for n in self.about):
            return ABOUT
        if any(n.person is person for n in self.witnesses):
            return WITNESS
        return MENTIONED if person in self.mentioned else None


_WORDS = ("incident", "incidents")


def is_incident(note: Note, words: Vocabulary) -> bool:
    """Whether ``note`` is an incident: its ``type`` (under any of its names) is ``incident``, as
    text, a link, or in a list."""
    declared = note.frontmatter.get("type")
    if isinstance(declared, str) and "[[" not in declared:  # the common case, quickly
        return field_key(declared) in _WORDS
    found = words.reader(note).find("type")
    return found is not None and any(field_key(word) in _WORDS for word, _ in kind_words(found.value))


def _names(note: Note, fields: Fields, canonical: str, problems: list[Problem]) -> list[tuple[str, str, int | None]]:
    """(key, name, line) of every name the fields called ``canonical`` give."""
    found = []
    for field in fields.values(canonical):
        if isinstance(field.value, dict) or not isinstance(field.value, (str, list)):
            problems.append(note.problem(f"{field.key}: expected links to people, got a "
                                         f"{type(field.value).__name__}; ignored", line=field.line))
            continue
        found += [(field.key, name, field.line) for name in people_in(field.value)]
    return found


def _fields(note: Note, words: Vocabulary) -> tuple:
    """What an incident note says, before names are resolved: its date and where it comes from, the
    names it is about and its witnesses as (key, name, line), and the problems with them."""
    problems: list[Problem] = []
    fields = words.reader(note)
    date = note.date
    dated_by = ("daily note" if note.daily else "file name") if date else ""
    written = fields.find("date")
    if written is not None:
        try:
            date, dated_by = parse_date(single(written.value)), written.key
        except DateProblem as exc:
            problems.append(note.problem(f"{written.key}: {exc}; " + (
                f"using {note.date} from the file name" if note.date else "the incident has no date"),
                line=written.line))
    elif date is None:
        problems.append(note.problem("incident has no date: add 'date: YYYY-MM-DD' or start the file name "
                                     "with it; until then it is in no period and counts as contact with no one"))
    about = _names(note, fields, "attendees", problems) + _names(note, fields, "about", problems)
    witnesses = _names(note, fields, "witnesses", problems)
    labels = set(words.names("witnesses"))
    for label, names, line in note.derived("labelled-lines", lambda: _labelled_lines(note.body, note.body_line)):
        if label in labels:
            witnesses += [("text", name, line) for name in names]
    return date, dated_by, about, witnesses, problems


def _labelled_lines(body: str, first_line: int) -> tuple[tuple[str, list[str], int], ...]:
    """The lines of ``body`` that start with a label (``Witnesses: [[Ann]], [[Bo]]``): the label
    (a :func:`~relnotes.fields.field_key`), the names they link and the line."""
    text = prose(body)
    return tuple((field_key(match.group(1)), link_targets(match.group(2)),
                  first_line + text.count("\n", 0, match.start())) for match in _LABEL_LINE.finditer(text))


def _sits_under(note: Note, vault: Vault) -> Person | None:
    """The person whose note the folders of ``note`` belong to: ``People/Ann/…`` beside
    ``People/Ann.md``, or in a folder ``Ann/`` that holds ``Ann.md``; the nearest wins."""
    folder = note.path.rpartition("/")[0]
    while folder:
        name = folder.rpartition("/")[2]
        for path in (f"{folder}.md", f"{folder}/{name}.md"):
            person = vault.person_at(path)
            if person is not None:
                return person
        folder = folder.rpartition("/")[0]
    return None


def incident_of(note: Note, vault: Vault, words: Vocabulary, problems: list[Problem]) -> Incident | None:
    """The incident ``note`` is, if it is one, its names resolved through ``vault``; the problems
    with it (a date that is none, a name without a person note, an incident about no one) are
    added to ``problems``."""
    if not is_incident(note, words):
        return None
    date, dated_by, about_names, witness_names, reported = _fields(note, words)
    problems += reported
    about: list[Named] = []
    for key, name, line in about_names:
        person = vault.person_named(note, key, name, line, problems)
        if not any(n.person is person if person else name_key(n.name) == name_key(name) for n in about):
            about.append(Named(name, person, line))
    sits_under = False
    if not about:
        owner = _sits_under(note, vault)
        if owner is not None:
            about, sits_under = [Named(owner.name, owner)], True
    named = {n.person.path for n in about if n.person}
    witnesses: list[Named] = []
    for _key, name, line in witness_names:
        person = vault.person(name, note.path)
        if person is not None and person.path in named:
            continue  # someone it is about is no witness to it
        if person is not None:
            named.add(person.path)
        elif any(n.person is None and name_key(n.name) == name_key(name) for n in witnesses):
            continue
        witnesses.append(Named(name, person, line))
    mentioned: list[Person] = []
    for link in note.links:
        person = vault.person(link.target, note.path)
        if person is not None and person.path not in named and person not in mentioned:
            mentioned.append(person)
    if not about:
        linked = f" (it links {', '.join(p.name for p in mentioned)})" if mentioned else ""
        problems.append(note.problem(
            f"incident names no one it is about: add 'people: [\"[[Name]]\"]'{linked}; until then it is "
            "in no one's incident record and counts as contact with no one"))
    return Incident(note, date, tuple(about), tuple(witnesses), tuple(mentioned), sits_under, dated_by)


def find_incidents(vault: Vault, words: Vocabulary) -> tuple[list[Incident], list[Problem]]:
    """Every incident of ``vault`` in date order (undated ones last), and the problems with them."""
    problems: list[Problem] = []
    found = [incident for note in vault.notes if (incident := incident_of(note, vault, words, problems))]
    found.sort(key=lambda i: (i.date is None, i.date or dt.date.min, i.note.path))
    return found, problems
