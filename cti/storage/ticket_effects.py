"""What a ticket's move sets off besides itself, in the same transaction.

- The unit's deadlines: started by a forward or a reopening (`forwarded_at`); moved on by the
  working time a unit's questions spent with the call centre, since the unit could not act
  meanwhile; counted again when an administrative leave day is declared or withdrawn.
- The citizen's SMS: when the request first reaches a unit, and when the unit resolves it.
- The unit's e-mail when a request is forwarded to it (if the unit has an address): with a
  burst main's two-hour deadline, the first reminder must not be its first news.
- The ladder's field revisit, called off when there is nothing left to chase.
- The feedback call: queued when the unit resolves, dropped when the ticket moves on.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cti.domain.calendar import ISTANBUL
from cti.domain.deadlines import DeadlineRules, Due
from cti.domain.notices import CitizenNotices, Moment
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import AT_UNIT, TicketStatus
from cti.domain.tickets.ticket import Ticket
from cti.notify.outbox import enqueue
from cti.storage.business_calendar import business_calendar
from cti.storage.field_tasks import cancel_escalation_tasks
from cti.storage.models import Ticket as TicketRow
from cti.storage.models import TicketEventRow
from cti.storage.ticket_rows import event_row, to_ticket
from cti.storage.unit_contacts import unit_contacts

S = TicketStatus
# Moves after which the ladder's field revisit has nothing left to chase (a re-route: the
# new unit has only just received it).
ENDS_REVISIT = frozenset({S.RESOLVED, S.RETURNED, S.CLOSED, S.FIRST_CONTACT_SOLVED, S.FORWARDED})
# Moves after which a waiting feedback call has nothing to ask (calls in flight end by
# themselves); a feedback operator's own verdict closes its callback itself.
_DROPS_FEEDBACK = frozenset({S.REOPENED, S.CLOSED, S.FORWARDED, S.RETURNED})


class FeedbackQueue(Protocol):
    """The feedback dialer's queue (`dialer.callbacks.CallbackStore`), written to in the move's
    own transaction: a resolved request queues its citizen's call, a reopened or closed one
    drops it."""

    async def enqueue_resolved(self, session: AsyncSession, *, ticket_id: int,
                               now: float) -> object: ...

    async def cancel_for_ticket(self, session: AsyncSession, *, ticket_id: int,
                                now: float) -> int: ...


class MoveEffects:
    def __init__(self, rules: DeadlineRules, notices: CitizenNotices,
                 feedback: FeedbackQueue | None = None) -> None:
        self.rules = rules
        self.notices = notices
        self.feedback = feedback

    async def due(self, session: AsyncSession, ticket: Ticket, now: float) -> Due:
        calendar = await business_calendar(session)
        return self.rules.due(calendar, ticket.category, ticket.priority, now)

    async def resumed(self, session: AsyncSession, ticket_id: int, ticket: Ticket,
                      now: float) -> Ticket:
        """`ticket` back from info_requested: its deadlines counted again, the question's
        wait at 153 (ending now) left out."""
        due = await deadlines_of(session, self.rules, ticket_id, ticket, now)
        if due is None:
            return ticket
        return dataclasses.replace(ticket, ack_due_at=due.ack, resolve_due_at=due.resolve)

    async def announce(self, session: AsyncSession, ticket_id: int, previous: TicketStatus,
                       ticket: Ticket, actor: str, now: float) -> None:
        """Tell whom the move concerns, and call off what it made pointless."""
        self._tell_citizen(session, ticket_id, ticket, previous, now)
        await self._queue_feedback(session, ticket_id, ticket, now)
        if ticket.status is S.FORWARDED:
            await _tell_unit(session, ticket_id, ticket, now)
        if ticket.status in ENDS_REVISIT:
            await cancel_escalation_tasks(session, ticket_id=ticket_id, actor=actor, now=now,
                                          why=ticket.status.value)

    async def _queue_feedback(self, session: AsyncSession, ticket_id: int, ticket: Ticket,
                              now: float) -> None:
        if self.feedback is None:
            return
        if ticket.status is S.RESOLVED:
            await self.feedback.enqueue_resolved(session, ticket_id=ticket_id, now=now)
        elif ticket.status in _DROPS_FEEDBACK:
            await self.feedback.cancel_for_ticket(session, ticket_id=ticket_id, now=now)

    def _tell_citizen(self, session: AsyncSession, ticket_id: int, ticket: Ticket,
                      previous: TicketStatus, now: float) -> None:
        """The citizen's SMS: on the first forward and on resolving."""
        if ticket.status is S.FORWARDED and previous is S.NEW:
            moment = Moment.FORWARDED
        elif ticket.status is S.RESOLVED:
            moment = Moment.RESOLVED
        else:
            return
        text = self.notices.sms_for(ticket, moment)
        if text is not None and ticket.citizen_phone is not None:
            enqueue(session, channel="sms", purpose=f"citizen_{moment.value}",
                    recipient=ticket.citizen_phone, body=text, now=now, ticket_id=ticket_id)


async def deadlines_of(session: AsyncSession, rules: DeadlineRules, ticket_id: int,
                       ticket: Ticket, now: float) -> Due | None:
    """The deadlines of the unit's clock that started at `forwarded_at`, on this transaction's
    calendar, moved on by the time the unit's questions waited at 153 (one still waiting
    counts until `now`); None when no unit's clock runs."""
    if ticket.forwarded_at is None:
        return None
    calendar = await business_calendar(session)
    due = rules.due(calendar, ticket.category, ticket.priority, ticket.forwarded_at)
    pauses = await _pauses(session, ticket_id, ticket.forwarded_at, now)
    if rules.allowance(ticket.category, ticket.priority).round_the_clock:
        return Due(due.ack, due.resolve + sum(end - start for start, end in pauses))
    hours = sum(calendar.business_hours_between(_local(s), _local(e)) for s, e in pauses)
    if not hours:
        return due
    return Due(due.ack, calendar.add_business_hours(_local(due.resolve), hours).timestamp())


async def recount_deadlines(session: AsyncSession, rules: DeadlineRules, actor: str, now: float,
                            why: str) -> int:
    """Count again the deadlines of every ticket at a unit (the calendar changed), in this
    transaction; the tickets whose deadlines moved, each with a trail entry saying why."""
    rows = await session.scalars(
        select(TicketRow).where(TicketRow.status.in_(sorted(s.value for s in AT_UNIT)),
                                TicketRow.forwarded_at.is_not(None))
    )
    moved = 0
    for row in list(rows):
        due = await deadlines_of(session, rules, row.id, to_ticket(row), now)
        if due is None or (due.ack, due.resolve) == (row.ack_due_at, row.resolve_due_at):
            continue
        changes: dict[str, list[Any]] = {
            "ack_due_at": [row.ack_due_at, due.ack],
            "resolve_due_at": [row.resolve_due_at, due.resolve], "why": [None, why]}
        session.add(event_row(row.id, now, actor, "deadlines_moved", changes))
        row.ack_due_at, row.resolve_due_at = due.ack, due.resolve
        moved += 1
    return moved


async def _tell_unit(session: AsyncSession, ticket_id: int, ticket: Ticket, now: float) -> None:
    """A new request's e-mail to its unit; a unit without an address reads its inbox."""
    if ticket.unit is None:
        return
    contacts = await unit_contacts(session, ticket.unit)
    if not contacts.email:
        return
    category = reference().category(ticket.category).name_tr
    place = ", ".join(p for p in (ticket.district, ticket.neighbourhood) if p) or "belirtilmemiş"
    body = "\n".join([
        f"Sayın {contacts.name_tr} yetkilisi,",
        "",
        f"{ticket.number} numaralı başvuru biriminize iletilmiştir.",
        f"Konu: {category}. Yer: {place}.",
        f"Görülme (kabul) için son: {_shown(ticket.ack_due_at)}. "
        f"Çözüm için son: {_shown(ticket.resolve_due_at)}.",
        "",
        "Ayrıntılar ve işlemler birim ekranındadır (/static/unit.html).",
        "Adana Büyükşehir Belediyesi — ALO 153 Çözüm Merkezi",
    ])
    enqueue(session, channel="email", purpose="forwarded", recipient=contacts.email,
            subject=f"[ALO 153] Yeni başvuru: {ticket.number} — {category}", body=body,
            now=now, ticket_id=ticket_id, unit=contacts.code)


async def _pauses(session: AsyncSession, ticket_id: int, since: float,
                  now: float) -> list[tuple[float, float]]:
    """The (start, end) of every wait of the unit's questions at 153 since `since`; one still
    waiting ends at `now`."""
    entries = await session.scalars(
        select(TicketEventRow)
        .where(TicketEventRow.ticket_id == ticket_id, TicketEventRow.action == "status",
               TicketEventRow.at >= since)
        .order_by(TicketEventRow.id)
    )
    pauses: list[tuple[float, float]] = []
    asked: float | None = None
    for entry in entries:
        status = json.loads(entry.changes).get("status")
        if not isinstance(status, list) or len(status) != 2:
            continue
        if status[1] == S.INFO_REQUESTED.value:
            asked = entry.at
        elif status[0] == S.INFO_REQUESTED.value and asked is not None:
            pauses.append((asked, entry.at))
            asked = None
    if asked is not None:
        pauses.append((asked, now))
    return pauses


def _local(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, ISTANBUL)


def _shown(epoch: float | None) -> str:
    return "—" if epoch is None else _local(epoch).strftime("%d.%m.%Y %H:%M")
