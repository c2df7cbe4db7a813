"""`GET /api/health`: each component up or down, and 503 while a required one is down."""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from cti.web.ports import ComponentHealth
from cti.web.responses import json_ok
from cti.web.state import HEALTH

# Without these no call is tracked or routed. Redis only shares live state between
# processes; the probe reports it up when it is not configured.
REQUIRED = ("ami", "fastagi", "database")
_UNREPORTED = ComponentHealth(up=False, reason="not reported")

routes = web.RouteTableDef()


@routes.get("/api/health")
async def health(request: web.Request) -> web.Response:
    components = await request.app[HEALTH].check()
    body = health_report(components)
    return json_ok(body, status=503 if body["status"] == "down" else 200)


def health_report(components: Mapping[str, ComponentHealth]) -> dict[str, object]:
    """ "up": all up; "degraded": an optional one is down; "down": a required one is."""
    everyone = {name: _UNREPORTED for name in REQUIRED} | dict(components)
    if not all(everyone[name].up for name in REQUIRED):
        status = "down"
    else:
        status = "up" if all(c.up for c in everyone.values()) else "degraded"
    return {
        "status": status,
        "components": {
            name: {
                "up": c.up,
                "required": name in REQUIRED,
                "reason": c.reason,
                "detail": dict(c.detail),
            }
            for name, c in sorted(everyone.items())
        },
    }
