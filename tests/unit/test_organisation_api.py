"""The organisation API signed in for real (sessions, CSRF, the access policy), over real stores
on a SQLite file: units, their CSV export and import, leave days, the routing suggestion and
the forward that records it. Every JSON answer is held to the OpenAPI document (`answer`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData

from cti.domain.roles import Role
from cti.storage.access_audit import AccessAudit
from cti.storage.leave_days import LeaveDays
from cti.storage.tickets import TicketStore
from cti.storage.units import UnitStore
from cti.web.app import create_app
from cti.web.auth import CSRF_HEADER
from tests.unit.auth_support import (
    PASSWORD,
    Client,
    Db,
    FakeCalls,
    FakeHealth,
    FakeQueues,
    client_for,
    people_db,
    people_of,
    sign_in,
)
from tests.unit.test_web_api import answer

KULTUR = {"code": "seyhan-kultur", "parent": "ilce-seyhan", "kind": "directorate",
          "name_tr": "Kültür İşleri Müdürlüğü", "name_en": "Culture Directorate",
          "email": "kultur@seyhan.example.org"}
CSV_HEADER = "code,parent,kind,name_tr,name_en,email,manager_email,active\n"


@dataclass
class Api:
    client: Client
    db: Db
    audit: AccessAudit
    csrf: str = ""

    async def become(self, username: str) -> None:
        status, body = await sign_in(self.client, username)
        assert status == 200, body
        self.csrf = body["csrf_token"]

    async def call(self, method: str, url: str, status: int, **kw: Any) -> Any:
        headers = {CSRF_HEADER: self.csrf, **kw.pop("headers", {})}
        return await answer(self.client, url, status, method=method, headers=headers, **kw)


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[Api]:
    db = await people_db(tmp_path)
    for name, role in (("admin", Role.ADMIN), ("op", Role.OPERATOR), ("birim", Role.UNIT_STAFF)):
        await db.users.add(name, name.title(), PASSWORD, [role])
    units = UnitStore(db.factory, clock=db.clock)
    await units.seed()
    audit = AccessAudit(db.factory, clock=db.clock)
    app = create_app(
        calls=FakeCalls(), queues=FakeQueues(), health=FakeHealth(), people=people_of(db),
        tickets=TicketStore(db.factory, attachments_dir=tmp_path / "files", clock=db.clock),
        access_audit=audit, units=units, leave_days=LeaveDays(db.factory, clock=db.clock),
    )
    client = await client_for(app)
    yield Api(client, db, audit)
    await client.close()
    await db.engine.dispose()


async def test_everyone_signed_in_reads_the_tree_parents_first(api: Api) -> None:
    await api.become("birim")
    body = await api.call("get", "/api/units", 200)
    units = body["units"]
    seen: set[str] = set()
    for unit in units:
        assert unit["parent"] is None or unit["parent"] in seen
        assert unit["depth"] == (0 if unit["parent"] is None else 1 + next(
            u["depth"] for u in units if u["code"] == unit["parent"]))
        seen.add(unit["code"])
    assert {k["code"] for k in body["location_kinds"]} == {"main_avenue", "neighbourhood_street"}
    await api.call("post", "/api/units", 403, json=KULTUR)


async def test_the_admin_adds_edits_and_deactivates_a_unit(api: Api) -> None:
    await api.become("admin")
    added = await api.call("post", "/api/units", 201, json=KULTUR)
    assert added["unit"]["active"] is True and added["unit"]["updated_by"] == "admin"
    changed = await api.call("patch", "/api/units/seyhan-kultur", 200,
                             json={"manager_email": "mudur@seyhan.example.org"})
    assert changed["unit"]["manager_email"] == "mudur@seyhan.example.org"
    assert changed["unit"]["name_tr"] == KULTUR["name_tr"]  # what was not sent stays
    gone = await api.call("patch", "/api/units/seyhan-kultur", 200, json={"active": False})
    assert gone["unit"]["active"] is False
    listed = await api.call("get", "/api/units", 200)
    assert any(u["code"] == "seyhan-kultur" and not u["active"] for u in listed["units"])
    entries = await api.audit.entries(actor="admin")
    assert [(e.action, e.subject) for e in entries][:3] == [
        ("unit_change", "seyhan-kultur"), ("unit_change", "seyhan-kultur"),
        ("unit_add", "seyhan-kultur")]


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "code"),
    [
        ("post", "/api/units", {**KULTUR, "code": "Seyhan Kültür"}, 400, "invalid_unit"),
        ("post", "/api/units", {**KULTUR, "kind": "office"}, 400, "invalid_unit"),
        ("post", "/api/units", {**KULTUR, "parent": "ilce-nowhere"}, 400, "invalid_unit"),
        ("post", "/api/units", {**KULTUR, "email": "yok"}, 400, "invalid_unit"),
        ("post", "/api/units", {**KULTUR, "name_tr": ["x"]}, 400, "invalid_parameter"),
        ("post", "/api/units", {**KULTUR, "active": "evet"}, 400, "invalid_parameter"),
        ("post", "/api/units", {**KULTUR, "color": "red"}, 400, "unknown_parameter"),
        ("post", "/api/units", {**KULTUR, "code": "seyhan-zabita"}, 409, "unit_exists"),
        ("patch", "/api/units/seyhan-zabita", {"active": False}, 400, "invalid_unit"),
        ("patch", "/api/units/ilce-seyhan", {"active": False}, 400, "invalid_unit"),
        ("patch", "/api/units/seyhan-zabita", {"code": "x"}, 400, "unknown_parameter"),
        ("patch", "/api/units/nowhere", {"name_tr": "X"}, 404, "unit_not_found"),
        ("patch", "/api/units/Seyhan%20Zab%C4%B1ta", {"name_tr": "X"}, 404, "unit_not_found"),
    ],
)
async def test_a_bad_unit_is_refused_and_nothing_changes(
    api: Api, method: str, url: str, body: dict[str, object], status: int, code: str
) -> None:
    await api.become("admin")
    before = await api.call("get", "/api/units", 200)
    refused = await api.call(method, url, status, json=body)
    assert refused["error"]["code"] == code
    assert await api.call("get", "/api/units", 200) == before


async def test_deactivating_a_unit_the_rules_use_says_why(api: Api) -> None:
    await api.become("admin")
    refused = await api.call("patch", "/api/units/aski-ariza", 400, json={"active": False})
    assert "routing rules" in refused["error"]["message"]
    assert refused["error"]["message"].startswith("Birim kabul edilmedi / unit refused:")


async def test_export_then_import_as_a_file_upload_changes_nothing(api: Api) -> None:
    await api.become("admin")
    response = await api.client.get("/api/units/export")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert "birimler.csv" in response.headers["Content-Disposition"]
    data = await response.read()
    assert data.startswith(b"\xef\xbb\xbf" + CSV_HEADER.encode())
    form = FormData()
    form.add_field("file", data, filename="birimler.csv", content_type="text/csv")
    counts = await api.call("post", "/api/units/import", 200, data=form)
    assert (counts["added"], counts["changed"], counts["dry_run"]) == (0, 0, False)
    assert counts["unchanged"] == len(data.decode("utf-8-sig").splitlines()) - 1


async def test_an_import_adds_and_a_dry_run_only_counts(api: Api) -> None:
    await api.become("admin")
    text = CSV_HEADER + "seyhan-kultur,ilce-seyhan,directorate,Kültür,Culture,,,\n"
    headers = {"Content-Type": "text/csv"}
    dry = await api.call("post", "/api/units/import?dry_run=true", 200, data=text.encode(),
                         headers=headers)
    assert (dry["added"], dry["dry_run"]) == (1, True)
    listed = await api.call("get", "/api/units", 200)
    assert "seyhan-kultur" not in {u["code"] for u in listed["units"]}
    done = await api.call("post", "/api/units/import", 200, data=text.encode(), headers=headers)
    assert (done["added"], done["dry_run"]) == (1, False)
    [entry] = [e for e in await api.audit.entries(actor="admin") if e.action == "units_import"]
    assert entry.subject == "added=1 changed=0 unchanged=0 deactivated=0"


async def test_a_refused_import_names_the_line_and_writes_nothing(api: Api) -> None:
    await api.become("admin")
    text = (CSV_HEADER + "seyhan-kultur,ilce-seyhan,directorate,Kültür,Culture,,,\n"
            + "seyhan-zabita,ilce-seyhan,directorate,Zabıta,Police,,,hayır\n")
    refused = await api.call("post", "/api/units/import", 400, data=text.encode(),
                             headers={"Content-Type": "text/csv"})
    assert refused["error"]["code"] == "invalid_csv"
    assert refused["error"]["line"] == 3
    listed = await api.call("get", "/api/units", 200)
    assert "seyhan-kultur" not in {u["code"] for u in listed["units"]}
    huge = CSV_HEADER + "seyhan-kultur,ilce-seyhan,directorate," + "K" * 140_000 + ",C,,,\n"
    refused = await api.call("post", "/api/units/import", 400, data=huge.encode(),
                             headers={"Content-Type": "text/csv"})
    assert (refused["error"]["code"], refused["error"]["line"]) == ("invalid_csv", 2)
    binary = await api.call("post", "/api/units/import", 400, data=b"PK\x03\x04\x00")
    assert binary["error"]["line"] is None
    big = await api.call("post", "/api/units/import", 413, data=b"x" * (1024 * 1024 + 1))
    assert big["error"]["code"] == "too_large"
    await api.call("post", "/api/units/import?dry=1", 400, data=text.encode())


async def test_an_operator_may_not_export_or_import(api: Api) -> None:
    await api.become("op")
    assert (await api.client.get("/api/units/export")).status == 403
    await api.call("post", "/api/units/import", 403, data=b"code\n")


async def test_leave_days_are_declared_listed_and_withdrawn(api: Api) -> None:
    await api.become("admin")
    body = {"day": "2026-05-18", "reason": "Genelge 2026/3: idari izin"}
    added = await api.call("post", "/api/leave-days", 201, json=body)
    assert added["leave_day"]["added_by"] == "admin"
    await api.call("post", "/api/leave-days", 409, json=body)
    await api.become("op")
    listed = await api.call("get", "/api/leave-days", 200)
    assert [d["day"] for d in listed["leave_days"]] == ["2026-05-18"]
    await api.call("delete", "/api/leave-days/2026-05-18", 403)
    await api.become("admin")
    assert await api.call("delete", "/api/leave-days/2026-05-18", 200) == {"removed": "2026-05-18"}
    await api.call("delete", "/api/leave-days/2026-05-18", 404)
    actions = [e.action for e in await api.audit.entries(actor="admin")]
    assert actions[:2] == ["leave_day_remove", "leave_day_add"]


@pytest.mark.parametrize(
    "body",
    [{"day": "2026-W21-1", "reason": "x"}, {"day": "18.05.2026", "reason": "x"},
     {"day": "0226-05-18", "reason": "x"}, {"day": "2026-05-18", "reason": "  "},
     {"day": "2026-05-18"}, {"day": 20260518, "reason": "x"}],
)
async def test_a_bad_leave_day_is_refused(api: Api, body: dict[str, object]) -> None:
    await api.become("admin")
    refused = await api.call("post", "/api/leave-days", 400, json=body)
    assert refused["error"]["code"] == "invalid_parameter"
    await api.call("delete", "/api/leave-days/yarin", 400)


async def test_the_suggestion_follows_the_place_and_the_district(api: Api) -> None:
    await api.become("op")
    url = "/api/routing/suggest?category=kaldirim-onarimi&district=seyhan"
    street = await api.call("get", url, 200)
    assert street["unit"] == "seyhan-fen-isleri"
    assert street["unit_name_tr"] == "Fen İşleri Müdürlüğü"
    assert [p["code"] for p in street["path"]] == ["ilce-seyhan", "seyhan-fen-isleri"]
    assert "ilçe belediyesinin" in street["reason_tr"]
    avenue = await api.call("get", url + "&location_kind=main_avenue", 200)
    assert avenue["unit"] == "abb-yol-yapim"
    undecided = await api.call("get", "/api/routing/suggest?category=kaldirim-onarimi", 200)
    assert (undecided["unit"], undecided["path"]) == (None, [])
    assert "ilçeyi seçin" in undecided["reason_tr"]


@pytest.mark.parametrize(
    "query",
    ["", "category=nope", "category=kaldirim-onarimi&district=ankara",
     "category=kaldirim-onarimi&location_kind=otoyol",
     "category=kaldirim-onarimi&category=asfalt-cukuru", "category=kaldirim-onarimi&x=1"],
)
async def test_a_bad_suggestion_query_is_refused(api: Api, query: str) -> None:
    await api.become("op")
    await api.call("get", f"/api/routing/suggest?{query}", 400)


async def test_a_forward_records_the_suggestion_and_the_override(api: Api) -> None:
    await api.become("op")
    ticket = await api.call("post", "/api/tickets", 201, json={
        "description": "Kaldırım taşları kırık", "citizen_phone": "05321112233",
        "category": "kaldirim-onarimi", "district": "seyhan"})
    url = f"/api/tickets/{ticket['number']}/forward"
    for bad in ({"unit": "seyhan-yok"}, {"unit": "seyhan-zabita", "suggested": "yok"}):
        refused = await api.call("post", url, 400, json=bad)
        assert refused["error"]["code"] == "invalid_parameter"
    forwarded = await api.call("post", url, 200, json={
        "unit": "abb-yol-yapim", "suggested": "seyhan-fen-isleri", "note": "Ana cadde"})
    assert forwarded["unit"] == "abb-yol-yapim"
    [event] = [e for e in forwarded["events"] if "suggested" in e["changes"]]
    assert event["changes"]["suggested"] == [None, "seyhan-fen-isleri"]
    assert event["changes"]["overridden"] == [None, True]
