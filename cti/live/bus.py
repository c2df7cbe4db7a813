"""Publication of the live state: what readers see (`LiveFeed`), what the owner of the state
publishes to (`LiveBus`), and the in-process implementation, the default.

A subscriber gets the current snapshot first, then every message in order. It is never
allowed to slow the publisher: when it falls `subscriber_limit` messages behind, its backlog
is replaced by one fresh snapshot (the changes it lost are all in it).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from types import TracebackType
from typing import Protocol

from cti.live.messages import SNAPSHOT, Json, empty_snapshot, merge

SUBSCRIBER_LIMIT = 256


class Subscription:
    """An async iterator of messages; `close()` (or leaving `async with`) ends it."""

    def __init__(self, first: Json, limit: int, on_close: Callable[[Subscription], None]):
        self._backlog: deque[Json] = deque([first])
        self._limit = limit
        self._on_close = on_close
        self._ready = asyncio.Event()
        self._closed = False
        self.resets = 0  # how often this subscriber was too slow and got a snapshot instead

    def offer(self, message: Json, snapshot: Json) -> None:
        """Never blocks: `snapshot` (the state after `message`) replaces a full backlog."""
        if self._closed:
            return
        if message.get("type") == SNAPSHOT:
            self._backlog.clear()
        elif len(self._backlog) >= self._limit:
            self._backlog.clear()
            self.resets += 1
            message = snapshot
        self._backlog.append(message)
        self._ready.set()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._ready.set()
            self._on_close(self)

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> Json:
        while not self._closed:
            if self._backlog:
                return self._backlog.popleft()
            self._ready.clear()
            await self._ready.wait()
        raise StopAsyncIteration

    async def __aenter__(self) -> Subscription:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class LiveFeed(Protocol):
    """What the web layer reads: the current snapshot, and a stream of messages."""

    def current(self) -> Json: ...

    def subscribe(self) -> Subscription: ...

    def start(self) -> None: ...

    async def close(self) -> None: ...


class LiveBus(LiveFeed, Protocol):
    """What the owner of the live state publishes to. `publish` never blocks and never raises
    because a reader or a backing store is slow or gone."""

    def publish(self, message: Json) -> None: ...


class InProcessBus:
    """The live state for readers in this process; also the local half of the Redis ones."""

    def __init__(self, *, subscriber_limit: int = SUBSCRIBER_LIMIT) -> None:
        self._current = empty_snapshot()
        self._subscribers: set[Subscription] = set()
        self._limit = subscriber_limit

    def publish(self, message: Json) -> None:
        self._current = merge(self._current, message)
        for subscriber in list(self._subscribers):
            subscriber.offer(message, self._current)

    def current(self) -> Json:
        return self._current

    def subscribe(self) -> Subscription:
        subscription = Subscription(self._current, self._limit, self._subscribers.discard)
        self._subscribers.add(subscription)
        return subscription

    @property
    def subscribers(self) -> int:
        return len(self._subscribers)

    def start(self) -> None:
        """Nothing to run: here for the same lifecycle as the Redis buses."""

    async def close(self) -> None:
        for subscription in list(self._subscribers):
            subscription.close()
