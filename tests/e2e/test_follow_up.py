"""The call centre's follow-up page: a request a unit returned as "not ours" is routed again
with the routing suggestion, a unit's question is answered, and a message that failed is sent
again to the address the supervisor types, in a real browser.

No PBX: the CTI runs without Asterisk (its AMI link keeps retrying).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import expect
from sqlalchemy import select

from cti.bootstrap import Services
from cti.domain.roles import Role
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import TicketDraft
from cti.notify.outbox import enqueue
from cti.storage.db import create_engine, session_factory
from cti.storage.models import Ticket
from tests.e2e.conftest import NewPage, cti_without_pbx, script_errors, sign_in

PASSWORD = "takip-parola-153"
REASON = "Ana cadde üzerinde: Büyükşehir'in <b>sorumluluğunda</b>"


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Services]:
    supervisor = ("sule", "Şule Süpervizör", frozenset({Role.SUPERVISOR}), None)
    async with cti_without_pbx(tmp_path, [supervisor], PASSWORD) as services:
        yield services


async def a_ticket(service: Services, description: str) -> str:
    tickets = service.stores.tickets
    ticket = await tickets.create(TicketDraft(
        description=description, category="asfalt-cukuru", district="seyhan",
        citizen_phone="05321112233"), "op1001")
    await tickets.forward(ticket.number, "seyhan-fen-isleri", None, "op1001")
    return ticket.number


async def test_a_returned_request_is_routed_again_and_a_question_answered(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    tickets = service.stores.tickets
    returned = await a_ticket(service, "Bulvarda derin çukur")
    await tickets.return_to_call_centre(returned, REASON, "birim.seyhan")
    asked = await a_ticket(service, "Sokakta çukur")
    await tickets.request_info(asked, "Hangi sokak, kapı no?", "birim.seyhan")

    page = await new_page()
    # At the console's address: a supervisor is sent on to the follow-up page.
    await sign_in(page, f"{service.http_url}/", "sule", PASSWORD, "#page")
    await expect(page).to_have_url(f"{service.http_url}/static/takip.html")
    row = page.get_by_test_id("list").locator(f"tr[data-number='{returned}']")
    await row.get_by_role("button").click()
    await expect(page.get_by_test_id("last-word")).to_contain_text(REASON)  # as text
    # The citizen was told by SMS when it first reached a unit (no gateway here: it waits).
    await expect(page.get_by_test_id("deliveries")).to_contain_text("citizen_forwarded")
    await expect(page.get_by_test_id("deliveries")).to_contain_text("bekliyor")
    await page.select_option("#r-kind", "main_avenue")
    await expect(page.get_by_test_id("suggestion")).to_contain_text("Büyükşehir")
    await expect(page.locator("#r-unit")).to_have_value(re.compile(r"^abb-"))
    suggested = await page.input_value("#r-unit")
    await page.fill("#r-note", "Bulvar: Büyükşehir Fen İşleri")
    await page.get_by_test_id("reroute").get_by_role("button").click()
    await expect(page.get_by_test_id("notice")).to_contain_text("Yeniden yönlendirildi")
    ticket = await tickets.get(returned)
    assert ticket is not None
    assert (ticket.status, ticket.unit) == (TicketStatus.FORWARDED, suggested)
    last = (await tickets.events(returned))[-1]
    assert last.actor == "sule" and last.changes["suggested"] == [None, suggested]
    assert "overridden" not in last.changes

    await page.locator("[data-tab='info']").click()
    await page.get_by_test_id("list").locator(f"tr[data-number='{asked}']") \
        .get_by_role("button").click()
    await expect(page.get_by_test_id("last-word")).to_contain_text("Hangi sokak, kapı no?")
    await page.fill("#a-text", "Atatürk Cd. 14. sokak, kapı no 7")
    await page.get_by_test_id("answer-form").get_by_role("button").click()
    await expect(page.get_by_test_id("notice")).to_contain_text("Yanıt birime iletildi")
    answered = await tickets.get(asked)
    assert answered is not None and answered.status is TicketStatus.IN_PROGRESS
    # The team leader's view of the feedback calls: a resolved request's citizen is queued.
    called = await a_ticket(service, "Lamba yanmıyor")
    await tickets.resolve(called, "Lamba değiştirildi", "birim.seyhan")
    await page.locator("[data-tab='callbacks']").click()
    queued = page.get_by_test_id("list").locator(f"tr[data-number='{called}']")
    await expect(queued).to_contain_text("0/3")
    await expect(page.get_by_test_id("day-figures")).to_contain_text("0 tamamlandı")
    assert await page.evaluate("window.pwned") is None
    assert script_errors(console_errors) == []


async def test_a_message_that_failed_is_sent_again_to_the_number_the_supervisor_types(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    number = await a_ticket(service, "Kaldırımda çukur")
    engine = create_engine(service.settings.database)
    try:
        async with session_factory(engine).begin() as session:
            ticket_id = await session.scalar(select(Ticket.id).where(Ticket.number == number))
            assert ticket_id is not None
            # Written while the unit had no address: failed, "no address".
            enqueue(session, channel="email", purpose="warning", recipient="",
                    body="Süresi geçti", now=time.time(), ticket_id=ticket_id)
    finally:
        await engine.dispose()
    [failed] = await service.stores.outbox.stuck("failed", 10)

    page = await new_page()
    await sign_in(page, f"{service.http_url}/static/takip.html", "sule", PASSWORD, "#page")
    await page.locator("[data-tab='failed']").click()
    row = page.get_by_test_id("list").locator(f"tr[data-message='{failed.id}']")
    await expect(row).to_contain_text("Adres yok")
    await row.get_by_role("textbox").fill("seyhan-fen@adana.bel.tr")
    await row.get_by_role("button").click()
    await expect(page.get_by_test_id("notice")).to_contain_text("Yeniden gönderime alındı")
    await expect(row).to_have_count(0)  # no longer failed
    [waiting] = [m for m in await service.stores.outbox.stuck("pending", 10)
                 if m.id == failed.id]
    assert (waiting.recipient, waiting.attempts) == ("seyhan-fen@adana.bel.tr", 0)
    assert waiting.tries[-1].detail.startswith("sule yeni adrese")
    assert script_errors(console_errors) == []


async def test_the_team_leader_puts_back_a_taken_callback_and_calls_off_another(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    tickets, callbacks = service.stores.tickets, service.stores.callbacks
    left, unwanted = await a_ticket(service, "Lamba yanmıyor"), await a_ticket(service, "Çukur")
    for number in (left, unwanted):
        await tickets.resolve(number, "Giderildi", "birim.seyhan")
    ids = {item.ticket_number: item.callback_id for item in await callbacks.queue_view(10)}
    assert await callbacks.take(ids[left], "fb2009") is not None  # taken, then gone home

    page = await new_page()
    await sign_in(page, f"{service.http_url}/static/takip.html", "sule", PASSWORD, "#page")
    await page.locator("[data-tab='callbacks']").click()
    rows = page.get_by_test_id("list")
    taken = rows.locator(f"tr[data-number='{left}']")
    await expect(taken).to_contain_text("fb2009")
    await taken.get_by_role("button", name=re.compile("Sıraya geri koy")).click()
    await expect(page.get_by_test_id("notice")).to_contain_text("Sıraya geri kondu")
    await expect(taken).not_to_contain_text("fb2009")
    back = await callbacks.get(ids[left])
    assert back is not None and back.assigned_to is None

    row = rows.locator(f"tr[data-number='{unwanted}']")
    await row.get_by_role("button", name=re.compile("Aranmasın")).click()  # no reason yet
    await expect(page.get_by_test_id("notice")).to_contain_text("gerekçesi gerekli")
    reason = "Vatandaş aranmak istemiyor <b>lütfen</b>"
    await row.get_by_role("textbox").fill(reason)
    await row.get_by_role("button", name=re.compile("Aranmasın")).click()
    await expect(page.get_by_test_id("notice")).to_contain_text("Geri arama iptal edildi")
    await expect(row).to_have_count(0)
    gone = await callbacks.get(ids[unwanted])
    assert gone is not None and gone.status.value == "cancelled"
    [event] = [e for e in await tickets.events(unwanted) if e.action == "callback_cancelled"]
    assert (event.actor, event.changes["note"]) == ("sule", [None, reason])
    closed = await tickets.get(unwanted)  # on the unit's resolution, saying why
    assert closed is not None and closed.status is TicketStatus.CLOSED
    # The day's finished callbacks, one by one.
    await page.get_by_text("Bugün bitenler").click()
    finished = page.get_by_test_id("day-finished").locator(f"tr[data-number='{unwanted}']")
    await expect(finished).to_be_visible()
    await expect(finished).to_contain_text("iptal")
    assert script_errors(console_errors) == []
