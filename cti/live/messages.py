"""The live state as plain JSON-ready dicts, for the HTTP API, the browser and Redis.

Two messages: a `snapshot` (everything) and a `change` (the queues and operators that
changed, each whole, or None when gone). Both carry the state's `version`; applying a change
whose version is not the next one means one was missed: take a fresh snapshot instead.
"""

from __future__ import annotations

from typing import Any

from cti.live.state import CallLeg, Change, DisplayStatus, LiveState, Operator, Queue

Json = dict[str, Any]

SNAPSHOT = "snapshot"
CHANGE = "change"


def empty_snapshot() -> Json:
    return {"type": SNAPSHOT, "version": 0, "at": 0.0, "queues": {}, "operators": {}}


def snapshot_message(state: LiveState, now: float) -> Json:
    return {
        "type": SNAPSHOT,
        "version": state.version,
        "at": now,
        "queues": {name: queue_json(state, q, now) for name, q in state.queues.items()},
        "operators": {i: operator_json(op, now) for i, op in state.operators.items()},
    }


def change_message(state: LiveState, change: Change, now: float) -> Json:
    queues = {n: state.queues.get(n) for n in sorted(change.queues)}
    operators = {i: state.operators.get(i) for i in sorted(change.operators)}
    return {
        "type": CHANGE,
        "version": state.version,
        "at": now,
        "queues": {n: queue_json(state, q, now) if q else None for n, q in queues.items()},
        "operators": {i: operator_json(op, now) if op else None for i, op in operators.items()},
    }


def merge(snapshot: Json, message: Json) -> Json:
    """The snapshot after `message`; a new dict, so earlier snapshots handed out stay valid."""
    if message.get("type") == SNAPSHOT:
        return message
    merged = {**snapshot, "version": message.get("version"), "at": message.get("at")}
    for part in ("queues", "operators"):
        entries = {**snapshot.get(part, {})}
        for key, value in message.get(part, {}).items():
            if value is None:
                entries.pop(key, None)
            else:
                entries[key] = value
        merged[part] = entries
    return merged


def queue_json(state: LiveState, queue: Queue, now: float) -> Json:
    callers = [
        {"call_id": c.call_id, "uniqueid": c.uniqueid, "number": c.number, "name": c.name,
         "position": c.position, "entered_at": c.entered_at,
         "wait_seconds": round(c.wait_seconds(now), 1)}
        for c in queue.callers
    ]
    statuses = [op.status(queue.name) for op in state.members_of(queue.name)]
    return {
        "name": queue.name,
        "strategy": queue.strategy,
        "completed": queue.completed,
        "abandoned": queue.abandoned,
        "waiting": len(callers),
        "longest_wait": round(max((c.wait_seconds(now) for c in queue.callers), default=0.0), 1),
        "callers": callers,
        "operators": {s.value: statuses.count(s) for s in DisplayStatus} | {
            "logged_in": len(statuses)},
    }


def operator_json(operator: Operator, now: float) -> Json:
    pause = operator.pause()
    return {
        "interface": operator.interface,
        "name": operator.name,
        "status": operator.status().value,
        "device": operator.device.name,
        "logged_in_since": operator.logged_in_since,
        "queues": list(operator.queues),
        "paused": pause is not None,
        "pause_reason": pause.pause_reason if pause else "",
        "paused_since": pause.paused_since if pause else None,
        "memberships": [
            {"queue": m.queue, "penalty": m.penalty, "dynamic": m.dynamic,
             "calls_taken": m.calls_taken, "paused": m.paused,
             "pause_reason": m.pause_reason, "paused_since": m.paused_since}
            for m in operator.memberships
        ],
        "ringing": _leg_json(operator.ringing, now),
        "call": _leg_json(operator.call, now),
    }


def _leg_json(leg: CallLeg | None, now: float) -> Json | None:
    if leg is None:
        return None
    return {
        "call_id": leg.call_id,
        "queue": leg.queue,
        "since": leg.since,
        "seconds": None if leg.since is None else round(max(0.0, now - leg.since), 1),
        "caller_number": leg.caller_number,
    }
