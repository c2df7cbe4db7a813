"""Reading a request's JSON object body, field by field, into 400s that name the field."""

from __future__ import annotations

import json

from aiohttp import web

from cti.web.errors import ApiError, invalid_parameter, unknown_parameter

INVALID_BODY = ApiError(400, "invalid_body", "Geçersiz istek gövdesi / invalid request body")


async def read_object(request: web.Request, allowed: frozenset[str]) -> dict[str, object]:
    """The body as a JSON object with only `allowed` keys; 400 otherwise."""
    try:
        body = json.loads(await request.text())
    except (ValueError, UnicodeDecodeError):
        raise INVALID_BODY from None
    if not isinstance(body, dict):
        raise INVALID_BODY
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise unknown_parameter(unknown[0])
    return body


def text_field(body: dict[str, object], name: str, *, required: bool = False) -> str | None:
    value = body.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise invalid_parameter(name)
    return value


def text_list(body: dict[str, object], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise invalid_parameter(name)
    return list(value)


def flag(body: dict[str, object], name: str) -> bool | None:
    value = body.get(name)
    if value is not None and not isinstance(value, bool):
        raise invalid_parameter(name)
    return value
