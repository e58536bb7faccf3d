"""relnotes-reconnect: each week, suggest a few dormant relationships to revive, in fair rotation.

A person is dormant when they were once close (at least ``min_interactions``
recorded contacts) but the last contact is more than ``dormant_days`` ago.
Each ISO week, ``per_week`` of them are suggested; the window moves along the
name-ordered list by ``per_week`` every week, so everyone comes up once before
anyone comes up twice.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import operator

from relnotes import Config, Person, Reminder, Setting, Table, Vault, at_least, hookimpl, make_uid, name_key

SETTINGS = Table("plugins.reconnect", (
    Setting("per_week", 3, at_least(1), "People suggested each week."),
    Setting("dormant_days", 180, at_least(1), "“Dormant”: no contact for more than this many days."),
    Setting("min_interactions", 3, at_least(1), "“Once close”: at least this many recorded contacts."),
), "relnotes-reconnect: a few dormant relationships to revive each week, in fair rotation.")
EPOCH = dt.date(2001, 1, 1)  # a Monday: the rotation counts weeks from it


@hookimpl
def relnotes_settings() -> list[Table]:
    """The ``[plugins.reconnect]`` table: relnotes checks it when it loads the config."""
    return [SETTINGS]


def dormant(people: list[Person], today: dt.date, dormant_days: int,
            min_interactions: int) -> list[tuple[Person, dt.date, int]]:
    """The dormant people with their last contact and how many contacts they had, in a stable
    order (by name).

    Only ``active`` people count: ``paused``, ``limit-contact`` and ``archived``
    ones asked (or were asked) to be left alone, and a ``snooze_until`` after
    today is respected.
    """
    found = []
    for person in people:
        if person.status != "active" or (person.snooze_until and person.snooze_until > today):
            continue
        last = person.last_contact_on(today)
        if last is None or (today - last[0]).days <= dormant_days:
            continue
        # the interactions are in date order: those up to today are a prefix
        count = bisect.bisect_right(person.interactions, today, key=_date) + sum(
            1 for date in (person.last_contact, person.met) if date and date <= today)
        if count >= min_interactions:
            found.append((person, last[0], count))
    return sorted(found, key=lambda found: (_name_key(found[0].name), found[0].path))


_date = operator.attrgetter("date")
_name_key = functools.lru_cache(maxsize=1 << 16)(name_key)  # asked for every dormant person on every build


def this_week(candidates: list, monday: dt.date, per_week: int) -> list:
    """The ``per_week`` candidates whose turn it is in the week of ``monday`` (all of them when fewer)."""
    if len(candidates) <= per_week:
        return candidates
    start = (monday - EPOCH).days // 7 * per_week % len(candidates)
    return [candidates[(start + i) % len(candidates)] for i in range(per_week)]


@hookimpl
def relnotes_reminders(vault: Vault, config: Config, today: dt.date) -> list[Reminder]:
    """One ``reconnect`` reminder for each person whose turn it is this week."""
    settings = config.table(SETTINGS.name)
    monday = today - dt.timedelta(days=today.weekday())
    candidates = dormant(vault.people, today, settings.dormant_days, settings.min_interactions)
    reminders = []
    for person, last, count in this_week(candidates, monday, settings.per_week):
        days = (today - last).days
        reminders.append(Reminder(
            kind="reconnect",
            person=person.name,
            date=today,  # the week's Monday is never later than today: dated today, never overdue
            title=f"Reconnect with {person.name}",
            source=person.path,
            uid=make_uid("reconnect", name_key(person.name), monday.isoformat()),
            detail=f"last contact {last.isoformat()} ({days} days ago) · {count} contacts before",
            person_path=person.path,
        ))
    return reminders
