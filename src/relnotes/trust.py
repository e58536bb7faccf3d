"""What the user trusts a vault to do, kept in their own config folder — never in the vault.

A vault syncs from other devices and other people's repositories, so nothing inside it may
decide that relnotes runs code: a vault-local plugin (``VAULT/.relnotes/plugins/NAME.py``)
runs only once its owner has said so with ``relnotes trust VAULT NAME``. The decision is
stored in ``CONFIG_DIR/trust.json``, keyed by the vault's real path and the plugin's name,
with the SHA-256 of the code trusted: a plugin whose file changed since (a sync, a pull)
does not run until it is trusted again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from pathlib import Path

from .files import write_atomic
from .userdirs import config_dir

__all__ = ["TRUST_FILE", "code_digest", "set_trust", "trust_path", "trusted_plugins"]

TRUST_FILE = "trust.json"


def trust_path() -> Path:
    """Where the decisions are kept: ``CONFIG_DIR/trust.json``."""
    return config_dir() / TRUST_FILE


def code_digest(code: bytes) -> str:
    """The digest a trust decision records for a plugin's code."""
    return hashlib.sha256(code).hexdigest()


def _vault_key(vault: Path) -> str:
    return os.path.realpath(vault)


def _load() -> dict:
    try:
        data = json.loads(trust_path().read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}  # none yet, or unreadable: nothing is trusted
    return data if isinstance(data, dict) else {}


def trusted_plugins(vault: Path) -> dict[str, str]:
    """The vault-local plugins of ``vault`` its owner trusts: name → digest of the code trusted."""
    found = _load().get("plugins", {}).get(_vault_key(vault), {})
    if not isinstance(found, dict):
        return {}
    return {name: digest for name, digest in found.items() if isinstance(name, str) and isinstance(digest, str)}


def set_trust(vault: Path, digests: Mapping[str, str | None]) -> None:
    """Trust each named plugin of ``vault`` with the code of this digest (None: trust no more)."""
    data = _load()
    plugins = data.setdefault("plugins", {})
    if not isinstance(plugins, dict):
        plugins = data["plugins"] = {}
    entry = dict(trusted_plugins(vault))
    for name, digest in digests.items():
        if digest is None:
            entry.pop(name, None)
        else:
            entry[name] = digest
    key = _vault_key(vault)
    if entry:
        plugins[key] = dict(sorted(entry.items()))
    else:
        plugins.pop(key, None)
    path = trust_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, (json.dumps(data, indent=2, sort_keys=True) + "\n").encode(), mode=0o600)
