"""`/api/tickets…`: citizens' requests, searched, opened, changed, solved, forwarded, linked to
calls, with their attachments; `/api/reference` lists what a ticket may say.

Unit staff see and touch only their unit's tickets, without the citizen's T.C. identity number
(`cti.web.ticket_access`): any other is answered 404, as if it did not exist. Reading a ticket,
a search by phone and an attachment download are written to the read audit (KVKK, Law
No. 6698, art. 12) before the data goes out.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable

from aiohttp import web

from cti.domain.numbers import mask_number
from cti.domain.organisation import UnknownUnit
from cti.domain.tickets.attachments import MAX_BYTES
from cti.domain.tickets.errors import AttachmentRefused
from cti.domain.tickets.ticket import Ticket
from cti.storage.ticket_search import stored_phone
from cti.web.errors import invalid_parameter
from cti.web.files import download_headers, uploaded_file
from cti.web.identity import actor_of
from cti.web.json_body import read_object, text_field
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT, TICKETS, UNITS
from cti.web.ticket_access import (
    detail_of,
    detail_response,
    shown_page,
    unit_scope,
    visible_number,
)
from cti.web.ticket_errors import ATTACHMENT_NOT_FOUND, translating
from cti.web.ticket_json import attachment_json, detail_json, page_json, reference_json
from cti.web.ticket_params import (
    DRAFT_FIELDS,
    PATCH_FIELDS,
    draft_of,
    parse_attachment_id,
    parse_filters,
    patch_of,
)

routes = web.RouteTableDef()


@routes.get("/api/reference")
async def get_reference(request: web.Request) -> web.Response:
    return json_ok(reference_json())


@routes.get("/api/tickets")
@translating
async def list_tickets(request: web.Request) -> web.Response:
    filters = parse_filters(request.query)
    scope = await unit_scope(request)
    units = None if scope is None else tuple(sorted(scope.codes))
    if filters.phone is not None:
        subject = f"phone={mask_number(stored_phone(filters.phone))}"
        await request.app[ACCESS_AUDIT].record(actor_of(request), "search_tickets", subject)
    page = await request.app[TICKETS].search(**dataclasses.asdict(filters), units=units)
    return json_ok(page_json(shown_page(request, page)))


@routes.post("/api/tickets")
@translating
async def create_ticket(request: web.Request) -> web.Response:
    draft, call_id = draft_of(await read_object(request, DRAFT_FIELDS))
    ticket = await request.app[TICKETS].create(draft, actor_of(request), call_id)
    response = await detail_response(request, ticket.number, status=201)
    response.headers["Location"] = f"/api/tickets/{ticket.number}"
    return response


@routes.get("/api/tickets/{number}")
@translating
async def get_ticket(request: web.Request) -> web.Response:
    number = await visible_number(request)
    detail = await detail_of(request, number)
    await request.app[ACCESS_AUDIT].record(actor_of(request), "read_ticket", number)
    return json_ok(detail_json(detail))


@routes.patch("/api/tickets/{number}")
@translating
async def change_ticket(request: web.Request) -> web.Response:
    number = await visible_number(request)
    patch = patch_of(await read_object(request, PATCH_FIELDS))
    await request.app[TICKETS].update(number, patch, actor_of(request))
    return await detail_response(request, number)


@routes.post("/api/tickets/{number}/solve")
@translating
async def solve_ticket(request: web.Request) -> web.Response:
    return await _closing(request, request.app[TICKETS].solve_first_contact)


@routes.post("/api/tickets/{number}/close")
@translating
async def close_returned(request: web.Request) -> web.Response:
    """A request its unit returned that no municipal unit handles: closed, saying what was done
    (e.g. referred to the electricity distributor)."""
    return await _closing(request, request.app[TICKETS].close_returned)


async def _closing(request: web.Request,
                   close: Callable[[str, str, str], Awaitable[Ticket]]) -> web.Response:
    """A visible ticket closed by `close(number, resolution, actor)`, the body its resolution."""
    number = await visible_number(request)
    body = await read_object(request, frozenset({"resolution"}))
    resolution = text_field(body, "resolution", required=True)
    assert resolution is not None
    await close(number, resolution, actor_of(request))
    return await detail_response(request, number)


@routes.post("/api/tickets/{number}/forward")
@translating
async def forward_ticket(request: web.Request) -> web.Response:
    number = await visible_number(request)
    body = await read_object(request, frozenset({"unit", "note", "suggested"}))
    unit = await _active_unit(request, text_field(body, "unit", required=True) or "", "unit")
    suggested = text_field(body, "suggested")
    if suggested is not None:
        suggested = await _active_unit(request, suggested, "suggested")
    note = text_field(body, "note")
    await request.app[TICKETS].forward(number, unit, note, actor_of(request),
                                       suggested=suggested)
    return await detail_response(request, number)


async def _active_unit(request: web.Request, code: str, field: str) -> str:
    """The active unit's code (an earlier alias gives the unit it stands for); 400 for any
    other. Without the units store (the API's own tests) the ticket store checks the form."""
    units = request.app.get(UNITS)
    if units is None:
        return code
    try:
        return (await units.organisation()).unit(code).code
    except UnknownUnit:
        raise invalid_parameter(field) from None


@routes.post("/api/tickets/{number}/calls")
@translating
async def link_call(request: web.Request) -> web.Response:
    number = await visible_number(request)
    body = await read_object(request, frozenset({"call_id"}))
    call_id = text_field(body, "call_id", required=True)
    assert call_id is not None
    linked = await request.app[TICKETS].link_call(number, call_id, actor_of(request))
    return await detail_response(request, number, status=201 if linked else 200)


@routes.post("/api/tickets/{number}/attachments")
@translating
async def add_attachment(request: web.Request) -> web.Response:
    number = await visible_number(request)
    filename, data = await uploaded_file(request, MAX_BYTES, AttachmentRefused("too_large"))
    added = await request.app[TICKETS].add_attachment(
        number, filename=filename, data=data, actor=actor_of(request)
    )
    response = json_ok(attachment_json(number, added), status=201)
    response.headers["Location"] = f"/api/tickets/{number}/attachments/{added.id}"
    return response


@routes.get("/api/tickets/{number}/attachments/{attachment_id}")
@translating
async def get_attachment(request: web.Request) -> web.Response:
    number = await visible_number(request)
    attachment_id = parse_attachment_id(request.match_info["attachment_id"])
    found = await request.app[TICKETS].attachment(number, attachment_id)
    if found is None:
        raise ATTACHMENT_NOT_FOUND
    attachment, data = found
    subject = f"{number}/{attachment_id}"
    await request.app[ACCESS_AUDIT].record(actor_of(request), "read_attachment", subject)
    return web.Response(body=data, content_type=attachment.content_type,
                        headers=download_headers(attachment))

