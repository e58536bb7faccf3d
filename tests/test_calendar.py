"""[calendar] sources: meetings in calendar exports count as contact — recurring ones with their
exceptions, time zones, declined and cancelled instances — on real-shaped files the tests write."""

import datetime as dt
import json

from click.testing import CliRunner

from relnotes.cli import cli

TODAY = "2026-11-25"
PEOPLE = {
    "People/Priya Raman.md": "---\ntype: person\nrole: mentor\nemail: priya@northwind.example\n---\n",
    "People/Wei Chen.md": "---\ntype: person\nrole: peer\n---\n",  # no email: found by the attendee's name
    "People/Aisha Khan.md": "---\ntype: person\nrole: client\nemail: aisha@acme.example\n---\n",
    "People/Tom Becker.md": "---\ntype: person\nrole: manager\nemail: tom@work.example\n---\n",
}

# A Google Calendar export: a weekly 1:1 in New York time with a moved and a cancelled instance,
# an instance Priya declined, a cancelled event, an all-hands, an event I declined.
WORK = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Google Inc//Google Calendar 70.9054//EN\r
X-WR-CALNAME:Work\r
BEGIN:VTIMEZONE\r
TZID:America/New_York\r
BEGIN:STANDARD\r
DTSTART:19701101T020000\r
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r
TZOFFSETFROM:-0400\r
TZOFFSETTO:-0500\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:19700308T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r
TZOFFSETFROM:-0500\r
TZOFFSETTO:-0400\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:mentor-1on1@google.com\r
DTSTART;TZID=America/New_York:20261007T230000\r
DTEND;TZID=America/New_York:20261007T233000\r
RRULE:FREQ=WEEKLY;COUNT=12\r
EXDATE;TZID=America/New_York:20261021T230000\r
SUMMARY:Mentor 1:1\r
ORGANIZER;CN=Me:mailto:me@work.example\r
ATTENDEE;CN=Priya Raman;PARTSTAT=ACCEPTED:mailto:Priya@Northwind.example\r
ATTENDEE;CN=Me;PARTSTAT=ACCEPTED:mailto:me@work.example\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:mentor-1on1@google.com\r
RECURRENCE-ID;TZID=America/New_York:20261028T230000\r
DTSTART;TZID=America/New_York:20261029T100000\r
DTEND;TZID=America/New_York:20261029T103000\r
SUMMARY:Mentor 1:1 (moved)\r
ORGANIZER;CN=Me:mailto:me@work.example\r
ATTENDEE;CN=Priya Raman;PARTSTAT=ACCEPTED:mailto:priya@northwind.example\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:mentor-1on1@google.com\r
RECURRENCE-ID;TZID=America/New_York:20261111T230000\r
DTSTART;TZID=America/New_York:20261111T230000\r
SUMMARY:Mentor 1:1\r
STATUS:CANCELLED\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:mentor-1on1@google.com\r
RECURRENCE-ID;TZID=America/New_York:20261118T230000\r
DTSTART;TZID=America/New_York:20261118T230000\r
SUMMARY:Mentor 1:1\r
ATTENDEE;CN=Priya Raman;PARTSTAT=DECLINED:mailto:priya@northwind.example\r
ATTENDEE;CN=Me;PARTSTAT=ACCEPTED:mailto:me@work.example\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:cancelled@google.com\r
DTSTART;VALUE=DATE:20261120\r
SUMMARY:Acme lunch\r
STATUS:CANCELLED\r
ATTENDEE;CN=Aisha Khan:mailto:aisha@acme.example\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:declined-by-me@google.com\r
DTSTART:20261119T150000Z\r
SUMMARY:Acme roadmap\r
ATTENDEE;CN=Aisha Khan;PARTSTAT=ACCEPTED:mailto:aisha@acme.example\r
ATTENDEE;CN=Me;PARTSTAT=DECLINED:mailto:ME@work.example\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:all-hands@google.com\r
DTSTART:20261118T170000Z\r
SUMMARY:All hands\r
ORGANIZER:mailto:ceo@work.example\r
{ALL_HANDS}END:VEVENT\r
BEGIN:VEVENT\r
UID:booked@google.com\r
DTSTART;TZID=America/New_York:20261209T090000\r
SUMMARY:Acme Q1 planning\r
ATTENDEE;CN=Aisha Khan;PARTSTAT=NEEDS-ACTION:mailto:aisha@acme.example\r
END:VEVENT\r
END:VCALENDAR\r
""".replace("{ALL_HANDS}", "".join(f"ATTENDEE;CN=Person {n}:mailto:p{n}@work.example\r\n" for n in range(13))
            + "ATTENDEE;CN=Tom Becker:mailto:tom@work.example\r\n")

# A khal/vdirsyncer folder: one event per file; Wei is named only, with no address.
KHAL = {
    "a1b2.ics": ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//khal//EN\nBEGIN:VEVENT\nUID:a1b2\n"
                 "DTSTART;VALUE=DATE:20261110\nSUMMARY:Coffee with Wei\nATTENDEE;CN=\"Wei Chen\":mailto:wei@x.example\n"
                 "END:VEVENT\nEND:VCALENDAR\n"),
    "sub/c3d4.ics": ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//khal//EN\nBEGIN:VEVENT\nUID:c3d4\n"
                     "DTSTART:20261112T160000\nSUMMARY:Skip-level\nORGANIZER;CN=Tom:mailto:Tom@Work.example\n"
                     "END:VEVENT\nEND:VCALENDAR\n"),
    "broken.ics": "BEGIN:VCALENDAR\nthis is not a calendar\n",
}


def vault_with(make_vault, config):
    files = {**PEOPLE, "Calendars/work.ics": WORK, **{f"Calendars/khal/{k}": v for k, v in KHAL.items()}}
    return make_vault(files, config=config)


CONFIG = ('[me]\nemails = ["me@work.example"]\n[calendar]\nsources = ["Calendars/work.ics", "Calendars/khal/"]\n'
          "max_attendees = 12\n")


def scan(vault):
    result = CliRunner().invoke(cli, ["scan", str(vault), "--json", "--today", TODAY, "--no-ics", "--no-summary",
                                      "--horizon", "400"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def timeline(vault, name):
    result = CliRunner().invoke(cli, ["brief", str(vault), name, "--today", TODAY, "--format", "json"])
    assert result.exit_code == 0, result.output
    return [(e["date"], e["kind"], e["title"]) for e in json.loads(result.stdout)["timeline"]]


def test_meetings_count_as_contact_with_their_exceptions(make_vault):
    vault = vault_with(make_vault, CONFIG)
    # weekly from Oct 7, 23:00 New York (Oct 8 in UTC: the event's own date counts); Oct 21 excluded, Oct 28
    # moved to Oct 29, Nov 11 cancelled, Nov 18 declined by Priya; the series ends after 12 weeks (Dec 23)
    priya = [(d, t) for d, k, t in timeline(vault, "Priya Raman") if k == "meeting"]
    assert priya == [("2026-10-07", "Mentor 1:1"), ("2026-10-14", "Mentor 1:1"), ("2026-10-29", "Mentor 1:1 (moved)"),
                     ("2026-11-04", "Mentor 1:1"), ("2026-11-25", "Mentor 1:1"), ("2026-12-02", "Mentor 1:1"),
                     ("2026-12-09", "Mentor 1:1"), ("2026-12-16", "Mentor 1:1"), ("2026-12-23", "Mentor 1:1")]
    data = scan(vault)
    follow_ups = {r["person"]: r for r in data["reminders"] if r["kind"] == "follow-up"}
    # a meeting booked after today settles the follow-up until a cadence after it
    assert follow_ups["Priya Raman"]["date"] == "2027-01-31" and "meeting booked 2026-12-02" in \
        follow_ups["Priya Raman"]["detail"]
    assert follow_ups["Wei Chen"]["detail"].startswith("last contact 2026-11-10 (meeting: Coffee with Wei)")
    assert follow_ups["Tom Becker"]["detail"].startswith("last contact 2026-11-12 (meeting: Skip-level)")
    # cancelled, declined by me, and an all-hands of 14: no contact; a booked meeting ahead
    assert [(d, t) for d, k, t in timeline(vault, "Aisha Khan") if k == "meeting"] == [
        ("2026-12-09", "Acme Q1 planning")]
    assert "me@work.example" not in json.dumps(data)  # I am never a person
    warnings = [w["message"] for w in data["warnings"]]
    assert any("broken.ics: not a calendar" in w for w in warnings), warnings


def test_nothing_without_sources_and_the_attendee_limit_can_be_raised(make_vault):
    vault = vault_with(make_vault, None)
    assert all(k != "meeting" for _, k, _ in timeline(vault, "Tom Becker"))
    vault = vault_with(make_vault, CONFIG.replace("max_attendees = 12", "max_attendees = 20"))
    assert ("2026-11-18", "meeting", "All hands") in timeline(vault, "Tom Becker")


def test_an_absolute_source_and_a_missing_one(make_vault, tmp_path):
    outside = tmp_path / "exports" / "work.ics"
    outside.parent.mkdir()
    outside.write_text(WORK, encoding="utf-8")
    vault = make_vault(PEOPLE, config=f'[me]\nemails = ["me@work.example"]\n[calendar]\nsources = ["{outside}", '
                                      '"Calendars/gone.ics", "https://calendar.example/private-x/basic.ics"]\n')
    assert ("2026-10-29", "meeting", "Mentor 1:1 (moved)") in timeline(vault, "Priya Raman")
    warnings = [w["message"] for w in scan(vault)["warnings"]]
    assert any("'Calendars/gone.ics' is neither an .ics file nor a folder" in w for w in warnings)
    assert any("not fetched yet" in w for w in warnings)  # a scan never goes to the network


def test_a_scan_after_the_calendar_changed_sees_the_change(make_vault):
    vault = vault_with(make_vault, CONFIG)
    assert ("2026-11-10", "meeting", "Coffee with Wei") in timeline(vault, "Wei Chen")
    (vault / "Calendars/khal/a1b2.ics").write_text(KHAL["a1b2.ics"].replace("20261110", "20261116"), encoding="utf-8")
    assert ("2026-11-16", "meeting", "Coffee with Wei") in timeline(vault, "Wei Chen")


def test_a_parse_is_kept_between_runs_while_its_key_is_the_same(tmp_path):
    from relnotes import cache

    calls = []

    def compute():
        calls.append(1)
        return ["parsed"]

    assert cache.kept("t", ("a", 1), compute) == ["parsed"]
    cache._MEMOS.pop("kept", None)  # as a new process: only the file in the cache folder is left
    assert cache.kept("t", ("a", 1), compute) == ["parsed"] and len(calls) == 1
    assert cache.kept("t", ("a", 2), compute) == ["parsed"] and len(calls) == 2  # a changed file: again


class CalendarServer:
    """A calendar's secret address on loopback: counts requests, answers conditionally."""

    def __init__(self, body: bytes):
        import http.server
        import threading

        self.body, self.status, self.requests = body, 200, []
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                owner.requests.append((self.path, self.headers.get("If-None-Match")))
                etag = f'"{hash(owner.body)}"'
                if owner.status == 200 and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.end_headers()
                    return
                self.send_response(owner.status)
                self.send_header("Content-Type", "text/calendar" if owner.status == 200 else "text/html")
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(owner.body if owner.status == 200 else b"<html>oops</html>")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/calendar/ical/secret-8f3a/basic.ics"


def test_a_calendar_address_is_fetched_only_when_asked(make_vault):
    served = CalendarServer(WORK.encode())
    try:
        vault = make_vault(PEOPLE, config=f'[me]\nemails = ["me@work.example"]\n[calendar]\nsources = ["{served.url}"]\n')
        runner = CliRunner()

        def scan_json(*more):
            result = runner.invoke(cli, ["scan", str(vault), "--json", "--today", TODAY, "--no-ics", "--no-summary",
                                         *more])
            assert result.exit_code == 0, result.output
            return json.loads(result.stdout), result.stderr

        data, _ = scan_json()
        assert served.requests == []  # a scan alone never goes to the network
        warning = next(w["message"] for w in data["warnings"] if "not fetched yet" in w["message"])
        assert "secret-8f3a" not in warning and "http://127.0.0.1/…" in warning
        data, _ = scan_json("--fetch")
        assert len(served.requests) == 1
        assert ("2026-10-29", "meeting", "Mentor 1:1 (moved)") in timeline(vault, "Priya Raman")
        scan_json("--fetch")
        assert served.requests[-1][1] is not None  # asked conditionally: 304, the copy is kept
        assert ("2026-10-29", "meeting", "Mentor 1:1 (moved)") in timeline(vault, "Priya Raman")
        # a changed calendar: the next fetch brings it
        served.body = WORK.replace("Mentor 1:1 (moved)", "Mentor 1:1 (moved again)").replace(
            "20261029T10", "20261124T10").encode()  # its start and its end
        scan_json("--fetch")
        assert ("2026-11-24", "meeting", "Mentor 1:1 (moved again)") in timeline(vault, "Priya Raman")
        # a server that fails, or answers with no calendar: a warning, and the last copy still counts
        served.status = 500
        data, stderr = scan_json("--fetch")
        assert "the server answered 500" in stderr and "secret-8f3a" not in stderr
        served.status, served.body = 200, b"<html>Sign in to see this calendar</html>"
        data, stderr = scan_json("--fetch")
        assert "the answer is no calendar" in stderr
        assert ("2026-11-24", "meeting", "Mentor 1:1 (moved again)") in timeline(vault, "Priya Raman")
    finally:
        served.server.shutdown()


def test_a_changed_calendar_file_is_not_answered_from_a_remembered_scan(make_vault):
    vault = vault_with(make_vault, CONFIG)
    first = scan(vault)
    assert scan(vault) == first  # unchanged: the remembered answer
    path = vault / "Calendars/khal/a1b2.ics"
    path.write_text(KHAL["a1b2.ics"].replace("20261110", "20261124"), encoding="utf-8")
    second = scan(vault)
    wei = next(r for r in second["reminders"] if r["person"] == "Wei Chen")
    assert "last contact 2026-11-24 (meeting: Coffee with Wei)" in wei["detail"]


def test_watch_fetches_again_on_its_schedule(make_vault):
    import threading
    import time

    from relnotes.daemon import Daemon

    vault = vault_with(make_vault, CONFIG)
    fetched = []
    daemon = Daemon(vault, today=lambda: dt.date(2026, 11, 25), tick=0.05, fetch=lambda: fetched.append(1),
                    fetch_every=0.2)
    thread = threading.Thread(target=daemon.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while (len(fetched) < 2 or daemon.builds < 3) and time.monotonic() < deadline:  # a rebuild follows its fetch
            time.sleep(0.05)
        assert len(fetched) >= 2 and daemon.builds >= 3  # the start, and a rebuild after each fetch
    finally:
        daemon.stop()
        thread.join(10)
