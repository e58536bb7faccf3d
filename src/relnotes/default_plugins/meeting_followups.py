"""Built-in rule ``meeting-follow-up``: a meeting's ``follow_up: DATE`` reminds you of its attendees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from relnotes import Meeting, Person, Reminder, hookimpl, make_uid, name_key


@hookimpl
def relnotes_note_reminders(meeting: Meeting | None) -> Iterator[Reminder] | None:
    if meeting is None or meeting.follow_up is None or meeting.follow_up_done:
        return None  # most notes: no answer to collect
    return _follow_ups(meeting, meeting.follow_up)


def _follow_ups(meeting: Meeting, follow_up: dt.date) -> Iterator[Reminder]:
    held = f"meeting {meeting.date.isoformat()}" if meeting.date else "meeting"
    people: list[Person | None] = [p for p in meeting.attendees if p.status != "archived"]
    if meeting.attendees and not people:
        return
    for person in people or [None]:
        name = person.name if person else None
        yield Reminder(
            kind="meeting-follow-up",
            person=name,
            date=follow_up,
            title=f"Follow up with {name} on {meeting.title}" if name else f"Follow up on {meeting.title}",
            source=meeting.note.path,
            uid=make_uid("meeting-follow-up", name_key(meeting.note.title), name_key(name or ""),
                         follow_up),
            detail=f"follow_up set in “{meeting.title}” ({held})",
            person_path=person.path if person else None,
        )
