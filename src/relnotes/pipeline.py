"""One vault's pipeline: its config, its plugins and its cache, and the scan they make.

Every command that reads a vault — ``scan``, ``watch``, ``serve``, ``brief``, the
testing helper and plugin commands — builds one :class:`Pipeline` and asks it for a
:class:`~relnotes.model.ScanResult`: read the notes (through the cache), run the
pure core (:mod:`relnotes.core`), then write the outputs. The file system is touched
here and in the modules it calls (:mod:`relnotes.walk`, :mod:`relnotes.notes`,
:mod:`relnotes.cache`, :mod:`relnotes.files`); the core only computes.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath

from .cache import VaultCache, code_version, prune_memos
from .config import CONFIG_PATH, Config, ConfigError, parse_config, read_config
from .core import Engine
from .devices import pages_url, phones_file
from .filekeys import FileKey, digest_keys, file_key
from .files import within, write_outputs
from .model import Problem, ScanResult, Vault
from .obsidian import VaultSettings, read_settings
from .plugins import RelnotesPluginManager, get_plugin_manager, local_sources, plugin_sources
from .walk import conflict_copy, walk

__all__ = ["Listing", "Pipeline", "Progress", "VaultError", "gc_paused", "list_vault", "vault_relative"]

# Called with the number of notes about to be read; may return a callback called with 1 after each note.
Progress = Callable[[int], Callable[[int], None] | None]


class VaultError(OSError):
    """The vault cannot be scanned at all (missing, not a folder, unreadable)."""


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a vault is read and evaluated.

    A build allocates a few objects per line of every note and frees almost none of them
    until it ends, so the collector would walk the growing heap again and again for
    nothing (about a tenth of a scan). Reference counting still frees everything the
    build drops; the collector resumes afterwards.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@dataclass(frozen=True)
class Listing:
    """A vault's Obsidian settings and note files, and the problems met finding them."""

    settings: VaultSettings
    files: list[tuple[str, str]]  # (vault-relative path, file system path), as from walk()
    problems: list[Problem]

    @functools.cached_property
    def keys(self) -> dict[str, FileKey | None]:
        """Each note file's key (its size, times and inode), by vault-relative path: one stat per
        note for a scan's key and the cache alike."""
        return {rel: file_key(path) for rel, path in self.files}


def list_vault(root: Path, max_note_mb: int = VaultSettings.max_note_mb) -> Listing:
    """Find the notes of the vault at ``root`` (nothing is read yet); notes bigger than
    ``max_note_mb`` will be skipped.

    :raises VaultError: when ``root`` is not a readable folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise VaultError(f"vault not found: {root} is not a folder" if not root.exists()
                         else f"{root} is not a folder")
    settings, problems = read_settings(root)
    settings = replace(settings, max_note_mb=max_note_mb)
    try:
        files, walk_problems = walk(root, settings)
    except FileNotFoundError as exc:
        raise VaultError(str(exc)) from None
    return Listing(settings, files, problems + walk_problems)


def vault_relative(root: Path, path: str | Path) -> str:
    """``path`` relative to the vault, POSIX-style (``../…`` when it is outside)."""
    try:
        return Path(os.path.relpath(path, root)).as_posix()
    except ValueError:  # another drive on Windows
        return f"../{path}"


class Pipeline:
    """The pipeline of the vault at ``root``.

    :param strict: a failing plugin raises :class:`~relnotes.plugins.PluginError` instead of a warning.
    :param autoload: load installed plugins (default: unless ``RELNOTES_DISABLE_PLUGIN_AUTOLOAD`` is set).
    :param plugins: more plugin objects to register (tests).
    :param disable: plugins not to run, besides those the config disables.
    :param use_cache: keep parsed notes and remembered answers in the user's cache folder
        between runs; without it they live only as long as this object (``--no-cache``).
    :param configure: applied to the config each time it is loaded (command-line options).
    """

    def __init__(self, root: Path, *, strict: bool = False, autoload: bool | None = None,
                 plugins: Iterable[object] = (), disable: Iterable[str] = (), use_cache: bool = True,
                 configure: Callable[[Config], Config] | None = None) -> None:
        self.root = Path(root)
        self.strict, self.autoload = strict, autoload
        self.plugins, self.disable = tuple(plugins), tuple(disable)
        self.configure = configure
        self.cache = VaultCache(self.root, load=False, persistent=use_cache)
        self._config: Config | None = None
        self._config_key: object = None
        self._pm: RelnotesPluginManager | None = None
        self._pm_key: object = None
        self._plugin_problems: list[Problem] = []
        self._load_problems: list[Problem] = []
        self._read_problems: list[Problem] = []
        self._key_parts: tuple[Listing, str, list[tuple[str, FileKey | None]]] | None = None
        self._own: set[str] = set()
        self._chosen: set[str] = set()
        self._left: dict[Path, tuple[FileKey | None, bytes]] = {}  # each output's file and bytes, as last left
        self.engine = Engine(self.root)  # what the last build derived, brought up to date by the next

    # --- config and plugins ---------------------------------------------------------------

    @property
    def config(self) -> Config:
        """The vault's config, checked against the settings its plugins declare, options applied.

        :raises ~relnotes.config.ConfigError: when the config file is unusable.
        """
        if self._config is None:
            self.reload()
        assert self._config is not None
        return self._config

    @property
    def loaded(self) -> bool:
        """Whether a config was ever loaded (a daemon keeps it when the file breaks later)."""
        return self._config is not None

    @property
    def pm(self) -> RelnotesPluginManager:
        if self._pm is None:
            self.reload()
        assert self._pm is not None
        return self._pm

    def reload(self) -> bool:
        """Load the config (and the plugins it asks for) again if the file or an opted-in
        vault-local plugin changed. :returns: whether anything was loaded.

        :raises ~relnotes.config.ConfigError: when the config file is unusable (what was
            loaded before stays in place).
        """
        key = (file_key(self.root / CONFIG_PATH), file_key(phones_file(self.root)))
        if self._config is not None and key == self._config_key and self._plugins_key(self._config) == self._pm_key:
            return False
        data = read_config(self.root)
        try:
            core = parse_config(data)  # relnotes' own settings decide which plugins run
            pm_key = self._plugins_key(core)
            if self._pm is None or pm_key != self._pm_key:
                self._pm = get_plugin_manager((*core.disable, *self.disable), autoload=self.autoload,
                                              strict=self.strict, local=core.local_plugins, vault=self.root,
                                              plugins=self.plugins)
                self._pm_key, self._plugin_problems = pm_key, list(self._pm.problems)
            self._pm.problems[:] = self._plugin_problems  # what loading the plugins found, not the last build
            config = parse_config(data, (table for _, table in self._pm.hooks.settings()))
            _outputs_inside(self.root, config)
            _log_inside(self.root, config)
        except ConfigError as exc:
            raise ConfigError(f"{self.root / CONFIG_PATH}: {exc}") from None
        self._load_problems = [*self._pm.problems, *(Problem(CONFIG_PATH, None, w) for w in config.warnings)]
        config = replace(config, pages_url=pages_url(self.root))  # the user's choice, not the vault's
        self._config = self.configure(config) if self.configure else config
        self._config_key = key
        paths = self._config.output_paths(self.root, True)
        self._own = {rel for rel in (vault_relative(self.root, p) for p in paths.values()) if not rel.startswith("../")}
        vaults = config.output_paths(self.root)
        # the folders the command line chose (--ics PATH): outputs there may lie outside the vault
        self._chosen = {os.path.realpath(path.parent) for name, path in paths.items() if path != vaults.get(name)}
        return True

    def _plugins_key(self, config: Config) -> tuple:
        """What decides the plugins loaded: the names disabled and listed, the vault's plugin files
        (each file's key) and the user's trust decisions (``relnotes trust``)."""
        return config.disable, config.local_plugins, local_sources(self.root)

    def own_files(self) -> set[str]:
        """The vault-relative paths of the outputs relnotes writes into the vault: those its
        settings name, worked out when the config is loaded (none before), and those written since
        (the daemon's watcher asks from its own thread): its own files, which change when relnotes
        writes them, not when the notes do."""
        return self._own

    # --- reading ------------------------------------------------------------------------------

    def listing(self) -> Listing:
        """The vault's note files. :raises VaultError: when it is not a readable folder."""
        return list_vault(self.root, max_note_mb=self.config.max_note_mb)

    def read(self, listing: Listing | None = None, progress: Progress | None = None) -> int:
        """Bring the notes up to date with the whole vault (reading only what changed since the
        cache last saw it). :returns: how many notes were read."""
        listing = listing or self.listing()
        self.cache.load()
        before = {rel: entry[0] for rel, entry in self.cache.notes.items()}
        step = progress(len(listing.files)) if progress else None
        self.cache.read(listing.files, listing.settings, step, listing.keys)
        self._read_problems = listing.problems
        return sum(1 for rel, entry in self.cache.notes.items() if before.get(rel) != entry[0])

    def refresh(self, paths: set[str] | None) -> int:
        """Bring the notes up to date after changes: just ``paths`` (vault-relative, named by
        file-system events; those the Obsidian settings exclude left out), or the whole vault with
        None, changed Obsidian settings or a sync conflict copy among them (its warning names
        every copy).
        :returns: how many notes were read."""
        self.config  # noqa: B018 - the outputs' paths come with it
        settings, problems = read_settings(self.root)
        settings = replace(settings, max_note_mb=self.config.max_note_mb)
        own = self.own_files()
        self.cache.load()
        if (paths is None or settings != self.cache.settings
                or any(conflict_copy(rel, lambda note: os.path.isfile(self.root / note)) for rel in paths)):
            return self.read(list_vault(self.root, settings.max_note_mb))  # a conflict copy: warned once
        # the outputs' paths too, always: a note of the user's there is a note, as for scan (what
        # relnotes wrote is not, see read_note), and the file keys skip what did not change
        wanted = [(rel, os.path.join(self.root, rel)) for rel in sorted(paths | own)
                  if rel.lower().endswith(".md") and not settings.excludes(rel)]
        # the settings' problems afresh, the last walk's kept
        self._read_problems = [*problems, *(p for p in self._read_problems if not p.path.startswith(".obsidian/"))]
        return self.cache.refresh(wanted, settings)

    # --- building -------------------------------------------------------------------------------

    def load(self) -> Vault:
        """The vault as it is now — notes, people, meetings, interactions — with no rule run."""
        with gc_paused():
            self.read()
            self.cache.save()
            vault = self._vault()
            vault.problems = self.engine.problems(self._reading_problems(), self.config)
            return vault

    def _vault(self) -> Vault:
        """The notes as they are now made into a vault (through the classify and interactions hooks)."""
        self.pm.problems[:] = self._load_problems  # what loading found; each build reports its own anew
        return self.engine.update(self.cache.notes, self.config, self.pm, self.cache.settings,
                                  self.cache.take_changes())

    def _reading_problems(self) -> list[Problem]:
        """What reading the vault found: the walk's and the settings' problems, a damaged cache."""
        return [*self.cache.problems, *self._read_problems]

    def evaluate(self, today: dt.date, horizon: int = 30) -> ScanResult:
        """The core run over the notes as they are now: people, reminders, goal, outputs (not written)."""
        self._vault()
        result = self.engine.evaluate(self.config, self.pm, today, horizon, self._reading_problems())
        prune_memos()
        return result

    def scan(self, today: dt.date, horizon: int = 30, *, listing: Listing | None = None,
             progress: Progress | None = None, save: bool = True) -> ScanResult:
        """Read the vault and evaluate it for ``today``; with ``save``, the cache is saved for the
        next run (else call :meth:`save` when the result is no longer needed: pickling the notes
        then costs no memory on top of it).

        :raises VaultError: when the vault is not a readable folder.
        """
        with gc_paused():
            self.config  # noqa: B018 - a broken config is an error before anything is read
            self.read(listing, progress)
            result = self.evaluate(today, horizon)
        if save:
            self.save()
        return result

    def write(self, result: ScanResult) -> tuple[list[str], list[str]]:
        """Write the outputs whose bytes changed: the names written, and one error line per output
        that could not be (see :func:`~relnotes.files.write_outputs`), which then leaves the
        result's outputs (no report names a file as written that is not)."""
        # an output whose file is as relnotes last left it, holding these very bytes, is not read again
        pending = [output for output in result.outputs
                   if self._left.get(output.path) != (file_key(output.path), output.content)]
        # a path no setting names (a calendar per kind, beside the feed) must not lead out of the
        # vault either (a symlink a synced vault planted there), unless it is in a folder the
        # command line chose
        outside = {output.name: f"{output.path} is outside the vault ({os.path.realpath(output.path)}); not written"
                   for output in pending if not within(self.root, output.path)
                   and os.path.realpath(output.path.parent) not in self._chosen}
        written, failed = write_outputs([output for output in pending if output.name not in outside])
        failed |= outside
        for output in pending:
            if output.name in failed:
                self._left.pop(output.path, None)
                continue
            self._left[output.path] = (file_key(output.path), output.content)
            rel = vault_relative(self.root, output.path)
            if output.name in written and rel in self._own and rel.lower().endswith(".md"):
                self.cache.wrote(rel, output.path)
        for output in result.outputs:  # those whose paths no setting names (a calendar per kind) too
            rel = vault_relative(self.root, output.path)
            if output.name not in failed and not rel.startswith("../"):
                self._own.add(rel)
        result.outputs[:] = [output for output in result.outputs if output.name not in failed]
        return written, [f"{name}: {why}" for name, why in failed.items()]

    def save(self) -> None:
        """Keep the parsed notes for the next run (a failure only costs speed)."""
        self.cache.save()

    # --- remembered answers ---------------------------------------------------------------------

    def report(self, today: dt.date, horizon: int, render: Callable[[ScanResult], str], *options: object,
               progress: Progress | None = None) -> tuple[str, list[str]]:
        """``render(result)`` of a scan for ``today`` with the outputs written, and the errors
        writing them. An unchanged vault gets the answer it got last time without reading a
        note or loading a plugin: when everything the answer depends on (see :meth:`scan_key`;
        ``options`` are the command's own, its output options included) is as it was, and the
        outputs are still on disk as written."""
        listing = self.listing()
        key = self.scan_key(listing, today, horizon, *options) if self.cache.persistent else None
        if key is not None:
            remembered = self.cache.recall(key)
            if remembered is not None:
                return remembered, []
        result = self.scan(today, horizon, listing=listing, progress=progress, save=False)
        _, errors = self.write(result)
        text, outputs = render(result), result.outputs
        del result  # the cache is written once the result is gone
        self.save()
        if key is not None and not errors:
            known = self.cache.written()
            wrote = {os.path.abspath(o.path) for o in outputs}
            if not wrote <= known:  # outputs not yet known as relnotes': the next run leaves them out of its key
                key = self.scan_key(listing, today, horizon, *options, own=known | wrote)
            self.cache.remember(key, text, outputs)
        return text, errors

    def scan_key(self, listing: Listing, today: dt.date, horizon: int, *options: object,
                 own: set[str] | None = None) -> str:
        """A digest of everything a scan's answer depends on, found without loading a plugin: the
        notes and the files in ``VAULT/.relnotes/`` (each file's path, size, modification and
        change time and inode: the config, and data that plugins keep there), the Obsidian
        settings, the phone pages' address (``relnotes token --url``), the calendars of ``[calendar]
        sources``, the working and home
        folders (output paths may be relative or use ``~``), the code of relnotes and of the
        plugins it would run, the installed packages and Python, the day, and the ``options`` of
        the command (which must include whatever its ``configure`` changes). The files earlier
        scans wrote are left out: whoever uses the key checks that they are as written (a note of
        the user's in the summary's place is not); ``own`` are those files (absolute paths), by
        default those the remembered answers record."""
        left_out = {vault_relative(self.root, path) for path in (self.cache.written() if own is None else own)}
        if self._key_parts is None or self._key_parts[0] is not listing:  # worked out once per listing
            core = parse_config(read_config(self.root))  # which plugins would run
            fixed = repr((
                code_version(), str(self.root.resolve()), os.getcwd(), os.path.expanduser("~"),  # paths may use ~
                listing.settings, self.plugins, self.disable, pages_url(self.root),  # the feed links to the pages
                plugin_sources((*core.disable, *self.disable), autoload=self.autoload, local=core.local_plugins,
                               vault=self.root), _installed(),
                [(p.path, p.line, p.message) for p in listing.problems]))
            kept = [(Path(p).relative_to(self.root).as_posix(), p) for p in _files_below(self.root / ".relnotes")]
            self._key_parts = (listing, fixed, [*listing.keys.items(), *((rel, file_key(path)) for rel, path in kept)])
        _, fixed, keyed = self._key_parts
        digest = hashlib.sha256(repr((fixed, today, horizon, options)).encode())
        digest_keys(digest, [(rel, key) for rel, key in keyed if rel not in left_out])
        digest_keys(digest, [(str(path), file_key(path)) for path in self._calendar_files()])
        return digest.hexdigest()

    def _calendar_files(self) -> list[Path]:
        """The files the built-in calendar plugin reads (``[calendar] sources``): they are no notes,
        and may lie outside the vault, but a scan's answer depends on them."""
        table = read_config(self.root).get("calendar")
        sources = table.get("sources") if isinstance(table, dict) else None
        if not isinstance(sources, list) or not all(isinstance(source, str) for source in sources):
            return []
        from .default_plugins.calendar import source_files

        return source_files(self.root, sources)


def _outputs_inside(root: Path, config: Config) -> None:
    """Refuse a vault's config that sends an output outside the vault: a synced or cloned vault
    must not make relnotes create files elsewhere (``~/.bash_profile``). Symlinks count where they
    lead. Only the command line (``--ics PATH``) may choose a place outside.

    :raises ~relnotes.config.ConfigError: naming the setting.
    """
    for name, path in config.output_paths(root).items():
        if not within(root, path):
            raise ConfigError(f"{name}.path: {config.table(name)['path']!r} is outside the vault "
                              f"({os.path.realpath(path)}); a "
                              "vault's own config cannot make relnotes write elsewhere: give the path on the "
                              "command line instead (e.g. --ics PATH, --summary PATH)")


def _log_inside(root: Path, config: Config) -> None:
    """Refuse an action log that is not a note of the vault that scans read: relnotes appends to
    it, and reads it back (a hidden folder, a template folder, Obsidian's "Excluded files" are not).

    :raises ~relnotes.config.ConfigError: naming the setting.
    """
    path = PurePosixPath(config.log_path)
    if path.is_absolute() or ".." in path.parts or not within(root, root / path):
        raise ConfigError(f"log.path: {config.log_path!r} is not a note in the vault; give a path relative to "
                          "the vault, e.g. \"relnotes log.md\"")
    if any(part.startswith(".") for part in path.parts) or read_settings(root)[0].excludes(path.as_posix()):
        raise ConfigError(f"log.path: {config.log_path!r} lies where relnotes reads no notes (a hidden or "
                          "template folder, or Obsidian's excluded files), so its lines would never count; "
                          "choose another place")


def _files_below(folder: Path) -> list[str]:
    """Every file below ``folder``, symlinked folders followed (each real folder once), sorted."""
    found, seen = [], set()
    for top, dirs, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(top)
        if real in seen:
            dirs[:] = []
            continue
        seen.add(real)
        found += [os.path.join(top, name) for name in names]
    return sorted(found)


def _installed() -> tuple:
    """Python, and the folders packages are installed in, by modification time: installing,
    upgrading or removing a package (a library a plugin uses, say) changes a folder's."""
    folders = []
    for entry in sys.path:
        try:
            st = os.stat(entry or ".")
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            folders.append((entry, st.st_mtime_ns))
    return sys.version, sys.executable, tuple(folders)
