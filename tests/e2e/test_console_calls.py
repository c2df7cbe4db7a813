"""The operator console in a real browser, with real calls through the sandbox Asterisk.

An operator signs in and joins the queue; a citizen with earlier tickets calls 153; the
operator's softphone (SIPp) rings and the page pops the caller with their history; the phone
answers, the operator records a ticket and closes it at first contact, the call ends, the
operator gives the disposition; the call record and the ticket point at each other. And the
ring-all case: two phones ring, one answers, the other operator's pop closes.
"""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Page, expect

from cti.bootstrap import Services, running_services
from cti.config import Settings
from cti.domain.roles import Role
from cti.domain.tickets.ticket import TicketDraft
from cti.pbx.sandbox import Sandbox
from cti.simulate.commands import citizen_command, operator_command
from cti.simulate.parties import CitizenCall, OperatorPhone
from cti.simulate.process import SippProcess
from cti.storage.db import create_engine, session_factory
from cti.storage.tickets import TicketStore
from cti.storage.users import UserStore
from cti.telephony.ami.session import AmiSession
from tests.e2e.conftest import NewPage, script_errors
from tests.integration.conftest import citizen_number

PASSWORD = "konsol-parola-153"
RING_ALL_IP = "127.0.0.3"  # the sandbox's ring-all line (asterisk-config/sandbox/)


@dataclasses.dataclass
class Centre:
    services: Services
    url: str
    tickets: TicketStore


@pytest.fixture
async def centre(sandbox: Sandbox, settings: Settings, tmp_path: Path,
                 ami: AmiSession) -> AsyncIterator[Centre]:
    cti_settings = dataclasses.replace(
        settings, data_dir=tmp_path, asterisk_log_dir=sandbox.paths.root / "var/log/asterisk",
        http_port=0, wrapup={"alo153": 60.0, "alo153-ringall": 60.0})
    async with running_services(cti_settings) as services:
        await services.ami.wait_up(10)
        engine = create_engine(cti_settings.database)
        sessions = session_factory(engine)
        users = UserStore(sessions)
        await users.add("ayse", "Ayşe Yılmaz", PASSWORD, frozenset({Role.OPERATOR}),
                        extension="1001")
        await users.add("mehmet", "Mehmet <b>Kaya</b>", PASSWORD, frozenset({Role.OPERATOR}),
                        extension="1002")
        tickets = TicketStore(sessions, attachments_dir=tmp_path / "attachments")
        try:
            yield Centre(services, services.http_url, tickets)
        finally:
            await engine.dispose()


async def sign_in(page: Page, url: str, username: str) -> None:
    await page.goto(url)
    await page.fill("#login-username", username)
    await page.fill("#login-password", PASSWORD)
    await page.press("#login-password", "Enter")
    await expect(page.locator("#console")).to_be_visible()
    await expect(page.locator("#link")).to_have_attribute("data-up", "true")


async def phones(*phones: OperatorPhone) -> list[SippProcess]:
    return [await SippProcess.start(operator_command(p)) for p in phones]


async def stop(processes: list[SippProcess]) -> None:
    await asyncio.gather(*(p.stop(grace=1) for p in processes), return_exceptions=True)


async def api(page: Page, path: str) -> Any:
    return await page.evaluate(
        "async (path) => (await fetch(path, {credentials: 'same-origin'})).json()", path)


async def test_pop_answer_ticket_close_and_disposition(
    centre: Centre, new_page: NewPage, console_errors: list[str],
) -> None:
    number = citizen_number()
    earlier = await centre.tickets.create(TicketDraft(
        description="Sokak lambası yanmıyor <script>window.pwned=1</script>",
        category="sokak-lambasi", citizen_phone=number), "seed")
    page = await new_page()
    await sign_in(page, centre.url, "ayse")
    await page.click("#btn-join")
    await expect(page.locator("#agent-status")).to_have_attribute("data-status", "available")

    # 8 s of ringing: the pop's five checks fit in it on a loaded machine too.
    operator = await phones(OperatorPhone("1001", ring_seconds=8, talk_seconds=25))
    citizen = await SippProcess.start(citizen_command(CitizenCall(
        caller=number, display_name="Zeynep <img src=x onerror=window.pwned=2>",
        behaviour="until_hangup")))
    try:
        pop = page.get_by_test_id("pop")
        await expect(pop).to_be_visible(timeout=15_000)
        await expect(pop.get_by_test_id("pop-number")).to_have_text(number)
        await expect(pop.get_by_test_id("pop-name")).to_have_text(
            "Zeynep <img src=x onerror=window.pwned=2>")
        await expect(pop.get_by_test_id("pop-tickets")).to_contain_text(earlier.number)
        await expect(pop.get_by_test_id("pop-tickets")).to_contain_text("<script>")

        await expect(page.get_by_test_id("call-number")).to_have_text(number, timeout=20_000)
        await expect(pop).to_have_count(0)
        await expect(page.get_by_test_id("call-tickets")).to_contain_text(earlier.number)
        await page.select_option("#t-category", index=1)
        await page.fill("#t-description", "Parktaki salıncak kırık, çocuklar için tehlikeli.")
        await page.reload()  # mid-call: the call, the form and what was typed come back
        await expect(page.get_by_test_id("call-number")).to_have_text(number)
        await expect(page.locator("#t-description")).to_have_value(
            "Parktaki salıncak kırık, çocuklar için tehlikeli.")
        await expect(page.locator("#t-phone")).to_have_value(number)
        await page.click("#t-create")
        number_shown = page.get_by_test_id("ticket-number")
        await expect(number_shown).to_have_text(re.compile(r"^153-\d{4}-\d{6}$"))
        ticket_number = await number_shown.inner_text()
        await page.fill("#ticket-resolution", "Park birimine bilgi verildi, çözüldü.")
        await page.click("#btn-solve")
        await expect(page.get_by_test_id("ticket-status")).to_have_attribute(
            "data-status", "closed")

        wrapup = page.get_by_test_id("wrapup")
        await expect(wrapup).to_be_visible(timeout=40_000)
        await expect(page.locator("#agent-status")).to_have_attribute(
            "data-status", "after_call_work")
        await page.keyboard.press("2")  # the second code: solved at first contact
        await page.click("#wrapup-save")
        await expect(wrapup).to_be_hidden()
        await expect(page.locator("#agent-status")).to_have_attribute("data-status", "available")
        call_id = await wrapup.get_attribute("data-call-id")
        assert call_id
    finally:
        await stop([*operator, citizen])

    call = await api(page, f"/api/calls/{call_id}")
    for _ in range(50):
        if call.get("outcome") == "answered" and call.get("dispositions"):
            break
        await asyncio.sleep(0.2)
        call = await api(page, f"/api/calls/{call_id}")
    assert call["answered_by"] == "ayse"
    assert [d["code"] for d in call["dispositions"]] == ["cozuldu"]
    assert {"number": ticket_number, "status": "closed"} in call["tickets"]
    ticket = await api(page, f"/api/tickets/{ticket_number}")
    assert call_id in str(ticket)
    assert await page.evaluate("window.pwned") is None  # nothing a caller sent ran
    assert script_errors(console_errors) == []


async def test_ring_all_closes_the_pop_of_the_operator_who_did_not_answer(
    centre: Centre, new_page: NewPage, ami: AmiSession, console_errors: list[str],
) -> None:
    ayse, mehmet = await new_page(), await new_page()
    await sign_in(ayse, centre.url, "ayse")
    await sign_in(mehmet, centre.url, "mehmet")
    for extension, member in (("1001", "ayse"), ("1002", "mehmet")):
        reply = await ami.action("QueueAdd", {
            "Queue": "alo153-ringall", "Interface": f"PJSIP/{extension}", "MemberName": member,
            "StateInterface": f"PJSIP/{extension}"})
        assert reply.response == "Success"
    await expect(mehmet.locator("#me")).to_contain_text("Mehmet <b>Kaya</b>")
    processes = await phones(OperatorPhone("1001", behaviour="no_answer"),
                             OperatorPhone("1002", ring_seconds=8, talk_seconds=3))
    number = citizen_number()
    processes.append(await SippProcess.start(citizen_command(CitizenCall(
        caller=number, behaviour="until_hangup", local_ip=RING_ALL_IP))))
    try:
        for page in (ayse, mehmet):
            await expect(page.get_by_test_id("pop")).to_be_visible(timeout=15_000)
            await expect(page.get_by_test_id("pop-number")).to_have_text(number)
        await expect(mehmet.get_by_test_id("call-number")).to_have_text(number, timeout=20_000)
        await expect(ayse.get_by_test_id("pop")).to_have_count(0)
        await expect(ayse.locator("#call")).to_be_hidden()
    finally:
        await stop(processes)
    assert script_errors(console_errors) == []
