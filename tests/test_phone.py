"""The phone pages of `relnotes serve`: pairing, the buttons, and what the feed URL alone cannot do —
the real server on loopback, a real HTTP client."""

import http.client
import json
import os
import re
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from relnotes import devices
from relnotes.actions import read_actions
from relnotes.cli import cli

NOTES = {
    "People/Wei Chen.md": "---\ntype: person\nrole: peer\nlast_contact: 2026-06-01\n---\n",
    "People/Aisha Khan.md": "---\ntype: person\nrole: client\nlast_contact: 2026-11-20\nbirthday: 1990-11-30\n---\n",
    "Meetings/2026-11-17 Acme check-in.md": ("---\nattendees: ['[[Aisha Khan]]']\nfollow_up: 2026-11-24\n---\n"
                                            "- [ ] Send the runbook 📅 2026-11-28\n"),
}
LOG = "relnotes log.md"


class Forms(HTMLParser):
    """The forms of a page: each one's action and fields (buttons by their value), and every
    script, external resource and link."""

    def __init__(self):
        super().__init__()
        self.forms, self.scripts, self.links = [], [], []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "method": attrs.get("method"), "fields": {},
                               "buttons": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["fields"][attrs.get("name")] = attrs.get("value", "")
        elif tag == "button" and self.forms:
            self.forms[-1]["buttons"].append(attrs.get("value"))
        elif tag == "script":
            self.scripts.append(attrs)
        elif tag in ("a", "link", "img"):
            self.links.append(attrs.get("href") or attrs.get("src"))


def forms_of(body: bytes) -> Forms:
    parser = Forms()
    parser.feed(body.decode("utf-8"))
    return parser


class Phone:
    """A browser-like client of one server: keeps its cookie, sends forms as a page would."""

    def __init__(self, server):
        self.server, self.cookie = server, None

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection(self.server.host, self.server.port, timeout=15)
        headers = dict(headers or {})
        if self.cookie:
            headers["Cookie"] = self.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=urlencode(body) if body is not None else None, headers=headers)
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def get(self, path):
        return self.request("GET", path)

    def post(self, path, fields, **headers):
        return self.request("POST", path, fields, {"Origin": f"http://{self.server.host}:{self.server.port}",
                                                    "Sec-Fetch-Site": "same-origin", **headers})

    def pair(self, code):
        status, headers, _ = self.post("/pair", {"code": code})
        assert status == 303 and headers["Location"] == "agenda?did=paired", (status, headers)
        cookie = headers["Set-Cookie"]
        self.cookie = cookie.split(";", 1)[0]
        return cookie


def pairing_code(vault, env=None) -> str:
    out = subprocess.run([sys.executable, "-m", "relnotes", "token", str(vault), "--pair"], capture_output=True,
                         text=True, check=True, env=env).stdout
    return re.search(r"/pair/([0-9a-f]+)", out).group(1)


@pytest.fixture
def served(make_vault, relnotes_server, tmp_path):
    vault = make_vault(NOTES)
    server = relnotes_server(vault, dict(os.environ), tmp_path / "server.log")
    yield server
    if server.proc.poll() is None:
        server.stop()


def log_lines(vault: Path) -> list[str]:
    path = vault / LOG
    return [a for a in path.read_text(encoding="utf-8").splitlines() if a.startswith("- ")] if path.exists() else []


def feed_events(server) -> dict[str, str]:
    status, _, body = server.request()
    assert status == 200
    return {str(e["UID"]): e["DTSTART"].dt.isoformat() for e in Calendar.from_ical(body).walk("VEVENT")}


def test_an_unpaired_browser_sees_nothing_and_changes_nothing(served):
    phone = Phone(served)
    for path in ("/agenda", "/r/follow-up-0000000000", "/"):
        status, headers, body = phone.get(path)
        if path == "/":
            assert status == 303 and headers["Location"] == "agenda"
            continue
        assert status == 403 and b"not paired" in body and b"Wei" not in body
    status, _, body = phone.post("/act", {"uid": "x", "action": "done", "form": "x", "back": "agenda"})
    assert status == 403 and not (served.vault / LOG).exists()


def test_pairing_takes_a_post_and_a_code_once(served):
    code = pairing_code(served.vault)
    phone = Phone(served)
    # a link preview or a calendar app fetching the link pairs nothing
    status, headers, body = phone.get(f"/pair/{code}")
    assert status == 200 and "Set-Cookie" not in headers
    form = forms_of(body).forms[0]
    assert form["method"] == "post" and form["action"] == "../pair" and form["fields"]["code"] == code
    assert phone.post("/pair", {"code": "0" * 10})[0] == 403
    cookie = phone.pair(code)
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    other = Phone(served)
    assert other.post("/pair", {"code": code})[0] == 403  # used up
    assert phone.get("/agenda")[0] == 200


def test_an_expired_code_pairs_nothing(served):
    code = pairing_code(served.vault)
    path = devices.phones_file(served.vault)
    data = json.loads(path.read_bytes())
    data["codes"][0]["expires"] = time.time() - 1
    path.write_text(json.dumps(data))
    assert Phone(served).post("/pair", {"code": code})[0] == 403


def test_each_button_adds_its_line_and_the_feed_shows_it(served):
    phone = Phone(served)
    phone.pair(pairing_code(served.vault))
    status, headers, body = phone.get("/agenda")
    assert status == 200
    assert "script-src" not in headers["Content-Security-Policy"] and "default-src 'none'" in \
        headers["Content-Security-Policy"]
    page = forms_of(body)
    assert page.scripts == [] and all(not link or not link.startswith(("http:", "https:", "//"))
                                      for link in page.links)
    by_uid = {f["fields"]["uid"]: f for f in page.forms}
    kinds = {uid.split("-")[0]: uid for uid in by_uid}
    follow_up = next(u for u in by_uid if u.startswith("follow-up-"))
    meeting = next(u for u in by_uid if u.startswith("meeting-follow-up-"))
    task = next(u for u in by_uid if u.startswith("task-"))
    assert by_uid[follow_up]["buttons"] == ["talked", "snooze-week", "snooze-month"]  # no "done": contact settles it
    assert by_uid[meeting]["buttons"] == ["talked", "snooze-week", "snooze-month", "done"]
    assert "done" not in by_uid[task]["buttons"] and kinds
    birthday = next(u for u in by_uid if u.startswith("birthday-"))
    assert by_uid[birthday]["buttons"] == ["talked", "done"]  # a yearly series in the calendar: no snooze

    before = feed_events(served)

    def tap(uid, action, back="agenda"):
        fields = {**by_uid[uid]["fields"], "action": action, "back": back}
        return phone.post("/act", fields)

    status, headers, _ = tap(follow_up, "snooze-week")
    assert status == 303 and headers["Location"] == "agenda?did=snooze-week"
    assert log_lines(served.vault)[-1] == "- 2026-11-25 snoozed [[Wei Chen]] until 2026-12-02"
    assert tap(meeting, "done", f"r/{meeting}")[1]["Location"] == f"r/{meeting}?did=done"
    assert log_lines(served.vault)[-1].endswith(f"%%{meeting} 2026-11-24%%")
    assert tap(task, "snooze-month")[0] == 303
    assert log_lines(served.vault)[-1].endswith(f"until 2026-12-25 %%{task}%%")
    assert tap(meeting, "talked")[0] == 409  # closed now: no such open reminder
    assert tap(task, "done")[0] == 409  # a task is ticked in its note
    actions, problems = read_actions((served.vault / LOG).read_text(encoding="utf-8"))
    assert len(actions) == 3 and problems == []

    after = feed_events(served)  # the next refresh: the server rebuilt after each action
    feed_uid = {uid: next(k for k in after if k.startswith(uid.split("@")[0])) for uid in (follow_up, task)}
    assert after[feed_uid[follow_up]] == "2026-12-02" and after[feed_uid[task]] == "2026-12-25"
    assert not any(k.startswith(meeting.split("@")[0]) for k in after) and len(before) == len(after) + 1
    # the next scan agrees
    result = CliRunner().invoke(cli, ["scan", str(served.vault), "--today", "2026-11-25", "--json", "--no-ics",
                                      "--no-summary"])
    dates = {r["uid"]: r["date"] for r in json.loads(result.stdout)["reminders"]}
    assert dates[follow_up] == "2026-12-02" and dates[task] == "2026-12-25" and meeting not in dates

    status, _, body = phone.get(f"/r/{meeting}?did=done")
    assert status == 404 and b"Marked done." in body
    status, _, body = phone.get(f"/r/{task}")
    assert status == 200 and b"Last contact" in body and b"tick it there" in body


def test_a_forged_or_cross_site_post_changes_nothing(served):
    phone = Phone(served)
    phone.pair(pairing_code(served.vault))
    form = next(f for f in forms_of(phone.get("/agenda")[2]).forms if f["fields"]["uid"].startswith("meeting-"))
    fields = {**form["fields"], "action": "done"}
    evil = "http://evil.example"
    assert phone.post("/act", fields, Origin=evil, **{"Sec-Fetch-Site": "same-origin"})[0] == 403
    assert phone.post("/act", fields, **{"Sec-Fetch-Site": "cross-site"})[0] == 403
    assert phone.post("/act", {**fields, "form": "0" * 32})[0] == 403  # not this device's form
    no_cookie = Phone(served)
    assert no_cookie.post("/act", fields)[0] == 403
    assert phone.request("POST", "/act", fields)[0] == 303  # a browser without those headers: the form token
    assert len(log_lines(served.vault)) == 1
    big = phone.request("POST", "/act", {"uid": "x" * 5000})
    assert big[0] == 413


def test_the_feed_url_alone_can_read_the_feed_and_nothing_more(served):
    assert served.request()[0] == 200
    stranger = Phone(served)
    for path in (f"/{served.token}/agenda", "/agenda", f"/{served.token}/act"):
        assert stranger.get(path)[0] in (403, 404)
    assert stranger.post("/act", {"uid": "x", "action": "done"})[0] == 403
    assert stranger.request("POST", served.path, {"x": "y"})[0] == 405


def test_rotating_the_token_or_unpairing_revokes_devices_at_once(served):
    phone = Phone(served)
    phone.pair(pairing_code(served.vault))
    assert phone.get("/agenda")[0] == 200
    subprocess.run([sys.executable, "-m", "relnotes", "token", str(served.vault), "--rotate"], check=True,
                   capture_output=True)
    assert phone.get("/agenda")[0] == 403
    phone.pair(pairing_code(served.vault))
    assert phone.get("/agenda")[0] == 200
    out = subprocess.run([sys.executable, "-m", "relnotes", "token", str(served.vault), "--unpair"], check=True,
                         capture_output=True, text=True)
    assert "Unpaired 1 device" in out.stderr
    assert phone.get("/agenda")[0] == 403


def test_the_feed_links_each_event_to_its_page_once_the_address_is_set(make_vault):
    vault = make_vault(NOTES)
    runner = CliRunner()
    assert runner.invoke(cli, ["token", str(vault), "--url", "ftp://x"]).exit_code == 2
    assert runner.invoke(cli, ["token", str(vault), "--url", "https://phone.example/relnotes/"]).exit_code == 0
    runner.invoke(cli, ["scan", str(vault), "--today", "2026-11-25"])
    calendar = Calendar.from_ical((vault / ".relnotes/relnotes.ics").read_bytes())
    for event in calendar.walk("VEVENT"):
        uid = str(event["UID"])
        if uid.startswith("more-overdue"):
            continue
        assert str(event["URL"]).startswith("https://phone.example/relnotes/r/")
        assert str(event["URL"]) in str(event["DESCRIPTION"])
    assert runner.invoke(cli, ["token", str(vault), "--url", ""]).exit_code == 0
    runner.invoke(cli, ["scan", str(vault), "--today", "2026-11-25"])
    assert b"phone.example" not in (vault / ".relnotes/relnotes.ics").read_bytes()
    # nothing of it is in the vault: the address and the devices live in the user's config folder
    assert not any(b"phone.example" in p.read_bytes() for p in vault.rglob("*") if p.is_file())


def test_watch_serve_shows_a_tap_in_the_feed_it_serves(make_vault, tmp_path):
    vault = make_vault(NOTES)
    with open(tmp_path / "watch.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "relnotes", "watch", str(vault), "--serve", "--port", "0",
                                 "--today", "2026-11-25"], stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        url = next(line.strip() for line in proc.stdout if line.strip().startswith("http://"))
        host, port = url.split("/")[2].rsplit(":", 1)
        server = type("Server", (), {"host": host, "port": int(port)})()
        secret = subprocess.run([sys.executable, "-m", "relnotes", "token", str(vault)], capture_output=True,
                                text=True, check=True).stdout.strip()
        phone = Phone(server)
        phone.pair(pairing_code(vault))
        form = next(f for f in forms_of(phone.get("/agenda")[2]).forms if f["fields"]["uid"].startswith("follow-"))
        assert phone.post("/act", {**form["fields"], "action": "talked"})[0] == 303
        # the answer came after the daemon's rebuild: the page and the feed show it at once
        assert b"Get in touch with Wei Chen" not in phone.get("/agenda")[2]
        status, _, body = phone.request("GET", secret)
        events = {str(e["SUMMARY"]): e["DTSTART"].dt.isoformat() for e in Calendar.from_ical(body).walk("VEVENT")}
        assert status == 200 and events["Get in touch with Wei Chen"] == "2027-02-23"
        assert (vault / "relnotes.md").read_text(encoding="utf-8").count("Wei Chen") == 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_pages_follow_the_vault_without_the_feed_being_fetched(served):
    phone = Phone(served)
    phone.pair(pairing_code(served.vault))
    assert b"Call the dentist" not in phone.get("/agenda")[2]
    (served.vault / "Daily").mkdir()
    (served.vault / "Daily/2026-11-24.md").write_text("- [ ] Call the dentist 📅 2026-11-25\n", encoding="utf-8")
    time.sleep(1.1)  # the server looks at the vault at most once a second
    assert b"Call the dentist" in phone.get("/agenda")[2]


def test_another_sites_cookie_on_this_host_leaves_the_phone_paired(served):
    phone = Phone(served)
    phone.pair(pairing_code(served.vault))
    ours = phone.cookie
    for others in ('prefs={"theme":"dark"}', "session=abc def", "a=b"):
        phone.cookie = f"{others}; {ours}"
        assert phone.get("/agenda")[0] == 200, others


def test_the_log_holds_no_pairing_code_and_no_terminal_escapes(served):
    code = pairing_code(served.vault)
    phone = Phone(served)
    assert phone.get(f"/pair/{code}")[0] == 200
    status, _, body = phone.post("/act", {"uid": "x"}, **{"Sec-Fetch-Site": "\x1b[2J\x1b]0;owned\x07x"})
    assert status == 403 and b"\x1b" not in body
    phone.pair(code)
    log = served.log()
    assert code not in log and "/pair/<code>" in log
    assert "\x1b" not in log and "\x07" not in log and "\\x1b[2J" in log


def test_rotating_and_pairing_at_once_prints_the_new_path(served):
    out = subprocess.run([sys.executable, "-m", "relnotes", "token", str(served.vault), "--rotate", "--pair"],
                         capture_output=True, text=True, check=True).stdout
    assert re.search(r"^/[\w-]{40,}/relnotes\.ics$", out, re.M) and "/pair/" in out
