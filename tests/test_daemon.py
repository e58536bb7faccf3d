"""The watch daemon, for real: watchdog on a temporary vault, a thread or a subprocess, bounded waits."""

import datetime as dt
import errno
import logging
import os
import plistlib
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
from click.testing import CliRunner

from relnotes.cli import cli
from relnotes.daemon import Daemon
from relnotes.testing import wait_for

NOTES = {
    "People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n",
    "People/Bo.md": "---\ntype: person\nrole: peer\nlast_contact: 2026-09-01\n---\n",  # due 11-30
}


class Running:
    """A daemon on its own thread."""

    def __init__(self, vault, **options):
        self.clock = {"today": dt.date(2026, 11, 25)}
        options.setdefault("today", lambda: self.clock["today"])
        self.daemon = Daemon(vault, tick=0.1, debounce=0.3, **options)
        self.vault = vault
        self.thread = threading.Thread(target=self.daemon.run, daemon=True)
        self.thread.start()
        wait_for(lambda: self.daemon.builds >= 1 and self.daemon.watcher.started, what="first build")

    def summary(self):
        return (self.vault / "relnotes.md").read_text(encoding="utf-8")

    def settle(self, builds, timeout=10.0):
        wait_for(lambda: self.daemon.builds >= builds, timeout, f"{builds} builds")
        time.sleep(0.5)  # and nothing else pending
        return self.daemon.builds

    def stop(self):
        self.daemon.stop()
        self.thread.join(timeout=5)
        assert not self.thread.is_alive()


def watch_cli(vault, env, *args):
    """``relnotes watch VAULT --today 2026-11-25 ARGS`` in a subprocess, its output captured as text."""
    return subprocess.Popen([sys.executable, "-m", "relnotes", "watch", str(vault), "--today", "2026-11-25", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


@pytest.fixture
def running(make_vault):
    handles = []

    def start(notes=NOTES, **options):
        handle = Running(make_vault(notes), **options)
        handles.append(handle)
        return handle

    yield start
    for handle in handles:
        handle.stop()


def test_an_edit_updates_the_outputs_within_a_second_or_so(running):
    r = running()
    assert "Get in touch with [[People/Ann|Ann]] — 10 days late" in r.summary()
    started = time.monotonic()
    (r.vault / "Daily").mkdir()
    (r.vault / "Daily/2026-11-24.md").write_text("Lunch with [[Ann]]")
    wait_for(lambda: "Ann|Ann]] — 10 days late" not in r.summary(), what="summary updated")
    assert time.monotonic() - started < 3
    assert b"Get in touch with Ann (due since" not in (r.vault / ".relnotes/relnotes.ics").read_bytes()


def test_a_burst_of_500_writes_gives_a_bounded_number_of_rebuilds(running):
    r = running()
    before = r.daemon.builds
    (r.vault / "Daily").mkdir()
    for i in range(500):
        (r.vault / f"Daily/2026-10-{i % 28 + 1:02d}.md").write_text(f"note {i} with [[Bo]]")
    r.settle(before + 1)
    assert r.daemon.builds - before <= 3
    assert r.daemon.result.vault.notes and len(r.daemon.result.vault.notes) == 2 + 28
    bo = next(p for p in r.daemon.result.vault.people if p.name == "Bo")
    assert [i.date.day for i in bo.interactions][-1] == 28


def test_atomic_save_rename_and_folder_rename_are_seen(running):
    r = running()
    # an editor saving through a temp file and a rename
    tmp = r.vault / "People/.Ann.md.swp"
    tmp.write_text("---\ntype: person\nrole: manager\nlast_contact: 2026-11-20\n---\n")
    os.replace(tmp, r.vault / "People/Ann.md")
    wait_for(lambda: "Ann|Ann]] — Fri 2026-12-04" in r.summary(), what="atomic save seen")
    # a note renamed
    os.rename(r.vault / "People/Bo.md", r.vault / "People/Bob.md")
    wait_for(lambda: "[[People/Bob|Bob]]" in r.summary() and "People/Bo|" not in r.summary(), what="rename seen")
    # a folder renamed with its notes
    os.rename(r.vault / "People", r.vault / "Team")
    (r.vault / ".relnotes/config.toml").write_text('people_folder = "Team"\n')
    wait_for(lambda: "[[Team/Ann|Ann]]" in r.summary() and "[[Team/Bob|Bob]]" in r.summary(),
             what="folder rename seen")


def test_deleting_a_person_removes_their_reminders(running):
    r = running()
    (r.vault / "People/Ann.md").unlink()
    wait_for(lambda: "Ann" not in r.summary(), what="Ann gone")
    assert b"Ann" not in (r.vault / ".relnotes/relnotes.ics").read_bytes()
    assert "Bo" in r.summary()


def test_own_writes_trigger_no_rebuild(running):
    r = running()
    (r.vault / "Daily").mkdir()
    (r.vault / "Daily/2026-11-24.md").write_text("[[Ann]]")  # one real change: outputs rewritten
    count = r.settle(2)
    time.sleep(2)
    assert r.daemon.builds == count  # flat while idle, though the outputs were written


def test_reading_the_vault_is_no_event_for_the_watcher(running, caplog):
    """Opening and reading files (every note, by a first build; the feed, by a calendar app) is
    not asked of the kernel at all: 100,000 notes read made 200,000 events the watcher's threads
    had to turn down while the first build ran. Writing still is one."""
    r = running()
    caplog.set_level(logging.DEBUG, logger="watchdog.observers.inotify_move_event_grouper")
    for path in [*r.vault.rglob("*.md"), r.vault / ".relnotes" / "relnotes.ics"]:
        path.read_bytes()
    time.sleep(0.5)
    assert not [m for m in caplog.messages if m.startswith("in-event")], caplog.messages
    (r.vault / "People/Ann.md").write_text("---\ntype: person\nrole: peer\n---\nHi\n")
    wait_for(lambda: any("IN_CLOSE_WRITE" in m for m in caplog.messages), what="the write seen")


def test_a_date_change_triggers_a_rebuild(running):
    r = running()
    count = r.settle(1)
    r.clock["today"] = dt.date(2026, 11, 26)
    wait_for(lambda: r.daemon.builds == count + 1, what="rebuild at midnight")
    assert "2026-11-26" in r.summary() and "11 days late" in r.summary()


def test_broken_and_vanishing_notes_and_the_vault_coming_back(running, tmp_path):
    r = running()
    (r.vault / "People/Broken.md").write_bytes(b"---\nrole: [x\n---\n\xff")
    wait_for(lambda: "[[People/Broken|Broken]], line 2" in r.summary(), what="warning shown")
    good = r.summary()
    moved = tmp_path / "elsewhere"
    shutil.move(r.vault, moved)  # the vault disappears (an unmounted disk, a sync client)
    time.sleep(1)
    assert r.thread.is_alive()
    assert (moved / "relnotes.md").read_text() == good  # outputs untouched, never half-written
    shutil.move(moved, r.vault)
    (r.vault / "People/Cy.md").write_text("---\ntype: person\nrole: mentor\n---\n")
    wait_for(lambda: "[[People/Cy|Cy]]" in r.summary(), what="watching again after the vault came back")


def test_falls_back_to_polling_when_the_watch_limit_is_reached(running, caplog):
    from watchdog.observers import Observer

    class Exhausted(Observer):
        def schedule(self, *args, **kwargs):
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    r = running(observer_factory=Exhausted)
    assert type(r.daemon.watcher._observer).__name__ == "PollingObserver"
    assert "inotify watch limit is reached" in caplog.text
    (r.vault / "People/Cy.md").write_text("---\ntype: person\nrole: mentor\n---\n")
    wait_for(lambda: "[[People/Cy|Cy]]" in r.summary(), timeout=15, what="change seen by polling")


def test_the_real_command_logs_rebuilds_and_stops_on_sigterm(make_vault, tmp_path):
    vault = make_vault(NOTES)
    env = {**os.environ, "RELNOTES_CONFIG_DIR": str(tmp_path / "config")}
    proc = watch_cli(vault, env, "--serve", "--port", "0")
    try:
        wait_for((vault / "relnotes.md").exists, what="first build")
        (vault / "People/Cy.md").write_text("---\ntype: person\nrole: mentor\n---\n")
        wait_for(lambda: "Cy" in (vault / "relnotes.md").read_text(), what="rebuild")
        time.sleep(0.3)
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert time.monotonic() - started < 10  # at once, not at its next wake-up (a minute or more away)
    finally:
        proc.kill()
    out, err = proc.communicate()
    assert "Serving the calendar feed" in out and "/<token>/relnotes.ics" in out  # stdout is no terminal
    token = CliRunner().invoke(cli, ["token", str(vault)]).output.strip().split("/")[1]
    assert token not in out and token not in err  # the secret reaches no log
    lines = [line for line in err.splitlines() if "rebuilt for 2026-11-25" in line]
    assert len(lines) == 2, err
    assert ("(start; 2 notes re-read): 2 reminders, 1 overdue, 0 warnings; "
            "wrote ics, ics-celebrations, ics-follow-ups, ics-tasks, summary") in lines[0]
    assert "(changed People/Cy.md; 1 notes re-read)" in lines[1]


def test_watch_serves_each_calendar_as_it_writes_it(make_vault, relnotes_server, tmp_path):
    """`watch --serve` offers the feed and one calendar per kind, the very bytes of the files it writes,
    and serves each one's next version after an edit."""
    vault = make_vault(NOTES)
    server = relnotes_server(vault, {**os.environ}, tmp_path / "watch.log", watch=True)
    try:
        folder = vault / ".relnotes"
        files = {"relnotes.ics": "relnotes.ics", **{f"{kind}.ics": f"relnotes-{kind}.ics"
                                                    for kind in ("celebrations", "follow-ups", "tasks")}}
        assert [path.rsplit("/", 1)[1] for path in server.feeds] == list(files)
        for path in server.feeds:
            status, _, body = server.request(path=path)
            assert status == 200 and body == (folder / files[path.rsplit("/", 1)[1]]).read_bytes()
        (vault / "People/Cy.md").write_text("---\ntype: person\nrole: mentor\nbirthday: 1990-12-24\n---\n")
        body = wait_for(lambda: b"Cy's birthday" in (b := server.request(path=server.feeds[1])[2]) and b)
        assert body == (folder / "relnotes-celebrations.ics").read_bytes()
    finally:
        code, log = server.stop()
    assert code == 0 and server.token not in log


def test_watch_rejects_serve_without_the_feed(make_vault):
    result = CliRunner().invoke(cli, ["watch", str(make_vault(NOTES)), "--serve", "--no-ics"])
    assert result.exit_code == 2 and "--no-ics" in result.output


def test_service_definitions(make_vault, tmp_path, monkeypatch):
    vault = make_vault({"A.md": "x"})
    (vault.parent / "my vault %$").mkdir()
    odd = vault.parent / "my vault %$"
    unit = CliRunner().invoke(cli, ["service", str(odd), "--platform", "linux"]).output
    assert unit.startswith("# generated by relnotes")
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_start == (f'ExecStart="{sys.executable}" "-m" "relnotes" "watch" '
                          f'"{str(odd.resolve()).replace("%", "%%").replace("$", "$$")}"')
    assert "Restart=on-failure" in unit and "WantedBy=default.target" in unit

    agent = CliRunner().invoke(cli, ["service", str(vault), "--platform", "macos", "--serve", "--port", "9000"]).output
    parsed = plistlib.loads(agent.encode())
    assert parsed["ProgramArguments"] == [sys.executable, "-m", "relnotes", "watch", str(vault.resolve()),
                                          "--serve", "--port", "9000"]
    assert parsed["RunAtLoad"] is True and parsed["Label"].startswith("org.relnotes.watch.vault0-")

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    installed = CliRunner().invoke(cli, ["service", str(vault), "--platform", "linux", "--install"])
    assert installed.exit_code == 0, installed.output
    (path,) = (tmp_path / "xdg/systemd/user").iterdir()
    assert path.name.startswith("relnotes-vault0-") and path.suffix == ".service"
    assert "systemctl --user daemon-reload && systemctl --user enable --now" in installed.output
    again = CliRunner().invoke(cli, ["service", str(vault), "--platform", "linux", "--install"])
    assert "Already installed" in again.output
    path.write_text("[Service]\nExecStart=/bin/true\n")  # someone else's unit
    refused = CliRunner().invoke(cli, ["service", str(vault), "--platform", "linux", "--install"])
    assert refused.exit_code == 1 and "refusing to overwrite" in refused.stderr
    assert path.read_text() == "[Service]\nExecStart=/bin/true\n"


SLOW_PLUGIN = '''\
import os, pathlib, time
from relnotes import hookimpl

@hookimpl
def relnotes_reminders(vault, config, today):
    pathlib.Path(os.environ["BUILD_STARTED"]).touch()
    time.sleep(120)  # a build as long as a first read of a huge vault
    return []
'''


def test_sigterm_during_a_long_first_build_stops_at_once(make_vault, tmp_path):
    vault = make_vault({**NOTES, ".relnotes/plugins/slow.py": SLOW_PLUGIN,
                        ".relnotes/config.toml": '[plugins]\nlocal = ["slow"]\n'})
    env = {**os.environ, "RELNOTES_CONFIG_DIR": str(tmp_path / "config"), "BUILD_STARTED": str(tmp_path / "started")}
    trust = subprocess.run([sys.executable, "-m", "relnotes", "trust", str(vault), "slow"], env=env,
                           capture_output=True, text=True)
    assert trust.returncode == 0, trust.stderr
    proc = watch_cli(vault, env)
    try:
        wait_for((tmp_path / "started").exists, timeout=30, what="the build to start")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0  # not after the plugin's 120 s
    finally:
        proc.kill()
    _, err = proc.communicate()
    assert "stopped during a build" in err and "Traceback" not in err
    assert not [p.name for p in vault.rglob("*.tmp")]  # no temp file left behind


def test_a_vault_nested_1100_folders_deep_is_watched(make_vault):
    vault = make_vault(NOTES)
    folders = [vault / ("d/" * depth) for depth in range(1, 1101)]
    for folder in folders:  # deeper than Python's default recursion limit (watchdog walks recursively)
        folder.mkdir()
    handle = None
    try:
        handle = Running(vault)  # watching starts with the whole tree
        assert handle.daemon.watcher.started and handle.daemon.watcher.healthy()
        builds = handle.daemon.builds
        (folders[-1] / "Deep note.md").write_text("Lunch with [[Bo]]\n")
        handle.settle(builds + 1)
        assert any(note.path.endswith("/d/Deep note.md") for note in handle.daemon.result.vault.notes)
    finally:  # shutil.rmtree (pytest's clean-up of old temporary folders) recurses too: leave no such tree
        if handle is not None:
            handle.stop()
        (folders[-1] / "Deep note.md").unlink(missing_ok=True)
        for folder in reversed(folders):
            folder.rmdir()


def test_an_inotify_queue_overflow_means_a_full_reconcile(make_vault, tmp_path):
    vault = make_vault(NOTES)
    env = {**os.environ, "RELNOTES_CONFIG_DIR": str(tmp_path / "config")}
    proc = watch_cli(vault, env)
    try:
        flood = vault / ".flood"  # a folder relnotes ignores, but watched
        flood.mkdir()
        wait_for((vault / "relnotes.md").exists, what="first build")
        time.sleep(0.5)
        proc.send_signal(signal.SIGSTOP)  # the daemon reads no event: the kernel's queue fills up
        with open("/proc/sys/fs/inotify/max_queued_events") as limit:
            queue_size = int(limit.read())
        for i in range(queue_size + 100):  # at least one event each
            (flood / str(i)).touch()
        (vault / "People/Zed.md").write_text("---\ntype: person\nrole: mentor\n---\n")  # its events are dropped
        proc.send_signal(signal.SIGCONT)
        wait_for(lambda: "Zed" in (vault / "relnotes.md").read_text(), timeout=30, what="a reconcile")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
    _, err = proc.communicate()
    assert "(events were lost (the inotify queue overflowed);" in err


def test_a_running_daemon_follows_edits_to_the_outputs_config(running):
    handle = running()
    config = handle.vault / ".relnotes/config.toml"
    config.parent.mkdir(exist_ok=True)
    builds = handle.daemon.builds
    config.write_text('[summary]\npath = "CRM/Summary.md"\n[ics]\nname = "Work contacts"\n')
    handle.settle(builds + 1)
    assert "Get in touch with [[People/Bo|Bo]]" in (handle.vault / "CRM/Summary.md").read_text()
    assert b"X-WR-CALNAME:Work contacts" in (handle.vault / ".relnotes/relnotes.ics").read_bytes()
    (handle.vault / ".relnotes/relnotes.ics").unlink()
    config.write_text('[summary]\npath = "CRM/Summary.md"\n[ics]\nenabled = false\n')
    handle.settle(handle.daemon.builds + 1)
    assert not (handle.vault / ".relnotes/relnotes.ics").exists()


@pytest.mark.parametrize("output", ["relnotes.md", ".relnotes/relnotes.ics", ".relnotes/relnotes-follow-ups.ics"])
def test_a_deleted_output_is_written_again(running, output):
    handle = running()
    written = (handle.vault / output).read_bytes()
    builds = handle.daemon.builds
    (handle.vault / output).unlink()
    handle.settle(builds + 1)
    assert (handle.vault / output).read_bytes() == written


def test_a_deleted_calendar_per_kind_is_written_again_after_a_config_change(running):
    """Reloading the config keeps the calendars per kind among relnotes' own files."""
    handle = running()
    config = handle.vault / ".relnotes/config.toml"
    builds = handle.daemon.builds
    config.write_text("[summary]\nenabled = true\n")
    handle.settle(builds + 1)
    calendar = handle.vault / ".relnotes/relnotes-follow-ups.ics"
    written, builds = calendar.read_bytes(), handle.daemon.builds
    calendar.unlink()
    handle.settle(builds + 1)
    assert calendar.read_bytes() == written


def test_scan_and_watch_agree_about_a_users_note_at_the_summary_path(make_vault):
    notes = {**NOTES, "relnotes.md": "# My own log\n\n2026-11-20 lunch with [[Bo]]\n"}
    scanned = CliRunner().invoke(cli, ["scan", str(make_vault(notes)), "--today", "2026-11-25", "--json"])
    vault = make_vault(notes)
    handle = Running(vault)
    try:
        assert handle.daemon.result is not None
        watched = handle.daemon.result
        data = __import__("json").loads(scanned.stdout)
        assert data["counts"]["notes"] == len(watched.vault.notes) == 3
        assert (vault / "relnotes.md").read_text() == notes["relnotes.md"]  # refused by both, never replaced
    finally:
        handle.stop()


def test_the_debounce_can_be_set(make_vault, tmp_path):
    vault = make_vault(NOTES)
    assert CliRunner().invoke(cli, ["watch", str(vault), "--debounce", "0"]).exit_code == 2  # 0.05 s at least
    env = {**os.environ, "RELNOTES_CONFIG_DIR": str(tmp_path / "config")}
    proc = watch_cli(vault, env, "--debounce", "2.5", "-v")
    try:
        wait_for((vault / "relnotes.md").exists, what="first build")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
    finally:
        proc.kill()
    assert "Observer (debounce 2.5 s)" in proc.communicate()[1]


def test_an_output_replaced_by_a_note_of_the_users_is_never_overwritten(running, caplog):
    """The daemon remembers what it left at each output's path (so an unchanged output is not
    read again), but a file that changed since is looked at, and a note there is kept."""
    handle = running()
    mine = "# My own relnotes page\n"
    summary = handle.vault / "relnotes.md"
    summary.unlink()
    summary.write_text(mine)  # same path, another file: the user's
    builds = handle.daemon.builds
    (handle.vault / "People/Cy.md").write_text("---\ntype: person\nrole: mentor\n---\n")
    handle.settle(builds + 1)
    assert summary.read_text() == mine
    assert "refusing to overwrite" in caplog.text


def test_kept_state_is_frozen_and_its_cycles_still_freed(make_vault):
    """After a build, what it keeps is left out of the garbage collector's walks (gc.freeze), and
    a full collection every COLLECT_EVERY builds frees the cycles that builds leave behind."""
    import gc
    import weakref

    from relnotes import hookimpl
    from relnotes.daemon import COLLECT_EVERY
    from relnotes.pipeline import Pipeline

    class Cycle:
        pass

    made = []

    class CycleMaker:  # a plugin whose every run leaves a reference cycle behind
        @hookimpl
        def relnotes_reminders(self, vault, config, today):
            cycle = Cycle()
            cycle.me = cycle
            made.append(weakref.ref(cycle))
            return []

    vault = make_vault(NOTES)
    daemon = Daemon(vault, pipeline=Pipeline(vault, plugins=[CycleMaker()], autoload=False),
                    today=lambda: dt.date(2026, 11, 25))
    try:
        daemon.rebuild("start")
        assert gc.get_freeze_count() > 0
        for _ in range(COLLECT_EVERY):
            daemon.rebuild("again")
        assert made[0]() is None  # freed by the full collection, frozen or not
        assert len(made) == COLLECT_EVERY + 1
    finally:
        gc.unfreeze()
