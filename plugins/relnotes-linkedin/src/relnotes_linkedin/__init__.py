"""relnotes-linkedin: LinkedIn's data export, locally.

- ``relnotes linkedin-import VAULT CSV`` turns ``Connections.csv`` into person notes. It never
  overwrites a file and never creates a second note for someone the vault already knows, by
  name or alias (case and accents ignored), email or LinkedIn URL.
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
    Interaction,
    PeopleIndex,
    Pipeline,
    Problem,
    Setting,
    Table,
    Vault,
    a_path,
    decode_export,
    email_key,
    file_key,
    hookimpl,
    import_folder,
    kept,
    linkedin_key,
    parse_cadence,
    safe_title,
    write_new,
)

__all__ = ["connections", "messages", "normalise_url", "relnotes_commands", "relnotes_interactions",
           "relnotes_settings", "safe_title"]  # safe_title: relnotes' own

SETTINGS = Table("plugins.linkedin", (
    Setting("messages", ".relnotes/linkedin/messages.csv", a_path,
            "LinkedIn's messages.csv export, relative to the vault: each message is contact (channel linkedin)."),
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


def _known(pipeline: Pipeline) -> PeopleIndex:
    """What the vault holds, matched as every import matches (relnotes' PeopleIndex: name or alias,
    case and accents ignored, email, phone, LinkedIn profile), plus a LinkedIn URL kept under
    ``url``. Titles win over aliases, aliases over profiles."""
    vault = pipeline.load()
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


@click.command("linkedin-import")
@click.argument("vault", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.argument("csv_file", metavar="CSV", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Write nothing; print what would be created.")
@click.option("--folder", help="Where to put the new notes, relative to the vault. Default: the people folder.")
@click.option("--cadence", default="none", show_default=True,
              help="The cadence written into each new note: 'none' (no follow-ups for the imported "
                   "contacts), 'role' (the contact role's default), or e.g. 180d.")
@click.pass_obj
def linkedin_import(app: App, vault: Path, csv_file: Path, dry_run: bool, folder: str | None,
                    cadence: str) -> None:
    """Create a person note in VAULT for each connection in LinkedIn's Connections.csv export.

    Never overwrites a file, and skips people the vault already has (same name,
    alias or LinkedIn URL). Exit status: 0 when the import ran, 1 when it could not.
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
    known = _known(pipeline)
    created = skipped = 0
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
            click.echo(f"skip {name or f'line {line}'}: {reason}")
            continue
        created += 1
        known.add(name, keys, rel, f"same person as line {line} of the CSV ({rel})")
        bad_date = f" (Connected On {connected!r} is not a date: no 'met')" if connected and not met else ""
        click.echo(f"{'would create' if dry_run else 'created'} {rel}{bad_date}")
    click.echo(f"{'would create' if dry_run else 'created'} {created}, skipped {skipped}")


@hookimpl
def relnotes_commands() -> list[click.Command]:
    """The ``linkedin-import`` command."""
    return [linkedin_import]
