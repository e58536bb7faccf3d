"""The action log: `relnotes log`, `snooze` and `done`, the lines they add, and what the next scan,
`brief` and `watch` make of them."""

import datetime as dt
import json
import subprocess
import sys
import textwrap
import threading

import pytest
from click.testing import CliRunner

from relnotes.actions import LOG_MARKER, read_actions
from relnotes.cli import cli
from relnotes.daemon import Daemon
from relnotes.testing import wait_for

TODAY = "2026-11-25"
NOTES = {
    "People/Priya Raman.md": "---\ntype: person\nrole: mentor\naliases: [PR]\nlast_contact: 2026-09-01\n"
                             "birthday: 1984-12-03\n---\n",
    "People/Wei Chen.md": "---\ntype: person\nrole: peer\nlast_contact: 2026-06-01\n---\n",
    "People/Aisha Khan.md": "---\ntype: person\nrole: client\nlast_contact: 2026-11-20\n---\n",
    "Meetings/2026-11-17 Acme check-in.md": ("---\nattendees: ['[[Aisha Khan]]']\nfollow_up: 2026-11-24\n---\n"
                                            "- [ ] Send the runbook to [[Aisha Khan]] 📅 2026-11-28\n"),
}
LOG = "relnotes log.md"


@pytest.fixture
def vault(make_vault):
    return make_vault(NOTES)


def run(vault, *args, today=TODAY):
    return CliRunner().invoke(cli, [args[0], str(vault), *args[1:], "--today", today])


def scan(vault, today=TODAY, horizon=30):
    result = run(vault, "scan", "--json", "--no-ics", "--no-summary", "--horizon", str(horizon), today=today)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def reminders(vault, kind=None, person=None, today=TODAY):
    return [r for r in scan(vault, today)["reminders"]
            if (kind is None or r["kind"] == kind) and (person is None or r["person"] == person)]


def log_lines(vault):
    return [line for line in (vault / LOG).read_text(encoding="utf-8").splitlines() if line.startswith("- ")]


# --- the lines ---------------------------------------------------------------------------------------

def test_the_lines_read_back_and_an_unreadable_one_is_named_by_its_line():
    text = textwrap.dedent("""\
        # My log
        - 2026-11-25 talked with [[Priya Raman]] · call · "promo case"
        - 2026-11-25 snoozed [[Wei Chen]] until 2026-12-09
        - 2026-11-25 done: Follow up with Aisha · [[Aisha Khan]] %%meeting-follow-up-0123456789abcdef0123@relnotes 2026-11-24%%
        - 2026-11-25 snoozed: Send the deck until 2026-12-01 %%task-0123456789abcdef0123@relnotes%%
        - 2026-11-26 talked with [[Wei Chen|Wei]] and [[PR]]
        - a list item of my own
        - 2026-02-30 talked with [[Wei Chen]]
        - 2026-11-25 done: no uid here
        - 2026-11-25 snoozed [[Wei Chen]] for a while
        - 9999-12-03 done: a birthday in the far future %%birthday-0123456789abcdef0123@relnotes 9999-12-03%%
        """)
    actions, problems = read_actions(text, first_line=5)
    assert [(a.kind, a.line, a.people, a.via, a.note, a.until, a.uid, a.due) for a in actions] == [
        ("talked", 6, ("Priya Raman",), "call", "promo case", None, None, None),
        ("snoozed", 7, ("Wei Chen",), "", "", dt.date(2026, 12, 9), None, None),
        ("done", 8, (), "", "", None, "meeting-follow-up-0123456789abcdef0123@relnotes", dt.date(2026, 11, 24)),
        ("snoozed", 9, (), "", "", dt.date(2026, 12, 1), "task-0123456789abcdef0123@relnotes", None),
        ("talked", 10, ("Wei Chen", "PR"), "", "", None, None, None),
    ]
    assert [line for line, _ in problems] == [12, 13, 14, 15]
    assert "2026-02-30 is not a real date" in problems[0][1] and "%%uid%%" in problems[1][1] and "until" in problems[2][1]


def test_log_records_contact_that_moves_the_follow_up_and_shows_in_brief(vault):
    before = reminders(vault, "follow-up", "Priya Raman")
    assert before[0]["date"] == "2026-10-31"  # 2026-09-01 + 60 days: overdue
    result = run(vault, "log", "pr", "--via", "call", "--note", 'promo "case"\nnext')
    assert result.exit_code == 0, result.output
    assert log_lines(vault) == ['- 2026-11-25 talked with [[Priya Raman]] · call · "promo \'case\' next"']
    assert LOG in result.output and log_lines(vault)[0] in result.output
    assert (vault / LOG).read_bytes().startswith(b"---\n" + LOG_MARKER + b"\n---\n")
    assert reminders(vault, "follow-up", "Priya Raman") == []  # due 2027-01-24 now: past the horizon
    found = [r for r in scan(vault, horizon=800)["reminders"] if r["kind"] == "follow-up" and r["person"] == "Priya Raman"]
    assert found[0]["date"] == "2027-01-24" and "call: promo 'case' next" in found[0]["detail"]
    brief = run(vault, "brief", "Priya Raman", "--format", "json")
    data = json.loads(brief.stdout)
    assert data["last_contact"]["date"] == TODAY and data["last_contact"]["source"] == LOG
    assert data["last_contact"]["line"] == 8
    assert ("2026-11-25", LOG) in [(e["date"], e["source"]) for e in data["timeline"]]


def test_log_on_another_day_and_names_as_links_resolve_them(vault):
    assert run(vault, "log", "WEI CHEN", "--on", "2026-11-01").exit_code == 0
    assert log_lines(vault) == ["- 2026-11-01 talked with [[Wei Chen]]"]
    assert [r["date"] for r in scan(vault, horizon=800)["reminders"] if r["person"] == "Wei Chen"] == [
        "2027-01-30"]  # peer: 90 days after
    missing = run(vault, "log", "Priya Ramen")
    assert missing.exit_code == 1 and "did you mean Priya Raman" in missing.output
    future = run(vault, "log", "Wei Chen", "--on", "2026-12-01")
    assert future.exit_code == 1 and "after today" in future.output
    assert len(log_lines(vault)) == 1


def test_snooze_a_person_or_one_reminder(vault):
    assert reminders(vault, "follow-up", "Wei Chen")[0]["date"] == "2026-08-30"
    assert run(vault, "snooze", "Wei Chen", "--for", "2w").exit_code == 0
    follow_up = reminders(vault, "follow-up", "Wei Chen")[0]
    assert follow_up["date"] == "2026-12-09" and f"snoozed until 2026-12-09 ({LOG}, line 8)" in follow_up["detail"]
    brief = json.loads(run(vault, "brief", "Wei Chen", "--format", "json").stdout)
    assert brief["person"]["snooze_until"] == "2026-12-09"

    task = reminders(vault, "task")[0]
    assert run(vault, "snooze", task["uid"][:12], "--until", "2026-12-20").exit_code == 0
    assert log_lines(vault)[-1] == (f"- 2026-11-25 snoozed: Send the runbook to Aisha Khan · [[Aisha Khan]] "
                                    f"until 2026-12-20 %%{task['uid']}%%")
    moved = next(r for r in scan(vault)["reminders"] if r["uid"] == task["uid"])
    assert moved["date"] == "2026-12-20" and moved["data"]["snoozed_until"] == "2026-12-20"
    # the day before the snooze was written it has not happened yet
    assert next(r for r in scan(vault, "2026-11-24")["reminders"] if r["uid"] == task["uid"])["date"] == "2026-11-28"
    assert run(vault, "snooze", "Wei Chen", "--until", "2026-11-25").exit_code == 1
    assert run(vault, "snooze", "Wei Chen").exit_code == 2


def test_done_closes_a_reminder_a_yearly_one_until_next_year_and_refuses_tasks(vault):
    meeting = reminders(vault, "meeting-follow-up")[0]
    assert run(vault, "done", meeting["uid"]).exit_code == 0
    assert reminders(vault, "meeting-follow-up") == []
    birthday = reminders(vault, "birthday")[0]
    assert birthday["date"] == "2026-12-03"
    assert run(vault, "done", birthday["uid"]).exit_code == 0
    after = next(r for r in scan(vault, horizon=800)["reminders"] if r["uid"] == birthday["uid"])
    assert after["date"] == "2027-12-03" and "done for 2026-12-03" in after["detail"]
    lines = len(log_lines(vault))
    task = run(vault, "done", reminders(vault, "task")[0]["uid"])
    assert task.exit_code == 1 and "a task in Meetings/2026-11-17 Acme check-in.md, line 5: tick it there" in task.output
    follow_up = run(vault, "done", reminders(vault, "follow-up")[0]["uid"])
    assert follow_up.exit_code == 1 and "relnotes log" in follow_up.output
    again = run(vault, "done", meeting["uid"])
    assert again.exit_code == 1 and "no open reminder" in again.output
    assert len(log_lines(vault)) == lines


def test_a_line_the_user_edited_is_respected_and_a_broken_one_is_a_warning(vault):
    run(vault, "snooze", "Wei Chen", "--until", "2026-12-09")
    path = vault / LOG
    path.write_text(path.read_text(encoding="utf-8").replace("until 2026-12-09", "until 2027-01-05")
                    + "- 2026-11-25 talked with", encoding="utf-8")  # no newline at the end, as editors leave it
    data = scan(vault, horizon=800)
    assert [r["date"] for r in data["reminders"] if r["person"] == "Wei Chen"] == ["2027-01-05"]
    assert [(p["path"], p["line"]) for p in data["warnings"] if "cannot read this action" in p["message"]] == [
        (LOG, 9)]
    assert run(vault, "log", "Wei Chen").exit_code == 0  # appended on a line of its own
    assert path.read_text(encoding="utf-8").endswith("- 2026-11-25 talked with\n- 2026-11-25 talked with [[Wei Chen]]\n")


def test_a_note_of_the_users_at_the_log_path_is_never_written(vault):
    (vault / LOG).write_text("# My own notes\n", encoding="utf-8")
    result = run(vault, "log", "Wei Chen")
    assert result.exit_code == 1 and "not relnotes' log" in result.output
    assert (vault / LOG).read_text(encoding="utf-8") == "# My own notes\n"


def test_the_log_path_must_be_a_note_in_the_vault(make_vault, tmp_path):
    for path in ("../outside.md", "/tmp/x.md"):
        vault = make_vault(NOTES, config=f'[log]\npath = "{path}"\n')
        result = run(vault, "log", "Wei Chen")
        assert result.exit_code == 1 and "log.path" in result.output
    assert not (tmp_path / "outside.md").exists()


def test_into_the_daily_note_when_the_config_says_so(make_vault):
    vault = make_vault({**NOTES, ".obsidian/daily-notes.json": '{"folder": "Journal", "format": "YYYY/MM/DD"}',
                        "Journal/2026/11/25.md": "# Wednesday\n\nWrote things."},
                       config="[log]\ndaily_note = true\n")
    assert run(vault, "log", "Wei Chen", "--via", "coffee").exit_code == 0
    assert (vault / "Journal/2026/11/25.md").read_text(encoding="utf-8") == (
        "# Wednesday\n\nWrote things.\n- 2026-11-25 talked with [[Wei Chen]] · coffee\n")
    assert run(vault, "snooze", "Priya Raman", "--for", "1m").exit_code == 0
    assert not (vault / LOG).exists()
    assert reminders(vault, "follow-up", "Priya Raman")[0]["date"] == "2026-12-25"
    assert next(r for r in scan(vault, horizon=800)["reminders"] if r["person"] == "Wei Chen")["date"] == "2027-02-23"


WRITER = """
import datetime as dt, sys
from pathlib import Path
from relnotes.act import talked
from relnotes.pipeline import Pipeline
pipeline = Pipeline(Path(sys.argv[1]), autoload=False)
result = pipeline.scan(dt.date(2026, 11, 25))
for n in range(200):
    talked(result, pipeline.config, sys.argv[2], dt.date(2026, 11, 25), note=f"{sys.argv[2]} {n}")
"""


def test_three_processes_appending_200_actions_each_lose_none(vault):
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(vault), name])
               for name in ("Priya Raman", "Wei Chen", "Aisha Khan")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0, 0]
    text = (vault / LOG).read_text(encoding="utf-8")
    actions, problems = read_actions(text)
    assert problems == [] and len(actions) == 600 and text.count(LOG_MARKER.decode()) == 1
    for name in ("Priya Raman", "Wei Chen", "Aisha Khan"):
        assert sorted(int(a.note.rsplit(" ", 1)[1]) for a in actions if a.people == (name,)) == list(range(200))


def test_a_running_daemon_shows_an_action_in_its_outputs(vault):
    daemon = Daemon(vault, today=lambda: dt.date.fromisoformat(TODAY), debounce=0.1)
    daemon.start_watching()
    daemon.rebuild("start")
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        feed = vault / ".relnotes/relnotes.ics"
        assert b"Get in touch with Wei Chen (due since 2026-08-30)" in feed.read_bytes()
        assert "Wei Chen" in (vault / "relnotes.md").read_text(encoding="utf-8")
        assert run(vault, "log", "Wei Chen").exit_code == 0
        wait_for(lambda: b"Get in touch with Wei Chen (due" not in feed.read_bytes(), what="Wei no longer overdue")
        assert b"DTSTART;VALUE=DATE:20270223" in feed.read_bytes()  # 90 days after today's contact
        assert "Wei Chen" not in (vault / "relnotes.md").read_text(encoding="utf-8")
    finally:
        daemon.stop()
        thread.join(10)
        daemon.stop_watching()


def test_a_daily_notes_folder_outside_the_vault_gets_no_line(make_vault, tmp_path):
    vault = make_vault({**NOTES, ".obsidian/daily-notes.json": '{"folder": "../../elsewhere"}'},
                       config="[log]\ndaily_note = true\n")
    result = run(vault, "log", "Wei Chen")
    assert result.exit_code == 1 and "outside the vault" in result.output
    assert not list(tmp_path.rglob("elsewhere"))


def test_lines_read_whole_links_first_and_in_linear_time():
    actions, problems = read_actions('- 2026-11-25 talked with [[Lee · dentist]] · call · "a · b"\n'
                                     '- 2026-11-25 talked with Lee Smith · video call\n'
                                     '- 2026-11-25 talked with [[A]], [[B]] and [[C|Cy]] · "only a note"\n')
    assert [(a.people, a.via, a.note) for a in actions] == [
        (("Lee · dentist",), "call", "a · b"), (("Lee Smith",), "video call", ""), (("A", "B", "C"), "", "only a note")]
    assert problems == []
    long = "- 2026-11-25 snoozed [[Ann]]" + " " * 100_000 + "x"
    tricky = [f"- 2026-11-25 snoozed [[Ann]]{' ' * 4000}x", f"- 2026-11-25 talked with {'[[A' * 1300}",
              f"- 2026-11-25 done: {'%' * 4000}", f"- 2026-11-25 talked with [[A]] {' · ' * 1300}"]
    actions, problems = read_actions("\n".join([long, *tricky * 500]))  # quadratic parsing took minutes here
    assert problems[0] == (1, "an action of more than 4096 characters; ignored")
    assert len(problems) == 1501 and {a.people for a in actions} == {("[[A" * 1300,)}  # a name, of no one


def test_a_line_that_merely_starts_like_an_action_is_still_contact(make_vault):
    vault = make_vault({**NOTES, "Daily/2026-11-20.md": "- 2026-11-20 done the design review with [[Wei Chen]]\n"})
    brief = json.loads(run(vault, "brief", "Wei Chen", "--format", "json").stdout)
    assert brief["last_contact"]["date"] == "2026-11-20"
    assert not [w for w in scan(vault)["warnings"] if "action" in w["message"]]


def test_a_later_shorter_snooze_of_one_reminder_shortens_it(vault):
    meeting = reminders(vault, "meeting-follow-up")[0]["uid"]
    assert run(vault, "snooze", meeting, "--for", "1m").exit_code == 0
    assert run(vault, "snooze", meeting, "--for", "1w").exit_code == 0
    assert next(r for r in reminders(vault) if r["uid"] == meeting)["date"] == "2026-12-02"


def test_the_start_of_a_uid_is_one_when_no_person_has_that_name(vault):
    task = reminders(vault, "task")[0]["uid"]
    assert run(vault, "snooze", task[:10], "--for", "1w").exit_code == 0  # "task-8547b": too short for a uid alone
    assert log_lines(vault)[-1].endswith(f"%%{task}%%")
    assert "no person called 'nobody-at-all'" in run(vault, "snooze", "nobody-at-all", "--for", "1w").output


def test_a_log_where_scans_read_no_notes_is_refused(make_vault):
    for path in (".hidden/log.md", "Templates/log.md"):
        vault = make_vault({**NOTES, ".obsidian/templates.json": '{"folder": "Templates"}'},
                           config=f'[log]\npath = "{path}"\n')
        result = run(vault, "log", "Wei Chen")
        assert result.exit_code == 1 and "where relnotes reads no notes" in result.output, result.output
        assert not (vault / path).exists()


def test_in_daily_note_mode_a_talked_line_is_one_contact_with_how(make_vault):
    vault = make_vault({**NOTES, ".obsidian/daily-notes.json": '{"folder": "Daily"}'},
                       config="[log]\ndaily_note = true\n")
    assert run(vault, "log", "Wei Chen", "--via", "call", "--note", "budget").exit_code == 0
    brief = json.loads(run(vault, "brief", "Wei Chen", "--format", "json").stdout)
    assert [(e["date"], e["kind"]) for e in brief["timeline"] if e["date"] == TODAY] == [(TODAY, "call")]
    assert brief["last_contact"]["how"] == "call: budget"
