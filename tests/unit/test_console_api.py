"""The console routes: the WebSocket's hello and live messages, queue actions, dispositions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler

from cti.console.desk import ConsoleDesk
from cti.console.history import PopHistory
from cti.console.hub import ConsoleHub
from cti.console.queue_control import QueueControl
from cti.console.service import ConsoleService
from cti.console.wrapup import WrapUp
from cti.domain.roles import Principal, Role
from cti.live.state import LiveState
from cti.telephony.ami.frames import Frame
from cti.telephony.ami.session import AmiError
from cti.web.app import create_app
from cti.web.identity import PRINCIPAL
from cti.web.routes import console as console_routes
from cti.web.routes.console import SESSION_ENDED
from tests.unit.auth_support import PASSWORD, client_for, people_db, people_of, sign_in
from tests.unit.test_console_rings import CALL, MemoryDispositions, agent, called, lookup
from tests.unit.test_web_api import FailingLog, FakeHealth, FakeQueues

AYSE = Principal(user_id=1, username="ayse", full_name="Ayşe Yılmaz",
                 roles=frozenset({Role.OPERATOR}), extension="1001")
NO_PHONE = Principal(user_id=2, username="sup", full_name="Süpervizör",
                     roles=frozenset({Role.OPERATOR}))


class Ami:
    def __init__(self) -> None:
        self.sent: list[tuple[str, dict[str, str | int]]] = []
        self.down = False
        self.answer = Frame((("Response", "Success"),))

    async def action(self, name: str, headers: Mapping[str, str | int] | None = None,
                     variables: Mapping[str, str] | None = None, *,
                     timeout: float = 5.0) -> Frame:
        if self.down:
            raise AmiError("AMI link is reconnecting")
        self.sent.append((name, dict(headers or {})))
        return self.answer


class Rig:
    def __init__(self) -> None:
        self.ami, self.saved, self.hub = Ami(), MemoryDispositions(), ConsoleHub()
        control = QueueControl(self.ami)
        self.wrapup = WrapUp(control, self.saved)  # type: ignore[arg-type]
        self.service = ConsoleService(self.hub, PopHistory(lookup), self.wrapup, LiveState)
        self.desk = ConsoleDesk(self.service, self.hub, control, self.wrapup)
        self.who: Principal | None = AYSE


@pytest.fixture
async def rig() -> AsyncIterator[tuple[Rig, TestClient]]:
    rig = Rig()

    @web.middleware
    async def as_user(request: web.Request, handler: Handler) -> web.StreamResponse:
        if rig.who is not None:
            request[PRINCIPAL] = rig.who
        return await handler(request)

    app = create_app(calls=FailingLog(), queues=FakeQueues(), health=FakeHealth(),
                     auth=as_user, console=rig.desk)
    async with TestClient(TestServer(app)) as client:
        yield rig, client
    await rig.service.close()


async def test_the_websocket_says_hello_then_streams_pops(rig: tuple[Rig, TestClient]) -> None:
    state, client = rig
    state.service.on_frame(called("1001", call="earlier-call"))  # ringing before connecting
    async with client.ws_connect("/api/console/ws") as ws:
        hello = await ws.receive_json(timeout=2)
        assert hello["type"] == "hello" and hello["pops"][0]["call_id"] == "earlier-call"
        assert hello["queues"] == ["alo153"] and hello["codes"]["dispositions"]
        state.service.on_frame(called("1001"))
        pop = await ws.receive_json(timeout=2)
        assert (pop["type"], pop["call_id"]) == ("pop", CALL)
        state.service.on_frame(called("1002", call="not-mine"))  # another phone's ring
        state.service.on_frame(agent("AgentRingNoAnswer", "1001"))
        closed = await ws.receive_json(timeout=2)
        assert closed["type"] in ("history", "pop_closed")
        await ws.send_str("ping")
        seen = [closed["type"]]
        while "pong" not in seen:
            seen.append((await ws.receive_json(timeout=2))["type"])
        assert "pop" not in seen[1:]


async def test_a_reconnect_gets_the_state_again(rig: tuple[Rig, TestClient]) -> None:
    state, client = rig
    async with client.ws_connect("/api/console/ws") as ws:
        await ws.receive_json(timeout=2)
    state.service.on_frame(agent("AgentConnect", "1001"))  # answered while disconnected
    async with client.ws_connect("/api/console/ws") as ws:
        hello = await ws.receive_json(timeout=2)
    assert hello["call"]["call_id"] == CALL


async def test_queue_actions_go_to_asterisk_for_the_users_own_phone(
    rig: tuple[Rig, TestClient],
) -> None:
    state, client = rig
    assert (await client.post("/api/console/queue/join")).status == 200
    assert state.ami.sent[-1] == ("QueueAdd", {
        "Queue": "alo153", "Interface": "PJSIP/1001", "MemberName": "ayse",
        "StateInterface": "PJSIP/1001", "Penalty": 0, "Paused": "false"})
    answer = await client.post("/api/console/queue/pause", json={"reason": "egitim"})
    assert answer.status == 200
    assert state.ami.sent[-1][1] == {"Interface": "PJSIP/1001", "Paused": "true",
                                     "Reason": "egitim"}
    assert (await client.post("/api/console/queue/pause", json={"reason": "x\r\nAction: y"})
            ).status == 409
    assert (await client.post("/api/console/queue/pause", json=["mola"])).status == 400
    await client.post("/api/console/queue/resume")
    await client.post("/api/console/queue/leave")
    assert [name for name, _ in state.ami.sent] == ["QueueAdd", "QueuePause", "QueuePause",
                                                    "QueueRemove"]


async def test_asterisk_refusals_and_outages_are_clear_errors(
    rig: tuple[Rig, TestClient],
) -> None:
    state, client = rig
    state.ami.answer = Frame((("Response", "Error"), ("Message", "Interface not found")))
    refused = await client.post("/api/console/queue/resume")
    assert refused.status == 503 and "Interface not found" in (await refused.json())[
        "error"]["message"]
    state.ami.answer = Frame((("Response", "Error"),
                              ("Message", "Unable to add interface: Already there")))
    assert (await client.post("/api/console/queue/join")).status == 200  # already in: fine
    state.ami.down = True
    down = await client.post("/api/console/queue/join")
    assert down.status == 503 and (await down.json())["error"]["code"] == "pbx_unavailable"


async def test_a_disposition_ends_wrap_up(rig: tuple[Rig, TestClient]) -> None:
    state, client = rig
    state.service.on_frame(agent("AgentConnect", "1001"))
    state.service.on_frame(agent("AgentComplete", "1001"))
    await asyncio.sleep(0.01)
    assert (await (await client.get("/api/console/state")).json())["wrapup"][0]["call_id"] \
        == CALL
    answer = await client.post("/api/console/disposition",
                               json={"call_id": CALL, "code": "cozuldu", "note": "tamam",
                                     "then_pause": "yemek"})
    assert answer.status == 200 and (await answer.json())["wrapup"] == []
    assert state.saved.saved[0].operator == "ayse"
    assert state.ami.sent[-1][1] == {"Interface": "PJSIP/1001", "Paused": "true",
                                     "Reason": "yemek"}
    other = await client.post("/api/console/disposition",
                              json={"call_id": "someone-elses", "code": "cozuldu"})
    assert other.status == 409
    missing = await client.post("/api/console/disposition", json={"call_id": CALL})
    assert missing.status == 400


async def test_without_a_softphone_the_console_says_so(rig: tuple[Rig, TestClient]) -> None:
    state, client = rig
    state.who = NO_PHONE
    answer = await client.get("/api/console/state")
    assert answer.status == 409 and (await answer.json())["error"]["code"] == "no_softphone"
    state.who = None
    assert (await client.get("/api/console/state")).status == 401


async def test_signing_out_closes_the_open_websocket(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(console_routes, "SESSION_CHECK", 0.05)
    db = await people_db(tmp_path)
    await db.users.add("ayse", "Ayşe Yılmaz", PASSWORD, ["operator"], extension="1001")
    rig = Rig()
    app = create_app(calls=FailingLog(), queues=FakeQueues(), health=FakeHealth(),
                     console=rig.desk, people=people_of(db))
    client = await client_for(app)
    try:
        status, session = await sign_in(client, "ayse")
        assert status == 200
        async with client.ws_connect("/api/console/ws") as ws:
            assert (await ws.receive_json(timeout=2))["type"] == "hello"
            out = await client.delete("/api/session",
                                      headers={"X-CSRF-Token": session["csrf_token"]})
            assert out.status == 200
            closing = await ws.receive(timeout=2)
            assert closing.type == WSMsgType.CLOSE and closing.data == SESSION_ENDED
        assert (await client.get("/api/console/state")).status == 401
    finally:
        await client.close()
        await rig.service.close()
        await db.engine.dispose()
