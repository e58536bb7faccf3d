"""Finding a vault's note files: the walk, and a fingerprint of what it finds."""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Callable
from pathlib import Path

from .filekeys import digest_files
from .model import Problem
from .obsidian import SETTINGS_FILES, VaultSettings, read_settings

__all__ = ["conflict_copy", "fingerprint", "walk"]

# The copies sync tools make of a note changed on two devices at once, by the name they give it
# (without ".md"). Those that always say so: Dropbox, Nextcloud and Obsidian Sync ("… (conflicted
# copy 2026-11-20 101010)", "… (Ann's conflicted copy …)", "… (Case Conflict)"), Syncthing
# ("….sync-conflict-20261120-101010-ABCDEFG") and ownCloud ("…_conflict-20261120-101010").
_CONFLICT = re.compile(r"(.+?)(?: \((?:[^()]*'s )?conflicted copy\b[^()]*\)| \((?:case|selective sync) conflict[^()]*\)"
                       r"|\.sync-conflict-\d{8}-\d{6}(?:-[A-Z0-9]+)?|_conflict-\d{8}-\d{6})", re.IGNORECASE)
# Those that are copies only beside the original: Google Drive's "… (1)" and OneDrive's
# "…-DESKTOP-ABC1234" (the computer's name).
_COPY = re.compile(r"(.+?)(?: \(\d{1,2}\)|-[A-Z0-9][A-Z0-9-]{2,14})")


def conflict_copy(rel_path: str, exists: Callable[[str], bool]) -> bool:
    """Whether the note file at ``rel_path`` is a sync tool's conflict copy of another note
    (``exists`` tells whether a vault-relative path is a note): a second Ann, not a note."""
    folder, _, name = rel_path.rpartition("/")
    stem = name[:-3] if name.lower().endswith(".md") else name
    if _CONFLICT.fullmatch(stem):
        return True
    match = _COPY.fullmatch(stem)
    return match is not None and exists(f"{folder}/{match[1]}.md" if folder else f"{match[1]}.md")


def _conflict_warning(copies: list[str]) -> Problem:
    shown = ", ".join(copies[:5]) + (f" and {len(copies) - 5} more" if len(copies) > 5 else "")
    if len(copies) == 1:
        return Problem("", None, f"1 sync conflict copy is not read as a note: {shown}; merge what it holds "
                                 f"into the original note, then delete it")
    return Problem("", None, f"{len(copies)} sync conflict copies are not read as notes: {shown}; merge what "
                             f"they hold into the original notes, then delete them")


def _shown_name(name: str, rel: str, problems: list[Problem]) -> str:
    """A file or folder name as relnotes shows it: a name that is not valid UTF-8 (undecodable
    bytes arrive as surrogates) is shown with U+FFFD and reported, so output stays valid text."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        problems.append(Problem(f"{rel}/{shown}" if rel else shown, None,
                                "the file name is not valid UTF-8 (shown with �); rename it"))
        return shown


def walk(root: Path, settings: VaultSettings) -> tuple[list[tuple[str, str]], list[Problem]]:
    """Every note file of the vault as (vault-relative POSIX path, file system path), sorted.

    Skips dot-folders (``.obsidian``, ``.trash``, ``.git`` …), dot-files, what the
    Obsidian ``settings`` leave out (the template folders and the "Excluded files", see
    :meth:`~relnotes.obsidian.VaultSettings.excludes`: a folder left out is not even
    entered) and sync tools' conflict copies (one warning names them all). Symlinks are
    followed, but every real folder and file is visited once: the real tree is
    walked first and symlinks after, so a link back into the vault neither
    loops nor double-counts, and a note reachable both ways keeps its real path.
    """
    problems: list[Problem] = []
    found: list[tuple[str, str]] = []
    try:
        info = root.stat()
    except OSError as exc:
        raise FileNotFoundError(f"cannot read vault {root}: {exc.strerror or exc}") from exc
    seen = {(info.st_dev, info.st_ino)}
    links: list[tuple[str, str]] = []  # symlinks met in the real tree, visited afterwards

    def visit(path: str, rel_path: str, key: tuple[int, int], is_dir: bool, is_file: bool, folders: list) -> None:
        if key in seen:
            return
        if not (is_dir or is_file):
            if rel_path.lower().endswith(".md"):
                problems.append(Problem(rel_path, None, "not a regular file (a pipe, socket or device); skipped"))
            return
        if is_dir:
            if not settings.excludes(rel_path + "/"):
                seen.add(key)
                folders.append((path, rel_path))
        elif is_file and rel_path.lower().endswith(".md") and not settings.excludes(rel_path):
            seen.add(key)
            found.append((rel_path, path))

    def walk_tree(top: str, top_rel: str, defer_links: bool) -> None:
        stack = [(top, top_rel)]
        while stack:
            folder, rel = stack.pop()
            try:
                device = os.stat(folder).st_dev
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError as exc:
                problems.append(Problem(rel, None, f"cannot read folder: {exc.strerror or exc}; skipped"))
                continue
            folders: list[tuple[str, str]] = []
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                rel_path = f"{rel}/{_shown_name(entry.name, rel, problems)}" if rel else _shown_name(
                    entry.name, rel, problems)
                try:
                    if entry.is_symlink():
                        if defer_links:
                            links.append((entry.path, rel_path))
                            continue
                        st = entry.stat()
                        visit(entry.path, rel_path, (st.st_dev, st.st_ino), stat.S_ISDIR(st.st_mode),
                              stat.S_ISREG(st.st_mode), folders)
                    else:  # the kind comes from the directory listing: no stat call per file
                        visit(entry.path, rel_path, (device, entry.inode()), entry.is_dir(follow_symlinks=False),
                              entry.is_file(follow_symlinks=False), folders)
                except OSError as exc:
                    kind = "broken link" if entry.is_symlink() else "cannot read"
                    problems.append(Problem(rel_path, None, f"{kind}: {exc.strerror or exc}; skipped"))
            stack.extend(reversed(folders))

    walk_tree(str(root), "", defer_links=True)
    for path, rel_path in links:
        try:
            st = os.stat(path)
        except OSError as exc:
            problems.append(Problem(rel_path, None, f"broken link: {exc.strerror or exc}; skipped"))
            continue
        folders: list[tuple[str, str]] = []
        visit(path, rel_path, (st.st_dev, st.st_ino), stat.S_ISDIR(st.st_mode), stat.S_ISREG(st.st_mode), folders)
        for folder, rel in folders:
            walk_tree(folder, rel, defer_links=False)
    found.sort(key=lambda f: f[0])
    names = {rel for rel, _ in found}
    copies = {rel for rel, _ in found if conflict_copy(rel, names.__contains__)}
    if copies:
        problems.append(_conflict_warning(sorted(copies)))
        found = [(rel, path) for rel, path in found if rel not in copies]
    return found, problems


def fingerprint(root: Path) -> str:
    """A digest that changes when any note, the config or the Obsidian settings change
    (see :func:`digest_files`); cheap next to a scan."""
    settings, _ = read_settings(root)
    files, _ = walk(root, settings)
    extra = [(rel, os.path.join(root, rel)) for rel in (".relnotes/config.toml", *SETTINGS_FILES)]
    digest = hashlib.sha256()
    digest_files(digest, [*files, *extra])
    return digest.hexdigest()
