"""`/api/field/tasks…`: the field team's revisits: their list, one task with the ticket's place
and earlier photos, new photos, notes, taking a task, and the tutanak; and
`POST /api/tickets/{number}/field-tasks`, a supervisor sending the team.

A task shows a citizen's request and place, so every read of one, of its list and of its
files is written to the read audit (KVKK, Law No. 6698, art. 12) before the data goes out.
"""

from __future__ import annotations

import re

from aiohttp import web

from cti.domain.tickets.attachments import MAX_BYTES
from cti.domain.tickets.errors import AttachmentRefused
from cti.field.tasks import FieldTaskStatus
from cti.storage.field_tasks import MAX_LIST
from cti.web.errors import ApiError, invalid_parameter
from cti.web.field_errors import translating
from cti.web.field_json import detail_json, photo_json, task_json, task_path
from cti.web.files import download_headers, uploaded_file
from cti.web.identity import actor_of
from cti.web.json_body import flag, read_object, text_field
from cti.web.query_params import matching, one, page_limit, reject_unknown_or_repeated
from cti.web.responses import json_ok
from cti.web.state import ACCESS_AUDIT, FIELD_TASKS
from cti.web.ticket_errors import ATTACHMENT_NOT_FOUND
from cti.web.ticket_params import parse_attachment_id, parse_number

routes = web.RouteTableDef()

DEFAULT_LIMIT = 100
LIST_PARAMETERS = frozenset({"status", "limit"})
PATCH_FIELDS = frozenset({"notes", "take"})
_STATUS = re.compile("|".join(s.value for s in FieldTaskStatus))
_TASK_ID = re.compile(r"[1-9][0-9]{0,17}")
_TASK = "/api/field/tasks/{task_id}"


@routes.get("/api/field/tasks")
@translating
async def list_tasks(request: web.Request) -> web.Response:
    query = request.query
    reject_unknown_or_repeated(query, LIST_PARAMETERS)
    status = FieldTaskStatus(one(query, "status", matching(_STATUS)) or FieldTaskStatus.OPEN)
    limit = page_limit(query, default=DEFAULT_LIMIT, maximum=MAX_LIST)
    tasks = await request.app[FIELD_TASKS].tasks(status=status, limit=limit)
    await request.app[ACCESS_AUDIT].record(actor_of(request), "list_field_tasks",
                                           f"status={status.value}")
    return json_ok({"tasks": [task_json(task) for task in tasks]})


@routes.get(_TASK)
@translating
async def get_task(request: web.Request) -> web.Response:
    detail = await request.app[FIELD_TASKS].detail(_task_id(request))
    subject = f"{detail.task.ticket.number} task {detail.task.id}"
    await request.app[ACCESS_AUDIT].record(actor_of(request), "read_field_task", subject)
    return json_ok(detail_json(detail))


@routes.patch(_TASK)
@translating
async def change_task(request: web.Request) -> web.Response:
    task_id = _task_id(request)
    body = await read_object(request, PATCH_FIELDS)
    detail = await request.app[FIELD_TASKS].update(
        task_id, actor=actor_of(request), notes=text_field(body, "notes"),
        take=bool(flag(body, "take")),
    )
    return json_ok(detail_json(detail))


@routes.post(f"{_TASK}/photos")
@translating
async def add_photo(request: web.Request) -> web.Response:
    task_id = _task_id(request)
    filename, data = await uploaded_file(request, MAX_BYTES, AttachmentRefused("too_large"))
    added = await request.app[FIELD_TASKS].add_photo(
        task_id, filename=filename, data=data, actor=actor_of(request))
    response = json_ok(photo_json(task_id, added), status=201)
    response.headers["Location"] = f"{task_path(task_id)}/photos/{added.id}"
    return response


@routes.post(f"{_TASK}/complete")
@translating
async def complete_task(request: web.Request) -> web.Response:
    task_id = _task_id(request)
    await _no_options(request)
    detail = await request.app[FIELD_TASKS].complete(task_id, actor_of(request))
    return json_ok(detail_json(detail))


@routes.get(f"{_TASK}/photos/{{attachment_id}}")
@translating
async def get_photo(request: web.Request) -> web.Response:
    attachment_id = parse_attachment_id(request.match_info["attachment_id"])
    return await _file(request, attachment_id, report=False)


@routes.get(f"{_TASK}/report")
@translating
async def get_report(request: web.Request) -> web.Response:
    detail = await request.app[FIELD_TASKS].detail(_task_id(request))
    if detail.report is None:
        raise ApiError(404, "report_not_found",
                       "Bu görevin tutanağı henüz yok / this task has no report yet")
    return await _file(request, detail.report.id, report=True)


@routes.post("/api/tickets/{number}/field-tasks")
@translating
async def open_task(request: web.Request) -> web.Response:
    number = parse_number(request.match_info["number"])
    await _no_options(request)
    task, created = await request.app[FIELD_TASKS].open(number, actor_of(request))
    response = json_ok(task_json(task), status=201 if created else 200)
    response.headers["Location"] = task_path(task.id)
    return response


async def _no_options(request: web.Request) -> None:
    """An empty body, or an empty JSON object: these actions take no options (yet)."""
    if (await request.text()).strip():
        await read_object(request, frozenset())


def _task_id(request: web.Request) -> int:
    raw = request.match_info["task_id"]
    if not _TASK_ID.fullmatch(raw):
        raise invalid_parameter("task_id")
    return int(raw)


async def _file(request: web.Request, attachment_id: int, *, report: bool) -> web.Response:
    task_id = _task_id(request)
    number, attachment, data = await request.app[FIELD_TASKS].file(task_id, attachment_id)
    if not report and not attachment.content_type.startswith("image/"):
        raise ATTACHMENT_NOT_FOUND  # the tutanak has its own path; under /photos, photos only
    await request.app[ACCESS_AUDIT].record(actor_of(request), "read_attachment",
                                           f"{number}/{attachment_id}")
    return web.Response(body=data, content_type=attachment.content_type,
                        headers=download_headers(attachment))
