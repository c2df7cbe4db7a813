"""The tickets API over a real ticket store on a SQLite file.

Every JSON answer goes through `answer()` (tests/unit/test_web_api.py), which holds it to the
OpenAPI document: the status must be documented for the operation and the body must match.
"""

from __future__ import annotations

import logging
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from aiohttp import FormData, web
from aiohttp.test_utils import TestClient, TestServer
from aiohttp.typedefs import Handler

from cti.domain.roles import Principal, Role
from cti.domain.tickets.reference import reference
from cti.storage.access_audit import AccessAudit
from cti.storage.call_log import CallLog
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.tickets import TicketStore
from cti.web import openapi_tickets
from cti.web.app import create_app
from cti.web.identity import PRINCIPAL
from cti.web.server import RUNNER_OPTIONS
from cti.web.ticket_params import QUERY_PARAMETERS
from tests.unit.test_web_api import (
    JSON_UTF8,
    SPEC,
    Client,
    FakeHealth,
    FakeQueues,
    answer,
    app_of,
)

PHONE = "05321112233"
OTHER_PHONE = "05329998877"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
XSS = '"><script>alert(document.cookie)</script><img src=x onerror=alert(1)>'
TICKET_PATHS = set(openapi_tickets.PATHS)  # this test's app serves these, not the inbox's
# A test's stand-in for the sign-in: `X-Test-User: name:role,role:unit`.
USER_HEADER = "X-Test-User"


@web.middleware
async def principal_from_header(request: web.Request, handler: Handler) -> web.StreamResponse:
    header = request.headers.get(USER_HEADER)
    if header:
        name, roles, unit = header.split(":")
        request[PRINCIPAL] = Principal(
            user_id=1, username=name, full_name=name,
            roles=frozenset(Role(r) for r in roles.split(",")), unit=unit or None,
        )
    return await handler(request)


def as_user(name: str, roles: str, unit: str = "") -> dict[str, str]:
    return {USER_HEADER: f"{name}:{roles}:{unit}"}


@pytest.fixture
async def stores(tmp_path: Path) -> AsyncIterator[tuple[TicketStore, AccessAudit, CallLog]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cti.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    yield (TicketStore(sessions, attachments_dir=tmp_path / "files"), AccessAudit(sessions),
           CallLog(sessions))
    await engine.dispose()


@pytest.fixture
async def client(stores: tuple[TicketStore, AccessAudit, CallLog]) -> AsyncIterator[Client]:
    tickets, audit, calls = stores
    app = create_app(calls=calls, queues=FakeQueues(), health=FakeHealth(),
                     auth=principal_from_header, tickets=tickets, access_audit=audit)
    server = TestServer(app)
    await server.start_server(**RUNNER_OPTIONS)
    client = TestClient(server)
    await client.start_server()
    yield client
    await client.close()


@pytest.fixture
def audit(stores: tuple[TicketStore, AccessAudit, CallLog]) -> AccessAudit:
    return stores[1]


async def new_ticket(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"description": "Sokak lambası yanmıyor", "citizen_phone": PHONE,
            "category": "sokak-lambasi", **fields}
    created: dict[str, Any] = await answer(client, "/api/tickets", 201, method="post", json=body)
    return created


async def test_a_new_ticket_comes_back_whole_with_its_trail(client: Client) -> None:
    body = {
        "description": XSS, "citizen_phone": "+90 (532) 111-22-33", "citizen_name": XSS,
        "citizen_tc": "10000000146", "category": "su-arizasi", "channel": "whatsapp",
        "district": "seyhan", "neighbourhood": "Reşatbey", "address": XSS,
        "latitude": 36.9914, "longitude": 35.3308, "call_id": "alo153-1767225600.4",
    }
    response = await client.post("/api/tickets", json=body)
    assert response.status == 201 and response.headers["Content-Type"] == JSON_UTF8
    ticket = await response.json()
    assert re.fullmatch(r"153-20\d\d-000001", ticket["number"])
    assert response.headers["Location"] == f"/api/tickets/{ticket['number']}"
    assert (ticket["status"], ticket["open"], ticket["priority"]) == ("new", True, "high")
    assert ticket["citizen_phone"] == PHONE
    # Script payloads are kept and returned verbatim, as JSON strings: escaping is the page's.
    assert (ticket["description"], ticket["citizen_name"], ticket["address"]) == (XSS, XSS, XSS)
    assert "<script>" in await response.text()
    assert [e["action"] for e in ticket["events"]] == ["created", "linked_call"]
    assert ticket["events"][0]["actor"] == "system"
    assert [c["call_id"] for c in ticket["calls"]] == ["alo153-1767225600.4"]
    again = await answer(client, f"/api/tickets/{ticket['number']}", 200)
    assert again == ticket


@pytest.mark.parametrize(
    ("body", "code", "named"),
    [
        ({}, "invalid_field", "description"),
        ({"description": "   "}, "invalid_field", "description"),
        ({"description": "x" * 5001}, "invalid_field", "description"),
        ({"description": "x", "category": "yok-boyle"}, "invalid_field", "category"),
        ({"description": "x", "citizen_tc": "12345678901"}, "invalid_field", "citizen_tc"),
        ({"description": "x", "citizen_phone": "ahmet"}, "invalid_field", "citizen_phone"),
        ({"description": "x", "district": "seyhan", "neighbourhood": "Kadıköy"},
         "invalid_field", "neighbourhood"),
        ({"description": "x", "neighbourhood": "Reşatbey"}, "invalid_field", "neighbourhood"),
        ({"description": "x", "latitude": 91, "longitude": 35}, "invalid_field", "latitude"),
        ({"description": "x", "latitude": 37.0}, "invalid_field", "longitude"),
        ({"description": "x", "latitude": "37"}, "invalid_parameter", "latitude"),
        ({"description": "x", "latitude": True, "longitude": 1}, "invalid_parameter", "latitude"),
        ({"description": "x", "channel": "fax"}, "invalid_parameter", "channel"),
        ({"description": 5}, "invalid_parameter", "description"),
        ({"description": "x", "status": "closed"}, "unknown_parameter", "status"),
        ({"description": "x", "call_id": "a b"}, "invalid_field", "call_id"),
        ({"description": "x\u0000y"}, "invalid_field", "description"),
    ],
)
async def test_a_bad_new_ticket_is_refused_naming_the_field(
    client: Client, body: dict[str, Any], code: str, named: str
) -> None:
    refused = await answer(client, "/api/tickets", 400, method="post", json=body)
    assert refused["error"]["code"] == code
    assert named in refused["error"]["message"]
    assert "12345678901" not in refused["error"]["message"]


async def test_a_body_that_is_not_a_json_object_is_refused(client: Client) -> None:
    for data in ("not json", "[1, 2]", ""):
        refused = await answer(client, "/api/tickets", 400, method="post", data=data)
        assert refused["error"]["code"] == "invalid_body"


async def test_reading_a_ticket_is_audited(client: Client, audit: AccessAudit) -> None:
    number = (await new_ticket(client))["number"]
    await answer(client, f"/api/tickets/{number}", 200, headers=as_user("op7", "operator"))
    [entry] = await audit.entries()
    assert (entry.actor, entry.action, entry.subject) == ("op7", "read_ticket", number)


async def test_unknown_and_malformed_numbers(client: Client, audit: AccessAudit) -> None:
    body = await answer(client, "/api/tickets/153-2026-000999", 404)
    assert body["error"]["code"] == "ticket_not_found"
    for bad in ("153-26-1", "153-2026-0000001", "%3Cscript%3E", "x" * 40):
        body = await answer(client, f"/api/tickets/{bad}", 400)
        assert body["error"]["code"] == "invalid_ticket_number"
    assert await audit.entries() == []  # nothing was read


async def test_search_filters_and_pages(client: Client) -> None:
    a = await new_ticket(client, district="seyhan")
    b = await new_ticket(client, citizen_phone=OTHER_PHONE, category="cop-toplama",
                         district="yuregir")
    c = await new_ticket(client)
    await answer(client, f"/api/tickets/{b['number']}/forward", 200, method="post",
                 json={"unit": "yuregir-temizlik"})
    cases = {
        "": [c, b, a],
        "phone=0532%20111%2022%2033": [c, a],
        "phone=%2B905329998877": [b],
        f"number={a['number']}": [a],
        "status=forwarded": [b],
        "category=sokak-lambasi": [c, a],
        "district=yuregir": [b],
        "unit=yuregir-temizlik": [b],
        f"since={b['created_at']}": [c, b],
        f"until={b['created_at']}": [a],
        "status=closed": [],
    }
    for query, expected in cases.items():
        page = await answer(client, f"/api/tickets?{query}", 200)
        assert [t["number"] for t in page["tickets"]] == [t["number"] for t in expected], query
    first = await answer(client, "/api/tickets?limit=2", 200)
    rest = await answer(client, f"/api/tickets?limit=2&cursor={first['next_cursor']}", 200)
    assert [t["number"] for t in first["tickets"] + rest["tickets"]] == [
        c["number"], b["number"], a["number"]]
    assert rest["next_cursor"] is None


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("phone", "ahmet"), ("phone", ""), ("number", "153-1"), ("status", "open"),
        ("category", "yok"), ("district", "kadikoy"), ("unit", "Not A Unit"),
        ("since", "dün"), ("until", "2026-01-01T00:00:00"), ("limit", "0"), ("limit", "501"),
        ("cursor", "bm90LWEtY3Vyc29y"), ("cursor", "!"),
    ],
)
async def test_a_bad_search_parameter_is_refused(client: Client, name: str, value: str) -> None:
    body = await answer(client, "/api/tickets", 400, params={name: value})
    assert body["error"] == {"code": "invalid_parameter",
                             "message": f"Geçersiz parametre / invalid parameter: {name}"}


async def test_unknown_and_repeated_search_parameters_are_refused(client: Client) -> None:
    body = await answer(client, "/api/tickets?telefon=05321112233", 400)
    assert body["error"]["code"] == "unknown_parameter"
    body = await answer(client, "/api/tickets?status=new&status=closed", 400)
    assert body["error"]["code"] == "invalid_parameter"


async def test_a_search_by_phone_is_audited_masked_and_kept_out_of_logs(
    client: Client, audit: AccessAudit, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    await new_ticket(client)
    await answer(client, "/api/tickets", 200, params={"phone": "+90 532 111 22 33"},
                 headers=as_user("sup1", "supervisor"))
    await answer(client, "/api/tickets", 200, params={"status": "new"})
    [entry] = await audit.entries()
    assert (entry.actor, entry.action, entry.subject) == (
        "sup1", "search_tickets", "phone=*********33")
    assert "1112233" not in caplog.text and "111 22 33" not in caplog.text


async def test_a_patch_changes_fields_and_records_the_diff(client: Client) -> None:
    number = (await new_ticket(client, district="seyhan", neighbourhood="Reşatbey"))["number"]
    changed = await answer(
        client, f"/api/tickets/{number}", 200, method="patch",
        json={"citizen_name": "Ayşe Yılmaz", "priority": "urgent", "address": None,
              "neighbourhood": "Kurtuluş"},
        headers=as_user("op2", "operator"),
    )
    assert (changed["citizen_name"], changed["priority"]) == ("Ayşe Yılmaz", "urgent")
    last = changed["events"][-1]
    assert (last["actor"], last["action"]) == ("op2", "updated")
    assert last["changes"] == {"priority": ["normal", "urgent"],
                               "citizen_name": [None, "Ayşe Yılmaz"],
                               "neighbourhood": ["Reşatbey", "Kurtuluş"]}


async def test_a_status_change_goes_through_the_lifecycle(client: Client) -> None:
    number = (await new_ticket(client))["number"]
    refused = await answer(client, f"/api/tickets/{number}", 409, method="patch",
                           json={"status": "closed"})
    assert refused["error"]["code"] == "invalid_transition"
    assert "new → closed" in refused["error"]["message"]
    refused = await answer(client, f"/api/tickets/{number}", 400, method="patch",
                           json={"status": "first_contact_solved"})  # without a resolution
    assert "resolution" in refused["error"]["message"]
    solved = await answer(client, f"/api/tickets/{number}", 200, method="patch",
                          json={"status": "first_contact_solved", "resolution": "Bilgi verildi",
                                "note": "telefonda"})
    assert solved["status"] == "first_contact_solved" and solved["open"] is False
    assert solved["events"][-1]["changes"]["note"] == [None, "telefonda"]


@pytest.mark.parametrize(
    "body",
    [{"description": None}, {"status": None}, {"status": "done"}, {"priority": 3},
     {"number": "153-2026-000002"}, {"status": "forwarded"},
     {"status": "resolved", "resolution": "yapıldı"}, {"status": "returned"},
     {"no_callback": "yes"}],
)
async def test_a_bad_patch_is_refused(client: Client, body: dict[str, Any]) -> None:
    number = (await new_ticket(client))["number"]
    refused = await answer(client, f"/api/tickets/{number}", 400, method="patch", json=body)
    assert refused["error"]["code"] in ("invalid_parameter", "unknown_parameter")


async def test_solving_at_first_contact_closes_the_ticket(client: Client) -> None:
    number = (await new_ticket(client))["number"]
    await answer(client, f"/api/tickets/{number}/solve", 400, method="post", json={})
    await answer(client, f"/api/tickets/{number}/solve", 400, method="post",
                 json={"resolution": " "})
    closed = await answer(client, f"/api/tickets/{number}/solve", 200, method="post",
                          json={"resolution": "Arıza kaydı ASKİ'ye iletildi"})
    assert (closed["status"], closed["open"]) == ("closed", False)
    assert closed["closed_at"] is not None and closed["closed_at_iso"].endswith("Z")
    assert [e["changes"]["status"] for e in closed["events"][-2:]] == [
        ["new", "first_contact_solved"], ["first_contact_solved", "closed"]]
    again = await answer(client, f"/api/tickets/{number}/solve", 409, method="post",
                         json={"resolution": "tekrar"})
    assert again["error"]["code"] == "invalid_transition"
    await answer(client, "/api/tickets/153-2026-000999/solve", 404, method="post",
                 json={"resolution": "x"})


async def test_forwarding_sends_the_ticket_to_a_unit(client: Client) -> None:
    number = (await new_ticket(client))["number"]
    await answer(client, f"/api/tickets/{number}/forward", 400, method="post",
                 json={"unit": "Fen İşleri"})
    await answer(client, f"/api/tickets/{number}/forward", 400, method="post", json={})
    forwarded = await answer(client, f"/api/tickets/{number}/forward", 200, method="post",
                             json={"unit": "aydinlatma", "note": "Direk 14"})
    assert (forwarded["status"], forwarded["unit"]) == ("forwarded", "aydinlatma")
    await answer(client, f"/api/tickets/{number}/forward", 409, method="post",
                 json={"unit": "aydinlatma"})


async def test_linking_a_call_is_idempotent(client: Client) -> None:
    number = (await new_ticket(client))["number"]
    url = f"/api/tickets/{number}/calls"
    first = await answer(client, url, 201, method="post", json={"call_id": "alo153-1.1"})
    again = await answer(client, url, 200, method="post", json={"call_id": "alo153-1.1"})
    assert first == again and [c["call_id"] for c in again["calls"]] == ["alo153-1.1"]
    await answer(client, url, 400, method="post", json={"call_id": "1; DROP TABLE"})
    await answer(client, url, 400, method="post", json={"call_id": 7})


def upload(data: bytes, filename: str = "çukur fotoğrafı.png", field: str = "file",
           *, quoted: bool = True) -> FormData:
    # aiohttp's client percent-encodes the file name; browsers send it as UTF-8.
    form = FormData(quote_fields=quoted)
    form.add_field(field, data, filename=filename, content_type="image/png")
    return form


async def test_an_image_is_attached_and_downloaded_as_a_file(
    client: Client, audit: AccessAudit
) -> None:
    number = (await new_ticket(client))["number"]
    added = await answer(client, f"/api/tickets/{number}/attachments", 201, method="post",
                         data=upload(PNG))
    assert (added["filename"], added["content_type"], added["size"]) == (
        "çukur fotoğrafı.png", "image/png", len(PNG))
    response = await client.get(added["url"], headers=as_user("unitless", "supervisor"))
    assert response.status == 200
    assert await response.read() == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"_ukur foto_raf_.png\"; "
        f"filename*=UTF-8''{quote('çukur fotoğrafı.png', safe='')}")
    assert "sandbox" in response.headers["Content-Security-Policy"]
    [entry] = await audit.entries()
    assert (entry.action, entry.subject) == ("read_attachment", f"{number}/{added['id']}")
    detail = await answer(client, f"/api/tickets/{number}", 200)
    assert detail["attachments"] == [added]
    as_browsers_send = await answer(client, f"/api/tickets/{number}/attachments", 201,
                                    method="post", data=upload(PNG, quoted=False))
    assert as_browsers_send["filename"] == "çukur fotoğrafı.png"
    assert as_browsers_send["sha256"] == added["sha256"]


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"\xff\xd8\xff" + b"0" * (10 * 1024 * 1024), 413, "attachment_too_large"),
        (b"<html><script>alert(1)</script></html>", 415, "unsupported_attachment"),
        (b"GIF89a" + b"0" * 32, 415, "unsupported_attachment"),
        (b"", 400, "empty_attachment"),
    ],
)
async def test_an_oversized_or_foreign_file_is_refused(
    client: Client, data: bytes, status: int, code: str
) -> None:
    number = (await new_ticket(client))["number"]
    refused = await answer(client, f"/api/tickets/{number}/attachments", status, method="post",
                           data=upload(data))
    assert refused["error"]["code"] == code
    assert (await answer(client, f"/api/tickets/{number}", 200))["attachments"] == []


async def test_an_upload_without_its_file_part_is_refused(client: Client) -> None:
    number = (await new_ticket(client))["number"]
    url = f"/api/tickets/{number}/attachments"
    refused = await answer(client, url, 400, method="post", data=upload(PNG, field="photo"))
    assert refused["error"]["message"].endswith("file")
    refused = await answer(client, url, 400, method="post", json={"file": "x"})
    assert refused["error"]["code"] == "invalid_body"


async def test_unknown_attachments_are_404_and_bad_ids_400(client: Client) -> None:
    number = (await new_ticket(client))["number"]
    body = await answer(client, f"/api/tickets/{number}/attachments/99", 404)
    assert body["error"]["code"] == "attachment_not_found"
    for bad in ("0", "abc", "-1", "1.5"):
        await answer(client, f"/api/tickets/{number}/attachments/{bad}", 400)


async def test_unit_staff_see_and_attach_to_their_units_tickets_only(client: Client) -> None:
    ours = (await new_ticket(client))["number"]
    theirs = (await new_ticket(client))["number"]
    unassigned = (await new_ticket(client))["number"]
    await answer(client, f"/api/tickets/{ours}/forward", 200, method="post",
                 json={"unit": "aydinlatma"})
    await answer(client, f"/api/tickets/{theirs}/forward", 200, method="post",
                 json={"unit": "fen-isleri"})
    staff = as_user("birim1", "unit_staff", "aydinlatma")
    for query in ("", "?unit=fen-isleri", f"?number={theirs}"):
        page = await answer(client, f"/api/tickets{query}", 200, headers=staff)
        # Asking for another unit's ticket or for another unit finds nothing.
        assert [t["number"] for t in page["tickets"]] == ([ours] if not query else []), query
    await answer(client, f"/api/tickets/{ours}", 200, headers=staff)
    for number in (theirs, unassigned):
        body = await answer(client, f"/api/tickets/{number}", 404, headers=staff)
        assert body["error"]["code"] == "ticket_not_found"
        await answer(client, f"/api/tickets/{number}/attachments", 404, method="post",
                     data=upload(PNG), headers=staff)
    await answer(client, f"/api/tickets/{ours}/attachments", 201, method="post",
                 data=upload(PNG), headers=staff)
    unitless = as_user("birim2", "unit_staff")
    assert (await answer(client, "/api/tickets", 200, headers=unitless))["tickets"] == []
    # Someone who is also a supervisor is not narrowed to a unit.
    both = as_user("sup", "unit_staff,supervisor", "aydinlatma")
    assert len((await answer(client, "/api/tickets", 200, headers=both))["tickets"]) == 3


async def test_the_reference_lists_what_a_ticket_may_say(client: Client) -> None:
    data = await answer(client, "/api/reference", 200)
    assert len(data["categories"]) >= 40 and len(data["groups"]) >= 12
    assert {d["name"] for d in data["districts"]} == {
        "Aladağ", "Ceyhan", "Çukurova", "Feke", "İmamoğlu", "Karaisalı", "Karataş", "Kozan",
        "Pozantı", "Saimbeyli", "Sarıçam", "Seyhan", "Tufanbeyli", "Yumurtalık", "Yüreğir"}
    water = [c for c in data["categories"] if c["group"] == "su-kanalizasyon"]
    assert water and all(c["organisation"] == "aski" for c in water)
    statuses = {s["code"]: s for s in data["statuses"]}
    assert statuses["new"] == {"code": "new", "name_tr": "Yeni", "name_en": "New", "open": True,
                               "next": ["first_contact_solved", "forwarded"]}
    assert statuses["closed"]["open"] is False
    assert {c["code"] for c in data["channels"]} == {
        "phone", "whatsapp", "email", "x", "field", "web", "cimer"}


def test_the_seed_taxonomy_is_realistic() -> None:
    data = reference()
    assert all(re.fullmatch(r"[a-z0-9-]+", code) for code in data.categories)
    assert {"su-arizasi", "su-kacagi", "su-kesintisi", "kanal-tasmasi", "su-faturasi",
            "asfalt-cukuru", "kaldirim-onarimi", "otobus-sefer", "metro", "durak",
            "seyyar-satici", "isgal", "gurultu", "sokak-lambasi", "yasli-destek",
            "engelli-hizmetleri", "gida-yardimi", "yarali-hayvan", "bilgi-edinme-4982",
            "diger"} <= set(data.categories)
    assert len(data.districts) == 15
    central = {code for code, d in data.districts.items() if d.central}
    assert central == {"seyhan", "cukurova", "yuregir", "saricam"}
    assert all(len(data.districts[c].neighbourhoods) >= 25 for c in central)
    assert all(len(d.neighbourhoods) >= 15 for d in data.districts.values())


async def test_the_document_describes_exactly_the_ticket_routes(client: Client) -> None:
    registered = {
        (route.resource.canonical, route.method.lower())
        for route in app_of(client).router.routes()
        if route.resource is not None and route.method != "HEAD"
        and route.resource.canonical in TICKET_PATHS
    }
    documented = {
        (path, method) for path, operations in SPEC["paths"].items() for method in operations
        if path in TICKET_PATHS
    }
    assert registered == documented
    assert len(documented) == 11
    parameters = SPEC["paths"]["/api/tickets"]["get"]["parameters"]
    assert {p["name"] for p in parameters} == QUERY_PARAMETERS
    assert await answer(client, "/api/openapi.json", 200) == SPEC


async def test_tickets_are_only_served_with_a_read_audit(
    stores: tuple[TicketStore, AccessAudit, CallLog]
) -> None:
    tickets, _, calls = stores
    with pytest.raises(ValueError, match="audit"):
        create_app(calls=calls, queues=FakeQueues(), health=FakeHealth(), tickets=tickets)
    app = create_app(calls=calls, queues=FakeQueues(), health=FakeHealth())
    assert not any(r.resource is not None and r.resource.canonical.startswith("/api/tickets")
                   for r in app.router.routes())


async def test_a_returned_request_no_unit_handles_is_closed_with_what_was_done(
    client: Client,
) -> None:
    number = (await new_ticket(client))["number"]
    await answer(client, f"/api/tickets/{number}/forward", 200, method="post",
                 json={"unit": "abb-aydinlatma"})
    await answer(client, f"/api/tickets/{number}/close", 409, method="post",
                 json={"resolution": "TEDAŞ'a yönlendirildi"})  # still at the unit
    await answer(client, f"/api/tickets/{number}/return", 200, method="post",
                 json={"reason": "Elektrik arızası: dağıtım şirketinin"})
    await answer(client, f"/api/tickets/{number}/close", 400, method="post", json={})
    closed = await answer(client, f"/api/tickets/{number}/close", 200, method="post",
                          json={"resolution": "Toroslar EDAŞ 186'ya yönlendirildi"})
    assert (closed["status"], closed["open"]) == ("closed", False)
    assert closed["resolution"] == "Toroslar EDAŞ 186'ya yönlendirildi"
