"""Calls through the queues from AMI: callers waiting (QueueCaller*) and operators ringing and
talking (Agent*). Every handler is idempotent: AMI can repeat or lose an event, and the next
QueueStatus rebuild is the truth.
"""

from __future__ import annotations

from dataclasses import replace

from cti.live.headers import call_id, caller_id, number, text
from cti.live.state import CallLeg, LiveState, Membership, Operator, WaitingCaller
from cti.live.state_edits import (
    ensure_queue,
    put_operator,
    put_queue,
    with_caller,
    with_membership,
    without_caller,
    without_leg,
)
from cti.telephony.ami.frames import Frame


def caller_joined(state: LiveState, frame: Frame, at: float) -> LiveState:
    name, uniqueid = text(frame, "Queue"), text(frame, "Uniqueid")
    if not name or not uniqueid:
        return state
    state, queue = ensure_queue(state, name)
    caller = WaitingCaller(
        call_id=call_id(frame),
        uniqueid=uniqueid,
        number=caller_id(text(frame, "CallerIDNum")),
        name=caller_id(text(frame, "CallerIDName")),
        entered_at=at,
        position=number(frame, "Position", len(queue.callers) + 1),
    )
    return put_queue(state, with_caller(queue, caller))


def caller_left(state: LiveState, frame: Frame, at: float) -> LiveState:
    """Answered, timed out or hung up: QueueCallerLeave follows every way out."""
    queue = state.queues.get(text(frame, "Queue"))
    if queue is None:
        return state
    left = without_caller(queue, text(frame, "Uniqueid"))
    return state if left is queue else put_queue(state, left)


def caller_abandoned(state: LiveState, frame: Frame, at: float) -> LiveState:
    name = text(frame, "Queue")
    if not name:
        return state
    state, queue = ensure_queue(caller_left(state, frame, at), name)
    # Asterisk counts the abandon when it sends this event: one event, one count.
    return put_queue(state, replace(queue, abandoned=queue.abandoned + 1))


def agent_called(state: LiveState, frame: Frame, at: float) -> LiveState:
    state, operator = _agent(state, frame)
    if operator is None:
        return state
    return put_operator(state, replace(operator, ringing=_leg(frame, at)))


def agent_connected(state: LiveState, frame: Frame, at: float) -> LiveState:
    state = caller_left(state, frame, at)  # its QueueCallerLeave may have been lost
    state, operator = _agent(state, frame)
    if operator is None:
        return state
    return put_operator(state, replace(operator, ringing=None, call=_leg(frame, at)))


def agent_completed(state: LiveState, frame: Frame, at: float) -> LiveState:
    state = agent_released(state, frame, at)
    name = text(frame, "Queue")
    if not name:
        return state
    state, queue = ensure_queue(state, name)
    return put_queue(state, replace(queue, completed=queue.completed + 1))


def agent_released(state: LiveState, frame: Frame, at: float) -> LiveState:
    """AgentRingNoAnswer, AgentDump, AgentComplete: this call no longer holds the operator."""
    operator = state.operators.get(text(frame, "Interface"))
    if operator is None:
        return state
    call = call_id(frame)
    ringing, talking = without_leg(operator.ringing, call), without_leg(operator.call, call)
    if ringing is operator.ringing and talking is operator.call:
        return state
    return put_operator(state, replace(operator, ringing=ringing, call=talking))


def channel_hung_up(state: LiveState, frame: Frame, at: float) -> LiveState:
    """A hangup ends whatever that channel was doing here, should the queue event be lost."""
    uniqueid = text(frame, "Uniqueid")
    if not uniqueid:
        return state
    for queue in list(state.queues.values()):
        left = without_caller(queue, uniqueid)
        state = state if left is queue else put_queue(state, left)
    for operator in list(state.operators.values()):
        ringing = _unless_channel(operator.ringing, uniqueid)
        talking = _unless_channel(operator.call, uniqueid)
        if ringing is not operator.ringing or talking is not operator.call:
            state = put_operator(state, replace(operator, ringing=ringing, call=talking))
    return state


def _agent(state: LiveState, frame: Frame) -> tuple[LiveState, Operator | None]:
    """The rung member; one the state missed (a lost QueueMemberAdded) is added: Asterisk
    only rings members."""
    interface, name = text(frame, "Interface"), text(frame, "Queue")
    if not interface or not name:
        return state, None
    state, _ = ensure_queue(state, name)
    operator = state.operators.get(interface)
    if operator is None:
        operator = Operator(interface=interface, name=text(frame, "MemberName") or interface)
    if operator.membership(name) is None:
        operator = with_membership(operator, Membership(queue=name))
    return state, operator


def _leg(frame: Frame, at: float) -> CallLeg:
    return CallLeg(
        call_id=call_id(frame),
        queue=text(frame, "Queue"),
        since=at,
        caller_number=caller_id(text(frame, "CallerIDNum")),
        channel_uniqueid=text(frame, "DestUniqueid"),
    )


def _unless_channel(leg: CallLeg | None, uniqueid: str) -> CallLeg | None:
    if leg is not None and leg.channel_uniqueid == uniqueid:
        return None
    return leg
