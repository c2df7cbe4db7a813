"""A feedback operator's console, end to end in a browser, without a PBX.

The CTI runs without Asterisk (its AMI link keeps retrying). A resolved ticket is queued for a
callback in the real callback store, which plans its attempt and marks it connected as the
dialer does from AMI; the pop comes in as the AgentCalled frame Asterisk sends for the dialer's
call, carrying the attempt id (ALO153_ATTEMPT), handed to the console service.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, Route, expect

from cti.bootstrap import Services
from cti.domain.calendar import ISTANBUL
from cti.domain.roles import Role
from cti.domain.tickets.fields import Priority
from cti.domain.tickets.ticket import TicketDraft
from cti.telephony.ami.frames import Frame
from dialer.callbacks import CallbackStore
from dialer.config import DialerMode
from dialer.hours import CallingHours
from dialer.states import AttemptState
from tests.e2e.conftest import NewPage, cti_without_pbx, script_errors, sign_in

PASSWORD = "geri-arama-153"
UNIT = "abb-aydinlatma"
RESOLUTION = "Direk 14'teki ampul ve sigorta değiştirildi"
WORDS = "Lamba iki gün yandı, yine sönük; sokak karanlık"
# Open every hour of every day, no holidays: the test runs whenever it is run.
ALWAYS = CallingHours.parse("mon-sun=00:00-24:00", is_holiday=lambda day: False)


class Feedback:
    def __init__(self, services: Services, callbacks: CallbackStore, url: str) -> None:
        self.services, self.callbacks, self.url = services, callbacks, url

    async def resolved_ticket(self, description: str, name: str) -> tuple[str, int]:
        """A phoned-in request forwarded, resolved by its unit and queued for a callback."""
        tickets = self.services.stores.tickets
        draft = TicketDraft(description=description, category="sokak-lambasi",
                            citizen_phone="05321234567", citizen_name=name,
                            priority=Priority.NORMAL)
        ticket = await tickets.create(draft, "op1001")
        await tickets.forward(ticket.number, UNIT, None, "op1001")
        await tickets.resolve(ticket.number, RESOLUTION, "birim1")  # queues the callback
        queued = [item for item in await self.callbacks.queue_view()
                  if item.ticket_number == ticket.number]
        assert len(queued) == 1
        return ticket.number, queued[0].callback_id

    async def put_through(self, callback_id: int) -> None:
        """What the dialer and the PBX do when the citizen answers: the attempt is placed and
        taken by fb2001, and the console hears the queue ring Fatma's phone with it."""
        now = time.time()
        planned = await self.callbacks.plan(callback_id, now)
        assert planned is not None
        await self.callbacks.advance(planned.attempt_id, state=AttemptState.CONNECTED,
                                     operator="fb2001", at=now)
        self.services.console.on_frame(Frame((
            ("Event", "AgentCalled"), ("Interface", "PJSIP/2001"),
            ("Queue", "alo153-feedback"), ("Linkedid", planned.attempt_id),
            ("Uniqueid", planned.attempt_id), ("DestUniqueid", f"fb-{callback_id}"),
            ("CallerIDNum", "05321234567"), ("CallerIDName", ""),
            ("ChanVariable", f"ALO153_ATTEMPT={planned.attempt_id}"))))


@contextlib.asynccontextmanager
async def feedback_desk(tmp_path: Path, **settings: Any) -> AsyncIterator[Feedback]:
    # No PBX: the dialer in `cti serve` waits for an AMI link that never comes, so it places
    # nothing; the test plans the attempt and hands the console the PBX's frames itself.
    async with cti_without_pbx(tmp_path, [], PASSWORD, dialer_hours=ALWAYS,
                               **settings) as services:
        await services.stores.people.users.add(
            "fb2001", "Fatma Bulut", PASSWORD, frozenset({Role.FEEDBACK_OPERATOR}),
            extension="2001")
        yield Feedback(services, services.stores.callbacks, services.http_url)


@pytest.fixture
async def feedback(tmp_path: Path) -> AsyncIterator[Feedback]:
    async with feedback_desk(tmp_path) as desk:
        yield desk


async def api(page: Page, method: str, path: str) -> Any:
    return await page.evaluate(
        """async ([method, path]) => {
             const r = await fetch(path, {method});
             return await r.json(); }""", [method, path])


async def test_a_feedback_operator_records_not_solved_with_the_citizens_words(
    feedback: Feedback, new_page: NewPage, console_errors: list[str],
) -> None:
    waiting, callback_id = await feedback.resolved_ticket("Sokak lambası yanmıyor",
                                                          "Zeynep <b>Kaya</b>")
    page = await new_page()
    await sign_in(page, feedback.url, "fb2001", PASSWORD, "#feedback-panel")
    queue = page.get_by_test_id("cb-waiting")
    await expect(queue).to_contain_text(waiting)
    await expect(queue).to_contain_text(RESOLUTION)

    # The dialer calls the citizen, who answers; the queue puts the call through to Fatma.
    await feedback.put_through(callback_id)

    current = page.get_by_test_id("cb-current")
    await expect(page.get_by_test_id("cb-number")).to_have_text(waiting)
    await expect(page.get_by_test_id("cb-resolution")).to_have_text(RESOLUTION)
    await expect(page.get_by_test_id("cb-citizen")).to_have_text("Zeynep <b>Kaya</b>")
    await expect(page.get_by_test_id("cb-calling")).to_contain_text(waiting)

    # Keyboard only: the first outcome has the focus; the arrow moves to "not solved".
    await expect(current.locator("input[value=confirmed]")).to_be_focused()
    await page.keyboard.press("ArrowDown")
    await expect(current.locator("input[value=not_solved]")).to_be_checked()
    await page.keyboard.press("Control+Enter")  # no words yet: refused on the page
    await expect(page.locator("#notice")).to_contain_text("sözleri gerekli")
    await page.fill("#cb-words", WORDS)
    await page.select_option("#cb-satisfaction", "2")
    await page.press("#cb-words", "Control+Enter")
    await expect(current).to_be_hidden()
    await expect(page.locator("#notice")).to_contain_text(waiting)
    await expect(page.get_by_test_id("cb-calling")).not_to_contain_text(waiting)

    ticket = await api(page, "GET", f"/api/tickets/{waiting}")
    assert (ticket["status"], ticket["unit"], ticket["priority"], ticket["satisfaction"]) == (
        "reopened", UNIT, "high", 2)
    notes = [e["changes"].get("note") for e in ticket["events"] if e["actor"] == "fb2001"]
    assert [None, WORDS] in notes
    assert script_errors(console_errors) == []


async def test_a_citizen_who_asks_to_be_called_later_waits_for_the_appointment(
    feedback: Feedback, new_page: NewPage, console_errors: list[str],
) -> None:
    number, callback_id = await feedback.resolved_ticket("Park lambası yanmıyor", "Ali Demir")
    page = await new_page()
    await sign_in(page, feedback.url, "fb2001", PASSWORD, "#feedback-panel")
    await feedback.put_through(callback_id)
    current = page.get_by_test_id("cb-current")
    await expect(page.get_by_test_id("cb-number")).to_have_text(number)

    # "Not now, call me tomorrow at 18:30": the moment is picked in Istanbul's time.
    await current.locator("input[value=later]").check()
    await expect(page.get_by_test_id("cb-later-at")).to_be_visible()
    await expect(page.locator("#cb-satisfaction")).to_be_disabled()
    tomorrow = (datetime.now(ISTANBUL) + timedelta(days=1)).replace(
        hour=18, minute=30, second=0, microsecond=0)
    await page.fill("#cb-later-at", tomorrow.strftime("%Y-%m-%dT%H:%M"))
    await page.fill("#cb-words", "İşten sonra arayın")
    await page.press("#cb-words", "Control+Enter")
    await expect(current).to_be_hidden()
    await expect(page.locator("#notice")).to_contain_text("aranacak")
    scheduled = page.get_by_test_id("cb-scheduled")
    await expect(scheduled).to_contain_text(number)
    await expect(scheduled).to_contain_text("Randevu")

    row = await feedback.callbacks.get(callback_id)
    assert row is not None and row.appointment_at == tomorrow.timestamp()
    ticket = await api(page, "GET", f"/api/tickets/{number}")
    [later] = [e for e in ticket["events"] if e["action"] == "callback_later"]
    assert later["actor"] == "fb2001"
    assert later["changes"]["note"] == [None, "İşten sonra arayın"]
    assert script_errors(console_errors) == []


async def test_a_queue_answer_sent_before_the_outcome_does_not_bring_the_call_back(
    feedback: Feedback, new_page: NewPage, console_errors: list[str],
) -> None:
    """The queue is polled every 10 s: a poll answered while the citizen was still on the line
    and arriving after the outcome's own reload must not put the call back under "calling"."""
    number, callback_id = await feedback.resolved_ticket("Cadde lambası yanmıyor", "Ayşe Tan")
    page = await new_page()
    await sign_in(page, feedback.url, "fb2001", PASSWORD, "#feedback-panel")
    await feedback.put_through(callback_id)
    calling = page.get_by_test_id("cb-calling")
    await expect(calling).to_contain_text(number)

    # The next queue answer is taken from the server now (the call still on) and held back.
    taken, release, delivered = asyncio.Event(), asyncio.Event(), asyncio.Event()

    async def hold_the_first(route: Route) -> None:
        if taken.is_set():
            await route.continue_()
            return
        taken.set()
        stale = await route.fetch()
        await release.wait()
        await route.fulfill(response=stale)
        delivered.set()

    await page.route("**/api/callbacks", hold_the_first)
    await page.click("#cb-refresh")
    await asyncio.wait_for(taken.wait(), 5)

    current = page.get_by_test_id("cb-current")
    await current.locator("input[value=confirmed]").check()
    await page.press("#cb-words", "Control+Enter")
    await expect(current).to_be_hidden()
    await expect(calling).not_to_contain_text(number)

    release.set()
    await asyncio.wait_for(delivered.wait(), 5)
    await page.evaluate("() => new Promise((done) => setTimeout(done, 200))")
    assert number not in await calling.inner_text()
    assert script_errors(console_errors) == []


@pytest.fixture
async def preview(tmp_path: Path) -> AsyncIterator[Feedback]:
    async with feedback_desk(tmp_path, dialer_mode=DialerMode.PREVIEW) as desk:
        yield desk


async def test_a_previewed_callback_not_called_goes_back_to_the_queue(
    preview: Feedback, new_page: NewPage, console_errors: list[str],
) -> None:
    number, callback_id = await preview.resolved_ticket("Sokak lambası yanmıyor", "Ali Demir")
    page = await new_page()
    await sign_in(page, preview.url, "fb2001", PASSWORD, "#feedback-panel")
    await expect(page.get_by_test_id("cb-waiting")).to_contain_text(number)
    await page.click("#cb-take")
    await expect(page.get_by_test_id("cb-number")).to_have_text(number)
    taken = await preview.callbacks.get(callback_id)
    assert taken is not None and taken.assigned_to == "fb2001"

    await page.click("#cb-dismiss")  # read, not called: for whoever is free
    await expect(page.locator("#notice")).to_contain_text("sıraya bırakıldı")
    await expect(page.get_by_test_id("cb-current")).to_be_hidden()
    back = await preview.callbacks.get(callback_id)
    assert back is not None and back.assigned_to is None
    assert script_errors(console_errors) == []
