"""`GET /api/health`: each component up or down, with the reason a supervisor can act on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cti.telephony.agi.server import FastAgiServer
from cti.telephony.ami.client import AmiClient, LinkState
from cti.web.ports import ComponentHealth

CHECK_TIMEOUT = 2.0

RedisPing = Callable[[], Awaitable[object]]


class ServiceHealth:
    def __init__(
        self,
        *,
        ami: AmiClient,
        agi: FastAgiServer,
        engine: AsyncEngine,
        redis_ping: RedisPing | None,
    ) -> None:
        self._ami, self._agi, self._engine, self._redis_ping = ami, agi, engine, redis_ping

    async def check(self) -> Mapping[str, ComponentHealth]:
        database, redis = await asyncio.gather(self._database(), self._redis())
        return {"ami": self._ami_health(), "fastagi": self._agi_health(),
                "database": database, "redis": redis}

    def _ami_health(self) -> ComponentHealth:
        link = self._ami.health()
        detail = {"state": link.state.value, "since": link.since, "connects": link.connects,
                  "handler_errors": link.handler_errors}
        return ComponentHealth(link.state is LinkState.UP, link.reason, detail)

    def _agi_health(self) -> ComponentHealth:
        stats = vars(self._agi.stats)
        if not self._agi.listening:
            return ComponentHealth(False, "not listening", stats)
        return ComponentHealth(True, f"listening on port {self._agi.port}", stats)

    async def _database(self) -> ComponentHealth:
        try:
            async with asyncio.timeout(CHECK_TIMEOUT), self._engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as error:
            return ComponentHealth(False, f"{type(error).__name__}", {})
        return ComponentHealth(True, "answering", {"dialect": self._engine.dialect.name})

    async def _redis(self) -> ComponentHealth:
        if self._redis_ping is None:
            return ComponentHealth(True, "not configured", {})
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                await self._redis_ping()
        except Exception as error:
            return ComponentHealth(False, f"{type(error).__name__}", {})
        return ComponentHealth(True, "answering", {})
