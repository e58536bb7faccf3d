"""Pure date helpers: parsing what users write in frontmatter, cadences, anniversaries."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

__all__ = [
    "Cadence",
    "DateProblem",
    "MonthDay",
    "add_months",
    "anniversary_in",
    "parse_cadence",
    "parse_date",
    "parse_month_day",
    "period_start",
]


class DateProblem(ValueError):
    """A value that should be a date (or cadence) but is not; the message says why."""


_PLACEHOLDER = re.compile(r"\{\{.*?\}\}|<%.*?%>")
# Years relnotes works with: far enough for any real birthday or plan, and far from the
# limits of datetime.date, so that date arithmetic (a next anniversary, an event's end) never overflows.
MIN_YEAR, MAX_YEAR = 1000, 2999
MAX_CADENCE_DAYS = 100 * 366  # every 100 years at most


def _plausible(date: dt.date, shown: object) -> dt.date:
    if not MIN_YEAR <= date.year <= MAX_YEAR:
        raise DateProblem(f"{shown!r} is outside the years relnotes handles ({MIN_YEAR}–{MAX_YEAR})")
    return date
_ISO_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T].*)?")
_TIME = re.compile(r"[ T]\d{1,2}:")


def parse_date(value: object) -> dt.date:
    """Turn a frontmatter value into a date.

    YAML gives ``date`` or ``datetime`` objects for unquoted ISO dates and
    strings for everything else, so both are accepted; a time of day is
    dropped. Raises :class:`DateProblem` with a readable reason otherwise.
    """
    if isinstance(value, dt.datetime):
        return _plausible(value.date(), value)
    if isinstance(value, dt.date):
        return _plausible(value, value)
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10 and text[4] == "-" == text[7]:  # the usual YYYY-MM-DD: the quick way
            try:
                return _plausible(dt.date.fromisoformat(text), text)
            except ValueError:
                pass  # the general way below says what is wrong with it
        if _PLACEHOLDER.search(text):
            raise DateProblem(f"{text!r} is a template placeholder, not a date")
        match = _ISO_DATE.fullmatch(text)
        if match:
            year, month, day = (int(g) for g in match.groups())
            try:
                date = _plausible(dt.date(year, month, day), text)
            except ValueError as exc:
                raise DateProblem(f"{text!r} is not a real date ({exc})") from None
            rest = text[match.end(3):]
            if _TIME.match(rest):  # a time of day too: it must be a real one (not 25:61)
                try:
                    dt.datetime.fromisoformat(f"{date.isoformat()}T{rest[1:]}")
                except ValueError:
                    raise DateProblem(f"{text!r} is not a real date and time") from None
            return date
        raise DateProblem(f"{text!r} is not a date in YYYY-MM-DD form")
    if isinstance(value, bool) or value is None:
        raise DateProblem(f"{value!r} is not a date")
    if isinstance(value, (int, float)):
        raise DateProblem(f"{value!r} is a number, not a date in YYYY-MM-DD form")
    raise DateProblem(f"a {type(value).__name__} is not a date")


@dataclass(frozen=True, order=True)
class MonthDay:
    """A birthday or anniversary: month and day, with the year when known."""

    month: int
    day: int
    year: int | None = None


_MONTH_DAY = re.compile(r"(?:--)?(\d{1,2})-(\d{1,2})")


def parse_month_day(value: object) -> MonthDay:
    """Parse ``YYYY-MM-DD``, ``MM-DD`` or ``--MM-DD`` (RFC 6350 style, no year)."""
    if isinstance(value, str) and (match := _MONTH_DAY.fullmatch(value.strip())):
        month, day = (int(g) for g in match.groups())
        try:
            dt.date(2000, month, day)  # 2000 is a leap year: Feb 29 is fine
        except ValueError:
            raise DateProblem(f"{value!r} is not a real day of the year") from None
        return MonthDay(month, day)
    date = parse_date(value)
    return MonthDay(date.month, date.day, date.year)


def add_months(date: dt.date, months: int) -> dt.date:
    """Add calendar months, clamping to the end of the month (Jan 31 + 1 = Feb 28/29)."""
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(date.day, calendar.monthrange(year, month)[1]))


def anniversary_in(month_day: MonthDay, year: int, feb29: str) -> dt.date:
    """The date ``month_day`` falls on in ``year``.

    Feb 29 lands on Feb 28 (``feb29="feb28"``) or Mar 1 (``"mar1"``) in common years.
    """
    if (month_day.month, month_day.day) == (2, 29) and not calendar.isleap(year):
        return dt.date(year, 3, 1) if feb29 == "mar1" else dt.date(year, 2, 28)
    return dt.date(year, month_day.month, month_day.day)


@dataclass(frozen=True)
class Cadence:
    """How often to be in touch: a number of days or of calendar months."""

    amount: int
    unit: str  # "days" or "months"

    def after(self, date: dt.date) -> dt.date:
        if self.unit == "months":
            return add_months(date, self.amount)
        return date + dt.timedelta(days=self.amount)

    def describe(self) -> str:
        if self.unit == "months":
            if self.amount % 12 == 0:
                years = self.amount // 12
                return "every year" if years == 1 else f"every {years} years"
            return "every month" if self.amount == 1 else f"every {self.amount} months"
        if self.amount % 7 == 0 and self.amount >= 14:
            return f"every {self.amount // 7} weeks"
        return "every day" if self.amount == 1 else f"every {self.amount} days"


_NAMED_CADENCES = {
    "daily": Cadence(1, "days"),
    "weekly": Cadence(7, "days"),
    "biweekly": Cadence(14, "days"),
    "fortnightly": Cadence(14, "days"),
    "monthly": Cadence(1, "months"),
    "quarterly": Cadence(3, "months"),
    "yearly": Cadence(12, "months"),
    "annually": Cadence(12, "months"),
}
_UNITS = {
    "d": (1, "days"), "day": (1, "days"), "days": (1, "days"),
    "w": (7, "days"), "week": (7, "days"), "weeks": (7, "days"),
    "m": (1, "months"), "month": (1, "months"), "months": (1, "months"),
    "y": (12, "months"), "year": (12, "months"), "years": (12, "months"),
}
_CADENCE = re.compile(r"(\d+)\s*([a-z]+)")


def _bounded(cadence: Cadence, shown: object) -> Cadence:
    days = cadence.amount * (31 if cadence.unit == "months" else 1)
    if days > MAX_CADENCE_DAYS:
        raise DateProblem(f"{shown!r} is longer than 100 years; use none to switch follow-ups off")
    return cadence


def parse_cadence(value: object) -> Cadence | None:
    """Parse a cadence: ``14d``, ``2w``, ``3m``, ``1y``, ``weekly`` …, a number of
    days, or ``none`` (returns ``None``: no follow-ups)."""
    if isinstance(value, bool):
        raise DateProblem(f"{value!r} is not a cadence")
    if isinstance(value, int):
        if value <= 0:
            raise DateProblem(f"{value} is not a positive number of days")
        return _bounded(Cadence(value, "days"), value)
    if not isinstance(value, str):
        raise DateProblem(f"a {type(value).__name__} is not a cadence")
    text = value.strip().lower()
    if text in ("none", "never", "off"):
        return None
    if text in _NAMED_CADENCES:
        return _NAMED_CADENCES[text]
    if text.isdigit():
        return parse_cadence(int(text))
    match = _CADENCE.fullmatch(text)
    if match and match.group(2) in _UNITS and int(match.group(1)) > 0:
        factor, unit = _UNITS[match.group(2)]
        return _bounded(Cadence(int(match.group(1)) * factor, unit), value)
    raise DateProblem(
        f"{value!r} is not a cadence (use e.g. 14d, 2w, 3m, 1y, monthly, a number of days, or none)"
    )


def period_start(today: dt.date, per: str) -> dt.date:
    """The first day of the week (Monday), month or quarter that ``today`` is in."""
    if per == "week":
        return today - dt.timedelta(days=today.weekday())
    if per == "quarter":
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    return today.replace(day=1)
