"""Built-in channels for the digest: ``email`` (SMTP with STARTTLS or SSL, or the local
sendmail), ``ntfy`` (a topic on an ntfy server), ``webhook`` (a JSON POST) and ``desktop``
(notify-send, or osascript on a Mac). Each is configured by its table in ``notify.toml`` in the
user's own config folder; see the README, "Hearing from relnotes"."""

from __future__ import annotations

import json
import shutil
import smtplib
import ssl
import subprocess
import urllib.request
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlsplit

from relnotes import (
    ConfigError,
    Message,
    Notifier,
    NotifyError,
    Section,
    Setting,
    Table,
    at_least,
    choice,
    hookimpl,
    names,
    secret,
    typed,
)

TIMEOUT = 30  # seconds a server may take


def _text(key: str, value: object) -> str | None:
    """A checker for a string that may be unset."""
    return None if value is None else typed(str)(key, value)


def _addresses(key: str, value: object) -> tuple[str, ...]:
    """A checker for one address or a list of them."""
    return names(key, [value] if isinstance(value, str) else value)


def _url(key: str, value: object) -> str | None:
    if value is None:
        return None
    text = str(typed(str)(key, value))
    if urlsplit(text).scheme not in ("http", "https") or not urlsplit(text).netloc:
        raise ConfigError(f"{key}: expected an http:// or https:// address, got {value!r}")
    return text


def _headers(key: str, value: object) -> dict[str, str]:
    table = typed(dict)(key, value)
    if not all(isinstance(v, str) for v in table.values()):
        raise ConfigError(f"{key}: expected a table of header = \"value\" strings")
    return dict(table)


EMAIL = Table("email", (
    Setting("to", [], _addresses, "Who gets the digest: one address or a list."),
    Setting("from", None, _text, 'The sender, e.g. "relnotes <me@example.org>" (default: the first of to).'),
    Setting("host", None, _text, "The SMTP server (not needed with sendmail)."),
    Setting("port", 0, at_least(0, 65535), "Its port; 0: 465 with ssl, 587 with starttls, 25 without."),
    Setting("security", "starttls", choice("starttls", "ssl", "none"), "How the connection is encrypted."),
    Setting("username", None, _text, "The login, if the server wants one."),
    Setting("password", None, _text, "Its password (this file is yours alone), or use password_env."),
    Setting("password_env", None, _text, "The environment variable that holds the password."),
    Setting("sendmail", None, _text, 'Hand the message to this local sendmail instead, e.g. "/usr/sbin/sendmail".'),
), "Email: the digest as a plain-text message.")

NTFY = Table("ntfy", (
    Setting("server", "https://ntfy.sh", _url, "The ntfy server."),
    Setting("topic", None, _text, "The topic (anyone who knows it can read it: make it long and random)."),
    Setting("token", None, _text, "An access token, if the server wants one, or use token_env."),
    Setting("token_env", None, _text, "The environment variable that holds the token."),
    Setting("priority", 3, at_least(1, 5), "ntfy's priority, 1 (min) to 5 (max)."),
), "ntfy: a push notification on your phone.")

WEBHOOK = Table("webhook", (
    Setting("url", None, _url, "Where the message is posted, as JSON."),
    Setting("headers", {}, _headers, 'More headers, e.g. { Authorization = "Bearer …" }.'),
), "A webhook: the message as JSON (kind, day, vault, subject, text, items).")

DESKTOP = Table("desktop", (), "A desktop notification (notify-send, or osascript on a Mac).")


def _require(settings: Section, table: str, key: str) -> str:
    value = settings[key]
    if not value:
        raise NotifyError(f"[{table}] {key} is not set in notify.toml")
    return value


def send_email(message: Message, settings: Section) -> None:
    to = settings.to
    if not to:
        raise NotifyError("[email] to is not set")
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = settings["from"] or to[0]
    mail["To"] = ", ".join(to)
    mail["Date"] = formatdate(localtime=True)
    mail["Message-ID"] = make_msgid(domain="relnotes.local")
    mail.set_content(message.text)
    if settings.sendmail:
        done = subprocess.run([settings.sendmail, "-t", "-oi"], input=mail.as_bytes(), capture_output=True,
                              timeout=TIMEOUT, check=False)
        if done.returncode:
            raise NotifyError(f"{settings.sendmail} exited with {done.returncode}: "
                              f"{done.stderr.decode(errors='replace').strip()}")
        return
    host = _require(settings, "email", "host")
    port = settings.port or {"ssl": 465, "starttls": 587, "none": 25}[settings.security]
    context = ssl.create_default_context()
    smtp = (smtplib.SMTP_SSL(host, port, timeout=TIMEOUT, context=context) if settings.security == "ssl" else
            smtplib.SMTP(host, port, timeout=TIMEOUT))
    with smtp:
        if settings.security == "starttls":
            smtp.starttls(context=context)
        password = secret(settings, "password")
        if settings.username:
            smtp.login(settings.username, password or "")
        smtp.send_message(mail)


def _post(url: str, body: bytes, headers: dict[str, str]) -> None:
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "User-Agent": "relnotes",
                                              **headers})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            response.read()
    except OSError as exc:  # URLError and HTTPError are OSErrors
        raise NotifyError(f"{urlsplit(url).netloc} answered: {exc}") from None


def send_ntfy(message: Message, settings: Section) -> None:
    topic = _require(settings, "ntfy", "topic")
    token = secret(settings, "token")
    first_page = next((i.page for i in message.items if i.page), None)
    body = {"topic": topic, "title": message.subject, "message": message.text, "priority": settings.priority,
            "tags": ["handshake"], **({"click": first_page} if first_page else {})}
    _post(settings.server.rstrip("/"), json.dumps(body).encode(),
          {"Authorization": f"Bearer {token}"} if token else {})


def send_webhook(message: Message, settings: Section) -> None:
    _post(_require(settings, "webhook", "url"), json.dumps(message.to_json()).encode(), settings.headers)


def send_desktop(message: Message, settings: Section) -> None:
    if shutil.which("notify-send"):
        command = ["notify-send", "--app-name=relnotes", message.subject, message.text[:1000]]
    elif shutil.which("osascript"):
        command = ["osascript", "-e", "on run argv", "-e", "display notification (item 2 of argv) with title "
                   "(item 1 of argv)", "-e", "end run", message.subject, message.text[:1000]]
    else:
        raise NotifyError("neither notify-send nor osascript is here")
    done = subprocess.run(command, capture_output=True, timeout=TIMEOUT, check=False)
    if done.returncode:
        raise NotifyError(f"{command[0]} exited with {done.returncode}: {done.stderr.decode(errors='replace').strip()}")


@hookimpl
def relnotes_notifiers() -> list[Notifier]:
    return [Notifier("email", EMAIL, send_email), Notifier("ntfy", NTFY, send_ntfy),
            Notifier("webhook", WEBHOOK, send_webhook), Notifier("desktop", DESKTOP, send_desktop)]
