"""The phone pages' HTTP side: routes, pairing, and the checks that make acting safe.

``relnotes serve`` and ``watch --serve`` answer these beside the feed:

- ``GET /agenda`` and ``GET /r/UID``: the pages (:mod:`relnotes.pages`), to a paired browser only;
- ``GET /pair/CODE`` (or ``/pair``): a page with a Pair button; ``POST /pair`` uses the code up
  and sets the device cookie (``HttpOnly``, ``SameSite=Strict``);
- ``POST /act``: a button — ``talked``, ``snooze-week``, ``snooze-month``, ``done`` — appended to the
  action log (:mod:`relnotes.act`), then back to the page it came from (303).

A GET never changes anything (calendar apps and link previews fetch links). A POST must come
from the pages themselves: not from another site (``Sec-Fetch-Site``, ``Origin``), from a paired
device (its cookie), with the form token only that device's pages carry.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http import HTTPStatus
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlsplit

from . import devices
from .act import ActionRefused, Written, done, find_reminder, snooze, talked
from .config import Config
from .dates import add_months
from .files import OutputRefused
from .model import Reminder, ScanResult
from .pages import MESSAGES, agenda_page, message_page, pair_page, reminder_page

__all__ = ["MAX_FORM", "Pages", "Response"]

log = logging.getLogger("relnotes.server")

MAX_FORM = 4096  # bytes a form may send
Headers = Mapping[str, str] | Message  # a request's headers: http.server's, or a plain mapping
_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    # no script, no outside resource, forms only to this server, never in a frame
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # (with no-referrer, a browser sends its forms with "Origin: null")
}
_NOT_PAIRED = ["This browser is not paired, so it cannot see or act on your reminders.",
               "On your computer, run `relnotes token VAULT --pair` and open the link it prints here."]


@dataclass(frozen=True)
class Response:
    status: HTTPStatus
    body: bytes = b""
    headers: Headers = field(default_factory=dict)


def _page(status: HTTPStatus, body: bytes, **more: str) -> Response:
    return Response(status, body, {**_HEADERS, **more})


def _see(where: str, **more: str) -> Response:
    return Response(HTTPStatus.SEE_OTHER, b"", {"Location": where, "Cache-Control": "no-store",
                                                 "Content-Type": "text/plain; charset=utf-8", **more})


def _not_paired() -> Response:
    return _page(HTTPStatus.FORBIDDEN, message_page("Not paired", _NOT_PAIRED))


def _not_ready() -> Response:
    return _page(HTTPStatus.SERVICE_UNAVAILABLE, message_page("Not ready", ["The first scan is running."]),
                 **{"Retry-After": "5"})


class Pages:
    """The routes of the phone pages for the vault at ``root``.

    :param token: the feed token as it is now (devices are bound to it).
    :param latest: the latest scan (None before the first).
    :param config: the vault's config as it is now.
    :param acted: called after an action was appended, until the scan shows it (a rebuild).
    """

    def __init__(self, root: Path, token: Callable[[], str], latest: Callable[[], ScanResult | None],
                 config: Callable[[], Config], acted: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.time) -> None:
        self.root, self._token, self._latest, self._config = root, token, latest, config
        self._acted, self._clock = acted, clock

    def handle(self, method: str, target: str, headers: Headers, form: bytes = b"") -> Response | None:
        """The answer to a request for ``target`` (path and query), or None when it is no page."""
        parts = urlsplit(target)
        path, query = parts.path, parse_qs(parts.query)
        did = MESSAGES.get(query.get("did", [""])[0])
        if method in ("GET", "HEAD"):
            if path in ("/", ""):
                return _see("agenda")
            if path == "/pair" or path.startswith("/pair/"):
                code = unquote(path[len("/pair/"):]) if path.startswith("/pair/") else ""
                return _page(HTTPStatus.OK, pair_page(code, action="../pair" if path.startswith("/pair/") else "pair"))
            if path == "/agenda" or path.startswith("/r/"):
                return self._show(path, headers, did)
            return None
        if method == "POST" and path in ("/pair", "/act"):
            refused = self._cross_site(headers)
            if refused:
                log.warning("refused a POST to %s: %s", path, refused)
                return _page(HTTPStatus.FORBIDDEN, message_page("Refused", [refused]))
            fields = {k: v[0] for k, v in parse_qs(form.decode("utf-8", "replace"), max_num_fields=8).items()}
            return self._pair(fields, headers) if path == "/pair" else self._act(fields, headers)
        return None

    # --- who is asking ------------------------------------------------------------------------------

    def _cross_site(self, headers: Headers) -> str | None:
        """Why a POST is refused as coming from elsewhere than these pages (None: it is not)."""
        site = headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            return f"a request from another site ({_shown(site)})"
        origin = headers.get("Origin")
        if origin is not None:
            ours = {headers.get("Host", "").lower()}
            base = self._config().pages_url
            if base:
                ours.add(urlsplit(base).netloc.lower())
            if urlsplit(origin).netloc.lower() not in ours:
                return f"a request from another origin ({_shown(origin)})"
        return None

    def _device(self, headers: Headers) -> str | None:
        """The device secret of a paired browser's cookie, or None."""
        # each cookie on its own: another site on this host (cookies know no ports) may set one that
        # a strict parser stops at
        secret = next((value.strip() for name, _, value in (part.partition("=") for part in
                       ";".join(_all(headers, "Cookie")).split(";")) if name.strip() == devices.COOKIE), None)
        return secret if devices.device_of(self.root, secret, self._token()) else None

    def _form_token(self, secret: str) -> str:
        return devices.form_token(secret, self._token())

    # --- the routes ---------------------------------------------------------------------------------------

    def _show(self, path: str, headers: Headers, did: str | None) -> Response:
        secret = self._device(headers)
        if secret is None:
            return _not_paired()
        result = self._latest()
        if result is None:
            return _not_ready()
        form = self._form_token(secret)
        if path == "/agenda":
            return _page(HTTPStatus.OK, agenda_page(result, form, did))
        uid = unquote(path[len("/r/"):])
        reminder = _reminder(result, uid)
        if reminder is None:
            return _page(HTTPStatus.NOT_FOUND, message_page(
                "Not open", [*([did] if did else []), "This reminder is not open any more: done, or settled by "
                             "your notes."], [("../agenda", "Agenda")]))
        return _page(HTTPStatus.OK, reminder_page(result, reminder, form, did))

    def _pair(self, fields: Mapping[str, str], headers: Headers) -> Response:
        code = fields.get("code", "")
        agent = headers.get("User-Agent", "a browser")
        secret = devices.pair(self.root, code, self._token(), agent, self._clock()) if code else None
        if secret is None:
            return _page(HTTPStatus.FORBIDDEN, pair_page(
                "", "That code is wrong, used or expired: run `relnotes token VAULT --pair` for a new one."))
        log.info("paired a device (%s)", _shown(agent[:60]))
        base = self._config().pages_url or ""
        secure = "; Secure" if base.startswith("https://") else ""
        cookie = f"{devices.COOKIE}={secret}; Path=/; Max-Age=34560000; HttpOnly; SameSite=Strict{secure}"
        return _see("agenda?did=paired", **{"Set-Cookie": cookie})

    def _act(self, fields: Mapping[str, str], headers: Headers) -> Response:
        secret = self._device(headers)
        if secret is None:
            return _not_paired()
        if not hmac.compare_digest(fields.get("form", ""), self._form_token(secret)):
            return _page(HTTPStatus.FORBIDDEN, message_page("Refused", ["This form was not made for this device."]))
        action, uid, back = fields.get("action", ""), fields.get("uid", ""), fields.get("back", "agenda")
        if back != "agenda" and back != f"r/{quote(uid, safe='@')}":
            back = "agenda"
        result = self._latest()
        if result is None:
            return _not_ready()
        try:
            reminder = find_reminder(result, uid)
            written = _take(result, self._config(), action, reminder)
        except (ActionRefused, OutputRefused) as exc:
            return _page(HTTPStatus.CONFLICT, message_page("Not done", [str(exc)], [("agenda", "Agenda")]))
        except OSError as exc:
            return _page(HTTPStatus.INTERNAL_SERVER_ERROR, message_page(
                "Not done", [f"cannot add to the log: {exc.strerror or exc}"], [("agenda", "Agenda")]))
        log.info("added a line to %s", written.path)
        self._acted()
        return _see(f"{back}?did={action}")


def _shown(value: str) -> str:
    """A header's value as a log line or a page may show it: control characters escaped, cut short."""
    return ascii(value[:200])[1:-1]


def _all(headers: Headers, name: str) -> list[str]:
    """Every value of the header ``name`` (a browser may send Cookie more than once over HTTP/1.1 proxies)."""
    if isinstance(headers, Message):
        return headers.get_all(name, [])
    value = headers.get(name)
    return [value] if value is not None else []


def _reminder(result: ScanResult, uid: str) -> Reminder | None:
    try:
        return find_reminder(result, uid)
    except ActionRefused:
        return None


def _take(result: ScanResult, config: Config, action: str, reminder: Reminder) -> Written:
    today = result.today
    if action == "talked":
        if not reminder.person_path:
            raise ActionRefused("this reminder is about no one")
        return talked(result, config, reminder.person_path[:-3], today)
    if action == "snooze-week":
        return snooze(result, config, reminder, today + dt.timedelta(days=7))
    if action == "snooze-month":
        return snooze(result, config, reminder, add_months(today, 1))
    if action == "done":
        return done(result, config, reminder)
    raise ActionRefused(f"no such action: {action!r}")
