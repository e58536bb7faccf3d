"""A fast path for the frontmatter most notes have: flat ``key: value`` lines and lists.

Parsing YAML costs more than everything else relnotes does with a note, yet almost
every frontmatter block is a handful of ``key: value`` lines, flow lists
(``tags: [a, b]``) and block lists (``- "[[Jane Doe]]"``). :func:`load` reads exactly
those, giving the same values PyYAML gives: scalars are typed with PyYAML's own
resolver and constructors, so ``2024-05-01`` is a date and ``yes`` is ``True`` just as
with the YAML loader. Anything else — nesting, multi-line or escaped strings,
anchors, comments after values, tabs, odd keys — makes it return ``None`` and
the caller uses the YAML loader, which also produces the error messages for
broken frontmatter. ``tests/test_simpleyaml.py`` checks the two agree.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

if TYPE_CHECKING:
    from yaml.constructor import BaseConstructor

__all__ = ["load"]

_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*?))? *$")
_ITEM = re.compile(r"( *)- +(.*?) *$")
# What YAML's reader refuses, and where a plain scalar's meaning gets subtle: fall back.
_UNUSUAL = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
_FLOW_PLAIN_BAD = frozenset(",[]{}#'\":?")
_RESOLVERS = Resolver.yaml_implicit_resolvers
_TYPED = frozenset(f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float", "timestamp"))


def _scalar(text: str, construct: Callable[[str, str], object], flow: bool = False) -> tuple[bool, object]:
    """One scalar as YAML reads it: ``(True, value)``, or ``(False, None)`` when unsure."""
    first = text[:1]
    if first in ('"', "'"):
        quote = first
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != quote or quote in inner or "\\" in inner:
            return False, None
        return True, inner
    if (not text or first in _PLAIN_START or ": " in text or text.endswith(":") or " #" in text
            or (flow and not _FLOW_PLAIN_BAD.isdisjoint(text))):
        return False, None
    for tag, regexp in _RESOLVERS.get(first, ()):
        if regexp.match(text):
            if tag not in _TYPED:
                return False, None
            try:
                return True, construct(tag, text)
            except Exception:  # e.g. "0x_" or a 5,000-digit number: the YAML loader reports it
                return False, None
    return True, text


def _flow_list(text: str, construct: Callable[[str, str], object]) -> tuple[bool, object]:
    """``[a, "b", 3]`` with plain or simply quoted items and no nesting."""
    inner = text[1:-1].strip(" ")
    if not inner:
        return True, []
    items = []
    for part in _split_flow(inner):
        ok, value = _scalar(part, construct, flow=True)
        if not ok:
            return False, None
        items.append(value)
    return True, items


def _split_flow(inner: str) -> list[str]:
    """The items of a flow list's inside, split at the commas outside quotes."""
    parts, start, quote = [], 0, None
    for index, char in enumerate(inner):
        if quote:
            if char == quote:
                quote = None
        elif char in "\"'":
            quote = char
        elif char == ",":
            parts.append(inner[start:index].strip(" "))
            start = index + 1
    parts.append(inner[start:].strip(" "))
    return parts


def load(text: str, construct: Callable[[str, str], object]) -> tuple[dict, list[tuple[str, int]]] | None:
    """The mapping a simple frontmatter block ``text`` holds, and the keys given twice (with their
    0-based line), or ``None`` when ``text`` is not simple enough to be sure.

    :param construct: makes the value of a typed scalar from its tag and text, as the YAML
        loader in use does (e.g. with a lenient ``timestamp``).
    """
    if _UNUSUAL.search(text):
        return None
    mapping: dict = {}
    duplicates: list[tuple[str, int]] = []
    lines = text.split("\n")
    index, count = 0, len(lines)
    while index < count:
        line = lines[index]
        if not line.strip(" ") or line.lstrip(" ").startswith("#"):  # YAML spaces are spaces only
            index += 1
            continue
        match = _KEY.match(line)
        if match is None:
            return None
        key, raw = match.groups()
        if len(key) > 1024 or _scalar(key, construct) != (True, key):
            return None  # too long for a YAML key, or one YAML reads as a yes/no, a number or a date
        if key in mapping:
            duplicates.append((key, index))
        index += 1
        if raw:
            ok, value = _flow_list(raw, construct) if raw[0] == "[" and raw[-1] == "]" else _scalar(raw, construct)
            if not ok:
                return None
        else:  # a block list follows, or nothing (null)
            items: list[object] = []
            indent: str | None = None
            while index < count:
                item = lines[index]
                if not item.strip(" "):
                    index += 1
                    continue
                match = _ITEM.fullmatch(item)
                if match is None:
                    if item[0] == " " or item[0] == "-":
                        return None  # an item of another shape, or something nested
                    break
                if indent is None:
                    indent = match.group(1)
                elif match.group(1) != indent:
                    return None
                ok, element = _scalar(match.group(2), construct)
                if not ok:
                    return None
                items.append(element)
                index += 1
            value = items if indent is not None else None  # no items: YAML reads null
        mapping[key] = value
    return (mapping, duplicates) if mapping else None  # YAML reads a block of comments as null


def constructor(loader_class: type[BaseConstructor]) -> Callable[[str, str], object]:
    """A ``construct`` for :func:`load` that uses ``loader_class``'s scalar constructors."""
    loader = loader_class("")
    constructors = loader_class.yaml_constructors

    def construct(tag: str, text: str) -> object:
        return constructors[tag](loader, ScalarNode(tag, text))

    return construct

