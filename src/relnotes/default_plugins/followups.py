"""Built-in rule ``follow-up``: get in touch again once a person's cadence has passed.

A meeting booked after today settles it until then: the follow-up is due a cadence after
that meeting, as it will be once the meeting is held. Someone with no relationship type and
no contact recorded (an author, a musician) is a reference, not a relationship: no follow-up
(the scan's warnings say how many there are).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from relnotes import Config, Person, Reminder, hookimpl, make_uid, name_key


@hookimpl
def relnotes_person_reminders(person: Person, config: Config, today: dt.date) -> Iterator[Reminder]:
    if person.status != "active":
        return
    cadences = person.cadences(config.cadence, today)
    if not cadences:
        return  # a reference (no type, no contact): the scan says how many there are
    last = person.last_contact_on(today)
    booked = person.booked(today)
    base = booked.date if booked else last[0] if last else today
    cadence, origin = min(cadences, key=lambda pair: pair[0].after(base))  # the shortest wins
    data: tuple[tuple[str, object], ...] = ()
    if booked is not None:
        due, why = cadence.after(base), f"meeting booked {base.isoformat()} ({booked.title or booked.source})"
        data = (("booked", base.isoformat()), ("booked_source", booked.source))
    elif last is None:
        due, why = today, "no contact recorded yet"
    else:
        due, why = cadence.after(base), f"last contact {base.isoformat()} ({last[1]})"
    due, why = person.snoozed(due, f"{why} · {cadence.describe()} ({origin})")
    yield Reminder(
        kind="follow-up",
        person=person.name,
        date=due,
        title=f"Get in touch with {person.name}",
        source=person.path,
        uid=make_uid("follow-up", name_key(person.name), base if booked or last else "never"),
        detail=why,
        person_path=person.path,
        data=data,
    )
