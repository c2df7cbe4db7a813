"""The call-outcome log against Asterisk's own record, call for call, with real SIP calls."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import random
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from cti.bootstrap import Services, running_services
from cti.config import Settings
from cti.domain.calls.record import AttemptResult, CallRecord, Outcome
from cti.domain.roles import Role
from cti.pbx.sandbox import Sandbox
from cti.simulate import (
    CitizenCall,
    OperatorPhone,
    SippProcess,
    SippResult,
    operator_command,
    run_citizens,
)
from cti.telephony.ami.session import AmiSession
from tests.integration.conftest import add_operator, citizen_number
from tests.integration.pbx_records import QueueLogLine, call_events

# Operators: three answer after different rings; 1004 never answers. 1004 has the lowest
# penalty, so the queue rings it first: the first (patient) caller rings out on it (15 s,
# ring-no-answer), the queue pauses it and the call goes to someone else.
PHONES = (("1001", "answer", 0.4, 1), ("1002", "answer", 0.9, 1), ("1003", "answer", 1.4, 1),
          ("1004", "no_answer", 0.0, 0))


@pytest.fixture
def cti_settings(sandbox: Sandbox, settings: Settings, tmp_path: Path) -> Settings:
    return dataclasses.replace(
        settings,
        data_dir=tmp_path,
        asterisk_log_dir=sandbox.paths.root / "var/log/asterisk",
        reconcile_interval=2.0,
        http_port=0,
        # Nobody gives these calls a disposition: a long after-call pause would leave the
        # queue without operators and change who the calls reach.
        wrapup={"alo153": 0.2},
    )


@pytest.fixture
async def operators(ami: AmiSession) -> AsyncIterator[None]:
    phones = [
        await SippProcess.start(operator_command(
            OperatorPhone(extension=ext, behaviour=mode, ring_seconds=ring)  # type: ignore[arg-type]
        ))
        for ext, mode, ring, _ in PHONES
    ]
    for ext, _, _, penalty in PHONES:
        await add_operator(ami, ext, penalty=penalty)
    yield
    await asyncio.gather(*(phone.stop() for phone in phones))


def plan(count: int, seed: int) -> list[CitizenCall]:
    """A patient first caller, then talkers, impatient callers (who abandon when nobody is
    free) and greeting hang-ups."""
    rng = random.Random(seed)
    calls = [CitizenCall(caller=citizen_number(), display_name="Sabırlı Vatandaş", seconds=25)]
    for n in range(1, count):
        kind = n % 10
        seconds = 0.5 if kind == 0 else rng.uniform(2.0, 2.6) if kind < 4 else rng.uniform(4, 7)
        calls.append(CitizenCall(caller=citizen_number(), display_name="Gülşen Öztürk",
                                 seconds=round(seconds, 1)))
    return calls


async def place(calls: list[CitizenCall], gap: float) -> list[SippResult]:
    async def one(index: int, call: CitizenCall) -> SippResult:
        await asyncio.sleep(index * gap)
        return await run_citizens(call)

    return await asyncio.gather(*(one(i, c) for i, c in enumerate(calls)))


async def logged(services: Services, number: str) -> list[CallRecord]:
    return list((await services.call_log.search(caller=number, limit=10)).calls)


def expected(lines: list[QueueLogLine]) -> tuple[Outcome, str | None, int]:
    """(outcome, answered by, operator attempts) as Asterisk's queue_log tells it."""
    events = [line.event for line in lines]
    attempts = events.count("RINGNOANSWER") + events.count("CONNECT")
    if "CONNECT" in events:
        agent = next(line.agent for line in lines if line.event == "CONNECT")
        return Outcome.ANSWERED, agent, attempts
    if "ABANDON" in events:
        return Outcome.ABANDONED, None, attempts
    if not events:
        return Outcome.HUNG_UP_BEFORE_QUEUE, None, 0
    return Outcome.TIMED_OUT, None, attempts


async def assert_log_matches_asterisk(
    services: Services, sandbox: Sandbox, calls: list[CitizenCall]
) -> list[CallRecord]:
    root = sandbox.paths.root
    records = []
    for call in calls:
        found = await eventually_async(lambda n=call.caller: logged(services, n), call.caller)
        assert len(found) == 1, f"one record per call, not {len(found)}"
        record = found[0]
        outcome, agent, attempts = expected(call_events(root, call.caller))
        assert record.outcome is outcome
        assert record.answered_by == agent
        assert record.caller_name == call.display_name  # Turkish letters intact
        assert len([a for a in record.attempts if a.result is not AttemptResult.CANCELLED]) \
            >= attempts
        records.append(record)
    return records


async def eventually_async(probe: object, what: str, timeout: float = 20.0) -> list[CallRecord]:
    async def check() -> list[CallRecord]:
        while True:
            found = await probe()  # type: ignore[operator]
            if found and all(r.outcome is not Outcome.IN_PROGRESS for r in found):
                return list(found)
            await asyncio.sleep(0.2)

    return await asyncio.wait_for(check(), timeout)


async def test_fifty_calls_are_logged_exactly_as_asterisk_recorded_them(
    sandbox: Sandbox, cti_settings: Settings, operators: None
) -> None:
    calls = plan(50, seed=153)
    async with running_services(cti_settings) as services:
        await services.ami.wait_up(10)
        results = await place(calls, gap=0.5)
        assert all(r.ok for r in results), [r.errors for r in results if not r.ok]
        records = await assert_log_matches_asterisk(services, sandbox, calls)
        await assert_api_serves(services, calls[0].caller)
    outcomes = {r.outcome for r in records}
    assert {Outcome.ANSWERED, Outcome.ABANDONED, Outcome.HUNG_UP_BEFORE_QUEUE} <= outcomes
    rang_out = [r for r in records if r.outcome is Outcome.ANSWERED
                and any(a.result is AttemptResult.NO_ANSWER for a in r.attempts)]
    assert rang_out, "a ring-no-answer then answered call happened and was logged"
    answered = next(r for r in records if r.outcome is Outcome.ANSWERED)
    assert answered.wait_seconds is not None and answered.talk_seconds is not None


async def test_calls_made_while_the_cti_was_down_are_filled_from_asterisk(
    sandbox: Sandbox, cti_settings: Settings, operators: None
) -> None:
    calls = plan(20, seed=4982)
    async with running_services(cti_settings) as services:
        await services.ami.wait_up(10)
        placing = asyncio.create_task(place(calls, gap=0.5))
        await asyncio.sleep(4)
    # The CTI is gone (killed mid-call) while the rest of the calls happen.
    results = await placing
    assert all(r.ok for r in results)
    async with running_services(cti_settings) as services:
        await services.ami.wait_up(10)
        await assert_log_matches_asterisk(services, sandbox, calls)


async def test_an_ami_link_cut_by_asterisk_during_calls_loses_and_doubles_nothing(
    sandbox: Sandbox, cti_settings: Settings, operators: None
) -> None:
    calls = plan(20, seed=6698)
    async with running_services(cti_settings) as services:
        await services.ami.wait_up(10)
        placing = asyncio.create_task(place(calls, gap=0.5))
        await asyncio.sleep(5)
        # Reset every AMI connection from Asterisk's side (its sockets have source port 5038).
        cut = subprocess.run(
            ["ss", "-K", "src", "127.0.0.1", "sport", "=", f":{cti_settings.ami_port}"],
            capture_output=True, text=True, check=False,
        )
        assert cut.returncode == 0, cut.stderr
        async with asyncio.timeout(10):
            while services.ami.health().connects < 2:
                await asyncio.sleep(0.1)
        results = await placing
        assert all(r.ok for r in results)
        await assert_log_matches_asterisk(services, sandbox, calls)


async def assert_api_serves(services: Services, caller: str) -> None:
    """The same call log, live state and health, over HTTP, to a signed-in supervisor."""
    await services.stores.people.users.add("denetci", "Denetçi", "denetci-parola-153",
                                           [Role.SUPERVISOR])
    # unsafe: keep the session cookie of a server named by its IP address (127.0.0.1).
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(services.http_url, cookie_jar=jar) as http:
        async with http.get("/api/calls", params={"caller": caller}) as reply:
            assert reply.status == 401  # not signed in: nothing
        signed_in = await http.post("/api/session", json={"username": "denetci",
                                                          "password": "denetci-parola-153"})
        assert signed_in.status == 200
        async with http.get("/api/calls", params={"caller": caller}) as reply:
            page = await reply.json()
        assert reply.status == 200
        assert [c["caller_number"] for c in page["calls"]] == [caller]
        async with http.get(f"/api/calls/{page['calls'][0]['call_id']}") as reply:
            assert reply.status == 200
            assert (await reply.json())["timeline"]
        async with http.get("/api/health") as reply:
            health = await reply.json()
        assert reply.status == 200, health
        async with http.get("/api/queues") as reply:
            queues = await reply.json()
        assert reply.status == 200
        assert "alo153" in json.dumps(queues)
