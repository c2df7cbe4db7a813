"""The AMI link against a scripted peer: each of panoramisk 1.4's measured defects, absent."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cti.telephony.ami.client import AmiClient, AmiTarget, LinkState, LinkTiming
from cti.telephony.ami.frames import Frame, UnsafeHeader
from cti.telephony.ami.session import AmiError
from tests.fakes.ami_server import FakeAmi

FAST = LinkTiming(ping_interval=0.2, ping_timeout=0.3, backoff_first=0.05, backoff_max=0.2,
                  auth_retry=0.3, connect_timeout=1.0)


@pytest.fixture
async def peer() -> AsyncIterator[FakeAmi]:
    fake = FakeAmi()
    yield fake
    await fake.stop()


async def client_for(peer: FakeAmi, port: int, events: list[Frame], secret: str = "secret",
                     handler_delay: float = 0.0) -> AmiClient:
    async def on_event(frame: Frame) -> None:
        if handler_delay:
            await asyncio.sleep(handler_delay)
        if frame.event == "Boom":
            raise RuntimeError("a handler bug")
        events.append(frame)

    client = AmiClient(AmiTarget(host="127.0.0.1", port=port, username="cti", secret=secret),
                       on_event, timing=FAST)
    client.start()
    return client


async def until(condition: object, timeout: float = 3.0) -> None:
    async with asyncio.timeout(timeout):
        while not callable(condition) or not condition():
            await asyncio.sleep(0.02)


async def test_a_turkish_name_sent_byte_by_byte_arrives_whole(peer: FakeAmi) -> None:
    events: list[Frame] = []
    client = await client_for(peer, await peer.start(), events)
    await client.wait_up(2)
    await peer.send("Event: Newchannel\r\nCallerIDName: Ayşe Şahin\r\n\r\n".encode(), chunk=1)
    await until(lambda: any(e.event == "Newchannel" for e in events))
    assert [e.get("CallerIDName") for e in events if e.event == "Newchannel"] == ["Ayşe Şahin"]
    await client.close()


async def test_a_raising_handler_does_not_cost_the_link(peer: FakeAmi) -> None:
    events: list[Frame] = []
    client = await client_for(peer, await peer.start(), events)
    await client.wait_up(2)
    await peer.send(b"Event: Boom\r\n\r\nEvent: After\r\n\r\n")
    await until(lambda: any(e.event == "After" for e in events))
    assert peer.logins == 1
    assert client.health().handler_errors == 1
    await client.close()


async def test_a_connect_handler_that_fails_costs_one_link_not_the_client(
    peer: FakeAmi,
) -> None:
    """The dialer's recovery runs when the link comes up; a bug there (a database error, an
    odd log line) drops that link and the next one tries again: it never ends the client."""
    calls: list[int] = []

    async def on_connected(session: object) -> None:
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("a bug in the recovery")

    async def on_event(frame: Frame) -> None:
        return None

    client = AmiClient(AmiTarget(host="127.0.0.1", port=await peer.start(), username="cti",
                                 secret="secret"), on_event, on_connected=on_connected,
                       timing=FAST)
    client.start()
    await client.wait_up(3)
    assert calls == [1, 1] and peer.logins == 2
    await client.close()


async def test_a_slow_handler_holds_the_reader_back_and_loses_nothing(peer: FakeAmi) -> None:
    events: list[Frame] = []
    client = await client_for(peer, await peer.start(), events, handler_delay=0.0005)
    await client.wait_up(2)
    burst = b"".join(f"Event: E\r\nN: {n}\r\n\r\n".encode() for n in range(3000))
    await peer.send(burst)
    numbered = lambda: [int(e.get("N") or 0) for e in events if e.event == "E"]  # noqa: E731
    await until(lambda: len(numbered()) >= 3000, timeout=20)
    assert numbered() == list(range(3000))
    await client.close()


async def test_a_silent_dead_link_is_noticed_and_replaced(peer: FakeAmi) -> None:
    events: list[Frame] = []
    client = await client_for(peer, await peer.start(), events)
    await client.wait_up(2)
    peer.answer_pings = False  # the peer is there but mute: no RST, no FIN
    await until(lambda: peer.logins >= 2 or client.health().state is LinkState.DOWN, 2)
    peer.answer_pings = True
    await until(lambda: peer.logins >= 2 and client.health().state is LinkState.UP, 3)
    await client.close()


async def test_a_wrong_secret_is_reported_not_retried_in_silence(peer: FakeAmi) -> None:
    client = await client_for(peer, await peer.start(), [], secret="wrong")
    await until(lambda: client.health().state is LinkState.AUTH_FAILED)
    assert "Authentication failed" in client.health().reason
    await client.close()


async def test_close_cancels_a_pending_reconnect(peer: FakeAmi) -> None:
    port = await peer.start()
    await peer.stop()  # nothing listens: the client backs off and retries
    client = await client_for(peer, port, [])
    await until(lambda: client.health().state is LinkState.DOWN)
    await asyncio.wait_for(client.close(), 1)
    assert client.health().state is LinkState.CLOSED
    restarted = FakeAmi()
    server = await asyncio.start_server(restarted._serve, "127.0.0.1", port)
    await asyncio.sleep(0.5)
    assert restarted.logins == 0, "a closed client never comes back"
    server.close()


async def test_an_originate_in_flight_during_a_drop_is_never_sent_twice(peer: FakeAmi) -> None:
    client = await client_for(peer, await peer.start(), [])
    await client.wait_up(2)
    peer.swallow.add("Originate")
    attempt = asyncio.create_task(
        client.action("Originate", {"Channel": "Local/05321112233@alo153-dialout"}, timeout=5)
    )
    await until(lambda: len(peer.named("Originate")) == 1)
    peer.drop()
    with pytest.raises(AmiError):
        await attempt
    await until(lambda: peer.logins >= 2 and client.health().state is LinkState.UP)
    await asyncio.sleep(0.3)
    assert len(peer.named("Originate")) == 1
    await client.close()


async def test_an_action_while_the_link_is_down_fails_at_once(peer: FakeAmi) -> None:
    port = await peer.start()
    await peer.stop()
    client = await client_for(peer, port, [])
    with pytest.raises(AmiError, match="AMI link is"):
        await client.action("Originate", {"Channel": "Local/1@x"})
    await client.close()


async def test_a_value_with_crlf_never_reaches_the_wire(peer: FakeAmi) -> None:
    client = await client_for(peer, await peer.start(), [])
    await client.wait_up(2)
    with pytest.raises(UnsafeHeader):
        await client.action("Originate", {"CallerID": "x\r\nAction: Command\r\nCommand: core stop"})
    await asyncio.sleep(0.1)
    assert peer.named("Command") == []
    await client.close()


async def test_an_event_carrying_our_action_id_is_delivered_not_taken_for_the_answer(
    peer: FakeAmi,
) -> None:
    # OriginateResponse has both our ActionID and a Response header, and may arrive in the
    # same read as the action's own answer.
    peer.follow_up["Originate"] = (
        "Event: OriginateResponse\r\nActionID: {id}\r\nResponse: Failure\r\nReason: 0\r\n\r\n"
    )
    events: list[Frame] = []
    client = await client_for(peer, await peer.start(), events)
    await client.wait_up(2)
    for _ in range(20):
        queued = await client.action("Originate", {"Channel": "Local/1@alo153-dialout"})
        assert queued.get("Response") == "Success"
    await until(lambda: len([e for e in events if e.event == "OriginateResponse"]) == 20)
    await client.close()
