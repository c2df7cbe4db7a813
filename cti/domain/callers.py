"""What the CTI knows about a caller at the moment their call arrives."""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol

REPEAT_WINDOW = 24 * 3600.0


@dataclass(frozen=True)
class CallerHints:
    """Set as channel variables for the dialplan and the screen pop."""

    known: bool = False
    open_tickets: int = 0
    last_ticket: str = ""
    repeat: bool = False
    blocked: bool = False

    @property
    def queue_priority(self) -> int:
        # Someone calling again within a day usually calls about the same unsolved problem.
        return 1 if self.repeat else 0


class CallerLookup(Protocol):
    async def hints(self, number: str | None) -> CallerHints: ...


class RecentCallers:
    """Repeat-caller memory and the block list, held in memory by `cti serve`.

    Ticket history (known citizen, open tickets) comes from the ticket store once it exists.
    """

    def __init__(self, blocked: frozenset[str] = frozenset(), *, capacity: int = 200_000) -> None:
        self._blocked = blocked
        self._seen: OrderedDict[str, float] = OrderedDict()
        self._capacity = capacity

    async def hints(self, number: str | None) -> CallerHints:
        if number is None:
            return CallerHints()
        now = time.monotonic()
        last = self._seen.pop(number, None)
        self._seen[number] = now
        if len(self._seen) > self._capacity:
            self._seen.popitem(last=False)
        repeat = last is not None and now - last < REPEAT_WINDOW
        return CallerHints(repeat=repeat, blocked=number in self._blocked)
