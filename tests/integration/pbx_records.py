"""Reading what Asterisk itself recorded: queue_log lines and CDRs, for assertions."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class QueueLogLine:
    epoch: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]


def queue_log(root: Path) -> list[QueueLogLine]:
    path = root / "var/log/asterisk/queue_log"
    if not path.exists():
        return []
    lines = []
    for raw in path.read_text(errors="replace").splitlines():
        fields = raw.split("|")
        if len(fields) >= 5 and fields[0].isdigit():
            lines.append(
                QueueLogLine(int(fields[0]), fields[1], fields[2], fields[3], fields[4],
                             tuple(fields[5:]))
            )
    return lines


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
