"""What the Redis publisher and follower share: timing, the errors that mean "Redis is away",
outage bookkeeping (log once per outage, count every failure) and the JSON wire form.

The call centre works without Redis: these errors are expected, reported, and survived.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from redis.exceptions import RedisError

from cti.live.messages import Json

log = logging.getLogger(__name__)

# Everything a Redis call raises when the server is stopped, restarted, unreachable or hung.
REDIS_DOWN = (RedisError, OSError, TimeoutError)


@dataclass(frozen=True, kw_only=True)
class RedisTiming:
    # Bounds every round trip, whatever retry policy the client was built with (redis-py
    # retries a dead server ten times by default).
    operation_timeout: float = 2.0
    backoff_first: float = 0.2
    backoff_max: float = 5.0
    # The publisher rewrites the whole snapshot this often when idle (so a Redis restarted
    # empty gets it back); the follower checks the version key this often.
    refresh_interval: float = 5.0


@dataclass(frozen=True)
class RedisHealth:
    connected: bool
    failures: int      # Redis calls that failed
    outages: int       # times Redis went away
    last_error: str
    since: float       # when `connected` last changed


class RedisLink:
    """Up/down bookkeeping with backoff for one loop talking to Redis."""

    def __init__(self, role: str, timing: RedisTiming) -> None:
        self._role = role
        self._timing = timing
        self._connected = False
        self._failures = 0
        self._outages = 0
        self._last_error = ""
        self._since = time.time()
        self._delay = timing.backoff_first

    def failed(self, error: BaseException) -> float:
        """Count the failure, log the first of an outage; the seconds to wait before retrying."""
        self._failures += 1
        self._last_error = f"{type(error).__name__}: {error or 'no answer in time'}"
        if self._connected or self._outages == 0:
            self._outages += 1
            self._connected, self._since = False, time.time()
            log.warning("Redis unavailable to the live %s (%s); serving in-process state",
                        self._role, self._last_error)
        delay = self._delay
        self._delay = min(self._delay * 2, self._timing.backoff_max)
        return delay

    def succeeded(self) -> None:
        self._delay = self._timing.backoff_first
        if not self._connected:
            if self._outages:
                log.info("Redis is back for the live %s", self._role)
            self._connected, self._since = True, time.time()

    def health(self) -> RedisHealth:
        return RedisHealth(self._connected, self._failures, self._outages, self._last_error,
                           self._since)


def encode(message: Json) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def decode(data: Any) -> Json | None:
    """A message from Redis, or None when it is not one of ours."""
    try:
        value = json.loads(data)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) and "type" in value else None
