"""A day of feedback calls in figures, for the team leader: what came of the callbacks, how
the calls went, and each operator's share (Europe/Istanbul days).

Read from the dialer's own record: callbacks finished that day by their outcome, attempts
placed that day by their outcome, the contact rate (callbacks finished that day whose citizen
was reached by an operator, of those not cancelled: called off by a supervisor, or their ticket
closed or reopened before the citizen was reached), the satisfaction scores
given on those tickets, and the finished callbacks one by one (ticket, unit, outcome, who
spoke to the citizen, the score), so the team leader checks the day without a spreadsheet.
No phone numbers, no names.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.calendar import ISTANBUL
from cti.storage.models import CallbackAttemptRow, CallbackRow
from cti.storage.models import Ticket as TicketRow

REACHED = frozenset({"confirmed", "not_solved", "wrong_number"})  # an operator spoke to them
MAX_FINISHED = 500  # a day's list at most; the counts above are always whole


@dataclass(frozen=True)
class FinishedCallback:
    callback_id: int
    ticket_number: str
    unit: str | None
    outcome: str
    operator: str | None  # the last operator who had the citizen on the line
    satisfaction: int | None
    attempts: int  # calls placed for it, all told
    done_at: float


@dataclass(frozen=True)
class OperatorDay:
    calls: int = 0  # connected to them
    talk_seconds: float = 0.0


@dataclass(frozen=True)
class DaySummary:
    day: date
    callbacks: Counter[str] = field(default_factory=Counter)  # finished, by outcome
    attempts: Counter[str] = field(default_factory=Counter)  # placed, by outcome
    contact_rate: float | None = None  # reached / finished, cancelled ones left out
    satisfaction_average: float | None = None
    satisfaction_count: int = 0
    operators: dict[str, OperatorDay] = field(default_factory=dict)
    finished: tuple[FinishedCallback, ...] = ()  # the latest first


async def day_summary(sessions: async_sessionmaker[AsyncSession], day: date) -> DaySummary:
    start = datetime.combine(day, time(), ISTANBUL).timestamp()
    end = datetime.combine(day + timedelta(days=1), time(), ISTANBUL).timestamp()
    async with sessions() as session:
        finished = (await session.execute(
            select(CallbackRow.outcome, TicketRow.satisfaction)
            .join(TicketRow, TicketRow.id == CallbackRow.ticket_id)
            .where(CallbackRow.done_at >= start, CallbackRow.done_at < end))).all()
        listed = await _finished(session, start, end)
        calls = (await session.execute(
            select(CallbackAttemptRow.outcome, CallbackAttemptRow.operator,
                   CallbackAttemptRow.connected_at,
                   # The operator's part ends when they hang up; the survey is the citizen's.
                   func.coalesce(CallbackAttemptRow.left_at, CallbackAttemptRow.ended_at))
            .where(CallbackAttemptRow.placed_at >= start,
                   CallbackAttemptRow.placed_at < end))).all()
    outcomes = Counter(outcome or "unknown" for outcome, _ in finished)
    scores = [score for _, score in finished if score is not None]
    # A callback cancelled (called off, or its ticket moved on) was never tried to the end.
    tried = len(finished) - outcomes["cancelled"]
    return DaySummary(
        day=day, callbacks=outcomes,
        attempts=Counter(outcome or "in_progress" for outcome, *_ in calls),
        contact_rate=(sum(outcomes[o] for o in REACHED) / tried) if tried else None,
        satisfaction_average=sum(scores) / len(scores) if scores else None,
        satisfaction_count=len(scores), operators=_operators(calls), finished=listed,
    )


async def _finished(session: AsyncSession, start: float,
                    end: float) -> tuple[FinishedCallback, ...]:
    """The callbacks finished in [start, end), the latest first, each with the operator of
    its latest call that reached one."""
    rows = (await session.execute(
        select(CallbackRow.id, TicketRow.number, TicketRow.unit, CallbackRow.outcome,
               TicketRow.satisfaction, CallbackRow.attempts, CallbackRow.done_at)
        .join(TicketRow, TicketRow.id == CallbackRow.ticket_id)
        .where(CallbackRow.done_at >= start, CallbackRow.done_at < end)
        .order_by(CallbackRow.done_at.desc(), CallbackRow.id.desc())
        .limit(MAX_FINISHED))).all()
    spoke: dict[int, str] = {}
    if rows:
        calls = await session.execute(
            select(CallbackAttemptRow.callback_id, CallbackAttemptRow.operator)
            .where(CallbackAttemptRow.callback_id.in_([row.id for row in rows]),
                   CallbackAttemptRow.connected_at.is_not(None))
            .order_by(CallbackAttemptRow.seq))
        spoke = {callback_id: operator for callback_id, operator in calls  # the last wins
                 if operator is not None}
    return tuple(
        FinishedCallback(row.id, row.number, row.unit, row.outcome or "unknown",
                         spoke.get(row.id), row.satisfaction, row.attempts, row.done_at)
        for row in rows)


def _operators(calls: Iterable[Any]) -> dict[str, OperatorDay]:
    """Each operator's calls connected that day and their talk time (rows of outcome,
    operator, connected_at, and when the operator left or else the call ended)."""
    days: dict[str, OperatorDay] = {}
    for _, operator, connected_at, ended_at in calls:
        if operator is None or connected_at is None:
            continue
        seen = days.get(operator, OperatorDay())
        talk = (ended_at - connected_at) if ended_at is not None else 0.0
        days[operator] = OperatorDay(seen.calls + 1, seen.talk_seconds + max(0.0, talk))
    return dict(sorted(days.items()))
