"""Built-in: what a note is — a person, a meeting, or an ordinary note — by every common marker.

In order: a ``type`` or ``categories`` value that names people or meetings (text or a
link, ``"[[People]]"``; a ``type`` that is a relationship type, ``type: mentor``, is a
person too); a tag (frontmatter or ``#tag`` in the text; a nested tag by its first or
last part); another plain ``type`` (``type: project``) makes an ordinary note even in a
people folder; then the folders. The names come from ``[people]`` and ``[meetings]``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from relnotes import Config, Markers, Note, hookimpl, type_key

_BUILT_IN = {"person": ("person", "people", "contact", "contacts"), "meeting": ("meeting", "meetings")}
_LINK = re.compile(r"\[\[([^\[\]|#]*)[^\[\]]*\]\]")
# an inline tag: "#" after a space or the start of a line, then tag characters, not all digits
_INLINE_TAG = re.compile(r"(?:^|(?<=[\s(,;]))#([\w/-]*[^\W\d][\w/-]*)", re.M)

_names_of: tuple[Config | None, dict[str, frozenset[str]]] = (None, {})


def _names(config: Config) -> dict[str, frozenset[str]]:
    """The words (in ``type_key`` form) that mark each kind, for ``config`` (kept for the last one)."""
    global _names_of
    if _names_of[0] is not config:
        markers: dict[str, Markers] = {"person": config.people, "meeting": config.meetings}
        _names_of = (config, {kind: frozenset(map(type_key, (*_BUILT_IN[kind], *m.categories, *m.tags)))
                              for kind, m in markers.items()})
    return _names_of[1]


def _words(value: object) -> Iterator[tuple[str, bool]]:
    """The words of a ``type``/``categories`` value, each with whether it was a link."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, list):  # YAML's reading of an unquoted [[People]]
            yield from ((str(i), True) for i in item if isinstance(i, (str, int)))
        elif isinstance(item, str):
            links = _LINK.findall(item)
            if links:
                yield from ((link.strip().rsplit("/", 1)[-1], True) for link in links)
            elif item.strip():
                yield item.strip(), False


def _tags(note: Note) -> Iterator[str]:
    yield from note.tags
    if "#" in note.body:
        yield from (tag.lower() for tag in _INLINE_TAG.findall(note.body))


def _tagged(tags: Iterator[str], names: frozenset[str]) -> bool:
    for tag in tags:
        parts = tag.strip("/").split("/")
        if type_key(parts[0]) in names or type_key(parts[-1]) in names:
            return True
    return False


@hookimpl(trylast=True)
def relnotes_classify_note(note: Note, config: Config) -> str:
    names = _names(config)
    vocabulary = config.vocabulary
    declared = vocabulary.find(note, "type")
    plain_type = False
    for canonical in ("type", "categories"):
        found = declared if canonical == "type" else vocabulary.find(note, "categories")
        if found is None:
            continue
        for word, linked in _words(found.value):
            key = type_key(word)
            for kind, words in names.items():
                if key in words:
                    return kind
            if canonical == "type" and vocabulary.relationship(word):
                return "person"
            plain_type = plain_type or (canonical == "type" and not linked)
    if note.tags or "#" in note.body:
        for kind, words in names.items():
            if _tagged(_tags(note), words):
                return kind
    if plain_type:
        return "note"  # an explicit type of another kind wins over folders
    if config.people.in_folder(note.path):
        return "person"
    if config.meetings.in_folder(note.path):
        return "meeting"
    return "note"
