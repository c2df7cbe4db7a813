"""A call record as the API shows it: every field, each time as epoch seconds and ISO 8601 UTC.

Epoch seconds stay exact (Asterisk's microseconds); the `_iso` twin is for people and for
clients without a date library.
"""

from __future__ import annotations

from datetime import UTC, datetime

from cti.domain.calls.record import CallRecord, OperatorAttempt, TimelineEntry
from cti.storage.call_notes import CallNotes
from cti.storage.dispositions import disposition_json

Json = dict[str, object]
# The record's moments; each gets an "<name>_iso" twin. Durations (wait_seconds, …) do not.
CALL_TIMES = ("started_at", "entered_queue_at", "answered_at", "ended_at")


def iso(at: float | None) -> str | None:
    """`2025-10-09T08:53:20.123456Z`, or None."""
    if at is None:
        return None
    return datetime.fromtimestamp(at, UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def call_summary(record: CallRecord, notes: CallNotes | None = None) -> Json:
    """A call as listed: everything but its timeline."""
    notes = notes or CallNotes()
    body: Json = {
        "call_id": record.call_id,
        "caller_number": record.caller_number,
        "caller_name": record.caller_name,
        "channel_uniqueid": record.channel_uniqueid,
        "queue": record.queue,
        "position_at_entry": record.position_at_entry,
        "attempts": [attempt_json(a) for a in record.attempts],
        "answered_by": record.answered_by,
        "wait_seconds": record.wait_seconds,
        "talk_seconds": record.talk_seconds,
        "hung_up_by": None if record.hung_up_by is None else record.hung_up_by.value,
        "outcome": record.outcome.value,
        "fallback_reason": record.fallback_reason,
        "source": record.source,
        "dispositions": [disposition_json(d) for d in notes.dispositions],
        "tickets": [{"number": t.number, "status": t.status} for t in notes.tickets],
    }
    for name in CALL_TIMES:
        at = getattr(record, name)
        body[name] = at
        body[f"{name}_iso"] = iso(at)
    return body


def call_detail(record: CallRecord, notes: CallNotes | None = None) -> Json:
    """One call with its timeline."""
    return {**call_summary(record, notes), "timeline": [timeline_json(e) for e in record.timeline]}


def attempt_json(attempt: OperatorAttempt) -> Json:
    return {
        "operator": attempt.operator,
        "interface": attempt.interface,
        "rang_at": attempt.rang_at,
        "rang_at_iso": iso(attempt.rang_at),
        "ended_at": attempt.ended_at,
        "ended_at_iso": iso(attempt.ended_at),
        "ring_seconds": attempt.ring_seconds,
        "result": attempt.result.value,
    }


def timeline_json(entry: TimelineEntry) -> Json:
    return {"at": entry.at, "at_iso": iso(entry.at), "kind": entry.kind, "detail": entry.detail}
