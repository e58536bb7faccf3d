"""Text from notes made safe to show: in a terminal, a log or a generated note."""

from __future__ import annotations

import re

__all__ = ["one_line"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` as one line of plain text: control characters — newlines too, and escape
    sequences a terminal would obey (a clipboard write, a title change) — become a space. For
    anything from a note shown in the terminal or written into a generated note."""
    return _CONTROL.sub(" ", text) if not text.isprintable() else text
