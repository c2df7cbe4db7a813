"""The live state through a real Redis server: published by one client, followed by another,
and surviving the server's death."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from cti.live.bus import LiveBus, LiveFeed, Subscription
from cti.live.from_ami import apply
from cti.live.keys import LIVE_CHANNEL, LIVE_SNAPSHOT_KEY
from cti.live.messages import Json, change_message, empty_snapshot, snapshot_message
from cti.live.redis_bus import RedisLiveBus
from cti.live.redis_feed import RedisLiveFeed
from cti.live.redis_link import RedisTiming
from cti.live.state import LiveState
from cti.telephony.ami.frames import Frame, FrameBuffer

# Imported for pytest, which finds the fixture (named `redis_server`) in this module.
from tests.integration.redis_server import RedisServer, redis_server_fixture  # noqa: F401
from tests.transcripts import session_bytes

NOW = 1_795_681_000.0
FAST = RedisTiming(operation_timeout=1.0, backoff_first=0.05, backoff_max=0.3,
                   refresh_interval=0.5)


def client_for(server: RedisServer) -> Redis:
    """As the composition root would build one, with short timeouts for a test."""
    return Redis(host="127.0.0.1", port=server.port, socket_timeout=1.0,
                 socket_connect_timeout=1.0, retry=Retry(ExponentialBackoff(0.1, 0.01), 1))


@pytest.fixture
async def bus(redis_server: RedisServer) -> AsyncIterator[RedisLiveBus]:
    client = client_for(redis_server)
    bus = RedisLiveBus(client, timing=FAST)
    bus.start()
    yield bus
    await bus.close()
    await client.aclose()


@pytest.fixture
async def feed(redis_server: RedisServer) -> AsyncIterator[RedisLiveFeed]:
    client = client_for(redis_server)  # its own client: as in another process
    feed = RedisLiveFeed(client, timing=FAST)
    feed.start()
    yield feed
    await feed.close()
    await client.aclose()


class Replay:
    """The member-admin session, one state change at a time."""

    def __init__(self) -> None:
        raw = session_bytes("member-admin")
        self.frames: list[Frame] = list(FrameBuffer().feed(raw))
        self.state = LiveState()

    def next_change(self) -> Json:
        while self.frames:
            self.state, change = apply(self.state, self.frames.pop(0), NOW)
            if change:
                return change_message(self.state, change, NOW)
        raise AssertionError("no change left in the session")


async def eventually(probe: Callable[[], Any], what: str, timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        await asyncio.sleep(0.02)
    raise AssertionError(f"not within {timeout} s: {what}")


async def version_of(subscription: Subscription, version: int) -> Json:
    """Read the subscription until the message of `version`."""
    async def read() -> Json:
        async for message in subscription:
            if message["version"] == version:
                return message
        raise AssertionError("subscription ended")
    return await asyncio.wait_for(read(), 10.0)


def without_source(snapshot: Json) -> Json:
    return {k: v for k, v in snapshot.items() if k != "source"}


async def test_a_published_change_reaches_a_follower_with_its_own_client(
    bus: RedisLiveBus, feed: RedisLiveFeed
) -> None:
    replay = Replay()
    bus.publish(snapshot_message(replay.state, NOW))
    await eventually(lambda: feed.current().get("source") == bus.source, "the feed follows")
    async with feed.subscribe() as subscription:
        change = replay.next_change()
        bus.publish(change)
        received = await version_of(subscription, change["version"])
    assert received["type"] == "change"
    assert received["operators"] == change["operators"]
    assert without_source(feed.current()) == bus.current()


async def test_a_plain_redis_subscriber_receives_the_change_as_json(
    bus: RedisLiveBus, redis_server: RedisServer
) -> None:
    client = client_for(redis_server)
    pubsub = client.pubsub()
    await pubsub.subscribe(LIVE_CHANNEL)
    try:
        # Until its first write, the bus folds changes into a whole snapshot.
        await eventually(lambda: bus.health().connected, "the bus wrote its first snapshot")
        change = Replay().next_change()
        bus.publish(change)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = await pubsub.get_message(ignore_subscribe_messages=True, timeout=0.5)
            message = json.loads(found["data"]) if found else {}
            if message.get("type") == "change":
                break
        assert message["operators"] == change["operators"]
        assert message["source"] == bus.source
    finally:
        await pubsub.aclose()  # type: ignore[no-untyped-call]
        await client.aclose()


async def test_the_current_snapshot_is_readable_from_the_key(
    bus: RedisLiveBus, redis_server: RedisServer
) -> None:
    replay = Replay()
    for _ in range(4):
        bus.publish(replay.next_change())
    client = client_for(redis_server)
    try:
        async def stored() -> Json | None:
            raw = await client.get(LIVE_SNAPSHOT_KEY)
            return json.loads(raw) if raw else None

        deadline = time.monotonic() + 10
        while (snapshot := await stored()) is None or snapshot["version"] != 4:
            assert time.monotonic() < deadline, "the key never held version 4"
            await asyncio.sleep(0.02)
    finally:
        await client.aclose()
    assert without_source(snapshot) == bus.current()
    assert snapshot["operators"]["PJSIP/1009"]["status"] == "available"


async def test_a_redis_outage_costs_the_mirror_only_and_publishing_resumes_after_it(
    bus: RedisLiveBus, feed: RedisLiveFeed, redis_server: RedisServer
) -> None:
    replay = Replay()
    bus.publish(replay.next_change())
    await eventually(lambda: feed.current()["version"] == 1, "the feed has version 1")
    local = bus.subscribe()

    redis_server.kill()
    for _ in range(4):
        bus.publish(replay.next_change())  # neither raises nor waits
    assert bus.current()["version"] == 5
    assert (await version_of(local, 5))["type"] == "change"  # this process still served
    await eventually(lambda: bus.health().failures > 0, "the publisher noticed")
    await eventually(lambda: not feed.health().connected, "the feed noticed")
    assert feed.current()["version"] == 1  # the last it knew, still served

    redis_server.start()
    bus.publish(replay.next_change())
    await eventually(lambda: feed.current()["version"] == 6, "the feed caught up", 15.0)
    assert without_source(feed.current()) == bus.current()
    # The bus counts itself connected once its own EXEC reply is back, maybe after the feed.
    await eventually(lambda: bus.health().connected, "the publisher reconnected")
    health = bus.health()
    assert health.connected and health.outages == 1
    local.close()


async def test_a_follower_started_later_reads_the_state_from_the_key(
    bus: RedisLiveBus, redis_server: RedisServer
) -> None:
    replay = Replay()
    for _ in range(3):
        bus.publish(replay.next_change())
    client = client_for(redis_server)
    late = RedisLiveFeed(client, timing=FAST)
    late.start()
    try:
        await eventually(lambda: late.current()["version"] == 3, "the late feed has version 3")
        assert without_source(late.current()) == bus.current()
    finally:
        await late.close()
        await client.aclose()


async def test_the_redis_bus_is_a_live_bus_and_the_feed_a_live_feed(
    redis_server: RedisServer,
) -> None:
    client = client_for(redis_server)
    bus: LiveBus = RedisLiveBus(client)  # mypy checks the protocols; nothing starts
    feed: LiveFeed = RedisLiveFeed(client)
    assert bus.current() == feed.current() == empty_snapshot()
    await client.aclose()
