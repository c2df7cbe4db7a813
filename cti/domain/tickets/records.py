"""What the store reads back besides the ticket: its audit trail, calls, and a phone's history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cti.domain.tickets.attachments import Attachment
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import Ticket


@dataclass(frozen=True)
class TicketEvent:
    """One entry of the audit trail: who changed what, when. `changes` is {field: [old, new]}."""

    at: float
    actor: str
    action: str  # created, updated, status, forwarded, linked_call, attachment_added
    changes: dict[str, list[Any]]


@dataclass(frozen=True)
class LinkedCall:
    call_id: str  # the Asterisk Linkedid
    linked_at: float
    linked_by: str


@dataclass(frozen=True)
class TicketDetail:
    ticket: Ticket
    events: list[TicketEvent] = field(default_factory=list)  # oldest first
    calls: list[LinkedCall] = field(default_factory=list)  # in the order they were linked
    attachments: list[Attachment] = field(default_factory=list)


@dataclass(frozen=True)
class HistoryItem:
    """One of a caller's tickets as the screen pop lists it."""

    number: str
    status: TicketStatus
    category: str
    district: str | None
    created_at: float
    excerpt: str  # the description's beginning

    @property
    def is_open(self) -> bool:
        return self.status.is_open()

    def as_json(self) -> dict[str, object]:
        return {
            "number": self.number,
            "status": self.status.value,
            "open": self.is_open,
            "category": self.category,
            "district": self.district,
            "created_at": self.created_at,
            "excerpt": self.excerpt,
        }
