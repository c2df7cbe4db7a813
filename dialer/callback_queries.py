"""The callback store's reads: the dialer's due list, the console's queue, an attempt by id."""

from __future__ import annotations

from sqlalchemy import Row, Select, case, exists, func, select

from cti.domain.tickets.status import TicketStatus
from cti.storage.models import CallbackAttemptRow, CallbackRow
from cti.storage.models import Ticket as TicketRow
from dialer.callback_views import Attempt
from dialer.states import IN_FLIGHT, UNFINISHED, AttemptState, CallbackStatus

RESOLUTION_EXCERPT = 160
# A callback is worth a call while its ticket waits for the citizen's word; a ticket reopened
# or closed meanwhile (the citizen called in, a supervisor closed it) is not called about.
CALLABLE_TICKETS = (TicketStatus.RESOLVED.value, TicketStatus.FEEDBACK.value)

# A phone with a call in flight is not called again until that call ends.
_PHONE_BUSY = exists().where(
    CallbackAttemptRow.phone == CallbackRow.phone, CallbackAttemptRow.ended_at.is_(None))


def due_statement(now: float, limit: int) -> Select[int, str, str, int]:
    """Waiting callbacks due by `now` nobody took for preview: highest priority first, then
    those resolved longest ago."""
    return (
        select(CallbackRow.id, TicketRow.number, CallbackRow.phone, CallbackRow.attempts)
        .join(TicketRow, TicketRow.id == CallbackRow.ticket_id)
        .where(CallbackRow.status == CallbackStatus.WAITING, CallbackRow.next_attempt_at <= now,
               CallbackRow.assigned_to.is_(None), ~_PHONE_BUSY,
               TicketRow.status.in_(CALLABLE_TICKETS))
        # A promise to the citizen first, then by priority and time since resolution.
        .order_by(CallbackRow.appointment_at.is_(None), CallbackRow.priority.desc(),
                  CallbackRow.resolved_at, CallbackRow.id)
        .limit(limit)
    )


def queue_statement(now: float, limit: int, *,
                    finished: bool = False) -> Select[CallbackRow, str, str, str | None, str]:
    """Unfinished callbacks (all with `finished`): in flight first, then due ones in calling
    order, then scheduled ones by when they are due."""
    bucket = case((CallbackRow.status.in_(IN_FLIGHT), 0),
                  (CallbackRow.next_attempt_at <= now, 1), else_=2)
    promised = case((bucket == 1, CallbackRow.appointment_at.is_(None)), else_=False)
    statement = (
        select(CallbackRow, TicketRow.number, TicketRow.category, TicketRow.unit,
               func.substr(func.coalesce(TicketRow.resolution, ""), 1, RESOLUTION_EXCERPT))
        .join(TicketRow, TicketRow.id == CallbackRow.ticket_id)
        .order_by(bucket, promised, case((bucket == 1, -CallbackRow.priority), else_=0),
                  case((bucket == 2, CallbackRow.next_attempt_at), else_=CallbackRow.resolved_at),
                  CallbackRow.id)
        .limit(limit)
    )
    return statement if finished else statement.where(CallbackRow.status.in_(UNFINISHED))


def attempts_statement() -> Select[CallbackAttemptRow, str]:
    return select(CallbackAttemptRow, TicketRow.number).join(
        CallbackRow, CallbackRow.id == CallbackAttemptRow.callback_id
    ).join(TicketRow, TicketRow.id == CallbackRow.ticket_id)


def to_attempt(row: Row[CallbackAttemptRow, str]) -> Attempt:
    attempt, number = row
    return Attempt(
        attempt.id, attempt.callback_id, attempt.seq, number, attempt.phone,
        AttemptState(attempt.state), attempt.operator, attempt.placed_at, attempt.answered_at,
        attempt.connected_at, attempt.ended_at, attempt.outcome, attempt.cause, attempt.channel,
        attempt.left_at,
    )


# A keypad survey is the citizen's when an operator had them on the line and did not find the
# number wrong (the callback is still awaiting its verdict, or has a confirmed/not solved one).
_SURVEYED_OUTCOMES = ("confirmed", "not_solved")


def survey_statement(attempt_id: str) -> Select[int, str]:
    """The ticket (id, number) a keypad survey after this attempt scores; no row when none."""
    return (
        select(TicketRow.id, TicketRow.number)
        .join(CallbackRow, CallbackRow.ticket_id == TicketRow.id)
        .join(CallbackAttemptRow, CallbackAttemptRow.callback_id == CallbackRow.id)
        .where(CallbackAttemptRow.id == attempt_id, CallbackAttemptRow.connected_at.is_not(None),
               # A call the citizen put off ("call me later") asked nothing yet.
               CallbackAttemptRow.seq > CallbackRow.attempts_before,
               CallbackRow.outcome.is_(None) | CallbackRow.outcome.in_(_SURVEYED_OUTCOMES))
    )
