"""The field team's tasks: open, list, photograph, note, take, and close with a tutanak.

A task belongs to a ticket and at most one task of a ticket is open at a time: the escalation
sweep and a supervisor may both send the team, and the second finds the first. Every change
locks the ticket's row first (the ticket store's no-op write), so two of them queue up.
Photos are ticket attachments marked with the task; the tutanak (`field_reports`) too.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.tickets.attachments import Attachment, clean_filename
from cti.domain.tickets.errors import TicketNotFound
from cti.domain.tickets.status import NOT_OPEN, TicketStatus
from cti.field.errors import FieldFileNotFound, PhotoRefused, TicketNotOpen
from cti.field.photos import photo_type
from cti.field.tasks import (
    MAX_PHOTOS,
    FieldTask,
    FieldTaskDetail,
    FieldTaskReason,
    FieldTaskStatus,
    clean_notes,
)
from cti.storage.attachment_files import AttachmentFiles
from cti.storage.field_reports import write_report
from cti.storage.field_rows import (
    earlier_photos,
    listing,
    lock_ticket,
    photo_counts,
    photos_of_task,
    still_open,
    task_row,
    task_ticket,
    ticket_of_task,
    to_task,
)
from cti.storage.models import FieldTaskRow, TicketAttachmentRow
from cti.storage.models import Ticket as TicketRow
from cti.storage.ticket_rows import event_row, to_attachment

MAX_LIST = 200


async def open_field_task(session: AsyncSession, *, ticket_id: int, reason: str,
                          created_by: str, now: float) -> FieldTaskRow:
    """An open task for the ticket, added inside the caller's transaction; the ticket's open
    task instead if it has one already."""
    return (await _open(session, ticket_id=ticket_id, reason=reason, created_by=created_by,
                        now=now))[0]


async def _open(session: AsyncSession, *, ticket_id: int, reason: str, created_by: str,
                now: float) -> tuple[FieldTaskRow, bool]:
    if await lock_ticket(session, TicketRow.id == ticket_id) is None:
        raise TicketNotFound(f"#{ticket_id}")
    existing = await session.scalar(
        select(FieldTaskRow).where(FieldTaskRow.ticket_id == ticket_id,
                                   FieldTaskRow.status == FieldTaskStatus.OPEN.value)
        .order_by(FieldTaskRow.id).limit(1)
    )
    if existing is not None:
        return existing, False
    row = FieldTaskRow(ticket_id=ticket_id, reason=reason, status=FieldTaskStatus.OPEN.value,
                       created_at=now, created_by=created_by, notes="")
    session.add(row)
    await session.flush()
    opened = {"field_task": [None, {"id": row.id, "reason": reason}]}
    session.add(event_row(ticket_id, now, created_by, "field_task_opened", opened))
    return row, True


async def cancel_escalation_tasks(session: AsyncSession, *, ticket_id: int, actor: str,
                                  now: float, why: str) -> int:
    """Cancel the ticket's open revisit that the escalation ladder sent, inside the caller's
    transaction (the ticket is resolved or left its unit: a tutanak would warn nobody rightly);
    a supervisor's own task stays. The tasks cancelled."""
    rows = list(await session.scalars(
        select(FieldTaskRow).where(
            FieldTaskRow.ticket_id == ticket_id,
            FieldTaskRow.status == FieldTaskStatus.OPEN.value,
            FieldTaskRow.reason == FieldTaskReason.ESCALATION.value)
    ))
    for row in rows:
        row.status = FieldTaskStatus.CANCELLED.value
        cancelled: dict[str, list[Any]] = {"field_task": [{"id": row.id, "status": "open"},
                                    {"id": row.id, "status": row.status}], "why": [None, why]}
        session.add(event_row(ticket_id, now, actor, "field_task_cancelled", cancelled))
    return len(rows)


class FieldTaskStore:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        attachments_dir: Path,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._sessions = sessions
        self._files = AttachmentFiles(attachments_dir)
        self._clock = clock

    async def tasks(self, *, status: FieldTaskStatus = FieldTaskStatus.OPEN,
                    limit: int = 100) -> list[FieldTask]:
        """Open tasks longest overdue first; done or cancelled ones newest first."""
        if not 1 <= limit <= MAX_LIST:
            raise ValueError(f"limit must be between 1 and {MAX_LIST}, not {limit}")
        async with self._sessions() as session:
            pairs = (await session.execute(listing(status, limit))).all()
            counts = await photo_counts(session, [task.id for task, _ in pairs])
            return [to_task(task, await task_ticket(session, ticket), counts.get(task.id, 0))
                    for task, ticket in pairs]

    async def detail(self, task_id: int) -> FieldTaskDetail:
        """The task, its ticket, this visit's photos, the ticket's earlier ones, the tutanak."""
        async with self._sessions() as session:
            task = await task_row(session, task_id)
            ticket = await session.get(TicketRow, task.ticket_id)
            assert ticket is not None  # the task would have gone with it (ON DELETE CASCADE)
            photos = [to_attachment(r) for r in await session.scalars(photos_of_task(task.id))]
            earlier = await session.scalars(earlier_photos(ticket.id, task.id))
            report = (None if task.report_attachment_id is None
                      else await session.get(TicketAttachmentRow, task.report_attachment_id))
            return FieldTaskDetail(
                to_task(task, await task_ticket(session, ticket), len(photos)), photos,
                [to_attachment(r) for r in earlier],
                None if report is None else to_attachment(report),
            )

    async def open(self, number: str, actor: str) -> tuple[FieldTask, bool]:
        """A supervisor sends the team: the ticket's open task, and whether it is new."""
        async with self._sessions.begin() as session:
            ticket = await lock_ticket(session, TicketRow.number == number)
            if ticket is None:
                raise TicketNotFound(number)
            if TicketStatus(ticket.status) in NOT_OPEN:
                raise TicketNotOpen(number)
            row, created = await _open(session, ticket_id=ticket.id,
                                       reason=FieldTaskReason.MANUAL.value, created_by=actor,
                                       now=self._clock())
            counts = await photo_counts(session, [row.id])
            return to_task(row, await task_ticket(session, ticket), counts.get(row.id, 0)), created

    async def update(self, task_id: int, *, actor: str, notes: str | None = None,
                     take: bool = False) -> FieldTaskDetail:
        """Keep the field notes written so far, and/or take the task (assign it to `actor`)."""
        cleaned = None if notes is None else clean_notes(notes)
        async with self._sessions.begin() as session:
            task = await _open_task(session, task_id)
            if cleaned is not None:
                task.notes = cleaned
            if take and task.assigned_to != actor:
                taken: dict[str, list[object]] = {"assigned_to": [task.assigned_to, actor],
                                                  "field_task": [None, task.id]}
                session.add(event_row(task.ticket_id, self._clock(), actor, "field_task_taken",
                                      taken))
                task.assigned_to = actor
        return await self.detail(task_id)

    async def add_photo(self, task_id: int, *, filename: str | None, data: bytes,
                        actor: str) -> Attachment:
        """A photo of this visit; PhotoRefused for anything but a readable JPEG/PNG/WebP."""
        content_type = photo_type(data)
        async with self._sessions() as session:  # before writing a file nobody would name
            still_open(await task_row(session, task_id))
        sha256 = await self._files.put(data)
        now = self._clock()
        async with self._sessions.begin() as session:
            task = await _open_task(session, task_id)
            if len(list(await session.scalars(photos_of_task(task.id)))) >= MAX_PHOTOS:
                raise PhotoRefused("too_many")
            row = TicketAttachmentRow(
                ticket_id=task.ticket_id, filename=clean_filename(filename),
                content_type=content_type, size=len(data), sha256=sha256, uploaded_by=actor,
                uploaded_at=now, field_task_id=task.id,
            )
            session.add(row)
            await session.flush()
            added = {"attachment": [None, {"id": row.id, "filename": row.filename,
                                           "field_task": task.id}]}
            session.add(event_row(task.ticket_id, now, actor, "attachment_added", added))
            return to_attachment(row)

    async def complete(self, task_id: int, actor: str) -> FieldTaskDetail:
        """Write the tutanak, attach it to the ticket, close the task and mail the unit (and
        its manager) the tutanak, which holds the photos: all of it, or none (`field_reports`)."""
        await write_report(self._sessions, self._files, task_id, actor=actor, clock=self._clock)
        return await self.detail(task_id)

    async def file(self, task_id: int, attachment_id: int) -> tuple[str, Attachment, bytes]:
        """A photo of the task's ticket, or the task's tutanak: (ticket number, the attachment,
        its bytes). FieldTaskNotFound, FieldFileNotFound."""
        async with self._sessions() as session:
            task = await task_row(session, task_id)
            row = await session.get(TicketAttachmentRow, attachment_id)
            ticket = await session.get(TicketRow, task.ticket_id)
        assert ticket is not None
        if row is None or row.ticket_id != task.ticket_id or not _may_show(row, task):
            raise FieldFileNotFound(attachment_id)
        return ticket.number, to_attachment(row), await self._files.get(row.sha256)


def _may_show(row: TicketAttachmentRow, task: FieldTaskRow) -> bool:
    """The ticket's photos, and this task's own tutanak; not the ticket's other documents."""
    return row.content_type.startswith("image/") or row.id == task.report_attachment_id


async def _open_task(session: AsyncSession, task_id: int) -> FieldTaskRow:
    """The task, after locking its ticket; FieldTaskClosed unless it is still open."""
    await lock_ticket(session, ticket_of_task(task_id))
    return still_open(await task_row(session, task_id))

