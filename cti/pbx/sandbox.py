"""`cti pbx up | down | status`: Asterisk 22 from Debian sid, chrooted, on loopback."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cti.config import Settings
from cti.pbx import install, rootfs
from cti.pbx.mirror import MirrorError
from cti.pbx.processes import alive, mounts_under, pids_where, rooted_in, terminate
from cti.simulate import kill_stray_sipp, sipp_pids
from cti.telephony.ami.session import AmiAuthError, AmiError, AmiSession

BOOT_TIMEOUT = 30.0


class SandboxError(RuntimeError):
    """One line a person can act on."""


@dataclass(frozen=True)
class SandboxPaths:
    state: Path

    @property
    def root(self) -> Path:
        return self.state / "asterisk-root"

    @property
    def run(self) -> Path:
        return self.state / "run"

    @property
    def pidfile(self) -> Path:
        return self.run / "asterisk.pid"

    @property
    def console_log(self) -> Path:
        return self.run / "asterisk.out"


@dataclass(frozen=True)
class SandboxStatus:
    built: bool
    version: str
    pid: int | None
    ami_ready: bool
    mounts: tuple[Path, ...]
    sipp: int

    def lines(self) -> list[str]:
        running = f"running (pid {self.pid})" if self.pid else "stopped"
        return [
            f"root: {'built, ' + self.version if self.built else 'not built'}",
            f"asterisk: {running}; AMI {'ready' if self.ami_ready else 'not answering'}",
            f"mounts: {', '.join(map(str, self.mounts)) or 'none'}",
            f"sipp processes: {self.sipp}",
        ]


class Sandbox:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.paths = SandboxPaths(settings.state_dir)

    def up(self, *, fresh: bool = False) -> str:
        """Build (once), install the configuration, start Asterisk, wait for FullyBooted."""
        _require_root()
        with self._lock():
            if self._asterisk_pids():
                self._wait_booted(None)
                return "already running"
            if not rootfs.is_built(self.paths.root):
                self._build()
            self._unmount()
            install.install_config(self.paths.root, self.settings.asterisk_config)
            install.prepare_dirs(self.paths.root, fresh=fresh)
            install.write_hosts(self.paths.root)
            process = self._start()
            self._wait_booted(process)
            return f"Asterisk up (pid {process.pid}), AMI on {self._ami_address()}"

    def down(self) -> str:
        """Stop Asterisk and every SIPp we started; unmount. Works after a crash too."""
        _require_root()
        with self._lock():
            sipp = kill_stray_sipp()
            stopped = terminate(self._asterisk_pids(), grace=8.0)
            self._unmount()
            self.paths.pidfile.unlink(missing_ok=True)
            return f"stopped {stopped} Asterisk and {sipp} SIPp process(es); nothing mounted"

    def status(self) -> SandboxStatus:
        pids = self._asterisk_pids()
        return SandboxStatus(
            built=rootfs.is_built(self.paths.root),
            version=rootfs.asterisk_version(self.paths.root),
            pid=pids[0] if pids else None,
            ami_ready=bool(pids) and _ami_answers(self.settings),
            mounts=tuple(mounts_under(self.paths.root)) if self.paths.root.exists() else (),
            sipp=len(sipp_pids()),
        )

    def cli_command(self) -> str:
        return f"chroot {self.paths.root} asterisk -r"

    def _build(self) -> None:
        self.paths.run.mkdir(parents=True, exist_ok=True)
        log = self.paths.run / "debootstrap.log"
        try:
            rootfs.build(self.paths.root, log)
        except (MirrorError, rootfs.RootfsError) as error:
            raise SandboxError(str(error)) from error

    def _start(self) -> subprocess.Popen[bytes]:
        root = self.paths.root
        proc_dir = root / "proc"
        subprocess.run(["mount", "-t", "proc", "proc", str(proc_dir)], check=True)
        command = [
            "chroot",
            str(root),
            "/usr/sbin/asterisk",
            "-f",
            "-n",
            "-U",
            "asterisk",
            "-G",
            "asterisk",
        ]
        self.paths.run.mkdir(parents=True, exist_ok=True)
        with self.paths.console_log.open("wb") as out:
            # Its own session: Ctrl-C in the shell that ran `up` must not reach Asterisk.
            process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.paths.pidfile.write_text(f"{process.pid}\n")
        return process

    def _wait_booted(self, process: subprocess.Popen[bytes] | None) -> None:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while time.monotonic() < deadline:
            if process is not None and process.poll() is not None:
                self._unmount()
                raise SandboxError(
                    f"Asterisk exited at start (code {process.returncode}): {self._tail()}"
                )
            if _ami_answers(self.settings):
                return
            time.sleep(0.1)
        raise SandboxError(
            f"Asterisk did not report FullyBooted within {BOOT_TIMEOUT:.0f} s: {self._tail()}"
        )

    def _tail(self) -> str:
        try:
            lines = self.paths.console_log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "no output"
        return " | ".join(lines[-3:]) or "no output"

    def _asterisk_pids(self) -> list[int]:
        if not self.paths.root.exists():
            return []
        return [pid for pid in pids_where(rooted_in(self.paths.root)) if alive(pid)]

    def _unmount(self) -> None:
        if not self.paths.root.exists():
            return
        for point in mounts_under(self.paths.root):
            subprocess.run(["umount", "-l", str(point)], check=False)
        if mounts_under(self.paths.root):
            raise SandboxError(f"cannot unmount {self.paths.root}/proc")

    def _ami_address(self) -> str:
        return f"{self.settings.ami_host}:{self.settings.ami_port}"

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Two `up`s at once (a test run and a demo) must not both start Asterisk."""
        self.paths.state.mkdir(parents=True, exist_ok=True)
        with (self.paths.state / "sandbox.lock").open("w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            yield


def _require_root() -> None:
    if os.geteuid() != 0:
        raise SandboxError("must run as root (debootstrap, chroot and mount need it)")
    if shutil.which("chroot") is None:
        raise SandboxError("chroot is not installed (coreutils)")


def _ami_answers(settings: Settings) -> bool:
    """True once the CTI user can log in and Asterisk says it is fully booted."""
    return asyncio.run(_fully_booted(settings))


async def _fully_booted(settings: Settings) -> bool:
    try:
        session = await AmiSession.connect(
            settings.ami_host,
            settings.ami_port,
            settings.ami_user,
            settings.ami_secret,
            timeout=2.0,
        )
    except AmiAuthError as error:
        raise SandboxError(f"AMI refused user {settings.ami_user!r}: {error}") from error
    except (OSError, TimeoutError, AmiError):
        return False
    try:
        await session.wait_event(lambda f: f.event == "FullyBooted", timeout=1.0)
        return True
    except TimeoutError:
        return False
    finally:
        await session.close()
