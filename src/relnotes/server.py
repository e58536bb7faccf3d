"""Serving the calendar feed for subscription: a secret URL, conditional requests, gzip
when the client accepts it, and always the last good feed.

Calendar apps cannot send credentials for subscriptions, so a long random
token in the URL path is the access control. It is created on first use and
kept outside the vault (a synced vault must not leak it), readable by the
owner only.
"""

from __future__ import annotations

import contextlib
import email.utils
import gzip
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import socket
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .filekeys import file_key
from .files import write_atomic
from .model import FEED_NAME
from .phone import MAX_FORM, Pages
from .userdirs import config_dir, vault_id

__all__ = ["Feed", "FeedServer", "FeedSource", "TokenError", "feed_path", "token_for", "token_source"]

log = logging.getLogger("relnotes.server")

# --- the token ----------------------------------------------------------------------------

def _token_file(vault: Path) -> Path:
    return config_dir() / "tokens" / f"{vault_id(vault)}.token"


class TokenError(OSError):
    """The token file cannot be used safely; the message says what to do."""


def _read_token(path: Path) -> str | None:
    """The token kept at ``path``, or None when there is none (or it is too short to be one)."""
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise TokenError(f"{path} is not a file: remove it, then run `relnotes token VAULT --rotate`")
        if os.name == "posix" and st.st_mode & 0o077:
            raise TokenError(f"{path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}): the feed's secret "
                             f"may have leaked; run `relnotes token VAULT --rotate` for a new one")
        token = path.read_bytes().decode("ascii").strip()
    except FileNotFoundError:
        return None
    except UnicodeDecodeError:
        raise TokenError(f"{path} does not hold a token: run `relnotes token VAULT --rotate`") from None
    return token if len(token) >= 32 and token.isascii() and token.isprintable() else None


def token_for(vault: Path, rotate: bool = False) -> str:
    """The vault's feed token, created (or, with ``rotate``, replaced) with owner-only permissions.

    :raises TokenError: when the token file is not a file, is readable by others, or holds no text.
    """
    path = _token_file(vault)
    if not rotate:
        token = _read_token(path)
        if token is not None:
            return token
    elif path.is_dir():
        raise TokenError(f"{path} is a folder: remove it first")
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    token = secrets.token_urlsafe(32)
    write_atomic(path, (token + "\n").encode("ascii"), mode=0o600)
    return token


def token_source(vault: Path) -> Callable[[], str]:
    """The vault's token as it is now: read again whenever its file changes, so that
    ``relnotes token --rotate`` takes effect at once in a running server."""
    path = _token_file(vault)
    kept: list = [None, token_for(vault)]

    def current() -> str:
        key = file_key(path)
        if key != kept[0]:
            try:
                token = _read_token(path) if key is not None else None
            except TokenError as exc:  # it may have leaked: no URL answers until it is rotated
                log.warning("%s", exc)
                token = secrets.token_urlsafe(32)
            kept[:] = [key, token or kept[1]]
        return kept[1]

    return current


def feed_path(token: str, name: str = FEED_NAME) -> str:
    """The path of the feed ``name`` (the feed of every reminder by default) under ``token``."""
    return f"/{token}/{name}"


# --- the feed, rebuilt when the vault changes -----------------------------------------------------

@dataclass(frozen=True)
class Feed:
    content: bytes
    etag: str
    last_modified: float  # seconds since the epoch, when these bytes were first served
    gzipped: bytes  # ``content`` compressed once, for the clients that accept gzip

    @classmethod
    def of(cls, content: bytes, when: float) -> Feed:
        # mtime=0: the same feed gives the same gzipped bytes
        return cls(content, f'"{hashlib.sha256(content).hexdigest()[:32]}"', int(when),
                   gzip.compress(content, mtime=0))

    @property
    def gzip_etag(self) -> str:
        """The gzipped bytes' own entity tag: a cache never takes one representation for the other."""
        return f'{self.etag[:-1]}-gzip"'


class FeedSource:
    """The feeds to serve, by the last part of their URL: built at start, rebuilt when
    ``fingerprint()`` changes.

    ``build()`` returns the feeds' bytes by name (the first one is the main feed) and whether
    the vault had any notes; it may raise. A failed build, or an empty vault after a non-empty
    one (an unmounted or half-synced folder), keeps the last good feeds: calendar apps wipe
    their events on an empty or broken feed. Fingerprints are checked at most every
    ``interval`` seconds, by one request at a time; the others get the current feeds at once.
    """

    def __init__(self, build: Callable[[], tuple[dict[str, bytes], bool]], fingerprint: Callable[[], object],
                 interval: float = 1.0, clock: Callable[[], float] = time.time) -> None:
        self._build, self._fingerprint, self._clock = build, fingerprint, clock
        self.interval = interval
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._seen: object = None
        self._had_notes = False
        self.feeds: dict[str, Feed] = {}
        self.builds = 0
        self.refresh()

    def refresh(self) -> None:
        """Rebuild now if the vault changed since the last build."""
        with self._lock:
            self._refresh()

    def _refresh(self) -> None:
        self._checked = time.monotonic()
        try:
            seen = self._fingerprint()
            if self.feeds and seen == self._seen:
                return
            contents, has_notes = self._build()
        except Exception as exc:  # keep serving the last good feeds
            log.error("rebuilding the feed failed (%s); serving the last good one", exc)
            return
        self.builds += 1
        if self._had_notes and not has_notes:
            log.warning("the vault has no notes any more; keeping the last good feed")
            return
        self._seen, self._had_notes = seen, has_notes
        feeds, now = {}, self._clock()
        for name, content in contents.items():
            kept = self.feeds.get(name)  # an unchanged feed keeps its Last-Modified
            feeds[name] = kept if kept is not None and kept.content == content else Feed.of(content, now)
        changed = [name for name, feed in feeds.items() if feed is not self.feeds.get(name)]
        self.feeds = feeds
        if changed:
            log.info("feed rebuilt (%s)", ", ".join(f"{name}: {len(feeds[name].content)} bytes" for name in changed))

    def current(self, name: str | None = None) -> Feed | None:
        """The feed ``name`` as it is now (the main one by default); None when there is none (yet)."""
        if time.monotonic() - self._checked >= self.interval and self._lock.acquire(blocking=False):
            try:
                self._refresh()
            finally:
                self._lock.release()
        feeds = self.feeds
        return feeds.get(name) if name is not None else next(iter(feeds.values()), None)


# --- HTTP ---------------------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_PAIRING = re.compile(r"/pair/[^\s?\"]+")  # a pairing link's one-time code: no log holds it
_AUTHORITY = re.compile(r"\Ahttps?://[^/?#]*", re.IGNORECASE)  # the start of an absolute-form request target
_QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")  # RFC 9110 §12.4.2


def _printable(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _accepts_gzip(accept_encoding: str) -> bool:
    """Whether a request's ``Accept-Encoding`` (RFC 9110 §12.5.3) takes gzip: ``gzip`` (or ``x-gzip``),
    else ``*``, with a q-value above 0 and not below that of ``identity`` (no coding)."""
    quality: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *params = (part.strip() for part in item.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                value = value.strip()
                q = float(value) if _QVALUE.fullmatch(value) else 0.0  # a q-value that is none: not wanted
        if coding:
            quality[coding.lower()] = q
    wildcard = quality.get("*", 0.0)
    gzip_q = quality.get("gzip", quality.get("x-gzip", wildcard))
    return gzip_q > 0 and gzip_q >= quality.get("identity", wildcard)


class _Handler(BaseHTTPRequestHandler):
    server: FeedServer
    timeout = 15  # seconds a slow client may take per read
    protocol_version = "HTTP/1.1"
    default_request_version = "HTTP/1.0"  # so a malformed request line still gets a status line, not HTTP/0.9
    server_version = "relnotes"
    sys_version = ""
    # a response leaves in one write (headers and body, up to this size) and at once: on a
    # keep-alive connection, Nagle's algorithm would hold the body back until the client's delayed
    # ACK of the headers, some 40 ms per request
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def version_string(self) -> str:
        return self.server_version

    def _redact(self, text: str) -> str:
        """``text`` with the token and pairing codes hidden and control characters escaped: a log
        never holds a secret, and a request path cannot write to the terminal that shows the log."""
        return _printable(_PAIRING.sub("/pair/<code>", text.replace(self.server.token, "<token>")))

    def log_request(self, code: object = "-", size: object = "-") -> None:
        code = code.value if isinstance(code, HTTPStatus) else code
        # the parts may be unset when the request line itself was rejected
        request = f"{getattr(self, 'command', None) or '-'} {getattr(self, 'path', None) or '-'}"
        log.info('%s "%s" %s %s', self.client_address[0], self._redact(request), code, size)

    def log_error(self, format: str, *args: object) -> None:
        log.warning("%s %s", self.client_address[0], self._redact(format % args))

    def _feed_name(self) -> str | None:
        """The feed a request asks for, the last part of a ``/TOKEN/NAME`` path; None when the path
        is not under the token (compared in constant time)."""
        folder, _, name = self._target().split("?", 1)[0].rpartition("/")
        return name if hmac.compare_digest(folder.encode(), f"/{self.server.token}".encode()) else None

    def _send(self, status: HTTPStatus, body: bytes = b"", headers: dict | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection and "Connection" not in (headers or {}):
            self.send_header("Connection", "close")
        if status != HTTPStatus.NOT_MODIFIED:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and status != HTTPStatus.NOT_MODIFIED:
            self.wfile.write(body)

    def _not_modified(self, etag: str, last_modified: float) -> bool:
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [tag.strip().removeprefix("W/") for tag in match.split(",")]
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since:
            try:
                return last_modified <= email.utils.parsedate_to_datetime(since).timestamp()
            except (TypeError, ValueError, IndexError, OverflowError):
                return False
        return False

    def _target(self) -> str:
        """The request's path and query; an absolute-form target (``http://host/path``, which proxies
        send; RFC 9112 §3.2.2) counts by its path: whatever name reached the server, there is one feed."""
        return _AUTHORITY.sub("", self.path, count=1)

    def _page(self, form: bytes = b"") -> bool:
        """Answer with a phone page if the request is for one. :returns: whether it was."""
        pages = self.server.pages
        response = pages.handle(self.command, self._target(), self.headers, form) if pages else None
        if response is None:
            return False
        self._send(response.status, response.body, dict(response.headers))
        return True

    def do_GET(self) -> None:
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or "Transfer-Encoding" in self.headers:
            # a body on GET or HEAD is never read: the connection ends with this response, so the
            # body cannot be taken for a next request (behind a proxy, a poisoned response queue)
            self.close_connection = True
        name = self._feed_name()
        if name is None:
            if not self._page():
                self._not_found()
            return
        source = self.server.source
        feed = source.current(name)
        if feed is None:
            if source.feeds:  # built, with no feed of that name
                self._not_found()
            else:
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, b"The feed is not ready yet\n",
                           {"Content-Type": "text/plain; charset=utf-8", "Retry-After": "60"})
            return
        gzipped = _accepts_gzip(", ".join(self.headers.get_all("Accept-Encoding", ())))
        body, etag = (feed.gzipped, feed.gzip_etag) if gzipped else (feed.content, feed.etag)
        headers = {
            "Content-Type": "text/calendar; charset=utf-8",
            "ETag": etag,
            "Last-Modified": email.utils.formatdate(feed.last_modified, usegmt=True),
            "Cache-Control": "no-cache",
            "Vary": "Accept-Encoding",
        }
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        if self._not_modified(etag, feed.last_modified):
            self._send(HTTPStatus.NOT_MODIFIED, headers=headers)
        else:
            self._send(HTTPStatus.OK, body, headers)

    do_HEAD = do_GET

    def _not_found(self) -> None:
        self._send(HTTPStatus.NOT_FOUND, b"Not found\n", {"Content-Type": "text/plain; charset=utf-8"})

    def _method_not_allowed(self) -> None:
        # the request's body is never read, so the connection ends here: a body must not be
        # taken for the next request
        self.close_connection = True
        self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"Method not allowed\n",
                   {"Allow": "GET, HEAD", "Content-Type": "text/plain; charset=utf-8", "Connection": "close"})

    def do_POST(self) -> None:
        """A phone page's form: read whole (a small body, with its length given), then answered."""
        if self.server.pages is None or "Transfer-Encoding" in self.headers:
            self._method_not_allowed()
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_FORM:
            self.close_connection = True
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_FORM else HTTPStatus.LENGTH_REQUIRED,
                       b"A form of up to 4 KB, with its Content-Length\n",
                       {"Content-Type": "text/plain; charset=utf-8", "Connection": "close"})
            return
        form = self.rfile.read(length)
        if not self._page(form):
            self._method_not_allowed()

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_PROPFIND = _method_not_allowed


class FeedServer(ThreadingHTTPServer):
    """An HTTP server for the feeds of ``source`` at ``/TOKEN/NAME`` (``/TOKEN/relnotes.ics``, the
    feed of every reminder, and one per kind), and the phone ``pages`` if given.

    ``address`` is (host, port): an IPv4 or IPv6 address, ``0.0.0.0`` or ``::`` for every address
    (``::`` takes IPv4 connections too), or a name, which listens on its first address.
    """

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64  # calendar clients and proxies may connect in bursts

    def __init__(self, address: tuple[str, int], source: FeedSource, token: str | Callable[[], str],
                 pages: Pages | None = None) -> None:
        self.source, self.pages = source, pages
        self._token = token if callable(token) else (lambda: token)
        host, port = address
        # the family of the host's (first) address: AF_INET6 for "::1", "::" or a name that is IPv6 first
        self.address_family = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM,
                                                 flags=socket.AI_PASSIVE)[0][0]
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        if self.address_family == socket.AF_INET6:  # "::" takes IPv4 too, whatever the system's default
            with contextlib.suppress(OSError):
                self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()

    @property
    def token(self) -> str:
        """The secret in the feed's path: the token file's, as it is now (see :func:`token_source`)."""
        return self._token()

    @property
    def address(self) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
        """The address the socket is bound to."""
        host = self.server_address[0]
        # text, though the stubs allow the bytes bind() accepts
        return ipaddress.ip_address(host if isinstance(host, str) else bytes(host).decode())

    @property
    def local_only(self) -> bool:
        """Whether only this machine can connect (the server listens on a loopback address)."""
        return self.address.is_loopback

    def base_url(self, scheme: str = "http") -> str:
        """Where the server is reached; at this machine's name when it listens on every address."""
        address, port = self.address, self.server_address[1]
        if address.is_unspecified:  # 0.0.0.0 or ::, where no client can connect
            host = socket.gethostname()
        else:
            host = f"[{address}]" if address.version == 6 else str(address)
        return f"{scheme}://{host}:{port}"

    def url(self, scheme: str = "http", name: str = FEED_NAME) -> str:
        """The URL of the feed ``name`` (the feed of every reminder by default)."""
        return self.base_url(scheme) + feed_path(self.token, name)
