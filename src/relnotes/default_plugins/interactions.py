"""Built-in: interactions from meetings (their attendees) and dated notes (the people they link)."""

from __future__ import annotations

from collections.abc import Iterator

from relnotes import Config, Interaction, Note, Person, Vault, hookimpl


def _linked_people(note: Note, vault: Vault) -> list[Person]:
    seen: list[Person] = []
    for link in note.links:
        person = vault.person(link.target, note.path)
        if person is not None and person not in seen and person.note is not note:
            seen.append(person)
    return seen


@hookimpl
def relnotes_interactions(vault: Vault, config: Config) -> Iterator[Interaction]:
    for meeting in vault.meetings:
        if meeting.date is None:
            continue
        # A meeting without an attendees list counts the people it links, like a dated note.
        people = meeting.attendees or (_linked_people(meeting.note, vault) if config.dated_note_interactions else [])
        for person in people:
            yield Interaction(person.path, meeting.date, meeting.note.path, "meeting", meeting.title)
    if not config.dated_note_interactions:
        return
    for note in vault.notes:
        if note.date is not None and note.kind == "note":
            for person in _linked_people(note, vault):
                yield Interaction(person.path, note.date, note.path, "note", note.title)
