"""Built-in rule ``follow-up``: get in touch again once a person's cadence has passed."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from relnotes import Config, Reminder, Vault, hookimpl, make_uid, name_key


@hookimpl
def relnotes_reminders(vault: Vault, config: Config, today: dt.date) -> Iterator[Reminder]:
    for person in vault.people:
        if person.status != "active":
            continue
        cadences = person.cadences(config.cadence)
        if not cadences:
            continue
        last = person.last_contact_on(today)
        base = last[0] if last else today
        cadence, origin = min(cadences, key=lambda pair: pair[0].after(base))  # the shortest wins
        if last is None:
            due, why = today, "no contact recorded yet"
        else:
            due, why = cadence.after(base), f"last contact {base.isoformat()} ({last[1]})"
        why += f" · {cadence.describe()} ({origin})"
        if person.snooze_until and person.snooze_until > due:
            why += f" · snoozed until {person.snooze_until.isoformat()}"
            due = person.snooze_until
        yield Reminder(
            kind="follow-up",
            person=person.name,
            date=due,
            title=f"Get in touch with {person.name}",
            source=person.path,
            uid=make_uid("follow-up", name_key(person.name), last[0] if last else "never"),
            detail=why,
            person_path=person.path,
        )
