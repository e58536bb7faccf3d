"""relnotes-reconnect: each week, suggest a few dormant relationships to revive, in fair rotation.

A person is dormant when they were once close (at least ``min_interactions``
recorded contacts) but the last contact is more than ``dormant_days`` ago.
Each ISO week, ``per_week`` of them are suggested; the window moves along the
name-ordered list by ``per_week`` every week, so everyone comes up once before
anyone comes up twice.
"""

from __future__ import annotations

import datetime as dt

from relnotes import hookimpl
from relnotes.links import name_key
from relnotes.model import Person, Reminder, make_uid

DEFAULTS = {"per_week": 3, "dormant_days": 180, "min_interactions": 3}
EPOCH = dt.date(2001, 1, 1)  # a Monday: the rotation counts weeks from it


def read_settings(table: dict) -> dict[str, int]:
    """The ``[plugins.reconnect]`` table over the defaults; a ``ValueError`` names any bad key."""
    settings = dict(DEFAULTS)
    for key, value in table.items():
        if key not in DEFAULTS:
            raise ValueError(f"plugins.reconnect.{key}: unknown key (known: {', '.join(DEFAULTS)})")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"plugins.reconnect.{key}: expected a whole number of 1 or more, got {value!r}")
        settings[key] = value
    return settings


def dormant(people: list[Person], today: dt.date, dormant_days: int,
            min_interactions: int) -> list[tuple[Person, list[tuple[dt.date, str]]]]:
    """The dormant people with their contacts, in a stable order (by name).

    Only ``active`` people count: ``paused``, ``limit-contact`` and ``archived``
    ones asked (or were asked) to be left alone, and a ``snooze_until`` after
    today is respected.
    """
    found = []
    for person in people:
        if person.status != "active" or (person.snooze_until and person.snooze_until > today):
            continue
        contacts = person.contacts(today)
        if len(contacts) >= min_interactions and (today - contacts[-1][0]).days > dormant_days:
            found.append((person, contacts))
    return sorted(found, key=lambda pair: (name_key(pair[0].name), pair[0].path))


def this_week(candidates: list, monday: dt.date, per_week: int) -> list:
    """The ``per_week`` candidates whose turn it is in the week of ``monday`` (all of them when fewer)."""
    if len(candidates) <= per_week:
        return candidates
    start = (monday - EPOCH).days // 7 * per_week % len(candidates)
    return [candidates[(start + i) % len(candidates)] for i in range(per_week)]


@hookimpl
def relnotes_reminders(vault, config, today):
    """One ``reconnect`` reminder for each person whose turn it is this week."""
    settings = read_settings(config.plugin_settings.get("reconnect", {}))
    monday = today - dt.timedelta(days=today.weekday())
    candidates = dormant(vault.people, today, settings["dormant_days"], settings["min_interactions"])
    reminders = []
    for person, contacts in this_week(candidates, monday, settings["per_week"]):
        last = contacts[-1][0]
        days = (today - last).days
        reminders.append(Reminder(
            kind="reconnect",
            person=person.name,
            date=today,  # the week's Monday is never later than today: dated today, never overdue
            title=f"Reconnect with {person.name}",
            source=person.path,
            uid=make_uid("reconnect", name_key(person.name), monday.isoformat()),
            detail=f"last contact {last.isoformat()} ({days} days ago) · {len(contacts)} contacts before",
            person_path=person.path,
        ))
    return reminders
