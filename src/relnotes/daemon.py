"""The watch daemon: keeps the outputs fresh while the vault changes, for months.

File-system events (watchdog) only say *that* something changed. Each rebuild
reconciles its cache of parsed notes with the vault — listing the files and
comparing size, modification time and inode — so it re-reads exactly the notes
that changed, however they changed (edits, editors saving through a temp file
and a rename, moved or deleted folders, a ``git pull``). Events are debounced:
a burst gives one rebuild after it ends. The daemon's own writes (dot-files,
the outputs, notes carrying relnotes' marker) are not events it listens to.
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
from dataclasses import dataclass
from pathlib import Path

from .config import Config, ConfigError, load_config
from .core import ScanResult, build_vault, evaluate
from .files import write_outputs
from .model import Note, Problem
from .plugins import get_plugin_manager
from .vault import read_note, read_settings, walk

__all__ = ["Daemon"]

log = logging.getLogger("relnotes.daemon")

SETTINGS_FILES = (".relnotes/config.toml", ".obsidian/daily-notes.json", ".obsidian/templates.json")
# Event types that can mean content changed; opening and reading a file (ours too) are not among them.
_CHANGES = {"created", "deleted", "moved", "modified", "closed"}


@dataclass
class _Entry:
    key: tuple[int, int, int]  # size, mtime_ns, inode
    note: Note | None
    problems: list[Problem]


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
        self._entries: dict[str, _Entry] = {}
        self._settings = None
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

    def _sync(self, settings) -> tuple[int, int, list[Problem]]:
        """Bring the note cache up to date; returns (notes re-read, notes dropped, walk problems)."""
        files, problems = walk(self.root, settings, self._ignored)
        reread, current = 0, set()
        for rel, path in files:
            try:
                st = os.stat(path)
            except OSError:
                continue  # gone since the listing: it counts as deleted
            key = (st.st_size, st.st_mtime_ns, st.st_ino)
            current.add(rel)
            entry = self._entries.get(rel)
            if entry is None or entry.key != key:
                note, found = read_note(rel, path, settings)
                self._entries[rel] = _Entry(key, note, found)
                reread += 1
                log.debug("read %s", rel)
        dropped = [rel for rel in self._entries if rel not in current]
        for rel in dropped:
            del self._entries[rel]
            log.debug("dropped %s", rel)
        return reread, len(dropped), problems

    def rebuild(self, reason: str) -> ScanResult | None:
        """Reconcile with the vault, run the core, write the outputs that changed."""
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
        if settings != self._settings:  # daily-notes or templates folder changed: read everything again
            self._entries.clear()
            self._settings = settings
        summary = _relative(self.root, str(self.root / Path(config.summary.path).expanduser()))
        self._ignored = {summary} if config.summary.enabled else set()
        try:
            reread, dropped, walk_problems = self._sync(settings)
        except FileNotFoundError:
            log.warning("vault %s vanished while reading; outputs kept as they are", self.root)
            return None
        today = self._built_for
        notes = [e.note for _, e in sorted(self._entries.items()) if e.note is not None]
        problems = [*problems, *walk_problems, *(p for e in self._entries.values() for p in e.problems)]
        pm = get_plugin_manager(config.disable, local=config.local_plugins, vault=self.root, strict=self.strict)
        result = evaluate(build_vault(self.root, notes, config, pm, problems), config, pm, today, self.horizon)
        written, errors = write_outputs(result.outputs)
        for error in errors:
            log.error("cannot write %s", error)
        self.builds += 1
        self.result = result
        overdue = sum(r.overdue(today) for r in result.reminders)
        log.info("rebuilt for %s in %d ms (%s; %d notes re-read, %d gone): %d reminders, %d overdue, "
                 "%d warnings; %s", today.isoformat(), (time.perf_counter() - started) * 1000, reason, reread,
                 dropped, len(result.reminders), overdue, len(result.problems),
                 f"wrote {', '.join(written)}" if written else "outputs unchanged")
        if self.on_build:
            self.on_build(result)
        return result

    # --- watching -------------------------------------------------------------------------

    def relevant(self, path: str | bytes, is_directory: bool, event_type: str) -> bool:
        """Whether an event may change the outputs (never for the daemon's own writes)."""
        if event_type not in _CHANGES or (is_directory and event_type in ("modified", "closed")):
            return False
        rel = _relative(self.root, os.fsdecode(path))
        if rel in SETTINGS_FILES:
            return True
        if rel.startswith("../") or any(part.startswith(".") for part in rel.split("/")):
            return False  # dot-folders and dot-files: .obsidian, .git, our temp files …
        if is_directory:
            return True  # a folder created, deleted or renamed with its notes
        return rel.lower().endswith(".md") and rel not in self._ignored

    def _handler(self):
        from watchdog.events import FileSystemEventHandler

        daemon = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:
                paths = [event.src_path, *([event.dest_path] if getattr(event, "dest_path", "") else [])]
                for path in paths:
                    if daemon.relevant(path, event.is_directory, event.event_type):
                        log.debug("%s %s", event.event_type, os.fsdecode(path))
                        daemon.events.put(os.fsdecode(path))
                        return

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

    def _wait_for_quiet(self) -> None:
        """Swallow the rest of a burst: return once no event came for ``debounce`` seconds."""
        deadline = time.monotonic() + self.max_wait
        while time.monotonic() < deadline and not self.stop_event.is_set():
            try:
                self.events.get(timeout=self.debounce)
            except queue.Empty:
                return

    def run(self) -> None:
        """Watch, build (unless already built), then rebuild on changes until :meth:`stop`."""
        if self._observer is None:
            self.start_watching()
        if self.result is None:
            self.rebuild("start")
        try:
            while not self.stop_event.is_set():
                reason = None
                try:
                    self.events.get(timeout=self.tick)
                    self._wait_for_quiet()
                    reason = "files changed"
                except queue.Empty:
                    pass
                if self.stop_event.is_set():
                    break
                if not self._observer_healthy():
                    log.info("the vault folder changed or came back; watching it again")
                    self.start_watching()
                    reason = reason or "vault folder changed"
                if self._woke_up():
                    reason = reason or "woke from sleep"
                if self.today() != self._built_for:
                    reason = reason or "the date changed"
                if reason:
                    self.rebuild(reason)
        finally:
            self.stop_watching()

    def stop(self) -> None:
        self.stop_event.set()


def _native_observer():
    from watchdog.observers import Observer

    return Observer()


def _relative(root: Path, path: str) -> str:
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive on Windows
        return "../" + path
