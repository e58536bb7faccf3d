"""A persistent cache that makes scans of an unchanged vault fast, and is never wrong.

Kept outside the vault, in the user's cache folder (``$RELNOTES_CACHE_DIR``
overrides it), two files per vault. ``.notes`` (an SQLite database, one row per note)
holds every parsed note — its fields and the facts the rules derived from its body, not
the body — keyed by its path and its file's size, modification time, change time and
inode: a note whose file changed in any way, or was added, deleted or renamed, is read
again, and only its row is written again.

``.answers`` holds the last reports of ``relnotes scan``, each under a digest of
everything it depends on (:meth:`~relnotes.pipeline.Pipeline.scan_key`), with a checksum of each
output it wrote: an unchanged vault is answered without reading a note (see
:meth:`VaultCache.recall`).

Each row and the answers are checksummed pickles: other code (:func:`code_version`),
different Obsidian settings or a corrupt or truncated file make them start empty (the
last with a warning). It is the user's own cache folder, as trusted as their home.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import operator
import os
import pickle
import sqlite3
import tempfile
import time
import zlib
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

from . import __version__
from .filekeys import FileKey, file_key
from .files import write_atomic
from .model import Note, Output, Problem
from .notes import read_many
from .obsidian import VaultSettings
from .userdirs import cache_dir, vault_id

__all__ = ["Memo", "VaultCache", "cache_file", "code_version", "kept", "memo", "prune_memos"]

S = TypeVar("S")
T = TypeVar("T")
R = TypeVar("R", str, bytes)

_MAGIC = b"relnotes-cache-5\n"  # the number changes with the layout of what is stored
_DIGEST = 32  # sha256 of the pickle, right after the magic line


class Memo:
    """A dict of results of a pure function that keeps only what the builds use: an entry the
    last build did not ask for is forgotten at the next :meth:`prune` (so a long-running daemon
    keeps one build's worth)."""

    def __init__(self) -> None:
        self.data: dict = {}  # entries used since the last prune
        self._before: dict = {}  # entries of the build before: moved to data when used

    def get(self, key: Hashable) -> Any:
        value = self.data.get(key)
        if value is None:
            value = self._before.pop(key, None)
            if value is not None:
                self.data[key] = value
        return value

    def put(self, key: Hashable, value: object) -> None:
        self.data[key] = value

    def of(self, thing: object, params: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, remembered for ``thing`` by identity (a list the engine keeps while it is
        unchanged: no hashing of what it holds) and ``params``. The entry holds ``thing``, so its
        id is not reused while it is remembered."""
        key = (id(thing), params)
        kept = self.get(key)
        if kept is None or kept[0] is not thing:
            kept = (thing, compute())
            self.put(key, kept)
        return kept[1]

    def runs(self, things: Sequence[S], params: Hashable, compute: Callable[[tuple[S, ...]], T],
             start: int = 0, end: int | None = None) -> list[T]:
        """``compute(run)`` for each run of about 60 consecutive things of ``things[start:end]``,
        remembered by the identity of the run's things and ``params``.

        For the immutable reminders a daemon keeps from build to build while they are
        unchanged: after an edit, only the runs that hold a new reminder are computed again,
        and the others are found by a dictionary lookup each — the text of a calendar feed of
        100,000 events costs a few milliseconds. Runs end after a thing whose id says so, so a
        reminder added or removed changes the run it is in, not every run after it. Each entry
        holds its things: their ids are not reused while it is remembered. A tuple (such as
        :attr:`~relnotes.model.ScanResult.frozen_reminders`) is cut into runs once, however many
        parts of it are asked for: pass it whole, with ``start`` and ``end``, rather than slices.
        """
        found: list[T] = []
        for first, last, ids in _runs_of(things, start, len(things) if end is None else min(end, len(things))):
            key = (ids, params)
            kept = self.get(key)
            if kept is None:
                run = tuple(things[first:last])
                kept = (run, compute(run))
                self.put(key, kept)
            found.append(kept[1])
        return found

    def joined(self, things: Sequence[S], params: Hashable, render: Callable[[S], R], sep: R,
               start: int = 0, end: int | None = None) -> list[R]:
        """The pieces of ``sep.join(render(thing) for thing in things[start:end])``, remembered run
        by run (see :meth:`runs`): join them (with ``sep``) where they go, once."""
        return self.runs(things, params, lambda run: sep.join([render(thing) for thing in run]), start, end)

    def prune(self) -> None:
        """Start a new build: forget what the last one did not use."""
        self._before, self.data = self.data, {}


Run = tuple[int, int, tuple[int, ...]]  # start, end and the ids of one run's things
_CUT: list = [None, [], []]  # the tuple last cut into runs, its runs and where each starts (see _runs_of)


def _runs_of(things: Sequence, start: int, end: int) -> list[Run]:
    """The runs of ``things[start:end]`` (see :meth:`Memo.runs`). A tuple's runs are kept, for the
    tuple cut last (it is held, so its id is not reused while kept): the feed, each calendar per
    kind and the summary go through parts of the same tuple of reminders. The next build's tuple
    is cut where it differs from that one only (see :func:`_recut`). A part's first and last runs
    may be pieces of the whole's."""
    if not isinstance(things, tuple):  # it may change: cut only this part, this once
        return _cut(things[start:end], start)
    if _CUT[0] is not things:
        runs = _recut(_CUT[0], _CUT[1], things) if _CUT[0] is not None else _cut(things, 0)
        _CUT[:] = [things, runs, [run[0] for run in runs]]
    _, runs, starts = _CUT
    if start <= 0 and end >= len(things):
        return runs
    found = []
    for run in runs[max(0, bisect.bisect_right(starts, start) - 1):]:
        if run[0] >= end:
            break
        piece = _piece(run, start, end)
        if piece:
            found.append(piece)
    return found


def _recut(old: tuple, runs: list[Run], new: tuple) -> list[Run]:
    """The runs of ``new``, from those of ``old``: the runs within the things both start with, and
    within those both end with, are kept (moved along); only the part between is cut afresh. The
    same things (by identity: another object, however equal, has another id) as a fresh cut would
    give, at a fraction of the cost: after one edit, a daemon's new tuple of 66,000 reminders is
    compared in C, not cut in Python (17 ms on a slow machine)."""
    same = min(len(old), len(new))
    head = next(itertools.compress(itertools.count(), map(operator.is_not, old, new)), same)
    tail = next(itertools.compress(itertools.count(), map(operator.is_not, reversed(old), reversed(new))), same)
    tail = min(tail, same - head)  # the things both start with are not also counted as those they end with
    shift = len(new) - len(old)
    # the runs that end within the common start (at a thing whose id ends a run: not the last,
    # which ends where ``old`` did)
    before = bisect.bisect_right(runs, min(head, len(old) - 1), key=_run_end)
    after = bisect.bisect_right(runs, len(old) - tail, key=_run_start)  # those that start after the change
    cut_from = runs[before - 1][1] if before else 0
    cut_to = runs[after][0] + shift if after < len(runs) else len(new)
    moved = runs[after:] if not shift else [(first + shift, last + shift, ids) for first, last, ids in runs[after:]]
    return [*runs[:before], *_cut(new[cut_from:cut_to], cut_from), *moved]


_run_start, _run_end = operator.itemgetter(0), operator.itemgetter(1)


def _cut(things: Sequence, offset: int) -> list[Run]:
    ids = list(map(id, things))
    ends = [at for at, key in enumerate(ids, 1) if not (key >> 4) % 61]
    if not ends or ends[-1] != len(ids):
        ends.append(len(ids))
    runs: list[Run] = []
    at = 0
    for stop in ends:
        runs.append((offset + at, offset + stop, tuple(ids[at:stop])))
        at = stop
    return runs


def _piece(run: Run, start: int, end: int) -> Run | None:
    """The part of ``run`` from ``start`` to ``end`` (None: empty)."""
    first, last, ids = run
    if start <= first and last <= end:
        return run
    a, b = max(first, start), min(last, end)
    return (a, b, ids[a - first:b - first]) if a < b else None


_MEMOS: dict[str, Memo] = {}


def memo(name: str) -> Memo:
    """The process-wide memo called ``name`` (e.g. ``"ics-events"``): what one build renders,
    the next build of the daemon reuses."""
    return _MEMOS.setdefault(name, Memo())


def prune_memos() -> None:
    """Forget what the last build did not use, in every memo (after each build of a daemon)."""
    for entries in _MEMOS.values():
        entries.prune()


def _pack(problems: list[Problem]) -> tuple:  # plain tuples unpickle much faster than dataclasses
    return tuple((p.path, p.line, p.message) for p in problems)


class _Hashing:
    """A file wrapper that hashes what is written through it: the cache is pickled straight to
    disk, never held in memory whole."""

    def __init__(self, handle: BinaryIO, digest: Any) -> None:
        self.handle, self.digest = handle, digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)


class VaultCache:
    """The notes of one vault, kept between builds: :meth:`read` notes through it, then
    :meth:`save` it. One that is not ``persistent`` lives in memory only (``--no-cache``)."""

    KEEP_ANSWERS = 4  # e.g. the JSON and the text report, for two days

    def __init__(self, root: Path, *, load: bool = True, persistent: bool = True) -> None:
        self.path = _vault_file(root, ".notes")
        self.answers_path = _vault_file(root, ".answers")
        self.persistent = persistent
        self.settings: VaultSettings | None = None
        self.problems: list[Problem] = []
        self.notes: dict[str, tuple[FileKey, Note | None, list[Problem]]] = {}  # rel path -> key, note, problems
        self.changes: set[str] | None = None  # the notes read or gone since take_changes(); None: any
        self.rows_written = 0  # by the last save: the notes read again or gone, or every one
        self._dirty: set[str] = set()  # the notes to write (or delete) at the next save
        self._whole = True  # write every row at the next save (no rows yet, new settings or code, damage)
        self._loaded = False
        self._answers: dict | None = None
        if load:
            self.load()

    def _remembered(self) -> dict:
        """The remembered answers (read once; a damaged file is reported and costs one full scan)."""
        if self._answers is None:
            parts, why = _read_framed(self.answers_path)
            if why:
                self._discard(why, self.answers_path)
            self._answers = parts[0] if parts and isinstance(parts[0], dict) else {}
        return self._answers

    def written(self) -> set[str]:
        """The files the remembered scans wrote, as absolute paths: relnotes' own outputs, which
        are left out of a scan's key (they change when relnotes writes them, not the notes)."""
        return {path for _, outputs, _ in self._remembered().values() for path, _ in outputs}

    def recall(self, key: str) -> str | None:
        """The answer (a scan's report) remembered under ``key`` (see :meth:`~relnotes.pipeline.Pipeline.scan_key`),
        if the outputs that scan wrote are still on disk byte for byte and the notes cache is as
        that scan left it. The notes cache is not loaded for this: an unchanged vault gets its
        report in the time it takes to look at its files."""
        entry = self._remembered().get(key)
        if entry is None or entry[2] != file_key(self.path):
            return None
        report, outputs, _ = entry
        for path, digest in outputs:
            try:
                if hashlib.sha256(Path(path).read_bytes()).digest() != digest:
                    return None
            except OSError:
                return None
        with contextlib.suppress(OSError):  # in use (see _forget_old); the notes' file is left as it is
            os.utime(self.answers_path)
        return report

    def remember(self, key: str, report: str, outputs: list[Output]) -> None:
        """Keep ``report`` under ``key`` with the outputs its scan wrote (or found up to date);
        call after :meth:`save`. A report that tells of a damaged cache is not kept: that is news
        once, not part of the answer."""
        answers = dict(self._remembered())
        answers.pop(key, None)
        if not self.problems:
            answers[key] = (report, [(os.path.abspath(o.path), hashlib.sha256(o.content).digest()) for o in outputs],
                            file_key(self.path))
        while len(answers) > self.KEEP_ANSWERS:
            del answers[next(iter(answers))]
        self._answers = answers
        _write_framed(self.answers_path, [answers])

    @property
    def changed(self) -> bool:
        """Whether there is anything to save."""
        return self._whole or bool(self._dirty)

    def load(self) -> None:
        """Read the cached notes (once); a damaged file is reported and ignored."""
        if self._loaded:
            return
        self._loaded = True
        if not self.persistent:
            return
        try:
            if not self.path.exists():
                return
            with contextlib.closing(_connect(self.path, create=False)) as db:
                head = db.execute("SELECT version, settings FROM head").fetchone()
                if head is None:
                    raise sqlite3.DatabaseError("no head")
                if head[0] != code_version():
                    return  # written by another relnotes: start afresh, silently
                token = _token(head[0], head[1])
                notes = {}
                for rel, row_token, checksum, entry in db.execute("SELECT rel, token, checksum, entry FROM notes"):
                    if zlib.crc32(entry) != checksum:
                        raise sqlite3.DatabaseError("a row's checksum")
                    if row_token == token:  # (else written for other settings: read again)
                        key, note, problems = pickle.loads(entry)
                        notes[rel] = (key, note, [Problem(*p) for p in problems])
                settings = pickle.loads(head[1])
        except sqlite3.DatabaseError:
            self._discard("is corrupt or truncated")
            return
        except Exception as exc:  # OSError, or a row that does not unpickle
            self._discard(f"cannot be loaded ({type(exc).__name__})")
            return
        with contextlib.suppress(OSError):  # in use: kept however long the vault goes unchanged
            os.utime(self.path)
        self.settings, self.notes, self.changes = settings, notes, None
        self._whole = False

    def _discard(self, why: str, path: Path | None = None) -> None:
        self.problems.append(Problem("", None, f"the cache {path or self.path} {why}; ignored and rebuilt"))
        self._whole = True

    def read(self, files: list[tuple[str, str]], settings: VaultSettings,
             progress: Callable[[int], None] | None = None,
             keys: Mapping[str, FileKey | None] | None = None) -> None:
        """Bring :attr:`notes` up to date with ``files`` (as from :func:`~relnotes.walk.walk`): from
        the cache where the file is unchanged and the Obsidian ``settings`` are the same, read
        again where not. ``keys`` are the files' keys when already known (taken before the files
        are read)."""
        if settings != self.settings:
            self.settings, self.notes, self._whole, self.changes = settings, {}, True, None
        if keys is None:
            keys = {rel: file_key(path) for rel, path in files}
        missing = [(rel, path) for rel, path in files
                   if keys[rel] is None or self.notes.get(rel, (None,))[0] != keys[rel]]
        fresh = dict(zip((rel for rel, _ in missing), read_many(missing, self.settings, progress), strict=True))
        if progress:
            progress(len(files) - len(missing))
        entries: dict[str, tuple[FileKey, Note | None, list[Problem]]] = {}
        for rel, _ in files:
            key = keys[rel]
            if rel not in fresh:
                entries[rel] = self.notes[rel]
            elif key is not None:
                entries[rel] = (key, *fresh[rel])
        changed = {rel for rel, _ in missing} | (self.notes.keys() - entries.keys())
        self._dirty |= changed
        if self.changes is not None:
            self.changes |= changed
        self.notes = entries

    def refresh(self, files: list[tuple[str, str]], settings: VaultSettings) -> int:
        """Look again at just these files (named by file-system events): read the changed ones,
        forget the deleted ones. :returns: how many were read."""
        if settings != self.settings:
            raise ValueError("the Obsidian settings changed: read the whole vault")
        changed = []
        for rel, path in files:
            key = file_key(path)
            if key is None:
                if self.notes.pop(rel, None) is not None:
                    self._note_change(rel)
            elif self.notes.get(rel, (None,))[0] != key:
                changed.append((rel, path, key))
        fresh = read_many([(r, p) for r, p, _ in changed], settings)
        for (rel, _, key), (note, found) in zip(changed, fresh, strict=True):
            self.notes[rel] = (key, note, found)
            self._note_change(rel)
        return len(changed)

    def wrote(self, rel: str, path: Path) -> None:
        """relnotes just wrote its own note at vault-relative ``rel``: known as no note of the
        user's (see :func:`~relnotes.notes.read_note`), so no walk or event reads it again."""
        key = file_key(path)
        if key is not None:
            self.notes[rel] = (key, None, [])
            self._note_change(rel)

    def _note_change(self, rel: str) -> None:
        self._dirty.add(rel)
        if self.changes is not None:
            self.changes.add(rel)

    def take_changes(self) -> set[str] | None:
        """The vault-relative paths of the notes read again, added or gone since the last call
        (None: it cannot say, e.g. the first time; then any may have)."""
        changes, self.changes = self.changes, set()
        return changes

    def save(self) -> None:
        """Write the rows of the notes read again or gone since the last save, in one transaction;
        after new settings, new code or a damaged file, a new database of every row, put in place
        atomically. A failure only costs speed. Then forget the vaults not scanned for
        :data:`KEEP_DAYS` (the cache would grow forever)."""
        if not (self.changed and self.persistent):
            return
        version = code_version()
        settings = pickle.dumps(self.settings, protocol=pickle.HIGHEST_PROTOCOL)
        token = _token(version, settings)
        rels = list(self.notes) if self._whole else sorted(self._dirty)
        try:
            if self._whole:
                self._write_whole(version, settings, token)
            else:
                with contextlib.closing(_connect(self.path, create=False)) as db, db:
                    db.executemany("DELETE FROM notes WHERE rel = ?", [(rel,) for rel in rels if rel not in self.notes])
                    db.executemany("INSERT OR REPLACE INTO notes VALUES (?, ?, ?, ?)", _rows(self.notes, rels, token))
        except (OSError, sqlite3.Error):
            return
        self.rows_written, self._dirty, self._whole = len(rels), set(), False
        _forget_old(self.path.parent, {self.path, self.answers_path})

    def _write_whole(self, version: str, settings: bytes, token: bytes) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError):  # the file of pickles an earlier relnotes kept instead
            os.unlink(self.path.with_suffix(".cache"))
        fd, name = tempfile.mkstemp(prefix=f".{self.path.name}.{os.getpid()}.", suffix=".tmp", dir=self.path.parent)
        os.close(fd)
        try:
            with contextlib.closing(_connect(Path(name), create=True)) as db:
                db.execute("PRAGMA journal_mode = OFF")  # a new file: it is whole once renamed, or not at all
                with db:
                    db.execute("INSERT INTO head VALUES (?, ?)", (version, settings))
                    db.executemany("INSERT INTO notes VALUES (?, ?, ?, ?)", _rows(self.notes, self.notes, token))
            os.replace(name, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(name)
            raise


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """The notes' database (with ``create``, a new one's tables made). Another relnotes writing it
    at the same time (a daemon, a scan) is waited for; each row is as good as the file key it holds."""
    db = sqlite3.connect(path, timeout=10)
    if not create:
        return db
    db.execute("CREATE TABLE head (version TEXT NOT NULL, settings BLOB NOT NULL)")
    db.execute("CREATE TABLE notes (rel TEXT PRIMARY KEY, token BLOB NOT NULL, "
               "checksum INTEGER NOT NULL, entry BLOB NOT NULL) WITHOUT ROWID")
    return db


def _token(version: str, settings: bytes) -> bytes:
    """What a row was read with: the code and the Obsidian settings (a row another relnotes wrote
    for other settings meanwhile is read again, not trusted)."""
    return hashlib.sha256(version.encode() + b"\0" + settings).digest()[:8]


def _rows(notes: Mapping[str, tuple[FileKey, Note | None, list[Problem]]], rels: Iterable[str],
          token: bytes) -> Iterable[tuple[str, bytes, int, bytes]]:
    for rel in rels:
        found = notes.get(rel)
        if found is not None:
            key, note, problems = found
            entry = pickle.dumps((key, note, _pack(problems)), protocol=pickle.HIGHEST_PROTOCOL)
            yield rel, token, zlib.crc32(entry), entry


KEEP_DAYS = 30


def cache_file(name: str) -> Path:
    """Where a plugin keeps a file of its own in the user's cache folder (``name``: a file name,
    no folders), e.g. a calendar it fetched; the folder is made when missing."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"not a file name: {name!r}")
    folder = cache_dir() / "plugins"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / name


def kept(name: str, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()``, kept between runs in the user's cache folder (and in memory within one) while
    ``key`` and relnotes' code stay the same: for what a plugin reads from files of its own that
    take long to parse (a calendar export). ``key`` says what the result depends on — the files'
    paths and :func:`~relnotes.filekeys.file_key`, say — and must pickle; ``name`` (the vault and
    the source, say) names the one file kept for it, which a new key replaces. Not kept when the
    cache folder cannot be written: then only slower."""
    full = (code_version(), key)
    remembered = memo("kept").get((name, full))
    if remembered is not None:
        return remembered
    path = cache_dir() / "kept" / (hashlib.sha256(name.encode()).hexdigest()[:24] + ".kept")
    parts, _ = _read_framed(path)
    if parts is not None and len(parts) == 2 and parts[0] == full:
        value = parts[1]
    else:
        value = compute()
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
            _forget_old(path.parent, {path})
            _write_framed(path, [full, value])
    memo("kept").put((name, full), value)
    return value


def _forget_old(folder: Path, keep: set[Path]) -> None:
    """Delete the files in the cache's ``folder`` not used for :data:`KEEP_DAYS` days: the caches of
    vaults long gone (a test run's, a moved vault's) and what a killed writer left. A vault's files
    go together: one used recently keeps the others (a remembered answer is used without its notes)."""
    oldest = time.time() - KEEP_DAYS * 86400
    entries: list[tuple[os.DirEntry, float]] = []
    with contextlib.suppress(OSError), os.scandir(folder) as scan:
        for entry in scan:
            with contextlib.suppress(OSError):  # (gone meanwhile: another relnotes' temporary file)
                if entry.is_file(follow_symlinks=False):
                    entries.append((entry, entry.stat().st_mtime))
    used = {_vault_of(entry.name) for entry, mtime in entries if mtime >= oldest}
    for entry, mtime in entries:
        if mtime < oldest and Path(entry.path) not in keep and _vault_of(entry.name) not in used:
            with contextlib.suppress(OSError):
                os.unlink(entry.path)


def _vault_of(name: str) -> str:
    """The vault a file of the cache folder is about: ``<hash>.notes``, ``.<hash>.notes.<pid>.….tmp``."""
    return name.lstrip(".").split(".", 1)[0]


def _vault_file(root: Path, suffix: str) -> Path:
    """Where the cache keeps a file about the vault at ``root`` (named by its resolved path)."""
    return cache_dir() / "vaults" / (vault_id(root) + suffix)


def code_version() -> str:
    """relnotes' version and the size and time of each of its source files: a cache written by
    other code, even a development build of the same version, is not used."""
    global _CODE_VERSION
    if _CODE_VERSION is None:
        digest = hashlib.sha256(__version__.encode())
        for path in sorted(Path(__file__).parent.rglob("*.py")):
            st = path.stat()
            digest.update(f"{path.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
        _CODE_VERSION = f"{__version__}+{digest.hexdigest()[:16]}"
    return _CODE_VERSION


_CODE_VERSION: str | None = None


def _read_framed(path: Path) -> tuple[Any, str | None]:
    """The parts :func:`_write_framed` stored at ``path`` (a list), or None and why not (None when
    simply absent or written in another layout, which is no problem)."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    if raw.startswith(_MAGIC[:-2]) and not raw.startswith(_MAGIC):
        return None, None  # written by a relnotes that stores another layout: start afresh, silently
    body = memoryview(raw)[len(_MAGIC) + _DIGEST:]  # no copy of a big file
    if not raw.startswith(_MAGIC) or hashlib.sha256(body).digest() != raw[len(_MAGIC):len(_MAGIC) + _DIGEST]:
        return None, "is corrupt or truncated"
    parts, offset = [], 0
    try:
        while offset < len(body):
            size = int.from_bytes(body[offset:offset + 8], "little")
            parts.append(pickle.loads(body[offset + 8:offset + 8 + size]))
            offset += 8 + size
    except Exception as exc:
        return None, f"cannot be loaded ({type(exc).__name__})"
    return parts, None


def _write_framed(path: Path, parts: Iterable[object]) -> bool:
    """Pickle each of ``parts`` to ``path`` atomically, each behind its length, the whole behind a
    magic line and its checksum; a failure only costs speed. One part at a time: the pickler's
    memo of every object it wrote stays as small as a part (a whole cache's was 200 MB at 100k
    notes). :returns: whether it was written."""
    def write(handle: BinaryIO) -> None:
        handle.write(_MAGIC + bytes(_DIGEST))  # the checksum goes here once the body is written
        digest = hashlib.sha256()
        for part in parts:
            data = pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL)
            for chunk in (len(data).to_bytes(8, "little"), data):
                digest.update(chunk)
                handle.write(chunk)
        handle.seek(len(_MAGIC))
        handle.write(digest.digest())

    try:
        write_atomic(path, write, sync=False)  # checksummed: a torn file is found and ignored
    except OSError:
        return False
    return True
