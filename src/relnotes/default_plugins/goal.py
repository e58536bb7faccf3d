"""Built-in: progress against the networking goal, e.g. ``goal = { people = 8, per = "month" }``."""

from __future__ import annotations

import datetime as dt

from relnotes import hookimpl
from relnotes.core import GoalStatus


def period_start(today: dt.date, per: str) -> dt.date:
    """The first day of the week (Monday), month or quarter that ``today`` is in."""
    if per == "week":
        return today - dt.timedelta(days=today.weekday())
    if per == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return today.replace(day=1)


def _contacted(person, start: dt.date, end: dt.date) -> bool:
    """Whether any of ``person.contacts(end)`` falls on or after ``start``."""
    return (any(start <= i.date <= end for i in person.interactions)
            or any(date and start <= date <= end for date in (person.last_contact, person.met)))


@hookimpl(trylast=True)
def relnotes_goal(vault, config, today):
    if config.goal is None:
        return None
    start = period_start(today, config.goal.per)
    people = sorted((p.name for p in vault.people if _contacted(p, start, today)), key=str.casefold)
    return GoalStatus(config.goal.people, config.goal.per, len(people), start, tuple(people))
