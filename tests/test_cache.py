"""The persistent cache is never wrong: after any change, a cached scan equals a scan without it."""

import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import relnotes.cache
from relnotes.cache import VaultCache
from relnotes.cli import cli
from relnotes.obsidian import read_settings
from relnotes.trust import code_digest, set_trust
from relnotes.userdirs import cache_dir
from relnotes.walk import walk

TODAY = "2026-11-25"
NOTES = {
    "People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n",
    "People/Bo.md": "---\ntype: person\nrole: peer\nbirthday: 1990-12-01\n---\n",
    "Meetings/2026-11-10 Sync.md": "---\nattendees: ['[[Ann]]']\nfollow_up: 2026-11-30\n---\n- [ ] Plan 📅 2026-12-01\n",
    "Daily/2026-11-20.md": "Coffee with [[Bo]]",
}


def trusted(vault, name):
    """The user trusts the vault's plugin ``name`` as it is now (``relnotes trust``)."""
    set_trust(vault, {name: code_digest((vault / f".relnotes/plugins/{name}.py").read_bytes())})


def scan(vault, *args):
    result = CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, "--json", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def agrees(vault):
    """The cached scan (twice: filling and using the cache) equals an uncached one."""
    cached, again, fresh = scan(vault), scan(vault), scan(vault, "--no-cache")
    assert cached == fresh and again == fresh
    return fresh


def cache_file(vault):
    (path,) = (cache_dir() / "vaults").glob("*.notes")
    return path


@pytest.fixture
def vault(make_vault):
    v = make_vault(NOTES)
    agrees(v)
    return v


def test_the_cache_lives_outside_the_vault(vault):
    assert cache_file(vault).is_relative_to(Path(os.environ["RELNOTES_CACHE_DIR"]))
    assert not any("cache" in p.name for p in vault.rglob("*"))


def test_an_unchanged_vault_is_read_from_the_cache(vault):
    settings, _ = read_settings(vault)
    files, _ = walk(vault, settings)  # relnotes' own summary note too, written after the notes were read
    cache = VaultCache(vault)
    cache.read(files, settings)
    assert not cache.changed  # nothing read again, nothing to save


@pytest.mark.parametrize("change", ["edit", "same_size_same_mtime", "add", "delete", "rename", "move_folder",
                                    "config", "daily_settings", "broken"])
def test_every_change_is_seen(vault, change):
    initial = scan(vault)
    ann = vault / "People/Ann.md"
    if change == "edit":
        ann.write_text(ann.read_text().replace("2026-11-01", "2026-11-20"))
    elif change == "same_size_same_mtime":
        before = ann.stat()
        ann.write_text(ann.read_text().replace("manager", "sponsor"))  # same size
        os.utime(ann, ns=(before.st_atime_ns, before.st_mtime_ns))  # and the old modification time
    elif change == "add":
        (vault / "People/Cy.md").write_text("---\ntype: person\nrole: mentor\n---\n")
    elif change == "delete":
        ann.unlink()
    elif change == "rename":
        ann.rename(vault / "People/Annie.md")
    elif change == "move_folder":
        (vault / "People").rename(vault / "Team")
    elif change == "config":
        (vault / ".relnotes").mkdir(exist_ok=True)
        (vault / ".relnotes/config.toml").write_text('people_folder = "Meetings"\n[cadence]\nmanager = "1w"\n')
    elif change == "daily_settings":  # changes which notes are daily notes: everything is read again
        (vault / ".obsidian").mkdir()
        (vault / ".obsidian/daily-notes.json").write_text('{"folder": "Journal"}')
    elif change == "broken":
        ann.write_bytes(b"---\nrole: [\n---\n\xff")
    after = agrees(vault)
    # every change but the daily-notes folder (the daily note is still dated by its name) shows
    assert (after == initial) == (change == "daily_settings")


@pytest.mark.parametrize("damage", ["truncate", "garbage", "flip", "empty"])
def test_a_damaged_cache_is_discarded_with_a_warning(vault, damage):
    path = cache_file(vault)
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) // 2], "garbage": b"not a cache at all",
                      "flip": data[:-10] + bytes(b ^ 0xFF for b in data[-10:]), "empty": b""}[damage])
    first = scan(vault)
    assert [w["message"] for w in first["warnings"]] == [f"the cache {path} is corrupt or truncated; ignored and rebuilt"]
    assert first["reminders"] == scan(vault, "--no-cache")["reminders"]
    assert scan(vault)["warnings"] == []  # rewritten whole


def test_a_new_relnotes_version_starts_afresh(vault, monkeypatch):
    (vault / "People/Ann.md").write_text("---\ntype: person\nrole: manager\nlast_contact: 2026-11-20\n---\n")
    scan(vault)
    monkeypatch.setattr(relnotes.cache, "_CODE_VERSION", "999+other-code")
    settings, _ = read_settings(vault)
    files, _ = walk(vault, settings)
    cache = VaultCache(vault)
    assert cache.notes == {}  # nothing trusted from another version
    cache.read(files, settings)
    assert cache.changed


def test_no_cache_neither_reads_nor_writes_it(make_vault):
    vault = make_vault(NOTES)
    scan(vault, "--no-cache")
    assert not (cache_dir() / "vaults").exists()


def test_the_daemon_saves_and_reuses_the_cache(vault):
    import datetime as dt

    from relnotes.daemon import Daemon

    daemon = Daemon(vault, today=lambda: dt.date(2026, 11, 25))
    daemon.rebuild("start")
    assert daemon.cache.notes.keys() == {*NOTES, "relnotes.md"}
    assert daemon.cache.notes["relnotes.md"][1] is None  # its own summary note: known as no note, never read
    daemon.save_cache()
    again = Daemon(vault, today=lambda: dt.date(2026, 11, 25))
    result = again.rebuild("start")
    assert [r.uid for r in result.reminders] == [r.uid for r in daemon.result.reminders]


def test_the_daemon_reports_a_damaged_cache_too(vault):
    import datetime as dt

    from relnotes.daemon import Daemon

    path = cache_file(vault)
    path.write_bytes(b"garbage")
    result = Daemon(vault, today=lambda: dt.date(2026, 11, 25)).rebuild("start")
    assert f"the cache {path} is corrupt or truncated; ignored and rebuilt" in [p.message for p in result.problems]


# --- whole answers: an unchanged vault gets its last report without reading a note -----------

def text_scan(vault, *args):
    result = CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_an_unchanged_vault_gets_its_last_answer_without_reading_a_note(vault, monkeypatch):
    first, ics = scan(vault), (vault / ".relnotes/relnotes.ics").read_bytes()

    def tripwire(*args, **kwargs):
        raise AssertionError("the vault was read again")

    monkeypatch.setattr(VaultCache, "load", tripwire)
    assert scan(vault) == first
    assert (vault / ".relnotes/relnotes.ics").read_bytes() == ics


@pytest.mark.parametrize("args", [("--today", "2026-11-26"), ("--horizon", "3"), ("--no-ics",), ("--strict",)])
def test_other_options_get_their_own_answer(vault, args):
    CliRunner().invoke(cli, ["scan", str(vault), "--json", "--today", TODAY, *args])  # remembered
    answer = CliRunner().invoke(cli, ["scan", str(vault), "--json", "--today", TODAY, *args])
    fresh = CliRunner().invoke(cli, ["scan", str(vault), "--json", "--today", TODAY, *args, "--no-cache"])
    assert answer.stdout == fresh.stdout


def test_the_text_report_and_the_json_are_answered_apart(vault):
    assert text_scan(vault) == text_scan(vault) == text_scan(vault, "--no-cache")
    assert scan(vault) == scan(vault, "--no-cache")


@pytest.mark.parametrize("output", ["delete_feed", "edit_feed", "delete_summary"])
def test_an_output_changed_since_is_written_again(vault, output):
    feed, summary = vault / ".relnotes/relnotes.ics", vault / "relnotes.md"
    expected = {feed: feed.read_bytes(), summary: summary.read_bytes()}
    if output == "delete_feed":
        feed.unlink()
    elif output == "edit_feed":
        feed.write_bytes(expected[feed].replace(b"SUMMARY:", b"SUMMARY:edited "))
    else:
        summary.unlink()
    scan(vault)
    assert {path: path.read_bytes() for path in expected} == expected


def test_a_note_of_the_users_in_place_of_the_summary_is_not_answered_for(vault):
    (vault / "relnotes.md").write_text("# My own notes about relnotes\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, "--json"])
    assert result.exit_code == 3 and "refusing to overwrite" in result.stderr


def test_an_edited_plugin_changes_the_answer(make_vault):
    plugin = '''
from relnotes import hookimpl
from relnotes.model import Reminder

@hookimpl
def relnotes_reminders(today):
    return [Reminder("check-in", None, today, "TITLE", "", "check-in@mine")]
'''
    vault = make_vault({**NOTES, ".relnotes/config.toml": '[plugins]\nlocal = ["mine"]\n',
                        ".relnotes/plugins/mine.py": plugin.replace("TITLE", "Call the team")})
    trusted(vault, "mine")
    titles = lambda: [r["title"] for r in scan(vault)["reminders"] if r["kind"] == "check-in"]
    assert titles() == titles() == ["Call the team"]
    (vault / ".relnotes/plugins/mine.py").write_text(plugin.replace("TITLE", "Write to the team, longer"))
    assert titles() == []  # changed: not run until trusted again
    trusted(vault, "mine")
    assert titles() == ["Write to the team, longer"]


def test_a_damaged_answers_file_is_reported_and_rewritten(vault):
    (path,) = (cache_dir() / "vaults").glob("*.answers")
    path.write_bytes(b"garbage")
    warnings = [w["message"] for w in scan(vault)["warnings"]]
    assert warnings == [f"the cache {path} is corrupt or truncated; ignored and rebuilt"]
    assert scan(vault)["warnings"] == []


def test_data_a_plugin_keeps_in_the_relnotes_folder_changes_the_answer(make_vault):
    plugin = '''
import datetime as dt
from relnotes import hookimpl
from relnotes.model import Interaction

@hookimpl
def relnotes_interactions(vault):
    path = vault.root / ".relnotes" / "calls.txt"
    for line in path.read_text().split():
        yield Interaction("Ann", dt.date.fromisoformat(line), ".relnotes/calls.txt", "call")
'''
    vault = make_vault({**NOTES, ".relnotes/config.toml": '[plugins]\nlocal = ["calls"]\n',
                        ".relnotes/plugins/calls.py": plugin, ".relnotes/calls.txt": "2026-11-12\n"})
    trusted(vault, "calls")
    due = lambda: [r["date"] for r in scan(vault)["reminders"] if r["kind"] == "follow-up" and r["person"] == "Ann"]
    assert due() == due() == ["2026-11-26"]  # a manager: every 2 weeks after the call
    (vault / ".relnotes/calls.txt").write_text("2026-11-12\n2026-11-20\n")
    assert due() == ["2026-12-04"]


def test_a_symlinked_folder_in_the_relnotes_folder_is_looked_into(make_vault, tmp_path):
    plugin = '''
from relnotes import hookimpl
from relnotes.model import Reminder

@hookimpl
def relnotes_reminders(vault, today):
    text = (vault.root / ".relnotes" / "data" / "todo.txt").read_text().strip()
    return [Reminder("todo", None, today, text, "", "todo@mine")]
'''
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "todo.txt").write_text("Call Ann")
    vault = make_vault({**NOTES, ".relnotes/config.toml": '[plugins]\nlocal = ["mine"]\n',
                        ".relnotes/plugins/mine.py": plugin})
    (vault / ".relnotes/data").symlink_to(outside, target_is_directory=True)
    trusted(vault, "mine")
    todo = lambda: [r["title"] for r in scan(vault)["reminders"] if r["kind"] == "todo"]
    assert todo() == todo() == ["Call Ann"]
    (outside / "todo.txt").write_text("Call Bob, then Ann")
    assert todo() == ["Call Bob, then Ann"]


def test_installing_a_package_or_another_home_or_working_folder_is_a_new_answer(vault, tmp_path, monkeypatch):
    loads = []
    real_load = VaultCache.load
    monkeypatch.setattr(VaultCache, "load", lambda self: loads.append(1) or real_load(self))
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    scan(vault), scan(vault)
    assert len(loads) == 1  # the second was answered from memory
    (site / "newdep.py").write_text("")  # a package installed where packages go
    scan(vault)
    assert len(loads) == 2
    (vault / ".relnotes").mkdir(exist_ok=True)
    (vault / ".relnotes/config.toml").write_text('[ics]\npath = "~/v/.relnotes/feed.ics"\n')
    for home in ("h1", "h2"):  # each home holds the vault as ~/v: the path leads into it from both
        (tmp_path / home).mkdir()
        (tmp_path / home / "v").symlink_to(vault, target_is_directory=True)
        monkeypatch.setenv("HOME", str(tmp_path / home))
        before = len(loads)
        scan(vault)
        assert len(loads) == before + 1  # another home: the answer is worked out again
    (vault / ".relnotes/config.toml").unlink()
    outputs = []
    for folder in ("a", "b"):  # the same vault as "v" from two working folders
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "v").symlink_to(vault, target_is_directory=True)
        monkeypatch.chdir(tmp_path / folder)
        outputs.append(scan(Path("v"))["outputs"][0]["path"])
    assert outputs == [str(tmp_path / "a/v/.relnotes/relnotes.ics"), str(tmp_path / "b/v/.relnotes/relnotes.ics")]


def test_the_run_after_a_first_scan_is_remembered(make_vault, monkeypatch):
    """The first remembered scan leaves its outputs out of its key, as the next run will: that run is answered."""
    from relnotes import pipeline

    vault = make_vault({"People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-20\n---\n"})
    runner = CliRunner()
    runner.invoke(cli, ["scan", str(vault), "--today", "2026-11-25", "--no-cache"])  # the outputs are there already
    first = runner.invoke(cli, ["scan", str(vault), "--today", "2026-11-25"])
    assert first.exit_code == 0, first.output
    monkeypatch.setattr(pipeline.Pipeline, "scan", lambda *a, **k: pytest.fail("scanned again"))
    for _ in range(3):  # and every run after it (using an answer must not make the next one stale)
        again = runner.invoke(cli, ["scan", str(vault), "--today", "2026-11-25"])
        assert again.exit_code == 0 and again.output == first.output


def test_the_cache_forgets_vaults_unused_for_30_days(make_vault):
    vaults = cache_dir() / "vaults"
    vaults.mkdir(parents=True, exist_ok=True)
    old, recent = vaults / "0123456789abcdef01234567.notes", vaults / "fedcba9876543210fedcba98.notes"
    stale_temp = vaults / ".0123456789abcdef01234567.cache.999999.abc.tmp"  # a killed writer's
    for path in (old, recent, stale_temp):
        path.write_bytes(b"x")
    month_ago = time.time() - 31 * 86400
    os.utime(old, (month_ago, month_ago))
    os.utime(stale_temp, (month_ago, month_ago))
    vault = make_vault(NOTES)
    scan(vault)
    mine = VaultCache(vault, load=False).path
    assert not old.exists() and not stale_temp.exists()
    assert recent.exists() and mine.exists()
    os.utime(mine, (month_ago, month_ago))
    scan(vault)  # an answer remembered: the cache is in use, however long the vault is unchanged
    scan(make_vault({"Other/A.md": "x"}))  # another vault's scan forgets what is old
    assert mine.exists()  # not this vault's notes: its answer was used a moment ago


def test_runs_of_parts_of_a_tuple_are_its_runs_remembered():
    """``Memo.runs`` over parts of one tuple (as the feed, the calendars per kind and the summary
    ask for them) gives what the part's own items give, and a second ask computes nothing."""
    import random

    things = tuple(object() for _ in range(3000))
    kept = relnotes.cache.Memo()
    computed = []

    def compute(run):
        computed.append(run)
        return run

    rng = random.Random(7)
    for start, end in [(0, None), (0, 0), (2999, None), *((rng.randrange(3000), rng.randrange(3001)) for _ in range(40))]:
        runs = kept.runs(things, "p", compute, start, end)
        assert [thing for run in runs for thing in run] == list(things[start:end])
        assert all(runs) and all(len(run) < 600 for run in runs)
        computed.clear()
        assert kept.runs(things, "p", compute, start, end) == runs and computed == []
    listed = list(things)  # a list may change: it is cut anew on every call, and agrees
    assert [thing for run in kept.runs(listed, "p", compute, 100, 2500) for thing in run] == listed[100:2500]
    listed[1000] = object()
    assert [thing for run in kept.runs(listed, "p", compute, 100, 2500) for thing in run] == listed[100:2500]


def test_the_next_tuple_is_cut_as_a_fresh_cut_would_cut_it():
    """A daemon's next tuple of reminders is cut where it differs from the last one only: the runs
    are those of a fresh cut, whatever was inserted, removed or replaced (and an equal object is
    another thing), and the runs that did not change are the very ones kept before."""
    import random

    from relnotes.cache import _cut, _runs_of

    rng = random.Random(11)
    things = tuple(object() for _ in range(2000))
    for _ in range(300):
        listed = list(things)
        edit = rng.choice(["insert", "remove", "replace", "append", "prepend", "same", "many"])
        at = rng.randrange(len(listed) + 1)
        if edit == "insert":
            listed[at:at] = [object() for _ in range(rng.randrange(1, 5))]
        elif edit == "remove" and listed:
            del listed[at:at + rng.randrange(1, 200)]
        elif edit == "replace" and at < len(listed):
            listed[at] = object()
        elif edit == "append":
            listed += [object() for _ in range(rng.randrange(1, 100))]
        elif edit == "prepend":
            listed[:0] = [object()]
        elif edit == "many":
            for _ in range(5):
                listed.insert(rng.randrange(len(listed) + 1), object())
        before = _runs_of(things, 0, len(things))
        new = tuple(listed) or (object(),)
        runs = _runs_of(new, 0, len(new))
        assert runs == _cut(new, 0)
        kept = {run[2] for run in before}
        changed = abs(len(new) - len(things)) + (edit == "replace") + (edit == "many") * 5
        assert sum(run[2] not in kept for run in runs) <= 3 + changed // 30 + (edit == "many") * 5
        things = new


@pytest.mark.parametrize("body", ["plain ASCII text\n", "Café with [[Zoë]] 📅 2026-12-01\n", "日本語のメモ\n", ""])
def test_a_note_keeps_its_body_compactly_and_gives_it_back_as_written(body):
    import pickle
    import sys

    from relnotes.model import Note

    body *= 20
    note = Note("a.md", "a", {}, body)
    assert note.body == body and pickle.loads(pickle.dumps(note)).body == body
    assert sys.getsizeof(note._body) <= sys.getsizeof(body.encode("utf-8")) + 16  # not 2 or 4 bytes a character
    note.body = body + "more ✓"
    assert note.body == body + "more ✓"


_COUNT_OPENS = """
import collections, json, os, sys
from relnotes.cli import main
vault = os.path.realpath(sys.argv[1])
opened = collections.Counter()
def hook(event, args):
    if event == "open" and isinstance(args[0], str) and args[0].startswith(vault) and args[0].endswith(".md"):
        opened[os.path.relpath(args[0], vault)] += 1
sys.addaudithook(hook)
sys.argv = ["relnotes", "scan", vault, "--today", "2026-11-25", "--json", "--no-summary"]
try:
    main()
finally:
    print(json.dumps(opened), file=sys.stderr)
"""


def _scan_counting_opens(vault):
    """A scan in a process of its own, with the notes' files it opened (an audit hook sees each open)."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", _COUNT_OPENS, str(vault)], capture_output=True, text=True,
                          env={**os.environ})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout), json.loads(done.stderr.strip().splitlines()[-1])


def test_a_note_is_read_once_and_its_body_is_not_kept_in_memory_or_the_cache(tmp_path):
    """The sample vault — contact logs, the action log in daily notes, incidents, inline tags and
    fields, tasks — is read one file at a time, once; a scan after one edit reads that file only:
    what the rules need of the others' bodies comes from the cache's facts, not their text."""
    import shutil

    vault = tmp_path / "vault"
    shutil.copytree(Path(__file__).parent.parent / "examples" / "vault", vault,
                    ignore=shutil.ignore_patterns("relnotes.md", "relnotes.ics"))
    notes = {str(p.relative_to(vault)) for p in vault.rglob("*.md") if ".obsidian" not in p.parts}
    cold, opened = _scan_counting_opens(vault)
    assert set(opened.values()) == {1} and notes - set(opened) <= {f"Templates/{p.name}" for p in vault.glob("Templates/*")}
    assert len(opened) >= 90
    keiko = vault / "People/Keiko Tanaka.md"
    keiko.write_text(keiko.read_text() + "\n- [ ] Send Keiko the write-up 📅 2026-11-30\n")
    warm, opened = _scan_counting_opens(vault)
    assert opened == {"People/Keiko Tanaka.md": 1}
    assert "Send Keiko the write-up" in json.dumps(warm["reminders"])
    assert warm == scan(vault, "--no-cache", "--no-summary")
    db = VaultCache(vault, load=False).path
    assert b"Reviews PRs within the hour" not in db.read_bytes()  # Keiko's text: no body in the cache
    assert cold["counts"] == warm["counts"]
    import datetime as dt

    from relnotes.pipeline import Pipeline

    pipeline = Pipeline(vault, use_cache=False)
    pipeline.scan(dt.date(2026, 11, 25))
    notes = [note for _, note, _ in pipeline.cache.notes.values() if note is not None]
    assert len(notes) >= 90 and all(note._body is None for note in notes)  # in memory, facts only


def test_an_edit_writes_that_notes_row_only(vault):
    """The cache is a database of one row per note: saving after an edit (or a deletion) changes
    that row, and every other row stays byte for byte as it was."""
    import sqlite3

    db = VaultCache(vault, load=False).path

    def rows():
        with sqlite3.connect(db) as connection:
            return dict(connection.execute("SELECT rel, entry FROM notes"))

    before = rows()
    assert sorted(before) == sorted([*NOTES, "relnotes.md"])
    ann = vault / "People/Ann.md"
    ann.write_text(ann.read_text().replace("2026-11-01", "2026-11-21"))
    (vault / "Daily/2026-11-20.md").unlink()
    settings, _ = read_settings(vault)
    files, _ = walk(vault, settings)
    cache = VaultCache(vault)
    cache.read(files, settings)
    cache.save()
    assert cache.rows_written == 2
    after = rows()
    assert after.keys() == before.keys() - {"Daily/2026-11-20.md"}
    assert [rel for rel in after if after[rel] != before[rel]] == ["People/Ann.md"]
    assert VaultCache(vault).notes["People/Ann.md"][1].get("last_contact").isoformat() == "2026-11-21"


def test_a_note_read_from_a_file_lets_go_of_its_body_and_reads_it_again_when_asked(tmp_path):
    import pickle

    from relnotes.notes import read_note
    from relnotes.obsidian import VaultSettings

    path = tmp_path / "Ann.md"
    path.write_bytes(b"---\r\ntype: person\r\n---\r\nMet at [[PyCon]] \xe2\x98\x95\r\n- [ ] Call \xf0\x9f\x93\x85 2026-12-01\r\n")
    note, _ = read_note("Ann.md", path, VaultSettings())
    assert note is not None
    body = note.body
    assert body == "\nMet at [[PyCon]] ☕\n- [ ] Call 📅 2026-12-01\n"  # (what follows the closing ---)
    tasks, links = note.tasks, note.contact_links
    note.release_body()
    assert note._body is None and note.body == body  # read again from the file, and kept
    assert note._body is not None
    note.release_body()
    kept = pickle.dumps(note)
    assert b"PyCon" in kept and b"Met at" not in kept  # its links, not its text
    again = pickle.loads(kept)
    assert again.tasks == tasks and again.contact_links == links and again.body == body
    path.write_text("---\ntype: person\n---\nEdited.\n")
    again.release_body()
    assert again.body == "\nEdited.\n"  # the file as it is now
    path.unlink()
    again.release_body()
    assert again.body == ""


def test_the_file_an_earlier_relnotes_kept_is_removed_when_the_database_is_made(make_vault):
    vault = make_vault(NOTES)
    legacy = VaultCache(vault, load=False).path.with_suffix(".cache")
    legacy.parent.mkdir(parents=True, exist_ok=True)
    legacy.write_bytes(b"relnotes-cache-5\n" + bytes(64))
    scan(vault)
    assert not legacy.exists() and VaultCache(vault, load=False).path.exists()
