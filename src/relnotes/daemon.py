"""The watch daemon: keeps the outputs fresh while the vault changes, for months.

Two parts. A :class:`Watcher` turns file-system events into the vault-relative paths of
the notes that changed (or "look at everything": a folder created, moved or deleted, a
changed setting, the vault coming back), debounced into bursts. The :class:`Daemon`
rebuilds through the vault's :class:`~relnotes.pipeline.Pipeline` after each burst and
when the date changes: it re-reads just the files a burst named (comparing size, times
and inode) and writes the outputs that changed. Its parsed notes live in the pipeline's
cache (loaded at start, saved at stop). The daemon's own writes (dot-files, the outputs)
are not events it listens to.
"""

from __future__ import annotations

import bisect
import datetime as dt
import errno
import gc
import logging
import operator
import os
import queue
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .cache import VaultCache
from .config import CONFIG_PATH, Config, ConfigError
from .model import ScanResult
from .obsidian import SETTINGS_FILES
from .pipeline import Pipeline, VaultError, gc_paused, vault_relative

__all__ = ["Daemon", "Watcher"]

log = logging.getLogger("relnotes.daemon")

WATCHED_SETTINGS = (CONFIG_PATH, *SETTINGS_FILES)
# Event types that can mean content changed; opening and reading a file (ours too) are not among them.
_CHANGES = {"created", "deleted", "moved", "modified", "closed"}


FULL = "\0full"  # an event that needs the whole vault reconciled
SAVE_EVERY = 600  # seconds between saves of the cache while the daemon runs
COLLECT_EVERY = 50  # builds between two full collections of the garbage collector
_DEEPEST_WALK = 2_048 + 1_000  # the recursion watchdog's walk of the deepest possible tree needs, and room


class Watcher:
    """File-system events of one vault, as the paths of the notes they concern.

    :param ignored: the vault-relative paths whose events mean nothing (relnotes' own outputs).
    :param observer_factory: makes the watchdog observer; the default is the platform's
        native one, falling back to polling when it cannot start.
    """

    def __init__(self, root: Path, *, debounce: float = 0.3, max_wait: float = 5.0,
                 ignored: Callable[[], set[str]] = set, observer_factory: Callable[[], Any] | None = None) -> None:
        self.root = root
        self.debounce, self.max_wait = debounce, max_wait
        self.ignored = ignored
        self.observer_factory = observer_factory
        self.events: queue.Queue[str] = queue.Queue()
        self._observer: Any = None
        self._watched_root: tuple[int, int] | None = None
        self._clocks = (time.time(), time.monotonic())
        self.overflowed = threading.Event()  # the kernel dropped events: what they said is lost
        self._overflow = _Overflow(self)

    def relevant(self, path: str | bytes, is_directory: bool, event_type: str) -> str | None:
        """What an event means for the outputs: the note's vault-relative path, :data:`FULL` when the
        whole vault must be looked at again, or None (opening files, the daemon's own writes …)."""
        if event_type not in _CHANGES or (is_directory and event_type in ("modified", "closed")):
            return None
        rel = vault_relative(self.root, os.fsdecode(path))
        if rel in self.ignored():  # an output: its own writes are no change, but one deleted is written again
            return rel if event_type in ("deleted", "moved") else None
        if rel in WATCHED_SETTINGS or (not rel.isascii() and not _is_text(rel)):
            return FULL  # a name that isn't valid UTF-8 goes by the name walk() shows
        if rel.startswith("../") or any(part.startswith(".") for part in rel.split("/")):
            return None  # dot-folders and dot-files: .obsidian, .git, our temp files …
        if is_directory:
            return FULL  # a folder created, deleted or renamed with its notes
        return rel if rel.lower().endswith(".md") else None

    def _handler(self) -> Any:
        from watchdog.events import FileSystemEventHandler

        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: Any) -> None:
                # a move's destination is where a file appears (relnotes' own writes are renames)
                paths = [(event.src_path, event.event_type),
                         *([(event.dest_path, "created")] if getattr(event, "dest_path", "") else [])]
                for path, event_type in paths:
                    meaning = watcher.relevant(path, event.is_directory, event_type)
                    if meaning is not None:
                        log.debug("%s %s", event.event_type, os.fsdecode(path))
                        watcher.events.put(meaning)

        return Handler()

    def start(self) -> None:
        """Start (or restart) listening for changes; do it before the first build so none is missed."""
        from watchdog.observers.polling import PollingObserver

        self.stop()
        try:
            st = self.root.stat()
        except OSError:
            return
        # watchdog walks the tree recursively (os.walk, before Python 3.12): a folder nested
        # deeper than the default limit allows (1,000) would kill the watcher. A path is at most
        # PATH_MAX (4,096) bytes, so no walkable tree is deeper than about 2,048 folders.
        sys.setrecursionlimit(max(sys.getrecursionlimit(), _DEEPEST_WALK))
        for factory in (self.observer_factory or _native_observer, lambda: PollingObserver(timeout=1.0)):
            observer = factory()
            try:
                observer.schedule(self._handler(), str(self.root), recursive=True, event_filter=_changes())
                observer.start()
            except OSError as exc:
                if exc.errno in (errno.ENOSPC, errno.EMFILE):
                    log.warning("cannot watch the vault natively (%s: the inotify watch limit is reached; "
                                "raise fs.inotify.max_user_watches); polling every second instead", exc.strerror)
                else:
                    log.warning("cannot watch the vault natively (%s); polling every second instead", exc)
                continue
            self._observer, self._watched_root = observer, (st.st_dev, st.st_ino)
            _INOTIFY_LOG.addHandler(self._overflow)
            log.debug("watching %s with %s (debounce %g s)", self.root, type(observer).__name__, self.debounce)
            return

    def stop(self) -> None:
        _INOTIFY_LOG.removeHandler(self._overflow)
        if self._observer is not None:
            self._observer.stop()
            if self._observer.is_alive():
                self._observer.join(timeout=2)
            self._observer = None

    @property
    def started(self) -> bool:
        return self._observer is not None

    def healthy(self) -> bool:
        """False when the vault folder was removed or replaced, or the observer died."""
        try:
            st = self.root.stat()
        except OSError:
            return self._observer is None  # nothing to watch yet
        return (self._observer is not None and self._observer.is_alive()
                and self._watched_root == (st.st_dev, st.st_ino))

    def woke_up(self) -> bool:
        """True when the wall clock jumped ahead of the monotonic one (the machine slept)."""
        wall, mono = time.time(), time.monotonic()
        jumped = (wall - self._clocks[0]) - (mono - self._clocks[1]) > 30
        self._clocks = (wall, mono)
        return jumped

    def burst(self, timeout: float, stop: threading.Event) -> tuple[bool, set[str] | None]:
        """Wait up to ``timeout`` for an event; then the paths its burst names (it and the rest until
        ``debounce`` seconds pass quietly, ``max_wait`` at most): (whether there was one, the paths
        or None when the whole vault must be looked at)."""
        try:
            first = self.events.get(timeout=timeout)
        except queue.Empty:
            return False, None
        paths: set[str] = {first}
        deadline = time.monotonic() + self.max_wait
        while time.monotonic() < deadline and not stop.is_set():
            try:
                paths.add(self.events.get(timeout=self.debounce))
            except queue.Empty:
                break
        return True, None if FULL in paths or len(paths) > 1000 else paths


_INOTIFY_LOG = logging.getLogger("watchdog.observers.inotify_c")


class _Overflow(logging.Handler):
    """Hears watchdog say that the kernel's inotify queue overflowed (it re-adds its watches but
    tells no handler): the events lost may have been edits, so the whole vault is reconciled."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__(logging.WARNING)
        self.watcher = watcher

    def emit(self, record: logging.LogRecord) -> None:
        if "overflow" in record.getMessage().lower():
            self.watcher.overflowed.set()
            self.watcher.events.put(FULL)


class Daemon:
    """Rebuilds and writes the outputs of one vault whenever it changes.

    :param configure: applied to the vault's config on every load (command-line options).
    :param today: the clock, as a function giving the local date.
    :param observer_factory: see :class:`Watcher`.
    :param on_build: called with each new :class:`~relnotes.model.ScanResult`.
    :param strict: a failing plugin stops the daemon (raises :class:`~relnotes.plugins.PluginError`).
    :param pipeline: the vault's pipeline, if made already (then ``configure`` and ``strict`` are its own).
    :param fetch: with ``--fetch``: fetches what plugins read from the network (``relnotes_fetch``),
        called before the first build and then every ``fetch_every`` seconds, each time followed by
        a rebuild. It runs in the daemon's own thread, between builds.
    :param digest: called with the latest result after every turn of the loop: the daily digest
        (:class:`~relnotes.notify.DailyDigest`), in the daemon's own thread.
    """

    def __init__(self, root: Path, *, pipeline: Pipeline | None = None, horizon: int = 30,
                 configure: Callable[[Config], Config] | None = None,
                 today: Callable[[], dt.date] = dt.date.today, debounce: float = 0.3, max_wait: float = 5.0,
                 tick: float = 0.5, observer_factory: Callable[[], Any] | None = None,
                 on_build: Callable[[ScanResult], None] | None = None, strict: bool = False,
                 fetch: Callable[[], None] | None = None, fetch_every: float = 3600.0,
                 digest: Callable[[ScanResult], object] | None = None) -> None:
        self.root = Path(root)
        self.horizon, self.today, self.tick = horizon, today, tick
        self.on_build = on_build
        self.pipeline = pipeline or Pipeline(self.root, strict=strict, configure=configure)
        self.watcher = Watcher(self.root, debounce=debounce, max_wait=max_wait, ignored=self.pipeline.own_files,
                               observer_factory=observer_factory)
        self.stop_event = threading.Event()
        self.builds = 0
        self.building = False  # a build is under way (a stop may cut it short: every write is atomic)
        self._since_collect = 0  # builds since the last full collection (see _freeze)
        self.result: ScanResult | None = None
        self._saved = time.monotonic()
        self._built_for: dt.date | None = None
        self.fetch, self.fetch_every = fetch, fetch_every
        self.digest = digest
        self._next_fetch = time.monotonic() + fetch_every

    @property
    def cache(self) -> VaultCache:
        return self.pipeline.cache

    # --- one rebuild ---------------------------------------------------------------

    def rebuild(self, reason: str, paths: set[str] | None = None) -> ScanResult | None:
        """Bring the notes up to date (all, or just ``paths``), run the core, write the outputs that changed."""
        self.building = True
        try:
            with gc_paused():
                try:
                    return self._rebuild(reason, paths)
                finally:
                    self._freeze()  # before the collector is back on, or its first pass walks it all
        finally:
            self.building = False

    def _freeze(self) -> None:
        """Leave what the build keeps (the notes, the result) out of the collector's walks: re-enabled
        after a build, it would walk all of it, some 80 ms at 10,000 notes, for nothing. Every
        :data:`COLLECT_EVERY` builds, one full collection frees the cycles the kept state left."""
        self._since_collect += 1
        if self._since_collect >= COLLECT_EVERY:
            gc.unfreeze()
            gc.collect()
            self._since_collect = 0
        gc.freeze()

    def _rebuild(self, reason: str, paths: set[str] | None) -> ScanResult | None:
        started = time.perf_counter()
        self._built_for = self.today()  # also on failure: retry on the next change, not every tick
        if not self.root.is_dir():
            log.warning("vault %s is not there (%s); outputs kept as they are, waiting for it", self.root, reason)
            return None
        try:
            self.pipeline.reload()
        except ConfigError as exc:
            if not self.pipeline.loaded:
                log.error("%s; not rebuilding", exc)
                return None
            log.error("%s; keeping the previous configuration", exc)
        try:
            reread = self.pipeline.refresh(paths)
        except (FileNotFoundError, VaultError):
            log.warning("vault %s vanished while reading; outputs kept as they are", self.root)
            return None
        today = self._built_for
        result = self.pipeline.evaluate(today, self.horizon)
        written, errors = self.pipeline.write(result)
        for error in errors:
            log.error("cannot write %s", error)
        self.builds += 1
        self.result = result
        overdue = bisect.bisect_left(result.reminders, today, key=operator.attrgetter("date"))  # in date order
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
        self.pipeline.save()
        self._saved = time.monotonic()

    # --- the loop -------------------------------------------------------------------------

    def start_watching(self) -> None:
        self.watcher.start()

    def stop_watching(self) -> None:
        self.watcher.stop()

    def run(self) -> None:
        """Watch, build (unless already built), then rebuild on changes until :meth:`stop`."""
        if not self.watcher.started:
            self.watcher.start()
        if self.result is None:
            self.rebuild("start")
        try:
            while not self.stop_event.is_set():
                changed, paths = self.watcher.burst(self.tick, self.stop_event)
                reason = _what_changed(paths) if changed else None
                if self.stop_event.is_set():
                    break
                if not self.watcher.healthy():
                    log.info("the vault folder changed or came back; watching it again")
                    self.watcher.start()
                    reason, paths = reason or "vault folder changed", None
                if self.watcher.overflowed.is_set():
                    self.watcher.overflowed.clear()
                    reason, paths = "events were lost (the inotify queue overflowed)", None
                if self.watcher.woke_up():
                    reason, paths = reason or "woke from sleep", None
                if self.today() != self._built_for:
                    reason = reason or "the date changed"
                if self.fetch is not None and time.monotonic() >= self._next_fetch:
                    self._next_fetch = time.monotonic() + self.fetch_every
                    self.fetch()
                    reason = reason or "fetched the calendars"
                if reason:
                    self.rebuild(reason, paths)
                if self.digest is not None and self.result is not None:
                    self.digest(self.result)
        finally:
            self.watcher.stop()
            self.save_cache()

    def stop(self) -> None:
        self.stop_event.set()


def _what_changed(paths: set[str] | None) -> str:
    """For the log: the notes a burst named (up to three), or how many."""
    if paths is None:
        return "files and folders changed"
    shown = sorted(paths)
    return "changed " + ", ".join(shown) if len(shown) <= 3 else f"{len(shown)} notes changed"


def _changes() -> list[type]:
    """The events that can mean a change (:data:`_CHANGES`): the kernel is asked for no others, so
    a file opened or read — every note by a first build, the feed by a calendar app — is not an
    event for the watcher to look at (200,000 of them after the first build of 100,000 notes)."""
    from watchdog import events

    return [events.FileCreatedEvent, events.DirCreatedEvent, events.FileDeletedEvent, events.DirDeletedEvent,
            events.FileMovedEvent, events.DirMovedEvent, events.FileModifiedEvent, events.FileClosedEvent]


def _native_observer() -> Any:
    from watchdog.observers import Observer

    return Observer()


def _is_text(name: str) -> bool:
    try:
        name.encode("utf-8")
        return True
    except UnicodeEncodeError:
        return False
