"""Callbacks as the dialer will place them: AMI Originate through the callback contexts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from cti.pbx.sandbox import Sandbox
from cti.simulate import (
    CallbackPhone,
    OperatorPhone,
    SippProcess,
    callback_command,
    operator_command,
)
from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiSession
from tests.integration.conftest import add_operator, citizen_number
from tests.integration.pbx_records import eventually, queue_log


@pytest.fixture
async def feedback_operator(ami: AmiSession) -> AsyncIterator[SippProcess]:
    phone = await SippProcess.start(
        operator_command(OperatorPhone(extension="1010", ring_seconds=0.3))
    )
    await add_operator(ami, "1010", queue="alo153-feedback")
    yield phone
    await phone.stop()


async def originate(ami: AmiSession, number: str, attempt: str, timeout_ms: int = 8000) -> Frame:
    """Place a callback and return Asterisk's OriginateResponse for it."""
    queued = await ami.action(
        "Originate",
        {
            "Channel": f"Local/{number}@alo153-dialout",
            "Context": "alo153-callback",
            "Exten": "feedback",
            "Priority": "1",
            "Timeout": str(timeout_ms),
            "CallerID": "ALO 153 <153>",
            "Async": "true",
        },
        {"__ALO153_ATTEMPT": attempt},
    )
    assert queued.response == "Success", queued.get("Message")
    action_id = queued.action_id
    return await ami.wait_event(
        lambda f: f.event == "OriginateResponse" and f.action_id == action_id,
        timeout=timeout_ms / 1000 + 10,
    )


async def test_answered_callback_reaches_a_feedback_operator(
    sandbox: Sandbox, ami: AmiSession, feedback_operator: SippProcess
) -> None:
    number = citizen_number()
    phone = await SippProcess.start(
        callback_command(CallbackPhone(behaviour="answer", ring_seconds=0.5, talk_seconds=3))
    )
    try:
        response = await originate(ami, number, "attempt-answer")
        assert response.get("Response") == "Success"
        # This call's line only: the queue_log is the whole session's.
        caller = response.get("Uniqueid")
        feedback = await eventually(
            lambda: [e for e in queue_log(sandbox.paths.root)
                     if e.queue == "alo153-feedback" and e.event == "CONNECT"
                     and e.callid == caller] or None,
            timeout=10, what="CONNECT in the feedback queue",
        )
        assert feedback[-1].agent == "op1010"
        assert [c.number for c in phone.received_calls()] == [number]
    finally:
        await phone.stop()


async def test_busy_citizen_fails_the_originate(sandbox: Sandbox, ami: AmiSession) -> None:
    phone = await SippProcess.start(
        callback_command(CallbackPhone(behaviour="reject", ring_seconds=0.2))
    )
    try:
        response = await originate(ami, citizen_number(), "attempt-busy")
        assert response.get("Response") == "Failure"
        assert len(phone.received_calls()) == 1
    finally:
        await phone.stop()


async def test_callback_to_a_foreign_or_premium_number_is_never_dialled(
    sandbox: Sandbox, ami: AmiSession
) -> None:
    phone = await SippProcess.start(callback_command(CallbackPhone(behaviour="answer")))
    try:
        for number in ("00442071234567", "09001234567", "153"):
            response = await originate(ami, number, f"attempt-{number}", timeout_ms=3000)
            assert response.get("Response") == "Failure"
        assert phone.received_calls() == []
    finally:
        await phone.stop()
