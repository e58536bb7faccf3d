"""The calendar feed, checked by independent parsers and a real calendar client (khal)."""

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import recurring_ical_events
import vobject
from click.testing import CliRunner
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from relnotes.cli import cli

PEOPLE = {
    "People/Ann Lee.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-10-01\nbirthday: 1992-02-29\n"
                         "started: 2024-02-29\ncompany: Acme, Inc.\n---\n",
    "People/Bo.md": "---\ntype: person\nrole: client\nmet: 2026-11-20\nbirthday: '12-24'\n"
                    "milestones:\n  promoted to director: 2024-12-01\n---\n",
    "People/Cy.md": "---\ntype: person\nrole: mentor\nbirthday: --03-01\n---\n",
    "Meetings/2026-11-10 Planning; budget, Q1.md": (
        "---\nattendees: ['[[Ann Lee]]']\nfollow_up: 2026-11-20\n---\n"
        "- [ ] Send the very long summary of everything we discussed about the budget to Ann 📅 2026-11-28\n"),
}


@pytest.fixture
def vault(make_vault):
    return make_vault(PEOPLE)


def feed(vault, today="2026-11-25", *args):
    out = vault / ".relnotes" / "relnotes.ics"
    result = CliRunner().invoke(cli, ["scan", str(vault), "--today", today, "--json", *args])
    assert result.exit_code == 0, result.output
    return out.read_bytes()


def events(data):
    return {str(e["UID"]): e for e in Calendar.from_ical(data).walk("VEVENT")}


def test_feed_parses_in_every_independent_parser(vault):
    data = feed(vault)
    text = data.decode()
    strict = IcsCalendarStream.calendar_from_ics(text)  # raises CalendarParseError on any violation
    assert len(strict.events) == len(events(data)) == 11
    calendar = Calendar.from_ical(data)
    assert not [c.errors for c in calendar.walk() if c.errors]
    vobject.readOne(text).validate(raiseException=True)


def test_feed_properties(vault):
    data = feed(vault)
    calendar = Calendar.from_ical(data)
    assert str(calendar["PRODID"]) == "-//relnotes//relnotes//EN"
    assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == "relnotes"
    assert b"\r\nREFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in data
    assert b"\r\nX-PUBLISHED-TTL:PT1H\r\n" in data
    for event in calendar.walk("VEVENT"):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is dt.date and end == start + dt.timedelta(days=1)
        assert b"DTSTART;VALUE=DATE:" in event.to_ical() and str(event["TRANSP"]) == "TRANSPARENT"
        assert str(event["URL"]).startswith("obsidian://open?vault=vault0&file=")
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == dt.timedelta(hours=9)
        assert event.decoded("DTSTAMP") == dt.datetime(2026, 11, 25, tzinfo=dt.UTC)


def test_overdue_items_are_placed_today_and_say_since_when(vault):
    by_summary = {str(e["SUMMARY"]): e for e in events(feed(vault)).values()}
    follow_up = by_summary["Get in touch with Ann Lee (due since 2026-11-24)"]
    assert follow_up.decoded("DTSTART") == dt.date(2026, 11, 25)
    assert str(follow_up["DESCRIPTION"]).startswith(
        "Due since 2026-11-24 (1 day ago).\n"
        "last contact 2026-11-10 (meeting: Planning; budget, Q1) · every 2 weeks (manager default)\n"
        "Open in Obsidian: obsidian://open?vault=vault0&file=People%2FAnn%20Lee.md")
    assert str(follow_up["URL"]) == "obsidian://open?vault=vault0&file=People%2FAnn%20Lee.md"
    meeting = by_summary["Follow up with Ann Lee on Planning; budget, Q1 (due since 2026-11-20)"]
    assert meeting.decoded("DTSTART") == dt.date(2026, 11, 25)
    upcoming = next(e for s, e in by_summary.items() if s.startswith("Send the very long summary"))
    assert upcoming.decoded("DTSTART") == dt.date(2026, 11, 28)
    # the same reminders a day later: same UIDs, moved to the new today, SEQUENCE bumped
    later = events(feed(vault, "2026-11-26"))
    assert later[str(follow_up["UID"])].decoded("DTSTART") == dt.date(2026, 11, 26)
    assert int(later[str(follow_up["UID"])]["SEQUENCE"]) == int(follow_up["SEQUENCE"]) + 1


def occurrences(data, start, end):
    calendar = Calendar.from_ical(data)
    return sorted((str(e["SUMMARY"]), e.decoded("DTSTART").isoformat())
                  for e in recurring_ical_events.of(calendar).between(start, end))


def test_celebrations_recur_yearly_with_feb29_rules(vault):
    data = feed(vault)
    found = occurrences(data, dt.date(2026, 11, 25), dt.date(2028, 11, 25))
    ann = [d for s, d in found if s == "Ann Lee's birthday"]
    assert ann == ["2027-02-28", "2028-02-29"]
    assert [d for s, d in found if s == "Ann Lee: work anniversary at Acme, Inc."] == ["2027-02-28", "2028-02-29"]
    assert [d for s, d in found if s == "Bo's birthday"] == ["2026-12-24", "2027-12-24"]
    assert [d for s, d in found if s == "Cy's birthday"] == ["2027-03-01", "2028-03-01"]
    assert [d for s, d in found if s == "Bo: promoted to director"] == ["2026-12-01", "2027-12-01"]


def test_feb29_on_march_1_when_configured(make_vault):
    vault = make_vault(PEOPLE, config='[celebrations]\nfeb29 = "mar1"\n')
    found = occurrences(feed(vault), dt.date(2026, 11, 25), dt.date(2028, 11, 25))
    assert [d for s, d in found if s == "Ann Lee's birthday"] == ["2027-03-01", "2028-02-29"]


def test_uids_are_unique_and_stable_and_output_is_deterministic(vault, make_vault):
    first = feed(vault)
    assert feed(vault) == first
    copy = make_vault(PEOPLE)  # another folder, written afresh: the same bytes but for the vault name
    assert feed(copy).replace(b"\r\n ", b"").replace(b"vault1", b"vault0") == first.replace(b"\r\n ", b"")
    uids = [str(e["UID"]) for e in Calendar.from_ical(first).walk("VEVENT")]
    assert len(uids) == len(set(uids))
    # ten days on, nothing was done: every reminder is the same event
    assert {str(e["UID"]) for e in Calendar.from_ical(feed(vault, "2026-12-05")).walk("VEVENT")} == set(uids)
    assert all(re.fullmatch(r"[a-z-]+-[0-9a-f]{20}@relnotes", u) for u in uids)  # no names in clear text


def test_crlf_line_endings_and_75_octet_folding(vault):
    data = feed(vault)
    assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    assert any(line.startswith(b" ") for line in lines)  # long lines were folded
    for line in lines:
        line.decode("utf-8")  # folding never splits a UTF-8 sequence
    assert b"SUMMARY:Follow up with Ann Lee on Planning\\; budget\\, Q1" in data.replace(b"\r\n ", b"")


def test_a_plugins_reminder_with_a_list_in_its_data_is_in_the_feed(make_vault, run_scan):
    from relnotes import hookimpl
    from relnotes.model import Reminder

    class Lists:
        @hookimpl
        def relnotes_reminders(self, today):
            return [Reminder("team", None, today, "Team lunch", "", "team@lists", data=(("people", ["Ann", "Bo"]),))]

    result = run_scan(make_vault({"People/Ann.md": "---\ncadence: none\n---\n"}), "2026-11-25", plugins=[Lists()])
    assert result.problems == []
    (ics,) = [o for o in result.outputs if o.name == "ics"]
    assert b"SUMMARY:Team lunch" in ics.content and b"UID:team@lists" in ics.content


def test_ics_and_no_ics_options(vault, tmp_path):
    target = tmp_path / "out" / "feed.ics"
    CliRunner().invoke(cli, ["scan", str(vault), "--today", "2026-11-25", "--ics", str(target)])
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR")
    assert not (vault / ".relnotes").exists()
    result = CliRunner().invoke(cli, ["scan", str(vault), "--no-ics", "--json"])
    assert result.exit_code == 0 and not (vault / ".relnotes").exists()


def test_refuses_to_overwrite_a_file_it_did_not_write(vault, tmp_path):
    target = tmp_path / "mine.ics"
    target.write_bytes(b"BEGIN:VCALENDAR\r\nPRODID:-//someone else//EN\r\nEND:VCALENDAR\r\n")
    before = target.stat()
    result = CliRunner().invoke(cli, ["scan", str(vault), "--ics", str(target), "--json"])
    assert result.exit_code == 3
    assert "refusing to overwrite" in result.stderr and str(target) in result.stderr
    assert target.read_bytes().startswith(b"BEGIN:VCALENDAR\r\nPRODID:-//someone else")
    assert target.stat().st_mtime_ns == before.st_mtime_ns
    assert result.stdout.startswith("{")  # the scan itself still reported


def test_rewrites_only_on_change_and_leaves_no_temp_files(vault):
    path = vault / ".relnotes" / "relnotes.ics"
    feed(vault)
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    feed(vault)
    assert path.stat().st_mtime_ns == 1_000_000_000  # same bytes: untouched
    feed(vault, "2026-11-26")
    assert path.stat().st_mtime_ns != 1_000_000_000
    assert sorted(p.name for p in path.parent.iterdir()) == ["relnotes.ics"]


def test_no_alarm_and_custom_name_from_config(make_vault):
    vault = make_vault(PEOPLE, config='[ics]\nalarm = "none"\nname = "Work people"\nrefresh_minutes = 30\n')
    data = feed(vault)
    assert b"VALARM" not in data and b"X-WR-CALNAME:Work people" in data
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT30M" in data


def test_a_real_calendar_client_imports_and_lists_the_feed(vault, tmp_path):
    """khal, a terminal calendar, imports the feed and lists what a user would see."""
    khal = Path(sys.executable).parent / "khal"
    data = feed(vault)
    (tmp_path / "cal").mkdir()
    config = tmp_path / "khal.conf"
    config.write_text(f"""[calendars]
[[relnotes]]
path = {tmp_path / 'cal'}
type = calendar
[locale]
local_timezone = UTC
default_timezone = UTC
timeformat = %H:%M
dateformat = %Y-%m-%d
longdateformat = %Y-%m-%d
datetimeformat = %Y-%m-%d %H:%M
longdatetimeformat = %Y-%m-%d %H:%M
[sqlite]
path = {tmp_path / 'khal.db'}
""")
    feed_file = tmp_path / "feed.ics"
    feed_file.write_bytes(data)
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run([khal, "-c", config, "import", "--batch", "-a", "relnotes", feed_file], check=True, env=env,
                   capture_output=True)
    listing = subprocess.run([khal, "-c", config, "list", "--format", "{start-date} {title}", "2026-11-25", "2028-03-02"],
                             check=True, env=env, capture_output=True, text=True).stdout
    assert "2026-11-25 Get in touch with Ann Lee (due since 2026-11-24)" in listing
    assert "2026-11-28 Send the very long summary" in listing
    assert "2027-02-28 Ann Lee's birthday" in listing and "2028-02-29 Ann Lee's birthday" in listing
    assert "2026-12-24 Bo's birthday" in listing and "2027-12-24 Bo's birthday" in listing


def test_every_line_is_what_icalendar_itself_would_write(vault):
    """Oracle: parse the feed with icalendar and serialise each component again; every
    content line must come back identical (escaping, dates, durations, rules)."""
    data = feed(vault)
    ours = data.replace(b"\r\n ", b"").split(b"\r\n")
    for component in Calendar.from_ical(data).walk():
        theirs = component.to_ical().replace(b"\r\n ", b"").split(b"\r\n")
        for line in theirs:
            if line and not line.startswith((b"BEGIN:", b"END:")):
                assert line in ours, line


def test_folding_never_splits_characters_or_escapes():
    import random

    from relnotes.default_plugins.ics import fold

    rng = random.Random(7)
    for _ in range(5000):
        line = "".join(rng.choice("ab ·“é🚀\\;,") for _ in range(rng.randint(1, 400)))
        parts = fold(line).split("\r\n ")
        assert "".join(parts) == line
        assert len(parts[0].encode()) <= 75 and all(len(p.encode()) <= 74 for p in parts[1:])
        assert all((len(p) - len(p.rstrip("\\"))) % 2 == 0 for p in parts[:-1])
