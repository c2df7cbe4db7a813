"""`GET /api/calls` (a page of the call log) and `GET /api/calls/{call_id}` (one call)."""

from __future__ import annotations

import dataclasses

from aiohttp import web

from cti.storage.call_notes import CallNotes
from cti.web.call_json import call_detail, call_summary
from cti.web.call_params import parse_call_id, parse_filters
from cti.web.errors import call_not_found
from cti.web.responses import json_ok
from cti.web.state import CALL_NOTES, CALLS

routes = web.RouteTableDef()


@routes.get("/api/calls")
async def list_calls(request: web.Request) -> web.Response:
    filters = parse_filters(request.query)
    page = await request.app[CALLS].search(**dataclasses.asdict(filters))
    notes = await _notes(request, [c.call_id for c in page.calls])
    return json_ok({
        "calls": [call_summary(c, notes.get(c.call_id)) for c in page.calls],
        "next_cursor": page.next_cursor,
    })


@routes.get("/api/calls/{call_id}")
async def get_call(request: web.Request) -> web.Response:
    call_id = parse_call_id(request.match_info["call_id"])
    record = await request.app[CALLS].get(call_id)
    if record is None:
        raise call_not_found()
    notes = await _notes(request, [record.call_id])
    return json_ok(call_detail(record, notes.get(record.call_id)))


async def _notes(request: web.Request, call_ids: list[str]) -> dict[str, CallNotes]:
    """Dispositions and tickets, when the app was given where to read them."""
    notebook = request.app.get(CALL_NOTES)
    return await notebook.for_calls(call_ids) if notebook is not None and call_ids else {}
