"""AMI frames to call events: pure, one small function per AMI event, unknown events ignored.

Nothing here raises on what the PBX (or a peer pretending to be it) sends: a frame missing a
header an event cannot do without is reported as `Malformed` by `interpret`, and as None by
`translate`. Values are bounded and parsed defensively: numbers that are not numbers become
None, text is cut to a sane length.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

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
from cti.domain.calls.record import AttemptResult, HungUpBy
from cti.domain.numbers import normalize_number
from cti.telephony.ami.frames import Frame

# Asterisk's AST_MAX_UNIQUEID: a longer Uniqueid or Linkedid is not Asterisk's.
MAX_ID = 150
MAX_TEXT = 200
# Asterisk creates a channel that called in (a trunk's INVITE) in state Ring; one it creates to
# call out (Originate, Dial, Local) starts Down. That tells a citizen's call from our callbacks
# without depending on context names.
STATE_DOWN = "0"
# Channel variables our dialplan sets; manager.conf `channelvars` echoes them on every event.
VAR_CITIZEN_CALL = "ALO153_CALL"
VAR_ATTEMPT = "ALO153_ATTEMPT"
# UserEvent names raised by extensions.conf.
USER_FALLBACK = "alo153fallback"
USER_LOOKUP_TIMEOUT = "alo153lookuptimeout"

_DIAL_RESULTS = {
    "ANSWER": AttemptResult.ANSWERED,
    "NOANSWER": AttemptResult.NO_ANSWER,
    "CANCEL": AttemptResult.CANCELLED,
    "BUSY": AttemptResult.BUSY,
    "CONGESTION": AttemptResult.FAILED,
    "CHANUNAVAIL": AttemptResult.FAILED,
}
_COMPLETE_REASONS = {
    "caller": HungUpBy.CALLER,
    "agent": HungUpBy.OPERATOR,
    "transfer": HungUpBy.SYSTEM,
}


@dataclass(frozen=True)
class Malformed:
    """A frame of a known event that lacks what the event needs (or carries it unusable)."""

    event: str
    problem: str


class _Missing(Exception):
    """Internal: raised by `_required`, turned into `Malformed` in one place."""


def translate(frame: Frame, now: float) -> CallEvent | None:
    """The call event a frame stands for, or None (not a call event, or malformed)."""
    result = interpret(frame, now)
    return result if isinstance(result, CallEvent) else None


def interpret(frame: Frame, now: float) -> CallEvent | Malformed | None:
    """Like `translate`, but says why a frame of a known event was unusable."""
    name = frame.event
    handler = _HANDLERS.get(name) if name else None
    if name is None or handler is None:
        return None
    try:
        return handler(frame, _at(frame, now))
    except _Missing as missing:
        return Malformed(name, str(missing))


# ------------------------------------------------------------------ header helpers


def _required(frame: Frame, name: str, limit: int = MAX_TEXT) -> str:
    value = frame.get(name)
    if not value or len(value) > limit:
        raise _Missing(name)
    return value


def _call_id(frame: Frame) -> str:
    # An agent event raised after the caller's channel is gone has only the operator's
    # fields: DestLinkedid is the same call's id.
    if not frame.get("Linkedid") and frame.get("DestLinkedid"):
        return _required(frame, "DestLinkedid", MAX_ID)
    return _required(frame, "Linkedid", MAX_ID)


def _text(frame: Frame, name: str) -> str:
    value = (frame.get(name) or "")[:MAX_TEXT]
    return "" if value == "<unknown>" else value


def _int(frame: Frame, name: str) -> int | None:
    value = frame.get(name) or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 12 else None


def _at(frame: Frame, now: float) -> float:
    """The PBX's Timestamp (manager.conf timestampevents=yes), else the reader's clock."""
    raw = frame.get("Timestamp") or ""
    try:
        value = float(raw) if len(raw) <= 32 else math.nan
    except ValueError:
        return now
    return value if math.isfinite(value) and value > 0 else now


def _marks(frame: Frame, prefix: str = "") -> CallMarks:
    found: dict[str, str] = {}
    for entry in frame.get_all(prefix + "ChanVariable"):
        name, _, value = entry.partition("=")
        found.setdefault(name.strip(), value.strip())
    attempt = found.get(VAR_ATTEMPT, "")[:MAX_ID]
    return CallMarks(citizen=bool(found.get(VAR_CITIZEN_CALL)), attempt_id=attempt or None)


def _caller_number(frame: Frame) -> str | None:
    return normalize_number(_text(frame, "CallerIDNum")[:64])


# ------------------------------------------------------------------ one function per event


def _newchannel(frame: Frame, at: float) -> CallEvent | None:
    call_id, uniqueid = _call_id(frame), _required(frame, "Uniqueid", MAX_ID)
    if uniqueid != call_id:
        return None  # an operator leg or a Local half: part of a call already started
    return CallStarted(
        call_id=call_id, at=at, uniqueid=uniqueid,
        channel=_required(frame, "Channel"),
        caller_number=_caller_number(frame), caller_name=_text(frame, "CallerIDName"),
        inbound=_required(frame, "ChannelState") != STATE_DOWN,
        marks=_marks(frame),
    )


def _queue_caller_join(frame: Frame, at: float) -> CallEvent:
    return QueueJoined(
        call_id=_call_id(frame), at=at,
        uniqueid=_required(frame, "Uniqueid", MAX_ID), channel=_text(frame, "Channel"),
        queue=_required(frame, "Queue"), position=_int(frame, "Position"),
        caller_number=_caller_number(frame), caller_name=_text(frame, "CallerIDName"),
        marks=_marks(frame),
    )


def _agent_called(frame: Frame, at: float) -> CallEvent:
    return OperatorRinging(
        call_id=_call_id(frame), at=at, queue=_required(frame, "Queue"),
        operator=_required(frame, "MemberName"), interface=_required(frame, "Interface"),
        leg_id=_required(frame, "DestUniqueid", MAX_ID),
    )


def _agent_ring_no_answer(frame: Frame, at: float) -> CallEvent:
    return _ring_ended(frame, at, AttemptResult.NO_ANSWER)


def _agent_dump(frame: Frame, at: float) -> CallEvent:
    # The operator picked up, then hung up before being connected: a refused call.
    return _ring_ended(frame, at, AttemptResult.FAILED)


def _ring_ended(frame: Frame, at: float, result: AttemptResult) -> CallEvent:
    return OperatorRingEnded(
        call_id=_call_id(frame), at=at, leg_id=_required(frame, "DestUniqueid", MAX_ID),
        result=result, operator=_required(frame, "MemberName"),
    )


def _dial_end(frame: Frame, at: float) -> CallEvent | None:
    if not frame.get("Channel"):
        return None  # an Originate's own dial: no caller, no operator; the dialer's business
    result = _DIAL_RESULTS.get(_required(frame, "DialStatus"))
    if result is None:
        return None
    return OperatorRingEnded(
        call_id=_call_id(frame), at=at, leg_id=_required(frame, "DestUniqueid", MAX_ID),
        result=result,
    )


def _agent_connect(frame: Frame, at: float) -> CallEvent:
    return OperatorConnected(
        call_id=_call_id(frame), at=at, queue=_required(frame, "Queue"),
        operator=_required(frame, "MemberName"), interface=_required(frame, "Interface"),
        leg_id=_required(frame, "DestUniqueid", MAX_ID),
        hold_seconds=_int(frame, "HoldTime"), ring_seconds=_int(frame, "RingTime"),
    )


def _agent_complete(frame: Frame, at: float) -> CallEvent:
    return CallCompleted(
        call_id=_call_id(frame), at=at, queue=_required(frame, "Queue"),
        operator=_required(frame, "MemberName"), interface=_required(frame, "Interface"),
        leg_id=_required(frame, "DestUniqueid", MAX_ID),
        hold_seconds=_int(frame, "HoldTime"), talk_seconds=_int(frame, "TalkTime"),
        hung_up_by=_COMPLETE_REASONS.get(_text(frame, "Reason"), HungUpBy.UNKNOWN),
    )


def _queue_caller_abandon(frame: Frame, at: float) -> CallEvent:
    return CallerAbandoned(
        call_id=_call_id(frame), at=at, queue=_required(frame, "Queue"),
        position=_int(frame, "Position"), original_position=_int(frame, "OriginalPosition"),
        hold_seconds=_int(frame, "HoldTime"),
    )


def _queue_caller_leave(frame: Frame, at: float) -> CallEvent:
    return QueueLeft(
        call_id=_call_id(frame), at=at, queue=_required(frame, "Queue"),
        position=_int(frame, "Position"),
    )


def _hangup(frame: Frame, at: float) -> CallEvent:
    return ChannelHungUp(
        call_id=_call_id(frame), at=at, uniqueid=_required(frame, "Uniqueid", MAX_ID),
        channel=_text(frame, "Channel"), cause=_int(frame, "Cause"),
        cause_text=_text(frame, "Cause-txt"), marks=_marks(frame),
    )


def _user_event(frame: Frame, at: float) -> CallEvent | None:
    # Asterisk puts the channel's snapshot before the body, so the first Linkedid is the
    # channel's own; the body's copy only matters when a UserEvent comes without a channel.
    name = _text(frame, "UserEvent").lower()
    if name == USER_FALLBACK:
        return Fallback(call_id=_call_id(frame), at=at, reason=_required(frame, "Reason", 64))
    if name == USER_LOOKUP_TIMEOUT:
        return LookupTimedOut(call_id=_call_id(frame), at=at)
    return None


_HANDLERS: dict[str, Callable[[Frame, float], CallEvent | None]] = {
    "Newchannel": _newchannel,
    "QueueCallerJoin": _queue_caller_join,
    "AgentCalled": _agent_called,
    "AgentRingNoAnswer": _agent_ring_no_answer,
    "AgentDump": _agent_dump,
    "DialEnd": _dial_end,
    "AgentConnect": _agent_connect,
    "AgentComplete": _agent_complete,
    "QueueCallerAbandon": _queue_caller_abandon,
    "QueueCallerLeave": _queue_caller_leave,
    "Hangup": _hangup,
    "UserEvent": _user_event,
}
