"""When a message that failed for a passing reason is tried again.

30 s, 2 min, 10 min, 1 h, then doubling up to 6 h; the eighth failure is the last. That
spans about 13 hours: a gateway or mail server down overnight is survived, a message nobody
can deliver is given up the next morning and shows as failed to the supervisor.
Each delay is spread by ±20 % so that messages held up by one outage do not all come back
in the same second.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Backoff:
    steps: tuple[float, ...] = (30.0, 120.0, 600.0, 3600.0)
    cap: float = 6 * 3600.0
    max_attempts: int = 8
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if not self.steps or self.max_attempts < 1 or not 0 <= self.jitter < 1:
            raise ValueError("back-off needs steps, at least one attempt and jitter in [0, 1)")

    def delay(self, attempts: int, rand: Callable[[], float] = random.random) -> float | None:
        """Seconds to wait after the `attempts`-th failed try (1 for the first); None when
        that try was the last."""
        if attempts >= self.max_attempts:
            return None
        base = self.base(attempts)
        return base * (1.0 + self.jitter * (2.0 * rand() - 1.0))

    def base(self, attempts: int) -> float:
        """The delay before jitter."""
        if attempts <= len(self.steps):
            return min(self.steps[max(attempts, 1) - 1], self.cap)
        doublings = attempts - len(self.steps)
        return min(self.steps[-1] * 2.0**doublings, self.cap)
