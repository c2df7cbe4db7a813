"""Queue members from AMI: QueueMember (QueueStatus lists) and QueueMember* events.

Every one of these frames carries the member's whole record (pause, reason, device status,
penalty), so one function reads them all: a lost event is repaired by the next one.
"""

from __future__ import annotations

from dataclasses import replace

from cti.live.headers import is_set, number, text
from cti.live.state import DeviceState, LiveState, Membership, Operator
from cti.live.state_edits import drop_operator, ensure_queue, put_operator, with_membership
from cti.telephony.ami.frames import Frame


def member_changed(state: LiveState, frame: Frame, at: float) -> LiveState:
    """`at` is when a pause that starts with this frame began."""
    interface, queue = text(frame, "Interface", "Location"), text(frame, "Queue")
    if not interface or not queue:
        return state
    state, _ = ensure_queue(state, queue)
    operator = state.operators.get(interface) or Operator(interface=interface, name=interface)
    membership = _membership(frame, queue, operator.membership(queue), at)
    operator = replace(
        with_membership(operator, membership),
        name=text(frame, "MemberName", "Name") or operator.name,
        device=_device(frame, operator.device),
        logged_in_since=_login(frame, operator.logged_in_since),
    )
    return put_operator(state, operator)


def member_removed(state: LiveState, frame: Frame, at: float) -> LiveState:
    interface, queue = text(frame, "Interface", "Location"), text(frame, "Queue")
    operator = state.operators.get(interface)
    if operator is None or operator.membership(queue) is None:
        return state
    left = tuple(m for m in operator.memberships if m.queue != queue)
    if not left:
        return drop_operator(state, interface)
    return put_operator(state, replace(operator, memberships=left))


def pause_began(frame: Frame, now: float) -> float:
    """In a QueueStatus list, when the member was paused (LastPause), else `now`."""
    return float(number(frame, "LastPause")) or now


def _membership(frame: Frame, queue: str, old: Membership | None, at: float) -> Membership:
    paused = is_set(frame, "Paused")
    # An unpause may carry the old reason (QueuePause Paused=false Reason=Mola): not a pause.
    reason = text(frame, "PausedReason") if paused else ""
    return Membership(
        queue=queue,
        penalty=number(frame, "Penalty"),
        dynamic=text(frame, "Membership") != "static",
        calls_taken=number(frame, "CallsTaken"),
        paused=paused,
        pause_reason=reason,
        paused_since=_pause_since(paused, reason, old, at),
    )


def _pause_since(paused: bool, reason: str, old: Membership | None, at: float) -> float | None:
    """Status and penalty events repeat the pause: it began when it (or its reason) changed."""
    if not paused:
        return None
    if old is not None and old.paused and old.pause_reason == reason:
        return old.paused_since
    return at


def _device(frame: Frame, current: DeviceState) -> DeviceState:
    try:
        return DeviceState(number(frame, "Status", -1))
    except ValueError:
        return current


def _login(frame: Frame, current: float | None) -> float | None:
    """The earliest login over the member's queues; Asterisk keeps one per queue."""
    login = number(frame, "LoginTime")
    if login <= 0:
        return current
    return float(login) if current is None else min(current, float(login))
