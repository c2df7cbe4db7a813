"""The console's live side against the real PBX, over HTTP and the WebSocket (no browser):
a callback placed as the dialer places it pops on the feedback operator's console, and the
console's queue state survives a page reload and a PBX restart."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from cti.bootstrap import Services, running_services
from cti.config import Settings
from cti.domain.roles import Role
from cti.pbx.sandbox import Sandbox
from cti.simulate import (
    CallbackPhone,
    OperatorPhone,
    SippProcess,
    callback_command,
    operator_command,
)
from cti.telephony.ami.session import AmiSession
from tests.integration.conftest import citizen_number
from tests.integration.test_callback_calls import originate

PASSWORD = "konsol-parola-153"


@pytest.fixture
async def services(sandbox: Sandbox, settings: Settings, tmp_path: Path,
                   ami: AmiSession) -> AsyncIterator[Services]:
    cti_settings = dataclasses.replace(
        settings, data_dir=tmp_path, asterisk_log_dir=sandbox.paths.root / "var/log/asterisk",
        http_port=0)
    async with running_services(cti_settings) as running:
        await running.ami.wait_up(10)
        users = running.stores.people.users
        await users.add("ayse", "Ayşe Yılmaz", PASSWORD, [Role.OPERATOR], extension="1001")
        await users.add("geri", "Geri Bildirim", PASSWORD, [Role.FEEDBACK_OPERATOR],
                        extension="1010")
        yield running


class Console:
    """One operator's browser, as a program: a cookie jar, the CSRF token, the WebSocket."""

    def __init__(self, http: aiohttp.ClientSession, url: str, csrf: str) -> None:
        self.http, self.url, self.csrf = http, url, csrf

    @classmethod
    async def sign_in(cls, url: str, username: str) -> Console:
        # unsafe: the cookie of a server named by IP address (127.0.0.1) is kept too.
        http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        answer = await http.post(f"{url}/api/session",
                                 json={"username": username, "password": PASSWORD})
        assert answer.status == 200
        return cls(http, url, (await answer.json())["csrf_token"])

    async def post(self, path: str, body: dict[str, Any] | None = None) -> int:
        answer = await self.http.post(f"{self.url}{path}", json=body or {},
                                      headers={"X-CSRF-Token": self.csrf})
        return answer.status

    def socket(self) -> Any:
        return self.http.ws_connect(f"{self.url}/api/console/ws")

    async def close(self) -> None:
        await self.http.close()


async def message(ws: Any, wanted: Callable[[dict[str, Any]], bool],
                  timeout: float = 15) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            received = await ws.receive_json()
            if wanted(received):
                return received  # type: ignore[no-any-return]


async def test_a_callback_pops_on_the_feedback_operators_console(
    services: Services, ami: AmiSession,
) -> None:
    console = await Console.sign_in(services.http_url, "geri")
    phones = [await SippProcess.start(operator_command(OperatorPhone("1010", ring_seconds=2))),
              await SippProcess.start(callback_command(CallbackPhone(
                  behaviour="answer", ring_seconds=0.5, talk_seconds=4)))]
    try:
        assert await console.post("/api/console/queue/join") == 200
        async with console.socket() as ws:
            hello = await ws.receive_json()
            assert hello["queues"] == ["alo153-feedback"]
            if hello["agent"] is None:  # the join's event may come after the hello
                await message(ws, lambda m: m["type"] == "agent" and m["agent"] is not None)
            response = await originate(ami, citizen_number(), "attempt-pop-1")
            assert response.get("Response") == "Success"
            pop = await message(ws, lambda m: m["type"] == "pop")
            assert pop["queue"] == "alo153-feedback"
            assert pop["hints"]["attempt"] == "attempt-pop-1"
            call = await message(ws, lambda m: m["type"] == "call")
            assert call["call_id"] == pop["call_id"]
    finally:
        await asyncio.gather(*(p.stop(grace=1) for p in phones), return_exceptions=True)
        await console.close()


async def test_queue_state_survives_a_reload_and_a_pbx_restart(
    services: Services, sandbox: Sandbox,
) -> None:
    console = await Console.sign_in(services.http_url, "ayse")
    try:
        assert await console.post("/api/console/queue/join") == 200
        assert await console.post("/api/console/queue/pause", {"reason": "egitim"}) == 200
        async with console.socket() as ws:
            hello = await ws.receive_json()
            paused = hello if hello["agent"] and hello["agent"]["paused"] else await message(
                ws, lambda m: m["type"] == "agent" and bool(m["agent"] and m["agent"]["paused"]))
            assert paused["agent"]["pause_reason"] == "egitim"
        async with console.socket() as ws:  # a reload: the state comes whole in hello
            hello = await ws.receive_json()
            assert hello["agent"]["queues"] == ["alo153"] and hello["agent"]["paused"]
            await asyncio.to_thread(sandbox.down)
            await asyncio.to_thread(sandbox.up)
            await services.ami.wait_up(15)
            again = await message(ws, lambda m: m["type"] == "agent" and m["agent"] is not None)
        # persistentmembers: Asterisk kept the member, the pause and its reason.
        assert again["agent"]["queues"] == ["alo153"]
        assert again["agent"]["pause_reason"] == "egitim"
        assert await console.post("/api/console/queue/resume") == 200
        assert await console.post("/api/console/queue/leave") == 200
    finally:
        await console.close()
