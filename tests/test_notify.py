"""The daily digest against real parts on loopback: an SMTP server (aiosmtpd), an HTTP receiver for
ntfy and webhooks, real processes that crash mid-send, and a day-by-day clock."""

from __future__ import annotations

import datetime as dt
import email
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import trustme
from aiosmtpd.controller import Controller
from click.testing import CliRunner

from relnotes import Pipeline
from relnotes.cli import cli
from relnotes.config import CHANNEL_TABLES
from relnotes.notify import DailyDigest, state_file
from relnotes.testing import SYSTEM_PYTHON, needs, system_python_runs, wait_for
from relnotes.userdirs import config_dir

PEOPLE = {
    "People/Ann Lee.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n",
    "People/Bo.md": "---\ntype: person\nbirthday: 1990-12-08\n---\n",
    "Daily/2026-11-30.md": "- [ ] Send [[Ann Lee]] the deck 📅 2026-12-01\n- [ ] Book the venue 📅 2026-12-04\n",
}


class Inbox:
    """aiosmtpd's handler: keeps every message; with ``kill``, SIGKILLs that process once the message is
    in, before answering (the sender dies between sending and recording)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.kill: int | None = None

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email_policy))
        if self.kill:
            os.kill(self.kill, signal.SIGKILL)
            self.kill = None
        return "250 OK"


@pytest.fixture
def inbox():
    handler = Inbox()
    with socket.socket() as probe:  # a free port: aiosmtpd's start() connects to the port it is given
        probe.bind(("127.0.0.1", 0))
        handler.port = probe.getsockname()[1]
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    yield handler
    controller.stop()


def channels(text: str, mode: int = 0o600) -> Path:
    path = config_dir() / "notify.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path


def email_channel(inbox) -> str:
    return f'[email]\nto = "me@example.org"\nhost = "127.0.0.1"\nport = {inbox.port}\nsecurity = "none"\n'


class Day:
    """A clock the test moves: ``now`` is the local time, ``today`` its date."""

    def __init__(self, when: str) -> None:
        self.now = dt.datetime.fromisoformat(when)

    def stamp(self) -> float:
        return self.now.timestamp()

    def at(self, when: str) -> Day:
        self.now = dt.datetime.fromisoformat(when)
        return self


def digester(vault: Path, clock: Day) -> tuple[DailyDigest, Pipeline]:
    pipeline = Pipeline(vault, autoload=False)
    digest = DailyDigest(vault, lambda: [n for _, n in pipeline.pm.hooks.notifiers()], lambda: pipeline.config,
                         now=lambda: clock.now, clock=clock.stamp, every=0)
    return digest, pipeline


def turn(digest: DailyDigest, pipeline: Pipeline, clock: Day):
    """One turn of watch's loop: a build for the clock's day, then the digest's look."""
    return digest(pipeline.scan(clock.now.date()))


def test_one_digest_a_day_across_restarts_sleep_and_days_down(make_vault, inbox):
    vault = make_vault(PEOPLE, config='[digest]\ntime = "08:00"\nsend = "not empty"\n')
    channels(email_channel(inbox))
    clock = Day("2026-12-01T07:59")
    digest, pipeline = digester(vault, clock)
    assert turn(digest, pipeline, clock) is None and inbox.messages == []  # not yet
    [outcome] = turn(digest, pipeline, clock.at("2026-12-01T08:00"))
    assert outcome.status == "sent" and len(inbox.messages) == 1
    assert turn(digest, pipeline, clock.at("2026-12-01T08:01")) is None
    restarted, pipeline = digester(vault, clock.at("2026-12-01T12:00"))  # a new process: only the disk remembers
    assert [o.status for o in turn(restarted, pipeline, clock)] == ["done"] and len(inbox.messages) == 1
    # asleep from before 08:00 to 11:00 on the 2nd: sent on waking, once
    assert turn(restarted, pipeline, clock.at("2026-12-02T07:00")) is None
    assert [o.status for o in turn(restarted, pipeline, clock.at("2026-12-02T11:00"))] == ["sent"]
    assert turn(restarted, pipeline, clock.at("2026-12-02T11:01")) is None
    # down all of the 3rd: the 4th gets the 4th's digest, and nothing for the 3rd
    assert [o.status for o in turn(restarted, pipeline, clock.at("2026-12-04T09:30"))] == ["sent"]
    assert [str(m["Subject"]).strip().split(": ")[0] for m in inbox.messages] == [
        "relnotes for Tue 2026-12-01", "relnotes for Wed 2026-12-02", "relnotes for Fri 2026-12-04"]


def test_the_digest_says_what_is_due_with_links(make_vault, inbox):
    vault = make_vault(PEOPLE)
    channels(email_channel(inbox))
    result = CliRunner().invoke(cli, ["notify", str(vault), "--today", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("email: sent (relnotes for Tue 2026-12-01: 1 overdue, 1 today, 1 this week, "
                                    "1 to celebrate)")
    [mail] = inbox.messages
    assert mail["To"] == "me@example.org"
    name = vault.resolve().name
    assert mail.get_content().replace("\r\n", "\n") == (
        f"relnotes for Tue 2026-12-01: 1 overdue, 1 today, 1 this week, 1 to celebrate (vault {name})\n\n"
        "Overdue (1)\n"
        "- Get in touch with Ann Lee — 16 days late\n"
        f"  Open: obsidian://open?vault={name}&file=People%2FAnn%20Lee.md\n\n"
        "Today (1)\n"
        "- Send Ann Lee the deck — today\n"
        f"  Open: obsidian://open?vault={name}&file=Daily%2F2026-11-30.md\n\n"
        "This week (1)\n"
        "- Book the venue — in 3 days, Fri 2026-12-04\n"
        f"  Open: obsidian://open?vault={name}&file=Daily%2F2026-11-30.md\n\n"
        "Coming up to celebrate (1)\n"
        "- Bo's birthday (turns 36) — in 7 days, Tue 2026-12-08\n"
        f"  Open: obsidian://open?vault={name}&file=People%2FBo.md\n")
    again = CliRunner().invoke(cli, ["notify", str(vault), "--today", "2026-12-01"])
    assert again.output == "email: done (sent already today)\n" and len(inbox.messages) == 1


def test_nothing_new_is_not_sent_again(make_vault, inbox):
    vault = make_vault({"People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n"})
    channels(email_channel(inbox))
    run = lambda day: CliRunner().invoke(cli, ["notify", str(vault), "--today", day]).output
    assert run("2026-12-01").startswith("email: sent")
    assert run("2026-12-02") == "email: skipped (nothing new since 2026-12-01)\n"  # the same overdue follow-up
    assert len(inbox.messages) == 1
    empty = make_vault({"Home.md": "# Home\n"})
    assert CliRunner().invoke(cli, ["notify", str(empty), "--today", "2026-12-01"]).output == (
        "email: skipped (nothing to tell)\n")


def test_a_crash_after_sending_never_sends_twice(make_vault, inbox):
    """The SMTP server kills the sending process once it has the message, before it says OK: the
    process dies between sending and recording. The next run must not send it again."""
    vault = make_vault(PEOPLE)
    channels(email_channel(inbox))
    command = [sys.executable, "-m", "relnotes", "notify", str(vault), "--today", "2026-12-01"]
    env = {**os.environ, "RELNOTES_DISABLE_PLUGIN_AUTOLOAD": "1"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    inbox.kill = process.pid
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL and len(inbox.messages) == 1
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert again.returncode == 0, again.stderr
    assert again.stdout == ("email: done (a send was under way when relnotes stopped; it may have arrived, so it is "
                            "not sent twice)\n")
    assert len(inbox.messages) == 1
    assert json.loads(state_file(vault).read_text())["email"]["status"] == "sending"


def test_a_failed_send_is_tried_again_later_the_same_day(make_vault, inbox):
    vault = make_vault(PEOPLE)
    channels(email_channel(inbox).replace(f"port = {inbox.port}", "port = 1"))  # nothing listens there
    clock = Day("2026-12-01T09:00")
    digest, pipeline = digester(vault, clock)
    [failed] = turn(digest, pipeline, clock)
    assert failed.status == "failed" and "refused" in failed.detail.lower()
    assert turn(digest, pipeline, clock.at("2026-12-01T09:00:30"))[0].detail.endswith("trying again later")
    channels(email_channel(inbox))  # the server is back
    assert [o.status for o in turn(digest, pipeline, clock.at("2026-12-01T09:02"))] == ["sent"]
    assert len(inbox.messages) == 1


# --- SMTP over TLS: a certificate from a test CA that the sender is made to trust ---------------------

class TlsInbox(Inbox):
    """An inbox that records, for each message, whether it came over TLS and who had logged in."""

    def __init__(self) -> None:
        super().__init__()
        self.sessions: list[tuple[bool, bytes | None]] = []
        self.logins: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        tls = server.transport.get_extra_info("ssl_object") is not None  # STARTTLS or implicit TLS
        self.sessions.append((tls, self.logins[-1] if session.authenticated else None))
        return await super().handle_DATA(server, session, envelope)

    def login(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        if (auth_data.login, auth_data.password) != (b"me", b"app-password"):
            return AuthResult(success=False)
        self.logins.append(auth_data.login)
        return AuthResult(success=True)


@pytest.fixture
def tls_inbox(tmp_path, request):
    """aiosmtpd with a certificate for 127.0.0.1 from a fresh CA: STARTTLS (required before login) or
    implicit TLS (``ssl``), per the test's parameter."""
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    handler = TlsInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        handler.port = probe.getsockname()[1]
    options = ({"tls_context": context, "require_starttls": True} if request.param == "starttls" else
               {"ssl_context": context})
    # aiosmtpd offers AUTH over implicit TLS only when not told to require STARTTLS for it
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port, authenticator=handler.login,
                            auth_require_tls=request.param == "starttls", **options)
    controller.start()
    handler.security, handler.ca = request.param, tmp_path / "ca.pem"
    yield handler
    controller.stop()


@pytest.mark.parametrize("tls_inbox", ["starttls", "ssl"], indirect=True)
def test_email_over_starttls_or_ssl_logs_in_and_checks_the_certificate(make_vault, tls_inbox, monkeypatch):
    vault = make_vault(PEOPLE)
    channels(f'[email]\nto = "me@example.org"\nhost = "127.0.0.1"\nport = {tls_inbox.port}\n'
             f'security = "{tls_inbox.security}"\nusername = "me"\npassword_env = "SMTP_PASSWORD"\n')
    monkeypatch.setenv("SMTP_PASSWORD", "app-password")
    # a certificate no CA the sender trusts signed: nothing is sent, and the reason says so
    monkeypatch.setenv("SSL_CERT_FILE", str(Path(__file__)))  # no certificate at all
    untrusted = CliRunner().invoke(cli, ["notify", str(vault), "--test"])
    assert untrusted.exit_code != 0 and "certificate verify failed" in untrusted.output, untrusted.output
    assert tls_inbox.messages == []
    monkeypatch.setenv("SSL_CERT_FILE", str(tls_inbox.ca))  # the test CA, as a system's own would be
    result = CliRunner().invoke(cli, ["notify", str(vault), "--today", "2026-12-01"])
    assert result.exit_code == 0 and result.output.startswith("email: sent"), result.output
    [mail] = tls_inbox.messages
    assert tls_inbox.sessions == [(True, b"me")] and str(mail["Subject"]).strip().startswith("relnotes for Tue")


# --- the desktop: notify-send over a real D-Bus session bus, to a notification server of the test's ------

NOTIFICATION_SERVER = r"""
import json
from gi.repository import Gio, GLib

NODE = Gio.DBusNodeInfo.new_for_xml('''<node><interface name="org.freedesktop.Notifications">
<method name="Notify"><arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
<arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
<arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/></method>
<method name="GetCapabilities"><arg type="as" direction="out"/></method>
<method name="GetServerInformation"><arg type="s" direction="out"/><arg type="s" direction="out"/>
<arg type="s" direction="out"/><arg type="s" direction="out"/></method></interface></node>''')

def call(connection, sender, path, interface, method, params, invocation):
    if method == "Notify":
        app, _, _, summary, body, *_ = params.unpack()
        print(json.dumps({"app": app, "summary": summary, "body": body}), flush=True)
        invocation.return_value(GLib.Variant("(u)", (1,)))
    elif method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["body"],)))
    else:
        invocation.return_value(GLib.Variant("(ssss)", ("test", "relnotes tests", "1", "1.2")))

Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.Notifications", Gio.BusNameOwnerFlags.NONE,
                 lambda c, _: c.register_object("/org/freedesktop/Notifications", NODE.interfaces[0], call),
                 lambda *_: print("ready", flush=True), None)
GLib.MainLoop().run()
"""


@pytest.fixture
def desktop(monkeypatch, tmp_path):
    """A D-Bus session bus of the test's own, with a notification server on it that prints each
    notification it gets as a JSON line; yields a function that returns those seen so far."""
    import shutil

    needs("notify-send (libnotify-bin)", shutil.which("notify-send"))
    needs("dbus-daemon", shutil.which("dbus-daemon"))
    needs("GLib's GObject bindings (python3-gi)", system_python_runs("from gi.repository import Gio"))
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True)
    server = None
    try:
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.stdout.readline().strip())
        server = subprocess.Popen([SYSTEM_PYTHON, "-c", NOTIFICATION_SERVER], stdout=subprocess.PIPE, text=True)
        assert server.stdout.readline().strip() == "ready"
        seen: list[dict] = []
        threading.Thread(target=lambda: seen.extend(json.loads(line) for line in server.stdout), daemon=True).start()
        yield lambda: seen
    finally:
        for process in (server, bus):
            if process is not None:
                process.kill()
                process.wait()


def test_the_desktop_gets_the_digest_through_notify_send(make_vault, desktop):
    vault = make_vault(PEOPLE)
    channels("[desktop]\n")
    result = CliRunner().invoke(cli, ["notify", str(vault), "--test"])
    assert result.output == "desktop: sent a test message\n"
    result = CliRunner().invoke(cli, ["notify", str(vault), "--today", "2026-12-01"])
    assert result.exit_code == 0 and result.output.startswith("desktop: sent"), result.output
    test, digest = wait_for(lambda: len(desktop()) == 2 and desktop())
    assert (test["app"], test["summary"]) == ("relnotes", "relnotes: a test message")
    assert digest["app"] == "relnotes" and digest["summary"].startswith("relnotes for Tue 2026-12-01: 1 overdue")
    assert "Get in touch with Ann Lee" in digest["body"] and "Bo's birthday" in digest["body"]


class Receiver(BaseHTTPRequestHandler):
    posts: list[tuple[str, dict, bytes]]

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.posts = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_ntfy_and_webhook_get_the_digest(make_vault, receiver, monkeypatch):
    vault = make_vault(PEOPLE)
    base = f"http://127.0.0.1:{receiver.server_address[1]}"
    monkeypatch.setenv("NTFY_TOKEN", "tk_secret")
    channels(f'[ntfy]\nserver = "{base}"\ntopic = "relnotes-7f3k2"\ntoken_env = "NTFY_TOKEN"\n\n'
             f'[webhook]\nurl = "{base}/hooks/relnotes"\nheaders = {{ X-Secret = "s3" }}\n')
    CliRunner().invoke(cli, ["token", str(vault), "--url", "https://relnotes.example.org"])
    result = CliRunner().invoke(cli, ["notify", str(vault), "--today", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert [line.split(" (")[0] for line in result.output.splitlines()] == ["ntfy: sent", "webhook: sent"]
    (ntfy_path, ntfy_headers, ntfy_body), (hook_path, hook_headers, hook_body) = receiver.posts
    ntfy = json.loads(ntfy_body)
    assert ntfy_path == "/" and ntfy_headers["Authorization"] == "Bearer tk_secret"
    assert ntfy["topic"] == "relnotes-7f3k2" and ntfy["title"].startswith("relnotes for Tue 2026-12-01: 1 overdue")
    assert ntfy["click"].startswith("https://relnotes.example.org/r/follow-up-")
    assert "Talked, snooze or done: https://relnotes.example.org/r/" in ntfy["message"]
    hook = json.loads(hook_body)
    assert hook_path == "/hooks/relnotes" and hook_headers["X-Secret"] == "s3"
    assert (hook["kind"], hook["day"]) == ("digest", "2026-12-01")
    assert [(i["section"], i["title"]) for i in hook["items"]] == [
        ("overdue", "Get in touch with Ann Lee"), ("today", "Send Ann Lee the deck"),
        ("this_week", "Book the venue"), ("celebrations", "Bo's birthday (turns 36)")]


def test_notify_test_sends_a_test_message_and_records_nothing(make_vault, inbox, receiver):
    vault = make_vault(PEOPLE)
    channels(email_channel(inbox) + f'\n[webhook]\nurl = "http://127.0.0.1:{receiver.server_address[1]}/h"\n')
    result = CliRunner().invoke(cli, ["notify", str(vault), "--test"])
    assert result.output == "email: sent a test message\nwebhook: sent a test message\n"
    assert inbox.messages[0]["Subject"] == "relnotes: a test message"
    assert json.loads(receiver.posts[0][2])["kind"] == "test"
    assert not state_file(vault).exists()


@pytest.mark.parametrize("table", sorted(CHANNEL_TABLES))
def test_channel_settings_in_the_vault_are_refused(make_vault, table):
    vault = make_vault(PEOPLE, config=f'[{table}]\npassword = "hunter2"\n')
    result = CliRunner().invoke(cli, ["scan", str(vault), "--today", "2026-12-01"])
    assert result.exit_code == 1
    assert f"[{table}]: the settings of a channel, and their passwords and tokens, do not belong in a vault" in (
        result.output)
    assert "hunter2" not in result.output


def test_a_channel_file_others_can_read_is_refused(make_vault, inbox):
    vault = make_vault(PEOPLE)
    path = channels(email_channel(inbox), mode=0o644)
    result = CliRunner().invoke(cli, ["notify", str(vault), "--today", "2026-12-01"])
    assert result.exit_code == 1 and f"{path} is readable by others (mode 644)" in result.output
    assert inbox.messages == []


@pytest.mark.parametrize("text, error", [
    ("[pager]\n", "[pager] is no channel (known: email, ntfy, webhook, desktop)"),
    ('[email]\nto = "me@example.org"\nsecurity = "tls"\n', "email.security: expected"),
    ('[webhook]\nurl = "file:///etc/passwd"\n', "webhook.url: expected an http:// or https:// address"),
])
def test_a_wrong_channel_setting_is_a_clear_error(make_vault, text, error):
    vault = make_vault(PEOPLE)
    channels(text)
    result = CliRunner().invoke(cli, ["notify", str(vault), "--today", "2026-12-01"])
    assert result.exit_code == 1 and error in result.output


def test_no_channel_says_how_to_add_one(make_vault):
    result = CliRunner().invoke(cli, ["notify", str(make_vault(PEOPLE)), "--today", "2026-12-01"])
    assert result.exit_code == 1 and "no channel is configured: add [email]" in result.output


def test_the_readme_shows_a_real_digest(tmp_path):
    """The README's digest is the sample vault's (scripts/update_readme_examples.py writes it)."""
    import shutil

    from relnotes.digest import digest

    root = Path(__file__).parent.parent
    vault = tmp_path / "examples/vault"
    shutil.copytree(root / "examples/vault", vault, symlinks=True)
    text = digest(Pipeline(vault, autoload=False).scan(dt.date(2026, 11, 25), save=False)).text
    marker = "$ relnotes notify examples/vault --today 2026-11-25    # the digest's text\n"
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert readme.split(marker, 1)[1].split("```", 1)[0] == text, "run scripts/update_readme_examples.py"
