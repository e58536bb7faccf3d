"""The user's own folders, outside any vault: config (the feed token) and cache."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

__all__ = ["CACHE_DIR_ENV", "CONFIG_DIR_ENV", "cache_dir", "config_dir", "vault_id"]

CONFIG_DIR_ENV = "RELNOTES_CONFIG_DIR"
CACHE_DIR_ENV = "RELNOTES_CACHE_DIR"


def _user_dir(env: str, kind: str) -> Path:
    if os.environ.get(env):
        return Path(os.environ[env])
    import platformdirs

    find = platformdirs.user_config_dir if kind == "config" else platformdirs.user_cache_dir
    return Path(find("relnotes", appauthor=False))


def config_dir() -> Path:
    """Where relnotes keeps per-user state: ``$RELNOTES_CONFIG_DIR`` or the platform's config folder."""
    return _user_dir(CONFIG_DIR_ENV, "config")


def cache_dir() -> Path:
    """Where relnotes keeps its caches: ``$RELNOTES_CACHE_DIR`` or the platform's cache folder."""
    return _user_dir(CACHE_DIR_ENV, "cache")


def vault_id(vault: Path) -> str:
    """What the user's folders name a vault's files by: a digest of its resolved path (a synced
    vault's name says nothing about where it lies, and the path is kept out of file names)."""
    return hashlib.sha256(str(Path(vault).resolve()).encode()).hexdigest()[:24]
