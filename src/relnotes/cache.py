"""A persistent cache that makes scans of an unchanged vault fast, and is never wrong.

Kept outside the vault, in the user's cache folder (``$RELNOTES_CACHE_DIR``
overrides it), one file per vault. It holds

- every parsed note, keyed by its path and its file's size, modification
  time, change time and inode: a note whose file changed in any way, or was
  added, deleted or renamed, is read again;
- the memos of pure renderings (see :func:`memo`), e.g. each calendar event's
  text, keyed by everything it is made of.

The file is a checksummed pickle: a new relnotes version, different Obsidian
settings or a corrupt or truncated file make it start empty (the last with a
warning). It is the user's own cache folder, as trusted as their home.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

from . import __version__
from .model import Note, Problem
from .vault import VaultSettings, read_many

__all__ = ["CACHE_DIR_ENV", "Memo", "VaultCache", "cache_dir", "memo", "prune_memos"]

CACHE_DIR_ENV = "RELNOTES_CACHE_DIR"
_MAGIC = b"relnotes-cache-2\n"  # the number changes with the layout of what is stored
_DIGEST = 32  # sha256 of the pickle, right after the magic line

FileKey = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def cache_dir() -> Path:
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV])
    import platformdirs

    return Path(platformdirs.user_cache_dir("relnotes", appauthor=False))


class Memo:
    """A dict of results of a pure function, remembering which entries the current build used,
    so that only those are kept (in the cache file, and in a long-running daemon)."""

    def __init__(self) -> None:
        self.data: dict = {}
        self.used: set = set()

    def get(self, key: object) -> object:
        value = self.data.get(key)
        if value is not None:
            self.used.add(key)
        return value

    def put(self, key: object, value: object) -> None:
        self.data[key] = value
        self.used.add(key)

    def prune(self) -> None:
        """Forget the entries the last build did not use."""
        self.data = {key: self.data[key] for key in self.used if key in self.data}
        self.used = set()


_MEMOS: dict[str, Memo] = {}


def memo(name: str) -> Memo:
    """The process-wide memo called ``name`` (e.g. ``"ics-events"``); a scan with the cache on
    fills it from the cache file and saves what the build used."""
    return _MEMOS.setdefault(name, Memo())


def prune_memos() -> None:
    """Forget what the last build did not use, in every memo (after each build of a daemon)."""
    for entries in _MEMOS.values():
        entries.prune()


# Notes and problems are stored as plain tuples: unpickling 10,000 dataclass objects costs
# more than building them again.

def _pack(note: Note | None, problems: list[Problem]) -> tuple:
    packed = None if note is None else (
        note.path, note.title, note.frontmatter, note.body, note.body_line, note.key_lines, note.date, note.daily)
    return packed, tuple((p.path, p.line, p.message) for p in problems)


def _unpack(packed: tuple | None, problems: tuple) -> tuple[Note | None, list[Problem]]:
    note = None
    if packed is not None:
        path, title, frontmatter, body, body_line, key_lines, date, daily = packed
        note = Note(path, title, frontmatter, body, None, body_line, key_lines, date, daily)
    return note, [Problem(*problem) for problem in problems]


def _file_key(path: str) -> FileKey | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


class _Hashing:
    """A file wrapper that hashes what is written through it: the cache is pickled straight to
    disk, never held in memory whole."""

    def __init__(self, handle, digest) -> None:
        self.handle, self.digest = handle, digest

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.handle.write(data)


class VaultCache:
    """The cache of one vault: :meth:`read` notes through it, then :meth:`save` it."""

    def __init__(self, root: Path) -> None:
        self.path = cache_dir() / "vaults" / (hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:24]
                                              + ".cache")
        self.settings: VaultSettings | None = None
        self.problems: list[Problem] = []
        self.notes: dict[str, tuple[FileKey, Note | None, list[Problem]]] = {}  # rel path -> key, note, problems
        self.changed = False
        self._memo_keys: dict = {}
        self._load()

    def _load(self) -> None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return
        except OSError as exc:
            self._discard(f"cannot be read ({exc.strerror or exc})")
            return
        if raw.startswith(_MAGIC[:-2]) and not raw.startswith(_MAGIC):
            return  # written by a relnotes that stores another layout: start afresh, silently
        body = memoryview(raw)[len(_MAGIC) + _DIGEST:]  # no copy of a big file
        if not raw.startswith(_MAGIC) or hashlib.sha256(body).digest() != raw[len(_MAGIC):len(_MAGIC) + _DIGEST]:
            self._discard("is corrupt or truncated")
            return
        try:
            data = pickle.loads(body)
            version, settings, notes, memos = data["version"], data["settings"], data["notes"], data["memos"]
        except Exception as exc:
            self._discard(f"cannot be loaded ({type(exc).__name__})")
            return
        if version != __version__:
            return  # written by another relnotes version: start afresh, silently
        for name, entries in memos.items():
            memo(name).data.update(entries)
            self._memo_keys[name] = entries.keys()
        self.settings = settings
        self.notes = {rel: (key, *_unpack(packed, problems)) for rel, (key, packed, problems) in notes.items()}

    def _discard(self, why: str) -> None:
        self.problems.append(Problem("", None, f"the cache {self.path} {why}; ignored and rebuilt"))
        self.changed = True

    def read(self, files: list[tuple[str, str]], settings: VaultSettings,
             progress: Callable[[int], None] | None = None) -> tuple[list[Note], list[Problem]]:
        """The notes of ``files`` (as from :func:`~relnotes.vault.walk`): from the cache where the
        file is unchanged and the Obsidian ``settings`` are the same, read again where not."""
        if settings != self.settings:
            self.settings, self.notes, self.changed = settings, {}, True
        keys = {rel: _file_key(path) for rel, path in files}
        missing = [(rel, path) for rel, path in files
                   if keys[rel] is None or self.notes.get(rel, (None,))[0] != keys[rel]]
        fresh = dict(zip((rel for rel, _ in missing), read_many(missing, self.settings, progress), strict=True))
        if progress:
            progress(len(files) - len(missing))
        entries = {rel: (keys[rel], *fresh[rel]) if rel in fresh else self.notes[rel]
                   for rel, _ in files if rel not in fresh or keys[rel] is not None}
        problems = [p for rel, _ in files if rel in fresh and keys[rel] is None for p in fresh[rel][1]]
        self.changed = self.changed or bool(missing) or entries.keys() != self.notes.keys()
        self.notes = entries
        notes, found = self.current()
        return notes, [*found, *problems]

    def refresh(self, files: list[tuple[str, str]], settings: VaultSettings) -> int:
        """Look again at just these files (named by file-system events): read the changed ones,
        forget the deleted ones. :returns: how many were read."""
        if settings != self.settings:
            raise ValueError("the Obsidian settings changed: read the whole vault")
        changed = []
        for rel, path in files:
            key = _file_key(path)
            if key is None:
                self.changed = self.notes.pop(rel, None) is not None or self.changed
            elif self.notes.get(rel, (None,))[0] != key:
                changed.append((rel, path, key))
        for (rel, _, key), (note, found) in zip(changed, read_many([(r, p) for r, p, _ in changed], settings), strict=True):
            self.notes[rel] = (key, note, found)
        self.changed = self.changed or bool(changed)
        return len(changed)

    def current(self) -> tuple[list[Note], list[Problem]]:
        """The cached notes in path order, and their problems (a damaged cache file's included)."""
        entries = [self.notes[rel] for rel in sorted(self.notes)]
        problems = [*self.problems, *(p for _, _, found in entries for p in found)]
        return [note for _, note, _ in entries if note is not None], problems

    def save(self) -> None:
        """Write the cache (atomically) when anything changed; a failure only costs speed."""
        memos = {name: {key: m.data[key] for key in m.used if key in m.data} for name, m in _MEMOS.items()}
        if not self.changed and all(memos[name].keys() == self._memo_keys.get(name, set()) for name in memos):
            return
        notes = {rel: (key, *_pack(note, found)) for rel, (key, note, found) in self.notes.items()}
        data = {"version": __version__, "settings": self.settings, "notes": notes, "memos": memos}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(_MAGIC + bytes(_DIGEST))  # the checksum goes here once the body is written
                digest = hashlib.sha256()
                pickle.dump(data, _Hashing(handle, digest), protocol=pickle.HIGHEST_PROTOCOL)
                handle.seek(len(_MAGIC))
                handle.write(digest.digest())
            os.replace(tmp, self.path)
        except OSError:
            return
        self.changed, self._memo_keys = False, {name: entries.keys() for name, entries in memos.items()}
