"""Built-in: interactions from meetings (their attendees), dated notes (the people they link),
incidents (the people they are about), and the contact log of a person's own note.

Only real contact counts: a link in an open, in-progress or cancelled task (an intention),
an embed, code, a query block or a comment is not contact (see ``Note.contact_links``); a
done task and ordinary text are. In a person's note, list items under a contact-log heading
(``[people] contact_log``) that start with a date or a link to a daily note are contact on
that date: ``- 2026-02-20 coffee, talked about the promo case``. An incident (``type:
incident``) follows one rule of its own, whatever its file name or folder: contact on its date
(``date``, else its file name's) with the people it is about, never with its witnesses or
the people it mentions (see :func:`relnotes.find_incidents`).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator, Set

from relnotes import (
    Config,
    DateProblem,
    Incident,
    Interaction,
    Meeting,
    Note,
    Person,
    Problem,
    Vault,
    field_key,
    hookimpl,
    incident_of,
    link_target,
    parse_date,
    prose,
)


def _linked_people(note: Note, vault: Vault, skip: Set[int] = frozenset()) -> list[tuple[Person, int | None]]:
    """The people ``note`` is in contact with, each with the line of its first such link (the
    lines ``skip`` left out)."""
    seen: dict[str, tuple[Person, int | None]] = {}
    for link in note.contact_links:
        if link.line in skip:
            continue
        person = vault.person(link.target, note.path)
        if person is not None and person.path not in seen and person.note is not note:
            seen[person.path] = (person, link.line)
    return list(seen.values())


_HEADING = re.compile(r"^(#{1,6})[ \t]++([^\n]*)$", re.M)  # the text's closing #s are stripped after
# "- 2026-02-20 coffee", "- [[2026-02-20]] call", "- **2026-02-20**: lunch", "1. [[Daily/2026-02-20|Fri]] — chat",
# and a sub-heading "### 2026-02-20 dinner"
_LOG_ITEM = re.compile(r"^[ \t]*(?:[-*+]|\d+[.)]|#{2,6})[ \t]+(?:\[[xX]\][ \t]+)?(?:\*\*|__|\*|_)?"
                       r"(?:(\d{4}-\d{2}-\d{2})|\[\[([^\[\]\n]+)\]\])(?:\*\*|__|\*|_)?[ \t]*[:–—-]?[ \t]*(.*)$",
                       re.M)


def _log_date(vault: Vault, note: Note, day: str | None, link: str | None) -> dt.date | str | None:
    """The date a contact-log item starts with; why it is none (a date that is not real); or
    None (a link to a note that is not dated: not a log item)."""
    if link is not None:
        linked = vault.resolve(link_target(link), note.path)
        if linked is not None and linked.date is not None:
            return linked.date
        day = link_target(link).rsplit("/", 1)[-1]
    try:
        return parse_date(day)
    except DateProblem as exc:
        return str(exc) if link is None else None


@functools.lru_cache(maxsize=8)
def _log_heading(names: tuple[str, ...]) -> re.Pattern:
    """A quick search for a heading of one of ``names`` (case, spaces and punctuation aside)."""
    words = ["[\\W_]*".join(map(re.escape, re.findall(r"[^\W_]+", name))) for name in names]
    return re.compile(rf"^#{{1,6}}[ \t][\W_]*+(?:{'|'.join(w for w in words if w)})[\W_]*$", re.M | re.I)


def _log_items(body: str, first_line: int,
               names: tuple[str, ...]) -> tuple[tuple[str | None, str | None, str, int], ...]:
    """The list items under the contact-log headings called ``names`` of a note's ``body``: the
    day or the link each starts with, its text and its line."""
    if "#" not in body or not _log_heading(names).search(body):
        return ()  # the quick answer for most notes: no such heading
    headings = {field_key(name) for name in names}
    text = prose(body)
    found = list(_HEADING.finditer(text))
    items = []
    for index, heading in enumerate(found):
        if field_key(heading.group(2)) not in headings:
            continue
        level = len(heading.group(1))
        end = next((h.start() for h in found[index + 1:] if len(h.group(1)) <= level), len(text))
        section = text[heading.end():end]
        first = first_line + text.count("\n", 0, heading.end())
        items += [(item.group(1), item.group(2), item.group(3).strip(), first + section.count("\n", 0, item.start()))
                  for item in _LOG_ITEM.finditer(section)]
    return tuple(items)


def contact_log(note: Note, vault: Vault, names: tuple[str, ...],
                problems: list[Problem]) -> Iterator[tuple[dt.date, int, str]]:
    """The dated items under the contact-log headings called ``names`` (``[people] contact_log``)
    of ``note``: (date, line, text); an item whose date is no date is added to ``problems``."""
    for day, link, text, line in note.derived(("contact-log", names),
                                              lambda: _log_items(note.body, note.body_line, names)):
        date = _log_date(vault, note, day, link)
        if isinstance(date, str):
            problems.append(Problem(note.path, line, f"contact log: {date}; item ignored"))
        elif date is not None:
            yield date, line, text


def _incident_contacts(incident: Incident) -> Iterator[Interaction]:
    """Contact on a dated incident's date with the people it is about (the line naming them)."""
    if incident.date is not None:
        for named in incident.about:
            if named.person is not None:
                yield Interaction(named.person.path, incident.date, incident.note.path, "incident",
                                  incident.title, named.line)


@hookimpl
def relnotes_note_interactions(note: Note, meeting: Meeting | None, vault: Vault, config: Config,
                               problems: list[Problem]) -> Iterator[Interaction]:
    incident = incident_of(note, vault, config.vocabulary, problems)
    if incident is not None:
        yield from _incident_contacts(incident)
    elif meeting is not None and meeting.date is not None:
        title = meeting.title
        if meeting.attendees:
            for person in meeting.attendees:
                yield Interaction(person.path, meeting.date, note.path, "meeting", title)
        elif config.dated_note_interactions:  # no attendees list: the people it links, as a dated note's
            for person, line in _linked_people(note, vault):
                yield Interaction(person.path, meeting.date, note.path, "meeting", title, line)
    names = config.people.contact_log
    if names and note.kind == "person":
        for date, line, text in contact_log(note, vault, names, problems):
            yield Interaction(note.path, date, note.path, "contact log", text or "logged", line)
    if config.dated_note_interactions and incident is None and note.date is not None and note.kind == "note":
        # with [log] daily_note, the action log's "talked with" lines are read as such, with how
        logged = ({a.line for a in note.actions[0] if a.kind == "talked"}
                  if config.log_daily and note.daily else frozenset())
        for person, line in _linked_people(note, vault, logged):
            yield Interaction(person.path, note.date, note.path, "note", note.title, line)
