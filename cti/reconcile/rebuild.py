"""A citizen call's record rebuilt from what Asterisk wrote: its CDRs and its queue_log lines.

Used for the calls the CTI did not see live (it was down, or its AMI link was cut). The times
are Asterisk's: CDRs to the microsecond, queue_log to the second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from cti.domain.calls.record import (
    AttemptResult,
    CallRecord,
    HungUpBy,
    OperatorAttempt,
    Outcome,
    TimelineEntry,
)
from cti.domain.numbers import normalize_number
from cti.reconcile.asterisk_logs import Cdr, QueueLogEntry

# Dialplan contexts a citizen's own channel passes through (asterisk-config/extensions.conf).
CITIZEN_CONTEXTS = frozenset(
    {"alo153-inbound", "alo153-entry", "alo153-lookup", "alo153-prompt", "alo153-fallback"}
)
_CLID_NAME = re.compile(r'^"(.*)"\s*<')
_TIMED_OUT = {"EXITWITHTIMEOUT": "max-wait", "EXITEMPTY": "no-operators",
              "EXITWITHKEY": "left-with-key"}


def citizen_cdr(cdrs: Sequence[Cdr]) -> Cdr | None:
    """The citizen's own CDR among a call's CDRs: its channel is the call's first."""
    for cdr in cdrs:
        if cdr.uniqueid == cdr.linkedid and cdr.dcontext in CITIZEN_CONTEXTS:
            return cdr
    return None


def rebuild(cdrs: Sequence[Cdr], lines: Sequence[QueueLogEntry]) -> CallRecord | None:
    """The record of one call (all CDRs share a Linkedid), or None if it is no citizen call."""
    own = citizen_cdr(cdrs)
    if own is None:
        return None
    record = CallRecord(
        call_id=own.linkedid,
        caller_number=normalize_number(own.src),
        caller_name=_name(own.clid),
        started_at=min(c.start for c in cdrs),
        channel_uniqueid=own.uniqueid,
        ended_at=max(c.end for c in cdrs),
        outcome=Outcome.HUNG_UP_BEFORE_QUEUE,
        hung_up_by=HungUpBy.CALLER,
        source="reconciled",
    )
    for line in sorted(lines, key=lambda entry: entry.epoch):
        _apply(record, line)
    if record.outcome is Outcome.IN_PROGRESS:
        # The CDR says the call ended, but queue_log has no line saying how it left the queue.
        record.outcome = Outcome.ANSWERED if record.answered_by else Outcome.ABANDONED
        record.hung_up_by = HungUpBy.UNKNOWN
    return record


def _apply(record: CallRecord, line: QueueLogEntry) -> None:
    record.timeline.append(TimelineEntry(float(line.epoch), line.event.lower(), line.agent))
    handler = _HANDLERS.get(line.event)
    if handler is not None:
        handler(record, line)
    elif line.event in _TIMED_OUT:
        _left(record, line, Outcome.TIMED_OUT, HungUpBy.SYSTEM, _TIMED_OUT[line.event])


def _entered(record: CallRecord, line: QueueLogEntry) -> None:
    record.queue = line.queue
    record.entered_queue_at = float(line.epoch)
    record.position_at_entry = line.number(2)
    record.outcome, record.hung_up_by = Outcome.IN_PROGRESS, None


def _ring_no_answer(record: CallRecord, line: QueueLogEntry) -> None:
    ring = (line.number(0) or 0) / 1000
    record.attempts.append(OperatorAttempt(line.agent, "", line.epoch - ring, float(line.epoch),
                                           AttemptResult.NO_ANSWER))


def _connect(record: CallRecord, line: QueueLogEntry) -> None:
    ring = float(line.number(2) or 0)
    record.attempts.append(OperatorAttempt(line.agent, "", line.epoch - ring, float(line.epoch),
                                           AttemptResult.ANSWERED))
    record.answered_by, record.answered_at = line.agent, float(line.epoch)
    record.wait_seconds = float(line.number(0) or 0)
    record.outcome = Outcome.ANSWERED


def _complete(record: CallRecord, line: QueueLogEntry) -> None:
    record.talk_seconds = float(line.number(1) or 0)
    record.outcome = Outcome.ANSWERED
    caller = line.event == "COMPLETECALLER"
    record.hung_up_by = HungUpBy.CALLER if caller else HungUpBy.OPERATOR


def _abandon(record: CallRecord, line: QueueLogEntry) -> None:
    _left(record, line, Outcome.ABANDONED, HungUpBy.CALLER, None)


def _fallback(record: CallRecord, line: QueueLogEntry) -> None:
    record.fallback_reason = line.field(0) or record.fallback_reason
    if record.outcome is not Outcome.ANSWERED:
        record.outcome, record.hung_up_by = Outcome.TIMED_OUT, HungUpBy.SYSTEM


def _blocked(record: CallRecord, line: QueueLogEntry) -> None:
    record.outcome, record.hung_up_by = Outcome.BLOCKED, HungUpBy.SYSTEM


def _left(record: CallRecord, line: QueueLogEntry, outcome: Outcome, by: HungUpBy,
          reason: str | None) -> None:
    record.outcome, record.hung_up_by = outcome, by
    record.wait_seconds = float(line.number(2) or 0)
    record.fallback_reason = reason or record.fallback_reason


_HANDLERS = {
    "ENTERQUEUE": _entered,
    "RINGNOANSWER": _ring_no_answer,
    "CONNECT": _connect,
    "COMPLETECALLER": _complete,
    "COMPLETEAGENT": _complete,
    "ABANDON": _abandon,
    "ALO153_FALLBACK": _fallback,
    "ALO153_BLOCKED": _blocked,
}


def _name(clid: str) -> str:
    match = _CLID_NAME.match(clid)
    return match.group(1).replace('\\"', '"') if match else ""
