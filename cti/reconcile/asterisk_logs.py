"""Reading Asterisk's own call records: queue_log lines and the JSON CDRs (cdr_custom.conf).

Both files are written by Asterisk and read here as untrusted text: a line that does not parse
is counted and skipped, never fatal.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class QueueLogEntry:
    """`epoch|callid|queue|agent|event|data1|data2|…` (callid is the caller channel's Uniqueid)."""

    epoch: int
    callid: str
    queue: str
    agent: str
    event: str
    data: tuple[str, ...]

    def field(self, index: int) -> str:
        return self.data[index] if index < len(self.data) else ""

    def number(self, index: int) -> int | None:
        value = self.field(index)
        return int(value) if value.isascii() and value.isdigit() else None


@dataclass(frozen=True)
class Cdr:
    linkedid: str
    uniqueid: str
    src: str
    clid: str
    dcontext: str
    dstchannel: str
    lastapp: str
    disposition: str
    start: float
    answer: float | None
    end: float


def parse_queue_log(lines: Iterable[str]) -> Iterator[QueueLogEntry]:
    for line in lines:
        fields = line.rstrip("\n").split("|")
        # isdigit alone lets "²" through to int(): ASCII digits only.
        if (len(fields) >= 5 and fields[0].isascii() and fields[0].isdigit()
                and fields[1] not in ("", "NONE")):
            yield QueueLogEntry(int(fields[0]), fields[1], fields[2], fields[3], fields[4],
                                tuple(fields[5:]))


def parse_cdrs(lines: Iterable[str]) -> Iterator[Cdr]:
    for line in lines:
        cdr = _cdr(line)
        if cdr is not None:
            yield cdr


def _cdr(line: str) -> Cdr | None:
    try:
        raw = json.loads(line)
        answer = float(raw.get("answer") or 0)
        return Cdr(
            linkedid=str(raw["linkedid"]), uniqueid=str(raw["uniqueid"]),
            src=str(raw.get("src", "")), clid=str(raw.get("clid", "")),
            dcontext=str(raw.get("dcontext", "")), dstchannel=str(raw.get("dstchannel", "")),
            lastapp=str(raw.get("lastapp", "")), disposition=str(raw.get("disposition", "")),
            start=float(raw["start"]), answer=answer or None, end=float(raw["end"]),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


@dataclass(frozen=True)
class ReadPosition:
    """Where reading a log file stopped, and how to recognise that same file again."""

    inode: int = 0
    offset: int = 0
    head: bytes = b""


HEAD_BYTES = 64


def read_lines(path: Path, position: ReadPosition) -> tuple[list[str], ReadPosition]:
    """Complete lines appended since `position`. A file that was replaced or truncated
    (log rotation: new inode, shorter, or different first bytes) is read from its start."""
    try:
        with path.open("rb") as handle:
            inode = os.fstat(handle.fileno()).st_ino
            head = handle.read(HEAD_BYTES)
            size = handle.seek(0, 2)
            same = (inode, head[: len(position.head)]) == (position.inode, position.head)
            start = position.offset if same and position.offset <= size else 0
            handle.seek(start)
            data = handle.read()
    except FileNotFoundError:
        return [], ReadPosition()
    complete = data[: data.rfind(b"\n") + 1]  # a half-written last line waits for next time
    text = complete.decode("utf-8", errors="replace")
    return text.splitlines(), ReadPosition(inode, start + len(complete), head)
