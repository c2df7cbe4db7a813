"""Who reaches which ticket through the API, and how much of it (`cti.web.ticket_access`), over
real stores on a SQLite file with the organisation as the admin keeps it (the units store).

Every JSON answer is held to the OpenAPI document (`answer`); who is signed in comes from a
test header (`as_user`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from cti.domain.organisation import Unit, UnitKind
from cti.storage.access_audit import AccessAudit
from cti.storage.call_log import CallLog
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.tickets import TicketStore
from cti.storage.units import UnitStore
from cti.web.app import create_app
from cti.web.server import RUNNER_OPTIONS
from tests.unit.test_inbox_api import OPERATOR, SUPERVISOR, forwarded, inbox, step
from tests.unit.test_ticket_api import as_user, principal_from_header
from tests.unit.test_web_api import Client, FakeHealth, FakeQueues, answer

TC = "10000000146"
SEYHAN = as_user("koordinator", "unit_staff", "ilce-seyhan")
WORKS = as_user("daire", "unit_staff", "abb-fen-isleri")
LIGHTS = as_user("birim1", "unit_staff", "abb-aydinlatma")


@dataclass
class Env:
    client: Client
    audit: AccessAudit
    units: UnitStore


@pytest.fixture
async def env(tmp_path: Path) -> AsyncIterator[Env]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cti.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    units = UnitStore(sessions)
    await units.seed()
    audit = AccessAudit(sessions)
    app = create_app(calls=CallLog(sessions), queues=FakeQueues(), health=FakeHealth(),
                     auth=principal_from_header, access_audit=audit, units=units,
                     tickets=TicketStore(sessions, attachments_dir=tmp_path / "files"))
    server = TestServer(app)
    await server.start_server(**RUNNER_OPTIONS)
    client = TestClient(server)
    await client.start_server()
    yield Env(client, audit, units)
    await client.close()
    await engine.dispose()


async def listed(client: Client, query: str, headers: dict[str, str]) -> list[str]:
    page = await answer(client, f"/api/tickets{query}", 200, headers=headers)
    return [t["number"] for t in page["tickets"]]


async def test_a_district_coordinator_sees_the_whole_municipality_and_no_other(env: Env) -> None:
    client = env.client
    zabita = await forwarded(client, "seyhan-zabita")
    parks = await forwarded(client, "seyhan-park-bahceler")
    itself = await forwarded(client, "ilce-seyhan")
    elsewhere = await forwarded(client, "yuregir-zabita")
    metro = await forwarded(client, "abb-aydinlatma")

    assert await inbox(client, headers=SEYHAN) == [itself, parks, zabita]
    assert await listed(client, "", SEYHAN) == [itself, parks, zabita]
    # `unit` narrows the scope to one of its units; outside it, it finds nothing.
    assert await inbox(client, "?unit=seyhan-zabita", headers=SEYHAN) == [zabita]
    assert await listed(client, "?unit=yuregir-zabita", SEYHAN) == []
    await answer(client, f"/api/tickets/{zabita}", 200, headers=SEYHAN)
    await step(client, zabita, "acknowledge", headers=SEYHAN)
    for number in (elsewhere, metro):
        await answer(client, f"/api/tickets/{number}", 404, headers=SEYHAN)
        await step(client, number, "acknowledge", headers=SEYHAN, status=404)
    # A directorate's own staff still see their unit alone.
    zabita_staff = as_user("zabita1", "unit_staff", "seyhan-zabita")
    assert await inbox(client, headers=zabita_staff) == [zabita]
    assert await listed(client, "", zabita_staff) == [zabita]


async def test_a_department_sees_its_branches_and_a_branch_itself(env: Env) -> None:
    client = env.client
    lights = await forwarded(client, "abb-aydinlatma")
    roads = await forwarded(client, "abb-yol-yapim")
    parks = await forwarded(client, "abb-park-bahceler")
    assert await inbox(client, headers=WORKS) == [roads, lights]
    assert await inbox(client, headers=LIGHTS) == [lights]
    await answer(client, f"/api/tickets/{roads}", 404, headers=LIGHTS)
    await answer(client, f"/api/tickets/{parks}", 404, headers=WORKS)


async def test_units_the_admin_added_and_later_closed_stay_in_sight(env: Env) -> None:
    kultur = Unit("seyhan-kultur", "Kültür İşleri Müdürlüğü", "Culture Directorate",
                  "ilce-seyhan", UnitKind.DIRECTORATE)
    await env.units.add(kultur, "admin")
    number = await forwarded(env.client, "seyhan-kultur")
    assert await inbox(env.client, headers=SEYHAN) == [number]
    await env.units.deactivate("seyhan-kultur", "admin")
    assert await inbox(env.client, headers=SEYHAN) == [number]
    await answer(env.client, f"/api/tickets/{number}", 200, headers=SEYHAN)


async def test_unit_staff_with_another_unit_side_role_are_still_narrowed(env: Env) -> None:
    ours = await forwarded(env.client, "abb-aydinlatma")
    theirs = await forwarded(env.client, "abb-yol-yapim")
    both = as_user("birim2", "unit_staff,field_staff", "abb-aydinlatma")
    assert await listed(env.client, "", both) == [ours]
    assert await inbox(env.client, headers=both) == [ours]
    await answer(env.client, f"/api/tickets/{theirs}", 404, headers=both)
    # A call-centre role beside it widens the view to every unit.
    for roles in ("unit_staff,supervisor", "unit_staff,operator", "unit_staff,admin"):
        wide = as_user("genis", roles, "abb-aydinlatma")
        assert await listed(env.client, "", wide) == [theirs, ours], roles


async def test_unit_staff_are_not_shown_the_citizens_tc_number(env: Env) -> None:
    client = env.client
    number = await forwarded(client, "abb-aydinlatma", citizen_tc=TC)
    await answer(client, f"/api/tickets/{number}", 200, method="patch", headers=OPERATOR,
                 json={"citizen_tc": "12345678950"})
    shown = [
        (await answer(client, "/api/inbox", 200, headers=LIGHTS))["tickets"][0],
        (await answer(client, "/api/tickets", 200, headers=LIGHTS))["tickets"][0],
        await answer(client, f"/api/tickets/{number}", 200, headers=LIGHTS),
        await step(client, number, "acknowledge", headers=LIGHTS),
    ]
    for ticket in shown:
        assert ticket["number"] == number and ticket["citizen_tc"] is None
        assert ticket["citizen_phone"] == "05321112233"  # the unit calls the citizen back
    for detail in shown[2:]:
        assert not any("citizen_tc" in e["changes"] for e in detail["events"])
        assert {e["action"] for e in detail["events"]} >= {"created", "updated"}
        assert TC not in str(detail)
    # The call centre still sees it, and its trail.
    for headers in (OPERATOR, SUPERVISOR):
        detail = await answer(client, f"/api/tickets/{number}", 200, headers=headers)
        assert detail["citizen_tc"] == "12345678950"
        assert any("citizen_tc" in e["changes"] for e in detail["events"])


async def test_listing_the_inbox_is_written_to_the_read_audit(env: Env) -> None:
    await inbox(env.client, headers=SEYHAN)
    await inbox(env.client, "?unit=seyhan-zabita", headers=SEYHAN)
    await inbox(env.client, headers=SUPERVISOR)
    await inbox(env.client, "?unit=abb-aydinlatma", headers=SUPERVISOR)
    entries = [(e.actor, e.action, e.subject) for e in reversed(await env.audit.entries())]
    assert entries == [
        ("koordinator", "list_inbox", "scope=ilce-seyhan"),
        ("koordinator", "list_inbox", "scope=ilce-seyhan unit=seyhan-zabita"),
        ("sup1", "list_inbox", "unit=*"),
        ("sup1", "list_inbox", "unit=abb-aydinlatma"),
    ]


async def test_a_refused_inbox_query_reads_nothing_and_audits_nothing(env: Env) -> None:
    await answer(env.client, "/api/inbox?status=closed", 400, headers=SEYHAN)
    assert await env.audit.entries() == []
