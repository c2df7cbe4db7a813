"""Tickets between their rows and the domain: one place knows both shapes."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from cti.domain.tickets.attachments import Attachment
from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.records import LinkedCall, TicketEvent
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import Ticket
from cti.storage.models import Ticket as TicketRow
from cti.storage.models import TicketAttachmentRow, TicketCallRow, TicketEventRow

# The domain's fields, each a column of the same name.
FIELDS = tuple(f.name for f in dataclasses.fields(Ticket))


def to_ticket(row: TicketRow) -> Ticket:
    values: dict[str, Any] = {name: getattr(row, name) for name in FIELDS}
    values["status"] = TicketStatus(row.status)
    values["channel"] = Channel(row.channel)
    values["priority"] = Priority(row.priority)
    return Ticket(**values)


def write(row: TicketRow, ticket: Ticket) -> None:
    """Copy every field of `ticket` onto `row` (enumerations as their values)."""
    for name in FIELDS:
        value = getattr(ticket, name)
        setattr(row, name, value.value if isinstance(value, TicketStatus | Channel | Priority)
                else value)


def new_row(ticket: Ticket) -> TicketRow:
    row = TicketRow()
    write(row, ticket)
    return row


def event_row(ticket_id: int, at: float, actor: str, action: str,
              changes: dict[str, list[Any]]) -> TicketEventRow:
    text = json.dumps(changes, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return TicketEventRow(ticket_id=ticket_id, at=at, actor=actor, action=action, changes=text)


def to_event(row: TicketEventRow) -> TicketEvent:
    return TicketEvent(row.at, row.actor, row.action, json.loads(row.changes))


def to_linked_call(row: TicketCallRow) -> LinkedCall:
    return LinkedCall(row.call_id, row.linked_at, row.linked_by)


def to_attachment(row: TicketAttachmentRow) -> Attachment:
    return Attachment(
        row.id, row.filename, row.content_type, row.size, row.sha256, row.uploaded_by,
        row.uploaded_at,
    )
