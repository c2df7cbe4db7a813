"""The caller directory behind the FastAGI `incoming` lookup: ticket history and recent calls.

The caller waits in silence while this runs, so a lookup is one statement (open tickets, last
ticket, a call in the last 24 h), answered from the `tickets` (citizen_phone, status) and the
`calls` (caller_number, started_at) indexes without scanning.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import String, bindparam, exists, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.callers import REPEAT_WINDOW, CallerHints, RecentCallers
from cti.storage.models import CallRow, Ticket

log = logging.getLogger(__name__)

# Every other status (new, forwarded, in_progress, resolved, feedback, reopened) is open.
NOT_OPEN = ("closed", "first_contact_solved")
# The call being looked up may already be in the calls table: the record writer saves a call
# once the dialplan marks it, about 0.2 s later, and a slow lookup can come after that. Calls
# this recent are left to the lookup's own memory, which saw the earlier call's lookup.
OWN_CALL_GRACE = 30.0

_PHONE = bindparam("phone", type_=String)
_OPEN_TICKETS = (
    select(func.count())
    .where(
        Ticket.citizen_phone == _PHONE,
        Ticket.status != NOT_OPEN[0],
        Ticket.status != NOT_OPEN[1],
    )
    .scalar_subquery()
)
_LAST_TICKET = (
    select(Ticket.number)
    .where(Ticket.citizen_phone == _PHONE)
    .order_by(Ticket.created_at.desc(), Ticket.id.desc())
    .limit(1)
    .scalar_subquery()
)
_CALLED_RECENTLY = exists().where(
    CallRow.caller_number == _PHONE,
    CallRow.started_at >= bindparam("since"),
    CallRow.started_at < bindparam("until"),
)
_HISTORY = select(_OPEN_TICKETS, _LAST_TICKET, _CALLED_RECENTLY)


class CallerDirectory:
    """`CallerLookup` on the database, with a memory of the numbers it looked up.

    `blocklist` and the numbers asked about are in national form (`normalize_number`); the
    `incoming` route normalizes the caller's number before asking. When the database fails,
    the answer still says blocked and repeat (from memory): the call goes on without history.
    """

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        blocklist: frozenset[str] = frozenset(),
        *,
        clock: Callable[[], float] = time.time,
        remember: int = 200_000,
    ) -> None:
        self._sessions = sessions
        # Calls in progress are not in the calls table yet: the lookup remembers them itself.
        self._recent = RecentCallers(blocklist, capacity=remember)
        self._clock = clock

    async def hints(self, number: str | None) -> CallerHints:
        seen = await self._recent.hints(number)
        if number is None:
            return seen
        now = self._clock()
        try:
            open_tickets, last_ticket, called = await self._history(number, now)
        except SQLAlchemyError:
            log.warning("caller lookup without history: the database failed", exc_info=True)
            return seen
        return CallerHints(
            known=last_ticket is not None,
            open_tickets=open_tickets,
            last_ticket=last_ticket or "",
            repeat=seen.repeat or called,
            blocked=seen.blocked,
        )

    async def _history(self, number: str, now: float) -> tuple[int, str | None, bool]:
        params = {"phone": number, "since": now - REPEAT_WINDOW, "until": now - OWN_CALL_GRACE}
        async with self._sessions() as session:
            row = (await session.execute(_HISTORY, params)).one()
        return int(row[0] or 0), row[1], bool(row[2])
