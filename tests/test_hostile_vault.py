"""Hostile vaults: relnotes never crashes or hangs on a user's data. Every bad note gives a clear
warning naming the file (and line where known), and the good notes beside it give exactly what
they give alone.

The corpus is ``tests/hostile/``: one small bad note per case, named for it, plus the ``GOOD``
notes. Cases that need size, and file names that some file systems cannot hold, are generated at
test time into tmp_path. A case that shows a bug is a strict xfail whose reason starts with "BUG:".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import unicodedata
from pathlib import Path

import pytest

from relnotes.notes import parse_note, read_notes
from relnotes.obsidian import VaultSettings, read_settings
from relnotes.walk import walk

CORPUS = Path(__file__).parent / "hostile"
TODAY = "2026-11-25"
NO_OUTPUTS = ("--no-ics", "--no-summary")
FEW_SECONDS = 5  # one hostile note that takes longer than this is a bug
ANY_LINE = "any line"

GOOD = ("People/Ann Good.md", "People/Bob Good.md", "People/Cleo Good.md",
        "Meetings/2026-11-10 Sync with Ann.md", "Meetings/2026-11-18 Lunch with Bob and Cleo.md")
GOOD_PEOPLE = {"Ann Good", "Bob Good", "Cleo Good"}

# Name twins, written at test time: a case-insensitive or normalising file system (macOS,
# Windows) cannot hold both of a pair. The warning is filed under the first of each pair.
NFC, NFD = unicodedata.normalize("NFC", "Zoë Twin"), unicodedata.normalize("NFD", "Zoë Twin")
TWINS = {"People/ann lee.md": "People/Ann Lee.md", f"People/{NFD}.md": f"People/{NFC}.md"}

# relative path: (line of the warning, or None, or ANY_LINE; a fragment of its message)
EXPECTED = {
    # invalid YAML
    "People/yaml-unclosed-bracket.md": (4, "not valid YAML (did not find expected ',' or ']')"),
    "People/yaml-unclosed-brace.md": (3, "not valid YAML (did not find expected ',' or '}')"),
    "People/yaml-bad-indentation.md": (4, "not valid YAML (mapping values are not allowed"),
    "People/yaml-duplicate-colon.md": (3, "not valid YAML (mapping values are not allowed"),
    "People/yaml-unterminated-quote.md": (3, "not valid YAML (found unexpected end of stream)"),
    "People/yaml-unterminated-single-quote.md": (3, "not valid YAML (found unexpected end of stream)"),
    "People/yaml-tab-indentation.md": (4, "tab"),
    "People/yaml-key-without-value-mess.md": (6, "not valid YAML (could not find expected ':')"),
    "People/yaml-complex-key.md": (3, "not valid YAML (found unhashable key)"),
    "People/yaml-undefined-alias.md": (3, "not valid YAML (found undefined alias)"),
    "People/yaml-document-end-inside.md": (5, "not valid YAML (did not find expected <document start>)"),
    "People/yaml-bad-merge-key.md": (3, "not valid YAML (expected a mapping or list of mappings for merging"),
    "People/frontmatter-list.md": (2, "frontmatter is a list, not a set of 'key: value' fields"),
    "People/frontmatter-scalar.md": (2, "frontmatter is a text, not a set of 'key: value' fields"),
    "People/frontmatter-number.md": (2, "frontmatter is a number, not a set of 'key: value' fields"),
    "People/frontmatter-unterminated.md": (1, "frontmatter opened with --- on line 1 is never closed"),
    "People/empty-file.md": (None, "empty file"),
    "People/only-dashes.md": (ANY_LINE, "empty"),
    "People/duplicate-keys.md": (5, "role"),
    "People/duplicate-keys-case.md": (4, "role"),
    # YAML tags are refused, never executed
    "People/yaml-python-object-apply.md": (3, "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/apply:os.system'"),
    "People/yaml-python-object-new.md": (3, "could not determine a constructor for the tag 'tag:yaml.org,2002:python/object/new:subprocess.Popen'"),
    "People/yaml-python-name.md": (3, "could not determine a constructor for the tag 'tag:yaml.org,2002:python/name:os.getcwd'"),
    "People/yaml-unknown-local-tag.md": (3, "could not determine a constructor for the tag '!custom'"),
    # "billion laughs": 9 levels of 9 aliases
    "People/yaml-billion-laughs.md": (ANY_LINE, ""),
    "Meetings/attendees-billion-laughs.md": (14, "attendees: no person note for 'lol'"),
    # encodings
    "People/binary-garbage.md": (1, "not valid UTF-8 (byte 0xe1 on line 1); unreadable characters were replaced"),
    "People/utf16-le-bom.md": (None, "file is UTF-16, not UTF-8"),
    "People/utf16-be-bom.md": (None, "file is UTF-16, not UTF-8"),
    "People/utf16-le-no-bom.md": (ANY_LINE, "UTF-16"),
    "People/latin1.md": (4, "not valid UTF-8 (byte 0xe9 on line 4)"),
    # dates
    "People/impossible-met.md": (4, "met: '2026-02-30' is not a real date"),
    "People/impossible-birthday.md": (4, "birthday: '13-45' is not a real day of the year"),
    "People/impossible-started.md": (4, "started: '2025-04-31' is not a real date"),
    "Meetings/impossible-date.md": (3, "date: '2026-13-01' is not a real date (month must be in 1..12); the meeting has no date"),
    "People/met-as-number.md": (4, "met: 20260101 is a number, not a date in YYYY-MM-DD form"),
    "People/last-contact-yesterday.md": (4, "last_contact: 'yesterday' is not a date in YYYY-MM-DD form"),
    "People/snooze-until-soon.md": (4, "snooze_until: 'soon' is not a date"),
    "Meetings/follow-up-next-week.md": (4, "follow_up: 'next week' is not a date"),
    "Meetings/no-date.md": (None, "meeting has no date"),
    "2026-02-30 Impossible day.md": (None, "file name starts with a date, but '2026-02-30' is not a real date"),
    # template placeholders outside the templates folder
    "People/template-met-quoted.md": (4, "met: '{{date}}' is a template placeholder"),
    "People/template-met-unquoted.md": (4, "placeholder"),
    "Meetings/template-date-quoted.md": (3, "date: '{{date:YYYY-MM-DD}}' is a template placeholder"),
    "Meetings/template-date-unquoted.md": (3, "placeholder"),
    "Meetings/template-date-templater.md": (3, "date: '<% tp.date.now() %>' is a template placeholder"),
    # odd wikilinks, to people that do not exist: the warning shows the name as the link means it
    "Meetings/link-multi-pipe.md": (4, "attendees: no person note for 'Ghost A'"),
    "Meetings/link-empty.md": (4, "attendees: no person note for '[[]]'"),
    "Meetings/link-heading-only.md": (4, "#heading"),
    "Meetings/link-spaced.md": (4, "attendees: no person note for 'Ghost Spaced'"),
    "Meetings/link-escaped-pipe.md": (4, "attendees: no person note for 'Ghost Table'"),
    "Meetings/link-nested-brackets.md": (4, "attendees: no person note for 'Ghost Nested'"),
    "Meetings/link-emoji.md": (4, "attendees: no person note for 'Ghost 🚀 Rocket'"),
    "People/Ann Lee.md": (None, "2 people answer to the name 'ann lee'"),
    "People/ann lee.md": (None, "2 people answer to the name 'ann lee'"),
    f"People/{NFC}.md": (None, "2 people answer to the name 'zoë twin'"),
    f"People/{NFD}.md": (None, "2 people answer to the name 'zoë twin'"),
    # values of the wrong kind
    "Meetings/task-impossible-due.md": (7, "task due date: '2026-02-30' is not a real date (day is out of range for month); task ignored"),
    "People/cadence-fortnightly-ish.md": (4, "cadence: 'fortnightly-ish' is not a cadence"),
    "People/cadence-zero.md": (4, "cadence: 0 is not a positive number of days"),
    "People/cadence-huge-days.md": (4, "cadence"),
    "People/cadence-huge-months.md": (4, "cadence"),
    "People/role-mapping.md": (3, "role: expected text or a list of texts, got a dict; ignored"),
    "People/status-gone.md": (4, "status: 'gone' is not one of active, paused, limit-contact, archived"),
    "People/milestones-list-of-strings.md": (4, "milestones: expected a mapping of label: date"),
    "Meetings/attendees-number.md": (4, "attendees"),
    "People/tags-mapping.md": (3, "tags"),
    # found by review: a time of day that is none, control characters, sync conflict copies
    "People/met-impossible-time.md": (4, "met: '2026-11-24T25:61:00Z' is not a real date and time; ignored"),
    "task-control-characters.md": (1, "task due date: '2026-02-30' is not a real date"),
    # the action log: lines that cannot be read, names of no one, a year out of range
    "relnotes log.md": (6, "talked 'Nobody Here': no person of that name"),
    **dict.fromkeys(("People/Ann Good (conflicted copy 2026-11-20).md",
                     "People/Ann Good.sync-conflict-20261120-101010-ABCDEFG.md", "People/Bob Good (1).md"),
                    (None, "3 sync conflict copies are not read as notes")),
}
CONFLICT_COPIES_IN_CORPUS = 3  # not notes

# Notes whose warning is missing, wrong or unclear (strict xfails: remove an entry once it passes).
BUGS: dict[str, str] = {}
# Notes that once spoiled the whole scan (a hang, or a rule that died for every person): each is
# scanned alone beside the good notes, which must come out exactly as without it.
SPOILERS = ["People/yaml-billion-laughs.md", "People/cadence-huge-days.md", "People/cadence-huge-months.md"]


# --- helpers -----------------------------------------------------------------------------------

def corpus_files() -> set[str]:
    return {p.relative_to(CORPUS).as_posix() for p in CORPUS.rglob("*") if p.is_file()}


def write_twins(vault: Path) -> None:
    for path in [*TWINS, *TWINS.values()]:
        (vault / path).write_text("---\ntype: person\n---\n", encoding="utf-8")


def copy_corpus(dest: Path, leave_out=SPOILERS) -> Path:
    shutil.copytree(CORPUS, dest)
    for path in leave_out:
        (dest / path).unlink()
    write_twins(dest)
    return dest


def copy_good(dest: Path, *extra: str) -> Path:
    for path in (*GOOD, *extra):
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(CORPUS / path, dest / path)
    return dest


def scan_cli(vault: Path, *args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess, float]:
    """``relnotes scan VAULT --json`` in a subprocess (cwd: the vault's parent), and how long it took."""
    env = dict(os.environ, RELNOTES_DISABLE_PLUGIN_AUTOLOAD="1", RELNOTES_CONFIG_DIR=str(vault.parent / "config"),
               RELNOTES_CACHE_DIR=str(vault.parent / "cache"))
    start = time.monotonic()
    try:
        proc = subprocess.run([sys.executable, "-m", "relnotes", "scan", str(vault), "--json", "--today", TODAY,
                               "--no-cache", *args], capture_output=True, timeout=timeout, cwd=vault.parent, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the scan of {vault.name} did not finish within {timeout} s")
    return proc, time.monotonic() - start


def scanned(proc: subprocess.CompletedProcess) -> dict:
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return json.loads(proc.stdout)  # bytes: must be valid UTF-8 JSON


def matching(warnings: list[dict], path: str) -> list[dict]:
    """The warnings about ``path``: filed under it, or under its name twin and naming it (paths
    that look alike are named escaped, so the two can be told apart)."""
    return [w for w in warnings if w["path"] == path
            or (w["path"] == TWINS.get(path) and (path in w["message"] or ascii(path) in w["message"]))
            or (w["path"] == "" and path in w["message"])]  # a warning about the vault that names it


def crashes(warnings: list[dict]) -> list[dict]:
    return [w for w in warnings if w["path"] == "" and "raised" in w["message"]]


def good_reminders(reminders: list[dict]) -> list[dict]:
    return [r for r in reminders if r["person"] in GOOD_PEOPLE]


@pytest.fixture(scope="module")
def corpus_scan(tmp_path_factory):
    """The CLI's JSON for the whole corpus (name twins included, spoilers left out)."""
    vault = copy_corpus(tmp_path_factory.mktemp("corpus") / "vault")
    proc, seconds = scan_cli(vault, *NO_OUTPUTS)
    print(f"corpus scan: {seconds:.2f} s")
    return vault, scanned(proc)


@pytest.fixture(scope="module")
def clean_scan(tmp_path_factory):
    """The CLI's JSON for the good notes alone."""
    vault = copy_good(tmp_path_factory.mktemp("clean") / "vault")
    return scanned(scan_cli(vault, *NO_OUTPUTS)[0])


# --- the corpus -----------------------------------------------------------------------------

def test_the_table_covers_the_corpus():
    generated = {*TWINS, *TWINS.values()}
    assert corpus_files() == (set(EXPECTED) - generated) | set(GOOD)
    assert len(corpus_files() - set(GOOD)) >= 40
    assert set(BUGS) <= set(EXPECTED) and set(SPOILERS) <= set(EXPECTED) and not set(BUGS) & set(SPOILERS)


@pytest.mark.parametrize("path", [
    pytest.param(path, marks=pytest.mark.xfail(strict=True, reason=BUGS[path])) if path in BUGS else path
    for path in EXPECTED if path not in SPOILERS])
def test_bad_note_gives_a_clear_warning(corpus_scan, path):
    _, result = corpus_scan
    line, fragment = EXPECTED[path]
    found = matching(result["warnings"], path)
    assert any(fragment in w["message"] and line in (ANY_LINE, w["line"]) for w in found), (
        f"expected line {line} and {fragment!r} among {found}")


@pytest.mark.parametrize("path", SPOILERS)
def test_note_that_spoils_the_scan_alone_beside_the_good_notes(tmp_path, clean_scan, path):
    vault = copy_good(tmp_path / "vault", path)
    result = scanned(scan_cli(vault, *NO_OUTPUTS, timeout=FEW_SECONDS)[0])
    line, fragment = EXPECTED[path]
    found = matching(result["warnings"], path)
    assert any(fragment in w["message"] and line in (ANY_LINE, w["line"]) for w in found), result["warnings"]
    assert crashes(result["warnings"]) == []
    assert good_reminders(result["reminders"]) == good_reminders(clean_scan["reminders"])


def test_no_rule_or_output_fails_on_the_corpus(tmp_path, run_scan):
    result = run_scan(copy_corpus(tmp_path / "vault"), TODAY)  # outputs are built (not written) in process
    # no rule or output failed (that would be a problem of the vault as a whole); the two such
    # lines are the count of people without a relationship type or contact, and the conflict copies
    assert sorted(p.message.split(" ", 1)[1][:40] for p in result.problems if p.path == "") == [
        "people have no relationship type and no ", "sync conflict copies are not read as not"]
    assert {o.name for o in result.outputs} == {"ics", "ics-celebrations", "ics-follow-ups", "ics-tasks", "summary"}


def test_good_notes_are_unaffected(tmp_path, run_scan):
    clean = run_scan(copy_good(tmp_path / "clean"), TODAY)
    hostile = run_scan(copy_corpus(tmp_path / "hostile"), TODAY)

    def of_good(result):
        return [(r.kind, r.person, r.date, r.title, r.detail, r.uid) for r in result.all_reminders
                if r.person in GOOD_PEOPLE]

    assert {p.name for p in clean.vault.people} == GOOD_PEOPLE
    assert {p.name for p in hostile.vault.people} >= GOOD_PEOPLE
    assert of_good(hostile) == of_good(clean)
    follow_ups = {r.person: r.date for r in hostile.reminders if r.kind == "follow-up"}
    assert follow_ups["Bob Good"] == dt.date(2026, 12, 2) and follow_ups["Cleo Good"] == dt.date(2026, 12, 18)
    assert [p for p in hostile.problems if p.path in GOOD] == []


def test_yaml_python_tags_are_never_executed(corpus_scan, tmp_path, monkeypatch):
    vault, _ = corpus_scan
    assert not list(vault.parent.rglob("pwned*"))  # the CLI ran in the vault's parent
    monkeypatch.chdir(tmp_path)
    for name in ("yaml-python-object-apply.md", "yaml-python-object-new.md", "yaml-python-name.md"):
        note, problems = parse_note(f"People/{name}", (CORPUS / "People" / name).read_bytes(), VaultSettings())
        assert note.frontmatter == {} and problems
    assert list(tmp_path.iterdir()) == []


def test_odd_wikilinks_in_the_body_lead_to_the_person(make_vault, run_scan):
    body = textwrap.dedent("""\
        [[Ann Good|a|b]] [[ Ann Good ]] [[Annie#Heading]] [[[[Ann Good]]]] [[]] [[#heading]]
        | who | |
        |---|---|
        | [[Ann Good\\|Ann]] | [[zed 🚀]] |
        """)
    vault = make_vault({"People/Ann Good.md": "---\naliases: [Annie]\n---\n", "People/Zed 🚀.md": "",
                        "2026-11-20.md": body})
    result = run_scan(vault, TODAY)
    note = next(n for n in result.vault.notes if n.path == "2026-11-20.md")
    assert [link.target for link in note.links] == ["Ann Good", "Ann Good", "Annie", "Ann Good", "Ann Good",
                                                    "zed 🚀"]
    people = {p.name: p for p in result.vault.people}
    for name in ("Ann Good", "Zed 🚀"):
        assert [i.date for i in people[name].interactions] == [dt.date(2026, 11, 20)]


def test_name_twins_in_one_folder_are_told_to_rename(tmp_path, run_scan):
    vault = tmp_path / "vault"
    (vault / "People").mkdir(parents=True)
    write_twins(vault)
    result = run_scan(vault, TODAY)
    twins = [p.message for p in result.problems if "answer to the name" in p.message]
    assert len(twins) == 2 and all("no link can tell them apart: rename one" in m for m in twins)
    assert not any("link with the folder" in m for m in twins)


# --- size and time --------------------------------------------------------------------------------

def test_corpus_with_a_50_mb_note_and_1_mb_of_frontmatter_scans_in_seconds(tmp_path):
    vault = copy_corpus(tmp_path / "vault")
    chunk = ("## A heading\n\nLong notes about the migration, with a link to [[Ghost Colleague]] and some "
             "**bold** text, repeated until the note is huge. " + "Lorem ipsum dolor sit amet. " * 30
             + "\n\n- [x] A done task 📅 2026-01-01\n\n").encode()
    with open(vault / "2026-11-20 Huge log.md", "wb") as handle:
        for _ in range(50_000_000 // len(chunk) + 1):
            handle.write(chunk)
    keys = "".join(f"key_{i:06d}: value number {i}\n" for i in range(40_000))
    assert len(keys) > 1_000_000
    (vault / "People" / "huge-frontmatter.md").write_text(f"---\ntype: person\nrole: peer\n{keys}---\n",
                                                          encoding="utf-8")
    proc, seconds = scan_cli(vault, *NO_OUTPUTS, timeout=60)
    print(f"corpus + 50 MB note + 1 MB frontmatter: {seconds:.2f} s")
    result = scanned(proc)
    assert result["counts"]["notes"] == len(corpus_files()) - len(SPOILERS) - CONFLICT_COPIES_IN_CORPUS + 4 + 2
    assert "huge-frontmatter" in {r["person"] for r in result["reminders"]}
    assert crashes(result["warnings"]) == []


def test_a_long_frontmatter_line_is_read_in_seconds(tmp_path):
    vault = tmp_path / "vault"
    (vault / "People").mkdir(parents=True)
    (vault / "People" / "long-line.md").write_text("---\ntype: person\nnotes" + " " * 200_000 + "end\n---\n",
                                                   encoding="utf-8")
    result = scanned(scan_cli(vault, *NO_OUTPUTS, timeout=FEW_SECONDS)[0])
    assert [w["line"] for w in result["warnings"] if w["path"] == "People/long-line.md"] == [3]


# --- hostile file names -------------------------------------------------------------------------

HOSTILE_NAMES = ["a:b?.md", "what*.md", "pipe|name.md", 'quote".md', "line\nbreak.md", "L" * 247 + ".md"]


def test_file_names_invalid_elsewhere_are_scanned(tmp_path):
    vault = copy_good(tmp_path / "vault")
    for name in HOSTILE_NAMES:
        (vault / "People" / name).write_text("---\nrole: peer\n---\nMet [[Ghost]].\n", encoding="utf-8")
    assert len(os.fsencode(HOSTILE_NAMES[-1])) == 250
    for args in (NO_OUTPUTS, ()):  # with the calendar feed and summary note written too
        result = scanned(scan_cli(vault, *args)[0])
        assert result["counts"]["people"] == 3 + len(HOSTILE_NAMES)
        assert {r["person"] for r in result["reminders"] if r["kind"] == "follow-up"} >= {
            *GOOD_PEOPLE - {"Ann Good"}, *(name[:-3] for name in HOSTILE_NAMES)}
        assert crashes(result["warnings"]) == []


def _with_invalid_utf8_name(tmp_path: Path, content: bytes) -> Path:
    vault = copy_good(tmp_path / "vault")
    with open(os.path.join(os.fsencode(vault / "People"), b"bad-\xff-name.md"), "wb") as handle:
        handle.write(content)
    return vault


def test_json_stays_valid_with_a_file_name_that_is_not_utf8(tmp_path):
    vault = _with_invalid_utf8_name(tmp_path, b"")  # an empty file: its warning names it
    result = scanned(scan_cli(vault, *NO_OUTPUTS)[0])
    assert result["counts"]["people"] == 4
    assert [w["message"] for w in result["warnings"] if w["path"].startswith("People/bad-")] == [
        "empty file", "the file name is not valid UTF-8 (shown with �); rename it"]


def test_a_person_whose_file_name_is_not_utf8_spoils_nothing(tmp_path, run_scan):
    vault = _with_invalid_utf8_name(tmp_path, b"---\nrole: peer\n---\n")
    result = run_scan(vault, TODAY)
    assert [p for p in result.problems if p.path == ""] == []
    assert {r.person for r in result.reminders if r.kind == "follow-up"} >= {"Bob Good", "Cleo Good"}
    assert {o.name for o in result.outputs} == {"ics", "ics-celebrations", "ics-follow-ups", "ics-tasks", "summary"}


# --- files that vanish or cannot be read mid-scan ------------------------------------------------

def test_files_that_vanish_or_turn_into_folders_between_listing_and_reading(make_vault):
    root = make_vault({"Gone.md": "x", "Folder.md": "y", "Kept.md": "z"})
    settings, _ = read_settings(root)
    files, problems = walk(root, settings)
    assert [rel for rel, _ in files] == ["Folder.md", "Gone.md", "Kept.md"] and problems == []
    (root / "Gone.md").unlink()
    (root / "Folder.md").unlink()
    (root / "Folder.md").mkdir()
    notes, problems = read_notes(files, settings)
    assert [n.path for n in notes] == ["Kept.md"]
    assert sorted((p.path, p.message) for p in problems) == [
        ("Folder.md", "cannot read file: Is a directory; skipped"),
        ("Gone.md", "cannot read file: No such file or directory; skipped")]


READ_VAULT = """
import json, os, sys
from pathlib import Path
from relnotes.notes import read_notes
from relnotes.obsidian import read_settings
from relnotes.walk import walk
root = Path(sys.argv[1])
settings, _ = read_settings(root)
files, problems = walk(root, settings)
for name in sys.argv[2:]:  # turned into a FIFO between listing and reading
    os.unlink(root / name)
    os.mkfifo(root / name)
notes, more = read_notes(files, settings)
print(json.dumps({"notes": [n.path for n in notes], "warnings": [p.to_json() for p in problems + more]}))
"""


def read_in_subprocess(root: Path, *fifos: str, timeout: float) -> dict:
    try:
        proc = subprocess.run([sys.executable, "-c", READ_VAULT, str(root), *fifos], capture_output=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"reading the vault did not finish within {timeout} s")
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")
    return json.loads(proc.stdout)


@pytest.fixture
def vault_with_fifo(make_vault):
    root = make_vault({"a.md": "x", "b.md": "y"})
    os.mkfifo(root / "x.md")
    return root


def test_a_fifo_in_the_vault_does_not_block_the_scan(vault_with_fifo):
    assert read_in_subprocess(vault_with_fifo, timeout=30)["notes"] == ["a.md", "b.md"]


def test_a_fifo_in_the_vault_is_reported(vault_with_fifo):
    warnings = read_in_subprocess(vault_with_fifo, timeout=30)["warnings"]
    assert [w["path"] for w in warnings] == ["x.md"]


def test_a_note_that_becomes_a_fifo_mid_scan_is_reported_not_waited_for(make_vault):
    root = make_vault({"a.md": "x", "b.md": "y"})
    result = read_in_subprocess(root, "a.md", timeout=FEW_SECONDS)
    assert result["notes"] == ["b.md"]
    assert [w["path"] for w in result["warnings"]] == ["a.md"]


# --- extreme but real dates -----------------------------------------------------------------------

def test_year_9999_dates_do_not_drop_the_calendar_feed(tmp_path, run_scan):
    vault = copy_good(tmp_path / "vault")
    (vault / "People" / "Forever.md").write_text(
        "---\nrole: peer\nsnooze_until: 9999-12-31\nmilestones:\n  end of time: 9999-12-31\n---\n", encoding="utf-8")
    (vault / "Meetings" / "2026-11-20 Far.md").write_text(
        "---\nattendees: ['[[Forever]]']\nfollow_up: 9999-12-31\n---\n", encoding="utf-8")
    result = run_scan(vault, TODAY)
    assert [p for p in result.problems if p.path == ""] == []
    assert {o.name for o in result.outputs} == {"ics", "ics-celebrations", "ics-follow-ups", "ics-tasks", "summary"}


# --- long lines against every pattern that reads a note's text ------------------------------------

N = 200_000  # characters: a pasted log, a minified blob
LONG_LINES = {
    "heading of spaces": ("People/P.md", "# " + " " * N + "x"),
    "contact log then a heading of hashes": ("People/P.md", "## Contact log\n# " + "#" * N + "x"),
    "task then spaces then recurrence": ("Projects/T.md", "- [ ] a" + " " * N + "x🔁"),
    "task with an inline field of spaces": ("Projects/T.md", "- [ ] a [a:: " + " " * N + "x"),
    "inline fields never closed": ("Projects/T.md", "(a::" * (N // 4)),
    "backticks": ("Daily/2026-11-20.md", "#x " + "`" * N),
    "a link never closed": ("Daily/2026-11-20.md", "[[" + "a" * N),
    "a task with a link never closed": ("Projects/T.md", "- [ ] [[" + "a" * N),
    "a frontmatter link never closed": ("People/P.md", '---\nlast_contact: "[[' + "a" * N + '"\ntype: "[[' + "b" * N
                                        + '"\n---\n'),
    "markdown link parts": ("Daily/2026-11-20.md", "[](" * (N // 3)),
    "comments never closed": ("Daily/2026-11-20.md", "%%" + "<!--" * (N // 4)),
    "one line of checkboxes": ("Daily/2026-11-20.md", "- [ ] " + "[ ] " * (5 * N // 4)),  # 1 MB
}


@pytest.mark.parametrize("path, text", LONG_LINES.values(), ids=LONG_LINES)
def test_a_long_line_costs_one_pass(tmp_path, path, text):
    """No pattern that reads notes backtracks: each of these took from one to over thirty seconds."""
    vault = tmp_path / "vault"
    (vault / path).parent.mkdir(parents=True)
    (vault / path).write_text(text, encoding="utf-8")
    (vault / "People").mkdir(exist_ok=True)
    (vault / "People/Sam.md").write_text("---\nrole: peer\n---\n## Contact log\n- 2026-11-01 call\n", encoding="utf-8")
    proc, took = scan_cli(vault, *NO_OUTPUTS, timeout=FEW_SECONDS * 6)
    assert took < FEW_SECONDS, f"{took:.1f} s"
    assert crashes(scanned(proc)["warnings"]) == []


# --- sync and reading faults --------------------------------------------------------------------

CONFLICT_COPIES = [  # what Dropbox, Syncthing, Obsidian Sync, Nextcloud, ownCloud, Google Drive and OneDrive make
    "People/Ann Good (conflicted copy 2026-11-20).md", "People/Ann Good (Bob's conflicted copy 2026-11-20).md",
    "People/Ann Good.sync-conflict-20261120-101010-ABCDEFG.md", "People/Ann Good (Conflicted copy 202611201010).md",
    "People/Ann Good (conflicted copy 2026-11-20 101010).md", "People/Ann Good_conflict-20261120-101010.md",
    "People/Ann Good (1).md", "People/Ann Good-DESKTOP-ABC1234.md",
]


def test_sync_conflict_copies_are_not_extra_people(tmp_path, clean_scan):
    vault = copy_good(tmp_path / "vault")
    ann = (vault / "People/Ann Good.md").read_text(encoding="utf-8")
    for copy in CONFLICT_COPIES:
        (vault / copy).write_text(ann.replace("---\n", "---\nbirthday: 1990-03-04\n", 1), encoding="utf-8")
    (vault / "Sprint 2.md").write_text("Plans\n")  # not a copy: no "Sprint.md" beside it
    result = scanned(scan_cli(vault, *NO_OUTPUTS)[0])
    assert result["counts"]["people"] == clean_scan["counts"]["people"]
    assert result["counts"]["notes"] == clean_scan["counts"]["notes"] + 1
    assert good_reminders(result["reminders"]) == good_reminders(clean_scan["reminders"])
    [warning] = [w for w in result["warnings"] if "conflict" in w["message"]]  # once, naming them
    assert warning["message"].startswith("8 sync conflict copies are not read as notes: ")
    assert all(copy in warning["message"] for copy in sorted(CONFLICT_COPIES)[:5])


def test_a_read_that_returns_nothing_is_a_warning(tmp_path):
    vault = copy_good(tmp_path / "vault")
    (vault / "kmsg.md").symlink_to("/proc/kmsg")  # a regular file that has nothing to read without waiting
    _drain_kernel_messages()  # else the scan may read what the kernel logged last, and take it for a note
    result = scanned(scan_cli(vault, *NO_OUTPUTS, timeout=FEW_SECONDS)[0])
    [warning] = matching(result["warnings"], "kmsg.md")
    assert warning["message"].startswith("cannot read file: ")  # nothing without waiting, or not allowed
    assert len(result["reminders"]) == len(scanned(scan_cli(copy_good(tmp_path / "clean"), *NO_OUTPUTS)[0])["reminders"])


def test_a_file_longer_than_its_size_says_is_read_whole():
    """A kernel's file says it holds nothing (size 0) and holds a line: read as it is, not cut to
    its size (notes are read by their size, plus one byte to see whether there is more)."""
    from relnotes.notes import read_note
    from relnotes.obsidian import VaultSettings

    ostype = Path("/proc/sys/kernel/ostype")
    assert ostype.stat().st_size == 0
    note, problems = read_note("ostype.md", ostype, VaultSettings())
    assert problems == [] and note is not None and note.body == ostype.read_text() == "Linux\n"


def _drain_kernel_messages() -> None:
    """Read /proc/kmsg until it has nothing more (reading takes the messages: the next read waits)."""
    try:
        fd = os.open("/proc/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return  # not allowed: the scan cannot read it either
    with os.fdopen(fd, "rb") as handle:
        while handle.read(1 << 16):
            pass


def test_a_note_bigger_than_the_cap_is_skipped_with_a_warning(tmp_path):
    vault = copy_good(tmp_path / "vault")
    with open(vault / "bigger than memory.md", "wb") as handle:
        handle.truncate(200 << 30)  # 200 GB, sparse: read whole it would exhaust the memory
    (vault / "two megabytes.md").write_bytes(b"[[Ann Good]] " * ((2 << 20) // 13 + 1))
    result = scanned(scan_cli(vault, *NO_OUTPUTS, timeout=FEW_SECONDS)[0])
    assert matching(result["warnings"], "bigger than memory.md")[0]["message"] == (
        "bigger than 64 MB (the config's max_note_mb); skipped")
    assert not matching(result["warnings"], "two megabytes.md")
    (vault / ".relnotes").mkdir()
    (vault / ".relnotes/config.toml").write_text("max_note_mb = 1\n")
    result = scanned(scan_cli(vault, *NO_OUTPUTS, timeout=FEW_SECONDS)[0])
    assert matching(result["warnings"], "two megabytes.md")[0]["message"] == (
        "bigger than 1 MB (the config's max_note_mb); skipped")
    assert result["counts"]["people"] == len(GOOD_PEOPLE)


def test_a_full_stdout_is_an_error_not_a_traceback(tmp_path):
    vault = copy_good(tmp_path / "vault")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "relnotes", "scan", str(vault), "--today", TODAY, *NO_OUTPUTS],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert proc.returncode == 1
    assert proc.stderr == "relnotes: cannot write: No space left on device\n"


def test_one_sync_conflict_copy_is_named_in_the_singular(tmp_path):
    vault = copy_good(tmp_path / "vault")
    (vault / "People/Bob Good.sync-conflict-20261120-101010-ABCDEFG.md").write_text("---\ntype: person\n---\n")
    _, problems = walk(vault, read_settings(vault)[0])
    assert [p.message for p in problems] == [
        "1 sync conflict copy is not read as a note: People/Bob Good.sync-conflict-20261120-101010-ABCDEFG.md; "
        "merge what it holds into the original note, then delete it"]
