"""Built-in: what a note is — a person, a meeting, or an ordinary note — by its ``type``,
``categories``, tags or folder (see :func:`relnotes.kind_of`)."""

from __future__ import annotations

from relnotes import Config, Note, hookimpl, kind_of


@hookimpl(trylast=True)
def relnotes_classify_note(note: Note, config: Config) -> str:
    return kind_of(note, config)[0]
