"""How one SIPp process ends: awaited, asked (`q`), told (SIGTERM), forced (SIGKILL).

Every step is bounded, and how it went is kept for the run's result.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
from collections.abc import Callable

from cti.simulate.invocation import CONTROL_IP

TERM_WAIT = 2.0
KILL_WAIT = 2.0


class SippEnding:
    """The end of one SIPp process: stopped (by us), timed_out (outlived its bound), killed
    (needed SIGKILL)."""

    def __init__(self, process: asyncio.subprocess.Process, control_port: int) -> None:
        self._process = process
        self._control_port = control_port
        self.stopped = False
        self.timed_out = False
        self.killed = False
        self._reaper: asyncio.Task[None] | None = None

    async def within(self, seconds: float) -> bool:
        """Whether SIPp exited within `seconds`."""
        try:
            await asyncio.wait_for(self._process.wait(), seconds)
        except TimeoutError:
            return False
        return True

    async def stop(self, graceful: float, timed_out: bool) -> None:
        """`q` and up to `graceful` seconds for SIPp to end by itself, then signals."""
        self.stopped = True
        self.timed_out = timed_out
        if graceful > 0:
            self._control(b"q")
            if await self.within(graceful):
                return
        # No `Q` (abort calls): SIPp 3.6.1 then waits forever for an open-call count that
        # aborting never lowers, and with -m it drops the key at once. SIGTERM writes the stats.
        self._signal(signal.SIGTERM)
        await self._kill_unless_gone()

    def abandon(self, then: Callable[[], object]) -> None:
        """The caller was cancelled: SIGTERM now; a task escalates to SIGKILL and calls `then`
        (cleanup) once SIPp ended."""
        self.stopped = True
        self._signal(signal.SIGTERM)
        self._reaper = asyncio.get_running_loop().create_task(self._reap(then))

    async def _reap(self, then: Callable[[], object]) -> None:
        await self._kill_unless_gone()
        then()

    async def _kill_unless_gone(self) -> None:
        """After SIGTERM: SIGKILL unless SIPp ended within TERM_WAIT."""
        if not await self.within(TERM_WAIT):
            self.killed = True
            self._signal(signal.SIGKILL)
            await self.within(KILL_WAIT)

    def _control(self, key: bytes) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, \
                contextlib.suppress(OSError):
            sock.sendto(key, (CONTROL_IP, self._control_port))

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(sig)
