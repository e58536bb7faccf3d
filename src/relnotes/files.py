"""Writing files without ever leaving a half-written one or replacing a user's file."""

from __future__ import annotations

import glob
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import BinaryIO

from .model import Output

__all__ = ["OutputRefused", "write_atomic", "write_new", "write_output", "write_outputs"]

Content = bytes | Callable[[BinaryIO], None]  # the bytes, or a function that writes them to a file


class OutputRefused(OSError):
    """An output's path holds a file relnotes did not generate; it was left untouched."""


def _remove_stale_temps(path: Path) -> None:
    """Delete temporary files beside ``path`` left by a writer that died before its rename
    (their name carries the writer's process id; a running writer's files are left alone)."""
    for stale in path.parent.glob(f".{glob.escape(path.name)}.*.tmp"):
        pid = stale.name[len(path.name) + 2:].split(".", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            stale.unlink(missing_ok=True)
        except OSError:
            pass  # alive, or not ours to judge


def _temp_beside(path: Path, data: Content, mode: int = 0o644, sync: bool = True) -> Path:
    """Write ``data`` to a fresh temporary file in ``path``'s folder (flushed to disk with ``sync``)."""
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, bytes):
                handle.write(data)
            else:
                data(handle)
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
    except BaseException:
        os.unlink(tmp)
        raise
    return Path(tmp)


def write_atomic(path: Path, data: Content, mode: int = 0o644, sync: bool = True) -> None:
    """Replace (or create) ``path`` with ``data`` atomically: a temporary file in the same
    folder, then a rename, so a reader sees the old file or the new one, never half of one.
    The one way relnotes replaces a file; callers decide first whether it may."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_beside(path, data, mode, sync)
    try:
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


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


def write_output(path: Path, data: bytes, marker: bytes) -> bool:
    """Replace ``path`` with ``data`` atomically (temp file in the same folder, then rename).

    Writes nothing when the file already holds exactly ``data``, so sync tools and
    file watchers see no churn.

    :returns: whether the file was written.
    :raises OutputRefused: when an existing file lacks ``marker``: it is not relnotes'.
    """
    try:
        current = path.read_bytes()
        mode = path.stat().st_mode & 0o777
    except FileNotFoundError:
        current, mode = None, 0o644
    except IsADirectoryError:
        raise OutputRefused(f"refusing to write {path}: it is a folder") from None
    if current is not None:
        if current == data:
            return False
        if marker not in current:
            raise OutputRefused(f"refusing to overwrite {path}: relnotes did not generate it "
                                f"(it lacks {marker.decode(errors='replace')!r}); move it or choose another path")
    write_atomic(path, data, mode)
    return True


def write_outputs(outputs: Iterable[Output]) -> tuple[list[str], list[str]]:
    """Write each generated :class:`~relnotes.model.Output` with :func:`write_output`.

    :returns: the names of the outputs written (changed), and one error line per
        output that could not be written (refused, disk full, permissions …).
    """
    written, errors = [], []
    for output in outputs:
        try:
            if write_output(output.path, output.content, output.marker):
                written.append(output.name)
        except OutputRefused as exc:
            errors.append(f"{output.name}: {exc}")
        except OSError as exc:  # disk full, permissions …: the previous file is intact
            errors.append(f"{output.name}: cannot write {output.path}: {exc.strerror or exc}")
    return written, errors
