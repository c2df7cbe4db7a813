"""The operator console's live API: the WebSocket of pops and state, queue login and pause,
and the wrap-up disposition. Each acts for the signed-in operator's own softphone only."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from aiohttp import WSMsgType, web

from cti.console.desk import NO_SOFTPHONE, ConsoleDesk
from cti.console.hub import Outbox
from cti.console.queue_control import QueueControlError
from cti.console.wrapup import WrapUpError
from cti.domain.roles import Principal
from cti.web.auth import COOKIE
from cti.web.errors import ApiError
from cti.web.identity import principal_of
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT, CONSOLE, PEOPLE

log = logging.getLogger(__name__)
routes = web.RouteTableDef()

MAX_BODY = 8192
HEARTBEAT = 15.0  # a dead browser is noticed within two of these
# An open WebSocket outlives its HTTP request: the session behind it is checked again this
# often, so signing out, a disabled account or an expired session closes it.
SESSION_CHECK = 60.0
SESSION_ENDED = 4401  # WebSocket close code: the page then asks the user to sign in again
# Messages that show a citizen's data to the operator: each delivery is in the read audit.
_AUDITED = frozenset({"pop", "call"})


@routes.get("/api/console/ws")
async def console_ws(request: web.Request) -> web.WebSocketResponse:
    desk, principal = request.app[CONSOLE], _operator(request)
    ws = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=4096)
    await ws.prepare(request)
    # Subscribed before `hello` is built: a pop that rings in between is sent after it.
    with desk.subscribe(principal) as outbox:
        watchers = [asyncio.create_task(_read(ws)),
                    asyncio.create_task(_watch_session(request, ws))]
        try:
            hello = desk.hello(principal)
            await ws.send_str(_dumps(hello))
            await _audit(request, principal, [*hello["pops"], hello["call"]])
            await _write(request, principal, ws, outbox, watchers)
        except ConnectionError:
            pass  # the browser went away: it reconnects and gets a fresh hello
        finally:
            for task in watchers:
                task.cancel()
            await asyncio.gather(*watchers, return_exceptions=True)
            await ws.close()
    return ws


@routes.get("/api/console/state")
async def console_state(request: web.Request) -> web.Response:
    return json_ok(request.app[CONSOLE].hello(_operator(request)))


@routes.post("/api/console/queue/join")
async def join(request: web.Request) -> web.Response:
    return await _act(request, lambda desk, who, body: desk.join(who))


@routes.post("/api/console/queue/leave")
async def leave(request: web.Request) -> web.Response:
    return await _act(request, lambda desk, who, body: desk.leave(who))


@routes.post("/api/console/queue/pause")
async def pause(request: web.Request) -> web.Response:
    return await _act(request, lambda desk, who, body: desk.pause(who, _text(body, "reason")))


@routes.post("/api/console/queue/resume")
async def resume(request: web.Request) -> web.Response:
    return await _act(request, lambda desk, who, body: desk.resume(who))


@routes.post("/api/console/disposition")
async def disposition(request: web.Request) -> web.Response:
    def dispose(desk: ConsoleDesk, who: Principal, body: dict[str, Any]) -> Any:
        then_pause = body.get("then_pause")
        if then_pause is not None and not isinstance(then_pause, str):
            raise _invalid("then_pause")
        return desk.dispose(who, _text(body, "call_id", 64), _text(body, "code", 32),
                            _text(body, "note", 2000, required=False), then_pause or None)

    return await _act(request, dispose)


async def _act(request: web.Request, action: Any) -> web.Response:
    desk, principal = request.app[CONSOLE], _operator(request)
    body = await _body(request)
    try:
        await action(desk, principal, body)
    except QueueControlError as error:
        raise ApiError(503, "pbx_unavailable", str(error)) from None
    except WrapUpError as error:
        raise ApiError(409, "not_allowed", str(error)) from None
    return json_ok(desk.hello(principal))


async def _read(ws: web.WebSocketResponse) -> None:
    """The browser only says it is alive; anything else it sends is ignored."""
    async for message in ws:
        if message.type == WSMsgType.TEXT and message.data == "ping":
            await ws.send_str('{"type":"pong"}')
        elif message.type == WSMsgType.ERROR:
            return


async def _watch_session(request: web.Request, ws: web.WebSocketResponse) -> None:
    people = request.app.get(PEOPLE)
    token = request.cookies.get(COOKIE)
    if people is None or not token:
        await asyncio.Event().wait()  # no sessions in this app (tests): nothing to watch
        return
    while not ws.closed:
        await asyncio.sleep(SESSION_CHECK)
        if await people.sessions.resolve(token) is None:
            await ws.close(code=SESSION_ENDED, message=b"session ended")
            return


async def _audit(request: web.Request, principal: Principal, shown: list[Any]) -> None:
    audit = request.app.get(ACCESS_AUDIT)
    if audit is None:
        return
    for message in shown:
        if message is not None and message.get("caller", {}).get("number"):
            await audit.record(principal.username, "screen_pop", str(message["call_id"]))


async def _write(request: web.Request, principal: Principal, ws: web.WebSocketResponse,
                 outbox: Outbox, watchers: list[asyncio.Task[None]]) -> None:
    overflow = asyncio.create_task(outbox.overflowed.wait())
    try:
        while not ws.closed:
            get = asyncio.ensure_future(outbox.messages.get())
            done, _ = await asyncio.wait({get, overflow, *watchers},
                                         return_when=asyncio.FIRST_COMPLETED)
            if get not in done:
                get.cancel()
                if overflow in done:
                    log.warning("console cut: the browser fell %d messages behind",
                                outbox.messages.qsize())
                return
            message = get.result()
            await ws.send_str(_dumps(message))
            if message.get("type") in _AUDITED:  # after the send: the pop never waits for it
                await _audit(request, principal, [message])
    finally:
        overflow.cancel()


def _operator(request: web.Request) -> Principal:
    principal = principal_of(request)
    if principal is None:
        raise ApiError(401, "unauthorized", "Kimlik doğrulama gerekli / authentication required")
    if not principal.extension:
        raise ApiError(409, "no_softphone", NO_SOFTPHONE)
    return principal


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    raw = await request.content.read(MAX_BODY + 1)
    if len(raw) > MAX_BODY:
        raise ApiError(413, "too_large", "İstek çok büyük / request too large")
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "invalid_json", "Geçersiz JSON / invalid JSON") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "JSON nesnesi bekleniyor / a JSON object expected")
    return body


def _text(body: dict[str, Any], name: str, limit: int = 64, *, required: bool = True) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > limit or (required and not value.strip()):
        raise _invalid(name)
    return value.strip()


def _invalid(name: str) -> ApiError:
    return ApiError(400, "invalid_field", f"Geçersiz alan / invalid field: {name}")


def _dumps(message: dict[str, Any]) -> str:
    return json.dumps(message, ensure_ascii=False, allow_nan=False)
