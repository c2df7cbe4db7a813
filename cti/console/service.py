"""The console's live side, fed AMI frames by the composition root: pops, calls, wrap-up.

Each extension's desk holds what its console must show right now (ringing pops, the call in
progress, pending wrap-ups); a (re)connecting browser gets it whole in `hello`, then every
change as it happens.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from cti.console.history import PopHistory
from cti.console.hub import ConsoleHub, Json
from cti.console.rings import (
    CallAnswered,
    CallEnded,
    CallerWaiting,
    CallGone,
    ConsoleEvent,
    RingEnded,
    RingStarted,
    RingTracker,
    extension_of,
)
from cti.console.wrapup import WrapUp
from cti.live.messages import operator_json
from cti.live.state import LiveState, is_after_call_work
from cti.telephony.ami.frames import Frame

log = logging.getLogger(__name__)

# Frames after which an operator's queue state may have changed.
_MEMBER_EVENTS = frozenset({
    "QueueMemberAdded", "QueueMemberRemoved", "QueueMemberPause", "QueueMemberStatus",
    "QueueMemberPenalty", "QueueMemberRinginuse",
})


@dataclass
class Desk:
    pops: dict[str, Json] = field(default_factory=dict)  # call id → the pop, while it rings
    call: Json | None = None  # the answered call the operator works on


class ConsoleService:
    def __init__(
        self,
        hub: ConsoleHub,
        history: PopHistory,
        wrapup: WrapUp,
        live: Callable[[], LiveState],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._hub = hub
        self._history = history
        self._wrapup = wrapup
        wrapup.watch(self.publish_wrapup)
        self._live = live
        self._clock = clock
        self._rings = RingTracker()
        self._desks: dict[str, Desk] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    # -- fed by the AMI client ------------------------------------------------------------

    def on_frame(self, frame: Frame) -> None:
        """Never waits: the pop goes out before this returns."""
        now = self._clock()
        for event in self._rings.read(frame, now):
            self._apply(event)
        if frame.event in _MEMBER_EVENTS:
            extension = extension_of(frame.get("Interface") or "")
            if extension:
                self.publish_agent(extension)

    def on_resynced(self) -> None:
        """After a (re)connect the live state was rebuilt: every console gets the truth, and
        wrap-up pauses nobody here is timing are ended."""
        self._rings.resynced()
        for extension in self._hub.connected():
            self.publish_agent(extension)
        self._drop_stale_pops()
        in_acw = [extension_of(o.interface) for o in self._live().operators.values()
                  if any(m.paused and is_after_call_work(m.pause_reason) for m in o.memberships)]
        if in_acw:
            self._spawn(self._wrapup.release_orphans(in_acw))

    def _drop_stale_pops(self) -> None:
        """Events lost with the link may have left pops for phones that no longer ring."""
        operators = self._live().operators
        for extension, desk in self._desks.items():
            operator = operators.get(f"PJSIP/{extension}")
            if desk.pops and (operator is None or operator.ringing is None):
                for call_id in list(desk.pops):
                    self._ring_ended(RingEnded(extension=extension, call_id=call_id,
                                               reason="cancelled"))

    # -- read by the web layer ------------------------------------------------------------

    def hello(self, extension: str) -> Json:
        desk = self._desks.get(extension, Desk())
        return {
            "type": "hello",
            "at": self._clock(),
            "agent": self._agent(extension),
            "pops": list(desk.pops.values()),
            "call": desk.call,
            "wrapup": [p.json() for p in self._wrapup.pending(extension)],
        }

    def publish_agent(self, extension: str) -> None:
        self._hub.publish(extension, {"type": "agent", "agent": self._agent(extension)})

    def publish_wrapup(self, extension: str) -> None:
        self._hub.publish(extension, {
            "type": "wrapup", "pending": [p.json() for p in self._wrapup.pending(extension)]})

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._history.close()
        await self._wrapup.close()

    # -- what each event does -------------------------------------------------------------

    def _apply(self, event: ConsoleEvent) -> None:
        match event:
            case CallerWaiting():
                self._history.prefetch(event.call_id, event.number)
            case RingStarted():
                self._ring(event)
            case RingEnded():
                self._ring_ended(event)
            case CallAnswered():
                self._answered(event)
            case CallEnded():
                self._ended(event)
            case CallGone():
                self._history.forget(event.call_id)

    def _ring(self, event: RingStarted) -> None:
        history = _without_call(self._history.ready(event.call_id), event.call_id)
        pop: Json = {
            "type": "pop",
            "call_id": event.call_id,
            "queue": event.queue,
            "rang_at": event.at,
            "caller": {"number": event.caller_number, "caller_id": event.caller_id,
                       "name": event.caller_name},
            "hints": _hints(event.hints),
            "history": history,
        }
        self._desk(event.extension).pops[event.call_id] = pop
        self._hub.publish(event.extension, dict(pop))
        if history is None and event.caller_number:
            self._spawn(self._history_follows(event.extension, event.call_id,
                                              event.caller_number))

    async def _history_follows(self, extension: str, call_id: str, number: str) -> None:
        history = _without_call(await self._history.get(call_id, number), call_id)
        desk = self._desk(extension)
        for holder in (desk.pops.get(call_id), desk.call):
            if holder is not None and holder.get("call_id") == call_id:
                holder["history"] = history
                self._hub.publish(extension, {"type": "history", "call_id": call_id,
                                              "history": history})
                return

    def _ring_ended(self, event: RingEnded) -> None:
        if self._desk(event.extension).pops.pop(event.call_id, None) is None:
            return
        self._hub.publish(event.extension, {"type": "pop_closed", "call_id": event.call_id,
                                            "reason": event.reason})

    def _answered(self, event: CallAnswered) -> None:
        desk = self._desk(event.extension)
        pop = desk.pops.pop(event.call_id, None) or {"call_id": event.call_id,
                                                    "queue": event.queue, "caller": {},
                                                    "hints": {}, "history": None}
        desk.call = {**pop, "type": "call", "answered_at": event.at}
        self._wrapup.answered(event.extension, event.call_id)
        self._hub.publish(event.extension, dict(desk.call))

    def _ended(self, event: CallEnded) -> None:
        desk = self._desk(event.extension)
        if desk.call is not None and desk.call.get("call_id") == event.call_id:
            desk.call = None
        self._hub.publish(event.extension, {"type": "call_ended", "call_id": event.call_id})
        member = self._member(event.extension)
        self._spawn(self._wrapup.call_ended(event.extension, member, event.call_id,
                                            event.queue))

    # -- helpers --------------------------------------------------------------------------

    def _desk(self, extension: str) -> Desk:
        return self._desks.setdefault(extension, Desk())

    def _agent(self, extension: str) -> Json | None:
        operator = self._live().operators.get(f"PJSIP/{extension}")
        return None if operator is None else operator_json(operator, self._clock())

    def _member(self, extension: str) -> str:
        operator = self._live().operators.get(f"PJSIP/{extension}")
        return operator.name if operator is not None else extension

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task: asyncio.Task[None] = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("console task failed: %s", type(task.exception()).__name__)


def _without_call(history: Json | None, call_id: str) -> Json | None:
    """The call log may already hold the ringing call itself: it is no earlier call."""
    if history is None:
        return None
    calls = [c for c in history.get("calls", []) if c.get("call_id") != call_id]
    return {**history, "calls": calls}


def _hints(raw: dict[str, str]) -> Json:
    """The FastAGI lookup's answer, as the dialplan left it on the caller's channel."""
    def count(name: str) -> int | None:
        value = raw.get(name, "")
        return int(value) if value.isdigit() else None

    return {
        "known": raw.get("known") == "1" if "known" in raw else None,
        "open_tickets": count("open"),
        "repeat": raw.get("repeat") == "1" if "repeat" in raw else None,
        "last_ticket": raw.get("last") or None,
        "priority": count("prio"),
        "attempt": raw.get("attempt") or None,  # a feedback dialer's call
    }
