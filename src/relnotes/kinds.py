"""What a note is — a person, a meeting, or an ordinary note — by every common marker, and why.

In order: a ``type`` or ``categories`` value that names people or meetings (text or a
link, ``"[[People]]"``; a ``type`` that is a relationship type, ``type: mentor``, is a
person too); a tag (frontmatter or ``#tag`` in the text; a nested tag by its first or
last part, though ``meetings/type`` marks a type of meeting, no meeting); another plain
``type`` (``type: project``) makes an ordinary note even in a people folder; then the
folders. The names come from ``[people]`` and ``[meetings]``.
The built-in classify plugin answers with :func:`kind_of`; ``relnotes init`` shows its reasons.
Pure: nothing here touches the disk.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .config import Config, Markers
from .fields import type_key
from .links import link_targets, prose
from .model import Note

__all__ = ["kind_of", "kind_words"]

# an inline tag: "#" (after a space or at the start of a line), then tag characters, not all digits;
# the "#" comes first, so the search skips ahead to each one
_INLINE_TAG = re.compile(r"#([\w/-]*[^\W\d][\w/-]*)")
KINDS = ("person", "meeting")


@dataclass(frozen=True)
class _Words:
    """The words (in ``type_key`` form) that mark one kind, per marker."""

    type: frozenset[str]  # relnotes' own word (person, meeting), and the kind's tags and categories
    categories: frozenset[str]
    tags: frozenset[str]


@functools.lru_cache(maxsize=16)
def _words_of(people: Markers, meetings: Markers) -> dict[str, _Words]:
    found = {}
    for kind, markers in zip(KINDS, (people, meetings), strict=True):
        categories, tags = frozenset(map(type_key, markers.categories)), frozenset(map(type_key, markers.tags))
        found[kind] = _Words(frozenset({kind}) | categories | tags, categories, tags)
    return found


_last: list[tuple[Config, dict[str, _Words]]] = []  # the last config's words: asked for once per note


def _names(config: Config) -> dict[str, _Words]:
    last = _last[0] if _last else None
    if last is None or last[0] is not config:
        last = (config, _words_of(config.people, config.meetings))
        _last[:] = [last]
    return last[1]


def kind_words(value: object) -> Iterator[tuple[str, bool]]:
    """The words of a ``type``/``categories`` value, each with whether it was a link."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, list):  # YAML's reading of an unquoted [[People]]
            yield from ((str(i), True) for i in item if isinstance(i, (str, int)))
        elif isinstance(item, str):
            links = link_targets(item) if "[[" in item else None
            if links:
                yield from ((link.strip().rsplit("/", 1)[-1], True) for link in links)
            elif item.strip():
                yield item.strip(), False


def _inline_tags(body: str) -> list[str]:
    """The ``#tags`` written in ``body`` (after a space or at the start of a line), lower-cased."""
    return [match.group(1).lower() for match in _INLINE_TAG.finditer(body)
            if match.start() == 0 or body[match.start() - 1] in " \t\n(,;"]


def _body_tags(body: str) -> tuple[list[str], list[str]]:
    """The ``#tags`` of ``body``, and those outside code, query blocks and comments."""
    inline = _inline_tags(body) if "#" in body else []
    return inline, _inline_tags(prose(body)) if inline else []


# below a kind's word, these make a tag name the kinds of a thing, not the thing: kepano's meeting-type
# notes (a "1-on-1" note, which his meetings link to from `type`) are tagged ``meetings/type``
_GROUPINGS = frozenset(map(type_key, ("type", "types", "template", "templates", "category", "categories")))


def _tagged(tags: list[str], names: frozenset[str]) -> str | None:
    for tag in tags:
        parts = [type_key(part) for part in tag.strip("/").split("/")]
        if parts[-1] in names or (parts[0] in names and _GROUPINGS.isdisjoint(parts[1:])):
            return tag
    return None


def kind_of(note: Note, config: Config) -> tuple[str, str]:
    """``"person"``, ``"meeting"`` or ``"note"``, with the marker that decided it, as a user
    would write it (``"categories [[People]]"``, ``"tag #people/friends"``, ``"folder People/"``;
    ``""`` for an ordinary note without one)."""
    names = _names(config)
    declared = note.frontmatter.get("type")
    if isinstance(declared, str) and "[[" not in declared:  # the common case, quickly: `type: person`
        key = type_key(declared.strip())
        for kind, words in names.items():
            if key in words.type:
                return kind, f"type: {declared.strip()}"
    vocabulary = config.vocabulary
    plain_type = ""
    find = vocabulary.reader(note).find
    for canonical in ("type", "categories"):
        found = find(canonical)
        if found is None:
            continue
        for word, linked in kind_words(found.value):
            shown = f"{found.key} [[{word}]]" if linked else f"{found.key}: {word}"
            key = type_key(word)
            for kind, words in names.items():
                if key in (words.type if canonical == "type" else words.categories):
                    return kind, shown
            if canonical == "type" and vocabulary.relationship(word):
                return "person", shown
            if canonical == "type" and not linked and not plain_type:
                plain_type = shown
    tags = sorted(note.tags)
    inline, in_prose = note.derived("inline-tags", lambda: _body_tags(note.body))
    for kind, words in names.items():
        tag = _tagged(tags, words.tags)
        if tag is None and _tagged(inline, words.tags):  # one in code, a query block or a comment marks nothing
            tag = _tagged(in_prose, words.tags)
        if tag:
            return kind, f"tag #{tag}"
    if plain_type:
        return "note", plain_type  # an explicit type of another kind wins over folders
    for kind, markers in (("person", config.people), ("meeting", config.meetings)):
        folder = markers.folder_of(note.path)
        if folder is not None:
            return kind, f"folder {folder}/"
    return "note", ""
