"""A scan from disk: read the settings, config and notes of a vault, then run the core."""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .cache import VaultCache, prune_memos
from .config import Config, load_config
from .core import ScanResult, Vault, build_vault, evaluate
from .plugins import RelnotesPluginManager, get_plugin_manager
from .vault import fingerprint, read_notes, read_settings, walk

__all__ = ["VaultError", "feed_source", "gc_paused", "load_vault", "scan"]


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


def load_vault(root: Path, *, config: Config | None = None, pm: RelnotesPluginManager | None = None,
               progress: Callable[[int], Callable[[int], None] | None] | None = None,
               cache: VaultCache | None = None) -> Vault:
    """Read the vault at ``root`` into people, meetings and interactions (no rules run).

    :param config: defaults to the vault's ``.relnotes/config.toml``.
    :param pm: defaults to :func:`~relnotes.plugins.get_plugin_manager` honouring the config.
    :param progress: called with the number of notes about to be read; may
        return a callback that is called with 1 after each note.
    :param cache: read unchanged notes from it instead of parsing them again.
    :raises VaultError: when ``root`` is not a readable folder.
    :raises ~relnotes.config.ConfigError: when the config file is unusable.
    """
    root = Path(root)
    if not root.is_dir():
        raise VaultError(f"vault not found: {root} is not a folder" if not root.exists()
                         else f"{root} is not a folder")
    config = config or load_config(root)
    pm = pm or get_plugin_manager(config.disable, local=config.local_plugins, vault=root)
    settings, problems = read_settings(root)
    try:
        files, walk_problems = walk(root, settings)
    except FileNotFoundError as exc:
        raise VaultError(str(exc)) from None
    step = progress(len(files)) if progress else None
    notes, read_problems = cache.read(files, settings, step) if cache else read_notes(files, settings, step)
    return build_vault(root, notes, config, pm, problems + walk_problems + read_problems)


def scan(root: Path, today: dt.date, horizon: int = 30, *, config: Config | None = None,
         pm: RelnotesPluginManager | None = None, strict: bool = False, use_cache: bool = False,
         progress: Callable[[int], Callable[[int], None] | None] | None = None) -> ScanResult:
    """Scan the vault at ``root`` for ``today``: :func:`load_vault`, then every rule and output.

    :param strict: with the default plugin manager, a failing plugin raises
        :class:`~relnotes.plugins.PluginError`.
    :param use_cache: read unchanged notes, and reuse unchanged renderings, from the
        persistent cache (see :mod:`relnotes.cache`), and update it.
    """
    root = Path(root)
    config = config or load_config(root)
    pm = pm or get_plugin_manager(config.disable, local=config.local_plugins, vault=root, strict=strict)
    with gc_paused():
        cache = VaultCache(root) if use_cache else None
        result = evaluate(load_vault(root, config=config, pm=pm, progress=progress, cache=cache), config, pm, today,
                          horizon)
        if cache is not None:
            cache.save()
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
