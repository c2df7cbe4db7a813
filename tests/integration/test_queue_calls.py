"""Real SIP calls to 153 through the sandbox Asterisk; Asterisk's own records are the judge."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from cti.config import Settings
from cti.pbx.sandbox import Sandbox
from cti.simulate import CitizenCall, OperatorPhone, SippProcess, operator_command, run_citizens
from cti.telephony.ami.session import AmiSession
from tests.integration.conftest import add_operator, citizen_number
from tests.integration.pbx_records import call_events, cdrs, eventually


@pytest.fixture
async def operator_1001(ami: AmiSession) -> AsyncIterator[SippProcess]:
    """Operator 1001 logged in to the queue, softphone answering after 0.3 s of ringing."""
    phone = await SippProcess.start(
        operator_command(OperatorPhone(extension="1001", behaviour="answer", ring_seconds=0.3))
    )
    await add_operator(ami, "1001")
    yield phone
    await phone.stop()


async def test_answered_call_is_enterqueue_then_connect_and_an_answered_cdr(
    sandbox: Sandbox, operator_1001: SippProcess
) -> None:
    caller = citizen_number()
    result = await run_citizens(
        CitizenCall(caller=caller, display_name="Ayşe Şahin", behaviour="stay", seconds=4)
    )
    assert result.ok, result.errors
    root = sandbox.paths.root
    def ended() -> list[str] | None:
        # Asterisk writes the COMPLETE line after it has answered the BYE: wait for it.
        events = [e.event for e in call_events(root, caller)]
        return events if any(event.startswith("COMPLETE") for event in events) else None

    events = await eventually(ended, timeout=10, what="the call's end in queue_log")
    assert events[:2] == ["ENTERQUEUE", "CONNECT"]
    assert events[-1] in {"COMPLETECALLER", "COMPLETEAGENT"}
    connect = next(e for e in call_events(root, caller) if e.event == "CONNECT")
    assert connect.agent == "op1001"
    record = await eventually(lambda: cdrs(root, caller), timeout=10, what="the CDR")
    assert [r["disposition"] for r in record] == ["ANSWERED"]
    assert record[0]["dstchannel"].startswith("PJSIP/1001-")  # type: ignore[union-attr]
    # The Turkish display name reached the operator's softphone intact.
    names = [c.display_name for c in operator_1001.received_calls()]
    assert "Ayşe Şahin" in names


async def test_citizen_hanging_up_while_waiting_is_an_abandon_with_its_wait(
    sandbox: Sandbox, ami: AmiSession
) -> None:
    # An operator logged in but paused: the citizen waits, then gives up after 3 s.
    await add_operator(ami, "1002")
    paused = await ami.action(
        "QueuePause", {"Queue": "alo153", "Interface": "PJSIP/1002", "Paused": "true",
                       "Reason": "Mola"}
    )
    assert paused.response == "Success"
    caller = citizen_number()
    result = await run_citizens(CitizenCall(caller=caller, behaviour="stay", seconds=5))
    assert result.ok, result.errors
    root = sandbox.paths.root
    events = await eventually(
        lambda: [e for e in call_events(root, caller) if e.event == "ABANDON"] or None,
        timeout=10, what="ABANDON in queue_log",
    )
    # ABANDON|position|original position|wait seconds
    position, original, waited = events[0].data[:3]
    assert (position, original) == ("1", "1")
    assert 2 <= int(waited) <= 5  # 5 s on the line less the 1.5 s greeting
    record = await eventually(lambda: cdrs(root, caller), timeout=10, what="the CDR")
    assert record[0]["dstchannel"] == ""


async def test_citizen_hanging_up_in_the_greeting_never_enters_the_queue(
    sandbox: Sandbox, operator_1001: SippProcess
) -> None:
    caller = citizen_number()
    result = await run_citizens(CitizenCall(caller=caller, behaviour="stay", seconds=0.5))
    assert result.ok, result.errors
    root = sandbox.paths.root
    record = await eventually(lambda: cdrs(root, caller), timeout=10, what="the CDR")
    assert record[0]["lastapp"] == "Playback"
    assert record[0]["dstchannel"] == ""
    assert call_events(root, caller) == []
    assert operator_1001.received_calls() == []


async def test_call_reaches_the_queue_when_nothing_answers_fastagi(
    sandbox: Sandbox, settings: Settings, operator_1001: SippProcess
) -> None:
    await assert_nothing_listens(settings.agi_host, settings.agi_port)
    caller = citizen_number()
    result = await run_citizens(CitizenCall(caller=caller, behaviour="stay", seconds=3))
    assert result.ok, result.errors
    events = await eventually(
        lambda: [e.event for e in call_events(sandbox.paths.root, caller)] or None,
        timeout=10, what="the call in queue_log",
    )
    assert events[:2] == ["ENTERQUEUE", "CONNECT"]


async def test_call_reaches_the_queue_when_fastagi_hangs(
    sandbox: Sandbox, settings: Settings, operator_1001: SippProcess
) -> None:
    """A CTI that accepts the connection and never answers costs the caller about a second."""
    held: list[asyncio.StreamWriter] = []

    async def hang(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(hang, settings.agi_host, settings.agi_port)
    try:
        caller = citizen_number()
        result = await run_citizens(CitizenCall(caller=caller, behaviour="stay", seconds=4))
        assert result.ok, result.errors
        lines = await eventually(
            lambda: [e for e in call_events(sandbox.paths.root, caller)
                     if e.event == "CONNECT"] or None,
            timeout=10, what="CONNECT in queue_log",
        )
        assert lines
        assert held, "Asterisk did connect to the hung FastAGI"
    finally:
        server.close()
        for writer in held:
            writer.close()
        await server.wait_closed()


async def test_call_reaches_the_queue_when_fastagi_answers_garbage(
    sandbox: Sandbox, settings: Settings, operator_1001: SippProcess
) -> None:
    async def garbage(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\n\n")
        writer.write(b"\xff\xfeHELLO\r\nSET VARIABLE ALO153_PRIO \"9; DROP\"\n"
                     b"SET VARIABLE ALO153_BLOCKED \"yes\"\nNONSENSE \x00\x01\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(garbage, settings.agi_host, settings.agi_port)
    try:
        caller = citizen_number()
        result = await run_citizens(CitizenCall(caller=caller, behaviour="stay", seconds=3))
        assert result.ok, result.errors
        events = await eventually(
            lambda: [e.event for e in call_events(sandbox.paths.root, caller)] or None,
            timeout=10, what="the call in queue_log",
        )
        assert events[:2] == ["ENTERQUEUE", "CONNECT"]
    finally:
        server.close()
        await server.wait_closed()


async def assert_nothing_listens(host: str, port: int) -> None:
    with pytest.raises(OSError):
        _, writer = await asyncio.open_connection(host, port)
        writer.close()
