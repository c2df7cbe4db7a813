"""How a callback attempt ended, read from what Asterisk says about it.

With PJSIP an OriginateResponse's Reason is coarse: 0 for busy (486), congestion (503) and
temporarily unavailable (480) alike, 3 for no answer, 4 for answered. The real cause is on the
originated channel: DialEnd's DialStatus and Hangup's Cause (Q.850). So the cause is read
first where it is specific, then the dial status, then the reason (recorded in
tests/transcripts/originate-*.ami). An unreachable phone is not told apart from one that does
not answer: Asterisk waits out the ring time either way (Reason 3, Cause 19).
"""

from __future__ import annotations

import enum


class Outcome(enum.StrEnum):
    ANSWERED = "answered"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    CONGESTION = "congestion"
    INVALID_NUMBER = "invalid_number"
    FAILED = "failed"
    ABANDONED = "abandoned"  # answered, but hung up before an operator took the call
    UNKNOWN = "unknown"  # the dialer lost track of it (a crash or restart mid-call)


# Worth calling again later; an invalid number is not (it will not become valid by waiting).
RETRY = frozenset({Outcome.NO_ANSWER, Outcome.BUSY, Outcome.CONGESTION, Outcome.FAILED,
                   Outcome.ABANDONED, Outcome.UNKNOWN})

# Q.850 causes that say what happened; 16 (normal clearing) and 0 (not set) say nothing.
_CAUSES = {
    1: Outcome.INVALID_NUMBER,  # unallocated number (also our dialplan's `i` extension)
    22: Outcome.INVALID_NUMBER,  # number changed
    28: Outcome.INVALID_NUMBER,  # invalid number format
    17: Outcome.BUSY,
    21: Outcome.BUSY,  # call rejected: the citizen declined it (SIP 603)
    18: Outcome.NO_ANSWER,  # no user responding
    19: Outcome.NO_ANSWER,  # alerting, no answer (also SIP 480 here)
    20: Outcome.NO_ANSWER,  # subscriber absent: phone off or out of coverage
    34: Outcome.CONGESTION,  # no circuit available (SIP 503)
    38: Outcome.CONGESTION,  # network out of order
    41: Outcome.CONGESTION,  # temporary failure
    42: Outcome.CONGESTION,  # switching equipment congestion
    44: Outcome.CONGESTION,  # requested channel not available
}
_DIAL_STATUSES = {
    "BUSY": Outcome.BUSY,
    "CONGESTION": Outcome.CONGESTION,
    "NOANSWER": Outcome.NO_ANSWER,
    # Our own Originate timeout cancels the outbound Dial of the Local channel.
    "CANCEL": Outcome.NO_ANSWER,
    "CHANUNAVAIL": Outcome.FAILED,
    "INVALIDARGS": Outcome.FAILED,
    "DONTCALL": Outcome.FAILED,
    "TORTURE": Outcome.FAILED,
}
# OriginateResponse Reason: Asterisk's AST_CONTROL_* code the originated channel ended with.
_REASONS = {
    "0": Outcome.FAILED,
    "1": Outcome.FAILED,  # hung up before an answer
    "3": Outcome.NO_ANSWER,  # ringing timed out
    "5": Outcome.BUSY,
    "8": Outcome.CONGESTION,
}


def classify(originate_reason: str | None, dial_status: str | None,
             hangup_cause: str | None) -> Outcome:
    """The outcome of an attempt from OriginateResponse's Reason, DialEnd's DialStatus and
    the citizen leg's Hangup Cause (each None when not seen; any text is tolerated)."""
    reason = (originate_reason or "").strip()
    status = (dial_status or "").strip().upper()
    if reason == "4" or status == "ANSWER":
        return Outcome.ANSWERED
    cause = _cause(hangup_cause)
    if cause is not None:
        return cause
    return _DIAL_STATUSES.get(status) or _REASONS.get(reason) or Outcome.UNKNOWN


def _cause(raw: str | None) -> Outcome | None:
    text = (raw or "").strip()
    return _CAUSES.get(int(text)) if text.isascii() and text.isdigit() and len(text) <= 3 else None
