"""The OpenAPI paths and schemas of the organisation, the routing suggestion and the leave days
(`cti.web.routes.organisation`, `.leave_days`); `cti.web.openapi` merges them into the
document."""

from __future__ import annotations

from cti.domain.organisation import CSV_COLUMNS, MAX_CODE, MAX_EMAIL, UnitKind
from cti.domain.routing import LOCATION_KINDS
from cti.storage.leave_days import MAX_REASON
from cti.web.openapi_people import CSRF, REFUSALS
from cti.web.openapi_schemas import STRING, Schema, closed, nullable, ref

_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}
_CODE: Schema = {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$",
                 "maxLength": MAX_CODE, "examples": ["seyhan-fen-isleri"]}
_NAME: Schema = {"type": "string", "minLength": 1, "maxLength": 160}
_EMAIL: Schema = {"type": "string", "maxLength": MAX_EMAIL,
                  "description": "an address, or empty while nobody has given one"}
_DAY: Schema = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def _json(description: str, schema: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


def _body(schema: str) -> Schema:
    return {"required": True, "content": {"application/json": {"schema": ref(schema)}}}


def _query(name: str, description: str, schema: Schema, required: bool = False) -> Schema:
    return {"name": name, "in": "query", "required": required, "description": description,
            "schema": schema}


_UNIT_REFUSED = _json("A field is missing or wrong, or the tree would break (the message "
                      "says why: e.g. routing rules send tickets to the unit)", "Error")
_NOT_FOUND = {"404": _json("No such unit", "Error")}

_LIST_UNITS: Schema = {
    "operationId": "listUnits",
    "summary": "Every unit, inactive ones too, parents first (for the forward picker and the "
    "admin page), with the kinds of place routing tells apart",
    "responses": {"200": _json("The units", "UnitList"), **REFUSALS, **_ERRORS},
}
_ADD_UNIT: Schema = {
    "operationId": "addUnit",
    "summary": "A new unit (admin)",
    "parameters": [CSRF],
    "requestBody": _body("NewUnit"),
    "responses": {
        "201": _json("The unit", "UnitEnvelope"), "400": _UNIT_REFUSED, **REFUSALS,
        "409": _json("A unit has this code", "Error"), **_ERRORS,
    },
}
_CHANGE_UNIT: Schema = {
    "operationId": "changeUnit",
    "summary": "Change a unit (admin); `active: false` deactivates it (units are never "
    "deleted: old tickets keep their codes)",
    "parameters": [{"name": "code", "in": "path", "required": True, "schema": _CODE}, CSRF],
    "requestBody": _body("UnitChanges"),
    "responses": {"200": _json("The unit as changed", "UnitEnvelope"), "400": _UNIT_REFUSED,
                  **REFUSALS, **_NOT_FOUND, **_ERRORS},
}
_EXPORT: Schema = {
    "operationId": "exportUnits",
    "summary": "Every unit as CSV, parents first, UTF-8 with a byte-order mark for Excel "
    f"(admin); columns {','.join(CSV_COLUMNS)}",
    "responses": {
        "200": {"description": "The CSV file",
                "content": {"text/csv": {"schema": {"type": "string"}}}},
        **REFUSALS, **_ERRORS,
    },
}
_IMPORT: Schema = {
    "operationId": "importUnits",
    "summary": "Add and change units from a CSV file, all or nothing (admin)",
    "description": "The body is the file (text/csv), or a multipart form whose `file` part is. "
    "UTF-8 (byte-order mark or not) or Windows-1254; ',' or ';'. Units not in the file stay "
    "as they are. A refusal names the line at fault.",
    "parameters": [
        _query("dry_run", "check and count only; write nothing",
               {"type": "string", "enum": ["true", "false"]}),
        CSRF,
    ],
    "requestBody": {"required": True, "content": {
        "text/csv": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}}},
    }},
    "responses": {
        "200": _json("What the file added, changed and left unchanged", "UnitImport"),
        "400": _json("The file is refused; `line` is its line (1: the header)", "ImportError"),
        **REFUSALS,
        "413": _json("The file is larger than 1 MB", "Error"),
        **_ERRORS,
    },
}
_SUGGEST: Schema = {
    "operationId": "suggestUnit",
    "summary": "The unit the routing rules suggest, with the reason to read to the operator",
    "description": "`unit` is null when the unit depends on a district not yet given.",
    "parameters": [
        _query("category", "the ticket's category", STRING, required=True),
        _query("district", "the ticket's district", STRING),
        _query("location_kind", "the kind of place, where responsibility depends on it",
               {"type": "string", "enum": list(LOCATION_KINDS)}),
    ],
    "responses": {"200": _json("The suggestion", "RoutingSuggestion"), "400": _BAD_REQUEST,
                  **REFUSALS, **_ERRORS},
}
_LIST_LEAVE: Schema = {
    "operationId": "listLeaveDays",
    "summary": "The administrative leave days (idari izin), oldest first",
    "responses": {"200": _json("The leave days", "LeaveDayList"), **REFUSALS, **_ERRORS},
}
_ADD_LEAVE: Schema = {
    "operationId": "addLeaveDay",
    "summary": "Declare a leave day (admin): no deadline counts it",
    "parameters": [CSRF],
    "requestBody": _body("NewLeaveDay"),
    "responses": {"201": _json("The leave day", "LeaveDayEnvelope"), "400": _BAD_REQUEST,
                  **REFUSALS, "409": _json("The day is already a leave day", "Error"),
                  **_ERRORS},
}
_REMOVE_LEAVE: Schema = {
    "operationId": "removeLeaveDay",
    "summary": "Withdraw a leave day (admin)",
    "parameters": [{"name": "day", "in": "path", "required": True, "schema": _DAY}, CSRF],
    "responses": {"200": _json("Withdrawn", "LeaveDayRemoved"), "400": _BAD_REQUEST,
                  **REFUSALS, "404": _json("The day is not a leave day", "Error"), **_ERRORS},
}

PATHS: dict[str, Schema] = {
    "/api/units": {"get": _LIST_UNITS, "post": _ADD_UNIT},
    "/api/units/{code}": {"patch": _CHANGE_UNIT},
    "/api/units/export": {"get": _EXPORT},
    "/api/units/import": {"post": _IMPORT},
    "/api/routing/suggest": {"get": _SUGGEST},
    "/api/leave-days": {"get": _LIST_LEAVE, "post": _ADD_LEAVE},
    "/api/leave-days/{day}": {"delete": _REMOVE_LEAVE},
}

_UNIT_FIELDS: dict[str, Schema] = {
    "code": _CODE,
    "parent": nullable({**_CODE, "description": "null only for an organisation"}),
    "kind": {"type": "string", "enum": [k.value for k in UnitKind]},
    "name_tr": _NAME,
    "name_en": _NAME,
    "email": _EMAIL,
    "manager_email": {**_EMAIL, "description": "warned too when a deadline passes; empty: "
                      "the parent unit's address"},
    "active": {"type": "boolean"},
}
_PATH_ENTRY = closed({"code": _CODE, "name_tr": STRING, "name_en": STRING},
                     "A unit on the way from its organisation down.")

SCHEMAS: dict[str, Schema] = {
    "Unit": closed({**_UNIT_FIELDS, "updated_at": {"type": "number"},
                    "updated_by": STRING}, "A unit tickets are forwarded to."),
    "UnitInTree": closed({**_UNIT_FIELDS, "updated_at": {"type": "number"},
                          "updated_by": STRING, "depth": {"type": "integer", "minimum": 0}},
                         "A unit, with its depth in the tree (0: an organisation)."),
    "UnitList": closed({
        "units": {"type": "array", "items": ref("UnitInTree")},
        "location_kinds": {"type": "array", "items": closed(
            {"code": {"type": "string", "enum": list(LOCATION_KINDS)}, "name_tr": STRING,
             "name_en": STRING}, "A kind of place the routing rules tell apart.")},
    }, "The organisation, parents before children."),
    "UnitEnvelope": closed({"unit": ref("Unit")}, "One unit."),
    "NewUnit": {**closed(_UNIT_FIELDS, "A new unit; active unless said otherwise."),
                "required": ["code", "kind", "name_tr", "name_en"]},
    "UnitChanges": {**closed({k: v for k, v in _UNIT_FIELDS.items() if k != "code"},
                             "The fields to change; the others stay."), "required": []},
    "UnitImport": closed({
        "added": {"type": "integer"}, "changed": {"type": "integer"},
        "unchanged": {"type": "integer"},
        "deactivated": {"type": "integer", "description": "of the changed"},
        "dry_run": {"type": "boolean"},
    }, "What the file did (or, on a dry run, would do)."),
    "ImportError": closed({"error": {**closed(
        {"code": STRING, "message": STRING,
         "line": nullable({"type": "integer", "minimum": 1})},
        "What went wrong, and where."), "required": ["code", "message"]}},
        "A refused file."),
    "RoutingSuggestion": closed({
        "unit": nullable(_CODE), "unit_name_tr": nullable(STRING),
        "unit_name_en": nullable(STRING),
        "reason_tr": {"type": "string", "description": "why, for the operator (Turkish)"},
        "label": {"type": "string", "description": "the unit's path, e.g. "
                  "\"Seyhan Belediyesi › Zabıta Müdürlüğü\""},
        "path": {"type": "array", "items": _PATH_ENTRY},
    }, "The suggested unit; the operator may forward elsewhere."),
    "LeaveDay": closed({"day": _DAY, "reason": STRING, "added_by": STRING,
                        "added_at": {"type": "number"}}, "An administrative leave day."),
    "LeaveDayList": closed({"leave_days": {"type": "array", "items": ref("LeaveDay")}},
                           "The leave days."),
    "LeaveDayEnvelope": closed({"leave_day": ref("LeaveDay")}, "One leave day."),
    "NewLeaveDay": closed({"day": _DAY, "reason": {"type": "string", "minLength": 1,
                                                   "maxLength": MAX_REASON}},
                          "A leave day to declare."),
    "LeaveDayRemoved": closed({"removed": _DAY}, "The day withdrawn."),
}
