"""The OpenAPI paths and schemas of the feedback console (`cti.web.routes.callbacks`);
`cti.web.openapi` merges them into the document. Tickets are `openapi_tickets`' schemas."""

from __future__ import annotations

from cti.domain.tickets import fields as limits
from cti.web.openapi_people import CSRF, REFUSALS
from cti.web.openapi_schemas import STRING, Schema, closed, moment, nullable, ref
from cti.web.routes.callbacks import DEFAULT_LIMIT, MAX_LIMIT, OUTCOMES
from dialer.day_summary import MAX_FINISHED

_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}


def _json(description: str, schema: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


_NOT_FOUND = {"404": _json("No such callback", "Error")}
_ID: Schema = {
    "name": "callback_id", "in": "path", "required": True, "description": "the callback's id",
    "schema": {"type": "string", "pattern": "^[1-9][0-9]{0,8}$"},
}
_ATTEMPT_ID: Schema = {
    "name": "attempt_id", "in": "path", "required": True,
    "description": "the attempt's id the dialer put on the channel (ALO153_ATTEMPT)",
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
}


def _post(operation_id: str, summary: str, ok: Schema, conflict: str,
          body: str | None = None) -> Schema:
    operation: Schema = {
        "operationId": operation_id,
        "summary": summary,
        "parameters": [_ID, CSRF],
        "responses": {**ok, "400": _BAD_REQUEST, **REFUSALS, **_NOT_FOUND,
                      "409": _json(conflict, "Error"), **_ERRORS},
    }
    if body is not None:
        operation["requestBody"] = {"required": True,
                                    "content": {"application/json": {"schema": ref(body)}}}
    return operation


_QUEUE: Schema = {
    "operationId": "listCallbacks",
    "summary": "The feedback callback queue: waiting, scheduled and calling",
    "description": "Each section in calling order (priority, then longest resolved). A "
    "feedback operator is not shown callbacks another operator took in preview; a supervisor "
    "sees all. Written to the read audit. Unknown or repeated parameters are refused with 400.",
    "parameters": [{
        "name": "limit", "in": "query", "required": False, "description": "callbacks at most",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                   "default": DEFAULT_LIMIT},
    }],
    "responses": {"200": _json("The queue", "CallbackQueue"), "400": _BAD_REQUEST,
                  **REFUSALS, **_ERRORS},
}
_ATTEMPT: Schema = {
    "operationId": "getCallbackAttempt",
    "summary": "The callback and ticket of a call the dialer placed (the console's pop)",
    "description": "The ticket read is written to the read audit.",
    "parameters": [_ATTEMPT_ID],
    "responses": {"200": _json("The callback and its ticket", "CallbackTicket"),
                  "400": _BAD_REQUEST, **REFUSALS,
                  "404": _json("No such attempt", "Error"), **_ERRORS},
}

_DAY: Schema = {
    "operationId": "callbackDaySummary",
    "summary": "A day of feedback calls in figures, for the team leader",
    "description": "Callbacks finished that day by outcome, calls placed that day by "
    "outcome, the contact rate (cancelled callbacks left out), satisfaction, "
    "each operator's calls and talk time, and the finished callbacks one by one, the latest "
    "first (no phone numbers or names). The read is written to the read audit.",
    "parameters": [{"name": "day", "in": "query", "required": False,
                    "description": "YYYY-MM-DD, Europe/Istanbul; today by default",
                    "schema": {"type": "string", "format": "date"}}],
    "responses": {"200": _json("The day's figures", "CallbackDay"), "400": _BAD_REQUEST,
                  **REFUSALS, **_ERRORS},
}

PATHS: dict[str, Schema] = {
    "/api/callbacks": {"get": _QUEUE},
    "/api/callbacks/{callback_id}/take": {"post": _post(
        "takeCallback", "Preview: take a waiting callback and see its ticket before calling "
        "(the ticket read is audited)",
        {"200": _json("The callback, now yours, and its ticket", "CallbackTicket")},
        "Not in preview mode, or the callback is no longer waiting or another operator's")},
    "/api/callbacks/{callback_id}/call": {"post": _post(
        "callCallback", "Preview: call the citizen of a callback you took, to your softphone",
        {"202": _json("The call is being placed", "CallbackCall")},
        "Not in preview mode, no softphone, or the callback is not waiting and yours")},
    "/api/callbacks/{callback_id}/outcome": {"post": _post(
        "recordCallbackOutcome", "The citizen's verdict: confirmed (closed), not_solved "
        "(reopened at the same unit, one priority step higher, the words in the trail) or "
        "wrong_number (closed), and the callback is done; or later: the citizen asks to be "
        "called at `at` (5 minutes to 14 days ahead, moved into calling hours), the callback "
        "waits for it, first in the queue when due, and the tries after it count afresh",
        {"200": _json("The callback (done, or waiting for the appointment) and the ticket",
                      "CallbackClosed")},
        "No call waiting for a verdict, or the ticket cannot move so", "CallbackOutcome")},
    "/api/callbacks/{callback_id}/release": {"post": _post(
        "releaseCallback", "A callback taken in preview back to the queue: yours, or, for a "
        "supervisor, whoever took it",
        {"200": _json("The callback, waiting for anyone", "CallbackOnly")},
        "callback_not_waiting: being called or finished; callback_not_taken: nobody (or "
        "another operator) has it")},
    "/api/callbacks/{callback_id}/cancel": {"post": _post(
        "cancelCallback", "Supervisor: take a waiting callback off the list (the citizen asked "
        "not to be called, or heard the outcome another way); the reason goes to the "
        "ticket's trail and the ticket closes on the unit's resolution",
        {"200": _json("The callback, cancelled", "CallbackOnly")},
        "The callback is not waiting: a call is on, or it is finished", "CallbackCancel")},
    "/api/callbacks/attempts/{attempt_id}": {"get": _ATTEMPT},
    "/api/callbacks/summary": {"get": _DAY},
}


_COUNT: Schema = {"type": "integer", "minimum": 0}
_CALLBACK = closed({
    "callback_id": {"type": "integer", "minimum": 1},
    "ticket_number": STRING,
    "status": {"type": "string", "description": "waiting, calling, connected, done…"},
    "section": {"type": "string", "enum": ["waiting", "scheduled", "calling", "done"]},
    "category": STRING,
    "unit": nullable(STRING),
    "resolution": nullable({"type": "string", "description": "the unit's resolution"}),
    "priority": {"type": "integer", "description": "higher is called first"},
    "attempts": _COUNT,
    "max_attempts": _COUNT,
    "last_outcome": nullable({"type": "string", "description": "busy, no_answer…"}),
    "assigned_to": nullable({"type": "string", "description": "preview: who took it"}),
    **moment("due_at", "when it is called next (calling hours and spacing applied)"),
    **moment("resolved_at", "when the unit resolved the ticket"),
    **moment("appointment_at", "when the citizen asked to be called", optional=True),
}, "A resolved ticket whose citizen is to be called back.")
_LIST: Schema = {"type": "array", "items": ref("Callback")}

_COUNTS: Schema = {"type": "object", "additionalProperties": _COUNT}
SCHEMAS: dict[str, Schema] = {
    "Callback": _CALLBACK,
    "CallbackDay": closed({
        "day": {"type": "string", "format": "date"},
        "callbacks": _COUNTS, "attempts": _COUNTS,
        "contact_rate": nullable({"type": "number", "minimum": 0, "maximum": 1}),
        "satisfaction": closed({"average": nullable({"type": "number"}), "count": _COUNT},
                               "Scores 1-5 given on that day's finished callbacks."),
        "operators": {"type": "array", "items": closed({
            "operator": STRING, "calls": _COUNT,
            "talk_seconds": {"type": "number", "minimum": 0}}, "One operator's day.")},
        "finished": {"type": "array", "maxItems": MAX_FINISHED, "items": closed({
            "callback_id": {"type": "integer", "minimum": 1}, "ticket_number": STRING,
            "unit": nullable(STRING),
            "outcome": {"type": "string", "description": "confirmed, not_solved, "
                        "wrong_number, unreachable or cancelled"},
            "operator": nullable({"type": "string", "description": "who last had the "
                                  "citizen on the line; null if nobody did"}),
            "satisfaction": nullable({"type": "integer", "minimum": 1, "maximum": 5}),
            "attempts": _COUNT,
            **moment("done_at", "the callback was finished"),
        }, "A callback finished that day.")},
    }, "A day of feedback calls in figures, and its finished callbacks, the latest first."),
    "CallbackQueue": closed({
        "mode": {"type": "string", "enum": ["progressive", "preview", "off"]},
        **moment("at", "the moment the sections were judged at"),
        "waiting": _LIST, "scheduled": _LIST, "calling": _LIST,
    }, "The callback queue in its sections."),
    "CallbackTicket": closed({"callback": ref("Callback"), "ticket": ref("TicketDetail")},
                             "A callback with its ticket, trail included."),
    "CallbackClosed": closed({"callback": ref("Callback"), "ticket": ref("Ticket")},
                             "A callback done with the citizen's verdict (or waiting for "
                             "the citizen's appointment), and its ticket."),
    "CallbackCall": closed({"callback_id": {"type": "integer"}, "attempt_id": STRING},
                           "A preview call placed."),
    "CallbackOnly": closed({"callback": ref("Callback")}, "A callback as it is now."),
    "CallbackCancel": {
        **closed({"reason": {"type": "string", "minLength": 1, "maxLength": limits.MAX_NOTE,
                             "description": "why it is not called: goes to the trail"}},
                 "Why a waiting callback is taken off the list."),
        "required": ["reason"],
    },
    "CallbackOutcome": {
        **closed({
            "outcome": {"type": "string", "enum": list(OUTCOMES)},
            "words": {"type": "string", "maxLength": limits.MAX_NOTE,
                      "description": "the citizen's words: required for not_solved, a note for "
                      "confirmed, refused for wrong_number"},
            "satisfaction": {"type": "integer", "minimum": 1, "maximum": 5,
                             "description": "the citizen's score, if asked"},
            "at": {"oneOf": [{"type": "number"}, {"type": "string", "format": "date-time"}],
                   "description": "later only: when to call, epoch seconds or ISO 8601 with "
                   "a timezone"},
        }, "The citizen's verdict on the unit's resolution."),
        "required": ["outcome"],
    },
}
