"""Text from notes made safe to show: in a terminal, a log or a generated note."""

from __future__ import annotations

import re

__all__ = ["days_away", "one_line"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def one_line(text: str) -> str:
    """``text`` as one line of plain text: control characters — newlines too, and escape
    sequences a terminal would obey (a clipboard write, a title change) — become a space. For
    anything from a note shown in the terminal or written into a generated note."""
    return _CONTROL.sub(" ", text) if not text.isprintable() else text


def days_away(days: int) -> str:
    """A day ``days`` from today, in words: ``"3 days late"``, ``"1 day late"``, ``"today"``,
    ``"tomorrow"``, ``"in 5 days"``."""
    if days < 0:
        return "1 day late" if days == -1 else f"{-days} days late"
    return "today" if days == 0 else "tomorrow" if days == 1 else f"in {days} days"
