"""What was sent about a ticket, to whom, and each try: the delivery log; and the messages
that are stuck (failed, or still waiting) for the supervisor, who may send one again."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.notify.requeue import requeue
from cti.storage.models import OutboxAttemptRow, OutboxRow, Ticket

MAX_PAGE = 200


@dataclass(frozen=True)
class DeliveryAttempt:
    at: float
    ok: bool
    detail: str


@dataclass(frozen=True, kw_only=True)
class Delivery:
    id: int
    ticket_number: str | None
    channel: str
    purpose: str
    recipient: str  # as stored: the web layer masks phone numbers
    subject: str
    status: str
    attempts: int
    created_at: float
    next_attempt_at: float
    sent_at: float | None
    last_error: str | None
    provider_id: str | None
    unit: str | None  # a message to a unit: its code
    to_manager: bool  # … sent to whoever answers for the unit
    tries: tuple[DeliveryAttempt, ...]


async def delivery_log(
    sessions: async_sessionmaker[AsyncSession], ticket_number: str
) -> list[Delivery]:
    """The ticket's messages, oldest first, each with its tries; [] for an unknown ticket."""
    return await OutboxQueries(sessions).for_ticket(ticket_number) or []


class OutboxQueries:
    """The outbox as the web layer reads it, and sends a failed message again."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def for_ticket(self, ticket_number: str) -> list[Delivery] | None:
        """The ticket's messages, oldest first; None when there is no such ticket."""
        async with self._sessions() as session:
            ticket_id = await session.scalar(
                select(Ticket.id).where(Ticket.number == ticket_number))
            if ticket_id is None:
                return None
            query = _messages().where(OutboxRow.ticket_id == ticket_id).order_by(OutboxRow.id)
            return await _deliveries(session, query)

    async def stuck(self, status: str, limit: int) -> list[Delivery]:
        """Messages with `status` (pending or failed), newest first, at most `limit`."""
        async with self._sessions() as session:
            query = (_messages().where(OutboxRow.status == status)
                     .order_by(OutboxRow.id.desc()).limit(min(limit, MAX_PAGE)))
            return await _deliveries(session, query)

    async def requeue(self, message_id: int, recipient: str | None, actor: str) -> Delivery:
        """The failed message back in the queue, due now (`cti.notify.requeue.requeue`, with
        its errors); the message as it is then."""
        async with self._sessions.begin() as session:
            await requeue(session, message_id, recipient=recipient, actor=actor,
                          now=self._clock())
        async with self._sessions() as session:
            [delivery] = await _deliveries(session, _messages().where(OutboxRow.id == message_id))
        return delivery


def _messages() -> Select[OutboxRow, str]:
    return select(OutboxRow, Ticket.number).outerjoin(
        Ticket, Ticket.id == OutboxRow.ticket_id)


async def _deliveries(
    session: AsyncSession, query: Select[OutboxRow, str]
) -> list[Delivery]:
    found = (await session.execute(query)).all()
    tries = await _tries(session, [row.id for row, _ in found])
    return [_delivery(row, number, tries.get(row.id, ())) for row, number in found]


async def _tries(
    session: AsyncSession, ids: Sequence[int]
) -> dict[int, tuple[DeliveryAttempt, ...]]:
    if not ids:
        return {}
    rows = await session.scalars(
        select(OutboxAttemptRow).where(OutboxAttemptRow.message_id.in_(ids))
        .order_by(OutboxAttemptRow.message_id, OutboxAttemptRow.id))
    grouped: dict[int, list[DeliveryAttempt]] = {}
    for row in rows:
        grouped.setdefault(row.message_id, []).append(
            DeliveryAttempt(row.at, row.ok, row.detail))
    return {message_id: tuple(tries) for message_id, tries in grouped.items()}


def _delivery(
    row: OutboxRow, number: str | None, tries: tuple[DeliveryAttempt, ...]
) -> Delivery:
    return Delivery(
        id=row.id, ticket_number=number, channel=row.channel, purpose=row.purpose,
        recipient=row.recipient, subject=row.subject, status=row.status,
        attempts=row.attempts, created_at=row.created_at, next_attempt_at=row.next_attempt_at,
        sent_at=row.sent_at, last_error=row.last_error, provider_id=row.provider_id,
        unit=row.unit, to_manager=row.to_manager, tries=tries,
    )
