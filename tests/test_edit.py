"""Editing a note's frontmatter in place (relnotes.edit) and replacing a user's file (files.replace_file)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
import yaml

from relnotes import EditRefused, edit_frontmatter, replace_file
from relnotes.files import OutputRefused

OLD_JOB = {"company": "Globex", "position": "Staff Engineer", "until": dt.date(2026, 12, 1)}


def edit(text: str, values: dict, prepend: dict | None = None) -> str:
    return edit_frontmatter(text.encode(), values, prepend).decode()


def test_only_the_values_change_and_every_other_byte_stays():
    note = ("\ufeff---\r\n"
            "type: person   # who\r\n"
            "company:   Globex  # since 2020\r\n"
            'position: "Staff Engineer"\r\n'
            "aliases: [Pri]\r\n"
            "jobs:\r\n"
            "- company: Initech\r\n"
            "  until: 2020-01-31\r\n"
            "---\r\n"
            "Body with [[Links]] and --- lines\r\n---\r\n")
    out = edit(note, {"company": "Acme, Inc.", "position": "Principal: Platform"}, {"jobs": OLD_JOB})
    assert out == ("\ufeff---\r\n"
                   "type: person   # who\r\n"
                   "company:   Acme, Inc.  # since 2020\r\n"
                   "position: 'Principal: Platform'\r\n"
                   "aliases: [Pri]\r\n"
                   "jobs:\r\n"
                   "- company: Globex\r\n"
                   "  position: Staff Engineer\r\n"
                   "  until: 2026-12-01\r\n"
                   "- company: Initech\r\n"
                   "  until: 2020-01-31\r\n"
                   "---\r\n"
                   "Body with [[Links]] and --- lines\r\n---\r\n")


def test_an_indented_list_keeps_its_indentation():
    out = edit("---\njobs:\n    - company: Initech\n      until: 2020-01-31\n---\n", {}, {"jobs": OLD_JOB})
    assert out == ("---\njobs:\n    - company: Globex\n      position: Staff Engineer\n      until: 2026-12-01\n"
                   "    - company: Initech\n      until: 2020-01-31\n---\n")


@pytest.mark.parametrize("before, after", [
    ("---\ntitle: x\n---\n", "---\ntitle: x\ncompany: Acme\njobs:\n  - company: Globex\n    until: 2026-12-01\n---\n"),
    ("---\n---\nText\n", "---\ncompany: Acme\njobs:\n  - company: Globex\n    until: 2026-12-01\n---\nText\n"),
    ("---\ncompany:\njobs: []\n---\n", "---\ncompany: Acme\njobs: \n  - company: Globex\n    until: 2026-12-01\n---\n"),
    ("---\ncompany: ''\njobs:\n---\n", "---\ncompany: Acme\njobs:\n  - company: Globex\n    until: 2026-12-01\n---\n"),
])
def test_missing_fields_and_lists_are_added(before, after):
    assert edit(before, {"company": "Acme"}, {"jobs": {"company": "Globex", "until": dt.date(2026, 12, 1)}}) == after


@pytest.mark.parametrize("value", ["2026", "yes", "null", "#1 Corp", "- dash", "Zoë Ørsted 🚀", "a: b", "'quoted'",
                                   "[not a list]", "trailing space "])
def test_values_read_back_as_the_same_text(value):
    out = edit("---\ncompany: old\n---\n", {"company": value})
    assert yaml.safe_load(out.split("---\n")[1]) == {"company": value}


@pytest.mark.parametrize("note, why", [
    ("no frontmatter\n", "no frontmatter block"),
    ("---\ncompany: x\n", "no frontmatter block"),
    ("---\ncompany: >\n  folded\n  text\n---\n", "company is not a one-line value"),
    ("---\ncompany: 'two\n  lines'\n---\n", "company is not a one-line value"),
    ("---\ncompany: [a, b]\n---\n", "company is not a one-line value"),
    ("---\ncompany: a\ncompany: b\n---\n", "company is given twice"),
    ("---\n{company: a}\n---\n", "not a block of 'key: value' fields"),
    ("---\n- a\n---\n", "not a block of 'key: value' fields"),
    ("---\ncompany: [unclosed\n---\n", "not valid YAML"),
    ("---\njobs: Globex\n---\n", "jobs is not a list"),
    ("---\njobs: [{company: a}]\n---\n", "jobs is not a list"),
])
def test_what_cannot_be_edited_safely_is_refused(note, why):
    with pytest.raises(EditRefused, match=why.replace("[", r"\[")):
        edit(note, {"company": "Acme"}, {"jobs": OLD_JOB})


def test_a_note_that_is_not_utf8_is_refused():
    with pytest.raises(EditRefused, match="not valid UTF-8"):
        edit_frontmatter(b"---\ncompany: Caf\xe9\n---\n", {"company": "Acme"})


def test_a_value_with_a_line_break_is_refused():
    with pytest.raises(EditRefused, match="does not fit on one line"):
        edit("---\ncompany: x\n---\n", {"company": "two\nlines"})


def test_an_anchor_the_edit_would_change_elsewhere_is_refused():
    # the alias *a reads the anchored value: changing company would change home too
    with pytest.raises(EditRefused):
        edit("---\ncompany: &a Globex\nhome: *a\n---\n", {"company": "Acme"})


def test_replace_file_keeps_the_mode_and_refuses_a_changed_file(tmp_path):
    note = tmp_path / "Ann.md"
    note.write_bytes(b"old")
    note.chmod(0o600)
    assert replace_file(tmp_path, note, b"old", b"new")
    assert note.read_bytes() == b"new" and note.stat().st_mode & 0o777 == 0o600
    assert not replace_file(tmp_path, note, b"old", b"newer")  # edited meanwhile: left alone
    assert note.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["Ann.md"]  # no temporary file left


def test_replace_file_writes_through_a_symlink_inside_the_vault_and_refuses_one_leading_out(tmp_path):
    vault, outside = tmp_path / "vault", tmp_path / "outside.md"
    vault.mkdir()
    (vault / "real.md").write_bytes(b"a")
    (vault / "link.md").symlink_to("real.md")
    assert replace_file(vault, vault / "link.md", b"a", b"b")
    assert (vault / "link.md").is_symlink() and (vault / "real.md").read_bytes() == b"b"
    outside.write_bytes(b"a")
    (vault / "out.md").symlink_to(outside)
    with pytest.raises(OutputRefused):
        replace_file(vault, vault / "out.md", b"a", b"b")
    assert outside.read_bytes() == b"a" and os.path.islink(vault / "out.md")
