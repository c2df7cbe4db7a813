"""Searching the call-outcome log: its filters, a page of results, the cursor to the next one.

Pages are keyset pages, newest first, on (started_at, call_id): a call logged while someone
pages never shifts what they see the way OFFSET would, and page 1,000 costs what page 1 does.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_

from cti.domain.calls.record import CallRecord, Outcome
from cti.domain.numbers import normalize_number
from cti.storage.models import CallRow

MAX_PAGE = 500


class InvalidCursor(ValueError):
    """An `after` cursor this log never handed out (truncated, edited, or from elsewhere)."""


@dataclass(frozen=True)
class CallPage:
    calls: list[CallRecord]  # newest first
    next_cursor: str | None  # pass as `after` for the next page; None on the last page


@dataclass(frozen=True, kw_only=True)
class CallQuery:
    since: float | None = None  # started_at >= since (epoch seconds)
    until: float | None = None  # started_at < until
    outcome: Outcome | None = None
    caller: str | None = None  # any written form of the number
    operator: str | None = None  # who answered
    after: str | None = None  # a CallPage.next_cursor

    def conditions(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.since is not None:
            found.append(CallRow.started_at >= self.since)
        if self.until is not None:
            found.append(CallRow.started_at < self.until)
        if self.outcome is not None:
            found.append(CallRow.outcome == self.outcome.value)
        if self.caller is not None:
            # A foreign number has no national form; it can still match as it was stored.
            number = normalize_number(self.caller) or self.caller.strip()
            found.append(CallRow.caller_number == number)
        if self.operator is not None:
            found.append(CallRow.answered_by == self.operator)
        if self.after is not None:
            found.append(_older_than(*decode_cursor(self.after)))
        return found


def _older_than(started_at: float, call_id: str) -> ColumnElement[bool]:
    # Spelled out rather than as a row comparison so both SQLite and PostgreSQL walk the
    # (started_at, call_id) index backwards from the cursor.
    return or_(
        CallRow.started_at < started_at,
        and_(CallRow.started_at == started_at, CallRow.call_id < call_id),
    )


def encode_cursor(started_at: float, call_id: str) -> str:
    # Opaque to clients but not secret: a forged cursor only moves where a page starts.
    # JSON keeps the float exact (repr round-trips), so no call at the boundary is skipped.
    raw = json.dumps([started_at, call_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        started_at, call_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursor(f"not a call-log cursor: {cursor[:40]!r}") from exc
    if not _is_time(started_at) or not isinstance(call_id, str):
        raise InvalidCursor(f"not a call-log cursor: {cursor[:40]!r}")
    return float(started_at), call_id


def _is_time(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)
