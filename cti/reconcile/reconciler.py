"""Filling the call log from Asterisk's records: at start-up and then periodically.

A call counts as ended for Asterisk once its citizen CDR is written (CDRs are written at hang
up). Such a call that the log lacks, or still holds as in progress, is saved from Asterisk's
record. A call the log already closed from live events keeps its live times (finer than
queue_log's seconds) unless it disagrees with Asterisk on how the call ended, who answered or
how many operators it rang: then Asterisk's record wins (events were lost while the link was
down). Saving is an upsert keyed by Linkedid: a call is never doubled.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cti.domain.calls.record import AttemptResult, CallRecord, Outcome
from cti.reconcile.asterisk_logs import (
    Cdr,
    QueueLogEntry,
    ReadPosition,
    parse_cdrs,
    parse_queue_log,
    read_lines,
)
from cti.reconcile.rebuild import rebuild

log = logging.getLogger(__name__)

QUEUE_LOG = "queue_log"
CDR_LOG = "cdr-custom/cdr.jsonl"
# queue_log lines of a call whose CDR never came (a lost file, a crash) are dropped after this.
PENDING_MAX_AGE = 6 * 3600.0


class CallStore(Protocol):
    async def get(self, call_id: str) -> CallRecord | None: ...

    async def save_many(self, records: Iterable[CallRecord]) -> None: ...


@dataclass
class ReconcileReport:
    calls_seen: int = 0
    filled: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)
    corrected: list[str] = field(default_factory=list)


class Reconciler:
    def __init__(self, store: CallStore, log_dir: Path, *, lookback: float = 24 * 3600.0) -> None:
        self._store = store
        self._dir = log_dir
        self._lookback = lookback
        self._positions = {QUEUE_LOG: ReadPosition(), CDR_LOG: ReadPosition()}
        self._pending: dict[str, list[QueueLogEntry]] = defaultdict(list)

    async def run_once(self, now: float | None = None) -> ReconcileReport:
        now = time.time() if now is None else now
        for entry in parse_queue_log(self._read(QUEUE_LOG)):
            self._pending[entry.callid].append(entry)
        ended: dict[str, list[Cdr]] = defaultdict(list)
        for cdr in parse_cdrs(self._read(CDR_LOG)):
            if cdr.end >= now - self._lookback:
                ended[cdr.linkedid].append(cdr)
        report = ReconcileReport(calls_seen=len(ended))
        records = [r for r in (self._rebuild(cdrs) for cdrs in ended.values()) if r is not None]
        await self._fill(records, report)
        self._forget_stale(now)
        return report

    def _read(self, name: str) -> list[str]:
        lines, self._positions[name] = read_lines(self._dir / name, self._positions[name])
        return lines

    def _rebuild(self, cdrs: list[Cdr]) -> CallRecord | None:
        uniqueids = {c.uniqueid for c in cdrs}
        lines = [entry for uid in uniqueids for entry in self._pending.pop(uid, [])]
        return rebuild(cdrs, lines)

    async def _fill(self, records: list[CallRecord], report: ReconcileReport) -> None:
        changed = []
        for record in records:
            stored = await self._store.get(record.call_id)
            if stored is None:
                report.filled.append(record.call_id)
            elif stored.outcome is Outcome.IN_PROGRESS:
                report.closed.append(record.call_id)
            elif _verdict(stored) != _verdict(record):
                report.corrected.append(record.call_id)
            else:
                continue
            changed.append(record)
        if changed:
            await self._store.save_many(changed)
            log.info("reconciled %d call(s) from Asterisk's records", len(changed))

    def _forget_stale(self, now: float) -> None:
        for callid, entries in list(self._pending.items()):
            if entries and entries[-1].epoch < now - PENDING_MAX_AGE:
                del self._pending[callid]


def _verdict(record: CallRecord) -> tuple[Outcome, str | None, int]:
    """What Asterisk's record and ours must agree on: how the call ended, who answered, and
    how many operator rings ended other than cancelled (queue_log's RINGNOANSWER + CONNECT)."""
    rings = sum(1 for a in record.attempts if a.result is not AttemptResult.CANCELLED)
    return record.outcome, record.answered_by, rings
