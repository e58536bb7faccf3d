"""Changing a few frontmatter fields of a user's note and not one byte more (pure: bytes in, bytes out).

:func:`edit_frontmatter` finds each field with PyYAML's own parser, which says where every
value starts and ends, and replaces only those characters; new fields and list items are
added in the block's own line endings and indentation. The result is read back, and an edit
that would change anything but the fields asked for is refused, so a note is never damaged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import yaml

from .notes import _Loader

__all__ = ["EditRefused", "edit_frontmatter"]

_OPEN = re.compile(r"\A(\ufeff?)---[ \t]*(\r?\n)")
_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)


class EditRefused(ValueError):
    """The note cannot be edited safely; it says why (the note was left as it was)."""


def _scalar(value: object) -> str:
    """``value`` as one line of YAML (quoted when it has to be)."""
    text = yaml.safe_dump({"k": value}, allow_unicode=True, width=1 << 30, default_flow_style=False)
    if not text.startswith("k: ") or text.count("\n") != 1:
        raise EditRefused(f"{value!r} does not fit on one line")
    return text[3:-1]


def edit_frontmatter(data: bytes, values: Mapping[str, object],
                     prepend: Mapping[str, Mapping[str, object]] | None = None) -> bytes:
    """``data`` (a note's bytes) with each top-level field of ``values`` set to its value, and
    each mapping of ``prepend`` put first in the list under its key.

    A field that is there keeps its place, its comment and everything around it: only the
    value's characters change. A field or list that is missing is added at the end of the
    frontmatter. Every other byte stays as it was.

    :raises EditRefused: when the note is not UTF-8, has no frontmatter block, a field is not
        a one-line value (or a list, for ``prepend``) or is given twice, or the result would
        read back as anything but the old fields with these changes.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise EditRefused(f"not valid UTF-8 (byte {exc.start})") from None
    opened = _OPEN.match(text)
    closed = _CLOSE.search(text, opened.end()) if opened else None
    if opened is None or closed is None:
        raise EditRefused("no frontmatter block (--- … ---) at the top of the note")
    newline = opened.group(2)
    start, end = opened.end(), closed.start()
    block = text[start:end]
    old = _load(block)
    node = yaml.compose(block, Loader=_Loader) if block.strip() else None
    if node is not None and not (isinstance(node, yaml.MappingNode) and not node.flow_style):
        raise EditRefused("the frontmatter is not a block of 'key: value' fields")
    pairs: dict[str, yaml.Node] = {}
    for key, value in node.value if node is not None else ():
        if isinstance(key, yaml.ScalarNode):
            if key.value in pairs:
                raise EditRefused(f"{key.value} is given twice")
            pairs[key.value] = value
    edits: list[tuple[int, int, str]] = []  # (start, end, new text) within the block
    added: list[str] = []
    for key, value in values.items():
        node_ = pairs.get(key)
        if node_ is None:
            added.append(f"{key}: {_scalar(value)}{newline}")
            continue
        if not isinstance(node_, yaml.ScalarNode) or node_.style not in (None, "", "'", '"') \
                or node_.start_mark.line != node_.end_mark.line:
            raise EditRefused(f"{key} is not a one-line value")
        edits.append(_replace(block, node_, _scalar(value)))
    for key, item in (prepend or {}).items():
        lines = [f"{k}: {_scalar(v)}" for k, v in item.items()]
        node_ = pairs.get(key)
        if node_ is None:  # a new list, its item indented by two as Obsidian writes lists
            added.append(f"{key}:{newline}  {_item(lines, newline, '  ')}{newline}")
        elif isinstance(node_, yaml.SequenceNode) and not node_.flow_style and node_.value:
            pad = " " * node_.start_mark.column  # the list's own indentation
            first = node_.start_mark.index
            edits.append((first, first, f"{_item(lines, newline, pad)}{newline}{pad}"))
        elif (isinstance(node_, yaml.SequenceNode) and not node_.value) or \
                (isinstance(node_, yaml.ScalarNode) and node_.value == "" and not node_.style):
            edits.append((node_.start_mark.index, node_.end_mark.index, f"{newline}  {_item(lines, newline, '  ')}"))
        else:
            raise EditRefused(f"{key} is not a list")
    for begin, stop, new in sorted(edits, reverse=True):
        block = block[:begin] + new + block[stop:]
    if added:
        block += ("" if not block or block.endswith("\n") else newline) + "".join(added)
    result = text[:start] + block + text[end:]
    wanted = {**old, **values}
    for key, item in (prepend or {}).items():
        wanted[key] = [dict(item), *(old.get(key) or [])]
    if _load(block) != wanted:
        raise EditRefused("the edited frontmatter would not read back as intended")
    return result.encode("utf-8")


def _item(lines: list[str], newline: str, pad: str) -> str:
    """A block list's item of ``lines`` (``key: value``), for a list indented by ``pad``: the
    ``- `` of its first line, then the others under it."""
    return "- " + f"{newline}{pad}  ".join(lines)


def _replace(block: str, node: yaml.ScalarNode, new: str) -> tuple[int, int, str]:
    """The edit that puts ``new`` where ``node``'s value is (after ``key:`` when it is empty)."""
    begin, stop = node.start_mark.index, node.end_mark.index
    if begin == stop and block[begin - 1:begin] == ":":
        new = " " + new
    return begin, stop, new


def _load(block: str) -> dict:
    try:
        loaded = yaml.load(block, Loader=_Loader) if block.strip() else {}
    except yaml.YAMLError as exc:
        raise EditRefused(f"the frontmatter is not valid YAML ({' '.join(str(exc).split())})") from None
    if not isinstance(loaded, dict):
        raise EditRefused("the frontmatter is not a block of 'key: value' fields")
    return loaded
