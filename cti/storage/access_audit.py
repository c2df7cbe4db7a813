"""Who read which citizen's data, and when (KVKK, Law No. 6698, art. 12: the controller must be
able to show that personal data was accessed only by those who needed it).

A subject names what was read (a ticket number, a call id, a masked filter), never a phone
number: one that slips in is masked here, so the audit cannot become a copy of the data.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.numbers import mask_number
from cti.storage.models import AccessAuditRow

MAX_ENTRIES = 1000
_LIMITS = {"actor": 64, "action": 32, "subject": 128}
# A Turkish number with its prefix (0, 90, +90, 0090) and any area code, or a bare mobile.
_PHONE = re.compile(r"(?<!\d)(?:(?:\+|00)?90|0)[2-5]\d{9}(?!\d)|(?<!\d)5\d{9}(?!\d)")


@dataclass(frozen=True)
class AccessEntry:
    at: float
    actor: str
    action: str  # read_ticket, search_tickets, read_attachment, pop, …
    subject: str


class AccessAudit:
    """Records reads of personal data and answers who read what."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._clock = clock

    async def record(self, actor: str, action: str, subject: str) -> None:
        entry = AccessAuditRow(
            at=self._clock(),
            actor=_fit("actor", actor),
            action=_fit("action", action),
            subject=_fit("subject", masked(subject)),
        )
        async with self._sessions.begin() as session:
            session.add(entry)

    async def entries(
        self,
        *,
        actor: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> list[AccessEntry]:
        """Newest first: everything `actor` read (or everyone) in [since, until)."""
        if not 1 <= limit <= MAX_ENTRIES:
            raise ValueError(f"limit must be between 1 and {MAX_ENTRIES}, not {limit}")
        statement = select(AccessAuditRow)
        if actor is not None:
            statement = statement.where(AccessAuditRow.actor == actor)
        if since is not None:
            statement = statement.where(AccessAuditRow.at >= since)
        if until is not None:
            statement = statement.where(AccessAuditRow.at < until)
        statement = statement.order_by(AccessAuditRow.at.desc(), AccessAuditRow.id.desc())
        async with self._sessions() as session:
            rows = await session.scalars(statement.limit(limit))
            return [AccessEntry(r.at, r.actor, r.action, r.subject) for r in rows]


def masked(subject: str) -> str:
    """`subject` with anything that looks like a phone number masked but its last 2 digits."""
    return _PHONE.sub(lambda match: mask_number(match[0]), subject)


def _fit(name: str, value: str) -> str:
    return value[: _LIMITS[name]]
