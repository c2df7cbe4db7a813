"""The pacer's lease: one dialer process places progressive calls at a time.

Two dialers on one database (`cti serve` and a `cti dialer` started beside it by mistake, or a
second machine) would each count the same free operators and place a call for each: twice the
lines, and citizens answering to nobody. The never-twice guards keep each attempt single, not
the pace. So the pacer holds a row of `dialer_lease` for `ttl` seconds and renews it well
before then; another dialer waits and takes over once it has expired (its holder stopped or
died), or at once when the holder lets it go on a clean stop.

Every change is one conditional UPDATE (or the first INSERT), so two dialers asking at the
same moment cannot both win, on SQLite or PostgreSQL. The expiry is written and compared on the
database's clock, inside that statement: two machines whose clocks disagree still agree on
when the lease runs out.
"""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import insert, literal, or_, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.storage.db import epoch_now
from cti.storage.models import DialerLeaseRow

log = logging.getLogger(__name__)
PACER = "pacer"
TTL = 15.0  # seconds a holder that stopped answering keeps the lease
# A database that refused or did not answer: asyncpg's OSError and TimeoutError are not wrapped.
_UNANSWERED = (SQLAlchemyError, OSError, TimeoutError)


def holder_name() -> str:
    """This process, as the lease names it (for the log of whoever waits for it)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class PacerLease:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], *,
                 holder: str | None = None, ttl: float = TTL,
                 clock: Callable[[], float] | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self._sessions = sessions
        self.holder = holder or holder_name()
        self._ttl = ttl
        self._clock = clock  # the expiry's clock; None: the database's own (tests set one)
        # This process's own reckoning, on a clock no NTP step can move back.
        self._monotonic = monotonic
        self._renewed_at: float | None = None  # (monotonic) when this process last won it

    async def hold(self) -> bool:
        """Whether this process paces now: the lease taken or renewed (in the database only
        when a third of its time has gone by). A database error answers False: better no
        call placed for a moment than two dialers pacing."""
        since = self._monotonic()
        if self._renewed_at is not None and since - self._renewed_at < self._ttl / 3:
            return True
        try:
            won = await self._take()
        except _UNANSWERED as error:
            log.warning("dialer lease: the database did not answer (%s); pacing paused",
                        _why(error))
            won = False
        self._renewed_at = since if won else None
        return won

    def valid(self) -> bool:
        """Whether the lease won last is still surely ours: checked before each call placed,
        as a long round of placing (or a stalled loop) may outlast it. A third of its time
        is kept as a margin against the other dialer's clock."""
        return (self._renewed_at is not None
                and self._monotonic() - self._renewed_at < self._ttl * 2 / 3)

    async def release(self) -> None:
        """A clean stop: another dialer may take over at once."""
        if self._renewed_at is None:
            return
        self._renewed_at = None
        try:
            async with self._sessions.begin() as session:
                await session.execute(
                    update(DialerLeaseRow)
                    .where(DialerLeaseRow.name == PACER, DialerLeaseRow.holder == self.holder)
                    .values(expires_at=0.0))
        except _UNANSWERED as error:  # it expires on its own
            log.warning("dialer lease: not released (%s)", _why(error))

    async def _take(self) -> bool:
        async with self._sessions.begin() as session:
            now = self._now(session)
            taking = (
                update(DialerLeaseRow)
                .where(DialerLeaseRow.name == PACER,
                       or_(DialerLeaseRow.holder == self.holder,
                           DialerLeaseRow.expires_at <= now))
                .values(holder=self.holder, expires_at=now + self._ttl)
                .returning(DialerLeaseRow.name)
            )
            if (await session.execute(taking)).scalar_one_or_none() is not None:
                return True
            if await session.get(DialerLeaseRow, PACER) is not None:
                return False  # another holder's, not expired
        try:  # nobody has ever held it: the first one in wins
            async with self._sessions.begin() as session:
                await session.execute(insert(DialerLeaseRow).values(
                    name=PACER, holder=self.holder, expires_at=self._now(session) + self._ttl))
        except IntegrityError:
            return False
        return True

    def _now(self, session: AsyncSession) -> Any:
        """Now, in epoch seconds, as a SQL expression: the database's clock, or the one given."""
        return epoch_now(session) if self._clock is None else literal(self._clock())


def _why(error: BaseException) -> str:
    """The driver's own words ("database is locked"); statements' parameters are hidden."""
    return f"{type(error).__name__}: {getattr(error, 'orig', None) or error}"
