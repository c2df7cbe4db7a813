"""A small asyncio AMI session: login, actions with responses, event lists, an event queue.

One reader task owns the socket. Responses are matched to actions by ActionID; events that
belong to an event list (QueueStatus, CoreShowChannels) go to that action; all other events
go to a bounded queue that the consumer drains. When the consumer falls behind, the reader
waits for room instead of growing memory or dropping events: TCP backs up and Asterisk cuts
the session after manager.conf's writetimeout, and the client reconnects and resynchronises.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import Callable, Mapping

from cti.telephony.ami.frames import Frame, FrameBuffer, encode_action

BANNER_PREFIX = b"Asterisk Call Manager/"
EVENT_QUEUE_SIZE = 10_000


class AmiError(Exception):
    """AMI refused an action or the link broke."""


class AmiAuthError(AmiError):
    """Login refused: wrong user or secret, or the address is not permitted."""


class _PendingList:
    def __init__(self) -> None:
        self.response: Frame | None = None
        self.events: list[Frame] = []
        self.done: asyncio.Future[list[Frame]] = asyncio.get_running_loop().create_future()


class AmiSession:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._ids = itertools.count(1)
        self._responses: dict[str, asyncio.Future[Frame]] = {}
        self._lists: dict[str, _PendingList] = {}
        self.events: asyncio.Queue[Frame] = asyncio.Queue(EVENT_QUEUE_SIZE)
        self._task: asyncio.Task[None] | None = None

    @classmethod
    async def connect(
        cls,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        timeout: float = 5.0,
        queue_size: int = EVENT_QUEUE_SIZE,
    ) -> AmiSession:
        async with asyncio.timeout(timeout):
            reader, writer = await asyncio.open_connection(host, port)
        session = cls(reader, writer)
        session.events = asyncio.Queue(queue_size)
        try:
            async with asyncio.timeout(timeout):
                banner = await reader.readline()
            if not banner.startswith(BANNER_PREFIX):
                raise AmiError(f"not an AMI server: {banner[:40]!r}")
            session._task = asyncio.create_task(session._read_loop(), name="ami-reader")
            reply = await session.action(
                "Login", {"Username": username, "Secret": secret}, timeout=timeout
            )
        except BaseException:
            await session.close()
            raise
        if reply.response != "Success":
            await session.close()
            raise AmiAuthError(reply.get("Message") or "authentication failed")
        return session

    async def action(
        self,
        name: str,
        headers: Mapping[str, str | int] | None = None,
        variables: Mapping[str, str] | None = None,
        *,
        timeout: float = 5.0,
    ) -> Frame:
        action_id = f"alo153-{next(self._ids)}"
        future: asyncio.Future[Frame] = asyncio.get_running_loop().create_future()
        self._responses[action_id] = future
        try:
            self._send(name, {**(headers or {}), "ActionID": action_id}, variables)
            async with asyncio.timeout(timeout):
                return await future
        finally:
            self._responses.pop(action_id, None)

    async def action_list(
        self, name: str, headers: Mapping[str, str | int] | None = None, *, timeout: float = 10.0
    ) -> list[Frame]:
        """Run an action answered by an event list; return its events (without Complete)."""
        action_id = f"alo153-{next(self._ids)}"
        pending = _PendingList()
        self._lists[action_id] = pending
        try:
            self._send(name, {**(headers or {}), "ActionID": action_id}, None)
            async with asyncio.timeout(timeout):
                return await pending.done
        finally:
            self._lists.pop(action_id, None)

    async def wait_event(self, match: Callable[[Frame], bool], *, timeout: float) -> Frame:
        """Drain the event queue until an event matches; other events are discarded."""
        async with asyncio.timeout(timeout):
            while True:
                frame = await self.events.get()
                if match(frame):
                    return frame

    @property
    def closed(self) -> bool:
        return self._task is None or self._task.done()

    async def wait_closed(self) -> None:
        """Return when the reader has stopped (the peer closed, or the link broke)."""
        if self._task is not None:
            await asyncio.wait({self._task})

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        self._writer.close()
        with contextlib.suppress(Exception):
            await self._writer.wait_closed()

    def _send(
        self,
        name: str,
        headers: Mapping[str, str | int],
        variables: Mapping[str, str] | None,
    ) -> None:
        if self._task is None or self._task.done():
            raise AmiError("AMI link is closed")
        self._writer.write(encode_action(name, headers, variables))

    async def _read_loop(self) -> None:
        buffer = FrameBuffer()
        try:
            while data := await self._reader.read(65536):
                for frame in buffer.feed(data):
                    await self._dispatch(frame)
        finally:
            self._fail_waiters(AmiError("AMI link closed"))

    async def _dispatch(self, frame: Frame) -> None:
        action_id = frame.action_id or ""
        pending = self._lists.get(action_id)
        if pending is not None:
            self._collect(pending, frame)
        elif frame.event is not None:
            # An event is never an action's answer, even when it carries our ActionID and a
            # Response header (OriginateResponse does both).
            await self.events.put(frame)
        else:
            future = self._responses.get(action_id)
            if future is not None and not future.done():
                future.set_result(frame)

    def _collect(self, pending: _PendingList, frame: Frame) -> None:
        if frame.event is None:
            pending.response = frame
            if frame.response != "Success":
                pending.done.set_exception(AmiError(frame.get("Message") or "action failed"))
        elif frame.get("EventList") == "Complete":
            if not pending.done.done():
                pending.done.set_result(pending.events)
        else:
            pending.events.append(frame)

    def _fail_waiters(self, error: AmiError) -> None:
        for response in self._responses.values():
            if not response.done():
                response.set_exception(error)
        for pending in self._lists.values():
            if not pending.done.done():
                pending.done.set_exception(error)
