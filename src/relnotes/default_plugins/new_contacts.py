"""Built-in rule ``new-contact``: send a follow-up soon after meeting someone new."""

from __future__ import annotations

import datetime as dt

from relnotes import hookimpl
from relnotes.links import name_key
from relnotes.model import Reminder, make_uid


@hookimpl
def relnotes_reminders(vault, config, today):
    for person in vault.people:
        met = person.met
        if person.status != "active" or met is None or met > today:
            continue
        if (today - met).days > config.new_contact_days:
            continue
        # any contact recorded after the first meeting (a scheduled meeting too) means it was done
        if any(i.date > met for i in person.interactions) or (person.last_contact and person.last_contact > met):
            continue
        due = met + dt.timedelta(days=config.new_contact_delay)
        why = f"met {met.isoformat()}, no contact recorded since"
        if person.snooze_until and person.snooze_until > due:
            why += f" · snoozed until {person.snooze_until.isoformat()}"
            due = person.snooze_until
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
