"""The SIPp scenarios and runner, SIPp against SIPp on loopback (no Asterisk).

Every phone here listens on a port from the allocator (21000-29999), never on the sandbox's
5060/5090/5101-5110, and exits by itself after LIFETIME seconds should the test die.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from cti.simulate import (
    CITIZEN_SCENARIO,
    PHONE_SCENARIO,
    PORTS,
    SCENARIO_DIR,
    CallbackPhone,
    CitizenCall,
    OperatorPhone,
    PhoneBehaviour,
    SippProcess,
    SippResult,
    callback_command,
    citizen_command,
    kill_stray_sipp,
    operator_command,
    quote_display_name,
    run_citizens,
    sipp_pids,
)
from cti.simulate.ending import KILL_WAIT, TERM_WAIT

pytestmark = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp is not installed")

LIFETIME = 60.0
LOOPBACK = "127.0.0.1"

StartPhone = Callable[..., Awaitable[tuple[SippProcess, int]]]


def _our_sipps() -> list[int]:
    """Live SIPps (run from any directory) whose parent is this test process."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            argv0 = (entry / "cmdline").read_bytes().split(b"\0")[0]
            stat = (entry / "stat").read_text().rsplit(")", 1)[-1].split()
        except OSError:
            continue  # not a process, or gone
        if Path(argv0.decode(errors="replace")).name == "sipp" and stat[0] != "Z" \
                and int(stat[1]) == os.getpid():
            pids.append(int(entry.name))
    return pids


@pytest.fixture(autouse=True)
def nothing_left_behind() -> Iterator[None]:
    yield
    leftovers = _our_sipps()
    for pid in leftovers:
        os.kill(pid, signal.SIGKILL)
    assert leftovers == [], f"SIPp processes left running: {leftovers}"


@pytest.fixture
async def start_phone() -> AsyncIterator[StartPhone]:
    started: list[SippProcess] = []

    async def start(
        behaviour: PhoneBehaviour = "answer", ring: float = 0.05, talk: float = 0.0
    ) -> tuple[SippProcess, int]:
        port = PORTS.take(LOOPBACK)
        phone = OperatorPhone(extension="1001", behaviour=behaviour, ring_seconds=ring,
                              talk_seconds=talk, port=port)
        process = await SippProcess.start(operator_command(phone, lifetime=LIFETIME))
        started.append(process)
        return process, port

    yield start
    for process in started:
        await process.stop(grace=1.0)


def _call(port: int, **fields: Any) -> CitizenCall:
    return replace(CitizenCall(pbx_port=port, seconds=0.2, rate=20), **fields)


def _expect_ok(result: SippResult) -> None:
    assert result.ok, f"{result.name}: rc={result.returncode} {result.stats} {result.errors}"


# ------------------------------------------------------------------ commands


def test_commands_keep_ports_apart_and_name_their_scenario(tmp_path: Path) -> None:
    commands = [operator_command(OperatorPhone(extension=str(ext)), workdir=tmp_path / str(ext))
                for ext in range(1001, 1011)]
    commands += [citizen_command(CitizenCall(), workdir=tmp_path / f"c{i}") for i in range(3)]
    commands.append(callback_command(CallbackPhone(), workdir=tmp_path / "cb"))
    try:
        own_ports = [port for command in commands for port in command.ports]
        assert len(own_ports) == len(set(own_ports))
        for command in commands:
            argv = list(command.argv)
            assert argv[argv.index("-ci") + 1] == LOOPBACK
            assert str(command.control_port) == argv[argv.index("-cp") + 1]
            assert "-nostdin" in argv and "-bg" not in argv and "-bind_local" in argv
            assert argv[-2] == "-sf" and Path(argv[-1]).parent == SCENARIO_DIR
            assert max(i for i, a in enumerate(argv) if a == "-key") < argv.index("-sf")
    finally:
        for command in commands:
            command.release_ports()
    operator_1005 = list(commands[4].argv)
    assert operator_1005[operator_1005.index("-p") + 1] == "5105"
    assert operator_1005[-1] == str(PHONE_SCENARIO)
    citizen = list(commands[10].argv)
    assert citizen[1] == "127.0.0.1:5060" and citizen[-1] == str(CITIZEN_SCENARIO)
    assert citizen[citizen.index("-i") + 1] == "127.0.0.2"
    assert "-timeout_error" in citizen
    callback = list(commands[-1].argv)
    assert callback[callback.index("-i") + 1] == "127.0.0.2"
    assert callback[callback.index("-p") + 1] == "5090"


def test_display_name_is_quoted_for_sip() -> None:
    assert quote_display_name("Ayşe Şahin") == "Ayşe Şahin"
    assert quote_display_name('Ali "Kaptan" \\ Öz\r\n') == 'Ali \\"Kaptan\\" \\\\ Öz  '


def test_bad_values_are_refused() -> None:
    with pytest.raises(ValueError):
        CitizenCall(caller="0532 123")
    with pytest.raises(ValueError):
        CitizenCall(behaviour="dance")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        OperatorPhone(extension="2001x")


# ------------------------------------------------------------------ calls


async def test_answered_calls_carry_the_caller_intact(start_phone: StartPhone) -> None:
    phone, port = await start_phone(talk=0.0)
    assert phone.pid in sipp_pids(), "a SIPp must be findable by its scenario directory"

    _expect_ok(await run_citizens(_call(port, display_name="Ayşe Şahin")))
    _expect_ok(await run_citizens(_call(port, caller="05551112233",
                                        display_name='Ali "Kaptan" Öztürk')))

    result = await phone.stop()
    _expect_ok(result)
    calls = result.received_calls
    assert [c.display_name for c in calls] == ["Ayşe Şahin", 'Ali "Kaptan" Öztürk']
    assert [c.caller for c in calls] == ["05321234567", "05551112233"]
    assert {c.number for c in calls} == {"153"}
    assert result.stats.successful == 2
    assert result.count("ACK_Recv") == 2 and result.count("BYE_Recv") == 2


async def test_far_end_bye_during_the_stay_pause_ends_the_call(start_phone: StartPhone) -> None:
    phone, port = await start_phone(talk=0.3)
    started = time.monotonic()
    citizen = await run_citizens(_call(port, seconds=30.0, calls=2, rate=20))
    assert time.monotonic() - started < 5
    _expect_ok(citizen)
    assert citizen.stats.successful == 2 and citizen.count("BYE_Sent") == 0
    assert citizen.count("BYE_Recv") == 2
    phone_result = await phone.stop()
    _expect_ok(phone_result)
    assert phone_result.count("BYE_Sent") == 2


async def test_until_hangup_citizen_waits_for_the_far_end(start_phone: StartPhone) -> None:
    _, port = await start_phone(talk=0.2)
    citizen = await run_citizens(_call(port, behaviour="until_hangup"))
    _expect_ok(citizen)
    assert citizen.count("BYE_Recv") == 1 and citizen.count("BYE_Sent") == 0


async def test_rejected_call_fails_at_the_citizen(start_phone: StartPhone) -> None:
    phone, port = await start_phone(behaviour="reject")
    citizen = await run_citizens(_call(port))
    assert not citizen.ok and citizen.returncode == 1
    assert citizen.stats.failed == 1 and citizen.stats.failures == {"UnexpectedMessage": 1}
    assert "486 Busy Here" in citizen.errors
    result = await phone.stop()
    assert result.count("486_Sent") == 1 and result.count("ACK_Recv") == 1
    assert result.stats.failed == 0


async def test_no_answer_phone_takes_cancels_one_after_the_other(
    start_phone: StartPhone,
) -> None:
    phone, port = await start_phone(behaviour="no_answer")
    citizen = await run_citizens(_call(port, behaviour="cancel", calls=2, rate=10))
    _expect_ok(citizen)
    assert citizen.count("487_Recv") == 2
    result = await phone.stop()
    _expect_ok(result)
    assert result.count("CANCEL_Recv") == 2 and result.count("487_Sent") == 2
    assert result.count("ACK_Recv") == 2 and result.stats.successful == 2


async def test_cancel_while_ringing_then_the_next_call_is_answered(
    start_phone: StartPhone,
) -> None:
    phone, port = await start_phone(ring=1.0)  # cancelled like a queue's ring-no-answer
    cancelled = await run_citizens(_call(port, behaviour="cancel", seconds=0.1))
    _expect_ok(cancelled)
    assert cancelled.count("487_Recv") == 1
    answered = await run_citizens(_call(port, seconds=0.1))
    _expect_ok(answered)
    assert answered.count("BYE_Sent") == 1
    result = await phone.stop()
    _expect_ok(result)
    assert len(result.received_calls) == 2 and result.stats.successful == 2
    assert result.count("487_Sent") == 1 and result.count("BYE_Recv") == 1


async def test_phone_answers_qualify_options(start_phone: StartPhone) -> None:
    phone, port = await start_phone()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind((LOOPBACK, 0))
        sock.settimeout(3.0)
        local = sock.getsockname()[1]
        sock.sendto(_options(port, local).encode(), (LOOPBACK, port))
        answer = sock.recv(4096).decode()
    assert answer.startswith("SIP/2.0 200 OK")
    assert await phone.wait_for(lambda p: any(x.startswith("OPTIONS|") for x in p.log()), 3.0)
    assert phone.received_calls() == []


def _options(port: int, local: int) -> str:
    return "\r\n".join([
        f"OPTIONS sip:1001@{LOOPBACK}:{port} SIP/2.0",
        f"Via: SIP/2.0/UDP {LOOPBACK}:{local};branch=z9hG4bK-qualify-1",
        f"From: <sip:asterisk@{LOOPBACK}:{local}>;tag=q1",
        f"To: <sip:1001@{LOOPBACK}:{port}>",
        "Call-ID: qualify-1@test",
        "CSeq: 1 OPTIONS",
        "Max-Forwards: 70",
        "Content-Length: 0",
        "", "",
    ])


# ------------------------------------------------------------------ bounds and cleanup


async def test_sipp_aborts_a_call_that_outlives_its_wait(start_phone: StartPhone) -> None:
    phone, port = await start_phone(talk=0.0)  # waits for a BYE, as the citizen does
    citizen = await run_citizens(_call(port, behaviour="until_hangup", max_wait=0.5))
    assert not citizen.ok and not citizen.timed_out and citizen.returncode == 1
    assert citizen.stats.failures == {"TimeoutOnRecv": 1}
    result = await phone.stop()  # the aborted call said BYE: the phone has no call left
    assert not result.killed and result.stats.successful == 1 and result.count("BYE_Recv") == 1


async def test_wait_stops_a_hung_client_within_its_bound(start_phone: StartPhone) -> None:
    phone, port = await start_phone(talk=0.0)
    citizen = await SippProcess.start(
        citizen_command(_call(port, behaviour="until_hangup", timeout=1.0))
    )
    started = time.monotonic()
    result = await citizen.wait()
    assert time.monotonic() - started < 1.0 + TERM_WAIT + 0.5
    assert result.timed_out and result.stopped and not result.ok and not citizen.running
    assert result.stats.created == 1 and result.stats.current == 1  # stats survive SIGTERM
    phone_result = await phone.stop(grace=0.3)  # its call is still up: q is not enough
    assert phone_result.stats.current == 1 and not phone_result.killed


async def test_cancelled_run_leaves_no_sipp(start_phone: StartPhone) -> None:
    phone, port = await start_phone(talk=0.0)
    run = asyncio.create_task(run_citizens(_call(port, behaviour="until_hangup")))
    assert await phone.wait_for(lambda p: len(p.received_calls()) == 1, 3.0)
    citizens = [pid for pid in _our_sipps() if pid != phone.pid]
    assert len(citizens) == 1
    run.cancel()
    with pytest.raises(asyncio.CancelledError):
        await run
    deadline = time.monotonic() + TERM_WAIT + 1.0
    while citizens[0] in _our_sipps() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert citizens[0] not in _our_sipps()


async def test_stop_kills_a_sipp_that_does_not_answer() -> None:
    port = PORTS.take(LOOPBACK)
    process = await SippProcess.start(
        operator_command(OperatorPhone(port=port), lifetime=LIFETIME)
    )
    os.kill(process.pid, signal.SIGSTOP)  # deaf to q, Q and SIGTERM from now on
    started = time.monotonic()
    result = await process.stop(grace=0.3)
    assert time.monotonic() - started < 0.3 + TERM_WAIT + KILL_WAIT + 0.5
    assert result.killed and result.stopped and not result.ok
    assert result.returncode == -signal.SIGKILL and not process.running


async def test_kill_stray_sipp_leaves_nothing(tmp_path: Path) -> None:
    scenarios = tmp_path / "scenarios"
    shutil.copytree(SCENARIO_DIR, scenarios)
    strays = []
    for _ in range(2):
        command = operator_command(OperatorPhone(port=PORTS.take(LOOPBACK)), lifetime=LIFETIME)
        argv = (*command.argv[:-1], str(scenarios / PHONE_SCENARIO.name))
        strays.append(await SippProcess.start(replace(command, argv=argv)))
    assert sorted(sipp_pids(scenarios)) == sorted(p.pid for p in strays)

    assert await asyncio.to_thread(kill_stray_sipp, scenarios) == 2
    assert sipp_pids(scenarios) == []
    assert await asyncio.to_thread(kill_stray_sipp, scenarios) == 0
    for stray in strays:
        result = await stray.wait(timeout=2.0)
        assert result.returncode is not None and not stray.running
