"""JSON bodies, always `application/json; charset=utf-8`, Turkish letters unescaped."""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping

from aiohttp import web

from cti.web.errors import ApiError

_dumps = functools.partial(json.dumps, ensure_ascii=False, allow_nan=False)


def json_ok(body: Mapping[str, object], *, status: int = 200) -> web.Response:
    # `text=` makes aiohttp add `charset=utf-8` to the Content-Type.
    return web.json_response(body, status=status, dumps=_dumps)


def json_error(error: ApiError) -> web.Response:
    return json_ok({"error": {"code": error.code, "message": error.message}}, status=error.status)
