"""Administrative leave days (idari izin): kept by an admin, read by every deadline.

A circular announces them a few weeks ahead; until a deadline's calendar knows the day, a
unit would be chased for a day nobody worked. The business calendar for a transaction is
built from this table, cached per set of days (building one loads the holiday tables).
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.calendar import BusinessCalendar
from cti.storage.models import LeaveDayRow

MAX_REASON = 200


@dataclass(frozen=True)
class LeaveDay:
    day: date
    reason: str
    added_by: str
    added_at: float


class LeaveDays:
    def __init__(self, sessions: async_sessionmaker[AsyncSession],
                 clock: Callable[[], float] = time.time) -> None:
        self._sessions = sessions
        self._clock = clock

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
        async with self._sessions.begin() as session:
            if await session.get(LeaveDayRow, day.isoformat()) is not None:
                return False
            session.add(LeaveDayRow(day=day.isoformat(), reason=reason, added_by=actor,
                                    added_at=self._clock()))
        return True

    async def remove(self, day: date) -> bool:
        async with self._sessions.begin() as session:
            gone = await session.execute(
                delete(LeaveDayRow).where(LeaveDayRow.day == day.isoformat())
                .returning(LeaveDayRow.day)
            )
            return gone.first() is not None


async def business_calendar(session: AsyncSession) -> BusinessCalendar:
    """The calendar with the leave days this transaction sees."""
    days = await session.scalars(select(LeaveDayRow.day))
    return _calendar(frozenset(date.fromisoformat(d) for d in days))


@functools.lru_cache(maxsize=16)
def _calendar(leave_days: frozenset[date]) -> BusinessCalendar:
    return BusinessCalendar(leave_days)
