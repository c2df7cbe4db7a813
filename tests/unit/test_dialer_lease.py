"""The pacer's lease on a SQLite file (`LeaseBehaviour` runs on PostgreSQL too, in
tests/integration/test_dialer_lease_postgres.py): one dialer paces at a time, another takes
over when the holder's lease runs out or is let go."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.models import DialerLeaseRow
from dialer.lease import PACER, PacerLease


class Clock:
    def __init__(self) -> None:
        self.now = 1_795_700_000.0

    def __call__(self) -> float:
        return self.now


class LeaseBehaviour:
    """What the lease does on every database; a subclass provides `url`."""

    @pytest.fixture
    async def sessions(self, url: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
        await upgrade(url)
        engine = create_engine(url)
        yield session_factory(engine)
        await engine.dispose()

    @pytest.fixture
    def clock(self) -> Clock:
        return Clock()

    def lease(self, sessions: async_sessionmaker[AsyncSession], clock: Clock,
              name: str) -> PacerLease:
        return PacerLease(sessions, holder=name, ttl=15.0, clock=clock, monotonic=clock)

    async def test_the_first_dialer_paces_and_the_second_waits_while_it_renews(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock,
    ) -> None:
        serve, stray = self.lease(sessions, clock, "serve"), self.lease(sessions, clock, "stray")
        assert await serve.hold()
        assert not await stray.hold()
        for _ in range(10):  # 60 s of renewals every 6 s: never free for the other
            clock.now += 6
            assert await serve.hold()
            assert not await stray.hold()

    async def test_a_holder_that_stops_answering_is_taken_over_once_its_lease_runs_out(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock,
    ) -> None:
        gone, waiting = self.lease(sessions, clock, "gone"), self.lease(sessions, clock, "next")
        assert await gone.hold()
        clock.now += 14.9
        assert not await waiting.hold()
        clock.now += 0.2
        assert await waiting.hold()
        clock.now += 5.1  # the old holder comes back: it is not the pacer any more
        assert not await gone.hold()

    async def test_a_lease_not_renewed_for_10_s_is_no_longer_sure_to_be_ours(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock,
    ) -> None:
        lease = self.lease(sessions, clock, "slow")
        assert not lease.valid()  # never won
        assert await lease.hold()
        clock.now += 9.9
        assert lease.valid()
        clock.now += 0.2  # a long round of calls, or a stalled loop: stop placing
        assert not lease.valid()
        assert await lease.hold() and lease.valid()  # renewed: nobody took it meanwhile

    async def test_a_clean_stop_lets_the_other_dialer_take_over_at_once(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock,
    ) -> None:
        first, second = self.lease(sessions, clock, "first"), self.lease(sessions, clock, "second")
        assert await first.hold()
        await first.release()
        assert await second.hold()
        await first.release()  # it holds nothing now: the second keeps the lease
        clock.now += 6
        assert await second.hold()
        assert not await first.hold()

    async def test_two_dialers_asking_at_once_for_a_lease_nobody_held_get_one_pacer(
        self, sessions: async_sessionmaker[AsyncSession], clock: Clock,
    ) -> None:
        leases = [self.lease(sessions, clock, f"d{n}") for n in range(4)]
        won = await asyncio.gather(*(lease.hold() for lease in leases))
        assert sorted(won) == [False, False, False, True]


    async def test_the_expiry_is_on_the_databases_clock(
        self, sessions: async_sessionmaker[AsyncSession],
    ) -> None:
        """Two machines whose clocks disagree: the lease runs out when the database says so,
        whatever either machine's clock reads."""
        first = PacerLease(sessions, holder="first", ttl=2.0)
        second = PacerLease(sessions, holder="second", ttl=2.0)
        before = time.time()
        assert await first.hold()
        async with sessions() as session:
            row = await session.get(DialerLeaseRow, PACER)
        # Epoch seconds (not days, not a local time), about now + ttl.
        assert row is not None and before + 1.0 < row.expires_at < time.time() + 3.0
        assert not await second.hold()
        await asyncio.sleep(2.2)
        assert await second.hold()

class TestLeaseOnSqlite(LeaseBehaviour):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'lease.db'}"


async def test_a_database_that_does_not_answer_pauses_the_pacing(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'lease.db'}"
    engine = create_engine(url)  # no schema: every statement fails
    try:
        assert not await PacerLease(session_factory(engine), holder="d1").hold()
    finally:
        await engine.dispose()
