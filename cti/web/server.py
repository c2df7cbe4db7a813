"""Serving the API: how the composition root starts it, and the tests' server options too."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any, Final

from aiohttp import web

# aiohttp's access log writes the request line, query string and all (`%r`), and its format
# has no path-only field; `?caller=` holds a citizen's number, which KVKK (Law No. 6698,
# art. 12) keeps out of logs. The `request_log` middleware logs each request instead.
RUNNER_OPTIONS: Final[Mapping[str, Any]] = {"access_log": None}


@contextlib.asynccontextmanager
async def serving(app: web.Application, *, host: str, port: int) -> AsyncIterator[web.AppRunner]:
    """Listen on host:port until the block ends; `runner.addresses` says where (port 0)."""
    runner = web.AppRunner(app, **RUNNER_OPTIONS)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        yield runner
    finally:
        await runner.cleanup()
