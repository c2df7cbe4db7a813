"""Field tasks between their rows and the domain (`cti.field.tasks`), and the queries they share."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cti.domain.organisation import UnknownUnit, organisation
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import TicketStatus
from cti.field.errors import FieldTaskClosed, FieldTaskNotFound
from cti.field.tasks import PHOTO_TYPES, FieldTask, FieldTaskStatus, Named, TaskTicket
from cti.storage.models import FieldTaskRow, TicketAttachmentRow
from cti.storage.models import Ticket as TicketRow
from cti.storage.unit_contacts import unit_contacts

IS_PHOTO = TicketAttachmentRow.content_type.in_(sorted(PHOTO_TYPES))
# The deadline a visit chases: acknowledging while nobody has, else resolving.
MISSED_DUE = case(
    (TicketRow.acknowledged_at.is_(None), func.coalesce(TicketRow.ack_due_at,
                                                        TicketRow.resolve_due_at)),
    else_=TicketRow.resolve_due_at,
)


def listing(status: FieldTaskStatus, limit: int) -> Select[FieldTaskRow, TicketRow]:
    """Tasks with their tickets: open ones longest overdue first (then oldest), others newest
    inspected first."""
    statement = (
        select(FieldTaskRow, TicketRow)
        .join(TicketRow, TicketRow.id == FieldTaskRow.ticket_id)
        .where(FieldTaskRow.status == status.value)
    )
    if status is FieldTaskStatus.OPEN:
        order = (MISSED_DUE.is_(None), MISSED_DUE, FieldTaskRow.created_at, FieldTaskRow.id)
        return statement.order_by(*order).limit(limit)
    return statement.order_by(FieldTaskRow.inspected_at.desc(), FieldTaskRow.id.desc()).limit(
        limit)


async def task_row(session: AsyncSession, task_id: int) -> FieldTaskRow:
    task = await session.get(FieldTaskRow, task_id)
    if task is None:
        raise FieldTaskNotFound(task_id)
    return task


def still_open(task: FieldTaskRow) -> FieldTaskRow:
    """The task; FieldTaskClosed unless it is open (photos, notes and tutanak are final)."""
    if task.status != FieldTaskStatus.OPEN.value:
        raise FieldTaskClosed(task.id, task.status)
    return task


def photos_of_task(task_id: int) -> Select[TicketAttachmentRow]:
    return (select(TicketAttachmentRow)
            .where(TicketAttachmentRow.field_task_id == task_id, IS_PHOTO)
            .order_by(TicketAttachmentRow.id))


def earlier_photos(ticket_id: int, task_id: int) -> Select[TicketAttachmentRow]:
    """The ticket's photos not taken on this visit: the citizen's, the unit's, earlier visits'."""
    other_visit = (TicketAttachmentRow.field_task_id.is_(None)
                   | (TicketAttachmentRow.field_task_id != task_id))
    return (select(TicketAttachmentRow)
            .where(TicketAttachmentRow.ticket_id == ticket_id, IS_PHOTO, other_visit)
            .order_by(TicketAttachmentRow.id))


async def photo_counts(session: AsyncSession, task_ids: list[int]) -> dict[int, int]:
    if not task_ids:
        return {}
    statement = (select(TicketAttachmentRow.field_task_id, func.count())
                 .where(TicketAttachmentRow.field_task_id.in_(task_ids), IS_PHOTO)
                 .group_by(TicketAttachmentRow.field_task_id))
    rows = (await session.execute(statement)).all()
    return {int(task_id or 0): int(count) for task_id, count in rows}


async def lock_ticket(session: AsyncSession, where: ColumnElement[bool]) -> TicketRow | None:
    """The ticket's row after the ticket store's no-op write: a change to it waits for us.

    The write comes first in the transaction: on SQLite a read before it would pin a snapshot
    that another writer's commit makes stale (see `cti.storage.tickets`).
    """
    lock = (
        update(TicketRow).where(where).values(updated_at=TicketRow.updated_at)
        .returning(TicketRow.id).execution_options(synchronize_session=False)
    )
    ticket_id = (await session.execute(lock)).scalar_one_or_none()
    return None if ticket_id is None else await session.get(TicketRow, ticket_id)


def ticket_of_task(task_id: int) -> ColumnElement[bool]:
    """The condition naming a task's ticket, for `lock_ticket`."""
    return TicketRow.id == (select(FieldTaskRow.ticket_id).where(FieldTaskRow.id == task_id)
                            .scalar_subquery())


async def task_ticket(session: AsyncSession, row: TicketRow) -> TaskTicket:
    unit = None
    if row.unit is not None:
        contacts = await unit_contacts(session, row.unit)
        unit = _with_organisation(Named(contacts.code, contacts.name_tr, contacts.name_en))
    return TaskTicket(
        number=row.number, status=TicketStatus(row.status).value,
        category=category_name(row.category), district=district_name(row.district),
        neighbourhood=row.neighbourhood, address=row.address, latitude=row.latitude,
        longitude=row.longitude, description=row.description, unit=unit,
        created_at=row.created_at, forwarded_at=row.forwarded_at,
        acknowledged_at=row.acknowledged_at, ack_due_at=row.ack_due_at,
        resolve_due_at=row.resolve_due_at,
    )


def _with_organisation(unit: Named) -> Named:
    """The unit named with its municipality (or ASKİ): fifteen districts each have a "Fen
    İşleri Müdürlüğü", and a letter or a tutanak must say whose."""
    try:
        root = organisation().root(unit.code)
    except UnknownUnit:
        return unit
    if root.code == unit.code:
        return unit
    return Named(unit.code, f"{root.name_tr} — {unit.name_tr}", f"{root.name_en} — {unit.name_en}")


def to_task(row: FieldTaskRow, ticket: TaskTicket, photo_count: int) -> FieldTask:
    return FieldTask(
        id=row.id, status=FieldTaskStatus(row.status), reason=row.reason,
        created_at=row.created_at, created_by=row.created_by, assigned_to=row.assigned_to,
        notes=row.notes, inspected_by=row.inspected_by, inspected_at=row.inspected_at,
        report_attachment_id=row.report_attachment_id, ticket=ticket, photo_count=photo_count,
    )


def category_name(code: str) -> Named:
    found = reference().categories.get(code)
    return Named(code, found.name_tr, found.name_en) if found else Named(code, code, code)


def district_name(code: str | None) -> Named | None:
    if code is None:
        return None
    found = reference().districts.get(code)
    return Named(code, found.name, found.name) if found else Named(code, code, code)
