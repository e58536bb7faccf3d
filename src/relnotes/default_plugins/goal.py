"""Built-in: progress against the networking goal, e.g. ``goal = { people = 8, per = "month" }``."""

from __future__ import annotations

import datetime as dt

from relnotes import Config, GoalStatus, Vault, hookimpl, period_start


@hookimpl(trylast=True)
def relnotes_goal(vault: Vault, config: Config, today: dt.date) -> GoalStatus | None:
    if config.goal is None:
        return None
    start = period_start(today, config.goal.per)
    people = sorted((p.name for p in vault.people if (last := p.last_contact_on(today)) and last[0] >= start),
                    key=str.casefold)
    return GoalStatus(config.goal.people, config.goal.per, len(people), start, tuple(people))
