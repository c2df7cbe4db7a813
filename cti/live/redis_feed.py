"""The live state as another process publishes it (`RedisLiveBus`), for readers here.

Pub/sub delivers at most once, and Redis disconnects a subscriber that falls behind; so a
message whose version is not the next one, a new publisher, or a version key that differs
from what we hold, all mean the same: read the snapshot key again. While Redis is away the
last snapshot keeps being served (its `at` says how old it is) and we reconnect with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from cti.live.bus import SUBSCRIBER_LIMIT, InProcessBus, Subscription
from cti.live.keys import LIVE_CHANNEL, LIVE_SNAPSHOT_KEY, LIVE_VERSION_KEY
from cti.live.messages import SNAPSHOT, Json
from cti.live.redis_link import REDIS_DOWN, RedisHealth, RedisLink, RedisTiming, decode

T = TypeVar("T")


class RedisLiveFeed:
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
        self._link = RedisLink("state feed", self._timing)
        self._task: asyncio.Task[None] | None = None
        self.ignored = 0  # messages on the channel that were not ours

    def current(self) -> Json:
        return self._local.current()

    def subscribe(self) -> Subscription:
        return self._local.subscribe()

    def health(self) -> RedisHealth:
        return self._link.health()

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="live-redis-feed")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._local.close()

    async def _run(self) -> None:
        while True:
            try:
                await self._follow()
            except REDIS_DOWN as error:
                await asyncio.sleep(self._link.failed(error))

    async def _follow(self) -> None:
        pubsub = self._client.pubsub()
        try:
            await self._bounded(pubsub.subscribe(LIVE_CHANNEL))
            await self._reload()  # after subscribing: nothing can fall in between
            self._link.succeeded()
            await self._listen(pubsub)
        finally:
            with contextlib.suppress(*REDIS_DOWN):
                # redis-py leaves PubSub.aclose unannotated.
                await self._bounded(pubsub.aclose())  # type: ignore[no-untyped-call]

    async def _listen(self, pubsub: PubSub) -> None:
        wait = self._timing.refresh_interval
        while True:
            found = await self._bounded(
                pubsub.get_message(ignore_subscribe_messages=True, timeout=wait), extra=wait)
            if found is None:
                await self._check_version()
            else:
                await self._receive(found.get("data"))

    async def _receive(self, data: Any) -> None:
        message = decode(data)
        if message is None:
            self.ignored += 1
            return
        held = self._local.current()
        same_source = message.get("source") == held.get("source")
        version, held_version = message.get("version", 0), held.get("version", 0)
        if message["type"] == SNAPSHOT:
            if not same_source or version > held_version:
                self._local.publish(message)
        elif same_source and version == held_version + 1:
            self._local.publish(message)
        elif not same_source or version > held_version:
            await self._reload()  # a gap: we missed a message

    async def _check_version(self) -> None:
        raw = await self._bounded(self._client.get(LIVE_VERSION_KEY))
        held = self._local.current()
        if raw is not None and _text(raw) != f"{held.get('source')} {held.get('version')}":
            await self._reload()

    async def _reload(self) -> None:
        snapshot = decode(await self._bounded(self._client.get(LIVE_SNAPSHOT_KEY)))
        held = self._local.current()
        if snapshot is None or snapshot.get("type") != SNAPSHOT:
            return  # no publisher has written yet
        if (snapshot.get("source"), snapshot.get("version")) != (
                held.get("source"), held.get("version")):
            self._local.publish(snapshot)

    async def _bounded(self, call: Awaitable[T], extra: float = 0.0) -> T:
        async with asyncio.timeout(self._timing.operation_timeout + extra):
            return await call


def _text(raw: Any) -> str:
    return raw.decode() if isinstance(raw, bytes) else str(raw)
