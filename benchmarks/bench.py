"""Benchmark relnotes on synthetic vaults and print a Markdown table per vault size.

    .venv/bin/python benchmarks/bench.py [--sizes 1000,10000] [--runs 5] [--keep DIR]

Every figure is the median of --runs runs, measured in the same invocation, and is
also given as a ratio to the time a bare ``frontmatter.load`` loop over the same
notes takes (the "floor"). Progress goes to stderr, the tables to stdout.
See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import queue
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import generate

TODAY = "2026-11-25"
RELNOTES = Path(sys.executable).parent / ("relnotes.exe" if os.name == "nt" else "relnotes")
REBUILT = re.compile(r"rebuilt for \S+ in (\d+) ms \(([^;)]*)")
# relnotes and its built-ins only: the plugins installed beside it (the test setup installs the
# examples in plugins/) are not what is measured
ENV = {**os.environ, "RELNOTES_DISABLE_PLUGIN_AUTOLOAD": "1"}

FLOOR_CODE = {
    "read_bytes": """
import sys, time
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
from pathlib import Path
paths = [Path(p) for p in paths]
t = time.perf_counter()
for p in paths:
    p.read_bytes()
print(time.perf_counter() - t)
""",
    "frontmatter.load": """
import sys, time
import frontmatter
paths = open(sys.argv[1], encoding="utf-8").read().splitlines()
t = time.perf_counter()
for p in paths:
    frontmatter.load(p)
print(time.perf_counter() - t)
""",
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# --- running and timing one process ------------------------------------------------------

class Failed(RuntimeError):
    pass


def run(cmd: list[str], *, env: dict | None = None, timeout: float = 600) -> tuple[float, int, str]:
    """Run ``cmd`` to completion: (wall seconds, peak RSS of that process in KiB, stdout).

    ``os.wait4`` gives the resource usage of exactly this child, so the peak memory
    is this process's own (RUSAGE_CHILDREN would be the maximum over all children).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(errors="replace"), err.read().decode(errors="replace")
    if proc.returncode != 0:
        why = f"timed out after {timeout:.0f} s" if proc.returncode == -signal.SIGKILL else f"exit {proc.returncode}"
        raise Failed(f"{' '.join(map(str, cmd))}: {why}\n{stderr.strip()[-2000:]}")
    # ru_maxrss is in KiB on Linux, in bytes on macOS.
    maxrss = usage.ru_maxrss // 1024 if sys.platform == "darwin" else usage.ru_maxrss
    return elapsed, maxrss, stdout


def median_of(runs: int, label: str, once) -> float:
    values = []
    for i in range(runs):
        values.append(once())
        log(f"    {label} {i + 1}/{runs}: {values[-1]:.3f}")
    return statistics.median(values)


# --- the vault ------------------------------------------------------------------------------

def note_paths(vault: Path) -> list[Path]:
    """The notes relnotes reads: every .md file except dot-folders, the templates and the summary."""
    paths = []
    for dirpath, dirnames, filenames in os.walk(vault):
        rel = Path(dirpath).relative_to(vault)
        top = rel == Path(".")
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and not (top and d == "Templates"))
        paths += [Path(dirpath) / f for f in sorted(filenames)
                  if f.endswith(".md") and not f.startswith(".") and not (top and f == "relnotes.md")]
    return paths


def active(note: Path) -> bool:
    """Whether a person note of the generated vault is active: no ``status`` but ``active``."""
    head = note.read_bytes().split(b"\n---", 1)[0]
    return b"\nstatus: " not in head or b"\nstatus: active" in head


def outputs(vault: Path) -> list[Path]:
    return [vault / "relnotes.md", vault / ".relnotes" / "relnotes.ics"]


def remove_outputs(vault: Path) -> None:
    for path in outputs(vault):
        path.unlink(missing_ok=True)


# --- the measures ---------------------------------------------------------------------------

def floor(kind: str, list_file: Path, runs: int, timeout: float) -> float:
    def once() -> float:
        _, _, out = run([sys.executable, "-c", FLOOR_CODE[kind], str(list_file)], timeout=timeout)
        return float(out.strip())
    return median_of(runs, f"floor {kind}", once)


def scan_cmd(vault: Path) -> list[str]:
    return [str(RELNOTES), "scan", str(vault), "--today", TODAY, "--json"]


def cold_scan(vault: Path, work: Path, runs: int, timeout: float) -> tuple[float, float]:
    """(median seconds, median peak RSS in KiB) of scans without any cache."""
    times, rss = [], []
    for i in range(runs):
        remove_outputs(vault)
        cache = Path(tempfile.mkdtemp(prefix="cache-cold-", dir=work))
        try:
            elapsed, maxrss, _ = run(scan_cmd(vault), env={**ENV, "RELNOTES_CACHE_DIR": str(cache)},
                                     timeout=timeout)
        finally:
            shutil.rmtree(cache, ignore_errors=True)
        missing = [p.name for p in outputs(vault) if not p.exists()]
        if missing:
            raise Failed(f"the scan did not write {', '.join(missing)}")
        times.append(elapsed)
        rss.append(maxrss)
        log(f"    cold scan {i + 1}/{runs}: {elapsed:.3f} s, {maxrss / 1024:.0f} MB")
    return statistics.median(times), statistics.median(rss)


CALENDAR_EVENTS = 10_000


def calendar_file(path: Path, people: list[Path], seed: int) -> None:
    """A calendar export of CALENDAR_EVENTS events: one-off meetings over the two years before
    TODAY with one to four of the vault's people (by name, as a calendar without their addresses
    has them), and one in ten a weekly series of a year."""
    import random

    rng = random.Random(seed)
    names = [p.stem for p in people]
    start = dt.date.fromisoformat(TODAY) - dt.timedelta(days=730)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//relnotes bench//EN"]
    for n in range(CALENDAR_EVENTS):
        day = start + dt.timedelta(days=rng.randrange(730))
        lines += ["BEGIN:VEVENT", f"UID:bench-{n}@example", f"DTSTART:{day:%Y%m%d}T{rng.randrange(8, 18):02d}0000",
                  f"SUMMARY:Meeting {n}", "ORGANIZER;CN=Me:mailto:me@example.org"]
        if n % 10 == 0:
            lines.append("RRULE:FREQ=WEEKLY;COUNT=52")
        for name in rng.sample(names, rng.randint(1, 4)):
            lines.append(f"ATTENDEE;CN={name};PARTSTAT=ACCEPTED:mailto:{name.lower().replace(' ', '.')}@example.com")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")


def calendar_scan(vault: Path, work: Path, people: list[Path], runs: int, timeout: float,
                  seed: int) -> tuple[float, float]:
    """The cold scan, and the warm one after an edit (the calendar's parse kept in the cache),
    with a calendar of CALENDAR_EVENTS events as a [calendar] source."""
    source = work / "calendar.ics"
    calendar_file(source, people, seed)
    config = vault / ".relnotes" / "config.toml"
    before = config.read_bytes() if config.exists() else None
    config.parent.mkdir(exist_ok=True)
    config.write_bytes((before or b"") + (f'\n[me]\nemails = ["me@example.org"]\n[calendar]\n'
                                          f'sources = ["{source}"]\n').encode())
    try:
        return cold_scan(vault, work, runs, timeout)[0], warm_scan_after_an_edit(vault, work, people, runs, timeout)
    finally:
        if before is None:
            config.unlink()
        else:
            config.write_bytes(before)


def warm_scan(vault: Path, work: Path, runs: int, timeout: float) -> float:
    cache = Path(tempfile.mkdtemp(prefix="cache-warm-", dir=work))
    env = {**ENV, "RELNOTES_CACHE_DIR": str(cache)}
    try:
        run(scan_cmd(vault), env=env, timeout=timeout)  # fills the cache (if relnotes has one)
        return median_of(runs, "warm scan", lambda: run(scan_cmd(vault), env=env, timeout=timeout)[0])
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def warm_scan_after_an_edit(vault: Path, work: Path, people: list[Path], runs: int, timeout: float) -> float:
    """A scan with the cache after one person note changed (a different one each run)."""
    cache = Path(tempfile.mkdtemp(prefix="cache-edit-", dir=work))
    env = {**ENV, "RELNOTES_CACHE_DIR": str(cache)}
    originals: dict[Path, bytes] = {}
    edits = iter(range(runs))

    def once() -> float:
        i = next(edits)
        note = people[(i * max(1, len(people) // runs)) % len(people)]
        originals.setdefault(note, note.read_bytes())
        with open(note, "a", encoding="utf-8") as f:
            f.write(f"- Benchmark edit {i + 1}: a call.\n")
        return run(scan_cmd(vault), env=env, timeout=timeout)[0]

    try:
        run(scan_cmd(vault), env=env, timeout=timeout)  # fills the cache
        return median_of(runs, "warm scan, one note edited", once)
    finally:
        for note, content in originals.items():  # leave the vault as generated
            note.write_bytes(content)
        shutil.rmtree(cache, ignore_errors=True)


def incremental(vault: Path, work: Path, people: list[Path], runs: int, timeout: float) -> tuple[float, float]:
    """Change one person note at a time under a running daemon: a task due in two days is
    appended, which the calendar feed must show.

    Returns (median rebuild ms as logged by the daemon, median seconds from the write until
    the feed file holds the new event — watched from outside, as a calendar app would see it).
    """
    cache = Path(tempfile.mkdtemp(prefix="cache-watch-", dir=work))
    env = {**ENV, "RELNOTES_CACHE_DIR": str(cache)}
    cmd = [str(RELNOTES), "watch", str(vault), "--today", TODAY]  # as users run it: -v logs every event
    proc = subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8", errors="replace")
    lines: queue.Queue[tuple[float, str]] = queue.Queue()
    tail: list[str] = []
    feed = outputs(vault)[1]
    due = (dt.date.fromisoformat(TODAY) + dt.timedelta(days=2)).isoformat()

    def reader() -> None:
        for line in proc.stderr:
            now = time.perf_counter()
            tail[:] = [*tail[-20:], line.rstrip()]
            if "rebuilt for" in line:
                lines.put((now, line.rstrip()))
        lines.put((time.perf_counter(), ""))  # end of stream: the daemon exited

    def next_rebuild(deadline: float) -> tuple[float, str]:
        try:
            at, line = lines.get(timeout=max(0.0, deadline - time.perf_counter()))
        except queue.Empty:
            raise Failed("no rebuild logged within the timeout\n" + "\n".join(tail)) from None
        if not line:
            raise Failed(f"the daemon exited (status {proc.wait()})\n" + "\n".join(tail))
        return at, line

    def shown(marker: bytes, deadline: float) -> float:
        """When the feed first holds ``marker``: its file is polled (a new inode or time) every ms."""
        seen = None
        while time.perf_counter() < deadline:
            try:
                st = feed.stat()
            except FileNotFoundError:
                st = None
            key = st and (st.st_ino, st.st_mtime_ns, st.st_size)
            if key != seen:
                seen = key
                at = time.perf_counter()
                if marker in feed.read_bytes():
                    return at
            time.sleep(0.001)
        raise Failed("the feed never showed the edit\n" + "\n".join(tail))

    threading.Thread(target=reader, daemon=True).start()
    originals = {}
    rebuild_ms, latencies = [], []
    try:
        next_rebuild(time.perf_counter() + timeout)  # the first build
        step = max(1, len(people) // runs)
        for i in range(runs):
            note = people[(i * step) % len(people)]
            originals.setdefault(note, note.read_bytes())
            time.sleep(1.0)  # let the previous burst settle and the mtime move on
            while not lines.empty():
                lines.get_nowait()
            marker = f"Benchmark edit {i + 1}"
            written = time.perf_counter()
            with open(note, "a", encoding="utf-8") as f:
                f.write(f"\n- [ ] {marker} 📅 {due}\n")
            latencies.append(shown(marker.encode(), written + timeout) - written)
            while True:
                _, line = next_rebuild(written + timeout)
                match = REBUILT.search(line)
                if match and match.group(2).startswith("changed "):  # the rebuild for this edit
                    break
            rebuild_ms.append(int(match.group(1)))
            log(f"    incremental {i + 1}/{runs}: rebuild {rebuild_ms[-1]} ms, in the feed after {latencies[-1]:.3f} s "
                f"({line.rsplit('; ', 1)[-1]})")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for note, content in originals.items():  # leave the vault as generated
            note.write_bytes(content)
        shutil.rmtree(cache, ignore_errors=True)
    return statistics.median(rebuild_ms), statistics.median(latencies)


def startup(runs: int) -> float:
    return median_of(runs, "start-up", lambda: run([str(RELNOTES), "--version"], timeout=60)[0])


def relnotes_version() -> str:
    return run([str(RELNOTES), "--version"], timeout=60)[2].strip()


# --- report ---------------------------------------------------------------------------------

def machine(version: str) -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return [f"- CPU: {cpu}, {os.cpu_count()} cores",
            f"- OS: {platform.platform()}",
            f"- Python {platform.python_version()} ({sys.executable})",
            f"- relnotes {version.rsplit(maxsplit=1)[-1] if version else '?'} ({RELNOTES})"]


def label(n: int) -> str:
    return f"{n // 1000}k" if n >= 1000 and n % 1000 == 0 else str(n)


def secs(s: float) -> str:
    return f"{s:.2f} s"


def ms(s: float) -> str:
    return f"{s * 1000:.0f} ms"


def ratio(value: float, ref: float) -> str:
    r = value / ref
    return f"{r:.2f}" if r >= 0.1 else f"{r:.3f}"


def bench_size(n: int, args, work: Path) -> tuple[str, float]:
    """Measure one vault size; returns (the Markdown section, the cold-scan median)."""
    runs = args.runs
    timeout = 120 + n / 50  # generous: 10k notes → 5 min per process
    if args.keep and (args.keep / f"vault-{n}").is_dir() and any((args.keep / f"vault-{n}").iterdir()):
        vault = args.keep / f"vault-{n}"
        log(f"{label(n)}: reusing {vault}")
    else:
        vault = (args.keep or work) / f"vault-{n}"
        log(f"{label(n)}: generating {vault}")
        started = time.perf_counter()
        generate.generate(vault, n, args.seed)
        log(f"  generated in {time.perf_counter() - started:.1f} s")
    vault = vault.resolve()
    remove_outputs(vault)
    paths = note_paths(vault)
    size = sum(p.stat().st_size for p in paths)
    list_file = work / f"notes-{n}.txt"
    list_file.write_text("\n".join(map(str, paths)) + "\n", encoding="utf-8")
    for p in paths:  # warm the page cache once, so every measure reads from memory
        p.read_bytes()
    people = sorted(p for p in paths if p.relative_to(vault).parts[0] == "People")
    n_people = len(people)
    # the people whose notes the edits go to: active ones (a task in an archived person's note is
    # no reminder, and a measure waiting for it in the feed would wait for ever)
    people = [p for p in people if active(p)]
    n_meetings = sum(1 for p in paths if p.relative_to(vault).parts[0] == "Meetings")
    n_daily = sum(1 for p in paths if p.relative_to(vault).parts[0] in ("Daily", "Journal"))

    log("  floors")
    read_bytes = floor("read_bytes", list_file, runs, timeout)
    fm = floor("frontmatter.load", list_file, runs, timeout)
    log("  cold scans")
    cold, rss = cold_scan(vault, work, runs, timeout)
    log("  warm scans")
    warm = warm_scan(vault, work, runs, timeout)
    edited = warm_scan_after_an_edit(vault, work, people, runs, timeout)
    log("  incremental (daemon)")
    rebuild, latency = incremental(vault, work, people, runs, timeout)
    log(f"  cold scans with a {CALENDAR_EVENTS:,}-event calendar")
    with_calendar, warm_calendar = calendar_scan(vault, work, people, runs, timeout, args.seed)
    log("  start-up")
    start = startup(runs)
    remove_outputs(vault)

    rows = [
        ("floor: read_bytes", secs(read_bytes), ratio(read_bytes, fm)),
        ("floor: frontmatter.load", secs(fm), ratio(fm, fm)),
        ("cold scan (ICS + summary)", secs(cold), ratio(cold, fm)),
        ("warm scan (cache, unchanged vault)", secs(warm), ratio(warm, fm)),
        ("warm scan (cache, one note edited)", secs(edited), ratio(edited, fm)),
        ("incremental (rebuild after one note changes)", f"{rebuild:.0f} ms", ratio(rebuild / 1000, fm)),
        ("incremental (an edit in the feed, seen from outside; debounce 0.3 s incl.)", secs(latency),
         ratio(latency, fm)),
        (f"cold scan with a {CALENDAR_EVENTS:,}-event calendar as a [calendar] source", secs(with_calendar),
         ratio(with_calendar, fm)),
        ("warm scan with that calendar, one note edited (its parse kept)", secs(warm_calendar),
         ratio(warm_calendar, fm)),
        ("peak memory (cold scan)", f"{rss / 1024:.0f} MB", ""),
        ("start-up (relnotes --version)", ms(start), ""),
    ]
    out = [f"## {n:,} notes ({n_people:,} people, {n_meetings:,} meetings, {n_daily:,} daily)"
           f" — {size / 1e6:.1f} MB", "", "| measure | median | × frontmatter.load |", "|---|---:|---:|"]
    out += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    return "\n".join(out), cold


def compile_relnotes() -> None:
    """Write the bytecode of relnotes and its installed plugins, as ``pip install`` does: an
    editable install under ``PYTHONDONTWRITEBYTECODE`` would compile every module in every
    process, and the figures would measure the compiler."""
    code = ("import compileall, importlib.util, sys\n"
            "for name in ('relnotes', 'relnotes_linkedin', 'relnotes_reconnect'):\n"
            "    spec = importlib.util.find_spec(name)\n"
            "    if spec and spec.submodule_search_locations:\n"
            "        for folder in spec.submodule_search_locations:\n"
            "            compileall.compile_dir(folder, quiet=1)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000", help="vault sizes in notes, comma-separated "
                        "(default 1000,10000)")
    parser.add_argument("--runs", type=int, default=5, help="runs per measure; the median is reported (default 5)")
    parser.add_argument("--keep", type=Path, help="keep the vaults in DIR/vault-N, and reuse them when present")
    parser.add_argument("--seed", type=int, default=1, help="the generator's seed (default 1)")
    args = parser.parse_args(argv)
    try:
        sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error(f"--sizes: not a list of numbers: {args.sizes}")
    if not sizes or min(sizes) < 10 or args.runs < 1:
        parser.error("--sizes needs numbers of at least 10, --runs at least 1")
    if not RELNOTES.exists():
        print(f"bench.py: {RELNOTES} not found: run this with the Python of relnotes' venv", file=sys.stderr)
        return 1
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    compile_relnotes()
    # a kill (SIGTERM) unwinds like Ctrl-C, so the vault's config and notes are restored
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    work = Path(tempfile.mkdtemp(prefix="relnotes-bench-"))
    sections, colds = [], []
    try:
        print(f"# relnotes benchmark, {dt.date.today().isoformat()} (median of {args.runs} runs)\n")
        print("\n".join(machine(relnotes_version())) + "\n", flush=True)
        for n in sizes:
            section, cold = bench_size(n, args, work)
            sections.append(section)
            colds.append(cold)
            print(section + "\n", flush=True)  # as soon as it is ready: big sizes take a while
    except Failed as exc:
        print(f"bench.py: {exc}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)

    for (a, ca), (b, cb) in zip(zip(sizes, colds, strict=False), zip(sizes[1:], colds[1:], strict=False), strict=False):
        print(f"cold scan {label(b)} / {label(a)} = {cb / ca:.1f}×")
    return 0


if __name__ == "__main__":
    sys.exit(main())
