"""The feedback dialer: calls citizens back about resolved requests through Asterisk and hands
each answered citizen to a free feedback operator.

Progressive pacing: a call is placed only for a feedback operator who is free now and not
already promised to a call in flight, so an answered citizen never waits for nobody. Preview:
the operator takes a callback, reads the ticket, and starts the call to that citizen. One
dialer paces at a time: the one holding the pacer's lease (`dialer.lease`).

Never twice. An attempt is written (`CallbackStore.plan`) before its Originate is sent, its id
is the Originate's ChannelId (so every leg's Linkedid), and it is sent once: an Originate whose
answer is lost with the AMI link is not sent again. After a restart or a reconnect the attempts
still unfinished are looked for among Asterisk's channels (AMI Status), and in Asterisk's
queue_log for what happened while no dialer looked (`dialer.queue_trail`: answered, taken by an
operator). A live one is followed again from there; a gone one ends on it, else as `unknown`,
its callback waiting for the next attempt after the usual spacing. The database also refuses a
second unfinished attempt to the same phone.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Protocol

from cti.domain.numbers import mask_number
from cti.live.state import DisplayStatus, LiveState
from cti.stopping import cancel_all
from cti.storage.tickets import TicketStore
from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiError
from dialer.callbacks import Attempt, CallbackStore, PlannedAttempt
from dialer.config import DialerConfig, DialerMode
from dialer.outcomes import Outcome, classify
from dialer.queue_trail import QueueTrail, read_trails
from dialer.states import AttemptState
from dialer.tracking import FEEDBACK_QUEUE, AttemptTracker, Fact, Facts, Step

log = logging.getLogger(__name__)
PACE_EVERY = 1.0  # seconds between looks at free operators when nothing else wakes us
SETTLE = 3.0  # seconds an Originate's channel may take to appear after Asterisk accepted it
SILENT_FAILURE = 5.0  # seconds a failed Originate's hangup may come after its answer


class Ami(Protocol):
    async def action(
        self, name: str, headers: Mapping[str, str | int] | None = None,
        variables: Mapping[str, str] | None = None, *, timeout: float = 5.0,
    ) -> Frame: ...

    async def action_list(
        self, name: str, headers: Mapping[str, str | int] | None = None, *,
        timeout: float = 10.0,
    ) -> list[Frame]: ...


class Lease(Protocol):
    """The pacer's lease (`dialer.lease.PacerLease`)."""

    async def hold(self) -> bool: ...

    def valid(self) -> bool: ...

    async def release(self) -> None: ...


class Dialer:
    def __init__(
        self,
        *,
        callbacks: CallbackStore,
        tickets: TicketStore,
        ami: Ami,
        live: Callable[[], LiveState],
        config: DialerConfig,
        clock: Callable[[], float] = time.time,
        link_up: Callable[[], bool] = lambda: True,
        lease: Lease | None = None,
        queue_log: Path | None = None,
    ) -> None:
        self._callbacks = callbacks
        self._tickets = tickets
        self._ami = ami
        self._live = live
        self._config = config
        self._clock = clock
        self._link_up = link_up  # no call is planned that could not be sent
        self._lease = lease  # None: this dialer is the only one
        self._queue_log = queue_log  # Asterisk's: what became of calls lost sight of
        self._leading: bool | None = None  # None until the lease was first asked for
        self._preview: dict[str, str] = {}  # operator → their preview attempt in flight
        self._tracker = AttemptTracker()
        self._facts: asyncio.Queue[Fact] = asyncio.Queue()
        self._wake = asyncio.Event()
        self._recovered = asyncio.Event()
        self._placing = asyncio.Lock()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def mode(self) -> str:
        return self._config.mode.value

    # ---------------------------------------------------------------- lifecycle
    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._apply_facts(), name="dialer-facts"),
                       asyncio.create_task(self._pace_loop(), name="dialer-pace")]

    async def stop(self) -> None:
        await cancel_all(self._tasks, "dialer")
        self._tasks = []
        if self._lease is not None:
            await self._lease.release()  # whoever waits paces at once

    def on_frame(self, frame: Frame) -> None:
        """Every AMI event, in order; cheap, never blocks (the AMI reader calls it)."""
        fact = self._tracker.feed(frame)
        if fact is not None:
            self._facts.put_nowait(fact)
        elif frame.event == "OriginateResponse" and frame.get("Response") == "Failure":
            self._end_if_silent(frame.get("Uniqueid") or "")
        if frame.event in _OPERATOR_EVENTS:
            self._wake.set()

    async def on_connected(self) -> None:
        """The AMI link is (back) up: find out what became of the attempts in flight; nothing
        new is placed until that is known. A dialer without the pacer's lease leaves them to
        the pacer, which follows its own calls; it looks at them if it takes the lease over
        (`lead`)."""
        if self._lease is not None and not await self._lease.hold():
            self._leading = False
            self._recovered.set()
        elif await self.recover():
            self._leading = None if self._lease is None else True
            self._recovered.set()
        self._wake.set()

    # ---------------------------------------------------------------- placing calls
    async def lead(self) -> bool:
        """Whether this dialer paces now: it holds the pacer's lease. Taking it over from
        another dialer, it first accounts for the attempts that one left (`recover`): until
        that is done, nothing new is placed."""
        if self._lease is None:
            return True
        if self._config.mode is not DialerMode.PROGRESSIVE or not self._link_up():
            # Not renewed: a dialer that cannot dial leaves the pace to one that can.
            self._leading = False
            return False
        held = await self._lease.hold()
        if held and self._leading is False:
            log.info("dialer: the pacer's lease is ours now; the calls left are looked at first")
            # Recovery may take seconds: the lease is renewed (or found lost) after it.
            held = await self.recover() and await self._lease.hold()
        elif not held and self._leading is not False:
            log.warning("dialer: another dialer holds the pacer's lease; this one places no "
                        "progressive calls until it is free")
        self._leading = held
        return held

    async def pace(self) -> int:
        """Place as many calls as there are free feedback operators not yet promised one."""
        now = self._clock()
        if (self._config.mode is not DialerMode.PROGRESSIVE or not self._link_up()
                or not self._config.hours.is_open(now)):
            return 0
        async with self._placing:
            room = min(self._free_operators(frozenset()) - self._in_flight(),
                       self._config.max_lines - len(self._tracker.known))
            if room > 0:  # only then ask the database who still owes a verdict
                busy = await self._callbacks.awaiting_verdict()
                room = min(room, self._free_operators(busy) - self._in_flight())
            placed = 0
            for due in await self._callbacks.due(now, room) if room > 0 else []:
                if self._lease is not None and not self._lease.valid():
                    break  # a long round: the lease may be another dialer's by now
                planned = await self._callbacks.plan(due.callback_id, now)
                if planned is not None and await self._originate(planned, "feedback"):
                    placed += 1
        return placed

    async def call_now(self, callback_id: int, operator: str, extension: str) -> str:
        """Preview: the operator who took the callback has read it and starts the call."""
        async with self._placing:
            if not self._link_up():
                raise LookupError("the PBX link is down; try again in a moment")
            if self._preview.get(operator) in self._tracker.known:
                raise LookupError(f"{operator} has a call in progress already")
            # OutsideCallingHours (a LookupError too) says when calls are allowed again.
            planned = await self._callbacks.plan(callback_id, self._clock(), operator=operator)
            if planned is None:
                raise LookupError(f"callback {callback_id} is not waiting to be called")
            self._preview[operator] = planned.attempt_id
            await self._originate(planned, "preview", {"ALO153_PREVIEW_EXT": extension})
        return planned.attempt_id

    async def _originate(self, planned: PlannedAttempt, exten: str,
                         extra: Mapping[str, str] | None = None) -> bool:
        """Send the attempt's one Originate; False if Asterisk refused it outright."""
        self._tracker.follow(planned.attempt_id)
        headers: dict[str, str | int] = {
            # /n: the Local pair is never optimised away, so the attempt's first channel lives
            # as long as the call (its hangup is the attempt's end).
            "Channel": f"Local/{planned.phone}@alo153-dialout/n",
            "Context": "alo153-callback", "Exten": exten, "Priority": 1,
            "Timeout": int(self._config.ring_seconds * 1000),
            "CallerID": self._config.caller_id, "Async": "true",
            "ChannelId": planned.attempt_id,
        }
        variables = {"__ALO153_ATTEMPT": planned.attempt_id, **(extra or {})}
        try:
            answer = await self._ami.action("Originate", headers, variables)
        except (AmiError, TimeoutError) as error:
            # Asterisk may have it: never send it again; recovery will look for its channel.
            log.warning("dialer: attempt %s sent, answer lost (%s)", planned.attempt_id, error)
            return True
        if answer.get("Response") != "Success":
            log.warning("dialer: Asterisk refused attempt %s: %s", planned.attempt_id,
                        answer.get("Message"))
            self._tracker.known.pop(planned.attempt_id, None)
            await self._end(planned.attempt_id, Outcome.FAILED, "refused")
            return False
        log.info("dialer: calling %s (attempt %s)", mask_number(planned.phone),
                 planned.attempt_id)
        return True

    def _free_operators(self, awaiting_verdict: frozenset[str]) -> int:
        """Members free in Asterisk's eyes who owe no verdict on their last call."""
        return sum(1 for op in self._live().members_of(FEEDBACK_QUEUE)
                   if op.status(FEEDBACK_QUEUE) is DisplayStatus.AVAILABLE
                   and op.name not in awaiting_verdict)

    def _in_flight(self) -> int:
        """Attempts that may still need an operator: not yet connected to one."""
        return sum(1 for facts in self._tracker.known.values() if not facts.connected)

    async def _pace_loop(self) -> None:
        await self._recovered.wait()  # nothing new is placed before the old is accounted for
        while True:
            self._wake.clear()
            try:
                if await self.lead():
                    await self.pace()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dialer: pacing failed; trying again")
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation
            # that comes as the wake-up does, and the loop would outlive `stop`.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(PACE_EVERY):
                    await self._wake.wait()

    # ---------------------------------------------------------------- what happened
    async def _apply_facts(self) -> None:
        while True:
            fact = await self._facts.get()
            try:
                await self._apply(fact)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("dialer: could not record %s of attempt %s", fact.step,
                              fact.attempt_id)

    async def _apply(self, fact: Fact) -> None:
        now = self._clock()
        if fact.step is Step.ENDED:
            await self._end(fact.attempt_id, _outcome(fact.facts), _cause(fact.facts))
            self._wake.set()
            return
        # Connected: the ticket moves to feedback in the callback's own transaction.
        await self._callbacks.advance(
            fact.attempt_id, state=fact.step.value, operator=fact.facts.operator,
            channel=fact.facts.channel, at=now, tickets=self._tickets)

    async def _end(self, attempt_id: str, outcome: Outcome, cause: str | None) -> None:
        # After the last try the ticket closes in the same transaction as the callback.
        await self._callbacks.end(attempt_id, outcome=outcome, cause=cause, at=self._clock(),
                                  tickets=self._tickets)

    def _end_if_silent(self, attempt_id: str) -> None:
        """An Originate that failed may leave no channel whose hangup would end it (Asterisk
        refused to create one): end it shortly unless its hangup came."""
        if attempt_id not in self._tracker.known:
            return

        def end() -> None:
            facts = self._tracker.known.pop(attempt_id, None)
            if facts is not None:
                self._facts.put_nowait(Fact(attempt_id, Step.ENDED, facts))

        asyncio.get_running_loop().call_later(SILENT_FAILURE, end)

    # ---------------------------------------------------------------- after a restart
    async def recover(self) -> bool:
        """Follow again the unfinished attempts Asterisk still has a channel for; end the
        others on what is known of them (an Originate whose answer was lost may or may not
        have rung: it is never sent again). False if Asterisk could not be asked: every
        unfinished attempt then stays followed (counted in flight) until the next connect."""
        async with self._placing:  # no new attempt while the old ones are judged
            unfinished = await self._callbacks.unfinished()
            log.info("dialer: %d attempts unfinished at connect", len(unfinished))
            for attempt in unfinished:  # what the database knows of each, before anything
                self._tracker.known.setdefault(attempt.attempt_id, _facts_of(attempt))
            if not unfinished:
                return True
            # An Originate just answered may not have its channel yet: judge none younger.
            youngest = max(attempt.placed_at for attempt in unfinished)
            await asyncio.sleep(max(0.0, youngest + SETTLE - self._clock()))
            try:
                channels = await self._ami.action_list("Status")  # the `call` privilege suffices
            except (AmiError, TimeoutError) as error:
                log.warning("dialer: cannot list Asterisk's channels (%r); the next connect "
                            "tries again", error)
                return False
            alive = {frame.get("Linkedid") for frame in channels}
            # What Asterisk logged meanwhile, for the live ones too: a call an operator took
            # while no dialer looked must be known as connected before its hangup is judged.
            trails = await self._trails([a.attempt_id for a in unfinished])
            for attempt in unfinished:
                attempt_id = attempt.attempt_id
                trail = trails.get(attempt_id)
                if attempt_id in alive:
                    log.info("dialer: following attempt %s again", attempt_id)
                    await self._catch_up(attempt_id, self._tracker.known[attempt_id], trail)
                    continue
                log.warning("dialer: attempt %s has no channel left; ending it", attempt_id)
                facts = self._tracker.known.pop(attempt_id, Facts())
                await self._catch_up(attempt_id, facts, trail)
                await self._end(attempt_id, _outcome(facts, lost=True),
                                "lost" if trail is None else "lost; queue_log")
        return True

    async def _trails(self, attempt_ids: list[str]) -> dict[str, QueueTrail]:
        if self._queue_log is None or not attempt_ids:
            return {}
        try:
            return await asyncio.to_thread(read_trails, self._queue_log, attempt_ids)
        except Exception:  # Asterisk's file must never stop the recovery
            log.exception("dialer: queue_log could not be read; lost calls end as unknown")
            return {}

    async def _catch_up(self, attempt_id: str, facts: Facts, trail: QueueTrail | None) -> None:
        """Bring an attempt's `facts` (and its row) up to what queue_log says happened while
        no dialer looked: the citizen answered, an operator took the call (the ticket moves to
        feedback, as on a connect seen live)."""
        if trail is None:
            return
        if not facts.answered:
            await self._callbacks.advance(attempt_id, state=AttemptState.QUEUED,
                                          at=trail.answered_at, tickets=self._tickets)
            facts.answered = True
        if trail.operator is not None and not facts.connected:
            await self._callbacks.advance(
                attempt_id, state=AttemptState.CONNECTED, operator=trail.operator,
                at=trail.connected_at or trail.answered_at, tickets=self._tickets)
            facts.connected, facts.operator = True, trail.operator
        log.info("dialer: attempt %s found in queue_log (%s)", attempt_id,
                 "taken by an operator" if facts.connected else "no operator took it")


def _facts_of(attempt: Attempt) -> Facts:
    """An attempt's facts as the database has them (answered, taken by an operator)."""
    reached = AttemptState(attempt.state)
    return Facts(answered=reached.rank >= AttemptState.ANSWERED.rank,
                 connected=reached.rank >= AttemptState.CONNECTED.rank,
                 left=reached.rank >= AttemptState.LEFT.rank, operator=attempt.operator,
                 channel=attempt.channel)


_OPERATOR_EVENTS = frozenset({
    "QueueMemberStatus", "QueueMemberPause", "QueueMemberAdded", "QueueMemberRemoved",
    "AgentComplete", "AgentConnect", "QueueCallerLeave", "Hangup",
})


def _outcome(facts: Facts, *, lost: bool = False) -> Outcome:
    if facts.connected:
        return Outcome.ANSWERED
    if facts.answered:
        return Outcome.ABANDONED  # picked up, gone before an operator took the call
    if lost and facts.dial_status is None and facts.hangup_cause is None:
        return Outcome.UNKNOWN
    return classify(facts.originate_reason, facts.dial_status, facts.hangup_cause)


def _cause(facts: Facts) -> str | None:
    parts = [p for p in (facts.dial_status, facts.hangup_cause and f"cause {facts.hangup_cause}",
                         facts.originate_reason and f"reason {facts.originate_reason}") if p]
    return ", ".join(parts) or None
