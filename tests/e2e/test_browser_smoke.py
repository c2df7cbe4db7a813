"""The browser stack end to end: Debian's Chromium, driven by Playwright, on an aiohttp page."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from playwright.async_api import Page, expect

from tests.e2e.conftest import NewPage

PAGE = """<!doctype html>
<html lang="tr">
<head>
  <meta charset="utf-8"><title>ALO 153</title>
  <link rel="icon" href="data:,">  <!-- else Chromium's /favicon.ico 404 is a console error -->
</head>
<body>
  <button id="run">Çalıştır</button>
  <p id="status"></p>
  <form id="note-form">
    <input id="note" name="note">
    <button type="submit">Kaydet</button>
  </form>
  <p id="note-text"></p>
  <div id="note-html"></div>
  <button id="crash">Hata</button>
  <script>
    document.getElementById("run").addEventListener("click", () => {
      document.getElementById("status").textContent = "İşlem tamamlandı";
    });
    document.getElementById("note-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const note = document.getElementById("note").value;
      document.getElementById("note-text").textContent = note;
      if (location.hash === "#unsafe") {
        document.getElementById("note-html").innerHTML = note;  // the XSS the product must avoid
      }
    });
    document.getElementById("crash").addEventListener("click", () => {
      throw new Error("beklenmeyen hata");
    });
  </script>
</body>
</html>
"""
# Runs if it ever becomes markup: an inline <script> (never run by innerHTML) and an onerror
# handler (run by innerHTML, so the unsafe control below proves the check can see it).
PAYLOAD = '<img src="/yok.png" onerror="window.pwned = true"><script>window.pwned = true</script>'


@pytest.fixture
async def site() -> AsyncIterator[str]:
    async def index(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html", charset="utf-8")

    app = web.Application()
    app.router.add_get("/", index)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}/"
    finally:
        await runner.cleanup()


async def test_click_writes_turkish_text(page: Page, site: str, console_errors: list[str]) -> None:
    await page.goto(site)
    await expect(page).to_have_title("ALO 153")
    await page.get_by_role("button", name="Çalıştır").click()
    await expect(page.locator("#status")).to_have_text("İşlem tamamlandı")
    assert await page.locator("#status").text_content() == "İşlem tamamlandı"
    assert console_errors == []


async def test_text_content_does_not_run_a_script_payload(
    page: Page, site: str, console_errors: list[str]
) -> None:
    await page.goto(site)
    await page.fill("#note", PAYLOAD)
    await page.get_by_role("button", name="Kaydet").click()
    await expect(page.locator("#note-text")).to_have_text(PAYLOAD)
    assert await page.locator("#note-text img, #note-text script").count() == 0
    await page.wait_for_timeout(200)  # room for an onerror to fire, if the markup were live
    assert await page.evaluate("window.pwned") is None
    assert console_errors == []


async def test_the_payload_check_sees_an_unsafe_page(page: Page, site: str) -> None:
    # Control: the same payload through innerHTML does run, so the check above is not vacuous.
    await page.goto(site + "#unsafe")
    await page.fill("#note", PAYLOAD)
    await page.get_by_role("button", name="Kaydet").click()
    await page.wait_for_function("window.pwned === true")


async def test_js_errors_are_captured(page: Page, site: str, console_errors: list[str]) -> None:
    await page.goto(site)
    await page.get_by_role("button", name="Hata").click()
    await page.wait_for_function("true")  # one more round trip: the error event has arrived
    assert len(console_errors) == 1
    assert "beklenmeyen hata" in console_errors[0]


async def test_each_page_has_its_own_cookies(new_page: NewPage, site: str) -> None:
    first = await new_page()
    await first.goto(site)
    await first.evaluate("document.cookie = 'oturum=1; path=/'")
    assert await first.evaluate("document.cookie") == "oturum=1"
    second = await new_page()
    await second.goto(site)
    assert await second.evaluate("document.cookie") == ""
