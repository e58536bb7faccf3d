"""Built-in rule ``new-contact``: send a follow-up soon after meeting someone new."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from relnotes import Config, Person, Reminder, Setting, Table, at_least, hookimpl, make_uid, name_key

SETTINGS = Table("new_contact", (
    Setting("window_days", 30, at_least(0), "Someone met within this many days, with no contact since, gets a "
            "“send a follow-up” reminder."),
    Setting("delay_days", 2, at_least(0), "The reminder is due this many days after meeting."),
), "Following up with people you met recently.")


@hookimpl
def relnotes_settings() -> list[Table]:
    return [SETTINGS]


@hookimpl
def relnotes_person_reminders(person: Person, config: Config, today: dt.date) -> Iterator[Reminder]:
    settings = config.table(SETTINGS.name)
    met = person.met
    if person.status != "active" or met is None or met > today or (today - met).days > settings.window_days:
        return
    # any contact recorded after the first meeting (a scheduled meeting too) means it was done
    if any(i.date > met for i in person.interactions) or (person.last_contact and person.last_contact > met):
        return
    due = met + dt.timedelta(days=settings.delay_days)
    due, why = person.snoozed(due, f"met {met.isoformat()}, no contact recorded since")
    yield Reminder(
        kind="new-contact",
        person=person.name,
        date=due,
        title=f"Send a follow-up to {person.name}",
        source=person.path,
        uid=make_uid("new-contact", name_key(person.name), met),
        detail=why,
        person_path=person.path,
    )
