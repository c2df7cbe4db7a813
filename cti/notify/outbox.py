"""Writing a message to the outbox: in the caller's transaction, so it is sent if and only if
its cause (a forward, a resolution, an escalation) is committed.

A message to an address that cannot be used (none at all, not an e-mail address, not a
Turkish mobile number) is still written, as failed, with an attempt saying why: the gap shows
in the ticket's delivery log instead of the message silently not existing. Raising instead
would roll back the caller's ticket change for want of a phone number.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from cti.notify.recipients import CHANNELS, MAX_ADDRESS, BadRecipient, checked_recipient
from cti.storage.models import OutboxAttemptRow, OutboxRow

PENDING, SENT, FAILED = "pending", "sent", "failed"
STATUSES = (PENDING, SENT, FAILED)
MAX_SUBJECT = 255

# Keys in Session.info: the session's hooks are installed once, whatever the number of
# messages enqueued in it.
_REFUSED = "cti.notify.refused"
_HOOKED = "cti.notify.hooked"
_WAKE = "cti.notify.wake"

_listeners: list[Callable[[], None]] = []


def enqueue(
    session: AsyncSession,
    *,
    channel: str,
    purpose: str,
    recipient: str,
    body: str,
    now: float,
    subject: str = "",
    ticket_id: int | None = None,
    attachment_ids: Sequence[int] = (),
    unit: str | None = None,
    to_manager: bool = False,
) -> OutboxRow:
    """Add a message to the caller's open transaction; the row (its id is set at flush).

    `channel` is "email" or "sms" (anything else is a programming error: ValueError).
    Attachments (ticket attachment ids) go with e-mail only. `unit` names the unit a message
    to a unit is for (`to_manager`: to the one who answers for it), so a re-send can find the
    unit's address of the day.
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown outbox channel {channel!r}")
    try:
        address, refusal = checked_recipient(channel, recipient), None
    except BadRecipient as bad:
        address, refusal = recipient.strip()[:MAX_ADDRESS], bad.detail
    row = OutboxRow(
        ticket_id=ticket_id, channel=channel, purpose=purpose, recipient=address,
        subject=_one_line(subject)[:MAX_SUBJECT], body=body,
        attachment_ids=json.dumps([int(i) for i in attachment_ids]),
        status=PENDING if refusal is None else FAILED, attempts=0, next_attempt_at=now,
        created_at=now, sent_at=None, last_error=refusal, provider_id=None, unit=unit,
        to_manager=to_manager,
    )
    session.add(row)
    if refusal is None:
        wake_after_commit(session)
    else:
        sync = session.sync_session
        _hook(sync)
        sync.info.setdefault(_REFUSED, []).append((row, refusal, now))
    return row


def wake_after_commit(session: AsyncSession) -> None:
    """Have the dispatcher look for due messages as soon as the caller's transaction commits
    (not at all if it rolls back)."""
    sync = session.sync_session
    _hook(sync)
    sync.info[_WAKE] = True


def subscribe(listener: Callable[[], None]) -> Callable[[], None]:
    """Call `listener` after every commit that wrote a message to send (the dispatcher's
    wake-up); the function that ends the subscription."""
    _listeners.append(listener)
    return lambda: _listeners.remove(listener)


def _one_line(text: str) -> str:
    # A line break in a header would let the text write headers of its own.
    return " ".join(text.split())


def _hook(session: Session) -> None:
    if session.info.get(_HOOKED):
        return
    session.info[_HOOKED] = True
    event.listen(session, "after_flush_postexec", _record_refusals)
    event.listen(session, "after_commit", _wake_listeners)
    event.listen(session, "after_soft_rollback", _forget)


def _record_refusals(session: Session, _context: Any) -> None:
    """The attempt row of each refused message flushed just now: it needs the message's id,
    known only after the flush. Objects added here go in the commit's next flush."""
    waiting = session.info.get(_REFUSED, [])
    flushed = [(row, detail, at) for row, detail, at in waiting if row.id is not None]
    session.info[_REFUSED] = [item for item in waiting if item[0].id is None]
    for row, detail, at in flushed:
        session.add(OutboxAttemptRow(message_id=row.id, at=at, ok=False, detail=detail))


def _wake_listeners(session: Session) -> None:
    if session.info.pop(_WAKE, False):
        for listener in list(_listeners):
            listener()


def _forget(session: Session, _previous: Any) -> None:
    session.info.pop(_REFUSED, None)
    session.info.pop(_WAKE, None)
