"""`GET /api/queues`: the live queues and operators, as the live state gives them."""

from __future__ import annotations

from aiohttp import web

from cti.web.responses import json_ok
from cti.web.state import QUEUES

routes = web.RouteTableDef()


@routes.get("/api/queues")
async def queues(request: web.Request) -> web.Response:
    return json_ok(request.app[QUEUES].snapshot())
