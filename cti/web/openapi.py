"""The OpenAPI 3.1 document of the HTTP API, served at `/api/openapi.json`.

A test holds it to the routes the app registers and to the answers they actually give.
"""

from __future__ import annotations

from cti.storage.call_search import MAX_PAGE
from cti.web import (
    openapi_callbacks,
    openapi_console,
    openapi_deliveries,
    openapi_field,
    openapi_inbox,
    openapi_organisation,
    openapi_people,
)
from cti.web.call_params import DEFAULT_LIMIT, MAX_CALL_ID
from cti.web.openapi_schemas import SCHEMAS, Schema, ref
from cti.web.openapi_tickets import PATHS as TICKET_PATHS
from cti.web.openapi_tickets import SCHEMAS as TICKET_SCHEMAS


def _json(description: str, schema: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _query(name: str, description: str, schema: Schema) -> Schema:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


_TIME: Schema = {
    "anyOf": [
        {"type": "string", "format": "date-time"},
        {"type": "string", "pattern": r"^[0-9]{1,12}(\.[0-9]{1,9})?$"},
    ]
}
_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}

_LIST_CALLS: Schema = {
    "operationId": "listCalls",
    "summary": "A page of the call log, newest first",
    "description": "Unknown or repeated parameters are refused with 400, never ignored.",
    "parameters": [
        _query(
            "since", "calls started at or after; ISO 8601 with a timezone, or epoch seconds", _TIME
        ),
        _query("until", "calls started before; ISO 8601 with a timezone, or epoch seconds", _TIME),
        _query("outcome", "how the call ended", ref("Outcome")),
        _query(
            "caller",
            "the caller's number in any written form (0532…, +90532…, 90532…)",
            {"type": "string", "maxLength": 32, "pattern": r"^[0-9+() .\-]+$"},
        ),
        _query(
            "operator",
            "the operator who answered, e.g. op1001",
            {"type": "string", "maxLength": 64},
        ),
        _query(
            "limit",
            "calls per page",
            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": DEFAULT_LIMIT},
        ),
        _query(
            "cursor",
            "the previous page's next_cursor",
            {"type": "string", "maxLength": 512, "pattern": "^[A-Za-z0-9_-]+$"},
        ),
    ],
    "responses": {
        "200": _json("A page of calls", "CallPage"),
        "400": _BAD_REQUEST,
        **openapi_people.REFUSALS,
        **_ERRORS,
    },
}
_GET_CALL: Schema = {
    "operationId": "getCall",
    "summary": "One call with its operator attempts and its timeline",
    "parameters": [
        {
            "name": "call_id",
            "in": "path",
            "required": True,
            "description": "the Asterisk Linkedid, e.g. alo153-1795682612.0",
            "schema": {"type": "string", "maxLength": MAX_CALL_ID, "pattern": "^[A-Za-z0-9._-]+$"},
        }
    ],
    "responses": {
        "200": _json("The call", "CallDetail"),
        "400": _BAD_REQUEST,
        **openapi_people.REFUSALS,
        "404": _json("No such call", "Error"),
        **_ERRORS,
    },
}
_QUEUES: Schema = {
    "operationId": "getQueues",
    "summary": "The live queues and their operators",
    "responses": {
        "200": _json("The live snapshot", "QueueSnapshot"),
        **openapi_people.REFUSALS,
        **_ERRORS,
    },
}
_HEALTH: Schema = {
    "operationId": "getHealth",
    "summary": "Each component up or down, with its reason",
    "security": [],
    "responses": {
        "200": _json("ami, fastagi and database are up", "Health"),
        "503": _json("ami, fastagi or database is down", "Health"),
        **_ERRORS,
    },
}
_OPENAPI: Schema = {
    "operationId": "getOpenApi",
    "summary": "This document",
    "security": [],
    "responses": {"200": _json("The OpenAPI document", "OpenApiDocument"), **_ERRORS},
}

DOCUMENT: Schema = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "ALO 153 CTI API",
        "version": "1.0.0",
        "description": "The call log, the live queues and the health of the ALO 153 CTI. "
        "Every answer is application/json; charset=utf-8; every error is an Error.",
    },
    # Signed in unless an operation says `security: []`; roles per route: cti.web.access.
    "security": [{"session": []}],
    "paths": {
        "/api/calls": {"get": _LIST_CALLS},
        "/api/calls/{call_id}": {"get": _GET_CALL},
        "/api/queues": {"get": _QUEUES},
        "/api/health": {"get": _HEALTH},
        "/api/openapi.json": {"get": _OPENAPI},
        **openapi_people.PATHS,
        **TICKET_PATHS,
        **openapi_console.PATHS,
        **openapi_inbox.PATHS,
        **openapi_organisation.PATHS,
        **openapi_deliveries.PATHS,
        **openapi_field.PATHS,
        **openapi_callbacks.PATHS,
    },
    "components": {
        "schemas": {**SCHEMAS, **openapi_people.SCHEMAS, **openapi_console.SCHEMAS,
                    **TICKET_SCHEMAS, **openapi_inbox.SCHEMAS,
                    **openapi_organisation.SCHEMAS, **openapi_deliveries.SCHEMAS,
                    **openapi_field.SCHEMAS, **openapi_callbacks.SCHEMAS},
        "securitySchemes": openapi_people.SECURITY_SCHEMES,
        "responses": {
            "BadRequest": _json("A parameter is unknown, repeated or invalid", "Error"),
            "InternalError": _json("The server failed; the body says no more", "Error"),
        },
    },
}
