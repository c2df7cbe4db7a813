"""Background jobs that repeat: each run guarded, so one failure never ends the job."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def every(
    interval: float, job: Callable[[], Awaitable[object]], *, name: str, now: bool = True
) -> None:
    """Run `job` (now, unless `now` is False) and then every `interval` seconds until
    cancelled."""
    if not now:
        await asyncio.sleep(interval)
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("%s failed; next try in %.0f s", name, interval)
        await asyncio.sleep(interval)
