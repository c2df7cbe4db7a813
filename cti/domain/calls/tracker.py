"""The call state machine: call events in, call-outcome records out, keyed by Linkedid.

It tells a citizen's call from other traffic without trusting context names, which differ
between deployments: a call is a citizen's when its first channel called in (callbacks are
created by the PBX) and it carries no dialer attempt id, and the 153 entry marked it, queued
it or fell back on it. An operator calling a colleague is none of these and is never recorded.

Events get lost and arrive twice. A call's state is dropped when its first channel hangs up;
`sweep` closes calls whose hangup never came; closed call ids are remembered for a while so a
late duplicate cannot reopen them.
"""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from collections.abc import Collection
from typing import TypeGuard

from cti.domain.calls.call_state import CallState
from cti.domain.calls.events import CallEvent, CallStarted, QueueJoined
from cti.domain.calls.record import CallRecord, TimelineEntry

# Late duplicates come within seconds (a reconnect's replay); 10,000 closed ids cover more
# than eight minutes even at the measured peak of 20 new calls a second.
REMEMBER_CLOSED = 10_000


class CallTracker:
    """Applies call events; returns snapshots of the citizen-call records they changed."""

    def __init__(self, *, remember_closed: int = REMEMBER_CLOSED) -> None:
        self._calls: dict[str, CallState] = {}
        self._closed: OrderedDict[str, None] = OrderedDict()
        self._remember = remember_closed

    @property
    def tracked(self) -> int:
        """Calls held in memory, citizen or not yet known (not `__len__`: an empty tracker
        must not be falsy)."""
        return len(self._calls)

    def apply(self, event: CallEvent) -> list[CallRecord]:
        """Records changed or finished by `event` (at most one today), as snapshots."""
        state = self._calls.get(event.call_id) or self._open(event)
        if state is None:
            return []
        was_citizen = state.citizen
        changed = state.apply(event)
        if state.foreign or state.finished:
            self._close(state)
        if state.foreign or not state.citizen:
            return []
        return [snapshot(state.record)] if changed or not was_citizen else []

    def sweep(
        self, now: float, max_age: float, *, alive: Collection[str] = ()
    ) -> list[CallRecord]:
        """Close calls started more than `max_age` seconds ago whose hangup never came.

        `alive` holds call ids the PBX still reports (CoreShowChannels): those are kept.
        """
        stale = [
            state for call_id, state in self._calls.items()
            if state.record.started_at < now - max_age and call_id not in alive
        ]
        closed: list[CallRecord] = []
        for state in stale:
            state.finish(None, None)
            state.record.timeline.append(TimelineEntry(now, "swept", "hangup not seen"))
            self._close(state)
            if state.citizen and not state.foreign:
                closed.append(snapshot(state.record))
        return closed

    def active(self) -> list[CallRecord]:
        """Snapshots of the citizen calls in progress, for a consumer that (re)starts."""
        return [
            snapshot(state.record)
            for state in self._calls.values()
            if state.citizen and not state.foreign
        ]

    def _open(self, event: CallEvent) -> CallState | None:
        if event.call_id in self._closed or not _opens_call(event):
            return None
        state = CallState.open(event)
        self._calls[event.call_id] = state
        return state

    def _close(self, state: CallState) -> None:
        call_id = state.record.call_id
        self._calls.pop(call_id, None)
        self._closed[call_id] = None
        while len(self._closed) > self._remember:
            self._closed.popitem(last=False)


def _opens_call(event: CallEvent) -> TypeGuard[CallStarted | QueueJoined]:
    if isinstance(event, CallStarted):
        return True
    # The start was lost, but the queue's report names the call's first channel.
    return isinstance(event, QueueJoined) and event.uniqueid == event.call_id


def snapshot(record: CallRecord) -> CallRecord:
    """A copy the tracker will not change behind the consumer's back."""
    return dataclasses.replace(
        record,
        attempts=[dataclasses.replace(attempt) for attempt in record.attempts],
        timeline=list(record.timeline),
    )
