"""The escalation sweep: climbs late tickets one rung of the ladder (`cti.domain.escalation`).

Each ticket climbs in its own transaction, together with what the rung does (the reminder or
warning in the outbox, the field task), so a crash mid-sweep leaves every ticket either
escalated with its messages or untouched, and the next sweep carries on. The clock is injected:
tests move it across weekends and holidays instead of waiting.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.calendar import ISTANBUL
from cti.domain.deadlines import DeadlineRules, deadline_rules
from cti.domain.escalation import Missed, Rung, Step, UnitClock, next_step
from cti.domain.tickets.fields import Priority
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import TicketStatus
from cti.notify.outbox import enqueue
from cti.storage.business_calendar import business_calendar
from cti.storage.field_tasks import open_field_task
from cti.storage.models import Ticket as TicketRow
from cti.storage.ticket_rows import event_row
from cti.storage.ticket_search import overdue_at
from cti.storage.unit_contacts import UnitContacts, unit_contacts

log = logging.getLogger(__name__)
BATCH = 200
SYSTEM = "system"


@dataclass(frozen=True)
class Escalated:
    number: str
    step: Step


class EscalationSweep:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        rules: DeadlineRules | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._rules = rules or deadline_rules()
        self._clock = clock

    async def run_once(self) -> list[Escalated]:
        """Climb every late ticket whose next rung is due; what climbed, in ticket order."""
        now = self._clock()
        done: list[Escalated] = []
        after = 0
        while batch := await self._late(now, after):
            for ticket_id in batch:
                climbed = await self._climb(ticket_id, now)
                if climbed is not None:
                    done.append(climbed)
            after = batch[-1]
        if done:
            log.info("escalation: %d tickets climbed the ladder", len(done))
        return done

    async def _late(self, now: float, after: int) -> list[int]:
        """The next batch of late tickets after id `after`, whose rung may be due."""
        statement = (
            select(TicketRow.id)
            .where(overdue_at(now), TicketRow.escalation_level < Rung.FIELD_REVISIT,
                   TicketRow.id > after)
            .order_by(TicketRow.id)
            .limit(BATCH)
        )
        async with self._sessions() as session:
            return list(await session.scalars(statement))

    async def _climb(self, ticket_id: int, now: float) -> Escalated | None:
        async with self._sessions.begin() as session:
            row = await _locked(session, ticket_id)
            calendar = await business_calendar(session)
            pace = self._rules.pace(row.category, Priority(row.priority))
            step = next_step(_clock_of(row), now, calendar, pace)
            if step is None or row.unit is None:
                return None  # on time after all, or its last rung is too recent
            contacts = await unit_contacts(session, row.unit)
            changes: dict[str, list[Any]] = {
                "escalation_level": [row.escalation_level, int(step.rung)],
                "missed": [None, step.missed.value], "due": [None, step.due],
            }
            session.add(event_row(row.id, now, SYSTEM, "escalated", changes))
            row.escalation_level = int(step.rung)
            row.escalated_at = now
            await _act(session, row, step, contacts, now)
        return Escalated(row.number, step)


async def _act(session: AsyncSession, row: TicketRow, step: Step, contacts: UnitContacts,
               now: float) -> None:
    """What the rung does: write to the unit (and its manager), or send the field team."""
    if step.rung is Rung.FIELD_REVISIT:
        await open_field_task(session, ticket_id=row.id, reason="escalation",
                              created_by=SYSTEM, now=now)
    purpose = "reminder" if step.rung is Rung.REMINDER else "warning"
    subject, body = _letter(row, step, contacts)
    for address, to_manager in contacts.addresses(with_manager=step.rung >= Rung.WARNING):
        enqueue(session, channel="email", purpose=purpose, recipient=address, subject=subject,
                body=body, now=now, ticket_id=row.id, unit=contacts.code, to_manager=to_manager)


_WHAT = {Missed.ACKNOWLEDGE: "görüldü (kabul) süresi", Missed.RESOLVE: "çözüm süresi"}
_TITLE = {Rung.REMINDER: "Hatırlatma", Rung.WARNING: "UYARI",
          Rung.FIELD_REVISIT: "UYARI: saha ekibi yerinde tespit yapacak"}


def _letter(row: TicketRow, step: Step, contacts: UnitContacts) -> tuple[str, str]:
    """The e-mail's subject and body, in Turkish; no citizen's name or number (KVKK)."""
    category = reference().category(row.category).name_tr
    place = ", ".join(p for p in (row.district, row.neighbourhood) if p) or "belirtilmemiş"
    subject = f"[ALO 153] {_TITLE[step.rung]}: {row.number} numaralı başvurunun süresi doldu"
    lines = [
        f"Sayın {contacts.name_tr} yetkilisi,",
        "",
        f"{_local(row.forwarded_at)} tarihinde biriminize iletilen {row.number} numaralı "
        f"başvurunun {_WHAT[step.missed]} {_local(step.due)} itibarıyla dolmuştur.",
        f"Konu: {category}. Yer: {place}.",
    ]
    if step.rung is Rung.WARNING:
        lines.append("Bu uyarı birim amirine de gönderilmiştir.")
    if step.rung is Rung.FIELD_REVISIT:
        lines.append("Saha ekibi yerinde tespit yapacak; tutanak ve fotoğraflar size ayrıca "
                     "gönderilecektir.")
    lines += ["", "Başvuruyu birim ekranından inceleyip sonuçlandırmanızı rica ederiz.",
              "Adana Büyükşehir Belediyesi — ALO 153 Çözüm Merkezi"]
    return subject, "\n".join(lines)


def _local(epoch: float | None) -> str:
    if epoch is None:
        return "—"
    return datetime.fromtimestamp(epoch, ISTANBUL).strftime("%d.%m.%Y %H:%M")


def _clock_of(row: TicketRow) -> UnitClock:
    return UnitClock(TicketStatus(row.status), row.acknowledged_at, row.ack_due_at,
                     row.resolve_due_at, row.escalation_level, row.escalated_at)


async def _locked(session: AsyncSession, ticket_id: int) -> TicketRow:
    # The same no-op write as the ticket store's: a change to this ticket waits for us.
    await session.execute(
        update(TicketRow).where(TicketRow.id == ticket_id)
        .values(updated_at=TicketRow.updated_at).execution_options(synchronize_session=False)
    )
    row = await session.get(TicketRow, ticket_id)
    assert row is not None  # tickets are never deleted
    return row
