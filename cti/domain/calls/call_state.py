"""One call in progress: its record, and how each event changes it.

Every handler returns whether the record changed, so the tracker publishes only real changes.
Events are delivered at least once and sometimes twice (a ring-no-answer is reported by the
queue and, twice, by the dial layer), so every handler is a no-op when its fact is known.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cti.domain.calls.events import (
    CallCompleted,
    CallerAbandoned,
    CallEvent,
    CallMarks,
    CallStarted,
    ChannelHungUp,
    Fallback,
    LookupTimedOut,
    OperatorConnected,
    OperatorRingEnded,
    OperatorRinging,
    QueueJoined,
    QueueLeft,
)
from cti.domain.calls.outcome import close_record
from cti.domain.calls.record import AttemptResult, CallRecord, OperatorAttempt, TimelineEntry

# A ring ends once; the one later correction is an answered ring the operator then dropped
# before being connected (AgentDump), which turns out to be a refusal.
_MAY_FOLLOW = {
    AttemptResult.RINGING: frozenset(AttemptResult) - {AttemptResult.RINGING},
    AttemptResult.ANSWERED: frozenset({AttemptResult.FAILED}),
}


@dataclass
class CallState:
    record: CallRecord
    inbound: bool = True
    citizen: bool = False       # known to be a citizen's call: only then is it published
    foreign: bool = False       # known not to be one (a callback we placed)
    abandoned: bool = False
    connected_leg: str | None = None
    left_queue_at: float | None = None
    finished: bool = False
    last_seen: float = 0.0
    legs: dict[str, OperatorAttempt] = field(default_factory=dict)
    seen: set[CallEvent] = field(default_factory=set)

    @classmethod
    def open(cls, event: CallStarted | QueueJoined) -> CallState:
        record = CallRecord(
            call_id=event.call_id, caller_number=event.caller_number,
            caller_name=event.caller_name, started_at=event.at,
            channel_uniqueid=event.uniqueid,
        )
        inbound = event.inbound if isinstance(event, CallStarted) else True
        return cls(record=record, inbound=inbound, last_seen=event.at)

    def apply(self, event: CallEvent) -> bool:
        """Apply one event; True when the record changed."""
        if event in self.seen:
            return False
        self.seen.add(event)
        self.last_seen = max(self.last_seen, event.at)
        handler = _HANDLERS.get(type(event))
        return handler(self, event) if handler else False

    def note(self, event: CallEvent, detail: str = "") -> bool:
        self.record.timeline.append(TimelineEntry(event.at, event.kind, detail[:120]))
        return True

    def mark(self, marks: CallMarks) -> None:
        if marks.attempt_id or not self.inbound:
            self.foreign = True
        elif marks.citizen:
            self.citizen = True

    # -------------------------------------------------------------- handlers

    def on_started(self, event: CallStarted) -> bool:
        self.mark(event.marks)
        return self.note(event)

    def on_queue_joined(self, event: QueueJoined) -> bool:
        self.mark(event.marks)
        self.citizen = not self.foreign
        record = self.record
        if record.queue is None:
            record.queue, record.entered_queue_at = event.queue, event.at
            record.position_at_entry = event.position
        return self.note(event, f"{event.queue} position {event.position}")

    def on_ringing(self, event: OperatorRinging) -> bool:
        if event.leg_id in self.legs:
            return False
        attempt = OperatorAttempt(event.operator, event.interface, rang_at=event.at)
        self.legs[event.leg_id] = attempt
        self.record.attempts.append(attempt)
        return self.note(event, event.operator)

    def on_ring_ended(self, event: OperatorRingEnded) -> bool:
        attempt = self.legs.get(event.leg_id)
        if attempt is None or event.leg_id == self.connected_leg:
            return False
        if event.result not in _MAY_FOLLOW.get(attempt.result, ()):
            return False
        self.end_attempt(attempt, event.result, event.at)
        return self.note(event, f"{attempt.operator} {event.result}")

    def on_connected(self, event: OperatorConnected) -> bool:
        record = self.record
        if record.answered_by is not None:
            return False
        attempt = self.legs.get(event.leg_id) or self.lost_ring(event)
        self.end_attempt(attempt, AttemptResult.ANSWERED, event.at)
        for other in record.attempts:
            if other.result is AttemptResult.RINGING:
                self.end_attempt(other, AttemptResult.CANCELLED, event.at)
        record.answered_by, record.answered_at = event.operator, event.at
        self.connected_leg = event.leg_id
        if record.entered_queue_at is not None:
            record.wait_seconds = round(event.at - record.entered_queue_at, 3)
        return self.note(event, event.operator)

    def on_abandoned(self, event: CallerAbandoned) -> bool:
        if self.abandoned:
            return False
        self.abandoned = True
        if self.record.entered_queue_at is not None:
            self.record.wait_seconds = round(event.at - self.record.entered_queue_at, 3)
        return self.note(event, f"{event.queue} position {event.position}")

    def on_queue_left(self, event: QueueLeft) -> bool:
        if self.left_queue_at is not None:
            return False
        self.left_queue_at = event.at
        return self.note(event, event.queue)

    def on_completed(self, event: CallCompleted) -> bool:
        record = self.record
        if record.talk_seconds is not None:
            return False
        if record.answered_at is None:  # the connect was lost: rebuild it from the durations
            record.answered_by = event.operator
            record.answered_at = event.at - (event.talk_seconds or 0)
        record.talk_seconds = round(event.at - record.answered_at, 3)
        record.hung_up_by = event.hung_up_by
        return self.note(event, f"{event.operator} {event.hung_up_by}")

    def on_hung_up(self, event: ChannelHungUp) -> bool:
        self.mark(event.marks)
        if event.uniqueid != self.record.channel_uniqueid:
            return False  # an operator leg; its ring was settled by the dial events
        self.note(event, f"cause {event.cause}")
        self.finish(event.at, event.cause)
        return True

    def on_fallback(self, event: Fallback) -> bool:
        self.citizen = not self.foreign
        if self.record.fallback_reason is not None:
            return False
        self.record.fallback_reason = event.reason
        return self.note(event, event.reason)

    def on_lookup_timed_out(self, event: LookupTimedOut) -> bool:
        self.citizen = not self.foreign
        return self.note(event)

    # -------------------------------------------------------------- helpers

    def lost_ring(self, event: OperatorConnected) -> OperatorAttempt:
        rang_at = event.at - (event.ring_seconds or 0)
        attempt = OperatorAttempt(event.operator, event.interface, rang_at=rang_at)
        self.legs[event.leg_id] = attempt
        self.record.attempts.append(attempt)
        return attempt

    @staticmethod
    def end_attempt(attempt: OperatorAttempt, result: AttemptResult, at: float) -> None:
        attempt.result = result
        attempt.ended_at = attempt.ended_at if attempt.ended_at is not None else at

    def finish(self, at: float | None, cause: int | None) -> None:
        """Close the call: at the first channel's hangup, or by a sweep (at=None)."""
        for attempt in self.record.attempts:
            if attempt.result is AttemptResult.RINGING:
                self.end_attempt(attempt, AttemptResult.CANCELLED, at or self.last_seen)
        close_record(self.record, self.abandoned, self.left_queue_at, at, cause)
        self.finished = True


_HANDLERS: dict[type[CallEvent], Callable[[CallState, Any], bool]] = {
    CallStarted: CallState.on_started,
    QueueJoined: CallState.on_queue_joined,
    OperatorRinging: CallState.on_ringing,
    OperatorRingEnded: CallState.on_ring_ended,
    OperatorConnected: CallState.on_connected,
    CallerAbandoned: CallState.on_abandoned,
    QueueLeft: CallState.on_queue_left,
    CallCompleted: CallState.on_completed,
    ChannelHungUp: CallState.on_hung_up,
    Fallback: CallState.on_fallback,
    LookupTimedOut: CallState.on_lookup_timed_out,
}
