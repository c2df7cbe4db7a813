"""The ticket store: citizens' requests, their audit trail, calls and attachments.

Every change is one transaction that first locks the ticket's row (or, for a new ticket, the
year's counter) with a write, so concurrent changes queue up instead of overwriting each other:
on PostgreSQL the row lock, on SQLite the database's single write lock, taken before anything
is read (a read first would pin a snapshot that a concurrent commit makes stale).
"""

from __future__ import annotations

import copy
import dataclasses
import time
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.deadlines import DeadlineRules, deadline_rules
from cti.domain.notices import DEFAULT as DEFAULT_NOTICES
from cti.domain.notices import CitizenNotices
from cti.domain.tickets import feedback
from cti.domain.tickets import fields as check
from cti.domain.tickets.attachments import Attachment, accepted_type, clean_filename
from cti.domain.tickets.errors import InvalidTicket, InvalidTransition, TicketNotFound
from cti.domain.tickets.feedback import FeedbackEnd
from cti.domain.tickets.fields import Priority
from cti.domain.tickets.lifecycle import Diff, created, diff_of, moved, opened, patched
from cti.domain.tickets.numbering import format_number, year_of
from cti.domain.tickets.records import HistoryItem, LinkedCall, TicketDetail, TicketEvent
from cti.domain.tickets.status import NOT_OPEN, TicketStatus
from cti.domain.tickets.ticket import UNSET, Ticket, TicketDraft, TicketPatch
from cti.domain.tickets.unit_clock import STARTS_CLOCK, acknowledged, clocked
from cti.storage.attachment_files import AttachmentFiles
from cti.storage.db import dialect_insert
from cti.storage.keyset import encode_cursor
from cti.storage.models import Ticket as TicketRow
from cti.storage.models import TicketAttachmentRow, TicketCallRow, TicketCounterRow, TicketEventRow
from cti.storage.ticket_effects import FeedbackQueue, MoveEffects
from cti.storage.ticket_rows import (
    event_row,
    new_row,
    to_attachment,
    to_event,
    to_linked_call,
    to_ticket,
    write,
)
from cti.storage.ticket_search import MAX_PAGE, TicketPage, TicketQuery, stored_phone

# The units an actor acts for (unit staff, a municipality's coordinator); None: any.
Units = Collection[str] | None
EXCERPT = 120  # characters of the description a history line shows
HISTORY_MAX = 100


class TicketStore:
    """Creates, changes and finds tickets; every change leaves an entry in `ticket_events`."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        attachments_dir: Path,
        clock: Callable[[], float] = time.time,
        rules: DeadlineRules | None = None,
        notices: CitizenNotices = DEFAULT_NOTICES,
        feedback: FeedbackQueue | None = None,
    ) -> None:
        self._sessions = sessions
        self._files = AttachmentFiles(attachments_dir)
        self._clock = clock
        self._effects = MoveEffects(rules or deadline_rules(), notices, feedback)

    def with_clock(self, clock: Callable[[], float]) -> TicketStore:
        """The same store reading another clock: the demo dates its history in the past."""
        other = copy.copy(self)
        other._clock = clock
        return other

    async def create(self, draft: TicketDraft, actor: str, call_id: str | None = None) -> Ticket:
        """A new ticket, numbered in its year; bound to `call_id` (a Linkedid) when given."""
        now = self._clock()
        if call_id is not None:
            check.call_id(call_id)
        async with self._sessions.begin() as session:
            year = year_of(now)
            number = format_number(year, await _next_sequence(session, year))
            ticket = opened(draft, number=number, now=now, actor=actor)
            row = new_row(ticket)
            session.add(row)
            await session.flush()
            session.add(event_row(row.id, now, actor, "created", created(ticket)))
            if call_id is not None:
                await _link(session, row.id, call_id, actor, now)
        return ticket

    async def get(self, number: str) -> Ticket | None:
        async with self._sessions() as session:
            row = await session.scalar(select(TicketRow).where(TicketRow.number == number))
        return None if row is None else to_ticket(row)

    async def detail(self, number: str) -> TicketDetail | None:
        """The ticket with its audit trail, linked calls and attachments, as one snapshot."""
        async with self._sessions.begin() as session:
            row = await session.scalar(select(TicketRow).where(TicketRow.number == number))
            if row is None:
                return None
            events = await session.scalars(
                select(TicketEventRow).where(TicketEventRow.ticket_id == row.id)
                .order_by(TicketEventRow.id)
            )
            calls = await session.scalars(
                select(TicketCallRow).where(TicketCallRow.ticket_id == row.id)
                .order_by(TicketCallRow.linked_at, TicketCallRow.call_id)
            )
            files = await session.scalars(
                select(TicketAttachmentRow).where(TicketAttachmentRow.ticket_id == row.id)
                .order_by(TicketAttachmentRow.id)
            )
            return TicketDetail(
                to_ticket(row),
                [to_event(e) for e in events],
                [to_linked_call(c) for c in calls],
                [to_attachment(f) for f in files],
            )

    async def search(
        self,
        *,
        phone: str | None = None,
        number: str | None = None,
        status: TicketStatus | None = None,
        statuses: tuple[TicketStatus, ...] | None = None,
        category: str | None = None,
        district: str | None = None,
        unit: str | None = None,
        units: tuple[str, ...] | None = None,
        overdue: bool | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> TicketPage:
        """Tickets newest first, `limit` at a time (`TicketQuery` says what each filter does).

        InvalidCursor for an `after` this store never handed out.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
        query = TicketQuery(
            phone=phone, number=number, status=status, statuses=statuses, category=category,
            district=district, unit=unit, units=units, overdue=overdue, now=self._clock(),
            since=since, until=until, after=after,
        )
        statement = (
            select(TicketRow)
            .where(*query.conditions())
            .order_by(TicketRow.created_at.desc(), TicketRow.id.desc())
            .limit(limit + 1)  # one more than asked says whether a next page exists
        )
        async with self._sessions() as session:
            rows = list(await session.scalars(statement))
        page = rows[:limit]
        more = len(rows) > limit
        cursor = encode_cursor(page[-1].created_at, page[-1].id) if more else None
        return TicketPage([to_ticket(row) for row in page], cursor)

    async def update(self, number: str, patch: TicketPatch, actor: str) -> Ticket:
        """Apply the patch's fields, then its status (through the lifecycle), atomically."""
        now = self._clock()
        async with self._sessions.begin() as session:
            row = await _locked(session, number)
            ticket, diff = patched(to_ticket(row), patch, now=now)
            if diff:
                session.add(event_row(row.id, now, actor, "updated", diff))
            if patch.status is not UNSET and patch.status is not ticket.status:
                previous = ticket.status
                ticket, diff = await self._step(session, row.id, ticket, patch.status, now)
                session.add(event_row(row.id, now, actor, "status", _noted(diff, patch.note)))
                await self._effects.announce(session, row.id, previous, ticket, actor, now)
            write(row, ticket)
        return ticket

    async def transition(
        self, number: str, status: TicketStatus, actor: str, note: str | None = None
    ) -> Ticket:
        return await self._move(number, actor, [status], note=note)

    async def solve_first_contact(self, number: str, resolution: str, actor: str) -> Ticket:
        """Solved on the call: new → first_contact_solved → closed, in one transaction."""
        statuses = [TicketStatus.FIRST_CONTACT_SOLVED, TicketStatus.CLOSED]
        return await self._move(number, actor, statuses, resolution=resolution)

    async def forward(
        self, number: str, unit: str, note: str | None, actor: str, suggested: str | None = None
    ) -> Ticket:
        """Send the ticket to a unit, or re-route it to another one; the unit's deadlines start.

        `suggested` is the unit routing proposed: the trail keeps it beside the one chosen, so
        an operator's override is visible.
        """
        extra: Diff = {}
        if suggested is not None:
            extra["suggested"] = [None, check.unit(suggested)]
            if suggested != unit:
                extra["overridden"] = [None, True]
        return await self._move(number, actor, [TicketStatus.FORWARDED], unit=unit, note=note,
                                extra=extra)

    async def acknowledge(self, number: str, actor: str, *, within: Units = None) -> Ticket:
        """The unit has seen the request and is on it (forwarded or reopened → in_progress).

        `within`, for this and the unit's other steps: the units the actor acts for; a ticket
        no longer at one of them (re-routed a moment ago) is TicketNotFound, judged under the
        ticket's lock.
        """
        return await self._move(number, actor, [TicketStatus.IN_PROGRESS], within=within)

    async def request_info(self, number: str, question: str, actor: str, *,
                           within: Units = None) -> Ticket:
        """The unit asks the call centre for more information; the ladder waits meanwhile."""
        question = _required_note("question", question)
        return await self._move(number, actor, [TicketStatus.INFO_REQUESTED], note=question,
                                within=within)

    async def answer_info(self, number: str, answer: str, actor: str) -> Ticket:
        """The call centre answers the unit's question: back to the unit (in_progress), its
        resolve deadline moved on by the working time the question waited."""
        answer = _required_note("answer", answer)
        return await self._move(number, actor, [TicketStatus.IN_PROGRESS], note=answer,
                                expect=TicketStatus.INFO_REQUESTED)

    async def close_returned(self, number: str, resolution: str, actor: str) -> Ticket:
        """Close a request its unit returned that no municipal unit handles (referred to the
        electricity distributor, a ministry…), saying what was done."""
        resolution = _required_note("resolution", resolution)
        return await self._move(number, actor, [TicketStatus.CLOSED], resolution=resolution,
                                expect=TicketStatus.RETURNED)

    async def unit_answer(self, number: str, text: str, actor: str, *,
                          within: Units = None) -> Ticket:
        """The unit's written answer on the request, kept in the trail; it counts as seen."""
        text = _required_note("answer", text)
        now = self._clock()
        async with self._sessions.begin() as session:
            row = await _locked(session, number, within)
            ticket = to_ticket(row)
            if ticket.status not in _ANSWERABLE:
                raise InvalidTransition(ticket.status.value, "answered")
            after = acknowledged(ticket, now)
            session.add(event_row(row.id, now, actor, "answer", {"answer": [None, text]}))
            write(row, dataclasses.replace(after, updated_at=now))
        return after

    async def resolve(self, number: str, resolution: str, actor: str, *,
                      within: Units = None) -> Ticket:
        """The unit reports the request solved, saying what it did."""
        return await self._move(number, actor, [TicketStatus.RESOLVED], resolution=resolution,
                                within=within)

    async def return_to_call_centre(self, number: str, reason: str, actor: str, *,
                                    within: Units = None) -> Ticket:
        """"Not ours": back to 153 with the reason, to be routed again, never dropped."""
        reason = _required_note("reason", reason)
        return await self._move(number, actor, [TicketStatus.RETURNED], note=reason,
                                within=within)

    async def feedback_started(self, number: str, actor: str) -> Ticket:
        """A feedback operator has the citizen on the line (resolved → feedback)."""
        async with self._sessions.begin() as session:
            return await self.start_feedback(session, number, actor)

    async def start_feedback(self, session: AsyncSession, number: str, actor: str) -> Ticket:
        """`feedback_started` inside the caller's transaction; InvalidTransition unless the
        ticket is resolved or in feedback already (then it stays as it is)."""
        row, ticket = await self._in_feedback(session, number, TicketStatus.FEEDBACK, actor,
                                              self._clock())
        write(row, ticket)
        return ticket

    async def feedback_confirmed(self, number: str, note: str | None, actor: str) -> Ticket:
        """The citizen confirms it is solved: closed."""
        return await self.feedback_ended(number, feedback.confirmed(note), actor)

    async def feedback_not_solved(self, number: str, words: str, actor: str) -> Ticket:
        """The citizen says it is not solved: back to the same unit (fresh deadlines), one
        priority step higher, with the citizen's words in the trail."""
        return await self.feedback_ended(number, feedback.not_solved(words), actor)

    async def feedback_unreachable(self, number: str, actor: str, attempts: int) -> Ticket:
        """No answer after the last attempt: closed on the unit's resolution, saying so."""
        return await self.feedback_ended(number, feedback.unreachable(attempts), actor)

    async def feedback_wrong_number(self, number: str, actor: str) -> Ticket:
        """The number reached someone else: closed on the unit's resolution, saying so."""
        return await self.feedback_ended(number, feedback.wrong_number(), actor)

    async def set_satisfaction(self, number: str, score: int, actor: str) -> Ticket:
        """The citizen's 1-5 in the survey after the feedback call."""
        async with self._sessions.begin() as session:
            return await self.score_feedback(session, number, score, actor)

    async def score_feedback(self, session: AsyncSession, number: str, score: int,
                             actor: str) -> Ticket:
        """`set_satisfaction` inside the caller's transaction."""
        _check_score(score)
        now = self._clock()
        row = await _locked(session, number)
        after = _scored(session, row, to_ticket(row), score, actor, now)
        write(row, after)
        return after

    async def unscore_feedback(self, session: AsyncSession, number: str, actor: str) -> Ticket:
        """Take a keypad score away inside the caller's transaction (the citizen asked to be
        called later: the score was given on nothing); the ticket as it is when none."""
        row = await _locked(session, number)
        ticket = to_ticket(row)
        if ticket.satisfaction is None:
            return ticket
        after = _scored(session, row, ticket, None, actor, self._clock())
        write(row, after)
        return after

    async def end_feedback(self, session: AsyncSession, number: str, end: FeedbackEnd,
                           actor: str, *, score: int | None = None) -> Ticket:
        """Inside the caller's transaction (which settles the callback with it, so the two
        never disagree): from resolved (through feedback) or feedback to `end.status`, with
        the operator's 1-5 when given and the keypad survey has not scored it already;
        InvalidTransition from anywhere else."""
        if end.status is TicketStatus.REOPENED:  # the unit reads the citizen's words
            end = dataclasses.replace(end, note=_required_note("words", end.note))
        if score is not None:
            _check_score(score)
        now = self._clock()
        row, ticket = await self._in_feedback(session, number, end.status, actor, now)
        ticket = await self._feedback_step(session, row.id, ticket, end.status, actor, now,
                                           end=end)
        if score is not None and ticket.satisfaction is None:
            # The citizen's own key press in the keypad survey counts over the operator's.
            ticket = _scored(session, row, ticket, score, actor, now)
        elif not end.keeps_score and ticket.satisfaction is not None:
            # A wrong number: whoever pressed a key was not the citizen.
            ticket = _scored(session, row, ticket, None, actor, now)
        write(row, ticket)
        return ticket

    async def feedback_ended(self, number: str, end: FeedbackEnd, actor: str, *,
                             score: int | None = None) -> Ticket:
        """`end_feedback` in a transaction of its own."""
        async with self._sessions.begin() as session:
            return await self.end_feedback(session, number, end, actor, score=score)

    async def _in_feedback(self, session: AsyncSession, number: str, target: TicketStatus,
                           actor: str, now: float) -> tuple[TicketRow, Ticket]:
        """The locked row and its ticket moved resolved → feedback (already there: as it
        is); InvalidTransition to `target` from any other status."""
        row = await _locked(session, number)
        ticket = to_ticket(row)
        if ticket.status not in _FEEDBACK_FROM:
            raise InvalidTransition(ticket.status.value, target.value)
        if ticket.status is TicketStatus.RESOLVED:
            ticket = await self._feedback_step(session, row.id, ticket, TicketStatus.FEEDBACK,
                                               actor, now)
        return row, ticket

    async def _feedback_step(self, session: AsyncSession, ticket_id: int, ticket: Ticket,
                             status: TicketStatus, actor: str, now: float, *,
                             end: FeedbackEnd | None = None) -> Ticket:
        """One step of a feedback call, its trail entry and its effects; `end` on the last.
        A new round of feedback (resolved → feedback) starts without the last round's score."""
        previous = ticket.status
        ticket, diff = await self._step(session, ticket_id, ticket, status, now)
        if status is TicketStatus.FEEDBACK and ticket.satisfaction is not None:
            unscored = dataclasses.replace(ticket, satisfaction=None)
            diff, ticket = {**diff, **diff_of(ticket, unscored)}, unscored
        if end is not None and end.raise_priority:
            raised = dataclasses.replace(ticket, priority=_raised(ticket.priority))
            diff, ticket = {**diff, **diff_of(ticket, raised)}, raised
        session.add(event_row(ticket_id, now, actor, "status",
                              _noted(diff, end.note if end else None)))
        await self._effects.announce(session, ticket_id, previous, ticket, actor, now)
        return ticket

    async def link_call(self, number: str, call_id: str, actor: str) -> bool:
        """Bind a call to the ticket; False if it already was (nothing is written then)."""
        check.call_id(call_id)
        now = self._clock()
        async with self._sessions.begin() as session:
            row = await _locked(session, number)
            linked = await _link(session, row.id, call_id, actor, now)
        return linked

    async def tickets_of_call(self, call_id: str) -> list[str]:
        """The numbers of the tickets a call is linked to, oldest ticket first."""
        statement = (
            select(TicketRow.number)
            .join(TicketCallRow, TicketCallRow.ticket_id == TicketRow.id)
            .where(TicketCallRow.call_id == call_id)
            .order_by(TicketRow.created_at, TicketRow.id)
        )
        async with self._sessions() as session:
            return list(await session.scalars(statement))

    async def events(self, number: str) -> list[TicketEvent]:
        detail = await self.detail(number)
        if detail is None:
            raise TicketNotFound(number)
        return detail.events

    async def calls(self, number: str) -> list[LinkedCall]:
        detail = await self.detail(number)
        if detail is None:
            raise TicketNotFound(number)
        return detail.calls

    async def add_attachment(
        self, number: str, *, filename: str | None, data: bytes, actor: str
    ) -> Attachment:
        """Keep a photo or PDF with the ticket; AttachmentRefused for anything else."""
        content_type = accepted_type(data)
        if await self.get(number) is None:
            raise TicketNotFound(number)  # before writing a file nobody would name
        sha256 = await self._files.put(data)
        now = self._clock()
        async with self._sessions.begin() as session:
            ticket = await _locked(session, number)
            row = TicketAttachmentRow(
                ticket_id=ticket.id, filename=clean_filename(filename), content_type=content_type,
                size=len(data), sha256=sha256, uploaded_by=actor, uploaded_at=now,
            )
            session.add(row)
            await session.flush()
            added = {"attachment": [None, {"id": row.id, "filename": row.filename}]}
            session.add(event_row(ticket.id, now, actor, "attachment_added", added))
            return to_attachment(row)

    async def attachment(self, number: str, attachment_id: int) -> tuple[Attachment, bytes] | None:
        """An attachment of this ticket and its bytes; None if the ticket has no such one."""
        statement = (
            select(TicketAttachmentRow)
            .join(TicketRow, TicketRow.id == TicketAttachmentRow.ticket_id)
            .where(TicketRow.number == number, TicketAttachmentRow.id == attachment_id)
        )
        async with self._sessions() as session:
            row = await session.scalar(statement)
        if row is None:
            return None
        return to_attachment(row), await self._files.get(row.sha256)

    async def history_for_phone(self, phone: str, limit: int = 20) -> list[HistoryItem]:
        """A caller's tickets for the screen pop: open ones first, then newest first.

        One statement on the (citizen_phone, …) indexes: it reads that phone's tickets only.
        """
        async with self._sessions() as session:
            rows = (await session.execute(history_statement(phone, limit))).all()
        return [
            HistoryItem(r.number, TicketStatus(r.status), r.category, r.district, r.created_at,
                        r.excerpt)
            for r in rows
        ]

    async def history_json(self, phone: str, limit: int = 20) -> list[dict[str, object]]:
        """`history_for_phone` as JSON objects: the console's `TicketHistory`."""
        return [item.as_json() for item in await self.history_for_phone(phone, limit)]

    async def _move(
        self, number: str, actor: str, statuses: list[TicketStatus], *,
        note: str | None = None, unit: str | None = None, resolution: str | None = None,
        extra: Diff | None = None, expect: TicketStatus | None = None, within: Units = None,
    ) -> Ticket:
        """The moves `statuses` in one transaction; InvalidTransition unless the ticket is in
        `expect` (when given) once locked."""
        note = check.text("note", note, limit=check.MAX_NOTE)
        now = self._clock()
        async with self._sessions.begin() as session:
            row = await _locked(session, number, within)
            ticket = to_ticket(row)
            if expect is not None and ticket.status is not expect:
                raise InvalidTransition(ticket.status.value, statuses[0].value)
            for status in statuses:  # each step its own audit entry, the note on the first
                previous = ticket.status
                ticket, diff = await self._step(session, row.id, ticket, status, now, unit=unit,
                                                resolution=resolution)
                diff = {**diff, **(extra or {})}
                session.add(event_row(row.id, now, actor, "status", _noted(diff, note)))
                await self._effects.announce(session, row.id, previous, ticket, actor, now)
                note = unit = resolution = extra = None
            write(row, ticket)
        return ticket

    async def _step(
        self, session: AsyncSession, ticket_id: int, ticket: Ticket, status: TicketStatus,
        now: float, *, unit: str | None = None, resolution: str | None = None,
    ) -> tuple[Ticket, Diff]:
        """One move along the lifecycle, with the unit's clock brought along."""
        moved_to, diff = moved(ticket, status, now=now, unit=unit, resolution=resolution)
        due = await self._effects.due(session, moved_to, now) if status in STARTS_CLOCK else None
        after = clocked(moved_to, now=now, due=due)
        if ticket.status is TicketStatus.INFO_REQUESTED:
            after = await self._effects.resumed(session, ticket_id, after, now)
        return after, {**diff, **diff_of(moved_to, after)}


_OPEN_FIRST = case((TicketRow.status.in_(sorted(s.value for s in NOT_OPEN)), 1), else_=0)
_HISTORY = select(
    TicketRow.number,
    TicketRow.status,
    TicketRow.category,
    TicketRow.district,
    TicketRow.created_at,
    func.substr(TicketRow.description, 1, EXCERPT).label("excerpt"),
).order_by(_OPEN_FIRST, TicketRow.created_at.desc(), TicketRow.id.desc())


def history_statement(phone: str, limit: int) -> Select[Any]:
    return _HISTORY.where(TicketRow.citizen_phone == stored_phone(phone)).limit(
        max(1, min(limit, HISTORY_MAX))
    )


_FEEDBACK_FROM = frozenset({TicketStatus.RESOLVED, TicketStatus.FEEDBACK})
_PRIORITIES = (Priority.LOW, Priority.NORMAL, Priority.HIGH, Priority.URGENT)
# Where a unit's written answer may go: the ticket is with that unit.
_ANSWERABLE = frozenset({TicketStatus.FORWARDED, TicketStatus.IN_PROGRESS,
                         TicketStatus.INFO_REQUESTED, TicketStatus.REOPENED})


def _raised(priority: Priority) -> Priority:
    return _PRIORITIES[min(_PRIORITIES.index(priority) + 1, len(_PRIORITIES) - 1)]


def _check_score(score: int) -> None:
    if isinstance(score, bool) or not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidTicket("satisfaction", "1 to 5")


def _scored(session: AsyncSession, row: TicketRow, ticket: Ticket, score: int | None,
            actor: str, now: float) -> Ticket:
    """The ticket with the citizen's 1-5 from the feedback call (None: taken away), its
    "survey" entry added."""
    after = dataclasses.replace(ticket, satisfaction=score, updated_at=now)
    session.add(event_row(row.id, now, actor, "survey", diff_of(ticket, after)))
    return after


def _required_note(field: str, value: str) -> str:
    return check.required_text(field, value, limit=check.MAX_NOTE)


def _noted(diff: Diff, note: str | None) -> Diff:
    return {**diff, "note": [None, note]} if note else diff


async def _locked(session: AsyncSession, number: str, within: Units = None) -> TicketRow:
    """The ticket's row, after a no-op write that locks it (see the module's docstring);
    TicketNotFound also when `within` is given and the ticket is at none of those units."""
    lock = (
        update(TicketRow)
        .where(TicketRow.number == number)
        .values(updated_at=TicketRow.updated_at)
        .returning(TicketRow.id)
        .execution_options(synchronize_session=False)
    )
    ticket_id = (await session.execute(lock)).scalar_one_or_none()
    row = None if ticket_id is None else await session.get(TicketRow, ticket_id)
    if row is None or (within is not None and row.unit not in within):
        raise TicketNotFound(number)
    return row


async def _next_sequence(session: AsyncSession, year: int) -> int:
    """The year's next number, counted in `ticket_counters` under the transaction's lock."""
    insert = dialect_insert(session)(TicketCounterRow).values(year=year, last=1)
    bump = insert.on_conflict_do_update(
        index_elements=["year"], set_={"last": TicketCounterRow.last + 1}
    ).returning(TicketCounterRow.last)
    return int((await session.execute(bump)).scalar_one())


async def _link(session: AsyncSession, ticket_id: int, call_id: str, actor: str,
                now: float) -> bool:
    insert = dialect_insert(session)(TicketCallRow).values(
        ticket_id=ticket_id, call_id=call_id, linked_at=now, linked_by=actor
    )
    statement = insert.on_conflict_do_nothing().returning(TicketCallRow.call_id)
    if (await session.execute(statement)).scalar_one_or_none() is None:
        return False  # linked already
    session.add(event_row(ticket_id, now, actor, "linked_call", {"call_id": [None, call_id]}))
    return True
