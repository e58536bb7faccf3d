"""The phone pages as a person uses them: Debian's Chromium, headless, driven by selenium against
the real `relnotes serve` on loopback — pair once, tap each button, then check the log line, the
next scan and the served feed; an unpaired browser and a forged cross-site form change nothing.

With ``RELNOTES_SCREENSHOTS=FOLDER`` the agenda and a reminder page are saved there as PNG (the
README's pictures come from here)."""

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from relnotes.actions import read_actions
from relnotes.cli import cli
from relnotes.testing import needs

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
TODAY = "2026-11-25"
NOTES = {
    "People/Wei Chen.md": "---\ntype: person\nrole: peer\nlast_contact: 2026-06-01\ncompany: Northwind\n---\n",
    "People/Priya Raman.md": "---\ntype: person\nrole: mentor\nlast_contact: 2026-09-20\nbirthday: 1984-11-28\n---\n",
    "People/Aisha Khan.md": "---\ntype: person\nrole: client\nlast_contact: 2026-11-17\n---\n",
    "Meetings/2026-11-17 Acme check-in.md": ("---\nattendees: ['[[Aisha Khan]]']\nfollow_up: 2026-11-24\n---\n"
                                            "- [ ] Share the migration runbook with [[Aisha Khan]] 📅 2026-11-28\n"),
    "Daily/2026-11-20.md": "- [ ] Ask [[Wei Chen]] for the charter draft 📅 2026-11-23\n",
}
LOG = "relnotes log.md"


@pytest.fixture
def browser(tmp_path):
    """A new headless Chromium, with an empty profile, sized like a phone."""
    needs("Chromium and its driver (chromium, chromium-driver)", Path(CHROMIUM).exists() and Path(DRIVER).exists())
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    made = []

    def start():
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        profile = tmp_path / f"profile{len(made)}"
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-quic", f"--user-data-dir={profile}", "--window-size=390,900"):
            options.add_argument(flag)
        options.add_experimental_option("mobileEmulation", {
            "deviceMetrics": {"width": 390, "height": 900, "pixelRatio": 2.0},
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                         "Chrome/130.0 Mobile Safari/537.36"})
        driver = webdriver.Chrome(options=options, service=Service(DRIVER, log_output=str(tmp_path / "driver.log")))
        driver.set_page_load_timeout(30)
        made.append(driver)
        return driver

    yield start
    for driver in made:
        driver.quit()


@pytest.fixture
def served(make_vault, relnotes_server, tmp_path):
    vault = make_vault(NOTES)
    server = relnotes_server(vault, dict(os.environ), tmp_path / "server.log", today=TODAY)
    yield server
    if server.proc.poll() is None:
        server.stop()


def log_lines(vault):
    path = vault / LOG
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("- ")] \
        if path.exists() else []


def card(driver, title):
    """The agenda card whose title starts with ``title``."""
    from selenium.webdriver.common.by import By

    cards = [c for c in driver.find_elements(By.CSS_SELECTOR, ".card")
             if c.find_element(By.TAG_NAME, "h3").text.startswith(title)]
    assert len(cards) == 1, [c.text for c in driver.find_elements(By.CSS_SELECTOR, ".card")]
    return cards[0]


def _gone(exc):
    """Whether ``exc`` says the element is from a document Chromium has replaced (or is replacing)."""
    from selenium.common.exceptions import StaleElementReferenceException

    return isinstance(exc, StaleElementReferenceException) or "does not belong to the document" in str(exc)


def _wait_for_next_page(driver, page):
    """Wait until the document whose ``<html>`` is ``page`` has been replaced and the next one has loaded."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    def replaced(_):
        try:
            page.is_enabled()
        except WebDriverException as exc:
            if _gone(exc):
                return True
            raise
        return False

    WebDriverWait(driver, 15).until(replaced)
    WebDriverWait(driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")


def tap(driver, label, within=None):
    """Tap the button called ``label`` (in the element ``within``) and wait for the page it leads to."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By

    for attempt in range(3):
        buttons = [b for b in (within or driver).find_elements(By.TAG_NAME, "button") if b.text == label]
        assert buttons, f"no {label!r} button in {(within or driver.find_element(By.TAG_NAME, 'body')).text!r}"
        page = driver.find_element(By.TAG_NAME, "html")
        try:
            buttons[0].click()
            break
        except WebDriverException as exc:
            # a loaded machine: Chromium may still be swapping in the document the button was found in
            if attempt == 2 or not _gone(exc):
                raise
    _wait_for_next_page(driver, page)


def follow(driver, link):
    """Tap ``link`` and wait for the page it leads to."""
    from selenium.webdriver.common.by import By

    page = driver.find_element(By.TAG_NAME, "html")
    link.click()
    _wait_for_next_page(driver, page)


def screenshot(driver, name, tmp_path):
    shot = tmp_path / name
    driver.save_screenshot(str(shot))
    assert shot.read_bytes().startswith(b"\x89PNG")
    folder = os.environ.get("RELNOTES_SCREENSHOTS")
    if folder:
        shutil.copy(shot, Path(folder) / name)


def served_feed(server):
    status, _, body = server.request()
    assert status == 200
    return {str(e["SUMMARY"]): e["DTSTART"].dt.isoformat() for e in Calendar.from_ical(body).walk("VEVENT")}


def test_pair_then_tap_every_button(served, browser, tmp_path):
    from selenium.webdriver.common.by import By

    base = f"http://{served.host}:{served.port}"
    out = subprocess.run([sys.executable, "-m", "relnotes", "token", str(served.vault), "--pair"],
                         capture_output=True, text=True, check=True).stdout
    code = re.search(r"/pair/([0-9a-f]+)", out).group(1)
    phone = browser()
    phone.get(f"{base}/pair/{code}")
    assert "Pair this phone" in phone.page_source and log_lines(served.vault) == []
    tap(phone, "Pair")
    assert phone.current_url == f"{base}/agenda?did=paired"
    assert "This phone is paired." in phone.find_element(By.CSS_SELECTOR, ".flash").text
    assert phone.get_cookie("relnotes_device")["httpOnly"] is True
    assert phone.get_cookie("relnotes_device")["sameSite"] == "Strict"
    assert phone.execute_script("return document.cookie") == ""  # the device secret is out of a script's reach
    assert phone.find_elements(By.TAG_NAME, "script") == []
    screenshot(phone, "phone-agenda.png", tmp_path)

    before = served_feed(served)
    assert before["Get in touch with Wei Chen (due since 2026-08-30)"] == TODAY

    # Talked today, on the agenda
    tap(phone, "Talked today", card(phone, "Get in touch with Wei Chen"))
    assert "Logged: you talked today." in phone.find_element(By.CSS_SELECTOR, ".flash").text
    assert log_lines(served.vault) == ["- 2026-11-25 talked with [[Wei Chen]]"]
    assert not [c for c in phone.find_elements(By.CSS_SELECTOR, ".card") if "Get in touch with Wei" in c.text]

    # Done, on a reminder's own page
    follow(phone, card(phone, "Follow up with Aisha Khan").find_element(By.CSS_SELECTOR, "h3 a"))
    assert phone.find_element(By.TAG_NAME, "h1").text == "Follow up with Aisha Khan on Acme check-in"
    assert "Last contact" in phone.page_source and "2026-11-17" in phone.page_source
    screenshot(phone, "phone-reminder.png", tmp_path)
    tap(phone, "Done")
    assert "Marked done." in phone.page_source and "not open any more" in phone.page_source
    assert log_lines(served.vault)[-1].startswith("- 2026-11-25 done: Follow up with Aisha Khan on Acme check-in · "
                                                  "[[Aisha Khan]] %%meeting-follow-up-")
    follow(phone, phone.find_element(By.PARTIAL_LINK_TEXT, "Agenda"))

    # Snooze a week, Snooze a month
    tap(phone, "Snooze a week", card(phone, "Ask Wei Chen for the charter draft"))
    assert "Snoozed for a week." in phone.page_source
    tap(phone, "Snooze a month", card(phone, "Get in touch with Priya Raman"))
    assert log_lines(served.vault)[-2:] == [
        log_lines(served.vault)[-2], "- 2026-11-25 snoozed [[Priya Raman]] until 2026-12-25"]
    assert re.fullmatch(r"- 2026-11-25 snoozed: Ask Wei Chen for the charter draft · \[\[Wei Chen\]\] until "
                        r"2026-12-02 %%task-[0-9a-f]+@relnotes%%", log_lines(served.vault)[-2])
    # a task is ticked in its note: no Done button for it
    buttons = [b.text for b in card(phone, "Share the migration runbook").find_elements(By.TAG_NAME, "button")]
    assert buttons == ["Talked today", "Snooze a week", "Snooze a month"]

    actions, problems = read_actions((served.vault / LOG).read_text(encoding="utf-8"))
    assert [a.kind for a in actions] == ["talked", "done", "snoozed", "snoozed"] and problems == []
    # the next scan
    result = CliRunner().invoke(cli, ["scan", str(served.vault), "--today", TODAY, "--json", "--no-ics",
                                      "--no-summary", "--horizon", "400"])
    dates = {r["title"]: r["date"] for r in json.loads(result.stdout)["reminders"]}
    assert dates["Get in touch with Wei Chen"] == "2027-02-23" and dates["Get in touch with Priya Raman"] == \
        "2026-12-25"
    assert dates["Ask Wei Chen for the charter draft"] == "2026-12-02"
    assert "Follow up with Aisha Khan on Acme check-in" not in dates
    # and the served feed, at its next refresh
    after = served_feed(served)
    assert after["Get in touch with Wei Chen"] == "2027-02-23" and after["Get in touch with Priya Raman"] == \
        "2026-12-25"
    assert after["Ask Wei Chen for the charter draft"] == "2026-12-02"
    assert not any(title.startswith("Follow up with Aisha Khan") for title in after)


class _Evil(http.server.BaseHTTPRequestHandler):
    page = b""

    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.page)

    def log_message(self, *args):
        pass


def test_an_unpaired_browser_and_a_forged_cross_site_form_change_nothing(served, browser):
    from selenium.webdriver.common.by import By

    base = f"http://{served.host}:{served.port}"
    stranger = browser()
    stranger.get(f"{base}/agenda")
    assert "not paired" in stranger.page_source and "Wei Chen" not in stranger.page_source

    out = subprocess.run([sys.executable, "-m", "relnotes", "token", str(served.vault), "--pair"],
                         capture_output=True, text=True, check=True).stdout
    phone = browser()
    phone.get(f"{base}/pair/{re.search(r'/pair/([0-9a-f]+)', out).group(1)}")
    tap(phone, "Pair")
    form = card(phone, "Follow up with Aisha Khan").find_element(By.TAG_NAME, "form")
    fields = {i.get_attribute("name"): i.get_attribute("value") for i in form.find_elements(By.TAG_NAME, "input")}
    # another site (another port of another name is another site) posts the very form, form token and all
    hidden = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in fields.items())
    _Evil.page = (f'<html><body><form method="post" action="{base}/act">{hidden}'
                  '<button name="action" value="done">Win a prize</button></form></body></html>').encode()
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Evil)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        phone.get(f"http://localhost:{evil.server_address[1]}/")
        tap(phone, "Win a prize")
        assert "Refused" in phone.page_source or "not paired" in phone.page_source
    finally:
        evil.shutdown()
    assert log_lines(served.vault) == []
    phone.get(f"{base}/agenda")
    assert card(phone, "Follow up with Aisha Khan")  # still open
