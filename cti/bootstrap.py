"""The composition root: builds every adapter and service `cti serve` runs, and owns them."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator

import agi_scripts
from cti.config import Settings
from cti.domain.callers import RecentCallers
from cti.telephony.agi.server import FastAgiServer

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def running_services(settings: Settings) -> AsyncIterator[FastAgiServer]:
    callers = RecentCallers(settings.blocklist)
    agi = FastAgiServer(agi_scripts.routes(callers), host=settings.agi_host, port=settings.agi_port)
    await agi.start()
    log.info("FastAGI listening on %s:%d", settings.agi_host, agi.port)
    try:
        yield agi
    finally:
        await agi.close()


async def serve(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Run until SIGINT/SIGTERM (or `stop` is set)."""
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    async with running_services(settings):
        await stop.wait()
