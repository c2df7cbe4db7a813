"""The one place an engine is built: SQLite through aiosqlite, PostgreSQL through asyncpg."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import event, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.ext.asyncio import create_async_engine as _create_async_engine
from sqlalchemy.util.concurrency import in_greenlet

log = logging.getLogger(__name__)

# A plain scheme gets the async driver the project ships; an explicit one must be that driver.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}
BUSY_TIMEOUT_MS = 5000

# Applied to every new SQLite connection: PRAGMAs are per connection, not per file (WAL is
# the exception and persists, but asking again is free). WAL lets the supervisor's reports
# read while the live call stream writes; in WAL mode NORMAL loses no commit when the process
# dies, only the last ones on a power cut, and reconciliation from Asterisk's own logs brings
# those back; foreign keys are off unless asked for.
_SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
)


def async_url(url: str) -> URL:
    """`url` with the async driver for its database; ValueError for any other database."""
    parsed = make_url(url)
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None and parsed.drivername not in _ASYNC_DRIVERS.values():
        raise ValueError(f"unsupported database URL {parsed!r}: use sqlite or postgresql")
    return parsed.set(drivername=driver) if driver else parsed


def create_engine(url: str) -> AsyncEngine:
    """The engine for `url` (`sqlite+aiosqlite:///path` or `postgresql+asyncpg://…`)."""
    parsed = async_url(url)
    # Error messages would otherwise quote the statement's parameters: citizens' numbers.
    if parsed.get_backend_name() == "sqlite":
        engine = _create_async_engine(parsed, hide_parameters=True)
        event.listen(engine.sync_engine, "connect", _sqlite_connected)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        event.listen(engine.sync_engine.pool, "invalidate", _sqlite_give_locks_back)
        return engine
    # pre_ping: a PostgreSQL restart must cost one retry, not a failed save.
    return _create_async_engine(parsed, pool_pre_ping=True, hide_parameters=True)


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # Repositories hand out plain domain objects, never ORM rows, so nothing needs a refresh
    # after commit.
    return async_sessionmaker(engine, expire_on_commit=False)


def _sqlite_connected(dbapi_connection: Any, _record: Any) -> None:
    # The sqlite3 module opens a transaction only before INSERT/UPDATE/DELETE: a migration's
    # CREATE TABLEs and a load's several SELECTs would run outside any transaction. Turn its
    # guessing off and say BEGIN ourselves (`_sqlite_begin`), as SQLAlchemy's docs advise.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        for pragma in _SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN")


def _sqlite_give_locks_back(dbapi_connection: Any, _record: Any, _error: Any) -> None:
    # A task cancelled between a SELECT and its fetch (a service stopping, a request given up)
    # has its connection invalidated and closed. sqlite3 keeps a connection closed with a
    # statement still pending open as a "zombie", its transaction and write lock with it, until
    # that statement is collected: every other writer then waits out the busy timeout and fails
    # ("database is locked"). A ROLLBACK first aborts the pending statements and lets go.
    if not in_greenlet():
        return  # the collector's cleanup: nothing can be awaited, the connection is gone
    try:
        dbapi_connection.rollback()  # the adapter awaits it; a closed connection is a no-op
    except Exception as error:  # a connection already broken has no lock left to give
        log.debug("rollback before closing an invalidated connection failed: %s",
                  type(error).__name__)


def epoch_now(session: AsyncSession) -> Any:
    """The database's clock, in epoch seconds, as a SQL expression: machines whose clocks
    disagree agree on it."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", func.clock_timestamp())
    return (func.julianday("now") - 2440587.5) * 86400.0  # SQLite: Julian days


def dialect_insert(session: AsyncSession) -> Any:
    """`insert` of the session's dialect: both speak INSERT … ON CONFLICT … RETURNING, which
    writes (and so locks) before anything is read."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert
    if dialect == "sqlite":
        return sqlite.insert
    raise ValueError(f"the stores speak SQLite and PostgreSQL, not {dialect}")
