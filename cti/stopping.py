"""Stopping background tasks without ever hanging a shutdown on one of them."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

log = logging.getLogger(__name__)

GRACE = 5.0  # seconds a cancelled task may take to end


async def cancel_all(tasks: Iterable[asyncio.Task[Any]], what: str,
                     grace: float = GRACE) -> None:
    """Cancel `tasks` and wait up to `grace` seconds for them to end. One that does not (a
    cancellation swallowed somewhere below it) is logged and left behind: the rest of the
    shutdown (the FastAGI port, the database) must still happen."""
    pending = [task for task in tasks if not task.done()]
    for task in pending:
        task.cancel()
    if not pending:
        return
    _, stuck = await asyncio.wait(pending, timeout=grace)
    for task in stuck:
        log.error("%s: task %s did not stop within %.0f s; left behind", what,
                  task.get_name(), grace)
