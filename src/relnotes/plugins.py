"""The plugin manager: built-ins, installed and opted-in vault-local plugins, each guarded.

pluggy calls the hooks, so its ordering, ``wrapper=True`` implementations and
:meth:`~pluggy.PluginManager.add_hookcall_monitoring` behave as pluggy documents
them. What relnotes adds happens at registration: each implementation is wrapped in
a guard, so one that raises (or returns something other than a list from a
collection hook) is reported by name and contributes nothing, while the others still
count; in ``strict`` mode the guard raises :class:`PluginError` instead. Old-style
``hookwrapper=True`` implementations are refused at registration, naming the plugin.

:class:`Hooks` is the typed front the rest of relnotes calls: one method per hook,
checking every item a plugin returns.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import logging
import os
import shlex
import types
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pluggy

from . import __version__, hookspecs
from .config import Table
from .filekeys import file_key
from .model import GoalStatus, Interaction, Output, Problem, Reminder
from .trust import code_digest, trust_path, trusted_plugins

if TYPE_CHECKING:
    import datetime as dt

    import click

    from .config import Config
    from .model import ScanResult, Vault
    from .notify import Notifier

__all__ = ["DEFAULT_PLUGINS", "ENTRY_POINT_GROUP", "LOCAL_PLUGINS", "TRACE_ENV", "WHOLE_VAULT_HOOKS", "Hooks",
           "PluginError", "PluginInfo", "PluginRefused", "RelnotesPluginManager", "get_plugin_manager",
           "local_sources", "plugin_sources"]

log = logging.getLogger("relnotes.hooks")

ENTRY_POINT_GROUP = "relnotes"
DISABLE_AUTOLOAD_ENV = "RELNOTES_DISABLE_PLUGIN_AUTOLOAD"
TRACE_ENV = "RELNOTES_TRACE_HOOKS"
LOCAL_PLUGINS = ".relnotes/plugins"  # inside the vault: NAME.py files, run only when listed in config

# The built-in behaviour, each a plugin registered under its module's last name.
DEFAULT_PLUGINS = (
    "relnotes.default_plugins.classify",
    "relnotes.default_plugins.interactions",
    "relnotes.default_plugins.calendar",
    "relnotes.default_plugins.followups",
    "relnotes.default_plugins.new_contacts",
    "relnotes.default_plugins.meeting_followups",
    "relnotes.default_plugins.tasks",
    "relnotes.default_plugins.celebrations",
    "relnotes.default_plugins.notifiers",
    "relnotes.default_plugins.goal",
    "relnotes.default_plugins.ics",
    "relnotes.default_plugins.summary",
)

# Hooks asked again on every change, whatever changed (the others are asked per note or person, see hookspecs).
WHOLE_VAULT_HOOKS = ("relnotes_interactions", "relnotes_reminders", "relnotes_goal")

# Hooks whose answer is a collection (every plugin's items count), as opposed to firstresult ones.
COLLECTIONS = frozenset(name for name, spec in vars(hookspecs).items()
                        if hasattr(spec, "relnotes_spec") and not spec.relnotes_spec.get("firstresult"))

T = TypeVar("T")


class PluginError(RuntimeError):
    """A plugin failed and ``strict`` mode makes that fatal."""


class PluginRefused(pluggy.PluginValidationError):
    """A plugin uses something relnotes does not support; it was not registered."""


@dataclass(frozen=True)
class PluginInfo:
    """Where a registered plugin comes from."""

    origin: str  # "built-in", "installed", "vault-local" or "registered" (by code, e.g. in tests)
    version: str
    distribution: str = ""  # the installed package it comes from


class Contribution(list[object]):
    """What one plugin returned from a collection hook, as a list that remembers the plugin (set
    after it is made: list's own constructor is the quick one, and this is made for every note)."""

    __slots__ = ("plugin",)
    plugin: str


class RelnotesPluginManager(pluggy.PluginManager):
    """A pluggy manager whose implementations are isolated from each other (see the module)."""

    def __init__(self, strict: bool = False) -> None:
        super().__init__("relnotes")
        self.add_hookspecs(hookspecs)
        self.strict = strict
        self.problems: list[Problem] = []
        self.info: dict[str, PluginInfo] = {}
        self.hooks = Hooks(self)
        self.monitored = 0  # call monitors added (pluggy's add_hookcall_monitoring) and not undone
        if os.environ.get(TRACE_ENV):
            self.add_hookcall_monitoring(_trace, lambda *_: None)

    def add_hookcall_monitoring(self, before: Callable[..., None], after: Callable[..., None]) -> Callable[[], None]:
        """pluggy's, counted: while a monitor is on, every hook goes through pluggy's call (see
        :meth:`Hooks.each`)."""
        undo = super().add_hookcall_monitoring(before, after)
        self.monitored += 1

        def undone() -> None:
            undo()
            self.monitored -= 1

        return undone

    def describe(self, name: str) -> PluginInfo:
        return self.info.get(name, PluginInfo("registered", "-"))

    def report(self, plugin: str, message: str) -> None:
        if self.strict:
            raise PluginError(f"plugin {plugin!r}: {message}")
        self.problems.append(Problem("", None, f"plugin {plugin!r}: {message}"))

    def register(self, plugin: object, name: str | None = None) -> str | None:
        """Register ``plugin`` with each of its implementations guarded.

        :raises PluginRefused: for an old-style ``hookwrapper=True`` implementation.
        """
        registered = super().register(plugin, name)
        if registered is None:
            return None
        impls = [(caller.name, impl) for caller in self.get_hookcallers(plugin) or []
                 for impl in caller.get_hookimpls() if impl.plugin is plugin]
        old_style = [hook for hook, impl in impls if impl.hookwrapper]
        if old_style:
            self.unregister(plugin)
            raise PluginRefused(plugin, f"plugin {registered!r}: {old_style[0]} is an old-style hookwrapper; "
                                "relnotes supports wrapper=True (pluggy's new-style wrappers) only")
        for hook, impl in impls:
            guard = self._guarded_wrapper if impl.wrapper else self._guarded
            # pluggy calls this; argnames are kept. The stubs mark HookImpl.function Final, but replacing
            # it is deliberate: the guard is what pluggy must call.
            impl.function = guard(hook, registered, impl.function)  # type: ignore[misc]
        return registered

    def _guarded(self, hook: str, plugin: str, function: Callable[..., Any]) -> Callable[..., Any]:
        collect = hook in COLLECTIONS

        def guarded(*args: object) -> object:
            try:
                result = function(*args)
                if collect and result is not None:
                    if isinstance(result, (str, bytes)) or not isinstance(result, Iterable):
                        self.report(plugin, f"{hook} returned {type(result).__name__}, not a list; "
                                    "its contribution was skipped")
                        return None
                    result = Contribution(result)  # read to the end here: a failure halfway gives nothing
                    result.plugin = plugin
            except PluginError:
                raise
            except Exception as exc:  # a plugin's bug must not stop the scan
                self.report(plugin, f"{hook} raised {type(exc).__name__}: {exc}; its contribution was skipped")
                return None
            return result

        return guarded

    def _guarded_wrapper(self, hook: str, plugin: str, function: Callable[..., Any]) -> Callable[..., Any]:
        """A ``wrapper=True`` implementation, guarded: failing before its ``yield`` it is skipped;
        failing after it, the result of the implementations it wraps stands."""
        def guarded(*args: object) -> Generator[None, object, object]:
            try:
                teardown: Generator[None, object, object] = function(*args)  # wrapper=True: a generator
                next(teardown)
            except PluginError:
                raise
            except Exception as exc:
                self.report(plugin, f"{hook} (a wrapper) raised {type(exc).__name__}: {exc}; skipped")
                return (yield)
            try:
                result = yield
            except BaseException:  # strict mode: an inner PluginError; let the wrapper clean up
                teardown.close()
                raise
            try:
                teardown.send(result)
            except StopIteration as stop:
                return stop.value
            except PluginError:
                raise
            except Exception as exc:
                self.report(plugin, f"{hook} (a wrapper) raised {type(exc).__name__}: {exc}; "
                            "the result it wraps was kept")
                return result
            teardown.close()
            self.report(plugin, f"{hook} (a wrapper) yielded twice; the result it wraps was kept")
            return result

        return guarded


def _trace(hook_name: str, hook_impls: Sequence[pluggy.HookImpl], kwargs: object) -> None:
    for impl in reversed(hook_impls):  # pluggy's calling order
        log.debug("hook %s -> %s", hook_name, impl.plugin_name)


class Hooks:
    """The typed front of the hooks: one method per hook, each item checked and kept with the
    name of the plugin that gave it (for messages); wrong items are reported and dropped."""

    def __init__(self, pm: RelnotesPluginManager) -> None:
        self._pm = pm

    def _items(self, hook: str, kind: type[T], **kwargs: object) -> list[tuple[str, T]]:
        return self._checked(hook, kind, getattr(self._pm.hook, hook)(**kwargs))

    def _checked(self, hook: str, kind: type[T], results: Iterable[object]) -> list[tuple[str, T]]:
        found: list[tuple[str, T]] = []
        for result in results:
            plugin = getattr(result, "plugin", "a hook wrapper")
            if isinstance(result, (str, bytes)) or not isinstance(result, Iterable):
                self._pm.report(plugin, f"{hook} returned {type(result).__name__}, not a list; skipped")
                continue
            for item in result:
                if isinstance(item, kind):
                    found.append((plugin, item))
                else:
                    self._pm.report(plugin, f"{hook} returned {type(item).__name__}, not {kind.__name__}; skipped")
        return found

    def _first(self, hook: str, kind: type[T], **kwargs: object) -> T | None:
        return self._answer(hook, kind, getattr(self._pm.hook, hook)(**kwargs))

    def _answer(self, hook: str, kind: type[T], answer: object) -> T | None:
        if answer is None or isinstance(answer, kind):
            return answer
        self._pm.report(hook, f"answered {type(answer).__name__}, not {kind.__name__}; ignored")
        return None

    def each(self, hook: str, kind: type[T]) -> Callable[..., list[tuple[str, T]]]:
        """A caller of the collection hook ``hook`` for asking about one note or person after
        another, many times in one build (keyword arguments, as the hook's spec names them).
        Without a wrapper or a monitor among the implementations, it calls them itself, in
        pluggy's order: the same answers as pluggy's call, without its cost per call, which
        counts over 100,000 notes. Get a new one for each build (plugins may change between)."""
        calls = self._direct(hook)
        if calls is None:
            return lambda **kwargs: self._items(hook, kind, **kwargs)

        def call(**kwargs: object) -> list[tuple[str, T]]:
            results = []
            for function, names in calls:
                result = function(*[kwargs[name] for name in names])
                if result:  # None, or nothing to check
                    results.append(result)
            return self._checked(hook, kind, results) if results else []

        return call

    def first_each(self, hook: str, kind: type[T]) -> Callable[..., T | None]:
        """As :meth:`each`, for a hook whose first answer wins."""
        calls = self._direct(hook)
        if calls is None:
            return lambda **kwargs: self._first(hook, kind, **kwargs)

        def call(**kwargs: object) -> T | None:
            for function, names in calls:
                answer = function(*[kwargs[name] for name in names])
                if answer is not None:
                    return self._answer(hook, kind, answer)
            return None

        return call

    def _direct(self, hook: str) -> list[tuple[Callable[..., Any], tuple[str, ...]]] | None:
        """(function, argument names) of ``hook``'s implementations in pluggy's calling order, when
        calling them one by one is what pluggy would do (no wrapper, no call monitoring); else None."""
        impls = getattr(self._pm.hook, hook).get_hookimpls()
        if self._pm.monitored or any(impl.wrapper or impl.hookwrapper for impl in impls):
            return None
        return [(impl.function, impl.argnames) for impl in reversed(impls)]

    def implementations(self, hook: str) -> tuple[tuple[str, object], ...]:
        """(plugin name, plugin) of each implementation of ``hook``: what its answers depend on."""
        return tuple((impl.plugin_name, impl.plugin) for impl in getattr(self._pm.hook, hook).get_hookimpls())

    def settings(self) -> list[tuple[str, Table]]:
        """Every plugin's settings tables, by table name."""
        return sorted(self._items("relnotes_settings", Table), key=lambda pair: pair[1].name)

    def interactions(self, vault: Vault, config: Config) -> list[tuple[str, Interaction]]:
        return self._items("relnotes_interactions", Interaction, vault=vault, config=config)

    def reminders(self, vault: Vault, config: Config, today: dt.date) -> list[tuple[str, Reminder]]:
        return self._items("relnotes_reminders", Reminder, vault=vault, config=config, today=today)

    def goal(self, vault: Vault, config: Config, today: dt.date) -> GoalStatus | None:
        return self._first("relnotes_goal", GoalStatus, vault=vault, config=config, today=today)

    def outputs(self, result: ScanResult, config: Config) -> list[tuple[str, Output]]:
        return self._items("relnotes_outputs", Output, result=result, config=config)

    def fetch(self, root: Path, config: Config) -> list[tuple[str, Problem]]:
        return self._items("relnotes_fetch", Problem, root=root, config=config)

    def notifiers(self) -> list[tuple[str, Notifier]]:
        from .notify import Notifier

        return self._items("relnotes_notifiers", Notifier)

    def commands(self) -> list[tuple[str, click.Command]]:
        import click

        return self._items("relnotes_commands", click.Command)


def _register(pm: RelnotesPluginManager, plugin: object, name: str, info: PluginInfo) -> None:
    """Register one plugin; one that pluggy or relnotes refuses is reported, not raised."""
    try:
        pm.register(plugin, name=name)
    except pluggy.PluginValidationError as exc:
        pm.report(name, f"refused: {exc}")
    else:
        pm.info[name] = info


def _load_local(pm: RelnotesPluginManager, vault: Path, listed: Iterable[str], trusted: Mapping[str, str]) -> None:
    """Run the vault's own plugins that its owner trusts (``relnotes trust``), each with the very
    code that was trusted: the file is read once, checked against the digest, and that text run."""
    folder = vault / LOCAL_PLUGINS
    files = {path.stem: path for path in sorted(folder.glob("*.py"))} if folder.is_dir() else {}
    for name, path in files.items():
        if pm.is_blocked(name):
            continue
        shown = f"{LOCAL_PLUGINS}/{path.name}"
        try:
            code = path.read_bytes()
        except OSError as exc:
            pm.report(name, f"vault-local plugin {shown} cannot be read ({exc.strerror or exc}); skipped")
            continue
        if trusted.get(name) != code_digest(code):
            again = " changed since you trusted it" if name in trusted else " is not run"
            pm.problems.append(Problem(shown, None, (
                f"vault-local plugin {name!r}{again}: a vault cannot make relnotes run its code; if you trust "
                f"this file, run `relnotes trust {shlex.quote(str(vault))} {name}`")))
            continue
        try:
            module = types.ModuleType(f"relnotes_local_plugins.{name}")
            module.__file__ = str(path)
            exec(compile(code, str(path), "exec"), module.__dict__)  # the code its owner trusted, as trusted
        except Exception as exc:
            pm.report(name, f"vault-local plugin {shown} cannot be loaded ({type(exc).__name__}: {exc}); skipped")
        else:
            _register(pm, module, name, PluginInfo("vault-local", "-"))
    for name in listed:
        if name not in files and not pm.is_blocked(name):
            pm.report(name, f"vault-local plugin {LOCAL_PLUGINS}/{name}.py cannot be loaded (no such file); skipped")


def _autoload(autoload: bool | None) -> bool:
    return not os.environ.get(DISABLE_AUTOLOAD_ENV) if autoload is None else autoload


def plugin_sources(disable: Iterable[str] = (), *, autoload: bool | None = None, local: Iterable[str] = (),
                   vault: Path | None = None) -> list[tuple]:
    """What decides the plugin code :func:`get_plugin_manager` (same arguments) would load, found
    without loading any: each installed plugin's distribution, version and source files (by size
    and modification time, so an edited development install counts as changed) and each
    opted-in vault-local plugin's file. Equal sources mean the same plugin code."""
    disabled = set(disable)
    sources: list[tuple] = [("disabled", *sorted(disabled))]
    if _autoload(autoload):
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name not in disabled:
                dist = getattr(ep, "dist", None)
                sources.append((ep.name, ep.value, dist.name if dist else "", dist.version if dist else "",
                                *_files_of(ep.module.split(".", 1)[0])))
    if vault is not None:
        sources += [("local", *local), local_sources(Path(vault))]
    return sources


def local_sources(vault: Path) -> tuple:
    """What decides which of the vault's own plugins run, found without loading one: the user's
    trust decisions (``relnotes trust``) and each ``.relnotes/plugins/*.py`` file's key."""
    folder = vault / LOCAL_PLUGINS
    files = sorted(folder.glob("*.py")) if folder.is_dir() else []
    return file_key(trust_path()), tuple((path.name, file_key(path)) for path in files)


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
                       local: Iterable[str] = (), vault: Path | None = None,
                       plugins: Iterable[object] = (),
                       trusted: Mapping[str, str] | None = None) -> RelnotesPluginManager:
    """A fresh manager with the built-ins and, unless turned off, installed and opted-in local plugins.

    :param disable: plugin names (built-in, installed or local) not to run.
    :param autoload: load plugins from the ``relnotes`` entry-point group;
        by default yes, unless ``RELNOTES_DISABLE_PLUGIN_AUTOLOAD`` is set.
    :param strict: make a failing plugin fatal instead of a warning.
    :param local: the vault's own plugins its config lists (``[plugins] local``): one without a
        file is reported. Which of ``VAULT/.relnotes/plugins/NAME.py`` run is never the vault's
        decision: those whose code is ``trusted`` (name → digest; by default as ``relnotes
        trust`` recorded it in the user's config folder).
    :param vault: the vault whose local plugins these are.
    :param plugins: more plugin objects to register (tests), each under its ``__name__`` or class name.
    """
    pm = RelnotesPluginManager(strict=strict)
    for name in disable:
        pm.set_blocked(name)
    for module_name in DEFAULT_PLUGINS:
        name = module_name.rsplit(".", 1)[1]
        if not pm.is_blocked(name):
            _register(pm, importlib.import_module(module_name), name, PluginInfo("built-in", __version__, "relnotes"))
    if _autoload(autoload):
        for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if pm.is_blocked(ep.name) or pm.get_plugin(ep.name) is not None:
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                pm.report(ep.name, f"cannot be loaded ({type(exc).__name__}: {exc}); skipped")
                continue
            dist = getattr(ep, "dist", None)
            _register(pm, plugin, ep.name, PluginInfo("installed", dist.version if dist else "?",
                                                      dist.name if dist else ""))
    if vault is not None:
        _load_local(pm, Path(vault), local, trusted_plugins(Path(vault)) if trusted is None else trusted)
    for plugin in plugins:
        name = getattr(plugin, "__name__", None) or type(plugin).__name__
        if pm.is_blocked(name):
            continue
        pm.register(plugin, name=name if pm.get_plugin(name) is None else None)
    return pm
