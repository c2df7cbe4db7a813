"""The call-outcome log's record of one citizen call (keyed by Asterisk's Linkedid).

A supervisor reports from it and settles disputes with it, so every field says exactly what
happened, in seconds measured by Asterisk's clock where Asterisk gave one.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Outcome(enum.StrEnum):
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    ABANDONED = "abandoned"            # the citizen hung up while queued
    TIMED_OUT = "timed_out"            # max wait reached, or the queue turned them away (fallback)
    HUNG_UP_BEFORE_QUEUE = "hung_up_before_queue"  # during the greeting or the lookup
    BLOCKED = "blocked"                # refused by the block list


class HungUpBy(enum.StrEnum):
    CALLER = "caller"
    OPERATOR = "operator"
    SYSTEM = "system"                  # the PBX: timeout, fallback, transfer away
    UNKNOWN = "unknown"


class AttemptResult(enum.StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"            # rang out (ring-no-answer): the queue moved on
    BUSY = "busy"
    CANCELLED = "cancelled"            # another operator answered, or the caller left
    FAILED = "failed"                  # unreachable or rejected (CHANUNAVAIL, CONGESTION)


@dataclass
class OperatorAttempt:
    """One ring of one operator's phone for this call."""

    operator: str                      # queue member name (the console user), e.g. "op1001"
    interface: str                     # e.g. "PJSIP/1001"
    rang_at: float                     # epoch seconds
    ended_at: float | None = None
    result: AttemptResult = AttemptResult.RINGING

    @property
    def ring_seconds(self) -> float | None:
        return None if self.ended_at is None else round(self.ended_at - self.rang_at, 3)


@dataclass(frozen=True)
class TimelineEntry:
    at: float                          # epoch seconds
    kind: str                          # the CallEvent's kind, e.g. "queue_joined"
    detail: str = ""                   # short, no personal data beyond what the record holds


@dataclass
class CallRecord:
    call_id: str                       # Asterisk Linkedid of the citizen's call
    caller_number: str | None          # normalized national form (0XXXXXXXXXX), None if withheld
    caller_name: str
    started_at: float                  # the citizen's channel appeared
    channel_uniqueid: str = ""         # Uniqueid of the citizen's channel (queue_log's callid)
    queue: str | None = None
    entered_queue_at: float | None = None
    position_at_entry: int | None = None
    attempts: list[OperatorAttempt] = field(default_factory=list)
    answered_by: str | None = None     # operator (member name)
    answered_at: float | None = None
    ended_at: float | None = None
    wait_seconds: float | None = None  # entry to answer, or entry to leaving the queue
    talk_seconds: float | None = None
    hung_up_by: HungUpBy | None = None
    outcome: Outcome = Outcome.IN_PROGRESS
    fallback_reason: str | None = None # ALO153_FALLBACK reason (max-wait, no-operators, ...)
    timeline: list[TimelineEntry] = field(default_factory=list)
    # Where this record came from: "ami" live, or "reconciled" from Asterisk's own logs.
    source: str = "ami"

    @property
    def finished(self) -> bool:
        return self.outcome is not Outcome.IN_PROGRESS and self.ended_at is not None
