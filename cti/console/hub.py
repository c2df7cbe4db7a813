"""Each operator's stream of console messages, keyed by their softphone's extension.

Publishing never waits: a message goes into every open connection's outbox. A browser that
stops reading (a frozen tab) fills its outbox; it is then cut, reconnects and starts again
from a `hello` with the whole current state, which is how every (re)connect catches up.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

Json = dict[str, Any]

OUTBOX_LIMIT = 500


class Outbox:
    """One WebSocket's pending messages; `overflowed` says it was cut for falling behind."""

    def __init__(self, limit: int = OUTBOX_LIMIT) -> None:
        self.messages: asyncio.Queue[Json] = asyncio.Queue(maxsize=limit)
        self.overflowed = asyncio.Event()

    def offer(self, message: Json) -> None:
        try:
            self.messages.put_nowait(message)
        except asyncio.QueueFull:
            self.overflowed.set()


class ConsoleHub:
    def __init__(self) -> None:
        self._outboxes: dict[str, set[Outbox]] = defaultdict(set)
        self._seq = itertools.count(1)

    def publish(self, extension: str, message: Json) -> None:
        """`seq` grows across all messages: a client sees a gap only if it was cut."""
        outboxes = self._outboxes.get(extension)
        if not outboxes:
            return
        message["seq"] = next(self._seq)
        for outbox in outboxes:
            outbox.offer(message)

    def connected(self) -> list[str]:
        return [extension for extension, boxes in self._outboxes.items() if boxes]

    def is_connected(self, extension: str) -> bool:
        return bool(self._outboxes.get(extension))

    @contextmanager
    def subscribe(self, extension: str) -> Iterator[Outbox]:
        outbox = Outbox()
        self._outboxes[extension].add(outbox)
        try:
            yield outbox
        finally:
            boxes = self._outboxes.get(extension)
            if boxes is not None:
                boxes.discard(outbox)
                if not boxes:
                    del self._outboxes[extension]
