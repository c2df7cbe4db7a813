"""The escalation ladder end to end on a controllable clock: a unit that lets its deadlines
pass gets a reminder, then a warning to it and its manager, then a field revisit; the e-mails
leave through the outbox to a real SMTP server started here.

The clock walks across a weekend, Ramazan Bayramı 2026 (20-22 March, eve 19 March) and an
administrative leave day, so the business calendar is what decides each rung.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from cti.domain.calendar import ISTANBUL
from cti.domain.escalation import Missed, Rung
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import TicketDraft
from cti.notify.delivery_log import OutboxQueries
from cti.notify.dispatcher import OutboxDispatcher
from cti.notify.email import SmtpSender, SmtpSettings
from cti.notify.recipients import BadRecipient
from cti.service.escalation import EscalationSweep
from cti.storage.db import create_engine, session_factory
from cti.storage.leave_days import LeaveDays
from cti.storage.migrate import upgrade
from cti.storage.models import FieldTaskRow, OutboxRow, UnitRow
from cti.storage.tickets import TicketStore

# Imported for pytest, which finds the fixture (named `postgres_cluster`) in this module.
from tests.integration.postgres import PostgresCluster, postgres_cluster_fixture  # noqa: F401
from tests.integration.smtp_server import Mailbox, smtp_server

UNIT = "seyhan-fen-isleri"
UNIT_MAIL = "fen@seyhan.example.org"
MANAGER_MAIL = "baskan-yardimcisi@seyhan.example.org"


def at(*parts: int) -> float:
    return datetime(*parts, tzinfo=ISTANBUL).timestamp()  # type: ignore[misc]


class Clock:
    """Stands still until a test moves it."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def set(self, *parts: int) -> None:
        self.now = at(*parts)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'ladder.db'}"
    cluster: PostgresCluster = request.getfixturevalue("postgres_cluster")
    return cluster.create_database()


@pytest.fixture
async def sessions(url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    await upgrade(url)
    engine: AsyncEngine = create_engine(url)
    factory = session_factory(engine)
    async with factory.begin() as session:
        session.add(UnitRow(code=UNIT, parent="ilce-seyhan", kind="directorate",
                            name_tr="Seyhan Fen İşleri Müdürlüğü", name_en="Seyhan Works",
                            email=UNIT_MAIL, manager_email=MANAGER_MAIL, active=True,
                            updated_at=0.0, updated_by="test"))
    yield factory
    await engine.dispose()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as inbox:
        yield inbox


@pytest.fixture
def clock() -> Clock:
    return Clock(at(2026, 3, 12, 15))  # Thursday 12 March 2026, 15:00 in Adana


@pytest.fixture
def store(sessions: async_sessionmaker[AsyncSession], clock: Clock,
          tmp_path: Path) -> TicketStore:
    return TicketStore(sessions, attachments_dir=tmp_path / "files", clock=clock)


@pytest.fixture
def sweep(sessions: async_sessionmaker[AsyncSession], clock: Clock) -> EscalationSweep:
    return EscalationSweep(sessions, clock=clock)


async def forwarded(store: TicketStore, category: str = "asfalt-cukuru") -> str:
    ticket = await store.create(
        TicketDraft(description="Yolda derin çukur var", category=category,
                    citizen_phone="05321112233", district="seyhan"), "op1001")
    await store.forward(ticket.number, UNIT, None, "op1001", suggested=UNIT)
    return ticket.number


async def outbox(sessions: async_sessionmaker[AsyncSession]) -> list[OutboxRow]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


async def climb(sweep: EscalationSweep, clock: Clock, *parts: int) -> list[tuple[str, Rung]]:
    clock.set(*parts)
    return [(done.number, done.step.rung) for done in await sweep.run_once()]


async def test_an_unacknowledged_ticket_climbs_reminder_warning_field_revisit(
    store: TicketStore, sweep: EscalationSweep, clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    number = await forwarded(store)
    ticket = await store.get(number)
    assert ticket is not None and ticket.ack_due_at == at(2026, 3, 13, 15)  # 8 working hours
    sms, news = await outbox(sessions)  # the citizen's SMS, the unit's e-mail
    assert (news.channel, news.purpose, news.recipient) == ("email", "forwarded", UNIT_MAIL)
    assert "05321112233" not in news.body and number in news.subject
    assert (sms.channel, sms.purpose, sms.recipient) == ("sms", "citizen_forwarded",
                                                         "05321112233")

    assert await climb(sweep, clock, 2026, 3, 13, 14, 59) == []
    assert await climb(sweep, clock, 2026, 3, 13, 15, 0) == [(number, Rung.REMINDER)]
    reminder = (await outbox(sessions))[-1]
    assert (reminder.purpose, reminder.recipient) == ("reminder", UNIT_MAIL)
    assert number in reminder.subject and "Hatırlatma" in reminder.subject
    assert "05321112233" not in reminder.body  # no citizen's number in a unit's e-mail

    # The next rung is 8 working hours on: Friday 15:00-17:30, then Monday until 15:00.
    assert await climb(sweep, clock, 2026, 3, 14, 12) == []  # Saturday
    assert await climb(sweep, clock, 2026, 3, 16, 14, 59) == []
    assert await climb(sweep, clock, 2026, 3, 16, 15, 0) == [(number, Rung.WARNING)]
    warnings = [m for m in await outbox(sessions) if m.purpose == "warning"]
    assert sorted(m.recipient for m in warnings) == sorted([UNIT_MAIL, MANAGER_MAIL])

    assert await climb(sweep, clock, 2026, 3, 17, 15, 0) == [(number, Rung.FIELD_REVISIT)]
    async with sessions() as session:
        [task] = await session.scalars(select(FieldTaskRow))
    assert (task.status, task.reason, task.created_by) == ("open", "escalation", "system")
    assert await climb(sweep, clock, 2026, 3, 30, 9) == []  # the top rung: the field team's
    events = [e for e in await store.events(number) if e.action == "escalated"]
    assert [e.changes["escalation_level"] for e in events] == [[0, 1], [1, 2], [2, 3]]
    assert {e.changes["missed"][1] for e in events} == {Missed.ACKNOWLEDGE.value}


async def test_acknowledging_restarts_the_ladder_for_the_resolve_deadline_over_bayram(
    store: TicketStore, sweep: EscalationSweep, clock: Clock,
) -> None:
    number = await forwarded(store)
    assert await climb(sweep, clock, 2026, 3, 13, 15, 0) == [(number, Rung.REMINDER)]
    clock.set(2026, 3, 13, 16)
    taken = await store.acknowledge(number, "seyhan1")
    assert (taken.status, taken.escalation_level) == (TicketStatus.IN_PROGRESS, 0)
    # 10 business days from 12 March: the eve (19th) counts, 20-22 March do not → 27 March.
    assert taken.resolve_due_at == at(2026, 3, 27, 17, 30)
    assert await climb(sweep, clock, 2026, 3, 27, 17, 29) == []
    assert await climb(sweep, clock, 2026, 3, 27, 17, 30) == [(number, Rung.REMINDER)]
    events = [e for e in await store.events(number) if e.action == "escalated"]
    assert events[-1].changes["missed"] == [None, Missed.RESOLVE.value]


async def test_waiting_for_the_call_centre_holds_the_ladder_and_a_resolve_ends_it(
    store: TicketStore, sweep: EscalationSweep, clock: Clock,
) -> None:
    number = await forwarded(store)
    clock.set(2026, 3, 13, 10)
    await store.request_info(number, "Kapı numarası nedir?", "seyhan1")
    assert await climb(sweep, clock, 2026, 4, 30, 10) == []  # far past both deadlines
    clock.set(2026, 4, 30, 11)
    answered = await store.answer_info(number, "Kapı no 14", "op1001")
    # The weeks the question waited at 153 are the unit's again: the deadline moved on.
    assert answered.resolve_due_at is not None and answered.resolve_due_at > at(2026, 5, 8)
    assert await climb(sweep, clock, 2026, 4, 30, 11) == []
    await store.resolve(number, "Çukur asfaltla kapatıldı", "seyhan1")
    assert await climb(sweep, clock, 2026, 6, 30, 11) == []


async def test_a_leave_day_declared_by_an_admin_moves_new_deadlines(
    store: TicketStore, sessions: async_sessionmaker[AsyncSession], clock: Clock,
) -> None:
    clock.set(2026, 4, 6, 9)  # Monday
    plain = await store.get(await forwarded(store, "su-sayaci"))  # 5 business days
    assert plain is not None and plain.resolve_due_at == at(2026, 4, 13, 17, 30)
    assert await LeaveDays(sessions).add(date(2026, 4, 8), "İdari izin (genelge)", "admin")
    later = await store.get(await forwarded(store, "su-sayaci"))
    assert later is not None and later.resolve_due_at == at(2026, 4, 14, 17, 30)


async def test_a_return_to_153_stops_the_clock_and_a_reroute_starts_it_again(
    store: TicketStore, sweep: EscalationSweep, clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    number = await forwarded(store)
    clock.set(2026, 3, 13, 9)
    returned = await store.return_to_call_centre(number, "Ana cadde: Büyükşehir'in", "seyhan1")
    assert (returned.status, returned.unit, returned.ack_due_at) == (
        TicketStatus.RETURNED, None, None)
    assert await climb(sweep, clock, 2026, 4, 1, 9) == []
    clock.set(2026, 4, 1, 10)
    again = await store.forward(number, "abb-fen-isleri", "Ana cadde", "op1001",
                                suggested="abb-fen-isleri")
    assert again.status is TicketStatus.FORWARDED and again.ack_due_at == at(2026, 4, 2, 10)
    sms = [m for m in await outbox(sessions) if m.channel == "sms"]
    assert len(sms) == 1  # the citizen was told once that it reached a unit
    trail = await store.events(number)
    assert trail[-1].changes["suggested"] == [None, "abb-fen-isleri"]
    assert json.dumps(trail[-2].changes, ensure_ascii=False).count("Büyükşehir") == 1


async def test_the_ladder_s_e_mails_reach_a_real_smtp_server(
    store: TicketStore, sweep: EscalationSweep, clock: Clock, tmp_path: Path,
    sessions: async_sessionmaker[AsyncSession], mailbox: Mailbox,
) -> None:
    inbox = mailbox
    smtp = SmtpSender(SmtpSettings(host="127.0.0.1", port=inbox.port, tls="none",
                                   from_address="alo153@adana.example.org"))
    dispatcher = OutboxDispatcher(sessions, {"email": smtp}, clock=clock)
    number = await forwarded(store)
    await climb(sweep, clock, 2026, 3, 13, 15, 0)
    await climb(sweep, clock, 2026, 3, 16, 15, 0)
    # The news of the forward, the reminder, the warning to the unit and to its manager.
    assert await dispatcher.run_once() == 4
    await smtp.close()
    assert sorted(m["To"] for m in inbox.received) == sorted(
        [UNIT_MAIL, UNIT_MAIL, UNIT_MAIL, MANAGER_MAIL])
    warning = next(m for m in inbox.received if m["To"] == MANAGER_MAIL)
    assert "UYARI" in warning["Subject"] and number in warning["Subject"]
    body = warning.get_body(("plain",))
    assert body is not None and "birim amirine de gönderilmiştir" in body.get_content()
    # The SMS to the citizen waits: no gateway is configured here, and nothing is dropped.
    pending = [m for m in await outbox(sessions) if m.status == "pending"]
    assert [m.channel for m in pending] == ["sms"]


async def test_a_resolve_after_the_field_revisit_was_sent_cancels_that_visit(
    store: TicketStore, sweep: EscalationSweep, clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    number = await forwarded(store)
    for day in (13, 16, 17):
        await climb(sweep, clock, 2026, 3, day, 15, 0)
    clock.set(2026, 3, 17, 16)
    await store.resolve(number, "Çukur kapatıldı", "seyhan1")
    async with sessions() as session:
        [task] = await session.scalars(select(FieldTaskRow))
    assert task.status == "cancelled"  # the team is not sent to a place already fixed
    last = (await store.events(number))[-1]
    assert (last.action, last.actor, last.changes["why"]) == (
        "field_task_cancelled", "seyhan1", [None, "resolved"])


async def test_a_leave_day_declared_later_moves_the_deadlines_already_running(
    store: TicketStore, sessions: async_sessionmaker[AsyncSession], clock: Clock,
) -> None:
    clock.set(2026, 4, 6, 9)  # Monday
    number = await forwarded(store, "su-sayaci")  # 5 business days: Monday 13 April, 17:30
    clock.set(2026, 4, 7, 9)
    days = LeaveDays(sessions, clock=clock)
    assert await days.add(date(2026, 4, 8), "İdari izin (genelge)", "admin")
    moved = await store.get(number)
    assert moved is not None and moved.resolve_due_at == at(2026, 4, 14, 17, 30)
    entry = (await store.events(number))[-1]
    assert (entry.action, entry.actor) == ("deadlines_moved", "admin")
    assert entry.changes["resolve_due_at"] == [at(2026, 4, 13, 17, 30), at(2026, 4, 14, 17, 30)]
    assert await days.remove(date(2026, 4, 8), "admin")
    back = await store.get(number)
    assert back is not None and back.resolve_due_at == at(2026, 4, 13, 17, 30)


async def test_a_question_s_wait_at_153_is_added_to_the_resolve_deadline(
    store: TicketStore, clock: Clock,
) -> None:
    clock.set(2026, 4, 6, 9)  # Monday; su-sayaci: resolve by Monday 13 April, 17:30
    number = await forwarded(store, "su-sayaci")
    clock.set(2026, 4, 7, 9)
    await store.request_info(number, "Sayaç numarası?", "aski1")
    clock.set(2026, 4, 8, 9)  # 153 answers a working day (8 hours) later
    answered = await store.answer_info(number, "Sayaç no 123", "op1001")
    assert answered.resolve_due_at == at(2026, 4, 14, 17, 30)
    again = await store.request_info(number, "Abone no?", "aski1")
    assert again.status is TicketStatus.INFO_REQUESTED
    clock.set(2026, 4, 8, 13, 30)  # 09:00-12:30 waited; the lunch hour is not work
    later = await store.answer_info(number, "Abone no 9", "op1001")
    assert later.resolve_due_at == at(2026, 4, 15, 12, 0)  # 8 + 3.5 working hours on


async def test_a_unit_s_failed_mail_goes_again_to_the_address_the_admin_filled_in_since(
    store: TicketStore, sweep: EscalationSweep, clock: Clock,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A unit without an address (its inbox gets the request; no forward e-mail is written),
    and a manager's address mistyped: the reminder and the warning fail. The admin fills both
    in; "send again" with no new address reaches them."""
    async with sessions.begin() as session:
        unit = await session.get(UnitRow, UNIT)
        assert unit is not None
        unit.parent, unit.email, unit.manager_email = None, "", "baskan-yardimcisi@seyhan"
    number = await forwarded(store)
    await climb(sweep, clock, 2026, 3, 13, 15, 0)  # the reminder
    await climb(sweep, clock, 2026, 3, 16, 15, 0)  # the warning, to the unit and its manager
    failed = [m for m in await outbox(sessions) if m.status == "failed"]
    assert [(m.purpose, m.unit, m.to_manager, m.recipient) for m in failed] == [
        ("reminder", UNIT, False, ""), ("warning", UNIT, False, ""),
        ("warning", UNIT, True, "baskan-yardimcisi@seyhan")]

    queries = OutboxQueries(sessions, clock=clock)
    with pytest.raises(BadRecipient):  # nobody has filled anything in yet: nothing changes
        await queries.requeue(failed[0].id, None, "sule")
    async with sessions.begin() as session:  # the manager's address now the unit's own
        unit = await session.get(UnitRow, UNIT)
        assert unit is not None
        unit.email, unit.manager_email = UNIT_MAIL, UNIT_MAIL
    with pytest.raises(BadRecipient):  # the manager's copy would be the unit's second one
        await queries.requeue(failed[2].id, None, "sule")
    async with sessions.begin() as session:
        unit = await session.get(UnitRow, UNIT)
        assert unit is not None
        unit.manager_email = MANAGER_MAIL
    again = [await queries.requeue(m.id, None, "sule") for m in failed]
    assert [(m.status, m.recipient) for m in again] == [
        ("pending", UNIT_MAIL), ("pending", UNIT_MAIL), ("pending", MANAGER_MAIL)]
    assert all(m.tries[-1].detail.startswith("sule yeni adrese") for m in again)
    assert {m.ticket_number for m in again} == {number}


async def test_a_burst_main_left_alone_on_a_friday_night_is_chased_through_the_night(
    store: TicketStore, sweep: EscalationSweep, clock: Clock,
) -> None:
    """Round the clock, two hours to see it: the reminder at midnight and the warning two
    hours later, not on Monday; the field team by 04:00 on Saturday."""
    clock.set(2026, 3, 13, 22)
    number = await forwarded(store, "su-arizasi")
    assert await climb(sweep, clock, 2026, 3, 13, 23, 59) == []
    assert await climb(sweep, clock, 2026, 3, 14, 0, 0) == [(number, Rung.REMINDER)]
    assert await climb(sweep, clock, 2026, 3, 14, 1, 59) == []
    assert await climb(sweep, clock, 2026, 3, 14, 2, 0) == [(number, Rung.WARNING)]
    assert await climb(sweep, clock, 2026, 3, 14, 4, 0) == [(number, Rung.FIELD_REVISIT)]
