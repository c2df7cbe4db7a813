"""The OpenAPI paths and schemas of the field team's revisits (`cti.web.routes.field`);
`cti.web.openapi` merges them into the document."""

from __future__ import annotations

from cti.domain.tickets.attachments import MAX_BYTES
from cti.field.tasks import MAX_NOTES, MAX_PHOTOS, PHOTO_TYPES, FieldTaskStatus
from cti.storage.field_tasks import MAX_LIST
from cti.web.openapi_people import CSRF, REFUSALS
from cti.web.openapi_schemas import STRING, Schema, closed, moment, nullable, ref
from cti.web.routes.field import DEFAULT_LIMIT


def _json(description: str, schema: str) -> Schema:
    return {"description": description, "content": {"application/json": {"schema": ref(schema)}}}


_ERRORS = {"500": {"$ref": "#/components/responses/InternalError"}}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}
_NO_TASK = {"404": _json("No such field task", "Error")}
_CLOSED = {"409": _json("The task is done or cancelled (field_task_closed)", "Error")}
_TASK_ID: Schema = {"name": "task_id", "in": "path", "required": True,
                    "description": "the field task's id",
                    "schema": {"type": "integer", "minimum": 1}}
_ATTACHMENT_ID: Schema = {"name": "attachment_id", "in": "path", "required": True,
                          "schema": {"type": "integer", "minimum": 1}}
_NUMBER: Schema = {"name": "number", "in": "path", "required": True,
                   "description": "the ticket's number",
                   "schema": {"type": "string",
                              "pattern": r"^153-[0-9]{4}-([0-9]{6}|[1-9][0-9]{6})$"}}
_NO_OPTIONS: Schema = {"required": False, "content": {"application/json": {"schema": {
    "type": "object", "additionalProperties": False}}}}
_DETAIL = _json("The task as it is now", "FieldTaskDetail")


def _download(summary: str, types: list[str]) -> Schema:
    return {
        "summary": summary,
        "description": "A download (Content-Disposition: attachment); written to the read audit.",
        "responses": {
            "200": {"description": "The file",
                    "content": {t: {"schema": {"contentMediaType": t}} for t in types}},
            "400": _BAD_REQUEST, **REFUSALS,
            "404": _json("No such task, or no such file of it", "Error"), **_ERRORS,
        },
    }


_LIST: Schema = {
    "operationId": "listFieldTasks",
    "summary": "The field tasks: open ones longest overdue first, done ones newest first",
    "description": "Written to the read audit.",
    "parameters": [
        {"name": "status", "in": "query", "required": False, "schema": {
            "type": "string", "enum": [s.value for s in FieldTaskStatus], "default": "open"}},
        {"name": "limit", "in": "query", "required": False, "schema": {
            "type": "integer", "minimum": 1, "maximum": MAX_LIST, "default": DEFAULT_LIMIT}},
    ],
    "responses": {"200": _json("The tasks", "FieldTaskList"), "400": _BAD_REQUEST, **REFUSALS,
                  **_ERRORS},
}
_GET: Schema = {
    "operationId": "getFieldTask",
    "summary": "One task: the ticket's place and deadlines, this visit's and earlier photos",
    "description": "Written to the read audit.",
    "parameters": [_TASK_ID],
    "responses": {"200": _DETAIL, "400": _BAD_REQUEST, **REFUSALS, **_NO_TASK, **_ERRORS},
}
_PATCH: Schema = {
    "operationId": "changeFieldTask",
    "summary": "Keep the field notes, and/or take the task (assign it to oneself)",
    "parameters": [_TASK_ID, CSRF],
    "requestBody": {"required": True, "content": {"application/json": {
        "schema": ref("FieldTaskChanges")}}},
    "responses": {"200": _DETAIL, "400": _BAD_REQUEST, **REFUSALS, **_NO_TASK, **_CLOSED,
                  **_ERRORS},
}
_PHOTO: Schema = {
    "operationId": "addFieldPhoto",
    "summary": f"A photo of this visit (JPEG, PNG or WebP, at most {MAX_BYTES // 2**20} MB, "
    f"{MAX_PHOTOS} a visit)",
    "description": "The type is judged by the file's first bytes and the image is decoded.",
    "parameters": [_TASK_ID, CSRF],
    "requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
        "type": "object",
        "properties": {"file": {"type": "string", "contentMediaType": "image/*"}},
        "required": ["file"],
    }}}},
    "responses": {
        "201": _json("The photo; Location is where to download it", "FieldFile"),
        "400": _json("Empty, or an image that cannot be read", "Error"), **REFUSALS,
        **_NO_TASK,
        "409": _json("The task is closed, or has its photos already", "Error"),
        "413": _json(f"Larger than {MAX_BYTES // 2**20} MB", "Error"),
        "415": _json("Not a JPEG, PNG or WebP photo", "Error"), **_ERRORS,
    },
}
_COMPLETE: Schema = {
    "operationId": "completeFieldTask",
    "summary": "Write the tutanak: a PDF with the photos, attached to the ticket and e-mailed "
    "to the unit and its manager with a warning; the task is done",
    "parameters": [_TASK_ID, CSRF],
    "requestBody": _NO_OPTIONS,
    "responses": {
        "200": _DETAIL, "400": _BAD_REQUEST, **REFUSALS, **_NO_TASK,
        "409": _json("Closed already, no notes or no photo yet, or changed meanwhile", "Error"),
        **_ERRORS,
    },
}
_OPEN: Schema = {
    "operationId": "openFieldTask",
    "summary": "Send the field team to a ticket (201 a new task, 200 its open one)",
    "parameters": [_NUMBER, CSRF],
    "requestBody": _NO_OPTIONS,
    "responses": {
        "200": _json("The ticket's open task", "FieldTask"),
        "201": _json("A new task; Location names it", "FieldTask"),
        "400": _BAD_REQUEST, **REFUSALS, "404": _json("No such ticket", "Error"),
        "409": _json("The ticket is closed", "Error"), **_ERRORS,
    },
}

PATHS: dict[str, Schema] = {
    "/api/field/tasks": {"get": _LIST},
    "/api/field/tasks/{task_id}": {"get": _GET, "patch": _PATCH},
    "/api/field/tasks/{task_id}/photos": {"post": _PHOTO},
    "/api/field/tasks/{task_id}/complete": {"post": _COMPLETE},
    "/api/field/tasks/{task_id}/photos/{attachment_id}": {"get": {
        "operationId": "getFieldPhoto", "parameters": [_TASK_ID, _ATTACHMENT_ID],
        **_download("A photo of the task's ticket (this visit's or an earlier one)",
                    sorted(PHOTO_TYPES))}},
    "/api/field/tasks/{task_id}/report": {"get": {
        "operationId": "getFieldReport", "parameters": [_TASK_ID],
        **_download("The task's tutanak (PDF)", ["application/pdf"])}},
    "/api/tickets/{number}/field-tasks": {"post": _OPEN},
}

_NAMED = closed({"code": STRING, "name_tr": STRING, "name_en": STRING},
                "A code with its Turkish and English names.")
_FILE: dict[str, Schema] = {
    "id": {"type": "integer"}, "filename": STRING, "content_type": STRING,
    "size": {"type": "integer"}, "uploaded_by": STRING,
    **moment("uploaded_at", "uploaded"), "url": STRING,
}
_TICKET = closed({
    "number": STRING, "status": STRING, "category": ref("FieldName"),
    "district": nullable(ref("FieldName")), "neighbourhood": nullable(STRING),
    "address": nullable(STRING), "latitude": nullable({"type": "number"}),
    "longitude": nullable({"type": "number"}), "description": STRING,
    "unit": nullable(ref("FieldName")),
    "missed_deadline": nullable(closed({
        "kind": {"type": "string", "enum": ["ack", "resolve"]},
        **moment("due_at", "when it was due")},
        "The unit's deadline that has passed with its step not taken; null when on time.")),
    **moment("created_at", "the request came in"),
    **moment("forwarded_at", "it reached the unit", optional=True),
    **moment("acknowledged_at", "the unit acknowledged it", optional=True),
    **moment("ack_due_at", "the unit had to acknowledge it by", optional=True),
    **moment("resolve_due_at", "the unit had to resolve it by", optional=True),
}, "The ticket as the field team needs it; no citizen's name or phone.")
_TASK_FIELDS: dict[str, Schema] = {
    "id": {"type": "integer"},
    "status": {"type": "string", "enum": [s.value for s in FieldTaskStatus]},
    "reason": {"type": "string", "description": "escalation or manual"},
    "created_by": STRING, "assigned_to": nullable(STRING), "notes": STRING,
    "inspected_by": nullable(STRING), "report_attachment_id": nullable({"type": "integer"}),
    "report_url": nullable(STRING), "photo_count": {"type": "integer"},
    "ticket": ref("FieldTicket"), "url": STRING,
    **moment("created_at", "the task was opened"),
    **moment("inspected_at", "the tutanak was written", optional=True),
}

SCHEMAS: dict[str, Schema] = {
    "FieldName": _NAMED,
    "FieldFile": closed(_FILE, "A photo or the tutanak, downloaded from `url`."),
    "FieldTicket": _TICKET,
    "FieldTask": closed(_TASK_FIELDS, "A field team's visit to a ticket's place."),
    "FieldTaskDetail": closed({
        **_TASK_FIELDS,
        "photos": {"type": "array", "items": ref("FieldFile")},
        "earlier_photos": {"type": "array", "items": ref("FieldFile")},
        "report": nullable(ref("FieldFile")),
    }, "A task with this visit's photos, the ticket's earlier ones and the tutanak."),
    "FieldTaskList": closed({"tasks": {"type": "array", "items": ref("FieldTask")}},
                            "Field tasks."),
    "FieldTaskChanges": {
        "type": "object", "additionalProperties": False,
        "properties": {
            "notes": {"type": "string", "maxLength": MAX_NOTES,
                      "description": "the field notes so far (replaces them)"},
            "take": {"type": "boolean", "description": "assign the task to oneself"},
        },
    },
}
