"""The field tasks store on a SQLite file: one open task per ticket, photos checked, notes and
taking, and completion (tutanak, attachment, trail, e-mails) all in one transaction or not at
all."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

import cti.storage.field_reports as field_reports
from cti.domain.roles import Role
from cti.domain.tickets.errors import TicketNotFound
from cti.domain.tickets.ticket import TicketDraft
from cti.field.errors import (
    FieldFileNotFound,
    FieldTaskClosed,
    FieldTaskNotFound,
    InvalidFieldInput,
    PhotoRefused,
    ReportIncomplete,
    TicketNotOpen,
)
from cti.field.tasks import MAX_PHOTOS, FieldTaskStatus
from cti.storage.db import create_engine, session_factory
from cti.storage.field_tasks import FieldTaskStore, open_field_task
from cti.storage.migrate import upgrade
from cti.storage.models import (
    FieldTaskRow,
    OutboxRow,
    TicketAttachmentRow,
    TicketEventRow,
    UnitRow,
)
from cti.storage.models import Ticket as TicketRow
from cti.storage.tickets import TicketStore
from cti.storage.users import UserStore
from tests.unit.auth_support import FAST
from tests.unit.pdf_support import images, text

T0 = 1_773_316_800.0  # Thursday 12 March 2026, 15:00 in Adana
UNIT = "seyhan-fen-isleri"
UNIT_MAIL = "fen@seyhan.example.org"
MANAGER_MAIL = "baskan-yardimcisi@seyhan.example.org"


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


@dataclass
class Field:
    sessions: async_sessionmaker[AsyncSession]
    tickets: TicketStore
    tasks: FieldTaskStore
    clock: Clock


def jpeg(width: int = 64, height: int = 48, colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
async def field(tmp_path: Path) -> AsyncIterator[Field]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'field.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    clock = Clock()
    async with sessions.begin() as session:
        session.add(UnitRow(code=UNIT, parent="ilce-seyhan", kind="directorate",
                            name_tr="Seyhan Fen İşleri Müdürlüğü", name_en="Seyhan Works",
                            email=UNIT_MAIL, manager_email=MANAGER_MAIL, active=True,
                            updated_at=0.0, updated_by="test"))
    await UserStore(sessions, passwords=FAST).add(
        "saha1", "Şükrü Işıkoğlu", "parola-153-saha", [Role.FIELD_STAFF])
    files = tmp_path / "files"
    yield Field(sessions, TicketStore(sessions, attachments_dir=files, clock=clock),
                FieldTaskStore(sessions, attachments_dir=files, clock=clock), clock)
    await engine.dispose()


async def forwarded(field: Field, description: str = "Yolda derin çukur var") -> str:
    ticket = await field.tickets.create(
        TicketDraft(description=description, category="asfalt-cukuru", district="seyhan",
                    citizen_phone="05321112233", address="Atatürk Caddesi No: 12",
                    latitude=36.99, longitude=35.33), "op1001")
    await field.tickets.forward(ticket.number, UNIT, None, "op1001")
    return ticket.number


async def ticket_id(field: Field, number: str) -> int:
    async with field.sessions() as session:
        found = await session.scalar(select(TicketRow.id).where(TicketRow.number == number))
    assert found is not None
    return found


async def escalate(field: Field, number: str) -> int:
    """What the escalation sweep does on the last rung: a task in its own transaction."""
    async with field.sessions.begin() as session:
        row = await open_field_task(session, ticket_id=await ticket_id(field, number),
                                    reason="escalation", created_by="system", now=field.clock())
        return row.id


async def count(field: Field, model: type[Any], *where: ColumnElement[bool]) -> int:
    async with field.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where))
                   or 0)


async def overdue(field: Field, number: str, days: float = 1.0) -> None:
    """The ticket's acknowledge deadline moved `days` into the past (the clock stays put)."""
    async with field.sessions.begin() as session:
        row = await session.scalar(select(TicketRow).where(TicketRow.number == number))
        assert row is not None and row.ack_due_at is not None
        row.ack_due_at = field.clock.now - days * 86_400


async def visited(field: Field, task_id: int) -> None:
    """The task with notes and one photo, ready for its tutanak."""
    await field.tasks.add_photo(task_id, filename="çukur.jpg", data=jpeg(), actor="saha1")
    await field.tasks.update(task_id, actor="saha1", notes="Çukur hâlâ açık.", take=True)


async def ready(field: Field) -> tuple[str, int]:
    """A ticket past its acknowledge deadline, escalated, whose task has notes and a photo."""
    number = await forwarded(field)
    await overdue(field, number)
    task_id = await escalate(field, number)
    await visited(field, task_id)
    return number, task_id


async def report_mails(field: Field) -> list[OutboxRow]:
    async with field.sessions() as session:
        return list(await session.scalars(select(OutboxRow).where(
            OutboxRow.purpose == "field_report").order_by(OutboxRow.id)))


async def test_a_ticket_has_one_open_task_however_often_it_is_sent(field: Field) -> None:
    number = await forwarded(field)
    first = await escalate(field, number)
    assert await escalate(field, number) == first
    task, created = await field.tasks.open(number, "supervisor1")
    assert (task.id, created) == (first, False)
    assert await count(field, FieldTaskRow) == 1
    assert await count(field, TicketEventRow, TicketEventRow.action == "field_task_opened") == 1


async def test_a_supervisor_opens_a_task_and_a_closed_or_unknown_ticket_gets_none(
    field: Field,
) -> None:
    number = await forwarded(field)
    task, created = await field.tasks.open(number, "supervisor1")
    assert created and task.reason == "manual" and task.created_by == "supervisor1"
    assert task.ticket.number == number and task.status is FieldTaskStatus.OPEN
    closed = await field.tickets.create(TicketDraft(description="Bilgi"), "op1001")
    await field.tickets.solve_first_contact(closed.number, "Bilgi verildi", "op1001")
    with pytest.raises(TicketNotOpen):
        await field.tasks.open(closed.number, "supervisor1")
    with pytest.raises(TicketNotFound):
        await field.tasks.open("153-2026-999999", "supervisor1")


async def test_a_done_task_makes_room_for_a_new_visit(field: Field) -> None:
    number, task_id = await ready(field)
    await field.tasks.complete(task_id, "saha1")
    assert await escalate(field, number) != task_id


async def test_the_list_shows_the_longest_overdue_first_with_what_the_team_needs(
    field: Field,
) -> None:
    later = await forwarded(field, "İkinci çukur")
    earlier = await forwarded(field, "Birinci çukur")
    await overdue(field, later, days=1)
    await overdue(field, earlier, days=2)  # the second was due a day sooner
    await escalate(field, later)
    await escalate(field, earlier)
    listed = await field.tasks.tasks()
    assert [t.ticket.number for t in listed] == [earlier, later]
    first = listed[0].ticket
    assert (first.category.code, first.category.name_tr) == (
        "asfalt-cukuru", "Asfalt çukuru / bozuk yol")
    assert (first.district and first.district.name_tr) == "Seyhan"
    assert first.unit is not None
    assert first.unit.name_tr == "Seyhan Belediyesi — Seyhan Fen İşleri Müdürlüğü"
    assert (first.address, first.latitude, first.longitude) == (
        "Atatürk Caddesi No: 12", 36.99, 35.33)
    assert first.missed_by(field.clock.now) == ("ack", first.ack_due_at)
    assert listed[1].ticket.missed_by(field.clock.now - 2 * 86_400) is None  # not yet late
    assert await field.tasks.tasks(status=FieldTaskStatus.DONE) == []


async def test_the_detail_tells_this_visits_photos_from_the_tickets_earlier_ones(
    field: Field,
) -> None:
    number = await forwarded(field)
    citizen = await field.tickets.add_attachment(number, filename="vatandas.jpg",
                                                 data=jpeg(colour=(1, 2, 3)), actor="op1001")
    await field.tickets.add_attachment(number, filename="dilekce.pdf", data=b"%PDF-1.4 x",
                                       actor="op1001")
    task_id = await escalate(field, number)
    taken = await field.tasks.add_photo(task_id, filename="yeni.png", data=_png(),
                                        actor="saha1")
    detail = await field.tasks.detail(task_id)
    assert [p.id for p in detail.earlier_photos] == [citizen.id]  # the PDF is no photo
    assert [p.id for p in detail.photos] == [taken.id] and detail.task.photo_count == 1
    assert taken.content_type == "image/png" and detail.report is None
    shown_number, shown, data = await field.tasks.file(task_id, citizen.id)
    assert (shown_number, shown.filename, data[:3]) == (number, "vatandas.jpg", b"\xff\xd8\xff")
    with pytest.raises(FieldFileNotFound):
        await field.tasks.file(task_id, citizen.id + 1)  # the ticket's PDF is not the team's
    async with field.sessions() as session:
        row = await session.get(TicketAttachmentRow, taken.id)
        assert row is not None and row.field_task_id == task_id


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "empty"),
    (b"%PDF-1.4 not a photo", "not_a_photo"),
    (b"<svg onload=alert(1)>", "not_a_photo"),
    (b"\xff\xd8\xff\xe0" + bytes(64), "unreadable"),
    (b"\xff\xd8\xff" + bytes(10 * 1024 * 1024), "too_large"),
])
async def test_a_photo_that_is_not_one_is_refused_and_nothing_is_kept(
    field: Field, data: bytes, reason: str,
) -> None:
    number = await forwarded(field)
    task_id = await escalate(field, number)
    with pytest.raises(PhotoRefused) as refused:
        await field.tasks.add_photo(task_id, filename="x", data=data, actor="saha1")
    assert refused.value.reason == reason
    assert await count(field, TicketAttachmentRow) == 0


async def test_a_visit_takes_a_limited_number_of_photos(field: Field) -> None:
    task_id = await escalate(field, await forwarded(field))
    for n in range(MAX_PHOTOS):
        await field.tasks.add_photo(task_id, filename=f"{n}.jpg", data=jpeg(colour=(n, 0, 0)),
                                    actor="saha1")
    with pytest.raises(PhotoRefused, match="too_many"):
        await field.tasks.add_photo(task_id, filename="x.jpg", data=jpeg(), actor="saha1")


async def test_notes_are_kept_and_taking_the_task_is_in_the_trail(field: Field) -> None:
    task_id = await escalate(field, await forwarded(field))
    detail = await field.tasks.update(task_id, actor="saha1", notes="  İlk not  ", take=True)
    assert (detail.task.notes, detail.task.assigned_to) == ("İlk not", "saha1")
    detail = await field.tasks.update(task_id, actor="saha1", notes="İkinci not")
    assert (detail.task.notes, detail.task.assigned_to) == ("İkinci not", "saha1")
    assert await count(field, TicketEventRow, TicketEventRow.action == "field_task_taken") == 1
    with pytest.raises(InvalidFieldInput):
        await field.tasks.update(task_id, actor="saha1", notes="x" * 4001)
    with pytest.raises(FieldTaskNotFound):
        await field.tasks.update(task_id + 1, actor="saha1", notes="x")


async def test_a_tutanak_needs_notes_and_a_photo_of_this_visit(field: Field) -> None:
    task_id = await escalate(field, await forwarded(field))
    with pytest.raises(ReportIncomplete, match="notes"):
        await field.tasks.complete(task_id, "saha1")
    await field.tasks.update(task_id, actor="saha1", notes="Yerinde bakıldı")
    with pytest.raises(ReportIncomplete, match="photos"):
        await field.tasks.complete(task_id, "saha1")


async def test_completion_attaches_the_tutanak_closes_the_task_and_mails_the_unit(
    field: Field,
) -> None:
    number, task_id = await ready(field)
    detail = await field.tasks.complete(task_id, "saha1")
    task, report = detail.task, detail.report
    assert task.status is FieldTaskStatus.DONE and task.inspected_by == "saha1"
    assert report is not None and task.report_attachment_id == report.id
    assert report.content_type == "application/pdf" and report.filename.endswith(".pdf")
    ticket_detail = await field.tickets.detail(number)
    assert ticket_detail is not None
    assert report.id in [a.id for a in ticket_detail.attachments]
    found = await field.tickets.attachment(number, report.id)
    assert found is not None
    pdf = found[1]
    assert number in text(pdf) and "Şükrü Işıkoğlu" in text(pdf)
    assert [(i.width, i.height) for i in images(pdf)] == [(64, 48)]
    assert "field_report" in [e.action for e in ticket_detail.events]
    mails = await report_mails(field)
    assert [(m.channel, m.recipient, m.status) for m in mails] == [
        ("email", UNIT_MAIL, "pending"), ("email", MANAGER_MAIL, "pending")]
    # The tutanak only: the photos are in it, and as uploaded they could make the mail too big.
    assert all(json.loads(m.attachment_ids) == [report.id] for m in mails)
    assert all(number in m.subject and "UYARI" in m.subject for m in mails)
    assert "Sayın Seyhan Belediyesi — Seyhan Fen İşleri Müdürlüğü," in mails[0].body
    assert "alındı bildirimi süresi" in mails[0].body and "uyarıdır" in mails[0].body
    assert "Yöneticisi," in mails[1].body
    assert "süresi içinde işlem yapmaması üzerine" in text(pdf)
    assert "05321112233" not in mails[0].body + mails[1].body  # no citizen's phone (KVKK)


async def test_a_supervisors_visit_to_a_ticket_on_time_is_reported_not_warned_of(
    field: Field,
) -> None:
    number = await forwarded(field)
    task, _ = await field.tasks.open(number, "supervisor1")
    await visited(field, task.id)
    detail = await field.tasks.complete(task.id, "saha1")
    mails = await report_mails(field)
    assert len(mails) == 2
    assert all(m.subject.startswith("Bilgi: ") and "UYARI" not in m.subject for m in mails)
    assert all("bir uyarı değil" in m.body and "süresi" not in m.body for m in mails)
    assert detail.report is not None
    found = await field.tickets.attachment(number, detail.report.id)
    assert found is not None
    words = text(found[1])
    assert "ALO 153 Çözüm Merkezi'nin talebi üzerine" in words
    assert "işlem yapmaması" not in words


async def test_a_visit_after_the_unit_resolved_a_late_ticket_is_no_warning(field: Field) -> None:
    number = await forwarded(field)
    await overdue(field, number)
    task, _ = await field.tasks.open(number, "supervisor1")
    await visited(field, task.id)
    await field.tickets.resolve(number, "Çukur asfaltlandı", "fen1")
    assert (await field.tasks.detail(task.id)).task.status is FieldTaskStatus.OPEN  # manual
    await field.tasks.complete(task.id, "saha1")
    assert all(m.subject.startswith("Bilgi: ") for m in await report_mails(field))


async def test_a_done_task_takes_no_more_photos_notes_or_tutanak(field: Field) -> None:
    _, task_id = await ready(field)
    await field.tasks.complete(task_id, "saha1")
    with pytest.raises(FieldTaskClosed):
        await field.tasks.complete(task_id, "saha1")
    with pytest.raises(FieldTaskClosed):
        await field.tasks.add_photo(task_id, filename="a.jpg", data=jpeg(), actor="saha1")
    with pytest.raises(FieldTaskClosed):
        await field.tasks.update(task_id, actor="saha1", notes="sonradan")


async def test_a_failure_while_completing_leaves_nothing_half_done(
    field: Field, monkeypatch: pytest.MonkeyPatch,
) -> None:
    _, task_id = await ready(field)
    events_before = await count(field, TicketEventRow)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the outbox is broken")  # the last step of the transaction

    monkeypatch.setattr(field_reports, "enqueue", broken)
    with pytest.raises(RuntimeError):
        await field.tasks.complete(task_id, "saha1")
    detail = await field.tasks.detail(task_id)
    assert detail.task.status is FieldTaskStatus.OPEN and detail.report is None
    assert await count(field, TicketEventRow) == events_before
    assert await count(field, TicketAttachmentRow,
                       TicketAttachmentRow.content_type == "application/pdf") == 0
    assert await count(field, OutboxRow, OutboxRow.purpose == "field_report") == 0
    monkeypatch.undo()
    assert (await field.tasks.complete(task_id, "saha1")).task.status is FieldTaskStatus.DONE


async def test_notes_changed_while_the_tutanak_renders_are_in_the_tutanak(
    field: Field, monkeypatch: pytest.MonkeyPatch,
) -> None:
    number, task_id = await ready(field)
    files = field.tasks._files  # the store's own file keeper, watched on its way out
    put = files.put
    calls = 0

    async def put_then_edit(data: bytes) -> str:
        nonlocal calls
        calls += 1
        if calls == 1:  # the first rendering is done; the field worker saves new notes
            await field.tasks.update(task_id, actor="saha1", notes="Son hali: çukur büyümüş")
        return await put(data)

    monkeypatch.setattr(files, "put", put_then_edit)
    detail = await field.tasks.complete(task_id, "saha1")
    assert calls == 2 and detail.report is not None
    found = await field.tickets.attachment(number, detail.report.id)
    assert found is not None and "Son hali: çukur büyümüş" in text(found[1])


async def test_a_unit_nobody_gave_an_address_still_gets_a_message_that_shows_the_gap(
    field: Field,
) -> None:
    ticket = await field.tickets.create(
        TicketDraft(description="Park bakımsız", category="diger", district="seyhan"), "op1")
    await field.tickets.forward(ticket.number, "seyhan-park-bahceler", None, "op1")
    task_id = await escalate(field, ticket.number)
    await field.tasks.add_photo(task_id, filename="p.jpg", data=jpeg(), actor="saha1")
    await field.tasks.update(task_id, actor="saha1", notes="Bakımsız")
    await field.tasks.complete(task_id, "saha1")
    async with field.sessions() as session:
        mails = list(await session.scalars(select(OutboxRow).where(
            OutboxRow.purpose == "field_report")))
    # The seed gives the unit, its municipality and its manager no address yet.
    assert [(m.recipient, m.status) for m in mails] == [("", "failed")]


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (30, 20), (0, 0, 200, 128)).save(out, format="PNG")
    return out.getvalue()
