"""The escalation ladder: what happens to a forwarded request whose unit lets a deadline pass.

Rung 1, a reminder to the unit, as soon as the acknowledge or the resolve deadline has passed;
rung 2, one step later and still late, a warning e-mail to the unit and its manager; rung 3,
another step later, a field-team revisit: the team goes back to the place, photographs it and
writes a tutanak that goes to the unit with the photos. The step is the request's `Pace`
(`cti.domain.deadlines`): the ladder's business hours, shorter for an emergency.

A ticket climbs one rung per sweep at most, so a sweep after a long outage (or a weekend) does
not fire a reminder and a warning in the same minute. Acknowledging a late request settles the
acknowledge deadline and starts the ladder again for the resolve deadline; while the unit waits
for the call centre's answer (info_requested) the ladder holds, since the ball is with 153.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from cti.domain.calendar import BusinessCalendar
from cti.domain.deadlines import Pace
from cti.domain.tickets.status import AT_UNIT, TicketStatus


class Rung(enum.IntEnum):
    NONE = 0
    REMINDER = 1
    WARNING = 2
    FIELD_REVISIT = 3


class Missed(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"


@dataclass(frozen=True)
class UnitClock:
    """A ticket's deadlines and how far up the ladder it is (columns of `tickets`)."""

    status: TicketStatus
    acknowledged_at: float | None
    ack_due_at: float | None
    resolve_due_at: float | None
    escalation_level: int
    escalated_at: float | None


@dataclass(frozen=True)
class Step:
    rung: Rung
    missed: Missed
    due: float  # the deadline that was missed


def missed(clock: UnitClock, now: float) -> Step | None:
    """The deadline this ticket has let pass, as the ladder's next rung; None if on time."""
    if clock.status not in AT_UNIT or clock.status is TicketStatus.INFO_REQUESTED:
        return None
    rung = Rung(min(clock.escalation_level + 1, Rung.FIELD_REVISIT))
    if clock.acknowledged_at is None and clock.ack_due_at is not None and now >= clock.ack_due_at:
        return Step(rung, Missed.ACKNOWLEDGE, clock.ack_due_at)
    if clock.resolve_due_at is not None and now >= clock.resolve_due_at:
        return Step(rung, Missed.RESOLVE, clock.resolve_due_at)
    return None


def next_step(
    clock: UnitClock, now: float, calendar: BusinessCalendar, pace: Pace
) -> Step | None:
    """The rung to climb now, or None: on time, at the top, or the last rung is too recent."""
    step = missed(clock, now)
    if step is None or clock.escalation_level >= Rung.FIELD_REVISIT:
        return None
    if clock.escalation_level == Rung.NONE or clock.escalated_at is None:
        return step
    return step if now >= pace.ready(calendar, clock.escalated_at) else None
