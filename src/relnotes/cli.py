"""The command line: thin click commands that call the library and print what it returns.

Heavy modules are imported inside the commands so ``relnotes --version`` starts fast.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from pathlib import Path

import click

from . import __version__

_DATE = click.DateTime(formats=["%Y-%m-%d"])


class _DelayedProgress:
    """A progress bar on stderr that only appears once reading takes longer than ``delay`` seconds."""

    def __init__(self, delay: float = 1.0) -> None:
        self.delay = delay
        self.bar = None

    def __call__(self, total: int):
        started = time.monotonic()
        done = 0

        def step(n: int) -> None:
            nonlocal done
            done += n
            if self.bar is None and time.monotonic() - started > self.delay:
                self.bar = click.progressbar(length=total, label="Reading notes", file=sys.stderr)
                self.bar.__enter__()
                self.bar.update(done)
            elif self.bar is not None:
                self.bar.update(n)

        return step

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _today(value: dt.datetime | None) -> dt.date:
    return value.date() if value else dt.date.today()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="relnotes")
def cli() -> None:
    """relnotes: who to get in touch with, what you owe, what to celebrate — from your notes."""


@cli.command()
@click.argument("vault", type=click.Path(file_okay=False, path_type=Path))
@click.option("--today", type=_DATE, help="The day to scan for (YYYY-MM-DD). Default: the local date.")
@click.option("--horizon", type=click.IntRange(min=0), default=30, show_default=True,
              help="List reminders up to this many days ahead.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of the report.")
def scan(vault: Path, today: dt.datetime | None, horizon: int, as_json: bool) -> None:
    """Scan VAULT and report follow-ups, tasks and celebrations."""
    from .config import ConfigError
    from .report import to_json, to_text
    from .scan import VaultError, scan as run_scan

    progress = _DelayedProgress() if not as_json and sys.stderr.isatty() else None
    try:
        result = run_scan(vault, _today(today), horizon, progress=progress)
    except (VaultError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if progress:
            progress.close()
    if as_json:
        click.echo(json.dumps(to_json(result, vault), ensure_ascii=False, indent=2))
    else:
        click.echo(to_text(result, vault), nl=False)


@cli.command()
@click.argument("vault", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.option("--templates", is_flag=True, help="Also write person and meeting templates into the templates folder.")
def init(vault: Path, templates: bool) -> None:
    """Write VAULT/.relnotes/config.toml with every default (and templates); never overwrites."""
    from .init import init_vault

    for path, created in init_vault(vault, templates):
        click.echo(f"{'created' if created else 'kept existing'} {path}")


def main() -> None:
    cli(prog_name="relnotes")


if __name__ == "__main__":
    main()
