"""File keys: telling whether a file changed without reading it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["FileKey", "digest_files", "file_key"]

FileKey = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


def file_key(path: str | Path) -> FileKey | None:
    """A file's size, modification and change time and inode (None if it is not there): any
    change to the file, or another file put in its place, changes it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def digest_files(digest: Any, files: Iterable[tuple[str, str]]) -> None:
    """Add to ``digest`` each (vault-relative path, file system path) with its :func:`file_key`:
    any change to a file, or a file added, removed or renamed, changes it."""
    for rel, path in files:
        digest.update(f"{rel}\0{file_key(path)}\n".encode())
