"""The OpenAPI paths and schemas of the operator console (`cti.web.routes.console`).

The WebSocket streams the same objects: `hello` (a ConsoleState) on every (re)connect, then
`pop`, `history`, `pop_closed`, `call`, `call_ended`, `agent` and `wrapup` messages.
"""

from __future__ import annotations

from cti.web.openapi_people import CSRF, REFUSALS
from cti.web.openapi_schemas import STRING, Schema, closed, nullable, ref

_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_OPEN_OBJECT: Schema = {"type": "object", "additionalProperties": True}
_CODE = closed({"code": STRING, "tr": STRING, "en": STRING}, "A code and its labels.")
_ACTION_ERRORS: dict[str, Schema] = {
    "409": {"description": "No softphone is tied to the user, or the request does not fit "
            "(an unknown code, a call that was not theirs)",
            "content": {"application/json": {"schema": ref("Error")}}},
    "503": {"description": "The PBX could not be asked, or refused",
            "content": {"application/json": {"schema": ref("Error")}}},
}


def _state(description: str) -> Schema:
    return {"description": description,
            "content": {"application/json": {"schema": ref("ConsoleState")}}}


def _action(operation: str, summary: str, body: str | None = None) -> Schema:
    spec: Schema = {
        "operationId": operation,
        "summary": summary,
        "parameters": [CSRF],
        "responses": {"200": _state("The operator's console state after it"),
                      "400": {"$ref": "#/components/responses/BadRequest"},
                      **REFUSALS, **_ACTION_ERRORS, **_ERRORS},
    }
    if body is not None:
        spec["requestBody"] = {"required": True, "content": {
            "application/json": {"schema": ref(body)}}}
    return spec


PATHS: dict[str, Schema] = {
    "/api/console/ws": {"get": {
        "operationId": "consoleStream",
        "summary": "WebSocket: the operator's pops, call, queue state and wrap-up, live",
        "description": "Upgrade to a WebSocket. The first message is a ConsoleState "
        '(type "hello"); a reconnect gets a fresh one, so nothing is lost. Send "ping" to '
        "get a pong; nothing else is read.",
        "responses": {"101": {"description": "Switching to the WebSocket protocol"},
                      **REFUSALS, "409": _ACTION_ERRORS["409"], **_ERRORS},
    }},
    "/api/console/state": {"get": {
        "operationId": "getConsoleState",
        "summary": "What the operator's console shows now (the WebSocket's hello)",
        "responses": {"200": _state("The console state"), **REFUSALS,
                      "409": _ACTION_ERRORS["409"], **_ERRORS},
    }},
    "/api/console/queue/join": {"post": _action(
        "joinQueue", "Log in to the queues of the user's roles (QueueAdd)")},
    "/api/console/queue/leave": {"post": _action(
        "leaveQueue", "Log out of them (QueueRemove)")},
    "/api/console/queue/pause": {"post": _action(
        "pauseQueue", "Pause in every queue with a reason (QueuePause)", "PauseRequest")},
    "/api/console/queue/resume": {"post": _action("resumeQueue", "End the pause")},
    "/api/console/disposition": {"post": _action(
        "setDisposition", "Give an answered call its wrap-up code; ends the wrap-up",
        "DispositionRequest")},
}

SCHEMAS: dict[str, Schema] = {
    "ConsoleState": closed(
        {
            "type": {"const": "hello"},
            "at": {"type": "number", "description": "the server's clock, epoch seconds"},
            "agent": nullable({**_OPEN_OBJECT, "description":
                               "the operator's queue membership as Asterisk reports it; "
                               "null when not in any queue"}),
            "pops": {"type": "array", "items": _OPEN_OBJECT,
                     "description": "calls ringing the operator's phone now"},
            "call": nullable({**_OPEN_OBJECT, "description": "the answered call"}),
            "wrapup": {"type": "array", "items": closed(
                {"call_id": STRING, "queue": STRING,
                 "deadline": {"type": "number", "description": "epoch seconds"}},
                "An answered call still waiting for its disposition code.")},
            "queues": {"type": "array", "items": STRING},
            "codes": closed({"dispositions": {"type": "array", "items": _CODE},
                             "pauses": {"type": "array", "items": _CODE}},
                            "Disposition codes and pause reasons, Turkish and English."),
        },
        "The operator's console: pops, call, wrap-up and queue state.",
    ),
    "PauseRequest": closed({"reason": {"type": "string", "maxLength": 64}},
                           "A pause reason code (mola, yemek, egitim, …)."),
    "DispositionRequest": {
        "type": "object",
        "description": "The call's wrap-up code; then_pause pauses instead of resuming.",
        "properties": {
            "call_id": {"type": "string", "maxLength": 64},
            "code": {"type": "string", "maxLength": 32},
            "note": {"type": "string", "maxLength": 2000},
            "then_pause": nullable({"type": "string", "maxLength": 64}),
        },
        "required": ["call_id", "code"],
        "additionalProperties": False,
    },
}
