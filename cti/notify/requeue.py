"""Sending a failed message again: the supervisor who found why it failed (no address, a
wrong number, a mail server that refused it for a day) puts it back in the queue, with a new
address or the one it had. A message to a unit sent again with no new address goes to the
unit's address as the admin page has it now: filling in a unit's missing address there and
pressing "send again" is how a supervisor mends the gap.

The message keeps its tries (the delivery log shows the whole story, the re-queue included)
and gets its full number of retries again. Only a failed message is re-queued: a pending one
may be in a dispatcher's hands this very second, and making it due again would send it twice.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from cti.notify.outbox import FAILED, PENDING, wake_after_commit
from cti.notify.recipients import checked_recipient, shown_recipient
from cti.storage.models import OutboxAttemptRow, OutboxRow
from cti.storage.unit_contacts import unit_contacts

log = logging.getLogger(__name__)


class MessageNotFound(LookupError):
    pass


class NotFailed(Exception):
    """The message is not failed (sent, or still waiting): nothing to send again."""

    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


async def requeue(
    session: AsyncSession, message_id: int, *, recipient: str | None, actor: str, now: float
) -> None:
    """Put a failed message back in the queue, due `now`, in the caller's transaction.

    `recipient` replaces the stored address when given (`_address` otherwise); either is
    checked as enqueue checks it (BadRecipient). MessageNotFound, NotFailed otherwise.
    """
    row = await session.get(OutboxRow, message_id)
    if row is None:
        raise MessageNotFound(message_id)
    if row.status != FAILED:
        raise NotFailed(row.status)
    address = checked_recipient(row.channel, await _address(session, row, recipient))
    new_address = address != row.recipient
    # Still failed at the moment of writing: two supervisors clicking at once re-queue it once.
    result = await session.execute(
        update(OutboxRow).where(OutboxRow.id == message_id, OutboxRow.status == FAILED)
        .values(status=PENDING, recipient=address, attempts=0, next_attempt_at=now,
                last_error=None)
        .execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 1):
        raise NotFailed(PENDING)
    # A line in the delivery log, not a try: `ok` is false as nothing was sent.
    session.add(OutboxAttemptRow(message_id=message_id, at=now, ok=False,
                                 detail=requeued(actor, new_address)))
    wake_after_commit(session)
    log.info("outbox %d (%s to %s) re-queued by %s%s", message_id, row.channel,
             shown_recipient(row.channel, address), actor,
             " to a new address" if new_address else "")


async def _address(session: AsyncSession, row: OutboxRow, typed: str | None) -> str:
    """The address typed in; else, for a unit's message, the unit's (or its manager's) as it
    is now, when there is one; else the message's own."""
    if typed is not None:
        return typed
    if row.unit is not None:
        contacts = await unit_contacts(session, row.unit)
        current = contacts.address(to_manager=row.to_manager)
        # A manager's copy whose manager now shares the unit's address would be the unit's
        # second copy: it goes to its own (failed) address, or to one typed in.
        duplicate = row.to_manager and current == contacts.email
        if current and not duplicate:
            return current
    return row.recipient


def requeued(actor: str, new_address: bool) -> str:
    if new_address:
        return f"{actor} yeni adrese yeniden gönderime aldı / re-queued to a new address by {actor}"
    return f"{actor} yeniden gönderime aldı / re-queued by {actor}"
