"""The callback store: which citizens to call back about a resolved ticket, and every attempt.

Never twice: an attempt is written and committed before its Originate is sent, and every
change writes (and so locks) its row before reading it, as the ticket store does, so two dialer
processes, or one restarted mid-call, never plan the same attempt twice. The partial unique
index `uq_callback_attempts_phone_unfinished` is the last guard: one unfinished call per phone.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.selectable import ScalarSelect

from cti.domain.tickets import feedback
from cti.domain.tickets.feedback import FeedbackEnd
from cti.domain.tickets.fields import Channel
from cti.domain.tickets.ticket import Ticket
from cti.storage.models import CallbackAttemptRow, CallbackRow
from cti.storage.models import Ticket as TicketRow
from cti.storage.ticket_rows import event_row
from dialer.attempt_end import Settlement, final_outcome, settle
from dialer.attempt_rows import (
    MAX_TEXT,
    connected,
    locked_attempt,
    locked_callback,
    moved_on,
    noted,
    settled,
    trail,
)
from dialer.callback_queries import CALLABLE_TICKETS, survey_statement
from dialer.callback_queue import CallbackQueue
from dialer.callback_views import (  # re-exported: the dialer's words for what it plans
    Attempt,
    AttemptEnd,
    Due,
    PlannedAttempt,
    QueueItem,
    is_attempt_id,
    new_attempt_id,
)
from dialer.outcomes import Outcome
from dialer.states import IN_FLIGHT, UNFINISHED, AttemptState, CallbackStatus, Verdict

__all__ = ["Attempt", "AttemptEnd", "CallbackStore", "Due", "OutsideCallingHours",
           "PlannedAttempt", "QueueItem"]

log = logging.getLogger(__name__)


class TicketEnds(Protocol):
    """The ticket store's moves a callback makes inside its own transaction, so a callback
    and its ticket never disagree (`cti.storage.tickets.TicketStore`)."""

    async def start_feedback(self, session: AsyncSession, number: str, actor: str) -> Ticket:
        ...

    async def end_feedback(self, session: AsyncSession, number: str, end: FeedbackEnd,
                           actor: str, *, score: int | None = None) -> Ticket: ...

    async def score_feedback(self, session: AsyncSession, number: str, score: int,
                             actor: str) -> Ticket: ...

    async def unscore_feedback(self, session: AsyncSession, number: str,
                               actor: str) -> Ticket: ...


ACTOR = "dialer"
PRIORITY = {"urgent": 3, "high": 2, "normal": 1, "low": 0}
# What the dialplan may dial (asterisk-config/extensions.conf, [alo153-dialout]): Turkish
# numbers in national form only, never a premium, short or foreign one.
DIALABLE = re.compile(r"0[2-5][0-9]{9}")


class _MovedOn(Exception):
    """The ticket left resolved/feedback during the call: undo what was written."""


class OutsideCallingHours(LookupError):
    """No call may be placed now; `opens_at` is the next moment one may."""

    def __init__(self, opens_at: float) -> None:
        super().__init__(f"outside calling hours; they open at {opens_at:.0f}")
        self.opens_at = opens_at


class CallbackStore(CallbackQueue):
    """The queue (`CallbackQueue`) and the dialer's writes: enqueue, plan, advance, end, the
    operator's verdict, the keypad survey's score, close."""

    async def enqueue_resolved(self, session: AsyncSession, *, ticket_id: int,
                               now: float) -> CallbackRow | None:
        """A waiting callback for a ticket just resolved, inside the caller's transaction,
        which holds the ticket's row lock (so two resolutions cannot both add one). None when
        the citizen is not to be called: not a phone request, no dialable number, asked not to
        be called, or a callback for it is already unfinished."""
        ticket = await session.get(TicketRow, ticket_id)
        if ticket is None or not _wants_call(ticket):
            return None
        unfinished = select(CallbackRow.id).where(
            CallbackRow.ticket_id == ticket_id, CallbackRow.status.in_(UNFINISHED)).limit(1)
        if await session.scalar(unfinished) is not None:
            return None
        row = CallbackRow(
            ticket_id=ticket_id, phone=ticket.citizen_phone, status=CallbackStatus.WAITING,
            priority=PRIORITY.get(ticket.priority, 1), resolved_at=now, attempts=0,
            # Due now, or at the next opening: the queue then shows when it will really go.
            next_attempt_at=self._config.hours.next_open(now), created_at=now, updated_at=now,
        )
        session.add(row)
        await session.flush()
        return row

    async def plan(self, callback_id: int, now: float,
                   operator: str | None = None) -> PlannedAttempt | None:
        """Claim a waiting callback and write its next attempt (state placing), committed
        before this returns: originate only after it. None when it is no longer waiting, is
        not due yet (progressive), was taken by another operator, or its phone has a call in
        flight. An operator (preview) may call a scheduled callback ahead of its time.
        OutsideCallingHours when no call may be placed now."""
        if not self._config.hours.is_open(now):
            raise OutsideCallingHours(self._config.hours.next_open(now))
        try:
            async with self._sessions.begin() as session:
                return await self._plan(session, callback_id, now, operator)
        except IntegrityError:  # the phone already has an unfinished attempt
            return None

    async def _plan(self, session: AsyncSession, callback_id: int, now: float,
                    operator: str | None) -> PlannedAttempt | None:
        claim = (
            update(CallbackRow)
            .where(CallbackRow.id == callback_id, CallbackRow.status == CallbackStatus.WAITING,
                   CallbackRow.ticket_id.in_(_STILL_RESOLVED), *_claimable(operator, now))
            # An appointment is kept by this call: it no longer puts the callback first (the
            # moment stays in the trail's callback_later entry).
            .values(status=CallbackStatus.CALLING, attempts=CallbackRow.attempts + 1,
                    assigned_to=operator, appointment_at=None, updated_at=now)
            .returning(CallbackRow.attempts, CallbackRow.phone, CallbackRow.ticket_id)
            .execution_options(synchronize_session=False)
        )
        claimed = (await session.execute(claim)).one_or_none()
        if claimed is None:
            return None
        seq, phone, ticket_id = claimed
        number = await _number(session, ticket_id)
        attempt = CallbackAttemptRow(
            id=new_attempt_id(callback_id, seq), callback_id=callback_id, seq=seq, phone=phone,
            state=AttemptState.PLACING, operator=operator, placed_at=now,
        )
        session.add(attempt)
        await session.flush()  # the unique index speaks here, inside the try of `plan`
        return PlannedAttempt(attempt.id, callback_id, seq, number, phone, operator, now)

    async def advance(self, attempt_id: str, *, state: AttemptState | str | None = None,
                      outcome: Outcome | None = None, cause: str | None = None,
                      operator: str | None = None, channel: str | None = None,
                      at: float, tickets: TicketEnds | None = None) -> str | None:
        """Record what AMI said about an attempt (ringing → answered → queued → connected);
        idempotent, never moving it back. Pass state=connected when an operator takes the
        call: an answered call that ends without one is abandoned, and with `tickets` the
        ticket moves to feedback in the same transaction. state=ended or an outcome ends it
        as `end` does. Returns the ticket's number when this call moved the attempt on (so
        "connected" is acted on once); None for a repeat, an ended or a foreign id."""
        step = None if state is None else AttemptState(state)
        if step is AttemptState.ENDED or outcome is not None:
            ended = await self.end(attempt_id, outcome=outcome, cause=cause, operator=operator,
                                   channel=channel, at=at, tickets=tickets)
            return None if ended is None else ended.ticket_number
        if step is None or not is_attempt_id(attempt_id):
            return None
        async with self._sessions.begin() as session:
            row = await locked_attempt(session, attempt_id)
            if row is None:
                return None
            noted(row, operator, channel)
            if not moved_on(row, step, at):
                return None
            callback = await locked_callback(session, row.callback_id, at)
            number = await _number(session, callback.ticket_id)
            if step is AttemptState.CONNECTED:
                connected(callback)
                if tickets is not None and await _still_resolved(session, callback.ticket_id):
                    await tickets.start_feedback(session, number, row.operator or ACTOR)
            return number

    async def end(self, attempt_id: str, *, outcome: Outcome | None = None,
                  cause: str | None = None, operator: str | None = None,
                  channel: str | None = None, at: float,
                  tickets: TicketEnds | None = None) -> AttemptEnd | None:
        """End an attempt, once: its outcome (None: from how far it got), its callback settled
        (connected for the verdict, waiting for the next try after the spacing moved into
        calling hours, or done as unreachable after the last), and a "callback_attempt" entry
        in the ticket's trail. After the last try, `tickets` closes the ticket as unreachable
        (or a wrong number) in the same transaction. None if it ended already or is not
        ours."""
        if not is_attempt_id(attempt_id):
            return None
        async with self._sessions.begin() as session:
            row = await locked_attempt(session, attempt_id)
            if row is None:
                return None
            noted(row, operator, channel)
            ended = await self._end(session, row, outcome, cause, at)
            if ended.unreachable and tickets is not None:
                await _close_unreached(session, tickets, ended)
            return ended

    async def survey_scored(self, attempt_id: str, score: int, actor: str, *,
                            tickets: TicketEnds) -> bool:
        """The citizen's keypad 1-5 after this attempt's call, on its ticket; False (nothing
        written) when it is not a survey's to give: no operator had the call, or the number
        turned out wrong. The ticket is locked first, so an operator's "wrong number" given
        at the same moment comes after it and takes the score away again."""
        if not is_attempt_id(attempt_id):
            return False
        async with self._sessions.begin() as session:
            number = await _locked_ticket_of(session, attempt_id)
            if number is None or (await session.execute(
                    survey_statement(attempt_id))).one_or_none() is None:
                return False
            await tickets.score_feedback(session, number, score, actor)
        return True

    async def later(self, callback_id: int, at: float, actor: str, now: float,
                    note: str | None = None, *, tickets: TicketEnds) -> float | None:
        """The citizen asks to be called at `at`: the callback waits for that moment (moved
        into calling hours), before any other when due, and the tries after it count afresh;
        a keypad score given on this call is taken away (nothing was asked yet). The moment
        it will be called, or None if the callback is no longer in flight or its ticket was
        closed or reopened meanwhile (nothing is written then)."""
        due = self._config.hours.next_open(max(at, now))
        rescheduling = (
            update(CallbackRow)
            .where(CallbackRow.id == callback_id, CallbackRow.status.in_(IN_FLIGHT))
            .values(status=CallbackStatus.WAITING, next_attempt_at=due, appointment_at=due,
                    attempts_before=CallbackRow.attempts, assigned_to=None, updated_at=now)
            .returning(CallbackRow.ticket_id)
            .execution_options(synchronize_session=False)
        )
        try:
            async with self._sessions.begin() as session:
                ticket_id = (await session.execute(rescheduling)).scalar_one_or_none()
                if ticket_id is None:
                    return None
                if not await _still_resolved(session, ticket_id):
                    raise _MovedOn  # rolls the rescheduling back
                number = await _number(session, ticket_id)
                await tickets.unscore_feedback(session, number, actor)
                changes: dict[str, list[Any]] = {"appointment_at": [None, due]}
                if note:
                    changes["note"] = [None, note]
                session.add(event_row(ticket_id, now, actor, "callback_later", changes))
        except _MovedOn:
            return None
        log.info("callback %d: the citizen asked to be called later (%s)", callback_id, actor)
        return due

    async def verdict(self, callback_id: int, verdict: str, end: FeedbackEnd, actor: str,
                      now: float, *, tickets: TicketEnds,
                      score: int | None = None) -> Ticket | None:
        """The operator's verdict: the callback done and its ticket moved (`end`, with the
        citizen's 1-5) in one transaction; None if the callback was finished already.
        InvalidTransition (nothing written) if the ticket left resolved/feedback."""
        async with self._sessions.begin() as session:
            ticket_id = await self._close(session, callback_id, Verdict(verdict), now)
            if ticket_id is None:
                return None
            number = await _number(session, ticket_id)
            ticket = await tickets.end_feedback(session, number, end, actor, score=score)
        log.info("callback %d closed as %s by %s", callback_id, verdict, actor)
        return ticket

    async def _end(self, session: AsyncSession, row: CallbackAttemptRow,
                   outcome: Outcome | None, cause: str | None, at: float) -> AttemptEnd:
        final = final_outcome(AttemptState(row.state), outcome)
        row.state, row.ended_at, row.outcome = AttemptState.ENDED, at, final
        row.cause = cause[:MAX_TEXT] if cause else None
        callback = await locked_callback(session, row.callback_id, at)
        settlement = settle(self._config, status=CallbackStatus(callback.status),
                            attempts=callback.attempts - callback.attempts_before,
                            outcome=final, at=at)
        if (settlement is not None and settlement.status is not CallbackStatus.CONNECTED
                and not await _still_resolved(session, callback.ticket_id)):
            # Reopened or closed during the call: nothing left to ask the citizen, and no
            # "unreachable" to close it with.
            settlement = Settlement(CallbackStatus.CANCELLED, verdict=Verdict.CANCELLED)
        callback.last_outcome = final
        if settlement is not None:
            settled(callback, settlement, at)
        again = settlement.next_attempt_at if settlement else None
        session.add(event_row(callback.ticket_id, at, ACTOR, "callback_attempt",
                              trail(row, again)))
        return AttemptEnd(
            row.id, callback.id, await _number(session, callback.ticket_id), row.seq, final,
            row.cause, CallbackStatus(callback.status), again,
            settlement is not None and settlement.verdict is Verdict.UNREACHABLE,
        )

    async def withdraw(self, callback_id: int, reason: str, actor: str, now: float, *,
                       tickets: TicketEnds) -> bool:
        """A team leader takes a waiting callback off the list (the citizen asked not to be
        called, or heard the outcome another way): cancelled, with who and why in the
        ticket's trail, and the ticket closed on the unit's resolution, in one transaction
        (left open, nothing would ever close it). False if it is not waiting: a call is on,
        and its verdict ends it."""
        cancelling = (
            update(CallbackRow)
            .where(CallbackRow.id == callback_id, CallbackRow.status == CallbackStatus.WAITING)
            .values(status=CallbackStatus.CANCELLED, outcome=Verdict.CANCELLED, done_at=now,
                    assigned_to=None, updated_at=now)
            .returning(CallbackRow.ticket_id)
            .execution_options(synchronize_session=False)
        )
        ticket_of = (select(CallbackRow.ticket_id).where(CallbackRow.id == callback_id)
                     .scalar_subquery())
        async with self._sessions.begin() as session:
            # The ticket first, as a supervisor's close or reopen takes it before it cancels
            # the callback (`cancel_for_ticket`): the other order deadlocks on PostgreSQL.
            resolved = await _still_resolved(session, ticket_of)
            ticket_id = (await session.execute(cancelling)).scalar_one_or_none()
            if ticket_id is None:
                return False
            session.add(event_row(ticket_id, now, actor, "callback_cancelled",
                                  {"note": [None, reason]}))
            if resolved:  # else moved on by another hand
                await tickets.end_feedback(session, await _number(session, ticket_id),
                                           feedback.waived(reason), actor)
        log.info("callback %d withdrawn by %s", callback_id, actor)
        return True

    async def close(self, callback_id: int, outcome: str, actor: str, now: float) -> bool:
        """Done with the operator's verdict (a `Verdict`; "cancelled" cancels it); False if it
        was finished already. ValueError for any other outcome."""
        verdict = Verdict(outcome)
        async with self._sessions.begin() as session:
            closed = await self._close(session, callback_id, verdict, now) is not None
        if closed:
            log.info("callback %d closed as %s by %s", callback_id, verdict, actor)
        return closed

    async def _close(self, session: AsyncSession, callback_id: int, verdict: Verdict,
                     now: float) -> int | None:
        """Finish an unfinished callback; its ticket's id, or None if it was finished."""
        closing = (
            update(CallbackRow)
            .where(CallbackRow.id == callback_id, CallbackRow.status.in_(UNFINISHED))
            .values(status=CallbackStatus.CANCELLED if verdict is Verdict.CANCELLED
                    else CallbackStatus.DONE, outcome=verdict, done_at=now, updated_at=now)
            .returning(CallbackRow.ticket_id)
        )
        ticket_id: int | None = (await session.execute(closing)).scalar_one_or_none()
        return ticket_id

    async def cancel_for_ticket(self, session: AsyncSession, *, ticket_id: int,
                                now: float) -> int:
        """Cancel a ticket's waiting callback inside the caller's transaction (the ticket was
        reopened or closed before the citizen was reached); calls in flight are left to end.
        Returns how many were cancelled."""
        cancelling = (
            update(CallbackRow)
            .where(CallbackRow.ticket_id == ticket_id,
                   CallbackRow.status == CallbackStatus.WAITING)
            .values(status=CallbackStatus.CANCELLED, outcome=Verdict.CANCELLED, done_at=now,
                    updated_at=now)
            .returning(CallbackRow.id)
            .execution_options(synchronize_session=False)
        )
        return len((await session.execute(cancelling)).all())

def _wants_call(ticket: TicketRow) -> bool:
    phone = ticket.citizen_phone or ""
    return (ticket.channel == Channel.PHONE and not ticket.no_callback
            and DIALABLE.fullmatch(phone) is not None)


# Tickets whose citizen may still be asked: resolved, or being asked already.
_STILL_RESOLVED = select(TicketRow.id).where(TicketRow.status.in_(CALLABLE_TICKETS))


def _claimable(operator: str | None, now: float) -> tuple[Any, ...]:
    if operator is None:  # progressive: due, and not held by anyone for preview
        return CallbackRow.assigned_to.is_(None), CallbackRow.next_attempt_at <= now
    return (or_(CallbackRow.assigned_to.is_(None), CallbackRow.assigned_to == operator),)


async def _still_resolved(session: AsyncSession,
                          ticket_id: int | ScalarSelect[int]) -> bool:
    """Whether the ticket is still resolved or in feedback, after a no-op write that locks it:
    a supervisor's close cannot slip in between this answer and the ticket's move (on
    PostgreSQL the move would then refuse, rolling back the attempt's own record)."""
    lock = (
        update(TicketRow)
        .where(TicketRow.id == ticket_id, TicketRow.status.in_(CALLABLE_TICKETS))
        .values(updated_at=TicketRow.updated_at)
        .returning(TicketRow.id)
        .execution_options(synchronize_session=False)
    )
    return (await session.execute(lock)).scalar_one_or_none() is not None


async def _locked_ticket_of(session: AsyncSession, attempt_id: str) -> str | None:
    """The number of the attempt's ticket, after a no-op write that locks it (the first
    statement: see the module's docstring)."""
    ticket_of_attempt = (
        select(CallbackRow.ticket_id)
        .join(CallbackAttemptRow, CallbackAttemptRow.callback_id == CallbackRow.id)
        .where(CallbackAttemptRow.id == attempt_id)
        .scalar_subquery()
    )
    lock = (
        update(TicketRow).where(TicketRow.id == ticket_of_attempt)
        .values(updated_at=TicketRow.updated_at)
        .returning(TicketRow.number)
        .execution_options(synchronize_session=False)
    )
    number: str | None = (await session.execute(lock)).scalar_one_or_none()
    return number


async def _close_unreached(session: AsyncSession, tickets: TicketEnds, ended: AttemptEnd) -> None:
    """The last try failed: the ticket closes on the unit's resolution, saying why (`_end`
    cancelled the callback instead if the ticket was moved during the call)."""
    end = (feedback.wrong_number() if ended.outcome is Outcome.INVALID_NUMBER
           else feedback.unreachable(ended.attempts))
    await tickets.end_feedback(session, ended.ticket_number, end, ACTOR)


async def _number(session: AsyncSession, ticket_id: int) -> str:
    return str(await session.scalar(select(TicketRow.number).where(TicketRow.id == ticket_id)))
