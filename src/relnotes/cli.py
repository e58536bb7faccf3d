"""The command line: thin click commands that call the library and print what it returns.

Heavy modules are imported inside the commands so ``relnotes --version`` starts fast.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import logging
import os
import re
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import click

from . import __version__

if TYPE_CHECKING:
    from .config import Config
    from .pipeline import Pipeline

class _Day(click.DateTime):
    """A day as YYYY-MM-DD, in the years relnotes handles (a later one would overflow its dates)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        from .dates import MAX_YEAR, MIN_YEAR

        day = super().convert(value, param, ctx)
        if not MIN_YEAR <= day.year <= MAX_YEAR:
            self.fail(f"{value!r} is outside the years relnotes handles ({MIN_YEAR}–{MAX_YEAR})", param, ctx)
        return day


_DATE = _Day(formats=["%Y-%m-%d"])


class _Vault(click.Path):
    """A vault folder that exists: a missing one is the same error (exit status 1) on every command."""

    def __init__(self) -> None:
        super().__init__(file_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        path = Path(os.fsdecode(super().convert(value, param, ctx)))
        if not path.is_dir():
            raise click.ClickException(f"vault not found: {path} is not a folder" if not path.exists()
                                       else f"{path} is not a folder")
        return path


_VAULT = _Vault()


class _Progress:
    """On a terminal, once a scan has run for ``delay`` seconds: a progress line on stderr, redrawn
    by a thread every 0.2 s, showing the notes read so far and then what relnotes is doing; drawn
    once more as it ends (every note counted) and cleared."""

    def __init__(self, delay: float) -> None:
        self.total = self.done = 0
        self.drawn = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(delay,), daemon=True)
        self._thread.start()

    def __call__(self, total: int) -> Callable[[int], None]:
        self.total = total

        def step(n: int) -> None:
            self.done += n

        return step

    def _run(self, delay: float) -> None:
        if self._stop.wait(delay):
            return
        while not self._stop.is_set():
            self._draw()
            self._stop.wait(0.2)

    def _draw(self) -> None:
        from .model import progress_bar

        if self.done < self.total:
            text = f"Reading notes [{progress_bar(self.done, self.total, 30)}] {self.done:,}/{self.total:,}"
        else:
            text = f"Working out reminders and outputs for {self.total:,} notes…"
        sys.stderr.write("\r" + text.ljust(self.drawn))
        sys.stderr.flush()
        self.drawn = len(text)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        if self.drawn:
            self._draw()  # the last state, as it is: every note read by now
            sys.stderr.write("\r" + " " * self.drawn + "\r")
            sys.stderr.flush()


def _one_shot() -> None:
    """This command runs once and exits: Python's cyclic garbage collector stays off to the end.

    A scan makes millions of objects and almost no reference cycles: reference counting frees
    what it drops, and the collector would only walk the whole heap again and again (and at
    exit) for nothing — about a seventh of a cold scan (benchmarks/README.md). The daemon and
    the server, which run for months, keep it on (see :func:`~relnotes.pipeline.gc_paused`)."""
    import gc

    gc.disable()


def _today(value: dt.datetime | None) -> dt.date:
    return value.date() if value else dt.date.today()


class App:
    """What every command, built in or a plugin's, gets as ``ctx.obj`` (``@click.pass_obj``):
    the way to a vault's :class:`~relnotes.pipeline.Pipeline`."""

    def pipeline(self, vault: Path, *, strict: bool = False, use_cache: bool = True, check: bool = True,
                 configure: Callable[[Config], Config] | None = None) -> Pipeline:
        """The pipeline of ``vault``; with ``check``, its config is loaded now (a broken one is a
        clean error), else when first needed."""
        from .config import ConfigError
        from .pipeline import Pipeline
        from .plugins import PluginError

        pipeline = Pipeline(vault, strict=strict, use_cache=use_cache, configure=configure)
        if check and vault.is_dir():
            try:
                pipeline.reload()
            except (ConfigError, PluginError) as exc:
                raise click.ClickException(str(exc)) from None
        return pipeline


class _Commands(click.Group):
    """The built-in commands, plus those of installed plugins (``relnotes_commands``), loaded
    only when a command that is not built in is asked for or the list is shown — once per run."""

    def plugin_commands(self, ctx: click.Context) -> dict[str, click.Command]:
        meta = ctx.find_root().meta
        if "relnotes.plugin_commands" not in meta:
            from .plugins import get_plugin_manager

            pm = get_plugin_manager()
            found: dict[str, click.Command] = {}
            for plugin, command in pm.hooks.commands():
                if command.name is None or command.name in self.commands or command.name in found:
                    pm.report(plugin, f"command {command.name!r} exists already; skipped")
                else:
                    found[command.name] = command
            for problem in pm.problems:
                click.echo(f"Warning: {problem.message}", err=True)
            meta["relnotes.plugin_commands"] = found
        return meta["relnotes.plugin_commands"]

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.plugin_commands(ctx)})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self.plugin_commands(ctx).get(name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="relnotes")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """relnotes: who to get in touch with, what you owe, what to celebrate — from your notes."""
    ctx.obj = App()
    from .plugins import TRACE_ENV

    if os.environ.get(TRACE_ENV):
        logging.basicConfig(format="relnotes: %(message)s", stream=sys.stderr)
        logging.getLogger("relnotes.hooks").setLevel(logging.DEBUG)


def _outputs(ics: Path | None = None, no_ics: bool = False, summary: Path | None = None,
             no_summary: bool = False) -> Callable[[Config], Config]:
    """The output options of the command line, as a change to the config: ``--ics``/``--no-ics``
    set the ``[ics]`` table's path and switch, ``--summary``/``--no-summary`` the ``[summary]`` one's."""
    ics_changes: dict[str, object] = {"enabled": False} if no_ics else {}
    if ics is not None:
        ics_changes["path"] = str(ics.absolute())
    summary_changes: dict[str, object] = {"enabled": False} if no_summary else {}
    if summary is not None:
        summary_changes["path"] = str(summary)  # relative to the vault
    return lambda config: config.override("ics", **ics_changes).override("summary", **summary_changes)


_FETCH = click.option("--fetch", is_flag=True,
                      help="First fetch what plugins read from the network: the calendars of [calendar] sources "
                           "given by address (otherwise relnotes never goes to the network).")


def _fetch(pipeline: Pipeline) -> list[str]:
    """Fetch what the plugins read from the network (``relnotes_fetch``). :returns: what went wrong,
    a failing plugin's own failure included (taken out of the next build's warnings)."""
    pm = pipeline.pm
    before = len(pm.problems)
    found = [problem.message for _, problem in pm.hooks.fetch(pipeline.root, pipeline.config)]
    found += [problem.message for problem in pm.problems[before:]]
    del pm.problems[before:]
    return found


def _fetch_now(pipeline: Pipeline) -> None:
    """:func:`_fetch`, its warnings on stderr."""
    from .config import ConfigError
    from .plugins import PluginError

    try:
        found = _fetch(pipeline)
    except (ConfigError, PluginError) as exc:
        raise click.ClickException(str(exc)) from None
    for message in found:
        click.echo(f"Warning: {message}", err=True)


_STRICT = click.option("--strict", is_flag=True,
                       help="Stop with an error when a plugin fails (default: warn, skip it).")


def _in_a_folder(ctx: click.Context, param: click.Parameter, path: Path | None) -> Path | None:
    """A path given on the command line must lie in a folder that exists: a typo makes no folders."""
    if path is not None and not path.absolute().parent.is_dir():
        raise click.BadParameter(f"{path.absolute().parent} is not a folder", ctx, param)
    return path


def _output_options(command: Any) -> Any:
    """The options that choose where outputs go, shared by ``scan`` and ``watch``."""
    for option in reversed([
        click.option("--today", type=_DATE, help="The day to scan for (YYYY-MM-DD). Default: the local date."),
        click.option("--horizon", type=click.IntRange(min=0, max=36_500), default=30, show_default=True,
                     help="List reminders up to this many days ahead."),
        click.option("--ics", type=click.Path(dir_okay=False, path_type=Path), callback=_in_a_folder,
                     help="Write the calendar feed here (in a folder that exists). Default: "
                          "VAULT/.relnotes/relnotes.ics."),
        click.option("--no-ics", is_flag=True, help="Do not write the calendar feed."),
        click.option("--summary", type=click.Path(dir_okay=False, path_type=Path),
                     help="Write the summary note here, relative to the vault. Default: VAULT/relnotes.md."),
        click.option("--no-summary", is_flag=True, help="Do not write the summary note."),
    ]):
        command = option(command)
    return command


@cli.command()
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path))
@_output_options
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the report.")
@click.option("--no-cache", is_flag=True, help="Read every note again; don't use or update the cache.")
@_FETCH
@_STRICT
@click.pass_obj
def scan(app: App, vault: Path, today: dt.datetime | None, horizon: int, ics: Path | None, no_ics: bool,
         summary: Path | None, no_summary: bool, as_json: bool, no_cache: bool, fetch: bool, strict: bool) -> None:
    """Scan VAULT and report follow-ups, tasks and celebrations; write the outputs.

    Exit status: 0 when the scan ran, 1 when it could not run, 3 when an output
    could not be written (the report is still printed).
    """
    from .config import ConfigError
    from .pipeline import VaultError
    from .plugins import PluginError
    from .report import to_json, to_text

    _one_shot()
    pipeline = app.pipeline(vault, strict=strict, use_cache=not no_cache, check=False,
                            configure=_outputs(ics, no_ics, summary, no_summary))

    def render(result: Any) -> str:
        if as_json:  # one line: C encoder, JSON Lines-friendly
            return json.dumps(to_json(result, vault), ensure_ascii=False) + "\n"
        return to_text(result, vault)

    if fetch:
        _fetch_now(pipeline)
    delay = float(os.environ.get("RELNOTES_PROGRESS_DELAY", "1.0"))
    progress = _Progress(delay) if not as_json and sys.stderr.isatty() else None
    try:
        outputs = (ics and str(ics.absolute()), no_ics, summary and str(summary), no_summary)
        report, errors = pipeline.report(_today(today), horizon, render, str(vault), as_json, strict, *outputs,
                                         progress=progress)
    except (VaultError, PluginError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if progress:
            progress.close()
    click.echo(report, nl=False)
    for error in errors:
        click.echo(f"Error: {error}", err=True)
    if errors:
        sys.exit(3)


@cli.command()
@click.argument("vault", type=_VAULT)
@click.option("--templates", is_flag=True, help="Also write person and meeting templates into the templates folder.")
@click.pass_obj
def init(app: App, vault: Path, templates: bool) -> None:
    """Write VAULT/.relnotes/config.toml fitting the vault's conventions (every other setting at its
    default, commented) and, with --templates, templates; never overwrites."""
    from .config import ConfigError
    from .detect import Detected, detect
    from .init import init_vault
    from .plugins import get_plugin_manager

    pipeline = app.pipeline(vault, check=False)
    try:
        notes = pipeline.load().notes
    except ConfigError as exc:  # the config is kept as it is; its conventions cannot be looked for
        click.echo(f"Warning: {exc}", err=True)
        found, tables = Detected(), [table for _, table in get_plugin_manager().hooks.settings()]
    else:
        found, tables = detect(notes, pipeline.config), [table for _, table in pipeline.pm.hooks.settings()]
        click.echo(f"Found in {len(notes):,} notes:" if found.findings else
                   f"Found no people or meetings in {len(notes):,} notes.")
        for finding in found.findings:
            click.echo(f"  {finding}")
    try:
        written = init_vault(vault, templates, tables, found.settings)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    for path, created in written:
        click.echo(f"{'created' if created else 'kept existing'} {path}")
        if not created and path.name == "config.toml" and found.settings:
            click.echo("  (what was found is not written into it: set it yourself, or remove the file and run "
                       "init again)")


@cli.command()
@click.argument("vault", type=_VAULT)
@click.argument("names", nargs=-1)
@click.option("--revoke", is_flag=True, help="Trust these plugins no more.")
def trust(vault: Path, names: tuple[str, ...], revoke: bool) -> None:
    """Let VAULT's own plugins NAMES (.relnotes/plugins/NAME.py) run, as they are now; without
    NAMES, list them. The decision is kept in your config folder, never in the vault, and a
    plugin whose file changes does not run until you trust it again."""
    from .plugins import LOCAL_PLUGINS
    from .trust import code_digest, set_trust, trust_path, trusted_plugins

    folder = vault / LOCAL_PLUGINS
    trusted = trusted_plugins(vault)
    if not names:
        files = sorted(folder.glob("*.py")) if folder.is_dir() else []
        for path in files:
            digest = code_digest(path.read_bytes())
            state = ("trusted" if trusted.get(path.stem) == digest else
                     "changed since you trusted it" if path.stem in trusted else "not trusted")
            click.echo(f"{path.stem}  {state}  ({LOCAL_PLUGINS}/{path.name})")
        if not files:
            click.echo(f"No plugins in {folder}.")
        return
    if revoke:
        set_trust(vault, dict.fromkeys(names))
        click.echo(f"Trusted no more: {', '.join(names)} (in {trust_path()}).")
        return
    digests = {}
    for name in names:
        path = folder / f"{name}.py"
        try:
            digests[name] = code_digest(path.read_bytes())
        except OSError as exc:
            raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
    set_trust(vault, digests)
    for name, digest in digests.items():
        click.echo(f"Trusted {name} ({LOCAL_PLUGINS}/{name}.py, sha256 {digest[:16]}…): it runs from the next scan, "
                   "until the file changes.")


@cli.command()
@click.argument("vault", type=_VAULT)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on, IPv4 or IPv6 (::1); 0.0.0.0 or :: is every address, reachable from "
                   "the network. Only change it behind a tunnel or proxy you trust.")
@click.option("--port", type=click.IntRange(0, 65535), default=8137, show_default=True,
              help="Port to listen on (0: any free port).")
@click.option("--today", type=_DATE, help="Serve the feed as of this day instead of the local date.")
@click.pass_obj
def serve(app: App, vault: Path, host: str, port: int, today: dt.datetime | None) -> None:
    """Serve VAULT's calendar feed for a calendar subscription (Ctrl-C stops)."""
    import signal

    from .server import FeedSource
    from .walk import fingerprint

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    pipeline = app.pipeline(vault, configure=_serving)  # a broken config is an error now, not a log line later

    latest: list[Any] = [None]

    def build() -> tuple[dict[str, bytes], bool]:
        pipeline.reload()
        latest[0] = result = pipeline.scan(_today(today))
        return _feeds(result), bool(result.vault.notes)

    _require_feed(pipeline, _today(today))
    source = FeedSource(build, lambda: (_today(today), fingerprint(vault)))
    def current() -> Any:  # the scan as the vault is now (checked at most once a second), for the pages
        source.current()
        return latest[0]

    server = _feed_server(vault, host, port, source, current, lambda: pipeline.config, source.refresh)
    def stop(*_: object) -> None:  # serve_forever ends at its next poll; shutdown() waits for that, so not here
        threading.Thread(target=server.shutdown, daemon=True).start()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    click.echo(f"Serving the calendar feed of {vault}\n{_feed_urls(server)}\n"
               "Subscribe to one of these URLs in your calendar app; keep them secret "
               "(`relnotes token VAULT --rotate` makes a new one, at once).\n"
               f"{_pages_hint(server)}")
    sys.stdout.flush()
    try:
        server.serve_forever(poll_interval=0.25)
    finally:
        server.server_close()


def _serving(config: Config) -> Config:
    """The config ``serve`` scans with: it writes nothing, and it always has a feed to serve, even
    when ``[ics]`` switches the file off."""
    return config.override("ics", enabled=True).override("summary", enabled=False)


class _NoFeed(RuntimeError):
    pass


def _require_feed(pipeline: Pipeline, day: dt.date) -> list[str]:
    """The names of the calendar feeds to serve; stop with a one-line error now when no enabled
    plugin makes one."""
    from .plugins import PluginError

    try:
        return list(_feeds(pipeline.evaluate(day)))  # on no notes yet: only which outputs there are matters
    except (PluginError, _NoFeed) as exc:
        raise click.ClickException(str(exc)) from None


def _feeds(result: Any) -> dict[str, bytes]:
    """The calendar feeds among a scan's outputs, by the last part of their URL, the feed of every
    reminder first. :raises _NoFeed: when no enabled plugin makes one."""
    from .model import FEED_NAME

    calendars = sorted(result.outputs_of("text/calendar"), key=lambda o: o.served_name != FEED_NAME)  # it first
    feeds = {output.served_name: bytes(output.content) for output in calendars}
    if not feeds:
        raise _NoFeed("no calendar feed to serve: no enabled plugin makes one "
                      "(is the ics plugin disabled, or [ics] enabled = false in the config?)")
    return feeds


def _url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value and not re.fullmatch(r"https?://[^\s/?#@]+(/[^\s?#]*)?", value):
        raise click.BadParameter("expected http://HOST[:PORT] or https://HOST[/PATH] (no query, no user name)")
    return value


@cli.command()
@click.argument("vault", type=_VAULT)
@click.option("--rotate", is_flag=True,
              help="Make a new token: existing subscriptions stop working and every paired phone is unpaired.")
@click.option("--pair", is_flag=True, help="Print a one-time link (and code) that pairs a phone to act on reminders.")
@click.option("--unpair", is_flag=True, help="Unpair every phone at once.")
@click.option("--url", callback=_url,
              help="The address your phone reaches relnotes' server at (e.g. https://laptop.tailnet.ts.net): the "
                   "calendar events link to their reminder pages there. An empty string forgets it.")
@click.option("--feeds", is_flag=True,
              help="Print the path of every calendar feed `serve` offers, one per line: the feed of every reminder, "
                   "then one per kind (follow-ups, tasks, celebrations).")
@click.pass_obj
def token(app: App, vault: Path, rotate: bool, pair: bool, unpair: bool, url: str | None, feeds: bool) -> None:
    """Print the secret path of VAULT's feed URL (its token is kept outside the vault, readable
    only by you); pair or unpair a phone."""
    from .devices import CODE_MINUTES, clear, new_code, pages_url, set_pages_url
    from .server import TokenError, feed_path, token_for

    # the feeds' names first: a config that cannot be read stops the command before anything changes
    names = _require_feed(app.pipeline(vault, configure=_serving), _today(None)) if feeds else []
    try:
        secret = token_for(vault, rotate=rotate)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    if rotate or unpair:
        count = clear(vault)
        if count:
            click.echo(f"Unpaired {count} device{'s' if count != 1 else ''}.", err=True)
    if url is not None:
        set_pages_url(vault, url or None)
        click.echo(f"The calendar feed links to reminder pages at {url}." if url else
                   "The calendar feed no longer links to reminder pages.", err=True)
    if feeds:
        click.echo("\n".join(feed_path(secret, name) for name in names))
    elif rotate or not (pair or unpair or url is not None):
        click.echo(feed_path(secret))
    if pair:
        code = new_code(vault, secret)
        base = pages_url(vault)
        click.echo(f"Open this link on your phone within {CODE_MINUTES} minutes, then tap Pair:\n"
                   f"  {base or 'http://HOST:8137'}/pair/{code}\n"
                   f"(or open {base or 'http://HOST:8137'}/pair and type {code}). It works once.")
        if not base:
            click.echo("Where HOST:8137 is where your phone reaches `relnotes serve` (or `watch --serve`); "
                       "`relnotes token VAULT --url URL` records it, and the calendar's events then link to "
                       "their pages.", err=True)


def _acting(app: App, vault: Path, today: dt.datetime | None) -> tuple[Any, Any]:
    """A scan of ``vault`` for acting on it (nothing written), and its pipeline."""
    from .pipeline import VaultError

    _one_shot()
    pipeline = app.pipeline(vault, configure=_outputs(no_ics=True, no_summary=True))
    try:
        return pipeline.scan(_today(today)), pipeline
    except VaultError as exc:
        raise click.ClickException(str(exc)) from None


def _act(take: Callable[[], Any]) -> None:
    """Take an action, and say what was added where (or why nothing was)."""
    from .act import ActionRefused
    from .files import OutputRefused

    try:
        written = take()
    except (ActionRefused, OutputRefused) as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot add to the log: {exc.strerror or exc}") from None
    click.echo(f"Added to {written.path}:\n  {written.line}")


_ACT_TODAY = click.option("--today", type=_DATE, help="The day it is (YYYY-MM-DD). Default: the local date.")


@cli.command("notify")
@click.argument("vault", type=click.Path(path_type=Path))
@click.option("--today", type=_DATE, help="The day the digest is for (YYYY-MM-DD). Default: the local date.")
@click.option("--test", is_flag=True, help="Send a test message on each channel instead (nothing is recorded).")
@click.option("--where", is_flag=True, help="Print where the channels are configured and what was sent is kept.")
@click.pass_obj
def notify(app: App, vault: Path, today: dt.datetime | None, test: bool, where: bool) -> None:
    """Send VAULT's daily digest on the channels of notify.toml (in your own config folder):
    what is overdue, due today and this week, and the celebrations coming up.

    For cron: run it at the time you want it. Each channel gets one digest a day, however
    often this runs (and whether or not `relnotes watch` sent it at [digest] time). Exit
    status: 0 when every channel has today's digest (or had nothing new), 1 when one failed
    or none is configured.
    """
    from .digest import test_message
    from .notify import NotifyError, attempt, channels_of, notify_file, send_digest, state_file

    if where:
        click.echo(f"channels: {notify_file()}\nsent: {state_file(vault)}")
        return
    result, pipeline = _acting(app, vault, today)
    config = pipeline.config
    try:
        channels = channels_of((n for _, n in pipeline.pm.hooks.notifiers()), config.digest_channels)
    except NotifyError as exc:
        raise click.ClickException(str(exc)) from None
    if not channels:
        raise click.ClickException(f"no channel is configured: add [email], [ntfy], [webhook] or [desktop] to "
                                   f"{notify_file()} (see the README, \"Hearing from relnotes\")")
    if test:  # each channel tried in turn, whatever the others did
        message = test_message(result.root.resolve().name, result.today)
        errors = [(channel.name, attempt(channel, message)) for channel in channels]
        for name, error in errors:
            click.echo(f"{name}: failed ({error})" if error else f"{name}: sent a test message")
        sys.exit(1 if any(error for _, error in errors) else 0)
    outcomes = send_digest(vault, result, config, channels)
    for outcome in outcomes:
        click.echo(str(outcome))
    sys.exit(1 if any(o.status == "failed" for o in outcomes) else 0)


@cli.command("log")
@click.argument("vault", type=_VAULT)
@click.argument("name")
@click.option("--on", "on", type=_DATE, help="The day you were in touch (YYYY-MM-DD). Default: today.")
@click.option("--via", default="", help="How: call, email, message, coffee, meeting, event, … (up to four words).")
@click.option("--note", default="", help="A few words on what it was about.")
@_ACT_TODAY
@click.pass_obj
def log_command(app: App, vault: Path, name: str, on: dt.datetime | None, via: str, note: str,
                today: dt.datetime | None) -> None:
    """Record that you were in touch with NAME (a title or alias, any case): a line in the action log."""
    from .act import talked

    result, pipeline = _acting(app, vault, today)
    config = pipeline.config
    _act(lambda: talked(result, config, name, on.date() if on else result.today, via, note))


@cli.command()
@click.argument("vault", type=_VAULT)
@click.argument("target", metavar="NAME|UID")
@click.option("--until", type=_DATE, help="The day it comes back (YYYY-MM-DD).")
@click.option("--for", "for_", metavar="DURATION", help="How long to put it off: 3d, 2w, 1m …")
@_ACT_TODAY
@click.pass_obj
def snooze(app: App, vault: Path, target: str, until: dt.datetime | None, for_: str | None,
           today: dt.datetime | None) -> None:
    """Put off NAME's follow-ups, or the one reminder UID, until a later day."""
    from .act import snooze as snooze_action
    from .dates import DateProblem, parse_cadence

    if (until is None) == (for_ is None):
        raise click.UsageError("give one of --until DATE and --for DURATION")
    day = _today(today)
    if for_ is not None:
        try:
            cadence = parse_cadence(for_)
        except DateProblem as exc:
            raise click.BadParameter(str(exc), param_hint="--for") from None
        if cadence is None:
            raise click.BadParameter("expected a duration such as 3d, 2w or 1m", param_hint="--for")
        back = cadence.after(day)
    else:
        assert until is not None
        back = until.date()
    result, pipeline = _acting(app, vault, today)
    config = pipeline.config
    _act(lambda: snooze_action(result, config, target, back))


@cli.command()
@click.argument("vault", type=_VAULT)
@click.argument("uid")
@_ACT_TODAY
@click.pass_obj
def done(app: App, vault: Path, uid: str, today: dt.datetime | None) -> None:
    """Close the reminder UID (from `relnotes scan --json`, the summary or its calendar event)."""
    from .act import done as done_action

    result, pipeline = _acting(app, vault, today)
    config = pipeline.config
    _act(lambda: done_action(result, config, uid))


@cli.command()
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path))
@_output_options
@click.option("--serve", is_flag=True, help="Also serve the calendar feed for subscription (see `serve`).")
@click.option("--host", default="127.0.0.1", show_default=True, help="With --serve: the address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8137, show_default=True,
              help="With --serve: the port to listen on.")
@click.option("--debounce", type=click.FloatRange(0.05, 60), default=0.3, show_default=True,
              help="Seconds of quiet after a change before rebuilding (an editor or a sync saves in bursts).")
@click.option("-v", "--verbose", is_flag=True, help="Log every file read and every event.")
@_FETCH
@click.option("--fetch-every", type=click.FloatRange(1, 10_080), default=60, show_default=True, metavar="MINUTES",
              help="With --fetch: how often to fetch again.")
@_STRICT
@click.pass_obj
def watch(app: App, vault: Path, today: dt.datetime | None, horizon: int, ics: Path | None, no_ics: bool,
          summary: Path | None, no_summary: bool, serve: bool, host: str, port: int, debounce: float,
          verbose: bool, fetch: bool, fetch_every: float, strict: bool) -> None:
    """Keep VAULT's calendar feed and summary note fresh while the vault changes.

    Builds once, then rebuilds shortly after notes change and when the date
    changes. Stops cleanly on Ctrl-C or SIGTERM.
    """
    import signal

    from .daemon import Daemon
    from .plugins import PluginError

    if serve and no_ics:
        raise click.UsageError("--serve serves the calendar feed: it cannot go with --no-ics")
    if not vault.is_dir():
        raise click.ClickException(f"vault not found: {vault} is not a folder")
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(message)s")
    # a broken config, or a failing plugin with --strict, is an error now
    pipeline = app.pipeline(vault, strict=strict, configure=_outputs(ics, no_ics, summary, no_summary))
    if serve:
        _require_feed(pipeline, _today(today))
    fetcher = None
    if fetch:
        def fetcher() -> None:
            for message in _fetch(pipeline):
                logging.getLogger("relnotes.daemon").warning("%s", message)

        fetcher()  # before the first build
    from .notify import DailyDigest

    digest = DailyDigest(vault, lambda: [n for _, n in pipeline.pm.hooks.notifiers()], lambda: pipeline.config)
    daemon = Daemon(vault, pipeline=pipeline, horizon=horizon, today=lambda: _today(today), debounce=debounce,
                    fetch=fetcher, fetch_every=fetch_every * 60, digest=digest)
    def stop(*_: object) -> None:
        daemon.stop()
        if daemon.building:  # a long build (a first read of 100,000 notes) is cut short
            raise _Stopped

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    server = None
    try:
        daemon.start_watching()
        daemon.rebuild("start")
        server = _serve_daemon(daemon, vault, host, port) if serve else None
        daemon.run()
    except PluginError as exc:
        raise click.ClickException(str(exc)) from None
    except _Stopped:
        logging.getLogger("relnotes.daemon").info("stopped during a build (its files are written whole or not at all)")
    finally:
        daemon.stop_watching()
        if server is not None:
            server.shutdown()
            server.server_close()


class _Stopped(BaseException):
    """A stop signal that arrived during a build (BaseException: no ``except Exception`` of a
    plugin's or the pipeline's may swallow it)."""


def _feed_server(vault: Path, host: str, port: int, source: Any, latest: Callable[[], Any],
                 config: Callable[[], Config], acted: Callable[[], None]) -> Any:
    """The feed's server, answering at the vault's token as it is now (a rotation counts at once),
    with the phone pages of the ``latest`` scan; a warning on stderr when it listens beyond this
    machine."""
    from .phone import Pages
    from .server import FeedServer, TokenError, token_source

    try:
        token = token_source(vault)
        server = FeedServer((host, port), source, token, Pages(vault, token, latest, config, acted))
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    except OSError as exc:
        where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # an IPv6 address in brackets, as in a URL
        raise click.ClickException(f"cannot listen on {where}: {exc.strerror or exc}") from None
    if not server.local_only:
        click.echo(f"Warning: the feed is reachable from the network (listening on {server.address}): anyone "
                   "who has its URL can read your reminders, and the token in it is the only protection. From "
                   "outside, reach it through a tunnel or a reverse proxy with TLS instead (see the README).",
                   err=True)
    return server


def _feed_urls(server: Any) -> str:
    """The feeds' URLs — on a terminal only: stdout that is not one (a service's journal, a log
    file) must never hold the secret."""
    from .model import FEED_NAME

    main, *kinds = server.source.feeds or [FEED_NAME]  # none when the first build failed
    shown = sys.stdout.isatty()

    def url(name: str, scheme: str) -> str:
        full = server.url(scheme, name)
        return f"  {full if shown else full.replace(server.token, '<token>')}"

    lines = [url(main, "http"), url(main, "webcal") if shown else
             "  (`relnotes token VAULT --feeds` prints the secret paths: the URLs are not written to logs)"]
    if kinds:
        lines += ["Or one calendar per kind, each with its own colour and alerts in your app:",
                  *(url(name, "webcal" if shown else "http") for name in kinds)]
    return "\n".join(lines)


def _pages_hint(server: Any) -> str:
    """Where the phone pages are, and how to pair a phone."""
    return f"Phone pages: {server.base_url()}/agenda (pair a phone once with `relnotes token VAULT --pair`)"


def _serve_daemon(daemon: Any, vault: Path, host: str, port: int) -> Any:
    """Serve the daemon's latest feed from a background thread."""
    from .server import FeedSource

    def latest() -> tuple[dict[str, bytes], bool]:
        result = daemon.result
        if result is None:
            raise RuntimeError("no feed built yet")
        return _feeds(result), bool(result.vault.notes)

    source = FeedSource(latest, lambda: daemon.builds)

    def acted() -> None:  # the daemon sees the log change: wait (a little) for the build that shows it
        builds, until = daemon.builds, time.monotonic() + 5
        while daemon.builds == builds and time.monotonic() < until:
            time.sleep(0.02)
        source.refresh()

    server = _feed_server(vault, host, port, source, lambda: daemon.result, lambda: daemon.pipeline.config, acted)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.25}, daemon=True).start()
    click.echo(f"Serving the calendar feed\n{_feed_urls(server)}\n{_pages_hint(server)}")
    sys.stdout.flush()
    return server


@cli.command()
@click.argument("vault", type=_VAULT)
@click.option("--platform", "platform_name", type=click.Choice(["linux", "macos"]),
              default="macos" if sys.platform == "darwin" else "linux", show_default="this machine's",
              help="systemd user unit (linux) or launchd agent (macos).")
@click.option("--install", is_flag=True, help="Write it where the service manager looks, instead of printing it.")
@click.option("--serve", is_flag=True, help="Have the service serve the calendar feed too.")
@click.option("--port", type=click.IntRange(1, 65535), default=8137, show_default=True, help="With --serve.")
def service(vault: Path, platform_name: str, install: bool, serve: bool, port: int) -> None:
    """Print (or --install) a per-user service that runs `relnotes watch VAULT` in the background."""
    from .files import write_output
    from .service import MARKER, service_file

    try:
        definition = service_file(vault, platform_name, ["--serve", "--port", str(port)] if serve else [])
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    if not install:
        click.echo(definition.content, nl=False)
        return
    try:
        changed = write_output(definition.path, definition.content.encode(), MARKER.encode())
    except OSError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{'Installed' if changed else 'Already installed'}: {definition.path}\n"
               f"Start it with:\n  {definition.next_steps}")


@cli.command()
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path))
@click.argument("name")
@click.option("--today", type=_DATE, help="The day the brief is for (YYYY-MM-DD). Default: the local date.")
@click.option("--since", type=_DATE, help="Only timeline entries on or after this day.")
@click.option("--until", type=_DATE, help="Only timeline entries on or before this day.")
@click.option("--incidents-only", is_flag=True,
              help="Only the incident record: each incident (type: incident) about NAME, whole, in date order.")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "html"]), default="markdown",
              show_default=True, help="html: the incident record as a page to print or save as PDF "
                                      "(with --incidents-only).")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the brief here (relative to the vault) instead of printing it; never over a file "
                   "relnotes did not write.")
@click.pass_obj
def brief(app: App, vault: Path, name: str, today: dt.datetime | None, since: dt.datetime | None,
          until: dt.datetime | None, incidents_only: bool, fmt: str, output: Path | None) -> None:
    """Everything about the person NAME (a title or alias, any case) in VAULT, in order."""
    from .brief import HTML_MARKER, PersonNotFound, build_brief, to_html, to_markdown
    from .brief import to_json as brief_json
    from .files import write_output
    from .notes import MARKER
    from .pipeline import VaultError

    if fmt == "html" and not incidents_only:
        raise click.UsageError("--format html prints the incident record: add --incidents-only")
    _one_shot()
    pipeline = app.pipeline(vault, configure=_outputs(no_ics=True, no_summary=True))
    try:
        result = pipeline.scan(_today(today))
        found = build_brief(result, pipeline.config, name, since.date() if since else None,
                            until.date() if until else None, incidents_only)
    except (VaultError, PersonNotFound) as exc:
        raise click.ClickException(str(exc)) from None
    text = brief_json(found) if fmt == "json" else to_html(found) if fmt == "html" else to_markdown(found)
    if output is None:
        click.echo(text, nl=False)
        return
    target = vault / output
    marker = {"json": b'"generated_by": "relnotes"', "html": HTML_MARKER.encode()}.get(fmt, MARKER)
    try:
        write_output(target, text.encode("utf-8"), marker)
    except OSError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(3)
    click.echo(f"Wrote {'the incident record' if incidents_only else 'the brief'} on {found.name} to {target}")


@cli.group("import")
def import_group() -> None:
    """Create person notes from a contacts export (never overwriting a note)."""


@import_group.command("vcard")
@click.argument("vault", type=_VAULT)
@click.argument("source", metavar="FILE.vcf|FOLDER", type=click.Path(exists=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Write nothing; print what would be created.")
@click.option("--folder", help="Where to put the new notes, relative to the vault. Default: the people folder.")
@click.pass_obj
def import_vcard(app: App, vault: Path, source: Path, dry_run: bool, folder: str | None) -> None:
    """Create a person note in VAULT for each contact of a vCard file (Apple Contacts, Google Contacts)
    or a folder of them (CardDAV), with name, birthday, anniversary, company, title, emails, phones.

    A contact the vault has already — same name or alias (case and accents ignored), email or phone —
    is skipped, and no file is ever overwritten. Exit status: 0 when the import ran, 1 when it could not.
    """
    from .contacts import PeopleIndex, decode_export, import_folder, note_for, safe_title, vcards
    from .files import within, write_new
    from .pipeline import VaultError

    _one_shot()
    pipeline = app.pipeline(vault, configure=_outputs(no_ics=True, no_summary=True))
    files = sorted(p for p in source.rglob("*") if p.suffix.lower() in (".vcf", ".vcard")) if source.is_dir() \
        else [source]
    try:
        folder = import_folder(pipeline.config, folder)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    try:
        known = PeopleIndex(pipeline.load())
    except VaultError as exc:
        raise click.ClickException(str(exc)) from None
    created = skipped = 0
    for path in files:
        try:
            text = decode_export(path.read_bytes())
        except OSError as exc:
            raise click.ClickException(f"cannot read {path}: {exc.strerror or exc}") from None
        shown = path.name
        for card in vcards(text):
            where = f"{shown}:{card.line}"
            title = safe_title(card.name)
            rel = f"{folder}/{title}.md" if folder else f"{title}.md"
            reason = ("; ".join(card.problems) if not card.name and card.problems else
                      "no name" if not card.name else "no usable file name" if not title else None)
            match = None if reason else known.match(card.name, card.keys, rel)
            if reason or match:
                skipped += 1
                click.echo(f"skip {card.name or where}: {reason or match}")
                continue
            if not within(vault, vault / rel):  # a symlinked folder that leads out of the vault
                skipped += 1
                click.echo(f"skip {card.name}: {rel} would lie outside the vault")
                continue
            if not dry_run and not write_new(vault / rel, note_for(card, shown)):
                skipped += 1
                click.echo(f"skip {card.name}: {rel} exists already")
                continue
            created += 1
            known.add(card.name, card.keys, rel, f"same person as {where} ({rel})")
            emails = len(card.emails)
            facts = [f for f in (f"birthday {card.birthday}" if card.birthday else "",
                                 f"{emails} email{'s' if emails != 1 else ''}" if emails else "", *card.problems) if f]
            said = f" ({', '.join(facts)})" if facts else ""
            click.echo(f"{'would create' if dry_run else 'created'} {rel}{said}")
    click.echo(f"{'would create' if dry_run else 'created'} {created}, skipped {skipped}")


class _PluginRow(TypedDict):
    """One plugin, as ``relnotes plugins`` lists it."""

    name: str
    origin: str
    version: str
    distribution: str
    hooks: list[str]
    enabled: bool
    whole_vault: list[str]  # those of its hooks that are asked again on every change


@cli.command()
@click.argument("vault", required=False, type=_VAULT)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.pass_obj
def plugins(app: App, vault: Path | None, as_json: bool) -> None:
    """List every plugin: built-in, installed and (with VAULT) the vault's own, with the hooks each implements."""
    from .plugins import WHOLE_VAULT_HOOKS, get_plugin_manager

    if vault is not None:
        pipeline = app.pipeline(vault)
        config, pm = pipeline.config, pipeline.pm
    else:
        config, pm = None, get_plugin_manager()
    rows: list[_PluginRow] = []
    for name, plugin in sorted(pm.list_name_plugin(), key=lambda pair: pair[0]):
        if plugin is None:
            continue
        info = pm.describe(name)
        hooks = sorted(caller.name for caller in pm.get_hookcallers(plugin) or [])
        rows.append({"name": name, "origin": info.origin, "version": info.version,
                     "distribution": info.distribution, "hooks": hooks, "enabled": True,
                     "whole_vault": [hook for hook in hooks if hook in WHOLE_VAULT_HOOKS]})
    for name in sorted(config.disable if config else ()):
        rows.append({"name": name, "origin": "disabled in config", "version": "-", "distribution": "",
                     "hooks": [], "enabled": False, "whole_vault": []})
    if as_json:
        click.echo(json.dumps({"plugins": rows, "warnings": [p.to_json() for p in pm.problems]}, indent=2))
        return
    origins = [row["origin"] + (f" ({row['distribution']})" if row["origin"] == "installed" else "") for row in rows]
    width, origin_width = max(len(row["name"]) for row in rows), max(map(len, origins))
    for row, origin in zip(rows, origins, strict=False):
        shown = ", ".join(hook + ("*" if hook in row["whole_vault"] else "") for hook in row["hooks"])
        click.echo(f"{row['name']:<{width}}  {origin:<{origin_width}}  {row['version']:<8} {shown}")
    if any(row["whole_vault"] for row in rows):
        click.echo("* a whole-vault hook: asked again on every change (the others only about the notes and "
                   "people a change concerns; see docs/plugins.md)")
    for problem in pm.problems:
        click.echo(f"Warning: {problem.path + ': ' if problem.path else ''}{problem.message}", err=True)


_UNWRITABLE = {errno.ENOSPC, errno.EIO, errno.EFBIG, errno.EDQUOT, errno.EPIPE}  # a full disk, /dev/full, a closed pipe


def main() -> None:
    try:
        cli(prog_name="relnotes")
    except OSError as exc:
        if exc.errno not in _UNWRITABLE:
            raise
        # the report could not be written (scan > /dev/full): say so once, exit 1, and let
        # nothing left in the buffer fail again at exit
        with contextlib.suppress(OSError):
            click.echo(f"relnotes: cannot write: {exc.strerror}", err=True)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":
    main()
