"""The caller directory behind the FastAGI `incoming` lookup: ticket history and recent calls.

The caller hears silence while this runs, so a lookup is one statement (open tickets, last
ticket, a call in the last 24 h) answered from the `tickets` (citizen_phone, status) and the
`calls` (caller_number, started_at) indexes, without reading a table.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from cti.domain.callers import REPEAT_WINDOW, CallerHints, RecentCallers

log = logging.getLogger(__name__)

# Every other status (new, forwarded, in_progress, resolved, feedback, reopened) is open.
NOT_OPEN = ("closed", "first_contact_solved")
# The call being looked up may already be in the calls table: the record writer saves a call
# once the dialplan has marked it, and a slow lookup can come after that. Calls this recent
# are left to the directory's own memory, which saw the earlier call's lookup.
OWN_CALL_GRACE = 30.0

# Plain SQL that SQLite and PostgreSQL both run as it is: EXPLAIN it by hand, and the SQLite
# path hands it to the driver directly.
HISTORY_SQL = f"""
SELECT
  (SELECT count(*) FROM tickets
    WHERE citizen_phone = :phone AND status NOT IN ({", ".join(f"'{s}'" for s in NOT_OPEN)})),
  (SELECT number FROM tickets
    WHERE citizen_phone = :phone ORDER BY created_at DESC, id DESC LIMIT 1),
  EXISTS (SELECT 1 FROM calls
    WHERE caller_number = :phone AND started_at >= :since AND started_at < :until)
"""
_HISTORY = text(HISTORY_SQL)


class CallerDirectory:
    """`CallerLookup` on the database, with a memory of the numbers it looked up.

    `blocklist` and the numbers asked about are in national form (`normalize_number`); the
    `incoming` route normalizes the caller's number before asking. When the database fails,
    the answer still says blocked and repeat (from memory): the call goes on without history.

    Enter it (`async with`) for the life of the service: on SQLite it then keeps a connection
    of its own and asks the driver directly. aiosqlite runs every driver call in a thread, and
    a lookup through SQLAlchemy costs nine hand-overs to it (BEGIN, cursor, execute, fetch,
    close, ROLLBACK); here it costs one. Not entered (and on PostgreSQL), each lookup borrows
    a pooled connection.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        blocklist: frozenset[str] = frozenset(),
        *,
        clock: Callable[[], float] = time.time,
        remember: int = 200_000,
    ) -> None:
        engine = sessions.kw.get("bind")
        if not isinstance(engine, AsyncEngine):
            raise TypeError("CallerDirectory needs a session factory bound to one engine")
        self._engine = engine
        # Calls in progress are not in the calls table yet: the lookup remembers them itself.
        self._recent = RecentCallers(blocklist, capacity=remember)
        self._clock = clock
        self._held: AsyncConnection | None = None
        self._driver: Any = None  # the held connection's aiosqlite.Connection

    async def __aenter__(self) -> CallerDirectory:
        if self._engine.dialect.driver == "aiosqlite" and self._held is None:
            # The engine's connections are in autocommit mode: holding one holds no snapshot.
            self._held = await self._engine.connect()
            self._driver = (await self._held.get_raw_connection()).driver_connection
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _error: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        held, self._held, self._driver = self._held, None, None
        if held is not None:
            await held.close()  # back to the pool; aiosqlite's thread would block exit

    async def hints(self, number: str | None) -> CallerHints:
        seen = await self._recent.hints(number)
        if number is None:
            return seen
        now = self._clock()
        params = {"phone": number, "since": now - REPEAT_WINDOW, "until": now - OWN_CALL_GRACE}
        try:
            open_tickets, last_ticket, called = await self._history(params)
        except (SQLAlchemyError, sqlite3.Error):
            log.warning("caller lookup without history: the database failed", exc_info=True)
            return seen
        return CallerHints(
            known=last_ticket is not None,
            open_tickets=int(open_tickets),
            last_ticket=last_ticket or "",
            repeat=seen.repeat or bool(called),
            blocked=seen.blocked,
        )

    async def _history(self, params: dict[str, Any]) -> Sequence[Any]:
        if self._driver is not None:
            rows = await self._driver.execute_fetchall(HISTORY_SQL, params)
            return tuple(next(iter(rows)))
        async with self._engine.connect() as connection:
            return tuple((await connection.execute(_HISTORY, params)).one())
