"""`relnotes brief`: one relationship, in order — content, filters, names, formats, safe output."""

import json
import os
import shutil
from html.parser import HTMLParser
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
    assert excerpts["Meetings/2026-10-01 Planning.md"] == "We agreed on the Q4 roadmap. / Jane wants a draft by Friday. …"  # it goes on
    assert excerpts["Daily/2026-11-20.md"] == "linked in with"
    assert excerpts["Incidents/2026-08-01 Meeting blow-up.md"] == "Jane shouted at the team in standup. / Witnesses: Bob."
    assert [e["incident"] for e in data["timeline"]] == [False, True, False, True, False, False]
    # the blow-up names her in `people`; Unnamed.md names no one, it only links her
    assert [e.get("role") for e in data["timeline"]] == [None, "about", None, "mentioned", None, None]
    assert excerpts["Incidents/Unnamed.md"] == "about no one named — Jane Doe took credit for the launch."


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
    (["--incidents-only"], ["2026-08-01"]),  # Unnamed.md only mentions her: not her incident
    (["--incidents-only", "--since", "2026-08-01"], ["2026-08-01"]),
    (["--incidents-only", "--since", "2026-08-02"], []),
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
    record = CliRunner().invoke(cli, ["brief", "examples/vault", "Richard Coleman", "--incidents-only",
                                      "--today", "2026-11-25"])
    assert record.exit_code == 0, record.output
    assert "## 2024-01-22 · Review feedback withheld" in record.stdout
    assert (f'$ relnotes brief examples/vault "Richard Coleman" --incidents-only --today 2026-11-25\n'
            f'{record.stdout}```' in readme), "run scripts/update_readme_examples.py"


# --- the incident record: findings of the review, each reproduced -------------------------------

PEOPLE = {
    "People/Ann Lee.md": "---\ntype: person\nrole: peer\n---\n",
    "People/Bob.md": "---\ntype: person\nrole: peer\n---\n",
    "People/Sam.md": "---\ntype: person\nrole: peer\n---\n",
}
LONG_BODY = "".join(
    ["# What happened\n\n"]
    + [f"- {n:02d}:00 Ann said something else, line {n} of the account.\n" for n in range(1, 21)]
    + ["\n## Impact\n\n"]
    + [f"{n}. Consequence number {n}, written out in full.\n" for n in range(1, 16)]
    + ["\n```\nquoted email: do not forward\n```\n"])


def record_lines(text):
    """The quoted text of every incident of a Markdown record, without the quote marks."""
    return [line[2:] if line.startswith("> ") else "" for line in text.splitlines() if line.startswith(">")]


def test_a_long_incident_is_shown_whole(make_vault):
    assert len(LONG_BODY.splitlines()) >= 40
    vault = make_vault({**PEOPLE, "Incidents/Standup.md": (
        "---\ntype: incident\ndate: 2026-03-02\npeople: ['[[Ann Lee]]']\n---\n" + LONG_BODY)})
    whole = LONG_BODY.rstrip("\n").splitlines()
    record = brief(vault, "Ann Lee", "--incidents-only")
    assert record.exit_code == 0, record.output
    assert record_lines(record.stdout) == whole  # every line, in order: headings, lists, code
    full = brief(vault, "Ann Lee")
    assert full.exit_code == 0, full.output
    entry = next(line for line in full.stdout.splitlines() if "⚠️ **incident**" in line)
    assert entry.endswith("…")  # the timeline shows where it is cut …
    assert "## Incidents about Ann Lee (1)" in full.stdout and record_lines(full.stdout) == whole  # … and it follows whole
    data = as_json(vault, "Ann Lee")
    assert data["incidents"][0]["text"] == "\n".join(whole)
    assert data["timeline"][0]["excerpt"].endswith("…")


def test_a_witness_brief_shows_them_as_witness(make_vault):
    vault = make_vault({**PEOPLE,
        "Incidents/2026-03-02 Standup.md": ("---\ntype: incident\npeople: ['[[Ann Lee]]']\nwitnesses: ['[[Bob]]', "
                                            "'two people from sales']\n---\nAnn shouted. I told [[Sam]] later.\n"),
        "Incidents/2026-04-01 Review.md": ("---\ntype: incident\nwith: '[[Ann Lee]]'\n---\nShe withheld feedback.\n"
                                           "- **Witnesses**: [[Bob]] (in the room)\n")})
    bob = as_json(vault, "Bob")
    assert [(e["role"], e["about"], e["witnesses"]) for e in bob["timeline"]] == [
        ("witness", ["Ann Lee"], ["Bob", "two people from sales"]), ("witness", ["Ann Lee"], ["Bob"])]
    assert bob["incidents"] == []  # they are Ann's incidents, not his
    text = brief(vault, "Bob").stdout
    assert ("- 2026-03-02 · incident (witness) · [[Incidents/2026-03-02 Standup|2026-03-02 Standup]]: about Ann Lee — "
            "Ann shouted. I told Sam later.") in text
    assert "⚠️ **incident**" not in text and "## Incidents about" not in text
    assert "Ann shouted" not in brief(vault, "Bob", "--incidents-only").stdout
    sam = as_json(vault, "Sam")["timeline"]
    assert [(e["role"], e["about"]) for e in sam] == [("mentioned", ["Ann Lee"])]
    ann = brief(vault, "Ann Lee", "--incidents-only").stdout
    assert ann.count("- **About**: [[People/Ann Lee|Ann Lee]]\n") == 2
    assert "- **Witnesses**: [[People/Bob|Bob]], two people from sales\n" in ann
    assert [(e["role"], e["witnesses"]) for e in as_json(vault, "Ann Lee")["timeline"]] == [
        ("about", ["Bob", "two people from sales"]), ("about", ["Bob"])]


def test_incidents_only_prints_only_incidents(make_vault):
    vault = make_vault({
        "People/Ann Lee.md": "---\ntype: person\nrole: peer\nbirthday: 1990-12-01\n---\n- [ ] Ask Ann for the slides\n",
        "Meetings/2026-11-10 Sync.md": "---\nattendees: ['[[Ann Lee]]']\n---\nAll fine.\n- [ ] Send [[Ann Lee]] notes\n",
        "Incidents/2026-03-02 Standup.md": "---\ntype: incident\npeople: ['[[Ann Lee]]']\n---\nAnn shouted.\n",
        "Incidents/2026-01-05 Email.md": "---\ntype: incident\npeople: ['[[Ann Lee]]']\nplace: email\n---\nA rude email.\n",
    })
    result = brief(vault, "Ann Lee", "--incidents-only")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "---\ngenerated_by: relnotes\ngenerated_for: 2026-11-25\n---\n"
        "# Incidents about Ann Lee\n\n"
        "## 2026-01-05 · Email\n\n"
        "- **Date**: 2026-01-05 (from the file name)\n"
        "- **About**: [[People/Ann Lee|Ann Lee]]\n"
        "- **Witnesses**: none named\n"
        "- **Source**: [[Incidents/2026-01-05 Email|Incidents/2026-01-05 Email.md]]\n"
        "- **place**: email\n\n"
        "> A rude email.\n\n"
        "## 2026-03-02 · Standup\n\n"
        "- **Date**: 2026-03-02 (from the file name)\n"
        "- **About**: [[People/Ann Lee|Ann Lee]]\n"
        "- **Witnesses**: none named\n"
        "- **Source**: [[Incidents/2026-03-02 Standup|Incidents/2026-03-02 Standup.md]]\n\n"
        "> Ann shouted.\n")
    data = as_json(vault, "Ann Lee", "--incidents-only")
    assert data["incidents_only"] is True and data["open_tasks"] == [] and data["upcoming"] == []
    assert [e["kind"] for e in data["timeline"]] == ["incident", "incident"]
    period = brief(vault, "Ann Lee", "--incidents-only", "--since", "2026-02-01", "--until", "2026-12-31").stdout
    assert "# Incidents about Ann Lee (2026-02-01 to 2026-12-31)\n" in period and "rude email" not in period
    assert "No incidents recorded." in brief(vault, "Ann Lee", "--incidents-only", "--until", "2025-12-31").stdout
    # the full brief still has everything
    full = brief(vault, "Ann Lee").stdout
    assert "## Open tasks (2)" in full and "Ann Lee's birthday" in full


@pytest.mark.parametrize(("path", "date", "contact"), [
    ("Incidents/Standup.md", "2026-03-02", "2026-03-02"),  # the date field, and no date in the file name
    ("Incidents/2026-03-02 Standup.md", None, "2026-03-02"),  # no field: the file name's date
    ("Incidents/2026-01-01 Standup.md", "2026-03-02", "2026-03-02"),  # the field wins over the file name
    ("Daily/2026-03-02.md", None, "2026-03-02"),  # an incident written as a daily note: the day's date
    ("Incidents/Standup.md", None, None),  # no date at all: contact with no one (and a warning)
])
def test_incident_contact_follows_one_rule(make_vault, run_scan, path, date, contact):
    fields = f"date: {date}\n" if date else ""
    vault = make_vault({**PEOPLE, path: f"---\ntype: incident\n{fields}people: ['[[Ann Lee]]']\n"
                                        "witnesses: ['[[Bob]]']\n---\nAnn shouted at [[Sam]].\n"},
                       obsidian={"daily-notes.json": {"folder": "Daily", "format": "YYYY-MM-DD"}})
    result = run_scan(vault, TODAY)
    people = {p.name: p for p in result.vault.people}
    found = [(i.date.isoformat(), i.kind, i.source) for i in people["Ann Lee"].interactions]
    assert found == ([(contact, "incident", path)] if contact else [])
    assert people["Bob"].interactions == [] and people["Sam"].interactions == []  # witnesses, mentions: never
    warned = [p.message for p in result.problems if p.path == path]
    assert bool(warned) == (contact is None)
    if contact:
        assert as_json(vault, "Ann Lee")["last_contact"] == {"date": contact, "how": "incident: Standup" if
                                                             "Daily" not in path else "incident: 2026-03-02",
                                                             "source": path, "line": 3 + bool(date),
                                                             "text": ""}
    else:
        assert warned[0].startswith("incident has no date: add 'date: YYYY-MM-DD'")


def test_an_incident_under_a_person_note_is_about_them(make_vault, run_scan):
    vault = make_vault({**PEOPLE,
                        "People/Ann Lee/2026-03-02 Standup.md": "---\ntype: incident\n---\nShe shouted; [[Bob]] saw it.\n",
                        "People/Cy/Cy.md": "---\ntype: person\n---\n",  # a folder note
                        "People/Cy/Notes/2026-04-01 Call.md": "---\ntype: incident\nwitnesses: [Ann Lee]\n---\nCy hung up.\n"})
    result = run_scan(vault, TODAY)
    assert [p.message for p in result.problems if "incident" in p.message] == []
    record = as_json(vault, "Ann Lee")["incidents"]
    assert [(r["source"], r["about"], r["sits_under"]) for r in record] == [
        ("People/Ann Lee/2026-03-02 Standup.md", [{"name": "Ann Lee", "path": "People/Ann Lee.md"}], True)]
    assert "- **About**: [[People/Ann Lee|Ann Lee]] (the person note it sits under)" in brief(
        vault, "Ann Lee", "--incidents-only").stdout
    assert [(e["source"], e["role"]) for e in as_json(vault, "Bob")["timeline"]] == [
        ("People/Ann Lee/2026-03-02 Standup.md", "mentioned")]
    assert [(e["source"], e["role"]) for e in as_json(vault, "Cy")["timeline"]] == [
        ("People/Cy/Notes/2026-04-01 Call.md", "about")]
    assert [(e["source"], e["role"]) for e in as_json(vault, "Ann Lee")["timeline"]] == [
        ("People/Ann Lee/2026-03-02 Standup.md", "about"), ("People/Cy/Notes/2026-04-01 Call.md", "witness")]
    assert [i.kind for i in next(p for p in result.vault.people if p.name == "Cy").interactions] == ["incident"]


def test_an_incident_that_names_no_one_it_is_about_is_a_warning(make_vault, run_scan):
    vault = make_vault({**PEOPLE,
                        "Incidents/2026-03-02 Standup.md": "---\ntype: incident\n---\n[[Bob]] and [[Sam]] were there.\n",
                        "Incidents/2026-03-03 Typo.md": "---\ntype: incident\npeople: ['[[Ann Leee]]']\n---\nx\n"})
    messages = [(p.path, p.line, p.message) for p in run_scan(vault, TODAY).problems]
    assert messages == [
        ("Incidents/2026-03-02 Standup.md", None,
         "incident names no one it is about: add 'people: [\"[[Name]]\"]' (it links Bob, Sam); until "
         "then it is in no one's incident record and counts as contact with no one"),
        ("Incidents/2026-03-03 Typo.md", 3, "people: no person note for 'Ann Leee'")]


def test_incident_text_is_safe_and_kept_as_written(make_vault):
    body = "Line one\x1b]52;c;ZXZpbA==\x07 end\n\t- indented with a tab\n<script>alert(1)</script>\n"
    vault = make_vault({**PEOPLE, "Incidents/2026-03-02 x.md": (
        "---\ntype: incident\npeople: ['[[Ann Lee]]']\n---\n" + body)})
    for args in (["--incidents-only"], [], ["--incidents-only", "--format", "json"],
                 ["--incidents-only", "--format", "html"]):
        result = brief(vault, "Ann Lee", *args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    lines = record_lines(brief(vault, "Ann Lee", "--incidents-only").stdout)
    assert lines == ["Line one ]52;c;ZXZpbA==  end", "\t- indented with a tab", "<script>alert(1)</script>"]


class _Page(HTMLParser):
    """The parts of an HTML record a reader sees, by tag; and every tag opened."""

    def __init__(self):
        super().__init__()
        self.tags, self.text, self.meta, self._open = [], {}, {}, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self._open.append(tag)
        if tag == "meta" and dict(attrs).get("name"):
            self.meta[dict(attrs)["name"]] = dict(attrs).get("content")
        if tag in ("h1", "h2", "dt", "dd", "pre", "title"):
            self.text.setdefault(tag, []).append("")

    def handle_endtag(self, tag):
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag):]

    def handle_data(self, data):
        current = next((t for t in reversed(self._open) if t in ("h1", "h2", "dt", "dd", "pre", "title")), None)
        if current:
            self.text[current][-1] += data


def test_the_incident_record_renders_as_html_to_print(make_vault):
    vault = make_vault({**PEOPLE, "Incidents/2026-03-02 Standup.md": (
        "---\ntype: incident\npeople: ['[[Ann Lee]]']\nwitnesses: ['[[Bob]]']\n---\n" + LONG_BODY
        + "She wrote: <script>alert('x')</script> & left.\n")})
    result = brief(vault, "Ann Lee", "--incidents-only", "--format", "html")
    assert result.exit_code == 0, result.output
    page = _Page()
    page.feed(result.stdout)
    page.close()
    assert "script" not in page.tags and result.stdout.startswith("<!DOCTYPE html>")
    assert page.meta["generator"] == "relnotes"
    assert page.text["title"] == page.text["h1"] == ["Incidents about Ann Lee"]
    assert page.text["h2"] == ["2026-03-02 · Standup"]
    assert dict(zip(page.text["dt"], page.text["dd"], strict=True)) == {
        "Date": "2026-03-02 (from the file name)", "About": "Ann Lee", "Witnesses": "Bob",
        "Source": "Incidents/2026-03-02 Standup.md"}
    assert page.text["pre"] == [LONG_BODY + "She wrote: <script>alert('x')</script> & left."]
    refused = brief(vault, "Ann Lee", "--format", "html")
    assert refused.exit_code == 2 and "--format html prints the incident record: add --incidents-only" in refused.stderr
    written = brief(vault, "Ann Lee", "--incidents-only", "--format", "html", "--output", "ann.html")
    assert written.exit_code == 0, written.output
    assert "Wrote the incident record on Ann Lee" in written.stdout
    assert brief(vault, "Ann Lee", "--incidents-only", "--format", "html", "--output", "ann.html").exit_code == 0
    (vault / "mine.html").write_text("<p>mine</p>")
    assert brief(vault, "Ann Lee", "--incidents-only", "--format", "html", "--output", "mine.html").exit_code == 3


def test_init_templates_adds_an_incident_template(make_vault, run_scan):
    vault = make_vault(PEOPLE, obsidian={"templates.json": {"folder": "Tpl"}})
    result = CliRunner().invoke(cli, ["init", str(vault), "--templates"])
    assert result.exit_code == 0, result.output
    template = (vault / "Tpl/Incident.md").read_text(encoding="utf-8")
    assert template.startswith("---\ntype: incident\ndate: {{date}}\npeople: []\nwitnesses: []\n---\n# {{title}}\n")
    assert run_scan(vault, TODAY).problems == []  # the template itself is no incident
    filled = (template.replace("{{date}}", "2026-03-02").replace("{{title}}", "Standup")
              .replace("people: []", "people: ['[[Ann Lee]]']").replace("witnesses: []", "witnesses: ['[[Bob]]']")
              .replace("## What happened\n", "## What happened\nAnn shouted.\n"))
    (vault / "Incidents").mkdir()
    (vault / "Incidents/Standup.md").write_text(filled, encoding="utf-8")
    assert run_scan(vault, TODAY).problems == []
    record = as_json(vault, "Ann Lee", "--incidents-only")["incidents"]
    assert [(r["date"], r["witnesses"][0]["name"], r["fields"]) for r in record] == [("2026-03-02", "Bob", {})]
    assert "## What happened\nAnn shouted.\n\n## Where" in record[0]["text"]
    templater = make_vault({}, obsidian={"plugins/templater-obsidian/data.json": {"templates_folder": "Tpl"}})
    assert CliRunner().invoke(cli, ["init", str(templater), "--templates"]).exit_code == 0
    assert 'date: <% tp.date.now("YYYY-MM-DD") %>' in (templater / "Tpl/Incident.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("declared", ["type: incident", "Type: Incident", "type: [incident, hr]",
                                      "type: '[[Incident]]'", "type: ['[[Incidents]]']"])
def test_an_incident_is_known_by_its_type_in_any_form(make_vault, declared):
    vault = make_vault({**PEOPLE, "Notes/2026-03-02 Standup.md": f"---\n{declared}\npeople: ['[[Ann Lee]]']\n---\nx\n"})
    assert [r["source"] for r in as_json(vault, "Ann Lee")["incidents"]] == ["Notes/2026-03-02 Standup.md"]


def test_control_characters_in_the_sentence_and_the_line_that_counted_never_reach_the_terminal(make_vault):
    osc = "\x1b]52;c;ZXZpbA==\x07"
    vault = make_vault({**PEOPLE, "2026-11-20.md": f"Lunch{osc} with [[Ann Lee]]. Then home.\n"})
    for args in ([], ["--format", "json"]):
        result = brief(vault, "Ann Lee", *args)
        assert result.exit_code == 0, result.output
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    text = brief(vault, "Ann Lee").stdout
    assert "Lunch ]52;c;ZXZpbA== with Ann Lee." in text  # the sentence, and the line that counted
