"""relnotes: a local-first personal CRM for career relationships, read from a Markdown vault."""

from importlib.metadata import PackageNotFoundError, version

import pluggy

try:
    __version__ = version("relnotes")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"

hookimpl = pluggy.HookimplMarker("relnotes")
"""Marker for plugin functions: ``@relnotes.hookimpl def relnotes_reminders(...)``."""

__all__ = ["__version__", "hookimpl"]
