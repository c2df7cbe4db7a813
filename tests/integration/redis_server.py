"""A real, throwaway Redis server for adapter tests, on a free loopback port, one per test.
Needs Debian's `redis-server` package (`apt-get install -y redis-server`); the test is skipped
when it is missing. Nothing is written to disk: no RDB snapshots, no AOF.

A test module imports the fixture (tests/integration/conftest.py does not offer it):
`from tests.integration.redis_server import redis_server_fixture  # noqa: F401`, then asks
for `redis_server`. The server can be killed and started again on the same port (`kill()`,
`start()`) to play an outage.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

START_SECONDS = 10.0
STOP_SECONDS = 5.0


class RedisServer:
    def __init__(self, binary: str, home: Path, port: int) -> None:
        self.binary, self.home, self.port = binary, home, port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start on the same port; return once it answers PING."""
        argv = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
                "--save", "", "--appendonly", "no", "--dir", str(self.home),
                "--logfile", str(self.home / "redis.log"), "--daemonize", "no"]
        self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self._wait_ready()

    def kill(self) -> None:
        """Gone at once, as in a crash: no shutdown, connections reset."""
        if self._process is not None:
            self._process.kill()
            self._process.wait(timeout=STOP_SECONDS)
            self._process = None

    def stop(self) -> None:
        if self._process is None:
            return
        self._process.terminate()
        try:
            self._process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
        self._process = None

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self._log_tail()}")
            if _answers_ping(self.port):
                return
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"redis-server not ready in {START_SECONDS} s: {self._log_tail()}")

    def _log_tail(self) -> str:
        log = self.home / "redis.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else ""


@pytest.fixture(name="redis_server")
def redis_server_fixture() -> Iterator[RedisServer]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server: apt-get install -y redis-server")
    home = Path(tempfile.mkdtemp(prefix="alo153-redis-"))
    server = RedisServer(binary, home, _free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(home, ignore_errors=True)


def _answers_ping(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5) as s:
        s.settimeout(0.5)
        s.sendall(b"PING\r\n")
        return s.recv(16).startswith(b"+PONG")
    return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
