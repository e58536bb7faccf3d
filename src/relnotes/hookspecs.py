"""The plugin contract: every hook relnotes calls, in the order a scan calls them.

A plugin is a module or object with functions named like these specs and
marked with :data:`relnotes.hookimpl`. It may accept any subset of a hook's
arguments, but must not give them defaults (pluggy would not pass them).
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
    import click

    from .config import Config, Table
    from .model import GoalStatus, Interaction, Note, Output, Reminder, ScanResult, Vault

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
def relnotes_interactions(vault: Vault, config: Config) -> Iterable[Interaction] | None:
    """Contribute moments of contact with people.

    The built-in ``interactions`` plugin turns meetings (their attendees),
    dated notes (the people they link), contact logs and incidents (the
    people they are about, see :mod:`relnotes.incidents`) into
    interactions. Another
    plugin may add some from elsewhere, e.g. a mail or chat export.
    Each :class:`~relnotes.model.Interaction` names its person as a link
    would (title, alias or path); names that match no person are reported.

    :param vault: the vault with its people and meetings (no interactions yet).
    :param config: the vault's configuration.
    :returns: interactions, in any order.
    """


# --- deciding what to remind of ------------------------------------------------------

@hookspec
def relnotes_reminders(vault: Vault, config: Config, today: dt.date) -> Iterable[Reminder] | None:
    """Contribute reminders: follow-ups, tasks, celebrations, or your own kinds.

    Every built-in rule is a plugin of this hook. Return reminders whatever
    their date: relnotes keeps those in the scan's window (and the overdue
    ones before it), drops duplicate uids and sorts them.

    :param vault: the vault, people with their interactions sorted by date.
    :param config: the vault's configuration.
    :param today: the day the scan is for (never read the clock).
    :returns: reminders, each with a stable ``uid`` (see :func:`~relnotes.model.make_uid`).
    """


@hookspec(firstresult=True)
def relnotes_goal(vault: Vault, config: Config, today: dt.date) -> GoalStatus | None:
    """Measure progress against the networking goal.

    The built-in ``goal`` plugin counts distinct people contacted in the
    current week, month or quarter when ``goal`` is configured.

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
