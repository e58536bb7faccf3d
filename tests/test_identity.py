"""Identity keys: `email`, `phone` and `linkedin` on a person note find them as an alias does."""

import datetime as dt
import json

from click.testing import CliRunner

from relnotes import Interaction, hookimpl
from relnotes.cli import cli
from relnotes.model import email_key, linkedin_key, phone_key
from relnotes.pipeline import Pipeline

TODAY = "2026-11-25"
NOTES = {
    "People/Priya Raman.md": ("---\ntype: person\nrole: mentor\nlast_contact: 2026-09-01\n"
                              "email: [Priya.Raman@Northwind.example, 'Priya <priya@home.example>']\n"
                              "phone: +1 (555) 123-4567\nlinkedin: https://www.linkedin.com/in/Priya-Raman/?trk=x\n"
                              "---\n"),
    "People/Wei Chen.md": "---\ntype: person\nrole: peer\nemails: mailto:wei@acme.example\nmobile: '0049 30 1234567'\n---\n",
}


def test_keys_are_read_in_one_form():
    assert email_key(" Priya.Raman@Northwind.example ") == "priya.raman@northwind.example"
    assert email_key("Priya <priya@home.example>") == email_key("mailto:priya@home.example") == "priya@home.example"
    assert email_key("priya") is None and email_key("a@b") is None
    assert phone_key("+1 (555) 123-4567") == "tel:+15551234567" and phone_key("555-12") is None
    assert phone_key("call me") is None
    assert linkedin_key("https://www.linkedin.com/in/Priya-Raman/?trk=x") == "linkedin:priya-raman"
    assert linkedin_key("linkedin.com/in/ti%C3%A2go") == "linkedin:tiâgo" and linkedin_key("priya") is None


def test_a_key_finds_the_person_in_brief_and_log(make_vault):
    vault = make_vault(NOTES)
    runner = CliRunner()
    for key in ("PRIYA@home.example", "+15551234567", "https://linkedin.com/in/priya-raman"):
        result = runner.invoke(cli, ["brief", str(vault), key, "--today", TODAY, "--format", "json"])
        assert result.exit_code == 0, (key, result.output)
        assert json.loads(result.stdout)["person"]["name"] == "Priya Raman"
    assert runner.invoke(cli, ["log", str(vault), "wei@acme.example", "--today", TODAY]).exit_code == 0
    assert "talked with [[Wei Chen]]" in (vault / "relnotes log.md").read_text(encoding="utf-8")


class ByAddress:
    """A plugin that names people by address and profile, as a calendar or LinkedIn import would."""

    @hookimpl
    def relnotes_interactions(self, vault, config):
        return [Interaction("priya.raman@northwind.example", dt.date(2026, 11, 20), "", "email"),
                Interaction("linkedin:priya-raman", dt.date(2026, 11, 22), "", "linkedin"),
                Interaction("tel:+49301234567", dt.date(2026, 11, 21), "", "call")]


def test_interactions_named_by_a_key_reach_the_person_and_a_shared_key_is_a_warning(make_vault):
    vault = make_vault({**NOTES, "People/Other Priya.md": "---\ntype: person\nemail: priya@home.example\n---\n"})
    result = Pipeline(vault, autoload=False, plugins=[ByAddress()], use_cache=False).scan(
        dt.date(2026, 11, 25))
    priya = result.vault.person("Priya Raman")
    assert [(i.date.isoformat(), i.kind) for i in priya.interactions] == [("2026-11-20", "email"),
                                                                         ("2026-11-22", "linkedin")]
    messages = [p.message for p in result.problems]
    assert any(m.startswith("2 people claim the email 'priya@home.example': People/Other Priya.md, "
                            "People/Priya Raman.md") for m in messages), messages
    assert any("interaction with unknown person 'tel:+49301234567'" in m for m in messages)  # 0049… is not +49…


def test_an_unreadable_key_is_a_warning_with_its_line(make_vault):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nemail: ann at work\nphone: call me\n---\n"})
    result = CliRunner().invoke(cli, ["scan", str(vault), "--json", "--today", TODAY, "--no-ics", "--no-summary"])
    warnings = {(w["line"], w["message"]) for w in json.loads(result.stdout)["warnings"]}
    assert (3, "email: 'ann at work' is not an email address; ignored") in warnings
    assert (4, "phone: 'call me' is not a phone number (7 digits or more); ignored") in warnings
