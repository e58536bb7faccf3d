"""The watch daemon: keeps the outputs fresh while the vault changes, for months.

Its parsed notes live in a :class:`~relnotes.cache.VaultCache` (loaded at start,
saved at stop). After a burst of events (debounced: one rebuild once it ends),
it looks again at just the files the events named, comparing size, times and
inode, and re-reads those that changed; a folder created, moved or deleted, a
changed setting, or the vault coming back makes it reconcile the whole vault.
The daemon's own writes (dot-files, the outputs, notes carrying relnotes'
marker) are not events it listens to.
"""

from __future__ import annotations

import datetime as dt
import errno
import logging
import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from .config import Config, ConfigError, load_config
from .core import ScanResult, build_vault, evaluate
from .files import write_outputs
from .cache import VaultCache, prune_memos
from .model import Problem
from .plugins import get_plugin_manager
from .scan import gc_paused, summary_in_vault, vault_relative
from .vault import read_settings, walk

__all__ = ["Daemon"]

log = logging.getLogger("relnotes.daemon")

SETTINGS_FILES = (".relnotes/config.toml", ".obsidian/daily-notes.json", ".obsidian/templates.json")
# Event types that can mean content changed; opening and reading a file (ours too) are not among them.
_CHANGES = {"created", "deleted", "moved", "modified", "closed"}


FULL = "\0full"  # an event that needs the whole vault reconciled
SAVE_EVERY = 600  # seconds between saves of the cache while the daemon runs


class Daemon:
    """Rebuilds and writes the outputs of one vault whenever it changes.

    :param configure: applied to the vault's config on every load (command-line options).
    :param today: the clock, as a function giving the local date.
    :param observer_factory: makes the watchdog observer; the default is the
        platform's native one, falling back to polling when it cannot start.
    :param on_build: called with each new :class:`~relnotes.core.ScanResult`.
    :param strict: a failing plugin stops the daemon (raises :class:`~relnotes.plugins.PluginError`).
    """

    def __init__(self, root: Path, *, horizon: int = 30, configure: Callable[[Config], Config] = lambda c: c,
                 today: Callable[[], dt.date] = dt.date.today, debounce: float = 0.3, max_wait: float = 5.0,
                 tick: float = 0.5, observer_factory: Callable[[], object] | None = None,
                 on_build: Callable[[ScanResult], None] | None = None, strict: bool = False) -> None:
        self.root = Path(root)
        self.horizon, self.configure, self.today = horizon, configure, today
        self.debounce, self.max_wait, self.tick = debounce, max_wait, tick
        self.observer_factory = observer_factory
        self.on_build = on_build
        self.strict = strict
        self.events: queue.Queue[str] = queue.Queue()
        self.stop_event = threading.Event()
        self.builds = 0
        self.result: ScanResult | None = None
        self.cache: VaultCache | None = None
        self._walk_problems: list[Problem] = []
        self._saved = time.monotonic()
        self._config: Config | None = None
        self._config_key: object = None
        self._built_for: dt.date | None = None
        self._observer = None
        self._watched_root: tuple[int, int] | None = None
        self._clocks = (time.time(), time.monotonic())
        self._ignored: set[str] = set()

    # --- one rebuild ---------------------------------------------------------------

    def _load_config(self) -> Config:
        path = self.root / ".relnotes/config.toml"
        try:
            st = path.stat()
            key = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            key = None
        if self._config is None or key != self._config_key:
            try:
                self._config = self.configure(load_config(self.root))
            except ConfigError as exc:
                if self._config is None:
                    raise
                log.error("%s; keeping the previous configuration", exc)
            self._config_key = key
        return self._config

    def _read(self, settings, paths: set[str] | None) -> int:
        """Bring the cached notes up to date: the whole vault, or just ``paths``; returns how many were read."""
        if self.cache is None:
            self.cache = VaultCache(self.root)
        if paths is not None and settings == self.cache.settings:
            templates = (settings.templates_folder or "\0").lower() + "/"
            wanted = [(rel, os.path.join(self.root, rel)) for rel in sorted(paths)
                      if rel not in self._ignored and not rel.lower().startswith(templates)]
            return self.cache.refresh(wanted, settings)
        files, self._walk_problems = walk(self.root, settings, self._ignored)
        before = {rel: entry[0] for rel, entry in self.cache.notes.items()}
        self.cache.read(files, settings)
        return sum(1 for rel, entry in self.cache.notes.items() if before.get(rel) != entry[0])

    def rebuild(self, reason: str, paths: set[str] | None = None) -> ScanResult | None:
        """Bring the notes up to date (all, or just ``paths``), run the core, write the outputs that changed."""
        with gc_paused():
            return self._rebuild(reason, paths)

    def _rebuild(self, reason: str, paths: set[str] | None) -> ScanResult | None:
        started = time.perf_counter()
        self._built_for = self.today()  # also on failure: retry on the next change, not every tick
        if not self.root.is_dir():
            log.warning("vault %s is not there (%s); outputs kept as they are, waiting for it", self.root, reason)
            return None
        try:
            config = self._load_config()
        except ConfigError as exc:
            log.error("%s; not rebuilding", exc)
            return None
        settings, problems = read_settings(self.root)
        self._ignored = summary_in_vault(self.root, config)
        try:
            reread = self._read(settings, paths)
        except FileNotFoundError:
            log.warning("vault %s vanished while reading; outputs kept as they are", self.root)
            return None
        today = self._built_for
        notes, found = self.cache.current()
        pm = get_plugin_manager(config.disable, local=config.local_plugins, vault=self.root, strict=self.strict)
        vault = build_vault(self.root, notes, config, pm, [*problems, *self._walk_problems, *found])
        result = evaluate(vault, config, pm, today, self.horizon)
        written, errors = write_outputs(result.outputs)
        prune_memos()
        for error in errors:
            log.error("cannot write %s", error)
        self.builds += 1
        self.result = result
        overdue = sum(r.overdue(today) for r in result.reminders)
        log.info("rebuilt for %s in %d ms (%s; %d notes re-read): %d reminders, %d overdue, %d warnings; %s",
                 today.isoformat(), (time.perf_counter() - started) * 1000, reason, reread,
                 len(result.reminders), overdue, len(result.problems),
                 f"wrote {', '.join(written)}" if written else "outputs unchanged")
        if time.monotonic() - self._saved > SAVE_EVERY:
            self.save_cache()
        if self.on_build:
            self.on_build(result)
        return result

    def save_cache(self) -> None:
        if self.cache is not None:
            self.cache.save()
        self._saved = time.monotonic()

    # --- watching -------------------------------------------------------------------------

    def relevant(self, path: str | bytes, is_directory: bool, event_type: str) -> str | None:
        """What an event means for the outputs: the note's vault-relative path, :data:`FULL` when the
        whole vault must be looked at again, or None (opening files, the daemon's own writes …)."""
        if event_type not in _CHANGES or (is_directory and event_type in ("modified", "closed")):
            return None
        rel = vault_relative(self.root, os.fsdecode(path))
        if rel in SETTINGS_FILES or not rel.isascii() and not _is_text(rel):
            return FULL  # a name that isn't valid UTF-8 goes by the name walk() shows
        if rel.startswith("../") or any(part.startswith(".") for part in rel.split("/")):
            return None  # dot-folders and dot-files: .obsidian, .git, our temp files …
        if is_directory:
            return FULL  # a folder created, deleted or renamed with its notes
        return rel if rel.lower().endswith(".md") and rel not in self._ignored else None

    def _handler(self):
        from watchdog.events import FileSystemEventHandler

        daemon = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                paths = [event.src_path, *([event.dest_path] if getattr(event, "dest_path", "") else [])]
                for path in paths:
                    meaning = daemon.relevant(path, event.is_directory, event.event_type)
                    if meaning is not None:
                        log.debug("%s %s", event.event_type, os.fsdecode(path))
                        daemon.events.put(meaning)

        return Handler()

    def start_watching(self) -> None:
        """Start (or restart) listening for changes; do it before the first build so none is missed."""
        from watchdog.observers.polling import PollingObserver

        self.stop_watching()
        try:
            st = self.root.stat()
        except OSError:
            return
        for factory in (self.observer_factory or _native_observer, lambda: PollingObserver(timeout=1.0)):
            observer = factory()
            try:
                observer.schedule(self._handler(), str(self.root), recursive=True)
                observer.start()
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EMFILE):
                    log.warning("cannot watch the vault natively (%s: the inotify watch limit is reached; "
                                "raise fs.inotify.max_user_watches); polling every second instead", exc.strerror)
                else:
                    log.warning("cannot watch the vault natively (%s); polling every second instead", exc)
                continue
            self._observer, self._watched_root = observer, (st.st_dev, st.st_ino)
            log.debug("watching %s with %s", self.root, type(observer).__name__)
            return

    def stop_watching(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join(timeout=2)
            self._observer = None

    def _observer_healthy(self) -> bool:
        """False when the vault folder was removed or replaced, or the observer died."""
        try:
            st = self.root.stat()
        except OSError:
            return self._observer is None  # nothing to watch yet
        return (self._observer is not None and self._observer.is_alive()
                and self._watched_root == (st.st_dev, st.st_ino))

    def _woke_up(self) -> bool:
        """True when the wall clock jumped ahead of the monotonic one (the machine slept)."""
        wall, mono = time.time(), time.monotonic()
        jumped = (wall - self._clocks[0]) - (mono - self._clocks[1]) > 30
        self._clocks = (wall, mono)
        return jumped

    def _collect_burst(self, first: str) -> set[str] | None:
        """The paths named by a burst of events (``first`` and the rest until ``debounce`` seconds
        pass quietly); None when the whole vault must be looked at."""
        paths: set[str] | None = {first}
        deadline = time.monotonic() + self.max_wait
        while time.monotonic() < deadline and not self.stop_event.is_set():
            try:
                item = self.events.get(timeout=self.debounce)
            except queue.Empty:
                break
            if paths is not None:
                paths.add(item)
        if paths is not None and (FULL in paths or len(paths) > 1000):
            return None
        return paths

    def run(self) -> None:
        """Watch, build (unless already built), then rebuild on changes until :meth:`stop`."""
        if self._observer is None:
            self.start_watching()
        if self.result is None:
            self.rebuild("start")
        try:
            while not self.stop_event.is_set():
                reason, paths = None, None
                try:
                    paths = self._collect_burst(self.events.get(timeout=self.tick))
                    reason = _what_changed(paths)
                except queue.Empty:
                    pass
                if self.stop_event.is_set():
                    break
                if not self._observer_healthy():
                    log.info("the vault folder changed or came back; watching it again")
                    self.start_watching()
                    reason, paths = reason or "vault folder changed", None
                if self._woke_up():
                    reason, paths = reason or "woke from sleep", None
                if self.today() != self._built_for:
                    reason = reason or "the date changed"
                if reason:
                    self.rebuild(reason, paths)
        finally:
            self.stop_watching()
            self.save_cache()

    def stop(self) -> None:
        self.stop_event.set()


def _what_changed(paths: set[str] | None) -> str:
    """For the log: the notes a burst named (up to three), or how many."""
    if paths is None:
        return "files and folders changed"
    shown = sorted(paths)
    return "changed " + ", ".join(shown) if len(shown) <= 3 else f"{len(shown)} notes changed"


def _native_observer():
    from watchdog.observers import Observer

    return Observer()


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
