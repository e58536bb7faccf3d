"""CI runs exactly the README's test command."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_ci_runs_exactly_the_readmes_test_command():
    command = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"```sh\n{command}\n```" in readme
    first = command.split(" && ", 1)[0]
    assert first == "scripts/system-deps.sh" and os.access(ROOT / first, os.X_OK)  # the feed's system packages
