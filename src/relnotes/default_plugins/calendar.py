"""Built-in ``calendar``: meetings from your calendars as contact — off until ``[calendar]
sources`` names some.

Each source is an ``.ics`` file (a calendar app's export) or a folder of them, read
recursively (a vdirsyncer or khal folder: one event per file), relative to the vault or
absolute. Recurring events are expanded with recurring-ical-events, their exceptions
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
import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from relnotes import (
    Config,
    Interaction,
    Person,
    Problem,
    Setting,
    Table,
    Vault,
    at_least,
    email_key,
    file_key,
    hookimpl,
    kept,
    names,
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
        root = Path(source).expanduser()
        root = root if root.is_absolute() else Path(vault.root) / root
        for meetings, problems in _source(vault, root, source):
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


def _files(root: Path, source: str, problems: list[Problem]) -> list[Path]:
    """The .ics files of one source, in a stable order."""
    if root.is_dir():
        found = []
        for top, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found += [Path(top) / name for name in sorted(files) if name.lower().endswith(".ics")]
        return found
    if root.is_file():
        return [root]
    if "://" in source:
        problems.append(Problem("", None, f"[calendar] sources: {source!r}: relnotes reads calendar files, not "
                                "addresses, so far; save the calendar's export (or sync it with vdirsyncer) and "
                                "name the file or folder; skipped"))
    else:
        problems.append(Problem("", None, f"[calendar] sources: {source!r} is neither an .ics file nor a folder; "
                                "skipped"))
    return []


# date, title, how many attendees, and (email, name, declined) of each attendee and the organizer
Meeting = tuple[dt.date, str, int, tuple[tuple[str | None, str | None, bool], ...]]


def _source(vault: Vault, root: Path, source: str) -> list[tuple[list[Meeting], list[Problem]]]:
    """The meetings (and problems) of each .ics file of one source, kept between runs while its
    files are unchanged: parsing and expanding a big calendar takes seconds."""
    problems: list[Problem] = []
    files = _files(root, source, problems)
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
