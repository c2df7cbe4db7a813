"""Translation between a `CallRecord` and the rows of the call-outcome log's three tables."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from cti.domain.calls.record import (
    AttemptResult,
    CallRecord,
    HungUpBy,
    OperatorAttempt,
    Outcome,
    TimelineEntry,
)
from cti.storage.models import AttemptRow, CallRow

Row = dict[str, Any]
# Every scalar field of the record is a column of `calls` under the same name.
_CALL_COLUMNS = tuple(f.name for f in fields(CallRecord) if f.name not in {"attempts", "timeline"})


def call_row(record: CallRecord, updated_at: float) -> Row:
    row: Row = {name: getattr(record, name) for name in _CALL_COLUMNS}
    row["outcome"] = record.outcome.value
    row["hung_up_by"] = None if record.hung_up_by is None else record.hung_up_by.value
    row["updated_at"] = updated_at
    return row


def attempt_rows(record: CallRecord) -> list[Row]:
    return [
        {
            "call_id": record.call_id,
            "seq": seq,
            "operator": attempt.operator,
            "interface": attempt.interface,
            "rang_at": attempt.rang_at,
            "ended_at": attempt.ended_at,
            "result": attempt.result.value,
        }
        for seq, attempt in enumerate(record.attempts, start=1)
    ]


def timeline_rows(record: CallRecord) -> list[Row]:
    return [
        {"call_id": record.call_id, "seq": seq, "at": e.at, "kind": e.kind, "detail": e.detail}
        for seq, e in enumerate(record.timeline, start=1)
    ]


def to_record(row: CallRow) -> CallRecord:
    """The record a loaded row (with its attempts and timeline) stands for."""
    scalars = {name: getattr(row, name) for name in _CALL_COLUMNS}
    scalars["outcome"] = Outcome(row.outcome)
    scalars["hung_up_by"] = None if row.hung_up_by is None else HungUpBy(row.hung_up_by)
    return CallRecord(
        **scalars,
        attempts=[_attempt(a) for a in row.attempts],
        timeline=[TimelineEntry(at=t.at, kind=t.kind, detail=t.detail) for t in row.timeline],
    )


def _attempt(row: AttemptRow) -> OperatorAttempt:
    return OperatorAttempt(
        operator=row.operator,
        interface=row.interface,
        rang_at=row.rang_at,
        ended_at=row.ended_at,
        result=AttemptResult(row.result),
    )

