"""Writing to the outbox: a message commits with its cause or not at all, and a message to an
address nobody can use is kept as failed with its reason, never dropped or raised."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.tickets.ticket import TicketDraft
from cti.notify.delivery_log import delivery_log
from cti.notify.outbox import FAILED, PENDING, enqueue, subscribe
from cti.notify.recipients import (
    BAD_EMAIL,
    BAD_MOBILE,
    NO_ADDRESS,
    BadRecipient,
    checked_recipient,
    shown_recipient,
)
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.models import OutboxAttemptRow, OutboxRow
from cti.storage.models import Ticket as TicketRow
from cti.storage.tickets import TicketStore

T0 = 1_767_225_600.0
Sessions = async_sessionmaker[AsyncSession]


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}"
    await upgrade(url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


async def a_ticket(sessions: Sessions, tmp_path: Path) -> tuple[str, int]:
    store = TicketStore(sessions, attachments_dir=tmp_path / "files", clock=lambda: T0)
    ticket = await store.create(TicketDraft(description="Sokak lambası yanmıyor",
                                            citizen_phone="05321112233",
                                            category="su-arizasi"), "op1001")
    async with sessions() as session:
        ticket_id = await session.scalar(
            select(TicketRow.id).where(TicketRow.number == ticket.number))
    assert ticket_id is not None
    return ticket.number, ticket_id


async def rows(sessions: Sessions) -> list[OutboxRow]:
    async with sessions() as session:
        return list(await session.scalars(select(OutboxRow).order_by(OutboxRow.id)))


async def test_a_message_is_written_pending_with_its_normalised_number(
    sessions: Sessions,
) -> None:
    async with sessions.begin() as session:
        row = enqueue(session, channel="sms", purpose="citizen_forwarded",
                      recipient="+90 532 111 22 33", body="Talebiniz iletildi.", now=T0)
    [stored] = await rows(sessions)
    assert stored.id == row.id
    assert (stored.status, stored.recipient, stored.attempts) == (PENDING, "05321112233", 0)
    assert stored.next_attempt_at == stored.created_at == T0


async def test_a_message_in_a_transaction_that_rolls_back_is_never_written(
    sessions: Sessions,
) -> None:
    with pytest.raises(RuntimeError):
        async with sessions.begin() as session:
            enqueue(session, channel="email", purpose="warning",
                    recipient="park-bahce@adana.bel.tr", body="Uyarı", now=T0)
            enqueue(session, channel="sms", purpose="citizen_forwarded", recipient="",
                    body="x", now=T0)
            await session.flush()
            raise RuntimeError("the ticket change failed")
    assert await rows(sessions) == []
    async with sessions() as session:
        assert list(await session.scalars(select(OutboxAttemptRow))) == []


@pytest.mark.parametrize(
    ("channel", "recipient", "reason"),
    [
        ("sms", "", NO_ADDRESS),
        ("sms", "   ", NO_ADDRESS),
        ("email", "", NO_ADDRESS),
        ("sms", "0322 123 45 67", BAD_MOBILE),  # a landline in Adana: no SMS
        ("sms", "+49 151 2345 6789", BAD_MOBILE),
        ("sms", "153", BAD_MOBILE),
        ("email", "birim@", BAD_EMAIL),
        ("email", "a@b.tr\r\nBcc: everyone@example.org", BAD_EMAIL),
        ("email", "ad soyad@adana.bel.tr", BAD_EMAIL),
    ],
)
async def test_an_unusable_address_gives_a_failed_message_with_its_reason(
    sessions: Sessions, tmp_path: Path, channel: str, recipient: str, reason: str
) -> None:
    number, ticket_id = await a_ticket(sessions, tmp_path)
    async with sessions.begin() as session:
        enqueue(session, channel=channel, purpose="citizen_forwarded", recipient=recipient,
                body="Talebiniz ilgili birime iletildi.", now=T0, ticket_id=ticket_id)
    [delivery] = await delivery_log(sessions, number)
    assert delivery.status == FAILED and delivery.last_error == reason
    assert [(t.ok, t.detail, t.at) for t in delivery.tries] == [(False, reason, T0)]


async def test_a_refused_and_a_good_message_in_one_transaction_keep_their_own_logs(
    sessions: Sessions, tmp_path: Path
) -> None:
    number, ticket_id = await a_ticket(sessions, tmp_path)
    async with sessions.begin() as session:
        for recipient in ("", "0532 111 22 33", "yok"):
            enqueue(session, channel="sms", purpose="citizen_resolved", recipient=recipient,
                    body="Talebiniz çözüldü.", now=T0, ticket_id=ticket_id)
    log = await delivery_log(sessions, number)
    assert [(d.status, len(d.tries)) for d in log] == [(FAILED, 1), (PENDING, 0), (FAILED, 1)]
    assert [d.tries[0].detail for d in log if d.tries] == [NO_ADDRESS, BAD_MOBILE]


async def test_a_subject_cannot_carry_a_header_of_its_own(sessions: Sessions) -> None:
    async with sessions.begin() as session:
        enqueue(session, channel="email", purpose="warning", recipient="aski@adana.bel.tr",
                subject="Uyarı\r\nBcc: everyone@example.org", body="x", now=T0,
                attachment_ids=[3, 4])
    [stored] = await rows(sessions)
    assert stored.subject == "Uyarı Bcc: everyone@example.org"
    assert stored.attachment_ids == "[3, 4]"


async def test_an_unknown_channel_is_a_programming_error(sessions: Sessions) -> None:
    async with sessions() as session:
        with pytest.raises(ValueError, match="channel"):
            enqueue(session, channel="fax", purpose="warning", recipient="x", body="x", now=T0)


async def test_listeners_hear_of_a_commit_with_something_to_send_only(
    sessions: Sessions,
) -> None:
    heard: list[int] = []
    unsubscribe = subscribe(lambda: heard.append(1))
    try:
        async with sessions.begin() as session:
            enqueue(session, channel="sms", purpose="x", recipient="", body="x", now=T0)
        assert heard == []  # only a failed row: nothing for the dispatcher
        async with sessions.begin() as session:
            enqueue(session, channel="sms", purpose="x", recipient="05321112233", body="x",
                    now=T0)
        assert heard == [1]
        with pytest.raises(RuntimeError):
            async with sessions.begin() as session:
                enqueue(session, channel="sms", purpose="x", recipient="05321112233",
                        body="x", now=T0)
                raise RuntimeError
        assert heard == [1]
    finally:
        unsubscribe()


def test_mobile_numbers_in_any_written_form_are_one_number() -> None:
    for written in ("05321112233", "0 (532) 111 22 33", "+905321112233", "905321112233",
                    "5321112233"):
        assert checked_recipient("sms", written) == "05321112233"
    with pytest.raises(BadRecipient):
        checked_recipient("sms", "0532111223")  # a digit short


def test_phone_numbers_are_shown_masked_and_unit_addresses_as_they_are() -> None:
    assert shown_recipient("sms", "05321112233") == "*********33"
    assert shown_recipient("email", "aski@adana.bel.tr") == "aski@adana.bel.tr"
