"""What the console added to calls: wrap-up codes and the tickets discussed on each call."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.storage.dispositions import Disposition, DispositionLog
from cti.storage.models import Ticket, TicketCallRow

BATCH = 500


@dataclass(frozen=True)
class TicketRef:
    number: str
    status: str


@dataclass
class CallNotes:
    dispositions: list[Disposition] = field(default_factory=list)
    tickets: list[TicketRef] = field(default_factory=list)


class CallNotebook:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._dispositions = DispositionLog(sessions)

    async def for_calls(self, call_ids: Iterable[str]) -> dict[str, CallNotes]:
        wanted = list(dict.fromkeys(call_ids))
        notes = {call_id: CallNotes() for call_id in wanted}
        for call_id, found in (await self._dispositions.for_calls(wanted)).items():
            notes[call_id].dispositions = found
        async with self._sessions() as session:
            for start in range(0, len(wanted), BATCH):
                rows = await session.execute(
                    select(TicketCallRow.call_id, Ticket.number, Ticket.status)
                    .join(Ticket, Ticket.id == TicketCallRow.ticket_id)
                    .where(TicketCallRow.call_id.in_(wanted[start:start + BATCH]))
                    .order_by(TicketCallRow.linked_at)
                )
                for call_id, number, status in rows:
                    notes[call_id].tickets.append(TicketRef(number, status))
        return notes
