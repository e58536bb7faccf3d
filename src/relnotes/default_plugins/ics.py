"""Built-in output ``ics``: the reminders as an iCalendar feed a calendar app can subscribe to.

One all-day, transparent VEVENT per reminder. Overdue to-dos are placed on
today (they must be visible) and say since when they are due; celebrations
are one yearly recurring event each. Everything is derived from the scan,
including DTSTAMP, so the same vault and day give the same bytes.

Values are encoded by the icalendar library (text escaping, durations,
recurrence rules); the content lines are assembled and folded here, and each
event's text is memoised: icalendar's object model costs about 0.4 ms per
event, more than reading the note behind it. The tests parse the feed with
icalendar, ical, vobject and khal and compare it with icalendar's own output.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import operator
import re
from pathlib import Path
from typing import AnyStr
from urllib.parse import quote

from relnotes import (
    Config,
    Output,
    Reminder,
    ScanResult,
    Setting,
    Table,
    a_path,
    at_least,
    hookimpl,
    memo,
    output_file,
    time_of_day,
    typed,
)

PRODID = "-//relnotes//relnotes//EN"
MARKER = f"PRODID:{PRODID}".encode()
MEDIA_TYPE = "text/calendar; charset=utf-8"

SETTINGS = Table("ics", (
    Setting("enabled", True, typed(bool), "Write the calendar feed."),
    Setting("path", ".relnotes/relnotes.ics", a_path, "Where, relative to the vault (or absolute)."),
    Setting("name", "relnotes", typed(str), "Its name in calendar apps."),
    Setting("alarm", "09:00", time_of_day, 'The time of the alert on each event\'s day ("none" for no alert).'),
    Setting("refresh_minutes", 60, at_least(1, 60 * 24 * 366), "How often subscribed apps are asked to refresh it "
            "(up to a year)."),
), "The calendar feed.", output=True)


@hookimpl
def relnotes_settings() -> list[Table]:
    return [SETTINGS]


def obsidian_url(vault_name: str, path: str) -> str:
    """An ``obsidian://open`` link to a note."""
    return f"obsidian://open?vault={_quoted(vault_name)}&file={_quoted(path)}"


@functools.lru_cache(maxsize=1 << 17)  # room for a 100k-note vault's sources
def _quoted(text: str) -> str:
    return quote(text, safe="")


def fold(line: str, limit: int = 75) -> str:
    """Fold a content line to ``limit`` octets per physical line (RFC 5545 3.1), never inside a
    UTF-8 sequence nor right after the backslash of an escape."""
    if len(line) <= limit // 4 or (line.isascii() and len(line) <= limit):
        return line
    if line.isascii():  # then characters are octets: cut the text itself
        return "\r\n ".join(_fold_parts(line, limit, "\\"))
    data = line.encode()
    if len(data) <= limit:
        return line
    return b"\r\n ".join(_fold_parts(data, limit, b"\\")).decode()


def _fold_parts(data: AnyStr, limit: int, backslash: AnyStr) -> list[AnyStr]:
    """:func:`fold`'s physical lines of ``data``: an ASCII line's text, or another's UTF-8 octets."""
    parts: list[AnyStr] = []
    start, size = 0, limit
    while start < len(data):
        end = min(start + size, len(data))
        if isinstance(data, bytes):
            while end < len(data) and data[end] & 0xC0 == 0x80:  # inside a UTF-8 sequence: back off
                end -= 1
        chunk = data[start:end]
        run = len(chunk) - len(chunk.rstrip(backslash))
        # an escape (backslash + n , ; or backslash) starts here: keep it whole
        if end < len(data) and run % 2 and end - 1 > start:
            end -= 1
        parts.append(data[start:end])
        start, size = end, limit - 1  # continuation lines begin with the fold's space
    return parts


_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # not allowed in TEXT (RFC 5545 3.3.11); tab and newline are


def _text(value: str) -> str:
    """A TEXT value, escaped as RFC 5545 3.3.11 (and icalendar's vText) do; other control
    characters, which no content line may hold, become spaces (a lone CR a line break)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(value):
        value = _CONTROL.sub(" ", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _date(value: dt.date) -> str:
    return f"{value.year:04d}{value.month:02d}{value.day:02d}"


@functools.cache  # three rules in all
def _yearly_rule(leap_day: bool, feb29: str) -> str:
    from icalendar import vRecur

    rule: dict[str, str | int]
    if not leap_day:
        rule = {"freq": "yearly"}
    elif feb29 == "mar1":
        rule = {"freq": "yearly", "byyearday": 60}  # Feb 29 in leap years, Mar 1 otherwise
    else:
        rule = {"freq": "yearly", "bymonth": 2, "bymonthday": -1}  # the last day of February
    return vRecur(rule).to_ical().decode()


_REMINDER_FIELDS = operator.attrgetter(*(f.name for f in dataclasses.fields(Reminder)))


def event_text(reminder: Reminder, today: dt.date, vault_name: str, trigger: str | None) -> str:
    """One VEVENT, as folded content lines ending in CRLF. Memoised: a daemon's next build
    reuses the text of every unchanged reminder."""
    events = memo("ics-events")
    key = (_REMINDER_FIELDS(reminder), today, vault_name, trigger)  # everything the text is made of
    try:
        text = events.get(key)
    except TypeError:  # a plugin's reminder holds a list or a dict in its data: not memoised
        return _event_text(reminder, today, vault_name, trigger)
    if text is None:
        text = _event_text(reminder, today, vault_name, trigger)
        events.put(key, text)
    return text


def _event_text(reminder: Reminder, today: dt.date, vault_name: str, trigger: str | None) -> str:
    description = [reminder.detail] if reminder.detail else []
    sequence = rule = None
    series = reminder.recurrence
    if series is not None:
        start, summary = series.start, series.title
        rule = _yearly_rule((series.month, series.day) == (2, 29), series.leap_day)
    else:
        start, summary = max(reminder.date, today), reminder.title
        overdue = (today - reminder.date).days
        if overdue > 0:
            summary += f" (due since {reminder.date.isoformat()})"
            ago = "1 day" if overdue == 1 else f"{overdue} days"
            description.insert(0, f"Due since {reminder.date.isoformat()} ({ago} ago).")
            sequence = overdue  # the event moved: one step per day
    url = obsidian_url(vault_name, reminder.source) if reminder.source else None
    if url:
        description.append(f"Open in Obsidian: {url}")
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(summary)}",
        f"DTSTART;VALUE=DATE:{_date(start)}",
        f"DTEND;VALUE=DATE:{_date(start + dt.timedelta(days=1))}",
        f"DTSTAMP:{_date(today)}T000000Z",
        f"UID:{_text(reminder.uid)}",
        *([f"SEQUENCE:{sequence}"] if sequence else []),
        *([f"RRULE:{rule}"] if rule else []),
        f"CATEGORIES:{_text(reminder.kind)}",
        *([f"DESCRIPTION:{_text(chr(10).join(description))}"] if description else []),
        "TRANSP:TRANSPARENT",
        *([f"URL:{url}"] if url else []),
    ]
    if trigger is not None:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_text(reminder.title)}",
                  f"TRIGGER:{trigger}", "END:VALARM"]
    lines.append("END:VEVENT\r\n")
    # most lines are short ASCII, which needs no folding: don't even call fold() for them
    return "\r\n".join([line if len(line) <= 75 and line.isascii() else fold(line) for line in lines])


def render(result: ScanResult, config: Config) -> bytes:
    """The feed for a scan: every reminder, whatever its date."""
    from icalendar import vDuration

    settings = config.table(SETTINGS.name)
    refresh = vDuration(dt.timedelta(minutes=settings.refresh_minutes)).to_ical().decode()
    header = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"NAME:{_text(settings.name)}",
        f"X-WR-CALNAME:{_text(settings.name)}",
        f"X-WR-CALDESC:{_text('Follow-ups, tasks and celebrations from your notes')}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    vault_name = Path(result.root).resolve().name
    alarm = settings.alarm
    trigger = (vDuration(dt.timedelta(hours=alarm.hour, minutes=alarm.minute)).to_ical().decode()
               if alarm is not None else None)
    events = (event_text(r, result.today, vault_name, trigger) for r in result.all_reminders)
    text = "".join(fold(line) + "\r\n" for line in header) + "".join(events) + "END:VCALENDAR\r\n"
    return text.encode("utf-8")


@hookimpl
def relnotes_outputs(result: ScanResult, config: Config) -> list[Output]:
    settings = config.table(SETTINGS.name)
    if not settings.enabled:
        return []
    return [Output("ics", output_file(result.root, settings.path), render(result, config), MARKER, MEDIA_TYPE,
                   "calendar feed")]
