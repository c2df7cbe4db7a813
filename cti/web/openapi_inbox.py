"""The OpenAPI paths and schemas of the unit inbox (`cti.web.routes.inbox`); `cti.web.openapi`
merges them into the document. The ticket objects themselves are `openapi_tickets`'."""

from __future__ import annotations

from cti.domain.tickets import fields as limits
from cti.domain.tickets.status import AT_UNIT
from cti.storage.ticket_search import MAX_PAGE
from cti.web.openapi_people import REFUSALS
from cti.web.openapi_schemas import Schema, closed, ref

# One schema for a ticket number, a unit code and a one-ticket POST: the tickets document's.
from cti.web.openapi_tickets import _CONFLICT, _DETAIL, _UNIT, _changing
from cti.web.ticket_params import DEFAULT_LIMIT

_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}


def _query(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


_INBOX: Schema = {
    "operationId": "listInbox",
    "summary": "A unit's waiting tickets (forwarded, in progress, information asked, reopened)",
    "description": "Newest first. Unit staff get their own unit's (a municipality's or a "
    "department's staff: also every unit below it), which `unit` may narrow, never widen; "
    "they are not shown citizen_tc (null). Supervisors and admins name a unit, or get every "
    "unit's. Each list is written to the read audit. Unknown or repeated parameters are "
    "refused with 400, never ignored.",
    "parameters": [
        _query("status", "one of the waiting statuses",
               {"type": "string", "enum": sorted(s.value for s in AT_UNIT)}),
        _query("overdue", "only tickets past (true) or within (false) their deadline",
               {"type": "string", "enum": ["true", "false"]}),
        _query("unit", "the unit (unit staff: one within their scope)", _UNIT),
        _query("limit", "tickets per page",
               {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_LIMIT}),
        _query("cursor", "the previous page's next_cursor",
               {"type": "string", "maxLength": 512, "pattern": "^[A-Za-z0-9_-]+$"}),
    ],
    "responses": {"200": {"description": "A page of tickets", "content": {
        "application/json": {"schema": ref("TicketPage")}}},
        "400": _BAD_REQUEST, **REFUSALS, **_ERRORS},
}


def _step(operation_id: str, summary: str, body: str | None) -> Schema:
    return {"post": _changing(operation_id, summary, body, _DETAIL, _CONFLICT)}


PATHS: dict[str, Schema] = {
    "/api/inbox": {"get": _INBOX},
    "/api/tickets/{number}/acknowledge": _step(
        "acknowledgeTicket", "The unit has seen it: forwarded or reopened → in_progress, the "
        "acknowledge deadline met", None),
    "/api/tickets/{number}/request-info": _step(
        "requestTicketInfo", "The unit asks 153 for more information → info_requested",
        "InfoQuestion"),
    "/api/tickets/{number}/answer": _step(
        "answerTicket", "The unit writes an answer into the trail; the status stays",
        "UnitAnswer"),
    "/api/tickets/{number}/resolve": _step(
        "resolveTicket", "The unit reports it solved → resolved; photos are attached first",
        "UnitResolution"),
    "/api/tickets/{number}/return": _step(
        "returnTicket", "Not this unit's: back to 153 (returned) with the reason, to be routed "
        "again", "ReturnReason"),
    "/api/tickets/{number}/answer-info": _step(
        "answerTicketInfo", "153 answers the unit's question: info_requested → in_progress",
        "InfoAnswer"),
}


def _text(name: str, limit: int, description: str, what: str) -> Schema:
    field: Schema = {"type": "string", "minLength": 1, "maxLength": limit,
                     "description": description}
    return {**closed({name: field}, what), "required": [name]}


SCHEMAS: dict[str, Schema] = {
    "InfoQuestion": _text("question", limits.MAX_NOTE, "what the unit needs to know",
                          "A unit's question to 153."),
    "UnitAnswer": _text("text", limits.MAX_NOTE, "the unit's answer or progress note",
                        "A unit's answer, kept in the trail."),
    "UnitResolution": _text("resolution", limits.MAX_RESOLUTION, "what the unit did",
                            "How the unit solved the request."),
    "ReturnReason": _text("reason", limits.MAX_NOTE, "why it is not this unit's",
                          "Why the unit sends the ticket back to 153."),
    "InfoAnswer": _text("answer", limits.MAX_NOTE, "the information the unit asked for",
                        "153's answer to a unit's question."),
}
