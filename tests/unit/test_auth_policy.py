"""The access policy against the fully assembled app: every route has a rule, and every role
is let through or refused (403) exactly as `cti.web.access.POLICY` says; nobody signed in
gets 401 anywhere but on the public routes.

The app is built with every part `create_app` takes: the people stores for real, the rest
stubs (AsyncMock), so a route another part registers is picked up the day it lands. A view
that fails on a stub answers 500 or 400: only the policy's own refusals count here.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock

import pytest
from aiohttp import ClientTimeout, web
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.roles import Role
from cti.storage.users import UserStore
from cti.storage.web_sessions import SessionStore
from cti.web.access import POLICY, PUBLIC, SIGNED_IN, rule_for
from cti.web.app import create_app
from cti.web.auth import COOKIE, CSRF_HEADER, UNSAFE_METHODS, People
from tests.unit.auth_support import (
    FAST,
    PASSWORD,
    SPEC,
    Client,
    Db,
    FakeCalls,
    FakeHealth,
    FakeQueues,
    client_for,
    fill,
    people_db,
    people_of,
)

# A stub's methods are all coroutine functions; a view calling one without await gets a 500.
pytestmark = pytest.mark.filterwarnings("ignore:coroutine .* was never awaited:RuntimeWarning")

# Served to browsers, not part of the API the OpenAPI document describes.
PAGES = {("GET", "/"), ("GET", "/static")}


def assembled(people: People) -> web.Application:
    """`create_app` with every part it takes: real people, fakes or stubs for the rest."""
    given: dict[str, Any] = {"calls": FakeCalls(), "queues": FakeQueues(), "health": FakeHealth()}
    kwargs = {
        name: given.get(name, AsyncMock(name=name))
        for name in inspect.signature(create_app).parameters
        if name not in ("auth", "people")
    }
    return create_app(**kwargs, people=people)


def routes_of(app: web.Application) -> set[tuple[str, str]]:
    return {
        (route.method, route.resource.canonical)
        for route in app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }


@pytest.fixture(scope="module")
async def setup(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[tuple[Db, Client]]:
    db = await people_db(tmp_path_factory.mktemp("policy"))
    for n, role in enumerate(Role):
        # Every operator-like user has a softphone: the console's views need one.
        await db.users.add(role.value.replace("_", "-"), role.name, PASSWORD, [role],
                           f"10{n:02d}")
    client = await client_for(assembled(people_of(db)))
    yield db, client
    await client.close()
    await db.engine.dispose()


async def call(
    setup: tuple[Db, Client], method: str, template: str, role: Role | None
) -> tuple[int, str]:
    """(status, error code) of one request to the route, signed in with `role` (or not)."""
    db, client = setup
    headers: dict[str, str] = {}
    cookies: dict[str, str] = {}
    if role is not None:
        user = await db.users.get_by_username(role.value.replace("_", "-"))
        assert user is not None
        token, csrf_token = await db.sessions.create(user.id)  # fresh: DELETE ends it
        cookies[COOKIE] = token
        if method in UNSAFE_METHODS:
            headers[CSRF_HEADER] = csrf_token
    response = await client.request(
        method, fill(template), headers=headers, cookies=cookies,
        json={} if method in UNSAFE_METHODS else None, timeout=ClientTimeout(total=10),
    )
    code = ""
    if response.content_type == "application/json":
        body = await response.json()
        code = body.get("error", {}).get("code", "") if isinstance(body, dict) else ""
    response.release()
    return response.status, code


def allowed(rule: object, role: Role) -> bool:
    return rule is SIGNED_IN or rule is PUBLIC or (isinstance(rule, frozenset) and role in rule)


def test_every_route_the_app_registers_has_a_rule(setup: tuple[Db, Client]) -> None:
    app = setup[1].app
    assert app is not None
    missing = sorted(routes_of(app) - set(POLICY))
    assert not missing, f"routes without an access rule (refused to everyone): {missing}"


def test_every_rule_names_a_route_the_app_registers(setup: tuple[Db, Client]) -> None:
    app = setup[1].app
    assert app is not None
    absent = sorted(set(POLICY) - routes_of(app))
    assert not absent, f"rules for routes nobody registers: {absent}"


def test_the_document_describes_exactly_the_assembled_apps_api(setup: tuple[Db, Client]) -> None:
    app = setup[1].app
    assert app is not None
    documented = {
        (method.upper(), path) for path, ops in SPEC["paths"].items() for method in ops
    }
    assert documented == routes_of(app) - PAGES


def test_signed_in_operations_document_the_policys_refusals() -> None:
    for path, operations in SPEC["paths"].items():
        for method, operation in operations.items():
            rule = rule_for(method.upper(), path)
            if rule is not PUBLIC:
                assert {"401", "403"} <= set(operation["responses"]), (method, path)
                assert operation.get("security") != [], (method, path)
            else:
                assert operation.get("security") == [], (method, path)


def policy_routes() -> list[tuple[str, str]]:
    """The routes the assembled app registers that have a rule, known at collection time."""
    unbound = async_sessionmaker[AsyncSession]()
    people = People(
        users=UserStore(unbound, passwords=FAST), sessions=SessionStore(unbound)
    )
    return sorted(routes_of(assembled(people)) & set(POLICY))


@pytest.mark.parametrize(("method", "template"), policy_routes())
async def test_nobody_signed_in_reaches_only_the_public_routes(
    setup: tuple[Db, Client], method: str, template: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL)  # views failing on stubs log their 500s
    status, code = await call(setup, method, template, None)
    if POLICY[(method, template)] is PUBLIC:
        assert status != 401 and code != "role_required", (status, code)
    else:
        assert (status, code) == (401, "unauthorized")


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
@pytest.mark.parametrize(("method", "template"), policy_routes())
async def test_each_role_is_let_through_or_refused_as_the_policy_says(
    setup: tuple[Db, Client], method: str, template: str, role: Role,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.CRITICAL)
    status, code = await call(setup, method, template, role)
    if allowed(POLICY[(method, template)], role):
        assert status != 401 and code != "role_required", (status, code)
    else:
        assert (status, code) == (403, "role_required")


async def test_a_route_without_a_rule_is_refused_to_everyone(tmp_path: Path) -> None:
    db = await people_db(tmp_path)
    await db.users.add("admin", "Yönetici", PASSWORD, list(Role))

    async def secret(request: web.Request) -> web.Response:
        return web.json_response({"secret": True})

    app = assembled(people_of(db))
    app.router.add_get("/api/forgotten", secret)
    client = await client_for(app)
    try:
        assert (await client.get("/api/forgotten")).status == 401
        user = await db.users.get_by_username("admin")
        assert user is not None
        token, _ = await db.sessions.create(user.id)
        response = await client.get("/api/forgotten", cookies={COOKIE: token})
        assert response.status == 403
        assert (await response.json())["error"]["code"] == "role_required"
    finally:
        await client.close()
        await db.engine.dispose()
