"""The history a pop shows: the caller's tickets (open first) and their last calls."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

from cti.console.history import HistoryLookup, Json
from cti.domain.calls.record import CallRecord
from cti.storage.call_search import CallPage

CALLS_SHOWN = 5
TICKETS_SHOWN = 20

TicketHistory = Callable[[str, int], Awaitable[Sequence[Json]]]


class CallSearch(Protocol):
    async def search(self, *, caller: str | None = None, limit: int = 50) -> CallPage: ...


def history_lookup(tickets: TicketHistory, calls: CallSearch) -> HistoryLookup:
    async def lookup(number: str) -> Json:
        found = await tickets(number, TICKETS_SHOWN)
        page = await calls.search(caller=number, limit=CALLS_SHOWN)
        return {"tickets": list(found), "calls": [_call(c) for c in page.calls]}

    return lookup


def _call(record: CallRecord) -> Json:
    return {
        "call_id": record.call_id,
        "started_at": record.started_at,
        "outcome": record.outcome.value,
        "answered_by": record.answered_by,
        "talk_seconds": record.talk_seconds,
    }
