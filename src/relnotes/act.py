"""Acting on reminders: the one place ``relnotes log``/``snooze``/``done`` and the phone pages'
buttons turn an action into a line of the action log (:mod:`relnotes.actions`).

Each function checks the action against a scan of the vault (the person, the reminder),
appends its line to the log — or to the day's daily note with ``[log] daily_note`` — and
returns what it wrote. An action that cannot be taken raises :class:`ActionRefused`, whose
message says what to do instead.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from .actions import VIA, done_line, snoozed_line, talked_line
from .brief import PersonNotFound, find_person
from .config import Config
from .files import append_line
from .links import note_link, wikilink_safe
from .model import Person, Reminder, ScanResult, Vault
from .obsidian import VaultSettings

__all__ = ["ActionRefused", "Written", "done", "find_reminder", "log_note", "looks_like_uid", "snooze", "talked",
           "why_not_done"]

_UID = re.compile(r"[a-z][a-z0-9-]*-[0-9a-f]{6,20}(?:@relnotes)?")


class ActionRefused(ValueError):
    """The action cannot be taken; the message says why and what to do instead."""


@dataclass(frozen=True)
class Written:
    """A line added to the vault: where (vault-relative) and what."""

    path: str
    line: str


def log_note(config: Config, settings: VaultSettings | None, day: dt.date) -> tuple[str, bool]:
    """Where an action of ``day`` goes: (vault-relative path, whether it is relnotes' own log)."""
    if config.log_daily:
        return (settings or VaultSettings()).daily_path(day), False
    return config.log_path, True


def _append(result: ScanResult, config: Config, day: dt.date, line: str) -> Written:
    rel, own = log_note(config, result.vault.settings, day)
    append_line(Path(result.root), Path(result.root) / rel, line, own=own, title=Path(rel).stem)
    return Written(rel, line)


def _link(vault: Vault, person: Person) -> str:
    """A wikilink to ``person`` that leads to them: by title when it does, else by path."""
    if vault.person(person.name) is person and wikilink_safe(person.name):
        return f"[[{person.name}]]"
    return note_link(person.path, person.name)


def _person(vault: Vault, name: str) -> Person:
    try:
        return find_person(vault, name)
    except PersonNotFound as exc:
        raise ActionRefused(str(exc)) from None


def looks_like_uid(text: str) -> bool:
    """Whether ``text`` is (the start of) a reminder's uid rather than a name."""
    return bool(_UID.fullmatch(text.strip()))


def find_reminder(result: ScanResult, uid: str) -> Reminder:
    """The reminder whose uid is ``uid`` or starts with it (at least 8 characters, one match)."""
    uid = uid.strip()
    found = [r for r in result.all_reminders if r.uid == uid]
    if not found and len(uid) >= 8:
        found = [r for r in result.all_reminders if r.uid.startswith(uid)]
    if len(found) == 1:
        return found[0]
    if found:
        raise ActionRefused(f"{uid!r} is the start of {len(found)} reminders' uids: give more of it")
    raise ActionRefused(f"no open reminder has the uid {uid!r} (done already?); `relnotes scan VAULT --json` "
                        "lists every reminder with its uid")


def talked(result: ScanResult, config: Config, name: str, on: dt.date, via: str = "", note: str = "") -> Written:
    """Log contact with the person called ``name`` on ``on``."""
    if via and not VIA.fullmatch(via):
        raise ActionRefused(f"--via {via!r}: one to four words, e.g. call, email, message, coffee, meeting, event")
    if on > result.today:
        raise ActionRefused(f"{on.isoformat()} is after today: the log records contact that happened "
                            "(a meeting note with a date books one)")
    person = _person(result.vault, name)
    return _append(result, config, on, talked_line(on, _link(result.vault, person), via, note))


def snooze(result: ScanResult, config: Config, target: str | Reminder, until: dt.date) -> Written:
    """Put off the follow-ups of the person called ``target``, or the one reminder it is (or
    whose uid it is), until ``until``."""
    today = result.today
    if until <= today:
        raise ActionRefused(f"{until.isoformat()} is not after today ({today.isoformat()}): snooze until a later day")
    vault = result.vault
    if isinstance(target, str) and not looks_like_uid(target):
        try:
            person = _person(vault, target)
        except ActionRefused as no_person:
            try:  # the start of a uid, perhaps (task-c23a4…)
                target = find_reminder(result, target)
            except ActionRefused:
                raise no_person from None
        else:
            return _append(result, config, today, snoozed_line(today, until, link=_link(vault, person)))
    reminder = target if isinstance(target, Reminder) else find_reminder(result, target)
    owner = vault.person_at(reminder.person_path) if reminder.person_path else None
    if owner is not None and reminder.kind in ("follow-up", "new-contact"):  # its uid changes with each contact
        return _append(result, config, today, snoozed_line(today, until, link=_link(vault, owner)))
    return _append(result, config, today, snoozed_line(today, until, _reminder_link(vault, reminder), reminder))


def why_not_done(reminder: Reminder) -> str | None:
    """Why ``reminder`` cannot be marked done from relnotes (None: it can)."""
    if reminder.kind == "task":
        line = dict(reminder.data).get("line")
        return (f"{reminder.title!r} is a task in {reminder.source}" + (f", line {line}" if line else "")
                + ": tick it there (- [x]); relnotes reads it from the note")
    if reminder.kind == "follow-up":
        who = reminder.person or "them"
        return (f"staying in touch is settled by contact: `relnotes log VAULT {who!r}` records it, "
                "`relnotes snooze` puts it off")
    return None


def done(result: ScanResult, config: Config, target: str | Reminder) -> Written:
    """Close the reminder ``target`` (or the one whose uid it is)."""
    reminder = target if isinstance(target, Reminder) else find_reminder(result, target)
    why = why_not_done(reminder)
    if why:
        raise ActionRefused(why)
    return _append(result, config, result.today, done_line(result.today, reminder,
                                                          _reminder_link(result.vault, reminder)))


def _reminder_link(vault: Vault, reminder: Reminder) -> str | None:
    person = vault.person_at(reminder.person_path) if reminder.person_path else None
    return _link(vault, person) if person is not None else None
