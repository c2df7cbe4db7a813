"""`GET/POST /api/users` and `PATCH /api/users/{username}`: the people who sign in.

Answers never hold a password hash. An admin cannot deactivate themselves or take away
their own admin role: the last admin would lock everyone out of the user list.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from aiohttp import web

from cti.auth.passwords import WeakPassword, check_rule
from cti.domain.roles import Role
from cti.domain.users import ExtensionTaken, InvalidUser, UnknownUser, User, UsernameTaken
from cti.storage.users import KEEP, Keep
from cti.web.errors import ApiError, invalid_parameter
from cti.web.identity import principal_of
from cti.web.json_body import flag, read_object, text_field, text_list
from cti.web.responses import json_ok
from cti.web.state import PEOPLE

routes = web.RouteTableDef()

_NEW = frozenset({"username", "full_name", "password", "roles", "extension", "unit"})
_CHANGES = frozenset({"full_name", "password", "roles", "extension", "unit", "active"})
WEAK_PASSWORD = ApiError(
    400,
    "weak_password",
    "Parola 10-256 karakter olmalı, başında ve sonunda boşluk olmamalı / "
    "a password has 10-256 characters and no spaces at either end",
)
SELF_LOCKOUT = ApiError(
    409, "self_lockout", "Kendi yönetici yetkinizi kaldıramazsınız / you cannot lock yourself out"
)


def user_json(user: User) -> dict[str, object]:
    return {
        "username": user.username,
        "full_name": user.full_name,
        "roles": sorted(user.roles),
        "extension": user.extension,
        "unit": user.unit,
        "active": user.active,
        "created_at": user.created_at,
        "updated_at": user.updated_at,
    }


@routes.get("/api/users")
async def list_users(request: web.Request) -> web.Response:
    users = await request.app[PEOPLE].users.list()
    return json_ok({"users": [user_json(user) for user in users]})


@routes.post("/api/users")
async def add_user(request: web.Request) -> web.Response:
    body = await read_object(request, _NEW)
    with _refusals():
        user = await request.app[PEOPLE].users.add(
            text_field(body, "username", required=True) or "",
            text_field(body, "full_name", required=True) or "",
            text_field(body, "password", required=True) or "",
            text_list(body, "roles") or [],
            extension=text_field(body, "extension"),
            unit=text_field(body, "unit"),
        )
    return json_ok({"user": user_json(user)}, status=201)


@routes.patch("/api/users/{username}")
async def change_user(request: web.Request) -> web.Response:
    username = request.match_info["username"]
    body = await read_object(request, _CHANGES)
    roles, active = text_list(body, "roles"), flag(body, "active")
    password = text_field(body, "password")
    _refuse_self_lockout(request, username, roles, active)
    users = request.app[PEOPLE].users
    with _refusals():
        if password is not None:
            check_rule(password)  # before any change, so a refusal changes nothing
        user = await users.update(
            username,
            full_name=text_field(body, "full_name"),
            roles=roles,
            extension=_optional(body, "extension"),
            unit=_optional(body, "unit"),
            active=active,
        )
        if password is not None:
            await users.set_password(username, password)
    return json_ok({"user": user_json(user)})


def _optional(body: dict[str, object], name: str) -> str | Keep | None:
    """Absent: keep it; null or "": clear it; a string: set it."""
    return text_field(body, name) if name in body else KEEP


def _refuse_self_lockout(
    request: web.Request, username: str, roles: list[str] | None, active: bool | None
) -> None:
    principal = principal_of(request)
    if principal is None or principal.username != username.strip().lower():
        return
    if active is False or (roles is not None and Role.ADMIN.value not in roles):
        raise SELF_LOCKOUT


@contextlib.contextmanager
def _refusals() -> Iterator[None]:
    try:
        yield
    except InvalidUser as error:
        raise invalid_parameter(error.field) from None
    except WeakPassword:
        raise WEAK_PASSWORD from None
    except UsernameTaken:
        raise ApiError(409, "username_taken", "Bu kullanıcı adı alınmış / username taken") from None
    except ExtensionTaken:
        raise ApiError(
            409, "extension_taken", "Bu dahili başka bir kullanıcıda / extension already in use"
        ) from None
    except UnknownUser:
        raise ApiError(404, "user_not_found", "Kullanıcı bulunamadı / user not found") from None
