"""The live picture of the queues and their operators: pure, immutable values.

Built and kept current by `cti.live.from_ami`, serialised by `cti.live.messages`. Nothing here
knows AMI or Redis. Times are epoch seconds; anything that depends on the clock (wait seconds,
a display status) is computed at a `now` the caller passes, so a snapshot never goes stale.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

# The console pauses an operator with this reason for after-call work (wrap-up): to Asterisk it
# is an ordinary pause, to the supervisor it is work, not a break.
AFTER_CALL_WORK_REASONS = frozenset({"acw"})


def is_after_call_work(reason: str) -> bool:
    return reason.strip().casefold() in AFTER_CALL_WORK_REASONS


class DeviceState(enum.IntEnum):
    """Asterisk's ast_device_state codes, as QueueMember* events carry them in `Status`."""

    UNKNOWN = 0
    NOT_INUSE = 1
    INUSE = 2
    BUSY = 3
    INVALID = 4
    UNAVAILABLE = 5
    RINGING = 6
    RINGINUSE = 7
    ONHOLD = 8


_OFFLINE = frozenset({DeviceState.INVALID, DeviceState.UNAVAILABLE})
_IN_USE = frozenset({DeviceState.INUSE, DeviceState.BUSY, DeviceState.RINGINUSE,
                     DeviceState.ONHOLD})


class DisplayStatus(enum.StrEnum):
    ON_CALL = "on_call"
    RINGING = "ringing"
    AFTER_CALL_WORK = "after_call_work"
    PAUSED = "paused"
    UNAVAILABLE = "unavailable"  # the phone is not registered
    BUSY = "busy"                # the phone is in use, but not for a queue call
    AVAILABLE = "available"


@dataclass(frozen=True, kw_only=True)
class WaitingCaller:
    call_id: str        # Linkedid when known, else the caller channel's Uniqueid
    uniqueid: str       # the caller's channel in the queue
    number: str
    name: str
    entered_at: float
    position: int

    def wait_seconds(self, now: float) -> float:
        return max(0.0, now - self.entered_at)


@dataclass(frozen=True, kw_only=True)
class Queue:
    name: str
    strategy: str = ""
    completed: int = 0   # Asterisk's own counters since its last reset (QueueParams)
    abandoned: int = 0
    callers: tuple[WaitingCaller, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Membership:
    """One operator in one queue: Asterisk pauses per queue (autopause does)."""

    queue: str
    penalty: int = 0
    dynamic: bool = True
    calls_taken: int = 0
    paused: bool = False
    pause_reason: str = ""
    paused_since: float | None = None


@dataclass(frozen=True, kw_only=True)
class CallLeg:
    """A queue call reaching an operator: ringing, then talking. After a rebuild the call's id
    and start can be unknown: QueueStatus says only that the member is in a call."""

    call_id: str | None
    queue: str
    since: float | None
    caller_number: str = ""
    channel_uniqueid: str = ""  # the operator's own leg, so its Hangup can end the leg


@dataclass(frozen=True, kw_only=True)
class Operator:
    interface: str                      # "PJSIP/1001": Asterisk's key for the member
    name: str                           # MemberName, e.g. "op1001"
    device: DeviceState = DeviceState.UNKNOWN
    logged_in_since: float | None = None
    memberships: tuple[Membership, ...] = ()
    ringing: CallLeg | None = None
    call: CallLeg | None = None

    @property
    def queues(self) -> tuple[str, ...]:
        return tuple(m.queue for m in self.memberships)

    def membership(self, queue: str) -> Membership | None:
        return next((m for m in self.memberships if m.queue == queue), None)

    def pause(self, queue: str | None = None) -> Membership | None:
        """The pause that keeps calls away: in `queue`, or in every queue when None."""
        chosen = self.memberships if queue is None else tuple(
            m for m in self.memberships if m.queue == queue)
        if chosen and all(m.paused for m in chosen):
            return chosen[0]
        return None

    def status(self, queue: str | None = None) -> DisplayStatus:
        if self.call is not None:
            return DisplayStatus.ON_CALL
        if self.ringing is not None:
            return DisplayStatus.RINGING
        pause = self.pause(queue)
        if pause is not None:
            if is_after_call_work(pause.pause_reason):
                return DisplayStatus.AFTER_CALL_WORK
            return DisplayStatus.PAUSED
        if self.device in _OFFLINE:
            return DisplayStatus.UNAVAILABLE
        if self.device in _IN_USE:
            return DisplayStatus.BUSY
        return DisplayStatus.AVAILABLE


@dataclass(frozen=True)
class LiveState:
    """Read-only by contract: every change builds a new state (see `cti.live.from_ami`)."""

    version: int = 0
    queues: Mapping[str, Queue] = field(default_factory=dict)
    operators: Mapping[str, Operator] = field(default_factory=dict)

    def members_of(self, queue: str) -> list[Operator]:
        return [op for op in self.operators.values() if op.membership(queue) is not None]


@dataclass(frozen=True)
class Change:
    """Which queues and operators differ between two states: what gets published."""

    queues: frozenset[str] = frozenset()
    operators: frozenset[str] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.queues or self.operators)


def diff(old: LiveState, new: LiveState) -> Change:
    """A queue also changes when one of its operators does: it carries operator counts."""
    operators = _changed_keys(old.operators, new.operators)
    queues = set(_changed_keys(old.queues, new.queues))
    for interface in operators:
        for state in (old, new):
            operator = state.operators.get(interface)
            queues.update(operator.queues if operator is not None else ())
    return Change(frozenset(queues), operators)


def _changed_keys(old: Mapping[str, object], new: Mapping[str, object]) -> frozenset[str]:
    return frozenset(
        key for key in old.keys() | new.keys()
        if old.get(key) is not new.get(key) and old.get(key) != new.get(key)
    )
