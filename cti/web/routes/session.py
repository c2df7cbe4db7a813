"""`POST /api/session` (sign in), `GET /api/session` (who am I), `DELETE /api/session`."""

from __future__ import annotations

import logging
import math

from aiohttp import web

from cti.domain.roles import Principal
from cti.web.auth import (
    COOKIE,
    NOT_SIGNED_IN,
    SESSION,
    clear_session_cookie,
    set_session_cookie,
)
from cti.web.errors import ApiError
from cti.web.json_body import read_object, text_field
from cti.web.responses import json_error, json_ok
from cti.web.state import PEOPLE

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

# One answer for an unknown user, a wrong password and a deactivated account.
BAD_CREDENTIALS = ApiError(
    401, "invalid_credentials", "Kullanıcı adı ya da parola yanlış / wrong username or password"
)
TOO_MANY = ApiError(
    429, "too_many_attempts", "Çok fazla başarısız deneme; biraz bekleyin / too many attempts, wait"
)
_CREDENTIALS = frozenset({"username", "password"})


def session_user(principal: Principal) -> dict[str, object]:
    return {
        "username": principal.username,
        "full_name": principal.full_name,
        "roles": sorted(principal.roles),
        "extension": principal.extension,
        "unit": principal.unit,
    }


@routes.post("/api/session")
async def sign_in(request: web.Request) -> web.Response:
    people = request.app[PEOPLE]
    body = await read_object(request, _CREDENTIALS)
    username = text_field(body, "username", required=True) or ""
    password = text_field(body, "password", required=True) or ""
    wait = people.throttle.retry_after(username, request.remote)
    if wait > 0:
        refused = json_error(TOO_MANY)
        refused.headers["Retry-After"] = str(math.ceil(wait))
        return refused
    user = await people.users.authenticate(username, password)
    if user is None:
        people.throttle.failed(username, request.remote)
        raise BAD_CREDENTIALS  # nothing logged: people type passwords into the name field
    people.throttle.succeeded(username)
    previous = request.cookies.get(COOKIE)
    if previous:  # a new session for a new sign-in: never keep a token set before it
        await people.sessions.delete(previous)
    token, csrf_token = await people.sessions.create(user.id)
    log.info("signed in: %s", user.username)
    response = json_ok({"user": session_user(user.principal()), "csrf_token": csrf_token})
    set_session_cookie(response, token, people)
    return response


@routes.get("/api/session")
async def current_session(request: web.Request) -> web.Response:
    signed_in = request.get(SESSION)
    if signed_in is None:
        raise NOT_SIGNED_IN
    return json_ok(
        {"user": session_user(signed_in.principal), "csrf_token": signed_in.csrf_token}
    )


@routes.delete("/api/session")
async def sign_out(request: web.Request) -> web.Response:
    people = request.app[PEOPLE]
    token = request.cookies.get(COOKIE)
    if token:
        await people.sessions.delete(token)
    response = json_ok({"signed_out": True})
    clear_session_cookie(response, people)
    return response
