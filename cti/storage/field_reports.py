"""Closing a field task with its tutanak, all or nothing.

Rendering a PDF with a few photos takes a noticeable fraction of a second, too long to hold
the database's write lock (on SQLite it would stall the call log). So the tutanak is rendered
from a snapshot of the task, its bytes stored (an unnamed file harms nobody, see
`attachment_files`), and then one transaction locks the ticket, checks the task is still open
with the same notes and photos, and writes everything that follows from it: the attachment,
the task's closing, the ticket's trail entry and the e-mails. If the task changed meanwhile,
the tutanak is rendered again from the new snapshot.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.field.errors import FieldTaskChanged, ReportIncomplete
from cti.field.report_mail import report_mail
from cti.field.tasks import FieldTaskStatus
from cti.field.tutanak import Inspection, Photo, render
from cti.notify.outbox import enqueue
from cti.storage.attachment_files import AttachmentFiles
from cti.storage.field_rows import lock_ticket, photos_of_task, still_open, task_row, task_ticket
from cti.storage.models import Ticket as TicketRow
from cti.storage.models import TicketAttachmentRow, UserRow
from cti.storage.ticket_rows import event_row
from cti.storage.unit_contacts import unit_contacts

ATTEMPTS = 3
PURPOSE = "field_report"


@dataclass(frozen=True)
class _Snapshot:
    ticket_id: int
    photo_ids: tuple[int, ...]
    inspection: Inspection


async def write_report(sessions: async_sessionmaker[AsyncSession], files: AttachmentFiles,
                       task_id: int, *, actor: str, clock: Callable[[], float]) -> None:
    """Render, attach and send the task's tutanak, closing the task; FieldTaskNotFound,
    FieldTaskClosed, ReportIncomplete, or FieldTaskChanged if it kept changing."""
    for _ in range(ATTEMPTS):
        snapshot = await _snapshot(sessions, files, task_id, actor, clock())
        pdf = await asyncio.to_thread(render, snapshot.inspection)
        sha256 = await files.put(pdf)
        async with sessions.begin() as session:
            if await _commit(session, snapshot, size=len(pdf), sha256=sha256, actor=actor):
                return
    raise FieldTaskChanged(task_id)


async def _snapshot(sessions: async_sessionmaker[AsyncSession], files: AttachmentFiles,
                    task_id: int, actor: str, now: float) -> _Snapshot:
    async with sessions() as session:
        task = still_open(await task_row(session, task_id))
        photos = list(await session.scalars(photos_of_task(task_id)))
        if not task.notes.strip():
            raise ReportIncomplete("notes")
        if not photos:
            raise ReportIncomplete("photos")
        ticket_row = await session.get(TicketRow, task.ticket_id)
        assert ticket_row is not None  # the task would have gone with it
        ticket = await task_ticket(session, ticket_row)
        name = await session.scalar(select(UserRow.full_name).where(UserRow.username == actor))
    inspection = Inspection(
        task_id=task_id, ticket=ticket, inspected_at=now, inspector_name=name or actor,
        inspector_username=actor, notes=task.notes,
        photos=[Photo(p.filename, await files.get(p.sha256), p.uploaded_at) for p in photos],
    )
    return _Snapshot(task.ticket_id, tuple(p.id for p in photos), inspection)


async def _commit(session: AsyncSession, snapshot: _Snapshot, *, size: int, sha256: str,
                  actor: str) -> bool:
    """Everything the tutanak sets off, in the caller's transaction; False (nothing written)
    if the task's notes or photos are no longer the ones rendered."""
    inspection = snapshot.inspection
    now = inspection.inspected_at
    ticket = await lock_ticket(session, TicketRow.id == snapshot.ticket_id)
    assert ticket is not None
    task = still_open(await task_row(session, inspection.task_id))
    photo_ids = tuple(r.id for r in await session.scalars(photos_of_task(task.id)))
    if task.notes != inspection.notes or photo_ids != snapshot.photo_ids:
        return False
    report = TicketAttachmentRow(
        ticket_id=ticket.id, filename=f"tutanak-{ticket.number}-{task.id}.pdf",
        content_type="application/pdf", size=size, sha256=sha256, uploaded_by=actor,
        uploaded_at=now, field_task_id=task.id,
    )
    session.add(report)
    await session.flush()
    task.status = FieldTaskStatus.DONE.value
    task.inspected_by, task.inspected_at = actor, now
    task.report_attachment_id = report.id
    task.assigned_to = task.assigned_to or actor
    changes = {"field_task": [None, {"id": task.id, "report": report.id,
                                     "photos": list(photo_ids), "notes": task.notes}]}
    session.add(event_row(ticket.id, now, actor, "field_report", changes))
    await _mail(session, ticket, inspection, report.id)
    return True


async def _mail(session: AsyncSession, ticket: TicketRow, inspection: Inspection,
                report_id: int) -> None:
    """The tutanak to the unit and to whoever answers for it. A ticket at no unit (a
    supervisor sent the team before forwarding it) has nobody to write to.

    The PDF is the only attachment: it holds the photos, scaled down (`cti.field.photos`).
    The photos as uploaded (up to ten of 10 MB) would make a message mail servers refuse
    for its size, a refusal the outbox takes as final, and the unit would get nothing."""
    if ticket.unit is None:
        return
    contacts = await unit_contacts(session, ticket.unit)
    for address, to_manager in contacts.addresses(with_manager=True):
        mail = report_mail(inspection.ticket, inspected_at=inspection.inspected_at,
                           inspector=inspection.inspector_name, to_manager=to_manager)
        enqueue(session, channel="email", purpose=PURPOSE, recipient=address, body=mail.body,
                now=inspection.inspected_at, subject=mail.subject, ticket_id=ticket.id,
                attachment_ids=[report_id], unit=contacts.code, to_manager=to_manager)
