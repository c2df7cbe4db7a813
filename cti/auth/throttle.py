"""Sign-in throttling, in memory: too many failures for a username, or from one address,
and sign-ins are refused for a while.

A username is throttled whether or not it exists, so the refusal says nothing about who has
an account. A refused attempt is not counted (the lock does not grow by itself), and a
success clears its username's failures but not its address's: one valid account does not
buy a guessing script more tries.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

MAX_FAILURES = 5
WINDOW = 300.0  # failures older than this are forgotten
LOCKOUT = 60.0
# Past this many remembered keys, those with no recent failure are dropped.
SWEEP_ABOVE = 10_000


class _Key:
    __slots__ = ("failures", "locked_until")

    def __init__(self) -> None:
        self.failures: deque[float] = deque()
        self.locked_until = 0.0

    def idle(self, now: float, window: float) -> bool:
        recent = bool(self.failures) and self.failures[-1] > now - window
        return self.locked_until <= now and not recent


class LoginThrottle:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        max_failures: int = MAX_FAILURES,
        window: float = WINDOW,
        lockout: float = LOCKOUT,
    ) -> None:
        self._clock = clock
        self._max = max_failures
        self._window = window
        self._lockout = lockout
        self._keys: dict[str, _Key] = {}

    def retry_after(self, username: str, address: str | None) -> float:
        """Seconds until this sign-in may be tried; 0 when it may be tried now."""
        now = self._clock()
        waits = [key.locked_until - now for key in self._known(username, address)]
        return max([0.0, *waits])

    def failed(self, username: str, address: str | None) -> None:
        now = self._clock()
        if len(self._keys) > SWEEP_ABOVE:
            self._sweep(now)
        for name in _names(username, address):
            key = self._keys.setdefault(name, _Key())
            key.failures.append(now)
            while key.failures and key.failures[0] <= now - self._window:
                key.failures.popleft()
            if len(key.failures) >= self._max:
                key.locked_until = now + self._lockout

    def succeeded(self, username: str) -> None:
        self._keys.pop(_user_key(username), None)

    def _known(self, username: str, address: str | None) -> list[_Key]:
        return [self._keys[name] for name in _names(username, address) if name in self._keys]

    def _sweep(self, now: float) -> None:
        for name in [name for name, key in self._keys.items() if key.idle(now, self._window)]:
            del self._keys[name]


def _user_key(username: str) -> str:
    return "user:" + username.strip().lower()[:64]


def _names(username: str, address: str | None) -> list[str]:
    return [_user_key(username), *([f"addr:{address}"] if address else [])]
