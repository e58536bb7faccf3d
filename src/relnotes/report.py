"""Turning a scan result into the JSON contract and the readable terminal report."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .model import Reminder, ScanResult
from .text import one_line

__all__ = ["KIND_LABELS", "to_json", "to_text"]

KIND_LABELS = {
    "follow-up": "follow-up",
    "new-contact": "new contact",
    "meeting-follow-up": "meeting follow-up",
    "task": "task",
    "birthday": "birthday",
    "anniversary": "anniversary",
    "milestone": "milestone",
}


def _shown(path: Path, vault_path: Path) -> str:
    """An output's path as the user would write it: inside the vault relative to it."""
    try:
        return (vault_path / path.resolve().relative_to(vault_path.resolve())).as_posix()
    except ValueError:
        return str(path)


def to_json(result: ScanResult, vault_path: Path) -> dict:
    """The ``scan --json`` document (a public contract: keys are never renamed)."""
    vault = result.vault
    return {
        "vault": str(vault_path.resolve()),
        "today": result.today.isoformat(),
        "horizon": result.horizon,
        "counts": {"notes": len(vault.notes), "people": len(vault.people), "meetings": len(vault.meetings)},
        "reminders": [r.to_json(result.today) for r in result.reminders],
        "goal": result.goal.to_json() if result.goal else None,
        "warnings": [p.to_json() for p in result.problems],
        "outputs": [{"name": o.name, "path": str(o.path.absolute())} for o in result.outputs],
    }


def _line(reminder: Reminder, today: dt.date, late: bool) -> list[str]:
    label = KIND_LABELS.get(reminder.kind, reminder.kind)
    when = reminder.date.isoformat()
    tail = f"  ({reminder.late_by(today)})" if late else ""
    lines = [f"  {when}  {label:<19}{reminder.title}{tail}"]
    if reminder.detail:
        lines.append(f"  {'':10}  {'':19}{reminder.detail}")
    return lines


def to_text(result: ScanResult, vault_path: Path) -> str:
    """A report for people: overdue first, then what is coming, celebrations, goal, problems."""
    today, vault = result.today, result.vault
    notes, people, meetings = len(vault.notes), len(vault.people), len(vault.meetings)
    out = [
        f"relnotes · {vault_path} · {today.isoformat()} (next {result.horizon} days)",
        f"{notes} note{'s' if notes != 1 else ''} · {people} {'person' if people == 1 else 'people'} · "
        f"{meetings} meeting{'s' if meetings != 1 else ''}",
    ]
    overdue = [r for r in result.reminders if r.overdue(today)]
    coming = [r for r in result.reminders if not r.overdue(today) and not r.celebration]
    celebrate = [r for r in result.reminders if r.celebration]
    for heading, items, late in (("Overdue", overdue, True), ("Coming up", coming, False),
                                 ("Celebrations", celebrate, False)):
        out += ["", f"{heading} ({len(items)})"]
        out += [line for r in items for line in _line(r, today, late)] or ["  nothing"]
    if result.goal:
        goal = result.goal
        out += ["", "Goal",
                f"  {goal.done}/{goal.target} people this {goal.per} (since {goal.period_start.isoformat()}) "
                f"[{goal.bar()}]"]
        if goal.people:
            out.append(f"  {', '.join(goal.people)}")
    if result.outputs:
        out += [""] + [f"{o.shown_label.capitalize()}: {_shown(o.path, vault_path)}" for o in result.outputs]
    if result.problems:
        out += ["", f"Problems in your notes ({len(result.problems)})"]
        for problem in result.problems:
            where = problem.path or "(vault)"
            if problem.line:
                where += f":{problem.line}"
            out.append(f"  {where}: {problem.message}")
    return "\n".join(map(one_line, out)) + "\n"  # a value from a note never adds a line, nor reaches the terminal raw
