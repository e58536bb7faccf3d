"""Phones (and other browsers) paired to act on reminders, kept in the user's config folder.

The feed's URL is no credential for acting: calendar providers fetch it, and anyone the
calendar is shared with sees it. A browser may use the reminder pages' buttons once it was
paired: ``relnotes token VAULT --pair`` makes a one-time code (valid for
:data:`CODE_MINUTES`), the browser that opens ``/pair/CODE`` and confirms gets a device secret
in an ``HttpOnly``, ``SameSite=Strict`` cookie, and this store keeps only the secret's digest.
A device is bound to the feed token it was paired under: ``relnotes token --rotate`` (or
``--unpair``) revokes every device at once. Also kept here: the address the pages are
reached at (``relnotes token --url``), which the calendar feed links to.

One JSON file per vault, owner-only, replaced atomically under a lock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .files import write_atomic
from .userdirs import config_dir, vault_id

__all__ = ["CODE_MINUTES", "COOKIE", "clear", "device_of", "form_token", "new_code", "pages_url", "pair",
           "phones_file", "set_pages_url"]

CODE_MINUTES = 10
COOKIE = "relnotes_device"
_TRIES = 20  # wrong codes before every open code is dropped (a code is 40 bits; this stops guessing)


def phones_file(vault: Path) -> Path:
    return config_dir() / "phones" / f"{vault_id(vault)}.json"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_bytes())
    except (FileNotFoundError, ValueError, UnicodeDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def _changing(vault: Path) -> Iterator[dict[str, Any]]:
    """The store's data, to change; written back when the block ends (one writer at a time)."""
    path = phones_file(vault)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    fd = os.open(path.with_suffix(".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        data = _load(path)
        yield data
        write_atomic(path, json.dumps(data, indent=1, sort_keys=True).encode(), mode=0o600)
    finally:
        os.close(fd)


def pages_url(vault: Path) -> str | None:
    """Where the reminder pages are reached (``relnotes token --url``), without a trailing slash."""
    url = _load(phones_file(vault)).get("url")
    return url if isinstance(url, str) and url else None


def set_pages_url(vault: Path, url: str | None) -> None:
    with _changing(vault) as data:
        data["url"] = url.rstrip("/") if url else None


def new_code(vault: Path, token: str, now: float | None = None) -> str:
    """A one-time pairing code for the current ``token``, valid for :data:`CODE_MINUTES`."""
    code = secrets.token_hex(5)  # 10 characters to type, if the link cannot be opened
    now = time.time() if now is None else now
    with _changing(vault) as data:
        codes = [c for c in data.get("codes", []) if c.get("expires", 0) > now]
        codes.append({"code": _digest(code), "expires": now + CODE_MINUTES * 60, "token": _digest(token)})
        data["codes"], data["tries"] = codes, 0
    return code


def pair(vault: Path, code: str, token: str, name: str, now: float | None = None) -> str | None:
    """Use up ``code``: a new device's secret (to set in its cookie), or None when the code is
    wrong, used or expired (or was made under another token)."""
    now = time.time() if now is None else now
    with _changing(vault) as data:
        codes = [c for c in data.get("codes", []) if c.get("expires", 0) > now and c.get("token") == _digest(token)]
        match = next((c for c in codes if hmac.compare_digest(str(c.get("code")), _digest(code.strip().lower()))),
                     None)
        if match is None:
            data["tries"] = data.get("tries", 0) + 1
            data["codes"] = [] if data["tries"] >= _TRIES else codes
            return None
        codes.remove(match)
        secret = secrets.token_urlsafe(32)
        paired = dt.datetime.fromtimestamp(now, dt.UTC).isoformat(timespec="seconds")
        data["codes"], data["tries"] = codes, 0
        data.setdefault("devices", []).append({"device": _digest(secret), "token": _digest(token),
                                               "paired": paired, "name": name[:120]})
    return secret


def device_of(vault: Path, secret: str | None, token: str) -> dict[str, Any] | None:
    """The paired device whose cookie holds ``secret``, under the current ``token``; else None."""
    if not secret:
        return None
    wanted, current = _digest(secret), _digest(token)
    for device in _load(phones_file(vault)).get("devices", []):
        if hmac.compare_digest(str(device.get("device")), wanted) and device.get("token") == current:
            return dict(device)
    return None


def form_token(secret: str, token: str) -> str:
    """What a page's forms carry to show that they were made for this device: a POST that
    another site forges cannot know it."""
    return hmac.new(token.encode(), b"relnotes-form\x00" + secret.encode(), hashlib.sha256).hexdigest()[:32]


def clear(vault: Path) -> int:
    """Unpair every device and drop every open code. :returns: how many devices were paired."""
    with _changing(vault) as data:
        count = len(data.get("devices", []))
        data["devices"], data["codes"] = [], []
    return count
