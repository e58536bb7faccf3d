"""Built-in: what a note is, from its ``type``, its tags, or its folder."""

from __future__ import annotations

from relnotes import Config, Note, hookimpl

KINDS = ("person", "meeting")


def _in_folder(path: str, folder: str) -> bool:
    return bool(folder) and path.lower().startswith(folder.lower() + "/")


@hookimpl(trylast=True)
def relnotes_classify_note(note: Note, config: Config) -> str:
    declared = note.get("type")
    if isinstance(declared, str) and declared.strip():
        kind = declared.strip().lower()
        return kind if kind in KINDS else "note"  # an explicit type wins over tags and folders
    for kind in KINDS:
        if kind in note.tags:
            return kind
    if _in_folder(note.path, config.people_folder):
        return "person"
    if _in_folder(note.path, config.meetings_folder):
        return "meeting"
    return "note"
