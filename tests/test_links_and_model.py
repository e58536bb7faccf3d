"""Wikilink resolution and the people/meetings model, on real vaults on disk."""

import datetime as dt
import unicodedata

import pytest

from relnotes.links import find_links, link_target, people_in

TODAY = "2026-11-25"


def person(extra=""):
    return f"---\ntype: person\n{extra}---\n"


@pytest.mark.parametrize("inner, target", [
    ("Jane Doe", "Jane Doe"),
    ("Jane Doe|Jane", "Jane Doe"),
    ("Jane Doe#Career", "Jane Doe"),
    ("Jane Doe#^block-id", "Jane Doe"),
    ("People/Jane Doe", "People/Jane Doe"),
    ("People/Jane Doe.md|JD", "People/Jane Doe"),
    ("Jane Doe\\", "Jane Doe"),  # [[Jane Doe\\|x]] inside a Markdown table
])
def test_link_target(inner, target):
    assert link_target(inner) == target


def test_find_links_reports_lines_and_embeds():
    text = "a [[One]]\n\nb ![[Two|x]] [[Three#h]]\n[[]] [not a link]"
    assert [(link.target, link.line) for link in find_links(text, first_line=10)] == [
        ("One", 10), ("Two", 12), ("Three", 12)]


@pytest.mark.parametrize("value, names", [
    ("[[Jane Doe]]", ["Jane Doe"]),
    (["[[Jane Doe]]", "[[Bob|Bobby]]"], ["Jane Doe", "Bob"]),
    ([["Jane Doe"]], ["Jane Doe"]),  # attendees: [[Jane Doe]] unquoted
    ([[["Jane Doe"]], [["Bob"]]], ["Jane Doe", "Bob"]),  # - [[Jane Doe]] items unquoted
    ("Jane Doe, Bob", ["Jane Doe", "Bob"]),
    ("met [[Jane Doe]] and [[Bob]]", ["Jane Doe", "Bob"]),
    (None, []),
    (42, []),
])
def test_people_in(value, names):
    assert list(people_in(value)) == names


def interactions(result, name):
    person = next(p for p in result.vault.people if p.name == name)
    return [(i.date.isoformat(), i.kind, i.source) for i in person.interactions]


def test_every_link_form_resolves_to_the_person(make_vault, run_scan):
    nfd = unicodedata.normalize("NFD", "Zoë Müller")
    vault = make_vault({
        "People/Jane Doe.md": person("aliases: [JD, 'Janie']\n"),
        "People/Zoë Müller.md": person("alias: Zoe\n"),
        "Daily/2026-11-01.md": "[[Jane Doe]]",
        "Daily/2026-11-02.md": "[[Jane Doe|the boss]]",
        "Daily/2026-11-03.md": "[[Jane Doe#Career]]",
        "Daily/2026-11-04.md": "[[People/Jane Doe]]",
        "Daily/2026-11-05.md": "[[janie]]",
        "Daily/2026-11-06.md": "[[JANE DOE]]",
        "Daily/2026-11-07.md": f"[[{nfd}]] and [[zoe]]",
        "Daily/2026-11-08.md": "---\nwith: '[[JD]]'\n---\nno body link",
        "Daily/2026-11-09.md": "[[Nobody Known]]",
    })
    result = run_scan(vault, TODAY)
    assert [d for d, _, _ in interactions(result, "Jane Doe")] == [f"2026-11-0{i}" for i in range(1, 7)] + ["2026-11-08"]
    assert interactions(result, "Zoë Müller") == [("2026-11-07", "note", "Daily/2026-11-07.md")]
    assert result.problems == []


def test_two_people_with_one_name_warn_and_resolve_deterministically(make_vault, run_scan):
    vault = make_vault({
        "People/Alex Kim.md": person(),
        "People/Old/Alex Kim.md": person(),
        "Alex Kim.md": "a note, not a person",
        "Daily/2026-11-02.md": "[[Alex Kim]]",
        "Daily/2026-11-03.md": "[[People/Old/Alex Kim]]",
    })
    result = run_scan(vault, TODAY)
    first, second = result.vault.people
    assert [i.date.day for i in first.interactions] == [2]  # the shortest path wins
    assert [i.date.day for i in second.interactions] == [3]  # a path link chooses
    warnings = [p.message for p in result.problems]
    assert any("2 people answer to the name 'alex kim'" in w for w in warnings), warnings


def test_a_link_shared_by_two_ordinary_notes_is_reported_once(make_vault, run_scan):
    vault = make_vault({"A/Plan.md": "x", "B/Plan.md": "y", "2026-11-01.md": "[[Plan]] [[plan]]",
                        "2026-11-02.md": "[[Plan]]"})
    result = run_scan(vault, TODAY)
    assert [(p.path, p.message) for p in result.problems if p.path] == [
        ("2026-11-01.md", "link [[Plan]] is ambiguous: A/Plan.md, B/Plan.md; using A/Plan.md")]


@pytest.mark.parametrize("path, frontmatter, kind", [
    ("Anywhere/A.md", "type: person\n", "person"),
    ("Anywhere/A.md", "type: Meeting\n", "meeting"),
    ("Anywhere/A.md", "tags: [person]\n", "person"),
    ("Anywhere/A.md", "tags: '#meeting'\n", "meeting"),
    ("People/Sub/A.md", "", "person"),
    ("people/A.md", "", "person"),
    ("Meetings/A.md", "", "meeting"),
    ("People/A.md", "type: project\n", "note"),  # an explicit type wins over the folder
    ("People/A.md", "type: contact\n", "person"),
    ("People/A.md", "type: '[[Person]]'\n", "person"),
    ("People/A.md", "type: ['[[Authors]]']\n", "person"),  # a link to a subtype (kepano's): the folder decides
    ("Notes/A.md", "type: mentor\n", "person"),  # a relationship type
    ("Notes/A.md", "type: [[People]]\n", "person"),  # unquoted, YAML makes it a list in a list
    ("Notes/A.md", "type: [person, author]\n", "person"),
    ("References/A.md", "categories: ['[[People]]']\n", "person"),
    ("References/A.md", "categories: People\n", "person"),
    ("References/A.md", "categories: ['[[Contacts]]']\n", "person"),
    ("References/A.md", "categories: ['[[Movies]]']\n", "note"),
    ("Notes/A.md", "categories: ['[[Meetings]]']\n", "meeting"),
    ("People/A.md", "categories: ['[[Meetings]]']\n", "meeting"),
    ("Notes/A.md", "tags: [people/friends]\n", "person"),
    ("Notes/A.md", "tags: [type/person]\n", "person"),
    ("Notes/A.md", "tags: [peoplesoft]\n", "note"),
    ("Notes/A.md", "tags: [meeting]\n", "meeting"),
    ("Notes/A.md", "Category:: [[People]]\n", "person"),  # a Dataview inline field (as the body)
    ("Peoples/A.md", "", "note"),
])
def test_classification(make_vault, run_scan, path, frontmatter, kind):
    text = frontmatter if "::" in frontmatter else f"---\n{frontmatter}---\n" if frontmatter else "body"
    vault = make_vault({path: text})
    (note,) = run_scan(vault, TODAY).vault.notes
    assert note.kind == kind


def test_folders_are_configurable(make_vault, run_scan):
    vault = make_vault({"Contacts/A.md": "x", "People/B.md": "y", "Calls/2026-11-01 C.md": "z"},
                       config='people_folder = "Contacts"\nmeetings_folder = "Calls/"\n')
    kinds = {n.path: n.kind for n in run_scan(vault, TODAY).vault.notes}
    assert kinds == {"Contacts/A.md": "person", "People/B.md": "note", "Calls/2026-11-01 C.md": "meeting"}


def test_meetings_dates_and_attendees(make_vault, run_scan):
    vault = make_vault({
        "People/Jane Doe.md": person("aliases: [JD]\n"),
        "People/Bob.md": person(),
        "Meetings/2026-10-01 Field date wins.md": "---\ndate: 2026-10-02\nattendees: [[Jane Doe]]\n---\n",
        "Meetings/2026-10-03 From name.md": "---\npeople: ['[[JD]]', '[[Bob]]']\n---\n",
        "Meetings/String date.md": "---\ndate: '2026-10-04 09:30'\nwith: '[[Bob]]'\n---\n",
        "Meetings/Undated.md": "---\nattendees: ['[[Bob]]']\n---\n",
        "Meetings/2026-10-05 Template.md": "---\ndate: '{{date}}'\nattendees: ['[[Ghost]]']\n---\n",
        "Meetings/2026-10-06 No list.md": "Talked with [[Bob]].",
    })
    result = run_scan(vault, TODAY)
    meetings = {m.note.title: (m.date and m.date.isoformat(), [p.name for p in m.attendees])
                for m in result.vault.meetings}
    assert meetings == {
        "2026-10-01 Field date wins": ("2026-10-02", ["Jane Doe"]),
        "2026-10-03 From name": ("2026-10-03", ["Jane Doe", "Bob"]),
        "String date": ("2026-10-04", ["Bob"]),
        "Undated": (None, ["Bob"]),
        "2026-10-05 Template": ("2026-10-05", []),
        "2026-10-06 No list": ("2026-10-06", []),
    }
    assert [d for d, kind, _ in interactions(result, "Bob")] == ["2026-10-03", "2026-10-04", "2026-10-06"]
    problems = {(p.path, p.line): p.message for p in result.problems}
    assert "template placeholder" in problems[("Meetings/2026-10-05 Template.md", 2)]
    assert "no person note for 'Ghost'" in problems[("Meetings/2026-10-05 Template.md", 3)]
    assert "meeting has no date" in problems[("Meetings/Undated.md", None)]


def test_dated_note_interactions_can_be_switched_off(make_vault, run_scan):
    notes = {"People/Bob.md": person(), "Daily/2026-11-01.md": "[[Bob]]",
             "Meetings/2026-11-02 Sync.md": "---\nattendees: ['[[Bob]]']\n---\n"}
    on = run_scan(make_vault(notes), TODAY)
    off = run_scan(make_vault(notes, config="dated_note_interactions = false\n"), TODAY)
    assert [k for _, k, _ in interactions(on, "Bob")] == ["note", "meeting"]
    assert [k for _, k, _ in interactions(off, "Bob")] == ["meeting"]


def test_a_person_linking_themselves_or_an_undated_note_is_no_interaction(make_vault, run_scan):
    vault = make_vault({"People/2026-01-01 Bob.md": person() + "[[2026-01-01 Bob]]",
                        "Projects/Plan.md": "[[2026-01-01 Bob]]"})
    result = run_scan(vault, TODAY)
    assert result.vault.people[0].interactions == []


def test_person_fields_with_bad_values_warn_with_the_line(make_vault, run_scan):
    vault = make_vault({"People/Odd.md": (
        "---\ntype: person\nrole: [peer, friend]\ncadence: sometimes\nbirthday: 13-45\n"
        "met: 2026-02-30\nstatus: gone\nmilestones: [a, b]\n---\n")})
    result = run_scan(vault, TODAY)
    found = sorted((p.line, p.message.split(":")[0]) for p in result.problems)
    assert found == [(4, "cadence"), (5, "birthday"), (6, "met"), (7, "status"), (8, "milestones")]
    (odd,) = result.vault.people
    assert odd.roles == ("peer",) and odd.status == "active" and odd.met is None
    assert odd.position == "friend"  # a role that is no relationship type is a job title, not a warning


def test_broken_files_next_to_good_ones(make_vault, run_scan):
    vault = make_vault({
        "People/Good.md": person("role: manager\nlast_contact: 2026-11-01\n"),
        "People/Bad yaml.md": "---\nrole: [manager\n---\n",
        "People/Bad bytes.md": b"---\nrole: manager\n---\n\xff\xfe\xfa",
        "People/Empty.md": "",
        "Meetings/2026-11-10 Good.md": "---\nattendees: ['[[Good]]']\n---\n",
        "Meetings/2026-11-11 Open.md": "---\nattendees: ['[[Good]]']\n",
    })
    result = run_scan(vault, TODAY)
    assert len(result.vault.people) == 4
    good = next(p for p in result.vault.people if p.name == "Good")
    assert good.roles == ("manager",)
    # the unterminated block is read as text, so its link still counts, like a note without a list
    assert [i.date for i in good.interactions] == [dt.date(2026, 11, 10), dt.date(2026, 11, 11)]
    assert sorted({p.path for p in result.problems}) == [
        "",  # Bad yaml and Empty: people of no relationship type, never contacted
        "Meetings/2026-11-11 Open.md", "People/Bad bytes.md", "People/Bad yaml.md", "People/Empty.md"]
    follow_up = next(r for r in result.reminders if r.person == "Good")
    assert follow_up.date == dt.date(2026, 11, 25)


# --- notes kept between builds (the daemon): what is derived from a note alone is reused ------

def build(notes, config=None, pm=None):
    from pathlib import Path

    from relnotes.config import Config
    from relnotes.core import build_vault
    from relnotes.plugins import get_plugin_manager

    config = config or Config()
    return build_vault(Path("."), notes, config, pm or get_plugin_manager(autoload=False), [])


def notes_of(files):
    from relnotes.notes import parse_note
    from relnotes.obsidian import VaultSettings

    return [parse_note(path, text.encode(), VaultSettings())[0] for path, text in files.items()]


def test_kept_notes_are_classified_again_for_another_config_or_other_plugins():
    from relnotes import hookimpl
    from relnotes.config import Config
    from relnotes.plugins import get_plugin_manager

    notes = notes_of({"Notes/Sync.md": "---\nattendees: '[[Ann]]'\n---\n", "Team/Ann.md": "Ann"})
    assert [n.kind for n in build(notes).notes] == ["note", "note"]
    assert [n.kind for n in build(notes, Config(people_folder="Team")).notes] == ["note", "person"]

    class Everything:
        @hookimpl
        def relnotes_classify_note(self, note):
            return "meeting" if note.title == "Sync" else None

    pm = get_plugin_manager(autoload=False)
    pm.register(Everything(), name="everything")
    assert [n.kind for n in build(notes, Config(people_folder="Team"), pm).notes] == ["meeting", "person"]
    assert [n.kind for n in build(notes).notes] == ["note", "note"]


def test_a_failing_classify_plugin_is_reported_on_every_build():
    from relnotes import hookimpl
    from relnotes.plugins import get_plugin_manager

    class Broken:
        @hookimpl
        def relnotes_classify_note(self, note):
            raise ValueError("nope")

    notes = notes_of({"People/Ann.md": "Ann"})
    for _ in range(2):
        pm = get_plugin_manager(autoload=False)
        pm.register(Broken(), name="broken")
        vault = build(notes, pm=pm)
        assert [n.kind for n in vault.notes] == ["person"]  # the built-in answered
        assert [p.message for p in vault.problems] == [
            "plugin 'broken': relnotes_classify_note raised ValueError: nope; its contribution was skipped"]


def test_each_build_has_its_own_people_and_resolves_names_afresh():
    ann = "---\ntype: person\nbirthday: 02-30\n---\n"
    sync = "---\ndate: 2026-11-10\nattendees: ['[[Ann]]', '[[Bo]]']\n---\n"
    notes = notes_of({"People/Ann.md": ann, "Meetings/Sync.md": sync})
    first, second = build(notes), build(notes)
    for vault in (first, second):
        (meeting,) = vault.meetings
        assert meeting.attendees == [vault.person("Ann")]  # this build's Ann
        assert [i.source for i in vault.person("Ann").interactions] == ["Meetings/Sync.md"]  # not doubled
        assert sorted(p.message for p in vault.problems) == [
            "attendees: no person note for 'Bo'", "birthday: '02-30' is not a real day of the year; ignored"]
    assert first.person("Ann") is not second.person("Ann")
    (meeting,) = build(notes + notes_of({"People/Bo.md": "---\ntype: person\n---\n"})).meetings
    assert [p.name for p in meeting.attendees] == ["Ann", "Bo"]  # Bo, added since, is found


def test_a_note_keeps_one_derived_result_per_name():
    (note,) = notes_of({"People/Ann.md": "Ann"})
    calls = []

    def compute(day):
        calls.append(day)
        return f"for {day}"

    for day in (1, 1, 2, 2, 1):  # a daemon running for days: each day replaces the last
        assert note.derived(("celebrations", day), lambda day=day: compute(day)) == f"for {day}"
    assert calls == [1, 2, 1]
    assert note.derived("other", lambda: "x") == "x" and note.derived(("celebrations", 1), list) == "for 1"


def test_who_was_in_touch_since_a_day_is_found_from_an_index_kept_up_to_date(make_vault):
    """``vault.contacted_since(day)`` (what the goal asks on every build) names exactly the people
    a walk over all of them would, as notes change, meetings come and go and people are deleted."""
    from relnotes.pipeline import Pipeline

    vault = make_vault({
        "People/Ann.md": "---\ntype: person\nlast_contact: 2026-11-20\n---\n",
        "People/Bo.md": "---\ntype: person\nlast_contact: 2026-01-02\n---\n",
        "People/Cy.md": "---\ntype: person\n---\n",
        "Meetings/2026-11-03 Sync.md": "---\ntype: meeting\ndate: 2026-11-03\nattendees: ['[[Cy]]']\n---\n",
        "Meetings/2026-12-09 Plan.md": "---\ntype: meeting\ndate: 2026-12-09\nattendees: ['[[Bo]]']\n---\n",
    })
    pipeline = Pipeline(vault, autoload=False, use_cache=False)
    today = dt.date(2026, 11, 25)

    def check(expected):
        pipeline.evaluate(today)
        found = pipeline.engine.vault
        for day in (dt.date(2025, 1, 1), dt.date(2026, 11, 1), dt.date(2026, 11, 21), dt.date(2027, 1, 1)):
            walked = {p.name for p in found.people if any(d >= day for d in (
                *(i.date for i in p.interactions), *([p.last_contact] if p.last_contact else [])))}
            assert {p.name for p in found.contacted_since(day)} == walked
        assert {p.name for p in found.contacted_since(dt.date(2026, 11, 1))} == expected

    pipeline.scan(today)
    check({"Ann", "Bo", "Cy"})  # Bo: a meeting to come
    (vault / "Meetings/2026-12-09 Plan.md").unlink()
    (vault / "People/Ann.md").write_text("---\ntype: person\nlast_contact: 2026-10-01\n---\n")
    pipeline.refresh({"Meetings/2026-12-09 Plan.md", "People/Ann.md"})
    check({"Cy"})
    (vault / "People/Cy.md").unlink()
    (vault / "People/Di.md").write_text("---\ntype: person\nlast_contact: 2026-11-24\n---\n")
    pipeline.refresh({"People/Cy.md", "People/Di.md"})
    check({"Di"})
