"""What Asterisk's events say about the dialer's attempts, one attempt at a time.

Every channel of an attempt shares its Linkedid, which is the attempt id: the dialer passes the
id as the Originate's ChannelId, so the first (Local;1) channel's Uniqueid is the id and every
leg bridged from it inherits it as Linkedid. Events arrive out of the order one might expect
(the OriginateResponse of a busy call comes before the DialEnd that says BUSY), so an attempt's
facts accumulate and it is judged once, when its first channel hangs up.

Pure: frames in, facts out; the engine applies them to the store.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from cti.telephony.ami.frames import Frame

FEEDBACK_QUEUE = "alo153-feedback"
DIALOUT_CONTEXT = "alo153-dialout"  # asterisk-config/extensions.conf: only national numbers
CALLBACK_CONTEXT = "alo153-callback"  # where an answered citizen goes: queue, or preview
ATTEMPT_PREFIX = "cb"  # every attempt id starts so (dialer.callbacks); other calls are ignored


class Step(enum.StrEnum):
    RINGING = "ringing"      # the citizen's phone rings
    ANSWERED = "answered"    # the citizen picked up
    QUEUED = "queued"        # waiting for a feedback operator
    CONNECTED = "connected"  # an operator took the call
    LEFT = "left"            # the operator hung up first (the citizen may take the survey)
    ENDED = "ended"          # the first channel hung up: the attempt is over


@dataclass
class Facts:
    """What the events have said so far about one attempt."""

    answered: bool = False
    connected: bool = False
    abandoned: bool = False
    operator: str | None = None
    originate_reason: str | None = None
    dial_status: str | None = None
    hangup_cause: str | None = None
    channel: str | None = None  # the citizen's leg's Uniqueid
    operator_channel: str | None = None  # preview: the operator's phone's leg
    left: bool = False


@dataclass(frozen=True)
class Fact:
    attempt_id: str
    step: Step
    facts: Facts


@dataclass
class AttemptTracker:
    """Folds events into per-attempt facts; forgets an attempt once it has ended."""

    known: dict[str, Facts] = field(default_factory=dict)

    def follow(self, attempt_id: str) -> None:
        """Start following an attempt (placed, or adopted after a restart)."""
        self.known.setdefault(attempt_id, Facts())

    def feed(self, frame: Frame) -> Fact | None:
        attempt_id = _attempt_of(frame)
        if attempt_id is None or attempt_id not in self.known:
            return None
        facts = self.known[attempt_id]
        step = _apply(frame, facts, attempt_id)
        if step is Step.ENDED:
            del self.known[attempt_id]
        return None if step is None else Fact(attempt_id, step, facts)


def _attempt_of(frame: Frame) -> str | None:
    for name in ("Linkedid", "DestLinkedid", "Uniqueid"):
        value = frame.get(name) or ""
        if value.startswith(ATTEMPT_PREFIX):
            return value
    return None


def _apply(frame: Frame, facts: Facts, attempt_id: str) -> Step | None:
    event = frame.event
    if event == "OriginateResponse":
        facts.originate_reason = frame.get("Reason")
        if frame.get("Response") == "Success":
            facts.answered = True
            return Step.ANSWERED
        return None
    if event in ("DialBegin", "DialEnd"):
        return _dial(frame, facts)
    if event in ("QueueCallerJoin", "AgentConnect", "AgentComplete", "QueueCallerAbandon"):
        return _queue(frame, facts)
    if event == "Hangup":
        return _hangup(frame, facts, attempt_id)
    return None


def _dial(frame: Frame, facts: Facts) -> Step | None:
    """The citizen's leg, dialled from the dialout context through the carrier; in preview,
    the operator's phone, dialled from the callback context once the citizen answered."""
    if frame.get("Context") == CALLBACK_CONTEXT:
        if frame.event == "DialBegin":
            facts.operator_channel = frame.get("DestUniqueid")
        if frame.event == "DialEnd" and frame.get("DialStatus") == "ANSWER":
            facts.connected = True
            return Step.CONNECTED
        return None
    if frame.get("Context") != DIALOUT_CONTEXT:
        return None
    if frame.event == "DialBegin":
        facts.channel = frame.get("DestUniqueid")
        return Step.RINGING
    facts.dial_status = frame.get("DialStatus")
    if facts.dial_status == "ANSWER":
        facts.answered = True
        return Step.ANSWERED
    return None


def _queue(frame: Frame, facts: Facts) -> Step | None:
    if frame.get("Queue") != FEEDBACK_QUEUE:
        return None
    if frame.event == "QueueCallerJoin":
        return Step.QUEUED
    if frame.event == "AgentConnect":
        facts.connected = True
        facts.operator = frame.get("MemberName") or frame.get("Interface")
        return Step.CONNECTED
    if frame.event == "AgentComplete":
        # Reason "agent": the operator hung up and the citizen goes on to the survey.
        return _left(facts) if frame.get("Reason") == "agent" else None
    facts.abandoned = True
    return None


def _left(facts: Facts) -> Step | None:
    if facts.left or not facts.connected:
        return None
    facts.left = True
    return Step.LEFT


def _hangup(frame: Frame, facts: Facts, attempt_id: str) -> Step | None:
    if frame.get("Uniqueid") == facts.channel and facts.hangup_cause is None:
        facts.hangup_cause = frame.get("Cause")
    if (facts.operator_channel and frame.get("Uniqueid") == facts.operator_channel
            and facts.hangup_cause is None):
        return _left(facts)  # preview: the operator's phone hung up, the citizen is still on
    if frame.get("Uniqueid") != attempt_id:
        return None  # another leg; the attempt ends with its first channel
    if facts.hangup_cause is None:
        facts.hangup_cause = frame.get("Cause")
    return Step.ENDED
