"""The vault's optional ``.relnotes/config.toml``, checked strictly: an unknown
key or a value of the wrong type is an error that names the key."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .dates import Cadence, DateProblem, parse_cadence
from .model import ROLES

__all__ = ["CONFIG_PATH", "Config", "ConfigError", "GoalConfig", "load_config", "parse_config"]

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
    disable: tuple[str, ...] = ()


def _check(key: str, value: object, kind: type) -> None:
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if not ok:
        names = {str: "a string", int: "a whole number", bool: "true or false", dict: "a table", list: "a list"}
        raise ConfigError(f"{key}: expected {names[kind]}, got {value!r}")


def _folder(key: str, value: object) -> str:
    _check(key, value, str)
    return value.replace("\\", "/").strip().strip("/")


def _cadences(value: object) -> dict[str, Cadence | None]:
    _check("cadence", value, dict)
    cadences = Config().cadence
    for role, text in value.items():
        if role not in ROLES:
            raise ConfigError(f"cadence.{role}: unknown role (known: {', '.join(ROLES)})")
        if not isinstance(text, (str, int)) or isinstance(text, bool):
            raise ConfigError(f"cadence.{role}: expected a cadence such as \"30d\", got {text!r}")
        try:
            cadences[role] = parse_cadence(text)
        except DateProblem as exc:
            raise ConfigError(f"cadence.{role}: {exc}") from None
    return cadences


def _goal(value: object) -> GoalConfig:
    _check("goal", value, dict)
    unknown = set(value) - {"people", "per"}
    if unknown:
        raise ConfigError(f"goal.{sorted(unknown)[0]}: unknown key (known: people, per)")
    if "people" not in value:
        raise ConfigError("goal.people: missing (e.g. goal = { people = 8, per = \"month\" })")
    _check("goal.people", value["people"], int)
    if value["people"] < 1:
        raise ConfigError(f"goal.people: expected at least 1, got {value['people']}")
    per = value.get("per", "month")
    _check("goal.per", per, str)
    if per not in ("week", "month", "quarter"):
        raise ConfigError(f"goal.per: expected \"week\", \"month\" or \"quarter\", got {per!r}")
    return GoalConfig(value["people"], per)


def _positive(key: str, value: object) -> int:
    _check(key, value, int)
    if value < 0:
        raise ConfigError(f"{key}: expected zero or more, got {value}")
    return value


def _new_contact(value: object) -> dict:
    _check("new_contact", value, dict)
    out = {}
    for key, item in value.items():
        if key == "window_days":
            out["new_contact_days"] = _positive("new_contact.window_days", item)
        elif key == "delay_days":
            out["new_contact_delay"] = _positive("new_contact.delay_days", item)
        else:
            raise ConfigError(f"new_contact.{key}: unknown key (known: window_days, delay_days)")
    return out


def _celebrations(value: object) -> dict:
    _check("celebrations", value, dict)
    out = {}
    for key, item in value.items():
        if key != "feb29":
            raise ConfigError(f"celebrations.{key}: unknown key (known: feb29)")
        _check("celebrations.feb29", item, str)
        if item not in ("feb28", "mar1"):
            raise ConfigError(f"celebrations.feb29: expected \"feb28\" or \"mar1\", got {item!r}")
        out["feb29"] = item
    return out


def _plugins(value: object) -> dict:
    _check("plugins", value, dict)
    out = {}
    for key, item in value.items():
        if key != "disable":
            raise ConfigError(f"plugins.{key}: unknown key (known: disable)")
        _check("plugins.disable", item, list)
        for name in item:
            _check("plugins.disable[]", name, str)
        out["disable"] = tuple(item)
    return out


def parse_config(data: dict) -> Config:
    """Build a :class:`Config` from the parsed TOML document, checking every key."""
    values: dict = {}
    for key, value in data.items():
        if key in ("people_folder", "meetings_folder"):
            values[key] = _folder(key, value)
        elif key == "dated_note_interactions":
            _check(key, value, bool)
            values[key] = value
        elif key == "cadence":
            values[key] = _cadences(value)
        elif key == "new_contact":
            values.update(_new_contact(value))
        elif key == "celebrations":
            values.update(_celebrations(value))
        elif key == "goal":
            values[key] = _goal(value)
        elif key == "plugins":
            values.update(_plugins(value))
        else:
            known = ", ".join(["people_folder", "meetings_folder", "dated_note_interactions", "cadence",
                               "new_contact", "celebrations", "goal", "plugins"])
            raise ConfigError(f"{key}: unknown key (known: {known})")
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

