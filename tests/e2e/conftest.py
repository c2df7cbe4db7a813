"""End-to-end fixtures: Debian's headless Chromium, driven by Playwright.

- ``browser`` (session): one Chromium for the whole run, from ``/usr/bin/chromium`` (Debian's
  package, which ``./dev.sh test`` installs); Playwright never downloads a browser of its own.
- ``new_page`` (per test): ``await new_page(**context_options)`` opens a page in a new browser
  context, so cookies and storage never leak between tests (nor between two pages of a test,
  e.g. an operator's and a supervisor's console). Everything it opened is closed at the end of
  the test; if the test failed, every page is first screenshotted into the run's temporary
  directory (listed at the end of the pytest output).
- ``page`` (per test): the first such page, for the common case.
- ``console_errors`` (per test): ``console.error`` messages and uncaught exceptions of every page
  the test opened; ``assert console_errors == []`` says the page ran without JS errors. Chromium
  reports a failed load as a console error too, /favicon.ico included: a page without an icon
  can say ``<link rel="icon" href="data:,">``.

Every test under this directory is marked ``browser`` (``pytest -m browser`` / ``-m "not
browser"``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterable
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    async_playwright,
    expect,
)

from cti.bootstrap import Services, running_services
from cti.config import Settings
from cti.domain.roles import Role

CHROMIUM = "/usr/bin/chromium"
# Headless and quiet on a closed network: without the background-networking flags Chromium keeps
# trying (and failing) to reach Google's services. Playwright gives each launch a fresh temporary
# --user-data-dir of its own and removes it when the browser closes.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # the tests run as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Pages should answer in well under a second on loopback; a stuck wait fails fast, not at the
# suite's 300 s timeout.
DEFAULT_TIMEOUT_MS = 10_000
# The product's first language; a test may override these through new_page(locale=...).
CONTEXT_DEFAULTS: dict[str, Any] = {"locale": "tr-TR", "timezone_id": "Europe/Istanbul"}

NewPage = Callable[..., Awaitable[Page]]

HERE = Path(__file__).parent
_reports = pytest.StashKey[dict[str, pytest.TestReport]]()
_screenshots = pytest.StashKey[list[tuple[str, Path]]]()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Keep each phase's report on the item, so a fixture's teardown knows the test failed.
    report = yield
    item.stash.setdefault(_reports, {})[report.when] = report
    return report


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    shots = config.stash.get(_screenshots, [])
    if shots:
        terminalreporter.section("browser screenshots of failed tests")
        for nodeid, path in shots:
            terminalreporter.write_line(f"{nodeid}: {path}")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not os.access(CHROMIUM, os.X_OK):
        if os.geteuid() != 0:
            pytest.skip(f"no {CHROMIUM}: `sudo ./dev.sh test` installs Debian's chromium")
        pytest.fail(f"no {CHROMIUM} although running as root: install Debian's chromium")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@pytest.fixture
def console_errors() -> list[str]:
    return []


# (username, full name, roles, unit) of a person a test signs in as.
Person = tuple[str, str, frozenset[Role], str | None]


@contextlib.asynccontextmanager
async def cti_without_pbx(
    data_dir: Path, people: Iterable[Person], password: str, **settings: Any
) -> AsyncIterator[Services]:
    """`cti serve` on a free loopback port with no Asterisk (its AMI link keeps retrying), its
    data in `data_dir`, these people able to sign in with `password`; `settings` override."""
    configured = dataclasses.replace(
        Settings(), data_dir=data_dir, http_port=0, agi_port=0, ami_port=1,
        asterisk_log_dir=data_dir, **settings)
    async with running_services(configured) as services:
        for username, name, roles, unit in people:
            await services.stores.people.users.add(username, name, password, roles, unit=unit)
        yield services


async def sign_in(page: Page, url: str, username: str, password: str, shown: str) -> None:
    """Sign in on the page at `url` (any of ours) and wait for the element `shown`."""
    await page.goto(url)
    await page.fill("#login-username", username)
    await page.fill("#login-password", password)
    await page.press("#login-password", "Enter")
    await expect(page.locator(shown)).to_be_visible()


def script_errors(errors: list[str]) -> list[str]:
    """Chromium also logs answered requests with an error status (the sign-in check's 401
    before signing in) as console errors; those are the API working, not the page failing."""
    return [e for e in errors if "Failed to load resource" not in e]


@pytest.fixture
async def new_page(
    browser: Browser,
    console_errors: list[str],
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[NewPage]:
    contexts: list[BrowserContext] = []
    pages: list[Page] = []

    async def open_page(**context_options: Any) -> Page:
        context = await browser.new_context(**{**CONTEXT_DEFAULTS, **context_options})
        contexts.append(context)
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = await context.new_page()
        pages.append(page)
        page.on("console", lambda message: _console(page, message, console_errors))
        page.on(
            "pageerror",
            lambda error: console_errors.append(f"uncaught at {page.url}: {error}"),
        )
        return page

    try:
        yield open_page
    finally:
        reports = request.node.stash.get(_reports, {})
        if any(report.failed for report in reports.values()):
            await _screenshot(request, tmp_path_factory, pages)
        for context in contexts:
            with contextlib.suppress(Exception):  # a crashed context is closed already
                await context.close()


@pytest.fixture
async def page(new_page: NewPage) -> Page:
    return await new_page()


def _console(page: Page, message: ConsoleMessage, errors: list[str]) -> None:
    if message.type == "error":
        source = message.location.get("url") or page.url
        errors.append(f"console.error at {source}: {message.text}")


async def _screenshot(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pages: list[Page]
) -> None:
    folder = tmp_path_factory.getbasetemp() / "browser-screenshots"
    folder.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-150:]
    shots = request.config.stash.setdefault(_screenshots, [])
    for index, page in enumerate(pages):
        if page.is_closed():
            continue
        path = folder / f"{name}-{index}.png"
        try:
            await page.screenshot(path=path, full_page=True)
        except Exception as error:  # a crashed page must not hide the test's own failure
            shots.append((request.node.nodeid, Path(f"(no screenshot: {error})")))
            continue
        shots.append((request.node.nodeid, path))
