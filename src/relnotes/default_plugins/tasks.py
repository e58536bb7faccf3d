"""Built-in rule ``task``: open task items with a due date — Tasks' ``📅 YYYY-MM-DD``, Dataview's
``[due:: YYYY-MM-DD]`` or ``🗓️YYYY-MM-DD``, else the ``⏳`` scheduled date — in any note. A task
in a person's note is theirs; elsewhere, it belongs to the first person it links, else to the
meeting's first attendee."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from relnotes import Meeting, Note, Problem, Reminder, Task, Vault, hookimpl, make_uid, name_key


@hookimpl
def relnotes_note_reminders(note: Note, meeting: Meeting | None, vault: Vault,
                            problems: list[Problem]) -> Iterator[Reminder] | None:
    tasks = vault.tasks(note)
    return _reminders(note, meeting, vault, problems, tasks) if tasks else None  # most notes: no task


def _reminders(note: Note, meeting: Meeting | None, vault: Vault, problems: list[Problem],
               tasks: tuple[Task, ...]) -> Iterator[Reminder]:
    seen: Counter[str] = Counter()
    for task in tasks:
        if task.problem:
            problems.append(note.problem(f"{task.problem}; task ignored", line=task.line))
        if not task.open or task.when is None:
            continue
        person = vault.task_owner(task, note, meeting)
        if person is not None and person.status == "archived":
            continue
        seen[task.text] += 1
        yield Reminder(
            kind="task",
            person=person.name if person else None,
            date=task.when,
            title=task.text or "(empty task)",
            source=note.path,
            uid=make_uid("task", name_key(note.title), task.text, seen[task.text]),
            detail=f"open task in “{note.title}”, line {task.line}" + ("" if task.due else ", scheduled"),
            person_path=person.path if person else None,
            data=(("line", task.line),),
        )
