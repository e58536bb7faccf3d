"""Built-in rules ``birthday``, ``anniversary`` (from ``started``) and ``milestone``:
the next occurrence of each, on or after today, as a yearly celebration."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from relnotes import (
    Config,
    ConfigError,
    MonthDay,
    Person,
    Problem,
    Recurrence,
    Reminder,
    Setting,
    Table,
    anniversary_in,
    choice,
    hookimpl,
    make_uid,
    name_key,
    single,
)


def notice_days(key: str, value: object) -> tuple[int, ...]:
    """A checker for days of notice: a whole number from 0 to 366, or a list of them (largest first)."""
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 366 for n in items):
        raise ConfigError(f"{key}: expected days from 0 to 366, or a list of them such as [7, 0], got {value!r}")
    return tuple(sorted(set(items), reverse=True))


SETTINGS = Table("celebrations", (
    Setting("feb29", "feb28", choice("feb28", "mar1"),
            'Birthdays and anniversaries on Feb 29 are celebrated on "feb28" or "mar1" in common years.'),
    Setting("notice_days", [7, 0], notice_days,
            "How many days before a celebration to hear of it: in the digest, and as alerts in the feed (a "
            "person's own `notice:` wins). 0 is the day itself."),
), "Birthdays, work anniversaries and milestones.")


@hookimpl
def relnotes_settings() -> list[Table]:
    return [SETTINGS]


def next_occurrence(day: MonthDay, today: dt.date, feb29: str, first_year: int | None = None) -> dt.date:
    """The first date on or after ``today`` (and in ``first_year`` or later) that ``day`` falls on."""
    year = max(today.year, first_year or today.year)
    date = anniversary_in(day, year, feb29)
    return date if date >= today else anniversary_in(day, year + 1, feb29)


def _years(n: int) -> str:
    return "1 year" if n == 1 else f"{n} years"


def _notice(person: Person, config: Config, problems: list[Problem]) -> tuple[int, ...]:
    """The person's ``notice:`` (days, or a list of them), else ``[celebrations] notice_days``."""
    found = config.vocabulary.find(person.note, "notice")
    default: tuple[int, ...] = config.table(SETTINGS.name).notice_days
    if found is None:
        return default
    value = found.value
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    try:
        return notice_days(found.key, value if isinstance(value, list) else single(value))
    except ConfigError as exc:
        problems.append(person.note.problem(f"{exc}; [celebrations] notice_days used", line=found.line))
        return default


def _celebrations(person: Person, feb29: str, today: dt.date, notice: tuple[int, ...]) -> Iterator[Reminder]:
    key = name_key(person.name)

    def celebration(kind: str, date: dt.date, title: str, uid: str, detail: str, data: tuple,
                    series: tuple[MonthDay, dt.date, str]) -> Reminder:
        day, start, series_title = series
        return Reminder(kind=kind, person=person.name, date=date, title=title, source=person.path, uid=uid,
                        detail=detail, person_path=person.path, data=(*data, ("notice", notice)),
                        category="celebration",
                        recurrence=Recurrence(start, series_title, day.month, day.day, feb29))

    if person.birthday:
        day = person.birthday
        date = next_occurrence(day, today, feb29)
        age = date.year - day.year if day.year and date.year > day.year else None
        born = dt.date(day.year, day.month, day.day) if day.year else dt.date(2000, day.month, day.day)
        yield celebration(
            "birthday", date, f"{person.name}'s birthday" + (f" (turns {age})" if age else ""),
            make_uid("birthday", key),
            f"born {born.isoformat()}" if day.year else f"birthday {day.month:02d}-{day.day:02d}, year unknown",
            (("age", age),) if age else (), (day, born, f"{person.name}'s birthday"))
    if person.started:
        start = person.started
        day = MonthDay(start.month, start.day)
        date = next_occurrence(day, today, feb29, start.year + 1)
        years = date.year - start.year
        at = f"at {person.company}" if person.company else "in their current job"
        yield celebration(
            "anniversary", date, f"{person.name}: {_years(years)} {at}", make_uid("anniversary", key),
            f"started {start.isoformat()}", (("years", years),),
            (day, anniversary_in(day, start.year + 1, feb29),
             f"{person.name}: work anniversary" + (f" at {person.company}" if person.company else "")))
    for label, when in person.milestones:
        day = MonthDay(when.month, when.day)
        if when >= today:
            date, years = when, 0
        else:
            date = next_occurrence(day, today, feb29, when.year + 1)
            years = date.year - when.year
        yield celebration(
            "milestone", date,
            f"{person.name}: {label}" if years == 0 else f"{person.name}: {_years(years)} since {label}",
            make_uid("milestone", key, label, when), f"{label} on {when.isoformat()}", (("years", years),),
            (day, when, f"{person.name}: {label}"))


@hookimpl
def relnotes_person_reminders(person: Person, config: Config, today: dt.date,
                              problems: list[Problem]) -> Iterator[Reminder]:
    if person.status not in ("limit-contact", "archived") and (person.birthday or person.started or person.milestones):
        yield from _celebrations(person, config.table(SETTINGS.name).feb29, today, _notice(person, config, problems))
