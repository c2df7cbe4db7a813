"""Writes call records to the call log in small batches, off the AMI event path.

The AMI reader must never wait on the database: records are handed over here, coalesced per
call (only a call's newest state is written) and saved every `interval` seconds in one
transaction. A failed write keeps the records and retries: nothing accepted is lost, and the
upsert keyed by Linkedid means nothing is doubled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Protocol

from cti.domain.calls.record import CallRecord

log = logging.getLogger(__name__)


class RecordStore(Protocol):
    async def save_many(self, records: Iterable[CallRecord]) -> None: ...


class RecordWriter:
    def __init__(
        self, store: RecordStore, *, interval: float = 0.2, retry_after: float = 2.0
    ) -> None:
        self._store = store
        self._interval = interval
        self._retry_after = retry_after
        self._pending: dict[str, CallRecord] = {}
        self._wake = asyncio.Event()
        self.written = 0
        self.failures = 0

    def submit(self, records: Iterable[CallRecord]) -> None:
        for record in records:
            self._pending[record.call_id] = record
        self._wake.set()

    @property
    def pending(self) -> int:
        return len(self._pending)

    async def run(self) -> None:
        """Flush until cancelled; the owner calls `flush()` after cancelling, on shutdown."""
        while True:
            await self._wake.wait()
            await asyncio.sleep(self._interval)
            if not await self.flush():
                await asyncio.sleep(self._retry_after)

    async def flush(self) -> bool:
        """Write what is pending now; True when it was written (or nothing was pending)."""
        self._wake.clear()
        batch, self._pending = self._pending, {}
        if not batch:
            return True
        try:
            await self._store.save_many(batch.values())
        except Exception:
            self.failures += 1
            log.exception("call log write failed; %d record(s) kept for retry", len(batch))
            # Newer states that arrived during the failed write win over the batch.
            self._pending = {**batch, **self._pending}
            self._wake.set()
            return False
        self.written += len(batch)
        return True
