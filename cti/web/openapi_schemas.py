"""The JSON Schemas (2020-12, as OpenAPI 3.1 uses) of what the API answers.

Every object lists all its properties as required and allows no others, so a field added to
a response and not described here fails the schema test.
"""

from __future__ import annotations

from cti.domain.calls.record import AttemptResult, HungUpBy, Outcome

Schema = dict[str, object]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: Schema) -> Schema:
    return {"anyOf": [schema, {"type": "null"}]}


def closed(properties: dict[str, Schema], description: str) -> Schema:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }


def moment(name: str, what: str, *, optional: bool = False) -> dict[str, Schema]:
    """A time as epoch seconds and its ISO 8601 UTC twin `<name>_iso`."""
    epoch: Schema = {"type": "number", "description": f"{what}, epoch seconds"}
    text: Schema = {"type": "string", "format": "date-time", "description": f"{what}, UTC"}
    if optional:
        return {name: nullable(epoch), f"{name}_iso": nullable(text)}
    return {name: epoch, f"{name}_iso": text}


STRING: Schema = {"type": "string"}
SECONDS: Schema = nullable({"type": "number", "minimum": 0})

_ATTEMPT = closed(
    {
        "operator": {"type": "string", "description": "queue member name, e.g. op1001"},
        "interface": {"type": "string", "description": "e.g. PJSIP/1001"},
        **moment("rang_at", "the operator's phone started ringing"),
        **moment("ended_at", "the ringing ended", optional=True),
        "ring_seconds": SECONDS,
        "result": ref("AttemptResult"),
    },
    "One ring of one operator's phone for this call.",
)
_TIMELINE_ENTRY = closed(
    {**moment("at", "when"), "kind": STRING, "detail": STRING},
    "One step of a call, e.g. queue_joined or answered.",
)
_DISPOSITION = closed(
    {
        "operator": {"type": "string", "description": "the operator's username"},
        "code": {"type": "string", "description": "wrap-up code, e.g. bilgi_verildi"},
        "note": STRING,
        "set_at": {"type": "number", "description": "epoch seconds"},
        "timed_out": {"type": "boolean", "description": "set by the CTI when time ran out"},
    },
    "The wrap-up code an operator gave the call.",
)
_TICKET_REF = closed(
    {"number": {"type": "string", "description": "e.g. 153-2026-000123"}, "status": STRING},
    "A ticket this call was about.",
)
_CALL_PROPERTIES: dict[str, Schema] = {
    "call_id": {"type": "string", "description": "Asterisk Linkedid of the citizen's call"},
    "caller_number": nullable({"type": "string", "description": "0XXXXXXXXXX; null if withheld"}),
    "caller_name": STRING,
    "channel_uniqueid": {"type": "string", "description": "the citizen channel's Uniqueid"},
    "queue": nullable(STRING),
    "position_at_entry": nullable({"type": "integer", "minimum": 0}),
    "attempts": {"type": "array", "items": ref("Attempt")},
    "answered_by": nullable({"type": "string", "description": "the operator who answered"}),
    "wait_seconds": SECONDS,
    "talk_seconds": SECONDS,
    "hung_up_by": nullable(ref("HungUpBy")),
    "outcome": ref("Outcome"),
    "fallback_reason": nullable({"type": "string", "description": "e.g. max-wait"}),
    "source": {"type": "string", "description": '"ami" live, or "reconciled" from logs'},
    **moment("started_at", "the citizen's channel appeared"),
    **moment("entered_queue_at", "the call joined the queue", optional=True),
    **moment("answered_at", "an operator answered", optional=True),
    **moment("ended_at", "the call ended", optional=True),
    "dispositions": {"type": "array", "items": _DISPOSITION},
    "tickets": {"type": "array", "items": _TICKET_REF},
}
_COMPONENT_HEALTH = closed(
    {
        "up": {"type": "boolean"},
        "required": {"type": "boolean", "description": "its being down makes the CTI down"},
        "reason": STRING,
        "detail": {"type": "object", "additionalProperties": True},
    },
    "One component's state.",
)

SCHEMAS: dict[str, Schema] = {
    "Outcome": {"type": "string", "enum": [o.value for o in Outcome]},
    "HungUpBy": {"type": "string", "enum": [h.value for h in HungUpBy]},
    "AttemptResult": {"type": "string", "enum": [r.value for r in AttemptResult]},
    "Attempt": _ATTEMPT,
    "TimelineEntry": _TIMELINE_ENTRY,
    "Call": closed(_CALL_PROPERTIES, "A citizen call as listed (without its timeline)."),
    "CallDetail": closed(
        {**_CALL_PROPERTIES, "timeline": {"type": "array", "items": ref("TimelineEntry")}},
        "One citizen call with its timeline.",
    ),
    "CallPage": closed(
        {
            "calls": {"type": "array", "items": ref("Call")},
            "next_cursor": nullable({"type": "string", "description": "pass as `cursor`"}),
        },
        "Calls newest first; next_cursor is null on the last page.",
    ),
    "Error": closed(
        {
            "error": closed(
                {
                    "code": {"type": "string", "examples": ["invalid_parameter"]},
                    "message": {
                        "type": "string",
                        "description": "Turkish, then English",
                        "examples": ["Geçersiz parametre / invalid parameter: since"],
                    },
                },
                "What went wrong.",
            )
        },
        "Every 4xx and 5xx answer.",
    ),
    "ComponentHealth": _COMPONENT_HEALTH,
    "Health": closed(
        {
            "status": {"type": "string", "enum": ["up", "degraded", "down"]},
            "components": {
                "type": "object",
                "required": ["ami", "fastagi", "database"],
                "additionalProperties": ref("ComponentHealth"),
            },
        },
        '"down" (HTTP 503) when ami, fastagi or database is down; "degraded" when redis is.',
    ),
    "QueueSnapshot": {
        "type": "object",
        "description": "The live queues and their operators, as the live state reports them.",
        "additionalProperties": True,
    },
    "OpenApiDocument": {"type": "object", "required": ["openapi", "info", "paths"]},
}
