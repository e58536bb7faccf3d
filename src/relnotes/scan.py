"""A scan from disk: read the settings, config and notes of a vault, then run the core."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from .config import Config, load_config
from .core import ScanResult, Vault, build_vault, evaluate
from .plugins import RelnotesPluginManager, get_plugin_manager
from .vault import fingerprint, read_notes, read_settings, walk

__all__ = ["VaultError", "feed_source", "load_vault", "scan"]


class VaultError(OSError):
    """The vault cannot be scanned at all (missing, not a folder, unreadable)."""


def load_vault(root: Path, *, config: Config | None = None, pm: RelnotesPluginManager | None = None,
               progress: Callable[[int], Callable[[int], None] | None] | None = None) -> Vault:
    """Read the vault at ``root`` into people, meetings and interactions (no rules run).

    :param config: defaults to the vault's ``.relnotes/config.toml``.
    :param pm: defaults to :func:`~relnotes.plugins.get_plugin_manager` honouring the config.
    :param progress: called with the number of notes about to be read; may
        return a callback that is called with 1 after each note.
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
    notes, read_problems = read_notes(files, settings, progress(len(files)) if progress else None)
    return build_vault(root, notes, config, pm, problems + walk_problems + read_problems)


def scan(root: Path, today: dt.date, horizon: int = 30, *, config: Config | None = None,
         pm: RelnotesPluginManager | None = None, strict: bool = False,
         progress: Callable[[int], Callable[[int], None] | None] | None = None) -> ScanResult:
    """Scan the vault at ``root`` for ``today``: :func:`load_vault`, then every rule and output.

    :param strict: with the default plugin manager, a failing plugin raises
        :class:`~relnotes.plugins.PluginError`.
    """
    root = Path(root)
    config = config or load_config(root)
    pm = pm or get_plugin_manager(config.disable, local=config.local_plugins, vault=root, strict=strict)
    return evaluate(load_vault(root, config=config, pm=pm, progress=progress), config, pm, today, horizon)


def feed_source(root: Path, today: Callable[[], dt.date], config: Callable[[], Config]):
    """A :class:`~relnotes.server.FeedSource` for the vault at ``root``: the calendar feed,
    rebuilt when a note, the config or the day changes."""
    from .config import with_overrides
    from .server import FeedSource

    def build() -> tuple[bytes, bool]:
        settings = with_overrides(config(), ics={"enabled": True}, summary={"enabled": False})
        result = scan(root, today(), config=settings)
        feed = next(o for o in result.outputs if o.name == "ics")
        return feed.content, bool(result.vault.notes)

    return FeedSource(build, lambda: (today(), fingerprint(root)))
