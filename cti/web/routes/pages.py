"""The operator console's page and its static files (no build step, no third-party code)."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

routes = web.RouteTableDef()


@routes.get("/")
async def console_page(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


routes.static("/static", STATIC_DIR, name="static")
