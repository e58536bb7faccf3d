"""How a vault keeps people and meetings, found from its notes, for ``relnotes init``.

:func:`detect` looks at every note (as read, classified with the config relnotes would
use) and returns what it found — the markers relnotes already recognises, and the
conventions it would need config for — as :class:`Finding` lines to print and the
settings to write. Pure: notes and a config in, findings out.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import cast

from .config import DEFAULT_CADENCES, Config
from .fields import PERSON_FIELDS, field_key, type_key
from .kinds import kind_of, kind_words
from .model import ROLES, Note, Person

__all__ = ["Detected", "Finding", "detect"]

# fields only a note about a person has; and those a company's note may have too, which count in a
# folder named for people (Contacts/, Network/)
_PERSONAL = {field_key(n) for n in ("birthday", "birthdate", "last_contact", "lastContacted", "met", "first_met",
                                    "relationship")}
_CONTACT = {field_key(n) for n in ("email", "emails", "phone", "phones", "mobile", "linkedin")}
_PEOPLE_FOLDERS = {type_key(n) for n in ("people", "person", "contacts", "network", "friends", "colleagues", "crm")}
_MEETING = {field_key(n) for n in ("attendees", "participants")}
MIN_NOTES = 3  # a convention is one that at least this many notes follow
_PARTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")  # the words of a name: prm-last-contacted, lastContacted


@dataclass(frozen=True)
class Finding:
    """One line of what ``init`` found: what, how many notes, and what it means."""

    count: int
    what: str  # "notes with categories [[People]] in References/"
    meaning: str  # "people", "people: [people] folders", "[fields] last_contact"

    def __str__(self) -> str:
        return f"{self.count} {'note' if self.count == 1 else 'notes'} {self.what} → {self.meaning}"


@dataclass
class Detected:
    """Everything :func:`detect` found: the lines to print, and the settings to write by table."""

    findings: list[Finding] = field(default_factory=list)
    settings: dict[str, dict[str, object]] = field(default_factory=dict)

    def set(self, table: str, key: str, value: object) -> None:
        self.settings.setdefault(table, {})[key] = value


def _top(path: str) -> str:
    return path.split("/", 1)[0] if "/" in path else ""


def _recognised(notes: list[tuple[Note, str, str]], found: Detected) -> None:
    """Say how the notes relnotes already recognises are marked, by marker and folder."""
    groups: Counter[tuple[str, str, str]] = Counter()
    for note, kind, why in notes:
        if kind in ("person", "meeting"):
            folder = _top(note.path)
            groups[(kind, why, folder)] += 1
    for (kind, why, folder), count in sorted(groups.items(), key=lambda item: (item[0][0] != "person", -item[1])):
        where = "" if why.startswith("folder") else f" in {folder}/" if folder else " at the top"
        what = f"in {why[len('folder '):]}" if why.startswith("folder") else f"with {why}{where}"
        found.findings.append(Finding(count, what, "people" if kind == "person" else "meetings"))


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def _unrecognised(notes: list[tuple[Note, str, str]], config: Config, found: Detected) -> None:
    """Categories, tags and folders whose notes look like people (or meetings) — they have
    fields only such notes have — but are not recognised as such. A dated note (a daily note,
    a meeting) is never taken for a person."""
    for table, markers in (("people", config.people), ("meetings", config.meetings)):
        hits: dict[tuple[str, str], list[Note]] = defaultdict(list)
        total: Counter[tuple[str, str]] = Counter()
        for note, kind, _ in notes:
            marks = {("categories", word) for word, _ in kind_words(note.get("categories"))}
            marks |= {("tags", tag.split("/", 1)[0]) for tag in note.tags}
            folder = _folder(note.path)
            marks |= {("folders", folder)} if folder else set()
            total.update(marks)
            if kind == "note" and _looks_like(note, table, folder):
                for mark in marks:
                    hits[mark].append(note)
        covered: set[str] = set()
        for setting in ("categories", "tags", "folders"):
            new = []
            for (kind_of_mark, value), found_notes in sorted(hits.items()):
                fresh = [n for n in found_notes if n.path not in covered]
                if kind_of_mark != setting or len(fresh) < MIN_NOTES or len(found_notes) * 2 < total[(setting, value)]:
                    continue
                new.append(value)
                covered.update(n.path for n in found_notes)
                shown = {"categories": f"with categories [[{value}]] and", "tags": f"with tag #{value} and",
                         "folders": f"in {value}/ with"}[setting]
                found.findings.append(Finding(len(found_notes), f"{shown} fields such as "
                                              f"{_common(found_notes, table)}", f"{table}: [{table}] {setting}"))
            if new:
                found.set(table, setting, [*getattr(markers, setting), *new])


def _looks_like(note: Note, table: str, folder: str) -> bool:
    """Whether a note has fields only people (``table`` "people") or meetings have."""
    keys = {field_key(k) for k in note.frontmatter}
    if table == "meetings":
        return bool(keys & _MEETING)
    if note.date is not None:
        return False
    return bool(keys & _PERSONAL) or bool(keys & _CONTACT and type_key(folder.rsplit("/", 1)[-1]) in _PEOPLE_FOLDERS)


def _common(notes: list[Note], table: str) -> str:
    fields = _MEETING if table == "meetings" else _PERSONAL | _CONTACT
    counts = Counter(k for n in notes for k in n.frontmatter if field_key(k) in fields)
    return ", ".join(k for k, _ in counts.most_common(2))


def _fields(notes: list[tuple[Note, str, str]], config: Config, found: Detected) -> None:
    """Person fields under names relnotes does not know (``prm-last-contacted``) that at least
    half the people (or :data:`MIN_NOTES` of them) use, and the relationship words people use
    that are no type yet."""
    vocabulary = config.vocabulary
    known = {name for canonical in PERSON_FIELDS for name in vocabulary.names(canonical)}
    unknown: dict[str, Counter[str]] = defaultdict(Counter)
    words: Counter[str] = Counter()
    people = [note for note, kind, _ in notes if kind == "person"]
    for note in people:
        person = Person.from_note(note, [], vocabulary)
        words.update(role for role in person.roles if role not in ROLES and role not in config.cadence)
        for key in note.frontmatter:
            if field_key(key) in known:
                continue
            # a known name after a prefix: prm-last-contacted, crm_met (of the last few words only)
            parts = _PARTS.findall(key)[-6:]
            tails = {field_key("".join(parts[i:])) for i in range(1, len(parts))}
            canonical = next((c for c in PERSON_FIELDS if tails & set(vocabulary.names(c))), None)
            if canonical is not None:
                unknown[canonical][key] += 1
    enough = min(MIN_NOTES, max(1, len(people) // 2))
    for canonical, keys in unknown.items():
        names = [key for key, count in keys.most_common() if count >= enough]
        if names:
            found.findings.append(Finding(sum(keys[k] for k in names), f"with {', '.join(names)}",
                                          f"[fields] {canonical}"))
            found.set("fields", canonical, names)
    for word in sorted(words):
        found.findings.append(Finding(words[word], f"with relationship {word}",
                                      f"a relationship type of your own: [cadence] {word}"))
        found.set("cadence", word, DEFAULT_CADENCES["default"])


def detect(notes: Iterable[Note], config: Config) -> Detected:
    """What the vault's ``notes`` say about its conventions, given the ``config`` it has."""
    notes = list(notes)
    classified = [(note, *kind_of(note, config)) for note in notes]
    found = Detected()
    _recognised(classified, found)
    _unrecognised(classified, config, found)
    if found.settings:  # the fields of the people just found count too (only markers are found so far)
        config = dataclasses.replace(config, **{
            table: dataclasses.replace(getattr(config, table), **{k: tuple(cast("list[str]", v))
                                                                   for k, v in found.settings[table].items()})
            for table in ("people", "meetings") if table in found.settings})
        classified = [(note, *kind_of(note, config)) for note in notes]
    _fields(classified, config, found)
    return found
