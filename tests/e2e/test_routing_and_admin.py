"""In a real browser: the operator sees the routing suggestion with its reason and overrides
it, and the trail keeps both; the admin edits a unit, is told why a unit the rules use cannot be
deactivated, imports a CSV with a bad line, and keeps the leave days.

No PBX here: the CTI runs without Asterisk (its AMI link keeps retrying), as `cti serve` builds
it, so the units table is seeded on start.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from cti.bootstrap import Services
from cti.domain.roles import Role
from tests.e2e.conftest import NewPage, cti_without_pbx, script_errors
from tests.e2e.conftest import sign_in as sign_in_at
from tests.e2e.test_unit_inbox import held

PASSWORD = "yonetim-parola-153"
HOSTILE = '<img src=x onerror="window.pwned=1">'


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[Services]:
    people = [("ayse", "Ayşe Yılmaz", frozenset({Role.OPERATOR}), None),
              ("yonetici", "Yönetici", frozenset({Role.ADMIN}), None)]
    async with cti_without_pbx(tmp_path, people, PASSWORD) as services:
        yield services


async def sign_in(page: Page, url: str, username: str, shown: str) -> None:
    await sign_in_at(page, url, username, PASSWORD, shown)


async def test_the_operator_overrides_the_suggestion_and_the_trail_keeps_both(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    page = await new_page()
    await sign_in(page, service.http_url, "ayse", "#console")
    await page.select_option("#t-category", "kaldirim-onarimi")
    await page.select_option("#t-district", "seyhan")
    form_hint = page.get_by_test_id("form-suggestion")
    await expect(form_hint).to_contain_text("Seyhan Belediyesi › Fen İşleri Müdürlüğü")
    await expect(form_hint).to_contain_text("ilçe belediyesinin Fen İşleri")
    await page.select_option("#t-location-kind", "main_avenue")
    await expect(form_hint).to_contain_text("Yol Yapım ve Bakım Şube Müdürlüğü")
    await page.fill("#t-description", "Kaldırım taşları kırık, yaşlılar düşüyor")
    await page.click("#t-create")

    hint = page.get_by_test_id("forward-suggestion")
    await expect(hint).to_contain_text("Büyükşehir")
    await expect(page.locator("#forward-location-kind")).to_have_value("main_avenue")
    await expect(page.locator("#forward-unit")).to_have_value("abb-yol-yapim")
    await expect(page.get_by_test_id("forward-override")).to_be_hidden()
    await page.select_option("#forward-unit", "seyhan-fen-isleri")
    await expect(page.get_by_test_id("forward-override")).to_be_visible()
    await page.click("#btn-forward")
    await expect(page.get_by_test_id("ticket-status")).to_have_attribute("data-status",
                                                                          "forwarded")

    number = await page.get_by_test_id("ticket-number").text_content()
    detail = await service.stores.tickets.detail(number or "")
    assert detail is not None and detail.ticket.unit == "seyhan-fen-isleri"
    changes = detail.events[-1].changes
    assert changes["suggested"] == [None, "abb-yol-yapim"]
    assert changes["overridden"] == [None, True]
    assert script_errors(console_errors) == []


async def test_the_admin_keeps_units_and_leave_days(
    service: Services, new_page: NewPage, console_errors: list[str], tmp_path: Path,
) -> None:
    page = await new_page()
    await sign_in(page, f"{service.http_url}/static/admin.html", "yonetici", "#admin")
    await page.fill("#unit-search", "seyhan zabıta")
    row = page.locator("#units tbody tr")
    await expect(row).to_have_count(1)
    await row.click()
    await page.fill("#u-manager", "mudur@seyhan.example.org")
    await page.click("#u-save")
    await expect(row).to_contain_text("mudur@seyhan.example.org")
    await row.click()
    await page.uncheck("#u-active")
    await page.click("#u-save")
    await expect(page.get_by_test_id("unit-error")).to_contain_text("routing rules")
    await page.click("#u-cancel")

    await page.click("#btn-new-unit")
    await page.fill("#u-code", "seyhan-kultur")
    await page.select_option("#u-parent", "ilce-seyhan")
    await page.fill("#u-name-tr", HOSTILE)
    await page.fill("#u-name-en", "Culture")
    await page.click("#u-save")
    await page.fill("#unit-search", "kultur")
    await expect(row).to_contain_text(HOSTILE)

    bad = tmp_path / "bozuk.csv"
    bad.write_text("code,parent,kind,name_tr,name_en,email\n"
                   "seyhan-spor,ilce-seyhan,directorate,Spor,Sports,\n"
                   "seyhan-genclik,ilce-seyhan,bolum,Gençlik,Youth,\n", encoding="utf-8")
    await page.set_input_files("#import-file", str(bad))
    await page.click("#import-submit")
    await expect(page.get_by_test_id("import-result")).to_contain_text("Satır 3 / line 3")
    assert await service.stores.units.get("seyhan-spor") is None

    await page.fill("#leave-day", "2026-05-18")
    await page.fill("#leave-reason", "Genelge 2026/3")
    await page.click("#leave-add")
    leave = page.get_by_test_id("leave-days")
    await expect(leave).to_contain_text("18 Mayıs 2026 Pazartesi")
    await leave.locator("button[data-day='2026-05-18']").click()
    await expect(leave).to_contain_text("İdari izin günü yok")

    assert await page.evaluate("window.pwned") is None
    assert script_errors(console_errors) == []


async def test_a_save_answering_late_leaves_the_unit_opened_since(
    service: Services, new_page: NewPage, console_errors: list[str],
) -> None:
    page = await new_page()
    await sign_in(page, f"{service.http_url}/static/admin.html", "yonetici", "#admin")
    row = page.locator("#units tbody tr")
    await page.fill("#unit-search", "seyhan zabıta")
    await expect(row).to_have_count(1)
    saved = await row.get_attribute("data-code")
    await row.click()
    await page.fill("#u-manager", "zabita@seyhan.example.org")
    slow = await held(page, f"**/api/units/{saved}")
    await page.click("#u-save")
    await page.fill("#unit-search", "seyhan fen işleri")
    await expect(row).to_have_count(1)
    opened = await row.get_attribute("data-code")
    await row.click()
    await page.fill("#u-manager", "fen@seyhan.example.org")

    slow.set()
    await expect(page.get_by_test_id("notice")).to_contain_text(f"({saved})")
    editor = page.get_by_test_id("unit-editor")
    await expect(editor).to_be_visible()
    await expect(page.locator("#edit-title")).to_contain_text(f"({opened})")
    await expect(page.locator("#u-manager")).to_have_value("fen@seyhan.example.org")
    await page.click("#u-save")
    await expect(editor).to_be_hidden()
    await expect(page.get_by_test_id("notice")).to_contain_text(f"({opened})")

    for code, manager in ((saved, "zabita@seyhan.example.org"), (opened, "fen@seyhan.example.org")):
        stored = await service.stores.units.get(code or "")
        assert stored is not None and stored.unit.manager_email == manager
    assert script_errors(console_errors) == []
