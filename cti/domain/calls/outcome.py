"""How a citizen's call ended: the rules that turn what was seen into an outcome.

Decided once, when the citizen's channel hangs up (or the call is swept), because the facts
arrive in an order that does not settle anything earlier: the queue reports the caller
leaving before it reports the operator connecting, and an abandon before the leave.
"""

from __future__ import annotations

from cti.domain.calls.record import CallRecord, HungUpBy, Outcome

# Q.850 "call rejected": extensions.conf ends a blocked caller with Hangup(21) and raises no
# event, so before the queue this cause is the block list's answer. A fallback reason
# "blocked" says the same more plainly, should the dialplan ever raise one.
CAUSE_REJECTED = 21
BLOCKED_REASON = "blocked"


def close_record(
    record: CallRecord,
    abandoned: bool,
    left_queue_at: float | None,
    at: float | None,
    cause: int | None,
) -> None:
    """Fill outcome, hung_up_by, wait and talk. `at` is None when the hangup was lost."""
    record.outcome, who = _decide(record, abandoned, left_queue_at, cause)
    record.hung_up_by = who if at is not None else record.hung_up_by or HungUpBy.UNKNOWN
    record.ended_at = at if at is not None else _last_known(record)
    if record.outcome is Outcome.ANSWERED:
        if record.talk_seconds is None and at is not None and record.answered_at is not None:
            record.talk_seconds = round(at - record.answered_at, 3)
    elif record.wait_seconds is None and record.entered_queue_at is not None:
        left = left_queue_at if left_queue_at is not None else at
        if left is not None:
            record.wait_seconds = round(left - record.entered_queue_at, 3)


def _decide(
    record: CallRecord, abandoned: bool, left_queue_at: float | None, cause: int | None
) -> tuple[Outcome, HungUpBy]:
    queued = record.entered_queue_at is not None
    if record.answered_by is not None:
        return Outcome.ANSWERED, record.hung_up_by or HungUpBy.UNKNOWN
    if record.fallback_reason == BLOCKED_REASON or (not queued and cause == CAUSE_REJECTED):
        return Outcome.BLOCKED, HungUpBy.SYSTEM
    if record.fallback_reason is not None:
        return Outcome.TIMED_OUT, HungUpBy.SYSTEM
    if not queued:
        return Outcome.HUNG_UP_BEFORE_QUEUE, HungUpBy.CALLER
    if abandoned or left_queue_at is None:
        return Outcome.ABANDONED, HungUpBy.CALLER
    # The queue let the caller go unconnected (max wait, no operators) and the fallback's
    # event was lost: the PBX ended the wait, not the caller.
    return Outcome.TIMED_OUT, HungUpBy.SYSTEM


def _last_known(record: CallRecord) -> float:
    return max([record.started_at, *(entry.at for entry in record.timeline)])
