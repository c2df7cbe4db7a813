"""`/api/inbox` and a unit's answers to a forwarded ticket; 153's answer to a unit's question.

A unit's staff see the tickets waiting for their unit (`AT_UNIT`) and act on them: acknowledge,
ask 153 for information, write an answer into the trail, report it resolved (photos go first
through `POST /api/tickets/{number}/attachments`), or return it as not theirs, which sends it
back to 153 for routing, never into a void. Unit staff reach only their unit's tickets, or
their organisation's or department's (another unit's is a 404, `cti.web.ticket_access`);
supervisors reach every unit's. Listing the inbox is written to the read audit (KVKK, Law
No. 6698, art. 12) like a ticket read: the list shows citizens' requests.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiMapping

from cti.domain.tickets import fields as check
from cti.domain.tickets.status import AT_UNIT, TicketStatus
from cti.domain.tickets.ticket import Ticket
from cti.storage.ticket_search import MAX_PAGE
from cti.web.identity import actor_of, principal_of
from cti.web.json_body import read_object, text_field
from cti.web.query_params import (
    CURSOR,
    matching,
    one,
    page_limit,
    parse_flag,
    reject_unknown,
)
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT, TICKETS
from cti.web.ticket_access import (
    UnitScope,
    detail_response,
    shown_page,
    unit_scope,
    visible_ticket,
)
from cti.web.ticket_errors import translating
from cti.web.ticket_json import page_json
from cti.web.ticket_params import DEFAULT_LIMIT

routes = web.RouteTableDef()
INBOX_PARAMETERS = frozenset({"status", "overdue", "unit", "limit", "cursor"})
_UNIT = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
# The statuses in which a ticket waits for its unit, in the lifecycle's order.
INBOX_STATUSES = tuple(s for s in TicketStatus if s in AT_UNIT)

Action = Callable[..., Awaitable[Ticket]]  # (number, text, actor, *, within=…)


@dataclass(frozen=True, kw_only=True)
class InboxQuery:
    statuses: tuple[TicketStatus, ...] = INBOX_STATUSES
    overdue: bool | None = None
    unit: str | None = None
    limit: int = DEFAULT_LIMIT
    after: str | None = None


def parse_inbox(query: MultiMapping[str]) -> InboxQuery:
    """`GET /api/inbox`'s filters; 400 naming an unknown, repeated or bad parameter."""
    reject_unknown(query, INBOX_PARAMETERS)
    status = one(query, "status", _waiting_status)
    return InboxQuery(
        statuses=INBOX_STATUSES if status is None else (status,),
        overdue=one(query, "overdue", parse_flag),
        unit=one(query, "unit", matching(_UNIT)),
        limit=page_limit(query, default=DEFAULT_LIMIT, maximum=MAX_PAGE),
        after=one(query, "cursor", matching(CURSOR)),
    )


def _waiting_status(raw: str) -> TicketStatus:
    status = TicketStatus(raw)
    if status not in AT_UNIT:
        raise ValueError("not a status a unit's inbox holds")
    return status


@routes.get("/api/inbox")
@translating
async def list_inbox(request: web.Request) -> web.Response:
    query = parse_inbox(request.query)
    scope = await unit_scope(request)
    if scope is None:
        unit, units = _unscoped_unit(request, query), None
        subject = f"unit={unit or '*'}"
    else:  # the unit asked for narrows their scope; outside it, it finds nothing
        unit, units = query.unit, tuple(sorted(scope.codes))
        subject = f"scope={scope.unit}" + (f" unit={unit}" if unit else "")
    await request.app[ACCESS_AUDIT].record(actor_of(request), "list_inbox", subject)
    page = await request.app[TICKETS].search(
        statuses=query.statuses, overdue=query.overdue, unit=unit, units=units,
        limit=query.limit, after=query.after,
    )
    return json_ok(page_json(shown_page(request, page)))


def _unscoped_unit(request: web.Request, query: InboxQuery) -> str | None:
    """The unit asked for, else the person's own unit if they have one, else every unit (a
    supervisor chasing all of them)."""
    principal = principal_of(request)
    return query.unit or (principal.unit if principal else None)


@routes.post("/api/tickets/{number}/acknowledge")
@translating
async def acknowledge(request: web.Request) -> web.Response:
    number, scope = await visible_ticket(request)
    if request.can_read_body:  # no body is needed; one sent must still be a clean object
        await read_object(request, frozenset())
    await request.app[TICKETS].acknowledge(number, actor_of(request), within=_codes(scope))
    return await detail_response(request, number)


@routes.post("/api/tickets/{number}/request-info")
@translating
async def request_info(request: web.Request) -> web.Response:
    return await _with_text(request, "question", check.MAX_NOTE,
                            request.app[TICKETS].request_info)


@routes.post("/api/tickets/{number}/answer")
@translating
async def unit_answer(request: web.Request) -> web.Response:
    return await _with_text(request, "text", check.MAX_NOTE, request.app[TICKETS].unit_answer)


@routes.post("/api/tickets/{number}/resolve")
@translating
async def resolve(request: web.Request) -> web.Response:
    return await _with_text(request, "resolution", check.MAX_RESOLUTION,
                            request.app[TICKETS].resolve)


@routes.post("/api/tickets/{number}/return")
@translating
async def return_to_call_centre(request: web.Request) -> web.Response:
    return await _with_text(request, "reason", check.MAX_NOTE,
                            request.app[TICKETS].return_to_call_centre)


@routes.post("/api/tickets/{number}/answer-info")
@translating
async def answer_info(request: web.Request) -> web.Response:
    return await _with_text(request, "answer", check.MAX_NOTE, request.app[TICKETS].answer_info,
                            unit_step=False)


async def _with_text(request: web.Request, name: str, limit: int, action: Action, *,
                     unit_step: bool = True) -> web.Response:
    """One visible ticket, a body of one required text field, the store's action, the detail.

    A unit's step is taken only if the ticket is still at the actor's units once locked: a
    re-route a moment earlier makes it another unit's (404), not this one's to answer.
    """
    number, scope = await visible_ticket(request)
    body = await read_object(request, frozenset({name}))
    text = check.required_text(name, text_field(body, name, required=True), limit=limit)
    step = action if unit_step is False else functools.partial(action, within=_codes(scope))
    await step(number, text, actor_of(request))
    return await detail_response(request, number)


def _codes(scope: UnitScope | None) -> frozenset[str] | None:
    return None if scope is None else scope.codes
