"""`/api/tickets…`: citizens' requests, searched, opened, changed, solved, forwarded, linked to
calls, with their attachments; `/api/reference` lists what a ticket may say.

Unit staff (the role alone) see and touch only their unit's tickets: any other is answered 404,
as if it did not exist. Reading a ticket, a search by phone and an attachment download are
written to the read audit (KVKK, Law No. 6698, art. 12) before the data goes out.
"""

from __future__ import annotations

import dataclasses

from aiohttp import web

from cti.domain.numbers import mask_number
from cti.domain.organisation import UnknownUnit
from cti.domain.roles import Role
from cti.domain.tickets.attachments import MAX_BYTES
from cti.domain.tickets.errors import AttachmentRefused, TicketNotFound
from cti.domain.tickets.records import TicketDetail
from cti.storage.ticket_search import stored_phone
from cti.web.errors import invalid_parameter
from cti.web.files import download_headers, uploaded_file
from cti.web.identity import actor_of, principal_of
from cti.web.json_body import read_object, text_field
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT, TICKETS, UNITS
from cti.web.ticket_errors import ATTACHMENT_NOT_FOUND, TICKET_NOT_FOUND, translating
from cti.web.ticket_json import attachment_json, detail_json, page_json, reference_json
from cti.web.ticket_params import (
    DRAFT_FIELDS,
    PATCH_FIELDS,
    draft_of,
    parse_attachment_id,
    parse_filters,
    parse_number,
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
    scope = _unit_scope(request)
    if scope is not None:
        filters = dataclasses.replace(filters, unit=scope)
    if filters.phone is not None:
        subject = f"phone={mask_number(stored_phone(filters.phone))}"
        await request.app[ACCESS_AUDIT].record(actor_of(request), "search_tickets", subject)
    page = await request.app[TICKETS].search(**dataclasses.asdict(filters))
    return json_ok(page_json(page))


@routes.post("/api/tickets")
@translating
async def create_ticket(request: web.Request) -> web.Response:
    draft, call_id = draft_of(await read_object(request, DRAFT_FIELDS))
    ticket = await request.app[TICKETS].create(draft, actor_of(request), call_id)
    response = await _detail(request, ticket.number, status=201)
    response.headers["Location"] = f"/api/tickets/{ticket.number}"
    return response


@routes.get("/api/tickets/{number}")
@translating
async def get_ticket(request: web.Request) -> web.Response:
    number = await _visible(request)
    detail = await _detail_of(request, number)
    await request.app[ACCESS_AUDIT].record(actor_of(request), "read_ticket", number)
    return json_ok(detail_json(detail))


@routes.patch("/api/tickets/{number}")
@translating
async def change_ticket(request: web.Request) -> web.Response:
    number = await _visible(request)
    patch = patch_of(await read_object(request, PATCH_FIELDS))
    await request.app[TICKETS].update(number, patch, actor_of(request))
    return await _detail(request, number)


@routes.post("/api/tickets/{number}/solve")
@translating
async def solve_ticket(request: web.Request) -> web.Response:
    number = await _visible(request)
    body = await read_object(request, frozenset({"resolution"}))
    resolution = text_field(body, "resolution", required=True)
    assert resolution is not None
    await request.app[TICKETS].solve_first_contact(number, resolution, actor_of(request))
    return await _detail(request, number)


@routes.post("/api/tickets/{number}/forward")
@translating
async def forward_ticket(request: web.Request) -> web.Response:
    number = await _visible(request)
    body = await read_object(request, frozenset({"unit", "note", "suggested"}))
    unit = await _active_unit(request, text_field(body, "unit", required=True) or "", "unit")
    suggested = text_field(body, "suggested")
    if suggested is not None:
        suggested = await _active_unit(request, suggested, "suggested")
    note = text_field(body, "note")
    await request.app[TICKETS].forward(number, unit, note, actor_of(request),
                                       suggested=suggested)
    return await _detail(request, number)


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
    number = await _visible(request)
    body = await read_object(request, frozenset({"call_id"}))
    call_id = text_field(body, "call_id", required=True)
    assert call_id is not None
    linked = await request.app[TICKETS].link_call(number, call_id, actor_of(request))
    return await _detail(request, number, status=201 if linked else 200)


@routes.post("/api/tickets/{number}/attachments")
@translating
async def add_attachment(request: web.Request) -> web.Response:
    number = await _visible(request)
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
    number = await _visible(request)
    attachment_id = parse_attachment_id(request.match_info["attachment_id"])
    found = await request.app[TICKETS].attachment(number, attachment_id)
    if found is None:
        raise ATTACHMENT_NOT_FOUND
    attachment, data = found
    subject = f"{number}/{attachment_id}"
    await request.app[ACCESS_AUDIT].record(actor_of(request), "read_attachment", subject)
    return web.Response(body=data, content_type=attachment.content_type,
                        headers=download_headers(attachment))


def _unit_scope(request: web.Request) -> str | None:
    """The unit whose tickets alone this request may see; None when it may see all.

    Unit staff without a unit get "", which no ticket's unit is.
    """
    principal = principal_of(request)
    if principal is None or principal.roles != {Role.UNIT_STAFF}:
        return None
    return principal.unit or ""


async def _visible(request: web.Request) -> str:
    """The path's ticket number, if that ticket exists and this request may see it."""
    number = parse_number(request.match_info["number"])
    scope = _unit_scope(request)
    if scope is not None:
        ticket = await request.app[TICKETS].get(number)
        if ticket is None or ticket.unit != scope:
            raise TICKET_NOT_FOUND
    return number


async def _detail_of(request: web.Request, number: str) -> TicketDetail:
    detail = await request.app[TICKETS].detail(number)
    if detail is None:
        raise TicketNotFound(number)
    return detail


async def _detail(request: web.Request, number: str, *, status: int = 200) -> web.Response:
    return json_ok(detail_json(await _detail_of(request, number)), status=status)
