"""Reading what Asterisk itself recorded: queue_log lines and CDRs, for assertions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from cti.reconcile.asterisk_logs import QueueLogEntry as QueueLogLine
from cti.reconcile.asterisk_logs import parse_queue_log

T = TypeVar("T")


def queue_log(root: Path) -> list[QueueLogLine]:
    path = root / "var/log/asterisk/queue_log"
    if not path.exists():
        return []
    return list(parse_queue_log(path.read_text(errors="replace").splitlines()))


def call_events(root: Path, caller: str) -> list[QueueLogLine]:
    """queue_log lines of the call whose ENTERQUEUE names `caller` (data2 is the caller id)."""
    lines = queue_log(root)
    ids = {ln.callid for ln in lines if ln.event == "ENTERQUEUE" and ln.data[1:2] == (caller,)}
    return [ln for ln in lines if ln.callid in ids]


def cdrs(root: Path, caller: str) -> list[dict[str, object]]:
    path = root / "var/log/asterisk/cdr-custom/cdr.jsonl"
    if not path.exists():
        return []
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in records if r.get("src") == caller]


async def eventually(probe: Callable[[], T | None], *, timeout: float, what: str) -> T:
    """Poll `probe` until it returns something truthy; fail with `what` after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        await asyncio.sleep(0.1)
