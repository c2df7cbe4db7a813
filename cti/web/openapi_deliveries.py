"""The OpenAPI paths and schemas of the delivery log and the stuck outbox
(`cti.web.routes.deliveries`); `cti.web.openapi` merges them into the document."""

from __future__ import annotations

from cti.notify.delivery_log import MAX_PAGE
from cti.notify.recipients import MAX_ADDRESS
from cti.web.openapi_people import CSRF, REFUSALS
from cti.web.openapi_schemas import STRING, Schema, closed, moment, nullable, ref
from cti.web.routes.deliveries import DEFAULT_LIMIT


def _json(description: str, schema: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}
_NUMBER: Schema = {"type": "string", "pattern": r"^153-[0-9]{4}-([0-9]{6}|[1-9][0-9]{6})$",
                   "examples": ["153-2026-000123"]}

_TICKET_DELIVERIES: Schema = {
    "operationId": "listTicketDeliveries",
    "summary": "The ticket's e-mails and SMS, oldest first, each with every try",
    "description": "Phone numbers are masked; message texts are not shown.",
    "parameters": [{"name": "number", "in": "path", "required": True,
                    "description": "the ticket's number", "schema": _NUMBER}],
    "responses": {
        "200": _json("The ticket's deliveries", "TicketDeliveries"),
        "400": _BAD_REQUEST,
        **REFUSALS,
        "404": _json("No such ticket", "Error"),
        **_ERRORS,
    },
}
_STUCK: Schema = {
    "operationId": "listStuckMessages",
    "summary": "Messages that failed for good, or are still waiting to go, newest first",
    "parameters": [
        {"name": "status", "in": "query", "required": False,
         "description": "failed (given up) or pending (waiting for a try)",
         "schema": {"enum": ["failed", "pending"], "default": "failed"}},
        {"name": "limit", "in": "query", "required": False, "description": "messages per page",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE,
                    "default": DEFAULT_LIMIT}},
    ],
    "responses": {
        "200": _json("The messages", "StuckMessages"),
        "400": _BAD_REQUEST,
        **REFUSALS,
        **_ERRORS,
    },
}

_RETRY: Schema = {
    "operationId": "retryMessage",
    "summary": "Send a failed message again (supervisor, admin): to `recipient` if given, else "
    "to its address, checked as when it was written; due now, with its full retries, its "
    "tries kept and a line saying who re-queued it",
    "parameters": [{"name": "message_id", "in": "path", "required": True,
                    "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,17}$"}}, CSRF],
    "requestBody": {"required": False, "content": {"application/json": {
        "schema": ref("RetryMessage")}}},
    "responses": {
        "200": _json("The message, waiting to go", "DeliveryEnvelope"),
        "400": _json("A bad id or body, or no usable address (invalid_recipient)", "Error"),
        **REFUSALS,
        "404": _json("No such message", "Error"),
        "409": _json("The message was sent already, or is still waiting to go", "Error"),
        **_ERRORS,
    },
}

PATHS: dict[str, Schema] = {
    "/api/tickets/{number}/deliveries": {"get": _TICKET_DELIVERIES},
    "/api/outbox": {"get": _STUCK},
    "/api/outbox/{message_id}/retry": {"post": _RETRY},
}

_TRY = closed(
    {**moment("at", "when it was tried"), "ok": {"type": "boolean"},
     "detail": {"type": "string", "description": "sent, or why not (Turkish / English)"}},
    "One try at sending a message.",
)
_DELIVERY = closed(
    {
        "id": {"type": "integer"},
        "ticket": nullable(_NUMBER),
        "channel": {"enum": ["email", "sms"]},
        "purpose": {"type": "string", "description": "e.g. warning, citizen_forwarded"},
        "recipient": {"type": "string",
                      "description": "an e-mail address, or a phone number masked but for "
                                     "its last two digits"},
        "subject": STRING,
        "status": {"enum": ["pending", "sent", "failed"]},
        "attempts": {"type": "integer", "minimum": 0},
        **moment("created_at", "written to the outbox"),
        **moment("next_attempt_at", "the next try is due (pending only)", optional=True),
        **moment("sent_at", "handed to the mail server or SMS gateway", optional=True),
        "last_error": nullable(STRING),
        "provider_id": nullable({"type": "string",
                                 "description": "the e-mail's Message-ID, the SMS job id"}),
        "unit": nullable({"type": "string",
                          "description": "a message to a unit: its code; sent again with no "
                                         "new address, it goes to the unit's address of now"}),
        "to_manager": {"type": "boolean",
                       "description": "the message went to whoever answers for the unit"},
        "tries": {"type": "array", "items": ref("DeliveryTry")},
    },
    "An e-mail or SMS in the outbox.",
)
SCHEMAS: dict[str, Schema] = {
    "DeliveryTry": _TRY,
    "Delivery": _DELIVERY,
    "TicketDeliveries": closed(
        {"ticket": _NUMBER, "messages": {"type": "array", "items": ref("Delivery")}},
        "What was sent about a ticket.",
    ),
    "DeliveryEnvelope": closed({"message": ref("Delivery")}, "One message of the outbox."),
    "RetryMessage": {
        "type": "object",
        "description": "Where to send the message; without it, its own address.",
        "properties": {"recipient": {
            "type": "string", "maxLength": MAX_ADDRESS,
            "description": "an e-mail address (e-mail) or a Turkish mobile number (SMS)"}},
        "additionalProperties": False,
    },
    "StuckMessages": closed(
        {"status": {"enum": ["failed", "pending"]},
         "messages": {"type": "array", "items": ref("Delivery")}},
        "Messages that failed or wait.",
    ),
}
