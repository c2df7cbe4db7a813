"""A field task as the field team sees it: the visit, and what it needs to know of the ticket.

The ticket's citizen (name, phone, T.C. number) is left out on purpose: the team goes to a
place, not to a person, and the tutanak travels by e-mail (KVKK, Law No. 6698, art. 4: data
limited to what the purpose needs).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from cti.domain.escalation import Missed, UnitClock, missed
from cti.domain.tickets.attachments import Attachment
from cti.domain.tickets.status import TicketStatus
from cti.field.errors import InvalidFieldInput

MAX_NOTES = 4000
MAX_PHOTOS = 10  # a visit's photos: each goes into the tutanak PDF, mailed to the unit
PHOTO_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})


class FieldTaskStatus(enum.StrEnum):
    OPEN = "open"
    DONE = "done"  # inspected: the tutanak is written and sent
    CANCELLED = "cancelled"


class FieldTaskReason(enum.StrEnum):
    ESCALATION = "escalation"  # the ladder's last rung: the unit let its deadline pass
    MANUAL = "manual"  # a supervisor sent the team


@dataclass(frozen=True)
class Named:
    """A code with its Turkish and English names (the code itself when nothing names it)."""

    code: str
    name_tr: str
    name_en: str


@dataclass(frozen=True, kw_only=True)
class TaskTicket:
    """The ticket as the field team needs it: where, what, whose, and which deadline passed."""

    number: str
    status: str
    category: Named
    district: Named | None
    neighbourhood: str | None
    address: str | None
    latitude: float | None
    longitude: float | None
    description: str
    unit: Named | None
    created_at: float
    forwarded_at: float | None
    acknowledged_at: float | None
    ack_due_at: float | None
    resolve_due_at: float | None

    def missed_by(self, at: float) -> tuple[str, float] | None:
        """("ack" or "resolve", when it was due): the unit's deadline passed by `at` with its
        step not taken; None when the unit is on time, or the ticket is no longer the unit's
        to answer (resolved, returned, closed, or waiting for the call centre). A supervisor
        may send the team to a ticket that is not late: the tutanak must not say it is.
        The escalation ladder's own test, so the two never disagree."""
        clock = UnitClock(TicketStatus(self.status), self.acknowledged_at, self.ack_due_at,
                          self.resolve_due_at, escalation_level=0, escalated_at=None)
        step = missed(clock, at)
        if step is None:
            return None
        return ("ack" if step.missed is Missed.ACKNOWLEDGE else "resolve"), step.due


@dataclass(frozen=True, kw_only=True)
class FieldTask:
    id: int
    status: FieldTaskStatus
    reason: str
    created_at: float
    created_by: str
    assigned_to: str | None
    notes: str
    inspected_by: str | None
    inspected_at: float | None
    report_attachment_id: int | None
    ticket: TaskTicket
    photo_count: int = 0


@dataclass(frozen=True)
class FieldTaskDetail:
    task: FieldTask
    photos: list[Attachment] = field(default_factory=list)  # taken on this visit
    earlier_photos: list[Attachment] = field(default_factory=list)  # the ticket's others
    report: Attachment | None = None  # the tutanak, once written


def clean_notes(notes: str) -> str:
    """The field notes trimmed; InvalidFieldInput if too long or holding NUL."""
    cleaned = notes.strip()
    if len(cleaned) > MAX_NOTES:
        raise InvalidFieldInput("notes", f"longer than {MAX_NOTES} characters")
    if "\x00" in cleaned:
        raise InvalidFieldInput("notes", "contains NUL")
    return cleaned
