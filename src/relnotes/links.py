"""Wikilinks: finding them in text and frontmatter, and resolving them to notes as Obsidian does."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import NamedTuple
from urllib.parse import quote, unquote

from .text import one_line

__all__ = ["WIKILINK", "Link", "find_links", "frontmatter_links", "link_target", "link_targets", "name_key",
           "note_link", "people_in", "prose", "wikilink_safe"]

# [[target]], [[target|shown]], [[target#Heading]], ![[embed]]; no brackets or newlines inside.
WIKILINK = re.compile(r"!?\[\[([^\[\]\n]+?)\]\]")


class Link(NamedTuple):
    """One wikilink: what it points at, and where it was found. (A named tuple: a big vault
    has many, and they are built and cached fast.)"""

    target: str  # the note part only: no heading, block reference or shown text
    line: int | None  # 1-based line in the file, when known
    key: str | None = None  # the frontmatter key holding it, None for the body


def link_target(inner: str) -> str:
    """The note a link's inner text points at: ``folder/Name#Heading|shown`` → ``folder/Name``."""
    target = inner.split("|", 1)[0]
    target = target.split("#", 1)[0]
    target = target.rstrip("\\").strip()  # "\|" inside Markdown tables escapes the pipe
    if target.lower().endswith(".md"):
        target = target[:-3]
    return target


@functools.lru_cache(maxsize=1 << 18)  # names are compared again and again: room for a 100k-note vault's
def name_key(name: str) -> str:
    """The form names are compared in: Unicode NFC, case-folded, outer spaces removed."""
    return unicodedata.normalize("NFC", name).casefold().strip()


# The note part of a link, captured directly: what precedes "|" (shown text) or "#" (heading, block).
# (No group for the "!": scanning stays quick; possessive, so a "[[" never closed costs one pass.)
_LINK_TARGET = re.compile(r"!?\[\[([^\[\]\n|#]*+)(?:[|#][^\[\]\n]*+)?\]\]")
# A Markdown link to a note: [text](People/Jane%20Doe.md), [text](<People/Jane Doe.md>), ![embed](x.md)
_MD_LINK = re.compile(r"!?\[[^\[\]\n]*+\]\((?:<([^<>\n]++)>|([^()<>\s]++))(?:[ \t]++\"[^\"\n]*+\")?\)")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def _md_target(raw: str) -> str | None:
    """The note a Markdown link's destination points at, or None for a web address, an
    attachment or a heading of the same note."""
    if _SCHEME.match(raw):
        return None
    target = unquote(raw.split("#", 1)[0]).strip()
    name = target.rsplit("/", 1)[-1]
    if not name:
        return None
    if target[-3:].lower() == ".md":
        return target[:-3]
    return None if "." in name else target


def _wiki_target(raw: str) -> str:
    """A wikilink's note part cleaned as :func:`link_target` does (``\\|`` in tables, ``.md``)."""
    target = raw.rstrip("\\").strip()
    return target[:-3] if target[-3:].lower() == ".md" else target


def find_links(text: str, first_line: int = 1, key: str | None = None, embeds: bool = True) -> list[Link]:
    """Every link to a note in ``text`` — wikilinks, and Markdown links to notes — in order;
    ``first_line`` is the file line ``text`` starts on; without ``embeds``, embeds
    (``![[Name]]``) are left out. (The hot path of reading a vault: one regex.)"""
    if "](" in text:  # both kinds, in the order they appear
        return _all_links(text, first_line, key, embeds)
    if "[[" not in text:
        return []
    links, line, pos = [], first_line, 0
    for match in _LINK_TARGET.finditer(text):
        start = match.start()
        if not embeds and text[start] == "!":
            continue
        line += text.count("\n", pos, start)
        pos = start
        target = _wiki_target(match.group(1))
        if target:
            links.append(Link(target, line, key))
    return links


def link_targets(text: str) -> list[str]:
    """The targets of :func:`find_links` of ``text``, without their lines: quicker, for a line
    of text or a frontmatter value."""
    if "](" in text:
        return [link.target for link in _all_links(text, 1, None, True)]
    if "[[" not in text:
        return []
    return [target for raw in _LINK_TARGET.findall(text) if (target := _wiki_target(raw))]


def _all_links(text: str, first_line: int, key: str | None, embeds: bool) -> list[Link]:
    """:func:`find_links` of a text holding Markdown links too."""
    links, line, pos = [], first_line, 0
    for match in sorted([*_LINK_TARGET.finditer(text), *_MD_LINK.finditer(text)], key=re.Match.start):
        if not embeds and text[match.start()] == "!":
            continue
        if match.re is _LINK_TARGET:
            target = _wiki_target(match.group(1))
        else:
            target = _md_target(match.group(1) or match.group(2)) or ""
        if target:
            start = match.start()
            line += text.count("\n", pos, start)
            pos = start
            links.append(Link(target, line, key))
    return links


# What is never contact, whatever links it holds: fenced code (query blocks such as dataview,
# tasks or base among them), %% comments %%, <!-- HTML comments --> and `inline code`.
# (Possessive where runs could be split many ways: a long run of backticks costs one pass.)
_NOT_TEXT = re.compile(r"^[^\S\n]*+(`{3,}+|~{3,}+)[^\n]*+\n.*?(?:^[^\S\n]*+\1[^\n]*+$|\Z)"
                       r"|%%.*?(?:%%|\Z)|<!--.*?(?:-->|\Z)|(?<!`)(`++)[^`\n]+?\2", re.M | re.S)


def _blanked(match: re.Match) -> str:
    text = match.group()
    return " " * len(text) if "\n" not in text else re.sub(r"[^\n]", " ", text)


def prose(text: str) -> str:
    """``text`` with code, comments and query blocks blanked out (lines and offsets kept)."""
    # (each kind needs one of these: a text of "50 %" or "a < b" is not searched)
    if "`" in text or "~~~" in text or "%%" in text or "<!--" in text:
        return _NOT_TEXT.sub(_blanked, text)
    return text


def _strings(value: object, seen: set[int]) -> Iterator[str]:
    """Every string inside ``value``; shared (YAML-aliased) containers are visited once."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, (list, dict)) and id(value) not in seen:
        seen.add(id(value))
        for item in value.values() if isinstance(value, dict) else value:
            yield from _strings(item, seen)


def frontmatter_links(frontmatter: dict, key_lines: dict[str, int]) -> Iterator[Link]:
    """Wikilinks written as strings anywhere in the frontmatter (``"[[Jane Doe]]"``)."""
    seen: set[int] = set()
    for key, value in frontmatter.items():
        for text in _strings(value, seen):
            if "[[" in text:
                for link in find_links(text):
                    yield Link(link.target, key_lines.get(str(key)), str(key))


def people_in(value: object) -> Iterator[str]:
    """Names from a people field such as ``attendees``.

    Accepts ``"[[Jane Doe]]"``, plain ``Jane Doe``, lists of either, and the
    nested lists YAML makes of unquoted links: ``attendees: [[Jane Doe]]`` is
    ``[["Jane Doe"]]``. Text outside links is ignored when links are present.
    """
    if isinstance(value, dict):
        return
    for text in _strings(value, set()):
        links = link_targets(text)
        if links:
            yield from links
        elif "[[" in text:
            yield text.strip()  # a link to no note ("[[#heading]]"): reported as it is written
        else:
            for part in text.split(","):
                if part.strip():
                    yield link_target(part.strip())


_UNSAFE_IN_WIKILINK = re.compile(r"[\[\]|#^\x00-\x1f\x7f-\x9f\u2028\u2029]")
_LINK_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", "[": "\\[", "]": "\\]"})


def wikilink_safe(text: str) -> bool:
    """Whether ``text`` can stand inside ``[[…]]`` as it is (no brackets, ``|``, ``#``, ``^``, control characters)."""
    return not _UNSAFE_IN_WIKILINK.search(text)


@functools.lru_cache(maxsize=1 << 17)  # room for a 100k-note vault's people and sources
def note_link(path: str, shown: str | None = None) -> str:
    """A link to a vault note for a generated note: a wikilink by path, or a Markdown link
    where the name holds characters a wikilink cannot carry (``x]] [[evil``, a newline): its
    text escaped, its path percent-encoded, so nothing in a name ends the link or the line."""
    target = path[:-3] if path.lower().endswith(".md") else path
    shown = one_line(shown or PurePosixPath(target).name)
    if not (wikilink_safe(target) and wikilink_safe(shown)):
        return f"[{shown.translate(_LINK_TEXT_ESCAPES)}]({quote(path)})"
    return f"[[{target}|{shown}]]"
