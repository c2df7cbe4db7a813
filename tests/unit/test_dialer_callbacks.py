"""The callback store on a SQLite file; `CallbackStoreBehaviour` runs on PostgreSQL too
(tests/integration/test_dialer_store_postgres.py). Tickets are made and resolved through the
real ticket store."""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.domain.calendar import ISTANBUL
from cti.domain.tickets import feedback
from cti.domain.tickets.errors import InvalidTicket, InvalidTransition
from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import TicketDraft
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.models import CallbackRow, TicketEventRow
from cti.storage.models import Ticket as TicketRow
from cti.storage.tickets import TicketStore
from dialer.callbacks import CallbackStore, OutsideCallingHours, PlannedAttempt
from dialer.config import DialerConfig
from dialer.outcomes import Outcome
from dialer.states import AttemptState, CallbackStatus, Verdict


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=ISTANBUL).timestamp()


def local(epoch: float | None) -> str:
    assert epoch is not None
    return datetime.fromtimestamp(epoch, ISTANBUL).strftime("%Y-%m-%d %H:%M")


WEDNESDAY = at("2026-06-03 10:00")
PHONE = "05321112233"
OTHER = "05329998877"
CONFIG = DialerConfig()  # mon-fri 09:00-20:00, sat 10:00-18:00; 3 tries, 30m then 2h


class Clock:
    def __init__(self, now: float = WEDNESDAY) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class World:
    """The stores over one database, and a way to make resolved phone tickets."""

    def __init__(self, engine: AsyncEngine, tmp_path: Path) -> None:
        self.sessions = session_factory(engine)
        self.clock = Clock()
        self.tickets = TicketStore(self.sessions, attachments_dir=tmp_path / "files",
                                   clock=self.clock)
        self.callbacks = CallbackStore(self.sessions, CONFIG, self.clock)

    async def resolved(self, phone: str | None = PHONE, *, now: float = WEDNESDAY,
                       **draft: object) -> int:
        """A phone request forwarded, resolved by the unit and enqueued: its callback's id."""
        _, callback_id = await self.resolve(phone, now=now, **draft)
        assert callback_id is not None
        return callback_id

    async def resolve(self, phone: str | None = PHONE, *, now: float = WEDNESDAY,
                      **draft: object) -> tuple[int, int | None]:
        values: dict[str, object] = {"citizen_phone": phone, "category": "su-arizasi", **draft}
        ticket = await self.tickets.create(
            TicketDraft(description="Sokakta su borusu patladı", **values),  # type: ignore[arg-type]
            "op1")
        await self.tickets.forward(ticket.number, "aski-ariza", None, "op1")
        await self.tickets.resolve(ticket.number, "Boru değiştirildi, su verildi", "aski1")
        async with self.sessions.begin() as session:
            ticket_id = int(await session.scalar(
                select(TicketRow.id).where(TicketRow.number == ticket.number)) or 0)
            row = await self.callbacks.enqueue_resolved(session, ticket_id=ticket_id, now=now)
            return ticket_id, None if row is None else row.id

    async def on_the_line(self, callback_id: int) -> PlannedAttempt:
        """Its call placed on Wednesday at 10:00 and taken by fb1 8 s later: the ticket is in
        feedback."""
        planned = await self.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        await self.callbacks.advance(planned.attempt_id, state="connected", operator="fb1",
                                     at=WEDNESDAY + 8, tickets=self.tickets)
        return planned

    async def callback(self, callback_id: int) -> CallbackRow:
        async with self.sessions() as session:
            row = await session.get(CallbackRow, callback_id)
        assert row is not None
        return row

    async def trail(self, ticket_id: int) -> list[dict[str, list[object]]]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(TicketEventRow).where(TicketEventRow.ticket_id == ticket_id,
                                             TicketEventRow.action == "callback_attempt")
                .order_by(TicketEventRow.id))
            return [json.loads(row.changes) | {"actor": [row.actor]} for row in rows]

    async def ticket_id(self, callback_id: int) -> int:
        return (await self.callback(callback_id)).ticket_id


class CallbackStoreBehaviour:
    """What the callback store does on every database; a subclass provides `url`."""

    @pytest.fixture
    async def engine(self, url: str) -> AsyncIterator[AsyncEngine]:
        await upgrade(url)
        engine = create_engine(url)
        yield engine
        await engine.dispose()

    @pytest.fixture
    def world(self, engine: AsyncEngine, tmp_path: Path) -> World:
        return World(engine, tmp_path)

    # ------------------------------------------------------------------ the queue fills
    async def test_a_resolved_phone_request_waits_to_be_called_back(self, world: World) -> None:
        callback_id = await world.resolved(priority=Priority.URGENT)
        row = await world.callback(callback_id)
        assert (row.status, row.phone, row.priority, row.attempts) == ("waiting", PHONE, 3, 0)
        assert row.resolved_at == row.next_attempt_at == WEDNESDAY

    async def test_resolved_in_the_night_it_is_due_at_the_next_opening(self, world: World) -> None:
        callback_id = await world.resolved(now=at("2026-06-03 22:15"))
        assert local((await world.callback(callback_id)).next_attempt_at) == "2026-06-04 09:00"

    @pytest.mark.parametrize(
        ("phone", "draft"),
        [(PHONE, {"channel": Channel.WHATSAPP}), (None, {}), (PHONE, {"no_callback": True}),
         ("+4915112345678", {}), ("09001234567", {}), ("08501234567", {})],
        ids=["whatsapp", "no-phone", "asked-not-to-be-called", "foreign", "premium", "0850"],
    )
    async def test_no_callback_when_the_citizen_is_not_to_be_called(
        self, world: World, phone: str | None, draft: dict[str, Any]
    ) -> None:
        _, callback_id = await world.resolve(phone, **draft)
        assert callback_id is None

    async def test_a_ticket_has_one_unfinished_callback_at_most(self, world: World) -> None:
        callback_id = await world.resolved()
        ticket_id = await world.ticket_id(callback_id)
        async with world.sessions.begin() as session:
            again = await world.callbacks.enqueue_resolved(session, ticket_id=ticket_id,
                                                           now=WEDNESDAY)
        assert again is None

    # ------------------------------------------------------------------ due
    async def test_due_is_by_priority_then_longest_resolved_one_call_per_phone(
        self, world: World
    ) -> None:
        low = await world.resolved(PHONE, now=WEDNESDAY - 600, priority=Priority.LOW)
        older = await world.resolved("05320000001", now=WEDNESDAY - 300)
        newer = await world.resolved("05320000002", now=WEDNESDAY - 200)
        urgent = await world.resolved("05320000003", now=WEDNESDAY - 100,
                                      priority=Priority.URGENT)
        twin = await world.resolved(PHONE, now=WEDNESDAY - 900, priority=Priority.LOW)
        due = await world.callbacks.due(WEDNESDAY, 10)
        assert [d.callback_id for d in due] == [urgent, older, newer, twin]
        assert low not in [d.callback_id for d in due]  # same citizen: after the first
        assert due[0].ticket_number.startswith("153-2026-") and due[0].attempts == 0

    async def test_nothing_is_due_outside_calling_hours_or_before_its_time(
        self, world: World
    ) -> None:
        await world.resolved(now=WEDNESDAY + 60)
        assert await world.callbacks.due(WEDNESDAY, 10) == []
        assert await world.callbacks.due(at("2026-06-03 20:30"), 10) == []
        assert await world.callbacks.due(at("2026-06-07 12:00"), 10) == []  # Sunday
        assert len(await world.callbacks.due(WEDNESDAY + 60, 10)) == 1

    async def test_a_ticket_reopened_meanwhile_is_not_called_about(self, world: World) -> None:
        callback_id = await world.resolved()
        ticket_id = await world.ticket_id(callback_id)
        async with world.sessions.begin() as session:
            await session.execute(update(TicketRow).where(TicketRow.id == ticket_id)
                                  .values(status="reopened"))
            assert await world.callbacks.cancel_for_ticket(
                session, ticket_id=ticket_id, now=WEDNESDAY) == 1
        assert await world.callbacks.due(WEDNESDAY, 10) == []
        assert (await world.callback(callback_id)).status == "cancelled"

    # ------------------------------------------------------------------ plan: never twice
    async def test_a_planned_attempt_is_written_before_the_call_with_a_channel_safe_id(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        assert planned.attempt_id.startswith(f"cb{callback_id}-1-")
        assert len(planned.attempt_id) <= 40
        assert planned.attempt_id.replace("-", "").isalnum()
        assert (planned.seq, planned.phone, planned.operator) == (1, PHONE, None)
        [attempt] = await world.callbacks.unfinished()
        assert (attempt.attempt_id, attempt.state) == (planned.attempt_id, AttemptState.PLACING)
        row = await world.callback(callback_id)
        assert (row.status, row.attempts) == ("calling", 1)

    async def test_a_callback_is_planned_once_however_many_dialers_race_for_it(
        self, world: World, engine: AsyncEngine, url: str
    ) -> None:
        callback_id = await world.resolved()
        other_engine = create_engine(url)  # a second dialer process
        try:
            other = CallbackStore(session_factory(other_engine), CONFIG, world.clock)
            plans = await asyncio.gather(*[
                store.plan(callback_id, WEDNESDAY)
                for store in [world.callbacks, other] * 5
            ])
        finally:
            await other_engine.dispose()
        assert len([p for p in plans if p is not None]) == 1
        assert len(await world.callbacks.unfinished()) == 1

    async def test_a_restarted_dialer_cannot_plan_a_callback_whose_call_is_unfinished(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        assert await world.callbacks.plan(callback_id, WEDNESDAY) is not None
        restarted = CallbackStore(world.sessions, CONFIG, world.clock)
        assert await restarted.plan(callback_id, WEDNESDAY + 5) is None
        assert await restarted.due(WEDNESDAY + 5, 10) == []

    async def test_the_database_refuses_a_second_call_in_flight_to_the_same_citizen(
        self, world: World
    ) -> None:
        first = await world.resolved(PHONE)
        second = await world.resolved(PHONE)
        assert await world.callbacks.plan(first, WEDNESDAY) is not None
        # `due` would not offer it; a preview operator asking for it hits the unique index.
        assert await world.callbacks.plan(second, WEDNESDAY, operator="fb1") is None
        row = await world.callback(second)
        assert (row.status, row.attempts) == ("waiting", 0)  # the whole plan rolled back

    async def test_no_call_is_planned_outside_calling_hours(self, world: World) -> None:
        callback_id = await world.resolved()
        with pytest.raises(OutsideCallingHours) as refused:
            await world.callbacks.plan(callback_id, at("2026-06-03 20:00"))
        assert local(refused.value.opens_at) == "2026-06-04 09:00"

    # ------------------------------------------------------------------ advance and end
    async def test_progress_is_recorded_once_and_never_moves_back(self, world: World) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        aid = planned.attempt_id
        advance = world.callbacks.advance
        number = planned.ticket_number
        assert await advance(aid, state="ringing", channel="cb-x;1", at=WEDNESDAY + 1) == number
        assert await advance(aid, state=AttemptState.RINGING, at=WEDNESDAY + 2) is None
        assert await advance(aid, state=AttemptState.ANSWERED, at=WEDNESDAY + 5) == number
        assert await advance(aid, state=AttemptState.CONNECTED, operator="fb1",
                             at=WEDNESDAY + 9) == number
        assert await advance(aid, state=AttemptState.QUEUED, at=WEDNESDAY + 10) is None
        [attempt] = await world.callbacks.unfinished()
        assert attempt.state is AttemptState.CONNECTED
        assert (attempt.answered_at, attempt.connected_at) == (WEDNESDAY + 5, WEDNESDAY + 9)
        assert (attempt.operator, attempt.channel) == ("fb1", "cb-x;1")
        assert (await world.callback(callback_id)).status == "connected"

    @pytest.mark.parametrize("attempt_id", ["cb1-1-0000abcd", "x' OR 1=1 --", "", "a" * 500])
    async def test_an_id_that_is_not_ours_changes_nothing(
        self, world: World, attempt_id: str
    ) -> None:
        await world.resolved()
        assert await world.callbacks.advance(attempt_id, state="ringing", at=WEDNESDAY) is None
        assert await world.callbacks.end(attempt_id, outcome=Outcome.BUSY, at=WEDNESDAY) is None
        assert await world.callbacks.attempt(attempt_id) is None

    async def test_a_busy_citizen_is_called_again_after_the_spacing_and_the_ticket_shows_it(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        ended = await world.callbacks.end(planned.attempt_id, outcome=Outcome.BUSY, cause="17",
                                          at=WEDNESDAY + 3)
        assert ended is not None
        assert (ended.outcome, ended.cause, ended.attempts) == (Outcome.BUSY, "17", 1)
        assert (ended.status, ended.unreachable) == (CallbackStatus.WAITING, False)
        assert ended.next_attempt_at == WEDNESDAY + 3 + 1800
        # A repeated end (two Hangups, a recovery) changes nothing and says so.
        assert await world.callbacks.end(planned.attempt_id, outcome=Outcome.NO_ANSWER,
                                         at=WEDNESDAY + 4) is None
        row = await world.callback(callback_id)
        assert (row.status, row.last_outcome, row.next_attempt_at) == (
            "waiting", "busy", WEDNESDAY + 1803)
        assert await world.trail(row.ticket_id) == [{
            "attempt": [None, 1], "outcome": [None, "busy"], "cause": [None, "17"],
            "next_attempt_at": [None, WEDNESDAY + 1803], "actor": ["dialer"]}]
        assert await world.callbacks.due(WEDNESDAY + 1802, 10) == []
        assert len(await world.callbacks.due(WEDNESDAY + 1803, 10)) == 1

    async def test_a_try_ending_near_closing_waits_for_the_next_morning(
        self, world: World
    ) -> None:
        evening = at("2026-06-05 19:50")  # Friday
        callback_id = await world.resolved(now=evening)
        planned = await world.callbacks.plan(callback_id, evening)
        assert planned is not None
        ended = await world.callbacks.end(planned.attempt_id, outcome=Outcome.NO_ANSWER,
                                          at=evening + 40)
        assert ended is not None and local(ended.next_attempt_at) == "2026-06-06 10:00"

    async def test_after_the_last_try_the_callback_is_done_as_unreachable(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        now = WEDNESDAY
        outcomes = [Outcome.BUSY, Outcome.NO_ANSWER, Outcome.BUSY]
        for seq, outcome in enumerate(outcomes, start=1):
            planned = await world.callbacks.plan(callback_id, now)
            assert planned is not None and planned.seq == seq
            ended = await world.callbacks.end(planned.attempt_id, outcome=outcome, at=now + 20)
            assert ended is not None
            now = ended.next_attempt_at or now
        assert ended is not None
        assert (ended.status, ended.unreachable, ended.attempts) == (
            CallbackStatus.DONE, True, 3)
        row = await world.callback(callback_id)
        assert (row.status, row.outcome, row.attempts) == ("done", "unreachable", 3)
        trail = await world.trail(row.ticket_id)
        assert [(t["attempt"][1], t["outcome"][1]) for t in trail] == [
            (1, "busy"), (2, "no_answer"), (3, "busy")]
        assert "next_attempt_at" not in trail[-1]
        assert await world.callbacks.plan(callback_id, now) is None

    async def test_failures_on_our_side_get_twice_the_tries_before_unreachable(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        now = WEDNESDAY
        for seq in range(1, 7):  # a trunk outage: congestion, congestion, …
            planned = await world.callbacks.plan(callback_id, now)
            assert planned is not None and planned.seq == seq
            ended = await world.callbacks.end(planned.attempt_id, outcome=Outcome.CONGESTION,
                                              at=now + 5)
            assert ended is not None
            assert ended.unreachable is (seq == 6)
            now = ended.next_attempt_at or now

    async def test_a_number_that_does_not_exist_is_not_tried_again(self, world: World) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        ended = await world.callbacks.end(planned.attempt_id, outcome=Outcome.INVALID_NUMBER,
                                          cause="1", at=WEDNESDAY + 2)
        assert ended is not None and ended.unreachable and ended.status is CallbackStatus.DONE

    async def test_answered_but_gone_before_an_operator_is_abandoned_and_retried(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        await world.callbacks.advance(planned.attempt_id, state="answered", at=WEDNESDAY + 4)
        ended = await world.callbacks.end(planned.attempt_id, outcome=Outcome.ANSWERED,
                                          at=WEDNESDAY + 30)
        assert ended is not None
        assert (ended.outcome, ended.status) == (Outcome.ABANDONED, CallbackStatus.WAITING)

    async def test_a_connected_call_waits_for_the_operators_verdict(self, world: World) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        await world.callbacks.advance(planned.attempt_id, state="connected", operator="fb1",
                                      at=WEDNESDAY + 8)
        number = await world.callbacks.advance(planned.attempt_id, state="ended",
                                               at=WEDNESDAY + 90)
        assert number == planned.ticket_number
        row = await world.callback(callback_id)
        assert (row.status, row.last_outcome) == ("connected", "answered")
        assert await world.callbacks.close(callback_id, Verdict.CONFIRMED, "fb1", WEDNESDAY + 95)
        assert not await world.callbacks.close(callback_id, "not_solved", "fb1", WEDNESDAY + 96)
        row = await world.callback(callback_id)
        assert (row.status, row.outcome, row.done_at) == ("done", "confirmed", WEDNESDAY + 95)
        [entry] = await world.trail(row.ticket_id)
        assert entry["operator"] == [None, "fb1"] and entry["outcome"] == [None, "answered"]

    async def test_the_operator_leaving_first_ends_their_talk_time_not_the_call(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        await world.callbacks.advance(planned.attempt_id, state="connected", operator="fb1",
                                      at=WEDNESDAY + 10)
        await world.callbacks.advance(planned.attempt_id, state="left", at=WEDNESDAY + 70)
        ended = await world.callbacks.end(planned.attempt_id, at=WEDNESDAY + 85)  # the survey
        assert ended is not None
        assert (ended.outcome, ended.status) == (Outcome.ANSWERED, CallbackStatus.CONNECTED)
        attempt = await world.callbacks.attempt(planned.attempt_id)
        assert attempt is not None and (attempt.left_at, attempt.ended_at) == (
            WEDNESDAY + 70, WEDNESDAY + 85)
        day = await world.callbacks.day_summary(date(2026, 6, 3))
        assert day.operators["fb1"].talk_seconds == 60  # not the survey's 15 s

    async def test_a_verdict_given_during_the_call_stands_when_the_call_ends(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        await world.callbacks.advance(planned.attempt_id, state="connected", at=WEDNESDAY + 8)
        assert await world.callbacks.close(callback_id, "wrong_number", "fb1", WEDNESDAY + 20)
        ended = await world.callbacks.end(planned.attempt_id, at=WEDNESDAY + 30)
        assert ended is not None and ended.status is CallbackStatus.DONE
        assert (await world.callback(callback_id)).outcome == "wrong_number"

    # ------------------------------------------ a callback and its ticket never disagree
    async def test_the_last_failed_try_closes_the_ticket_in_the_same_transaction(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        now = WEDNESDAY
        for _ in range(CONFIG.max_attempts):
            planned = await world.callbacks.plan(callback_id, now)
            assert planned is not None
            ended = await world.callbacks.end(planned.attempt_id, outcome=Outcome.BUSY,
                                              at=now + 5, tickets=world.tickets)
            assert ended is not None
            now = ended.next_attempt_at or now
        assert ended.unreachable
        ticket = await world.tickets.get(planned.ticket_number)
        assert ticket is not None and ticket.status is TicketStatus.CLOSED
        notes = [e.changes.get("note") for e in await world.tickets.events(ticket.number)]
        assert [None, f"Vatandaşa {CONFIG.max_attempts} denemede ulaşılamadı"] in notes

    async def test_a_number_that_does_not_exist_closes_the_ticket_as_a_wrong_number(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        await world.callbacks.end(planned.attempt_id, outcome=Outcome.INVALID_NUMBER,
                                  at=WEDNESDAY + 2, tickets=world.tickets)
        events = await world.tickets.events(planned.ticket_number)
        assert events[-1].changes["note"] == [None, "Yanlış numara: vatandaşa ulaşılamadı"]
        assert events[-1].changes["status"] == ["feedback", "closed"]

    async def test_a_ticket_closed_by_hand_during_the_last_try_is_left_alone(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        await world.tickets.transition(planned.ticket_number, TicketStatus.CLOSED, "sup1",
                                       "Vatandaş yerinde doğruladı")
        ended = await world.callbacks.end(planned.attempt_id, outcome=Outcome.INVALID_NUMBER,
                                          at=WEDNESDAY + 2, tickets=world.tickets)
        assert ended is not None and not ended.unreachable
        assert (await world.callback(callback_id)).status == "cancelled"
        moves = [e for e in await world.tickets.events(planned.ticket_number)
                 if e.action == "status"]
        assert moves[-1].actor == "sup1"  # nothing written over the supervisor's close

    async def test_connected_moves_the_ticket_to_feedback_with_the_callback(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.on_the_line(callback_id)
        ticket = await world.tickets.get(planned.ticket_number)
        assert ticket is not None and ticket.status is TicketStatus.FEEDBACK
        events = await world.tickets.events(ticket.number)
        assert events[-1].actor == "fb1"

    async def test_a_verdict_closes_the_callback_and_moves_the_ticket_together(
        self, world: World
    ) -> None:
        callback_id = await world.resolved(priority=Priority.NORMAL)
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        ticket = await world.callbacks.verdict(
            callback_id, "not_solved", feedback.not_solved("Çukur hâlâ orada"), "fb1",
            WEDNESDAY + 60, tickets=world.tickets, score=2)
        assert ticket is not None
        assert (ticket.status, ticket.priority, ticket.satisfaction) == (
            TicketStatus.REOPENED, Priority.HIGH, 2)
        assert (await world.callback(callback_id)).outcome == "not_solved"
        assert await world.callbacks.verdict(
            callback_id, "confirmed", feedback.confirmed(), "fb1", WEDNESDAY + 61,
            tickets=world.tickets) is None  # finished already: nothing moves
        again = await world.tickets.get(planned.ticket_number)
        assert again is not None and again.status is TicketStatus.REOPENED

    async def test_the_citizens_keypad_score_counts_over_the_operators(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.on_the_line(callback_id)
        assert await world.callbacks.survey_scored(planned.attempt_id, 2, "anket",
                                                   tickets=world.tickets)
        ticket = await world.callbacks.verdict(
            callback_id, "confirmed", feedback.confirmed(), "fb1", WEDNESDAY + 60,
            tickets=world.tickets, score=5)
        assert ticket is not None and ticket.satisfaction == 2

    async def test_only_a_citizen_an_operator_had_may_score_on_the_keypad(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        attempt_id, number = planned.attempt_id, planned.ticket_number
        assert await world.callbacks.survey_ticket(attempt_id) is None  # still ringing
        assert not await world.callbacks.survey_scored(attempt_id, 4, "anket",
                                                       tickets=world.tickets)
        await world.callbacks.advance(attempt_id, state="connected", operator="fb1",
                                      at=WEDNESDAY + 8, tickets=world.tickets)
        assert await world.callbacks.survey_ticket(attempt_id) == number
        assert await world.callbacks.survey_scored(attempt_id, 4, "anket", tickets=world.tickets)
        ticket = await world.tickets.get(number)
        assert ticket is not None and ticket.satisfaction == 4
        # The operator then finds it was the wrong person: the key is taken away, and no
        # further key counts.
        await world.callbacks.verdict(callback_id, "wrong_number", feedback.wrong_number(),
                                      "fb1", WEDNESDAY + 60, tickets=world.tickets)
        ticket = await world.tickets.get(number)
        assert ticket is not None and ticket.satisfaction is None
        assert await world.callbacks.survey_ticket(attempt_id) is None
        assert not await world.callbacks.survey_scored(attempt_id, 5, "anket",
                                                       tickets=world.tickets)
        assert await world.callbacks.survey_ticket("'; DROP TABLE tickets; --") is None

    async def test_a_second_round_of_feedback_starts_without_the_first_rounds_score(
        self, world: World
    ) -> None:
        first = await world.resolved(priority=Priority.NORMAL)
        planned = await world.callbacks.plan(first, WEDNESDAY)
        assert planned is not None
        await world.callbacks.verdict(first, "not_solved", feedback.not_solved("Hâlâ karanlık"),
                                      "fb1", WEDNESDAY + 60, tickets=world.tickets, score=2)
        await world.callbacks.end(planned.attempt_id, at=WEDNESDAY + 61)
        number = planned.ticket_number
        await world.tickets.forward(number, "aski-ariza", None, "op1")
        await world.tickets.resolve(number, "Bu kez kalıcı onarım yapıldı", "aski1")
        async with world.sessions.begin() as session:
            row = await world.callbacks.enqueue_resolved(
                session, ticket_id=await world.ticket_id(first), now=WEDNESDAY + 100)
            assert row is not None
            second = row.id
        ticket = await world.callbacks.verdict(second, "confirmed", feedback.confirmed(), "fb2",
                                               WEDNESDAY + 200, tickets=world.tickets, score=5)
        assert ticket is not None and ticket.satisfaction == 5

    async def test_a_verdict_the_ticket_refuses_leaves_the_callback_open(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        with pytest.raises(InvalidTicket):  # the unit must read the citizen's words
            await world.callbacks.verdict(callback_id, "not_solved", feedback.not_solved(" "),
                                          "fb1", WEDNESDAY + 60, tickets=world.tickets)
        await world.tickets.feedback_confirmed(planned.ticket_number, None, "fb2")
        with pytest.raises(InvalidTransition):  # closed by another hand meanwhile
            await world.callbacks.verdict(callback_id, "confirmed", feedback.confirmed(),
                                          "fb1", WEDNESDAY + 61, tickets=world.tickets)
        assert (await world.callback(callback_id)).status == "calling"  # rolled back

    # ------------------------------------------------------- "call me later, at 15:00"
    async def test_a_citizen_who_asks_to_be_called_later_is_called_then_first(
        self, world: World
    ) -> None:
        waiting_long = await world.resolved(phone=OTHER, priority=Priority.URGENT)
        asked = await world.resolved()
        planned = await world.on_the_line(asked)
        # At 21:00 the calling hours are over: it is moved to Thursday's opening.
        due = await world.callbacks.later(asked, at("2026-06-03 21:00"), "fb1", WEDNESDAY + 30,
                                          "Akşam arayın", tickets=world.tickets)
        assert due is not None and local(due) == "2026-06-04 09:00"
        await world.callbacks.end(planned.attempt_id, at=WEDNESDAY + 60, tickets=world.tickets)
        row = await world.callback(asked)
        assert (row.status, row.appointment_at, row.next_attempt_at) == ("waiting", due, due)
        trail = [e for e in await world.tickets.events(planned.ticket_number)
                 if e.action == "callback_later"]
        assert trail[0].changes == {"appointment_at": [None, due], "note": [None, "Akşam arayın"]}
        assert await world.callbacks.awaiting_verdict() == frozenset()  # fb1 owes nothing
        # Due at the opening, before the urgent one waiting since Wednesday.
        first = await world.callbacks.due(due + 1, 10)
        assert [d.callback_id for d in first][:2] == [asked, waiting_long]

    async def test_the_tries_after_an_appointment_count_afresh(self, world: World) -> None:
        callback_id = await world.resolved()
        now = WEDNESDAY
        for _ in range(CONFIG.max_attempts - 1):  # busy, busy: one try left
            planned = await world.callbacks.plan(callback_id, now)
            assert planned is not None
            ended = await world.callbacks.end(planned.attempt_id, outcome=Outcome.BUSY,
                                              at=now + 5)
            assert ended is not None and ended.next_attempt_at is not None
            now = ended.next_attempt_at
        planned = await world.callbacks.plan(callback_id, now)
        assert planned is not None
        await world.callbacks.advance(planned.attempt_id, state="connected", at=now + 5)
        await world.callbacks.later(callback_id, now + 3600, "fb1", now + 20,
                                    tickets=world.tickets)
        await world.callbacks.end(planned.attempt_id, at=now + 30)
        again = await world.callbacks.plan(callback_id, now + 3601)
        assert again is not None
        ended = await world.callbacks.end(again.attempt_id, outcome=Outcome.NO_ANSWER,
                                          at=now + 3630)
        assert ended is not None and not ended.unreachable  # not the last try any more
        assert ended.status is CallbackStatus.WAITING
        shown = await world.callbacks.get(callback_id)  # the console's "1/3", not "4/3"
        assert shown is not None and (shown.attempts, shown.max_attempts) == (1, 3)

    async def test_only_a_call_in_flight_can_be_put_off(self, world: World) -> None:
        callback_id = await world.resolved()
        assert await world.callbacks.later(callback_id, WEDNESDAY + 3600, "fb1", WEDNESDAY,
                                           tickets=world.tickets) is None  # nobody was asked

    async def test_a_put_off_call_is_not_surveyed_and_its_score_is_taken_away(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.on_the_line(callback_id)
        # The operator hung up and the survey scored before "later" was saved.
        assert await world.callbacks.survey_scored(planned.attempt_id, 1, "anket",
                                                   tickets=world.tickets)
        await world.callbacks.later(callback_id, WEDNESDAY + 7200, "fb1", WEDNESDAY + 40,
                                    tickets=world.tickets)
        ticket = await world.tickets.get(planned.ticket_number)
        assert ticket is not None and ticket.satisfaction is None
        assert await world.callbacks.survey_ticket(planned.attempt_id) is None
        # The appointment call is placed: it no longer goes first, and it may be surveyed.
        await world.callbacks.end(planned.attempt_id, at=WEDNESDAY + 41)
        again = await world.callbacks.plan(callback_id, WEDNESDAY + 7200)
        assert again is not None
        assert (await world.callback(callback_id)).appointment_at is None
        await world.callbacks.advance(again.attempt_id, state="connected", operator="fb2",
                                      at=WEDNESDAY + 7210, tickets=world.tickets)
        assert await world.callbacks.survey_ticket(again.attempt_id) == planned.ticket_number

    async def test_a_ticket_closed_during_the_call_cannot_be_put_off(self, world: World) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        await world.tickets.transition(planned.ticket_number, TicketStatus.CLOSED, "sup1")
        assert await world.callbacks.later(callback_id, WEDNESDAY + 3600, "fb1", WEDNESDAY + 9,
                                           tickets=world.tickets) is None
        row = await world.callback(callback_id)
        assert (row.status, row.appointment_at) == ("calling", None)  # nothing written

    async def test_an_unknown_verdict_is_refused(self, world: World) -> None:
        callback_id = await world.resolved()
        with pytest.raises(ValueError):
            await world.callbacks.close(callback_id, "solved-ish", "fb1", WEDNESDAY)

    async def test_after_a_restart_the_lost_attempt_ends_unknown_and_is_retried(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        restarted = CallbackStore(world.sessions, CONFIG, world.clock)
        [lost] = await restarted.unfinished()
        assert (lost.attempt_id, lost.ticket_number, lost.phone) == (
            planned.attempt_id, planned.ticket_number, PHONE)
        ended = await restarted.end(lost.attempt_id, outcome=Outcome.UNKNOWN, cause="lost",
                                    at=WEDNESDAY + 60)
        assert ended is not None and ended.status is CallbackStatus.WAITING
        assert await restarted.unfinished() == []
        later = await restarted.plan(callback_id, ended.next_attempt_at or 0)
        assert later is not None and later.seq == 2

    # ------------------------------------------------------------------ the console
    async def test_the_queue_shows_calls_in_flight_then_due_then_scheduled(
        self, world: World
    ) -> None:
        scheduled = await world.resolved("05320000001")
        due_later = await world.resolved("05320000002", now=WEDNESDAY - 10)
        due_first = await world.resolved("05320000003", now=WEDNESDAY - 20,
                                         priority=Priority.URGENT)
        calling = await world.resolved("05320000004")
        planned = await world.callbacks.plan(scheduled, WEDNESDAY)
        assert planned is not None
        await world.callbacks.end(planned.attempt_id, outcome=Outcome.BUSY, at=WEDNESDAY + 1)
        assert await world.callbacks.plan(calling, WEDNESDAY) is not None
        world.clock.now = WEDNESDAY + 2
        queue = await world.callbacks.queue_view(50)
        assert [(q.callback_id, q.stage) for q in queue] == [
            (calling, "calling"), (due_first, "due"), (due_later, "due"),
            (scheduled, "scheduled")]
        last = queue[-1]
        assert (last.due_at, last.attempts, last.max_attempts, last.last_outcome) == (
            WEDNESDAY + 1801, 1, 3, "busy")
        assert last.resolution == "Boru değiştirildi, su verildi"
        assert (last.category, last.unit) == ("su-arizasi", "aski-ariza")

    async def test_outside_calling_hours_every_waiting_callback_is_scheduled(
        self, world: World
    ) -> None:
        await world.resolved()
        world.clock.now = at("2026-06-03 21:00")
        [item] = await world.callbacks.queue_view(10)
        assert item.stage == "scheduled" and local(item.due_at) == "2026-06-04 09:00"

    async def test_a_previewed_callback_is_the_operators_until_called_or_released(
        self, world: World
    ) -> None:
        first = await world.resolved("05320000001", now=WEDNESDAY - 10)
        second = await world.resolved("05320000002")
        taken = await world.callbacks.preview_next("fb1")
        assert taken is not None and taken.callback_id == first and taken.assigned_to == "fb1"
        assert (await world.callbacks.preview_next("fb1")) == taken  # still the same one
        assert await world.callbacks.take(first, "fb2") is None
        assert [d.callback_id for d in await world.callbacks.due(WEDNESDAY, 10)] == [second]
        assert await world.callbacks.plan(first, WEDNESDAY) is None  # not the pacer's
        assert await world.callbacks.plan(first, WEDNESDAY, operator="fb2") is None
        other = await world.callbacks.preview_next("fb2")
        assert other is not None and other.callback_id == second
        assert await world.callbacks.release(second, "fb2")
        planned = await world.callbacks.plan(first, WEDNESDAY, operator="fb1")
        assert planned is not None and planned.operator == "fb1"

    async def test_the_team_leader_frees_a_callback_an_operator_took_and_went_home_with(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        assert await world.callbacks.take(callback_id, "fb1") is not None
        assert await world.callbacks.release(callback_id, "fb2") is False  # not fb2's
        assert await world.callbacks.release(callback_id, None)  # whoever had it
        assert await world.callbacks.release(callback_id, None) is False  # nobody has it now
        assert [d.callback_id for d in await world.callbacks.due(WEDNESDAY, 10)] == [callback_id]

    async def test_a_waiting_callback_withdrawn_is_cancelled_with_its_reason_in_the_trail(
        self, world: World
    ) -> None:
        waiting, on_line = await world.resolved(), await world.resolved(OTHER)
        await world.on_the_line(on_line)
        reason = "Vatandaş 153'ü arayıp sorunun çözüldüğünü söyledi; aranmak istemiyor"
        withdraw = functools.partial(world.callbacks.withdraw, tickets=world.tickets)
        assert await withdraw(waiting, reason, "sule", WEDNESDAY + 60)
        row = await world.callback(waiting)
        assert (row.status, row.outcome, row.done_at, row.assigned_to) == (
            "cancelled", "cancelled", WEDNESDAY + 60, None)
        assert await world.callbacks.due(WEDNESDAY + 3600, 10) == []
        # Closed on the unit's resolution: left resolved, nothing would ever close it.
        item = await world.callbacks.get(waiting)
        assert item is not None
        closed = await world.tickets.get(item.ticket_number)
        assert closed is not None and closed.status is TicketStatus.CLOSED
        assert await withdraw(waiting, reason, "sule", WEDNESDAY + 70) is False
        # A call is on: its operator's verdict ends it, not the list.
        assert await withdraw(on_line, reason, "sule", WEDNESDAY + 60) is False
        assert (await world.callback(on_line)).status == "connected"
        async with world.sessions() as session:
            [event] = await session.scalars(
                select(TicketEventRow).where(TicketEventRow.action == "callback_cancelled"))
        assert event.ticket_id == await world.ticket_id(waiting)
        assert (event.actor, json.loads(event.changes)) == ("sule", {"note": [None, reason]})

    async def test_a_callback_put_off_then_withdrawn_closes_its_ticket_in_feedback(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        planned = await world.on_the_line(callback_id)  # the ticket is in feedback
        assert await world.callbacks.later(callback_id, WEDNESDAY + 3600, "fb1", WEDNESDAY + 20,
                                           tickets=world.tickets) is not None
        await world.callbacks.end(planned.attempt_id, at=WEDNESDAY + 30)
        assert await world.callbacks.withdraw(callback_id, "Randevuyu iptal etti", "sule",
                                              WEDNESDAY + 60, tickets=world.tickets)
        ticket = await world.tickets.get(planned.ticket_number)
        assert ticket is not None and ticket.status is TicketStatus.CLOSED

    async def test_a_callback_withdrawn_after_its_ticket_moved_on_leaves_the_ticket_alone(
        self, world: World
    ) -> None:
        callback_id = await world.resolved()
        item = await world.callbacks.get(callback_id)
        assert item is not None
        async with world.sessions.begin() as session:  # as a supervisor's PATCH would
            row = (await session.scalars(
                select(TicketRow).where(TicketRow.number == item.ticket_number))).one()
            row.status = TicketStatus.REOPENED.value
        assert await world.callbacks.withdraw(callback_id, "Yeniden açıldı", "sule",
                                              WEDNESDAY + 60, tickets=world.tickets)
        ticket = await world.tickets.get(item.ticket_number)
        assert ticket is not None and ticket.status is TicketStatus.REOPENED

    async def test_the_pop_finds_the_callback_of_an_attempt(self, world: World) -> None:
        callback_id = await world.resolved()
        planned = await world.callbacks.plan(callback_id, WEDNESDAY)
        assert planned is not None
        item = await world.callbacks.of_attempt(planned.attempt_id)
        assert item is not None
        assert (item.callback_id, item.ticket_number, item.status) == (
            callback_id, planned.ticket_number, CallbackStatus.CALLING)
        await world.callbacks.close(callback_id, "confirmed", "fb1", WEDNESDAY + 60)
        done = await world.callbacks.get(callback_id)
        assert done is not None and done.status is CallbackStatus.DONE
        assert await world.callbacks.get(callback_id + 1000) is None


    async def test_a_day_in_figures_for_the_team_leader(self, world: World) -> None:
        reached, busy = await world.resolved(), await world.resolved(phone="05329998877")
        answered = await world.callbacks.plan(reached, WEDNESDAY)
        assert answered is not None
        await world.callbacks.advance(answered.attempt_id, state="connected", operator="fb1",
                                      at=WEDNESDAY + 10)
        await world.callbacks.end(answered.attempt_id, at=WEDNESDAY + 70)
        assert await world.callbacks.awaiting_verdict() == {"fb1"}  # no next call before it
        number = (await world.callbacks.get(reached))
        assert number is not None
        await world.tickets.feedback_confirmed(number.ticket_number, None, "fb1")
        await world.tickets.set_satisfaction(number.ticket_number, 4, "fb1")
        assert await world.callbacks.close(reached, "confirmed", "fb1", WEDNESDAY + 80)
        for _ in range(3):  # the other citizen is busy three times: unreachable
            planned = await world.callbacks.plan(busy, WEDNESDAY + 100)
            assert planned is not None
            await world.callbacks.end(planned.attempt_id, outcome=Outcome.BUSY,
                                      at=WEDNESDAY + 110)
            async with world.sessions.begin() as session:  # the spacing, skipped here
                row = await session.get(CallbackRow, busy)
                assert row is not None
                row.next_attempt_at = WEDNESDAY
        assert await world.callbacks.awaiting_verdict() == frozenset()  # fb1 gave theirs
        # Called off by the team leader: listed, but no part of the contact rate.
        off = await world.resolved(phone="05327776655")
        assert await world.callbacks.withdraw(off, "Aranmak istemiyor", "sule", WEDNESDAY + 120,
                                              tickets=world.tickets)
        summary = await world.callbacks.day_summary(local_day(WEDNESDAY))
        assert summary.callbacks == {"confirmed": 1, "unreachable": 1, "cancelled": 1}
        assert summary.attempts == {"answered": 1, "busy": 3}
        assert summary.contact_rate == 0.5
        assert (summary.satisfaction_average, summary.satisfaction_count) == (4.0, 1)
        assert summary.operators["fb1"].calls == 1
        assert summary.operators["fb1"].talk_seconds == 60.0
        # One by one, the latest first: who spoke to the citizen, the score, the tries.
        assert [(f.callback_id, f.outcome, f.operator, f.satisfaction, f.attempts)
                for f in summary.finished] == [
            (off, "cancelled", None, None, 0), (busy, "unreachable", None, None, 3),
            (reached, "confirmed", "fb1", 4, 1)]
        empty = await world.callbacks.day_summary(local_day(WEDNESDAY - 86_400))
        assert empty.callbacks == {} and empty.contact_rate is None and empty.finished == ()


class TestCallbackStoreOnSqlite(CallbackStoreBehaviour):
    @pytest.fixture
    def url(self, tmp_path: Path) -> str:
        return f"sqlite+aiosqlite:///{tmp_path / 'callbacks.db'}"


def local_day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, ISTANBUL).date()
