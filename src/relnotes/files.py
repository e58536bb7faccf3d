"""Writing files without ever leaving a half-written one or replacing a user's file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

__all__ = ["write_new"]


def _temp_beside(path: Path, data: bytes) -> Path:
    """Write ``data`` to a fresh temporary file in ``path``'s folder, flushed to disk."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def write_new(path: Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` atomically, never replacing an existing file.

    :returns: False (and writes nothing) when ``path`` already exists.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        return False
    tmp = _temp_beside(path, data)
    try:
        os.link(tmp, path)  # fails if the file appeared meanwhile; never overwrites
    except FileExistsError:
        return False
    except OSError:  # a file system without hard links: exclusive create instead
        try:
            with open(path, "xb") as handle:
                handle.write(data)
        except FileExistsError:
            return False
    finally:
        os.unlink(tmp)
    return True
