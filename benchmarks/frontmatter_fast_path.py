"""What relnotes' fast frontmatter reader (``relnotes.simpleyaml``) saves, on a generated vault.

    .venv/bin/python benchmarks/frontmatter_fast_path.py [--notes 10000] [--runs 5] [--keep DIR]

Parses every note of the vault with ``relnotes.notes.parse_note`` twice per run — once as
relnotes does (the fast reader first, PyYAML's loader for what it does not answer), once
with the fast reader switched off (every block through PyYAML) — in one process, files
already in memory, and prints the medians as a Markdown table, with the share of notes
the fast path answered. Both ways must give equal notes; the script checks that too.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

from relnotes import simpleyaml
from relnotes.notes import parse_note
from relnotes.obsidian import read_settings
from relnotes.walk import walk


def _parse_all(files: list[tuple[str, bytes]], settings: object) -> tuple[float, list]:
    started = time.perf_counter()
    notes = [parse_note(rel, data, settings)[0] for rel, data in files]  # type: ignore[arg-type]
    return time.perf_counter() - started, notes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="keep the vault in DIR/vault-N and reuse it")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        vault = (args.keep or Path(tmp)) / f"vault-{args.notes}"
        if not vault.is_dir():
            generate.generate(vault, args.notes)
        settings, _ = read_settings(vault)
        paths, _ = walk(vault, settings)
        files = [(rel, Path(path).read_bytes()) for rel, path in paths]
        fast_load = simpleyaml.load
        asked = answered = 0

        def counting(text: str, construct: object) -> object:
            nonlocal asked, answered
            result = fast_load(text, construct)  # type: ignore[arg-type]
            asked, answered = asked + 1, answered + (result is not None)
            return result

        simpleyaml.load = counting  # type: ignore[assignment]
        try:
            _parse_all(files, settings)  # once, untimed: how many blocks the fast path answers
        finally:
            simpleyaml.load = fast_load
        with_fast, without = [], []
        for _ in range(args.runs):
            seconds, fast_notes = _parse_all(files, settings)
            with_fast.append(seconds)
            simpleyaml.load = lambda text, construct: None  # every block through PyYAML
            try:
                seconds, slow_notes = _parse_all(files, settings)
            finally:
                simpleyaml.load = fast_load
            without.append(seconds)
            assert [(n.path, n.frontmatter) for n in fast_notes] == [(n.path, n.frontmatter) for n in slow_notes]
    fast, slow = statistics.median(with_fast), statistics.median(without)
    print(f"## Parsing {len(files):,} notes (median of {args.runs} runs)\n")
    print("| frontmatter read by | seconds | per note |")
    print("|---|---:|---:|")
    print(f"| PyYAML's loader only | {slow:.2f} s | {slow / len(files) * 1e6:.0f} µs |")
    print(f"| the fast reader, PyYAML for the rest | {fast:.2f} s | {fast / len(files) * 1e6:.0f} µs |")
    print(f"\nThe fast reader answered {answered:,} of {asked:,} frontmatter blocks ({answered / asked:.0%}); it saves "
          f"{slow - fast:.2f} s ({1 - fast / slow:.0%} of parsing).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
