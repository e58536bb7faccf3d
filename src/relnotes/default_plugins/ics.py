"""Built-in output ``ics``: the reminders as an iCalendar feed a calendar app can subscribe to.

One all-day, transparent VEVENT per reminder. Overdue to-dos are placed on
today (they must be visible) and say since when they are due; celebrations
are one yearly recurring event each. Everything is derived from the scan,
including DTSTAMP, so the same vault and day give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from urllib.parse import quote

from icalendar import Alarm, Calendar, Event, vDuration

from relnotes import hookimpl
from relnotes.model import Output

PRODID = "-//relnotes//relnotes//EN"
MARKER = f"PRODID:{PRODID}".encode()
MEDIA_TYPE = "text/calendar; charset=utf-8"


def obsidian_url(vault_name: str, path: str) -> str:
    """An ``obsidian://open`` link to a note."""
    return f"obsidian://open?vault={quote(vault_name, safe='')}&file={quote(path, safe='')}"


def _yearly_rule(month_day: str, feb29: str) -> dict:
    if month_day != "02-29":
        return {"freq": "yearly"}
    if feb29 == "mar1":
        return {"freq": "yearly", "byyearday": 60}  # Feb 29 in leap years, Mar 1 otherwise
    return {"freq": "yearly", "bymonth": 2, "bymonthday": -1}  # the last day of February


def _event(reminder, today: dt.date, vault_name: str, config) -> Event:
    data = dict(reminder.data)
    event = Event()
    event.add("uid", reminder.uid)
    event.add("dtstamp", dt.datetime.combine(today, dt.time(), dt.timezone.utc))
    description = [reminder.detail] if reminder.detail else []
    if data.get("recurs") == "yearly":
        start = dt.date.fromisoformat(data["series_start"])
        event.add("summary", data["series_title"])
        event.add("rrule", _yearly_rule(data["month_day"], config.feb29))
    else:
        start = max(reminder.date, today)
        overdue = (today - reminder.date).days
        if overdue > 0:
            event.add("summary", f"{reminder.title} (due since {reminder.date.isoformat()})")
            ago = "1 day" if overdue == 1 else f"{overdue} days"
            description.insert(0, f"Due since {reminder.date.isoformat()} ({ago} ago).")
            event.add("sequence", overdue)  # the event moved: one step per day
        else:
            event.add("summary", reminder.title)
    event.add("dtstart", start)
    event.add("dtend", start + dt.timedelta(days=1))
    event.add("transp", "TRANSPARENT")
    event.add("categories", [reminder.kind])
    if reminder.source:
        url = obsidian_url(vault_name, reminder.source)
        event.add("url", url)
        description.append(f"Open in Obsidian: {url}")
    if description:
        event.add("description", "\n".join(description))
    if config.ics.alarm is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", reminder.title)
        alarm.add("trigger", dt.timedelta(hours=config.ics.alarm.hour, minutes=config.ics.alarm.minute))
        event.add_component(alarm)
    return event


def render(result, config) -> bytes:
    """The feed for a scan: every reminder, whatever its date."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", config.ics.name)
    calendar.add("x-wr-calname", config.ics.name)
    calendar.add("x-wr-caldesc", "Follow-ups, tasks and celebrations from your notes")
    refresh = dt.timedelta(minutes=config.ics.refresh_minutes)
    calendar.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(refresh))
    vault_name = Path(result.root).resolve().name
    for reminder in result.all_reminders:
        calendar.add_component(_event(reminder, result.today, vault_name, config))
    return calendar.to_ical()


def ics_path(root: Path, config) -> Path:
    return Path(root) / Path(config.ics.path).expanduser()


@hookimpl
def relnotes_outputs(result, config):
    if not config.ics.enabled:
        return []
    return [Output("ics", ics_path(result.root, config), render(result, config), MARKER, MEDIA_TYPE)]
