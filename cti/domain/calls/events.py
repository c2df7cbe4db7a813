"""What happened to a call, in the product's words: the seam between the PBX and the rest.

Every event names its call by `call_id` (Asterisk's Linkedid: shared by the citizen's channel
and every operator leg rung for it) and says `at` when it happened, in epoch seconds by the
PBX's clock when the PBX gave one. Nothing here knows AMI; `cti.telephony.ami.translate`
builds these from frames, and the call tracker, live state and screen pops consume them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from cti.domain.calls.record import AttemptResult, HungUpBy


@dataclass(frozen=True)
class CallMarks:
    """What our own dialplan wrote on the call's channels, echoed by the PBX on its events."""

    citizen: bool = False          # the 153 entry marked it as a citizen's call
    attempt_id: str | None = None  # the dialer's attempt id: a callback we placed


NO_MARKS = CallMarks()


@dataclass(frozen=True, kw_only=True)
class CallEvent:
    call_id: str
    at: float
    kind: ClassVar[str] = "call_event"


@dataclass(frozen=True, kw_only=True)
class CallStarted(CallEvent):
    """The call's first channel appeared."""

    kind: ClassVar[str] = "call_started"
    uniqueid: str
    channel: str
    caller_number: str | None      # national form, None when withheld or not a Turkish number
    caller_name: str
    inbound: bool                  # it called in; False when the PBX placed it (a callback)
    marks: CallMarks = NO_MARKS


@dataclass(frozen=True, kw_only=True)
class QueueJoined(CallEvent):
    """The caller entered a queue. Carries the caller too: the start may have been lost."""

    kind: ClassVar[str] = "queue_joined"
    uniqueid: str
    channel: str
    queue: str
    position: int | None
    caller_number: str | None
    caller_name: str
    marks: CallMarks = NO_MARKS


@dataclass(frozen=True, kw_only=True)
class OperatorRinging(CallEvent):
    kind: ClassVar[str] = "operator_ringing"
    queue: str
    operator: str                  # queue member name
    interface: str                 # e.g. PJSIP/1001
    leg_id: str                    # the operator leg's channel id, one per ring


@dataclass(frozen=True, kw_only=True)
class OperatorRingEnded(CallEvent):
    """A ring stopped. A ring-no-answer is reported more than once (see the tracker)."""

    kind: ClassVar[str] = "operator_ring_ended"
    leg_id: str
    result: AttemptResult
    operator: str | None = None    # unknown when only the dial layer reported it


@dataclass(frozen=True, kw_only=True)
class OperatorConnected(CallEvent):
    kind: ClassVar[str] = "operator_connected"
    queue: str
    operator: str
    interface: str
    leg_id: str
    hold_seconds: int | None       # the PBX's whole seconds; the tracker uses timestamps
    ring_seconds: int | None


@dataclass(frozen=True, kw_only=True)
class CallerAbandoned(CallEvent):
    kind: ClassVar[str] = "caller_abandoned"
    queue: str
    position: int | None
    original_position: int | None
    hold_seconds: int | None


@dataclass(frozen=True, kw_only=True)
class QueueLeft(CallEvent):
    """The caller left the queue: answered, abandoned, or let go (timeout, no operators)."""

    kind: ClassVar[str] = "queue_left"
    queue: str
    position: int | None


@dataclass(frozen=True, kw_only=True)
class CallCompleted(CallEvent):
    """The conversation with an operator ended."""

    kind: ClassVar[str] = "call_completed"
    queue: str
    operator: str
    interface: str
    leg_id: str
    hold_seconds: int | None
    talk_seconds: int | None
    hung_up_by: HungUpBy


@dataclass(frozen=True, kw_only=True)
class ChannelHungUp(CallEvent):
    """One channel of the call ended; the call ends with its first channel."""

    kind: ClassVar[str] = "channel_hung_up"
    uniqueid: str
    channel: str
    cause: int | None              # Q.850 cause: 16 normal, 17 busy, 21 rejected, ...
    cause_text: str = ""
    marks: CallMarks = NO_MARKS


@dataclass(frozen=True, kw_only=True)
class Fallback(CallEvent):
    """The queue could not connect the citizen; the dialplan says why (max-wait, ...)."""

    kind: ClassVar[str] = "fallback"
    reason: str


@dataclass(frozen=True, kw_only=True)
class LookupTimedOut(CallEvent):
    """The caller lookup did not answer in time; the call went on without it."""

    kind: ClassVar[str] = "lookup_timed_out"


ALL_EVENTS: tuple[type[CallEvent], ...] = (
    CallStarted,
    QueueJoined,
    OperatorRinging,
    OperatorRingEnded,
    OperatorConnected,
    CallerAbandoned,
    QueueLeft,
    CallCompleted,
    ChannelHungUp,
    Fallback,
    LookupTimedOut,
)
