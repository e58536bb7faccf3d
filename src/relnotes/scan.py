"""A scan from disk: read the settings, config and notes of a vault, then run the core."""

from __future__ import annotations

import datetime as dt
import gc
import hashlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .cache import VaultCache, code_version, prune_memos
from .config import Config, load_config, output_file
from .core import ScanResult, Vault, build_vault, evaluate
from .model import Problem
from .plugins import RelnotesPluginManager, get_plugin_manager, plugin_sources
from .vault import VaultSettings, digest_files, fingerprint, read_notes, read_settings, walk

__all__ = ["Listing", "VaultError", "feed_source", "gc_paused", "list_vault", "load_vault", "scan", "scan_key",
           "summary_in_vault", "vault_relative"]


class VaultError(OSError):
    """The vault cannot be scanned at all (missing, not a folder, unreadable)."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a vault is read and evaluated.

    A build allocates a few objects per line of every note and frees almost none of them
    until it ends, so the collector would walk the growing heap again and again for
    nothing (about a tenth of a scan). Reference counting still frees everything the
    build drops; the collector resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Listing:
    """A vault's Obsidian settings and note files, and the problems met finding them."""

    settings: VaultSettings
    files: list[tuple[str, str]]  # (vault-relative path, file system path), as from walk()
    problems: list[Problem]


def list_vault(root: Path) -> Listing:
    """Find the notes of the vault at ``root`` (nothing is read yet).

    :raises VaultError: when ``root`` is not a readable folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise VaultError(f"vault not found: {root} is not a folder" if not root.exists()
                         else f"{root} is not a folder")
    settings, problems = read_settings(root)
    try:
        files, walk_problems = walk(root, settings)
    except FileNotFoundError as exc:
        raise VaultError(str(exc)) from None
    return Listing(settings, files, problems + walk_problems)


def vault_relative(root: Path, path: str | Path) -> str:
    """``path`` relative to the vault, POSIX-style (``../…`` when it is outside)."""
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive on Windows
        return f"../{path}"


def summary_in_vault(root: Path, config: Config) -> set[str]:
    """The vault-relative path of the summary note when relnotes writes one: relnotes' own
    output, which changes when relnotes writes it, not when the notes do."""
    return {vault_relative(root, output_file(root, config.summary.path))} if config.summary.enabled else set()


def scan_key(root: Path, listing: Listing, config: Config, today: dt.date, horizon: int, *options: object) -> str:
    """A digest of everything a scan's answer depends on: the notes and the files in
    ``VAULT/.relnotes/`` (each file's path, size, modification and change time and inode; the
    config, and data that plugins keep there), the Obsidian settings, the config, where the
    outputs go, the working folder, the code of relnotes and of the plugins it would run, the
    installed packages and Python, the day, and the ``options`` of the command.
    The outputs are left out: whoever uses the key checks that they are as written (a note of
    the user's in the summary's place is not)."""
    root = Path(root)
    outputs = {output_file(root, config.ics.path), output_file(root, config.summary.path)}
    own = summary_in_vault(root, config)
    files = [(rel, path) for rel, path in listing.files if rel not in own]
    files += [(Path(path).relative_to(root).as_posix(), path) for path in _files_below(root / ".relnotes")
              if Path(path) not in outputs]
    digest = hashlib.sha256(repr((
        code_version(), str(root.resolve()), os.getcwd(), repr(config), sorted(map(str, outputs)),
        listing.settings, today, horizon, options,
        plugin_sources(config.disable, local=config.local_plugins, vault=root), _installed(),
        [(p.path, p.line, p.message) for p in listing.problems],
    )).encode())
    digest_files(digest, files)
    return digest.hexdigest()


def _files_below(folder: Path) -> list[str]:
    """Every file below ``folder``, symlinked folders followed (each real folder once), sorted."""
    found, seen = [], set()
    for top, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(top)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        found += [os.path.join(top, name) for name in names]
    return sorted(found)


def _installed() -> tuple:
    """Python, and the folders packages are installed in, by modification time: installing,
    upgrading or removing a package (a library a plugin uses, say) changes a folder's."""
    folders = []
    for entry in sys.path:
        try:
            st = os.stat(entry or ".")
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            folders.append((entry, st.st_mtime_ns))
    return sys.version, sys.executable, tuple(folders)


def load_vault(root: Path, *, config: Config | None = None, pm: RelnotesPluginManager | None = None,
               progress: Callable[[int], Callable[[int], None] | None] | None = None,
               cache: VaultCache | None = None, listing: Listing | None = None) -> Vault:
    """Read the vault at ``root`` into people, meetings and interactions (no rules run).

    :param config: defaults to the vault's ``.relnotes/config.toml``.
    :param pm: defaults to :func:`~relnotes.plugins.get_plugin_manager` honouring the config.
    :param progress: called with the number of notes about to be read; may
        return a callback that is called with 1 after each note.
    :param cache: read unchanged notes from it instead of parsing them again.
    :param listing: the vault's files, if :func:`list_vault` found them already.
    :raises VaultError: when ``root`` is not a readable folder.
    :raises ~relnotes.config.ConfigError: when the config file is unusable.
    """
    root = Path(root)
    listing = listing or list_vault(root)
    config = config or load_config(root)
    pm = pm or get_plugin_manager(config.disable, local=config.local_plugins, vault=root)
    files, settings = listing.files, listing.settings
    step = progress(len(files)) if progress else None
    notes, read_problems = cache.read(files, settings, step) if cache else read_notes(files, settings, step)
    return build_vault(root, notes, config, pm, listing.problems + read_problems)


def scan(root: Path, today: dt.date, horizon: int = 30, *, config: Config | None = None,
         pm: RelnotesPluginManager | None = None, strict: bool = False, use_cache: bool = False,
         progress: Callable[[int], Callable[[int], None] | None] | None = None,
         listing: Listing | None = None, cache: VaultCache | None = None) -> ScanResult:
    """Scan the vault at ``root`` for ``today``: :func:`load_vault`, then every rule and output.

    :param strict: with the default plugin manager, a failing plugin raises
        :class:`~relnotes.plugins.PluginError`.
    :param use_cache: read unchanged notes from the persistent cache (see
        :mod:`relnotes.cache`), and update it (from a second process when that is safe).
    :param listing: the vault's files, if :func:`list_vault` found them already.
    :param cache: the cache to use (implies ``use_cache``).
    """
    root = Path(root)
    config = config or load_config(root)
    pm = pm or get_plugin_manager(config.disable, local=config.local_plugins, vault=root, strict=strict)
    with gc_paused():
        cache = cache or (VaultCache(root) if use_cache else None)
        if cache is not None:
            cache.load()
        vault = load_vault(root, config=config, pm=pm, progress=progress, cache=cache, listing=listing)
        saved = cache.save(background=True) if cache is not None else None  # on the other core
        result = evaluate(vault, config, pm, today, horizon)
        if saved is not None:
            saved()
    prune_memos()
    return result


def feed_source(root: Path, today: Callable[[], dt.date], config: Callable[[], Config]):
    """A :class:`~relnotes.server.FeedSource` for the vault at ``root``: the calendar feed,
    rebuilt when a note, the config or the day changes."""
    from .config import with_overrides
    from .server import FeedSource

    def build() -> tuple[bytes, bool]:
        settings = with_overrides(config(), ics={"enabled": True}, summary={"enabled": False})
        result = scan(root, today(), config=settings, use_cache=True)
        feed = next(o for o in result.outputs if o.name == "ics")
        return feed.content, bool(result.vault.notes)

    return FeedSource(build, lambda: (today(), fingerprint(root)))
