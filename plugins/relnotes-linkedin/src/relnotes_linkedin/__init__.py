"""relnotes-linkedin: LinkedIn's data export, locally.

- ``relnotes linkedin-import VAULT CSV`` turns ``Connections.csv`` into person notes. It never
  overwrites a file and never creates a second note for someone the vault already knows, by
  name or alias (case and accents ignored), email or LinkedIn URL.
- Importing a newer export compares each known person's company and position with their note:
  a change is shown as a new role, and ``--update`` writes it into the note (only those fields,
  in place, the old job first in a ``jobs`` list).
- A new role in a note's ``jobs`` (an entry with ``until``) is a ``new-role`` celebration:
  "Congratulate Priya Raman on the new role at Acme", for ``congratulate_days`` after it.
- The export's ``messages.csv``, put at ``[plugins.linkedin] messages`` (by default
  ``.relnotes/linkedin/messages.csv``), is contact: each message you sent or received is an
  interaction (channel ``linkedin``) with the other people of it who have a note, matched by
  profile URL, else by name.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from pathlib import Path

import click
import yaml

from relnotes import (
    App,
    Config,
    DateProblem,
    EditRefused,
    Interaction,
    PeopleIndex,
    Person,
    Problem,
    Reminder,
    Setting,
    Table,
    Vault,
    a_path,
    at_least,
    decode_export,
    edit_frontmatter,
    email_key,
    file_key,
    hookimpl,
    import_folder,
    kept,
    linkedin_key,
    make_uid,
    match_key,
    name_key,
    parse_cadence,
    parse_date,
    replace_file,
    safe_title,
    write_new,
)

__all__ = ["Job", "connections", "job_change", "messages", "normalise_url", "relnotes_commands",
           "relnotes_interactions", "relnotes_person_reminders", "relnotes_settings",
           "safe_title"]  # safe_title: relnotes' own

SETTINGS = Table("plugins.linkedin", (
    Setting("messages", ".relnotes/linkedin/messages.csv", a_path,
            "LinkedIn's messages.csv export, relative to the vault: each message is contact (channel linkedin)."),
    Setting("congratulate_days", 30, at_least(0),
            "A new role (a jobs entry ending this many days ago or less) is a celebration: congratulate them."),
), "LinkedIn's data export.")



def normalise_url(url: str) -> str:
    """The form profile URLs are compared in: ``https://www.LinkedIn.com/in/jane/?x=1`` → ``linkedin.com/in/jane``."""
    url = re.sub(r"^(https?://)?(www\.)?", "", url.strip().lower())
    return re.split(r"[?#]", url, maxsplit=1)[0].rstrip("/")


def connections(text: str) -> list[tuple[int, dict[str, str]]]:
    """The rows of a Connections.csv export, after the notes LinkedIn puts before the header.

    :returns: (line number, {column: value}) for each non-blank row after the header.
    :raises click.ClickException: when there is no ``First Name,Last Name,…`` header row.
    """
    try:
        return _table(text, ("first name", "last name"))
    except _NoHeader:
        raise click.ClickException("no header row 'First Name,Last Name,…' found: is this LinkedIn's "
                                   "Connections.csv?") from None
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


class _NoHeader(ValueError):
    pass


def _table(text: str, first: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a LinkedIn CSV after the notes it may start with: (line, {column: value}) after
    the header whose first cells are ``first`` (any case). :raises ValueError: without that header."""
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if tuple(cell.strip().lower() for cell in row[:len(first)]) == first:
                header = [cell.strip() for cell in row]
                return [(reader.line_num, dict(zip(header, (cell.strip() for cell in found), strict=False)))
                        for found in reader if any(cell.strip() for cell in found)]
    except csv.Error as exc:
        raise ValueError(f"cannot read the CSV on line {reader.line_num}: {exc}") from None
    raise _NoHeader(f"no header row {','.join(first)},… found")


Message = tuple[int, dt.date, str, tuple[tuple[str, str | None], ...]]  # line, date, title, (name, profile)


def messages(text: str) -> tuple[list[Message], list[str]]:
    """The messages of a messages.csv export, each with its people (the sender and the recipients,
    as name and profile key), less the export's owner — the one profile in the most messages.
    :returns: the messages, and what could not be read (with line numbers)."""
    try:
        rows = _table(text, ("conversation id",))
    except ValueError as exc:
        return [], [f"{exc}: is this LinkedIn's messages.csv?"]
    found: list[tuple[int, dt.date, str, list[tuple[str, str | None]]]] = []
    problems = []
    for line, row in rows:
        try:
            date = dt.date.fromisoformat(row.get("DATE", "")[:10])
        except ValueError:
            problems.append(f"line {line}: DATE {row.get('DATE', '')!r} is not a date; skipped")
            continue
        names = [row.get("FROM", ""), *row.get("TO", "").split(",")]
        urls = [row.get("SENDER PROFILE URL", ""), *row.get("RECIPIENT PROFILE URLS", "").split(",")]
        people = [(" ".join(name.split()), linkedin_key(url) if url.strip() else None)
                  for name, url in zip(names, urls + [""] * (len(names) - len(urls)), strict=False)]
        title = row.get("CONVERSATION TITLE") or row.get("SUBJECT") or "LinkedIn message"
        found.append((line, date, title, [p for p in people if p[0] or p[1]]))
    counts: dict[str, int] = {}
    for *_, people in found:
        for profile in {p[1] for p in people if p[1]}:
            counts[profile] = counts.get(profile, 0) + 1
    me = min(counts, key=lambda key: (-counts[key], key)) if counts else None
    return [(line, date, title, tuple(p for p in people if p[1] != me or me is None))
            for line, date, title, people in found], problems


@hookimpl
def relnotes_settings() -> list[Table]:
    return [SETTINGS]


@hookimpl
def relnotes_interactions(vault: Vault, config: Config) -> list[Interaction]:
    """Each message of the export, as contact with the people of it the vault has (by profile, else name)."""
    if SETTINGS.name not in config.tables:  # a config made without the plugins' settings
        return []
    path = Path(vault.root) / config.table(SETTINGS.name).messages
    key = file_key(path)
    if key is None:
        return []
    read = kept(f"linkedin-messages\0{path.resolve()}", (str(path), key),
                lambda: messages(decode_export(path.read_bytes())))
    found, problems = read
    vault.problems += [Problem(config.table(SETTINGS.name).messages, None, why) for why in problems]
    seen: set[tuple[str, dt.date]] = set()
    contact = []
    for _, date, title, people in found:
        for name, profile in people:
            person = (vault.person(profile) if profile else None) or (vault.person(name) if name else None)
            if person is not None and (person.path, date) not in seen:
                seen.add((person.path, date))
                contact.append(Interaction(person.path, date, "", "linkedin", title))
    return contact


def _last_job(person: Person, problems: list[Problem]) -> tuple[dt.date, dict] | None:
    """The entry of the note's ``jobs`` with the latest ``until`` (the job that ended last) and
    that day, or None; entries that are not ``{…, until: DATE}`` are reported."""
    jobs = person.note.frontmatter.get("jobs")
    if jobs is None:
        return None
    line = person.note.key_lines.get("jobs")
    if not isinstance(jobs, list):
        problems.append(person.note.problem("jobs: not a list of past jobs; ignored", line=line))
        return None
    found = []
    for n, job in enumerate(jobs, 1):
        try:
            if not isinstance(job, dict) or "until" not in job:
                raise DateProblem("no 'until' date")
            found.append((parse_date(job["until"]), n, job))
        except DateProblem as exc:
            problems.append(person.note.problem(f"jobs: entry {n}: {exc}; ignored", line=line))
    if not found:
        return None
    until, _, job = max(found, key=lambda f: (f[0], -f[1]))  # of one day's, the first listed
    return until, job


@hookimpl
def relnotes_person_reminders(person: Person, config: Config, today: dt.date,
                              problems: list[Problem]) -> list[Reminder]:
    """A ``new-role`` celebration for a job that began (the last ``jobs`` entry ended) within
    ``congratulate_days`` of today: dated that day, until it is done or the days have passed."""
    last = _last_job(person, problems)
    if SETTINGS.name not in config.tables or person.status in ("limit-contact", "archived") or last is None:
        return []
    changed, previous = last
    if changed > today or (today - changed).days > config.table(SETTINGS.name).congratulate_days:
        return []
    company, position = person.company, person.position
    moved = company and not _same(company, previous.get("company"))
    title = (f"Congratulate {person.name} on the new role at {company}" if moved else
             f"Congratulate {person.name} on becoming {_said((company, position))}" if position else
             f"Congratulate {person.name} on the new role")
    was = _said((previous.get("company"), previous.get("position")))
    return [Reminder(
        kind="new-role", person=person.name, date=changed, title=title, source=person.path,
        uid=make_uid("new-role", name_key(person.name), match_key(company or ""), match_key(position or "")),
        detail=f"now {_said((company, position))}, was {was} (until {changed.isoformat()})",
        person_path=person.path, category="celebration",
        data=(("company", company), ("position", position)))]


def _known(vault: Vault) -> PeopleIndex:
    """What the vault holds, matched as every import matches (relnotes' PeopleIndex: name or alias,
    case and accents ignored, email, phone, LinkedIn profile), plus a LinkedIn URL kept under
    ``url``. Titles win over aliases, aliases over profiles."""
    known = PeopleIndex(vault)
    for person in vault.people:
        value = person.note.get("url")
        key = linkedin_key(value) if isinstance(value, str) else None
        if key:
            known.claim(("key", key), person.path, "LinkedIn URL")
    return known


def _met(text: str) -> dt.date | None:
    """The date of a ``Connected On`` cell such as ``12 Jan 2024``, or None."""
    try:
        return dt.datetime.strptime(text, "%d %b %Y").date()
    except ValueError:
        return None


def _note(name: str, title: str, row: dict[str, str], met: dt.date | None, cadence: str) -> bytes:
    """The person note for one connection: frontmatter with the non-empty fields, and a line of text."""
    fields = {
        "type": "person",
        "role": "contact",
        "cadence": None if cadence == "role" else cadence,
        "aliases": [name] if title != name else None,  # links by the real name still find them
        "company": row.get("Company"),
        "position": row.get("Position"),
        "met": met,
        "linkedin": row.get("URL"),
        "email": row.get("Email Address"),
        "tags": ["person"],
    }
    frontmatter = yaml.safe_dump({k: v for k, v in fields.items() if v}, allow_unicode=True, sort_keys=False)
    body = f"Imported from LinkedIn (connected {met.isoformat()})." if met else "Imported from LinkedIn."
    return f"---\n{frontmatter}---\n\n{body}\n".encode()


Job = tuple[str | None, str | None]  # (company, position)


def _said(job: Job) -> str:
    """``Staff Engineer at Globex``, ``Globex``, ``Staff Engineer``, or ``no job given``."""
    company, position = job
    return " at ".join(p for p in (position, company) if p) or "no job given"


def _same(a: str | None, b: str | None) -> bool:
    return a is None or b is None or match_key(a) == match_key(b)


def job_change(person: Person, row: dict[str, str]) -> tuple[Job, Job] | None:
    """The person's job as their note has it and as the export row has it, when those differ:
    a company or position on both sides that is not the same (case, accents and spacing
    ignored). A side missing a value is no change: an export row without a company says
    nothing, and a note without one has nothing to compare."""
    now = (" ".join(row.get("Company", "").split()) or None, " ".join(row.get("Position", "").split()) or None)
    before = (person.company, person.position)
    if all(_same(a, b) for a, b in zip(before, now, strict=True)) or not any(
            a and b for a, b in zip(before, now, strict=True)):
        return None
    return before, (now[0] or before[0], now[1] or before[1])


def _update(vault: Path, config: Config, person: Person, before: Job, now: Job, today: dt.date) -> str | None:
    """Write ``now`` into the person's note — company and position under the names the note
    uses for them, the old job first under ``jobs`` — and nothing else. :returns: why not, or None."""
    values: dict[str, object] = {}
    for field, value in zip(("company", "position"), now, strict=True):
        found = config.vocabulary.find(person.note, field)
        if found is not None and found.key not in person.note.frontmatter:
            return f"{field} is the inline field {found.key}:: on line {found.line}; change it by hand"
        if value is not None:
            values[found.key if found else field] = value
    old = {"company": before[0], "position": before[1], "until": today}
    path = vault / person.path
    try:
        data = path.read_bytes()
        if not replace_file(vault, path, data, edit_frontmatter(data, values, {
                "jobs": {k: v for k, v in old.items() if v is not None}})):
            return "it changed while being read; run again"
    except EditRefused as exc:
        return str(exc)
    except OSError as exc:
        return getattr(exc, "strerror", None) or str(exc)
    return None


@click.command("linkedin-import")
@click.argument("vault", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("csv_file", metavar="CSV", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Write nothing; print what would be created and updated.")
@click.option("--folder", help="Where to put the new notes, relative to the vault. Default: the people folder.")
@click.option("--cadence", default="none", show_default=True,
              help="The cadence written into each new note: 'none' (no follow-ups for the imported "
                   "contacts), 'role' (the contact role's default), or e.g. 180d.")
@click.option("--update", is_flag=True,
              help="Write each new role into the person's note: company and position, the old job under jobs.")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]),
              help="The day of the import, for the old job's 'until' (YYYY-MM-DD). Default: the local date.")
@click.pass_obj
def linkedin_import(app: App, vault: Path, csv_file: Path, dry_run: bool, folder: str | None,
                    cadence: str, update: bool, today: dt.datetime | None) -> None:
    """Create a person note in VAULT for each connection in LinkedIn's Connections.csv export,
    and show who of the people already there has a new role.

    Never overwrites a file, and skips people the vault already has (same name,
    alias, email or LinkedIn URL). Their notes change only with --update: just the
    company and position, the old job kept first in a 'jobs' list, every other byte
    as it was. Exit status: 0 when the import ran, 1 when it could not.
    """
    if cadence != "role":
        try:
            parse_cadence(cadence)
        except DateProblem as exc:
            raise click.BadParameter(str(exc), param_hint="--cadence") from None
    pipeline = app.pipeline(vault)  # relnotes hands its commands the way to a vault's pipeline
    config: Config = pipeline.config
    try:
        text = decode_export(csv_file.read_bytes())  # UTF-8, or the Windows-1252 Excel saves a CSV as
    except OSError as exc:
        raise click.ClickException(f"cannot read {csv_file}: {getattr(exc, 'strerror', None) or exc}") from None
    rows = connections(text)
    try:
        folder = import_folder(config, folder)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    loaded = pipeline.load()
    known = _known(loaded)
    day = today.date() if today else dt.date.today()
    created = skipped = roles = updated = 0
    for line, row in rows:
        name = " ".join(f"{row.get('First Name', '')} {row.get('Last Name', '')}".split())
        title = safe_title(name)
        rel = f"{folder}/{title}.md" if folder else f"{title}.md"
        keys = [k for k in (linkedin_key(row.get("URL", "")), email_key(row.get("Email Address", ""))) if k]
        reason = ("no name (LinkedIn hides some connections)" if not name else
                  "no usable file name" if not title else
                  known.match(name, keys, rel) or known.match(title))
        connected = row.get("Connected On", "")
        met = _met(connected)
        if reason is None:
            path = vault / rel
            exists = path.exists() if dry_run else not write_new(path, _note(name, title, row, met, cadence))
            reason = f"{rel} exists already" if exists else None
        if reason is not None:
            skipped += 1
            found = known.person(name, keys) if name else None
            person = loaded.person_at(found) if found else None
            change = job_change(person, row) if person else None
            if person is None or change is None:
                click.echo(f"skip {name or f'line {line}'}: {reason}")
                continue
            roles += 1
            click.echo(f"new role: {person.name} ({person.path}): {_said(change[0])} → {_said(change[1])}")
            if update and not dry_run:
                why = _update(vault, config, person, *change, day)
                updated += why is None
                click.echo(f"  not updated: {why}" if why else f"  updated {person.path}")
            continue
        created += 1
        known.add(name, keys, rel, f"same person as line {line} of the CSV ({rel})")
        bad_date = f" (Connected On {connected!r} is not a date: no 'met')" if connected and not met else ""
        click.echo(f"{'would create' if dry_run else 'created'} {rel}{bad_date}")
    summary = f"{'would create' if dry_run else 'created'} {created}, skipped {skipped}"
    if roles:
        summary += f", new roles {roles}" + (f" (updated {updated})" if update and not dry_run else "")
    click.echo(summary)
    if roles and not (update and not dry_run):
        click.echo("Run again with --update to write the new roles into the notes "
                   "(company and position; the old job goes under jobs).")


@hookimpl
def relnotes_commands() -> list[click.Command]:
    """The ``linkedin-import`` command."""
    return [linkedin_import]
