"""Searching tickets: the filters, a page of results, the cursor to the next one.

Keyset pages (`keyset`), newest first, on (created_at, id), like the call log's: a ticket
opened while someone pages shifts nothing, and page 1,000 costs what page 1 does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_

from cti.domain.tickets import fields
from cti.domain.tickets.errors import InvalidTicket
from cti.domain.tickets.status import AT_UNIT, TicketStatus
from cti.domain.tickets.ticket import Ticket
from cti.storage.keyset import decode_cursor, older_than
from cti.storage.models import Ticket as TicketRow

MAX_PAGE = 500


@dataclass(frozen=True)
class TicketPage:
    tickets: list[Ticket]  # newest first
    next_cursor: str | None  # pass as `after` for the next page; None on the last page


@dataclass(frozen=True, kw_only=True)
class TicketQuery:
    phone: str | None = None  # any written form of the citizen's number
    number: str | None = None
    status: TicketStatus | None = None
    statuses: tuple[TicketStatus, ...] | None = None  # any of these
    category: str | None = None
    district: str | None = None
    unit: str | None = None
    units: tuple[str, ...] | None = None  # any of these (a coordinator's units)
    overdue: bool | None = None  # True: past a unit deadline now; False: not
    now: float = 0.0  # the moment `overdue` is judged at
    since: float | None = None  # created_at >= since
    until: float | None = None  # created_at < until
    after: str | None = None  # a TicketPage.next_cursor

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.phone is not None:
            found.append(TicketRow.citizen_phone == stored_phone(self.phone))
        for column, value in (
            (TicketRow.number, self.number),
            (TicketRow.status, self.status),
            (TicketRow.category, self.category),
            (TicketRow.district, self.district),
            (TicketRow.unit, self.unit),
        ):
            if value is not None:
                found.append(column == str(value))
        if self.statuses is not None:
            found.append(TicketRow.status.in_(sorted(str(s) for s in self.statuses)))
        if self.units is not None:
            found.append(TicketRow.unit.in_(sorted(self.units)))
        if self.overdue is not None:
            late = overdue_at(self.now)
            found.append(late if self.overdue else ~late)
        if self.since is not None:
            found.append(TicketRow.created_at >= self.since)
        if self.until is not None:
            found.append(TicketRow.created_at < self.until)
        if self.after is not None:
            created_at, ticket_id = decode_cursor(self.after, int, "not a ticket cursor")
            found.append(older_than(TicketRow.created_at, TicketRow.id, created_at, ticket_id))
        return found


# The unit's work the ladder runs on (`cti.domain.escalation.missed` says the same in Python).
_CHASED = sorted(str(s) for s in AT_UNIT - {TicketStatus.INFO_REQUESTED})


def overdue_at(now: float) -> ColumnElement[bool]:
    """With a unit, and past its acknowledge deadline unacknowledged or its resolve deadline."""
    return and_(
        TicketRow.status.in_(_CHASED),
        or_(
            and_(TicketRow.acknowledged_at.is_(None), TicketRow.ack_due_at <= now),
            TicketRow.resolve_due_at <= now,
        ),
    )


def stored_phone(written: str) -> str:
    """The form a phone number is stored in; a number that is none is searched as typed."""
    try:
        return fields.phone(written) or written.strip()
    except InvalidTicket:
        return written.strip()

