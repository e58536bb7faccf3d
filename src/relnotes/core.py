"""The pure core: notes + config + today → people, interactions, reminders, outputs.

Nothing here reads the disk or the clock; :mod:`relnotes.pipeline` does that and
hands the notes in. Every decision is a plugin's, asked through :class:`~relnotes.plugins.Hooks`.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

from .config import Config
from .dates import DateProblem, parse_date
from .fields import Vocabulary, single
from .links import people_in
from .model import Meeting, Note, Output, Person, Problem, ScanResult, Vault
from .obsidian import VaultSettings
from .plugins import RelnotesPluginManager

__all__ = ["build_vault", "evaluate"]

T = TypeVar("T")

def _meeting_fields(note: Note, words: Vocabulary) -> tuple:
    """What a meeting note says, before names are resolved: date, (field, name, line)
    triples, follow-up, whether it is done, and the problems with them."""
    problems: list[Problem] = []
    fields = words.reader(note)
    date = note.date
    written = fields.find("date")
    if written is not None:
        try:
            date = parse_date(single(written.value))
        except DateProblem as exc:
            problems.append(note.problem(f"{written.key}: {exc}; " + (
                f"using {note.date} from the file name" if note.date else "the meeting has no date"),
                line=written.line))
    elif date is None:
        problems.append(note.problem("meeting has no date: add 'date: YYYY-MM-DD' or start the file name with it"))
    names: list[tuple[str, str, int | None]] = []
    for found in fields.values("attendees"):
        if isinstance(found.value, dict) or not isinstance(found.value, (str, list)):
            problems.append(note.problem(f"{found.key}: expected links to people, got a "
                                         f"{type(found.value).__name__}; ignored", line=found.line))
            continue
        names += [(found.key, name, found.line) for name in people_in(found.value)]
    follow_up = None
    given = fields.find("follow_up")
    if given is not None:
        try:
            follow_up = parse_date(single(given.value))
        except DateProblem as exc:
            problems.append(note.problem(f"{given.key}: {exc}; ignored", line=given.line))
    done = fields.find("follow_up_done")
    if done is not None and not isinstance(single(done.value), bool):
        problems.append(note.problem(f"{done.key}: expected true or false, got {single(done.value)!r}; "
                                     "treated as not done", line=done.line))
    return date, names, follow_up, done is not None and single(done.value) is True, problems


def _meeting(note: Note, vault: Vault, words: Vocabulary, problems: list[Problem]) -> Meeting:
    date, names, follow_up, done, found = note.derived(("meeting", words), lambda: _meeting_fields(note, words))
    problems += found
    attendees: list[Person] = []
    for key, name, line in names:
        person = vault.person_named(note, key, name, line, problems)
        if person is not None and person not in attendees:
            attendees.append(person)
    return Meeting(note, date, attendees, follow_up, done)


class _Reported(Exception):
    """A plugin failed while classifying a note: the answer holds for this build only."""

    def __init__(self, kind: str | None) -> None:
        self.kind = kind


def _kind(note: Note, config: Config, pm: RelnotesPluginManager, token: tuple) -> str | None:
    """What the classify plugins say ``note`` is, worked out once per note, config and plugins."""
    def classified() -> str | None:
        reported = len(pm.problems)
        kind = pm.hooks.classify_note(note, config)
        if len(pm.problems) > reported:
            raise _Reported(kind)
        return kind

    try:
        return note.derived(token, classified)
    except _Reported as exc:
        return exc.kind


def _person(note: Note, words: Vocabulary, problems: list[Problem]) -> Person:
    """The person a note describes, read once per note and vocabulary; each build gets its own
    copy to add interactions to."""
    def read() -> tuple[Person, list[Problem]]:
        found: list[Problem] = []
        return Person.from_note(note, found, words), found

    person, found = note.derived(("person", words), read)
    problems += found
    person = copy.copy(person)
    person.interactions = []
    return person


def build_vault(root: Path, notes: list[Note], config: Config, pm: RelnotesPluginManager,
                problems: list[Problem], settings: VaultSettings | None = None) -> Vault:
    """Classify the notes, read people and meetings, and gather interactions (``settings``:
    what was taken from the vault's ``.obsidian/``)."""
    hooks = pm.hooks
    people = []
    token = ("kind", repr(config), hooks.implementations("relnotes_classify_note"))
    for note in notes:
        kind = _kind(note, config, pm, token)
        note.kind = kind if kind in ("person", "meeting") else "note"
        if note.kind == "person":
            people.append(_person(note, config.vocabulary, problems))
    if notes and not people:
        problems.append(Problem("", None, (
            f"no people among {len(notes)} notes: a note is a person when its type, categories or tags say so "
            f"(type: person, categories: [[People]], #person) or it lies in {_folders(config.people.folders)}; "
            "run `relnotes init VAULT` to detect how this vault marks people, or set [people] in the config")))
    vault = Vault(root, notes, people, problems, settings)
    vault.meetings = [_meeting(n, vault, config.vocabulary, problems) for n in notes if n.kind == "meeting"]
    for plugin, item in hooks.interactions(vault, config):
        person = vault.person(item.person, item.source)
        if person is None:
            problems.append(Problem(item.source, None, f"interaction with unknown person {item.person!r} "
                                    f"(from plugin {plugin!r}); ignored"))
        else:
            person.interactions.append(item)
    for person in people:
        person.interactions.sort(key=lambda i: (i.date, i.source, i.kind))
    return vault


def _folders(folders: tuple[str, ...]) -> str:
    return " or ".join(f"{f}/" for f in folders) if folders else "no people folder"


def _unique(items: Iterable[tuple[str, T]], pm: RelnotesPluginManager, key: Callable[[T], str],
            duplicate: str) -> dict[str, T]:
    """The first item of each ``key``; the others are reported against the plugin that returned
    them (``duplicate`` is the message, with ``{key}``)."""
    kept: dict[str, T] = {}
    for plugin, item in items:
        if key(item) in kept:
            pm.report(plugin, duplicate.format(key=key(item)))
        else:
            kept[key(item)] = item
    return kept


def evaluate(vault: Vault, config: Config, pm: RelnotesPluginManager, today: dt.date, horizon: int) -> ScanResult:
    """Run the rules and the outputs: every reminder due up to ``today + horizon``
    (overdue ones included), and the bytes of every generated file."""
    hooks = pm.hooks
    reminders = _unique(hooks.reminders(vault, config, today), pm, lambda r: r.uid,
                        "two reminders share the uid {key!r}; the second was dropped")
    everything = sorted(reminders.values(), key=lambda r: (r.date, r.kind, r.person or "", r.title, r.uid))
    last = today + dt.timedelta(days=horizon)
    goal = hooks.goal(vault, config, today)
    result = ScanResult(vault.root, vault, today, horizon, [r for r in everything if r.date <= last], everything, goal)
    result.problems = sorted({*vault.problems, *pm.problems}, key=Problem.sort_key)
    result.outputs = build_outputs(result, config, pm)
    result.problems = sorted({*result.problems, *pm.problems}, key=Problem.sort_key)
    return result


def build_outputs(result: ScanResult, config: Config, pm: RelnotesPluginManager) -> list[Output]:
    """The files the output plugins generate for ``result`` (nothing is written here)."""
    outputs = _unique(pm.hooks.outputs(result, config), pm, lambda o: o.name, "a second output named {key!r}; skipped")
    return sorted(outputs.values(), key=lambda o: o.name)
