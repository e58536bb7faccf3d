"""Built-in output ``ics``: the reminders as an iCalendar feed a calendar app can subscribe to.

One all-day, transparent VEVENT per reminder. Overdue to-dos are placed on
today (they must be visible) and say since when they are due; past
``max_overdue`` of them, the rest are one "N more overdue" event. Celebrations
are one yearly recurring event each, but those on Feb 29, which are one
dated event a year for the next years (no recurrence rule for them expands
alike in every engine). Everything is derived from the scan and its day,
DTSTAMP and SEQUENCE included, so the same vault and day give the same bytes;
SEQUENCE is the day's number, so it never goes down and rises whenever an
event moves to another day. UIDs carry a tag of the vault, so the same person
in two subscribed vaults is two events.

Values are encoded by the icalendar library (text escaping, durations); the
content lines are assembled and folded here, and each reminder's text is
memoised: icalendar's object model costs about 0.4 ms per event, more than
reading the note behind it. The tests parse the feed with icalendar, ical,
vobject, recurring-ical-events and libical, import it into khal and calcurse,
and compare it with icalendar's own output.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import hashlib
import operator
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import AnyStr, cast

from relnotes import (
    FEED_NAME,
    Config,
    ConfigError,
    MonthDay,
    Output,
    Reminder,
    ScanResult,
    Setting,
    Table,
    a_path,
    anniversary_in,
    at_least,
    choice,
    days_away,
    hookimpl,
    make_uid,
    memo,
    obsidian_url,
    output_file,
    page_url,
    time_of_day,
    typed,
)

PRODID = "-//relnotes//relnotes//EN"
MARKER = f"PRODID:{PRODID}".encode()
MEDIA_TYPE = "text/calendar; charset=utf-8"

DESCRIPTION = "Follow-ups to make and days to celebrate from your notes"  # no comma: some apps show it escaped
LEAP_DAY_YEARS = 10  # a Feb 29 celebration is an event in each of this many years, from this one
LISTED = 100  # the "N more overdue" event lists this many of them (a description is no place for thousands)

# the colour keywords of CSS Color Module Level 3, the names RFC 7986's COLOR takes
CSS_COLOURS = frozenset((
    "aliceblue", "antiquewhite", "aqua", "aquamarine", "azure", "beige", "bisque", "black", "blanchedalmond", "blue",
    "blueviolet", "brown", "burlywood", "cadetblue", "chartreuse", "chocolate", "coral", "cornflowerblue", "cornsilk",
    "crimson", "cyan", "darkblue", "darkcyan", "darkgoldenrod", "darkgray", "darkgreen", "darkgrey", "darkkhaki",
    "darkmagenta", "darkolivegreen", "darkorange", "darkorchid", "darkred", "darksalmon", "darkseagreen",
    "darkslateblue", "darkslategray", "darkslategrey", "darkturquoise", "darkviolet", "deeppink", "deepskyblue",
    "dimgray", "dimgrey", "dodgerblue", "firebrick", "floralwhite", "forestgreen", "fuchsia", "gainsboro", "ghostwhite",
    "gold", "goldenrod", "gray", "green", "greenyellow", "grey", "honeydew", "hotpink", "indianred", "indigo", "ivory",
    "khaki", "lavender", "lavenderblush", "lawngreen", "lemonchiffon", "lightblue", "lightcoral", "lightcyan",
    "lightgoldenrodyellow", "lightgray", "lightgreen", "lightgrey", "lightpink", "lightsalmon", "lightseagreen",
    "lightskyblue", "lightslategray", "lightslategrey", "lightsteelblue", "lightyellow", "lime", "limegreen", "linen",
    "magenta", "maroon", "mediumaquamarine", "mediumblue", "mediumorchid", "mediumpurple", "mediumseagreen",
    "mediumslateblue", "mediumspringgreen", "mediumturquoise", "mediumvioletred", "midnightblue", "mintcream",
    "mistyrose", "moccasin", "navajowhite", "navy", "oldlace", "olive", "olivedrab", "orange", "orangered", "orchid",
    "palegoldenrod", "palegreen", "paleturquoise", "palevioletred", "papayawhip", "peachpuff", "peru", "pink", "plum",
    "powderblue", "purple", "red", "rosybrown", "royalblue", "saddlebrown", "salmon", "sandybrown", "seagreen",
    "seashell", "sienna", "silver", "skyblue", "slateblue", "slategray", "slategrey", "snow", "springgreen",
    "steelblue", "tan", "teal", "thistle", "tomato", "turquoise", "violet", "wheat", "white", "whitesmoke", "yellow",
    "yellowgreen"
))


def css_colour(key: str, value: object) -> str | None:
    """A checker for a CSS colour name (any case), or ``"none"`` (None)."""
    name = str(typed(str)(key, value)).strip().lower()
    if name == "none":
        return None
    if name not in CSS_COLOURS:
        raise ConfigError(f'{key}: expected a CSS colour name such as "steelblue", or "none", got {value!r}')
    return name


@dataclass(frozen=True)
class KindFeed:
    """A calendar of one kind of reminder, beside the feed of them all: subscribed to on its own,
    it gets its own colour and alerts in the app."""

    kind: str  # its name in the URL (/TOKEN/follow-ups.ics) and the file's (relnotes-follow-ups.ics)
    key: str  # its settings: [ics] KEY_name, KEY_color
    name: str
    color: str
    description: str


KIND_FEEDS = (
    KindFeed("follow-ups", "followups", "relnotes follow-ups", "steelblue", "Follow-ups to make from your notes"),
    KindFeed("tasks", "tasks", "relnotes tasks", "seagreen", "Open tasks from your notes"),
    KindFeed("celebrations", "celebrations", "relnotes celebrations", "goldenrod", "Days to celebrate from your notes"),
)


def kind_feed_of(reminder: Reminder) -> str:
    """The calendar per kind a reminder is in: celebrations, tasks, or follow-ups (every other
    to-do, a plugin's too)."""
    return "celebrations" if reminder.celebration else "tasks" if reminder.kind == "task" else "follow-ups"


SETTINGS = Table("ics", (
    Setting("enabled", True, typed(bool), "Write the calendar feed."),
    Setting("path", ".relnotes/relnotes.ics", a_path, "Where, relative to the vault (or absolute)."),
    Setting("name", "relnotes", typed(str), "Its name in calendar apps."),
    Setting("color", "steelblue", css_colour, 'Its colour in calendar apps that take one: a CSS colour name '
            '("none" to leave it to the app).'),
    Setting("alarm", "09:00", time_of_day, 'The time of the alert on each event ("none" for no alert).'),
    Setting("alarm_day", "on the day", choice("on the day", "the day before"),
            'Whether that alert is "on the day" of the event or "the day before" (which Outlook shows at the '
            'same time as every other app).'),
    Setting("notice_events", False, typed(bool), "Also give each celebration an event of its own on each day of "
            'its notice ([celebrations] notice_days): "In 7 days: Priya\'s birthday", for apps that drop a '
            "subscribed calendar's alerts (Google Calendar)."),
    Setting("max_overdue", 20, at_least(0, 1_000_000), 'How many overdue items get an event of their own, most '
            'overdue first; the others are listed in one "N more overdue" event on today.'),
    Setting("refresh_minutes", 60, at_least(1, 60 * 24 * 366), "How often subscribed apps are asked to refresh it "
            "(up to a year)."),
    Setting("kind_feeds", True, typed(bool), "Also make a calendar per kind of reminder, each with its own name and "
            "colour: follow-ups (every reminder to act on but tasks), tasks, and celebrations. `relnotes serve` offers "
            "them at /TOKEN/follow-ups.ics, /TOKEN/tasks.ics and /TOKEN/celebrations.ics; their files are written "
            "beside the feed's, named after it (relnotes-follow-ups.ics …)."),
    *(setting for feed in KIND_FEEDS for setting in (
        Setting(f"{feed.key}_name", feed.name, typed(str), f"The name of the calendar of {feed.kind}."),
        Setting(f"{feed.key}_color", feed.color, css_colour, 'Its colour ("none" to leave it to the app).'))),
), "The calendar feed.", output=True)


@hookimpl
def relnotes_settings() -> list[Table]:
    return [SETTINGS]


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


@functools.cache  # one vault or a few per process; asked for each event
def vault_tag(vault_name: str) -> str:
    """A short tag of the vault, from its folder's name (as Obsidian names vaults): part of every UID,
    so two vaults' feeds in one calendar app never share one."""
    return hashlib.sha256(vault_name.encode()).hexdigest()[:8]


def feed_uid(uid: str, tag: str, *parts: object) -> str:
    """The UID of a reminder's event: its ``uid`` (``follow-up-…@relnotes``) with ``parts`` (a year)
    and the vault's ``tag`` before the ``@``."""
    local, at, domain = uid.rpartition("@")
    if not at:
        local, domain = domain, ""
    return "-".join([local, *map(str, parts), tag]) + at + domain


Alarm = tuple[dt.time, str] | None  # the alert's time of day, and "on the day" or "the day before"


def event_texts(reminders: Sequence[Reminder], today: dt.date, vault_name: str, alarm: Alarm,
                pages: str | None = None, notice_events: bool = False, feed: KindFeed | None = None,
                made: dict[int, bytes] | None = None, start: int = 0) -> list[bytes]:
    """The reminders' VEVENTs (one each, or one a year for a Feb 29 celebration; with
    ``notice_events``, one more per day of a celebration's notice), as folded content lines ending
    in CRLF, UTF-8 encoded, in pieces to join; with ``pages`` (the phone pages' address), each
    links to its reminder's page; with ``feed``, only those of its kind. Memoised by the reminders
    themselves (they are immutable, and a daemon keeps every unchanged one from build to build):
    the next build reuses the bytes. With ``made``, each reminder's text is taken from it (by the
    reminder's id) or put there: a calendar per kind, asked for the same ``reminders`` after the
    feed of them all, renders nothing again (its pieces are runs of the same reminders, and the
    runs that changed were just rendered). With ``start``, those from there on."""
    def text(reminder: Reminder) -> bytes:
        found = made.get(id(reminder)) if made is not None else None
        if found is None:
            found = _event_text(reminder, today, vault_name, alarm, pages, notice_events).encode()
            if made is not None:
                made[id(reminder)] = found
        return found

    kind = feed.kind if feed is not None else None
    return memo("ics-events").runs(reminders, (today, vault_name, alarm, pages, notice_events, kind), lambda run: (
        b"".join([text(r) for r in run if kind is None or kind_feed_of(r) == kind])), start)


def _event_text(reminder: Reminder, today: dt.date, vault_name: str, alarm: Alarm,
                pages: str | None, notice_events: bool) -> str:
    tag = vault_tag(vault_name)
    description = [reminder.detail] if reminder.detail else []
    url = obsidian_url(vault_name, reminder.source) if reminder.source else None
    if url:
        description.append(f"Open in Obsidian: {url}")
    if pages:  # the event's URL is then its page: where a tap can say "talked", "snooze" or "done"
        url = page_url(pages, reminder.uid)
        description.append(f"Talked, snooze or done: {url}")
    series = reminder.recurrence
    if series is None:
        summary = reminder.title
        overdue = (today - reminder.date).days
        if overdue > 0:
            summary += f" (due since {reminder.date.isoformat()})"
            ago = "1 day" if overdue == 1 else f"{overdue} days"
            description.insert(0, f"Due since {reminder.date.isoformat()} ({ago} ago).")
        return vevent(feed_uid(reminder.uid, tag), max(reminder.date, today), summary, description,
                      reminder.kind, today, url, _alarms(alarm, reminder.title))
    notice = cast("tuple[int, ...]", dict(reminder.data).get("notice", (0,)))
    alarms = [a for days in notice for a in _alarms(alarm, series.title if days == 0 else
                                                     f"{series.title} {days_away(days)}", days)]
    event = functools.partial(vevent, description=description, category=reminder.kind, today=today, url=url)
    shown = [(0, series.title, alarms)]
    if notice_events:  # for apps that drop a subscription's alerts: an event of its own, that many days before
        shown += [(days, f"{days_away(days).capitalize()}: {series.title}", []) for days in notice if days]

    def occurrences(days: int, summary: str, alerts: list) -> str:
        before = dt.timedelta(days=days)
        uid = (lambda *parts: feed_uid(reminder.uid, tag, *parts, *([f"notice{days}"] if days else [])))
        if (series.month, series.day) != (2, 29):
            return event(uid(), series.start - before, summary, alarms=alerts, rule="FREQ=YEARLY")
        # RFC 5545 drops Feb 29 in common years, and no rule that moves it to Feb 28 or Mar 1 expands
        # alike everywhere (calcurse drops BYYEARDAY, Outlook maps neither it nor BYMONTHDAY=-1)
        first = max(series.start.year, today.year)
        return "".join(event(uid(year), anniversary_in(MonthDay(2, 29), year, series.leap_day) - before, summary,
                             alarms=alerts) for year in range(first, first + LEAP_DAY_YEARS))

    return "".join(occurrences(*item) for item in shown)


def _alarms(alarm: Alarm, text: str, days: int = 0) -> list[tuple[str, str]]:
    """The VALARM (trigger, text) of an event's alert, ``days`` before it: none without ``alarm``."""
    return [] if alarm is None else [(trigger_of(alarm[0], alarm[1], days), text)]


def vevent(uid: str, start: dt.date, summary: str, description: Sequence[str], category: str, today: dt.date,
           url: str | None, alarms: Sequence[tuple[str, str]] = (), rule: str | None = None) -> str:
    """One all-day VEVENT, as folded content lines ending in CRLF, with a VALARM for each of
    ``alarms`` (trigger, text). Its DTSTAMP is ``today`` and its SEQUENCE the day's number: it never
    goes down, and it rises on every day the event may have moved."""
    lines = [
        "BEGIN:VEVENT",
        f"SUMMARY:{_text(summary)}",
        f"DTSTART;VALUE=DATE:{_date(start)}",
        f"DTEND;VALUE=DATE:{_date(start + dt.timedelta(days=1))}",
        f"DTSTAMP:{_date(today)}T000000Z",
        f"UID:{_text(uid)}",
        f"SEQUENCE:{today.toordinal()}",
        *([f"RRULE:{rule}"] if rule else []),
        f"CATEGORIES:{_text(category)}",
        *([f"DESCRIPTION:{_text(chr(10).join(description))}"] if description else []),
        "TRANSP:TRANSPARENT",
        *([f"URL:{url}"] if url else []),
    ]
    for trigger, alert in alarms:
        lines += ["BEGIN:VALARM", "ACTION:DISPLAY", f"DESCRIPTION:{_text(alert)}", f"TRIGGER:{trigger}",
                  "END:VALARM"]
    lines.append("END:VEVENT\r\n")
    # most lines are short ASCII, which needs no folding: don't even call fold() for them
    return "\r\n".join([line if len(line) <= 75 and line.isascii() else fold(line) for line in lines])


def _more_overdue(count: int, listed_first: Sequence[Reminder], today: dt.date, tag: str, alarm: Alarm,
                  pages: str | None, feed: str) -> bytes:
    """The one event of a feed (``feed``: "" for the feed of every reminder, else its kind) that
    stands for the ``count`` overdue items past ``max_overdue`` (``listed_first``: the first
    :data:`LISTED` of them), with a stable UID; remembered while they are the same."""
    kept = memo("ics-more-overdue")
    last = kept.get(feed)
    params = (today, tag, alarm, count, pages, len(listed_first))
    if last is not None and last[0] == params and all(map(operator.is_, last[1], listed_first)):
        return last[2]
    summary = f"{count} more overdue"
    listed = ["Also overdue, most overdue first:", *(f"{r.date.isoformat()} {r.title}" for r in listed_first)]
    if count > LISTED:
        listed.append(f"… and {count - LISTED} more (see the summary note or relnotes scan)")
    agenda = f"{pages}/agenda" if pages else None
    if agenda:
        listed.append(f"All of them, with their buttons: {agenda}")
    text = vevent(feed_uid(make_uid("more-overdue", *([feed] if feed else [])), tag), today, summary, listed,
                  "more-overdue", today, agenda, _alarms(alarm, summary)).encode()
    kept.put(feed, (params, tuple(listed_first), text))
    return text


@dataclass(frozen=True, slots=True)
class _Late:
    """The overdue reminders of one feed in one run of them: all, the yearly ones, the others."""

    items: tuple[Reminder, ...]
    yearly: tuple[Reminder, ...]
    once: tuple[Reminder, ...]


def _late(run: tuple[Reminder, ...]) -> dict[str, _Late]:
    """A run of overdue reminders, per feed ("" for the feed of them all, else a kind)."""
    by_feed: dict[str, list[Reminder]] = {"": list(run)}
    for reminder in run:
        by_feed.setdefault(kind_feed_of(reminder), []).append(reminder)
    return {feed: _Late(tuple(items), tuple(r for r in items if r.recurrence is not None),
                        tuple(r for r in items if r.recurrence is None)) for feed, items in by_feed.items()}


def _overdue_shown(runs: list[dict[str, _Late]], feed: str, most: int) -> tuple[list[Reminder], int, list[Reminder]]:
    """A feed's overdue reminders (most overdue first) as shown: up to ``most`` that are not yearly,
    and every yearly one; and how many are folded into one event, with the first :data:`LISTED` of
    them."""
    shown: list[Reminder] = []
    folded: list[Reminder] = []
    count = folded_count = 0
    for late in (run[feed] for run in runs if feed in run):
        if count < most:
            for reminder in late.items:
                if reminder.recurrence is not None:
                    shown.append(reminder)
                elif count < most:
                    shown.append(reminder)
                    count += 1
                else:
                    folded_count += 1
                    if len(folded) < LISTED:
                        folded.append(reminder)
            continue
        shown += late.yearly
        folded_count += len(late.once)
        if len(folded) < LISTED:
            folded += late.once[:LISTED - len(folded)]
    return shown, folded_count, folded


def trigger_of(alarm: dt.time, day: str, before: int = 0) -> str:
    """The TRIGGER of the alert at ``alarm`` "on the day" or "the day before" — or, ``before`` days
    ahead (a celebration's notice), at ``alarm`` on that day: relative to the start of the all-day
    event. Outlook reads any trigger as "this many minutes before the start", so only a negative
    one (the day before) means the same moment there as in every other app."""
    from icalendar import vDuration

    offset = dt.timedelta(hours=alarm.hour, minutes=alarm.minute) - dt.timedelta(days=before)
    if day == "the day before" and not before:
        offset -= dt.timedelta(days=1)
    return vDuration(offset).to_ical().decode()


def render(result: ScanResult, config: Config, late: list[dict[str, _Late]], past: int,
           feed: KindFeed | None = None, made: dict[int, bytes] | None = None) -> bytes:
    """The feed for a scan: every reminder, whatever its date; or, with ``feed``, those of its kind,
    with its name and colour. ``late`` are the runs of the overdue reminders (see :func:`_late`),
    the first ``past`` of ``result.frozen_reminders``; the others are due from today on (the same
    for every feed of a build: see :func:`event_texts`, and ``made`` there)."""
    from icalendar import vDuration

    settings = config.table(SETTINGS.name)
    name, color, description = ((settings.name, settings.color, DESCRIPTION) if feed is None else
                                (settings[f"{feed.key}_name"], settings[f"{feed.key}_color"], feed.description))
    refresh = vDuration(dt.timedelta(minutes=settings.refresh_minutes)).to_ical().decode()
    header = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{_text(name)}",
        f"X-WR-CALNAME:{_text(name)}",
        f"DESCRIPTION:{_text(description)}",
        f"X-WR-CALDESC:{_text(description)}",
        *([f"COLOR:{color}"] if color else []),
        f"REFRESH-INTERVAL;VALUE=DURATION:{refresh}",
        f"X-PUBLISHED-TTL:{refresh}",
    ]
    today, vault_name = result.today, Path(result.root).resolve().name
    alarm = (settings.alarm, settings.alarm_day) if settings.alarm else None
    kind = feed.kind if feed else ""
    # the feed's order: most overdue first; past max_overdue of them, the rest are folded into one event
    shown, folded, listed = _overdue_shown(late, kind, settings.max_overdue)
    pages = config.pages_url
    notices = settings.notice_events
    # the rest, most of them, in the pieces of the feed of them all (see event_texts)
    events = [*event_texts(shown, today, vault_name, alarm, pages, notices, made=made),
              *event_texts(result.frozen_reminders, today, vault_name, alarm, pages, notices, feed, made, past)]
    if folded:
        events.append(_more_overdue(folded, listed, today, vault_tag(vault_name), alarm, pages, kind))
    head = "".join(fold(line) + "\r\n" for line in header).encode("utf-8")
    return _joined(kind, [head, *events, b"END:VCALENDAR\r\n"])


def _joined(kind: str, pieces: list[bytes]) -> bytes:
    """``b"".join(pieces)``; the very bytes of the last build when its pieces were the same (the
    remembered runs are the same objects: compared in C, by identity first). After most edits
    only the feed and one calendar per kind change: the others are neither joined again (18 MB
    for the celebrations at 100,000 notes) nor compared byte by byte with what was written."""
    joined = memo("ics-joined")
    kept = joined.get(kind)
    if kept is not None and kept[0] == pieces:
        return cast(bytes, kept[1])
    data = b"".join(pieces)
    joined.put(kind, (pieces, data))
    return data


@hookimpl
def relnotes_outputs(result: ScanResult, config: Config) -> list[Output]:
    settings = config.table(SETTINGS.name)
    if not settings.enabled:
        return []
    path = output_file(result.root, settings.path)
    made: dict[int, bytes] | None = {} if settings.kind_feeds else None  # each event rendered once for all feeds
    everything = result.frozen_reminders  # in date order: the overdue ones first
    past = bisect.bisect_left(everything, result.today, key=operator.attrgetter("date"))
    late = memo("ics-late").runs(everything, (), _late, 0, past)
    outputs = [Output("ics", path, render(result, config, late, past, made=made), MARKER, MEDIA_TYPE,
                      "calendar feed", FEED_NAME)]
    if settings.kind_feeds:
        outputs += [Output(f"ics-{feed.kind}", path.with_name(f"{path.stem}-{feed.kind}{path.suffix}"),
                           render(result, config, late, past, feed, made), MARKER, MEDIA_TYPE,
                           f"calendar of {feed.kind}", f"{feed.kind}.ics") for feed in KIND_FEEDS]
    return outputs
