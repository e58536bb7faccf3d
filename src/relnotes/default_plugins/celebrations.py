"""Built-in rules ``birthday``, ``anniversary`` (from ``started``) and ``milestone``:
the next occurrence of each, on or after today."""

from __future__ import annotations

import datetime as dt
import functools

from relnotes import hookimpl
from relnotes.dates import MonthDay, anniversary_in
from relnotes.links import name_key
from relnotes.model import Reminder, make_uid


def next_occurrence(day: MonthDay, today: dt.date, feb29: str, first_year: int | None = None) -> dt.date:
    """The first date on or after ``today`` (and in ``first_year`` or later) that ``day`` falls on."""
    year = max(today.year, first_year or today.year)
    date = anniversary_in(day, year, feb29)
    return date if date >= today else anniversary_in(day, year + 1, feb29)


def _years(n: int) -> str:
    return "1 year" if n == 1 else f"{n} years"


def _series(day: MonthDay, start: dt.date, title: str) -> tuple[tuple[str, object], ...]:
    """Facts for a calendar that shows every year: yearly from ``start``, titled without an age."""
    return (("recurs", "yearly"), ("series_start", start.isoformat()), ("series_title", title),
            ("month_day", f"{day.month:02d}-{day.day:02d}"))


def _celebrations(person, config, today):
    key = name_key(person.name)
    if person.birthday:
        day = person.birthday
        date = next_occurrence(day, today, config.feb29)
        age = date.year - day.year if day.year and date.year > day.year else None
        born = dt.date(day.year, day.month, day.day) if day.year else dt.date(2000, day.month, day.day)
        yield Reminder(
            kind="birthday", person=person.name, date=date,
            title=f"{person.name}'s birthday" + (f" (turns {age})" if age else ""),
            source=person.path, uid=make_uid("birthday", key),
            detail=f"born {born.isoformat()}" if day.year else f"birthday {day.month:02d}-{day.day:02d}, year unknown",
            person_path=person.path,
            data=(*((("age", age),) if age else ()), *_series(day, born, f"{person.name}'s birthday")),
        )
    if person.started:
        start = person.started
        day = MonthDay(start.month, start.day)
        date = next_occurrence(day, today, config.feb29, start.year + 1)
        years = date.year - start.year
        at = f"at {person.company}" if person.company else "in their current job"
        yield Reminder(
            kind="anniversary", person=person.name, date=date,
            title=f"{person.name}: {_years(years)} {at}",
            source=person.path, uid=make_uid("anniversary", key),
            detail=f"started {start.isoformat()}", person_path=person.path,
            data=(("years", years), *_series(day, anniversary_in(day, start.year + 1, config.feb29),
                                             f"{person.name}: work anniversary" + (
                                                 f" at {person.company}" if person.company else ""))),
        )
    for label, when in person.milestones:
        day = MonthDay(when.month, when.day)
        if when >= today:
            date, years = when, 0
        else:
            date = next_occurrence(day, today, config.feb29, when.year + 1)
            years = date.year - when.year
        yield Reminder(
            kind="milestone", person=person.name, date=date,
            title=f"{person.name}: {label}" if years == 0 else f"{person.name}: {_years(years)} since {label}",
            source=person.path, uid=make_uid("milestone", key, label, when),
            detail=f"{label} on {when.isoformat()}", person_path=person.path,
            data=(("years", years), *_series(day, when, f"{person.name}: {label}")),
        )


@hookimpl
def relnotes_reminders(vault, config, today):
    for person in vault.people:
        if person.status in ("limit-contact", "archived"):
            continue
        # all from the person's note: worked out once per note, day and Feb 29 rule
        yield from person.note.derived(("celebrations", today, config.feb29),
                                       functools.partial(tuple, _celebrations(person, config, today)))
