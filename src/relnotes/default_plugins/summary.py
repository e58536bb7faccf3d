"""Built-in output ``summary``: a dashboard note written into the vault.

Obsidian-flavoured Markdown: every person and source as a wikilink, a
Mermaid chart of network health, the scan's warnings with links to fix them.
Items are plain list items, not checkboxes: ticking a box in a note that is
regenerated would be lost, so each item links to the note where acting on it
counts. The note carries ``generated_by: relnotes``; relnotes never reads it
back as input and never overwrites a note without that marker.
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import operator
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from relnotes import (
    GENERATED_KEY,
    GENERATOR,
    NOTE_MARKER,
    ROLES,
    Config,
    ConfigError,
    Output,
    Person,
    Reminder,
    ScanResult,
    Setting,
    Table,
    a_note_path,
    at_least,
    days_away,
    hookimpl,
    memo,
    names,
    note_link,
    one_line,
    output_file,
    typed,
)

MEDIA_TYPE = "text/markdown; charset=utf-8"
HEALTH_ROLES = ROLES
_date = operator.attrgetter("date")
SECTIONS = ("overdue", "this_week", "later", "booked", "celebrations", "goal", "health", "problems")


def _sections(key: str, value: object) -> tuple[str, ...]:
    found = names(key, value)
    for name in found:
        if name not in SECTIONS:
            raise ConfigError(f"{key}: unknown section {name!r} (known: {', '.join(SECTIONS)})")
    return found


SETTINGS = Table("summary", (
    Setting("enabled", True, typed(bool), "Write the summary note."),
    Setting("path", "relnotes.md", a_note_path, "Where, relative to the vault (or absolute)."),
    Setting("sections", list(SECTIONS), _sections, "Which sections, in which order."),
    Setting("week_days", 7, at_least(1), "How many days “This week” covers, today included."),
    Setting("window_days", None, at_least(0), "How far “Later” and “Celebrations” look ahead; unset, the "
            "scan's horizon (30 days, or --horizon).", example="window_days = 60"),
    Setting("max_items", 100, at_least(1, 1_000_000), "How many items each section lists, the most urgent "
            "first; one line counts the rest (`relnotes scan` lists them all)."),
), "The summary note written into the vault.", output=True)


@hookimpl
def relnotes_settings() -> list[Table]:
    return [SETTINGS]


def _title(reminder: Reminder) -> str:
    """The reminder's title with the person's name made a link to their note."""
    title, name = one_line(reminder.title), one_line(reminder.person or "")
    if name and reminder.person_path and name in title:
        return title.replace(name, note_link(reminder.person_path, reminder.person), 1)
    return title


def _items(reminders: list[Reminder], today: dt.date, late: bool) -> list[str]:
    """The reminders' list items, remembered by the reminders (a daemon keeps every unchanged one)."""
    return memo("summary-items").joined(reminders, (today, late), lambda r: _item(r, today, late), "\n")


@dataclass(frozen=True, slots=True)
class _Part:
    """What the summary lists of one run of reminders: the to-dos, the celebrations, and the
    follow-ups settled by a booked meeting (with its day)."""

    todos: tuple[Reminder, ...]
    celebrations: tuple[Reminder, ...]
    booked: tuple[tuple[dt.date, Reminder], ...]


def _part(run: tuple[Reminder, ...]) -> _Part:
    return _Part(tuple(r for r in run if not r.celebration), tuple(r for r in run if r.celebration),
                 tuple((day, r) for r in run if r.kind == "follow-up" and r.data and (day := _booked_on(r))))


class _Listed:
    """The reminders of some parts: how many, and the first ``most`` of them."""

    def __init__(self, parts: Iterable[tuple[Reminder, ...]], most: int) -> None:
        self.count = 0
        self.first: list[Reminder] = []
        for items in parts:
            self.count += len(items)
            if len(self.first) < most:
                self.first += items[:most - len(self.first)]


def _item(reminder: Reminder, today: dt.date, late: bool) -> str:
    when = reminder.late_by(today) + f" (due {reminder.date.isoformat()})" if late else _day(reminder.date, today)
    line = f"- {_title(reminder)} — {when}"
    if reminder.source and reminder.source != reminder.person_path:
        line += f" · {note_link(reminder.source)}"
    if reminder.detail:
        line += f"\n    - {one_line(reminder.detail)}"
    return line


def _booked_on(reminder: Reminder) -> dt.date | None:
    """When the meeting that settles a follow-up is booked for (its ``booked`` data), if any."""
    try:
        return dt.date.fromisoformat(str(dict(reminder.data)["booked"]))
    except (KeyError, ValueError):
        return None


def _booked(reminder: Reminder, day: dt.date, today: dt.date) -> str:
    """A follow-up settled by a meeting booked for ``day``: who, when, and the meeting's note."""
    data = dict(reminder.data)
    who = note_link(reminder.person_path, reminder.person) if reminder.person_path and reminder.person else "?"
    when = _day(day, today)
    source = str(data.get("booked_source") or "")
    return f"- {who} — meeting booked {when}" + (f" · {note_link(source)}" if source else "")


def _day(date: dt.date, today: dt.date) -> str:
    return f"{date.strftime('%a')} {date.isoformat()} ({days_away((date - today).days)})"


def _health(result: ScanResult, soon: int, later: int) -> dict[str, Counter[str]]:
    """Per relationship type (the built-in ones, then yours, then "other" for people of none):
    people on track, due within the week, overdue (by their follow-up). The first ``soon`` of
    ``result.frozen_reminders`` are overdue, those up to ``later`` due within the week."""
    vault = result.vault
    everything = result.frozen_reminders  # in date order: overdue, due within the week, on track

    def roles(run: tuple[Reminder, ...]) -> Counter[str]:
        """The relationship types of the people a run of reminders are follow-ups with (a person's
        types change only with their note, which makes their follow-up anew)."""
        people = (vault.person_at(r.person_path) for r in run if r.kind == "follow-up" and r.person_path)
        return Counter(role for person in people if person is not None for role in _labels(person.roles))

    kept = memo("summary-health")
    found: dict[str, Counter[str]] = {}
    for state, start, end in (("overdue", 0, soon), ("due soon", soon, later), ("on track", later, len(everything))):
        counts: Counter[str] = Counter()
        for run in kept.runs(everything, (), roles, start, end):
            counts.update(run)  # (not sum(): a Counter's + makes a new one each time)
        for role, count in counts.items():  # each at least 1: a run counts the roles it has
            found.setdefault(role, Counter())[state] = count
    order = [*HEALTH_ROLES, *sorted(set(found) - {*HEALTH_ROLES, OTHER}), *([OTHER] if OTHER in found else [])]
    return {role: found.get(role, Counter()) for role in order}


@functools.lru_cache(maxsize=256)
def _labels(roles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(map(_label, roles)) or (OTHER,)


OTHER = "other"  # the row of people of no relationship type


def _goal_people(result: ScanResult, names: tuple[str, ...]) -> str:
    """Links to the people called one of ``names``, in path order (a name is its note's: never
    changed in place); remembered while the people and the names are the same."""
    people = result.vault.people

    def links() -> str:
        by_name = _by_name(people)
        named = sorted((person for name in set(names) for person in by_name.get(name, ())), key=lambda p: p.path)
        return ", ".join(note_link(p.path, p.name) for p in named)

    return memo("summary-goal").of(people, names, links)


def _by_name(people: list[Person]) -> dict[str, list[Person]]:
    found: dict[str, list[Person]] = {}
    for person in people:
        found.setdefault(person.name, []).append(person)
    return found


def _axis_label(role: str) -> str:
    return f'"{role}"' if " " in role else role


def _label(role: str) -> str:
    """A relationship type of the user's own as the table and the chart can show it (no Markdown
    or Mermaid syntax: it comes from a note)."""
    return " ".join(re.sub(r"[^\w .&+'-]", " ", role).split())[:40] or "?"


def _health_section(counts: dict[str, Counter[str]]) -> list[str]:
    rows = ["| relationship | on track | due soon | overdue |", "|---|---:|---:|---:|"]
    for role, c in counts.items():
        rows.append(f"| {role} | {c['on track']} | {c['due soon']} | {c['overdue']} |")
    total = [sum(c.values()) for c in counts.values()]
    late_or_soon = [c["due soon"] + c["overdue"] for c in counts.values()]
    overdue = [c["overdue"] for c in counts.values()]
    top = max([*total, 1])
    chart = [
        "```mermaid",
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "#43a047, #fb8c00, #e53935"}}}}%%',
        "xychart-beta",
        '    title "People per relationship: on track (green), due soon (orange), overdue (red)"',
        f"    x-axis [{', '.join(map(_axis_label, counts))}]",
        f'    y-axis "people" 0 --> {top}',
        f"    bar [{', '.join(map(str, total))}]",
        f"    bar [{', '.join(map(str, late_or_soon))}]",
        f"    bar [{', '.join(map(str, overdue))}]",
        "```",
    ]
    return [*rows, "", *chart]


def render(result: ScanResult, config: Config) -> bytes:
    """The summary note for a scan, as UTF-8 bytes."""
    settings, today = config.table(SETTINGS.name), result.today
    window = settings.window_days if settings.window_days is not None else result.horizon
    week_end = today + dt.timedelta(days=settings.week_days - 1)
    window_end = today + dt.timedelta(days=window)
    everything = result.frozen_reminders  # in date order
    past, soon, shown = (bisect.bisect_left(everything, day, key=_date) for day in (
        today, week_end + dt.timedelta(days=1), window_end + dt.timedelta(days=1)))
    most = settings.max_items
    parts = memo("summary-parts")
    overdue, this_week, later = (_Listed((p.todos for p in parts.runs(everything, (), _part, start, end)), most)
                                 for start, end in ((0, past), (past, soon), (soon, shown)))
    celebrate = _Listed((p.celebrations for p in parts.runs(everything, (), _part, 0, shown)), most)
    out = [
        "---",
        f"{GENERATED_KEY}: {GENERATOR}",
        f"generated_for: {today.isoformat()}",
        "---",
        f"> [!info] Regenerated by relnotes on every scan (this one for {today.isoformat()}): "
        "edits here are lost; change your notes instead.",
        "",
        f"# Relationships · {today.strftime('%A')} {today.isoformat()}",
        "",
        f"{len(result.vault.people)} people · {overdue.count} overdue · {this_week.count} this week · "
        f"{later.count} later · {celebrate.count} to celebrate",
    ]

    def section(name: str, heading: str, lines: list[str], more: int = 0) -> None:
        if name in settings.sections:
            out.extend(["", f"## {heading}", "", *(lines or ["Nothing here."])])
            if more:
                out.append(f"- … and {more:,} more (`relnotes scan` lists them all)")

    def items(name: str, heading: str, reminders: _Listed, late: bool = False) -> None:
        section(name, f"{heading} ({reminders.count})", _items(reminders.first, today, late),
                max(0, reminders.count - most))

    items("overdue", "Overdue", overdue, late=True)
    items("this_week", "This week", this_week)
    items("later", f"Later in the next {window} days", later)
    booked = sorted((pair for p in parts.runs(everything, (), _part) for pair in p.booked if pair[0] <= window_end),
                    key=lambda pair: (pair[0], pair[1].person or ""))
    section("booked", f"Booked ({len(booked)})", [_booked(r, day, today) for day, r in booked[:most]],
            max(0, len(booked) - most))
    items("celebrations", "Celebrations", celebrate)
    if result.goal:
        goal = result.goal
        percent = round(100 * goal.done / goal.target)
        section("goal", "Goal", [
            f"`{goal.bar(full='█', empty='░')}` {goal.done}/{goal.target} people this {goal.per} "
            f"({percent}%, since {goal.period_start.isoformat()})",
            *(["", _goal_people(result, goal.people)] if goal.people else []),
        ])
    section("health", "Network health", _health_section(_health(result, past, soon)))
    problems = []
    for problem in result.problems[:most]:
        where = note_link(problem.path) if problem.path.lower().endswith(".md") else f"`{problem.path or 'relnotes'}`"
        line = f", line {problem.line}" if problem.line else ""
        problems.append(f"- {where}{line}: {one_line(problem.message)}")
    section("problems", f"Problems in your notes ({len(result.problems)})", problems,
            max(0, len(result.problems) - most))
    return ("\n".join(out) + "\n").encode("utf-8")


@hookimpl
def relnotes_outputs(result: ScanResult, config: Config) -> list[Output]:
    settings = config.table(SETTINGS.name)
    if not settings.enabled:
        return []
    return [Output("summary", output_file(result.root, settings.path), render(result, config), NOTE_MARKER,
                   MEDIA_TYPE, "summary note")]
