"""`relnotes serve` under load and attack: the real server as a subprocess, loopback only.

Every loop here is bounded in count and in time; every connection goes to 127.0.0.1.
One server serves the whole module (the last test stops it and reads its log); tests that
would spoil that log (a request known to leak the token) start a server of their own.
"""

import hashlib
import http.client
import itertools
import os
import random
import selectors
import socket
import string
import threading
import time
from pathlib import Path

import pytest
from icalendar import Calendar

from relnotes.testing import scan_vault, wait_for, write_vault

TODAY = "2026-11-25"
ANN = "People/Ann.md"
NOTES = {
    ANN: "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n",
    "People/Bo.md": "---\ntype: person\nbirthday: 1990-12-01\n---\n",
}
# Each state differs from the one before in exactly one file, replaced atomically, so a feed built
# at any moment is the feed of one of these states.
STATES = [
    dict(NOTES),
    {**NOTES, ANN: "---\ntype: person\nrole: manager\nlast_contact: 2026-10-01\n---\n"},
    {**NOTES, ANN: "---\ntype: person\nrole: manager\nlast_contact: 2026-10-01\n---\n",
     "People/Cy.md": "---\ntype: person\nbirthday: 1985-12-10\n---\n"},
    {**NOTES, ANN: "---\ntype: person\nrole: manager\nlast_contact: 2026-11-20\n---\n",
     "People/Cy.md": "---\ntype: person\nbirthday: 1985-12-10\n---\n"},
    {ANN: "---\ntype: person\nrole: manager\nlast_contact: 2026-11-20\n---\n",
     "People/Cy.md": "---\ntype: person\nbirthday: 1985-12-10\n---\n"},
]
TOKEN_CHARS = string.ascii_letters + string.digits + "-_"


def _env(root: Path) -> dict:
    # Module-scoped fixtures start before conftest's (function-scoped) isolation: isolate here too.
    env = {**os.environ, "RELNOTES_CONFIG_DIR": str(root / "config"), "RELNOTES_CACHE_DIR": str(root / "cache"),
           "RELNOTES_DISABLE_PLUGIN_AUTOLOAD": "1"}
    env.pop("RELNOTES_TRACE_HOOKS", None)
    return env


@pytest.fixture(scope="module")
def server(tmp_path_factory, relnotes_server):
    root = tmp_path_factory.mktemp("load")
    vault = write_vault(root / "Vault", NOTES)
    served = relnotes_server(vault, _env(root), root / "server.log", TODAY)
    served.root = root
    yield served
    if served.proc.poll() is None:
        code, _ = served.stop()
        assert code == 0


def apply_state(vault: Path, staging: Path, old: dict, new: dict) -> None:
    """Move the vault from state ``old`` to ``new``: each file replaced or removed atomically."""
    staging.mkdir(exist_ok=True)
    for rel in sorted(set(old) | set(new)):
        if rel not in new:
            os.unlink(vault / rel)
        elif old.get(rel) != new[rel]:
            tmp = staging / rel.replace("/", "_")
            tmp.write_text(new[rel], encoding="utf-8")
            os.replace(tmp, vault / rel)


def expected_feeds(vault: Path, staging: Path) -> list[bytes]:
    """The feed of every state (what `scan --ics` writes), computed by putting the vault in each state."""
    feeds, current = [], STATES[0]
    for state in STATES:
        apply_state(vault, staging, current, state)
        current = state
        result = scan_vault(vault, TODAY)
        feeds.append(next(o.content for o in result.outputs if o.name == "ics"))
    apply_state(vault, staging, current, STATES[0])
    assert len(set(feeds)) == len(STATES), "each state must give a feed of its own"
    return feeds


def etag_of(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:32]}"'


def near_misses(token: str) -> list[str]:
    """Tokens that are almost right: one character changed, one dropped, one added, another case."""
    rnd = random.Random(7)
    i = rnd.randrange(len(token))
    changed = token[:i] + rnd.choice(TOKEN_CHARS.replace(token[i], "")) + token[i + 1:]
    return [changed, token[:-1], token + "A", token[1:], token.swapcase(), token[::-1]]


# --- 1. load while the feed regenerates -----------------------------------------------------------------

def test_2000_concurrent_requests_while_notes_change(server):
    staging = server.root / "staging"
    feeds = expected_feeds(server.vault, staging)
    wait_for(lambda: server.request()[2] == feeds[0])

    clients, per_client = 20, 100
    deadline = time.monotonic() + 40
    done = itertools.count(1)
    progress = [0]
    results: list[tuple] = []  # (status, content_length, etag, sent_etag, body_hash, finished_at)
    bodies: dict[str, bytes] = {}
    errors: list[str] = []
    lock = threading.Lock()
    edits: list[float] = []

    edited = threading.Event()  # every edit made: the clients go on (past per_client) until then

    def client(seed: int) -> None:
        conn, last_etag = None, None
        for i in itertools.count():
            if i >= per_client and edited.is_set():
                break
            if time.monotonic() > deadline:
                errors.append("deadline")
                return
            headers = {"If-None-Match": last_etag} if last_etag and (i + seed) % 10 == 0 else {}
            try:
                if conn is None:
                    conn = http.client.HTTPConnection(server.host, server.port, timeout=10)
                conn.request("GET", server.path, headers=headers)
                response = conn.getresponse()
                body = response.read()
                status, length, etag = response.status, response.getheader("Content-Length"), response.getheader("ETag")
            except Exception as exc:
                errors.append(repr(exc))
                if conn is not None:
                    conn.close()
                conn = None
                continue
            digest = hashlib.sha256(body).hexdigest()
            with lock:
                bodies.setdefault(digest, body)
                results.append((status, length, etag, headers.get("If-None-Match"), digest, time.monotonic()))
                progress[0] = next(done)
            if status == 200:
                last_etag = etag
        if conn is not None:
            conn.close()

    def editor() -> None:
        current = STATES[0]
        while progress[0] < 400 and time.monotonic() < deadline:
            time.sleep(0.01)
        for state in STATES[1:]:
            edits.append(time.monotonic())
            apply_state(server.vault, staging, current, state)
            current = state
            time.sleep(0.7)
        edited.set()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    edit_thread = threading.Thread(target=editor)
    started = time.monotonic()
    for thread in threads:
        thread.start()
    edit_thread.start()
    for thread in threads:
        thread.join(timeout=max(0.1, deadline - time.monotonic()))
    elapsed = time.monotonic() - started
    edit_thread.join(timeout=10)
    assert not any(thread.is_alive() for thread in [*threads, edit_thread])
    print(f"\n[load] {len(results)} requests from {clients} clients in {elapsed:.2f} s: "
          f"{len(results) / elapsed:.0f} requests/s; {len(edits)} edits; "
          f"{len({r[4] for r in results if r[0] == 200})} distinct feeds served")

    assert errors == []
    assert len(results) >= clients * per_client
    assert len(edits) == len(STATES) - 1, "the edits must happen while the load runs"
    for status, length, etag, sent, digest, _ in results:
        body = bodies[digest]
        if status == 304:
            assert sent is not None and etag == sent and body == b""
            continue
        assert status == 200
        assert int(length) == len(body)  # complete: never cut short
        assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
        assert etag == etag_of(body)  # headers and body of the same feed
        assert body in feeds  # the old feed or the new one, nothing in between
    served = {digest for status, *_, digest, _ in results if status == 200}
    for digest in served:
        assert Calendar.from_ical(bodies[digest]).walk("VEVENT")
    # before the first edit, every answer was the same feed
    before = {digest for status, *_, digest, finished in results if status == 200 and finished < edits[0]}
    assert before == {hashlib.sha256(feeds[0]).hexdigest()}
    assert len(served) >= 2, "the feed was regenerated during the load"
    # and once the dust settles the server serves the last state
    wait_for(lambda: server.request()[2] == feeds[-1])


# --- 2. wrong tokens, traversal, methods ------------------------------------------------------------------

def _no_feed(body: bytes, token: str) -> None:
    assert b"BEGIN:VCALENDAR" not in body and token.encode() not in body


def test_wrong_tokens_are_404(server):
    token = server.token
    wrong = [secrets_like(len(token)), "", "A" * 10_000, *near_misses(token)]
    for candidate in wrong:
        for method in ("GET", "HEAD"):
            status, _, body = server.request(method, path=f"/{candidate}/relnotes.ics")
            assert status == 404, (method, candidate[:80])
            _no_feed(body, token)


def secrets_like(length: int) -> str:
    rnd = random.Random(3)
    return "".join(rnd.choice(TOKEN_CHARS) for _ in range(length))


TRAVERSALS = [
    "/../../etc/passwd", "/%2e%2e/", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc%2fpasswd",
    "/{token}/../relnotes.ics", "/{token}/./relnotes.ics", "/{token}%2frelnotes.ics", "/{token}%2Frelnotes.ics",
    "/{token}/relnotes.ics%00", "/{token}%00/relnotes.ics", "/{token}/relnotes.ics%00.txt",
    "/{token}\\relnotes.ics", "/{token}/relnotes%2eics", "/%2F{token}/relnotes.ics", "/{token}/relnotes.ics/..",
    "/x/../{token}/relnotes.ics", "/{token}/relnotes.ics/", "/{token}//relnotes.ics",
]


def test_path_traversal_and_encodings_are_404(server):
    for template in TRAVERSALS:
        path = template.format(token=server.token)
        status, _, body = server.raw(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert status == 404, path
        _no_feed(body, server.token)
    # a raw NUL byte in the request line
    status, _, body = server.raw(f"GET /{server.token}/relnotes.ics\0 HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert status in (400, 404)
    _no_feed(body, server.token)


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE", "PATCH", "PROPFIND", "OPTIONS"])
def test_write_methods_are_405(server, method):
    status, headers, body = server.request(method, headers={"Content-Length": "0"})
    assert status == 405 and headers["Allow"] == "GET, HEAD"
    _no_feed(body, server.token)
    status, _, body = server.request(method, path="/wrong/relnotes.ics", headers={"Content-Length": "0"})
    assert status in (404, 405)  # never anything else, never the feed
    _no_feed(body, server.token)


@pytest.mark.parametrize("request_line", ["TRACE {path} HTTP/1.1", "CONNECT 127.0.0.1:22 HTTP/1.1",
                                          "CONNECT {token}:443 HTTP/1.1", "BREW {path} HTTP/1.1"])
def test_unsupported_methods_are_501_and_echo_nothing(server, request_line):
    # 501 (not implemented) is right for methods the server does not know at all; TRACE must not
    # echo the request (cross-site tracing) and CONNECT must not open a tunnel.
    line = request_line.format(path=server.path, token=server.token)
    status, headers, body = server.raw(f"{line}\r\nHost: 127.0.0.1\r\nX-Echo: echo-me-back\r\n\r\n".encode())
    assert status == 501
    assert headers.get("Connection") == "close"
    assert b"echo-me-back" not in body
    _no_feed(body, server.token)


def test_a_body_sent_with_a_refused_write_is_not_parsed_as_a_request(server):
    sock = socket.create_connection((server.host, server.port), timeout=5)
    try:
        sock.sendall(f"POST {server.path} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".encode())
        first = http.client.HTTPResponse(sock)
        first.begin()
        first.read()
        assert first.status == 405
        if first.getheader("Connection", "").lower() == "close":
            return  # closing is a fine answer too
        sock.sendall(f"GET {server.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        second = http.client.HTTPResponse(sock)
        second.begin()
        assert second.status == 200 and second.read().endswith(b"END:VCALENDAR\r\n")
    finally:
        sock.close()


# --- 3. oversized requests ---------------------------------------------------------------------------

def test_oversized_headers_get_431_and_others_are_unaffected(server):
    keep_alive = http.client.HTTPConnection(server.host, server.port, timeout=10)
    keep_alive.request("GET", server.path)
    assert keep_alive.getresponse().read().endswith(b"END:VCALENDAR\r\n")

    big_line = f"GET {server.path} HTTP/1.1\r\nHost: x\r\nX-Big: ".encode() + b"a" * 100_000 + b"\r\n\r\n"
    many = f"GET {server.path} HTTP/1.1\r\nHost: x\r\n".encode() + b"".join(
        b"X-H%d: v\r\n" % i for i in range(200)) + b"\r\n"
    for data in (big_line, many):
        started = time.monotonic()
        status, headers, body = server.raw(data)
        assert status == 431 and headers.get("Connection") == "close"
        assert time.monotonic() - started < 2
        _no_feed(body, server.token)
        assert server.request()[0] == 200
    keep_alive.request("GET", server.path)  # an open connection is not disturbed either
    assert keep_alive.getresponse().read().endswith(b"END:VCALENDAR\r\n")
    keep_alive.close()


BAD_REQUEST_LINES = {
    "70 KB URL": (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    "bad version": (b"GET / HTTP/1.x\r\nHost: x\r\n\r\n", 400),
    "HTTP/2.0": (b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
    "one word": (b"GARBAGE\r\n\r\n", 400),
    "four words": (b"GET / HTTP/1.1 extra\r\n\r\n", 400),
}


@pytest.mark.parametrize("case", list(BAD_REQUEST_LINES))
def test_malformed_or_huge_request_lines_get_a_4xx(server, case):
    data, expected = BAD_REQUEST_LINES[case]
    status, _headers, body = server.raw(data)
    assert server.request()[0] == 200  # the others are unaffected (true even now)
    assert status == expected, body[:200]


def test_malformed_request_lines_do_not_affect_others(server):
    for data, _ in BAD_REQUEST_LINES.values():
        server.raw(data)
        status, _, body = server.request()
        assert status == 200 and body.endswith(b"END:VCALENDAR\r\n")


# --- 4. slow clients -----------------------------------------------------------------------------------

HANDLER_READ_TIMEOUT = 15  # relnotes.server._Handler.timeout: seconds a client may take per read


def test_slowloris_does_not_starve_others_and_stalled_sockets_are_closed(server):
    from relnotes.server import _Handler

    assert _Handler.timeout == HANDLER_READ_TIMEOUT
    stalled, opened = [], {}
    started = time.monotonic()
    try:
        for _ in range(30):
            sock = socket.create_connection((server.host, server.port), timeout=5)
            sock.sendall(f"GET /{server.token[:20]}".encode())  # half a request line, then nothing
            stalled.append(sock)
            opened[sock] = time.monotonic()
        # (socketserver's listen backlog is 5: a burst of connects waits for SYN retransmits)
        print(f"\n[slowloris] opening 30 sockets took {time.monotonic() - started:.1f} s")
        latencies = []
        for _ in range(5):
            started = time.monotonic()
            status, _, body = server.request(timeout=2)
            latencies.append(time.monotonic() - started)
            assert status == 200 and body.endswith(b"END:VCALENDAR\r\n")
        assert max(latencies) < 2
        print(f"[slowloris] 30 stalled sockets; normal requests took {max(latencies) * 1000:.0f} ms at most")

        closed_after: list[float] = []
        selector = selectors.DefaultSelector()
        for sock in stalled:
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ)
        limit = max(opened.values()) + HANDLER_READ_TIMEOUT + 5
        while len(closed_after) < len(stalled) and time.monotonic() < limit:
            for key, _ in selector.select(timeout=max(0.0, limit - time.monotonic())):
                try:
                    data = key.fileobj.recv(4096)
                except ConnectionResetError:
                    data = b""
                assert data == b"", "a stalled client got an answer to half a request"
                closed_after.append(time.monotonic() - opened[key.fileobj])
                selector.unregister(key.fileobj)
        selector.close()
        print(f"[slowloris] stalled sockets closed by the server after {min(closed_after, default=0):.1f}"
              f"–{max(closed_after, default=0):.1f} s (per-read timeout {HANDLER_READ_TIMEOUT} s)")
        assert len(closed_after) == len(stalled), f"only {len(closed_after)} of {len(stalled)} were closed"
        assert server.request()[0] == 200
    finally:
        for sock in stalled:
            sock.close()


# --- 5. the token never reaches the log ---------------------------------------------------------------

def test_token_in_other_parts_of_the_request_is_not_logged(tmp_path, relnotes_server):
    vault = write_vault(tmp_path / "Vault", NOTES)
    own = relnotes_server(vault, _env(tmp_path), tmp_path / "server.log", TODAY)
    try:
        assert own.raw(f"{own.token} /x HTTP/1.1\r\nHost: x\r\n\r\n".encode())[0] == 501
        assert own.raw(f"GET /x?{own.token} HTTP/1.1\r\nHost: x\r\n\r\n".encode())[0] == 404
    finally:
        code, log = own.stop()
    assert code == 0
    assert own.token not in log


def test_token_never_logged_after_all_of_the_above_and_clean_stop(server):
    for miss in near_misses(server.token):  # near misses of every kind, once more
        server.request(path=f"/{miss}/relnotes.ics")
        server.request("PUT", path=f"/{miss}/relnotes.ics", headers={"Content-Length": "0"})
    server.request(path=f"/{server.token}/relnotes.ics?{server.token}")
    server.raw(f"GET {server.path} HTTP/1.1\r\nHost: x\r\nX-Big: {server.token}".encode() + b"a" * 70_000 + b"\r\n\r\n")
    server.raw(f"GET {server.path} HTTP/9.x{server.token}\r\n\r\n".encode())
    assert server.request()[0] == 200
    code, log = server.stop()
    assert code == 0
    assert server.token not in log
    assert '"GET /<token>/relnotes.ics" 200' in log
    assert len(log.splitlines()) > 2000  # it did log every request
