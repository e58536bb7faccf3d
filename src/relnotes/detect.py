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

from .config import CORE_TABLES, Config
from .fields import PERSON_FIELDS, field_key, type_key
from .kinds import kind_of
from .model import ROLES, Note

__all__ = ["Detected", "Finding", "detect"]

# fields only a note about a person has (its own, or those a contacts app exports)
_PERSONAL = {field_key(n) for n in ("birthday", "birthdate", "email", "emails", "phone", "phones", "mobile",
                                    "linkedin", "twitter", "last_contact", "lastContacted", "met", "relationship")}
_MEETING = {field_key(n) for n in ("attendees", "participants")}
MIN_NOTES = 3  # a convention is one that at least this many notes follow
_PARTS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")  # the words of a name: prm-last-contacted, lastContacted
_DEFAULT_CADENCE = next(s.default for t in CORE_TABLES if t.name == "cadence" for s in t.settings if s.key == "default")


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


def _words(value: object) -> list[str]:
    items = value if isinstance(value, list) else [value]
    words = []
    for item in items:
        text = item[0] if isinstance(item, list) and len(item) == 1 else item
        if isinstance(text, str) and text.strip():
            words.append(text.strip().removeprefix("[[").removesuffix("]]").split("|")[0].rsplit("/", 1)[-1])
    return words


def _unrecognised(notes: list[tuple[Note, str, str]], config: Config, found: Detected) -> None:
    """Categories, tags and folders whose notes look like people (or meetings) — they have
    fields only such notes have — but are not recognised as such."""
    for fields, table, markers in ((_PERSONAL, "people", config.people), (_MEETING, "meetings", config.meetings)):
        hits: dict[tuple[str, str], list[Note]] = defaultdict(list)
        total: Counter[tuple[str, str]] = Counter()
        for note, kind, _ in notes:
            marks = [("categories", w) for w in _words(note.get("categories"))]
            marks += [("tags", tag.split("/", 1)[0]) for tag in note.tags]
            marks += [("folders", _top(note.path))] if _top(note.path) else []
            total.update(marks)
            if kind == "note" and {field_key(k) for k in note.frontmatter} & fields:
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
                                              f"{_common(found_notes, fields)}", f"{table}: [{table}] {setting}"))
            if new:
                found.set(table, setting, [*getattr(markers, setting), *new])


def _common(notes: list[Note], fields: set[str]) -> str:
    counts = Counter(k for n in notes for k in n.frontmatter if field_key(k) in fields)
    return ", ".join(k for k, _ in counts.most_common(2))


def _fields(notes: list[tuple[Note, str, str]], config: Config, found: Detected) -> None:
    """Person fields under names relnotes does not know (``prm-last-contacted``), and the
    relationship words people use that are no type yet."""
    known = {name for canonical in PERSON_FIELDS for name in config.vocabulary.names(canonical)}
    unknown: dict[str, Counter[str]] = defaultdict(Counter)
    words: Counter[str] = Counter()
    for note, kind, _ in notes:
        if kind != "person":
            continue
        for key, value in note.frontmatter.items():
            name = field_key(key)
            if name in known:
                if name in config.vocabulary.names("role") and name not in ("role", "roles"):
                    for written in _words(value):
                        word = " ".join(written.split()).lower()
                        if config.vocabulary.relationship(word) is None:
                            words[word] += 1
                continue
            # a known name after a prefix (prm-last-contacted, crm_met) or, when long, before a suffix
            tails = {field_key("".join(parts[i:])) for parts in [_PARTS.findall(key)] for i in range(1, len(parts))}
            for canonical in PERSON_FIELDS:
                if any(n in tails or (len(n) >= 5 and name.startswith(n)) for n in config.vocabulary.names(canonical)):
                    unknown[canonical][key] += 1
                    break
    for canonical, keys in unknown.items():
        names = [key for key, count in keys.most_common() if count >= 1]
        found.findings.append(Finding(sum(keys.values()), f"with {', '.join(names)}", f"[fields] {canonical}"))
        found.set("fields", canonical, names)
    custom = sorted(w for w in words if type_key(w) not in map(type_key, ROLES))
    for word in custom:
        found.findings.append(Finding(words[word], f"with relationship {word}",
                                      f"a relationship type of your own: [cadence] {word}"))
        found.set("cadence", word, _DEFAULT_CADENCE)


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
