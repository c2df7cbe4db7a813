"""`cti demo`: a live ALO 153 centre on the sandbox PBX, until Ctrl-C.

It boots the PBX, runs the CTI service in-process, logs simulated operators in over AMI and
sends a Poisson stream of simulated citizens to 153, printing the live queue every few seconds.
Everything it starts it stops, in reverse order, whatever way it ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
import time
from collections import Counter
from collections.abc import AsyncIterator

from cti.bootstrap import running_services
from cti.config import Settings
from cti.demo_people import DEMO_PASSWORD, operator_username, seed_history, seed_people
from cti.demo_status import Totals, live_line, sign_in_here, where_to_look
from cti.pbx.sandbox import Sandbox, SandboxError
from cti.simulate import OperatorPhone, SippProcess, operator_command, run_citizens
from cti.simulate.traffic import Kind, PlannedCall, Traffic
from cti.telephony.agi.server import FastAgiServer
from cti.telephony.ami.session import AmiError, AmiSession

QUEUE = "alo153"
STATUS_EVERY = 5.0
MAX_CITIZENS_AT_ONCE = 60


def run_demo(settings: Settings, *, operators: int, rate: float, duration: float) -> int:
    if not 1 <= operators <= 5:
        print("cti demo: --operators must be between 1 and 5 (the sandbox has 1001-1005)")
        return 2
    if not rate > 0:
        print("cti demo: --rate must be positive")
        return 2
    try:
        asyncio.run(_demo(settings, operators, rate, duration))
    except SandboxError as error:
        print(f"cti demo: {error}")
        return 1
    return 0


async def _demo(settings: Settings, operators: int, rate: float, duration: float) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if duration > 0:
        loop.call_later(duration, stop.set)
    sandbox = Sandbox(settings)
    settings = demo_settings(settings, sandbox)
    async with _pbx(sandbox), running_services(settings) as services, _ami(settings) as ami:
        extensions = [str(1001 + n) for n in range(operators)]
        traffic = Traffic()
        people = await seed_people(services.stores.people.users, extensions)
        await seed_history(services.stores.tickets, traffic)
        async with _operators(ami, extensions):
            print(where_to_look(sandbox, settings, extensions, services.http_url))
            print(sign_in_here(services.http_url, people, DEMO_PASSWORD))
            await _run(sandbox, ami, services.agi, rate, stop, traffic)
    print("cti demo: stopped; nothing left running")


def demo_settings(settings: Settings, sandbox: Sandbox) -> Settings:
    """The CTI of the demo reads the sandbox's Asterisk logs and keeps its call log beside the
    sandbox, not in the production data directory."""
    return dataclasses.replace(
        settings,
        asterisk_log_dir=sandbox.paths.root / "var/log/asterisk",
        data_dir=sandbox.paths.state / "demo",
        reconcile_interval=10.0,
        # The simulated operators never give a disposition: keep their wrap-up short.
        wrapup={"alo153": 5.0, "alo153-feedback": 5.0},
    )


async def _run(
    sandbox: Sandbox, ami: AmiSession, agi: FastAgiServer, rate: float, stop: asyncio.Event,
    traffic: Traffic,
) -> None:
    launched: Counter[Kind] = Counter()
    calls: set[asyncio.Task[object]] = set()
    started = time.time()
    citizens = asyncio.create_task(_citizens(traffic, rate, launched, calls, stop))
    try:
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(STATUS_EVERY):
                    await stop.wait()
            totals = Totals.since(sandbox.paths.root, started, launched)
            print(await live_line(ami, QUEUE, totals, agi.stats.served, time.time() - started))
    finally:
        citizens.cancel()
        for task in calls:
            task.cancel()
        await asyncio.gather(citizens, *calls, return_exceptions=True)


async def _citizens(
    traffic: Traffic,
    rate: float,
    launched: Counter[Kind],
    calls: set[asyncio.Task[object]],
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        await asyncio.sleep(traffic.next_gap(rate))
        if len(calls) >= MAX_CITIZENS_AT_ONCE:
            continue  # the machine's limit, not a citizen's choice
        planned = traffic.next_call()
        launched[planned.kind] += 1
        task: asyncio.Task[object] = asyncio.create_task(_call(planned))
        calls.add(task)
        task.add_done_callback(calls.discard)


async def _call(planned: PlannedCall) -> object:
    return await run_citizens(planned.call)


@contextlib.asynccontextmanager
async def _pbx(sandbox: Sandbox) -> AsyncIterator[None]:
    print("cti demo: starting the sandbox PBX (the first run builds it, about a minute)")
    print(f"cti demo: {await asyncio.to_thread(sandbox.up)}")
    try:
        yield
    finally:
        print(f"cti demo: {await asyncio.to_thread(sandbox.down)}")


@contextlib.asynccontextmanager
async def _ami(settings: Settings) -> AsyncIterator[AmiSession]:
    session = await AmiSession.connect(
        settings.ami_host, settings.ami_port, settings.ami_user, settings.ami_secret
    )
    try:
        yield session
    finally:
        await session.close()


@contextlib.asynccontextmanager
async def _operators(ami: AmiSession, extensions: list[str]) -> AsyncIterator[None]:
    """Softphones first, then queue login: a member must never ring a phone that is not up."""
    phones = []
    try:
        for n, ext in enumerate(extensions):
            phone = OperatorPhone(extension=ext, ring_seconds=1.0 + 0.6 * n)
            phones.append(await SippProcess.start(operator_command(phone)))
        for ext in extensions:
            await _queue_member(ami, "QueueAdd", ext)
        yield
    finally:
        for ext in extensions:
            with contextlib.suppress(AmiError, TimeoutError):
                await _queue_member(ami, "QueueRemove", ext)
        await asyncio.gather(*(phone.stop() for phone in phones), return_exceptions=True)


async def _queue_member(ami: AmiSession, action: str, ext: str) -> None:
    headers = {"Queue": QUEUE, "Interface": f"PJSIP/{ext}"}
    if action == "QueueAdd":
        headers |= {"MemberName": operator_username(ext), "StateInterface": f"PJSIP/{ext}"}
    await ami.action(action, headers)
