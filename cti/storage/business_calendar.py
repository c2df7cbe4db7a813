"""The business calendar a transaction sees: Turkish public holidays and the declared
administrative leave days (`leave_days`), cached per set of days (building one loads the
holiday tables)."""

from __future__ import annotations

import functools
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cti.domain.calendar import BusinessCalendar
from cti.storage.models import LeaveDayRow


async def business_calendar(session: AsyncSession) -> BusinessCalendar:
    """The calendar with the leave days this transaction sees."""
    days = await session.scalars(select(LeaveDayRow.day))
    return _calendar(frozenset(date.fromisoformat(d) for d in days))


@functools.lru_cache(maxsize=16)
def _calendar(leave_days: frozenset[date]) -> BusinessCalendar:
    return BusinessCalendar(leave_days)
