"""The persistent cache is never wrong: after any change, a cached scan equals a scan without it."""

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

import relnotes.cache
from relnotes.cache import VaultCache, cache_dir
from relnotes.cli import cli
from relnotes.vault import read_settings, walk

TODAY = "2026-11-25"
NOTES = {
    "People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n",
    "People/Bo.md": "---\ntype: person\nrole: peer\nbirthday: 1990-12-01\n---\n",
    "Meetings/2026-11-10 Sync.md": "---\nattendees: ['[[Ann]]']\nfollow_up: 2026-11-30\n---\n- [ ] Plan 📅 2026-12-01\n",
    "Daily/2026-11-20.md": "Coffee with [[Bo]]",
}


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
    (path,) = (cache_dir() / "vaults").iterdir()
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
    files, _ = walk(vault, settings)
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
    monkeypatch.setattr(relnotes.cache, "__version__", "999")
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
    from relnotes.daemon import Daemon
    import datetime as dt

    daemon = Daemon(vault, today=lambda: dt.date(2026, 11, 25))
    daemon.rebuild("start")
    assert daemon.cache.notes.keys() == set(NOTES)  # its own summary note is never read
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
