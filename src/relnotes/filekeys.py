"""File keys: telling whether a file changed without reading it."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

__all__ = ["FileKey", "digest_files", "digest_keys", "file_key"]

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
    digest_keys(digest, ((rel, file_key(path)) for rel, path in files))


def digest_keys(digest: Any, keyed: Iterable[tuple[str, FileKey | None]]) -> None:
    """Add to ``digest`` each (vault-relative path, :func:`file_key`) pair."""
    for rel, key in keyed:
        digest.update(f"{rel}\0{key}\n".encode())
