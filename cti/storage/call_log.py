"""The call-outcome log: one row per citizen call, with the operators it rang and its timeline."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute, selectinload
from sqlalchemy.sql.base import ReadOnlyColumnCollection

from cti.domain.calls.record import CallRecord, Outcome
from cti.storage.call_rows import Row, attempt_rows, call_row, timeline_rows, to_record
from cti.storage.call_search import MAX_PAGE, CallPage, CallQuery
from cti.storage.keyset import encode_cursor
from cti.storage.models import AttemptRow, CallRow, TimelineRow

T = TypeVar("T")
# Calls written or looked up per statement: keeps IN lists and bound parameters far below
# SQLite's and asyncpg's limits (32,766 and 32,767) whatever a caller hands in.
BATCH = 500
# A call with its attempts and timeline, each in its own IN query (no row multiplication).
_LOADED = select(CallRow).options(selectinload(CallRow.attempts), selectinload(CallRow.timeline))


class CallLog:
    """Saves call records idempotently and finds them again."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self._sessions

    async def save(self, record: CallRecord) -> None:
        """Insert the call, or replace what the log holds for it with this state."""
        await self.save_many([record])

    async def save_many(self, records: Iterable[CallRecord]) -> None:
        """Save every record in one transaction; of a call given twice, the last state wins."""
        latest = {record.call_id: record for record in records}
        # In key order, so two overlapping batches lock their call rows in the same order
        # on PostgreSQL and wait for each other instead of deadlocking.
        in_order = [latest[call_id] for call_id in sorted(latest)]
        updated_at = self._clock()
        async with self._sessions.begin() as session:
            for batch in _batches(in_order):
                await _write(session, batch, updated_at)

    async def get(self, call_id: str) -> CallRecord | None:
        async with self._reading() as session:
            row = await session.scalar(_LOADED.where(CallRow.call_id == call_id))
        return None if row is None else to_record(row)

    async def search(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        outcome: Outcome | None = None,
        caller: str | None = None,
        operator: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> CallPage:
        """Calls newest first, `limit` at a time; raises InvalidCursor for a bad `after`."""
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
        query = CallQuery(
            since=since, until=until, outcome=outcome, caller=caller, operator=operator, after=after
        )
        statement = (
            _LOADED
            .where(*query.conditions())
            .order_by(CallRow.started_at.desc(), CallRow.call_id.desc())
            .limit(limit + 1)  # one more than asked says whether a next page exists
        )
        async with self._reading() as session:
            rows = list(await session.scalars(statement))
        page = rows[:limit]
        more = len(rows) > limit
        cursor = encode_cursor(page[-1].started_at, page[-1].call_id) if more else None
        return CallPage([to_record(row) for row in page], cursor)

    async def known_uniqueids(self, uniqueids: Iterable[str]) -> set[str]:
        """Which of these citizen-channel Uniqueids (queue_log callids) the log has."""
        return await self._known(CallRow.channel_uniqueid, uniqueids)

    async def known_call_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of these Linkedids the log has."""
        return await self._known(CallRow.call_id, ids)

    async def _known(self, column: InstrumentedAttribute[str], values: Iterable[str]) -> set[str]:
        wanted = sorted({value for value in values if value})  # "" is "not known yet"
        found: set[str] = set()
        async with self._reading() as session:
            for batch in _batches(wanted):
                found.update(await session.scalars(select(column).where(column.in_(batch))))
        return found

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session:
            if session.get_bind().dialect.name == "postgresql":
                # One snapshot for a call and its children, which a concurrent save replaces;
                # SQLite's transactions are snapshots already.
                await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
            yield session


async def _write(session: AsyncSession, records: Sequence[CallRecord], updated_at: float) -> None:
    ids = [record.call_id for record in records]
    # The call row first: on PostgreSQL its row lock makes a concurrent save of the same
    # call wait here, before either replaces the children.
    upsert = _upsert(session.get_bind().dialect.name)
    await session.execute(upsert, [call_row(r, updated_at) for r in records])
    await session.execute(delete(AttemptRow).where(AttemptRow.call_id.in_(ids)))
    await session.execute(delete(TimelineRow).where(TimelineRow.call_id.in_(ids)))
    await _insert(session, AttemptRow, [row for r in records for row in attempt_rows(r)])
    await _insert(session, TimelineRow, [row for r in records for row in timeline_rows(r)])


def _upsert(dialect: str) -> sqlite.Insert | postgresql.Insert:
    # Same words, two dialects: both speak INSERT … ON CONFLICT (call_id) DO UPDATE.
    if dialect == "postgresql":
        pg = postgresql.insert(CallRow)
        return pg.on_conflict_do_update(index_elements=["call_id"], set_=_newer(pg.excluded))
    if dialect == "sqlite":
        lite = sqlite.insert(CallRow)
        return lite.on_conflict_do_update(index_elements=["call_id"], set_=_newer(lite.excluded))
    raise ValueError(f"the call log speaks SQLite and PostgreSQL, not {dialect}")


def _newer(excluded: ReadOnlyColumnCollection[str, Any]) -> dict[str, Any]:
    return {column.name: column for column in excluded if column.name != "call_id"}


async def _insert(
    session: AsyncSession, model: type[AttemptRow | TimelineRow], rows: list[Row]
) -> None:
    if rows:
        await session.execute(insert(model), rows)


def _batches(items: Sequence[T]) -> Iterable[Sequence[T]]:
    return (items[start : start + BATCH] for start in range(0, len(items), BATCH))
