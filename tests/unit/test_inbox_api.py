"""The unit inbox over a real ticket store on a SQLite file: a unit's staff see and answer their
unit's forwarded tickets, 153 answers their questions and routes again what they return.

Every JSON answer goes through `answer()`, which holds it to the OpenAPI document. Who is signed
in comes from a test header (`as_user`); the role matrix itself is tests/unit/test_auth_policy.py.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from cti.domain.tickets.fields import MAX_NOTE, MAX_RESOLUTION
from cti.storage.access_audit import AccessAudit
from cti.storage.call_log import CallLog
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.tickets import TicketStore
from cti.web.app import create_app
from cti.web.server import RUNNER_OPTIONS
from tests.unit.auth_support import FakeClock
from tests.unit.test_ticket_api import PNG, as_user, principal_from_header, upload
from tests.unit.test_web_api import Client, FakeHealth, FakeQueues, answer

LIGHTS, ROADS = "abb-aydinlatma", "abb-yol-yapim"
STAFF = as_user("birim1", "unit_staff", LIGHTS)
OTHER_STAFF = as_user("birim2", "unit_staff", ROADS)
OPERATOR = as_user("op1", "operator")
SUPERVISOR = as_user("sup1", "supervisor")
DAY = 86_400.0
# A unit's steps: path, body field, and the status each one leaves the ticket in.
STEPS = {"acknowledge": None, "request-info": "question", "answer": "text",
         "resolve": "resolution", "return": "reason", "answer-info": "answer"}


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(time.time())


@pytest.fixture
async def client(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Client]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cti.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    tickets = TicketStore(sessions, attachments_dir=tmp_path / "files", clock=clock)
    app = create_app(calls=CallLog(sessions), queues=FakeQueues(), health=FakeHealth(),
                     auth=principal_from_header, tickets=tickets,
                     access_audit=AccessAudit(sessions))
    server = TestServer(app)
    await server.start_server(**RUNNER_OPTIONS)
    client = TestClient(server)
    await client.start_server()
    yield client
    await client.close()
    await engine.dispose()


async def forwarded(client: Client, unit: str = LIGHTS, **fields: Any) -> str:
    """A new ticket, forwarded by an operator to `unit`; its number."""
    body = {"description": "Sokak lambası yanmıyor", "citizen_phone": "05321112233",
            "category": "sokak-lambasi", "district": "seyhan", **fields}
    created = await answer(client, "/api/tickets", 201, method="post", json=body,
                           headers=OPERATOR)
    number: str = created["number"]
    await answer(client, f"/api/tickets/{number}/forward", 200, method="post",
                 json={"unit": unit, "note": "Direk 14"}, headers=OPERATOR)
    return number


async def step(client: Client, number: str, name: str, text: str | None = None,
               headers: dict[str, str] = STAFF, status: int = 200) -> Any:
    field = STEPS[name]
    body = {} if field is None else {field: text or f"{name} metni"}
    return await answer(client, f"/api/tickets/{number}/{name}", status, method="post",
                        json=body, headers=headers)


async def inbox(client: Client, query: str = "", headers: dict[str, str] = STAFF) -> list[str]:
    page = await answer(client, f"/api/inbox{query}", 200, headers=headers)
    return [t["number"] for t in page["tickets"]]


async def test_unit_staff_see_only_their_units_waiting_tickets(client: Client) -> None:
    ours = await forwarded(client)
    theirs = await forwarded(client, ROADS)
    await answer(client, "/api/tickets", 201, method="post", headers=OPERATOR,
                 json={"description": "Henüz yönlendirilmedi"})
    done = await forwarded(client)
    await step(client, done, "resolve", "Lamba değişti")

    assert await inbox(client) == [ours]
    assert await inbox(client, f"?unit={ROADS}") == []  # staff cannot look elsewhere
    assert await inbox(client, headers=OTHER_STAFF) == [theirs]
    assert await inbox(client, headers=as_user("birim3", "unit_staff")) == []  # no unit, nothing
    # A supervisor chasing the units sees every unit's waiting work, or one unit's.
    assert await inbox(client, headers=SUPERVISOR) == [theirs, ours]
    assert await inbox(client, f"?unit={ROADS}", headers=SUPERVISOR) == [theirs]


async def test_each_step_moves_the_status_and_leaves_a_trail_entry(client: Client) -> None:
    number = await forwarded(client)
    walk = [
        ("acknowledge", None, STAFF, "in_progress"),
        ("request-info", "Direk numarası hangisi?", STAFF, "info_requested"),
        ("answer-info", "Okulun önündeki 14 numaralı direk", OPERATOR, "in_progress"),
        ("answer", "Ekip yarın sabah gidecek", STAFF, "in_progress"),
        ("resolve", "Ampul ve sigorta değiştirildi", STAFF, "resolved"),
    ]
    before = len((await answer(client, f"/api/tickets/{number}", 200))["events"])
    for name, text, headers, status in walk:
        ticket = await step(client, number, name, text, headers)
        assert ticket["status"] == status, name
        assert len(ticket["events"]) == before + 1, name
        before += 1
        last = ticket["events"][-1]
        assert last["actor"] == headers["X-Test-User"].split(":")[0], name
        if text is not None:
            assert text in _texts(last["changes"]), name
    assert ticket["resolution"] == "Ampul ve sigorta değiştirildi"
    assert ticket["acknowledged_at"] is not None and ticket["overdue"] is False
    assert await inbox(client) == []  # resolved: no longer waiting for the unit


async def test_a_returned_ticket_leaves_the_inbox_and_waits_at_153_with_the_reason(
    client: Client,
) -> None:
    number = await forwarded(client)
    reason = "Bu cadde ilçe belediyesinin sorumluluğunda"
    returned = await step(client, number, "return", reason)
    assert (returned["status"], returned["unit"]) == ("returned", None)
    assert returned["citizen_status"]["tr"] != "Kapatıldı"  # never "closed" for "not ours"

    assert await inbox(client) == []
    gone = await answer(client, f"/api/tickets/{number}", 404, headers=STAFF)
    assert gone["error"]["code"] == "ticket_not_found"
    at_153 = await answer(client, "/api/tickets?status=returned", 200, headers=OPERATOR)
    assert [t["number"] for t in at_153["tickets"]] == [number]
    detail = await answer(client, f"/api/tickets/{number}", 200, headers=OPERATOR)
    assert reason in _texts(detail["events"][-1]["changes"])
    assert detail["events"][-1]["actor"] == "birim1"

    # 153 routes it again: it waits in the right unit's inbox.
    await answer(client, f"/api/tickets/{number}/forward", 200, method="post",
                 json={"unit": ROADS}, headers=OPERATOR)
    assert await inbox(client, headers=OTHER_STAFF) == [number]


async def test_answer_info_by_153_puts_the_ticket_back_to_the_unit(client: Client) -> None:
    number = await forwarded(client)
    await step(client, number, "request-info", "Hangi sokak?")
    assert await inbox(client, "?status=info_requested") == [number]
    at_153 = await answer(client, "/api/tickets?status=info_requested", 200, headers=OPERATOR)
    assert [t["number"] for t in at_153["tickets"]] == [number]
    ticket = await step(client, number, "answer-info", "Gazi Caddesi", OPERATOR)
    assert (ticket["status"], ticket["unit"]) == ("in_progress", LIGHTS)
    assert await inbox(client, "?status=in_progress") == [number]
    # Nothing is asked now: a second answer does not fit the lifecycle.
    refused = await step(client, number, "answer-info", "Yine", OPERATOR, status=409)
    assert refused["error"]["code"] == "invalid_transition"


async def test_another_units_ticket_is_not_found(client: Client) -> None:
    number = await forwarded(client)
    for name in STEPS:
        if name == "answer-info":
            continue  # the call centre's step; unit staff have no rule for it
        refused = await step(client, number, name, headers=OTHER_STAFF, status=404)
        assert refused["error"]["code"] == "ticket_not_found", name
        await step(client, "153-2026-999999", name, headers=SUPERVISOR, status=404)
        await step(client, "153-x", name, status=400)
    assert (await answer(client, f"/api/tickets/{number}", 200))["status"] == "forwarded"


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [
        ("request-info", {}, "invalid_parameter"),
        ("request-info", {"question": None}, "invalid_parameter"),
        ("request-info", {"question": 42}, "invalid_parameter"),
        ("request-info", {"question": "   "}, "invalid_field"),
        ("request-info", {"question": "x" * (MAX_NOTE + 1)}, "invalid_field"),
        ("request-info", {"question": "a\x00b"}, "invalid_field"),
        ("request-info", {"question": "?", "unit": "x"}, "unknown_parameter"),
        ("answer", {"text": ["a"]}, "invalid_parameter"),
        ("answer", {"text": "x" * (MAX_NOTE + 1)}, "invalid_field"),
        ("resolve", {"resolution": ""}, "invalid_field"),
        ("resolve", {"resolution": "x" * (MAX_RESOLUTION + 1)}, "invalid_field"),
        ("resolve", {"note": "bitti"}, "unknown_parameter"),
        ("return", {}, "invalid_parameter"),
        ("return", {"reason": " \n "}, "invalid_field"),
        ("answer-info", {"answer": ""}, "invalid_field"),
        ("acknowledge", {"note": "gördük"}, "unknown_parameter"),
        ("acknowledge", [], "invalid_body"),
    ],
)
async def test_bad_bodies_are_refused_and_change_nothing(
    client: Client, name: str, body: object, code: str
) -> None:
    number = await forwarded(client)
    if name == "answer-info":
        await step(client, number, "request-info")
    before = await answer(client, f"/api/tickets/{number}", 200)
    headers = OPERATOR if name == "answer-info" else STAFF
    refused = await answer(client, f"/api/tickets/{number}/{name}", 400, method="post",
                           json=body, headers=headers)
    assert refused["error"]["code"] == code
    assert "x" * 50 not in refused["error"]["message"]  # never echoes the text sent
    assert await answer(client, f"/api/tickets/{number}", 200) == before


async def test_a_body_that_is_no_json_is_refused(client: Client) -> None:
    number = await forwarded(client)
    for name in ("acknowledge", "resolve"):
        refused = await answer(client, f"/api/tickets/{number}/{name}", 400, method="post",
                               data=b"{not json", headers={**STAFF,
                                                            "Content-Type": "application/json"})
        assert refused["error"]["code"] == "invalid_body"


async def test_steps_out_of_order_are_conflicts(client: Client) -> None:
    number = await forwarded(client)
    await step(client, number, "acknowledge")
    assert (await step(client, number, "acknowledge", status=409))["error"]["code"] == (
        "invalid_transition")
    await step(client, number, "resolve")
    for name in ("resolve", "return", "request-info", "answer"):
        await step(client, number, name, status=409)


async def test_a_resolution_keeps_the_photos_the_unit_uploaded_first(client: Client) -> None:
    number = await forwarded(client)
    photo = await answer(client, f"/api/tickets/{number}/attachments", 201, method="post",
                         data=upload(PNG, "önce-sonra.png"), headers=STAFF)
    ticket = await step(client, number, "resolve", "Direk yenilendi")
    assert [(a["id"], a["uploaded_by"], a["filename"]) for a in ticket["attachments"]] == [
        (photo["id"], "birim1", "önce-sonra.png")]
    assert [e["action"] for e in ticket["events"]][-2:] == ["attachment_added", "status"]


async def test_the_inbox_filters_by_status_and_deadline(client: Client, clock: FakeClock) -> None:
    clock.advance(-30 * DAY)  # forwarded a month ago: both deadlines long past
    late = await forwarded(client)
    clock.advance(30 * DAY)
    fresh = await forwarded(client)
    seen = await forwarded(client)
    await step(client, seen, "acknowledge")

    assert await inbox(client) == [seen, fresh, late]
    assert await inbox(client, "?overdue=true") == [late]
    assert await inbox(client, "?overdue=false") == [seen, fresh]
    assert await inbox(client, "?status=in_progress") == [seen]
    assert await inbox(client, "?status=forwarded&overdue=true") == [late]
    page = await answer(client, "/api/inbox?overdue=true", 200, headers=STAFF)
    assert page["tickets"][0]["overdue"] is True

    first = await answer(client, "/api/inbox?limit=2", 200, headers=STAFF)
    rest = await answer(client, f"/api/inbox?limit=2&cursor={first['next_cursor']}", 200,
                        headers=STAFF)
    assert [t["number"] for t in first["tickets"] + rest["tickets"]] == [seen, fresh, late]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    "query",
    ["status=closed", "status=returned", "status=nope", "overdue=yes", "overdue=1",
     "unit=Fen İşleri", "limit=0", "limit=501", "cursor=!!", "page=2", "status=forwarded&"
     "status=in_progress", "overdue=true&overdue=false"],
)
async def test_bad_inbox_parameters_are_refused(client: Client, query: str) -> None:
    refused = await answer(client, f"/api/inbox?{query}", 400, headers=SUPERVISOR)
    assert refused["error"]["code"] in ("invalid_parameter", "unknown_parameter")


def _texts(changes: dict[str, list[Any]]) -> set[str]:
    """Every text a trail entry recorded, whatever the field's name."""
    return {new for _old, new in changes.values() if isinstance(new, str)}
