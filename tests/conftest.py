import contextlib
import http.client
import queue
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest


@pytest.fixture(autouse=True)
def isolated_from_the_user(monkeypatch, tmp_path_factory):
    """Tests see only the plugins they ask for, and never touch the user's config or cache folders."""
    monkeypatch.setenv("RELNOTES_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.setenv("RELNOTES_CONFIG_DIR", str(tmp_path_factory.mktemp("relnotes-config")))
    monkeypatch.setenv("RELNOTES_CACHE_DIR", str(tmp_path_factory.mktemp("relnotes-cache")))
    monkeypatch.delenv("RELNOTES_TRACE_HOOKS", raising=False)


class RelnotesServer:
    """`relnotes serve VAULT --host HOST --port 0` (or, with ``watch``, `relnotes watch VAULT --serve …`) as a
    subprocess; its log (stderr) goes to a file so a busy server never blocks on a full pipe."""

    def __init__(self, vault: Path, env: dict, log_path: Path, today: str = "2026-11-25", host: str = "127.0.0.1",
                 watch: bool = False):
        self.vault, self.log_path = vault, log_path
        command = ["watch", str(vault), "--serve"] if watch else ["serve", str(vault)]
        with open(log_path, "wb") as log:  # the server writes to its own copy of the file
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "relnotes", *command, "--host", host, "--port", "0", "--today", today],
                stdout=subprocess.PIPE, stderr=log, text=True,
                env={**env, "PYTHONFAULTHANDLER": "1"})  # SIGABRT writes every thread's stack to the log
        self.url = self._read_url()  # as printed: the host and port to connect to
        assert "<token>" in self.url  # stdout is no terminal: the secret is never printed there
        secret = subprocess.run([sys.executable, "-m", "relnotes", "token", str(vault), "--feeds"], capture_output=True,
                                text=True, env=env, check=True).stdout.split()  # /TOKEN/relnotes.ics, then per kind
        parts = urlsplit(self.url)
        self.host, self.port, self.path, self.feeds = parts.hostname, parts.port, secret[0], secret
        self.token = self.path.split("/")[1]

    def _read_url(self) -> str:
        lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [*map(lines.put, self.proc.stdout), lines.put(None)], daemon=True).start()
        seen = []
        while True:
            try:
                line = lines.get(timeout=20)
            except queue.Empty:
                line = None
            if line is None:  # it ended (or hangs) before printing its URL: say why
                self.proc.kill()
                raise AssertionError(f"no URL printed: {seen}\n{self.log()}")
            seen.append(line)
            if line.strip().startswith("http://"):
                return line.strip()

    def request(self, method="GET", path=None, headers=None, timeout=10):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            conn.request(method, path or self.path, headers=headers or {})
            response = conn.getresponse()
            return response.status, dict(response.getheaders()), response.read()
        finally:
            conn.close()

    def raw(self, data: bytes, timeout=10):
        """Send raw bytes on a fresh connection: (status, headers, body), or (None, {}, repr(error))
        when the server answers nothing."""
        sock = socket.create_connection((self.host, self.port), timeout=timeout)
        try:
            with contextlib.suppress(OSError):  # the server may answer and close before reading everything
                sock.sendall(data)
            response = http.client.HTTPResponse(sock)
            try:
                response.begin()
                return response.status, dict(response.getheaders()), response.read()
            except (http.client.HTTPException, OSError) as exc:
                return None, {}, repr(exc).encode()
        finally:
            sock.close()

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self, signum=signal.SIGTERM, timeout=30):
        """Send ``signum``, then return (exit status, log); a server still running after ``timeout``
        seconds fails the test with its log and the stack of each of its threads."""
        self.proc.send_signal(signum)
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGABRT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=10)
            raise AssertionError(f"still running {timeout} s after {signum!r}:\n{self.log()}") from None
        finally:
            self.proc.kill()
        return code, self.log()



@pytest.fixture(scope="session")
def relnotes_server():
    """The class that runs `relnotes serve` as a subprocess for a test:
    RelnotesServer(vault, env, log_path, host="127.0.0.1")."""
    return RelnotesServer
