"""``relnotes brief``: everything about one relationship, in order.

Pure: a :class:`~relnotes.model.ScanResult` and a name in, a :class:`Brief` out,
rendered as Markdown (a note relnotes may write into the vault) or JSON.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from dataclasses import asdict, dataclass, field
from typing import NotRequired, TypedDict

from .config import Config
from .dates import DateProblem, parse_date
from .links import WIKILINK, find_links, link_target, name_key, note_link, people_in
from .model import Note, Person, ScanResult, Vault
from .notes import GENERATED_KEY, GENERATOR

__all__ = ["Brief", "PersonNotFound", "build_brief", "find_person", "to_json", "to_markdown"]

INCIDENT = "incident"
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_MARK = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?:\[.\]\s+)?")
_MARKDOWN_LINK = re.compile(r"!?\[([^\[\]\n]*)\]\([^()\n]*\)")


class PersonNotFound(LookupError):
    """No person, or more than one, answers to the name; the message lists close matches."""


@dataclass(frozen=True)
class Entry:
    """One moment in the timeline."""

    date: dt.date | None
    kind: str  # "meeting", "note", "incident", "met", "last_contact", or a plugin's interaction kind
    title: str
    source: str  # vault-relative path ("" for frontmatter facts)
    excerpt: str = ""

    @property
    def incident(self) -> bool:
        return self.kind == INCIDENT


class Facts(TypedDict):
    """What the person note says about the person, as the brief shows it."""

    roles: list[str]
    company: str | None
    position: str | None  # the job title: `position`, or a `role` that is no relationship type
    cadence: str
    status: str
    aliases: list[str]
    snooze_until: NotRequired[str]


@dataclass(frozen=True)
class Brief:
    name: str
    path: str
    facts: Facts
    last_contact: tuple[dt.date, str] | None
    next_follow_up: tuple[dt.date, str] | None  # date, why
    timeline: list[Entry] = field(default_factory=list)
    open_tasks: list[tuple[str, dt.date | None, str, int]] = field(default_factory=list)  # text, due, source, line
    upcoming: list[tuple[dt.date, str, str]] = field(default_factory=list)  # date, kind, title
    today: dt.date = dt.date.min
    counted: tuple[str, int, str] | None = None  # the line the last contact comes from: source, line, its text


def find_person(vault: Vault, name: str) -> Person:
    """The one person whose title, alias or path is ``name`` (any case, any Unicode form)."""
    key = name_key(link_target(name))
    found = [p for p in vault.people
             if key in (name_key(p.name), name_key(p.path[:-3]), *map(name_key, p.aliases))]
    if len(found) == 1:
        return found[0]
    if found:
        raise PersonNotFound(f"{name!r} is ambiguous: {', '.join(p.path for p in found)}; "
                             "give the path (e.g. People/Name) to choose")
    names = {n: p for p in vault.people for n in (p.name, *p.aliases)}
    close = difflib.get_close_matches(name, list(names), n=5, cutoff=0.5)
    close += [n for n in names if key in name_key(n) and n not in close][: 5 - len(close)]
    hint = f"; did you mean {', '.join(sorted(set(close)))}?" if close else ""
    raise PersonNotFound(f"no person called {name!r} in the vault{hint}")


def _shown(inner: str) -> str:
    """What a wikilink shows: its text after ``|``, else its note's name (``../People/Ann`` → ``Ann``)."""
    return inner.split("|", 1)[1] if "|" in inner else link_target(inner).rsplit("/", 1)[-1]


def _plain(text: str) -> str:
    """Markdown line → plain text: list markers and checkboxes gone, links shown as their text."""
    text = _LIST_MARK.sub("", text)
    text = WIKILINK.sub(lambda m: _shown(m.group(1)), text)
    if "](" in text:
        text = _MARKDOWN_LINK.sub(r"\1", text)
    return " ".join(text.split())


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_lines(note: Note, count: int = 2, limit: int = 200) -> str:
    """The first lines of a note's text, headings and blank lines skipped."""
    lines = []
    for line in note.body.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "```", "---", ">")):
            continue
        lines.append(_plain(stripped))
        if len(lines) == count:
            break
    return _shorten(" / ".join(lines), limit)


def linking_sentence(note: Note, person: Person, vault: Vault, line: int | None = None) -> str:
    """The sentence of ``note`` that links ``person`` — on file ``line`` when given (where an
    interaction was found) — or where the link sits in its frontmatter."""
    lines = note.body.split("\n")
    for link in note.links:
        if (line is not None and link.line != line) or vault.person(link.target, note.path) is not person:
            continue
        if link.key is not None:
            return f"linked in {link.key}"
        index = -1 if link.line is None else link.line - note.body_line  # a link in the text has a line
        text = lines[index] if 0 <= index < len(lines) else ""
        for sentence in _SENTENCE_END.split(text):
            if any(vault.person(found.target, note.path) is person for found in find_links(sentence)):
                return _shorten(_plain(sentence))
    return ""


def _incident_date(note: Note) -> dt.date | None:
    try:
        return parse_date(note.get("date")) if note.get("date") not in (None, "") else note.date
    except DateProblem:
        return note.date


def _incidents(vault: Vault, person: Person) -> list[Entry]:
    entries = []
    for note in vault.notes:
        declared = note.get("type")
        if not (isinstance(declared, str) and declared.strip().lower() == INCIDENT):
            continue
        named = [vault.person(n, note.path) for key in ("people", "with", "attendees", "person")
                 for n in people_in(note.get(key))]
        linked = [vault.person(link.target, note.path) for link in note.links]
        if person in named or person in linked:
            entries.append(Entry(_incident_date(note), INCIDENT, note.title, note.path, first_lines(note, 5, 1000)))
    return entries


def _timeline(vault: Vault, person: Person) -> list[Entry]:
    incidents = _incidents(vault, person)
    incident_paths = {e.source for e in incidents}
    notes = {n.path: n for n in vault.notes}
    entries = list(incidents)
    for interaction in person.interactions:
        if interaction.source in incident_paths:
            continue
        note = notes.get(interaction.source)
        if interaction.kind == "meeting" and note is not None:
            excerpt = first_lines(note)
        elif note is not None:
            excerpt = linking_sentence(note, person, vault, interaction.line)
        else:
            excerpt = ""
        entries.append(Entry(interaction.date, interaction.kind, interaction.title or interaction.source,
                             interaction.source, excerpt))
    for kind, date in (("met", person.met), ("last_contact", person.last_contact)):
        if date is not None:
            entries.append(Entry(date, kind, "first met" if kind == "met" else "contact recorded by hand",
                                 person.path))
    return sorted(entries, key=lambda e: (e.date is None, e.date or dt.date.min, e.source, e.kind))


def _open_tasks(vault: Vault, person: Person) -> list[tuple[str, dt.date | None, str, int]]:
    found = []
    for note, meeting in vault.task_notes():
        for task in vault.tasks(note):
            if task.open and vault.task_owner(task, note, meeting) is person:
                found.append((task.text, task.when, note.path, task.line))
    return sorted(found, key=lambda t: (t[1] is None, t[1] or dt.date.min, t[2], t[3]))


def _facts(person: Person, config: Config, today: dt.date) -> Facts:
    cadences = person.cadences(config.cadence, today)
    cadence = "none"
    if cadences:
        shortest, origin = min(cadences, key=lambda pair: pair[0].after(today))
        cadence = f"{shortest.describe()} ({origin})"
    facts: Facts = {
        "roles": list(person.roles),
        "company": person.company,
        "position": person.position,
        "cadence": cadence,
        "status": person.status,
        "aliases": list(person.aliases),
    }
    if person.snooze_until:
        facts["snooze_until"] = person.snooze_until.isoformat()
    return facts


def build_brief(result: ScanResult, config: Config, name: str, since: dt.date | None = None,
                until: dt.date | None = None, incidents_only: bool = False) -> Brief:
    """Everything about the person called ``name``; the timeline limited to [since, until]."""
    vault, today = result.vault, result.today
    person = find_person(vault, name)
    timeline = [e for e in _timeline(vault, person)
                if (not incidents_only or e.incident)
                and (since is None or (e.date is not None and e.date >= since))
                and (until is None or (e.date is not None and e.date <= until))]
    follow_up = next(((r.date, r.detail) for r in result.all_reminders
                      if r.kind == "follow-up" and r.person_path == person.path), None)
    upcoming = [(r.date, r.kind, r.title) for r in result.all_reminders
                if r.celebration and r.person_path == person.path]
    last = person.last_contact_on(today)
    return Brief(person.name, person.path, _facts(person, config, today), last, follow_up,
                 timeline, _open_tasks(vault, person), upcoming, today, _counted(vault, person, last))


def _counted(vault: Vault, person: Person, last: tuple[dt.date, str] | None) -> tuple[str, int, str] | None:
    """Which line of which note the last contact comes from (when an interaction says)."""
    if last is None:
        return None
    interaction = person.last_interaction(last[0])
    if interaction is None or interaction.date != last[0] or interaction.line is None:
        return None
    note = next((n for n in vault.notes if n.path == interaction.source), None)
    if note is None:
        return None
    lines = note.body.split("\n")
    index = interaction.line - note.body_line
    text = lines[index] if 0 <= index < len(lines) else ""
    return note.path, interaction.line, _shorten(_plain(text.strip()))


# --- rendering ---------------------------------------------------------------------------------

_MARKS = {INCIDENT: "⚠️ **incident**", "meeting": "meeting", "note": "note", "met": "met",
          "last_contact": "contact"}


def to_markdown(brief: Brief) -> str:
    """The brief as an Obsidian note (it carries relnotes' marker, so relnotes never reads it as input)."""
    facts = brief.facts
    company = facts["company"] or "—"
    if facts.get("position"):
        company += f" ({facts['position']})"
    out = [
        "---", f"{GENERATED_KEY}: {GENERATOR}", f"generated_for: {brief.today.isoformat()}", "---",
        f"# {brief.name} · brief", "",
        f"Person note: {note_link(brief.path, brief.name)}", "",
        f"- **Role**: {', '.join(facts['roles']) or '—'} · **Company**: {company}",
        f"- **Cadence**: {facts['cadence']} · **Status**: {facts['status']}"
        + (f" (snoozed until {facts['snooze_until']})" if facts.get("snooze_until") else ""),
    ]
    if facts["aliases"]:
        out.append(f"- **Also called**: {', '.join(facts['aliases'])}")
    last = brief.last_contact
    out.append(f"- **Last contact**: {last[0].isoformat()} ({last[1]})" if last
               else "- **Last contact**: none recorded")
    if brief.counted:
        source, number, text = brief.counted
        out[-1] += f" — {note_link(source)}, line {number}" + (f": “{text}”" if text else "")
    if brief.next_follow_up:
        due, why = brief.next_follow_up
        days = (due - brief.today).days
        when = f"{-days} days overdue" if days < 0 else "today" if days == 0 else f"in {days} days"
        out.append(f"- **Next follow-up**: {due.isoformat()} ({when}) — {why}")
    else:
        out.append("- **Next follow-up**: none (no cadence, or not active)")
    out += ["", f"## Timeline ({len(brief.timeline)})", ""]
    for entry in brief.timeline:
        when = entry.date.isoformat() if entry.date else "undated"
        where = note_link(entry.source) if entry.source and entry.source != brief.path else entry.title
        line = f"- {when} · {_MARKS.get(entry.kind, entry.kind)} · {where}"
        out.append(line + (f": {entry.excerpt}" if entry.excerpt else ""))
    if not brief.timeline:
        out.append("Nothing in this period.")
    out += ["", f"## Open tasks ({len(brief.open_tasks)})", ""]
    for text, task_due, source, task_line in brief.open_tasks:
        due_text = "due " + task_due.isoformat() if task_due else "no due date"
        out.append(f"- {text} — {due_text} · {note_link(source)}, line {task_line}")
    if not brief.open_tasks:
        out.append("None.")
    out += ["", "## Coming up", ""]
    out += [f"- {date.isoformat()} · {title}" for date, _, title in brief.upcoming] or ["Nothing to celebrate yet."]
    return "\n".join(out) + "\n"


def to_json(brief: Brief) -> str:
    """The brief as one JSON object (``generated_by`` marks a file relnotes may replace)."""

    def day(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    data = {
        GENERATED_KEY: GENERATOR,
        "today": day(brief.today),
        "person": {"name": brief.name, "path": brief.path, **brief.facts},
        "last_contact": ({"date": day(brief.last_contact[0]), "how": brief.last_contact[1],
                          **({"source": brief.counted[0], "line": brief.counted[1], "text": brief.counted[2]}
                             if brief.counted else {})} if brief.last_contact else None),
        "next_follow_up": ({"date": day(brief.next_follow_up[0]), "overdue": brief.next_follow_up[0] < brief.today,
                            "detail": brief.next_follow_up[1]} if brief.next_follow_up else None),
        "timeline": [{**asdict(e), "date": day(e.date), "incident": e.incident} for e in brief.timeline],
        "open_tasks": [{"text": t, "due": day(d), "source": s, "line": n} for t, d, s, n in brief.open_tasks],
        "upcoming": [{"date": day(d), "kind": k, "title": t} for d, k, t in brief.upcoming],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
