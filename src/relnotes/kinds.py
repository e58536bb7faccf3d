"""What a note is — a person, a meeting, or an ordinary note — by every common marker, and why.

In order: a ``type`` or ``categories`` value that names people or meetings (text or a
link, ``"[[People]]"``; a ``type`` that is a relationship type, ``type: mentor``, is a
person too); a tag (frontmatter or ``#tag`` in the text; a nested tag by its first or
last part); another plain ``type`` (``type: project``) makes an ordinary note even in a
people folder; then the folders. The names come from ``[people]`` and ``[meetings]``.
The built-in classify plugin answers with :func:`kind_of`; ``relnotes init`` shows its reasons.
Pure: nothing here touches the disk.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

from .config import Config, Markers
from .fields import type_key
from .links import prose
from .model import Note

__all__ = ["kind_of"]

_BUILT_IN = {"person": ("person", "people", "contact", "contacts"), "meeting": ("meeting", "meetings")}
_LINK = re.compile(r"\[\[([^\[\]|#]*)[^\[\]]*\]\]")
# an inline tag: "#" (after a space or at the start of a line), then tag characters, not all digits;
# the "#" comes first, so the search skips ahead to each one
_INLINE_TAG = re.compile(r"#([\w/-]*[^\W\d][\w/-]*)")

@functools.lru_cache(maxsize=16)
def _names_of(people: Markers, meetings: Markers) -> dict[str, frozenset[str]]:
    """The words (in ``type_key`` form) that mark each kind."""
    return {kind: frozenset(map(type_key, (*_BUILT_IN[kind], *markers.categories, *markers.tags)))
            for kind, markers in (("person", people), ("meeting", meetings))}


_last: list[tuple[Config, dict[str, frozenset[str]]]] = []  # the last config's words: asked for once per note


def _names(config: Config) -> dict[str, frozenset[str]]:
    if not _last or _last[0][0] is not config:
        _last[:] = [(config, _names_of(config.people, config.meetings))]
    return _last[0][1]


def _words(value: object) -> Iterator[tuple[str, bool]]:
    """The words of a ``type``/``categories`` value, each with whether it was a link."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, list):  # YAML's reading of an unquoted [[People]]
            yield from ((str(i), True) for i in item if isinstance(i, (str, int)))
        elif isinstance(item, str):
            links = _LINK.findall(item) if "[[" in item else None
            if links:
                yield from ((link.strip().rsplit("/", 1)[-1], True) for link in links)
            elif item.strip():
                yield item.strip(), False


def _tags(note: Note) -> Iterator[str]:
    yield from note.tags
    body = note.body
    if "#" in body:
        body = prose(body)  # a tag in code, a query block or a comment marks nothing
        for match in _INLINE_TAG.finditer(body):
            start = match.start()
            if start == 0 or body[start - 1] in " \t\n(,;":
                yield match.group(1).lower()


def _tagged(tags: list[str], names: frozenset[str]) -> str | None:
    for tag in tags:
        parts = tag.strip("/").split("/")
        if type_key(parts[0]) in names or type_key(parts[-1]) in names:
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
            if key in words:
                return kind, f"type: {declared.strip()}"
    vocabulary = config.vocabulary
    plain_type = ""
    find = vocabulary.reader(note).find
    for canonical in ("type", "categories"):
        found = find(canonical)
        if found is None:
            continue
        for word, linked in _words(found.value):
            shown = f"{found.key} [[{word}]]" if linked else f"{found.key}: {word}"
            key = type_key(word)
            for kind, words in names.items():
                if key in words:
                    return kind, shown
            if canonical == "type" and vocabulary.relationship(word):
                return "person", shown
            if canonical == "type" and not linked and not plain_type:
                plain_type = shown
    tags = list(_tags(note))
    if tags:
        for kind, words in names.items():
            tag = _tagged(tags, words)
            if tag:
                return kind, f"tag #{tag}"
    if plain_type:
        return "note", plain_type  # an explicit type of another kind wins over folders
    for kind, markers in (("person", config.people), ("meeting", config.meetings)):
        folder = markers.folder_of(note.path)
        if folder is not None:
            return kind, f"folder {folder}/"
    return "note", ""
