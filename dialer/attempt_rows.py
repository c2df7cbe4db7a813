"""An attempt's and its callback's rows inside one of the store's transactions: each locked by a
write before it is read (see dialer/callbacks.py), then changed."""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from cti.storage.models import CallbackAttemptRow, CallbackRow
from dialer.attempt_end import Settlement
from dialer.states import AttemptState, CallbackStatus

MAX_TEXT = 64  # cause and channel columns


async def locked_attempt(session: AsyncSession, attempt_id: str) -> CallbackAttemptRow | None:
    """The attempt if it has not ended, after a no-op write that locks it."""
    lock = (
        update(CallbackAttemptRow)
        .where(CallbackAttemptRow.id == attempt_id, CallbackAttemptRow.ended_at.is_(None))
        .values(state=CallbackAttemptRow.state)
        .returning(CallbackAttemptRow.id)
        .execution_options(synchronize_session=False)
    )
    if (await session.execute(lock)).scalar_one_or_none() is None:
        return None
    return await session.get(CallbackAttemptRow, attempt_id)


async def locked_callback(session: AsyncSession, callback_id: int, at: float) -> CallbackRow:
    lock = (
        update(CallbackRow).where(CallbackRow.id == callback_id).values(updated_at=at)
        .returning(CallbackRow.id).execution_options(synchronize_session=False)
    )
    await session.execute(lock)
    row = await session.get(CallbackRow, callback_id)
    assert row is not None  # an attempt lives only as long as its callback (ON DELETE CASCADE)
    return row


def moved_on(row: CallbackAttemptRow, state: AttemptState, at: float) -> bool:
    """Move the attempt forward to `state` (never back); whether it moved."""
    if state.rank <= AttemptState(row.state).rank:
        return False
    row.state = state
    if state.rank >= AttemptState.ANSWERED.rank and row.answered_at is None:
        row.answered_at = at
    if state is AttemptState.CONNECTED:
        row.connected_at = at
    if state is AttemptState.LEFT:
        row.left_at = at
    return True


def noted(row: CallbackAttemptRow, operator: str | None, channel: str | None) -> None:
    if operator:
        row.operator = operator[:MAX_TEXT]
    if channel and row.channel is None:
        row.channel = channel[:MAX_TEXT]


def settled(callback: CallbackRow, settlement: Settlement, at: float) -> None:
    callback.status = settlement.status
    if settlement.next_attempt_at is not None:
        callback.next_attempt_at = settlement.next_attempt_at
        callback.assigned_to = None  # back to the queue, for whoever is free then
    if settlement.verdict is not None:
        callback.outcome, callback.done_at = settlement.verdict, at


def connected(callback: CallbackRow) -> None:
    """An operator has the citizen: the callback waits for their verdict."""
    if callback.status == CallbackStatus.CALLING:
        callback.status = CallbackStatus.CONNECTED


def trail(row: CallbackAttemptRow, next_attempt_at: float | None) -> dict[str, list[Any]]:
    """The ticket event's changes for an attempt's end (action "callback_attempt")."""
    changes: dict[str, list[Any]] = {"attempt": [None, row.seq], "outcome": [None, row.outcome]}
    if row.cause:
        changes["cause"] = [None, row.cause]
    if row.operator:
        changes["operator"] = [None, row.operator]
    if next_attempt_at is not None:
        changes["next_attempt_at"] = [None, next_attempt_at]
    return changes
