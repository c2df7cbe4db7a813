"""The live bus mirrored into Redis, for readers in other processes (`RedisLiveFeed`).

`publish` serves this process at once (an in-process bus) and hands the message to a writer
task: the AMI reader never waits for Redis. Each write is one MULTI/EXEC: the snapshot key,
the version key, then the messages on the channel, so a follower that reads the key after a
message always finds a snapshot at least that new. When Redis fails, the backlog is dropped
and the next successful write sends a whole snapshot instead.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from redis.asyncio import Redis

from cti.live.bus import SUBSCRIBER_LIMIT, InProcessBus, Subscription
from cti.live.keys import LIVE_CHANNEL, LIVE_SNAPSHOT_KEY, LIVE_VERSION_KEY
from cti.live.messages import Json
from cti.live.redis_link import REDIS_DOWN, RedisHealth, RedisLink, RedisTiming, encode

OUTBOX_LIMIT = 1000  # messages waiting for Redis; beyond that, one snapshot replaces them


class RedisLiveBus:
    def __init__(
        self,
        client: Redis,
        *,
        timing: RedisTiming | None = None,
        subscriber_limit: int = SUBSCRIBER_LIMIT,
    ) -> None:
        self._client = client
        self._timing = timing or RedisTiming()
        self._local = InProcessBus(subscriber_limit=subscriber_limit)
        self._link = RedisLink("state publisher", self._timing)
        # Names this publisher's messages, so followers notice a restarted one (whose
        # versions start again from 1).
        self.source = uuid.uuid4().hex
        self._outbox: list[Json] = []
        self._resync = True  # the first write is a whole snapshot
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def publish(self, message: Json) -> None:
        self._local.publish(message)
        if len(self._outbox) >= OUTBOX_LIMIT:
            self._resync = True
        if self._resync:
            self._outbox.clear()
        else:
            self._outbox.append(message)
        self._wake.set()

    def current(self) -> Json:
        return self._local.current()

    def subscribe(self) -> Subscription:
        return self._local.subscribe()

    def health(self) -> RedisHealth:
        return self._link.health()

    def start(self) -> None:
        if self._task is None:
            self._wake.set()  # write the snapshot now: followers may be waiting for it
            self._task = asyncio.create_task(self._write_loop(), name="live-redis-writer")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._local.close()

    async def _write_loop(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):  # not wait_for: see dialer/engine.py
                async with asyncio.timeout(self._timing.refresh_interval):
                    await self._wake.wait()
            if not self._wake.is_set():
                self._resync = True  # idle: rewrite the snapshot (Redis may have restarted)
            self._wake.clear()
            try:
                async with asyncio.timeout(self._timing.operation_timeout):
                    await self._write()
            except REDIS_DOWN as error:
                self._resync = True
                self._outbox.clear()
                await asyncio.sleep(self._link.failed(error))
                self._wake.set()
            else:
                self._link.succeeded()

    async def _write(self) -> None:
        batch, snapshot = self._take()
        if not batch:
            return
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.set(LIVE_SNAPSHOT_KEY, encode(snapshot))
            pipe.set(LIVE_VERSION_KEY, f"{self.source} {snapshot['version']}")
            for message in batch:
                pipe.publish(LIVE_CHANNEL, encode(message))
            await pipe.execute()

    def _take(self) -> tuple[list[Json], Json]:
        """The messages to send and the snapshot they lead to, taken together (no await in
        between, so no publish can fall between them)."""
        snapshot = {**self._local.current(), "source": self.source}
        if self._resync:
            self._resync = False
            self._outbox.clear()
            return [snapshot], snapshot
        batch = [{**message, "source": self.source} for message in self._outbox]
        self._outbox.clear()
        return batch, snapshot
