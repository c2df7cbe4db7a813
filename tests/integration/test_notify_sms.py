"""The outbox dispatcher sending SMS through the Netgsm adapter to a local server speaking
Netgsm's wire format: retries visible in the delivery log, permanent failures, a gateway
that is down, rolled-back messages, two dispatchers at once, a crash mid-send. The clock is
the test's: no test waits for a back-off."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cti.domain.tickets.ticket import TicketDraft
from cti.notify.backoff import Backoff
from cti.notify.delivery_log import Delivery, delivery_log
from cti.notify.dispatcher import OutboxDispatcher
from cti.notify.envelope import Envelope
from cti.notify.outbox import FAILED, PENDING, SENT, enqueue
from cti.notify.sms import NetgsmSender, NetgsmSettings
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.models import OutboxAttemptRow, OutboxRow
from cti.storage.models import Ticket as TicketRow
from cti.storage.tickets import TicketStore
from tests.fakes.sms_gateway import FakeNetgsm

T0 = 1_767_225_600.0
PHONE = "05321112233"
TEXT = "153-2026-000001 numaralı talebiniz Seyhan Belediyesi Fen İşleri'ne iletildi."
Sessions = async_sessionmaker[AsyncSession]


def middle() -> float:
    return 0.5  # jitter off: delays are exactly the policy's steps


class Db:
    def __init__(self, url: str, tmp_path: Path) -> None:
        self.url = url
        self.tmp_path = tmp_path
        self.engines: list[AsyncEngine] = []

    def sessions(self) -> Sessions:
        """A new engine each call: a second dispatcher is a second process."""
        engine = create_engine(self.url)
        self.engines.append(engine)
        return session_factory(engine)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Db]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'notify.db'}"
    await upgrade(url)
    found = Db(url, tmp_path)
    yield found
    for engine in found.engines:
        await engine.dispose()


@pytest.fixture
async def gateway() -> AsyncIterator[tuple[FakeNetgsm, str]]:
    fake = FakeNetgsm()
    url = await fake.start()
    yield fake, url
    await fake.close()


def netgsm(fake: FakeNetgsm, url: str) -> NetgsmSender:
    return NetgsmSender(NetgsmSettings(url=url, user=fake.user, password=fake.password,
                                       header="ALO153", timeout=5.0))


def dispatcher(sessions: Sessions, sender: NetgsmSender | None, **kw: Any) -> OutboxDispatcher:
    senders = {"sms": sender} if sender is not None else {}
    return OutboxDispatcher(sessions, senders, clock=lambda: T0, rand=middle, **kw)


async def a_ticket(sessions: Sessions, tmp_path: Path) -> tuple[str, int]:
    store = TicketStore(sessions, attachments_dir=tmp_path / "files", clock=lambda: T0)
    ticket = await store.create(TicketDraft(description="Kanalizasyon taştı",
                                            citizen_phone=PHONE, category="su-arizasi"),
                                "op1001")
    async with sessions() as session:
        ticket_id = await session.scalar(
            select(TicketRow.id).where(TicketRow.number == ticket.number))
    assert ticket_id is not None
    return ticket.number, ticket_id


async def sms(sessions: Sessions, ticket_id: int | None = None, body: str = TEXT,
              recipient: str = PHONE) -> int:
    async with sessions.begin() as session:
        row = enqueue(session, channel="sms", purpose="citizen_forwarded", recipient=recipient,
                      body=body, now=T0, ticket_id=ticket_id)
        await session.flush()
        return row.id


async def the_only(sessions: Sessions, number: str) -> Delivery:
    [delivery] = await delivery_log(sessions, number)
    return delivery


async def test_a_message_failing_twice_goes_on_the_third_try_and_the_log_shows_all_three(
    db: Db, gateway: tuple[FakeNetgsm, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    fake, url = gateway
    sessions = db.sessions()
    number, ticket_id = await a_ticket(sessions, db.tmp_path)
    await sms(sessions, ticket_id)
    fake.fail_next(2, "100")
    outbox = dispatcher(sessions, netgsm(fake, url))
    try:
        assert await outbox.run_once(T0) == 1
        after_one = await the_only(sessions, number)
        assert (after_one.status, after_one.attempts) == (PENDING, 1)
        assert after_one.next_attempt_at == T0 + 30
        assert await outbox.run_once(T0 + 29) == 0  # not due yet
        assert await outbox.run_once(T0 + 30) == 1
        assert (await the_only(sessions, number)).next_attempt_at == T0 + 30 + 120
        assert await outbox.run_once(T0 + 150) == 1
    finally:
        await outbox.stop()
    done = await the_only(sessions, number)
    assert (done.status, done.attempts, done.sent_at, done.last_error) == (SENT, 3, T0 + 150,
                                                                           None)
    assert [(t.at, t.ok) for t in done.tries] == [(T0, False), (T0 + 30, False),
                                                  (T0 + 150, True)]
    assert done.tries[0].detail.startswith("Netgsm 100:")
    assert [r.body["messages"][0]["no"] for r in fake.accepted] == ["5321112233"]
    assert done.provider_id == fake.accepted[0].jobid
    # KVKK: neither the number nor the text in the logs.
    assert "5321112233" not in caplog.text and "talebiniz" not in caplog.text
    assert "*********33" in caplog.text


async def test_a_message_the_gateway_refuses_for_its_text_fails_at_once(
    db: Db, gateway: tuple[FakeNetgsm, str]
) -> None:
    fake, url = gateway
    sessions = db.sessions()
    number, ticket_id = await a_ticket(sessions, db.tmp_path)
    await sms(sessions, ticket_id, body="x" * 1000)
    outbox = dispatcher(sessions, netgsm(fake, url))
    try:
        await outbox.run_once(T0)
        assert await outbox.run_once(T0 + 86400) == 0
    finally:
        await outbox.stop()
    failed = await the_only(sessions, number)
    assert (failed.status, failed.attempts, len(failed.tries)) == (FAILED, 1, 1)
    assert failed.last_error is not None and failed.last_error.startswith("Netgsm 20:")
    assert fake.accepted == []


async def test_a_gateway_that_is_down_leaves_the_message_pending_with_back_off(
    db: Db,
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sessions = db.sessions()
    number, ticket_id = await a_ticket(sessions, db.tmp_path)
    await sms(sessions, ticket_id)
    sender = NetgsmSender(NetgsmSettings(url=f"http://127.0.0.1:{port}", user="u",
                                         password="p", header="ALO153", timeout=2.0))
    outbox = dispatcher(sessions, sender)
    try:
        await outbox.run_once(T0)
        await outbox.run_once(T0 + 30)
    finally:
        await outbox.stop()
    waiting = await the_only(sessions, number)
    assert (waiting.status, waiting.attempts) == (PENDING, 2)
    assert waiting.next_attempt_at == T0 + 30 + 120
    assert all("unreachable" in t.detail and not t.ok for t in waiting.tries)


async def test_the_last_allowed_try_failing_gives_the_message_up(
    db: Db, gateway: tuple[FakeNetgsm, str]
) -> None:
    fake, url = gateway
    sessions = db.sessions()
    number, ticket_id = await a_ticket(sessions, db.tmp_path)
    await sms(sessions, ticket_id)
    fake.fail_next(5, "80")
    outbox = dispatcher(sessions, netgsm(fake, url), backoff=Backoff(max_attempts=3))
    try:
        for at in (T0, T0 + 30, T0 + 150, T0 + 10_000):
            await outbox.run_once(at)
    finally:
        await outbox.stop()
    given_up = await the_only(sessions, number)
    assert (given_up.status, given_up.attempts, len(given_up.tries)) == (FAILED, 3, 3)


async def test_a_message_enqueued_in_a_transaction_that_rolls_back_is_never_sent(
    db: Db, gateway: tuple[FakeNetgsm, str]
) -> None:
    fake, url = gateway
    sessions = db.sessions()
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            enqueue(session, channel="sms", purpose="citizen_resolved", recipient=PHONE,
                    body=TEXT, now=T0)
            await session.flush()
            raise RuntimeError("the resolution was refused")
    outbox = dispatcher(sessions, netgsm(fake, url))
    try:
        assert await outbox.run_once(T0 + 60) == 0
    finally:
        await outbox.stop()
    assert fake.accepted == [] and fake.refused == []


async def test_two_dispatchers_racing_send_each_message_once(
    db: Db, gateway: tuple[FakeNetgsm, str]
) -> None:
    fake, url = gateway
    sessions = db.sessions()
    ids = [await sms(sessions, body=f"{TEXT} #{n}") for n in range(30)]
    first = dispatcher(db.sessions(), netgsm(fake, url), batch=4)
    second = dispatcher(db.sessions(), netgsm(fake, url), batch=4)
    try:
        tried = await asyncio.gather(first.run_once(T0), second.run_once(T0))
    finally:
        await first.stop()
        await second.stop()
    assert sum(tried) == 30
    sent = sorted(r.body["messages"][0]["msg"] for r in fake.accepted)
    assert sent == sorted(f"{TEXT} #{n}" for n in range(30))
    async with sessions() as session:
        rows = list(await session.scalars(select(OutboxRow).where(OutboxRow.id.in_(ids))))
    assert {(r.status, r.attempts) for r in rows} == {(SENT, 1)}


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Slow:
    """Netgsm through the local server, each send taking `seconds` on the test's clock; notes,
    as each send begins, the message, the time and the lease its claim wrote."""

    def __init__(self, inner: NetgsmSender, clock: Clock, sessions: Sessions,
                 seconds: float) -> None:
        self.inner, self.clock, self.sessions, self.seconds = inner, clock, sessions, seconds
        self.began: list[tuple[int, float, float | None]] = []

    async def send(self, message: Envelope) -> str:
        async with self.sessions() as session:
            lease = await session.scalar(select(OutboxRow.next_attempt_at)
                                         .where(OutboxRow.id == message.message_id))
        self.began.append((message.message_id, self.clock.now - T0,
                           None if lease is None else lease - T0))
        self.clock.now += self.seconds
        return await self.inner.send(message)

    async def close(self) -> None:
        await self.inner.close()


async def test_a_long_pass_leases_each_batch_from_its_claim_and_logs_the_real_times(
    db: Db, gateway: tuple[FakeNetgsm, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="cti.notify.dispatcher")
    fake, url = gateway
    sessions = db.sessions()
    ids = [await sms(sessions, body=f"{TEXT} #{n}") for n in range(5)]
    fake.fail_next(1, "100")  # the first try of the first message
    clock = Clock(T0)
    slow = Slow(netgsm(fake, url), clock, sessions, seconds=50.0)
    # A lease of 2 × 2 × 60 s = 240 s: the third batch is claimed 200 s into the pass.
    outbox = OutboxDispatcher(sessions, {"sms": slow}, clock=clock, rand=middle, batch=2,
                              send_timeout=60.0)
    try:
        assert await outbox.run_once() == 6
    finally:
        await outbox.stop()
    first, second, third, fourth, fifth = ids
    assert slow.began == [(first, 0, 240), (second, 50, 240), (third, 100, 340),
                          (fourth, 150, 340), (first, 200, 440), (fifth, 250, 440)]
    # The back-off counts from the failure (50 s in), not from the pass's start.
    assert f"try 1 failed, again at {T0 + 50 + 30:.0f}" in caplog.text
    async with sessions() as session:
        sent = {i: at for i, at in await session.execute(
            select(OutboxRow.id, OutboxRow.sent_at))}
        tries = list(await session.execute(
            select(OutboxAttemptRow.at, OutboxAttemptRow.ok)
            .where(OutboxAttemptRow.message_id == first).order_by(OutboxAttemptRow.id)))
    assert {i: (at or 0) - T0 for i, at in sent.items()} == {
        first: 250, second: 100, third: 150, fourth: 200, fifth: 300}
    assert [(at - T0, ok) for at, ok in tries] == [(50, False), (250, True)]


class Hanging:
    """A sender whose provider never answers: the process is killed mid-send."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def send(self, message: Envelope) -> str:
        self.entered.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def close(self) -> None:
        pass


async def test_a_message_claimed_by_a_dispatcher_that_died_is_sent_once_its_lease_runs_out(
    db: Db, gateway: tuple[FakeNetgsm, str]
) -> None:
    fake, url = gateway
    sessions = db.sessions()
    await sms(sessions)
    hanging = Hanging()
    dead = OutboxDispatcher(db.sessions(), {"sms": hanging}, rand=middle, batch=1,
                            send_timeout=60.0)
    dying = asyncio.create_task(dead.run_once(T0))
    await asyncio.wait_for(hanging.entered.wait(), 5)
    dying.cancel()
    await asyncio.gather(dying, return_exceptions=True)
    survivor = dispatcher(db.sessions(), netgsm(fake, url))
    try:
        assert await survivor.run_once(T0 + 60) == 0  # still leased to the dead one
        assert await survivor.run_once(T0 + 2 * 60 + 1) == 1
    finally:
        await survivor.stop()
    async with sessions() as session:
        [row] = list(await session.scalars(select(OutboxRow)))
    assert (row.status, row.attempts) == (SENT, 2)
    assert len(fake.accepted) == 1


async def test_a_channel_without_a_sender_keeps_its_messages_and_says_so_once(
    db: Db, caplog: pytest.LogCaptureFixture
) -> None:
    sessions = db.sessions()
    await sms(sessions)
    outbox = dispatcher(sessions, None)
    with caplog.at_level(logging.WARNING, logger="cti.notify.dispatcher"):
        assert await outbox.run_once(T0) == 0
        assert await outbox.run_once(T0 + 3600) == 0
    assert caplog.text.count("no sms sender is configured") == 1
    async with sessions() as session:
        [row] = list(await session.scalars(select(OutboxRow)))
    assert (row.status, row.attempts) == (PENDING, 0)


async def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.01)


async def test_a_running_dispatcher_sends_a_fresh_message_without_waiting_for_its_poll(
    db: Db, gateway: tuple[FakeNetgsm, str]
) -> None:
    fake, url = gateway
    sessions = db.sessions()
    outbox = dispatcher(sessions, netgsm(fake, url), poll=600.0)
    outbox.start()
    try:
        # The first pass found nothing: the loop now waits up to 10 min for the next.
        await eventually(lambda: outbox.passes >= 1)
        await sms(sessions)
        await eventually(lambda: len(fake.accepted) == 1, timeout=2.0)
    finally:
        await outbox.stop()
