"""The calendar feed, checked by independent parsers (icalendar, ical, vobject, recurring-ical-events,
libical) and real calendar clients (khal, calcurse)."""

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import recurring_ical_events
import vobject
from click.testing import CliRunner
from ical.calendar_stream import IcsCalendarStream
from icalendar import Calendar

from relnotes import ConfigError, MonthDay, Pipeline, anniversary_in
from relnotes.cli import cli
from relnotes.default_plugins.ics import vault_tag
from relnotes.testing import SYSTEM_PYTHON, needs, system_python_runs

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "vault"

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
    assert len(strict.events) == len(events(data)) == 9 + 2 * 10  # Ann's two Feb 29 celebrations: 10 years each
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
        alarms = [a.decoded("TRIGGER") for a in event.walk("VALARM")]
        if re.search(rb"CATEGORIES:(birthday|anniversary|milestone)", event.to_ical()):  # a week's notice too
            assert alarms == [dt.timedelta(days=-7, hours=9), dt.timedelta(hours=9)]
        else:
            assert alarms == [dt.timedelta(hours=9)]
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


def reference(data, start, end):
    """Each event's (UID, title, date) from ``start`` to ``end``, as recurring-ical-events expands them."""
    return sorted((str(e["UID"]), str(e["SUMMARY"]), e.decoded("DTSTART").isoformat())
                  for e in recurring_ical_events.of(Calendar.from_ical(data)).between(start, end))


def occurrences(data, start, end):
    return sorted((summary, date) for _, summary, date in reference(data, start, end))


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
    copy = make_vault(PEOPLE)  # another folder, written afresh: the same bytes but for the vault name and tag
    tags = [vault_tag(v.name).encode() for v in (vault, copy)]
    assert (feed(copy).replace(b"\r\n ", b"").replace(b"vault1", b"vault0").replace(tags[1], tags[0])
            == first.replace(b"\r\n ", b""))
    uids = [str(e["UID"]) for e in Calendar.from_ical(first).walk("VEVENT")]
    assert len(uids) == len(set(uids))
    # ten days on, nothing was done: every reminder is the same event
    assert {str(e["UID"]) for e in Calendar.from_ical(feed(vault, "2026-12-05")).walk("VEVENT")} == set(uids)
    assert all(re.fullmatch(rf"[a-z-]+-[0-9a-f]{{20}}(-\d{{4}})?-{tags[0].decode()}@relnotes", u)
               for u in uids)  # no names in clear text


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
    assert b"SUMMARY:Team lunch" in ics.content and b"UID:team-" in ics.content and b"@lists\r\n" in ics.content


def test_ics_and_no_ics_options(vault, tmp_path):
    target = tmp_path / "out" / "feed.ics"
    target.parent.mkdir()  # a folder that exists (see test_an_ics_path_in_a_folder_that_does_not_exist_is_refused)
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
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "relnotes-celebrations.ics", "relnotes-follow-ups.ics", "relnotes-tasks.ics", "relnotes.ics"]


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


def ics_of(result):
    (ics,) = [o for o in result.outputs if o.name == "ics"]
    return ics.content


# --- what the outside review found, one test each --------------------------------------------------

SIXTY_DAYS_START = dt.date(2026, 11, 15)  # to 2027-01-13: over a new year


def _edit(vault, rel, old, new):
    path = vault / rel
    text = path.read_text(encoding="utf-8")
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


# day of the 60 -> what the user did that morning
SIXTY_DAYS_EDITS = {
    3: lambda v: _edit(v, "People/Ann Lee.md", "role: manager\n", "role: manager\nsnooze_until: 2026-11-28\n"),
    9: lambda v: _edit(v, "People/Ann Lee.md", "snooze_until: 2026-11-28\n", ""),  # back from 11-28 to today
    14: lambda v: (v / "People/Dee.md").write_text("---\ntype: person\nrole: contact\n---\n"),  # no contact yet
    20: lambda v: _edit(v, "People/Bo.md", "role: client\n", "role: client\ncadence: 7d\n"),
    26: lambda v: _edit(v, "Meetings/2026-11-10 Planning; budget, Q1.md", "follow_up: 2026-11-20", "follow_up: 2027-01-05"),
    33: lambda v: _edit(v, "People/Dee.md", "role: contact\n", "role: contact\nsnooze_until: 2027-01-15\n"),
    34: lambda v: _edit(v, "People/Dee.md", "snooze_until: 2027-01-15\n", ""),
    40: lambda v: _edit(v, "People/Ann Lee.md", "last_contact: 2026-10-01", "last_contact: 2026-12-10"),
    47: lambda v: _edit(v, "People/Cy.md", "birthday: --03-01", "birthday: --02-20"),  # a series that moves back
}


def sixty_days(make_vault, run_scan):
    """The feed of one vault on 60 consecutive days, edited now and then as a user would."""
    vault = make_vault(PEOPLE)
    feeds = []
    for n in range(60):
        day = SIXTY_DAYS_START + dt.timedelta(days=n)
        if n in SIXTY_DAYS_EDITS:
            SIXTY_DAYS_EDITS[n](vault)
        feeds.append((day, ics_of(run_scan(vault, day))))
    return vault, feeds


def test_sequence_never_goes_down_and_rises_whenever_dtstart_moves(make_vault, run_scan):
    """RFC 5545 3.8.7.4: over 60 days of edits and snoozes, no UID's SEQUENCE ever drops, and it rises
    on every day its DTSTART differs from the day before."""
    vault, feeds = sixty_days(make_vault, run_scan)
    seen, moves, backwards = {}, 0, 0
    for day, data in feeds:
        today = {str(e["UID"]): (e.decoded("DTSTART"), int(e.get("SEQUENCE", 0)))
                 for e in Calendar.from_ical(data).walk("VEVENT")}
        for uid, (start, sequence) in today.items():
            if uid not in seen:
                continue
            before, last = seen[uid]
            assert sequence >= last, f"{day}: SEQUENCE of {uid} went down from {last} to {sequence}"
            if start != before:
                assert sequence > last, f"{day}: {uid} moved from {before} to {start} with SEQUENCE {sequence}"
                moves += 1
                backwards += start < before
        seen.update(today)  # a UID that goes away and comes back must not come back lower either
    assert moves > 100 and backwards >= 2  # overdue items moved every day; snoozes ended, Cy's birthday moved back
    day, data = feeds[-1]
    assert ics_of(run_scan(vault, day)) == data  # the same vault and day: the same bytes


def test_no_method_a_subscription_is_a_plain_snapshot(vault):
    """METHOD:PUBLISH without ORGANIZER fails libical's and ical4j's iTIP checks; CalDAV servers refuse it."""
    data = feed(vault)
    assert not re.search(rb"(^|\r\n)METHOD[:;]", data)
    assert "METHOD" not in Calendar.from_ical(data)


@pytest.mark.parametrize("alarm, moment", [
    ("09:00", dt.timedelta(hours=-15)), ("00:00", dt.timedelta(days=-1)), ("23:30", dt.timedelta(minutes=-30))])
def test_alarm_the_day_before_fires_at_the_same_moment_in_outlook_and_everywhere(make_vault, alarm, moment):
    """Outlook reads a TRIGGER as "that many minutes before the start", whatever its sign (MS-OXCICAL):
    a negative trigger means the same moment there as in every other engine."""
    data = feed(make_vault(PEOPLE, config=f'[ics]\nalarm = "{alarm}"\nalarm_day = "the day before"\n'
                                          "[celebrations]\nnotice_days = 0\n"))
    calendar = Calendar.from_ical(data)
    strict = {e.uid: e for e in IcsCalendarStream.calendar_from_ics(data.decode()).events}
    loose = {e.uid.value: e for e in vobject.readOne(data.decode()).vevent_list}
    for event in calendar.walk("VEVENT"):
        uid, start = str(event["UID"]), event.decoded("DTSTART")
        expected = dt.datetime.combine(start, dt.time()) + moment
        (resolved,) = [t.trigger for t in event.alarms.times]  # icalendar resolves it (a whole day: to a date)
        assert resolved == expected or dt.datetime.combine(resolved, dt.time()) == expected
        assert [a.trigger for a in strict[uid].alarm] == [moment]
        assert [a.trigger.value for a in loose[uid].valarm_list] == [moment]
        (trigger,) = [a.decoded("TRIGGER") for a in event.walk("VALARM")]
        outlook = dt.datetime.combine(start, dt.time()) - abs(trigger)  # "this many minutes before the start"
        assert outlook == expected


def test_alarm_on_the_day_is_still_the_default(vault, make_vault):
    for event in Calendar.from_ical(feed(vault)).walk("VEVENT"):
        assert [t.trigger for t in event.alarms.times][-1] == dt.datetime.combine(event.decoded("DTSTART"),
                                                                                   dt.time(9))
    with pytest.raises(ConfigError, match=r"ics\.alarm_day: expected 'on the day' or 'the day before'"):
        Pipeline(make_vault({}, '[ics]\nalarm_day = "tomorrow"\n'), autoload=False).config


def leap_day_vault(make_vault, feb29):
    return make_vault({
        "People/Ann Lee.md": "---\ntype: person\nbirthday: 1992-02-29\nstarted: 2024-02-29\ncompany: Acme\n"
                             "milestones:\n  moved to Lisbon: 2020-02-29\n---\n",
        "People/Bo.md": "---\ntype: person\nbirthday: '02-28'\n---\n",
        "People/Cy.md": "---\ntype: person\nbirthday: --03-01\n---\n",
    }, config=f'[celebrations]\nfeb29 = "{feb29}"\n')


LEAP_WINDOW = (dt.date(2026, 11, 25), dt.date(2034, 11, 25))  # 8 years: 2028 and 2032 are leap years


def expected_leap_days(feb29):
    start, end = LEAP_WINDOW
    dates = [anniversary_in(MonthDay(2, 29), year, feb29) for year in range(start.year, end.year + 1)]
    return [d.isoformat() for d in dates if start <= d < end]


@pytest.mark.parametrize("feb29", ["feb28", "mar1"])
def test_feb29_celebrations_use_no_rule_an_engine_may_drop(make_vault, feb29):
    """calcurse silently drops BYYEARDAY and Outlook maps neither it nor BYMONTHDAY=-1: Feb 29 celebrations
    are plain dated events, the same in every engine."""
    data = feed(leap_day_vault(make_vault, feb29))
    unfolded = data.replace(b"\r\n ", b"")
    assert not re.search(rb"BYYEARDAY|BYMONTHDAY|BYSETPOS|RDATE|RSCALE", unfolded)
    found = occurrences(data, *LEAP_WINDOW)
    expected = expected_leap_days(feb29)
    for title in ("Ann Lee's birthday", "Ann Lee: work anniversary at Acme", "Ann Lee: moved to Lisbon"):
        assert [d for s, d in found if s == title] == expected, title
    assert [d for s, d in found if s == "Bo's birthday"] == [f"{y}-02-28" for y in range(2027, 2035)]
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    timeline = sorted((e.summary, e.dtstart.isoformat()) for e in strict.timeline.overlapping(*LEAP_WINDOW))
    assert timeline == found
    uids = [str(e["UID"]) for e in Calendar.from_ical(data).walk("VEVENT")]
    assert len(uids) == len(set(uids))


def overdue_vault(make_vault, count, config=None):
    tasks = "".join(f"- [ ] Task number {n:02d} 📅 {dt.date(2026, 9, 1) + dt.timedelta(days=n)}\n"
                    for n in range(count))
    return make_vault({"People/Ann.md": "---\ntype: person\ncadence: none\n---\n",
                       "Meetings/2026-08-20 Big backlog.md": f"---\nattendees: ['[[Ann]]']\n---\n{tasks}"}, config)


def test_overdue_items_past_max_overdue_fold_into_one_event(make_vault):
    """2,000 overdue items on today bury the calendar: past `[ics] max_overdue` (20) they are one event."""
    vault = overdue_vault(make_vault, 30)
    data = feed(vault)
    found = events(data)
    overdue = [e for e in found.values() if "(due since" in str(e["SUMMARY"])]
    assert sorted(str(e["SUMMARY"]) for e in overdue) == [
        f"Task number {n:02d} (due since {dt.date(2026, 9, 1) + dt.timedelta(days=n)})" for n in range(20)]
    (more,) = [e for e in found.values() if str(e["SUMMARY"]) == "10 more overdue"]
    assert more.decoded("DTSTART") == dt.date(2026, 11, 25) and str(more["TRANSP"]) == "TRANSPARENT"
    assert str(more["DESCRIPTION"]).splitlines() == ["Also overdue, most overdue first:", *(
        f"{dt.date(2026, 9, 1) + dt.timedelta(days=n)} Task number {n:02d}" for n in range(20, 30))]
    # a day later, one more is overdue: the same event, updated in place
    later = events(feed(vault, "2026-11-26"))
    assert str(later[str(more["UID"])]["SUMMARY"]) == "10 more overdue"
    assert feed(vault) == data
    IcsCalendarStream.calendar_from_ics(data.decode())
    assert len(found) == 21


def test_max_overdue_zero_folds_all_and_is_range_checked(make_vault):
    data = feed(overdue_vault(make_vault, 3, '[ics]\nmax_overdue = 0\n'))
    assert [str(e["SUMMARY"]) for e in events(data).values()] == ["3 more overdue"]
    with pytest.raises(ConfigError, match=r"ics\.max_overdue: expected a whole number from 0"):
        Pipeline(make_vault({}, '[ics]\nmax_overdue = -1\n'), autoload=False).config


def test_uids_are_unique_per_vault_so_two_subscriptions_never_collide(tmp_path):
    """The same person in a work and a personal vault: a calendar app subscribed to both keeps both."""
    from relnotes.testing import write_vault

    work, personal = write_vault(tmp_path / "Work", PEOPLE), write_vault(tmp_path / "Personal", PEOPLE)
    work_uids, personal_uids = set(events(feed(work))), set(events(feed(personal)))
    assert len(work_uids) == len(personal_uids) == 29 and not work_uids & personal_uids
    assert set(events(feed(work, "2026-12-05"))) == work_uids  # stable for the vault
    # `scan --json`'s uid (a public contract) is unchanged: each feed UID is made of it and the vault's tag
    result = CliRunner().invoke(cli, ["scan", str(work), "--today", "2026-11-25", "--json", "--no-ics",
                                      "--horizon", "36500"])
    json_uids = {r["uid"] for r in json.loads(result.stdout)["reminders"]}
    assert {re.sub(r"(-\d{4})?-[0-9a-f]{8}@", "@", u) for u in work_uids} == json_uids


def test_calendar_description_without_commas_and_a_colour(vault, make_vault):
    """RFC 7986 DESCRIPTION and COLOR; the description has no comma to show escaped (icalendar, ical.js)."""
    data = feed(vault)
    calendar = Calendar.from_ical(data)
    strict = IcsCalendarStream.calendar_from_ics(data.decode())
    (description,) = strict.description
    assert str(calendar["DESCRIPTION"]) == str(calendar["X-WR-CALDESC"]) == description
    assert "," not in description and "\\" not in description
    assert str(calendar["COLOR"]) == strict.color == "steelblue"
    other = feed(make_vault(PEOPLE, config='[ics]\ncolor = "Tomato"\n'))
    assert str(Calendar.from_ical(other)["COLOR"]) == "tomato"
    assert "COLOR" not in Calendar.from_ical(feed(make_vault(PEOPLE, config='[ics]\ncolor = "none"\n')))
    with pytest.raises(ConfigError, match=r"ics\.color: expected a CSS colour name"):
        Pipeline(make_vault({}, '[ics]\ncolor = "blurple"\n'), autoload=False).config


def test_the_colour_names_are_css3s():
    from pydantic.color import COLORS_BY_NAME  # an independent list (pydantic comes with ical)

    from relnotes.default_plugins.ics import CSS_COLOURS

    assert set(CSS_COLOURS) == set(COLORS_BY_NAME)


# --- libical and calcurse: every engine agrees on every event ----------------------------------------

LIBICAL = r"""
import json, sys
import gi
gi.require_version("ICalGLib", "3.0")
from gi.repository import ICalGLib as I

start, end = I.Time.new_from_string(sys.argv[1]), I.Time.new_from_string(sys.argv[2])

def children(component, kind):
    child = component.get_first_component(kind)
    while child:
        yield child
        child = component.get_next_component(kind)

def errors(component):
    found, prop = [], component.get_first_property(I.PropertyKind.XLICERROR_PROPERTY)
    while prop:
        found.append(prop.get_xlicerror())
        prop = component.get_next_property(I.PropertyKind.XLICERROR_PROPERTY)
    return found + [e for c in children(component, I.ComponentKind.ANY_COMPONENT) for e in errors(c)]

feeds = []
for text in json.load(sys.stdin):
    calendar = I.Component.new_from_string(text)
    itip = I.restriction_check(calendar)  # iTIP's rules for the calendar's METHOD, if any (adds X-LIC-ERRORs)
    events = []
    for event in children(calendar, I.ComponentKind.VEVENT_COMPONENT):
        dates = []
        event.foreach_recurrence(start, end, lambda _, span, __: dates.append(
            I.Time.new_from_timet_with_zone(span.get_start(), 1, None).as_ical_string()), None)
        triggers = [alarm.get_first_property(I.PropertyKind.TRIGGER_PROPERTY).get_trigger().get_duration().as_int()
                    for alarm in children(event, I.ComponentKind.VALARM_COMPONENT)]
        events.append({"uid": event.get_uid(), "summary": event.get_summary(), "sequence": event.get_sequence(),
                       "start": event.get_dtstart().as_ical_string(), "dates": dates, "triggers": triggers})
    feeds.append({"itip": bool(itip), "errors": errors(calendar), "events": events})
json.dump(feeds, sys.stdout)
"""


def libical(feeds, start, end):
    """What libical (Evolution, GNOME Calendar) reads in each feed: its errors, and each event with the
    dates it falls on from ``start`` to ``end``."""
    needs("libical's GObject bindings (gir1.2-ical-3.0, python3-gi)", system_python_runs(
        "import gi; gi.require_version('ICalGLib', '3.0'); from gi.repository import ICalGLib"))
    done = subprocess.run([SYSTEM_PYTHON, "-c", LIBICAL, start.strftime("%Y%m%d"), end.strftime("%Y%m%d")],
                          input=json.dumps([data.decode() for data in feeds]), capture_output=True, text=True,
                          env={**os.environ, "TZ": "UTC"}, check=True)
    return json.loads(done.stdout)


def calcurse(data, start, end, folder):
    """What calcurse (a terminal calendar) shows from ``start`` to ``end`` after importing the feed:
    (title, date) pairs; calcurse keeps no UIDs."""
    needs("calcurse", shutil.which("calcurse") is not None)
    folder.mkdir()
    (folder / "feed.ics").write_bytes(data)
    env = {**os.environ, "TMPDIR": str(folder), "HOME": str(folder), "TZ": "UTC"}
    imported = subprocess.run(["calcurse", "-D", folder, "-i", folder / "feed.ics"], capture_output=True,
                              text=True, env=env, check=True).stdout
    assert re.search(r"\b0 skipped\b", imported), imported + "".join(p.read_text() for p in folder.glob("calcurse_log*"))
    listing = subprocess.run(
        ["calcurse", "-D", folder, "--input-datefmt", "4", "--output-datefmt", "%Y-%m-%d", "-Q", "--filter-type",
         "cal", "--from", start.isoformat(), "--days", str((end - start).days), "--format-event", "%m\n",
         "--format-recur-event", "%m\n"], capture_output=True, text=True, env=env, check=True).stdout
    shown, day = [], None
    for line in listing.splitlines():
        if re.fullmatch(r"\d{4}-\d\d-\d\d:", line):
            day = line[:-1]
        elif line:
            shown.append((line, day))
    return Counter(shown)


def agree(feeds, start, end, tmp_path):
    """libical, ical and calcurse read every feed as icalendar and recurring-ical-events do."""
    read = libical(feeds, start, end)
    for n, (data, found) in enumerate(zip(feeds, read, strict=True)):
        assert found["errors"] == [] and found["itip"], found["errors"]
        calendar = Calendar.from_ical(data)
        ours = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
        assert [e["uid"] for e in found["events"]] == list(ours)
        for event in found["events"]:
            theirs = ours[event["uid"]]
            assert event["summary"] == str(theirs["SUMMARY"])
            assert event["sequence"] == int(theirs["SEQUENCE"])
            assert event["start"] == theirs.decoded("DTSTART").strftime("%Y%m%d")
            assert event["triggers"] == [int(a.decoded("TRIGGER").total_seconds()) for a in theirs.walk("VALARM")]
        expected = reference(data, start, end)
        timeline = IcsCalendarStream.calendar_from_ics(data.decode()).timeline.overlapping(start, end)
        assert sorted((e.uid, e.summary, e.dtstart.isoformat()) for e in timeline) == expected
        dates = sorted((e["uid"], e["summary"], dt.datetime.strptime(d, "%Y%m%d").date().isoformat())
                       for e in found["events"] for d in e["dates"])
        assert [d for d in dates if start.isoformat() <= d[2] < end.isoformat()] == expected
        assert calcurse(data, start, end, tmp_path / f"calcurse{n}") == Counter((s, d) for _, s, d in expected)


def test_libical_and_calcurse_agree_on_the_example_vaults_feed(run_scan, tmp_path):
    data = ics_of(run_scan(EXAMPLE, "2026-11-25"))
    agree([data], dt.date(2026, 11, 25), dt.date(2028, 11, 25), tmp_path)


def test_libical_and_calcurse_agree_on_sixty_days_of_edits(make_vault, run_scan, tmp_path):
    _, feeds = sixty_days(make_vault, run_scan)
    agree([data for _, data in feeds], SIXTY_DAYS_START, SIXTY_DAYS_START + dt.timedelta(days=400), tmp_path)


@pytest.mark.parametrize("feb29", ["feb28", "mar1"])
def test_libical_and_calcurse_agree_on_leap_days(make_vault, tmp_path, feb29):
    data = feed(leap_day_vault(make_vault, feb29))
    agree([data], *LEAP_WINDOW, tmp_path)
    expected = expected_leap_days(feb29)
    assert [d for s, d in calcurse(data, *LEAP_WINDOW, tmp_path / "again") if s == "Ann Lee's birthday"] == expected


def test_libical_and_calcurse_agree_on_folded_overdue_items_and_alarms_the_day_before(make_vault, tmp_path):
    data = feed(overdue_vault(make_vault, 30, '[ics]\nalarm = "08:30"\nalarm_day = "the day before"\n'))
    agree([data], dt.date(2026, 11, 25), dt.date(2026, 12, 25), tmp_path)


def test_celebrations_alert_ahead_by_their_notice_days(make_vault):
    """[celebrations] notice_days (a person's notice: wins) become alerts that many days before, at the
    alarm's time; with notice_events, an event of their own too, for apps that drop a feed's alerts."""
    vault = make_vault({
        "People/Ann.md": "---\ntype: person\nbirthday: 1990-12-10\n---\n",
        "People/Bo.md": "---\ntype: person\nbirthday: 1990-12-20\nnotice: [14, 1]\n---\n",
        "People/Cy.md": "---\ntype: person\nbirthday: 1992-02-29\nnotice: 3\n---\n",
    }, config="[ics]\nalarm = \"08:30\"\nnotice_events = true\n")
    data = feed(vault)
    moments: dict[str, list] = {}
    for event in Calendar.from_ical(data).walk("VEVENT"):
        moments.setdefault(str(event["SUMMARY"]), []).append(
            (event.decoded("DTSTART"), [t.trigger for t in event.alarms.times]))
    at = dt.datetime
    assert moments["Ann's birthday"] == [(dt.date(1990, 12, 10), [at(1990, 12, 3, 8, 30), at(1990, 12, 10, 8, 30)])]
    assert moments["In 7 days: Ann's birthday"] == [(dt.date(1990, 12, 3), [])]
    assert moments["Bo's birthday"] == [(dt.date(1990, 12, 20), [at(1990, 12, 6, 8, 30), at(1990, 12, 19, 8, 30)])]
    assert [d for d, _ in moments["In 14 days: Bo's birthday"]] == [dt.date(1990, 12, 6)]
    assert [d for d, _ in moments["Tomorrow: Bo's birthday"]] == [dt.date(1990, 12, 19)]
    assert [d for d, _ in moments["In 3 days: Cy's birthday"]][1:3] == [dt.date(2027, 2, 25), dt.date(2028, 2, 26)]
    # every engine expands the notice events alike
    expanded = recurring_ical_events.of(Calendar.from_ical(data)).between(dt.date(2026, 12, 1), dt.date(2027, 1, 1))
    assert sorted((str(e["SUMMARY"]), e.decoded("DTSTART").isoformat()) for e in expanded) == [
        ("Ann's birthday", "2026-12-10"), ("Bo's birthday", "2026-12-20"), ("In 14 days: Bo's birthday", "2026-12-06"),
        ("In 7 days: Ann's birthday", "2026-12-03"), ("Tomorrow: Bo's birthday", "2026-12-19")]
    IcsCalendarStream.calendar_from_ics(data.decode())
    vobject.readOne(data.decode()).validate(raiseException=True)
    report = json.loads(CliRunner().invoke(cli, ["scan", str(vault), "--today", "2026-11-25", "--json"]).stdout)
    assert {r["person"]: r["data"]["notice"] for r in report["reminders"]} == {"Ann": [7, 0], "Bo": [14, 1]}


def test_a_notice_that_is_no_number_of_days_is_a_warning(make_vault):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nbirthday: 1990-12-10\nnotice: soon\n---\n"})
    report = json.loads(CliRunner().invoke(cli, ["scan", str(vault), "--today", "2026-11-25", "--json"]).stdout)
    assert [(w["path"], w["line"], w["message"]) for w in report["warnings"] if w["path"]] == [
        ("People/Ann.md", 4, "notice: expected days from 0 to 366, or a list of them such as [7, 0], got 'soon'; "
                             "[celebrations] notice_days used")]


# --- one calendar per kind ------------------------------------------------------------------------------

KINDS = {"follow-ups": {"follow-up", "meeting-follow-up", "new-contact"}, "tasks": {"task"},
         "celebrations": {"birthday", "anniversary", "milestone"}}


def kind_feeds(result):
    return {o.served_name: o.content for o in result.outputs if o.name.startswith("ics-")}


def vevents(data):
    """Each VEVENT's UID and its exact bytes in the feed."""
    found = re.findall(rb"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", data, re.DOTALL)
    return {re.search(rb"\r\nUID:(.*?)\r\n", event).group(1): event for event in found}


def test_a_calendar_per_kind_holds_its_reminders_and_parses_everywhere(run_scan):
    """The feeds per kind share the feed's events out: each event in one of them, byte for byte as in the
    feed, under a name, a description and a colour of its own; each parses in every parser."""
    result = run_scan(EXAMPLE, "2026-11-25")
    main, feeds = ics_of(result), kind_feeds(result)
    assert sorted(feeds) == ["celebrations.ics", "follow-ups.ics", "tasks.ics"]
    shared: dict = {}
    for kind, name, colour in (("follow-ups", "relnotes follow-ups", "steelblue"),
                               ("tasks", "relnotes tasks", "seagreen"),
                               ("celebrations", "relnotes celebrations", "goldenrod")):
        data = feeds[f"{kind}.ics"]
        calendar = Calendar.from_ical(data)
        assert not [c.errors for c in calendar.walk() if c.errors]
        assert str(calendar["NAME"]) == str(calendar["X-WR-CALNAME"]) == name and str(calendar["COLOR"]) == colour
        assert str(calendar["DESCRIPTION"]) == str(calendar["X-WR-CALDESC"]) != str(Calendar.from_ical(main)[
            "DESCRIPTION"])
        vobject.readOne(data.decode()).validate(raiseException=True)
        strict = IcsCalendarStream.calendar_from_ics(data.decode())
        assert {str(c) for e in calendar.walk("VEVENT") for c in e["CATEGORIES"].cats} == KINDS[kind]
        assert len(strict.events) == len(vevents(data)) > 0
        assert not shared.keys() & vevents(data).keys()
        shared |= vevents(data)
    assert shared == vevents(main)
    window = dt.date(2026, 11, 25), dt.date(2028, 11, 25)
    assert sorted(r for data in feeds.values() for r in reference(data, *window)) == reference(main, *window)


def test_libical_and_calcurse_agree_on_the_calendars_per_kind(run_scan, tmp_path):
    agree(list(kind_feeds(run_scan(EXAMPLE, "2026-11-25")).values()), dt.date(2026, 11, 25), dt.date(2028, 11, 25),
          tmp_path)


def test_calendars_per_kind_take_their_names_and_colours_from_the_config(make_vault):
    vault = make_vault(PEOPLE, config='[ics]\ncelebrations_name = "Birthdays & co"\ncelebrations_color = "HotPink"\n'
                                      'tasks_color = "none"\nfollowups_name = "People to call"\n')
    feed(vault)
    folder = vault / ".relnotes"
    calendars = {kind: Calendar.from_ical((folder / f"relnotes-{kind}.ics").read_bytes()) for kind in KINDS}
    assert [str(calendars[kind]["NAME"]) for kind in KINDS] == ["People to call", "relnotes tasks", "Birthdays & co"]
    assert str(calendars["celebrations"]["COLOR"]) == "hotpink" and "COLOR" not in calendars["tasks"]
    # a wrong colour is a config error naming the setting, and kind_feeds = false leaves only the feed
    bad = CliRunner().invoke(cli, ["scan", str(make_vault(PEOPLE, config='[ics]\ntasks_color = "blurple"\n'))])
    assert bad.exit_code != 0 and "tasks_color" in bad.output
    alone = make_vault(PEOPLE, config="[ics]\nkind_feeds = false\n")
    feed(alone)
    assert sorted(p.name for p in (alone / ".relnotes").glob("*.ics")) == ["relnotes.ics"]


def test_a_custom_feed_path_names_the_calendars_per_kind_after_it(make_vault, tmp_path):
    vault = make_vault(PEOPLE)
    result = CliRunner().invoke(cli, ["scan", str(vault), "--today", "2026-11-25", "--ics", str(tmp_path / "work.ics")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.ics")) == [
        "work-celebrations.ics", "work-follow-ups.ics", "work-tasks.ics", "work.ics"]


def test_each_calendar_per_kind_folds_its_own_overdue_items(make_vault):
    """Past max_overdue, each calendar folds its own overdue items into one event of its own."""
    vault = overdue_vault(make_vault, 6, "[ics]\nmax_overdue = 2\n")
    for n in range(4):  # four people out of touch: four overdue follow-ups
        (vault / f"People/P{n}.md").write_text("---\ntype: person\nlast_contact: 2026-01-01\ncadence: monthly\n---\n")
    feed(vault)
    folder = vault / ".relnotes"
    main, follow_ups, tasks = (events((folder / f"relnotes{name}.ics").read_bytes())
                               for name in ("", "-follow-ups", "-tasks"))
    more = {name: [str(e["SUMMARY"]) for e in found.values() if str(e["CATEGORIES"].cats[0]) == "more-overdue"]
            for name, found in (("main", main), ("follow-ups", follow_ups), ("tasks", tasks))}
    assert more == {"main": ["8 more overdue"], "follow-ups": ["2 more overdue"], "tasks": ["4 more overdue"]}
    uids = [uid for found in (main, follow_ups, tasks) for uid, e in found.items()
            if str(e["CATEGORIES"].cats[0]) == "more-overdue"]
    assert len(set(uids)) == 3  # an event of its own in each calendar
