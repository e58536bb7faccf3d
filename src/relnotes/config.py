"""The vault's optional ``.relnotes/config.toml``, checked strictly: an unknown
key or a value of the wrong type is an error that names the key."""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .dates import Cadence, DateProblem, parse_cadence
from .model import ROLES

__all__ = ["CONFIG_PATH", "Config", "ConfigError", "GoalConfig", "IcsConfig", "SummaryConfig", "load_config",
           "parse_config",
           "with_overrides"]

CONFIG_PATH = ".relnotes/config.toml"

DEFAULT_CADENCES = {
    "manager": "14d",
    "sponsor": "30d",
    "client": "30d",
    "mentor": "60d",
    "peer": "90d",
    "contact": "180d",
}


class ConfigError(ValueError):
    """The config file cannot be used; the message names the file and the key."""


@dataclass(frozen=True)
class GoalConfig:
    people: int
    per: str  # "week", "month" or "quarter"


@dataclass(frozen=True)
class IcsConfig:
    """The calendar feed."""

    enabled: bool = True
    path: str = ".relnotes/relnotes.ics"  # relative to the vault, or absolute
    name: str = "relnotes"
    alarm: dt.time | None = dt.time(9, 0)  # on the day of each event; None for no alarm
    refresh_minutes: int = 60


SUMMARY_SECTIONS = ("overdue", "this_week", "later", "celebrations", "goal", "health", "problems")


@dataclass(frozen=True)
class SummaryConfig:
    """The summary note written into the vault."""

    enabled: bool = True
    path: str = "relnotes.md"  # relative to the vault, or absolute
    sections: tuple[str, ...] = SUMMARY_SECTIONS
    week_days: int = 7  # "This week": today and the next days up to this many
    window_days: int | None = None  # "Later in the window" and celebrations; default: the scan's horizon


def output_file(root: Path, path: str) -> Path:
    """Where an output configured at ``path`` goes: relative to the vault, or absolute (``~`` too)."""
    return Path(root) / Path(path).expanduser()


@dataclass(frozen=True)
class Config:
    """Everything a scan can be configured with; the defaults are the documented ones."""

    people_folder: str = "People"
    meetings_folder: str = "Meetings"
    dated_note_interactions: bool = True
    cadence: dict[str, Cadence | None] = field(
        default_factory=lambda: {role: parse_cadence(text) for role, text in DEFAULT_CADENCES.items()})
    new_contact_days: int = 30
    new_contact_delay: int = 2
    feb29: str = "feb28"
    goal: GoalConfig | None = None
    disable: tuple[str, ...] = ()  # plugins not to run
    local_plugins: tuple[str, ...] = ()  # .relnotes/plugins/NAME.py files the user opted in to
    plugin_settings: dict[str, dict] = field(default_factory=dict)  # [plugins.NAME] tables, for plugins to read
    ics: IcsConfig = IcsConfig()
    summary: SummaryConfig = SummaryConfig()


# --- value checkers: (key, value) -> the value to store, or ConfigError --------------------------

_KIND_NAMES = {str: "a string", int: "a whole number", bool: "true or false", dict: "a table", list: "a list"}


def _typed(kind: type) -> Callable[[str, object], object]:
    def check(key: str, value: object) -> object:
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ConfigError(f"{key}: expected {_KIND_NAMES[kind]}, got {value!r}")
        return value
    return check


def _at_least(minimum: int) -> Callable[[str, object], int]:
    def check(key: str, value: object) -> int:
        _typed(int)(key, value)
        if value < minimum:
            raise ConfigError(f"{key}: expected {minimum} or more, got {value}")
        return value
    return check


def _choice(*choices: str) -> Callable[[str, object], str]:
    def check(key: str, value: object) -> str:
        _typed(str)(key, value)
        if value not in choices:
            raise ConfigError(f"{key}: expected {' or '.join(map(repr, choices))}, got {value!r}")
        return value
    return check


def _folder(key: str, value: object) -> str:
    return _typed(str)(key, value).replace("\\", "/").strip().strip("/")


def _path(key: str, value: object) -> str:
    text = _typed(str)(key, value).strip()
    if not text:
        raise ConfigError(f"{key}: expected a path, got an empty string")
    return text


def _names(key: str, value: object) -> tuple[str, ...]:
    return tuple(_typed(str)(f"{key}[]", name) for name in _typed(list)(key, value))


def _cadence(key: str, value: object) -> Cadence | None:
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise ConfigError(f"{key}: expected a cadence such as \"30d\", got {value!r}")
    try:
        return parse_cadence(value)
    except DateProblem as exc:
        raise ConfigError(f"{key}: {exc}") from None


def _alarm(key: str, value: object) -> dt.time | None:
    text = _typed(str)(key, value).strip().lower()
    if text == "none":
        return None
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ConfigError(f"{key}: expected a time of day such as \"09:00\", or \"none\", got {value!r}")
    return dt.time(int(match.group(1)), int(match.group(2)))


def _goal(key: str, value: object) -> GoalConfig:
    values = _table(key, value, {"people": ("people", _at_least(1)), "per": ("per", _choice("week", "month", "quarter"))})
    if "people" not in values:
        raise ConfigError(f"{key}.people: missing (e.g. goal = {{ people = 8, per = \"month\" }})")
    return GoalConfig(values["people"], values.get("per", "month"))


# --- the schema: config key -> (attribute, checker); a table maps to a dict of its own ------------

Schema = dict[str, tuple[str, Callable[[str, object], object]]]

_CADENCE_SCHEMA: Schema = {role: (role, _cadence) for role in ROLES}
_NEW_CONTACT_SCHEMA: Schema = {"window_days": ("new_contact_days", _at_least(0)),
                               "delay_days": ("new_contact_delay", _at_least(0))}
_CELEBRATIONS_SCHEMA: Schema = {"feb29": ("feb29", _choice("feb28", "mar1"))}
def _plugins(key: str, value: object) -> dict:
    values: dict = {"plugin_settings": {}}
    for name, item in _typed(dict)(key, value).items():
        if name == "disable":
            values["disable"] = _names(f"{key}.disable", item)
        elif name == "local":
            values["local_plugins"] = _names(f"{key}.local", item)
            for plugin in values["local_plugins"]:
                if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", plugin):
                    raise ConfigError(f"{key}.local: {plugin!r} is not a plugin file name (NAME for "
                                      ".relnotes/plugins/NAME.py)")
        elif isinstance(item, dict):
            values["plugin_settings"][name] = item  # a plugin's own table: the plugin checks it
        else:
            raise ConfigError(f"{key}.{name}: unknown key (known: disable, local, or a [plugins.NAME] table "
                              "of a plugin's settings)")
    return values


def _sections(key: str, value: object) -> tuple[str, ...]:
    names = _names(key, value)
    for name in names:
        if name not in SUMMARY_SECTIONS:
            raise ConfigError(f"{key}: unknown section {name!r} (known: {', '.join(SUMMARY_SECTIONS)})")
    return names


def _note_path(key: str, value: object) -> str:
    text = _path(key, value)
    if not text.lower().endswith(".md"):
        raise ConfigError(f"{key}: expected the path of a .md note, got {value!r}")
    return text


_SUMMARY_SCHEMA: Schema = {
    "enabled": ("enabled", _typed(bool)),
    "path": ("path", _note_path),
    "sections": ("sections", _sections),
    "week_days": ("week_days", _at_least(1)),
    "window_days": ("window_days", _at_least(0)),
}
_ICS_SCHEMA: Schema = {
    "enabled": ("enabled", _typed(bool)),
    "path": ("path", _path),
    "name": ("name", _typed(str)),
    "alarm": ("alarm", _alarm),
    "refresh_minutes": ("refresh_minutes", _at_least(1)),
}


def _table(key: str, value: object, schema: Schema) -> dict:
    values = {}
    for name, item in _typed(dict)(key, value).items():
        if name not in schema:
            raise ConfigError(f"{key}.{name}: unknown key (known: {', '.join(schema)})")
        attribute, check = schema[name]
        values[attribute] = check(f"{key}.{name}", item)
    return values


def parse_config(data: dict) -> Config:
    """Build a :class:`Config` from the parsed TOML document, checking every key."""
    plain: Schema = {
        "people_folder": ("people_folder", _folder),
        "meetings_folder": ("meetings_folder", _folder),
        "dated_note_interactions": ("dated_note_interactions", _typed(bool)),
        "goal": ("goal", _goal),
    }
    tables = {"cadence": _CADENCE_SCHEMA, "new_contact": _NEW_CONTACT_SCHEMA, "celebrations": _CELEBRATIONS_SCHEMA,
              "ics": _ICS_SCHEMA, "summary": _SUMMARY_SCHEMA}
    values: dict = {}
    for key, value in data.items():
        if key in plain:
            attribute, check = plain[key]
            values[attribute] = check(key, value)
        elif key == "cadence":
            values["cadence"] = {**Config().cadence, **_table(key, value, _CADENCE_SCHEMA)}
        elif key == "ics":
            values["ics"] = IcsConfig(**_table(key, value, _ICS_SCHEMA))
        elif key == "summary":
            values["summary"] = SummaryConfig(**_table(key, value, _SUMMARY_SCHEMA))
        elif key == "plugins":
            values.update(_plugins(key, value))
        elif key in tables:
            values.update(_table(key, value, tables[key]))
        else:
            raise ConfigError(f"{key}: unknown key (known: {', '.join([*plain, *tables, 'plugins'])})")
    return Config(**values)


def load_config(vault: Path) -> Config:
    """Read ``VAULT/.relnotes/config.toml``; defaults when there is none."""
    path = vault / CONFIG_PATH
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return Config()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        return parse_config(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def with_overrides(config: Config, **sections: dict) -> Config:
    """``config`` with some settings of its sections replaced, e.g. ``ics={"path": "/tmp/x.ics"}``
    (for command-line options, which win over the file)."""
    changes = {name: replace(getattr(config, name), **values) for name, values in sections.items() if values}
    return replace(config, **changes) if changes else config
