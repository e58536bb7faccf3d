"""relnotes-linkedin, end to end: real CSV files, real vaults, the real `relnotes` command line."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import frontmatter
import pytest
from click.testing import CliRunner

from relnotes.cli import cli

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\n"
PREAMBLE = ('Notes:\n"When exporting your connection data, you may notice that some of the email addresses '
            'are missing. You will only see email addresses for connections who have allowed, their connections '
            'to see or download their email address."\n\n')


@pytest.fixture(autouse=True)
def installed_plugins(monkeypatch):
    """Plugin commands come from installed entry points: load them."""
    monkeypatch.delenv("RELNOTES_DISABLE_PLUGIN_AUTOLOAD", raising=False)


def write_csv(tmp_path: Path, rows: str, *, preamble: str = PREAMBLE, bom: bool = True) -> Path:
    path = tmp_path / "Connections.csv"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + (preamble + HEADER + rows).encode())
    return path


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_imports_the_export_with_its_preamble_bom_and_quoted_fields(make_vault, tmp_path):
    vault = make_vault({"Home.md": "# Home\n"})
    csv_file = write_csv(tmp_path, 'Jane,Doe,https://www.linkedin.com/in/janedoe,jane@example.com,'
                         '"Acme, Inc.","CTO, Platform",12 Jan 2024\n'
                         'Zoë,Ørsted 🚀,https://www.linkedin.com/in/zoe,,Nordlys,Engineer,3 Feb 2023\n')
    result = run("linkedin-import", vault, csv_file)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["created People/Jane Doe.md", "created People/Zoë Ørsted 🚀.md",
                                          "created 2, skipped 0"]
    jane = frontmatter.load(vault / "People/Jane Doe.md")
    assert jane.metadata == {"type": "person", "role": "contact", "cadence": "none", "company": "Acme, Inc.",
                             "position": "CTO, Platform", "met": dt.date(2024, 1, 12),
                             "linkedin": "https://www.linkedin.com/in/janedoe", "email": "jane@example.com",
                             "tags": ["person"]}
    assert jane.content == "Imported from LinkedIn (connected 2024-01-12)."
    zoe = frontmatter.load(vault / "People/Zoë Ørsted 🚀.md")
    assert "email" not in zoe.metadata and zoe["met"] == dt.date(2023, 2, 3)


def test_an_unreadable_date_is_left_out_and_reported(make_vault, tmp_path):
    vault = make_vault({})
    result = run("linkedin-import", vault, write_csv(tmp_path, "Jane,Doe,,,,,sometime\n"))
    assert result.stdout.splitlines()[0] == "created People/Jane Doe.md (Connected On 'sometime' is not a date: no 'met')"
    note = frontmatter.load(vault / "People/Jane Doe.md")
    assert "met" not in note.metadata and note.content == "Imported from LinkedIn."


def test_people_already_in_the_vault_are_neither_duplicated_nor_touched(make_vault, tmp_path):
    vault = make_vault({
        "People/jane doe.md": "---\ntype: person\n---\nJane, lower-case title.\n",
        "People/Robert Smith.md": "---\ntype: person\naliases: [Bob Smith]\n---\n",
        "Contacts/Ann.md": "---\ntype: person\nurl: http://linkedin.com/in/Ann-Lee/\n---\n",
        "Contacts/Kim.md": "---\ntags: [person]\nlinkedin_url: linkedin.com/in/kim\n---\n",
        "Projects/Omar Haddad.md": "# A project note, not a person\n",
    })
    before = snapshot(vault)
    csv_file = write_csv(tmp_path, "Jane,Doe,,,,,12 Jan 2024\n"
                         "Bob,Smith,,,,,12 Jan 2024\n"
                         "Ann,Lee,https://www.linkedin.com/in/ann-lee?trk=people,,,,12 Jan 2024\n"
                         "Kimberly,Park,HTTPS://www.LinkedIn.com/in/kim/,,,,12 Jan 2024\n")
    result = run("linkedin-import", vault, csv_file)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "skip Jane Doe: already in the vault as People/jane doe.md (matched by name)",
        "skip Bob Smith: already in the vault as People/Robert Smith.md (matched by alias)",
        "skip Ann Lee: already in the vault as Contacts/Ann.md (matched by LinkedIn URL)",
        "skip Kimberly Park: already in the vault as Contacts/Kim.md (matched by LinkedIn URL)",
        "created 0, skipped 4",
    ]
    assert snapshot(vault) == before


def test_a_file_in_the_way_is_never_overwritten(make_vault, tmp_path):
    vault = make_vault({"People/Omar Haddad.md": "---\ntype: note\n---\nNot a person, but in the way.\n"})
    before = snapshot(vault)
    result = run("linkedin-import", vault, write_csv(tmp_path, "Omar,Haddad,,,,,12 Jan 2024\n"))
    assert result.stdout.splitlines() == [
        "skip Omar Haddad: People/Omar Haddad.md exists already and is not a person note", "created 0, skipped 1"]
    assert snapshot(vault) == before


def test_someone_listed_twice_gets_one_note(make_vault, tmp_path):
    vault = make_vault({})
    csv_file = write_csv(tmp_path, "Jane,Doe,https://www.linkedin.com/in/janedoe,,Acme,,12 Jan 2024\n"
                         "JANE,DOE,,,Other,,13 Jan 2024\n"
                         "Janie,D.,https://linkedin.com/in/janedoe/,,,,14 Jan 2024\n", preamble="", bom=False)
    result = run("linkedin-import", vault, csv_file)
    assert result.stdout.splitlines() == [
        "created People/Jane Doe.md",
        "skip JANE DOE: same person as line 2 of the CSV (People/Jane Doe.md)",
        "skip Janie D.: same person as line 2 of the CSV (People/Jane Doe.md)",
        "created 1, skipped 2",
    ]
    assert [p.name for p in (vault / "People").iterdir()] == ["Jane Doe.md"]
    assert frontmatter.load(vault / "People/Jane Doe.md")["company"] == "Acme"


def test_unsafe_characters_make_a_safe_file_name_and_the_real_name_an_alias(make_vault, run_scan, tmp_path):
    vault = make_vault({})
    name = 'Ann "Annie" O/Neil [PhD]: #1 | A^B*?<>\\'
    csv_file = write_csv(tmp_path, 'Ann,"""Annie"" O/Neil [PhD]: #1 | A^B*?<>\\",,,,,12 Jan 2024\n'
                         "..., ...,,,,,12 Jan 2024\n")
    result = run("linkedin-import", vault, csv_file)
    assert result.stdout.splitlines() == ["created People/Ann Annie O Neil PhD 1 A B.md",
                                          "skip ... ...: no usable file name", "created 1, skipped 1"]
    note = frontmatter.load(vault / "People/Ann Annie O Neil PhD 1 A B.md")
    assert note["aliases"] == [name]
    [person] = run_scan(vault, "2024-01-20").vault.people
    assert (person.name, person.aliases) == ("Ann Annie O Neil PhD 1 A B", (name,))


def test_connections_without_a_name_are_skipped_and_counted(make_vault, tmp_path):
    vault = make_vault({})
    csv_file = write_csv(tmp_path, ",,,,,,12 Jan 2024\nJane,Doe,,,,,12 Jan 2024\n , ,https://linkedin.com/in/x,,,,\n\n")
    result = run("linkedin-import", vault, csv_file)
    assert result.stdout.splitlines() == [
        "skip line 5: no name (LinkedIn hides some connections)", "created People/Jane Doe.md",
        "skip line 7: no name (LinkedIn hides some connections)", "created 1, skipped 2"]


def test_dry_run_writes_nothing(make_vault, tmp_path):
    vault = make_vault({"People/Bob.md": "---\ntype: person\n---\n"})
    before = snapshot(vault)
    result = run("linkedin-import", vault, write_csv(tmp_path, "Jane,Doe,,,,,12 Jan 2024\nBob,,,,,,\n"), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "would create People/Jane Doe.md",
        "skip Bob: already in the vault as People/Bob.md (matched by name)",
        "would create 1, skipped 1"]
    assert snapshot(vault) == before


def test_the_folder_comes_from_the_config_or_the_option(make_vault, tmp_path):
    vault = make_vault({}, config='people_folder = "Folks"\n')
    csv_file = write_csv(tmp_path, "Jane,Doe,,,,,12 Jan 2024\n")
    assert run("linkedin-import", vault, csv_file, "--dry-run").stdout.startswith("would create Folks/Jane Doe.md\n")
    result = run("linkedin-import", vault, csv_file, "--folder", "Network/LinkedIn")
    assert result.stdout.startswith("created Network/LinkedIn/Jane Doe.md\n")
    assert frontmatter.load(vault / "Network/LinkedIn/Jane Doe.md")["type"] == "person"
    assert run("linkedin-import", vault, csv_file, "--folder", "../outside").exit_code == 2


def test_a_file_that_is_not_the_export_is_an_error(make_vault, tmp_path):
    vault = make_vault({})
    not_csv = tmp_path / "contacts.csv"
    not_csv.write_text("Name,Email\nJane Doe,jane@example.com\n", encoding="utf-8")
    result = run("linkedin-import", vault, not_csv)
    assert result.exit_code == 1
    assert "no header row 'First Name,Last Name,…' found" in result.output
    missing = run("linkedin-import", vault, tmp_path / "nope.csv")
    assert missing.exit_code == 1 and "cannot read" in missing.output
    assert snapshot(vault) == {}


def test_an_imported_connection_gets_a_new_contact_reminder(make_vault, tmp_path):
    vault = make_vault({})
    run("linkedin-import", vault, write_csv(tmp_path, "Jane,Doe,https://www.linkedin.com/in/janedoe,,Acme,CTO,12 Jan 2024\n"
                                            "Old,Friend,,,,,1 Jun 2015\n"))
    result = run("scan", vault, "--json", "--today", "2024-01-20")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [(r["kind"], r["person"], r["date"]) for r in report["reminders"] if r["kind"] == "new-contact"] == [
        ("new-contact", "Jane Doe", "2024-01-14")]
    assert report["counts"]["people"] == 2 and report["warnings"] == []


def test_relnotes_lists_the_plugin_as_installed():
    result = run("plugins", "--json")
    assert result.exit_code == 0, result.output
    row = next(row for row in json.loads(result.stdout)["plugins"] if row["name"] == "linkedin")
    assert (row["origin"], row["distribution"], row["hooks"]) == (
        "installed", "relnotes-linkedin",
        ["relnotes_commands", "relnotes_interactions", "relnotes_person_reminders", "relnotes_settings"])
    assert row["whole_vault"] == ["relnotes_interactions"]  # the messages export is no note


@pytest.mark.parametrize("option, cadence", [([], "none"), (["--cadence", "role"], None),
                                             (["--cadence", "90d"], "90d")])
def test_cadence_of_imported_contacts(make_vault, tmp_path, option, cadence):
    vault = make_vault({"Home.md": "# Home\n"})
    csv_file = write_csv(tmp_path, "Jane,Doe,https://www.linkedin.com/in/janedoe,,Acme,CTO,12 Jan 2024\n")
    assert run("linkedin-import", vault, csv_file, *option).exit_code == 0
    assert frontmatter.load(vault / "People/Jane Doe.md").metadata.get("cadence") == cadence


def test_a_bad_cadence_is_a_usage_error(make_vault, tmp_path):
    vault = make_vault({"Home.md": "# Home\n"})
    csv_file = write_csv(tmp_path, "Jane,Doe,,,Acme,CTO,12 Jan 2024\n")
    result = run("linkedin-import", vault, csv_file, "--cadence", "often")
    assert result.exit_code == 2 and "--cadence" in result.output
    assert not (vault / "People").exists()


def test_accents_and_case_are_ignored_and_a_windows_1252_csv_is_read(make_vault, tmp_path):
    """The matching every import shares: an existing Tomas Ibanez.md is Tomás Ibáñez (a duplicate was
    made before), an email on a note matches; a CSV that Excel re-saved as Windows-1252 is read."""
    vault = make_vault({"People/Tomas Ibanez.md": "---\ntype: person\n---\n",
                        "People/Ana.md": "---\ntype: person\nemail: ana@acme.example\n---\n"})
    path = tmp_path / "Connections.csv"
    path.write_bytes((PREAMBLE + HEADER + "Tomás,Ibáñez,,,,,12 Jan 2024\n"
                      "Ana María,López,,ana@acme.example,,,12 Jan 2024\nJosé,Núñez,,,,,12 Jan 2024\n").encode("cp1252"))
    result = run("linkedin-import", vault, path)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "skip Tomás Ibáñez: already in the vault as People/Tomas Ibanez.md (matched by name)",
        "skip Ana María López: already in the vault as People/Ana.md (matched by email)",
        "created People/José Núñez.md", "created 1, skipped 2"]


MESSAGES = (
    "CONVERSATION ID,CONVERSATION TITLE,FROM,SENDER PROFILE URL,TO,RECIPIENT PROFILE URLS,DATE,SUBJECT,CONTENT,"
    "FOLDER\n"
    '2-abc,,Me Myself,https://www.linkedin.com/in/me,"Jane Doe",https://www.linkedin.com/in/janedoe,'
    '2026-11-02 09:15:00 UTC,,"Congrats, Jane!",INBOX\n'
    '2-abc,,Jane Doe,https://www.linkedin.com/in/janedoe,Me Myself,https://www.linkedin.com/in/me,'
    '2026-11-03 18:00:00 UTC,,"Thanks, let\'s catch up",INBOX\n'
    '2-def,Hiring chat,Søren Ølgaard,https://www.linkedin.com/in/soren,Me Myself,https://www.linkedin.com/in/me,'
    '2026-11-10 08:00:00 UTC,,"Hej",INBOX\n'
    '2-ghi,,Me Myself,https://www.linkedin.com/in/me,Stranger Danger,https://www.linkedin.com/in/stranger,'
    '2026-11-11 08:00:00 UTC,,"Hi",SENT\n'
    '2-jkl,,Me Myself,https://www.linkedin.com/in/me,Jane Doe,https://www.linkedin.com/in/janedoe,'
    'yesterday,,"?",SENT\n'
)


def test_messages_sent_and_received_are_contact(make_vault):
    vault = make_vault({
        "People/Jane Doe.md": "---\ntype: person\nrole: peer\nlinkedin: https://linkedin.com/in/JaneDoe/\n---\n",
        "People/Soren Olgaard.md": "---\ntype: person\nrole: contact\naliases: [Søren Ølgaard]\n---\n",
        ".relnotes/linkedin/messages.csv": MESSAGES,
    })
    result = run("brief", vault, "Jane Doe", "--today", "2026-11-25", "--format", "json")
    timeline = [(e["date"], e["kind"]) for e in json.loads(result.stdout)["timeline"]]
    assert timeline == [("2026-11-02", "linkedin"), ("2026-11-03", "linkedin")]  # sent, received
    result = run("brief", vault, "Soren Olgaard", "--today", "2026-11-25", "--format", "json")
    data = json.loads(result.stdout)
    assert [(e["date"], e["title"]) for e in data["timeline"]] == [("2026-11-10", "Hiring chat")]  # by name
    scan = json.loads(run("scan", vault, "--json", "--today", "2026-11-25", "--no-ics", "--no-summary").stdout)
    assert [w["message"] for w in scan["warnings"] if "linkedin" in w["path"]] == [
        "line 6: DATE 'yesterday' is not a date; skipped"]
    assert "Me Myself" not in json.dumps(scan) and "Stranger" not in json.dumps(scan)


# --- job changes -------------------------------------------------------------------------------

PRIYA = ("---\r\n"
         "type: person\r\n"
         "company: Globex   # since 2021\r\n"
         "position: Staff Engineer\r\n"
         "birthday: 1990-04-02\r\n"
         "---\r\n"
         "Met at [[RustConf]].\r\n")
TOMAS = "---\ntype: person\norg: Initech\njob_title: Analyst\njobs:\n  - org: Umbrella\n    until: 2019-05-01\n---\n"
NEW_JOBS = ('Priya,Raman,https://www.linkedin.com/in/priya,,"Acme, Inc.",Principal Engineer,12 Jan 2020\n'
            "Tomás,Ibáñez,,,Initech,Senior Analyst,3 Feb 2021\n"
            "Same,Person,,,Hooli,CEO,3 Feb 2021\n"
            "Blank,Company,,,,,3 Feb 2021\n"
            "Inline,Field,,,Acme,CTO,3 Feb 2021\n")


def job_vault(make_vault):
    return make_vault({
        "People/Priya Raman.md": PRIYA,
        "People/Tomas Ibanez.md": TOMAS,
        "People/Same Person.md": "---\ntype: person\ncompany: hooli\nposition: ceo\n---\n",
        "People/Blank Company.md": "---\ntype: person\ncompany: Globex\n---\n",
        "People/Inline Field.md": "---\ntype: person\n---\ncompany:: Globex\n",
    }, config='goal = { people = 4, per = "month" }\n')


def new_roles(vault, today):
    report = json.loads(run("scan", vault, "--today", today, "--json").stdout)
    return [(r["title"], r["date"], r["detail"]) for r in report["reminders"] if r["kind"] == "new-role"]


def test_a_newer_export_shows_each_new_role_and_changes_nothing_without_update(make_vault, tmp_path):
    vault = job_vault(make_vault)
    before = snapshot(vault)
    result = run("linkedin-import", vault, write_csv(tmp_path, NEW_JOBS), "--today", "2026-12-01")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "new role: Priya Raman (People/Priya Raman.md): Staff Engineer at Globex → Principal Engineer at Acme, Inc.",
        "new role: Tomas Ibanez (People/Tomas Ibanez.md): Analyst at Initech → Senior Analyst at Initech",
        "skip Same Person: already in the vault as People/Same Person.md (matched by name)",
        "skip Blank Company: already in the vault as People/Blank Company.md (matched by name)",
        "new role: Inline Field (People/Inline Field.md): Globex → CTO at Acme",
        "created 0, skipped 5, new roles 3",
        "Run again with --update to write the new roles into the notes (company and position; the old job goes "
        "under jobs).",
    ]
    assert snapshot(vault) == before
    assert run("linkedin-import", vault, write_csv(tmp_path, NEW_JOBS), "--update", "--dry-run").stdout.splitlines(
        )[-2] == "would create 0, skipped 5, new roles 3"
    assert snapshot(vault) == before
    assert new_roles(vault, "2026-12-01") == []


def test_update_rewrites_just_the_job_and_keeps_the_old_one_in_jobs(make_vault, tmp_path):
    vault = job_vault(make_vault)
    before = snapshot(vault)
    csv_file = write_csv(tmp_path, NEW_JOBS)
    result = run("linkedin-import", vault, csv_file, "--update", "--today", "2026-12-01")
    assert result.exit_code == 0, result.output
    out = result.stdout.splitlines()
    assert out[1] == "  updated People/Priya Raman.md" and out[3] == "  updated People/Tomas Ibanez.md"
    assert out[7] == ("  not updated: company is the inline field company:: on line 4; change it by hand")
    assert out[8] == "created 0, skipped 5, new roles 3 (updated 2)"
    after = snapshot(vault)
    assert after["People/Priya Raman.md"] == (
        b"---\r\n"
        b"type: person\r\n"
        b"company: Acme, Inc.   # since 2021\r\n"
        b"position: Principal Engineer\r\n"
        b"birthday: 1990-04-02\r\n"
        b"jobs:\r\n"
        b"  - company: Globex\r\n"
        b"    position: Staff Engineer\r\n"
        b"    until: 2026-12-01\r\n"
        b"---\r\n"
        b"Met at [[RustConf]].\r\n")
    assert after["People/Tomas Ibanez.md"] == (  # the note's own names for the fields; newest job first
        b"---\ntype: person\norg: Initech\njob_title: Senior Analyst\njobs:\n"
        b"  - company: Initech\n    position: Analyst\n    until: 2026-12-01\n"
        b"  - org: Umbrella\n    until: 2019-05-01\n---\n")
    assert {k: v for k, v in after.items() if v != before[k]}.keys() == {"People/Priya Raman.md",
                                                                         "People/Tomas Ibanez.md"}
    again = run("linkedin-import", vault, csv_file, "--update", "--today", "2026-12-02")
    assert "new role: Priya" not in again.stdout and snapshot(vault)["People/Priya Raman.md"] == after[
        "People/Priya Raman.md"]


def test_a_new_role_is_a_celebration_until_done_or_a_month_has_passed(make_vault, tmp_path):
    vault = job_vault(make_vault)
    run("linkedin-import", vault, write_csv(tmp_path, NEW_JOBS), "--update", "--today", "2026-12-01")
    assert new_roles(vault, "2026-12-03") == [
        ("Congratulate Priya Raman on the new role at Acme, Inc.", "2026-12-01",
         "now Principal Engineer at Acme, Inc., was Staff Engineer at Globex (until 2026-12-01)"),
        ("Congratulate Tomas Ibanez on becoming Senior Analyst at Initech", "2026-12-01",
         "now Senior Analyst at Initech, was Analyst at Initech (until 2026-12-01)"),
    ]
    assert new_roles(vault, "2026-11-30") == []  # not before it happened
    assert len(new_roles(vault, "2026-12-31")) == 2 and new_roles(vault, "2027-01-01") == []
    report = json.loads(run("scan", vault, "--today", "2026-12-03", "--json").stdout)
    priya = next(r for r in report["reminders"] if r["kind"] == "new-role" and r["person"] == "Priya Raman")
    assert priya["data"] == {"company": "Acme, Inc.", "position": "Principal Engineer"}
    done = run("done", vault, priya["uid"], "--today", "2026-12-03")
    assert done.exit_code == 0, done.output
    assert [t for t, *_ in new_roles(vault, "2026-12-03")] == [
        "Congratulate Tomas Ibanez on becoming Senior Analyst at Initech"]


def test_a_jobs_list_that_cannot_be_read_is_a_warning(make_vault):
    vault = make_vault({"People/Ann.md": "---\ntype: person\njobs:\n  - company: A\n  - until: soon\n---\n",
                        "People/Bo.md": "---\ntype: person\njobs: Globex\n---\n"})
    report = json.loads(run("scan", vault, "--today", "2026-12-01", "--json").stdout)
    assert sorted((w["path"], w["line"], w["message"]) for w in report["warnings"] if w["path"]) == [
        ("People/Ann.md", 3, "jobs: entry 1: no 'until' date; ignored"),
        ("People/Ann.md", 3, "jobs: entry 2: 'soon' is not a date in YYYY-MM-DD form; ignored"),
        ("People/Bo.md", 3, "jobs: not a list of past jobs; ignored")]


def test_the_connection_date_is_no_conversation_for_the_goal(make_vault, tmp_path):
    vault = make_vault({}, config='goal = { people = 4, per = "month" }\n')
    run("linkedin-import", vault, write_csv(tmp_path, "Jane,Doe,,,Acme,CTO,20 Nov 2026\n"))
    report = json.loads(run("scan", vault, "--today", "2026-11-25", "--json").stdout)
    assert [r["kind"] for r in report["reminders"]] == ["new-contact"]  # you met: send a follow-up
    assert report["goal"]["done"] == 0
