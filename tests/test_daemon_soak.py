"""Soak test of the watch daemon: thousands of random edits, renames, deletes and folder moves
in bursts, then the daemon's outputs must equal a fresh scan of the final vault, with memory
and file descriptors flat. Seeded (random.Random(1234)) and bounded in time.

And the property behind it, step by step: random sequences of edits, creations, deletions,
renames, folder moves, alias and config changes and new days, each followed by three builds
of the same vault — the one a daemon makes (a pipeline kept from the start, told which files
changed), a warm scan (a new pipeline reading through the cache left on disk) and a scan from
scratch (``--no-cache``) — whose outputs, reminders and warnings must be identical, byte for
byte, after every step."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from relnotes.actions import done_line, snoozed_line, talked_line
from relnotes.daemon import Daemon
from relnotes.files import OutputRefused, append_line
from relnotes.pipeline import Pipeline
from relnotes.report import to_json

TODAY = dt.date(2026, 11, 25)
OPS = 2000
OPS_BUDGET = 45.0  # seconds for the operations; the whole test stays around a minute
NAMES = ["Ann", "Bo Li", "Cy", "Dee", "Eli", "Zoë Müller", "José Álvarez", "Fay", "Gus", "Hana", "Ivo", "Jun",
         "Kai", "Lea", "Mo", "Nia", "Oz", "Pia", "Quin", "Rae"]
ROLES = ["mentor", "sponsor", "peer", "manager", "client", "contact", "supervisor", "unknown", "[peer, mentor]"]
BASE_FOLDERS = ["People", "Meetings", "Daily", ""]
EXTRA_FOLDERS = ["People/Sub", "People/Sub2", "Meetings/2026", "Meetings/2025", "Archive"]
TITLES = ["Sync", "1on1", "Coffee", "Q3 review", "Lunch; budget, plan", "Design review"]


def rss_kb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class Editor:
    """Random edits of a vault, as a person (and their editor and sync tool) would make them."""

    def __init__(self, root: Path, rng: random.Random) -> None:
        self.root, self.rng = root, rng

    # --- content ---------------------------------------------------------------------------

    def day(self, spread: int = 400) -> dt.date:
        return TODAY + dt.timedelta(days=self.rng.randint(-spread, 60))

    def link(self) -> str:
        name = self.rng.choice(NAMES)
        return self.rng.choice([f"[[{name}]]", f"[[{name}|them]]", f"[[People/{name}]]", f"[[{name}#Notes]]",
                                f"[[{self.email()}]]"])

    def email(self) -> str:
        return f"{self.rng.choice(NAMES).lower()}@{self.rng.choice(['acme', 'home'])}.example"

    def tasks(self) -> list[str]:
        lines = []
        for _ in range(self.rng.randint(0, 3)):
            box = self.rng.choice([" ", " ", "x", "-"])
            due = self.rng.choice([self.day().isoformat(), self.day().isoformat(), "2026-13-45", ""])
            lines.append(f"- [{box}] Send {self.rng.choice(['deck', 'notes', 'intro'])} to {self.link()}"
                         + (f" 📅 {due}" if due else ""))
        return lines

    def person(self) -> str:
        r = self.rng
        fields = ["type: person"] if r.random() < 0.7 else []
        if r.random() < 0.8:
            fields.append(f"role: {r.choice(ROLES)}")
        for key in ("last_contact", "met", "snooze_until"):
            if r.random() < 0.4:
                fields.append(f"{key}: {self.day().isoformat()}")
        if r.random() < 0.4:
            fields.append(f"birthday: {r.choice([self.day(20000).isoformat(), '02-29', '--12-24', '1990-02-30'])!r}")
        if r.random() < 0.3:
            fields.append(f"started: {self.day(3000).isoformat()}\ncompany: Acme")
        if r.random() < 0.2:
            fields.append(f"milestones:\n  promoted: {self.day(2000).isoformat()}")
        if r.random() < 0.2:
            fields.append(f"cadence: {r.choice(['14d', '2w', '3m', '1y', 'monthly', 'none', '45', 'bogus'])}")
        if r.random() < 0.15:
            fields.append(f"status: {r.choice(['active', 'paused', 'limit-contact', 'archived', 'odd'])}")
        if r.random() < 0.2:
            fields.append(f"aliases: [{r.choice(NAMES)} A]")
        if r.random() < 0.3:  # an identity key, found as an alias is (shared by two now and then)
            fields.append(f"email: {self.email()}")
        return "---\n" + "\n".join(fields) + "\n---\n" + "\n".join(["# Notes", self.link(), *self.tasks()]) + "\n"

    def meeting(self) -> str:
        r = self.rng
        who = ", ".join(f'"[[{r.choice(NAMES)}]]"' for _ in range(r.randint(0, 3)))
        fields = [f"date: {self.day().isoformat()}"] if r.random() < 0.7 else []
        fields.append(r.choice([f"attendees: [{who}]", f"attendees: [[{r.choice(NAMES)}]]", f"people: [{who}]"]))
        if r.random() < 0.5:
            fields.append(f"follow_up: {self.day().isoformat()}")
        if r.random() < 0.2:
            fields.append("follow_up_done: true")
        return "---\n" + "\n".join(fields) + "\n---\n" + "\n".join(["Notes with " + self.link(), *self.tasks()]) + "\n"

    def daily(self) -> str:
        return "\n".join([f"Met {self.link()} and {self.link()}", *self.tasks()]) + "\n"

    def broken(self) -> bytes:
        return self.rng.choice([b"---\nrole: [x\n---\n\xff", b"---\nunclosed: yes\n", b"", b"---\n- a\n- b\n---\n",
                                "---\ntype: person\n---\n[[Ann]]".encode("utf-16"), b"---\nmet: 2026-02-30\n---\n"])

    def content_for(self, rel: str) -> bytes:
        if self.rng.random() < 0.05:
            return self.broken()
        if rel.startswith("People/"):
            text = self.person()
        elif rel.startswith("Meetings/"):
            text = self.meeting()
        elif rel.startswith("Daily/") or rel[:4].isdigit():
            text = self.daily()
        else:
            text = self.rng.choice([self.person, self.meeting, self.daily])()
        return text.encode()

    # --- the vault as it is now ------------------------------------------------------------

    def notes(self) -> list[str]:
        found = []
        for folder, dirs, files in os.walk(self.root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            rel = os.path.relpath(folder, self.root)
            for name in sorted(files):
                if name.endswith(".md") and not name.startswith(".") and not (rel == "." and name == "relnotes.md"):
                    found.append(name if rel == "." else f"{rel}/{name}")
        return found

    def folders(self) -> list[str]:
        return [f for f in [*BASE_FOLDERS[:-1], *EXTRA_FOLDERS] if (self.root / f).is_dir()]

    def new_name(self, folder: str) -> str:
        r = self.rng
        if folder.startswith("Meetings"):
            name = f"{self.day().isoformat()} {r.choice(TITLES)}" if r.random() < 0.8 else r.choice(TITLES)
        elif folder.startswith("Daily") or (folder == "" and r.random() < 0.5):
            name = self.day().isoformat()
        else:
            name = r.choice(NAMES)
        return f"{folder}/{name}.md" if folder else f"{name}.md"

    def folder(self) -> str:
        return self.rng.choice([*self.folders(), ""])

    # --- operations ------------------------------------------------------------------------

    def start(self, notes: int) -> None:
        """A new vault: the base folders and ``notes`` random notes."""
        for folder in BASE_FOLDERS[:-1]:
            (self.root / folder).mkdir(parents=True)
        for _ in range(notes):
            rel = self.new_name(self.rng.choice(BASE_FOLDERS))
            self.write(rel, self.content_for(rel))

    def write(self, rel: str, data: bytes) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)

    def op(self) -> str:
        r = self.rng
        notes = self.notes()
        choice = r.choices(["create", "modify", "append", "atomic", "rename", "move", "delete", "broken",
                            "mkdir", "rename_folder", "rmtree"],
                           weights=[22, 22, 8, 10, 7, 7, 10 if len(notes) < 60 else 30, 3, 4, 3, 2])[0]
        if not notes and choice in ("modify", "append", "rename", "move", "delete"):
            choice = "create"
        if choice == "create":
            rel = self.new_name(self.folder())
            self.write(rel, self.content_for(rel))
        elif choice == "modify":
            rel = r.choice(notes)
            self.write(rel, self.content_for(rel))
        elif choice == "append":
            with open(self.root / r.choice(notes), "a", encoding="utf-8") as handle:
                handle.write("\n".join(["", f"Talked to {self.link()}", *self.tasks()]) + "\n")
        elif choice == "atomic":  # an editor's safe save: a temp file, then a rename over the note
            rel = r.choice(notes) if notes and r.random() < 0.8 else self.new_name(self.folder())
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.parent / r.choice([f".{target.name}.swp", f"{target.name}.tmp~"])
            tmp.write_bytes(self.content_for(rel))
            os.replace(tmp, target)
        elif choice in ("rename", "move"):
            rel = r.choice(notes)
            folder = rel.rsplit("/", 1)[0] if "/" in rel and choice == "rename" else self.folder()
            target = self.root / self.new_name(folder)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.root / rel, target)
        elif choice == "delete":
            (self.root / r.choice(notes)).unlink()
        elif choice == "broken":
            rel = r.choice(notes) if notes and r.random() < 0.5 else self.new_name(self.folder())
            self.write(rel, self.broken())
        elif choice == "mkdir":
            folder = r.choice(EXTRA_FOLDERS)
            (self.root / folder).mkdir(parents=True, exist_ok=True)
            if r.random() < 0.7:
                rel = self.new_name(folder)
                self.write(rel, self.content_for(rel))
        elif choice == "rename_folder":
            existing = [f for f in EXTRA_FOLDERS if (self.root / f).is_dir()]
            free = [f for f in EXTRA_FOLDERS if not (self.root / f).exists()]
            if existing and free:
                source, target = r.choice(existing), r.choice(free)
                if not target.startswith(source + "/"):
                    (self.root / target).parent.mkdir(parents=True, exist_ok=True)
                    os.rename(self.root / source, self.root / target)
        elif choice == "rmtree":
            existing = [f for f in EXTRA_FOLDERS if (self.root / f).is_dir()]
            if existing:
                shutil.rmtree(self.root / r.choice(existing))
        return choice


def test_the_daemon_survives_a_soak_and_matches_a_fresh_scan(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="relnotes")
    vault = tmp_path / "live" / "Vault"
    rng = random.Random(1234)
    editor = Editor(vault, rng)
    editor.start(15)

    daemon = Daemon(vault, today=lambda: TODAY, tick=0.1, debounce=0.2)
    thread = threading.Thread(target=daemon.run, daemon=True)
    started = time.monotonic()
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not (daemon.builds >= 1 and daemon.watcher.started):
            assert time.monotonic() < deadline, "no first build"
            time.sleep(0.05)

        ops, kinds, first = 0, {}, None
        ops_deadline = time.monotonic() + OPS_BUDGET
        while ops < OPS and time.monotonic() < ops_deadline:
            for _ in range(rng.randint(1, 40)):  # a burst
                kind = editor.op()
                kinds[kind] = kinds.get(kind, 0) + 1
                ops += 1
                if ops == 200:
                    first = (rss_kb(), open_fds())
                if rng.random() < 0.5:
                    time.sleep(rng.uniform(0, 0.02))
            # between bursts: sometimes long enough for the debounce to end, so rebuilds interleave with edits
            time.sleep(rng.choice([0, 0.005, 0.02, 0.1, 0.19, 0.21, 0.25, 0.3]))
        assert ops >= OPS, f"only {ops} operations in {OPS_BUDGET} s"
        assert thread.is_alive()

        # idle: no build for 1.5 s after the last change, nothing queued
        last_change, builds = time.monotonic(), daemon.builds
        idle_deadline = time.monotonic() + 30
        while time.monotonic() - last_change < 1.5 or not daemon.watcher.events.empty():
            assert time.monotonic() < idle_deadline, "the daemon never went idle"
            time.sleep(0.05)
            if daemon.builds != builds:
                last_change, builds = time.monotonic(), daemon.builds
        seconds = time.monotonic() - started
        last = (rss_kb(), open_fds())
        live_summary = (vault / "relnotes.md").read_bytes()
        live_ics = (vault / ".relnotes" / "relnotes.ics").read_bytes()
    finally:
        daemon.stop()
        thread.join(timeout=10)
    assert not thread.is_alive()

    # a fresh, uncached scan of a copy of the final vault (same folder name: same obsidian:// URLs)
    copy = tmp_path / "fresh" / "Vault"
    shutil.copytree(vault, copy, ignore=lambda folder, names: [
        n for n in names if (Path(folder) == vault and n in ("relnotes.md", ".relnotes"))])
    scanned = subprocess.run([sys.executable, "-m", "relnotes", "scan", str(copy), "--today", TODAY.isoformat(),
                              "--no-cache", "--json"], capture_output=True, text=True, timeout=60)
    assert scanned.returncode == 0, scanned.stderr

    notes = len(editor.notes())
    print(f"\nsoak: {ops} ops {kinds}; {daemon.builds} rebuilds; {seconds:.1f} s; {notes} notes at the end; "
          f"RSS {first[0] / 1024:.1f} MB after 200 ops -> {last[0] / 1024:.1f} MB; fds {first[1]} -> {last[1]}; "
          f"final feed {live_ics.count(b'BEGIN:VEVENT')} events, summary {len(live_summary)} bytes")
    assert daemon.builds > 10  # rebuilds did interleave with the edits
    fresh_summary = (copy / "relnotes.md").read_bytes()
    fresh_ics = (copy / ".relnotes" / "relnotes.ics").read_bytes()
    assert live_summary == fresh_summary, _diff(live_summary, fresh_summary)
    assert live_ics == fresh_ics, _diff(live_ics, fresh_ics)
    assert last[1] <= first[1] + 10, f"file descriptors grew: {first[1]} -> {last[1]}"
    assert last[0] <= first[0] + 50 * 1024, f"RSS grew: {first[0]} kB -> {last[0]} kB"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


def _diff(live: bytes, fresh: bytes) -> str:
    import difflib

    return "daemon's output differs from a fresh scan:\n" + "\n".join(difflib.unified_diff(
        live.decode(errors="replace").splitlines(), fresh.decode(errors="replace").splitlines(),
        "daemon", "fresh scan", lineterm="", n=1))[:4000]


# --- incremental == from scratch, after every step ----------------------------------------------

STEPS = 120

CONFIGS = [
    "",
    'goal = { people = 3, per = "month" }\n',
    "[cadence]\npeer = \"2w\"\ndefault = \"30d\"\nfriend = \"1m\"\n",
    "[people]\ncontact_log = [\"Notes\"]\n",
    "dated_note_interactions = false\n",
    "[people]\nfolders = [\"People\", \"Archive\"]\n[meetings]\nfolders = [\"Meetings\"]\n",
    "[summary]\nwindow_days = 90\n[ics]\nmax_overdue = 3\n",
]


def files(root: Path) -> dict[str, tuple[int, int, int]]:
    """Every file of the vault but relnotes' own, with what a watcher would notice changing."""
    found = {}
    for folder, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".relnotes" or folder != str(root)]
        for name in names:
            path = Path(folder, name)
            rel = path.relative_to(root).as_posix()
            if rel != "relnotes.md":
                st = path.stat()
                found[rel] = (st.st_mtime_ns, st.st_size, st.st_ino)
    return found


def answers(pipeline: Pipeline, today: dt.date, result=None) -> dict:
    result = result or pipeline.evaluate(today)
    return {"outputs": {o.name: o.content for o in result.outputs},
            "report": json.dumps(to_json(result, pipeline.root), sort_keys=True, indent=1),
            "reminders": result.all_reminders}


def act(editor: Editor, rng: random.Random, vault: Path, reminders: list) -> None:
    """A line in the action log, as `relnotes log`/`snooze`/`done` add them, or one the user edited."""
    log = vault / "relnotes log.md"
    day, until = editor.day(60), editor.day(90)
    kind = rng.choice(["talked", "snoozed", "reminder", "done", "edit"])
    lines = log.read_text(encoding="utf-8", errors="replace").split("\n") if log.exists() else []
    if kind == "edit" and len(lines) > 3:  # the user changes a line's date, or breaks it
        at = rng.randrange(3, len(lines))  # below its marker: relnotes would refuse a log without it
        lines[at] = re.sub(r"\d{4}-\d{2}-\d{2}", day.isoformat(), lines[at], count=1) if rng.random() < 0.8 else (
            "- 2026-02-30 talked with nobody")
        editor.write("relnotes log.md", "\n".join(lines).encode())
        return
    if kind in ("reminder", "done") and reminders:
        reminder = rng.choice(reminders)
        line = (done_line(day, reminder) if kind == "done" else snoozed_line(day, until, reminder=reminder))
    elif kind == "snoozed":
        line = snoozed_line(day, until, link=editor.link())
    else:
        line = talked_line(day, editor.link(), rng.choice(["", "call", "coffee", "meeting"]), "")
    with contextlib.suppress(OutputRefused):  # the soak's edits made the log a note of the user's
        append_line(vault, log, line)


def step(editor: Editor, rng: random.Random, vault: Path, reminders: list = ()) -> str:
    """One random change: mostly the soak's operations on notes, sometimes an alias, the config,
    the action log."""
    choice = rng.random()
    if choice < 0.06:
        text = rng.choice(CONFIGS)
        (vault / ".relnotes").mkdir(exist_ok=True)
        (vault / ".relnotes" / "config.toml").write_text(text, encoding="utf-8")
        return "config"
    if choice < 0.14:  # a person note gains or loses an alias, or changes its name
        rel = f"People/{rng.choice(NAMES)}.md"
        alias = rng.choice([*NAMES, "JD", "Boss"])
        text = f"---\ntype: person\nrole: peer\naliases: [{alias}]\n---\n" if rng.random() < 0.7 else (
            "---\ntype: person\nrole: mentor\n---\n")
        editor.write(rel, text.encode())
        return "alias"
    if choice < 0.24:
        act(editor, rng, vault, list(reminders))
        return "action"
    return editor.op()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_builds_equal_builds_from_scratch(tmp_path, monkeypatch, seed):
    monkeypatch.setenv("RELNOTES_CACHE_DIR", str(tmp_path / "cache"))
    vault = tmp_path / "Vault"
    rng = random.Random(seed)
    editor = Editor(vault, rng)
    editor.start(12)
    today = TODAY
    kept = Pipeline(vault, autoload=False)
    kept.scan(today)
    before = files(vault)
    kinds: dict[str, int] = {}
    reminders: list = []
    for number in range(STEPS):
        for _ in range(rng.randint(1, 4)):
            kind = step(editor, rng, vault, reminders)
            kinds[kind] = kinds.get(kind, 0) + 1
        if rng.random() < 0.1:
            today += dt.timedelta(days=rng.choice([1, 1, 6, 40]))
            kinds["new day"] = kinds.get("new day", 0) + 1
        after = files(vault)
        changed = {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}
        before = after
        # as the daemon does: the paths the events named (the whole vault when a folder moved)
        folders_changed = {rel.rpartition("/")[0] for rel in changed} - {rel.rpartition("/")[0] for rel in after}
        kept.reload()
        kept.refresh(None if folders_changed or any("/" not in r and not r.endswith(".md") for r in changed)
                     else changed)
        incremental = answers(kept, today)
        warm = Pipeline(vault, autoload=False)
        warm_answers = answers(warm, today, warm.scan(today))
        fresh = Pipeline(vault, autoload=False, use_cache=False)
        fresh_answers = answers(fresh, today, fresh.scan(today))
        for name, got in (("incremental", incremental), ("warm scan", warm_answers)):
            assert got["report"] == fresh_answers["report"], f"step {number} ({kinds}): {name}: " + _diff(
                got["report"].encode(), fresh_answers["report"].encode())
            for output, content in fresh_answers["outputs"].items():
                assert got["outputs"].get(output) == content, f"step {number} ({kinds}): {name}: " + _diff(
                    got["outputs"].get(output, b""), content)
        reminders = fresh_answers["reminders"]
    assert {"create", "modify", "rename", "delete", "alias", "config", "new day", "action"} <= kinds.keys(), kinds
