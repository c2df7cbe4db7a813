"""The OpenAPI paths and schemas of the tickets and the reference data (`cti.web.routes.tickets`);
`cti.web.openapi` merges them into the document."""

from __future__ import annotations

from cti.domain.tickets import fields as limits
from cti.domain.tickets.attachments import ALLOWED_TYPES, MAX_BYTES
from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.status import TicketStatus
from cti.storage.ticket_search import MAX_PAGE
from cti.web.openapi_people import CSRF, REFUSALS
from cti.web.openapi_schemas import STRING, Schema, closed, moment, nullable, ref
from cti.web.ticket_params import DEFAULT_LIMIT


def _json(description: str, schema: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _body(schema: str) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def _query(name: str, description: str, schema: Schema) -> Schema:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}
_NOT_FOUND = {"404": _json("No such ticket, or not one of your unit's", "Error")}
_NUMBER: Schema = {
    "type": "string",
    "pattern": r"^153-[0-9]{4}-([0-9]{6}|[1-9][0-9]{6})$",
    "examples": ["153-2026-000123"],
}
_NUMBER_PARAMETER: Schema = {
    "name": "number", "in": "path", "required": True, "description": "the ticket's number",
    "schema": _NUMBER,
}
_TIME: Schema = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,9})?$"},
    ]
}
_SLUG: Schema = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}
_UNIT: Schema = {"type": "string", "pattern": "^[a-z0-9][a-z0-9_.-]{0,63}$",
                 "examples": ["aski-ariza"]}
_CALL_ID: Schema = {"type": "string", "pattern": "^[A-Za-z0-9._-]{1,64}$",
                    "description": "the Asterisk Linkedid, e.g. alo153-1795682612.0"}


def _changing(operation_id: str, summary: str, body: str | None, ok: Schema,
              extra: dict[str, Schema] | None = None) -> Schema:
    """A POST or PATCH on one ticket: CSRF, 400, 401/403, 404, and `extra` answers."""
    operation: Schema = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [_NUMBER_PARAMETER, CSRF],
        "responses": {"200": ok, "400": _BAD_REQUEST, **REFUSALS, **_NOT_FOUND,
                      **(extra or {}), **_ERRORS},
    }
    if body is not None:
        operation["requestBody"] = _body(body)
    return operation


_DETAIL = _json("The ticket as it is now", "TicketDetail")
_CONFLICT = {"409": _json("The lifecycle does not allow this status change", "Error")}

_LIST: Schema = {
    "operationId": "listTickets",
    "summary": "A page of tickets, newest first",
    "description": "Unknown or repeated parameters are refused with 400, never ignored. Unit "
    "staff see their unit's tickets only (a municipality's or a department's staff: also "
    "every unit below it; `unit` narrows that, never widens it), without citizen_tc (null). "
    "A search by phone is written to the read audit.",
    "parameters": [
        _query("phone", "the citizen's number in any written form",
               {"type": "string", "maxLength": 32, "pattern": r"^[0-9+() .\-]+$"}),
        _query("number", "a ticket number", _NUMBER),
        _query("status", "the ticket's status", ref("TicketStatus")),
        _query("category", "a category code (GET /api/reference)", _SLUG),
        _query("district", "a district code (GET /api/reference)", _SLUG),
        _query("unit", "the unit it was forwarded to", _UNIT),
        _query("overdue", "true: with a unit and past its acknowledge or resolve deadline now",
               {"type": "string", "enum": ["true", "false"]}),
        _query("since", "opened at or after; ISO 8601 with a timezone, or epoch seconds", _TIME),
        _query("until", "opened before; ISO 8601 with a timezone, or epoch seconds", _TIME),
        _query("limit", "tickets per page",
               {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_LIMIT}),
        _query("cursor", "the previous page's next_cursor",
               {"type": "string", "maxLength": 512, "pattern": "^[A-Za-z0-9_-]+$"}),
    ],
    "responses": {"200": _json("A page of tickets", "TicketPage"), "400": _BAD_REQUEST,
                  **REFUSALS, **_ERRORS},
}
_CREATE: Schema = {
    "operationId": "createTicket",
    "summary": "A new ticket, numbered 153-YYYY-NNNNNN, bound to the call it came on",
    "parameters": [CSRF],
    "requestBody": _body("NewTicket"),
    "responses": {"201": _json("The new ticket; Location names it", "TicketDetail"),
                  "400": _BAD_REQUEST, **REFUSALS, **_ERRORS},
}
_GET: Schema = {
    "operationId": "getTicket",
    "summary": "One ticket with its audit trail, linked calls and attachments",
    "description": "Written to the read audit. Unit staff reach their unit's tickets only "
    "(404 for another's) and are not shown citizen_tc (null, in the trail left out).",
    "parameters": [_NUMBER_PARAMETER],
    "responses": {"200": _DETAIL, "400": _BAD_REQUEST, **REFUSALS, **_NOT_FOUND, **_ERRORS},
}
_ATTACH: Schema = {
    "operationId": "addTicketAttachment",
    "summary": f"Attach a photo or PDF (at most {MAX_BYTES // (1024 * 1024)} MB)",
    "description": "The type is judged by the file's first bytes: "
    f"{', '.join(ALLOWED_TYPES)}.",
    "parameters": [_NUMBER_PARAMETER, CSRF],
    "requestBody": {
        "required": True,
        "content": {"multipart/form-data": {"schema": {
            "type": "object",
            "properties": {"file": {"type": "string", "contentMediaType":
                                    "application/octet-stream"}},
            "required": ["file"],
        }}},
    },
    "responses": {
        "201": _json("The attachment; Location is where to download it", "Attachment"),
        "400": _BAD_REQUEST,
        **REFUSALS,
        **_NOT_FOUND,
        "413": _json("Larger than 10 MB", "Error"),
        "415": _json("Not a JPEG, PNG, WebP or PDF file", "Error"),
        **_ERRORS,
    },
}
_DOWNLOAD: Schema = {
    "operationId": "getTicketAttachment",
    "summary": "An attachment's bytes, as a download (Content-Disposition: attachment)",
    "description": "Written to the read audit.",
    "parameters": [
        _NUMBER_PARAMETER,
        {"name": "attachment_id", "in": "path", "required": True,
         "schema": {"type": "integer", "minimum": 1}},
    ],
    "responses": {
        "200": {"description": "The file",
                "content": {t: {"schema": {"contentMediaType": t}} for t in ALLOWED_TYPES}},
        "400": _BAD_REQUEST,
        **REFUSALS,
        "404": _json("No such ticket or attachment", "Error"),
        **_ERRORS,
    },
}
_REFERENCE: Schema = {
    "operationId": "getReference",
    "summary": "Categories, districts and neighbourhoods, channels, priorities and statuses",
    "responses": {"200": _json("The reference data, in Turkish and English", "Reference"),
                  **REFUSALS, **_ERRORS},
}

PATHS: dict[str, Schema] = {
    "/api/reference": {"get": _REFERENCE},
    "/api/tickets": {"get": _LIST, "post": _CREATE},
    "/api/tickets/{number}": {
        "get": _GET,
        "patch": _changing("changeTicket", "Change fields; a status goes through the lifecycle "
                           "(forwarded, in_progress, info_requested, resolved and returned only "
                           "through their own routes)", "TicketChanges", _DETAIL, _CONFLICT),
    },
    "/api/tickets/{number}/close": {
        "post": _changing("closeReturned", "Close a request a unit returned that no municipal "
                          "unit handles (e.g. referred to the electricity distributor), with "
                          "what was done", "Resolution", _DETAIL, _CONFLICT),
    },
    "/api/tickets/{number}/solve": {
        "post": _changing("solveTicket", "Solved on the call: new → first_contact_solved → "
                          "closed, with a resolution", "Resolution", _DETAIL, _CONFLICT),
    },
    "/api/tickets/{number}/forward": {
        "post": _changing("forwardTicket", "Forward to a unit", "Forward", _DETAIL, _CONFLICT),
    },
    "/api/tickets/{number}/calls": {
        "post": _changing("linkCall", "Link a call (idempotent: 201 new link, 200 already)",
                          "CallLink", _DETAIL, {"201": _json("Linked", "TicketDetail")}),
    },
    "/api/tickets/{number}/attachments": {"post": _ATTACH},
    "/api/tickets/{number}/attachments/{attachment_id}": {"get": _DOWNLOAD},
}


def _text(limit: int, description: str = "") -> Schema:
    schema: Schema = {"type": "string", "maxLength": limit}
    return {**schema, "description": description} if description else schema


_COORDINATE: Schema = nullable({"type": "number"})
_FIELDS: dict[str, Schema] = {
    "channel": ref("Channel"),
    "category": {**_SLUG, "description": "a category code (GET /api/reference)"},
    "priority": ref("Priority"),
    "description": _text(limits.MAX_DESCRIPTION, "what the citizen asks or reports"),
    "citizen_phone": nullable(_text(32, "any written form; kept as 0XXXXXXXXXX or +E.164")),
    "citizen_name": nullable(_text(limits.MAX_NAME)),
    "citizen_tc": nullable({"type": "string", "pattern": "^[1-9][0-9]{10}$",
                            "description": "T.C. kimlik no; its check digits must hold"}),
    "district": nullable({**_SLUG, "description": "a district code"}),
    "neighbourhood": nullable(_text(96, "a neighbourhood of the district, as listed")),
    "address": nullable(_text(limits.MAX_ADDRESS)),
    "latitude": _COORDINATE,
    "longitude": _COORDINATE,
    "no_callback": {"type": "boolean", "description": "the citizen asked not to be called back"},
}
_TICKET: dict[str, Schema] = {
    "number": _NUMBER,
    "status": ref("TicketStatus"),
    "open": {"type": "boolean", "description": "still someone's work"},
    **_FIELDS,
    "unit": nullable(STRING),
    "resolution": nullable(STRING),
    "created_by": nullable(STRING),
    **moment("created_at", "opened"),
    **moment("updated_at", "last changed"),
    **moment("closed_at", "closed", optional=True),
    **moment("forwarded_at", "last sent to its unit", optional=True),
    **moment("acknowledged_at", "the unit's first sign of life since then", optional=True),
    **moment("ack_due_at", "the unit must have acknowledged it by", optional=True),
    **moment("resolve_due_at", "the unit must have resolved it by", optional=True),
    **moment("resolved_at", "the unit reported it resolved", optional=True),
    **moment("escalated_at", "the escalation ladder's last rung", optional=True),
    "satisfaction": nullable({"type": "integer", "minimum": 1, "maximum": 5,
                              "description": "the citizen's survey answer after feedback"}),
    "escalation_level": {"type": "integer", "minimum": 0, "maximum": 3,
                         "description": "0 none, 1 reminder, 2 warning, 3 field revisit"},
    "overdue": {"type": "boolean", "description": "with a unit and past a deadline now"},
    "citizen_status": closed({"tr": STRING, "en": STRING},
                             "The status in the words the citizen is told."),
}


def _labelled_list(extra: dict[str, Schema] | None = None) -> Schema:
    item = closed({"code": STRING, "name_tr": STRING, "name_en": STRING, **(extra or {})},
                  "A code with its Turkish and English names.")
    return {"type": "array", "items": item}


SCHEMAS: dict[str, Schema] = {
    "TicketStatus": {"type": "string", "enum": [s.value for s in TicketStatus]},
    "Channel": {"type": "string", "enum": [c.value for c in Channel]},
    "Priority": {"type": "string", "enum": [p.value for p in Priority]},
    "Ticket": closed(_TICKET, "A citizen's request."),
    "TicketDetail": closed(
        {
            **_TICKET,
            "events": {"type": "array", "items": ref("TicketEvent")},
            "calls": {"type": "array", "items": ref("LinkedCall")},
            "attachments": {"type": "array", "items": ref("Attachment")},
        },
        "A ticket with its audit trail (oldest first), linked calls and attachments.",
    ),
    "TicketPage": closed(
        {
            "tickets": {"type": "array", "items": ref("Ticket")},
            "next_cursor": nullable({"type": "string", "description": "pass as `cursor`"}),
        },
        "Tickets newest first; next_cursor is null on the last page.",
    ),
    "TicketEvent": closed(
        {
            **moment("at", "when"),
            "actor": {"type": "string", "description": "a username, or system"},
            "action": {"type": "string", "examples": ["created", "updated", "status",
                                                      "linked_call", "attachment_added",
                                                      "answer", "escalated", "field_report"]},
            "changes": {
                "type": "object",
                "description": "{field: [old, new]}",
                "additionalProperties": {"type": "array", "minItems": 2, "maxItems": 2},
            },
        },
        "One entry of the audit trail.",
    ),
    "LinkedCall": closed(
        {"call_id": STRING, **moment("linked_at", "linked"), "linked_by": STRING},
        "A call the ticket came from or was discussed on.",
    ),
    "Attachment": closed(
        {
            "id": {"type": "integer"},
            "filename": STRING,
            "content_type": {"type": "string", "enum": list(ALLOWED_TYPES)},
            "size": {"type": "integer", "minimum": 1, "maximum": MAX_BYTES},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "uploaded_by": STRING,
            **moment("uploaded_at", "uploaded"),
            "url": {"type": "string", "description": "where to download it"},
        },
        "A file kept with a ticket.",
    ),
    "NewTicket": {
        **closed({**_FIELDS, "call_id": nullable(_CALL_ID)},
                 "A new ticket. Only description is required; channel defaults to phone, "
                 "category to diger, priority to the category's."),
        "required": ["description"],
    },
    "TicketChanges": {
        **closed(
            {
                **_FIELDS,
                "resolution": nullable(_text(limits.MAX_RESOLUTION)),
                "status": ref("TicketStatus"),
                "note": nullable(_text(limits.MAX_NOTE, "kept with the status change")),
            },
            "What to change; a field left out stays, null clears it (not description, "
            "channel, category, priority or status).",
        ),
        "required": [],
    },
    "Resolution": closed({"resolution": _text(limits.MAX_RESOLUTION, "what solved it")},
                         "How the request was solved on the call."),
    "Forward": {
        **closed({"unit": _UNIT, "note": nullable(_text(limits.MAX_NOTE)),
                  "suggested": nullable({**_UNIT, "description": "the unit the routing "
                                         "suggestion named, kept in the trail beside `unit`"})},
                 "Where to send the ticket."),
        "required": ["unit"],
    },
    "CallLink": closed({"call_id": _CALL_ID}, "A call to link to the ticket."),
    "Reference": closed(
        {
            "categories": _labelled_list({"group": STRING, "organisation": STRING,
                                          "priority": ref("Priority")}),
            "groups": _labelled_list(),
            "organisations": _labelled_list(),
            "districts": {"type": "array", "items": closed(
                {"code": STRING, "name": STRING, "central": {"type": "boolean"},
                 "neighbourhoods": {"type": "array", "items": STRING}},
                "A district and its neighbourhoods.")},
            "channels": _labelled_list(),
            "priorities": _labelled_list(),
            "statuses": _labelled_list({"open": {"type": "boolean"},
                                        "next": {"type": "array", "items": STRING}}),
        },
        "What a ticket may say, with Turkish and English labels.",
    ),
}
