"""A unit's staff member, in a real browser, works a request 153 forwarded: signs in to the unit
inbox, opens it, acknowledges it, and reports it resolved with a note and a photo.

No PBX here: the CTI runs without Asterisk (its AMI link keeps retrying). The ticket is made and
forwarded through the ticket store, as an operator's console would; what the page did is then
checked through the API, not through what the page shows.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from playwright.async_api import Page, Route, expect

from cti.bootstrap import Services
from cti.domain.roles import Role
from cti.domain.tickets.reference import reference
from cti.domain.tickets.ticket import TicketDraft
from tests.e2e.conftest import NewPage, cti_without_pbx, script_errors
from tests.e2e.conftest import sign_in as sign_in_at
from tests.e2e.test_console_calls import PASSWORD, api
from tests.e2e.test_console_escaping import HOSTILE, PAYLOADS

UNIT = "abb-aydinlatma"
RESOLUTION = "Direkteki ampul ve sigorta değiştirildi; lamba yanıyor."


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Services]:
    zeynep = ("zeynep", "Zeynep Arslan", frozenset({Role.UNIT_STAFF}), UNIT)
    async with cti_without_pbx(tmp_path, [zeynep], PASSWORD) as services:
        yield services


@pytest.fixture
def photo(tmp_path: Path) -> Path:
    """A real, small JPEG: a street lamp's night, in 64×48 pixels."""
    path = tmp_path / "lamba-yaniyor.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (250, 200, 40)).save(buffer, format="JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return path


async def forwarded_ticket(services: Services) -> str:
    tickets = services.stores.tickets
    draft = TicketDraft(description="Okulun önündeki sokak lambası üç gündür yanmıyor",
                        category="sokak-lambasi", district="seyhan", address="Gazi Cd. No 14",
                        citizen_phone="05321112233")
    ticket = await tickets.create(draft, "ayse")
    await tickets.forward(ticket.number, UNIT, "Direk 14", "ayse")
    return ticket.number


async def sign_in(page: Page, url: str, username: str) -> None:
    await sign_in_at(page, f"{url}/static/unit.html", username, PASSWORD, "#inbox")


async def held(page: Page, url: str) -> asyncio.Event:
    """A slow network on cue: the page's requests to `url` (a glob) wait until the event is set."""
    release = asyncio.Event()

    async def hold(route: Route) -> None:
        await release.wait()
        await route.continue_()

    await page.route(url, hold)
    return release


async def let_through(page: Page, release: asyncio.Event, url: str) -> None:
    """Let the held requests to `url` answer, and the page take the answer in."""
    async with page.expect_response(url) as answer:
        release.set()
    await (await answer.value).finished()
    await page.evaluate("() => new Promise((done) => setTimeout(done, 100))")


async def test_a_unit_user_acknowledges_and_resolves_a_ticket_with_a_photo(
    service: Services, new_page: NewPage, console_errors: list[str], photo: Path,
) -> None:
    number = await forwarded_ticket(service)
    page = await new_page()
    await sign_in(page, service.http_url, "zeynep")
    await expect(page.get_by_test_id("me")).to_contain_text("Zeynep Arslan")

    row = page.locator("#inbox-list tbody tr", has_text=number)
    await expect(row).to_contain_text("Yeni geldi")
    await expect(row).to_contain_text(reference().category("sokak-lambasi").name_tr)
    await row.get_by_test_id("open-ticket").click()
    await expect(page.get_by_test_id("ticket-number")).to_have_text(number)
    await expect(page.get_by_test_id("ticket-description")).to_contain_text("üç gündür")
    await expect(page.get_by_test_id("ticket-trail")).to_contain_text("153 birime yönlendirdi")

    await page.click("#btn-ack")
    await expect(page.get_by_test_id("ticket-status")).to_contain_text("İşlemde")
    await expect(page.get_by_test_id("ticket-trail")).to_contain_text("Birim gördü")

    await page.click("#btn-resolve")
    await expect(page.get_by_test_id("action-form")).to_be_visible()
    await page.fill("#action-text", RESOLUTION)
    await page.set_input_files("#action-photos", str(photo))
    await page.click("#action-submit")
    await expect(page.get_by_test_id("ticket-status")).to_contain_text("Çözüldü")
    await expect(page.get_by_test_id("ticket-attachments")).to_contain_text(photo.name)
    await expect(page.get_by_test_id("notice")).to_contain_text("Çözüldü olarak bildirildi")
    await expect(page.locator("#inbox-list tbody tr", has_text=number)).to_have_count(0)

    ticket: dict[str, Any] = await api(page, f"/api/tickets/{number}")
    assert (ticket["status"], ticket["resolution"]) == ("resolved", RESOLUTION)
    assert [(a["filename"], a["content_type"], a["uploaded_by"], a["size"])
            for a in ticket["attachments"]] == [
        (photo.name, "image/jpeg", "zeynep", photo.stat().st_size)]
    steps = [(e["actor"], e["changes"]["status"]) for e in ticket["events"]
             if e["action"] == "status"]
    assert steps[-2:] == [("zeynep", ["forwarded", "in_progress"]),
                          ("zeynep", ["in_progress", "resolved"])]
    assert script_errors(console_errors) == []


async def test_not_ours_sends_it_back_to_153_and_hostile_text_stays_text(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    tickets = service.stores.tickets
    draft = TicketDraft(description=HOSTILE, address=HOSTILE, citizen_name=PAYLOADS[0],
                        category="sokak-lambasi", district="seyhan")
    number = (await tickets.create(draft, "ayse")).number
    await tickets.forward(number, UNIT, HOSTILE, "ayse")
    page = await new_page(viewport={"width": 800, "height": 1100})  # a tablet held upright
    await sign_in(page, service.http_url, "zeynep")
    await page.locator("#inbox-list tbody tr", has_text=number).get_by_test_id(
        "open-ticket").click()
    await expect(page.get_by_test_id("ticket-description")).to_have_text(HOSTILE)
    await expect(page.get_by_test_id("ticket-trail")).to_contain_text(PAYLOADS[1])

    await page.click("#btn-return")
    await expect(page.get_by_test_id("action-form")).to_contain_text("yeniden yönlendirilir")
    await page.click("#action-submit")  # no reason: refused on the page, nothing sent
    await expect(page.get_by_test_id("action-error")).to_contain_text("metni yazın")
    await page.fill("#action-text", f"Köprü Karayolları'nın {PAYLOADS[2]}")
    await page.keyboard.press("Control+Enter")
    await expect(page.get_by_test_id("notice")).to_contain_text("153'e iade edildi")
    await expect(page.get_by_test_id("ticket")).to_be_hidden()
    await expect(page.locator("#inbox-list tbody")).to_contain_text("Bekleyen başvuru yok")

    ticket: dict[str, Any] = await api(page, f"/api/tickets/{number}")
    assert ticket["error"]["code"] == "ticket_not_found"  # not the unit's any more
    returned = await tickets.detail(number)
    assert returned is not None
    assert (returned.ticket.status.value, returned.ticket.unit) == ("returned", None)
    last = returned.events[-1]
    assert (last.actor, last.changes["note"][1]) == ("zeynep",
                                                     f"Köprü Karayolları'nın {PAYLOADS[2]}")
    assert await page.evaluate("window.pwned") is None
    assert await page.locator("#inbox img, #inbox svg, #inbox script").count() == 0
    assert script_errors(console_errors) == []


async def test_a_late_answer_for_a_row_left_behind_keeps_the_answer_being_written(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    first, second = await forwarded_ticket(service), await forwarded_ticket(service)
    page = await new_page()
    slow = await held(page, f"**/api/tickets/{first}")
    await sign_in(page, service.http_url, "zeynep")
    await page.locator("#inbox-list tbody tr", has_text=first).get_by_test_id("open-ticket").click()
    await page.locator("#inbox-list tbody tr", has_text=second).get_by_test_id(
        "open-ticket").click()
    await expect(page.get_by_test_id("ticket-number")).to_have_text(second)
    await page.click("#btn-answer")
    await page.fill("#action-text", "Ekip yarın sabah direğe çıkacak")

    await let_through(page, slow, f"**/api/tickets/{first}")
    await expect(page.get_by_test_id("ticket-number")).to_have_text(second)
    await expect(page.locator("#action-text")).to_have_value("Ekip yarın sabah direğe çıkacak")
    await page.keyboard.press("Control+Enter")
    await expect(page.get_by_test_id("notice")).to_contain_text("Yanıt kaydedildi")

    answered = await service.stores.tickets.detail(second)
    untouched = await service.stores.tickets.detail(first)
    assert answered is not None and untouched is not None
    assert [e.changes["answer"][1] for e in answered.events if e.action == "answer"] == [
        "Ekip yarın sabah direğe çıkacak"]
    assert [e for e in untouched.events if e.action == "answer"] == []
    assert script_errors(console_errors) == []
