"""relnotes: a local-first personal CRM for career relationships, read from a Markdown vault.

The public API for plugins is what this package exports (``from relnotes import
Reminder, hookimpl``); see ``docs/plugins.md``. Everything else is internal. The names
are imported when first used, so ``relnotes --version`` stays quick.
"""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

import pluggy

try:
    __version__ = version("relnotes")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

hookimpl = pluggy.HookimplMarker("relnotes")
"""Marker for plugin functions: ``@relnotes.hookimpl def relnotes_reminders(...)``."""

# public name -> the module that defines it
_EXPORTS = {
    **dict.fromkeys(("CATEGORIES", "FEED_NAME", "ROLES", "STATUSES", "GoalStatus", "Interaction", "Meeting", "Note",
                     "Output", "Person", "Recurrence", "Reminder", "ScanResult", "Vault", "email_key",
                     "linkedin_key", "make_uid", "phone_key", "progress_bar"), "model"),
    **dict.fromkeys(("days_away", "one_line"), "text"),
    **dict.fromkeys(("Problem",), "problem"),
    **dict.fromkeys(("Action", "read_actions"), "actions"),
    **dict.fromkeys(("PeopleIndex", "decode_export", "import_folder", "match_key", "safe_title"), "contacts"),
    **dict.fromkeys(("Link", "find_links", "link_target", "name_key", "note_link", "people_in", "prose"), "links"),
    **dict.fromkeys(("Task",), "markdown"),
    **dict.fromkeys(("obsidian_url",), "obsidian"),
    **dict.fromkeys(("Item", "Message"), "digest"),
    **dict.fromkeys(("Notifier", "NotifyError", "secret"), "notify"),
    **dict.fromkeys(("page_url",), "pages"),
    **dict.fromkeys(("kind_of",), "kinds"),
    **dict.fromkeys(("Incident", "find_incidents", "incident_of"), "incidents"),
    **dict.fromkeys(("Found", "Vocabulary", "field_key", "single", "type_key"), "fields"),
    **dict.fromkeys(("Cadence", "DateProblem", "MonthDay", "add_months", "anniversary_in", "parse_cadence",
                     "parse_date", "parse_month_day", "period_start"), "dates"),
    **dict.fromkeys(("Config", "ConfigError", "Markers", "Section", "Setting", "Table", "a_folder", "a_note_path",
                     "a_path", "at_least", "choice", "names", "output_file", "time_of_day", "typed"), "config"),
    **dict.fromkeys(("GENERATED_KEY", "GENERATOR", "NOTE_MARKER"), "notes"),
    **dict.fromkeys(("Memo", "cache_file", "kept", "memo"), "cache"),
    **dict.fromkeys(("replace_file", "write_atomic", "write_new"), "files"),
    **dict.fromkeys(("EditRefused", "edit_frontmatter"), "edit"),
    **dict.fromkeys(("file_key",), "filekeys"),
    **dict.fromkeys(("Pipeline", "VaultError"), "pipeline"),
    **dict.fromkeys(("PluginError",), "plugins"),
    **dict.fromkeys(("App",), "cli"),
}

__all__ = [
    "CATEGORIES",
    "FEED_NAME",
    "GENERATED_KEY",
    "GENERATOR",
    "NOTE_MARKER",
    "ROLES",
    "STATUSES",
    "Action",
    "App",
    "Cadence",
    "Config",
    "ConfigError",
    "DateProblem",
    "EditRefused",
    "Found",
    "GoalStatus",
    "Incident",
    "Interaction",
    "Item",
    "Link",
    "Markers",
    "Meeting",
    "Memo",
    "Message",
    "MonthDay",
    "Note",
    "Notifier",
    "NotifyError",
    "Output",
    "PeopleIndex",
    "Person",
    "Pipeline",
    "PluginError",
    "Problem",
    "Recurrence",
    "Reminder",
    "ScanResult",
    "Section",
    "Setting",
    "Table",
    "Task",
    "Vault",
    "VaultError",
    "Vocabulary",
    "__version__",
    "a_folder",
    "a_note_path",
    "a_path",
    "add_months",
    "anniversary_in",
    "at_least",
    "cache_file",
    "choice",
    "days_away",
    "decode_export",
    "edit_frontmatter",
    "email_key",
    "field_key",
    "file_key",
    "find_incidents",
    "find_links",
    "hookimpl",
    "import_folder",
    "incident_of",
    "kept",
    "kind_of",
    "link_target",
    "linkedin_key",
    "make_uid",
    "match_key",
    "memo",
    "name_key",
    "names",
    "note_link",
    "obsidian_url",
    "one_line",
    "output_file",
    "page_url",
    "parse_cadence",
    "parse_date",
    "parse_month_day",
    "people_in",
    "period_start",
    "phone_key",
    "progress_bar",
    "prose",
    "read_actions",
    "replace_file",
    "safe_title",
    "secret",
    "single",
    "time_of_day",
    "type_key",
    "typed",
    "write_atomic",
    "write_new",
]


assert set(__all__) - {"__version__", "hookimpl"} == set(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'relnotes' has no attribute {name!r}")


if TYPE_CHECKING:
    from .actions import Action, read_actions
    from .cache import Memo, cache_file, kept, memo
    from .cli import App
    from .config import (
        Config,
        ConfigError,
        Markers,
        Section,
        Setting,
        Table,
        a_folder,
        a_note_path,
        a_path,
        at_least,
        choice,
        names,
        output_file,
        time_of_day,
        typed,
    )
    from .contacts import PeopleIndex, decode_export, import_folder, match_key, safe_title
    from .dates import (
        Cadence,
        DateProblem,
        MonthDay,
        add_months,
        anniversary_in,
        parse_cadence,
        parse_date,
        parse_month_day,
        period_start,
    )
    from .digest import Item, Message
    from .edit import EditRefused, edit_frontmatter
    from .fields import Found, Vocabulary, field_key, single, type_key
    from .filekeys import file_key
    from .files import replace_file, write_atomic, write_new
    from .incidents import Incident, find_incidents, incident_of
    from .kinds import kind_of
    from .links import Link, find_links, link_target, name_key, note_link, people_in, prose
    from .markdown import Task
    from .model import (
        CATEGORIES,
        FEED_NAME,
        ROLES,
        STATUSES,
        GoalStatus,
        Interaction,
        Meeting,
        Note,
        Output,
        Person,
        Recurrence,
        Reminder,
        ScanResult,
        Vault,
        email_key,
        linkedin_key,
        make_uid,
        phone_key,
        progress_bar,
    )
    from .notes import GENERATED_KEY, GENERATOR, NOTE_MARKER
    from .notify import Notifier, NotifyError, secret
    from .obsidian import obsidian_url
    from .pages import page_url
    from .pipeline import Pipeline, VaultError
    from .plugins import PluginError
    from .problem import Problem
    from .text import days_away, one_line
