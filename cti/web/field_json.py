"""Field tasks as the API shows them: the visit, the ticket's place and deadlines, the photos.

Each moment as epoch seconds and ISO 8601 UTC (like `ticket_json`); names as Turkish and
English pairs. Photos and the tutanak link to the field routes, which field staff may read
(the ticket's own attachment routes are the call centre's).
"""

from __future__ import annotations

import time

from cti.domain.tickets.attachments import Attachment
from cti.field.tasks import FieldTask, FieldTaskDetail, Named, TaskTicket
from cti.web.call_json import Json, iso

TASK_TIMES = ("created_at", "inspected_at")
TICKET_TIMES = ("created_at", "forwarded_at", "acknowledged_at", "ack_due_at", "resolve_due_at")


def task_path(task_id: int) -> str:
    return f"/api/field/tasks/{task_id}"


def task_json(task: FieldTask) -> Json:
    body: Json = {
        "id": task.id,
        "status": task.status.value,
        "reason": task.reason,
        "created_by": task.created_by,
        "assigned_to": task.assigned_to,
        "notes": task.notes,
        "inspected_by": task.inspected_by,
        "report_attachment_id": task.report_attachment_id,
        "report_url": (f"{task_path(task.id)}/report"
                       if task.report_attachment_id is not None else None),
        "photo_count": task.photo_count,
        "ticket": ticket_json(task.ticket),
        "url": task_path(task.id),
    }
    _times(body, task, TASK_TIMES)
    return body


def detail_json(detail: FieldTaskDetail) -> Json:
    task_id = detail.task.id
    return {
        **task_json(detail.task),
        "photos": [photo_json(task_id, p) for p in detail.photos],
        "earlier_photos": [photo_json(task_id, p) for p in detail.earlier_photos],
        "report": None if detail.report is None else report_json(task_id, detail.report),
    }


def ticket_json(ticket: TaskTicket) -> Json:
    missed = ticket.missed_by(time.time())
    body: Json = {
        "number": ticket.number,
        "status": ticket.status,
        "category": named_json(ticket.category),
        "district": None if ticket.district is None else named_json(ticket.district),
        "neighbourhood": ticket.neighbourhood,
        "address": ticket.address,
        "latitude": ticket.latitude,
        "longitude": ticket.longitude,
        "description": ticket.description,
        "unit": None if ticket.unit is None else named_json(ticket.unit),
        "missed_deadline": None if missed is None else {
            "kind": missed[0], "due_at": missed[1], "due_at_iso": iso(missed[1])},
    }
    _times(body, ticket, TICKET_TIMES)
    return body


def named_json(named: Named) -> Json:
    return {"code": named.code, "name_tr": named.name_tr, "name_en": named.name_en}


def photo_json(task_id: int, photo: Attachment) -> Json:
    return {**_file_json(photo), "url": f"{task_path(task_id)}/photos/{photo.id}"}


def report_json(task_id: int, report: Attachment) -> Json:
    return {**_file_json(report), "url": f"{task_path(task_id)}/report"}


def _file_json(attachment: Attachment) -> Json:
    return {
        "id": attachment.id,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "uploaded_by": attachment.uploaded_by,
        "uploaded_at": attachment.uploaded_at,
        "uploaded_at_iso": iso(attachment.uploaded_at),
    }


def _times(body: Json, source: object, names: tuple[str, ...]) -> None:
    for name in names:
        at = getattr(source, name)
        body[name] = at
        body[f"{name}_iso"] = iso(at)
