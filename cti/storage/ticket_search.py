"""Searching tickets: the filters, a page of results, the cursor to the next one.

Keyset pages, newest first, on (created_at, id), like the call log's (`call_search`): a ticket
opened while someone pages shifts nothing, and page 1,000 costs what page 1 does.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_

from cti.domain.tickets import fields
from cti.domain.tickets.errors import InvalidTicket
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import Ticket
from cti.storage.call_search import InvalidCursor
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
    category: str | None = None
    district: str | None = None
    unit: str | None = None
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
        if self.since is not None:
            found.append(TicketRow.created_at >= self.since)
        if self.until is not None:
            found.append(TicketRow.created_at < self.until)
        if self.after is not None:
            found.append(_older_than(*decode_cursor(self.after)))
        return found


def stored_phone(written: str) -> str:
    """The form a phone number is stored in; a number that is none is searched as typed."""
    try:
        return fields.phone(written) or written.strip()
    except InvalidTicket:
        return written.strip()


def _older_than(created_at: float, ticket_id: int) -> ColumnElement[bool]:
    return or_(
        TicketRow.created_at < created_at,
        and_(TicketRow.created_at == created_at, TicketRow.id < ticket_id),
    )


def encode_cursor(created_at: float, ticket_id: int) -> str:
    raw = json.dumps([created_at, ticket_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> tuple[float, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, ticket_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursor("not a ticket cursor") from exc
    if not _is_time(created_at) or isinstance(ticket_id, bool) or not isinstance(ticket_id, int):
        raise InvalidCursor("not a ticket cursor")
    return float(created_at), ticket_id


def _is_time(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)
