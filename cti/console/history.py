"""A caller's history for the screen pop, fetched while the caller still hears the greeting.

The lookup starts when the caller joins the queue (QueueCallerJoin), seconds before any
phone rings, so at AgentCalled the pop usually goes out with the history already in hand.
When it is not ready yet, the pop goes out without it and the history follows.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)

Json = dict[str, Any]
# number (national form) → {"tickets": […], "calls": […]}
HistoryLookup = Callable[[str], Awaitable[Json]]

EMPTY: Json = {"tickets": [], "calls": []}


class PopHistory:
    def __init__(self, lookup: HistoryLookup, *, capacity: int = 2000) -> None:
        self._lookup = lookup
        self._capacity = capacity
        self._pending: OrderedDict[str, asyncio.Task[Json]] = OrderedDict()

    def prefetch(self, call_id: str, number: str | None) -> None:
        if number is None or call_id in self._pending:
            return
        self._pending[call_id] = asyncio.create_task(self._fetch(number),
                                                     name="pop-history")
        while len(self._pending) > self._capacity:  # calls whose hangup we never saw
            _, stale = self._pending.popitem(last=False)
            stale.cancel()

    def ready(self, call_id: str) -> Json | None:
        """The history if it is already here; never waits."""
        task = self._pending.get(call_id)
        if task is None or not task.done() or task.cancelled():
            return None
        return task.result()

    async def get(self, call_id: str, number: str | None) -> Json:
        if number is None:
            return EMPTY
        self.prefetch(call_id, number)
        return await asyncio.shield(self._pending[call_id])

    def forget(self, call_id: str) -> None:
        task = self._pending.pop(call_id, None)
        if task is not None and not task.done():
            task.cancel()

    async def close(self) -> None:
        tasks = list(self._pending.values())
        self._pending.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _fetch(self, number: str) -> Json:
        try:
            return await self._lookup(number)
        except Exception as error:  # the pop still goes out, with the caller's id alone
            log.warning("pop history lookup failed: %s", type(error).__name__)
            return {**EMPTY, "unavailable": True}
