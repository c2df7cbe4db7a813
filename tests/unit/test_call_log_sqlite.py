"""The call-outcome log on a SQLite file; `CallLogBehaviour` runs on PostgreSQL too
(tests/integration/test_call_log_postgres.py)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.domain.calls.record import (
    AttemptResult,
    CallRecord,
    HungUpBy,
    OperatorAttempt,
    Outcome,
    TimelineEntry,
)
from cti.storage.call_log import BATCH, CallLog
from cti.storage.db import async_url, create_engine, session_factory
from cti.storage.keyset import InvalidCursor
from cti.storage.migrate import upgrade, upgrade_engine
from cti.storage.models import AttemptRow, Base, CallRow, TimelineRow

T0 = 1_760_000_000.123456  # an Asterisk epoch with microseconds, as it reports them


def waiting(n: int, *, started_at: float | None = None, caller: str = "05321112233") -> CallRecord:
    """Call n, queued, one operator ringing."""
    start = T0 + 10 * n if started_at is None else started_at
    return CallRecord(
        call_id=f"{start:.6f}-{n:03d}",
        caller_number=caller,
        caller_name="Ayşe Yılmaz",
        started_at=start,
        channel_uniqueid=f"u-{n:03d}",
        queue="alo153",
        entered_queue_at=start + 4.25,
        position_at_entry=2,
        attempts=[OperatorAttempt("op1001", "PJSIP/1001", start + 5.5)],
        timeline=[TimelineEntry(start, "channel_created"), TimelineEntry(start + 4.25, "queued")],
    )


def answered(record: CallRecord, operator: str = "op1002") -> CallRecord:
    """The same call later: the first operator rang out, the second answered, both hung up."""
    s = record.started_at
    interface = f"PJSIP/{operator.removeprefix('op')}"
    return dataclasses.replace(
        record,
        attempts=[
            OperatorAttempt("op1001", "PJSIP/1001", s + 5.5, s + 20.5, AttemptResult.NO_ANSWER),
            OperatorAttempt(operator, interface, s + 21, s + 23, AttemptResult.ANSWERED),
        ],
        answered_by=operator,
        answered_at=s + 23,
        ended_at=s + 83.75,
        wait_seconds=18.75,
        talk_seconds=60.75,
        hung_up_by=HungUpBy.OPERATOR,
        outcome=Outcome.ANSWERED,
        timeline=[*record.timeline, TimelineEntry(s + 23, "answered", operator)],
    )


def abandoned(record: CallRecord) -> CallRecord:
    """The same call had the citizen hung up in the queue, as reconciliation found it."""
    return dataclasses.replace(
        record,
        ended_at=record.started_at + 30,
        hung_up_by=HungUpBy.CALLER,
        outcome=Outcome.ABANDONED,
        source="reconciled",
    )


async def row_counts(engine: AsyncEngine) -> tuple[int, int, int]:
    async with engine.connect() as connection:
        counts = [
            await connection.scalar(select(func.count()).select_from(model))
            for model in (CallRow, AttemptRow, TimelineRow)
        ]
    return counts[0] or 0, counts[1] or 0, counts[2] or 0


class CallLogBehaviour:
    """What the call log does on every database; a subclass provides the `url` fixture."""

    @pytest.fixture
    async def engine(self, url: str) -> AsyncIterator[AsyncEngine]:
        await upgrade(url)
        engine = create_engine(url)
        yield engine
        await engine.dispose()

    @pytest.fixture
    def log(self, engine: AsyncEngine) -> CallLog:
        return CallLog(session_factory(engine))

    async def test_migrations_create_exactly_the_schema_the_models_describe(
        self, engine: AsyncEngine
    ) -> None:
        await upgrade_engine(engine)  # again, through the composition root's engine: a no-op
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata)
            )
        assert differences == []

    async def test_a_saved_call_comes_back_equal(self, log: CallLog) -> None:
        record = answered(waiting(1))
        await log.save(record)
        assert await log.get(record.call_id) == record

    async def test_an_unknown_call_is_none(self, log: CallLog) -> None:
        assert await log.get("1760000000.999") is None

    async def test_saving_again_leaves_one_row_with_the_newest_state(
        self, log: CallLog, engine: AsyncEngine
    ) -> None:
        first = waiting(1)
        await log.save(first)
        await log.save(first)
        newest = answered(first)
        await log.save(newest)
        assert await log.get(first.call_id) == newest
        assert await row_counts(engine) == (1, 2, 3)

    async def test_a_state_with_fewer_rings_replaces_the_longer_one(
        self, log: CallLog, engine: AsyncEngine
    ) -> None:
        longer = answered(waiting(1))
        corrected = dataclasses.replace(longer, attempts=longer.attempts[1:], timeline=[])
        await log.save(longer)
        await log.save(corrected)
        assert await log.get(longer.call_id) == corrected
        assert await row_counts(engine) == (1, 1, 0)

    async def test_save_many_keeps_the_last_state_of_a_call_given_twice(
        self, log: CallLog, engine: AsyncEngine
    ) -> None:
        first, other = waiting(1), waiting(2)
        await log.save_many([first, other, answered(first)])
        assert await log.get(first.call_id) == answered(first)
        assert await log.get(other.call_id) == other
        assert await row_counts(engine) == (2, 3, 5)

    async def test_save_many_saves_all_or_nothing(self, log: CallLog, engine: AsyncEngine) -> None:
        broken = dataclasses.replace(waiting(2), caller_name=None)  # type: ignore[arg-type]
        with pytest.raises(IntegrityError):
            await log.save_many([waiting(1), broken])
        assert await row_counts(engine) == (0, 0, 0)

    async def test_concurrent_saves_of_one_call_leave_one_whole_state(
        self, log: CallLog, engine: AsyncEngine
    ) -> None:
        states = [waiting(1), answered(waiting(1)), abandoned(waiting(1))] * 4
        await asyncio.gather(*(log.save(state) for state in states))
        assert await log.get(states[0].call_id) in states
        calls, attempts, timeline = await row_counts(engine)
        assert calls == 1
        assert (attempts, timeline) in {(1, 2), (2, 3)}

    async def test_overlapping_batches_saved_at_once_all_land(
        self, log: CallLog, engine: AsyncEngine
    ) -> None:
        calls = [waiting(n) for n in range(8)]
        batches = [calls, calls[::-1], [answered(c) for c in calls[2:6]]] * 3
        await asyncio.gather(*(log.save_many(batch) for batch in batches))
        assert (await row_counts(engine))[0] == 8

    async def test_pages_cover_every_call_once_newest_first(self, log: CallLog) -> None:
        # Calls 0-5 share one start time: the call id breaks the tie across page edges.
        records = [waiting(n, started_at=T0 if n < 6 else None) for n in range(23)]
        await log.save_many(records)
        seen, cursor, pages = [], None, 0
        while True:
            page = await log.search(limit=4, after=cursor)
            seen += [call.call_id for call in page.calls]
            pages += 1
            if (cursor := page.next_cursor) is None:
                break
        newest_first = sorted(records, key=lambda r: (r.started_at, r.call_id), reverse=True)
        assert seen == [r.call_id for r in newest_first]
        assert pages == 6

    async def test_filters_find_exactly_the_matching_calls(self, log: CallLog) -> None:
        mine = [answered(waiting(n, caller="05321112233"), "op1002") for n in range(3)]
        others = [waiting(3, caller="05329998877"), abandoned(waiting(4)), answered(waiting(5))]
        await log.save_many([*mine, *others, answered(waiting(6), "op1003")])

        async def ids(**filters: object) -> set[str]:
            page = await log.search(**filters)  # type: ignore[arg-type]
            return {call.call_id for call in page.calls}

        assert await ids(caller="+90 (532) 999 88 77") == {others[0].call_id}
        assert await ids(outcome=Outcome.ABANDONED) == {others[1].call_id}
        assert await ids(operator="op1003") == {waiting(6).call_id}
        assert await ids(since=T0 + 10, until=T0 + 30) == {waiting(1).call_id, waiting(2).call_id}
        assert await ids(caller="905321112233", operator="op1002", until=T0 + 45) == {
            r.call_id for r in [*mine, others[2]] if r.started_at < T0 + 45
        }

    async def test_filtered_pages_cover_the_matches_once(self, log: CallLog) -> None:
        records = [waiting(n) if n % 3 else answered(waiting(n)) for n in range(20)]
        await log.save_many(records)
        first = await log.search(outcome=Outcome.ANSWERED, limit=3)
        rest = await log.search(outcome=Outcome.ANSWERED, limit=10, after=first.next_cursor)
        found = [call.call_id for call in [*first.calls, *rest.calls]]
        assert found == [r.call_id for r in reversed(records) if r.outcome is Outcome.ANSWERED]
        assert rest.next_cursor is None

    async def test_a_cursor_the_log_never_gave_is_refused(self, log: CallLog) -> None:
        for cursor in ("not-a-cursor", "WzEsMl0", "WyJ4IiwieSJd"):  # garbage, [1,2], ["x","y"]
            with pytest.raises(InvalidCursor):
                await log.search(after=cursor)
        with pytest.raises(ValueError):
            await log.search(limit=0)

    async def test_reconciliation_learns_which_calls_are_logged(self, log: CallLog) -> None:
        await log.save_many(waiting(n) for n in range(3))
        asked = [f"u-{n:03d}" for n in range(BATCH + 50)]  # more than one batch
        assert await log.known_uniqueids(["", *asked]) == {"u-000", "u-001", "u-002"}
        ids = [waiting(n).call_id for n in range(5)]
        assert await log.known_call_ids(ids) == set(ids[:3])


class TestCallLogOnSqlite(CallLogBehaviour):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'calls.db'}"

    async def test_every_connection_runs_in_wal_with_foreign_keys(
        self, engine: AsyncEngine
    ) -> None:
        async with engine.connect() as connection:
            pragmas = {
                name: await connection.exec_driver_sql(f"PRAGMA {name}")
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
            values = {name: result.scalar() for name, result in pragmas.items()}
        assert values == {
            "journal_mode": "wal",
            "synchronous": 1,  # NORMAL
            "foreign_keys": 1,
            "busy_timeout": 5000,
        }


def test_a_plain_url_gets_the_async_driver() -> None:
    assert async_url("sqlite:///calls.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@db/alo153").drivername == "postgresql+asyncpg"
    with pytest.raises(ValueError):
        async_url("mysql://u@db/alo153")
