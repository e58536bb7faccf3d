"""The vault's optional ``.relnotes/config.toml``, from one declarative schema.

Every setting is a :class:`Setting` in a :class:`Table`: its key, its default (as it is
written in TOML), a checker, and a line of help. Validation, ``relnotes init``'s
commented template (:func:`config_template`) and the README's table
(:func:`config_reference`) all come from it. relnotes' own settings are
:data:`CORE_TABLES`; plugins declare theirs with the ``relnotes_settings`` hook and read
them back, checked and with defaults filled in, as ``config.table(NAME)``.

An unknown key or a value of the wrong type is an error that names the key; a table
that no enabled plugin declares (a typo in ``[plugins.NAME]``, the settings of a
plugin that is switched off) is a warning.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar, cast

from .dates import Cadence, DateProblem, parse_cadence
from .fields import FIELDS, Vocabulary
from .model import ROLES

__all__ = ["CONFIG_PATH", "CORE_TABLES", "Config", "ConfigError", "GoalConfig", "Markers", "Section", "Setting",
           "Table", "a_folder", "a_note_path", "a_path", "at_least", "choice", "config_reference", "config_template",
           "load_config", "names", "output_file", "parse_config", "read_config", "time_of_day", "typed"]

CONFIG_PATH = ".relnotes/config.toml"


class ConfigError(ValueError):
    """The config file cannot be used; the message names the file and the key."""


Checker = Callable[[str, object], object]  # (the key as shown, the TOML value) -> the value to use
_T = TypeVar("_T")


@dataclass(frozen=True)
class Setting:
    """One key of the config file.

    ``default`` is written as in TOML (``"14d"``, not a parsed cadence) and goes through
    ``check`` like any value, so the template and the defaults always agree; ``None`` means
    the setting is unset by default, and ``example`` (TOML text) shows how to set it.
    """

    key: str
    default: object
    check: Checker
    help: str
    example: str | None = None


@dataclass(frozen=True)
class Table:
    """A group of settings: a TOML table (``"ics"``, ``"plugins.reconnect"``), or the plain keys
    at the top of the file (``""``). ``output`` marks the table of an output: it has
    ``enabled`` and ``path`` settings, which ``--no-NAME``-style options change."""

    name: str
    settings: tuple[Setting, ...]
    help: str = ""
    output: bool = False
    extra: Checker | None = None  # a table that takes keys of its own choosing, checked by this


    def defaults(self) -> dict[str, object]:
        return {s.key: None if s.default is None else s.check(self.shown(s.key), s.default) for s in self.settings}

    def shown(self, key: str) -> str:
        return f"{self.name}.{key}" if self.name else key

    def parse(self, value: object) -> dict[str, object]:
        """The table's values: each key of ``value`` checked, the others' defaults."""
        known = {s.key: s for s in self.settings}
        values = self.defaults()
        extra = {}
        for key, item in typed(dict)(self.name, value).items():
            if key in known:
                values[key] = known[key].check(self.shown(key), item)
            elif self.extra is not None:
                extra[key] = self.extra(self.shown(key), item)
            else:
                raise ConfigError(f"{self.shown(key)}: unknown key (known: {', '.join(known)})")
        return {**{s.key: values[s.key] for s in self.settings}, **extra}


class Section(Mapping[str, Any]):
    """A table's checked values, by key or as attributes: ``config.table("ics").path``."""

    def __init__(self, name: str, values: Mapping[str, object]) -> None:
        self._name, self._values = name, dict(values)

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self.__dict__["_values"][key]
        except KeyError:
            raise AttributeError(f"[{self.__dict__.get('_name')}] has no setting {key!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Section({self._name!r}, {self._values!r})"


# --- checkers: (key, value) -> the value to store, or ConfigError -----------------------------------

_KIND_NAMES = {str: "a string", int: "a whole number", bool: "true or false", dict: "a table", list: "a list"}


def typed(kind: type[_T]) -> Callable[[str, object], _T]:
    """A checker for values of one TOML type (``str``, ``int``, ``bool``, ``dict``, ``list``)."""
    def check(key: str, value: object) -> _T:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{key}: expected {_KIND_NAMES[kind]}, got {value!r}")
        return value
    return check


MAX_DAYS = 36_500  # a hundred years: the most any setting counted in days may say


def at_least(minimum: int, maximum: int = MAX_DAYS) -> Checker:
    """A checker for whole numbers from ``minimum`` to ``maximum`` (by default a hundred years'
    worth of days: larger numbers only overflow dates or drop whole outputs)."""
    def check(key: str, value: object) -> int:
        number = typed(int)(key, value)
        if not minimum <= number <= maximum:
            raise ConfigError(f"{key}: expected a whole number from {minimum} to {maximum:,}, got {number}")
        return number
    return check


def choice(*choices: str) -> Checker:
    """A checker for one of a few strings."""
    def check(key: str, value: object) -> str:
        typed(str)(key, value)
        if value not in choices:
            raise ConfigError(f"{key}: expected {' or '.join(map(repr, choices))}, got {value!r}")
        return str(value)
    return check


def a_folder(key: str, value: object) -> str:
    return str(typed(str)(key, value)).replace("\\", "/").strip().strip("/")


def a_path(key: str, value: object) -> str:
    text = str(typed(str)(key, value)).strip()
    if not text:
        raise ConfigError(f"{key}: expected a path, got an empty string")
    return text


def a_note_path(key: str, value: object) -> str:
    text = a_path(key, value)
    if not text.lower().endswith(".md"):
        raise ConfigError(f"{key}: expected the path of a .md note, got {value!r}")
    return text


def names(key: str, value: object) -> tuple[str, ...]:
    items = typed(list)(key, value)
    return tuple(str(typed(str)(f"{key}[]", name)) for name in items)


def _plugin_files(key: str, value: object) -> tuple[str, ...]:
    found = names(key, value)
    for plugin in found:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", plugin):
            raise ConfigError(f"{key}: {plugin!r} is not a plugin file name (NAME for .relnotes/plugins/NAME.py)")
    return found


def _cadence(key: str, value: object) -> Cadence | None:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ConfigError(f"{key}: expected a cadence such as \"30d\", got {value!r}")
    try:
        return parse_cadence(value)
    except DateProblem as exc:
        raise ConfigError(f"{key}: {exc}") from None


def time_of_day(key: str, value: object) -> dt.time | None:
    """A checker for ``"HH:MM"``, or ``"none"`` (None)."""
    text = str(typed(str)(key, value)).strip().lower()
    if text == "none":
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError(f"{key}: expected a time of day such as \"09:00\", or \"none\", got {value!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class GoalConfig:
    people: int
    per: str  # "week", "month" or "quarter"


_GOAL = Table("goal", (Setting("people", None, at_least(1), "distinct people"),
                       Setting("per", "month", choice("week", "month", "quarter"), "the period")))


def _goal(key: str, value: object) -> GoalConfig:
    values = _GOAL.parse(value)
    if values["people"] is None:
        raise ConfigError(f"{key}.people: missing (e.g. goal = {{ people = 8, per = \"month\" }})")
    return GoalConfig(values["people"], values["per"])  # type: ignore[arg-type]


DEFAULT_CADENCES = {"manager": "14d", "sponsor": "30d", "client": "30d", "mentor": "60d", "peer": "90d",
                    "contact": "180d", "default": "90d"}  # "default": any other type, or none once contacted


@dataclass(frozen=True)
class Markers:
    """What makes a note a person (or a meeting): a folder it lies in, a tag (nested tags
    count by their first or last part: ``people/friends``, ``type/person``, though not
    ``meetings/type``, ``people/templates``: a kind of them), or a value of
    its ``categories`` or ``type`` (text or a link: ``"[[People]]"``). Compared case-insensitively."""

    folders: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    contact_log: tuple[str, ...] = ()  # people only: headings whose list items log contact

    def folder_of(self, path: str) -> str | None:
        """The folder (of :attr:`folders`) that the note at ``path`` lies in, if any."""
        lower = path.lower()
        return next((folder for folder in self.folders if folder and lower.startswith(folder.lower() + "/")), None)


def _folders(key: str, value: object) -> tuple[str, ...]:
    return tuple(a_folder(f"{key}[]", folder) for folder in names(key, value))


def _field_names(key: str, value: object) -> tuple[str, ...]:
    found = names(key, value)
    for name in found:
        if not name.strip():
            raise ConfigError(f"{key}: a field name is empty")
    return found


def _markers(kind: str, folder: str, tags: list[str], categories: list[str]) -> tuple[Setting, ...]:
    return (
        Setting("folders", [folder], _folders, f"Notes in these folders (and below) are {kind}."),
        Setting("tags", tags, names, f"Notes with one of these tags (in the frontmatter or as #tag in the text; "
                f"nested tags by their first or last part, e.g. {tags[0]}/work, but not {tags[0]}/type or "
                f"{tags[0]}/templates) are {kind}; so are notes whose "
                "`type` is one of them."),
        Setting("categories", categories, names, f"Notes whose `categories` (or `type`) hold one of these, as text "
                f"or as a link such as `[[{categories[0]}]]`, are {kind}."),
    )


CORE_TABLES = (
    Table("", (
        Setting("people_folder", None, a_folder, "Older spelling of the people folder: it replaces People/, or "
                "is one more when [people] folders is set.", example='people_folder = "Contacts"'),
        Setting("meetings_folder", None, a_folder, "Older spelling of the meetings folder: it replaces Meetings/, "
                "or is one more when [meetings] folders is set.", example='meetings_folder = "Calls"'),
        Setting("max_note_mb", 64, at_least(1, 4096),
                "Notes bigger than this many megabytes are skipped with a warning (a file that size is no "
                "note, and reading it could exhaust the memory)."),
        Setting("dated_note_interactions", True, typed(bool),
                "A person linked from a dated note (a daily note, or a file named YYYY-MM-DD…) counts as "
                "an interaction on that date."),
        Setting("goal", None, _goal,
                'A networking goal: distinct people contacted per "week", "month" or "quarter". No goal by '
                "default.",
                example='goal = { people = 8, per = "month" }'),
    ), "(TOML: plain keys must stay above the first [table].)"),
    Table("people", (
        *_markers("people", "People", ["person", "people", "contact", "contacts"],
                  ["People", "Person", "Contacts", "Contact"]),
        Setting("contact_log", ["Contact log", "Interactions", "Contact history", "Touchpoints"], names,
                "In a person's own note, list items under a heading of one of these names that start with a date "
                "or a link to a daily note (- 2026-02-20 coffee) are contact on that date."),
    ), "Which notes are people. A note is a person when its `type`, `categories` or tags say so, or it lies in a "
       "people folder; `type: meeting` makes a meeting anywhere, and another plain `type` (type: project) an "
       "ordinary note even in a people folder."),
    Table("meetings", _markers("meetings", "Meetings", ["meeting", "meetings"], ["Meetings", "Meeting"]),
          "Which notes are meetings, the same way."),
    Table("fields", tuple(
        Setting(name, [], _field_names, f"More names for `{name}` (built in: "
                f"{', '.join(FIELDS[name]) or 'none'}).") for name in FIELDS),
          "Other names your notes give the fields relnotes reads, such as prm-last-contacted for last_contact. "
          "Case, spaces, - and _ never matter; Dataview inline fields (Key:: value) count when the frontmatter "
          "lacks the field."),
    Table("cadence", (
        *(Setting(role, DEFAULT_CADENCES[role], _cadence, f"How often to be in touch with a {role}.")
          for role in ROLES),
        Setting("default", DEFAULT_CADENCES["default"], _cadence, "How often to be in touch with someone of any "
                "other relationship type, or of none once any contact with them is recorded."),
    ), "How often to be in touch, per relationship type, when a person note has no `cadence:`. Write 14d, 2w, "
       '3m, 1y, weekly, biweekly, monthly, quarterly, yearly, a number of days, or "none". Any other key defines '
       'a relationship type of your own: `mentee = "4w"`, `friend = "1m"`.', extra=_cadence),
    Table("me", (
        Setting("emails", [], names, "Your own addresses: in a calendar they are you, never a person.",
                example='emails = ["me@example.org"]'),
    ), "Who you are, where sources name you."),
    Table("log", (
        Setting("path", "relnotes log.md", a_note_path,
                "The note `relnotes log`, `snooze` and `done` (and the phone pages' buttons) add a line to, relative "
                "to the vault. relnotes creates it with its marker and then only appends; it must lie in the vault."),
        Setting("daily_note", False, typed(bool),
                "Add those lines to today's daily note (the Daily notes or Periodic Notes folder and format) "
                "instead; they are read back from daily notes as from the log."),
    ), "The action log: what you did about a reminder, one line each, read back on every scan."),
    Table("digest", (
        Setting("time", "08:00", time_of_day, '`relnotes watch` sends the daily digest at this local time ("none": '
                "never; `relnotes notify` sends it whenever it runs), on the channels of notify.toml in your own "
                "config folder."),
        Setting("channels", [], names, "Which channels of notify.toml get it (by table name); none listed: all."),
        Setting("send", "changes", choice("changes", "not empty", "always"),
                '"changes": not when nothing is due or it says what the last one did; "not empty": whenever '
                'something is due; "always": every day.'),
    ), "The daily digest: what is overdue, due today and this week, and the celebrations coming up."),
    Table("plugins", (
        Setting("disable", [], names, "Plugins not to run, by name (see `relnotes plugins`)."),
        Setting("local", [], _plugin_files,
                "The vault's own plugins (.relnotes/plugins/NAME.py) it expects: one without its file is a "
                "warning. None runs before you trust it with `relnotes trust VAULT NAME` (a vault cannot opt "
                "itself in)."),
    ), "Plugins to switch off, and the vault's own plugins it expects. A plugin's own settings go in its "
       "[plugins.NAME] table."),
)
_CORE = {table.name: table for table in CORE_TABLES}
# what a vault's config may not hold: the notifiers' tables, which go in the user's notify.toml
CHANNEL_TABLES = frozenset(("notify", "notifiers", "channels", "email", "smtp", "ntfy", "webhook", "desktop"))
NOTIFY_HINT = "notify.toml in your own config folder (`relnotes notify VAULT --where` shows it)"


def output_file(root: Path, path: str) -> Path:
    """Where an output configured at ``path`` goes: relative to the vault, or absolute (``~`` too)."""
    return Path(root) / Path(path).expanduser()


def _core(name: str, key: str) -> Callable[[], Any]:
    return lambda: _CORE[name].defaults()[key]


def _marker_table(name: str, folder: object) -> Callable[[], Markers]:
    return lambda: _markers_of(_CORE[name].defaults(), folder)


def _markers_of(values: Mapping[str, Any], folder: object, given: bool = False) -> Markers:
    """:class:`Markers` from a checked ``[people]``/``[meetings]`` table; the older
    ``people_folder``/``meetings_folder`` key's ``folder`` replaces the default folders, or is
    added to those ``given`` in the table."""
    folders = values["folders"]
    if isinstance(folder, str) and folder:
        folders = tuple(dict.fromkeys([*folders, folder])) if given else (folder,)
    return Markers(folders=folders, tags=values["tags"], categories=values["categories"],
                   contact_log=values.get("contact_log", ()))


@dataclass(frozen=True)
class Config:
    """Everything a scan is configured with: relnotes' own settings as attributes, and each
    plugin's table, checked and complete, through :meth:`table`."""

    people_folder: str = ""  # one more people folder (the older spelling); read back: the first people folder
    meetings_folder: str = ""  # likewise for meetings
    people: Markers = field(default_factory=_marker_table("people", None))
    meetings: Markers = field(default_factory=_marker_table("meetings", None))
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)  # more names per field ([fields])
    dated_note_interactions: bool = field(default_factory=_core("", "dated_note_interactions"))
    max_note_mb: int = field(default_factory=_core("", "max_note_mb"))
    cadence: dict[str, Cadence | None] = field(default_factory=lambda: dict(_CORE["cadence"].defaults()))  # type: ignore[arg-type]
    goal: GoalConfig | None = None
    disable: tuple[str, ...] = ()  # plugins not to run
    local_plugins: tuple[str, ...] = ()  # .relnotes/plugins/NAME.py files the user opted in to
    my_emails: tuple[str, ...] = ()  # [me] emails
    log_path: str = field(default_factory=_core("log", "path"))  # the action log note, vault-relative
    log_daily: bool = field(default_factory=_core("log", "daily_note"))  # actions go to today's daily note
    digest_time: dt.time | None = field(default_factory=_core("digest", "time"))  # when watch sends the digest
    digest_channels: tuple[str, ...] = ()  # the notify.toml channels it goes to (none: all)
    digest_send: str = field(default_factory=_core("digest", "send"))  # "changes", "not empty" or "always"
    # where the phone pages are served (`relnotes token --url`): the user's setting, never the vault's
    pages_url: str | None = None
    tables: dict[str, Section] = field(default_factory=dict)  # the plugins' tables, by name
    outputs: tuple[str, ...] = ()  # the names of the output tables among them
    warnings: tuple[str, ...] = ()  # tables no enabled plugin declares

    def __post_init__(self) -> None:
        for name in ("people", "meetings"):
            markers, folder = getattr(self, name), getattr(self, f"{name}_folder")
            if folder and folder not in markers.folders:
                object.__setattr__(self, name, replace(markers, folders=(folder,)))
            elif not folder:
                object.__setattr__(self, f"{name}_folder", markers.folders[0] if markers.folders else "")

    @functools.cached_property
    def vocabulary(self) -> Vocabulary:
        """Where each field is found and what each relationship word means, for this config."""
        custom = tuple(kind for kind in self.cadence if kind not in ROLES and kind != "default")
        return Vocabulary(self.fields, custom)

    def table(self, name: str) -> Section:
        """A plugin's settings (``"ics"``, ``"plugins.reconnect"``), checked, defaults filled in.

        :raises KeyError: when no enabled plugin declares the table.
        """
        return self.tables[name]

    def override(self, table: str, **values: object) -> Config:
        """This config with some settings of ``table`` replaced (command-line options win over
        the file); a table no plugin declares is left as it is."""
        if table not in self.tables or not values:
            return self
        return replace(self, tables={**self.tables, table: Section(table, {**self.tables[table], **values})})

    def output_paths(self, root: Path, enabled_only: bool = False) -> dict[str, Path]:
        """Where each output table says its output goes (for outputs that are enabled, or all)."""
        return {name: output_file(root, self.tables[name]["path"]) for name in self.outputs
                if not enabled_only or self.tables[name]["enabled"]}


def parse_config(data: Mapping[str, object], tables: Iterable[Table] = ()) -> Config:
    """Build a :class:`Config` from a parsed TOML document: relnotes' own settings and the
    plugins' ``tables``, every key checked."""
    declared = {table.name: table for table in tables}
    top = _CORE[""].defaults()  # the plain keys at the top of the file, checked
    core: dict[str, dict[str, object]] = {}  # relnotes' own tables, checked
    found: dict[str, Section] = {name: Section(name, table.defaults()) for name, table in declared.items()}
    warnings = []
    plugin_tables = {}
    for key, given in data.items():
        value = given
        if key in CHANNEL_TABLES:
            raise ConfigError(f"[{key}]: the settings of a channel, and their passwords and tokens, do not belong "
                              f"in a vault (it syncs, and others may read it): put them in {NOTIFY_HINT}")
        if key == "plugins" and isinstance(given, dict):
            plugin_tables = {f"plugins.{k}": v for k, v in given.items() if isinstance(v, dict)}
            value = {k: v for k, v in given.items() if not isinstance(v, dict)}
        if key in _CORE and key:
            core[key] = _CORE[key].parse(value)
        elif key in declared:
            found[key] = Section(key, declared[key].parse(value))
        elif key in top:
            top[key] = next(s for s in _CORE[""].settings if s.key == key).check(key, value)
        elif isinstance(value, dict):
            warnings.append(f"[{key}] in the config: no enabled plugin has settings called {key!r}; ignored "
                            f"(tables: {', '.join([*(t for t in _CORE if t), *declared]) or 'none'})")
        else:
            known = [*_CORE[""].defaults(), *(t for t in _CORE if t), *declared]
            raise ConfigError(f"{key}: unknown key (known: {', '.join(known)})")
    for key, value in plugin_tables.items():
        if key in declared:
            found[key] = Section(key, declared[key].parse(value))
        else:
            warnings.append(f"[{key}] in the config: no enabled plugin called {key.split('.', 1)[1]!r}; ignored")

    def core_table(name: str) -> dict[str, object]:
        return core.get(name) or _CORE[name].defaults()

    plugins = core_table("plugins")
    # the checkers of CORE_TABLES make these types
    people = _markers_of(core_table("people"), top["people_folder"], "folders" in _mapping(data.get("people")))
    meetings = _markers_of(core_table("meetings"), top["meetings_folder"], "folders" in _mapping(data.get("meetings")))
    return Config(people_folder=people.folders[0] if people.folders else "", people=people,
                  meetings_folder=meetings.folders[0] if meetings.folders else "", meetings=meetings,
                  fields={k: cast("tuple[str, ...]", v) for k, v in core_table("fields").items() if v},
                  dated_note_interactions=cast(bool, top["dated_note_interactions"]),
                  max_note_mb=cast(int, top["max_note_mb"]),
                  goal=cast("GoalConfig | None", top["goal"]),
                  cadence=cast("dict[str, Cadence | None]", core_table("cadence")),
                  disable=cast("tuple[str, ...]", plugins["disable"]),
                  local_plugins=cast("tuple[str, ...]", plugins["local"]),
                  my_emails=cast("tuple[str, ...]", core_table("me")["emails"]),
                  log_path=PurePosixPath(cast(str, core_table("log")["path"])).as_posix(),  # as note paths are
                  log_daily=cast(bool, core_table("log")["daily_note"]),
                  digest_time=cast("dt.time | None", core_table("digest")["time"]),
                  digest_channels=cast("tuple[str, ...]", core_table("digest")["channels"]),
                  digest_send=cast(str, core_table("digest")["send"]),
                  tables=found, outputs=tuple(name for name, table in declared.items() if table.output),
                  warnings=tuple(warnings))


def _mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, dict) else {}


def read_config(vault: Path) -> dict[str, object]:
    """The TOML document of ``VAULT/.relnotes/config.toml``; empty when there is none."""
    path = vault / CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None


def load_config(vault: Path, tables: Iterable[Table] = ()) -> Config:
    """Read and check ``VAULT/.relnotes/config.toml`` (defaults when there is none)."""
    try:
        return parse_config(read_config(vault), tables)
    except ConfigError as exc:
        message = str(exc)
        raise ConfigError(message if message.startswith(str(vault / CONFIG_PATH)) else
                          f"{vault / CONFIG_PATH}: {message}") from None


# --- the schema as text: the commented template and the README's table ---------------------------------

def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list):
        return "[" + ", ".join(map(_toml, value)) + "]"
    return str(value)


def _wrapped(text: str, prefix: str = "# ", width: int = 92) -> list[str]:
    """``text`` as comment lines; a ``[table]`` never starts one (it would read as a commented table)."""
    words: list[str] = []
    for word in text.split():
        if word.startswith("[") and words:
            words[-1] += f" {word}"
        else:
            words.append(word)
    lines, line = [], ""
    for word in words:
        if line and len(prefix) + len(line) + 1 + len(word) > width:
            lines.append(prefix + line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return [*lines, prefix + line] if line else lines


def config_template(tables: Iterable[Table], values: Mapping[str, Mapping[str, object]] | None = None) -> str:
    """``relnotes init``'s config: every setting of relnotes and of ``tables``, commented out at its
    default, but those in ``values`` (by table, then key: what ``init`` found), which are set."""
    values = values or {}
    out = ["# relnotes configuration. Every setting below is the default: uncomment to change.",
           '# Reference: the "Config file" section of relnotes\' README.']
    if values:
        out.append("# The settings that are not commented out fit what `relnotes init` found in this vault.")
    for table in [*CORE_TABLES, *tables]:
        given = values.get(table.name, {})
        out.append("")
        out += _wrapped(table.help) if table.help else []
        if table.name:
            out.append(f"[{table.name}]" if given else f"# [{table.name}]")
        for setting in table.settings:
            out += _wrapped(setting.help)
            if setting.key in given:
                out.append(f"{setting.key} = {_toml(given[setting.key])}")
            elif setting.default is None:
                if setting.example:
                    out += ["# For example:", f"# {setting.example}"]
            else:
                out.append(f"# {setting.key} = {_toml(setting.default)}")
        known = {s.key for s in table.settings}
        out += [f"{_toml_key(key)} = {_toml(value)}" for key, value in given.items() if key not in known]
    return "\n".join(out) + "\n"


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml(key)


def config_reference(tables: Iterable[Table]) -> str:
    """The README's table of every setting: key, default, meaning."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for table in [*CORE_TABLES, *tables]:
        for setting in table.settings:
            default = f"`{_toml(setting.default)}`" if setting.default is not None else (
                f"unset (e.g. `{setting.example}`)" if setting.example else "unset")
            rows.append(f"| `{table.shown(setting.key)}` | {default} | {setting.help.replace('|', '/')} |")
    return "\n".join(rows) + "\n"
