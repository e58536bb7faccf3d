"""Built-in: progress against the networking goal, e.g. ``goal = { people = 8, per = "month" }``."""

from __future__ import annotations

import datetime as dt

from relnotes import Config, GoalStatus, Person, Vault, hookimpl, period_start


def _contacted(person: Person, start: dt.date, end: dt.date) -> bool:
    """Whether any of ``person.contacts(end)`` falls on or after ``start``."""
    return (any(start <= i.date <= end for i in person.interactions)
            or any(date and start <= date <= end for date in (person.last_contact, person.met)))


@hookimpl(trylast=True)
def relnotes_goal(vault: Vault, config: Config, today: dt.date) -> GoalStatus | None:
    if config.goal is None:
        return None
    start = period_start(today, config.goal.per)
    people = sorted((p.name for p in vault.people if _contacted(p, start, today)), key=str.casefold)
    return GoalStatus(config.goal.people, config.goal.per, len(people), start, tuple(people))
