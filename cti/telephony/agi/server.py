"""The FastAGI server: bounded in time, size and concurrency, and quiet about callers.

panoramisk 1.4's server spins at 100% CPU when a client connects and closes, aborts on invalid
UTF-8 in a caller name, and lets a later duplicate header override routing. Here every read has
a deadline, a closed connection ends the session, and a session's failure is its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from cti.telephony.agi.channel import AgiChannel, AgiProtocolError, ChannelHungUp
from cti.telephony.agi.request import MAX_LINE, AgiRequest, BadRequest, read_request

log = logging.getLogger(__name__)

Route = Callable[[AgiRequest, AgiChannel], Awaitable[None]]


@dataclass
class AgiStats:
    served: int = 0
    rejected: int = 0
    bad_requests: int = 0
    unknown_routes: int = 0
    hung_up: int = 0
    timeouts: int = 0
    errors: int = 0


class FastAgiServer:
    def __init__(
        self,
        routes: Mapping[str, Route],
        *,
        host: str,
        port: int,
        session_timeout: float = 2.0,
        max_sessions: int = 256,
        budgets: Mapping[str, float] | None = None,
    ) -> None:
        self._routes = dict(routes)
        self._host, self._port = host, port
        # The dialplan stops waiting after about a second; past that the answer is useless.
        self._session_timeout = session_timeout
        # Routes that talk with the caller (a keypad survey) run longer: seconds per route.
        self._budgets = dict(budgets or {})
        self._slots = asyncio.Semaphore(max_sessions)
        self._server: asyncio.Server | None = None
        self.stats = AgiStats()

    @property
    def port(self) -> int:
        """The bound port (useful with port 0 in tests)."""
        assert self._server is not None and self._server.sockets
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def listening(self) -> bool:
        return self._server is not None and self._server.is_serving()

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._session, self._host, self._port, limit=MAX_LINE, reuse_address=True
        )

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self._slots.locked():
            # Overloaded: close at once; the dialplan fails open and the call goes on.
            self.stats.rejected += 1
            writer.close()
            return
        async with self._slots:
            try:
                await self._serve(reader, writer)
            except TimeoutError:
                self.stats.timeouts += 1
                log.warning("FastAGI session exceeded its time")
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        started = asyncio.get_running_loop().time()
        try:
            request = await read_request(reader, timeout=self._session_timeout)
        except BadRequest as error:
            self.stats.bad_requests += 1
            log.debug("FastAGI request refused: %s", error)
            return
        route = self._routes.get(request.route)
        if route is None:
            self.stats.unknown_routes += 1
            log.warning("FastAGI: no route %r", request.route[:40])
            return
        budget = self._budgets.get(request.route, self._session_timeout)
        channel = AgiChannel(reader, writer, timeout=budget)
        try:
            async with asyncio.timeout_at(started + budget):  # the whole session, read included
                await route(request, channel)
            self.stats.served += 1
        except ChannelHungUp:
            self.stats.hung_up += 1
        except TimeoutError:  # the route's budget: a slow lookup, a survey nobody answers
            self.stats.timeouts += 1
            log.warning("FastAGI %s on %s exceeded %.1f s", request.route, request.uniqueid,
                        budget)
        except (AgiProtocolError, ConnectionError) as error:
            self.stats.errors += 1
            log.warning("FastAGI %s on %s: %s", request.route, request.uniqueid, error)
        except Exception:
            self.stats.errors += 1
            log.exception("FastAGI route %s failed on %s", request.route, request.uniqueid)
