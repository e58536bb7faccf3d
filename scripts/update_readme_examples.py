"""Refresh the generated examples in README.md from the sample vault.

Run from the repository root with the project installed:
    .venv/bin/python scripts/update_readme_examples.py
tests/test_cli.py and tests/test_summary.py fail when the README is out of date (the sample
outputs, and the config table from the settings schema).
"""

import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from relnotes.config import config_reference
from relnotes.digest import digest
from relnotes.pipeline import Pipeline
from relnotes.plugins import get_plugin_manager

README = Path("README.md")


def replace_between(text: str, start_marker: str, end_marker: str, new: str) -> str:
    start = text.index(start_marker) + len(start_marker)
    return text[:start] + new + text[text.index(end_marker, start):]


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    shutil.copytree("examples/vault", tmp / "examples/vault", symlinks=True)
    report = subprocess.run([sys.executable, "-m", "relnotes", "scan", "examples/vault", "--today", "2026-11-25"],
                            cwd=tmp, capture_output=True, text=True, check=True).stdout
    summary = (tmp / "examples/vault/relnotes.md").read_text(encoding="utf-8")
    brief = subprocess.run([sys.executable, "-m", "relnotes", "brief", "examples/vault", "Priya Raman",
                            "--today", "2026-11-25"], cwd=tmp, capture_output=True, text=True, check=True).stdout
    incidents = subprocess.run([sys.executable, "-m", "relnotes", "brief", "examples/vault", "Richard Coleman",
                                "--incidents-only", "--today", "2026-11-25"], cwd=tmp, capture_output=True, text=True,
                               check=True).stdout
    vault = Pipeline(tmp / "examples/vault", autoload=False)
    digest_text = digest(vault.scan(dt.date(2026, 11, 25), save=False)).text.replace(str(tmp), "")
    health = summary.split("## Network health\n\n", 1)[1].split("\n## ", 1)[0].strip() + "\n\n"
    text = README.read_text(encoding="utf-8")
    text = replace_between(text, "$ relnotes scan examples/vault --today 2026-11-25\n", "```", report)
    text = replace_between(text, "````markdown\n", "````", summary)
    text = replace_between(text, '$ relnotes brief examples/vault "Priya Raman" --today 2026-11-25\n', "```", brief)
    record = '$ relnotes brief examples/vault "Richard Coleman" --incidents-only --today 2026-11-25\n'
    text = replace_between(text, record, "```", incidents)
    text = replace_between(text, "the Network health section renders like this:\n\n", "<details>", health)
    text = replace_between(text, "$ relnotes notify examples/vault --today 2026-11-25    # the digest's text\n", "```",
                           digest_text)
    tables = [table for _, table in get_plugin_manager(autoload=False).hooks.settings()]
    text = replace_between(text, "<!-- config-reference -->\n", "<!-- /config-reference -->", config_reference(tables))
    README.write_text(text, encoding="utf-8")
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
