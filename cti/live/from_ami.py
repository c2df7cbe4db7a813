"""AMI frames into the live state: `rebuild` from a QueueStatus list (the truth after every
(re)connect, and a periodic sweep), then `apply` one event at a time. Pure functions: unknown
events are ignored and missing headers never raise.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from cti.live import call_events as calls
from cti.live.headers import call_id, caller_id, is_set, moment, number, text
from cti.live.member_events import member_changed, member_removed, pause_began
from cti.live.state import CallLeg, Change, LiveState, Operator, Queue, WaitingCaller, diff
from cti.live.state_edits import ensure_queue, put_queue
from cti.telephony.ami.frames import Frame

Handler = Callable[[LiveState, Frame, float], LiveState]

HANDLERS: dict[str, Handler] = {
    "QueueMemberAdded": member_changed,
    "QueueMemberStatus": member_changed,
    "QueueMemberPause": member_changed,
    "QueueMemberPenalty": member_changed,
    "QueueMemberRinginuse": member_changed,
    "QueueMemberRemoved": member_removed,
    "QueueCallerJoin": calls.caller_joined,
    "QueueCallerLeave": calls.caller_left,
    "QueueCallerAbandon": calls.caller_abandoned,
    "AgentCalled": calls.agent_called,
    "AgentRingNoAnswer": calls.agent_released,
    "AgentDump": calls.agent_released,
    "AgentConnect": calls.agent_connected,
    "AgentComplete": calls.agent_completed,
    "Hangup": calls.channel_hung_up,
}


def apply(state: LiveState, frame: Frame, now: float) -> tuple[LiveState, Change]:
    """The state after `frame`, and what changed (empty, and the same state, when nothing
    did). Every change bumps `version`, so a listener can tell it missed one."""
    handler = HANDLERS.get(frame.event or "")
    if handler is None:
        return state, Change()
    new = handler(state, frame, moment(frame, now))
    change = diff(state, new)
    if not change:
        return state, change
    return replace(new, version=state.version + 1), change


def rebuild(frames: Iterable[Frame], now: float, previous: LiveState | None = None) -> LiveState:
    """The state a QueueStatus list describes, as of `now`. What the list cannot say (which
    call an operator is on, the call ids of waiting callers) is kept from `previous` where
    the list agrees it can still be true."""
    previous = previous or LiveState()
    reading = _Reading(previous, now)
    for frame in frames:
        reading.read(frame)
    reading.seat_callers()
    waiting = {c.call_id for c in _waiting(reading.state).values()}
    operators = {
        interface: _calls_kept(op, reading.in_call.get(interface),
                               previous.operators.get(interface), waiting)
        for interface, op in reading.state.operators.items()
    }
    return replace(reading.state, version=previous.version + 1, operators=operators)


@dataclass
class _Reading:
    previous: LiveState
    now: float
    state: LiveState = field(default_factory=LiveState)
    in_call: dict[str, str] = field(default_factory=dict)  # interface -> queue
    known: dict[str, WaitingCaller] = field(init=False)    # uniqueid -> caller, before
    callers: dict[str, list[WaitingCaller]] = field(default_factory=dict)  # queue -> listed

    def __post_init__(self) -> None:
        self.known = _waiting(self.previous)

    def read(self, frame: Frame) -> None:
        kind = frame.event
        if kind == "QueueParams" and text(frame, "Queue"):
            self.state = put_queue(self.state, _params(frame, self.state))
        elif kind == "QueueMember":
            self.state = member_changed(self.state, frame, pause_began(frame, self.now))
            if is_set(frame, "InCall"):
                self.in_call[text(frame, "Location", "Interface")] = text(frame, "Queue")
        elif kind == "QueueEntry":
            caller = _entry(frame, self.now, self.known)
            if caller is not None:
                self.callers.setdefault(text(frame, "Queue"), []).append(caller)

    def seat_callers(self) -> None:
        """All at once: the list gives each entry its position already."""
        for name, callers in self.callers.items():
            self.state, queue = ensure_queue(self.state, name)
            seated = tuple(sorted(callers, key=lambda c: c.position))
            self.state = put_queue(self.state, replace(queue, callers=seated))


def _params(frame: Frame, state: LiveState) -> Queue:
    name = text(frame, "Queue")
    known = state.queues.get(name)
    return Queue(
        name=name,
        strategy=text(frame, "Strategy"),
        completed=number(frame, "Completed"),
        abandoned=number(frame, "Abandoned"),
        callers=known.callers if known else (),
    )


def _entry(
    frame: Frame, now: float, callers_before: dict[str, WaitingCaller]
) -> WaitingCaller | None:
    uniqueid = text(frame, "Uniqueid")
    if not text(frame, "Queue") or not uniqueid:
        return None
    known = callers_before.get(uniqueid)
    return WaitingCaller(
        call_id=known.call_id if known else call_id(frame),
        uniqueid=uniqueid,
        number=caller_id(text(frame, "CallerIDNum")),
        name=caller_id(text(frame, "CallerIDName")),
        # Wait is whole seconds: the previous state knows the join to the sub-second.
        entered_at=known.entered_at if known else now - number(frame, "Wait"),
        position=number(frame, "Position"),
    )


def _calls_kept(
    operator: Operator, in_call: str | None, before: Operator | None, waiting: set[str]
) -> Operator:
    """QueueStatus says only *that* a member is in a call (InCall, with the queue)."""
    call: CallLeg | None = None
    if in_call is not None:
        known = before.call if before is not None else None
        call = known or CallLeg(call_id=None, queue=in_call, since=None)
    ringing = before.ringing if before is not None and call is None else None
    if ringing is not None and ringing.call_id not in waiting:
        ringing = None
    return replace(operator, call=call, ringing=ringing)


def _waiting(state: LiveState) -> dict[str, WaitingCaller]:
    return {c.uniqueid: c for q in state.queues.values() for c in q.callers}
