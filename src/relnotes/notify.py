"""Reaching the user: channels (notifiers, from plugins) and the daily digest, sent once a day
per channel.

**Channels** are configured in the user's own config folder, ``notify.toml`` (``[email]``,
``[ntfy]``, ``[webhook]``, ``[desktop]``: each table a channel, checked against its notifier's
settings). It holds secrets, so it must be readable by its owner only, and a vault's own config
may not name a channel (see :data:`relnotes.config.CHANNEL_TABLES`). A secret may also come
from the environment (``password_env = "RELNOTES_SMTP_PASSWORD"``).

**Exactly once a day per channel.** Before a digest goes out, the channel's state for the day
is recorded as ``sending`` (written to disk); after, ``sent``. A run that finds ``sending`` for
today does not send again: relnotes stopped between the two, and the message may well have
arrived — at most once beats twice. A send that fails (the server said no) is ``failed`` and
is tried again later the same day. Only today's digest is ever sent: a day the daemon was down
is not caught up. The state lives in the config folder (``digests/VAULT.json``), under a lock,
so ``watch`` and a cron ``relnotes notify`` never both send.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import logging
import os
import stat
import time
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .config import Config, ConfigError, Section, Table
from .digest import Message, digest
from .files import write_atomic
from .model import ScanResult
from .userdirs import config_dir, vault_id

__all__ = ["NOTIFY_FILE", "Channel", "DailyDigest", "Notifier", "NotifyError", "Outcome", "attempt", "channels_of",
           "deliver", "load_channels", "notify_file", "secret", "send_digest", "state_file"]

log = logging.getLogger("relnotes.notify")

NOTIFY_FILE = "notify.toml"
RETRY_SECONDS = (60, 300, 900, 3600)  # after the 1st, 2nd, 3rd and later failures of a day


class NotifyError(Exception):
    """A channel is misconfigured, or a message could not be sent; the message says why."""


@dataclass(frozen=True)
class Notifier:
    """A way to reach the user (``relnotes_notifiers``): its ``name`` is its table in
    ``notify.toml``, ``settings`` what that table may hold (checked like the vault's config), and
    ``send(message, settings)`` sends or raises (any exception: not sent)."""

    name: str
    settings: Table
    send: Callable[[Message, Section], None]


@dataclass(frozen=True)
class Channel:
    """A notifier with the user's settings for it."""

    notifier: Notifier
    settings: Section

    @property
    def name(self) -> str:
        return self.notifier.name


@dataclass(frozen=True)
class Outcome:
    """What became of a message on one channel: ``sent``, ``failed``, ``skipped`` (nothing new),
    or ``done`` (today's went out already, or may have: ``detail`` says which)."""

    channel: str
    status: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.channel}: {self.status}" + (f" ({self.detail})" if self.detail else "")


def secret(settings: Section, key: str) -> str | None:
    """The setting ``key``, or (when that is unset or empty) the environment variable that ``KEY_env`` names."""
    value = settings.get(key)
    env = settings.get(f"{key}_env")
    if not value and env:
        value = os.environ.get(env)
        if value is None:
            raise NotifyError(f"{key}_env: the environment variable {env} is not set")
    return value


def notify_file() -> Path:
    """Where the user's channels are configured: ``notify.toml`` in their own config folder."""
    return config_dir() / NOTIFY_FILE


def load_channels(notifiers: Iterable[Notifier], path: Path | None = None) -> list[Channel]:
    """The channels of ``notify.toml`` (:func:`notify_file`), in the file's order.

    :raises NotifyError: when the file is readable by others, is not valid TOML, names no known
        notifier, or a setting is wrong.
    """
    path = path or notify_file()
    try:
        st = path.stat()
    except FileNotFoundError:
        return []
    if os.name == "posix" and st.st_mode & 0o077:
        raise NotifyError(f"{path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}) and may hold "
                          f"passwords: chmod 600 {path}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NotifyError(f"{path}: cannot read it: {exc}") from None
    known = {n.name: n for n in notifiers}
    channels = []
    for name, table in data.items():
        notifier = known.get(name)
        if notifier is None:
            raise NotifyError(f"{path}: [{name}] is no channel (known: {', '.join(known) or 'none'})")
        try:
            channels.append(Channel(notifier, Section(name, notifier.settings.parse(table))))
        except ConfigError as exc:
            raise NotifyError(f"{path}: {exc}") from None
    return channels


def state_file(root: Path) -> Path:
    """Where what was sent for the vault at ``root`` is recorded."""
    return config_dir() / "digests" / f"{vault_id(root)}.json"


@contextmanager
def _locked(path: Path) -> Iterator[dict]:
    """The state at ``path``, under an exclusive lock; what the block leaves in it is saved."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(path.with_suffix(".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        except (OSError, ValueError):
            log.warning("%s cannot be read; starting it again", path)
            state = {}
        yield state


def _save(path: Path, state: dict) -> None:
    write_atomic(path, (json.dumps(state, indent=1, sort_keys=True) + "\n").encode(), mode=0o600)


def attempt(channel: Channel, message: Message) -> str | None:
    """Send ``message`` on ``channel``: None when it went, else why not, on one line."""
    try:
        channel.notifier.send(message, channel.settings)
    except Exception as exc:  # any failure of a plugin's notifier: not sent
        return " ".join(str(exc).split()) or type(exc).__name__
    return None


def deliver(root: Path, message: Callable[[], Message], channels: Iterable[Channel], day: dt.date,
            send: str = "changes", clock: Callable[[], float] = time.time) -> list[Outcome]:
    """Send the day's digest (``message()``, built only if some channel needs it) on each channel
    that has not had it, exactly once (see the module). ``send`` says when a digest goes out:
    ``"changes"`` (not when it is empty, or says what the last one sent did), ``"not empty"`` or
    ``"always"``."""
    path = state_file(root)
    outcomes = []
    built: list[Message] = []
    with _locked(path) as state:
        for channel in channels:
            kept = state.get(channel.name, {})
            today = kept.get("day") == day.isoformat()
            status = kept.get("status") if today else None
            if status == "sent":
                outcomes.append(Outcome(channel.name, "done", "sent already today"))
                continue
            if status == "sending":
                outcomes.append(Outcome(channel.name, "done", "a send was under way when relnotes stopped; it may "
                                        "have arrived, so it is not sent twice"))
                continue
            if status == "skipped":
                outcomes.append(Outcome(channel.name, "skipped", kept.get("error", "")))
                continue
            if status == "failed" and clock() < kept.get("next_try", 0):
                outcomes.append(Outcome(channel.name, "failed", f"{kept.get('error')}; trying again later"))
                continue
            if not built:
                built.append(message())
            digest = built[0]
            why = ("nothing to tell" if not digest.items and send != "always" else
                   f"nothing new since {kept.get('sent_day')}" if send == "changes"
                   and kept.get("sent_key") == digest.digest_key else None)
            attempts = kept.get("attempts", 0) if today else 0
            if why:
                state[channel.name] = {**kept, "day": day.isoformat(), "status": "skipped", "error": why}
                _save(path, state)
                outcomes.append(Outcome(channel.name, "skipped", why))
                continue
            state[channel.name] = {**kept, "day": day.isoformat(), "status": "sending", "attempts": attempts + 1}
            _save(path, state)  # on disk before the message leaves: a crash now never sends twice
            error = attempt(channel, digest)
            if error is not None:
                wait = RETRY_SECONDS[min(attempts, len(RETRY_SECONDS) - 1)]
                state[channel.name] = {**state[channel.name], "status": "failed", "error": error,
                                       "next_try": clock() + wait}
                outcomes.append(Outcome(channel.name, "failed", error))
            else:
                state[channel.name] = {"day": day.isoformat(), "status": "sent", "attempts": attempts + 1,
                                       "sent_day": day.isoformat(), "sent_key": digest.digest_key}
                outcomes.append(Outcome(channel.name, "sent", digest.subject))
            _save(path, state)
    return outcomes


def channels_of(notifiers: Iterable[Notifier], wanted: Iterable[str] = ()) -> list[Channel]:
    """The user's channels (``notify.toml``), only those ``wanted`` (``[digest] channels``) if any.

    :raises NotifyError: as :func:`load_channels`, or when a wanted channel is not configured.
    """
    channels = load_channels(notifiers)
    wanted = tuple(wanted)
    missing = [name for name in wanted if name not in {c.name for c in channels}]
    if missing:
        raise NotifyError(f"[digest] channels names {', '.join(missing)}, which {notify_file()} does not configure")
    return [c for c in channels if not wanted or c.name in wanted]


def send_digest(root: Path, result: ScanResult, config: Config, channels: Iterable[Channel],
                clock: Callable[[], float] = time.time) -> list[Outcome]:
    """Today's digest of ``result`` on each channel that has not had it (see :func:`deliver`)."""
    return deliver(root, lambda: digest(result, config.pages_url), channels, result.today, config.digest_send, clock)


class DailyDigest:
    """What ``relnotes watch`` calls after every loop: the day's digest, once the local time
    (``now()``) passes ``[digest] time`` — also when the machine slept through it. Cheap while
    there is nothing to do: it looks at the state only when due, and every ``every`` seconds
    while a channel waits for a retry.

    :param notifiers: the plugins' notifiers (read again with the config when it changes).
    """

    def __init__(self, root: Path, notifiers: Callable[[], Iterable[Notifier]], config: Callable[[], Config],
                 now: Callable[[], dt.datetime] = dt.datetime.now, clock: Callable[[], float] = time.time,
                 every: float = 30.0) -> None:
        self.root, self._notifiers, self._config = root, notifiers, config
        self.now, self.clock, self.every = now, clock, every
        self._done_for: dt.date | None = None
        self._next = float("-inf")

    def __call__(self, result: ScanResult) -> list[Outcome] | None:
        config = self._config()
        day = result.today
        if config.digest_time is None or self._done_for == day or self.clock() < self._next:
            return None
        if self.now() < dt.datetime.combine(day, config.digest_time):
            return None
        self._next = self.clock() + self.every
        try:
            channels = channels_of(self._notifiers(), config.digest_channels)
        except NotifyError as exc:
            log.error("no digest: %s", exc)
            return None
        outcomes = send_digest(self.root, result, config, channels, self.clock)
        for outcome in outcomes:
            (log.warning if outcome.status == "failed" else log.info)("digest for %s: %s", day.isoformat(), outcome)
        if all(o.status != "failed" for o in outcomes):
            self._done_for = day
        return outcomes
