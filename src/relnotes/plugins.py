"""Building the plugin manager: built-ins, installed plugins, and calling hooks safely."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pluggy

from . import __version__, hookspecs
from .model import Problem
from .vault import file_key

__all__ = ["DEFAULT_PLUGINS", "ENTRY_POINT_GROUP", "LOCAL_PLUGINS", "PluginError", "PluginInfo",
           "RelnotesPluginManager", "get_plugin_manager", "plugin_sources"]

ENTRY_POINT_GROUP = "relnotes"
DISABLE_AUTOLOAD_ENV = "RELNOTES_DISABLE_PLUGIN_AUTOLOAD"
TRACE_ENV = "RELNOTES_TRACE_HOOKS"
LOCAL_PLUGINS = ".relnotes/plugins"  # inside the vault: NAME.py files, run only when listed in config

# The built-in behaviour, each a plugin registered under its module's last name.
DEFAULT_PLUGINS = (
    "relnotes.default_plugins.classify",
    "relnotes.default_plugins.interactions",
    "relnotes.default_plugins.followups",
    "relnotes.default_plugins.new_contacts",
    "relnotes.default_plugins.meeting_followups",
    "relnotes.default_plugins.tasks",
    "relnotes.default_plugins.celebrations",
    "relnotes.default_plugins.goal",
    "relnotes.default_plugins.ics",
    "relnotes.default_plugins.summary",
)


class PluginError(RuntimeError):
    """A plugin failed and ``strict`` mode makes that fatal."""


@dataclass(frozen=True)
class PluginInfo:
    """Where a registered plugin comes from."""

    origin: str  # "built-in", "installed", "vault-local" or "registered" (by code, e.g. in tests)
    version: str
    distribution: str = ""  # the installed package it comes from


class RelnotesPluginManager(pluggy.PluginManager):
    """A pluggy manager that isolates plugins from each other.

    :meth:`collect` and :meth:`first` call implementations one by one; one
    that raises is reported in :attr:`problems` by name and skipped (or, when
    ``strict``, raises :class:`PluginError`).
    """

    def __init__(self, strict: bool = False) -> None:
        super().__init__("relnotes")
        self.add_hookspecs(hookspecs)
        self.strict = strict
        self.problems: list[Problem] = []
        self.info: dict[str, PluginInfo] = {}
        self._impls: dict[str, list] = {}
        self._trace = bool(os.environ.get(TRACE_ENV))

    def describe(self, name: str) -> PluginInfo:
        return self.info.get(name, PluginInfo("registered", "-"))

    def report(self, plugin: str, message: str) -> None:
        if self.strict:
            raise PluginError(f"plugin {plugin!r}: {message}")
        self.problems.append(Problem("", None, f"plugin {plugin!r}: {message}"))

    def register(self, plugin: object, name: str | None = None) -> str | None:
        self._impls.clear()
        return super().register(plugin, name)

    def unregister(self, plugin: object = None, name: str | None = None) -> object:
        self._impls.clear()
        return super().unregister(plugin, name)

    def implementations(self, hook_name: str) -> list[tuple[str, Callable, tuple[str, ...]]]:
        """(plugin name, function, argument names) in pluggy's calling order, cached until plugins change."""
        if hook_name not in self._impls:
            hook = getattr(self.hook, hook_name)
            self._impls[hook_name] = [(i.plugin_name, i.function, tuple(i.argnames))
                                      for i in reversed(hook.get_hookimpls())]
        return self._impls[hook_name]

    def _calls(self, hook_name: str, kwargs: dict, collect: bool) -> Iterator[tuple[str, object]]:
        """Each implementation's answer, in pluggy's calling order. With ``collect``, an answer is
        read to the end as a list inside the guard, so a generator that fails halfway gives nothing."""
        for plugin, function, argnames in self.implementations(hook_name):
            if self._trace:
                print(f"relnotes: hook {hook_name} -> {plugin}", file=sys.stderr)
            try:
                result = function(*[kwargs[name] for name in argnames])
                if collect and result is not None:
                    if isinstance(result, (str, bytes)) or not hasattr(result, "__iter__"):
                        self.report(plugin, f"{hook_name} returned {type(result).__name__}, "
                                    "not a list; its contribution was skipped")
                        continue
                    result = list(result)
            except Exception as exc:  # a plugin's bug must not stop the scan
                self.report(plugin, f"{hook_name} raised {type(exc).__name__}: {exc}; "
                            "its contribution was skipped")
                continue
            yield plugin, result

    def collect(self, hook_name: str, **kwargs: object) -> list[tuple[str, object]]:
        """Call every implementation; return (plugin name, item) for each item returned."""
        return [(plugin, item) for plugin, result in self._calls(hook_name, kwargs, collect=True)
                for item in result or ()]

    def first(self, hook_name: str, **kwargs: object) -> object:
        """Call implementations until one returns something other than None (``firstresult``)."""
        for _plugin, result in self._calls(hook_name, kwargs, collect=False):
            if result is not None:
                return result
        return None


def _load_local(pm: RelnotesPluginManager, folder: Path, names: Iterable[str]) -> None:
    for name in names:
        path = folder / f"{name}.py"
        try:
            spec = importlib.util.spec_from_file_location(f"relnotes_local_plugins.{name}", path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            pm.register(module, name=name)
        except Exception as exc:
            pm.report(name, f"vault-local plugin {LOCAL_PLUGINS}/{name}.py cannot be loaded "
                      f"({type(exc).__name__}: {exc}); skipped")
        else:
            pm.info[name] = PluginInfo("vault-local", "-")
    for path in sorted(folder.glob("*.py")) if folder.is_dir() else []:
        if path.stem not in names:
            pm.problems.append(Problem(f"{LOCAL_PLUGINS}/{path.name}", None,
                                       f"vault-local plugin not run: add {path.stem!r} to [plugins] local in "
                                       ".relnotes/config.toml if you trust it"))


def plugin_sources(disable: Iterable[str] = (), *, autoload: bool | None = None, local: Iterable[str] = (),
                   vault: Path | None = None) -> list[tuple]:
    """What decides the plugin code :func:`get_plugin_manager` (same arguments) would load, found
    without loading any: each installed plugin's distribution, version and source files (by size
    and modification time, so an edited development install counts as changed) and each
    opted-in vault-local plugin's file. Equal sources mean the same plugin code."""
    disabled = set(disable)
    if autoload is None:
        autoload = not os.environ.get(DISABLE_AUTOLOAD_ENV)
    sources: list[tuple] = [("disabled", *sorted(disabled))]
    if autoload:
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name not in disabled:
                dist = getattr(ep, "dist", None)
                sources.append((ep.name, ep.value, dist.name if dist else "", dist.version if dist else "",
                                *_files_of(ep.module.split(".", 1)[0])))
    if vault is not None:
        folder = Path(vault) / LOCAL_PLUGINS
        sources += [(name, file_key(folder / f"{name}.py")) for name in local if name not in disabled]
        sources.append(("unlisted", *(sorted(p.name for p in folder.glob("*.py")) if folder.is_dir() else ())))
    return sources


def _files_of(module: str) -> list[tuple]:
    """The source files of a top-level module or package, found without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return []
    if spec is None:
        return []
    folders = list(spec.submodule_search_locations or [])
    paths = sorted(p for folder in folders for p in Path(folder).rglob("*.py")) if folders else (
        [Path(spec.origin)] if spec.origin else [])
    return [(str(path), file_key(path)) for path in paths]


def get_plugin_manager(disable: Iterable[str] = (), *, autoload: bool | None = None, strict: bool = False,
                       local: Iterable[str] = (), vault: Path | None = None) -> RelnotesPluginManager:
    """A fresh manager with the built-ins and, unless turned off, installed and opted-in local plugins.

    :param disable: plugin names (built-in, installed or local) not to run.
    :param autoload: load plugins from the ``relnotes`` entry-point group;
        by default yes, unless ``RELNOTES_DISABLE_PLUGIN_AUTOLOAD`` is set.
    :param strict: make a failing plugin fatal instead of a warning.
    :param local: names of the vault's own plugins to run, ``VAULT/.relnotes/plugins/NAME.py``
        (code in a synced vault runs only when its owner lists it in the config).
    :param vault: the vault whose local plugins these are.
    """
    pm = RelnotesPluginManager(strict=strict)
    for name in disable:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        name = module_name.rsplit(".", 1)[1]
        if not pm.is_blocked(name):
            pm.register(importlib.import_module(module_name), name=name)
            pm.info[name] = PluginInfo("built-in", __version__, "relnotes")
    if autoload is None:
        autoload = not os.environ.get(DISABLE_AUTOLOAD_ENV)
    if autoload:
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if pm.is_blocked(ep.name) or pm.get_plugin(ep.name) is not None:
                continue
            try:
                pm.register(ep.load(), name=ep.name)
            except Exception as exc:
                pm.report(ep.name, f"cannot be loaded ({type(exc).__name__}: {exc}); skipped")
            else:
                dist = getattr(ep, "dist", None)
                pm.info[ep.name] = PluginInfo("installed", dist.version if dist else "?", dist.name if dist else "")
    if vault is not None:
        _load_local(pm, Path(vault) / LOCAL_PLUGINS, [n for n in local if not pm.is_blocked(n)])
    return pm
