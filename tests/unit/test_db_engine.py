"""The SQLite engine's own behaviour, on a real database file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from cti.storage.db import create_engine, session_factory

# Long enough (a few hundred ms) that a cancellation lands while aiosqlite's thread runs it.
SLOW_SELECT = ("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c "
               "WHERE x < 3000000) SELECT count(*) FROM c")


async def test_a_task_cancelled_in_the_middle_of_a_write_leaves_no_lock_behind(
    tmp_path: Path,
) -> None:
    """A service stopping cancels its tasks wherever they are. One cancelled between a
    SELECT and its fetch, with a write of its own in the transaction, used to keep SQLite's
    write lock: the next writer failed with "database is locked" (the dialer's lease could not
    be let go at a stop, and the dialer started next waited for it to expire)."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite3'}")
    sessions = session_factory(engine)
    try:
        async with sessions.begin() as session:
            await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER)"))
            await session.execute(text("INSERT INTO t VALUES (1, 0)"))
        wrote = asyncio.Event()

        async def cut_short() -> None:
            async with sessions.begin() as session:
                await session.execute(text("UPDATE t SET v = 1"))
                wrote.set()
                await session.execute(text(SLOW_SELECT))

        task = asyncio.create_task(cut_short())
        await wrote.wait()
        await asyncio.sleep(0.05)
        task.cancel()
        await asyncio.wait([task])
        assert task.cancelled()
        async with sessions.begin() as session:
            await session.execute(text("UPDATE t SET v = 2"))
        async with sessions.begin() as session:
            assert (await session.execute(text("SELECT v FROM t"))).scalar_one() == 2
    finally:
        await engine.dispose()
