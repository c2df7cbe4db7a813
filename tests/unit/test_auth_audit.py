"""`GET /api/audit`: the read audit for admins, over a real SQLite file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from unittest.mock import AsyncMock

import pytest

from cti.storage.access_audit import AccessAudit
from cti.web.app import create_app
from tests.unit.auth_support import (
    PASSWORD,
    T0,
    Client,
    Db,
    FakeCalls,
    FakeHealth,
    FakeQueues,
    check_documented,
    client_for,
    people_db,
    people_of,
    sign_in,
)


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[Client]:
    db: Db = await people_db(tmp_path)
    await db.users.add("admin", "Yönetici", PASSWORD, ["admin"])
    await db.users.add("selin", "Selin Kaya", PASSWORD, ["supervisor"])
    audit = AccessAudit(db.factory, clock=db.clock)
    for n, (actor, action, subject) in enumerate([
        ("ayse", "read_ticket", "153-2026-000001"),
        ("mehmet", "search_tickets", "phone=05321112233"),
        ("ayse", "pop", "alo153-1760000000.1"),
    ]):
        db.clock.now = T0 + n * 60
        await audit.record(actor, action, subject)
    app = create_app(calls=FakeCalls(), queues=FakeQueues(), health=FakeHealth(),
                     people=people_of(db), tickets=AsyncMock(), access_audit=audit)
    client = await client_for(app)
    yield client
    await client.close()
    await db.engine.dispose()


async def audit(client: Client, query: str, status: int = 200) -> Any:
    response = await client.get(f"/api/audit{query}")
    body = await response.json()
    assert response.status == status, body
    check_documented("get", "/api/audit", status, body)
    return body


async def test_an_admin_reads_who_read_what_newest_first(client: Client) -> None:
    await sign_in(client, "admin")
    body = await audit(client, "")
    assert [(e["actor"], e["action"]) for e in body["entries"]] == [
        ("ayse", "pop"), ("mehmet", "search_tickets"), ("ayse", "read_ticket")
    ]
    assert body["entries"][2]["at_iso"] == "2025-10-09T08:53:20.000000Z"
    assert "1112233" not in str(body)  # the audit keeps no phone number


@pytest.mark.parametrize(
    ("query", "actions"),
    [
        ("?actor=ayse", ["pop", "read_ticket"]),
        ("?since=1760000060", ["pop", "search_tickets"]),
        ("?until=2025-10-09T08:54:20Z", ["read_ticket"]),
        ("?limit=1", ["pop"]),
        ("?actor=nobody", []),
    ],
)
async def test_the_audit_is_filtered(client: Client, query: str, actions: list[str]) -> None:
    await sign_in(client, "admin")
    assert [e["action"] for e in (await audit(client, query))["entries"]] == actions


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("?limit=0", "invalid_parameter"),
        ("?limit=1001", "invalid_parameter"),
        ("?since=yesterday", "invalid_parameter"),
        ("?actor=a%20b", "invalid_parameter"),
        ("?actor=a&actor=b", "invalid_parameter"),
        ("?phone=05321112233", "unknown_parameter"),
    ],
)
async def test_a_bad_filter_is_400(client: Client, query: str, code: str) -> None:
    await sign_in(client, "admin")
    assert (await audit(client, query, 400))["error"]["code"] == code


async def test_only_admins_read_the_audit(client: Client) -> None:
    await audit(client, "", 401)
    await sign_in(client, "selin")
    assert (await audit(client, "", 403))["error"]["code"] == "role_required"
