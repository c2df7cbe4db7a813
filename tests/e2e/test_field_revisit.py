"""A field revisit in a real browser on a phone-sized screen: a unit lets a request's deadlines
pass, the escalation ladder sends the field team; a field worker signs in on the field page,
opens the task, sees the place and the citizen's earlier photo, takes a photo, writes notes and
creates the tutanak. The API then shows the PDF on the ticket (the inspector, the ticket's
number, the photo embedded), and the outbox delivers it, the PDF alone and worded as a warning,
to the unit's mailbox on a real SMTP server.

No PBX here: the CTI runs without Asterisk (its AMI link keeps retrying).
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.message
import functools
import io
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import FilePayload, Page, expect
from sqlalchemy import update

from cti.bootstrap import Services
from cti.domain.escalation import Rung
from cti.domain.roles import Role
from cti.domain.tickets.ticket import TicketDraft
from cti.field.tasks import FieldTask
from cti.service.escalation import EscalationSweep
from cti.storage.db import create_engine, session_factory
from cti.storage.models import Ticket as TicketRow
from tests.e2e.conftest import NewPage, cti_without_pbx, script_errors
from tests.e2e.conftest import sign_in as sign_in_at
from tests.e2e.test_console_calls import PASSWORD
from tests.e2e.test_unit_inbox import held, let_through
from tests.integration.smtp_server import Mailbox, smtp_server
from tests.unit.pdf_support import images, text

UNIT = "seyhan-fen-isleri"
UNIT_MAIL = "fen@seyhan.example.org"
MANAGER_MAIL = "baskan-yardimcisi@seyhan.example.org"
INSPECTOR = "Şükrü Işıkoğlu"
NOTES = "Çukur hâlâ açık; kenarına uyarı bandı bile çekilmemiş. Derinliği yaklaşık 30 cm."
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True,
         "device_scale_factor": 2}
DAY = 86_400.0


def jpeg(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    with smtp_server() as box:
        yield box


@pytest.fixture
async def service(tmp_path: Path, mailbox: Mailbox) -> AsyncIterator[Services]:
    people = [("saha1", INSPECTOR, frozenset({Role.FIELD_STAFF}), None),
              ("sup1", "Selin Demir", frozenset({Role.SUPERVISOR}), None)]
    async with cti_without_pbx(
        tmp_path, people, PASSWORD, smtp_host="127.0.0.1", smtp_port=mailbox.port,
        smtp_tls="none", smtp_from="alo153@adana.example.org",
    ) as services:
        units = services.stores.units
        stored = await units.get(UNIT)
        assert stored is not None  # seeded from the shipped organisation at start
        await units.update(dataclasses.replace(stored.unit, email=UNIT_MAIL,
                                               manager_email=MANAGER_MAIL), "admin")
        yield services


async def overdue_ticket(services: Services) -> str:
    """A pothole forwarded to the unit, with the citizen's photo, left unanswered until the
    escalation ladder's last rung sends the field team."""
    tickets = services.stores.tickets
    ticket = await tickets.create(TicketDraft(
        description="Okul yolunda derin çukur var, çocuklar düşüyor", category="asfalt-cukuru",
        district="seyhan", neighbourhood="Reşatbey", address="Atatürk Caddesi No: 12",
        latitude=36.991234, longitude=35.330456, citizen_phone="05321112233"), "ayse")
    await tickets.add_attachment(ticket.number, filename="vatandasin-fotografi.jpg",
                                 data=jpeg(80, 60, (90, 90, 90)), actor="ayse")
    await tickets.forward(ticket.number, UNIT, None, "ayse")
    # Its deadlines a month gone by, so the page and the tutanak (on the real clock) find it
    # late; then the sweep on a clock the test moves: a month, two, three (a rung each time).
    engine = create_engine(services.settings.database)
    try:
        now = time.time()
        # One write, no read first: SQLite would refuse to turn a read into a write while
        # the service's outbox is writing (its lock is taken before anything is read).
        async with session_factory(engine).begin() as session:
            await session.execute(
                update(TicketRow).where(TicketRow.number == ticket.number)
                .values(ack_due_at=now - 30 * DAY, resolve_due_at=now - 20 * DAY))
        for months, rung in ((1, Rung.REMINDER), (2, Rung.WARNING), (3, Rung.FIELD_REVISIT)):
            sweep = EscalationSweep(session_factory(engine),
                                    clock=functools.partial(float, now + months * 30 * DAY))
            assert [(e.number, e.step.rung) for e in await sweep.run_once()] == [
                (ticket.number, rung)]
    finally:
        await engine.dispose()
    return ticket.number


async def sent_by_153(services: Services, address: str) -> FieldTask:
    """A request forwarded to the unit that a supervisor sent the field team to."""
    tickets = services.stores.tickets
    ticket = await tickets.create(TicketDraft(
        description="Kaldırım taşları yerinden oynamış", category="asfalt-cukuru",
        district="seyhan", address=address, citizen_phone="05321112233"), "ayse")
    await tickets.forward(ticket.number, UNIT, None, "ayse")
    task, _ = await services.stores.field_tasks.open(ticket.number, "sup1")
    return task


async def sign_in(page: Page, url: str, username: str) -> None:
    await sign_in_at(page, f"{url}/static/field.html", username, PASSWORD, "#app")


async def test_a_field_worker_revisits_an_overdue_ticket_and_sends_the_tutanak(
    service: Services, new_page: NewPage, console_errors: list[str], mailbox: Mailbox,
) -> None:
    number = await overdue_ticket(service)
    page = await new_page(**PHONE)
    await sign_in(page, service.http_url, "saha1")
    await expect(page.get_by_test_id("me")).to_have_text(INSPECTOR)

    task = page.get_by_test_id("task").filter(has_text=number)
    await expect(task).to_contain_text("Asfalt çukuru")
    await expect(task).to_contain_text("Görme süresi geçti")
    box = await task.bounding_box()
    assert box is not None and box["height"] >= 48 and box["width"] >= 300  # a thumb's target
    await task.tap()

    await expect(page.get_by_test_id("task-number")).to_have_text(number)
    await expect(page.get_by_test_id("task-place")).to_contain_text("Atatürk Caddesi No: 12")
    await expect(page.get_by_test_id("task-place")).to_contain_text("Reşatbey")
    await expect(page.get_by_test_id("task-description")).to_contain_text("çocuklar düşüyor")
    href = await page.get_by_test_id("map-link").get_attribute("href")
    assert href is not None and href.startswith("geo:36.991234,35.330456?q=")
    earlier = page.get_by_test_id("earlier-photos").locator("img")
    await expect(earlier).to_have_count(1)
    await page.wait_for_function(  # the citizen's photo, loaded through the field API
        "() => document.querySelector('[data-testid=earlier-photos] img')?.naturalWidth === 80")

    photo = jpeg(640, 480, (160, 40, 30))
    taken: FilePayload = {"name": "cukur-yeniden.jpg", "mimeType": "image/jpeg", "buffer": photo}
    await page.set_input_files("#photo-input", files=[taken])
    await expect(page.get_by_test_id("visit-photos").locator("img")).to_have_count(1)
    await expect(page.get_by_test_id("notice")).to_contain_text("Fotoğraf eklendi")
    await page.get_by_test_id("notes").fill(NOTES)
    await page.get_by_test_id("complete").tap()

    await expect(page.get_by_test_id("result")).to_be_visible()
    await expect(page.get_by_test_id("notice")).to_contain_text("birime gönderildi")
    link = await page.get_by_test_id("report-link").get_attribute("href")
    assert link is not None and link.endswith("/report")
    from_link = await page.request.get(f"{service.http_url}{link}")
    assert from_link.ok and (await from_link.body()).startswith(b"%PDF-")
    assert script_errors(console_errors) == []

    pdf = await ticket_pdf(await new_page(), service.http_url, number)
    check_tutanak(pdf, number)
    mail = await delivered_to(mailbox, UNIT_MAIL, number)
    # The tutanak alone: the photo is in it (ten photos as taken could make it too big to send).
    [(content_type, pdf)] = [(part.get_content_type(), part.get_content())
                             for part in mail.iter_attachments()]
    assert content_type == "application/pdf"
    check_tutanak(pdf, number)
    assert str(mail["Subject"]).startswith(f"UYARI: {number} ")
    body = mail.get_body(("plain",))
    assert body is not None
    assert "Sayın Seyhan Belediyesi — Fen İşleri Müdürlüğü," in str(body.get_content())
    assert "alındı bildirimi süresi" in str(body.get_content())
    await delivered_to(mailbox, MANAGER_MAIL, number)


async def test_a_late_answer_for_a_task_left_behind_takes_nothing_over(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    """On a slow network: task A tapped, back, task B opened; A's late answer must not be shown
    under B, nor take B's photo and notes. Notes typed while the photo uploads stay."""
    first = await sent_by_153(service, "Kuruköprü Mahallesi No: 3")
    second = await sent_by_153(service, "Gazipaşa Bulvarı No: 40")
    page = await new_page(**PHONE)
    slow_task = await held(page, f"**/api/field/tasks/{first.id}")
    await sign_in(page, service.http_url, "saha1")
    await page.get_by_test_id("task").filter(has_text=first.ticket.number).tap()
    await page.locator("#btn-back").tap()
    await page.get_by_test_id("task").filter(has_text=second.ticket.number).tap()
    number = page.get_by_test_id("task-number")
    await expect(number).to_have_text(second.ticket.number)
    await let_through(page, slow_task, f"**/api/field/tasks/{first.id}")
    await expect(number).to_have_text(second.ticket.number)
    await expect(page.get_by_test_id("task-place")).to_contain_text("Gazipaşa Bulvarı")

    slow_photo = await held(page, f"**/api/field/tasks/{second.id}/photos")
    taken: FilePayload = {"name": "kaldirim.jpg", "mimeType": "image/jpeg",
                          "buffer": jpeg(64, 48, (120, 120, 120))}
    await page.set_input_files("#photo-input", files=[taken])
    notes = page.get_by_test_id("notes")
    await notes.fill(NOTES)
    await notes.blur()
    slow_photo.set()
    await expect(page.get_by_test_id("notice")).to_contain_text("Fotoğraf eklendi")
    await expect(page.get_by_test_id("visit-photos").locator("img")).to_have_count(1)
    await expect(notes).to_have_value(NOTES)
    await page.locator("#btn-save-notes").tap()
    await expect(page.get_by_test_id("notice")).to_contain_text("Not kaydedildi")

    left = await service.stores.field_tasks.detail(first.id)
    worked = await service.stores.field_tasks.detail(second.id)
    assert (left.task.notes, left.photos) == ("", [])
    assert (worked.task.notes, [p.filename for p in worked.photos]) == (NOTES, ["kaldirim.jpg"])
    assert script_errors(console_errors) == []


async def ticket_pdf(page: Page, url: str, number: str) -> bytes:
    """The tutanak as the call centre finds it: on the ticket, through the tickets API."""
    await sign_in(page, url, "sup1")
    detail: dict[str, Any] = await (await page.request.get(f"{url}/api/tickets/{number}")).json()
    [report] = [a for a in detail["attachments"] if a["content_type"] == "application/pdf"]
    assert "field_report" in [e["action"] for e in detail["events"]]
    deliveries = await (await page.request.get(f"{url}/api/tickets/{number}/deliveries")).json()
    reports = [m for m in deliveries["messages"] if m["purpose"] == "field_report"]
    assert {m["channel"] for m in reports} == {"email"} and len(reports) == 2
    return await (await page.request.get(f"{url}{report['url']}")).body()


def check_tutanak(pdf: bytes, number: str) -> None:
    words = text(pdf)
    assert number in words and INSPECTOR in words and NOTES in words
    assert "SAHA TESPİT TUTANAĞI" in words
    assert [(i.width, i.height, i.filter) for i in images(pdf)] == [(640, 480, "DCTDecode")]


async def delivered_to(mailbox: Mailbox, address: str, number: str,
                       timeout: float = 15.0) -> email.message.EmailMessage:
    """The tutanak's e-mail to `address`, once the outbox has delivered it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for mail in mailbox.received:
            if address in str(mail["To"]) and "saha tespit" in str(mail["Subject"]) \
                    and number in str(mail["Subject"]):
                return mail
        await asyncio.sleep(0.1)
    subjects = [(str(m["To"]), str(m["Subject"])) for m in mailbox.received]
    raise AssertionError(f"no tutanak e-mail to {address}; received: {subjects}")
