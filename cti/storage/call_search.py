"""Searching the call-outcome log: its filters, a page of results, the cursor to the next one.

Pages are keyset pages, newest first, on (started_at, call_id): a call logged while someone
pages never shifts what they see the way OFFSET would, and page 1,000 costs what page 1 does.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement

from cti.domain.calls.record import CallRecord, Outcome
from cti.domain.numbers import normalize_number
from cti.storage.keyset import decode_cursor, older_than
from cti.storage.models import CallRow

MAX_PAGE = 500


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
            refusal = f"not a call-log cursor: {self.after[:40]!r}"
            started_at, call_id = decode_cursor(self.after, str, refusal)
            found.append(older_than(CallRow.started_at, CallRow.call_id, started_at, call_id))
        return found

