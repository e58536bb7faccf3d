"""The fields relnotes reads, under the names people actually give them.

A vault kept with someone else's template says ``lastContacted``, ``last-contact``,
``Last contact::`` or ``prm-last-contacted`` where relnotes says ``last_contact``, and
``relationship: coworker`` where it says ``role: peer``. A :class:`Vocabulary` finds each
field under its built-in names (:data:`FIELDS`), the names the config adds (``[fields]``),
and Dataview's inline fields; and it maps the words people use for a relationship onto
the relationship types (:data:`TYPE_WORDS`, and every key of ``[cadence]``).

Names are compared as Dataview compares them, only more forgiving: case, spaces,
``-``, ``_`` and formatting are ignored (:func:`field_key`), so ``Last Contact``,
``last_contact`` and ``lastContact`` are one name. Pure: nothing here touches the disk.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol, TypeVar

from .links import link_targets, prose

T = TypeVar("T")


class NoteLike(Protocol):
    """What the field reader needs of a note (:class:`relnotes.model.Note` has it)."""

    frontmatter: dict
    key_lines: dict[str, int]
    body: str
    body_line: int

    def derived(self, key: str | tuple, compute: Callable[[], T]) -> T: ...

__all__ = [
    "BRACKET_FIELD",
    "FIELDS",
    "INCIDENT_FIELDS",
    "MEETING_FIELDS",
    "PERSON_FIELDS",
    "TYPE_WORDS",
    "Fields",
    "Found",
    "Vocabulary",
    "field_key",
    "inline_fields",
    "single",
    "type_key",
]

# canonical name -> the other names it goes by in published templates, CRMs and plugins
PERSON_FIELDS: dict[str, tuple[str, ...]] = {
    "aliases": ("alias",),
    "role": ("roles", "relationship", "relationships", "relation", "relationship_type"),
    "company": ("org", "organization", "organisation", "employer", "workplace", "works_at"),
    "position": ("job_title", "job", "occupation"),
    "cadence": ("frequency", "contact_frequency", "contact_cadence", "keep_in_touch", "reach_out_every"),
    "last_contact": ("last_contacted", "last_met", "last_met_on", "last_seen", "last_spoke", "last_talked",
                     "last_interaction", "last_touch", "last_touchpoint", "last_contact_date", "last_chat"),
    "met": ("first_met", "met_on", "first_contact", "date_met"),
    "birthday": ("birthdate", "birth_date", "date_of_birth", "dob", "bday"),
    "started": ("started_on", "joined", "joined_on", "employed_since"),
    "milestones": (),
    "notice": ("notice_days", "remind_before"),
    "status": (),
    "snooze_until": ("snooze", "snoozed_until", "snooze_till"),
    "email": ("emails", "e_mail", "mail", "email_address"),
    "phone": ("phones", "mobile", "tel", "telephone", "phone_number"),
    "linkedin": ("linkedin_url", "linkedin_profile", "linked_in"),
}
MEETING_FIELDS: dict[str, tuple[str, ...]] = {
    "date": ("meeting_date",),
    "attendees": ("people", "with", "participants", "attendee"),
    "follow_up": ("followup_on", "follow_up_on", "follow_up_date", "next_follow_up"),
    "follow_up_done": ("followed_up", "follow_up_complete"),
}
NOTE_FIELDS: dict[str, tuple[str, ...]] = {"type": (), "categories": ("category",)}
# an incident is about the people of `attendees` (`people` …) and of `about`; `date` is the meeting's field
INCIDENT_FIELDS: dict[str, tuple[str, ...]] = {
    "about": ("person", "subject", "subjects", "concerning"),
    "witnesses": ("witness", "witnessed_by", "observers", "observer", "seen_by", "bystanders"),
}
FIELDS = {**PERSON_FIELDS, **MEETING_FIELDS, **NOTE_FIELDS, **INCIDENT_FIELDS}

# word people use for a relationship -> one of the built-in relationship types (model.ROLES)
TYPE_WORDS: dict[str, str] = {
    **dict.fromkeys(("manager", "boss", "supervisor", "line manager", "skip level", "skip-level manager",
                     "reporting manager"), "manager"),
    **dict.fromkeys(("mentor", "advisor", "adviser", "coach"), "mentor"),
    **dict.fromkeys(("sponsor", "champion", "advocate"), "sponsor"),
    **dict.fromkeys(("peer", "colleague", "coworker", "co-worker", "teammate", "team member", "workmate"), "peer"),
    **dict.fromkeys(("client", "customer"), "client"),
    **dict.fromkeys(("contact", "network", "network contact", "networking", "acquaintance", "connection"),
                    "contact"),
}

_NOT_NAME = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=1 << 14)  # a vault uses few field names, over and over
def field_key(name: str) -> str:
    """The form field names are compared in: case-folded, only letters and digits
    (``Last contact``, ``last_contact``, ``lastContact`` and ``**Last-Contact**`` are one)."""
    return _NOT_NAME.sub("", name.casefold())


def type_key(word: str) -> str:
    """The form relationship words are compared in; a plural counts as its singular."""
    key = field_key(word)
    return key[:-1] if key.endswith("s") and len(key) > 3 else key


def single(value: object) -> object:
    """One value where one belongs: a list of one is its item (Obsidian's list properties,
    ``status: [paused]``; YAML makes ``[[2026-02-20]]`` a list in a list), a link alone
    (``"[[2026-02-20]]"``, ``"[[Daily/2026-02-20|Friday]]"``) the last part of its target."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, str) and value.startswith(("[[", "![[")) and value.rstrip().endswith("]]"):
        targets = link_targets(value)
        if len(targets) == 1:
            return targets[0].rsplit("/", 1)[-1]
    return value


class Found(NamedTuple):
    """A field as found in a note: its value, the name it was written with, and its line."""

    value: object
    key: str
    line: int | None
    inline: bool = False  # a Dataview inline field, not frontmatter


# Dataview inline fields: "Key:: value" on a line of its own (a list item too), and
# "[key:: value]" or "(key:: value)" anywhere in a line.
_LINE_FIELD = re.compile(r"^[ \t]*(?:>[ \t]*)*(?:[-*+][ \t]+)?(?:\*\*|__)?([^\s:\[\]()*`][^:\[\]()`\n]*?)"
                         r"(?:\*\*|__)?::[ \t]*(.*)$", re.M)
# (a value may hold links, "[attendees:: [[Ann]], [[Bob]]]"; possessive, so that no text makes it slow)
_VALUE = r"((?:\[\[[^\[\]\n]*+\]\]|[^\[\]()\n])*+)"
BRACKET_FIELD = re.compile(rf"\[([^\[\]()\n:]++)::[ \t]*+{_VALUE}\]|\(([^\[\]()\n:]++)::[ \t]*+{_VALUE}\)")


def inline_fields(body: str, first_line: int = 1) -> dict[str, Found]:
    """Dataview's inline fields of a note's text, by :func:`field_key`; the first of a name
    wins; code, query blocks and comments are skipped."""
    found: dict[str, Found] = {}
    if "::" not in body:
        return found
    text = prose(body)
    matches = sorted([*_LINE_FIELD.finditer(text), *BRACKET_FIELD.finditer(text)], key=lambda m: m.start())
    for match in matches:
        name, value = (match.group(1), match.group(2)) if match.group(1) is not None else (
            match.group(3), match.group(4))
        key = field_key(name)
        if key and key not in found:
            line = first_line + text.count("\n", 0, match.start())
            found[key] = Found(value.strip(), name.strip(), line, True)
    return found


@dataclass(frozen=True)
class Vocabulary:
    """Where to find each field, and what each relationship word means.

    ``extra`` adds names per canonical field (``[fields]`` of the config); ``types`` are
    the relationship types beyond the built-in ones (the keys of ``[cadence]``).
    """

    extra: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    types: tuple[str, ...] = ()
    _names: dict[str, tuple[str, ...]] = field(init=False, repr=False, compare=False)
    _words: dict[str, str] = field(init=False, repr=False, compare=False)
    _by_keys: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = {}
        for canonical, others in FIELDS.items():
            keys = [field_key(n) for n in (canonical, *others, *self.extra.get(canonical, ()))]
            names[canonical] = tuple(dict.fromkeys(keys))
        object.__setattr__(self, "_names", names)
        words = {type_key(word): kind for word, kind in TYPE_WORDS.items()}
        words.update({type_key(kind): kind for kind in self.types})
        object.__setattr__(self, "_words", words)
        object.__setattr__(self, "_by_keys", {})

    def __hash__(self) -> int:
        return hash((tuple(sorted(self.extra.items())), self.types))

    def names(self, canonical: str) -> tuple[str, ...]:
        """The names (in :func:`field_key` form) that ``canonical`` is looked for under, in order."""
        return self._names[canonical]

    def _written(self, note: NoteLike) -> dict[str, tuple[str, ...]]:
        """For each field, the frontmatter keys of ``note`` that name it, in the order of its names.
        Worked out once per set of keys: a vault's notes share a few (their templates')."""
        keys = tuple(note.frontmatter)
        found = self._by_keys.get(keys)
        if found is None:
            normal: dict[str, str] = {}
            for key in reversed(keys):  # the first of clashing spellings wins
                normal[field_key(key)] = key
            found = {canonical: written for canonical, names in self._names.items()
                     if (written := tuple(normal[n] for n in names if n in normal))}
            if len(self._by_keys) >= 4096:
                self._by_keys.clear()
            self._by_keys[keys] = found
        return found

    def find(self, note: NoteLike, canonical: str) -> Found | None:
        """The field ``canonical`` of ``note``: the first of its names in the frontmatter, else
        as a Dataview inline field; a value that is None or empty counts as absent."""
        return self.reader(note).find(canonical)

    def values(self, note: NoteLike, canonical: str) -> list[Found]:
        """Every name of ``canonical`` that ``note`` gives a value (``attendees`` and ``people``):
        in the frontmatter, then inline fields of the names it lacks."""
        return self.reader(note).values(canonical)

    def reader(self, note: NoteLike) -> Fields:
        """:meth:`find` and :meth:`values` for one note, quicker for reading many of its fields."""
        return Fields(note, self._written(note), self._names)

    def relationship(self, word: str) -> str | None:
        """The relationship type ``word`` means (``"Co-workers"`` → ``"peer"``), or None."""
        return self._words.get(type_key(word))


class Fields:
    """The fields of one note, as a :class:`Vocabulary` finds them (see :meth:`Vocabulary.reader`)."""

    __slots__ = ("_frontmatter", "_inline", "_lines", "_names", "_written")

    def __init__(self, note: NoteLike, written: dict[str, tuple[str, ...]], names: dict[str, tuple[str, ...]]) -> None:
        self._written, self._names = written, names
        self._frontmatter, self._lines = note.frontmatter, note.key_lines
        self._inline = _inline(note)  # looked for once per note: searching a long text is not free

    def find(self, canonical: str) -> Found | None:
        """See :meth:`Vocabulary.find` (a name that is no field relnotes reads is a KeyError)."""
        names = self._names[canonical]
        for key in self._written.get(canonical, ()):
            value = self._frontmatter[key]
            if value is not None and value != "" and value != []:  # noqa: PLR1714 - any type of value
                return Found(value, key, self._lines.get(key))
        if self._inline:
            for name in names:
                found = self._inline.get(name)
                if found is not None and found.value != "":
                    return found
        return None

    def values(self, canonical: str) -> list[Found]:
        """See :meth:`Vocabulary.values`."""
        written = self._written.get(canonical, ())
        found = [Found(self._frontmatter[k], k, self._lines.get(k)) for k in written
                 if self._frontmatter[k] is not None]
        if self._inline:
            given = {field_key(k) for k in written}
            found += [self._inline[name] for name in self._names[canonical]
                      if name in self._inline and name not in given]
        return found


def _inline(note: NoteLike) -> dict[str, Found]:
    return note.derived("inline-fields", lambda: inline_fields(note.body, note.body_line))
