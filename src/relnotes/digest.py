"""The daily digest: what a scan says the user should hear about today, as a message (pure).

Overdue to-dos, what is due today, the rest of the week's, and the celebrations whose notice
falls today (``notice`` in a celebration's data: days before it; 0 is the day itself). Each
item links to its note (``obsidian://``) and, with the phone pages, to its page.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass
from typing import cast

from .model import Reminder, ScanResult
from .obsidian import obsidian_url
from .pages import page_url
from .text import days_away

__all__ = ["SECTIONS", "Item", "Message", "digest", "test_message"]

SECTIONS = {"overdue": "Overdue", "today": "Today", "this_week": "This week", "celebrations": "Coming up to celebrate"}
_COUNTED = {"overdue": "overdue", "today": "today", "this_week": "this week", "celebrations": "to celebrate"}


@dataclass(frozen=True)
class Item:
    """One line of a digest."""

    section: str  # a key of SECTIONS
    title: str
    date: dt.date
    kind: str
    uid: str
    person: str | None
    note: str | None  # the obsidian:// link to its note
    page: str | None  # its phone page, when the pages are served

    def line(self, today: dt.date) -> str:
        days = (self.date - today).days
        when = days_away(days) + (f", {self.date.strftime('%a')} {self.date.isoformat()}" if days > 1 else "")
        return f"{self.title} — {when}"


@dataclass(frozen=True)
class Message:
    """What a notifier sends: a ``"digest"`` or a ``"test"``, with its text and its items."""

    kind: str
    day: dt.date
    vault: str
    subject: str
    text: str
    items: tuple[Item, ...] = ()

    @property
    def digest_key(self) -> str:
        """What the items are, in short: two digests with the same key say the same."""
        said = [(i.section, i.uid, i.date.isoformat(), i.title) for i in self.items]
        return hashlib.sha256(json.dumps(said).encode()).hexdigest()[:32]

    def to_json(self) -> dict:
        """The message as the webhook posts it."""
        return {"kind": self.kind, "day": self.day.isoformat(), "vault": self.vault, "subject": self.subject,
                "text": self.text, "items": [{**asdict(i), "date": i.date.isoformat()} for i in self.items]}


def _section(reminder: Reminder, today: dt.date) -> str | None:
    days = (reminder.date - today).days
    if days < 0:
        return "overdue"
    if days == 0:
        return "today"
    if reminder.celebration:
        notice = cast("tuple[int, ...]", dict(reminder.data).get("notice", (0,)))
        return "celebrations" if days in notice else None
    return "this_week" if days < 7 else None


def digest(result: ScanResult, pages: str | None = None) -> Message:
    """Today's digest of ``result``; ``pages`` is the phone pages' address, if they are served."""
    today, vault = result.today, result.root.resolve().name
    items = []
    for reminder in result.all_reminders:  # in date order
        section = _section(reminder, today)
        if section is not None:
            items.append(Item(section, reminder.title, reminder.date, reminder.kind, reminder.uid, reminder.person,
                              obsidian_url(vault, reminder.source) if reminder.source else None,
                              page_url(pages, reminder.uid) if pages else None))
    counts = {key: sum(i.section == key for i in items) for key in SECTIONS}
    said = [f"{counts[key]} {word}" for key, word in _COUNTED.items() if counts[key]]
    subject = f"relnotes for {today.strftime('%a')} {today.isoformat()}: " + (", ".join(said) or "nothing due")
    lines = [f"{subject} (vault {vault})", ""]
    for key, heading in SECTIONS.items():
        shown = [i for i in items if i.section == key]
        if not shown:
            continue
        lines += [f"{heading} ({len(shown)})"]
        for item in shown:
            lines.append(f"- {item.line(today)}")
            if item.note:
                lines.append(f"  Open: {item.note}")
            if item.page:
                lines.append(f"  Talked, snooze or done: {item.page}")
        lines.append("")
    if not items:
        lines += ["Nothing is overdue or due this week.", ""]
    return Message("digest", today, vault, subject, "\n".join(lines), tuple(items))


def test_message(vault: str, day: dt.date) -> Message:
    """What ``relnotes notify --test`` sends."""
    subject = "relnotes: a test message"
    return Message("test", day, vault, subject, f"{subject} for vault {vault}: this channel works.\n")
