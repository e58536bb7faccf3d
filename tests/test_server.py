"""`relnotes serve`: the real server on a free loopback port, a real HTTP client."""

import email.utils
import gzip
import http.client
import os
import shutil
import signal
import socket
import stat
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from relnotes.cli import cli
from relnotes.server import FeedSource
from relnotes.testing import wait_for

NOTES = {
    "People/Ann.md": "---\ntype: person\nrole: manager\nlast_contact: 2026-11-01\n---\n",
    "People/Bo.md": "---\ntype: person\nbirthday: 1990-12-01\n---\n",
}


@pytest.fixture
def config_dir():
    return Path(os.environ["RELNOTES_CONFIG_DIR"])


@pytest.fixture
def serve(relnotes_server, tmp_path):
    """Start `relnotes serve` on a vault (stopped by the test or at its end)."""
    started = []

    def start(vault, host="127.0.0.1"):
        started.append(relnotes_server(vault, dict(os.environ), tmp_path / f"server{len(started)}.log", host=host))
        return started[-1]

    yield start
    for server in started:
        if server.proc.poll() is None:
            server.stop()


@pytest.fixture
def served(make_vault, serve):
    vault = make_vault(NOTES)
    return serve(vault)


def test_serves_the_feed_with_caching_headers(served, make_vault, tmp_path):
    assert urlsplit(served.url).hostname == "127.0.0.1" and "reachable from the network" not in served.log()
    status, headers, body = served.request()
    assert status == 200
    assert headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert int(headers["Content-Length"]) == len(body)
    assert "Content-Encoding" not in headers
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT")}
    assert summaries == {"Get in touch with Ann (due since 2026-11-15)", "Bo's birthday"}
    # the same bytes as `scan --ics` writes for that day
    target = tmp_path / "same.ics"
    CliRunner().invoke(cli, ["scan", str(served.vault), "--today", "2026-11-25", "--ics", str(target)])
    assert target.read_bytes() == body

    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert served.request(headers={"If-None-Match": etag})[0] == 304
    assert served.request(headers={"If-None-Match": f'"other", {etag}'})[0] == 304
    assert served.request(headers={"If-None-Match": '"other"'})[0] == 200
    assert served.request(headers={"If-Modified-Since": modified})[0] == 304
    earlier = email.utils.formatdate(email.utils.parsedate_to_datetime(modified).timestamp() - 60, usegmt=True)
    assert served.request(headers={"If-Modified-Since": earlier})[0] == 200
    assert served.request(headers={"If-Modified-Since": "garbage"})[0] == 200

    status, head_headers, head_body = served.request("HEAD")
    assert status == 200 and head_body == b"" and head_headers["ETag"] == etag
    assert head_headers["Content-Length"] == headers["Content-Length"]


def test_serves_a_calendar_per_kind_under_the_same_token(served, tmp_path):
    """/TOKEN/follow-ups.ics, tasks.ics and celebrations.ics: each a feed of its own, with its own name,
    ETag and Last-Modified, the same bytes as `scan` writes beside the feed, and 404 for any other name."""
    assert [path.rsplit("/", 1)[1] for path in served.feeds] == [
        "relnotes.ics", "celebrations.ics", "follow-ups.ics", "tasks.ics"]
    assert {path.rsplit("/", 1)[0] for path in served.feeds} == {f"/{served.token}"}
    CliRunner().invoke(cli, ["scan", str(served.vault), "--today", "2026-11-25", "--ics", str(tmp_path / "f.ics")])
    got = {}
    for path in served.feeds[1:]:
        kind = path.rsplit("/", 1)[1].removesuffix(".ics")
        status, headers, body = served.request(path=path)
        assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
        assert body == (tmp_path / f"f-{kind}.ics").read_bytes()
        assert str(Calendar.from_ical(body)["NAME"]) == f"relnotes {kind}"
        assert served.request(path=path, headers={"If-None-Match": headers["ETag"]})[0] == 304
        status, zipped, compressed = served.request(path=path, headers={"Accept-Encoding": "gzip"})
        assert status == 200 and zipped["Content-Encoding"] == "gzip" and gzip.decompress(compressed) == body
        got[kind] = headers, {str(e["SUMMARY"]) for e in Calendar.from_ical(body).walk("VEVENT")}
    assert got["follow-ups"][1] == {"Get in touch with Ann (due since 2026-11-15)"}
    assert got["celebrations"][1] == {"Bo's birthday"} and got["tasks"][1] == set()
    assert len({headers["ETag"] for headers, _ in got.values()} | {served.request()[1]["ETag"]}) == 4
    # one feed's ETag is no match for another's
    assert served.request(path=served.feeds[3], headers={"If-None-Match": got["follow-ups"][0]["ETag"]})[0] == 200
    # a new task changes the feed and the tasks' calendar; the celebrations' calendar is untouched
    (served.vault / "Meetings").mkdir()
    (served.vault / "Meetings/2026-11-20 Sync.md").write_text(
        "---\nattendees: ['[[Ann]]']\n---\n- [ ] Send the deck 📅 2026-11-30\n")
    tasks = wait_for(lambda: b"Send the deck" in (r := served.request(path=served.feeds[3]))[2] and r)
    assert tasks[1]["ETag"] != got["tasks"][0]["ETag"]
    _, headers, _ = served.request(path=served.feeds[1])
    assert (headers["ETag"], headers["Last-Modified"]) == (got["celebrations"][0]["ETag"],
                                                           got["celebrations"][0]["Last-Modified"])
    code, log = served.stop()
    assert code == 0 and served.token not in log and '"GET /<token>/tasks.ics" 200' in log


def test_token_feeds_on_a_broken_config_changes_nothing(make_vault):
    vault = make_vault({**NOTES, ".relnotes/config.toml": "ics = [\n"})
    before = CliRunner().invoke(cli, ["token", str(vault)]).output
    result = CliRunner().invoke(cli, ["token", str(vault), "--rotate", "--feeds"])
    assert result.exit_code == 1 and "not valid TOML" in result.output
    assert CliRunner().invoke(cli, ["token", str(vault)]).output == before  # not rotated


def test_no_calendars_per_kind_when_the_config_says_so(make_vault, serve):
    server = serve(make_vault({**NOTES, ".relnotes/config.toml": "[ics]\nkind_feeds = false\n"}))
    assert [path.rsplit("/", 1)[1] for path in server.feeds] == ["relnotes.ics"]
    assert server.request()[0] == 200
    assert server.request(path=f"/{server.token}/tasks.ics")[0] == 404


@pytest.mark.parametrize("path", ["/relnotes.ics", "/{token}x/relnotes.ics", "/{short}/relnotes.ics",
                                  "/{token}/../relnotes.ics", "/{token}/other.ics", "/{token}/relnotes.ics/x",
                                  "/x/{token}/relnotes.ics", "http://x/{token}x/relnotes.ics",
                                  "http://x/x/{token}/relnotes.ics", "ftp://x/{token}/relnotes.ics",
                                  "//x/{token}/relnotes.ics", "/{short}/tasks.ics", "/{token}x/follow-ups.ics",
                                  "/{token}/tasks.ics/x", "/{token}/", "/{token}", "/{token}/ics-tasks",
                                  "/{token}/relnotes-tasks.ics", "/tasks.ics"])
def test_wrong_token_or_path_is_404(served, path):
    status, _, body = served.request(path=path.format(token=served.token, short=served.token[:-1]))
    assert status == 404 and b"BEGIN:VCALENDAR" not in body


def test_the_root_leads_to_the_phone_pages_not_the_feed(served):
    status, headers, body = served.request(path="/")
    assert status == 303 and headers["Location"] == "agenda" and b"BEGIN:VCALENDAR" not in body


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_writes_are_405(served, method):
    status, headers, _ = served.request(method)
    assert status == 405 and headers["Allow"] == "GET, HEAD"


def test_feed_follows_note_changes_and_a_broken_note_never_empties_it(served):
    first = served.request()[2]
    (served.vault / "Daily").mkdir()
    (served.vault / "Daily/2026-11-24.md").write_text("Lunch with [[Ann]]")
    body = wait_for(lambda: (b := served.request()[2]) != first and b)
    assert b"Get in touch with Ann" in body and b"due since" not in body  # no longer overdue
    (served.vault / "People/Ann.md").write_bytes(b"---\nrole: [manager\n---\n\xff")  # broken now
    (served.vault / "People/Cy.md").write_text("---\nmet: {{date}}\n---\n")
    broken = wait_for(lambda: (b := served.request()[2]) != body and b)
    assert b"BEGIN:VEVENT" in broken and b"Bo's birthday" in broken


def test_token_never_logged_and_stop_is_clean(served):
    served.request()
    served.request(path="/nope")
    served.request("PUT")
    code, log = served.stop()
    assert code == 0
    assert served.token not in log
    assert '"GET /<token>/relnotes.ics" 200' in log and '"PUT /<token>/relnotes.ics" 405' in log


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_signal_ends_the_server_while_a_client_keeps_its_connection_open(served, signum):
    kept = http.client.HTTPConnection(served.host, served.port, timeout=10)  # a calendar app's keep-alive
    kept.request("GET", served.path)
    assert kept.getresponse().read().startswith(b"BEGIN:VCALENDAR")
    code, log = served.stop(signum)
    kept.close()
    assert code == 0 and "Traceback" not in log and "Aborted" not in log


def test_token_is_private_and_rotatable(served, serve, config_dir):
    (token_file,) = (config_dir / "tokens").iterdir()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(token_file.parent.stat().st_mode) == 0o700
    assert len(served.token) >= 40
    assert not any(served.token in p.read_text(errors="ignore") for p in served.vault.rglob("*") if p.is_file())
    shown = CliRunner().invoke(cli, ["token", str(served.vault)]).output.strip()
    assert shown == served.path
    rotated = CliRunner().invoke(cli, ["token", str(served.vault), "--rotate"]).output.strip()
    assert rotated != served.path
    # rotation takes effect at once in the running server: the old URL is gone, the new one answers
    assert served.request(path=served.path)[0] == 404
    assert served.request(path=rotated)[0] == 200
    served.stop()
    again = serve(served.vault)
    assert again.path == rotated and again.request()[0] == 200


def test_a_token_file_readable_by_others_stops_the_feed(served, config_dir):
    (token_file,) = (config_dir / "tokens").iterdir()
    token_file.chmod(0o644)  # the secret may have leaked
    assert served.request()[0] == 404  # no URL answers until it is rotated
    result = CliRunner().invoke(cli, ["token", str(served.vault)])
    assert result.exit_code == 1 and "is readable by others (mode 644)" in result.output
    assert "relnotes token VAULT --rotate" in result.output
    rotated = CliRunner().invoke(cli, ["token", str(served.vault), "--rotate"]).output.strip()
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600 and served.request(path=rotated)[0] == 200


@pytest.mark.parametrize("content", [b"\xff\xfe binary", None])
def test_a_binary_or_folder_token_file_is_a_clear_error(make_vault, config_dir, content):
    vault = make_vault(NOTES)
    CliRunner().invoke(cli, ["token", str(vault)])
    (token_file,) = (config_dir / "tokens").iterdir()
    token_file.unlink()
    if content is None:
        token_file.mkdir()
    else:
        token_file.write_bytes(content)
        token_file.chmod(0o600)
    result = CliRunner().invoke(cli, ["token", str(vault)])
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "Traceback" not in result.output


def test_a_body_on_get_is_never_taken_for_a_second_request(served):
    """Behind a proxy, a GET whose body holds a request must get one response, and the connection ends."""
    smuggled = f"GET {served.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    request = (f"GET {served.path} HTTP/1.1\r\nHost: x\r\nContent-Length: {len(smuggled)}\r\n\r\n".encode()
               + smuggled)
    sock = socket.create_connection((served.host, served.port), timeout=10)
    try:
        sock.sendall(request)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    finally:
        sock.close()
    assert received.count(b"HTTP/1.1 200") == 1 and b"Connection: close" in received


def test_control_characters_in_a_request_path_are_escaped_in_the_log(served):
    served.raw(b"GET /\x1b]52;c;ZXZpbA==\x07 HTTP/1.1\r\nHost: x\r\n\r\n")
    _, log = served.stop()
    assert "\x1b" not in log and "\\x1b]52;c;ZXZpbA==\\x07" in log


def test_last_good_feed_survives_a_vanished_or_emptied_vault(make_vault, tmp_path):
    vault = make_vault(NOTES)
    state = {"broken": False}

    def build():
        if state["broken"]:
            raise OSError("vault is gone")
        notes = list(vault.rglob("*.md"))
        return {"relnotes.ics": b"feed:" + b",".join(sorted(p.name.encode() for p in notes)),
                "tasks.ics": b"tasks"}, bool(notes)

    source = FeedSource(build, lambda: (state["broken"], sorted(vault.rglob("*.md"))), interval=0)
    good, tasks = source.current(), source.current("tasks.ics")
    assert good.content == b"feed:Ann.md,Bo.md" and tasks.content == b"tasks"
    state["broken"] = True
    assert source.current() is good
    state["broken"] = False
    shutil.rmtree(vault / "People")
    assert source.current() is good  # an emptied vault does not empty the feed
    (vault / "Cy.md").write_text("x")
    assert source.current().content == b"feed:Cy.md"
    assert source.current().etag != good.etag
    # compressed with each new feed, once
    assert gzip.decompress(source.current().gzipped) == b"feed:Cy.md" and gzip.decompress(good.gzipped) == good.content
    # a feed whose bytes did not change is the same feed, with its Last-Modified
    assert source.current("tasks.ics") is tasks and source.current("nothing.ics") is None


def test_feed_source_checks_at_most_once_per_interval():
    calls = []
    source = FeedSource(lambda: ({"relnotes.ics": b"x"}, True), lambda: calls.append(1), interval=3600)
    for _ in range(100):
        source.current()
    assert len(calls) == 1


def test_serve_on_a_busy_port_exits_1(served):
    result = CliRunner().invoke(cli, ["serve", str(served.vault), "--port", str(served.port)])
    assert result.exit_code == 1 and "cannot listen" in result.stderr


def test_ipv6_host_serves_the_feed(make_vault, serve):
    # no skip: a machine without IPv6 loopback fails here, loudly
    assert socket.has_ipv6, "this Python has no IPv6 support"
    server = serve(make_vault(NOTES), host="::1")
    assert server.url.startswith("http://[::1]:") and server.host == "::1"
    status, _, body = server.request()
    assert status == 200 and body.startswith(b"BEGIN:VCALENDAR")
    assert "reachable from the network" not in server.log()  # loopback: no warning


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_any_address_host_prints_a_usable_url_and_warns(make_vault, serve, host):
    server = serve(make_vault(NOTES), host=host)
    assert server.host == socket.gethostname()  # not 0.0.0.0, which no client can connect to
    assert server.request()[0] == 200  # at the printed URL
    # and over loopback, on this machine: "::" takes IPv4 too
    for loopback in ("127.0.0.1", "::1") if host == "::" else ("127.0.0.1",):
        connection = http.client.HTTPConnection(loopback, server.port, timeout=10)
        connection.request("GET", server.path)
        assert connection.getresponse().status == 200
        connection.close()
    code, log = server.stop()
    assert code == 0 and server.token not in log
    assert f"Warning: the feed is reachable from the network (listening on {host})" in log
    assert "anyone who has its URL" in log and "a tunnel or a reverse proxy with TLS" in log


def test_absolute_form_request_target_serves_the_feed(served):
    """What proxies send (RFC 9112 §3.2.2): the path counts; the host in the target does not."""
    plain = served.request()[2]
    for authority in (f"127.0.0.1:{served.port}", "feeds.example.org", "user@feeds.example.org:443"):
        for scheme in ("http", "HTTPS"):
            request = f"GET {scheme}://{authority}{served.path}?x=1 HTTP/1.1\r\nHost: other\r\n\r\n"
            status, _, body = served.raw(request.encode())
            assert (status, body) == (200, plain), request
    _, log = served.stop()
    assert '"GET http://feeds.example.org/<token>/relnotes.ics?x=1" 200' in log


def _complete(response: bytes) -> bool:
    """Whether ``response`` holds a whole HTTP response: its headers and Content-Length bytes of body."""
    head, _, body = response.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
    return len(body) == length


def test_keep_alive_response_arrives_in_one_segment(served):
    """Headers and body leave in one write: a body held back by Nagle's algorithm until the client's
    delayed ACK would cost every keep-alive request some 40 ms."""
    request = f"GET {served.path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    sock = socket.create_connection((served.host, served.port), timeout=10)
    try:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            sock.sendall(request)
            first = sock.recv(1 << 20)  # the first bytes to arrive: the whole response
            times.append(time.perf_counter() - started)
            assert first.startswith(b"HTTP/1.1 200") and _complete(first), first[:300]
    finally:
        sock.close()
    print(f"keep-alive requests: {', '.join(f'{t * 1000:.2f}' for t in times)} ms")


@pytest.mark.parametrize(("accept", "gzipped"), [
    ("gzip, deflate", True), ("gzip", True), ("x-gzip", True), ("GZip;Q=0.8", True), ("*", True),
    ("deflate, *;q=0.5", True), ("gzip;q=0.5", True), ("identity;q=0.5, gzip", True),
    ("gzip;q=0", False), ("gzip; q=0.000", False), ("identity", False), ("deflate", False), ("", False),
    ("*;q=0", False), ("gzip;q=0, *", False), ("gzip;q=0.5, identity", False), ("gzip;q=abc", False),
])
def test_gzip_only_when_accept_encoding_allows_it(served, accept, gzipped):
    _, plain_headers, plain = served.request()
    status, headers, body = served.request(headers={"Accept-Encoding": accept})
    assert status == 200 and headers["Vary"] == "Accept-Encoding"
    assert int(headers["Content-Length"]) == len(body)
    if gzipped:
        assert headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == plain
        assert headers["ETag"] == plain_headers["ETag"][:-1] + '-gzip"'
    else:
        assert "Content-Encoding" not in headers and body == plain and headers["ETag"] == plain_headers["ETag"]


def test_gzipped_feed_has_its_own_etag_and_the_same_headers_on_head(served):
    gzip_headers = {"Accept-Encoding": "gzip, deflate"}  # as vdirsyncer sends
    _, plain_headers, plain = served.request()
    status, headers, body = served.request(headers=gzip_headers)
    assert status == 200 and gzip.decompress(body) == plain
    assert body[4:8] == b"\0\0\0\0"  # no time in the gzip header: the same feed, the same bytes
    assert served.request(headers=gzip_headers)[2] == body
    plain_etag, gzip_etag = plain_headers["ETag"], headers["ETag"]
    assert plain_etag != gzip_etag and plain_headers["Vary"] == "Accept-Encoding"
    # If-None-Match for each representation with its own ETag
    for etag, asked in ((gzip_etag, gzip_headers), (plain_etag, {})):
        status, not_modified, _ = served.request(headers={**asked, "If-None-Match": etag})
        assert status == 304 and not_modified["ETag"] == etag and not_modified["Vary"] == "Accept-Encoding"
    assert served.request(headers={**gzip_headers, "If-None-Match": plain_etag})[0] == 200
    assert served.request(headers={"If-None-Match": gzip_etag})[0] == 200
    assert served.request(headers={**gzip_headers, "If-Modified-Since": headers["Last-Modified"]})[0] == 304
    # HEAD: GET's headers, the length of what GET would send
    status, head_headers, head_body = served.request("HEAD", headers=gzip_headers)
    assert status == 200 and head_body == b""
    assert {k: v for k, v in head_headers.items() if k != "Date"} == {k: v for k, v in headers.items() if k != "Date"}


def test_an_ipv6_address_it_cannot_listen_on_is_named_in_brackets(served):
    with socket.socket(socket.AF_INET6) as busy:
        busy.bind(("::1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(cli, ["serve", str(served.vault), "--host", "::1", "--port", str(port)])
    assert result.exit_code == 1 and f"cannot listen on [::1]:{port}: " in result.stderr
