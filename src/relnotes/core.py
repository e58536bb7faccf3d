"""The pure core: notes + config + today → people, interactions, reminders, outputs.

Nothing here reads the disk or the clock; :mod:`relnotes.pipeline` does that and
hands the notes in. Every decision is a plugin's, asked through :class:`~relnotes.plugins.Hooks`.

The :class:`Engine` keeps what it derived between builds, each answer with what it
depended on, so that after an edit it asks the plugins again only about what the edit can
change (``relnotes watch`` on a big vault). The steps of a build, each kept per note or
person:

1. **structure**, per note: its kind (``relnotes_classify_note``) and, for a person note,
   the person's fields. A change here that others can see — a note added, removed or of
   another kind, a person's fields or aliases — marks the note's names (title, aliases).
2. **contact**, per note: the meeting it is and its interactions
   (``relnotes_note_interactions``). Asked for the notes that changed and for the notes
   that looked up a marked name (the backlink index, keyed by name).
3. **people**: a person whose contact changed gets its interactions again, in date order.
4. **reminders**: per note (``relnotes_note_reminders``) for the notes of step 2, per
   person (``relnotes_person_reminders``) for the people of step 3 and the changed person
   notes; everything again when the day changes. The whole-vault hooks
   (``relnotes_interactions``, ``relnotes_reminders``, ``relnotes_goal``) are asked on
   every build.

The reminders are kept sorted, so a build re-sorts only what changed. Whatever the
history of edits, a build gives the very answers a build from scratch gives (tested).
"""

from __future__ import annotations

import bisect
import dataclasses
import datetime as dt
import operator
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TypeVar

from .actions import Action
from .config import Config
from .dates import DateProblem, MonthDay, anniversary_in, parse_date
from .fields import Vocabulary, single
from .filekeys import FileKey
from .links import name_key, people_in
from .model import Interaction, Meeting, Note, Output, Person, Problem, Reminder, ScanResult, Vault, identity_kind
from .obsidian import VaultSettings
from .plugins import DEFAULT_PLUGINS, RelnotesPluginManager

__all__ = ["Engine", "build_vault"]

T = TypeVar("T")
Entry = tuple[FileKey, Note | None, list[Problem]]  # a note file as the cache has it: key, note, problems
PartId = tuple[str, str]  # (step, note path): what one answer is kept under

_PERSON_FIELDS = tuple(f.name for f in dataclasses.fields(Person)
                       if f.name not in ("note", "interactions", "logged_snooze") and not f.name.startswith("_"))


def _meeting(note: Note, vault: Vault, words: Vocabulary, problems: list[Problem]) -> Meeting:
    """What a meeting note says — date, attendees, follow-up, whether it is done — with its problems."""
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
    attendees: list[Person] = []
    for found in fields.values("attendees"):
        if isinstance(found.value, dict) or not isinstance(found.value, (str, list)):
            problems.append(note.problem(f"{found.key}: expected links to people, got a "
                                         f"{type(found.value).__name__}; ignored", line=found.line))
            continue
        for name in people_in(found.value):
            person = vault.person_named(note, found.key, name, found.line, problems)
            if person is not None and person not in attendees:
                attendees.append(person)
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
    return Meeting(note, date, attendees, follow_up, done is not None and single(done.value) is True)


@dataclasses.dataclass(slots=True)
class _Part:
    """One kept answer: the names it looked up, the ambiguous ones among them (key → the target
    as written), its warnings and its reminders (with the plugin of each)."""

    keys: frozenset[str] = frozenset()
    ambiguous: dict[str, str] | None = None
    problems: list[Problem] | None = None
    reminders: tuple[tuple[str, Reminder], ...] = ()

    def empty(self) -> bool:
        return not (self.keys or self.ambiguous or self.problems or self.reminders)


_date = operator.attrgetter("date")


def _sort_key(reminder: Reminder) -> tuple:
    return (reminder.date, reminder.kind, reminder.person or "", reminder.title, reminder.uid)


class _Reminders:
    """Every reminder claimed, by uid, and the winners kept sorted.

    A uid claimed twice goes to the claim that comes first — by the plugin's place in the
    calling order, then the note or person it is about, then its place in the answer — and
    each other claim is reported against its plugin.
    """

    def __init__(self) -> None:
        self.claims: dict[str, dict[tuple, tuple[str, Reminder]]] = {}
        # uid -> the winning claim's key, and its reminder as the action log leaves it (None: done)
        self.winners: dict[str, tuple[tuple, Reminder | None]] = {}
        self.order: list[tuple[tuple, Reminder]] = []  # (sort key, reminder) of the winners, sorted
        self.listed: list[Reminder] = []  # the same reminders, alone
        self.contested: set[str] = set()
        self.acted: Mapping[str, tuple[Action, ...]] = {}  # uid -> the action log's snoozes and dones of it
        self._touched: set[str] = set()

    def touch(self, uid: str) -> None:
        """Have the next :meth:`settle` work out ``uid``'s winner again (its actions changed)."""
        if uid in self.claims:
            self._touched.add(uid)

    def withdraw(self, pid: PartId, reminders: Iterable[tuple[str, Reminder]], ranks: Mapping[str, int]) -> None:
        for index, (plugin, reminder) in enumerate(reminders):
            claims = self.claims[reminder.uid]
            del claims[(ranks.get(plugin, -1), pid, index)]
            self._touched.add(reminder.uid)

    def claim(self, pid: PartId, reminders: Iterable[tuple[str, Reminder]], ranks: Mapping[str, int]) -> None:
        for index, (plugin, reminder) in enumerate(reminders):
            self.claims.setdefault(reminder.uid, {})[(ranks.get(plugin, -1), pid, index)] = (plugin, reminder)
            self._touched.add(reminder.uid)

    def settle(self) -> None:
        """Bring the sorted winners up to date with the claims changed since the last call."""
        touched, self._touched = self._touched, set()
        bulk = len(touched) > 64 and len(touched) > len(self.order) // 8  # then sorting anew is quicker
        for uid in touched:
            before = self.winners.pop(uid, None)
            claims = self.claims.get(uid)
            reminder: Reminder | None = None
            if claims:
                best = min(claims)
                reminder = claims[best][1]
                if uid in self.acted:
                    reminder = _acted(reminder, self.acted[uid])
                if before is not None and before[1] is not None and before[1] == reminder:
                    # the same reminder as before (its person's note was edited, say): the kept
                    # object stays, in its place, so what outputs remember of it still holds
                    self.winners[uid] = (best, before[1])
                    self._contest(uid, claims)
                    continue
            if before is not None and before[1] is not None and not bulk:
                at = bisect.bisect_left(self.order, (_sort_key(before[1]),))
                del self.order[at], self.listed[at]
            if not claims:
                self.claims.pop(uid, None)
                self.contested.discard(uid)
                continue
            self.winners[uid] = (best, reminder)
            self._contest(uid, claims)
            if reminder is not None and not bulk:
                entry = (_sort_key(reminder), reminder)
                at = bisect.bisect_left(self.order, entry)
                self.order.insert(at, entry)
                self.listed.insert(at, reminder)
        if bulk:
            self.order = sorted((_sort_key(reminder), reminder) for _, reminder in self.winners.values()
                                if reminder is not None)
            self.listed = [reminder for _, reminder in self.order]

    def _contest(self, uid: str, claims: Mapping) -> None:
        if len(claims) > 1:
            self.contested.add(uid)
        else:
            self.contested.discard(uid)

    def losers(self) -> Iterable[tuple[str, str]]:
        """(plugin, uid) of every claim that lost to another of its uid."""
        for uid in sorted(self.contested):
            claims = self.claims[uid]
            for key in sorted(claims)[1:]:
                yield claims[key][0], uid


def _acted(reminder: Reminder, actions: Sequence[Action]) -> Reminder | None:
    """``reminder`` as the action log leaves it (``actions`` in order): a done closes it — a yearly
    one until its next occurrence after the one done —, and the latest snooze puts it off to its
    date (a later, shorter snooze shortens it)."""
    for action in actions:
        if action.kind != "done":
            continue
        series = reminder.recurrence
        if series is None:
            return None
        done = action.due or reminder.date
        if reminder.date <= done:
            after = anniversary_in(MonthDay(series.month, series.day), done.year + 1, series.leap_day)
            reminder = dataclasses.replace(reminder, date=after,
                                           detail=_more(reminder.detail, f"done for {done.isoformat()}"))
    until = next((a.until for a in reversed(actions) if a.kind == "snoozed"), None)
    if until is not None and until > reminder.date:
        reminder = dataclasses.replace(
            reminder, date=until, data=(*reminder.data, ("snoozed_until", until.isoformat())),
            detail=_more(reminder.detail, f"snoozed until {until.isoformat()}"))
    return reminder


def _more(detail: str, said: str) -> str:
    return f"{detail} · {said}" if detail else said


class Engine:
    """A vault, everything derived from it and what each answer depended on, kept between
    builds: :meth:`update` brings it up to date with the notes, :meth:`evaluate` runs the rules
    and the outputs. Pure: the notes are handed in.

    :param root: the vault folder (for the outputs' paths; nothing is read).
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._reset(None)

    def _reset(self, token: object) -> None:
        self.vault = Vault(self.root)
        self._token = token
        self._entries: dict[str, Entry] = {}
        self._parts: dict[PartId, _Part] = {}
        self._backlinks: dict[str, set[PartId]] = defaultdict(set)
        self._with_problems: set[PartId] = set()
        self._with_ambiguity: set[PartId] = set()
        self._reminders = _Reminders()
        self._ranks: dict[str, int] = {}
        self._contacts: dict[str, dict[str, tuple[Interaction, ...]]] = defaultdict(dict)  # person -> source -> …
        self._sent: dict[str, tuple[str, ...]] = {}  # source -> the people its interactions went to
        self._wide: set[str] = set()  # the whole-vault plugins that gave interactions at the last build
        self._stale_notes: set[str] = set()  # notes whose reminders are to be asked for again
        self._stale_people: set[str] = set()
        self._references: dict[str, str] = {}  # people of no type and no contact: path -> name
        self._shared: dict[str, Problem] = {}  # name key -> "2 people answer to the name …"
        self._today: dt.date | None = None
        self._logged: dict[str, list[Action]] = {}  # the action log and, with [log] daily_note, daily notes
        self._snoozes: dict[str, list[tuple[Action, str]]] = {}  # person -> the log's snoozes, with their note
        self._acts: dict[str, list[Action]] = {}  # uid -> the log's snoozes and dones of that one reminder
        self._applied: dict[str, tuple[Action, ...]] = {}  # uid -> its actions as of the day of the last build
        self._snoozed: set[str] = set()  # the people the log's snoozes applied to at the last build
        self._logs_changed = False
        self._classify: Callable[..., str | None] = lambda **_: None  # the hooks' callers, made for each build
        self._note_interactions: Callable[..., list[tuple[str, Interaction]]] = lambda **_: []

    # --- keeping answers --------------------------------------------------------------------

    def _store(self, pid: PartId, part: _Part | None) -> None:
        """Keep ``part`` as the answer under ``pid`` (None or empty: no answer), replacing the last."""
        if part is None and pid not in self._parts:
            return  # the common case, quickly: nothing kept, nothing to keep
        old = self._parts.pop(pid, None)
        if old is not None:
            for key in old.keys:
                linked = self._backlinks[key]
                linked.discard(pid)
                if not linked:
                    del self._backlinks[key]
            if old.reminders:
                self._reminders.withdraw(pid, old.reminders, self._ranks)
        self._with_problems.discard(pid)
        self._with_ambiguity.discard(pid)
        if part is None or part.empty():
            return
        self._parts[pid] = part
        for key in part.keys:
            self._backlinks[key].add(pid)
        if part.reminders:
            self._reminders.claim(pid, part.reminders, self._ranks)
        if part.problems:
            self._with_problems.add(pid)
        if part.ambiguous:
            self._with_ambiguity.add(pid)

    def _ask(self, pm: RelnotesPluginManager, ask: Callable[[list[Problem]], list[T]]
             ) -> tuple[list[T], _Part | None]:
        """``ask(problems)`` with the names it looks up recorded, and the plugin failures it
        causes kept with its answer (they are reported as long as the answer is kept); the part
        is None when there is nothing to keep but the items."""
        problems: list[Problem] = []
        reported = len(pm.problems)
        seen: set[str] = set()
        ambiguous: dict[str, str] = {}
        self.vault.track(seen, ambiguous)
        try:
            items = ask(problems)
        finally:
            self.vault.track(None, None)
        problems += _taken(pm, reported)
        if not (seen or ambiguous or problems):
            return items, None
        return items, _Part(frozenset(seen), ambiguous or None, problems or None)

    # --- step 1: structure ------------------------------------------------------------------

    def update(self, entries: Mapping[str, Entry], config: Config, pm: RelnotesPluginManager,
               settings: VaultSettings | None = None, changes: Iterable[str] | None = None) -> Vault:
        """Bring the vault up to date with ``entries`` (vault-relative path → the cache's entry;
        a new entry object is a changed note): people, meetings, interactions. ``changes`` are
        the paths whose entries may have changed since the last call (None: any). The rules are
        run by :meth:`evaluate`."""
        token = (repr(config), pm, settings)
        if token != self._token:
            changes = None
            self._reset(token)
            self.vault.settings = settings
            names = [name for name, plugin in pm.list_name_plugin() if plugin is not None]
            self._ranks = {name: rank for rank, name in enumerate(reversed(names))}  # pluggy calls LIFO
        try:
            self._update(entries, config, pm, changes)
        except BaseException:
            self._reset(None)  # a failure halfway (strict mode, a stop): start afresh next time
            raise
        return self.vault

    def _update(self, entries: Mapping[str, Entry], config: Config, pm: RelnotesPluginManager,
                changes: Iterable[str] | None) -> None:
        vault, kept = self.vault, self._entries
        if changes is None:
            changed = [rel for rel, entry in entries.items() if kept.get(rel) is not entry]
            if changed or len(entries) != len(kept):
                changed += [rel for rel in kept if rel not in entries]
        else:
            changed = [rel for rel in changes if kept.get(rel) is not entries.get(rel)]
        marked: set[str] = set()  # names whose meaning may have changed
        dirty: set[str] = set()  # notes to ask about again
        self._classify = pm.hooks.first_each("relnotes_classify_note", str)
        self._note_interactions = pm.hooks.each("relnotes_note_interactions", Interaction)
        for rel in sorted(changed):
            entry = entries.get(rel)
            if entry is None:
                del kept[rel]
            else:
                kept[rel] = entry
            self._store(("read", rel), _Part(problems=entry[2]) if entry is not None and entry[2] else None)
            note = entry[1] if entry is not None else None
            if self._structure(rel, note, config, pm, marked):
                dirty.add(rel)
        if self._read_logs(changed, config) or (marked and self._logged):
            self._resolve_logs()
        for key in marked:
            for step, path in self._backlinks.get(key, ()):
                (dirty if step in ("contact", "reminders") else self._stale_people).add(path)
        dirty &= vault._notes.keys()
        for rel in sorted(dirty):
            self._contact(vault._notes[rel], config, pm)
        self._stale_notes |= dirty
        self._whole_vault_contacts(config, pm)
        for path in self._stale_people:
            person = vault._person_of.get(path)
            if person is not None:
                sources = self._contacts.get(path, {})
                vault.set_interactions(person, sorted((i for source in sorted(sources) for i in sources[source]),
                                                      key=lambda i: (i.date, i.source, i.kind)))
        self._shared_names(marked)

    def _structure(self, rel: str, note: Note | None, config: Config, pm: RelnotesPluginManager,
                   marked: set[str]) -> bool:
        """Take in the note now at ``rel`` (None: gone), marking the names whose meaning this can
        change. :returns: whether the note is there to be asked about."""
        vault = self.vault
        old_note, old_person = vault._notes.get(rel), vault._person_of.get(rel)
        if note is None:
            if old_note is not None:
                marked |= _names(old_note, old_person)
                vault.drop_note(rel)
                for step in ("kind", "contact", "reminders", "person"):
                    self._store((step, rel), None)
                self._contributed(rel, ())
                self._stale_people.discard(rel)
                self._references.pop(rel, None)
            return False
        problems: list[Problem] = []
        reported = len(pm.problems)
        kind = self._classify(note=note, config=config)
        note.kind = kind if kind in ("person", "meeting") else "note"
        person = Person.from_note(note, problems, config.vocabulary) if note.kind == "person" else None
        problems += _taken(pm, reported)
        self._store(("kind", rel), _Part(problems=problems) if problems else None)
        if old_note is None:
            marked |= _names(note, person)
        elif old_note.kind != note.kind or _facts(old_person) != _facts(person):
            marked |= _names(old_note, old_person) | _names(note, person)
        vault.put_note(note)
        if person is not None:
            aliases: tuple[str, ...] = ()
            if old_person is not None:  # the same object, brought up to date: meetings and incidents hold it
                aliases = old_person.handles
                for name in _PERSON_FIELDS:
                    setattr(old_person, name, getattr(person, name))
                old_person.note, person = note, old_person
            vault.put_person(person, aliases)
            self._stale_people.add(rel)
        elif old_person is not None:
            vault.drop_person(rel)
            self._store(("person", rel), None)
            self._references.pop(rel, None)
            self._stale_people.discard(rel)
        if note.kind != "meeting" and old_note is not None:
            vault.set_meeting(rel, None)
        return True

    # --- the action log ---------------------------------------------------------------------

    def _read_logs(self, changed: Iterable[str], config: Config) -> bool:
        """Read the actions of the changed notes that are logs: the ``[log]`` note and, with
        ``daily_note``, daily notes. :returns: whether any log changed."""
        notes, found = self.vault._notes, False
        for rel in changed:
            note = notes.get(rel)
            if note is not None and (rel == config.log_path or (config.log_daily and note.daily)):
                actions, problems = note.actions
                self._logged[rel] = actions
                if rel != config.log_path:  # a daily note: a line that cannot be read is the user's own
                    problems = []
                self._store(("log", rel), _Part(problems=[note.problem(why, line=line) for line, why in problems])
                            if problems else None)
                found = True
            elif rel in self._logged:
                del self._logged[rel]
                self._store(("log", rel), None)
                found = True
        return found

    def _resolve_logs(self) -> None:
        """Turn the logs' actions into contact, snoozes per person and actions per reminder, their
        names resolved as links are (again after a change of what a name means)."""
        vault = self.vault
        problems: list[Problem] = []
        snoozes: dict[str, list[tuple[Action, str]]] = {}
        acts: dict[str, list[Action]] = {}
        for source in sorted(self._logged):
            contact: list[tuple[str, Interaction]] = []
            title = vault._notes[source].title
            for action in self._logged[source]:
                if action.uid is not None:
                    acts.setdefault(action.uid, []).append(action)
                    continue
                for name in action.people:
                    person = vault.person(name, source)
                    if person is None:
                        problems.append(Problem(source, action.line, f"{action.kind} {name!r}: no person of that "
                                                "name (or alias) in the vault; ignored"))
                    elif action.kind == "talked":
                        contact.append((person.path, Interaction(name, action.date, source, action.via or "talked",
                                                                 action.note or title, action.line)))
                    else:
                        snoozes.setdefault(person.path, []).append((action, source))
            self._contributed("\x01" + source, contact)
        for source in {s[1:] for s in self._sent if s.startswith("\x01")} - self._logged.keys():
            self._contributed("\x01" + source, ())
        self._store(("log", ""), _Part(problems=problems) if problems else None)
        self._snoozes, self._acts = snoozes, acts
        self._logs_changed = True  # what counts depends on the day: :meth:`_apply_logs` works it out

    def _apply_logs(self, today: dt.date) -> None:
        """The log's actions as of ``today`` (those dated after it have not happened yet): each
        person's latest snooze, and the reminders whose actions changed touched for
        :meth:`_Reminders.settle`."""
        snoozed = set()
        for path in self._snoozes.keys() | self._snoozed:  # the people snoozed now, or at the last build
            person = self.vault._person_of.get(path)
            if person is None:
                continue
            snoozes = [(action.date, action.line, source, action.until)
                       for action, source in self._snoozes.get(path, ()) if action.date <= today]
            latest = max(snoozes, default=None)
            logged = (latest[3], f"{latest[2]}, line {latest[1]}") if latest and latest[3] else None
            if logged is not None:
                snoozed.add(path)
            if person.logged_snooze != logged:
                person.logged_snooze = logged
                self._stale_people.add(path)
        self._snoozed = snoozed
        applied = {uid: tuple(a for a in sorted(acts, key=lambda a: (a.date, a.line)) if a.date <= today)
                   for uid, acts in self._acts.items()}
        applied = {uid: acts for uid, acts in applied.items() if acts}
        for uid in applied.keys() ^ self._applied.keys() | {u for u in applied if applied[u] != self._applied.get(u)}:
            self._reminders.touch(uid)
        self._applied = applied
        self._reminders.acted = applied

    # --- step 2: contact --------------------------------------------------------------------

    def _contact(self, note: Note, config: Config, pm: RelnotesPluginManager) -> None:
        """Ask again what ``note`` is as a meeting and whom it records contact with."""
        vault = self.vault

        def ask(problems: list[Problem]) -> list[tuple[str, str, Interaction]]:
            meeting = _meeting(note, vault, config.vocabulary, problems) if note.kind == "meeting" else None
            vault.set_meeting(note.path, meeting)
            found = self._note_interactions(note=note, meeting=meeting, vault=vault, config=config, problems=problems)
            return _with_people(vault, found, problems)

        found, part = self._ask(pm, ask)
        self._store(("contact", note.path), part)
        self._contributed(note.path, [(path, item) for _, path, item in found])

    def _contributed(self, source: str, items: Sequence[tuple[str, Interaction]]) -> None:
        """Keep the interactions ``source`` (a note, or a whole-vault plugin) gave, by person; the
        people whose contact changed are stale."""
        if not items and source not in self._sent:
            return  # the common case, quickly: no contact then, none now
        by_person: dict[str, list[Interaction]] = {}
        for path, item in items:
            by_person.setdefault(path, []).append(item)
        for path in self._sent.pop(source, ()):
            if path not in by_person:
                self._contacts[path].pop(source, None)
                if not self._contacts[path]:
                    del self._contacts[path]
                self._stale_people.add(path)
        for path, found in by_person.items():
            given = tuple(found)
            if self._contacts[path].get(source) != given:
                self._contacts[path][source] = given
                self._stale_people.add(path)
        if by_person:
            self._sent[source] = tuple(by_person)

    def _whole_vault_contacts(self, config: Config, pm: RelnotesPluginManager) -> None:
        """Ask the whole-vault ``relnotes_interactions`` plugins (on every build)."""
        if not pm.hooks.implementations("relnotes_interactions"):
            return
        vault = self.vault
        vault.problems = []
        reported = len(pm.problems)
        found = pm.hooks.interactions(vault, config)
        problems = vault.problems
        by_plugin: dict[str, list[tuple[str, Interaction]]] = {}
        for plugin, path, item in _with_people(vault, found, problems):
            by_plugin.setdefault(plugin, []).append((path, item))
        problems += _taken(pm, reported)
        self._store(("whole-vault", "relnotes_interactions"), _Part(problems=problems or None))
        for plugin in {*by_plugin, *self._wide}:
            self._contributed("\0" + plugin, by_plugin.get(plugin, ()))
        self._wide = set(by_plugin)

    def _shared_names(self, marked: set[str]) -> None:
        """The warning about people who answer to one name, for the names marked."""
        vault = self.vault
        for key in marked:
            self._shared.pop(key, None)
            if len(vault._by_title.get(key, ())) + len(vault._by_alias.get(key, ())) < 2:
                continue  # the common case, quickly: one note of that name at most
            persons = vault.named(key)
            if len(persons) < 2:
                continue
            first, *others = sorted(persons, key=lambda p: (len(p.path), p.path))
            folders = {name_key(p.path.rpartition("/")[0]) for p in persons}
            nfc = [unicodedata.normalize("NFC", p.path) for p in persons]

            def shown(person: Person, nfc: list[str] = nfc) -> str:  # paths that look the same: escaped
                same = nfc.count(unicodedata.normalize("NFC", person.path)) > 1
                return ascii(person.path) if same else person.path

            everyone = ", ".join(map(shown, [first, *others]))
            kind = identity_kind(key)
            if kind:  # an email, a phone, a LinkedIn profile: one person's, by its nature
                what = "LinkedIn profile" if kind == "linkedin" else kind
                self._shared[key] = Problem(first.path, None, (
                    f"{len(persons)} people claim the {what} {key.removeprefix('tel:').removeprefix('linkedin:')!r}: "
                    f"{everyone}; what it identifies goes to {first.path} (keep it on one person note)"))
                continue
            advice = ("link with the folder, e.g. [[folder/Name]], to choose" if len(folders) == len(persons)
                      else "their names differ only in case or accents within one folder, so no link can "
                           "tell them apart: rename one")
            self._shared[key] = Problem(
                first.path, None,
                f"{len(persons)} people answer to the name {key!r}: {everyone}; "
                f"links to it go to {first.path} ({advice})")

    # --- step 4: reminders --------------------------------------------------------------------

    def evaluate(self, config: Config, pm: RelnotesPluginManager, today: dt.date, horizon: int,
                 problems: Iterable[Problem] = ()) -> ScanResult:
        """Run the rules and the outputs on the vault as :meth:`update` left it: every reminder due
        up to ``today + horizon`` (overdue ones included), and the bytes of every generated file.
        ``problems`` are the scan's own (reading the vault), reported with the rest."""
        try:
            return self._evaluate(config, pm, today, horizon, list(problems))
        except BaseException:
            self._reset(None)
            raise

    def _evaluate(self, config: Config, pm: RelnotesPluginManager, today: dt.date, horizon: int,
                  scan_problems: list[Problem]) -> ScanResult:
        vault = self.vault
        if today != self._today:
            self._today, self._logs_changed = today, True
            self._stale_notes = set(vault._notes)
            self._stale_people = set(vault._person_of)
        if self._logs_changed:
            self._logs_changed = False
            self._apply_logs(today)
        note_reminders = pm.hooks.each("relnotes_note_reminders", Reminder)
        person_reminders = pm.hooks.each("relnotes_person_reminders", Reminder)
        asked = sorted(self._stale_notes & vault._notes.keys())
        for rel in asked:
            note = vault._notes[rel]
            meeting = vault.meeting_of(note)

            def of_note(found: list[Problem], note: Note = note, meeting: Meeting | None = meeting
                        ) -> list[tuple[str, Reminder]]:
                return note_reminders(note=note, meeting=meeting, vault=vault, config=config, today=today,
                                      problems=found)

            items, part = self._ask(pm, of_note)
            self._store(("reminders", rel), _with_reminders(part, items))
        for path in sorted(self._stale_people & vault._person_of.keys()):
            person = vault._person_of[path]

            def of_person(found: list[Problem], person: Person = person) -> list[tuple[str, Reminder]]:
                return person_reminders(person=person, vault=vault, config=config, today=today, problems=found)

            items, part = self._ask(pm, of_person)
            self._store(("person", path), _with_reminders(part, items))
            if (person.status == "active" and not person.roles and not person.cadence_set
                    and not person.contacted(today)):
                self._references[path] = person.name
            else:
                self._references.pop(path, None)
        self._stale_notes, self._stale_people = set(), set()
        vault.problems = []
        reported = len(pm.problems)
        if pm.hooks.implementations("relnotes_reminders"):
            wide = tuple(pm.hooks.reminders(vault, config, today))
            self._store(("whole-vault", "relnotes_reminders"), _Part(
                problems=[*vault.problems, *_taken(pm, reported)] or None, reminders=wide))
        self._reminders.settle()
        for plugin, uid in self._reminders.losers():
            pm.report(plugin, f"two reminders share the uid {uid!r}; the second was dropped")
        goal = pm.hooks.goal(vault, config, today)
        for rel in asked:  # the rules have derived what they need from these bodies: the cache keeps that
            vault._notes[rel].release_body()
        vault.problems = self.problems(scan_problems, config)
        everything = self._reminders.listed[:]  # (a copy: the next build changes the kept list)
        window = bisect.bisect_left(everything, today + dt.timedelta(days=horizon + 1), key=_date)
        result = ScanResult(vault.root, vault, today, horizon, everything[:window], everything, goal)
        result.problems = sorted({*vault.problems, *pm.problems}, key=Problem.sort_key)
        result.outputs = build_outputs(result, config, pm)
        result.problems = sorted({*result.problems, *pm.problems}, key=Problem.sort_key)
        return result

    def problems(self, scan_problems: list[Problem], config: Config) -> list[Problem]:
        """Every warning of the vault as it is now: the kept answers' and the vault's own."""
        found = [*scan_problems, *self._shared.values()]
        for pid in self._with_problems:
            found += self._parts[pid].problems or ()
        ambiguous: dict[str, tuple[str, str]] = {}  # key -> (the first note linking it, the target as written)
        for pid in self._with_ambiguity:
            for key, target in (self._parts[pid].ambiguous or {}).items():
                if key not in self._shared and (key not in ambiguous or pid[1] < ambiguous[key][0]):
                    ambiguous[key] = (pid[1], target)
        for key, (source, target) in ambiguous.items():
            notes = self.vault.ambiguity(key)
            found.append(Problem(source, None, f"link [[{target}]] is ambiguous: "
                                 f"{', '.join(n.path for n in notes)}; using {notes[0].path}"))
        vault = self.vault
        if vault._notes and not vault._person_of:
            found.append(Problem("", None, (
                f"no people among {len(vault._notes)} notes: a note is a person when its type, categories or tags "
                f"say so (type: person, categories: [[People]], #person) or it lies in "
                f"{_folders(config.people.folders)}; run `relnotes init VAULT` to detect how this vault marks people, "
                "or set [people] in the config")))
        if self._references:
            names = sorted(self._references.values(), key=str.casefold)
            shown = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
            found.append(Problem("", None, (
                f"{len(names)} {'person has' if len(names) == 1 else 'people have'} no relationship type and "
                f"no recorded contact, so no follow-ups ({shown}): give a note `role: peer` (or mentor, manager, "
                "client, sponsor, contact, a [cadence] type of yours) or `cadence: 3m` to keep in touch")))
        return found


def _taken(pm: RelnotesPluginManager, since: int) -> list[Problem]:
    """The plugin failures reported since ``pm.problems`` had ``since`` of them, taken out: they
    are kept with the answer that caused them."""
    found = pm.problems[since:]
    del pm.problems[since:]
    return found


def _with_people(vault: Vault, found: list[tuple[str, Interaction]],
                 problems: list[Problem]) -> list[tuple[str, str, Interaction]]:
    """(plugin, person's path, interaction) of each interaction whose person the vault has; the
    others are reported in ``problems``."""
    known = []
    by_path = vault._person_of
    for plugin, item in found:
        # a person's path (as most plugins give) leads there; person_at records it like a lookup
        person = vault.person_at(item.person) if item.person in by_path else vault.person(item.person, item.source)
        if person is None:
            problems.append(Problem(item.source, None, f"interaction with unknown person {item.person!r} "
                                    f"(from plugin {plugin!r}); ignored"))
        else:
            known.append((plugin, person.path, item))
    return known


def _with_reminders(part: _Part | None, items: list[tuple[str, Reminder]]) -> _Part | None:
    """``part`` (what an answer looked up and warned of) with the reminders it gave."""
    if items:
        part = part or _Part()
        part.reminders = tuple(items)
    return part


def _names(note: Note | None, person: Person | None) -> set[str]:
    """The names a note answers to: its title and, for a person, their aliases and identity keys
    (as name keys)."""
    if note is None:
        return set()
    handles = person.handles if person is not None else ()
    return {name_key(note.title), *map(name_key, handles)} if handles else {name_key(note.title)}


def _facts(person: Person | None) -> tuple | None:
    """What others can see of a person: every field but the note and the interactions."""
    return None if person is None else tuple(getattr(person, name) for name in _PERSON_FIELDS)


def _folders(folders: tuple[str, ...]) -> str:
    return " or ".join(f"{f}/" for f in folders) if folders else "no people folder"


def build_vault(root: Path, notes: list[Note], config: Config, pm: RelnotesPluginManager,
                problems: list[Problem], settings: VaultSettings | None = None) -> Vault:
    """The vault of ``notes`` at once — people, meetings, interactions — with no rule run
    (``problems``: what reading them found; ``settings``: what was taken from ``.obsidian/``)."""
    engine = Engine(root)
    vault = engine.update({note.path: (None, note, []) for note in notes}, config, pm, settings)  # type: ignore[misc]
    vault.problems = engine.problems(problems, config)
    return vault


def build_outputs(result: ScanResult, config: Config, pm: RelnotesPluginManager) -> list[Output]:
    """The files the output plugins generate for ``result`` (nothing is written here). A name or a
    calendar's URL is the built-ins' first, then the plugins' in the order they were registered:
    no plugin takes a built-in's."""
    outputs: dict[str, Output] = {}
    served: set[str] = set()  # the calendars' names in serve's URLs
    builtin = {name.rsplit(".", 1)[1] for name in DEFAULT_PLUGINS}
    made = reversed(pm.hooks.outputs(result, config))  # pluggy calls the last registered first
    for plugin, output in sorted(made, key=lambda item: item[0] not in builtin):
        calendar = output.bare_type == "text/calendar"
        if output.name in outputs:
            pm.report(plugin, f"a second output named {output.name!r}; skipped")
        elif calendar and output.served_name in served:
            pm.report(plugin, f"a second calendar served as {output.served_name!r}; skipped")
        else:
            outputs[output.name] = output
            if calendar:
                served.add(output.served_name)
    return sorted(outputs.values(), key=lambda o: o.name)
