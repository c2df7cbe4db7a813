"""The callback queue as the dialer and the feedback console read it, and preview's taking
of one callback by an operator (`CallbackStore` adds the dialer's writes)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date

from sqlalchemy import Row, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.storage.models import CallbackAttemptRow, CallbackRow
from dialer.callback_queries import (
    attempts_statement,
    due_statement,
    queue_statement,
    survey_statement,
    to_attempt,
)
from dialer.callback_views import Attempt, Due, QueueItem, is_attempt_id
from dialer.config import DialerConfig
from dialer.day_summary import DaySummary, day_summary
from dialer.states import CallbackStatus


class CallbackQueue:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], config: DialerConfig,
                 clock: Callable[[], float] = time.time) -> None:
        self._sessions = sessions
        self._config = config
        self._clock = clock

    async def due(self, now: float, limit: int) -> list[Due]:
        """Callbacks to call now, in calling order, one per phone; none outside calling hours."""
        if not self._config.hours.is_open(now):
            return []
        async with self._sessions() as session:
            rows = (await session.execute(due_statement(now, limit))).all()
        seen: set[str] = set()
        found = []
        for callback_id, number, phone, attempts in rows:
            if phone not in seen:  # the same citizen's two tickets: one call at a time
                seen.add(phone)
                found.append(Due(callback_id, number, phone, attempts))
        return found

    async def unfinished(self) -> list[Attempt]:
        """Attempts not known to have ended, oldest first: what a restarted dialer must
        settle (each with Asterisk's word, or as `Outcome.UNKNOWN`) before placing more."""
        statement = attempts_statement().where(CallbackAttemptRow.ended_at.is_(None)).order_by(
            CallbackAttemptRow.placed_at, CallbackAttemptRow.id)
        async with self._sessions() as session:
            return [to_attempt(row) for row in (await session.execute(statement)).all()]

    async def survey_ticket(self, attempt_id: str) -> str | None:
        """The ticket a keypad survey after this attempt would score (see `survey_statement`);
        None for anyone else, any other text included."""
        if not is_attempt_id(attempt_id):
            return None
        async with self._sessions() as session:
            row = (await session.execute(survey_statement(attempt_id))).one_or_none()
        return None if row is None else str(row.number)

    async def attempt(self, attempt_id: str) -> Attempt | None:
        """An attempt by its id (the console's pop carries it); None for any other text."""
        if not is_attempt_id(attempt_id):
            return None
        statement = attempts_statement().where(CallbackAttemptRow.id == attempt_id)
        async with self._sessions() as session:
            row = (await session.execute(statement)).one_or_none()
        return None if row is None else to_attempt(row)

    async def queue_view(self, limit: int = 200) -> list[QueueItem]:
        """The feedback console's queue: in flight, due now, then scheduled."""
        now = self._clock()
        async with self._sessions() as session:
            rows = (await session.execute(queue_statement(now, limit))).all()
        return [self._item(row, now) for row in rows]

    def _item(self, row: Row[CallbackRow, str, str, str | None, str], now: float) -> QueueItem:
        callback, number, category, unit, resolution = row
        status = CallbackStatus(callback.status)
        due_at = self._config.hours.next_open(max(callback.next_attempt_at, now))
        stage = status.value if status is not CallbackStatus.WAITING else (
            "due" if due_at <= now else "scheduled")
        return QueueItem(
            callback.id, number, category, unit, resolution or "", callback.priority, status, stage,
            due_at, callback.attempts - callback.attempts_before, self._config.max_attempts,
            callback.last_outcome,
            callback.assigned_to, callback.resolved_at, callback.appointment_at,
        )

    async def take(self, callback_id: int, operator: str) -> QueueItem | None:
        """Preview: `operator` takes a waiting callback to read the ticket before calling; the
        progressive dialer leaves it alone until it is called or released. None if it is not
        waiting or someone else took it."""
        taking = (
            update(CallbackRow)
            .where(CallbackRow.id == callback_id, CallbackRow.status == CallbackStatus.WAITING,
                   or_(CallbackRow.assigned_to.is_(None), CallbackRow.assigned_to == operator))
            .values(assigned_to=operator, updated_at=self._clock())
            .returning(CallbackRow.id)
        )
        async with self._sessions.begin() as session:
            if (await session.execute(taking)).scalar_one_or_none() is None:
                return None
        return await self.get(callback_id)

    async def release(self, callback_id: int, operator: str | None) -> bool:
        """Give a waiting callback `operator` took back to the queue (None: whoever took it,
        as a team leader does for an operator gone home); False if it is not so taken."""
        holder = (CallbackRow.assigned_to.is_not(None) if operator is None
                  else CallbackRow.assigned_to == operator)
        releasing = (
            update(CallbackRow)
            .where(CallbackRow.id == callback_id, holder,
                   CallbackRow.status == CallbackStatus.WAITING)
            .values(assigned_to=None, updated_at=self._clock())
            .returning(CallbackRow.id)
        )
        async with self._sessions.begin() as session:
            return (await session.execute(releasing)).scalar_one_or_none() is not None

    async def preview_next(self, operator: str) -> QueueItem | None:
        """Preview: the callback `operator` has taken, else the next due one, taken for them."""
        async with self._sessions() as session:
            mine = await session.scalar(
                select(CallbackRow.id).where(CallbackRow.assigned_to == operator,
                                             CallbackRow.status == CallbackStatus.WAITING)
                .order_by(CallbackRow.updated_at, CallbackRow.id).limit(1))
        if mine is not None:
            return await self.get(mine)
        for due in await self.due(self._clock(), limit=5):
            taken = await self.take(due.callback_id, operator)
            if taken is not None:  # else another operator was quicker: the next one
                return taken
        return None

    async def get(self, callback_id: int) -> QueueItem | None:
        """One callback as the queue shows it, finished ones too."""
        now = self._clock()
        statement = queue_statement(now, 1, finished=True).where(CallbackRow.id == callback_id)
        async with self._sessions() as session:
            row = (await session.execute(statement)).one_or_none()
        return None if row is None else self._item(row, now)

    async def day_summary(self, day: date) -> DaySummary:
        """A day of feedback calls in figures (`dialer.day_summary`)."""
        return await day_summary(self._sessions, day)

    async def awaiting_verdict(self) -> frozenset[str]:
        """Operators whose last callback call ended and still waits for their verdict: they
        are not free for the next call until they have recorded it."""
        latest = (select(CallbackAttemptRow.callback_id,
                         func.max(CallbackAttemptRow.seq).label("seq"))
                  .group_by(CallbackAttemptRow.callback_id).subquery())
        statement = (
            select(CallbackAttemptRow.operator)
            .join(latest, (latest.c.callback_id == CallbackAttemptRow.callback_id)
                  & (latest.c.seq == CallbackAttemptRow.seq))
            .join(CallbackRow, CallbackRow.id == CallbackAttemptRow.callback_id)
            .where(CallbackRow.status == CallbackStatus.CONNECTED,
                   CallbackAttemptRow.operator.is_not(None))
        )
        async with self._sessions() as session:
            return frozenset(str(name) for name in await session.scalars(statement))

    async def last_attempt_id(self, callback_id: int) -> str | None:
        """The id of the callback's latest call (its Linkedid on the PBX), if any."""
        statement = (select(CallbackAttemptRow.id)
                     .where(CallbackAttemptRow.callback_id == callback_id)
                     .order_by(CallbackAttemptRow.seq.desc()).limit(1))
        async with self._sessions() as session:
            return await session.scalar(statement)

    async def handled_by(self, callback_id: int) -> str | None:
        """Who had the callback's latest call: the operator whose verdict it awaits (None
        before an operator took one)."""
        statement = (select(CallbackAttemptRow.operator)
                     .where(CallbackAttemptRow.callback_id == callback_id)
                     .order_by(CallbackAttemptRow.seq.desc()).limit(1))
        async with self._sessions() as session:
            return await session.scalar(statement)

    async def of_attempt(self, attempt_id: str) -> QueueItem | None:
        """The callback an attempt id (from a channel, a pop: outside input) belongs to."""
        found = await self.attempt(attempt_id)
        return None if found is None else await self.get(found.callback_id)
