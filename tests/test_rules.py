"""Each built-in rule, table-driven, with dates checked by hand."""

import json

import pytest
from click.testing import CliRunner

from relnotes.cli import cli
from relnotes.dates import Cadence, DateProblem, add_months, parse_cadence, parse_month_day

TODAY = "2026-11-25"


def person(**fields):
    lines = ["type: person"] + [f"{k}: {v}" for k, v in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n"


def reminders(run_scan, make_vault, notes, today=TODAY, kind=None, horizon=400, config=None):
    result = run_scan(make_vault(notes, config=config), today, horizon)
    assert not [p for p in result.problems if "plugin" in p.message], result.problems
    return [(r.kind, r.person, r.date.isoformat(), r.title) for r in result.reminders
            if kind is None or r.kind == kind]


def dates(found):
    return [d for _, _, d, _ in found]


# --- date helpers ------------------------------------------------------------------------

@pytest.mark.parametrize("start, months, expected", [
    ("2026-01-31", 1, "2026-02-28"),
    ("2028-01-31", 1, "2028-02-29"),
    ("2026-03-31", 1, "2026-04-30"),
    ("2026-11-30", 3, "2027-02-28"),
    ("2024-02-29", 12, "2025-02-28"),
    ("2026-12-15", 1, "2027-01-15"),
])
def test_add_months_clamps_to_the_end_of_the_month(start, months, expected):
    import datetime as dt
    assert add_months(dt.date.fromisoformat(start), months).isoformat() == expected


@pytest.mark.parametrize("text, cadence", [
    ("14d", Cadence(14, "days")), ("2w", Cadence(14, "days")), ("3m", Cadence(3, "months")),
    ("1y", Cadence(12, "months")), ("weekly", Cadence(7, "days")), ("biweekly", Cadence(14, "days")),
    ("monthly", Cadence(1, "months")), ("quarterly", Cadence(3, "months")), ("yearly", Cadence(12, "months")),
    (45, Cadence(45, "days")), ("45", Cadence(45, "days")), ("6 weeks", Cadence(42, "days")),
    (" Monthly ", Cadence(1, "months")), ("none", None), ("None", None),
])
def test_parse_cadence(text, cadence):
    assert parse_cadence(text) == cadence


@pytest.mark.parametrize("text", ["often", "0d", 0, -3, "3x", True, [1], "{{cadence}}"])
def test_bad_cadences(text):
    with pytest.raises(DateProblem):
        parse_cadence(text)


@pytest.mark.parametrize("value, parsed", [
    ("1990-12-01", (12, 1, 1990)), ("12-01", (12, 1, None)), ("--12-01", (12, 1, None)),
    ("02-29", (2, 29, None)), ("--2-9", (2, 9, None)),
])
def test_parse_month_day(value, parsed):
    day = parse_month_day(value)
    assert (day.month, day.day, day.year) == parsed


@pytest.mark.parametrize("value", ["13-01", "02-30", "--00-10", "Dec 1", 1201])
def test_bad_birthdays(value):
    with pytest.raises(DateProblem):
        parse_month_day(value)


# --- follow-up -------------------------------------------------------------------------------

FOLLOW_UPS = [
    # (description, notes, expected due dates)
    ("last_contact + manager 14d", {"People/A.md": person(role="manager", last_contact="2026-11-01")}, ["2026-11-15"]),
    ("met + peer 90d", {"People/A.md": person(role="peer", met="2026-06-01")}, ["2026-08-30"]),
    ("meeting via alias + mentor 60d", {
        "People/A.md": person(role="mentor", aliases="[Ace]"),
        "Meetings/2026-10-01 X.md": "---\nattendees: ['[[ace]]']\n---\n"}, ["2026-11-30"]),
    ("dated note + sponsor 30d", {
        "People/A.md": person(role="sponsor"), "Daily/2026-11-10.md": "Lunch with [[A]]"}, ["2026-12-10"]),
    ("client 30d", {"People/A.md": person(role="customer", last_contact="2026-11-01")}, ["2026-12-01"]),
    ("contact 180d", {"People/A.md": person(role="contact", met="2026-01-10")}, ["2026-07-09"]),
    ("supervisor means manager", {"People/A.md": person(role="Supervisor", met="2026-11-01")}, ["2026-11-15"]),
    ("the latest source wins", {
        "People/A.md": person(role="manager", last_contact="2026-10-01", met="2025-01-01"),
        "Meetings/2026-10-20 X.md": "---\nattendees: ['[[A]]']\n---\n",
        "Daily/2026-11-02.md": "[[A]]"}, ["2026-11-16"]),
    ("a meeting booked ahead settles it: due a cadence after it", {
        "People/A.md": person(role="manager", last_contact="2026-10-01"),
        "Meetings/2026-12-01 Planned.md": "---\nattendees: ['[[A]]']\n---\n"}, ["2026-12-15"]),
    ("a future dated note is no booking", {
        "People/A.md": person(role="manager", last_contact="2026-10-01"),
        "Daily/2026-12-01.md": "Lunch with [[A]]"}, ["2026-10-15"]),
    ("own cadence beats the role", {"People/A.md": person(role="manager", cadence="2m", last_contact="2026-09-30")},
     ["2026-11-30"]),
    ("month cadence clamps", {"People/A.md": person(cadence="monthly", last_contact="2026-10-31")}, ["2026-11-30"]),
    ("quarterly clamps to the month's end", {"People/A.md": person(cadence="3m", last_contact="2026-08-31")},
     ["2026-11-30"]),
    ("weeks add days", {"People/A.md": person(cadence="2w", last_contact="2026-11-01")}, ["2026-11-15"]),
    ("a number is days", {"People/A.md": person(cadence=45, last_contact="2026-11-01")}, ["2026-12-16"]),
    ("several roles: the shortest wins", {"People/A.md": person(role="[peer, manager]", met="2026-11-01")},
     ["2026-11-15"]),
    ("no contact at all: due today", {"People/A.md": person(role="peer")}, ["2026-11-25"]),
    ("no type, once contacted: the default cadence", {"People/A.md": person(last_contact="2026-01-01")},
     ["2026-04-01"]),
    ("no type, never contacted: a reference, nothing", {"People/A.md": person()}, []),
    ("a type of one's own without a cadence: the default", {"People/A.md": person(relationship="family")},
     ["2026-11-25"]),
    ("a role synonym", {"People/A.md": person(role="Co-worker", last_contact="2026-10-01")}, ["2026-12-30"]),
    ("relationship: colleague is a peer", {"People/A.md": person(relationship="colleague", met="2026-10-01")},
     ["2026-12-30"]),
    ("a job title in role: the default once contacted", {
        "People/A.md": person(role="Tech Lead", last_contact="2026-10-01")}, ["2026-12-30"]),
    ("cadence none: nothing", {"People/A.md": person(role="manager", cadence="none")}, []),
    ("paused: nothing", {"People/A.md": person(role="manager", status="paused")}, []),
    ("limit-contact: nothing", {"People/A.md": person(role="manager", status="limit-contact")}, []),
    ("archived: nothing", {"People/A.md": person(role="manager", status="archived")}, []),
    ("snooze later than due moves it", {
        "People/A.md": person(role="manager", last_contact="2026-11-01", snooze_until="2026-12-03")}, ["2026-12-03"]),
    ("snooze earlier than due: no effect", {
        "People/A.md": person(role="manager", last_contact="2026-11-01", snooze_until="2026-11-05")}, ["2026-11-15"]),
]


@pytest.mark.parametrize("notes, expected", [c[1:] for c in FOLLOW_UPS], ids=[c[0] for c in FOLLOW_UPS])
def test_follow_up(run_scan, make_vault, notes, expected):
    assert dates(reminders(run_scan, make_vault, notes, kind="follow-up")) == expected


def test_follow_up_role_defaults_come_from_config(run_scan, make_vault):
    notes = {"People/A.md": person(role="peer", last_contact="2026-11-01")}
    found = reminders(run_scan, make_vault, notes, kind="follow-up", config='[cadence]\npeer = "1w"\n')
    assert dates(found) == ["2026-11-08"]
    assert reminders(run_scan, make_vault, notes, kind="follow-up", config='[cadence]\npeer = "none"\n') == []


def test_follow_up_says_why_and_keeps_its_uid_until_contact(run_scan, make_vault):
    vault = make_vault({"People/Ann.md": person(role="sponsor", last_contact="2026-10-01")})
    first = run_scan(vault, "2026-11-01").reminders[0]
    later = run_scan(vault, "2026-11-20").reminders[0]
    assert first.uid == later.uid and first.date == later.date
    assert first.detail == "last contact 2026-10-01 (last_contact) · every 30 days (sponsor default)"
    (vault / "Daily").mkdir()
    (vault / "Daily/2026-11-19.md").write_text("Coffee with [[Ann]]")
    contacted = run_scan(vault, "2026-11-20").reminders[0]
    assert contacted.uid != later.uid and contacted.date.isoformat() == "2026-12-19"
    assert "Ann" not in contacted.uid


# --- new-contact --------------------------------------------------------------------------------

NEW_CONTACTS = [
    ("met 15 days ago, nothing since", {"People/A.md": person(met="2026-11-10")}, ["2026-11-12"]),
    ("met yesterday", {"People/A.md": person(met="2026-11-24")}, ["2026-11-26"]),
    ("met exactly 30 days ago", {"People/A.md": person(met="2026-10-26")}, ["2026-10-28"]),
    ("met 31 days ago", {"People/A.md": person(met="2026-10-25")}, []),
    ("met in the future", {"People/A.md": person(met="2026-12-01")}, []),
    ("a later daily note clears it", {"People/A.md": person(met="2026-11-10"), "Daily/2026-11-15.md": "[[A]]"}, []),
    ("a meeting on the day itself does not", {
        "People/A.md": person(met="2026-11-10"),
        "Meetings/2026-11-10 Conf.md": "---\nattendees: ['[[A]]']\n---\n"}, ["2026-11-12"]),
    ("a scheduled meeting clears it", {
        "People/A.md": person(met="2026-11-10"),
        "Meetings/2026-12-02 Coffee.md": "---\nattendees: ['[[A]]']\n---\n"}, []),
    ("a later last_contact clears it", {"People/A.md": person(met="2026-11-10", last_contact="2026-11-11")}, []),
    ("paused: nothing", {"People/A.md": person(met="2026-11-10", status="paused")}, []),
    ("limit-contact: nothing", {"People/A.md": person(met="2026-11-10", status="limit-contact")}, []),
    ("snoozed", {"People/A.md": person(met="2026-11-10", snooze_until="2026-11-30")}, ["2026-11-30"]),
]


@pytest.mark.parametrize("notes, expected", [c[1:] for c in NEW_CONTACTS], ids=[c[0] for c in NEW_CONTACTS])
def test_new_contact(run_scan, make_vault, notes, expected):
    assert dates(reminders(run_scan, make_vault, notes, kind="new-contact")) == expected


def test_new_contact_window_and_delay_are_configurable(run_scan, make_vault):
    notes = {"People/A.md": person(met="2026-11-10")}
    config = "[new_contact]\nwindow_days = 10\ndelay_days = 5\n"
    assert reminders(run_scan, make_vault, notes, kind="new-contact", config=config) == []
    found = reminders(run_scan, make_vault, notes, today="2026-11-18", kind="new-contact", config=config)
    assert found == [("new-contact", "A", "2026-11-15", "Send a follow-up to A")]


# --- meeting-follow-up ------------------------------------------------------------------------------

def test_meeting_follow_up_for_each_attendee(run_scan, make_vault):
    notes = {
        "People/Ann.md": person(), "People/Bob.md": person(), "People/Old.md": person(status="archived"),
        "Meetings/2026-11-10 Review.md": "---\nattendees: ['[[Ann]]', '[[Bob]]', '[[Old]]']\nfollow_up: 2026-11-20\n---\n",
        "Meetings/2026-11-11 Done.md": "---\nattendees: ['[[Ann]]']\nfollow_up: 2026-11-21\nfollow_up_done: true\n---\n",
        "Meetings/2026-11-12 Nobody.md": "---\nfollow_up: 2026-12-01\n---\n",
        "Meetings/2026-11-13 Gone.md": "---\nattendees: ['[[Old]]']\nfollow_up: 2026-12-01\n---\n",
    }
    assert reminders(run_scan, make_vault, notes, kind="meeting-follow-up") == [
        ("meeting-follow-up", "Ann", "2026-11-20", "Follow up with Ann on Review"),
        ("meeting-follow-up", "Bob", "2026-11-20", "Follow up with Bob on Review"),
        ("meeting-follow-up", None, "2026-12-01", "Follow up on Nobody"),
    ]


# --- task ------------------------------------------------------------------------------------------------

TASK_NOTE = """---
attendees: ['[[Ann]]', '[[Bob]]']
---
- [ ] Send deck to [[Bob|Bobby]] 📅 2026-11-20
- [ ] Book a room 📅 2026-11-30 ⏫
- [x] Done thing 📅 2026-11-01
- [X] Done too 📅 2026-11-01
- [-] Cancelled 📅 2026-11-01
- [/] In progress with [[Cara]] 🔁 every week 📅 2026-12-01
- [ ] No date at all
* [ ] Star bullet 📅 2026-12-02
  - [ ] Nested 📅️ 2026-12-03
```
- [ ] In a code block 📅 2026-12-04
```
- [ ] Impossible 📅 2026-02-30
- [ ] For [[Old]] 📅 2026-12-05
- [ ] For [[Lim]] 📅 2026-12-06
"""


def test_tasks_in_meeting_notes(run_scan, make_vault):
    found = reminders(run_scan, make_vault, {
        "People/Ann.md": person(), "People/Bob.md": person(), "People/Cara.md": person(),
        "People/Old.md": person(status="archived"), "People/Lim.md": person(status="limit-contact"),
        "Meetings/2026-11-10 Sync.md": TASK_NOTE}, kind="task")
    assert found == [
        ("task", "Bob", "2026-11-20", "Send deck to Bobby"),
        ("task", "Ann", "2026-11-30", "Book a room"),
        ("task", "Cara", "2026-12-01", "In progress with Cara"),
        ("task", "Ann", "2026-12-02", "Star bullet"),
        ("task", "Ann", "2026-12-03", "Nested"),
        ("task", "Lim", "2026-12-06", "For Lim"),
    ]


def test_tasks_in_any_note(run_scan, make_vault):
    found = reminders(run_scan, make_vault, {
        "People/Ann.md": person() + "## Follow-ups\n- [ ] Send [[Bo]] the deck 📅 2026-11-24\n",
        "People/Bo.md": person(),
        "Daily/2026-11-20.md": "- [ ] Call [[Ann]] 📅 2026-11-21\n- [ ] Renew passport 📅 2026-11-22\n",
        "Projects/Plan.md": "- [ ] From a project note 📅 2026-11-23\n- [ ] Ask [[Bo]] ⏳ 2026-11-26\n",
    }, kind="task")
    assert found == [("task", "Ann", "2026-11-21", "Call Ann"), ("task", None, "2026-11-22", "Renew passport"),
                     ("task", None, "2026-11-23", "From a project note"),
                     ("task", "Ann", "2026-11-24", "Send Bo the deck"),  # in Ann's note: hers
                     ("task", "Bo", "2026-11-26", "Ask Bo")]  # scheduled, no due date


@pytest.mark.parametrize("line, due, title", [
    ("- [ ] Tasks emoji 📅 2026-11-21 ⏫ 🔁 every week", "2026-11-21", "Tasks emoji"),
    ("- [ ] Dataview field [due:: 2026-11-21] here", "2026-11-21", "Dataview field here"),
    ("- [ ] Dataview round (due:: 2026-11-21)", "2026-11-21", "Dataview round"),
    ("- [ ] Dataview emoji 🗓️2026-11-21", "2026-11-21", "Dataview emoji"),
    ("- [ ] Scheduled only ⏳ 2026-11-21 🆔 abc123 ⛔ def456", "2026-11-21", "Scheduled only"),
    ("- [ ] Due beats scheduled ⏳ 2026-11-30 📅 2026-11-21 🛫 2026-11-01 ➕ 2026-10-01", "2026-11-21",
     "Due beats scheduled"),
    ("- [/] In progress [due:: 2026-11-21]", "2026-11-21", "In progress"),
    ("- [ ] Planning 🗓 soon [Due:: 2026-11-21]", "2026-11-21", "Planning 🗓 soon"),  # any case; a lone mark
    ("- [ ] Call [person:: [[Ann]]] 📅 2026-11-21", "2026-11-21", "Call"),  # a field holding a link
])
def test_task_due_formats(run_scan, make_vault, line, due, title):
    (found,) = reminders(run_scan, make_vault, {"Projects/Plan.md": line + "\n"}, kind="task")
    assert found == ("task", None, due, title)


def test_tasks_global_filter(run_scan, make_vault):
    notes = {"Projects/Plan.md": "- [ ] #task Call the bank 📅 2026-11-21\n- [ ] Not a task 📅 2026-11-22\n"}
    tasks = ".obsidian/plugins/obsidian-tasks-plugin/data.json"
    kept = reminders(run_scan, make_vault, {**notes, tasks: '{"globalFilter": "#task"}'}, kind="task")
    assert kept == [("task", None, "2026-11-21", "#task Call the bank")]
    removed = reminders(run_scan, make_vault, {
        **notes, tasks: '{"globalFilter": "#task", "removeGlobalFilter": true}'}, kind="task")
    assert removed == [("task", None, "2026-11-21", "Call the bank")]


def test_a_task_is_a_markdown_list_item(run_scan, make_vault):
    """As in Markdown, a list marker is followed by a space or a tab, not a no-break space;
    a second checkbox on the line is text, and fenced code holds no tasks."""
    body = ("-\u00a0[ ] No-break space 📅 2026-11-21\n- [ ]\u3000Ideographic space 📅 2026-11-22\n"
            "-\t[ ]\tTabs 📅 2026-11-23\n> 1. [ ] Quoted [ ] twice 📅 2026-11-24\n"
            "```\n- [ ] In code 📅 2026-11-25\n```\n~~~md\n- [ ] In code 📅 2026-11-26\n~~~\n"
            "- [ ] After the code 📅 2026-11-27\n")
    found = reminders(run_scan, make_vault, {"Daily/2026-11-20.md": body}, kind="task")
    assert [title for *_, title in found] == ["Tabs", "Quoted [ ] twice", "After the code"]


def test_task_problems_are_reported_with_their_line(run_scan, make_vault):
    result = run_scan(make_vault({"Meetings/2026-11-10 Sync.md": TASK_NOTE}), TODAY)
    assert [(p.line, p.message) for p in result.problems if "task" in p.message] == [
        (16, "task due date: '2026-02-30' is not a real date (day is out of range for month); task ignored")]


def test_task_uids_survive_edits_above_them(run_scan, make_vault):
    vault = make_vault({"Daily/2026-11-20.md": "- [ ] Call 📅 2026-11-21\n- [ ] Call 📅 2026-11-22\n"})
    before = [r.uid for r in run_scan(vault, TODAY).reminders]
    (vault / "Daily/2026-11-20.md").write_text("# A heading\n\n- [ ] Call 📅 2026-11-21\n- [ ] Call 📅 2026-11-22\n")
    assert [r.uid for r in run_scan(vault, TODAY).reminders] == before
    assert len(set(before)) == 2


# --- celebrations ------------------------------------------------------------------------------------------

CELEBRATIONS = [
    ("birthday with year", person(birthday="1990-12-01"), TODAY, [("birthday", "2026-12-01", "A's birthday (turns 36)")]),
    ("birthday today", person(birthday="1990-11-25"), TODAY, [("birthday", "2026-11-25", "A's birthday (turns 36)")]),
    ("birthday yesterday: next year, never overdue", person(birthday="1990-11-24"), TODAY,
     [("birthday", "2027-11-24", "A's birthday (turns 37)")]),
    ("birthday MM-DD: no age", person(birthday="'12-01'"), TODAY, [("birthday", "2026-12-01", "A's birthday")]),
    ("birthday --MM-DD: no age", person(birthday="--12-01"), TODAY, [("birthday", "2026-12-01", "A's birthday")]),
    ("Feb 29 in a common year", person(birthday="1992-02-29"), "2027-01-10",
     [("birthday", "2027-02-28", "A's birthday (turns 35)")]),
    ("Feb 29 in a leap year", person(birthday="1992-02-29"), "2028-01-10",
     [("birthday", "2028-02-29", "A's birthday (turns 36)")]),
    ("Feb 29 without a year", person(birthday="'02-29'"), "2027-01-10", [("birthday", "2027-02-28", "A's birthday")]),
    ("work anniversary", person(started="2020-12-10", company="Acme"), TODAY,
     [("anniversary", "2026-12-10", "A: 6 years at Acme")]),
    ("first anniversary, not the start day", person(started="2026-11-25"), TODAY,
     [("anniversary", "2027-11-25", "A: 1 year in their current job")]),
    ("started this year", person(started="2026-06-01", company="Acme"), TODAY,
     [("anniversary", "2027-06-01", "A: 1 year at Acme")]),
    ("started on Feb 29", person(started="2024-02-29", company="Acme"), TODAY,
     [("anniversary", "2027-02-28", "A: 3 years at Acme")]),
    ("milestone anniversary", "---\ntype: person\nmilestones:\n  promoted to director: 2024-12-01\n---\n", TODAY,
     [("milestone", "2026-12-01", "A: 2 years since promoted to director")]),
    ("milestone still to come", "---\ntype: person\nmilestones:\n  wedding: 2026-12-05\n---\n", TODAY,
     [("milestone", "2026-12-05", "A: wedding")]),
    ("paused still celebrates", person(birthday="1990-12-01", status="paused"), TODAY,
     [("birthday", "2026-12-01", "A's birthday (turns 36)")]),
    ("limit-contact: no celebrations", person(birthday="1990-12-01", status="limit-contact"), TODAY, []),
    ("archived: nothing", person(birthday="1990-12-01", status="archived"), TODAY, []),
]


@pytest.mark.parametrize("note, today, expected", [c[1:] for c in CELEBRATIONS], ids=[c[0] for c in CELEBRATIONS])
def test_celebrations(run_scan, make_vault, note, today, expected):
    found = reminders(run_scan, make_vault, {"People/A.md": note}, today=today)
    assert [(kind, date, title) for kind, _, date, title in found] == expected


def test_feb29_can_be_celebrated_on_march_1(run_scan, make_vault):
    found = reminders(run_scan, make_vault, {"People/A.md": person(birthday="1992-02-29")}, today="2027-01-10",
                      config='[celebrations]\nfeb29 = "mar1"\n')
    assert dates(found) == ["2027-03-01"]


def test_celebration_uids_do_not_change_from_year_to_year(run_scan, make_vault):
    vault = make_vault({"People/A.md": person(birthday="1990-12-01", started="2020-01-01")})
    assert ({r.uid for r in run_scan(vault, "2026-11-25", 400).reminders}
            == {r.uid for r in run_scan(vault, "2027-11-25", 400).reminders})


# --- the window -----------------------------------------------------------------------------------------

def test_window_lists_overdue_items_and_upcoming_within_the_horizon(run_scan, make_vault):
    vault = make_vault({
        "People/A.md": person(role="manager", last_contact="2026-01-01", birthday="1990-12-30", met="2025-01-01"),
        "Daily/2026-11-01.md": "- [ ] Old task 📅 2026-11-02\n- [ ] Far task 📅 2027-01-30\n",
    })
    result = run_scan(vault, TODAY, 30)
    assert [(r.kind, r.date.isoformat(), r.overdue(result.today)) for r in result.reminders] == [
        ("follow-up", "2026-01-15", True), ("task", "2026-11-02", True)]
    longer = run_scan(vault, TODAY, 35)
    assert [(r.kind, r.date.isoformat()) for r in longer.reminders][2:] == [("birthday", "2026-12-30")]


# --- goal ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("per, start, done", [("week", "2026-11-23", 1), ("month", "2026-11-01", 2),
                                              ("quarter", "2026-10-01", 3)])
def test_goal(run_scan, make_vault, per, start, done):
    """Contact counts, but ``met`` (Bob's) is when you met — a LinkedIn connection date —, no conversation."""
    vault = make_vault({
        "People/Ann.md": person(last_contact="2026-11-24"),
        "People/Bob.md": person(met="2026-11-23"),
        "People/Cat.md": person(), "People/Dan.md": person(), "People/Eve.md": person(),
        "Daily/2026-11-05.md": "[[Cat]] and [[Ann]]",
        "Meetings/2026-10-15 Q.md": "---\nattendees: ['[[Dan]]']\n---\n",
        "Meetings/2026-11-30 Later.md": "---\nattendees: ['[[Eve]]']\n---\n",
    }, config=f'goal = {{ people = 8, per = "{per}" }}\n')
    goal = run_scan(vault, TODAY).goal
    assert (goal.target, goal.per, goal.period_start.isoformat(), goal.done) == (8, per, start, done)
    assert len(goal.people) == done
    assert "Bob" not in goal.people


def test_goal_in_json(make_vault):
    vault = make_vault({"People/Ann.md": person(last_contact="2026-11-24")}, config='goal = { people = 8, per = "month" }\n')
    data = json.loads(CliRunner().invoke(cli, ["scan", str(vault), "--today", TODAY, "--json"]).stdout)
    assert data["goal"] == {"target": 8, "per": "month", "done": 1, "period_start": "2026-11-01", "people": ["Ann"]}
