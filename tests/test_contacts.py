"""`relnotes import vcard`: contacts exports of two apps, matched to the vault's people as every
import is (case and accents ignored, emails, phones), never overwriting a note."""

import json

from click.testing import CliRunner

from relnotes.cli import cli
from relnotes.contacts import decode_export, match_key

# Apple Contacts: vCard 3.0, grouped properties (item1.EMAIL), a photo folded over lines, a birthday
# without a year (X-APPLE-OMIT-YEAR), an anniversary as X-ABDATE, CRLF line ends.
APPLE = (
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//macOS 15.1//EN\r\nN:Ibáñez;Tomás;;;\r\nFN:Tomás Ibáñez\r\n"
    "ORG:Northwind Labs;Platform\r\nTITLE:Staff Engineer\r\nitem1.EMAIL;type=INTERNET;type=pref:tomas@northwind.example\r\n"
    "item1.X-ABLabel:_$!<Other>!$_\r\nTEL;type=CELL;type=VOICE;type=pref:+1 (555) 010-2030\r\n"
    "BDAY;X-APPLE-OMIT-YEAR=1604:1604-03-15\r\n"
    "PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAgGBgcGBQgHBwcJCQgKDBQNDAsLDBkSEw8UHR\r\n"
    " ofHh0aHBwgJC4nICIsIxwcKDcpLDAxNDQ0Hyc5PTgyPC4zNDL/2wBDAQkJCQwLDBgNDRgyIRwhMjIyMjIy\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Okafor;Margaret;;;\r\nFN:Margaret Okafor\r\nBDAY:1979-06-02\r\n"
    "item2.X-ABDATE:2005-09-17\r\nitem2.X-ABLabel:_$!<Anniversary>!$_\r\nEMAIL;type=INTERNET:m.okafor@helix.example\r\n"
    "END:VCARD\r\n"
)
# Google Contacts: vCard 4.0 (as a CardDAV server gives it), a no-year birthday --0315, ANNIVERSARY, NICKNAME,
# a long note folded, a card with no name at all, and a contact the vault has by email only.
GOOGLE = (
    "BEGIN:VCARD\nVERSION:4.0\nFN:Lena Fischer\nN:Fischer;Lena;;;\nNICKNAME:Leni\nBDAY:--0704\n"
    "ANNIVERSARY:20150612\nEMAIL;TYPE=work:lena@fischer.example\nEMAIL;TYPE=home:lena.f@mail.example\n"
    "NOTE:Met at the data conference in Berlin\\, talked about lineage tooling for a long time and th\n"
    " en about hiking.\nEND:VCARD\n"
    "BEGIN:VCARD\nVERSION:4.0\nEMAIL:nobody@example.org\nEND:VCARD\n"
    "BEGIN:VCARD\nVERSION:4.0\nFN:Priya R.\nEMAIL:PRIYA.RAMAN@example.com\nBDAY:1984-12-03\nEND:VCARD\n"
    "BEGIN:VCARD\nVERSION:4.0\nFN:Wei Chen\nBDAY:not a date\nEND:VCARD\n"
)
VAULT = {
    "People/Tomas Ibanez.md": "---\ntype: person\nrole: peer\n---\n",
    "People/Priya Raman.md": "---\ntype: person\nrole: mentor\nemail: priya.raman@example.com\n---\n",
}


def run(*args):
    return CliRunner().invoke(cli, ["import", "vcard", *map(str, args)])


def test_two_apps_contacts_become_person_notes_and_the_vault_reads_them(make_vault, tmp_path):
    vault = make_vault(VAULT)
    (tmp_path / "apple.vcf").write_text(APPLE, encoding="utf-8")
    (tmp_path / "google.vcf").write_text(GOOGLE, encoding="utf-8")
    before = {p: p.read_bytes() for p in vault.rglob("*.md")}
    plan = run(vault, tmp_path / "apple.vcf", "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert plan.output.splitlines() == [
        "skip Tomás Ibáñez: already in the vault as People/Tomas Ibanez.md (matched by name)",
        "would create People/Margaret Okafor.md (birthday 1979-06-02, 1 email)",
        "would create 1, skipped 1"]
    assert sorted(vault.rglob("*.md")) == sorted(before)  # a dry run writes nothing
    assert run(vault, tmp_path / "apple.vcf").exit_code == 0
    result = run(vault, tmp_path / "google.vcf")
    assert result.output.splitlines() == [
        "created People/Lena Fischer.md (birthday --07-04, 2 emails)",
        "skip google.vcf:13: no name",
        "skip Priya R.: already in the vault as People/Priya Raman.md (matched by email)",
        "created People/Wei Chen.md (BDAY 'not a date' is not a date; left out)",
        "created 2, skipped 2"]
    assert all(p.read_bytes() == data for p, data in before.items())  # never a byte of a note of yours
    lena = (vault / "People/Lena Fischer.md").read_text(encoding="utf-8")
    assert "aliases:\n- Leni\n" in lena and "birthday: --07-04" in lena and "anniversary: 2015-06-12" in lena
    scan = CliRunner().invoke(cli, ["scan", str(vault), "--json", "--today", "2026-06-20", "--no-ics",
                                    "--no-summary", "--horizon", "100"])
    reminders = {(r["kind"], r["person"]): r["date"] for r in json.loads(scan.stdout)["reminders"]}
    assert reminders[("birthday", "Lena Fischer")] == "2026-07-04"
    assert ("birthday", "Margaret Okafor") not in reminders  # June 2 is past: next year's, beyond the horizon
    assert reminders[("milestone", "Margaret Okafor")] == "2026-09-17"
    brief = CliRunner().invoke(cli, ["brief", str(vault), "tomas@northwind.example", "--today", "2026-06-20"])
    assert brief.exit_code == 1  # Tomás was matched, not created: his note has no email yet
    again = run(vault, tmp_path / "google.vcf")  # a second import finds everyone
    assert again.output.splitlines()[-1] == "created 0, skipped 4"


def test_a_cardav_folder_and_an_export_saved_as_windows_1252(make_vault, tmp_path):
    vault = make_vault(VAULT)
    folder = tmp_path / "carddav" / "contacts"
    folder.mkdir(parents=True)
    (folder / "a.vcf").write_bytes("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:José Álvarez\r\nEND:VCARD\r\n".encode("cp1252"))
    (folder / "b.vcf").write_text("BEGIN:VCARD\nVERSION:4.0\nFN:Zoë Müller\nEND:VCARD\n", encoding="utf-8")
    result = run(vault, tmp_path / "carddav")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["created People/José Álvarez.md", "created People/Zoë Müller.md",
                                          "created 2, skipped 0"]


def test_matching_ignores_case_accents_and_spacing():
    assert match_key("Tomás  Ibáñez") == match_key("tomas ibanez") == "tomas ibanez"
    assert decode_export("Jos\xe9".encode("cp1252")) == "José" and decode_export(b"\xef\xbb\xbfA") == "A"


def test_a_people_folder_that_leads_out_of_the_vault_gets_no_note(make_vault, tmp_path):
    vault = make_vault({})
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (vault / "People").symlink_to(outside)
    (tmp_path / "one.vcf").write_text("BEGIN:VCARD\nVERSION:4.0\nFN:Ann Lee\nEND:VCARD\n", encoding="utf-8")
    result = run(vault, tmp_path / "one.vcf")
    assert "skip Ann Lee: People/Ann Lee.md would lie outside the vault" in result.output
    assert list(outside.iterdir()) == []
