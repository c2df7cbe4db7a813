"""Pure edits that build the next `LiveState`: the state itself is never modified.

Unchanged queues and operators are the same objects in the next state, which is what lets
`diff` find the changes by identity first.
"""

from __future__ import annotations

from dataclasses import replace

from cti.live.state import CallLeg, LiveState, Membership, Operator, Queue, WaitingCaller


def ensure_queue(state: LiveState, name: str) -> tuple[LiveState, Queue]:
    """The queue `name`, added empty when an event names a queue the state does not know."""
    queue = state.queues.get(name)
    if queue is not None:
        return state, queue
    queue = Queue(name=name)
    return put_queue(state, queue), queue


def put_queue(state: LiveState, queue: Queue) -> LiveState:
    return replace(state, queues={**state.queues, queue.name: queue})


def put_operator(state: LiveState, operator: Operator) -> LiveState:
    if state.operators.get(operator.interface) is operator:
        return state
    return replace(state, operators={**state.operators, operator.interface: operator})


def drop_operator(state: LiveState, interface: str) -> LiveState:
    operators = {k: v for k, v in state.operators.items() if k != interface}
    return replace(state, operators=operators)


def with_membership(operator: Operator, membership: Membership) -> Operator:
    others = tuple(m for m in operator.memberships if m.queue != membership.queue)
    ordered = tuple(sorted((*others, membership), key=lambda m: m.queue))
    return replace(operator, memberships=ordered)


def with_caller(queue: Queue, caller: WaitingCaller) -> Queue:
    """Asterisk inserts a caller at its position (priorities can put it ahead of others):
    everyone from that position on moves one back."""
    others = [c for c in queue.callers if c.uniqueid != caller.uniqueid]
    shifted = [
        replace(c, position=c.position + 1) if c.position >= caller.position else c
        for c in others
    ]
    return replace(queue, callers=_ordered([*shifted, caller]))


def without_caller(queue: Queue, uniqueid: str) -> Queue:
    """Everyone behind a leaving caller moves one forward, as in Asterisk's queue."""
    leaving = next((c for c in queue.callers if c.uniqueid == uniqueid), None)
    if leaving is None:
        return queue
    rest = [
        replace(c, position=c.position - 1) if c.position > leaving.position else c
        for c in queue.callers
        if c is not leaving
    ]
    return replace(queue, callers=_ordered(rest))


def without_leg(leg: CallLeg | None, call_id: str) -> CallLeg | None:
    """The leg, unless it belongs to `call_id` (or to an unknown call, after a rebuild)."""
    if leg is not None and leg.call_id in (call_id, None):
        return None
    return leg


def _ordered(callers: list[WaitingCaller]) -> tuple[WaitingCaller, ...]:
    return tuple(sorted(callers, key=lambda c: (c.position, c.entered_at)))
