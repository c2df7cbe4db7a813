"""What the HTTP API needs from the rest of the CTI; the composition root passes them in."""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from cti.domain.calls.record import CallRecord, Outcome
from cti.storage.call_search import CallPage


class CallQueries(Protocol):
    """The reading half of the call-outcome log (`cti.storage.call_log.CallLog`)."""

    async def get(self, call_id: str) -> CallRecord | None: ...

    async def search(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        outcome: Outcome | None = None,
        caller: str | None = None,
        operator: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> CallPage: ...


class QueueView(Protocol):
    """The live state of the queues and their operators, as a JSON-able mapping."""

    def snapshot(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class ComponentHealth:
    up: bool
    reason: str  # why, in a few words: "connected", "not configured", "login refused"
    detail: Mapping[str, object] = field(default_factory=dict)  # JSON-able, no personal data


class HealthProbe(Protocol):
    """Checks every component: "ami", "fastagi", "database", "redis"."""

    def check(self) -> Awaitable[Mapping[str, ComponentHealth]]: ...
