"""Outputs are never half-written: a crash between write and rename, SIGKILL at random moments,
a full disk. Real subprocesses, real signals and (as root) a real tiny file system."""

import errno
import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from icalendar import Calendar

from relnotes.default_plugins.ics import MARKER as ICS_MARKER
from relnotes.notes import MARKER as SUMMARY_MARKER
from relnotes.testing import write_vault

A, B = "2026-11-25", "2026-11-26"
NOTES = {
    "People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n",
    "People/Bo.md": "---\ntype: person\nbirthday: 1990-12-01\n---\n",
    "People/Cy.md": "---\ntype: person\nrole: peer\nlast_contact: 2026-08-20\nbirthday: 1985-11-26\n---\n",
}
SUMMARY_START = b"---\ngenerated_by: relnotes"


def relnotes(*args, env=None, timeout=60):
    return subprocess.run([sys.executable, "-m", "relnotes", *map(str, args)], capture_output=True, text=True,
                          env=env, timeout=timeout)


def outputs(vault: Path) -> tuple[Path, Path]:
    return vault / ".relnotes" / "relnotes.ics", vault / "relnotes.md"


def leftovers(folder: Path) -> list[Path]:
    """Temporary files write_output leaves beside an output: ``.NAME.XXXXXXXX.tmp``."""
    return sorted(p for p in folder.iterdir() if p.name.startswith(".") and p.name.endswith(".tmp"))


def assert_complete_ics(data: bytes) -> None:
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    assert ICS_MARKER in data
    Calendar.from_ical(data)


def assert_complete_summary(data: bytes) -> None:
    assert data.startswith(SUMMARY_START) and data.endswith(b"\n")


def generated_notes(count: int, seed: int = 1) -> dict[str, str]:
    rnd = random.Random(seed)
    notes = {}
    for i in range(count):
        notes[f"People/Person {i:04d}.md"] = (
            f"---\ntype: person\nrole: peer\nbirthday: 19{rnd.randint(50, 99)}-{rnd.randint(1, 12):02d}-"
            f"{rnd.randint(1, 28):02d}\nlast_contact: 2026-{rnd.randint(1, 11):02d}-{rnd.randint(1, 28):02d}\n---\n"
            f"Met [[Person {rnd.randrange(count):04d}]] about things.\n"
            f"- [ ] follow up 📅 2026-11-{rnd.randint(1, 30):02d}\n")
    return notes


# --- 1a. killed between writing the temp file and renaming it -----------------------------------------------

CRASH_BEFORE_RENAME = textwrap.dedent("""
    import os, sys
    from pathlib import Path
    from relnotes import files

    def killed(*args, **kwargs):
        os._exit(9)  # as if killed right after the temp file was written and fsynced

    os.replace = killed
    files.write_output(Path(sys.argv[1]), Path(sys.argv[2]).read_bytes(), sys.argv[3].encode())
    os._exit(0)
""")


def crash_then_rescan(make_vault, tmp_path, which):
    vault = make_vault(NOTES)
    ics, summary = outputs(vault)
    assert relnotes("scan", vault, "--today", A).returncode == 0
    before = {"ics": ics.read_bytes(), "summary": summary.read_bytes()}
    # what --today B writes, generated in another vault of the same name
    twin = write_vault(tmp_path / "twin" / vault.name, NOTES)
    assert relnotes("scan", twin, "--today", B).returncode == 0
    after = dict(zip(("ics", "summary"), (p.read_bytes() for p in outputs(twin)), strict=False))
    assert before[which] != after[which]

    target = ics if which == "ics" else summary
    marker = ICS_MARKER if which == "ics" else SUMMARY_MARKER
    new = tmp_path / "new.bin"
    new.write_bytes(after[which])
    crashed = subprocess.run([sys.executable, "-c", CRASH_BEFORE_RENAME, str(target), str(new), marker.decode()],
                             capture_output=True, text=True, timeout=60)
    state = {"crash_code": crashed.returncode, "target_after_crash": target.read_bytes(),
             "left_after_crash": [(p.name, p.read_bytes()) for p in leftovers(target.parent)]}
    rescan = relnotes("scan", vault, "--today", B)
    state.update(before=before, after=after, target=target, vault=vault, rescan=rescan,
                 left_after_rescan=[p.name for p in leftovers(target.parent)])
    return state


@pytest.mark.parametrize("which", ["ics", "summary"])
def test_crash_between_write_and_rename_keeps_the_previous_file(make_vault, tmp_path, which):
    state = crash_then_rescan(make_vault, tmp_path, which)
    assert state["crash_code"] == 9
    assert state["target_after_crash"] == state["before"][which]  # byte for byte
    # what is left behind: one dot-temp file beside it, holding the complete new version
    ((name, data),) = state["left_after_crash"]
    assert name.startswith(f".{state['target'].name}.") and name.endswith(".tmp")
    assert data == state["after"][which]
    # the next normal scan writes complete, correct outputs
    assert state["rescan"].returncode == 0, state["rescan"].stderr
    ics, summary = outputs(state["vault"])
    assert ics.read_bytes() == state["after"]["ics"]
    assert summary.read_bytes() == state["after"]["summary"]
    assert_complete_ics(ics.read_bytes())
    assert_complete_summary(summary.read_bytes())
    print(f"\n[crash/{which}] temp files left after the next scan: {state['left_after_rescan']}")


def test_the_next_scan_cleans_up_a_stale_temp_file(make_vault, tmp_path):
    state = crash_then_rescan(make_vault, tmp_path, "summary")
    assert state["rescan"].returncode == 0
    assert state["left_after_rescan"] == []


# --- 1b. SIGKILL at random moments ------------------------------------------------------------------------------

def test_sigkill_at_random_moments_never_leaves_a_partial_output(tmp_path):
    vault = write_vault(tmp_path / "Big", generated_notes(2000))
    ics, summary = outputs(vault)
    complete = {}
    timings = {}
    for day in (A, B):
        started = time.monotonic()
        done = relnotes("scan", vault, "--today", day)
        timings[day] = time.monotonic() - started
        assert done.returncode == 0, done.stderr
        complete[day] = (ics.read_bytes(), summary.read_bytes())
    for data, text in complete.values():
        assert_complete_ics(data)
        assert_complete_summary(text)
    assert complete[A] != complete[B]
    full = timings[B]  # a cached scan, as in the runs below
    ics.unlink()
    summary.unlink()

    seed = int(time.time())
    rnd = random.Random(seed)
    killed, finished, absent, in_write = 0, 0, 0, 0
    started_all = time.monotonic()
    for run in range(20):
        # alternate the day so every run has something new to write over the previous outputs
        day = A if ics.exists() and ics.read_bytes() == complete[B][0] else B
        # a third of the kills at any moment of the run, the others while an output's temp file is
        # being written (watched from here), after a further random 0-20 ms
        mode = ("anytime", "ics", "summary")[run % 3]
        folder, prefix = (ics.parent, ".relnotes.ics.") if mode == "ics" else (vault, ".relnotes.md.")
        old_temps = {p.name for p in leftovers(ics.parent if ics.parent.exists() else vault) + leftovers(vault)}
        proc = subprocess.Popen([sys.executable, "-m", "relnotes", "scan", str(vault), "--today", day],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if mode == "anytime":
            try:
                proc.wait(timeout=rnd.uniform(0.0, 1.1 * full))
            except subprocess.TimeoutExpired:
                proc.kill()  # SIGKILL
        else:
            deadline = time.monotonic() + 10 * full + 5
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    names = os.listdir(folder)
                except FileNotFoundError:
                    names = []
                if any(n.startswith(prefix) and n.endswith(".tmp") and n not in old_temps for n in names):
                    time.sleep(rnd.uniform(0.0, 0.02))
                    in_write += proc.poll() is None
                    break
                time.sleep(0.0005)
            proc.kill()  # SIGKILL (a no-op if it has finished)
        code = proc.wait(timeout=30)
        killed += code == -9
        finished += code == 0
        assert code in (0, -9)
        for path, index in ((ics, 0), (summary, 1)):
            if path.exists():
                data = path.read_bytes()
                assert data in (complete[A][index], complete[B][index]), f"run {run} (seed {seed}): partial {path.name}"
            else:
                absent += 1
    temps = leftovers(ics.parent) + leftovers(vault)
    print(f"\n[sigkill] seed {seed}: full scan {full * 1000:.0f} ms; 20 runs in "
          f"{time.monotonic() - started_all:.1f} s: {killed} killed ({in_write} while an output was being written), "
          f"{finished} finished; {absent} checks found an output still absent (never written yet); "
          f"temp files left behind by the kills: {len(temps)}")
    assert in_write >= 1, "no kill landed while an output was being written"
    # the ICS is checked by equality with a complete version; parse the survivors once more anyway
    if ics.exists():
        assert_complete_ics(ics.read_bytes())

    # afterwards a normal scan (cache and all) gives the complete outputs
    done = relnotes("scan", vault, "--today", A)
    assert done.returncode == 0, done.stderr
    assert (ics.read_bytes(), summary.read_bytes()) == complete[A]


# --- 2. disk full ------------------------------------------------------------------------------------------------

FULL_DISK = textwrap.dedent("""
    import errno, os, sys

    OUT = os.path.realpath(sys.argv.pop(1))
    real_fdopen = os.fdopen

    class Full:
        '''A file on a full disk: half the data goes in, then ENOSPC.'''
        def __init__(self, handle):
            self._handle = handle
        def write(self, data):
            self._handle.write(bytes(data[: len(data) // 2]))
            self._handle.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        def __getattr__(self, name):
            return getattr(self._handle, name)
        def __enter__(self):
            return self
        def __exit__(self, *exc):
            self._handle.close()
            return False

    def fdopen(fd, *args, **kwargs):
        handle = real_fdopen(fd, *args, **kwargs)
        try:
            where = os.path.dirname(os.readlink(f"/proc/self/fd/{fd}"))
        except OSError:
            return handle
        return Full(handle) if where == OUT else handle

    os.fdopen = fdopen
    from relnotes.cli import main
    sys.argv[0] = "relnotes"
    main()
""")


def _mount_tmpfs(folder: Path, size: str) -> str | None:
    """Mount a tiny tmpfs on ``folder``; the reason it cannot be done, or None."""
    if os.geteuid() != 0:
        return "not root: cannot mount a tiny tmpfs"
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    return None if done.returncode == 0 else f"mount -t tmpfs failed: {done.stderr.strip()}"


def _fill(folder: Path, keep_free: int) -> None:
    """Fill ``folder``'s file system, then free ``keep_free`` bytes (so a write starts, then fails)."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:
        for _ in range(1000):  # 64 KiB of 4 KiB blocks; bounded anyway
            try:
                handle.write(b"\0" * 4096)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
        else:
            raise AssertionError("the file system never filled up")
    os.truncate(filler, max(0, filler.stat().st_size - keep_free))


@pytest.fixture(scope="module", params=["tmpfs", "simulated"])
def disk_full(request, tmp_path_factory):
    root = tmp_path_factory.mktemp(f"diskfull-{request.param}")
    env = {**os.environ, "RELNOTES_CONFIG_DIR": str(root / "config"), "RELNOTES_CACHE_DIR": str(root / "cache"),
           "RELNOTES_DISABLE_PLUGIN_AUTOLOAD": "1"}
    out = root / "out"
    out.mkdir()
    mounted = False
    if request.param == "tmpfs":
        reason = _mount_tmpfs(out, "64k")
        if reason:
            pytest.skip(reason + " (the 'simulated' variant covers ENOSPC)")
        mounted = True
    try:
        vault = write_vault(root / "Vault", NOTES)
        feed = out / "feed.ics"
        first = relnotes("scan", vault, "--today", A, "--ics", feed, env=env)
        assert first.returncode == 0, first.stderr
        previous = feed.read_bytes()
        assert len(previous) < 16_000
        if mounted:
            _fill(out, keep_free=8192)
        # enough new notes that the new feed is far bigger than the space left
        write_vault(vault, {f"People/More {i:03d}.md": f"---\ntype: person\nbirthday: 1980-12-{i % 28 + 1:02d}\n---\n"
                            for i in range(120)})
        if mounted:
            run = relnotes("scan", vault, "--today", A, "--ics", feed, env=env)
        else:
            run = subprocess.run([sys.executable, "-c", FULL_DISK, str(out), "scan", str(vault), "--today", A,
                                  "--ics", str(feed)], capture_output=True, text=True, env=env, timeout=60)
        yield {"run": run, "feed": feed, "previous": previous, "now": feed.read_bytes(), "out": out,
               "left": [p.name for p in leftovers(out)], "summary": outputs(vault)[1]}
    finally:
        if mounted:
            done = subprocess.run(["umount", str(out)], capture_output=True)
            if done.returncode != 0:
                subprocess.run(["umount", "-l", str(out)], capture_output=True)


def test_disk_full_exit_3_previous_feed_intact_no_temp_left(disk_full):
    run = disk_full["run"]
    print(f"\n[disk full] exit {run.returncode}; stderr: {run.stderr.strip()!r}")
    assert run.returncode == 3
    assert "No space left on device" in run.stderr or "ENOSPC" in run.stderr
    assert "ics" in run.stderr
    assert disk_full["now"] == disk_full["previous"]  # byte for byte
    assert disk_full["left"] == []
    assert run.stdout.strip()  # the report is still printed
    assert_complete_summary(disk_full["summary"].read_bytes())  # the other output was still written


def test_disk_full_error_names_the_file(disk_full):
    assert str(disk_full["feed"]) in disk_full["run"].stderr


# --- a vault's config cannot send outputs outside the vault ---------------------------------------

@pytest.mark.parametrize("table, path", [
    ("ics", "~/.bash_profile"), ("ics", "../../x.ics"), ("summary", "../outside.md"),
    ("ics", "/tmp/relnotes-elsewhere.ics"), ("summary", "~/.config/autostart/x.md"),
])
def test_a_vault_config_cannot_write_outside_the_vault(tmp_path, table, path):
    home = tmp_path / "home"
    home.mkdir()
    vault = write_vault(tmp_path / "vault", {"People/Ann.md": "---\nrole: peer\n---\n"}, f'[{table}]\npath = "{path}"\n')
    before = set(tmp_path.rglob("*"))
    proc = relnotes("scan", str(vault), "--today", "2026-11-25", env={"HOME": str(home)})
    assert proc.returncode == 1
    assert f"{table}.path: {path!r} is outside the vault" in proc.stderr
    assert "give the path on the command line instead" in proc.stderr
    assert set(tmp_path.rglob("*")) == before and not Path("/tmp/relnotes-elsewhere.ics").exists()


def test_a_symlink_in_the_vault_cannot_lead_an_output_out(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    vault = write_vault(tmp_path / "vault", {"People/Ann.md": "---\nrole: peer\n---\n"}, '[summary]\npath = "out/s.md"\n')
    (vault / "out").symlink_to(outside, target_is_directory=True)
    proc = relnotes("scan", str(vault), "--today", "2026-11-25")
    assert proc.returncode == 1 and "summary.path: 'out/s.md' is outside the vault" in proc.stderr
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize("planted", [".relnotes/relnotes-tasks.ics", ".relnotes/relnotes-celebrations.ics"])
def test_a_symlink_planted_where_a_calendar_per_kind_goes_cannot_lead_it_out(tmp_path, planted):
    """A path no setting names (a calendar per kind, beside the feed) is checked as the feed's is."""
    outside = tmp_path / "outside"
    outside.mkdir()
    vault = write_vault(tmp_path / "vault", {"People/Ann.md": "---\nrole: peer\n---\n"})
    (vault / ".relnotes").mkdir(exist_ok=True)
    (vault / planted).symlink_to(outside / "created-by-relnotes.txt")
    proc = relnotes("scan", str(vault), "--today", "2026-11-25")
    assert proc.returncode == 3 and f"{planted.split('/')[1]} is outside the vault" in proc.stderr, proc.stderr
    assert list(outside.iterdir()) == []
    assert (vault / ".relnotes/relnotes.ics").exists() and (vault / ".relnotes/relnotes-follow-ups.ics").exists()


def test_the_command_line_may_choose_a_place_outside(tmp_path):
    vault = write_vault(tmp_path / "vault", {"People/Ann.md": "---\nrole: peer\n---\n"})
    feed = tmp_path / "feeds" / "work.ics"
    feed.parent.mkdir()
    proc = relnotes("scan", str(vault), "--today", "2026-11-25", "--ics", str(feed))
    assert proc.returncode == 0, proc.stderr
    assert feed.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert (feed.parent / "work-tasks.ics").read_bytes().startswith(b"BEGIN:VCALENDAR")  # beside it, as chosen


# --- "is this file ours?" looks at the file's first lines, and again right before the rename -----

@pytest.mark.parametrize("name, text", [
    ("summary", "# My relnotes notes\n\nThe summary starts with `generated_by: relnotes` in its frontmatter.\n"),
    ("summary", "---\ntitle: mine\n---\nI wrote generated_by: relnotes here.\n"),
    ("ics", "BEGIN:VCALENDAR\r\nPRODID:-//me//EN\r\nX-NOTE:copied from PRODID:-//relnotes//relnotes//EN\r\n"),
])
def test_a_file_that_merely_mentions_the_marker_is_not_replaced(tmp_path, name, text):
    vault = write_vault(tmp_path / "vault", {"People/Ann.md": "---\nrole: peer\n---\n"})
    ics, summary = outputs(vault)
    path = summary if name == "summary" else ics
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode())
    proc = relnotes("scan", str(vault), "--today", "2026-11-25")
    assert proc.returncode == 3 and "relnotes did not generate it" in proc.stderr
    assert path.read_bytes() == text.encode()


def test_a_note_put_at_the_path_while_relnotes_writes_is_not_replaced(tmp_path, monkeypatch):
    """Another program (a sync, the user) creates a note at the summary's path after the first
    check, while the new summary is written out: the check right before the rename keeps it."""
    import relnotes.files
    from relnotes.files import OutputRefused, write_output

    path = tmp_path / "relnotes.md"
    mine = b"# my own note\n"
    real = relnotes.files._temp_beside

    def meanwhile(*args, **kwargs):
        tmp = real(*args, **kwargs)
        path.write_bytes(mine)  # the note arrives between the check and the rename
        return tmp

    monkeypatch.setattr(relnotes.files, "_temp_beside", meanwhile)
    with pytest.raises(OutputRefused):
        write_output(path, b"---\ngenerated_by: relnotes\n---\n", SUMMARY_MARKER)
    assert path.read_bytes() == mine and leftovers(tmp_path) == []


def test_a_templates_folder_outside_the_vault_gets_no_templates(tmp_path):
    vault = write_vault(tmp_path / "deep" / "vault", {"People/Ann.md": "---\nrole: peer\n---\n"},
                        obsidian={"templates.json": {"folder": "../../x"}})
    proc = relnotes("init", str(vault), "--templates")
    assert proc.returncode == 1 and "is outside the vault: templates are written only inside it" in proc.stderr
    assert not (tmp_path / "x").exists() and not (vault / ".relnotes/config.toml").exists()


def test_a_newline_in_the_vault_path_cannot_write_lines_into_the_service(tmp_path):
    vault = tmp_path / "v\nExecStartPre=touch evil"
    vault.mkdir()
    proc = relnotes("service", str(vault), "--platform", "linux")
    assert proc.returncode == 1 and "holds a control character" in proc.stderr and "ExecStartPre" not in proc.stdout


# --- what a scan says it wrote, and where -----------------------------------------------------------

def test_a_refused_summary_is_not_reported_as_written(tmp_path):
    vault = write_vault(tmp_path / "vault", {**NOTES, "relnotes.md": "# mine\n"})
    text = relnotes("scan", str(vault), "--today", A)
    assert text.returncode == 3 and "Error: summary: refusing to overwrite" in text.stderr
    assert "Calendar feed: " in text.stdout and "Summary note: " not in text.stdout
    as_json = relnotes("scan", str(vault), "--today", A, "--json")
    assert as_json.returncode == 3
    assert [o["name"] for o in __import__("json").loads(as_json.stdout)["outputs"]] == ["ics", "ics-celebrations", "ics-follow-ups", "ics-tasks"]
    assert (vault / "relnotes.md").read_text() == "# mine\n"


@pytest.mark.parametrize("which", ["ics", "summary"])
def test_a_symlinked_output_stays_a_symlink(tmp_path, which):
    vault = write_vault(tmp_path / "vault", NOTES)
    ics, summary = outputs(vault)
    link = ics if which == "ics" else summary
    target = vault / "Synced" / ("feed.ics" if which == "ics" else "Summary.md")
    target.parent.mkdir()
    link.parent.mkdir(exist_ok=True)
    link.symlink_to(target)  # dangling at first: the first scan creates the target
    written = []
    for day in (A, B):
        proc = relnotes("scan", str(vault), "--today", day)
        assert proc.returncode == 0, proc.stderr
        assert link.is_symlink() and os.readlink(link) == str(target)
        written.append(target.read_bytes())
    assert all(data.startswith(b"BEGIN:VCALENDAR" if which == "ics" else SUMMARY_START) for data in written)
    assert written[0] != written[1]  # the second day's replaced the first's, through the link


def test_an_ics_path_in_a_folder_that_does_not_exist_is_refused(tmp_path):
    vault = write_vault(tmp_path / "vault", NOTES)
    missing = tmp_path / "nonexistent-dir" / "x.ics"
    proc = relnotes("scan", str(vault), "--today", A, "--ics", str(missing))
    assert proc.returncode == 2 and f"{missing.parent} is not a folder" in proc.stderr
    assert not missing.parent.exists()
