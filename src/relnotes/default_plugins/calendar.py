"""Built-in ``calendar``: meetings from your calendars as contact — off until ``[calendar]
sources`` names some.

Each source is an ``.ics`` file (a calendar app's export) or a folder of them, read
recursively (a vdirsyncer or khal folder: one event per file), relative to the vault or
absolute — or a calendar's address (``https://…``, ``webcal://…``), fetched into the cache
folder only when asked (``scan --fetch``, ``watch --fetch``): a scan alone never goes to the
network. Recurring events are expanded with recurring-ical-events, their exceptions
(moved or cancelled instances, ``EXDATE``) included, each on its date in its own time zone.

An event counts for each attendee or organizer who is a person — by email (``email:`` on
the person note), else by the attendee's name — on its date: contact when past, a booked
meeting when ahead. It does not count when it is cancelled, when you declined it (an
attendee with one of ``[me] emails`` and ``PARTSTAT=DECLINED``), or when it has more than
``max_attendees`` attendees (an all-hands); an attendee who declined gets nothing from it,
and your own addresses are never a person. A recurring event is expanded from its start to
two years after the latest event start in its source: that bound comes from the data, not
the clock, so the same files give the same answers on any day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

from relnotes import (
    Config,
    Interaction,
    Person,
    Problem,
    Setting,
    Table,
    Vault,
    __version__,
    at_least,
    cache_file,
    email_key,
    file_key,
    hookimpl,
    kept,
    names,
    write_atomic,
)

SETTINGS = Table("calendar", (
    Setting("sources", [], names,
            "Calendars whose meetings are contact: .ics files and folders of them (read recursively), relative "
            "to the vault or absolute.", example='sources = ["Calendars/work.ics", "Calendars/khal/"]'),
    Setting("max_attendees", 12, at_least(1, 100_000),
            "An event with more attendees than this (an all-hands, a conference) is no contact with any of them."),
), "Meetings from your calendars count as contact with the people who attend them.")

AHEAD = 2  # years a recurring event is expanded past the latest event start of its source


@hookimpl
def relnotes_settings() -> list[Table]:
    return [SETTINGS]


@hookimpl
def relnotes_interactions(vault: Vault, config: Config) -> Iterator[Interaction]:
    if SETTINGS.name not in config.tables:  # a config made without the plugins' settings: no sources
        return
    settings = config.table(SETTINGS.name)
    mine = {key for key in map(email_key, config.my_emails) if key}
    who: dict[tuple[str | None, str | None], Person | None] = {}  # (email, name) -> the person: asked once
    for source in settings.sources:
        for meetings, problems in _source(vault, source):
            vault.problems += problems
            for date, title, count, people in meetings:
                if count > settings.max_attendees or any(key in mine and declined for key, _, declined in people):
                    continue
                for key, name, declined in people:
                    if declined or key in mine:
                        continue
                    if (key, name) not in who:
                        who[key, name] = (vault.person(key) if key else None) or (vault.person(name) if name else None)
                    person = who[key, name]
                    if person is not None:
                        yield Interaction(person.path, date, "", "meeting", title)


# --- a calendar's address, fetched only when asked (scan --fetch, watch --fetch) -------------------

MAX_BYTES = 64 << 20  # a calendar bigger than this is no calendar
TIMEOUT = 30  # seconds a calendar server may take


def _is_url(source: str) -> bool:
    return source.lower().startswith(("https://", "http://", "webcal://", "webcals://"))


def _fetched(root: Path, url: str) -> Path:
    """Where the calendar at ``url`` is kept once fetched (named by a digest: the address is a secret)."""
    digest = hashlib.sha256(f"{Path(root).resolve()}\0{url}".encode()).hexdigest()[:24]
    return cache_file(f"calendar-{digest}.ics")


def _shown(url: str) -> str:
    """An address as a warning may show it: scheme and host only (a calendar's address is its key)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}/…"


@hookimpl
def relnotes_fetch(root: Path, config: Config) -> list[Problem]:
    problems: list[Problem] = []
    if SETTINGS.name not in config.tables:
        return problems
    for source in config.table(SETTINGS.name).sources:
        if _is_url(source):
            _fetch(source, _fetched(root, source), problems)
    return problems


class _WebOnly(urllib.request.HTTPRedirectHandler):
    """Redirects are followed to http and https addresses only (never to a file:// one)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if urlsplit(newurl).scheme not in ("http", "https"):
            raise urllib.error.HTTPError(newurl, code, "redirected away from the web", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _fetch(url: str, path: Path, problems: list[Problem]) -> None:
    """Fetch the calendar at ``url`` into ``path`` (conditionally: an unchanged one is not sent again);
    on any failure the last good copy stays."""
    address = re.sub(r"^webcals?://", "https://", url, flags=re.IGNORECASE)
    meta_path = path.with_suffix(".json")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, ValueError):
        meta = {}
    headers = {"User-Agent": f"relnotes/{__version__}", "Accept": "text/calendar, */*;q=0.5"}
    if meta.get("etag"):
        headers["If-None-Match"] = meta["etag"]
    if meta.get("last_modified"):
        headers["If-Modified-Since"] = meta["last_modified"]
    opener = urllib.request.build_opener(_WebOnly)
    try:
        with opener.open(urllib.request.Request(address, headers=headers), timeout=TIMEOUT) as response:
            data = response.read(MAX_BYTES + 1)
            answer = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified")}
    except urllib.error.HTTPError as exc:
        if exc.code != 304:  # 304: not modified, the kept copy is current
            problems.append(Problem("", None, f"[calendar] {_shown(url)}: the server answered {exc.code}; "
                                    "the last copy fetched is used"))
        return
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        problems.append(Problem("", None, f"[calendar] {_shown(url)}: cannot fetch ({reason}); the last copy "
                                "fetched is used"))
        return
    if len(data) > MAX_BYTES or not data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"BEGIN:VCALENDAR"):
        problems.append(Problem("", None, f"[calendar] {_shown(url)}: the answer is no calendar (or over "
                                f"{MAX_BYTES >> 20} MB); the last copy fetched is used"))
        return
    write_atomic(path, data, mode=0o600)
    write_atomic(meta_path, json.dumps(answer).encode(), mode=0o600)


# --- reading ----------------------------------------------------------------------------------------

def source_files(vault: Path, sources: Iterable[str]) -> list[Path]:
    """Every file the ``sources`` name, as the scans read them (a fetched address: its copy in the
    cache folder); what a remembered scan's answer depends on besides the notes."""
    problems: list[Problem] = []
    return [path for source in sources for path in _files(vault, source, problems)]


def _files(vault: Path, source: str, problems: list[Problem]) -> list[Path]:
    """The .ics files of one source (relative to the ``vault`` folder, or absolute), in a stable order."""
    if _is_url(source):
        fetched = _fetched(vault, source)
        if fetched.exists():
            return [fetched]
        problems.append(Problem("", None, f"[calendar] {_shown(source)}: not fetched yet; `relnotes scan VAULT "
                                "--fetch` or `relnotes watch VAULT --fetch` fetches it (a scan alone never goes "
                                "to the network)"))
        return []
    root = Path(source).expanduser()
    root = root if root.is_absolute() else vault / root
    if root.is_dir():
        found = []
        for top, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [Path(top) / name for name in sorted(files) if name.lower().endswith(".ics")]
        return found
    if root.is_file():
        return [root]
    problems.append(Problem("", None, f"[calendar] sources: {source!r} is neither an .ics file nor a folder; "
                            "skipped"))
    return []


# date, title, how many attendees, and (email, name, declined) of each attendee and the organizer
Meeting = tuple[dt.date, str, int, tuple[tuple[str | None, str | None, bool], ...]]


def _source(vault: Vault, source: str) -> list[tuple[list[Meeting], list[Problem]]]:
    """The meetings (and problems) of each .ics file of one source, kept between runs while its
    files are unchanged: parsing and expanding a big calendar takes seconds."""
    problems: list[Problem] = []
    files = _files(Path(vault.root), source, problems)
    if not files:
        return [([], problems)]
    keys = tuple((str(path), file_key(path)) for path in files)
    return kept(f"calendar\0{Path(vault.root).resolve()}\0{source}", keys, lambda: [_read(path) for path in files])


def _read(path: Path) -> tuple[list[Meeting], list[Problem]]:
    """The meetings one .ics file holds, each occurrence apart, and what was wrong with it."""
    import icalendar
    import recurring_ical_events

    found: list[Problem] = []
    try:
        calendar = icalendar.Calendar.from_ical(path.read_bytes())
        events = list(calendar.walk("VEVENT"))
        starts = [_day(e.get("DTSTART")) for e in events] + [_day(e.get("RECURRENCE-ID")) for e in events]
        known = [d for d in starts if d is not None]
        if not known:
            return [], found
        until = dt.date(min(max(known).year + AHEAD, 9998), 12, 31)
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).between(min(known), until)
    except Exception as exc:  # a calendar that is not one (or one the libraries cannot read): say so, go on
        found.append(Problem("", None, f"[calendar] {path}: not a calendar icalendar can read ({exc}); skipped"))
        return [], found
    meetings: list[Meeting] = []
    for event in occurrences:
        date = _day(event.get("DTSTART"))
        if date is None or str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        attendees = list(_people(event.get("ATTENDEE")))
        title = str(event.get("SUMMARY", "")).strip() or "(no title)"
        meetings.append((date, title, len(attendees), _unique([*attendees, *_people(event.get("ORGANIZER"), True)])))
    meetings.sort(key=lambda m: (m[0], m[1]))
    return meetings, found


def _day(prop: object) -> dt.date | None:
    """The date of a DTSTART or RECURRENCE-ID, in its own time zone."""
    value = getattr(prop, "dt", None)
    if isinstance(value, dt.datetime):
        return value.date()
    return value if isinstance(value, dt.date) else None


def _people(prop: object, organizer: bool = False) -> Iterator[tuple[str | None, str | None, bool]]:
    """(email, name, declined) of each attendee (or the organizer) a property names."""
    for item in prop if isinstance(prop, list) else [prop] if prop is not None else []:
        params = getattr(item, "params", {})
        name = params.get("CN")
        declined = not organizer and str(params.get("PARTSTAT", "")).upper() == "DECLINED"
        yield email_key(str(item)), str(name).strip() if name else None, declined


def _unique(people: Iterable[tuple[str | None, str | None, bool]]) -> tuple[tuple[str | None, str | None, bool], ...]:
    seen: dict[object, tuple[str | None, str | None, bool]] = {}
    for person in people:
        seen.setdefault(person[0] or person[1], person)
    return tuple(seen.values())
