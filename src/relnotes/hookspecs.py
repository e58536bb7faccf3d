"""The plugin contract: every hook relnotes calls, in the order a scan calls them.

A plugin is a module or object with functions named like these specs and
marked with :data:`relnotes.hookimpl`. It may accept any subset of a hook's
arguments, but must not give them defaults (pluggy would not pass them).

Most rules are about one note or one person, and say so by the hook they implement:
``relnotes_note_interactions``, ``relnotes_note_reminders`` and
``relnotes_person_reminders`` are asked about one note or person at a time, and their
answers are kept; after an edit, ``relnotes watch`` asks again only about what the edit
can change (see ``docs/plugins.md``, "What a rule may depend on"). The whole-vault hooks
``relnotes_interactions``, ``relnotes_reminders`` and ``relnotes_goal`` are asked
again on every change.
pluggy calls the hooks, so ``tryfirst``/``trylast``, ``wrapper=True`` and hook-call
monitoring work as pluggy documents them; relnotes guards each implementation, so
one that raises is reported by name and skipped while the others still count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    import click

    from .config import Config, Table
    from .model import GoalStatus, Interaction, Meeting, Note, Output, Person, Problem, Reminder, ScanResult, Vault
    from .notify import Notifier

hookspec = pluggy.HookspecMarker("relnotes")


# --- configuration -------------------------------------------------------------

@hookspec
def relnotes_settings() -> Iterable[Table] | None:
    """Declare the settings a plugin reads from ``.relnotes/config.toml``.

    Each :class:`~relnotes.config.Table` names its TOML table (a third-party
    plugin's is ``"plugins.NAME"``) and lists its settings with their defaults,
    checkers and help. relnotes checks the file against them when it loads it
    and hands the values back as ``config.table(NAME)``; ``relnotes init``
    writes them into its commented template.

    :returns: tables.
    """


# --- reading the vault ---------------------------------------------------------

@hookspec(firstresult=True)
def relnotes_classify_note(note: Note, config: Config) -> str | None:
    """Say what a note is: ``"person"``, ``"meeting"`` or ``"note"``.

    Called once per note. The first plugin to return something other than
    ``None`` decides; the built-in ``classify`` plugin runs last and uses
    ``type``, tags and the people/meetings folders.

    :param note: the note as read (path, title, frontmatter, body, links).
    :param config: the vault's configuration.
    :returns: the kind, or ``None`` to let the next plugin decide.
    """


@hookspec
def relnotes_note_interactions(note: Note, meeting: Meeting | None, vault: Vault, config: Config,
                               problems: list[Problem]) -> Iterable[Interaction] | None:
    """Contribute the moments of contact one note records.

    The built-in ``interactions`` plugin turns a meeting into contact with its attendees, a
    dated note with the people it links, a person's contact log and an incident (with the
    people it is about, see :mod:`relnotes.incidents`) into interactions. Each
    :class:`~relnotes.model.Interaction` names its person as a link would (title, alias or
    path); names that match no person are reported.

    Asked once per note; kept until the note changes or a name it looked up through
    ``vault`` (:meth:`~relnotes.model.Vault.resolve`, :meth:`~relnotes.model.Vault.person`,
    :meth:`~relnotes.model.Vault.person_at`) comes to mean another note or a person whose
    fields changed. Read only ``note``, ``meeting``, ``config`` and what ``vault`` resolves.

    :param note: the note (``note.kind`` is set: ``"person"``, ``"meeting"`` or ``"note"``).
    :param meeting: the meeting it is, attendees resolved, or None.
    :param vault: the vault, for resolving names (people's interactions are not final yet).
    :param config: the vault's configuration.
    :param problems: append a :class:`~relnotes.model.Problem` here to warn about the note.
    :returns: interactions, in any order.
    """


@hookspec
def relnotes_interactions(vault: Vault, config: Config) -> Iterable[Interaction] | None:
    """Contribute moments of contact found across the whole vault, e.g. from a mail or chat export.

    Asked again on every change (``relnotes plugins`` says so): prefer
    :func:`relnotes_note_interactions` for what one note says.

    :param vault: the vault with its people and meetings (their interactions are not final).
    :param config: the vault's configuration.
    :returns: interactions, in any order.
    """


# --- deciding what to remind of ------------------------------------------------------

@hookspec
def relnotes_note_reminders(note: Note, meeting: Meeting | None, vault: Vault, config: Config, today: dt.date,
                            problems: list[Problem]) -> Iterable[Reminder] | None:
    """Contribute the reminders one note gives: its tasks, a meeting's follow-up.

    Return reminders whatever their date: relnotes keeps those in the scan's window (and
    the overdue ones before it), drops duplicate uids and sorts them. Asked once per note
    and day; kept until the note changes, a name it looked up through ``vault`` means
    another note or a person whose fields changed, or the day changes.

    :param note: the note. :param meeting: the meeting it is, or None.
    :param vault: the vault, for resolving names (people's fields are final, their
        interactions not).
    :param today: the day the scan is for (never read the clock).
    :param problems: append warnings about the note here.
    :returns: reminders, each with a stable ``uid`` (see :func:`~relnotes.model.make_uid`).
    """


@hookspec
def relnotes_person_reminders(person: Person, vault: Vault, config: Config, today: dt.date,
                              problems: list[Problem]) -> Iterable[Reminder] | None:
    """Contribute the reminders about one person: a follow-up, a celebration.

    Asked once per person and day, with ``person.interactions`` complete and sorted by
    date; kept until the person's note or interactions change, a name looked up through
    ``vault`` means something else, or the day changes.

    :param person: the person. :param vault: the vault, for resolving names.
    :param today: the day the scan is for (never read the clock).
    :param problems: append warnings about the person's note here.
    :returns: reminders, each with a stable ``uid``.
    """


@hookspec
def relnotes_reminders(vault: Vault, config: Config, today: dt.date) -> Iterable[Reminder] | None:
    """Contribute reminders that need the whole vault at once.

    Asked again on every change (``relnotes plugins`` says so): prefer
    :func:`relnotes_note_reminders` or :func:`relnotes_person_reminders` for a rule about
    one note or one person. Return reminders whatever their date.

    :param vault: the vault, people with their interactions sorted by date.
    :param config: the vault's configuration.
    :param today: the day the scan is for (never read the clock).
    :returns: reminders, each with a stable ``uid`` (see :func:`~relnotes.model.make_uid`).
    """


@hookspec(firstresult=True)
def relnotes_goal(vault: Vault, config: Config, today: dt.date) -> GoalStatus | None:
    """Measure progress against the networking goal.

    The built-in ``goal`` plugin counts distinct people contacted in the
    current week, month or quarter when ``goal`` is configured. Asked again on
    every change.

    :returns: the progress, or ``None`` for no goal.
    """


# --- producing outputs ----------------------------------------------------------------

@hookspec
def relnotes_outputs(result: ScanResult, config: Config) -> Iterable[Output] | None:
    """Contribute generated files: their path, bytes, and the marker that identifies them.

    Must be pure: return the content, don't write it. relnotes writes each
    output atomically, only when its bytes changed, and never over a file
    that lacks the output's ``marker``. The built-in ``ics`` plugin renders
    the calendar feed.

    :param result: the scan, with ``result.root`` (the vault folder),
        ``result.reminders`` (the window) and ``result.all_reminders``.
    :param config: the vault's configuration, command-line options applied.
    :returns: :class:`~relnotes.model.Output` objects.
    """


# --- the network, when asked ---------------------------------------------------------------

@hookspec
def relnotes_fetch(root: Path, config: Config) -> Iterable[Problem] | None:
    """Bring what the plugin reads from the network up to date, in the user's cache folder
    (:func:`relnotes.cache_file`), for the scans to read from there.

    Called only when the user asks — ``relnotes scan --fetch``, ``relnotes watch --fetch``
    (then again every ``--fetch-every`` minutes) — so that a scan is offline and the same
    files give the same answers. The built-in ``calendar`` fetches its ``https://`` sources.

    :param root: the vault folder.
    :param config: the vault's configuration.
    :returns: problems met (a source that did not answer), to report.
    """


# --- reaching the user -------------------------------------------------------------------------

@hookspec
def relnotes_notifiers() -> Iterable[Notifier] | None:
    """Offer ways to reach the user: the daily digest (``relnotes watch`` at ``[digest] time``,
    ``relnotes notify``) goes to each channel the user configured in ``notify.toml`` in their
    own config folder.

    A :class:`~relnotes.notify.Notifier` has a ``name`` (its table in ``notify.toml``), the
    ``settings`` that table may hold (a :class:`~relnotes.config.Table`, checked like the
    vault's config) and ``send(message, settings)``, which sends a
    :class:`~relnotes.digest.Message` or raises. relnotes records every send, so a notifier
    never has to know whether it ran before. Secrets come from its settings or the environment
    (:func:`relnotes.notify.secret`), never from the vault. The built-in ``notifiers`` plugin
    has ``email``, ``ntfy``, ``webhook`` and ``desktop``.

    :returns: notifiers.
    """


# --- the command line ---------------------------------------------------------------------

@hookspec
def relnotes_commands() -> Iterable[click.Command] | None:
    """Add commands to the ``relnotes`` command line.

    Called only when a command that is not built in is asked for, or the
    command list is shown (``relnotes --help``), so plugins cost nothing on
    ordinary runs. A command whose name a built-in command already has is
    reported and skipped.

    :returns: :class:`click.Command` objects.
    """
