"""A ticket's unit clock: when it reached its unit, its deadlines there, and the ladder's rung.

A forward (and a re-route, and a citizen's "it is not done" that reopens it) starts the clock
again with fresh deadlines; the unit's first sign of life (acknowledging, asking the call
centre, answering, resolving) stops the acknowledge deadline and sets the ladder back to the
bottom, so a late acknowledgement is chased again only if the resolve deadline passes; a return
to 153 clears the clock, since no unit holds the ticket.
"""

from __future__ import annotations

import dataclasses

from cti.domain.deadlines import Due
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import Ticket

S = TicketStatus
# The moves that give the unit a fresh set of deadlines.
STARTS_CLOCK = frozenset({S.FORWARDED, S.REOPENED})
_SIGNS_OF_LIFE = frozenset({S.IN_PROGRESS, S.INFO_REQUESTED, S.RESOLVED})


def clocked(ticket: Ticket, *, now: float, due: Due | None) -> Ticket:
    """`ticket`, just moved to its status, with its unit clock brought along."""
    status = ticket.status
    if status in STARTS_CLOCK:
        if due is None:
            raise ValueError(f"a move to {status} needs the deadlines it starts")
        return dataclasses.replace(
            ticket, forwarded_at=now, acknowledged_at=None, ack_due_at=due.ack,
            resolve_due_at=due.resolve, resolved_at=None, escalation_level=0, escalated_at=None,
        )
    if status is S.RETURNED:
        return dataclasses.replace(
            ticket, forwarded_at=None, acknowledged_at=None, ack_due_at=None,
            resolve_due_at=None, escalation_level=0, escalated_at=None,
        )
    if status in _SIGNS_OF_LIFE:
        ticket = acknowledged(ticket, now)
    if status is S.RESOLVED:
        ticket = dataclasses.replace(ticket, resolved_at=now)
    return ticket


def acknowledged(ticket: Ticket, now: float) -> Ticket:
    """The unit has shown it saw the ticket: the first time, the ladder starts again."""
    if ticket.acknowledged_at is not None:
        return ticket
    return dataclasses.replace(ticket, acknowledged_at=now, escalation_level=0,
                               escalated_at=None)
