"""The pure core: notes + config + today → people, interactions, reminders.

Nothing here reads the disk or the clock; :mod:`relnotes.scan` does that
and hands the results in.
"""

from __future__ import annotations

import copy
import datetime as dt
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .config import Config
from .dates import DateProblem, parse_date
from .links import name_key, people_in
from .model import Interaction, Meeting, Note, Output, Person, Problem, Reminder
from .plugins import RelnotesPluginManager

__all__ = ["GoalStatus", "ScanResult", "Vault", "build_outputs", "build_vault", "evaluate"]

PEOPLE_FIELDS = ("attendees", "people", "with")


class Vault:
    """The vault made sense of: notes, people, meetings, and how links resolve.

    ``root`` is the vault folder, for plugins that read files of their own in
    ``root / ".relnotes"`` (relnotes itself has read every note by now; a change to a
    file elsewhere is not seen by ``scan`` while the vault is unchanged).
    """

    def __init__(self, root: Path, notes: list[Note], people: list[Person], problems: list[Problem]) -> None:
        self.root = root
        self.notes = notes
        self.people = people
        self.meetings: list[Meeting] = []
        self.problems = problems
        self._by_path = {name_key(n.path[:-3]): n for n in notes}
        self._by_title: dict[str, list[Note]] = defaultdict(list)
        for note in notes:
            self._by_title[name_key(note.title)].append(note)
        self._person_of = {p.note.path: p for p in people}
        self._by_alias: dict[str, list[Person]] = defaultdict(list)
        for person in people:
            for alias in person.aliases:
                self._by_alias[name_key(alias)].append(person)
        self._reported: set[str] = set()
        self._resolved: dict[str, Note | None] = {}  # link target -> note: a vault links the same names often
        self._report_shared_names()

    def _report_shared_names(self) -> None:
        names: dict[str, list[Person]] = defaultdict(list)
        for person in self.people:
            for name in {name_key(person.name), *map(name_key, person.aliases)}:
                names[name].append(person)
        for key, persons in sorted(names.items()):
            if len(persons) > 1:
                self._reported.add(key)
                first, *others = sorted(persons, key=lambda p: (len(p.path), p.path))
                folders = {name_key(p.path.rpartition("/")[0]) for p in persons}
                nfc = [unicodedata.normalize("NFC", p.path) for p in persons]

                def shown(person: Person) -> str:  # paths that look the same are shown escaped
                    same = nfc.count(unicodedata.normalize("NFC", person.path)) > 1
                    return ascii(person.path) if same else person.path

                advice = ("link with the folder, e.g. [[folder/Name]], to choose" if len(folders) == len(persons)
                          else "their names differ only in case or accents within one folder, so no link can "
                               "tell them apart: rename one")
                self.problems.append(Problem(
                    first.path, None,
                    f"{len(persons)} people answer to the name {key!r}: "
                    f"{', '.join(map(shown, [first, *others]))}; "
                    f"links to it go to {first.path} ({advice})"))

    def _candidates(self, key: str) -> list[Note]:
        if "/" in key:
            exact = self._by_path.get(key.lstrip("/"))
            if exact:
                return [exact]
            tail = key.rsplit("/", 1)[1]
            return [n for n in self._by_title.get(tail, []) if name_key(n.path[:-3]).endswith("/" + key)]
        notes = self._by_title.get(key, [])
        return notes or [p.note for p in self._by_alias.get(key, [])]

    def resolve(self, target: str, source: str = "") -> Note | None:
        """The note a link target points at, as Obsidian resolves it.

        Case and Unicode form are ignored; ``folder/Name`` picks by path;
        aliases of people count. Among several notes of one name, people come
        first, then the shortest path (a warning names them, once).
        """
        try:
            return self._resolved[target]
        except KeyError:
            note = self._resolved[target] = self._resolve(target, source)
            return note

    def _resolve(self, target: str, source: str) -> Note | None:
        key = name_key(target)
        if key.endswith(".md"):
            key = key[:-3]
        notes = self._candidates(key)
        if len(notes) <= 1:
            return notes[0] if notes else None
        notes = sorted(notes, key=lambda n: (n.kind != "person", len(n.path), n.path))
        if key not in self._reported:
            self._reported.add(key)
            self.problems.append(Problem(
                source, None, f"link [[{target}]] is ambiguous: {', '.join(n.path for n in notes)}; "
                f"using {notes[0].path}"))
        return notes[0]

    def person(self, target: str, source: str = "") -> Person | None:
        """The person a link target, title, alias or path points at, or None."""
        note = self.resolve(target, source)
        return self._person_of.get(note.path) if note else None

    def person_at(self, path: str) -> Person | None:
        return self._person_of.get(path)


@dataclass(frozen=True)
class GoalStatus:
    """Progress against ``goal = { people = N, per = "month" }``."""

    target: int
    per: str
    done: int
    period_start: dt.date
    people: tuple[str, ...] = ()

    def to_json(self) -> dict:
        return {"target": self.target, "per": self.per, "done": self.done,
                "period_start": self.period_start.isoformat(), "people": list(self.people)}


@dataclass
class ScanResult:
    """What a scan found: the vault, the reminders in its window, the goal, the problems."""

    root: Path  # the vault folder
    vault: Vault
    today: dt.date
    horizon: int
    reminders: list[Reminder]  # up to today + horizon, overdue ones included
    all_reminders: list[Reminder]  # whatever their date
    goal: GoalStatus | None
    problems: list[Problem] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)  # generated files, not yet written


def _meeting_fields(note: Note) -> tuple:
    """What a meeting note says, before names are resolved: date, (field, name) pairs,
    follow-up, whether it is done, and the problems with them."""
    problems: list[Problem] = []
    date = note.date
    raw_date = note.get("date")
    if raw_date not in (None, ""):
        try:
            date = parse_date(raw_date)
        except DateProblem as exc:
            problems.append(note.problem(f"date: {exc}; " + (
                f"using {note.date} from the file name" if note.date else "the meeting has no date"), "date"))
    elif date is None:
        problems.append(note.problem("meeting has no date: add 'date: YYYY-MM-DD' or start the file name with it"))
    names: list[tuple[str, str]] = []
    for key in PEOPLE_FIELDS:
        value = note.get(key)
        if value is not None and not isinstance(value, (str, list)):
            problems.append(note.problem(f"{key}: expected links to people, got a {type(value).__name__}; ignored",
                                         key))
            continue
        names += [(key, name) for name in people_in(value)]
    follow_up = None
    raw = note.get("follow_up")
    if raw not in (None, ""):
        try:
            follow_up = parse_date(raw)
        except DateProblem as exc:
            problems.append(note.problem(f"follow_up: {exc}; ignored", "follow_up"))
    return date, names, follow_up, note.get("follow_up_done") is True, problems


def _meeting(note: Note, vault: Vault, problems: list[Problem]) -> Meeting:
    date, names, follow_up, done, found = note.derived("meeting", lambda: _meeting_fields(note))
    problems += found
    attendees: list[Person] = []
    for key, name in names:
        person = vault.person(name, note.path)
        if person is None:
            problems.append(note.problem(f"{key}: no person note for {name!r}", key))
        elif person not in attendees:
            attendees.append(person)
    return Meeting(note, date, attendees, follow_up, done)


class _Reported(Exception):
    """A plugin failed while classifying a note: the answer holds for this build only."""

    def __init__(self, kind: object) -> None:
        self.kind = kind


def _kind(note: Note, config: Config, pm: RelnotesPluginManager, token: tuple) -> object:
    """What the classify plugins say ``note`` is, worked out once per note, config and plugins."""
    def classified() -> object:
        reported = len(pm.problems)
        kind = pm.first("relnotes_classify_note", note=note, config=config)
        if len(pm.problems) > reported:
            raise _Reported(kind)
        return kind

    try:
        return note.derived(token, classified)
    except _Reported as exc:
        return exc.kind


def _person(note: Note, problems: list[Problem]) -> Person:
    """The person a note describes, read once per note; each build gets its own copy to add
    interactions to."""
    def read() -> tuple[Person, list[Problem]]:
        found: list[Problem] = []
        return Person.from_note(note, found), found

    person, found = note.derived("person", read)
    problems += found
    person = copy.copy(person)
    person.interactions = []
    return person


def build_vault(root: Path, notes: list[Note], config: Config, pm: RelnotesPluginManager,
                problems: list[Problem]) -> Vault:
    """Classify the notes, read people and meetings, and gather interactions."""
    people = []
    token = ("kind", repr(config), *(function for _, function, _ in pm.implementations("relnotes_classify_note")))
    for note in notes:
        kind = _kind(note, config, pm, token)
        note.kind = kind if kind in ("person", "meeting") else "note"
        if note.kind == "person":
            people.append(_person(note, problems))
    vault = Vault(root, notes, people, problems)
    vault.meetings = [_meeting(n, vault, problems) for n in notes if n.kind == "meeting"]
    for plugin, item in pm.collect("relnotes_interactions", vault=vault, config=config):
        if not isinstance(item, Interaction):
            pm.report(plugin, f"relnotes_interactions returned {type(item).__name__}, not Interaction; skipped")
            continue
        person = vault.person(item.person, item.source)
        if person is None:
            problems.append(Problem(item.source, None, f"interaction with unknown person {item.person!r} "
                                    f"(from plugin {plugin!r}); ignored"))
        else:
            person.interactions.append(item)
    for person in people:
        person.interactions.sort(key=lambda i: (i.date, i.source, i.kind))
    return vault


def _unique(items: Iterable[tuple[str, object]], pm: RelnotesPluginManager, hook_name: str, kind: type,
            key: Callable[[object], str], duplicate: str) -> dict[str, object]:
    """The items a hook returned that are of ``kind``, the first of each ``key``; the others are
    reported against the plugin that returned them (``duplicate`` is the message, with ``{key}``)."""
    kept: dict[str, object] = {}
    for plugin, item in items:
        if not isinstance(item, kind):
            pm.report(plugin, f"{hook_name} returned {type(item).__name__}, not {kind.__name__}; skipped")
        elif key(item) in kept:
            pm.report(plugin, duplicate.format(key=key(item)))
        else:
            kept[key(item)] = item
    return kept


def evaluate(vault: Vault, config: Config, pm: RelnotesPluginManager, today: dt.date, horizon: int) -> ScanResult:
    """Run the rules and the outputs: every reminder due up to ``today + horizon``
    (overdue ones included), and the bytes of every generated file."""
    reminders = _unique(pm.collect("relnotes_reminders", vault=vault, config=config, today=today), pm,
                        "relnotes_reminders", Reminder, lambda r: r.uid,
                        "two reminders share the uid {key!r}; the second was dropped")
    everything = sorted(reminders.values(), key=lambda r: (r.date, r.kind, r.person or "", r.title, r.uid))
    last = today + dt.timedelta(days=horizon)
    goal = pm.first("relnotes_goal", vault=vault, config=config, today=today)
    result = ScanResult(vault.root, vault, today, horizon, [r for r in everything if r.date <= last], everything, goal)
    result.problems = sorted({*vault.problems, *pm.problems}, key=Problem.sort_key)
    result.outputs = build_outputs(result, config, pm)
    result.problems = sorted({*result.problems, *pm.problems}, key=Problem.sort_key)
    return result


def build_outputs(result: ScanResult, config: Config, pm: RelnotesPluginManager) -> list[Output]:
    """The files the output plugins generate for ``result`` (nothing is written here)."""
    outputs = _unique(pm.collect("relnotes_outputs", result=result, config=config), pm, "relnotes_outputs", Output,
                      lambda o: o.name, "a second output named {key!r}; skipped")
    return sorted(outputs.values(), key=lambda o: o.name)
