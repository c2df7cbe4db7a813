"""The one owner of the CTI's AMI link: connects, watches, reconnects, and reports.

Written instead of panoramisk's Manager because of its measured defects (NOTES.md): here a
silent dead link is found by a Ping that must be answered; a refused login is reported (health
and log) instead of retried forever in silence; `close()` also cancels a pending reconnect;
an action in flight when the link drops fails — it is never re-sent, so an Originate can never
place a second call; every event handler is guarded, and a slow one holds the reader back
(bounded memory) instead of piling up tasks.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiAuthError, AmiError, AmiSession

log = logging.getLogger(__name__)

EventHandler = Callable[[Frame], Awaitable[None]]
ConnectedHandler = Callable[[AmiSession], Awaitable[None]]


class LinkState(enum.StrEnum):
    CONNECTING = "connecting"
    UP = "up"
    DOWN = "down"
    AUTH_FAILED = "auth_failed"
    CLOSED = "closed"


@dataclass(frozen=True, kw_only=True)
class AmiTarget:
    host: str
    port: int
    username: str
    secret: str


@dataclass(frozen=True, kw_only=True)
class LinkTiming:
    ping_interval: float = 2.0
    ping_timeout: float = 2.0      # a dead link is noticed within interval + timeout
    connect_timeout: float = 5.0
    backoff_first: float = 0.5
    backoff_max: float = 10.0
    auth_retry: float = 30.0       # a refused login is retried slowly, and said loudly


@dataclass(frozen=True)
class LinkHealth:
    state: LinkState
    reason: str
    since: float
    connects: int
    handler_errors: int


class AmiClient:
    def __init__(
        self,
        target: AmiTarget,
        on_event: EventHandler,
        *,
        on_connected: ConnectedHandler | None = None,
        timing: LinkTiming | None = None,
    ) -> None:
        self._target = target
        self._on_event = on_event
        self._on_connected = on_connected
        self._timing = timing or LinkTiming()
        self._session: AmiSession | None = None
        self._task: asyncio.Task[None] | None = None
        self._state, self._reason, self._since = LinkState.DOWN, "not started", time.time()
        self._connects = 0
        self._handler_errors = 0
        self._up = asyncio.Event()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ami-link")

    async def close(self) -> None:
        """Stop for good: the link, its watchdog and any pending reconnect."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._set(LinkState.CLOSED, "closed")

    def health(self) -> LinkHealth:
        return LinkHealth(self._state, self._reason, self._since, self._connects,
                          self._handler_errors)

    async def wait_up(self, timeout: float) -> None:
        async with asyncio.timeout(timeout):
            await self._up.wait()

    async def action(
        self,
        name: str,
        headers: Mapping[str, str | int] | None = None,
        variables: Mapping[str, str] | None = None,
        *,
        timeout: float = 5.0,
    ) -> Frame:
        """Send once on the current link. Fails (AmiError) when the link is down or drops
        before the answer: the caller decides what a retry means for its action."""
        return await self._current().action(name, headers, variables, timeout=timeout)

    async def action_list(
        self, name: str, headers: Mapping[str, str | int] | None = None, *, timeout: float = 10.0
    ) -> list[Frame]:
        return await self._current().action_list(name, headers, timeout=timeout)

    def _current(self) -> AmiSession:
        if self._session is None or self._session.closed:
            raise AmiError(f"AMI link is {self._state.value}")
        return self._session

    async def _run(self) -> None:
        delay = self._timing.backoff_first
        while True:
            try:
                await self._serve_one_link()
                delay = self._timing.backoff_first
            except AmiAuthError as error:
                self._set(LinkState.AUTH_FAILED, f"login refused: {error}")
                log.error("AMI login as %r refused: %s", self._target.username, error)
                await asyncio.sleep(self._timing.auth_retry)
                continue
            except (OSError, TimeoutError, AmiError) as error:
                self._set(LinkState.DOWN, str(error) or type(error).__name__)
                log.warning("AMI link down: %s; retrying in %.1f s", self._reason, delay)
            except Exception as error:  # a handler's bug (on_connected) must not end the link
                self._set(LinkState.DOWN, f"handler failed: {type(error).__name__}")
                log.exception("AMI link dropped: its handler failed; retrying in %.1f s", delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._timing.backoff_max)

    async def _serve_one_link(self) -> None:
        self._set(LinkState.CONNECTING, "connecting")
        target, timing = self._target, self._timing
        session = await AmiSession.connect(
            target.host, target.port, target.username, target.secret,
            timeout=timing.connect_timeout,
        )
        self._session = session
        try:
            if self._on_connected is not None:
                await self._on_connected(session)
            self._connects += 1
            self._set(LinkState.UP, "connected")
            await self._pump(session)
        finally:
            self._up.clear()
            self._session = None
            await session.close()

    async def _pump(self, session: AmiSession) -> None:
        """Deliver events until the link dies; the watchdog pings meanwhile."""
        watchdog = asyncio.create_task(self._watch(session), name="ami-watchdog")
        getter: asyncio.Future[Frame] | None = None
        try:
            while True:
                # Queued events go out without a task and a wait each: this is the path of
                # every AMI event. Only an empty queue waits, racing the watchdog.
                await self._drain(session)
                getter = asyncio.ensure_future(session.events.get())
                done, _ = await asyncio.wait(
                    {getter, watchdog}, return_when=asyncio.FIRST_COMPLETED
                )
                if getter in done:
                    await self._deliver(getter.result())
                    continue
                # Events read before the link died are real: deliver them all first.
                await self._drain(session)
                watchdog.result()  # raises why the link is dead
        finally:
            for task in (getter, watchdog):
                if task is not None:
                    task.cancel()
            with contextlib.suppress(asyncio.CancelledError, AmiError, TimeoutError):
                await watchdog

    async def _drain(self, session: AmiSession) -> None:
        while not session.events.empty():
            await self._deliver(session.events.get_nowait())

    async def _watch(self, session: AmiSession) -> None:
        while True:
            with contextlib.suppress(TimeoutError):  # not wait_for: see dialer/engine.py
                async with asyncio.timeout(self._timing.ping_interval):
                    await session.wait_closed()
                raise AmiError("AMI connection closed")
            try:
                await session.action("Ping", timeout=self._timing.ping_timeout)
            except TimeoutError as error:
                raise AmiError("AMI did not answer Ping: link is dead") from error

    async def _deliver(self, frame: Frame) -> None:
        try:
            await self._on_event(frame)
        except Exception:
            # One bad event must not cost the link (panoramisk drops the connection here).
            self._handler_errors += 1
            log.exception("AMI event handler failed on %s", frame.event)

    def _set(self, state: LinkState, reason: str) -> None:
        if state is not self._state or reason != self._reason:
            self._state, self._reason, self._since = state, reason, time.time()
        if state is LinkState.UP:
            self._up.set()
