"""Finding and stopping what the sandbox started, also after a crash left no pid file."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

PROC = Path("/proc")


def pids_where(match: Callable[[int], bool]) -> list[int]:
    pids = []
    for entry in PROC.iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if match(int(entry.name)):
                    pids.append(int(entry.name))
            except OSError:
                continue  # the process ended while we looked
    return pids


def rooted_in(root: Path) -> Callable[[int], bool]:
    """Processes whose filesystem root is `root` (chrooted there)."""
    target = str(root.resolve())

    def match(pid: int) -> bool:
        return os.readlink(PROC / str(pid) / "root") == target

    return match


def runs_file_under(program: str, directory: Path) -> Callable[[int], bool]:
    """Processes of `program` (argv[0]'s name) with an argument below `directory`: how runs
    of a program that keep no pid file (SIPp with our scenarios) are told from others."""
    prefix = str(directory) + "/"

    def match(pid: int) -> bool:
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
        args = [a.decode(errors="replace") for a in argv if a]
        return bool(args) and Path(args[0]).name == program \
            and any(a.startswith(prefix) for a in args)

    return match


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is dead for our purposes; its parent reaps it.
    try:
        state = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def terminate(pids: list[int], grace: float = 5.0) -> int:
    """SIGTERM, wait up to `grace` seconds, then SIGKILL. Returns how many were signalled."""
    signalled = [pid for pid in pids if _signal(pid, signal.SIGTERM)]
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and any(alive(pid) for pid in signalled):
        time.sleep(0.05)
    for pid in signalled:
        if alive(pid):
            _signal(pid, signal.SIGKILL)
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and any(alive(pid) for pid in signalled):
        time.sleep(0.05)
    return len(signalled)


def _signal(pid: int, sig: int) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    return True


def mounts_under(root: Path) -> list[Path]:
    """Mount points at or below `root`, deepest first (the order to unmount them)."""
    prefix = str(root.resolve())
    points = []
    for line in Path("/proc/self/mounts").read_text().splitlines():
        # Mount points escape spaces as \040.
        point = line.split()[1].replace("\\040", " ")
        if point == prefix or point.startswith(prefix + "/"):
            points.append(Path(point))
    return sorted(points, key=lambda p: len(p.parts), reverse=True)
