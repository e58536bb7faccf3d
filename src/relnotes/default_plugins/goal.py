"""Built-in: progress against the networking goal, e.g. ``goal = { people = 8, per = "month" }``."""

from __future__ import annotations

import bisect
import datetime as dt
import operator

from relnotes import Config, GoalStatus, Person, Vault, hookimpl, period_start

_date = operator.attrgetter("date")


def _in_touch(person: Person, start: dt.date, today: dt.date) -> bool:
    """Whether ``person`` was in contact from ``start`` to ``today``: an interaction (the
    interactions are in date order) or ``last_contact``. ``met`` is when you met, not a
    conversation: a LinkedIn connection date does not count."""
    found = person.interactions
    if found and found[-1].date >= start:  # else none is recent enough
        if found[-1].date <= today:  # the last one (most often: a meeting to come is the exception)
            return True
        first = bisect.bisect_left(found, start, key=_date)
        if found[first].date <= today:
            return True
    last = person.last_contact
    return last is not None and start <= last <= today


@hookimpl(trylast=True)
def relnotes_goal(vault: Vault, config: Config, today: dt.date) -> GoalStatus | None:
    if config.goal is None:
        return None
    start = period_start(today, config.goal.per)
    people = sorted((p.name for p in vault.contacted_since(start) if _in_touch(p, start, today)), key=str.casefold)
    return GoalStatus(config.goal.people, config.goal.per, len(people), start, tuple(people))
