"""A day of feedback calls in figures, for the team leader: what came of the callbacks, how
the calls went, and each operator's share (Europe/Istanbul days).

Read from the dialer's own record: callbacks finished that day by their outcome, attempts
placed that day by their outcome, the contact rate (callbacks finished that day whose citizen
was reached by an operator), and the satisfaction scores given on those tickets.
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


@dataclass(frozen=True)
class OperatorDay:
    calls: int = 0  # connected to them
    talk_seconds: float = 0.0


@dataclass(frozen=True)
class DaySummary:
    day: date
    callbacks: Counter[str] = field(default_factory=Counter)  # finished, by outcome
    attempts: Counter[str] = field(default_factory=Counter)  # placed, by outcome
    contact_rate: float | None = None  # reached / finished
    satisfaction_average: float | None = None
    satisfaction_count: int = 0
    operators: dict[str, OperatorDay] = field(default_factory=dict)


async def day_summary(sessions: async_sessionmaker[AsyncSession], day: date) -> DaySummary:
    start = datetime.combine(day, time(), ISTANBUL).timestamp()
    end = datetime.combine(day + timedelta(days=1), time(), ISTANBUL).timestamp()
    async with sessions() as session:
        finished = (await session.execute(
            select(CallbackRow.outcome, TicketRow.satisfaction)
            .join(TicketRow, TicketRow.id == CallbackRow.ticket_id)
            .where(CallbackRow.done_at >= start, CallbackRow.done_at < end))).all()
        calls = (await session.execute(
            select(CallbackAttemptRow.outcome, CallbackAttemptRow.operator,
                   CallbackAttemptRow.connected_at,
                   # The operator's part ends when they hang up; the survey is the citizen's.
                   func.coalesce(CallbackAttemptRow.left_at, CallbackAttemptRow.ended_at))
            .where(CallbackAttemptRow.placed_at >= start,
                   CallbackAttemptRow.placed_at < end))).all()
    outcomes = Counter(outcome or "unknown" for outcome, _ in finished)
    scores = [score for _, score in finished if score is not None]
    return DaySummary(
        day=day, callbacks=outcomes,
        attempts=Counter(outcome or "in_progress" for outcome, *_ in calls),
        contact_rate=(sum(outcomes[o] for o in REACHED) / len(finished)) if finished else None,
        satisfaction_average=sum(scores) / len(scores) if scores else None,
        satisfaction_count=len(scores), operators=_operators(calls),
    )


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
