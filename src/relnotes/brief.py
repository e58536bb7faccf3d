"""``relnotes brief``: everything about one relationship, in order, and the incident record.

Pure: a :class:`~relnotes.model.ScanResult` and a name in, a :class:`Brief` out,
rendered as Markdown (a note relnotes may write into the vault), JSON, or — the incident
record alone, to print or hand on — HTML.
"""

from __future__ import annotations

import datetime as dt
import difflib
import html
import json
import re
from dataclasses import asdict, dataclass, field
from typing import NotRequired, TypedDict

from .config import Config
from .fields import Vocabulary, field_key
from .incidents import ABOUT, INCIDENT, WITNESS, Incident, Named, find_incidents
from .links import WIKILINK, find_links, link_target, name_key, note_link
from .model import Note, Person, ScanResult, Vault, email_key, linkedin_key, phone_key
from .notes import GENERATED_KEY, GENERATOR
from .text import one_line

__all__ = ["HTML_MARKER", "Brief", "PersonNotFound", "Record", "build_brief", "find_person", "incident_markdown",
           "to_html", "to_json", "to_markdown"]

HTML_MARKER = '<meta name="generator" content="relnotes">'  # what marks an HTML record relnotes wrote
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
    role: str = ""  # of an incident: what the person is to it ("about", "witness" or "mentioned")
    about: tuple[str, ...] = ()  # of an incident: the names of the people it is about
    witnesses: tuple[str, ...] = ()  # of an incident: the names of its witnesses

    @property
    def incident(self) -> bool:
        return self.kind == INCIDENT


@dataclass(frozen=True)
class Record:
    """One incident as the record shows it: whole, its control characters made spaces."""

    date: dt.date | None
    title: str  # without a leading date
    source: str  # the note's vault-relative path
    dated_by: str  # where the date comes from: a field's name as written, "file name", "daily note" ("": none)
    about: tuple[tuple[str, str | None], ...]  # (name, person note path or None)
    witnesses: tuple[tuple[str, str | None], ...]
    sits_under: bool  # `about` is the person note it sits under
    fields: tuple[tuple[str, str], ...]  # its other frontmatter fields, as written
    text: tuple[str, ...]  # every line of its text, in order (blank lines at either end left out)


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
    incidents: list[Record] = field(default_factory=list)  # the incident record: those about the person
    incidents_only: bool = False  # only the incident record is wanted
    since: dt.date | None = None  # the period asked for
    until: dt.date | None = None


def find_person(vault: Vault, name: str) -> Person:
    """The one person whose title, alias, path or identity key (an email, a phone, a LinkedIn
    profile) is ``name`` (any case, any Unicode form)."""
    key = name_key(link_target(name))
    keys = {key, *(k for k in (email_key(name), phone_key(name), linkedin_key(name)) if k)}  # an address, a number
    found = [p for p in vault.people
             if keys & {name_key(p.name), name_key(p.path[:-3]), *map(name_key, p.handles)}]
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
    """Markdown line → plain text: list markers and checkboxes gone, links shown as their text,
    control characters (an escape sequence a terminal would obey) spaces."""
    text = _LIST_MARK.sub("", text)
    text = WIKILINK.sub(lambda m: _shown(m.group(1)), text)
    if "](" in text:
        text = _MARKDOWN_LINK.sub(r"\1", text)
    return " ".join(one_line(text).split())


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def first_lines(note: Note, count: int = 2, limit: int = 200) -> str:
    """The first lines of a note's text, headings and blank lines skipped, ending in "…" when
    the text goes on."""
    lines: list[str] = []
    more = False
    for line in note.body.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith(("#", "```", "---", ">")):
            continue
        if len(lines) == count:
            more = True
            break
        lines.append(_plain(stripped))
    text = _shorten(" / ".join(lines), limit)
    return text + " …" if more and not text.endswith("…") else text


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


def _shown_names(named: tuple[Named, ...]) -> tuple[str, ...]:
    return tuple(n.person.name if n.person else n.name for n in named)


def _incident_entry(incident: Incident, role: str) -> Entry:
    about, witnesses = _shown_names(incident.about), _shown_names(incident.witnesses)
    excerpt = first_lines(incident.note)
    if role != ABOUT:  # someone else's incident: whose, first
        excerpt = f"about {', '.join(about) or 'no one named'}" + (f" — {excerpt}" if excerpt else "")
    return Entry(incident.date, INCIDENT, incident.note.title, incident.note.path, excerpt, role, about, witnesses)


def _timeline(vault: Vault, person: Person, incidents: list[Incident]) -> list[Entry]:
    notes = {n.path: n for n in vault.notes}
    entries = []
    incident_paths = {i.note.path for i in incidents}
    for incident in incidents:
        role = incident.role(person)
        if role is not None:
            entries.append(_incident_entry(incident, role))
    for interaction in person.interactions:
        if interaction.source in incident_paths:
            continue  # shown as the incident it is
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


def _safe_line(line: str) -> str:
    """A line of a note's text with its control characters made spaces, tabs kept (they indent lists)."""
    return "\t".join(one_line(part) for part in line.split("\t")) if not line.isprintable() else line


def _value_text(value: object) -> str:
    """A frontmatter value as text: a scalar, or a list of them; anything deeper is not spelled out
    (YAML aliases could make it endless)."""
    if isinstance(value, (str, int, float, dt.date)):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, (str, int, float, dt.date)) for v in value):
        return ", ".join(map(str, value))
    return f"(a {type(value).__name__}, not shown)"


def _record(incident: Incident, words: Vocabulary) -> Record:
    note = incident.note
    read = {"type", *words.names("date"), *words.names("attendees"), *words.names("about"),
            *words.names("witnesses")}
    fields = tuple((one_line(str(key)), one_line(_value_text(value))) for key, value in note.frontmatter.items()
                   if field_key(str(key)) not in read and value not in (None, "", [], {}))
    lines = note.body.split("\n")
    written = [i for i, line in enumerate(lines) if line.strip()]
    text = lines[written[0]:written[-1] + 1] if written else []
    return Record(incident.date, one_line(incident.title), note.path, one_line(incident.dated_by),
                  _named(incident.about), _named(incident.witnesses), incident.sits_under, fields,
                  tuple(map(_safe_line, text)))


def _named(named: tuple[Named, ...]) -> tuple[tuple[str, str | None], ...]:
    return tuple((one_line(n.person.name if n.person else n.name), n.person.path if n.person else None)
                 for n in named)


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
    if person.snoozed_until:
        facts["snooze_until"] = person.snoozed_until.isoformat()
    return facts


def build_brief(result: ScanResult, config: Config, name: str, since: dt.date | None = None,
                until: dt.date | None = None, incidents_only: bool = False) -> Brief:
    """Everything about the person called ``name``; the timeline and the incident record limited to
    [since, until]; with ``incidents_only``, only the record (and the incidents about them in the timeline)."""
    vault, today = result.vault, result.today
    person = find_person(vault, name)

    def in_period(date: dt.date | None) -> bool:
        return (since is None or (date is not None and date >= since)) and (
            until is None or (date is not None and date <= until))

    incidents = find_incidents(vault, config.vocabulary)[0]  # (their problems are the scan's to report)
    timeline = [e for e in _timeline(vault, person, incidents)
                if (not incidents_only or (e.incident and e.role == ABOUT)) and in_period(e.date)]
    record = [_record(i, config.vocabulary) for i in incidents if i.role(person) == ABOUT and in_period(i.date)]
    follow_up = next(((r.date, r.detail) for r in result.all_reminders
                      if r.kind == "follow-up" and r.person_path == person.path), None)
    upcoming = [] if incidents_only else [(r.date, r.kind, r.title) for r in result.all_reminders
                                          if r.celebration and r.person_path == person.path]
    tasks = [] if incidents_only else _open_tasks(vault, person)
    last = person.last_contact_on(today)
    return Brief(person.name, person.path, _facts(person, config, today), last, follow_up,
                 timeline, tasks, upcoming, today, _counted(vault, person, last), record, incidents_only,
                 since, until)


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
_ROLE_MARKS = {WITNESS: "incident (witness)", "mentioned": "incident (mentioned)"}


def _period(brief: Brief) -> str:
    since, until = brief.since, brief.until
    if since and until:
        return f" ({since.isoformat()} to {until.isoformat()})"
    if since:
        return f" (from {since.isoformat()})"
    return f" (until {until.isoformat()})" if until else ""


def _record_title(brief: Brief) -> str:
    return f"Incidents about {one_line(brief.name)}{_period(brief)}"


def _heading(record: Record) -> str:
    return f"{record.date.isoformat() if record.date else 'undated'} · {record.title}"


def _date(record: Record) -> str:
    if record.date is None:
        return "none (no date field, no date in the file name)"
    return record.date.isoformat() + (" (from the file name)" if record.dated_by == "file name" else
                                      " (the daily note's)" if record.dated_by == "daily note" else "")


def _markdown_names(names: tuple[tuple[str, str | None], ...], none: str) -> str:
    return ", ".join(note_link(path, name) if path else name for name, path in names) or none


def _markdown_record(record: Record, level: int) -> list[str]:
    """One incident, whole: its facts as a list, then its text quoted line by line (headings,
    lists and code stay Markdown, and nothing in it can end the record early)."""
    about = _markdown_names(record.about, "no one named")
    if record.sits_under:
        about += " (the person note it sits under)"
    out = [f"{'#' * level} {_heading(record)}", "",
           f"- **Date**: {_date(record)}",
           f"- **About**: {about}",
           f"- **Witnesses**: {_markdown_names(record.witnesses, 'none named')}",
           f"- **Source**: {note_link(record.source, one_line(record.source))}"]
    out += [f"- **{key}**: {value}" for key, value in record.fields]
    out.append("")
    out += [f"> {line}" if line.strip() else ">" for line in record.text] or ["> (no text)"]
    return out


def incident_markdown(brief: Brief) -> str:
    """The incident record alone: a title line, then each incident about the person, whole, in date order."""
    out = ["---", f"{GENERATED_KEY}: {GENERATOR}", f"generated_for: {brief.today.isoformat()}", "---",
           f"# {_record_title(brief)}"]
    for record in brief.incidents:
        out += ["", *_markdown_record(record, 2)]
    if not brief.incidents:
        out += ["", "No incidents recorded."]
    return "\n".join(out) + "\n"


def to_markdown(brief: Brief) -> str:
    """The brief as an Obsidian note (it carries relnotes' marker, so relnotes never reads it as input);
    with ``incidents_only``, the incident record alone."""
    if brief.incidents_only:
        return incident_markdown(brief)
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
        mark = _ROLE_MARKS.get(entry.role) or _MARKS.get(entry.kind, entry.kind)
        line = f"- {when} · {mark} · {where}"
        out.append(line + (f": {entry.excerpt}" if entry.excerpt else ""))
    if not brief.timeline:
        out.append("Nothing in this period.")
    if brief.incidents:
        out += ["", f"## Incidents about {one_line(brief.name)} ({len(brief.incidents)})"]
        for record in brief.incidents:
            out += ["", *_markdown_record(record, 3)]
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
        "timeline": [_json_entry(e, day(e.date)) for e in brief.timeline],
        "open_tasks": [{"text": t, "due": day(d), "source": s, "line": n} for t, d, s, n in brief.open_tasks],
        "upcoming": [{"date": day(d), "kind": k, "title": t} for d, k, t in brief.upcoming],
        "incidents_only": brief.incidents_only,
        "incidents": [{"date": day(r.date), "dated_by": r.dated_by, "title": r.title, "source": r.source,
                       "about": [{"name": n, "path": p} for n, p in r.about],
                       "witnesses": [{"name": n, "path": p} for n, p in r.witnesses],
                       "sits_under": r.sits_under, "fields": dict(r.fields), "text": "\n".join(r.text)}
                      for r in brief.incidents],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _json_entry(entry: Entry, date: str | None) -> dict:
    """A timeline entry: its fields, and for an incident what the person is to it, and who else."""
    data = {**asdict(entry), "date": date, "incident": entry.incident}
    if not entry.incident:
        for key in ("role", "about", "witnesses"):
            del data[key]
    else:
        data["about"], data["witnesses"] = list(entry.about), list(entry.witnesses)
    return data


_STYLE = """\
body { font: 11pt/1.45 system-ui, sans-serif; max-width: 46em; margin: 2em auto; padding: 0 1em; }
article { border-top: 1px solid #888; margin-top: 1.5em; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; font: inherit; border-left: 3px solid #888; padding-left: 1em; }
@media print { body { margin: 0; max-width: none; } }"""


def _html_names(names: tuple[tuple[str, str | None], ...], none: str) -> str:
    return html.escape(", ".join(name for name, _ in names) or none)


def to_html(brief: Brief) -> str:
    """The incident record as one HTML page (no script, no outside resource) to print or save as PDF
    from a browser: a title, then each incident whole — its facts, then its text exactly as written."""
    title = html.escape(_record_title(brief))
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">', HTML_MARKER,
           f'<meta name="generated_for" content="{brief.today.isoformat()}">', f"<title>{title}</title>",
           f"<style>\n{_STYLE}\n</style>", "</head>", "<body>", f"<h1>{title}</h1>"]
    for record in brief.incidents:
        about = _html_names(record.about, "no one named")
        if record.sits_under:
            about += " (the person note it sits under)"
        facts = [("Date", html.escape(_date(record))), ("About", about),
                 ("Witnesses", _html_names(record.witnesses, "none named")),
                 ("Source", html.escape(one_line(record.source))),
                 *((html.escape(key), html.escape(value)) for key, value in record.fields)]
        out += ["<article>", f"<h2>{html.escape(_heading(record))}</h2>", "<dl>",
                *(f"<dt>{key}</dt><dd>{value}</dd>" for key, value in facts), "</dl>",
                f"<pre>{html.escape(chr(10).join(record.text))}</pre>", "</article>"]
    if not brief.incidents:
        out.append("<p>No incidents recorded.</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
