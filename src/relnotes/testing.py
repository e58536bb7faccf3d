"""A pytest plugin for testing relnotes and relnotes plugins.

Installed with relnotes and loaded by pytest automatically (entry point
``pytest11``), it offers two fixtures:

- ``make_vault(notes, config=None, obsidian=None)`` writes a vault into a
  temporary folder from a dict of ``{"People/Jane Doe.md": "---\\n…"}`` (str or
  bytes) and returns its path;
- ``run_scan(vault, today, horizon=30, plugins=(), disable=())`` scans it with
  the built-ins plus the given plugin objects (installed plugins are not
  loaded, so tests see only what they ask for) through the vault's
  :class:`~relnotes.pipeline.Pipeline`, as ``relnotes scan --no-cache`` does
  (nothing is written), and returns the :class:`~relnotes.model.ScanResult`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from .model import ScanResult

__all__ = ["SYSTEM_PYTHON", "make_vault", "needs", "run_scan", "scan_vault", "system_python_runs", "wait_for",
           "write_vault"]

SYSTEM_PYTHON = "/usr/bin/python3"  # GObject bindings (python3-gi) are the system Python's, not a venv's


def write_vault(root: Path, notes: Mapping[str, str | bytes], config: str | None = None,
                obsidian: Mapping[str, object] | None = None) -> Path:
    """Write ``notes`` (vault-relative path → text or bytes) under ``root``.

    :param config: the text of ``.relnotes/config.toml``.
    :param obsidian: ``.obsidian/`` files, e.g. ``{"templates.json": {"folder": "Templates"}}``.
    """
    root.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes] = dict(notes)
    if config is not None:
        files[".relnotes/config.toml"] = config
    for name, content in (obsidian or {}).items():
        files[f".obsidian/{name}"] = content if isinstance(content, (str, bytes)) else json.dumps(content)
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
    return root


def scan_vault(vault: Path, today: dt.date | str, horizon: int = 30, plugins: Iterable[object] = (),
               disable: Iterable[str] = ()) -> ScanResult:
    """Scan ``vault`` with the built-ins plus ``plugins`` (no installed plugins)."""
    from .pipeline import Pipeline

    if isinstance(today, str):
        today = dt.date.fromisoformat(today)
    return Pipeline(vault, autoload=False, plugins=plugins, disable=disable, use_cache=False).scan(today, horizon)


def needs(what: str, available: object, how: str = "run scripts/system-deps.sh") -> None:
    """A test's check for a system package: when it is not ``available``, the test fails in CI
    (``CI=true``, where the test command installs it) and is skipped elsewhere, saying ``how`` to get it."""
    if available:
        return
    reason = f"{what} is not installed: {how}"
    if os.environ.get("CI", "").lower() in ("true", "1"):
        pytest.fail(reason)
    pytest.skip(reason)


@functools.cache
def system_python_runs(code: str) -> bool:
    """Whether the system Python (:data:`SYSTEM_PYTHON`) runs ``code`` without an error: whether it
    has the GObject bindings a test drives (``from gi.repository import Gio``)."""
    return Path(SYSTEM_PYTHON).exists() and subprocess.run([SYSTEM_PYTHON, "-c", code], check=False,
                                                           capture_output=True).returncode == 0


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something true (returned), or fail after ``timeout`` seconds:
    for tests of the daemon and the server, which change things in the background."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} not met within {timeout} s")


@pytest.fixture
def make_vault(tmp_path: Path) -> Callable[..., Path]:
    """Write a vault from a dict of notes; see :func:`write_vault`."""
    counter = iter(range(1_000_000))

    def make(notes: Mapping[str, str | bytes], config: str | None = None,
             obsidian: Mapping[str, object] | None = None) -> Path:
        return write_vault(tmp_path / f"vault{next(counter)}", notes, config, obsidian)

    return make


@pytest.fixture
def run_scan() -> Callable[..., ScanResult]:
    """Scan a vault with given plugins; see :func:`scan_vault`."""
    return scan_vault
