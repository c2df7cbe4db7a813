"""`GET /api/openapi.json`: the document describing this API."""

from __future__ import annotations

from aiohttp import web

from cti.web.openapi import DOCUMENT
from cti.web.responses import json_ok

routes = web.RouteTableDef()


@routes.get("/api/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return json_ok(DOCUMENT)
