"""`relnotes brief`: one relationship, in order — content, filters, names, formats, safe output."""

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from relnotes.cli import cli

TODAY = "2026-11-25"
NOTES = {
    "People/Jane Doe.md": ("---\ntype: person\nrole: [mentor]\naliases: [JD]\ncompany: Acme\nposition: CTO\n"
                           "met: 2025-01-10\nbirthday: 1980-12-01\n---\nMet at a meetup.\n"),
    "People/Bob.md": "---\ntype: person\nrole: peer\n---\n",
    "People/Bob Stone.md": "---\ntype: person\naliases: [Bobby]\n---\n",
    "People/Old/Sam.md": "---\ntype: person\n---\n",
    "People/New/Sam.md": "---\ntype: person\n---\n",
    "Meetings/2026-10-01 Planning.md": (
        "---\nattendees: ['[[JD]]', '[[Bob]]']\n---\n# Planning\n\nWe agreed on the Q4 roadmap.\n"
        "Jane wants a draft by Friday.\n- [ ] Send the draft 📅 2026-10-05\n- [x] Book the room\n"),
    "Meetings/2026-11-02 Sync.md": "---\nattendees: ['[[Bob]]']\n---\n- [ ] Ask [[Jane Doe]] about budget\n",
    "Daily/2026-09-15.md": "Busy day. Had coffee with [[jane doe|Jane]] at the station. Then the dentist.\n",
    "Daily/2026-11-20.md": "---\nwith: '[[JD]]'\n---\nA call, nothing written.\n",
    "Incidents/2026-08-01 Meeting blow-up.md": (
        "---\ntype: incident\npeople: ['[[Jane Doe]]']\n---\nJane shouted at the team in standup.\n"
        "Witnesses: [[Bob]].\n"),
    "Incidents/Unnamed.md": "---\ntype: incident\ndate: 2026-09-20\n---\n[[Jane Doe]] took credit for the launch.\n",
    "Incidents/2026-07-01 Other.md": "---\ntype: incident\npeople: ['[[Bob]]']\n---\nNot about Jane.\n",
}


@pytest.fixture
def vault(make_vault):
    return make_vault(NOTES)


def brief(vault, *args):
    return CliRunner().invoke(cli, ["brief", str(vault), *args, "--today", TODAY])


def as_json(vault, *args):
    result = brief(vault, *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_timeline_in_order_with_excerpts_and_incidents(vault):
    data = as_json(vault, "Jane Doe")
    assert [(e["date"], e["kind"], e["source"]) for e in data["timeline"]] == [
        ("2025-01-10", "met", "People/Jane Doe.md"),
        ("2026-08-01", "incident", "Incidents/2026-08-01 Meeting blow-up.md"),
        ("2026-09-15", "note", "Daily/2026-09-15.md"),
        ("2026-09-20", "incident", "Incidents/Unnamed.md"),
        ("2026-10-01", "meeting", "Meetings/2026-10-01 Planning.md"),
        ("2026-11-20", "note", "Daily/2026-11-20.md"),
    ]
    excerpts = {e["source"]: e["excerpt"] for e in data["timeline"]}
    assert excerpts["Daily/2026-09-15.md"] == "Had coffee with Jane at the station."
    assert excerpts["Meetings/2026-10-01 Planning.md"] == "We agreed on the Q4 roadmap. / Jane wants a draft by Friday."
    assert excerpts["Daily/2026-11-20.md"] == "linked in with"
    assert excerpts["Incidents/2026-08-01 Meeting blow-up.md"] == "Jane shouted at the team in standup. / Witnesses: Bob."
    assert [e["incident"] for e in data["timeline"]] == [False, True, False, True, False, False]


def test_facts_last_contact_follow_up_tasks_and_celebrations(vault):
    data = as_json(vault, "Jane Doe")
    assert data["generated_by"] == "relnotes" and data["today"] == TODAY
    assert data["person"] == {"name": "Jane Doe", "path": "People/Jane Doe.md", "roles": ["mentor"],
                              "company": "Acme", "position": "CTO", "cadence": "every 60 days (mentor default)",
                              "status": "active", "aliases": ["JD"]}
    # the line that counted: here the frontmatter's `with:` (line 2 of the file), which has no text to show
    assert data["last_contact"] == {"date": "2026-11-20", "how": "mentioned in 2026-11-20",
                                    "source": "Daily/2026-11-20.md", "line": 2, "text": ""}
    assert data["next_follow_up"]["date"] == "2027-01-19" and data["next_follow_up"]["overdue"] is False
    assert data["open_tasks"] == [
        {"text": "Send the draft", "due": "2026-10-05", "source": "Meetings/2026-10-01 Planning.md", "line": 8},
        {"text": "Ask Jane Doe about budget", "due": None, "source": "Meetings/2026-11-02 Sync.md", "line": 4},
    ]
    assert data["upcoming"] == [{"date": "2026-12-01", "kind": "birthday", "title": "Jane Doe's birthday (turns 46)"}]


def test_markdown_links_every_entry_and_marks_incidents(vault):
    result = brief(vault, "jd")
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert text.startswith("---\ngenerated_by: relnotes\ngenerated_for: 2026-11-25\n---\n# Jane Doe · brief\n")
    assert "- **Role**: mentor · **Company**: Acme (CTO)" in text
    assert "- **Last contact**: 2026-11-20 (mentioned in 2026-11-20)" in text
    assert ("- 2026-08-01 · ⚠️ **incident** · [[Incidents/2026-08-01 Meeting blow-up|2026-08-01 Meeting blow-up]]: "
            "Jane shouted at the team in standup. / Witnesses: Bob.") in text
    assert "- 2026-09-15 · note · [[Daily/2026-09-15|2026-09-15]]: Had coffee with Jane at the station." in text
    assert ("- Send the draft — due 2026-10-05 · [[Meetings/2026-10-01 Planning|2026-10-01 Planning]], line 8"
            in text)
    assert "- 2026-12-01 · Jane Doe's birthday (turns 46)" in text


@pytest.mark.parametrize("args, dates", [
    (["--since", "2026-09-01"], ["2026-09-15", "2026-09-20", "2026-10-01", "2026-11-20"]),
    (["--until", "2026-09-15"], ["2025-01-10", "2026-08-01", "2026-09-15"]),
    (["--since", "2026-09-01", "--until", "2026-09-30"], ["2026-09-15", "2026-09-20"]),
    (["--incidents-only"], ["2026-08-01", "2026-09-20"]),
    (["--incidents-only", "--since", "2026-09-01"], ["2026-09-20"]),
])
def test_filters(vault, args, dates):
    assert [e["date"] for e in as_json(vault, "Jane Doe", *args)["timeline"]] == dates


@pytest.mark.parametrize("name", ["Jane Doe", "jane doe", "JD", "jd", "People/Jane Doe", "JANE DOE"])
def test_names_titles_aliases_any_case(vault, name):
    assert as_json(vault, name)["person"]["path"] == "People/Jane Doe.md"


def test_unknown_names_list_close_matches(vault):
    result = brief(vault, "Jane Do")
    assert result.exit_code == 1
    assert "no person called 'Jane Do' in the vault; did you mean Jane Doe?" in result.stderr
    result = brief(vault, "Bo")
    assert result.exit_code == 1 and "did you mean" in result.stderr and "Bob" in result.stderr
    assert brief(vault, "Zzyzx").stderr.strip().endswith("no person called 'Zzyzx' in the vault")


def test_ambiguous_names_ask_for_the_path(vault):
    result = brief(vault, "Sam")
    assert result.exit_code == 1
    assert "'Sam' is ambiguous: People/New/Sam.md, People/Old/Sam.md" in result.stderr
    assert as_json(vault, "People/Old/Sam")["person"]["path"] == "People/Old/Sam.md"


def test_output_is_written_safely_and_never_read_back(vault):
    before = json.loads(CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, "--json", "--no-ics",
                                                  "--no-summary"]).stdout)
    result = brief(vault, "Jane Doe", "--output", "Briefs/2026-11-25 Jane.md")
    assert result.exit_code == 0, result.output
    path = vault / "Briefs/2026-11-25 Jane.md"
    assert path.read_text(encoding="utf-8").startswith("---\ngenerated_by: relnotes")
    after = json.loads(CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, "--json", "--no-ics",
                                                 "--no-summary"]).stdout)
    assert after == before  # a dated file name, links to Jane: still not an interaction, not a note
    assert brief(vault, "Jane Doe", "--output", "Briefs/2026-11-25 Jane.md", "--since", "2026-10-01").exit_code == 0
    assert "2026-08-01" not in path.read_text(encoding="utf-8")  # its own earlier brief is replaced

    mine = vault / "Jane notes.md"
    mine.write_text("my own notes\n")
    os.utime(mine, ns=(10**9, 10**9))
    refused = brief(vault, "Jane Doe", "--output", "Jane notes.md")
    assert refused.exit_code == 3 and "refusing to overwrite" in refused.stderr
    assert mine.read_text() == "my own notes\n" and mine.stat().st_mtime_ns == 10**9

    assert brief(vault, "Jane Doe", "--format", "json", "--output", "jane.json").exit_code == 0
    assert json.loads((vault / "jane.json").read_text())["person"]["name"] == "Jane Doe"
    assert brief(vault, "Jane Doe", "--format", "json", "--output", "jane.json").exit_code == 0


def test_missing_vault_is_an_error(tmp_path):
    result = CliRunner().invoke(cli, ["brief", str(tmp_path / "nope"), "Jane"])
    assert result.exit_code == 1 and "vault not found" in result.stderr


def test_readme_shows_a_real_brief_of_the_sample_vault(tmp_path, monkeypatch):
    root = Path(__file__).resolve().parent.parent
    shutil.copytree(root / "examples" / "vault", tmp_path / "examples" / "vault", symlinks=True)
    monkeypatch.chdir(tmp_path)
    readme = (root / "README.md").read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["brief", "examples/vault", "Priya Raman", "--today", "2026-11-25"])
    assert result.exit_code == 0, result.output
    assert (f'$ relnotes brief examples/vault "Priya Raman" --today 2026-11-25\n{result.stdout}```'
            in readme), "run scripts/update_readme_examples.py"
