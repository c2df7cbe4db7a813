"""The feedback dialer on the real PBX: a resolved request's citizen is called back (SIPp phones
that answer, are busy, do not answer) and handed to a SIPp feedback operator; attempts, their
spacing and outcomes are recorded; a restart in the middle of a call places it only once."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from cti.bootstrap import Services, running_services
from cti.config import Settings
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import TicketDraft
from cti.pbx.sandbox import Sandbox
from cti.simulate import (
    CallbackPhone,
    OperatorPhone,
    SippProcess,
    callback_command,
    operator_command,
)
from cti.storage.models import CallbackAttemptRow, CallbackRow
from cti.telephony.ami.session import AmiSession
from dialer.hours import CallingHours
from tests.integration.conftest import add_operator, citizen_number

ALWAYS = CallingHours.parse("mon-sun=00:00-24:00", is_holiday=lambda day: False)
UNIT = "seyhan-fen-isleri"


@pytest.fixture
def dialer_settings(sandbox: Sandbox, settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        settings, data_dir=tmp_path, asterisk_log_dir=sandbox.paths.root / "var/log/asterisk",
        http_port=0, dialer_hours=ALWAYS, dialer_max_attempts=2, dialer_spacing=(3.0,),
        dialer_caller_id="ALO 153 <3224551153>",
        dialer_ring_seconds=5.0, wrapup={"alo153": 1.0, "alo153-feedback": 1.0})


@pytest.fixture
async def services(dialer_settings: Settings) -> AsyncIterator[Services]:
    async with running_services(dialer_settings) as running:
        await running.ami.wait_up(10)
        yield running


@pytest.fixture
async def feedback_operator(ami: AmiSession) -> AsyncIterator[SippProcess]:
    phone = await SippProcess.start(
        operator_command(OperatorPhone(extension="1010", ring_seconds=0.3, talk_seconds=0)))
    await add_operator(ami, "1010", queue="alo153-feedback")
    yield phone
    await ami.action("QueueRemove", {"Queue": "alo153-feedback", "Interface": "PJSIP/1010"})
    await phone.stop()


async def resolved(services: Services, number: str) -> str:
    """A phoned-in request resolved by its unit: its citizen is queued for a callback."""
    tickets = services.stores.tickets
    ticket = await tickets.create(TicketDraft(
        description="Sokak lambası yanmıyor", category="sokak-lambasi", district="seyhan",
        citizen_phone=number), "op1001")
    await tickets.forward(ticket.number, UNIT, None, "op1001")
    await tickets.resolve(ticket.number, "Lamba değiştirildi", "birim1")
    return ticket.number


async def attempts(services: Services) -> list[CallbackAttemptRow]:
    async with services.stores.callbacks._sessions() as session:
        rows = await session.scalars(select(CallbackAttemptRow).order_by(
            CallbackAttemptRow.placed_at))
        return list(rows)


async def callback(services: Services) -> CallbackRow:
    async with services.stores.callbacks._sessions() as session:
        row = await session.scalar(select(CallbackRow).order_by(CallbackRow.id.desc()))
        assert row is not None
        return row


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"no {what} in {timeout} s")


def calls_over(services: Services) -> Callable[[], Awaitable[bool]]:
    """A check for `until`: some call was placed, and every call placed has ended."""
    async def over() -> bool:
        found = await attempts(services)
        return bool(found) and all(a.ended_at is not None for a in found)

    return over


@contextlib.asynccontextmanager
async def leaving_operator(ami: AmiSession, talk_seconds: float) -> AsyncIterator[SippProcess]:
    """Feedback operator 1011, who hangs up first after `talk_seconds`: the citizen stays on
    for the keypad survey."""
    phone = await SippProcess.start(operator_command(
        OperatorPhone(extension="1011", ring_seconds=0.3, talk_seconds=talk_seconds)))
    await add_operator(ami, "1011", queue="alo153-feedback")
    try:
        yield phone
    finally:
        await ami.action("QueueRemove", {"Queue": "alo153-feedback", "Interface": "PJSIP/1011"})
        await phone.stop()


async def test_an_answered_callback_reaches_the_feedback_operator_once(
    services: Services, feedback_operator: SippProcess,
) -> None:
    number = citizen_number()
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="answer", ring_seconds=0.5, talk_seconds=3)))
    try:
        ticket_number = await resolved(services, number)

        async def in_feedback() -> bool:  # the operator has the citizen on the line
            ticket = await services.stores.tickets.get(ticket_number)
            return ticket is not None and ticket.status is TicketStatus.FEEDBACK

        await until(in_feedback, 30, "the citizen connected to the feedback operator")

        await until(calls_over(services), 30, "the call's end")
        [attempt] = await attempts(services)
        assert (attempt.outcome, attempt.operator, attempt.phone) == ("answered", "op1010",
                                                                        number)
        assert (await callback(services)).status == "connected"  # awaiting the verdict
        [received] = citizen.received_calls()
        assert received.number == number
        assert "3224551153" in received.from_header  # the centre's number, as configured
        assert len(feedback_operator.received_calls()) == 1
    finally:
        await citizen.stop()


async def test_the_citizen_rates_the_call_on_the_keypad_after_the_operator_leaves(
    services: Services, ami: AmiSession,
) -> None:
    number = citizen_number()
    # The operator talks 2 s and hangs up; the citizen stays on and presses 4 in the survey
    # (7 s after answering: inside the survey's first 6 s wait, with room for a slow machine).
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="answer", ring_seconds=0.3, press="4", press_after=7)))
    try:
        async with leaving_operator(ami, talk_seconds=2):
            ticket_number = await resolved(services, number)
            await until(calls_over(services), 40,
                        "the survey's end: the PBX hangs up on the citizen")
        ticket = await services.stores.tickets.get(ticket_number)
        assert ticket is not None and ticket.satisfaction == 4
        events = await services.stores.tickets.events(ticket_number)
        [survey] = [e for e in events if e.action == "survey"]
        assert survey.actor == "anket" and survey.changes["satisfaction"] == [None, 4]
        [attempt] = await attempts(services)
        assert (attempt.outcome, attempt.operator) == ("answered", "op1011")
        assert attempt.connected_at is not None and attempt.left_at is not None
        assert attempt.ended_at is not None
        # The operator's part is their 2 s; the survey after it is the citizen's.
        # (Stamped as the dialer records each event: a backlog may shift them a little.)
        assert 1.0 <= attempt.left_at - attempt.connected_at <= 5
        assert attempt.ended_at - attempt.left_at >= 1
        assert (await callback(services)).status == "connected"  # the operator's verdict next
    finally:
        await citizen.stop()


async def test_a_citizen_who_presses_nothing_is_not_scored(
    services: Services, ami: AmiSession,
) -> None:
    number = citizen_number()
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="answer", ring_seconds=0.3)))
    try:
        async with leaving_operator(ami, talk_seconds=1):
            ticket_number = await resolved(services, number)
            await until(calls_over(services), 40,
                        "the survey giving up: the PBX hangs up on the citizen")
        ticket = await services.stores.tickets.get(ticket_number)
        assert ticket is not None and ticket.satisfaction is None
        [attempt] = await attempts(services)
        assert attempt.ended_at is not None and attempt.left_at is not None
        # Two tries of a beep and a 6 s wait, then the PBX hangs up.
        assert attempt.ended_at - attempt.left_at >= 2 * 6 - 1.5
    finally:
        await citizen.stop()


async def test_a_busy_citizen_is_tried_again_after_the_spacing_then_unreachable(
    services: Services, feedback_operator: SippProcess,
) -> None:
    number = citizen_number()
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="reject", ring_seconds=0.2)))
    try:
        ticket_number = await resolved(services, number)

        async def done() -> bool:
            return (await callback(services)).status == "done"

        await until(done, 40, "two attempts and the end")
        first, second = await attempts(services)
        assert (first.outcome, second.outcome) == ("busy", "busy")
        assert first.ended_at is not None
        assert second.placed_at - first.ended_at >= 3.0  # the spacing
        assert (await callback(services)).outcome == "unreachable"
        ticket = await services.stores.tickets.get(ticket_number)
        assert ticket is not None and ticket.status is TicketStatus.CLOSED
        trail = [e.action for e in await services.stores.tickets.events(ticket_number)]
        assert trail.count("callback_attempt") == 2
        assert len(citizen.received_calls()) == 2
        assert feedback_operator.received_calls() == []
    finally:
        await citizen.stop()


async def test_a_citizen_who_does_not_answer_is_no_answer(
    services: Services, feedback_operator: SippProcess,
) -> None:
    number = citizen_number()
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="no_answer", ring_seconds=30)))
    try:
        await resolved(services, number)

        async def first_ended() -> bool:
            found = await attempts(services)
            return bool(found) and found[0].ended_at is not None

        await until(first_ended, 30, "the ring timeout")
        first = (await attempts(services))[0]
        assert first.outcome == "no_answer"
        assert first.ended_at is not None and first.ended_at - first.placed_at >= 4.5
    finally:
        await citizen.stop()


async def test_a_restart_in_the_middle_of_a_call_places_it_once(
    dialer_settings: Settings, feedback_operator: SippProcess,
) -> None:
    number = citizen_number()
    # The citizen lets it ring for 10 s: the dialer is stopped while the phone rings, and the
    # second process is up (AMI logged in, the attempt found alive) before the answer, also
    # on a slow machine.
    settings = dataclasses.replace(dialer_settings, dialer_ring_seconds=20.0)
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="answer", ring_seconds=10, talk_seconds=2)))
    try:
        async with running_services(settings) as first:
            await first.ami.wait_up(10)
            await resolved(first, number)
            assert await citizen.wait_for(lambda p: len(p.received_calls()) == 1, timeout=20)
        # Stopped mid-ring: the AMI link is gone with the Originate's answer. A new process
        # finds the attempt unfinished, sees its channel alive, and follows it.
        async with running_services(settings) as second:
            await second.ami.wait_up(10)

            await until(calls_over(second), 40, "the call's end, followed by the second process")
            await asyncio.sleep(2)  # room for a wrong second call to show up
            assert len(await attempts(second)) == 1
            assert [c.number for c in citizen.received_calls()] == [number]
            [attempt] = await attempts(second)
            assert attempt.outcome == "answered" and attempt.operator == "op1010"
    finally:
        await citizen.stop()


async def test_a_call_that_ends_while_no_dialer_runs_is_judged_from_queue_log(
    dialer_settings: Settings, feedback_operator: SippProcess,
) -> None:
    """The pacer dies in the middle of a call (its lease is not let go, as after a crash):
    the next dialer waits for the lease to expire, by which time the citizen has answered,
    spoken to the operator and hung up. Asterisk's queue_log says so, and the attempt ends
    answered by that operator, the ticket in feedback: the citizen is not called again."""
    number = citizen_number()
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="answer", ring_seconds=3, talk_seconds=2)))
    try:
        async with running_services(dialer_settings) as first:
            await first.ami.wait_up(10)
            ticket_number = await resolved(first, number)
            assert await citizen.wait_for(lambda p: len(p.received_calls()) == 1, timeout=20)

            async def never() -> None:  # a crash lets nothing go
                return None

            first.stores.dialer_lease.release = never  # type: ignore[method-assign]
        async with running_services(dialer_settings) as second:
            await second.ami.wait_up(10)
            await until(calls_over(second), 40, "the attempt's end, once the lease expired")
            [attempt] = await attempts(second)
            assert (attempt.outcome, attempt.operator) == ("answered", "op1010")
            assert attempt.cause == "lost; queue_log"
            assert (await callback(second)).status == "connected"  # the verdict is the operator's
            ticket = await second.stores.tickets.get(ticket_number)
            assert ticket is not None and ticket.status is TicketStatus.FEEDBACK
            await asyncio.sleep(2)  # room for a wrong second call to show up
            assert len(citizen.received_calls()) == 1
    finally:
        await citizen.stop()


async def test_preview_the_operator_takes_reads_and_starts_the_call_on_their_phone(
    dialer_settings: Settings,
) -> None:
    from cti.domain.roles import Role
    from dialer.config import DialerMode
    from tests.integration.test_console_live import Console

    settings = dataclasses.replace(dialer_settings, dialer_mode=DialerMode.PREVIEW)
    number = citizen_number()
    # The operator talks 2 s on their own phone and hangs up; the citizen stays on for the
    # keypad survey and presses 5.
    own_phone = await SippProcess.start(
        operator_command(OperatorPhone(extension="1011", ring_seconds=0.3, talk_seconds=2)))
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="answer", ring_seconds=0.5, press="5", press_after=7)))
    try:
        async with running_services(settings) as services:
            await services.ami.wait_up(10)
            await services.stores.people.users.add(
                "fatma", "Fatma Bulut", "konsol-parola-153", [Role.FEEDBACK_OPERATOR],
                extension="1011")
            ticket_number = await resolved(services, number)
            await asyncio.sleep(2)
            assert await attempts(services) == []  # preview: nothing is dialled by itself
            console = await Console.sign_in(services.http_url, "fatma")
            try:
                queued = await callback(services)
                assert await console.post(f"/api/callbacks/{queued.id}/take") == 200
                assert await console.post(f"/api/callbacks/{queued.id}/call") == 202

                async def in_feedback() -> bool:
                    ticket = await services.stores.tickets.get(ticket_number)
                    return ticket is not None and ticket.status is TicketStatus.FEEDBACK

                await until(in_feedback, 30, "the citizen on the operator's own phone")
            finally:
                await console.close()

            await until(calls_over(services), 30, "the survey's end")
            ticket = await services.stores.tickets.get(ticket_number)
            assert ticket is not None and ticket.satisfaction == 5
            [attempt] = await attempts(services)
            assert attempt.phone == number and attempt.left_at is not None
            assert [c.number for c in citizen.received_calls()] == [number]
            assert len(own_phone.received_calls()) == 1
    finally:
        await citizen.stop()
        await own_phone.stop()


async def test_the_verdict_ends_the_operators_after_call_work(
    dialer_settings: Settings,
) -> None:
    """A feedback operator codes the call with the verdict itself: the after-call pause (60 s
    here) ends when the verdict is saved, and the dialer may give them the next citizen."""
    from cti.domain.roles import Role
    from tests.integration.test_console_live import PASSWORD, Console, message

    settings = dataclasses.replace(dialer_settings,
                                   wrapup={"alo153": 1.0, "alo153-feedback": 60.0})
    number = citizen_number()
    phone = await SippProcess.start(
        operator_command(OperatorPhone(extension="1011", ring_seconds=0.3, talk_seconds=0)))
    citizen = await SippProcess.start(callback_command(
        CallbackPhone(behaviour="answer", ring_seconds=0.3, talk_seconds=2)))
    try:
        async with running_services(settings) as services:
            await services.ami.wait_up(10)
            await services.stores.people.users.add(
                "fatma", "Fatma Bulut", PASSWORD, [Role.FEEDBACK_OPERATOR], extension="1011")
            console = await Console.sign_in(services.http_url, "fatma")
            try:
                assert await console.post("/api/console/queue/join") == 200
                async with console.socket() as ws:
                    await ws.receive_json()  # hello
                    ticket_number = await resolved(services, number)
                    # The citizen hangs up after 2 s: Fatma's after-call work begins.
                    ended = await message(
                        ws, lambda m: m["type"] == "wrapup" and bool(m["pending"]), timeout=30)
                    # The console knows the call by the attempt's id, also when the caller's
                    # channel was gone before Asterisk said the operator's part was over.
                    assert ended["pending"][0]["call_id"].startswith("cb")
                    queued = await callback(services)
                    assert await console.post(f"/api/callbacks/{queued.id}/outcome",
                                              {"outcome": "confirmed"}) == 200
                    await message(ws, lambda m: m["type"] == "wrapup" and not m["pending"],
                                  timeout=5)
                    await message(ws, lambda m: m["type"] == "agent" and bool(m["agent"])
                                  and not m["agent"]["paused"], timeout=10)
            finally:
                await console.post("/api/console/queue/leave")
                await console.close()
            [attempt] = await attempts(services)
            notes = (await services.stores.notes.for_calls([attempt.id]))[attempt.id]
            assert [d.code for d in notes.dispositions] == ["geri_arama_cozuldu"]
            ticket = await services.stores.tickets.get(ticket_number)
            assert ticket is not None and ticket.status is TicketStatus.CLOSED
    finally:
        await citizen.stop()
        await phone.stop()
