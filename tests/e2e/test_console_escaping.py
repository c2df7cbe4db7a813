"""Everything a citizen or a caller id can put on the console page is shown as text.

No PBX here: the CTI runs without Asterisk (its AMI link keeps retrying), hostile text comes in
through the tickets API and through an AgentCalled frame handed to the console service.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from cti.bootstrap import Services, running_services
from cti.config import Settings
from cti.domain.roles import Role
from cti.telephony.ami.frames import Frame
from tests.e2e.conftest import NewPage, script_errors
from tests.e2e.test_console_calls import PASSWORD, sign_in

PAYLOADS = (
    '<img src=x onerror="window.pwned=1">',
    "<script>window.pwned=2</script>",
    '"><svg onload=window.pwned=3>',
    "javascript:window.pwned=4",
)
HOSTILE = " ".join(PAYLOADS)
NUMBER = "05321234567"


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Services]:
    settings = dataclasses.replace(
        Settings(), data_dir=tmp_path, http_port=0, agi_port=0, ami_port=1,  # no PBX
        asterisk_log_dir=tmp_path)
    async with running_services(settings) as services:
        await services.stores.people.users.add(
            "ayse", "Ayşe <i>Yılmaz</i>", PASSWORD, frozenset({Role.OPERATOR}), extension="1001")
        yield services


async def post(page: Page, path: str, body: object) -> dict[str, object]:
    return await page.evaluate(  # type: ignore[no-any-return]
        """async ([path, body]) => {
             const s = await (await fetch('/api/session')).json();
             const r = await fetch(path, {method: 'POST', body: JSON.stringify(body),
               headers: {'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token}});
             return await r.json(); }""", [path, body])


async def test_hostile_text_in_tickets_search_and_pops_stays_text(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    page = await new_page()
    await sign_in(page, service.http_url, "ayse")
    await expect(page.locator("#me")).to_contain_text("Ayşe <i>Yılmaz</i>")
    created = await post(page, "/api/tickets", {
        "channel": "phone", "citizen_phone": NUMBER, "citizen_name": PAYLOADS[0],
        "category": "diger", "address": HOSTILE, "description": HOSTILE})
    number = created["number"]

    await page.fill("#search-q", NUMBER)
    await page.press("#search-q", "Enter")
    row = page.locator("#search-results tr", has_text=str(number))
    await expect(row).to_contain_text(PAYLOADS[1])
    await row.click()
    await expect(page.get_by_test_id("ticket-number")).to_have_text(str(number))
    await expect(page.locator("#ticket-summary")).to_contain_text(HOSTILE)

    service.console.on_frame(Frame((
        ("Event", "AgentCalled"), ("Interface", "PJSIP/1001"), ("Queue", "alo153"),
        ("Linkedid", "x-1"), ("Uniqueid", "x-1"), ("DestUniqueid", "x-2"),
        ("CallerIDNum", NUMBER), ("CallerIDName", HOSTILE),
        ("ChanVariable", "ALO153_OPEN=1"))))
    pop = page.get_by_test_id("pop")
    await expect(pop.get_by_test_id("pop-name")).to_have_text(HOSTILE)
    await expect(pop.get_by_test_id("pop-tickets")).to_contain_text(str(number))
    await expect(pop).to_contain_text("1 açık kayıt")

    assert await page.evaluate("window.pwned") is None
    assert await page.locator("#console img, #console svg, #console script").count() == 0
    assert script_errors(console_errors) == []


async def test_the_page_forbids_inline_script(service: Services, page: Page) -> None:
    response = await page.goto(service.http_url)
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
