"""Vaults as people really keep them: kepano's published vault (vendored in tests/vaults/), and one
test per convention of other people's templates and plugins, each on a real vault on disk."""

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from relnotes.cli import cli

TODAY = "2026-11-25"
KEPANO = Path(__file__).parent / "vaults" / "kepano-obsidian"
KEPANO_MEETING = "Notes/2023-09-12 Meeting with Steph.md"
NO_TYPE_WARNING = "2 people have no relationship type and no recorded contact"


def kepano_copy(tmp_path: Path) -> Path:
    """kepano's vault as published, in a folder of its own (relnotes writes its outputs into the vault)."""
    vault = tmp_path / "kepano-obsidian"
    shutil.copytree(KEPANO, vault, ignore=shutil.ignore_patterns("VENDORED.md"))
    return vault


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def by_name(result):
    return {p.name: p for p in result.vault.people}


def follow_ups(result):
    return [(r.person, r.date.isoformat()) for r in result.reminders if r.kind == "follow-up"]


def tasks(result):
    return [(r.person, r.date.isoformat(), r.title) for r in result.reminders if r.kind == "task"]


def days(person, kind=None):
    return [i.date.isoformat() for i in person.interactions if kind is None or i.kind == kind]


# --- kepano's vault, as published -------------------------------------------------------------------

def test_kepano_vault_as_published(tmp_path, run_scan):
    vault = kepano_copy(tmp_path)
    assert not (vault / ".relnotes").exists()  # no config: every default
    result = run_scan(vault, TODAY)
    people = by_name(result)
    assert sorted(people) == ["Kevin Kelly", "Paul Chambers", "Steph Ango"]
    assert {p.path for p in people.values()} == {
        "References/Steph Ango.md", "References/Kevin Kelly.md", "References/Paul Chambers.md"}

    (meeting,) = result.vault.meetings
    assert meeting.note.path == KEPANO_MEETING
    assert meeting.date == dt.date(2023, 9, 12)
    assert [p.name for p in meeting.attendees] == ["Steph Ango"]

    steph = people["Steph Ango"]
    assert [(i.date.isoformat(), i.kind, i.source) for i in steph.interactions] == [
        ("2023-09-12", "meeting", KEPANO_MEETING)]
    assert steph.last_contact_on(result.today)[0] == dt.date(2023, 9, 12)
    assert people["Kevin Kelly"].interactions == [] and people["Paul Chambers"].interactions == []

    # Templates/ (its templates folder) is never read: its People Template is no person
    assert not [n.path for n in result.vault.notes if n.path.startswith("Templates/")]

    (problem,) = result.problems
    assert (problem.path, problem.line) == ("", None)
    assert problem.message.startswith(NO_TYPE_WARNING), problem.message
    assert "(Kevin Kelly, Paul Chambers)" in problem.message

    assert [(r.kind, r.person, r.date.isoformat()) for r in result.reminders] == [
        ("follow-up", "Steph Ango", "2023-12-11")]  # 90 days (the default cadence) after the meeting
    assert "default cadence" in result.reminders[0].detail


def test_kepano_vault_through_the_command_line(tmp_path):
    vault = kepano_copy(tmp_path)
    run = invoke("scan", vault, "--today", TODAY, "--json", "--no-cache")
    assert run.exit_code == 0, run.output
    data = json.loads(run.stdout)
    assert data["counts"]["people"] == 3 and data["counts"]["meetings"] == 1
    assert [(w["path"], w["message"][:len(NO_TYPE_WARNING)]) for w in data["warnings"]] == [("", NO_TYPE_WARNING)]
    assert [(r["kind"], r["person"], r["date"]) for r in data["reminders"]] == [
        ("follow-up", "Steph Ango", "2023-12-11")]
    assert (vault / "relnotes.md").is_file()


def test_kepano_vault_with_a_birthday_and_a_daily_note(tmp_path, run_scan):
    vault = kepano_copy(tmp_path)
    kevin_note = vault / "References/Kevin Kelly.md"
    text = kevin_note.read_text(encoding="utf-8")
    changed = text.replace("created: 2023-09-12\n", "created: 2023-09-12\nbirthday: 1952-04-27\n", 1)
    assert changed != text
    kevin_note.write_text(changed, encoding="utf-8")
    (vault / "Daily/2026-11-20.md").write_text(
        "## Notes\n\nCalled [[Kevin Kelly]] about his next book.\n\n![[Daily.base]]\n", encoding="utf-8")

    result = run_scan(vault, TODAY, 400)
    assert ("birthday", "Kevin Kelly", "2027-04-27", "Kevin Kelly's birthday (turns 75)") in [
        (r.kind, r.person, r.date.isoformat(), r.title) for r in result.reminders]
    kevin = by_name(result)["Kevin Kelly"]
    assert (kevin.birthday.month, kevin.birthday.day, kevin.birthday.year) == (4, 27, 1952)
    assert kevin.last_contact_on(result.today)[0] == dt.date(2026, 11, 20)
    last = kevin.last_interaction(result.today)
    assert (last.date.isoformat(), last.kind, last.source) == ("2026-11-20", "note", "Daily/2026-11-20.md")


def test_kepano_meeting_types_are_no_meetings(tmp_path, run_scan):
    """His Meeting Type Template tags a note such as "1-on-1" `meetings/type`; his meetings link to it."""
    vault = kepano_copy(tmp_path)
    shutil.copy(vault / "Templates/Meeting Type Template.md", vault / "References/1-on-1.md")
    template = (vault / "Templates/Meeting Template.md").read_text(encoding="utf-8")
    meeting = template.replace("type: []", 'type: ["[[1-on-1]]"]').replace("{{date}}", "2026-11-20").replace(
        "people: []", 'people: ["[[Kevin Kelly]]"]')
    (vault / "Notes/2026-11-20 Meeting with Kevin.md").write_text(meeting, encoding="utf-8")

    result = run_scan(vault, TODAY)
    assert {n.path: n.kind for n in result.vault.notes}["References/1-on-1.md"] == "note"
    assert [m.note.path for m in result.vault.meetings] == [KEPANO_MEETING, "Notes/2026-11-20 Meeting with Kevin.md"]
    assert days(by_name(result)["Kevin Kelly"]) == ["2026-11-20"]
    assert [p.path for p in result.problems] == [""]  # the vault-wide "no relationship type", no "has no date"


# --- which notes are people and meetings ------------------------------------------------------------------

PERSON_MARKERS = [
    ("type: person", "Notes/Dana Park.md", "---\ntype: person\n---\n", None),
    ("type: people", "Notes/Dana Park.md", "---\ntype: people\n---\n", None),
    ("type: contact", "Notes/Dana Park.md", "---\ntype: contact\n---\n", None),
    ("type: [[Person]]", "Notes/Dana Park.md", '---\ntype: "[[Person]]"\n---\n', None),
    ("type: a subtype link, in People/", "People/Dana Park.md", '---\ntype: ["[[Authors]]"]\n---\n', None),
    ("categories: [[People]]", "References/Dana Park.md", '---\ncategories: ["[[People]]"]\n---\n', None),
    ("categories: People", "References/Dana Park.md", "---\ncategories: People\n---\n", None),
    ("categories: [[Contacts]]", "References/Dana Park.md", '---\ncategories: ["[[Contacts]]"]\n---\n', None),
    ("tag person", "Notes/Dana Park.md", "---\ntags: [person]\n---\n", None),
    ("nested tag people/friends", "Notes/Dana Park.md", "---\ntags: [people/friends]\n---\n", None),
    ("nested tag type/person", "Notes/Dana Park.md", "---\ntags: [type/person]\n---\n", None),
    ("inline #person", "Notes/Dana Park.md", "Met at the meetup. #person\n", None),
    ("[people] folders", "References/Dana Park.md", "Met at the meetup.\n", '[people]\nfolders = ["References"]\n'),
    ("[people] tags", "Notes/Dana Park.md", "---\ntags: [crm]\n---\n", '[people]\ntags = ["crm"]\n'),
    ("[people] categories", "Notes/Dana Park.md", '---\ncategories: ["[[Humans]]"]\n---\n',
     '[people]\ncategories = ["Humans"]\n'),
    ("people_folder", "Contacts/Dana Park.md", "Met at the meetup.\n", 'people_folder = "Contacts"\n'),
]


@pytest.mark.parametrize("path, text, config", [c[1:] for c in PERSON_MARKERS], ids=[c[0] for c in PERSON_MARKERS])
def test_a_person_by_any_marker(make_vault, run_scan, path, text, config):
    result = run_scan(make_vault({path: text}, config=config), TODAY)
    assert [(p.name, p.path) for p in result.vault.people] == [("Dana Park", path)]


NOT_PEOPLE = [
    ("a plain note", "Notes/Dana Park.md", "Met at the meetup.\n", None),
    ("References/ without config", "References/Dana Park.md", "Met at the meetup.\n", None),
    ("another category", "References/Dana Park.md", '---\ncategories: ["[[Movies]]"]\n---\n', None),
    ("tag crm without config", "Notes/Dana Park.md", "---\ntags: [crm]\n---\n", None),
    ("category Humans without config", "Notes/Dana Park.md", '---\ncategories: ["[[Humans]]"]\n---\n', None),
    ("inline #personal", "Notes/Dana Park.md", "Something #personal\n", None),
    ("nested tag people/types", "References/Friends.md", "---\ntags: [people/types]\n---\n", None),
    ("nested tag person/template", "Notes/Person.md", "Copy me. #person/template\n", None),
    ("people_folder replaces People/", "People/Dana Park.md", "Met at the meetup.\n", 'people_folder = "Contacts"\n'),
]


@pytest.mark.parametrize("path, text, config", [c[1:] for c in NOT_PEOPLE], ids=[c[0] for c in NOT_PEOPLE])
def test_not_a_person(make_vault, run_scan, path, text, config):
    assert run_scan(make_vault({path: text}, config=config), TODAY).vault.people == []


def test_a_meeting_by_category_with_a_people_list(make_vault, run_scan):
    vault = make_vault({
        "References/Dana Park.md": '---\ncategories: ["[[People]]"]\n---\n',
        "Notes/2026-11-02 Lunch with Dana.md": ('---\ncategories: ["[[Meetings]]"]\ntype: []\ndate: 2026-11-02\n'
                                               'people: ["[[Dana Park]]"]\n---\n- Talked about the reorg\n'),
    })
    result = run_scan(vault, TODAY)
    assert [(m.note.path, m.date.isoformat(), [p.name for p in m.attendees]) for m in result.vault.meetings] == [
        ("Notes/2026-11-02 Lunch with Dana.md", "2026-11-02", ["Dana Park"])]
    (dana,) = result.vault.people
    assert [(i.date.isoformat(), i.kind) for i in dana.interactions] == [("2026-11-02", "meeting")]


@pytest.mark.parametrize("config, kind", [('[meetings]\nfolders = ["Calls"]\n', "meeting"), (None, "note")])
def test_meetings_folders_are_configurable(make_vault, run_scan, config, kind):
    vault = make_vault({"People/Dana Park.md": "---\nrole: peer\n---\n",
                        "Calls/2026-11-03 Intro.md": '---\nattendees: ["[[Dana Park]]"]\n---\n'}, config=config)
    result = run_scan(vault, TODAY)
    assert {n.path: n.kind for n in result.vault.notes}["Calls/2026-11-03 Intro.md"] == kind
    assert [m.note.path for m in result.vault.meetings] == (["Calls/2026-11-03 Intro.md"] if kind == "meeting" else [])


# --- fields under other names ----------------------------------------------------------------------------------

def shown(value):
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "month") and hasattr(value, "day"):  # a MonthDay
        return (value.month, value.day, value.year)
    return value


FIELD_NAMES = [
    # (description, frontmatter lines, body, config, attribute, expected)
    ("lastContacted", "role: peer\nlastContacted: 2026-11-01\n", "", None, "last_contact", "2026-11-01"),
    ("last-contact", "role: peer\nlast-contact: 2026-11-01\n", "", None, "last_contact", "2026-11-01"),
    ("last_met_on", "role: peer\nlast_met_on: 2026-11-01\n", "", None, "last_contact", "2026-11-01"),
    ("Last Contact", "role: peer\nLast Contact: 2026-11-01\n", "", None, "last_contact", "2026-11-01"),
    ("org: a link", 'role: peer\norg: "[[Acme]]"\n', "", None, "company", "Acme"),
    ("organization", "role: peer\norganization: Acme\n", "", None, "company", "Acme"),
    ("birthdate", "role: peer\nbirthdate: 1990-03-04\n", "", None, "birthday", (3, 4, 1990)),
    ("relationship: coworker", "relationship: coworker\n", "", None, "roles", ("peer",)),
    ("role: a job title", "role: Tech Lead\nlast_contact: 2026-10-01\n", "", None, "position", "Tech Lead"),
    ("role: a job title is no type", "role: Tech Lead\nlast_contact: 2026-10-01\n", "", None, "roles", ()),
    ("Dataview line field", "role: peer\n", "Met at a meetup.\nLast contact:: 2026-11-02\n", None,
     "last_contact", "2026-11-02"),
    ("Dataview bracket field", "role: peer\n", "Met at a meetup. [last contact:: 2026-11-03]\n", None,
     "last_contact", "2026-11-03"),
    ("a date as a quoted link", 'role: peer\nlast_contact: "[[2026-02-20]]"\n', "", None, "last_contact", "2026-02-20"),
    ("a date as an unquoted link", "role: peer\nlast_contact: [[2026-02-20]]\n", "", None,
     "last_contact", "2026-02-20"),
    ("status: a list of one", "role: peer\nstatus: [paused]\n", "", None, "status", "paused"),
    ("[fields] adds a name", "role: peer\nprm-last-contacted: 2026-10-01\n", "", '[fields]\nlast_contact = ["prm-last-contacted"]\n',
     "last_contact", "2026-10-01"),
    ("an unknown name without [fields]", "role: peer\nprm-last-contacted: 2026-10-01\n", "", None,
     "last_contact", None),
]


@pytest.mark.parametrize("frontmatter, body, config, attribute, expected", [c[1:] for c in FIELD_NAMES],
                         ids=[c[0] for c in FIELD_NAMES])
def test_fields_under_other_names(make_vault, run_scan, frontmatter, body, config, attribute, expected):
    vault = make_vault({"People/Ann Lee.md": f"---\n{frontmatter}---\n{body}"}, config=config)
    result = run_scan(vault, TODAY)
    (ann,) = result.vault.people
    assert shown(getattr(ann, attribute)) == expected
    assert result.problems == []


# --- relationship types ----------------------------------------------------------------------------------

RELATIONSHIP_TYPES = [
    # (description, frontmatter lines, config, expected follow-ups (date, words in the detail))
    ("a type of one's own with a cadence", "role: mentee\nlast_contact: 2026-11-01\n", '[cadence]\nmentee = "4w"\n',
     [("2026-11-29", "mentee")]),
    ("a type of one's own without one: the default", "relationship: family\nlast_contact: 2026-10-01\n", None,
     [("2026-12-30", "default cadence")]),
    ("... which is [cadence] default", "relationship: family\nlast_contact: 2026-10-01\n",
     '[cadence]\ndefault = "30d"\n', [("2026-10-31", "default cadence")]),
    ("no type, contacted: the default", "last_contact: 2026-10-01\n", None, [("2026-12-30", "default cadence")]),
    ("no type, never contacted: nothing", "company: Acme\n", None, []),
]


@pytest.mark.parametrize("frontmatter, config, expected", [c[1:] for c in RELATIONSHIP_TYPES],
                         ids=[c[0] for c in RELATIONSHIP_TYPES])
def test_relationship_types(make_vault, run_scan, frontmatter, config, expected):
    result = run_scan(make_vault({"People/Ann Lee.md": f"---\n{frontmatter}---\n"}, config=config), TODAY, 400)
    found = [r for r in result.reminders if r.kind == "follow-up"]
    assert [r.date.isoformat() for r in found] == [date for date, _ in expected]
    for reminder, (_, words) in zip(found, expected, strict=True):
        assert words in reminder.detail, reminder.detail


# --- only real contact counts --------------------------------------------------------------------------------------

SAM = "People/Sam Rivera.md"
SAM_NOTE = "---\nrole: peer\nlast_contact: 2026-01-01\n---\n"
NOT_CONTACT = [
    ("an open task", "- [ ] Reach out to [[Sam Rivera]] 📅 2026-11-30\n"),
    ("a task in progress", "- [/] Reach out to [[Sam Rivera]]\n"),
    ("a cancelled task", "- [-] Reach out to [[Sam Rivera]]\n"),
    ("an embed", "![[Sam Rivera]]\n"),
    ("fenced code", "```\n[[Sam Rivera]]\n```\n"),
    ("inline code", "Type `[[Sam Rivera]]` to link him\n"),
    ("a %% comment", "%% [[Sam Rivera]] %%\n"),
    ("an HTML comment", "<!-- [[Sam Rivera]] -->\n"),
    ("an HTML comment over lines", "<!--\nto do: [[Sam Rivera]]\n-->\n"),
    ("a dataview block", '```dataview\nLIST FROM [[Sam Rivera]]\n```\n'),
    ("a dataviewjs block", '```dataviewjs\ndv.list(dv.page("[[Sam Rivera]]").file.inlinks)\n```\n'),
    ("a query block", "```query\n[[Sam Rivera]]\n```\n"),
    ("a tasks block", "```tasks\nnot done\ndescription includes [[Sam Rivera]]\n```\n"),
    ("a base block", '```base\nfilters:\n  and:\n    - file.hasLink("[[Sam Rivera]]")\n```\n'),
]
CONTACT = [
    ("a done task", "- [x] Called [[Sam Rivera]]\n"),
    ("ordinary text", "Coffee with [[Sam Rivera]]\n"),
    ("a Markdown link, encoded", "[Sam](People/Sam%20Rivera.md)\n"),
    ("a Markdown link in angle brackets", "[Sam](<People/Sam Rivera.md>)\n"),
    ("a relative Markdown link", "[Sam](../People/Sam%20Rivera.md)\n"),
    ("a relative wikilink", "[[../People/Sam Rivera]]\n"),
]


@pytest.mark.parametrize("body", [c[1] for c in NOT_CONTACT], ids=[c[0] for c in NOT_CONTACT])
def test_what_is_no_contact(make_vault, run_scan, body):
    result = run_scan(make_vault({SAM: SAM_NOTE, "Daily/2026-11-20.md": body}), TODAY, 400)
    sam = by_name(result)["Sam Rivera"]
    assert "2026-11-20" not in days(sam)
    assert follow_ups(result) == [("Sam Rivera", "2026-04-01")]


@pytest.mark.parametrize("body", [c[1] for c in CONTACT], ids=[c[0] for c in CONTACT])
def test_what_is_contact(make_vault, run_scan, body):
    result = run_scan(make_vault({SAM: SAM_NOTE, "Daily/2026-11-20.md": body}), TODAY, 400)
    sam = by_name(result)["Sam Rivera"]
    assert [(i.date.isoformat(), i.kind, i.source) for i in sam.interactions] == [
        ("2026-11-20", "note", "Daily/2026-11-20.md")]
    assert follow_ups(result) == [("Sam Rivera", "2027-02-18")]


def test_an_open_task_is_no_contact_but_a_task_of_theirs(make_vault, run_scan):
    result = run_scan(make_vault({SAM: SAM_NOTE, "Daily/2026-11-20.md": NOT_CONTACT[0][1]}), TODAY)
    assert tasks(result) == [("Sam Rivera", "2026-11-30", "Reach out to Sam Rivera")]


# --- the contact log of a person's own note ---------------------------------------------------------------------------

LOG = ("- 2026-11-10 coffee, talked about the promo case\n- [[2026-11-12]] call\n- not dated\n"
       "## Other\n- 2026-11-20 not a log item\n")


@pytest.mark.parametrize("heading, config", [
    ("Contact log", None), ("Interactions", None), ("Touchpoints log", '[people]\ncontact_log = ["Touchpoints log"]\n')])
def test_contact_log(make_vault, run_scan, heading, config):
    result = run_scan(make_vault({SAM: f"{SAM_NOTE}## {heading}\n{LOG}"}, config=config), TODAY)
    sam = by_name(result)["Sam Rivera"]
    assert [(i.date.isoformat(), i.kind, i.source, i.line) for i in sam.interactions] == [
        ("2026-11-10", "contact log", SAM, 6), ("2026-11-12", "contact log", SAM, 7)]
    assert result.problems == []


def test_a_heading_not_configured_is_no_contact_log(make_vault, run_scan):
    result = run_scan(make_vault({SAM: f"{SAM_NOTE}## Touchpoints log\n{LOG}"}), TODAY)
    assert by_name(result)["Sam Rivera"].interactions == []


# --- a meeting booked ahead ----------------------------------------------------------------------------------------------

def test_a_booked_meeting_settles_the_follow_up(make_vault, run_scan):
    vault = make_vault({SAM: SAM_NOTE, "Meetings/2026-12-09 Coffee.md": '---\nattendees: ["[[Sam Rivera]]"]\n---\n'})
    (follow_up,) = [r for r in run_scan(vault, TODAY, 400).reminders if r.kind == "follow-up"]
    assert (follow_up.person, follow_up.date.isoformat()) == ("Sam Rivera", "2027-03-09")
    assert follow_up.detail.startswith("meeting booked 2026-12-09"), follow_up.detail
    assert ("booked", "2026-12-09") in tuple(follow_up.data)

    run = invoke("scan", vault, "--today", TODAY, "--no-cache")
    assert run.exit_code == 0, run.output
    summary = (vault / "relnotes.md").read_text(encoding="utf-8")
    assert "## Booked (1)" in summary, summary
    booked = summary.split("## Booked (1)", 1)[1].split("\n## ", 1)[0]
    assert "Sam Rivera" in booked and "2026-12-09" in booked, booked

    run = invoke("brief", vault, "Sam Rivera", "--today", TODAY, "--format", "json")
    assert run.exit_code == 0, run.output
    brief = json.loads(run.stdout)
    assert brief["next_follow_up"]["date"] == "2027-03-09"
    assert "meeting booked" in brief["next_follow_up"]["detail"]


# --- tasks in every note ----------------------------------------------------------------------------------------------------

def test_tasks_belong_to_the_person_note_or_the_first_person_linked(make_vault, run_scan):
    vault = make_vault({
        "People/Ann Lee.md": "---\nrole: peer\n---\n## Next\n- [ ] Send the deck, cc [[Bo Chen]] 📅 2026-11-21\n",
        "People/Bo Chen.md": "---\nrole: peer\n---\n",
        "Projects/Offsite.md": ("- [ ] Agree the agenda with [[Bo Chen]] and [[Ann Lee]] 📅 2026-11-22\n"
                                "- [ ] Book the venue 📅 2026-11-23\n"),
    })
    assert tasks(run_scan(vault, TODAY)) == [
        ("Ann Lee", "2026-11-21", "Send the deck, cc Bo Chen"),
        ("Bo Chen", "2026-11-22", "Agree the agenda with Bo Chen and Ann Lee"),
        (None, "2026-11-23", "Book the venue"),
    ]


# --- Obsidian's settings ------------------------------------------------------------------------------------------------------

TEMPLATE = "---\ntype: person\nrole: peer\nmet: {{date}}\nlast_contact: {{date}}\n---\n# {{title}}\n"


@pytest.mark.parametrize("templater", [True, False])
def test_templaters_folder_is_not_read(make_vault, run_scan, templater):
    notes = {"Meta/Templates/Person.md": TEMPLATE}
    if templater:
        notes[".obsidian/plugins/templater-obsidian/data.json"] = '{"templates_folder": "Meta/Templates"}'
    result = run_scan(make_vault(notes), TODAY)
    read = [n.path for n in result.vault.notes]
    if templater:
        assert read == [] and result.problems == []
    else:  # the control: the same note outside a templates folder is read, placeholders and all
        assert read == ["Meta/Templates/Person.md"] and result.problems


@pytest.mark.parametrize("ignored", [True, False])
def test_excluded_files_are_not_read(make_vault, run_scan, ignored):
    notes = {"Archive/Old Boss.md": "---\ntype: person\nrole: manager\n---\n", SAM: SAM_NOTE}
    if ignored:
        notes[".obsidian/app.json"] = '{"userIgnoreFilters": ["Archive/"]}'
    result = run_scan(make_vault(notes), TODAY)
    assert sorted(by_name(result)) == (["Sam Rivera"] if ignored else ["Old Boss", "Sam Rivera"])
    assert not ignored or not [n.path for n in result.vault.notes if n.path.startswith("Archive/")]


@pytest.mark.parametrize("periodic", [True, False])
def test_periodic_notes_daily_notes(make_vault, run_scan, periodic):
    notes = {SAM: SAM_NOTE, "Journal/2026/11/20.md": "Lunch with [[Sam Rivera]]\n"}
    if periodic:
        notes[".obsidian/plugins/periodic-notes/data.json"] = json.dumps(
            {"daily": {"enabled": True, "folder": "Journal", "format": "YYYY/MM/DD"}})
    sam = by_name(run_scan(make_vault(notes), TODAY))["Sam Rivera"]
    assert days(sam) == (["2026-11-20"] if periodic else [])


def test_init_templates_then_scan_has_no_warnings(make_vault, run_scan):
    vault = make_vault({SAM: SAM_NOTE})
    run = invoke("init", vault, "--templates")
    assert run.exit_code == 0, run.output
    assert (vault / "Templates/Person.md").is_file() and (vault / "Templates/Meeting.md").is_file()
    run = invoke("scan", vault, "--today", TODAY, "--json", "--no-cache")
    assert run.exit_code == 0, run.output
    assert json.loads(run.stdout)["warnings"] == []
    result = run_scan(vault, TODAY)
    assert result.problems == [] and [p.name for p in result.vault.people] == ["Sam Rivera"]


# --- found by trying relnotes on vaults in other conventions -------------------------------------------------------

@pytest.mark.parametrize("body", [
    "```dataview\nTABLE file.mtime FROM #person\n```\n",
    "```\n#person\n```\n",
    "%% #person %%\n",
    "<!-- #person -->\n",
    "`#person`\n",
])
def test_a_tag_in_code_a_query_or_a_comment_marks_nothing(make_vault, run_scan, body):
    """A Dataview CRM's daily note queries its people by tag: the note stays a dated note, and its
    contact still counts."""
    result = run_scan(make_vault({SAM: SAM_NOTE, "Daily/2026-11-20.md": f"Lunch with [[Sam Rivera]].\n{body}"}), TODAY)
    assert [p.name for p in result.vault.people] == ["Sam Rivera"]
    assert [i.date.isoformat() for i in by_name(result)["Sam Rivera"].interactions] == ["2026-11-20"]


@pytest.mark.parametrize("type_, roles, cadence", [
    ("mentor", ("mentor",), "60"), ("contact", ("contact",), "180"), ("'[[Coach]]'", ("mentor",), "60"),
    ("[person, client]", ("client",), "30"),
])
def test_a_type_that_is_a_relationship_type_is_the_persons(make_vault, run_scan, type_, roles, cadence):
    result = run_scan(make_vault({"Notes/Pat.md": f"---\ntype: {type_}\nlast_contact: 2026-11-01\n---\n"}), TODAY, 400)
    (pat,) = result.vault.people
    assert pat.roles == roles and result.problems == []
    (follow_up,) = [r for r in result.reminders if r.kind == "follow-up"]
    assert f"every {cadence} days" in follow_up.detail


def test_init_templates_in_templaters_folder_use_its_syntax(make_vault, run_scan):
    vault = make_vault({SAM: SAM_NOTE, ".obsidian/plugins/templater-obsidian/data.json": '{"templates_folder": "_t"}'})
    assert invoke("init", vault, "--templates").exit_code == 0
    person = (vault / "_t/Person.md").read_text()
    assert 'met: <% tp.date.now("YYYY-MM-DD") %>' in person and "# <% tp.file.title %>" in person
    assert "{{" not in person and "{{" not in (vault / "_t/Meeting.md").read_text()
    assert run_scan(vault, TODAY).problems == []


def test_a_follow_up_done_that_is_no_yes_or_no_is_a_warning(make_vault, run_scan):
    vault = make_vault({SAM: SAM_NOTE, "Meetings/2026-11-02 Sync.md": (
        "---\nattendees: ['[[Sam Rivera]]']\nfollow_up: 2026-11-09\nfollow_up_done: maybe\n---\n")})
    result = run_scan(vault, TODAY)
    assert [(p.line, p.message) for p in result.problems] == [
        (4, "follow_up_done: expected true or false, got 'maybe'; treated as not done")]
    assert [r.kind for r in result.reminders if r.kind == "meeting-follow-up"] == ["meeting-follow-up"]


def test_init_finds_prefixed_fields_and_a_relationship_word_of_one_person(make_vault):
    notes = {f"Contacts/{name}.md": f"---\nemail: {name}@x.org\nprm-met: 2026-01-0{i}\nprm-last-contacted: 2026-10-01\n"
                                    f"helmet: red\n---\n" for i, name in enumerate(["Ann", "Bo", "Cy"], 1)}
    notes["People/Di.md"] = "---\nrelationship: climbing buddy\n---\n"
    vault = make_vault(notes)
    run = invoke("init", vault)
    assert run.exit_code == 0, run.output
    assert "3 notes with prm-met → [fields] met" in run.output
    assert "3 notes with prm-last-contacted → [fields] last_contact" in run.output
    assert "1 note with relationship climbing buddy → a relationship type of your own" in run.output
    assert "helmet" not in run.output  # "met" at the end of a word is no field name
    config = (vault / ".relnotes/config.toml").read_text()
    assert 'met = ["prm-met"]' in config and '"climbing buddy" = "90d"' in config


def test_brief_shows_the_sentence_of_a_markdown_or_relative_link(make_vault):
    vault = make_vault({SAM: SAM_NOTE, "Daily/2026-11-18.md": "Climbing with [Sam](../People/Sam%20Rivera.md) tonight.",
                        "Daily/2026-11-20.md": "Kickoff with [[../People/Sam Rivera]] went well. Then lunch."})
    run = invoke("brief", vault, "Sam Rivera", "--today", TODAY, "--format", "json")
    data = json.loads(run.stdout)
    excerpts = {e["source"]: e["excerpt"] for e in data["timeline"] if e["source"].startswith("Daily/")}
    assert excerpts == {"Daily/2026-11-18.md": "Climbing with Sam tonight.",
                        "Daily/2026-11-20.md": "Kickoff with Sam Rivera went well."}
    assert data["last_contact"]["text"] == "Kickoff with Sam Rivera went well. Then lunch."


def test_contact_log_items_with_emphasis_and_dated_sub_headings(make_vault, run_scan):
    log = "## Contact log\n- *2026-11-10* call\n- __2026-11-11__ lunch\n### 2026-11-12 dinner\nlong talk\n## Other\n"
    sam = by_name(run_scan(make_vault({SAM: SAM_NOTE + log}), TODAY))["Sam Rivera"]
    assert [(i.date.isoformat(), i.title) for i in sam.interactions] == [
        ("2026-11-10", "call"), ("2026-11-11", "lunch"), ("2026-11-12", "dinner")]


def test_an_impossible_contact_log_date_is_a_warning(make_vault, run_scan):
    result = run_scan(make_vault({SAM: SAM_NOTE + "## Contact log\n- 2026-02-30 coffee\n- 2026-11-10 call\n"}), TODAY)
    assert [(p.line, p.message) for p in result.problems] == [
        (6, "contact log: '2026-02-30' is not a real date (day is out of range for month); item ignored")]
    assert [i.date.isoformat() for i in by_name(result)["Sam Rivera"].interactions] == ["2026-11-10"]


def test_a_kinds_words_come_from_its_markers(make_vault, run_scan):
    """[people] tags and categories replace the built-in ones, each for its own marker; `type` takes
    relnotes' own word and any of them."""
    config = '[people]\ntags = ["crm"]\ncategories = ["Humans"]\nfolders = []\n'
    notes = {"A.md": "---\ntags: [crm/work]\n---\n", "B.md": "---\ncategories: ['[[Humans]]']\n---\n",
             "C.md": "---\ntype: crm\n---\n", "D.md": "---\ntype: person\n---\n",
             "E.md": "---\ntags: [person]\n---\n", "F.md": "---\ncategories: [People]\n---\n",
             "G.md": "---\ncategories: [crm]\n---\n", "People/H.md": "x"}
    kinds = {n.path: n.kind for n in run_scan(make_vault(notes, config=config), TODAY).vault.notes}
    assert kinds == {"A.md": "person", "B.md": "person", "C.md": "person", "D.md": "person", "E.md": "note",
                     "F.md": "note", "G.md": "note", "People/H.md": "note"}


def test_the_reason_init_gives_is_the_same_on_every_run(make_vault):
    vault = make_vault({f"N{i}.md": "---\ntags: [person, people/friends, contact, people/work]\n---\n" for i in range(3)})
    outputs = set()
    for seed in ("1", "2", "3"):  # tags are a set: its order changes with the hash seed
        proc = subprocess.run([sys.executable, "-m", "relnotes", "init", str(vault)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed, "RELNOTES_CACHE_DIR": str(vault.parent / "c")})
        outputs.add(proc.stdout.splitlines()[1])
        (vault / ".relnotes/config.toml").unlink()
    assert outputs == {"  3 notes with tag #contact at the top → people"}
