"""A running SIPp: start it, wait for a client run to end, stop a server, read its counters.

Every wait here is bounded; a SIPp that does not stop is killed and its result says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from collections.abc import Callable, Iterator
from types import TracebackType

from cti.simulate.commands import citizen_command
from cti.simulate.ending import SippEnding
from cti.simulate.errors import SippError
from cti.simulate.invocation import SippCommand
from cti.simulate.parties import CitizenCall
from cti.simulate.ports import PortAllocator
from cti.simulate.results import (
    ReceivedCall,
    SippResult,
    collect,
    read_log,
    read_stats,
    received_calls,
    stats_written,
    stderr_text,
    tail,
)
from cti.simulate.stats import SippStats
from cti.simulate.strays import die_with_parent

READY_TIMEOUT = 5.0


class SippProcess:
    """A running SIPp. `await SippProcess.start(command)`, then `wait()` (client) or `stop()`."""

    def __init__(self, command: SippCommand, process: asyncio.subprocess.Process) -> None:
        self.command = command
        self._process = process
        self._ending = SippEnding(process, command.control_port)
        self._result: SippResult | None = None

    @classmethod
    async def start(
        cls, command: SippCommand, *, ready_timeout: float = READY_TIMEOUT
    ) -> SippProcess:
        """Start SIPp; return once its sockets are bound (its stat file appeared)."""
        with command.stderr_file.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                *[arg.encode() for arg in command.argv],
                cwd=command.workdir, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
                start_new_session=True, preexec_fn=die_with_parent,
            )
        self = cls(command, process)
        with self._abandoned_if_cancelled():
            await self._until_ready(ready_timeout)
        return self

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.returncode is None

    async def wait(self, timeout: float | None = None) -> SippResult:
        """Wait for SIPp to end by itself (a client run); past `timeout` stop it as hung.

        timeout: None uses the command's bound (a citizen run always has one).
        """
        bound = timeout if timeout is not None else self.command.timeout
        if bound is None:
            raise SippError(f"sipp {self.command.name} has no bound: pass a timeout")
        with self._abandoned_if_cancelled():
            if not await self._ending.within(bound):
                await self._ending.stop(graceful=0.0, timed_out=True)
            return self._finish()

    async def stop(self, grace: float = 5.0) -> SippResult:
        """End SIPp: `q` on its control socket (no new calls; SIPp ends once its open calls
        ended) for up to `grace` seconds, then SIGTERM, then SIGKILL. Calls still open are
        not hung up (SIPp 3.6.1 cannot abort them and exit), so give them time in `grace`."""
        if self.running:
            with self._abandoned_if_cancelled():
                await self._ending.stop(graceful=grace, timed_out=False)
        return self._finish()

    def stats(self) -> SippStats:
        """Counters as of SIPp's last statistics dump (every stats_interval seconds)."""
        return read_stats(self.command)

    def log(self) -> list[str]:
        return read_log(self.command)

    def received_calls(self) -> list[ReceivedCall]:
        return received_calls(self.log())

    async def wait_for(
        self, condition: Callable[[SippProcess], bool], timeout: float, interval: float = 0.05
    ) -> bool:
        """Poll `condition(self)` until it holds (True) or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() >= deadline or not self.running:
                return condition(self)
            await asyncio.sleep(interval)
        return True

    async def __aenter__(self) -> SippProcess:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not stats_written(self.command):
            if not self.running or time.monotonic() >= deadline:
                failure = self._start_failure()
                await self._ending.stop(graceful=0.0, timed_out=self.running)
                self._finish()
                raise SippError(failure)
            await asyncio.sleep(0.02)

    def _start_failure(self) -> str:
        code = self._process.returncode
        why = tail(stderr_text(self.command).strip(), 500) or "no output"
        state = f"exited with code {code}" if code is not None else "did not become ready"
        return f"sipp {self.command.name} {state}: {why}"

    @contextlib.contextmanager
    def _abandoned_if_cancelled(self) -> Iterator[None]:
        """A cancelled caller cannot await SIPp's end: a task sees it through, then cleans up
        (ports, owned workdir)."""
        try:
            yield
        except asyncio.CancelledError:
            self._ending.abandon(then=self._finish)
            raise

    def _finish(self) -> SippResult:
        if self._result is None:
            ending = self._ending
            self._result = collect(self.command, self._process.returncode,
                                   timed_out=ending.timed_out, stopped=ending.stopped,
                                   killed=ending.killed)
            self.command.release_ports()
            if self.command.owns_workdir and self._process.returncode is not None:
                shutil.rmtree(self.command.workdir, ignore_errors=True)
        return self._result


async def run_citizens(
    call: CitizenCall, *, ports: PortAllocator | None = None, timeout: float | None = None
) -> SippResult:
    """Place `call.calls` citizen calls and return once they ended (bounded by `timeout`,
    default `call.bound`)."""
    process = await SippProcess.start(citizen_command(call, ports=ports))
    return await process.wait(timeout)
