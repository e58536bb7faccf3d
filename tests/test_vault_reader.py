"""The vault reader against real files in a temporary vault."""

import datetime as dt
import os

import pytest

from relnotes.notes import parse_note, read_notes
from relnotes.obsidian import VaultSettings, read_settings
from relnotes.walk import walk

PERSON = "---\ntype: person\nrole: peer\n---\nNotes.\n"


def read(root):
    settings, problems = read_settings(root)
    files, walk_problems = walk(root, settings)
    notes, read_problems = read_notes(files, settings)
    return {n.path: n for n in notes}, problems + walk_problems + read_problems


def messages(problems, path):
    return [(p.line, p.message) for p in problems if p.path == path]


def test_note_objects_carry_path_title_frontmatter_body_and_links(make_vault):
    root = make_vault({"Meetings/2026-10-01 Sync.md":
                       "---\ntype: meeting\nattendees: ['[[Jane Doe]]']\n---\nTalked to [[Bob|Bobby]].\n"})
    notes, problems = read(root)
    note = notes["Meetings/2026-10-01 Sync.md"]
    assert note.title == "2026-10-01 Sync"
    assert note.frontmatter == {"type": "meeting", "attendees": ["[[Jane Doe]]"]}
    assert note.body.strip() == "Talked to [[Bob|Bobby]]."
    assert [(link.target, link.line, link.key) for link in note.links] == [
        ("Jane Doe", 3, "attendees"), ("Bob", 5, None)]
    assert note.date == dt.date(2026, 10, 1)
    assert problems == []


def test_skips_dot_folders_dot_files_and_the_templates_folder(make_vault):
    root = make_vault({
        "Kept.md": "kept",
        ".trash/Deleted.md": "x",
        ".git/x.md": "x",
        ".stversions/Old.md": "x",
        ".hidden.md": "x",
        "My Templates/Person.md": "---\nmet: {{date}}\n---\n",
        "Sub/.obsidian/Inner.md": "x",
        "Sub/Note.md": "y",
        "notes.txt": "not markdown",
    }, obsidian={"templates.json": {"folder": "My Templates/"}, "workspace.md": "x"})
    notes, problems = read(root)
    assert sorted(notes) == ["Kept.md", "Sub/Note.md"]
    assert problems == []


def test_reads_daily_notes_folder_and_moment_format(make_vault):
    root = make_vault({
        "Journal/2026/11/Nov 3rd, 2026.md": "Lunch with [[Jane]]",
        "Journal/Not a day.md": "x",
        "Elsewhere/Nov 4th, 2026.md": "x",
        "2026-10-05 Retro.md": "x",
    }, obsidian={"daily-notes.json": {"folder": "Journal", "format": "YYYY/MM/MMM Do, YYYY"}})
    notes, _ = read(root)
    daily = notes["Journal/2026/11/Nov 3rd, 2026.md"]
    assert daily.daily and daily.date == dt.date(2026, 11, 3)
    assert notes["Journal/Not a day.md"].date is None
    assert notes["Elsewhere/Nov 4th, 2026.md"].date is None  # outside the daily folder
    retro = notes["2026-10-05 Retro.md"]
    assert retro.date == dt.date(2026, 10, 5) and not retro.daily


@pytest.mark.parametrize("fmt, name, expected", [
    ("YYYY-MM-DD", "2026-01-31", dt.date(2026, 1, 31)),
    ("DD.MM.YYYY", "31.01.2026", dt.date(2026, 1, 31)),
    ("dddd, MMMM D, YYYY", "Saturday, January 31, 2026", dt.date(2026, 1, 31)),
    ("[Daily] YYYY-MM-DD", "Daily 2026-01-31", dt.date(2026, 1, 31)),
    ("YY-M-D", "26-1-31", dt.date(2026, 1, 31)),
    ("YYYY-MM-DD", "2026-02-30", None),
    ("YYYY-MM-DD", "2026-01-31 extra", None),
])
def test_daily_formats(fmt, name, expected):
    assert VaultSettings(daily_format=fmt).daily_date(f"{name}.md") == expected


def test_crlf_and_bom_are_read_like_plain_utf8(make_vault):
    text = "---\ntype: person\naliases: [JD]\n---\nLine one [[X]]\n"
    root = make_vault({
        "People/Crlf.md": text.replace("\n", "\r\n").encode(),
        "People/Bom.md": b"\xef\xbb\xbf" + text.encode(),
    })
    notes, problems = read(root)
    for path in ("People/Crlf.md", "People/Bom.md"):
        note = notes[path]
        assert note.frontmatter == {"type": "person", "aliases": ["JD"]}
        assert "\r" not in note.body
        assert [(link.target, link.line) for link in note.links] == [("X", 5)]
    assert problems == []


@pytest.mark.parametrize("content, line, fragment", [
    (b"---\ntype: person\nname: caf\xe9\n---\nbody\n", 3, "not valid UTF-8 (byte 0xe9 on line 3)"),
    (b"---\ntype: person\nrole: [peer\n---\n", 3, "not valid YAML"),  # where the bracket opened
    (b"---\ntype: person\n  bad: indent: here\n---\n", 3, "not valid YAML"),
    (b"---\n- a\n- b\n---\nbody", 2, "frontmatter is a list"),
    (b"---\njust text\n---\nbody", 2, "frontmatter is a text"),
    (b"", None, "empty file"),
    (b"  \n\n", None, "empty file"),
    (b"---\ntype: person\nrole: peer\n", 1, "never closed"),
    (b"\xff\xfe" + "---\ntype: person\n---\n".encode("utf-16-le"), None, "UTF-16"),
])
def test_broken_files_give_a_warning_with_path_and_line(make_vault, content, line, fragment):
    root = make_vault({"People/Broken.md": content, "People/Good.md": PERSON})
    notes, problems = read(root)
    found = messages(problems, "People/Broken.md")
    assert len(found) == 1, problems
    assert found[0][0] == line
    assert fragment in found[0][1]
    assert notes["People/Good.md"].frontmatter == {"type": "person", "role": "peer"}
    assert "People/Broken.md" in notes  # still a note: its body and title count


def test_invalid_utf8_keeps_the_readable_rest(make_vault):
    root = make_vault({"People/Latin.md": b"---\ntype: person\nrole: peer\n---\nJos\xe9 met [[Ann]]\n"})
    notes, _ = read(root)
    note = notes["People/Latin.md"]
    assert note.frontmatter["role"] == "peer"
    assert [link.target for link in note.links] == ["Ann"]


def test_utf16_with_bom_is_decoded(make_vault):
    root = make_vault({"People/Wide.md": b"\xff\xfe" + "---\ntype: person\nrole: peer\n---\n".encode("utf-16-le")})
    notes, _ = read(root)
    assert notes["People/Wide.md"].frontmatter == {"type": "person", "role": "peer"}


def test_symlinked_folders_are_followed_once_and_never_loop(make_vault, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Far.md").write_text("far")
    root = make_vault({"People/Jane.md": PERSON, "Notes/Here.md": "here"})
    os.symlink(root, root / "Notes" / "loop")  # back to the vault root
    os.symlink(root / "People", root / "Team")  # a second way into People/
    os.symlink(outside, root / "Linked")  # a folder outside the vault
    os.symlink(root / "People" / "Jane.md", root / "Jane again.md")  # a file twice
    os.symlink(root / "missing", root / "Dangling.md")
    notes, problems = read(root)
    assert sorted(notes) == ["Linked/Far.md", "Notes/Here.md", "People/Jane.md"]
    assert [p.path for p in problems] == ["Dangling.md"]
    assert "broken link" in problems[0].message


def test_yaml_dates_arrive_as_dates_or_strings(make_vault):
    root = make_vault({"M.md": "---\na: 2026-10-01\nb: '2026-10-01'\nc: 2026-10-01 14:30:00\n---\n"})
    notes, _ = read(root)
    fm = notes["M.md"].frontmatter
    assert fm["a"] == dt.date(2026, 10, 1)
    assert fm["b"] == "2026-10-01"
    assert fm["c"] == dt.datetime(2026, 10, 1, 14, 30)


def test_key_lines_point_at_the_frontmatter_line():
    note, _ = parse_note("P.md", b"---\ntype: person\n\nrole: peer\n'met': x\n---\n", VaultSettings())
    assert note.line_of("role") == 4
    assert note.line_of("met") == 5
    assert note.line_of("type") == 2


def test_impossible_date_in_file_name_is_reported():
    note, problems = parse_note("2026-02-30 Standup.md", b"x", VaultSettings())
    assert note.date is None
    assert "not a real date" in problems[0].message


def test_a_missing_vault_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        walk(tmp_path / "nope", VaultSettings())


def test_unreadable_obsidian_settings_are_reported(make_vault):
    root = make_vault({"A.md": "x"}, obsidian={"daily-notes.json": "{not json"})
    settings, problems = read_settings(root)
    assert settings == VaultSettings()
    assert problems[0].path == ".obsidian/daily-notes.json"
    assert problems[0].line == 1


def test_a_file_that_vanishes_between_listing_and_reading_is_reported(make_vault):
    root = make_vault({"Gone.md": "x", "Open.md": "y"})
    settings, _ = read_settings(root)
    files, _ = walk(root, settings)
    (root / "Gone.md").unlink()
    notes, problems = read_notes(files, settings)
    assert [n.path for n in notes] == ["Open.md"]
    assert problems[0].path == "Gone.md" and "cannot read file" in problems[0].message
