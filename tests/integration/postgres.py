"""A real, throwaway PostgreSQL server for adapter tests: one cluster per session, one fresh
database per test. Needs Debian's `postgresql` package (server binaries under
/usr/lib/postgresql/<version>/bin); nothing is started if they are missing.

A test module imports the fixture (tests/integration/conftest.py does not offer it):
`from tests.integration.postgres import postgres_cluster_fixture  # noqa: F401`, then asks
for `postgres_cluster`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

BIN_DIRS = Path("/usr/lib/postgresql")
START_SECONDS = 60
STOP_SECONDS = 30
# A test server: nothing it holds must survive a crash, so it may skip the flushes.
TEST_SETTINGS = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


@dataclass(frozen=True)
class PostgresCluster:
    bin_dir: Path
    port: int

    def create_database(self) -> str:
        """A new empty database; its URL for the CTI."""
        name = f"alo153_{uuid.uuid4().hex[:12]}"
        createdb = [str(self.bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(self.port)]
        _run([*createdb, "-U", "postgres", name], timeout=30)
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session", name="postgres_cluster")
def postgres_cluster_fixture() -> Iterator[PostgresCluster]:
    bin_dir = _newest_bin_dir()
    owner = _server_user()
    home = Path(tempfile.mkdtemp(prefix="alo153-pg-"))
    try:
        if owner is not None:
            shutil.chown(home, owner, owner)
        data = home / "data"
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust"]
        _run([*initdb, "-E", "UTF8", "--locale=C"], user=owner, cwd=home, timeout=120)
        port = _free_port()
        _start(bin_dir, data, home, port, owner)
        try:
            yield PostgresCluster(bin_dir, port)
        finally:
            _stop(bin_dir, data, owner)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def _newest_bin_dir() -> Path:
    found = sorted(BIN_DIRS.glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if not found:
        pytest.skip(f"no PostgreSQL server under {BIN_DIRS}: apt-get install postgresql")
    return found[-1].parent


def _server_user() -> str | None:
    """Who runs the server: `postgres` when we are root (postgres refuses root), else us."""
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        return pwd.getpwnam("postgres").pw_name
    pytest.skip("running as root, and there is no `postgres` user to run the server as")


def _start(bin_dir: Path, data: Path, home: Path, port: int, owner: str | None) -> None:
    options = f"-k {home} -p {port} -c listen_addresses=127.0.0.1 {TEST_SETTINGS}"
    log = home / "server.log"
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options]
    start = [*pg_ctl, "-w", "-t", str(START_SECONDS), "start"]  # -w: wait until it accepts
    try:
        _run(start, user=owner, cwd=home, timeout=START_SECONDS + 10)
    except subprocess.CalledProcessError as exc:
        server_log = log.read_text(errors="replace")[-2000:] if log.exists() else ""
        raise RuntimeError(f"PostgreSQL did not start: {exc.stderr}\n{server_log}") from exc


def _stop(bin_dir: Path, data: Path, owner: str | None) -> None:
    pg_ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-t", str(STOP_SECONDS)]
    try:
        _run([*pg_ctl, "-m", "fast", "stop"], user=owner, cwd=data, timeout=STOP_SECONDS + 10)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
        # Still up after a fast shutdown: stop it without a checkpoint, it is thrown away.
        _run([*pg_ctl, "-m", "immediate", "stop"], user=owner, cwd=data, timeout=STOP_SECONDS)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _run(
    argv: list[str], *, timeout: float, user: str | None = None, cwd: Path | None = None
) -> None:
    subprocess.run(
        argv,
        user=user,
        cwd=cwd,
        timeout=timeout,
        check=True,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
