"""Administrative leave days (idari izin): kept by an admin, read by every deadline.

A circular announces them a few weeks ahead, when many forwarded requests already have their
deadlines: declaring or withdrawing a day counts the deadlines of every ticket at a unit again,
in the same transaction, so no unit is chased for a day nobody worked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.deadlines import DeadlineRules, deadline_rules
from cti.storage.db import dialect_insert
from cti.storage.models import LeaveDayRow
from cti.storage.ticket_effects import recount_deadlines

MAX_REASON = 200


@dataclass(frozen=True)
class LeaveDay:
    day: date
    reason: str
    added_by: str
    added_at: float


class LeaveDays:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 clock: Callable[[], float] = time.time,
                 rules: DeadlineRules | None = None) -> None:
        self._sessions = sessions
        self._clock = clock
        self._rules = rules or deadline_rules()

    async def list(self) -> list[LeaveDay]:
        async with self._sessions() as session:
            rows = await session.scalars(select(LeaveDayRow).order_by(LeaveDayRow.day))
            return [LeaveDay(date.fromisoformat(r.day), r.reason, r.added_by, r.added_at)
                    for r in rows]

    async def add(self, day: date, reason: str, actor: str) -> bool:
        """Declare a leave day; False if it was already declared (its reason is kept)."""
        reason = reason.strip()
        if not reason or len(reason) > MAX_REASON:
            raise ValueError(f"a leave day needs a reason of 1 to {MAX_REASON} characters")
        now = self._clock()
        async with self._sessions.begin() as session:
            # Written first: a read first would pin a snapshot a concurrent commit can stale.
            insert = dialect_insert(session)(LeaveDayRow).values(
                day=day.isoformat(), reason=reason, added_by=actor, added_at=now)
            added = await session.execute(
                insert.on_conflict_do_nothing().returning(LeaveDayRow.day))
            if added.scalar_one_or_none() is None:
                return False
            await recount_deadlines(session, self._rules, actor, now,
                                    f"leave day {day.isoformat()} declared")
        return True

    async def remove(self, day: date, actor: str = "system") -> bool:
        now = self._clock()
        async with self._sessions.begin() as session:
            gone = await session.execute(
                delete(LeaveDayRow).where(LeaveDayRow.day == day.isoformat())
                .returning(LeaveDayRow.day)
            )
            if gone.first() is None:
                return False
            await recount_deadlines(session, self._rules, actor, now,
                                    f"leave day {day.isoformat()} withdrawn")
        return True
