"""The feedback dialer on the real sandbox Asterisk: --operators feedback operators and
--tickets resolved requests whose citizens are called back.

The bench boots the sandbox PBX (`--fresh`) from its own copy of asterisk-config/ with the
operators it needs (endpoints from 1020, ten per SIPp softphone that answers after about
--answer seconds and hangs up after about --talk seconds), runs the whole CTI in-process
(`running_services`, progressive dialer, calling hours always open), puts the operators in
the `alo153-feedback` queue over AMI, and resolves --tickets phoned-in requests, each with its
own citizen number; one SIPp citizen phone answers every callback after --ring seconds, stays
on when the operator hangs up, and presses 4 in the keypad survey.

It waits until every callback has been answered and handed over (or --timeout), then reads the
dialer's own record (callback_attempts) and prints:
- calls per hour: answered callbacks handed to an operator, per hour of the run;
- operator idle time between calls: from an operator hanging up (plus the --wrapup
  after-call work, which is theirs) to their next call being connected; the simulated
  operators record their verdict within about 0.1 s of the call's end, and that is counted
  too (target: at most the citizen's ring time plus 2 s);
- abandoned answered calls: citizens who picked up and hung up before an operator took them
  (target: 0; the progressive pacing places no call without a free operator for it);
- the keypad survey: its median length after the operator left, and the tickets scored.

Needs root and a free sandbox (no Asterisk or SIPp of the project running); stops everything
it started, also on Ctrl-C.

    python bench/dialer.py [--operators 20] [--tickets 500] [--ring 1.0] [--talk 3.0]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import random
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.screen_pop import (
    BenchError,
    _boot,
    config_with_operators,
    operator_extensions,
    percentile,
    phone_groups,
    say,
)
from cti.config import Settings

QUEUE = "alo153-feedback"
UNIT = "seyhan-fen-isleri"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--operators", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=500)
    parser.add_argument("--ring", type=float, default=1.0,
                        help="seconds a citizen's phone rings before they answer")
    parser.add_argument("--answer", type=float, default=0.5,
                        help="seconds an operator's phone rings before they answer")
    parser.add_argument("--talk", type=float, default=3.0, help="seconds of each conversation")
    parser.add_argument("--wrapup", type=float, default=0.1,
                        help="after-call work of the feedback queue, seconds (not idle time)")
    parser.add_argument("--timeout", type=float, default=900.0)
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, float]:
    from cti.bootstrap import running_services
    from cti.pbx.sandbox import Sandbox
    from dialer.hours import CallingHours

    extensions = operator_extensions(args.operators)
    groups = phone_groups(extensions, 10)
    async with contextlib.AsyncExitStack() as stack:
        tmp = Path(tempfile.mkdtemp(prefix="alo153-bench-dialer-"))
        stack.callback(shutil.rmtree, tmp, ignore_errors=True)
        base = Settings.from_env()
        settings = dataclasses.replace(
            base, data_dir=tmp / "cti", database_url="", redis_url="", http_port=0,
            asterisk_log_dir=Sandbox(base).paths.root / "var/log/asterisk",
            asterisk_config=config_with_operators(base.asterisk_config, tmp / "asterisk-config",
                                                  groups),
            dialer_hours=CallingHours.parse("mon-sun=00:00-24:00", is_holiday=lambda d: False),
            dialer_max_lines=args.operators * 2, dialer_ring_seconds=30.0,
            # After-call work is the operators' own time, not the dialer's: nearly none here,
            # so the idle time measured is the dialer's (ring time and reaction).
            wrapup={"alo153": 30.0, QUEUE: args.wrapup},
        )
        settings.data_dir.mkdir()
        await _boot(stack, Sandbox(settings))
        services = await stack.enter_async_context(running_services(settings))
        await services.ami.wait_up(30)
        await _phones(stack, groups, args)
        for extension in extensions:
            await services.ami.action("QueueAdd", {
                "Queue": QUEUE, "Interface": f"PJSIP/{extension}",
                "MemberName": f"op{extension}", "StateInterface": f"PJSIP/{extension}"})
        say(f"{args.operators} feedback operators in {QUEUE}; resolving {args.tickets} requests")
        started = time.time()
        verdicts = asyncio.create_task(_operators_verdicts(services))
        try:
            await _resolve(services, args.tickets)
            await _until_done(services, args, started)
        finally:
            verdicts.cancel()
        return await _figures(services, started, args.wrapup, _press_after(args))


async def _phones(stack: contextlib.AsyncExitStack, groups: list[list[str]],
                  args: argparse.Namespace) -> None:
    from cti.simulate import (
        CallbackPhone,
        OperatorPhone,
        SippProcess,
        callback_command,
        operator_command,
    )

    for group in groups:
        phone = await SippProcess.start(operator_command(OperatorPhone(
            extension=group[0], ring_seconds=args.answer, talk_seconds=args.talk)))
        stack.push_async_callback(phone.stop, 1.0)
    # Each citizen stays on after the operator hangs up and presses 4 in the keypad survey,
    # a second or so after the operator has left.
    citizens = await SippProcess.start(callback_command(CallbackPhone(
        behaviour="answer", ring_seconds=args.ring, talk_seconds=0, press="4",
        press_after=_press_after(args))))
    stack.push_async_callback(citizens.stop, 1.0)


async def _resolve(services: object, count: int) -> None:
    from cti.domain.tickets.ticket import TicketDraft

    tickets = services.stores.tickets  # type: ignore[attr-defined]
    numbers = random.Random(153).sample(range(10**8), count)
    for n in numbers:
        ticket = await tickets.create(TicketDraft(
            description="Sokak lambası yanmıyor", category="sokak-lambasi", district="seyhan",
            citizen_phone=f"053{n:08d}"), "bench")
        await tickets.forward(ticket.number, UNIT, None, "bench")
        await tickets.resolve(ticket.number, "Lamba değiştirildi", "bench")


async def _operators_verdicts(services: object) -> None:
    """The operators' part: each says "confirmed" as soon as their call ends (the dialer
    gives an operator no new call while they owe a verdict)."""
    from sqlalchemy import select

    from cti.domain.tickets import feedback
    from cti.storage.models import CallbackRow
    from cti.storage.models import Ticket as TicketRow

    stores = services.stores  # type: ignore[attr-defined]
    while True:
        async with stores.callbacks._sessions() as session:
            waiting = (await session.execute(
                select(CallbackRow.id, TicketRow.number)
                .join(TicketRow, TicketRow.id == CallbackRow.ticket_id)
                .where(CallbackRow.status == "connected"))).all()
        for callback_id, _number in waiting:
            await stores.callbacks.verdict(callback_id, "confirmed", feedback.confirmed(),
                                           "bench", time.time(), tickets=stores.tickets)
        await asyncio.sleep(0.1)


async def _until_done(services: object, args: argparse.Namespace, started: float) -> None:
    from sqlalchemy import func, select

    from cti.storage.models import CallbackAttemptRow, CallbackRow

    sessions = services.stores.callbacks._sessions  # type: ignore[attr-defined]
    last = -1
    while time.time() - started < args.timeout:
        async with sessions() as session:
            open_ = await session.scalar(select(func.count()).select_from(CallbackRow).where(
                CallbackRow.status.in_(("waiting", "calling", "connected"))))
            # The last citizens may still be in the keypad survey after their verdict.
            on_line = await session.scalar(select(func.count()).select_from(
                CallbackAttemptRow).where(CallbackAttemptRow.ended_at.is_(None)))
        if open_ == 0 and on_line == 0:
            return
        if open_ != last:
            say(f"  {time.time() - started:5.0f} s: {open_} callbacks still to answer")
            last = open_
        await asyncio.sleep(2.0)
    raise BenchError(f"callbacks still open after --timeout {args.timeout:g} s")


def _press_after(args: argparse.Namespace) -> float:
    """Seconds after answering that a simulated citizen presses their key: once the operator
    (who answers in --answer s and talks --talk s) has normally hung up."""
    return args.answer + args.talk + 1.5


async def _figures(services: object, started: float, wrapup: float,
                   press_after: float) -> dict[str, float]:
    from sqlalchemy import select

    from cti.storage.models import CallbackAttemptRow

    await asyncio.sleep(1.0)  # the last calls' hangup events
    sessions = services.stores.callbacks._sessions  # type: ignore[attr-defined]
    async with sessions() as session:
        attempts = list(await session.scalars(select(CallbackAttemptRow)))
    handed = [a for a in attempts if a.connected_at is not None]
    ends = [a.left_at or a.ended_at or a.connected_at for a in handed]  # the operators' work
    span = max(e for e in ends if e is not None) - started
    calls_of: dict[str, list[CallbackAttemptRow]] = defaultdict(list)
    for attempt in handed:
        calls_of[attempt.operator or "?"].append(attempt)
    idle = sorted(
        later.connected_at - _operator_end(earlier) - wrapup
        for calls in calls_of.values()
        for earlier, later in zip(sorted(calls, key=_connected),
                                  sorted(calls, key=_connected)[1:], strict=False)
        if earlier.ended_at is not None and later.connected_at is not None
    )
    surveyed = [a for a in handed if a.left_at is not None and a.ended_at is not None]
    return {
        "calls_per_hour": len(handed) / span * 3600,
        "idle_s_p50": percentile(idle, 0.5) if idle else 0.0,
        "idle_s_p90": percentile(idle, 0.9) if idle else 0.0,
        "idle_s_max": idle[-1] if idle else 0.0,
        "abandoned": sum(a.outcome == "abandoned" for a in attempts),
        "survey_s_p50": percentile(sorted(a.ended_at - a.left_at for a in surveyed), 0.5)
        if surveyed else 0.0,
        "scored": await _scored(sessions),
        # Keys pressed while the operator was still on (so heard by them, not the survey).
        "pressed_too_early": sum(1 for a in surveyed if a.answered_at is not None
                                 and a.left_at - a.answered_at > press_after),
        "answered": len(handed),
        "attempts": len(attempts),
        "operators_used": len(calls_of),
        "run_s": span,
    }


def _operator_end(attempt: object) -> float:
    """When the operator's part ended: they hung up (the citizen went on to the survey)."""
    return float(attempt.left_at or attempt.ended_at)  # type: ignore[attr-defined]


async def _scored(sessions: object) -> int:
    from sqlalchemy import func, select

    from cti.storage.models import Ticket as TicketRow

    async with sessions() as session:  # type: ignore[operator]
        return int(await session.scalar(select(func.count()).select_from(TicketRow).where(
            TicketRow.satisfaction.is_not(None))) or 0)


def _connected(attempt: object) -> float:
    return float(attempt.connected_at or 0.0)  # type: ignore[attr-defined]


def main() -> None:
    args = parse_args()
    try:
        figures = asyncio.run(run(args))
    except BenchError as error:
        print(f"bench/dialer.py: {error}", file=sys.stderr)
        sys.exit(1)
    target = args.ring + 2.0
    print(f"feedback dialer: {figures['answered']:.0f} callbacks answered and handed over by "
          f"{figures['operators_used']:.0f} of {args.operators} operators in "
          f"{figures['run_s']:.0f} s; idle between calls p50 {figures['idle_s_p50']:.2f} s, "
          f"p90 {figures['idle_s_p90']:.2f} s (target at most {target:g} s); "
          f"{figures['abandoned']:.0f} abandoned (target 0)")
    print(" ".join(f"{key}={value:.2f}" if isinstance(value, float) else f"{key}={value}"
                   for key, value in figures.items()))


if __name__ == "__main__":
    main()
