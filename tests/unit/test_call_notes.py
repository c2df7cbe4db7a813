"""Dispositions and linked tickets appear with the call in the call log's API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import insert

from cti.storage.call_log import CallLog
from cti.storage.call_notes import CallNotebook
from cti.storage.db import create_engine, session_factory
from cti.storage.dispositions import Disposition, DispositionLog
from cti.storage.migrate import upgrade_engine
from cti.storage.models import Ticket, TicketCallRow
from cti.web.app import create_app
from tests.unit.test_call_log_sqlite import T0, answered, waiting
from tests.unit.test_web_api import FakeHealth, FakeQueues


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[tuple[TestClient, CallLog, DispositionLog]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'notes.sqlite3'}")
    await upgrade_engine(engine)
    sessions = session_factory(engine)
    log, dispositions = CallLog(sessions), DispositionLog(sessions)
    app = create_app(calls=log, queues=FakeQueues(), health=FakeHealth(),
                     call_notes=CallNotebook(sessions))
    async with TestClient(TestServer(app)) as test_client:
        yield test_client, log, dispositions
    await engine.dispose()


async def test_a_call_shows_its_disposition_and_its_tickets(
    client: tuple[TestClient, CallLog, DispositionLog],
) -> None:
    http, log, dispositions = client
    call = answered(waiting(1))
    await log.save(call)
    await dispositions.record(Disposition(call_id=call.call_id, operator="ayse",
                                          code="cozuldu", note="anlatıldı", set_at=T0 + 90))
    # A timeout arriving after the operator's own code does not replace it.
    assert not await dispositions.record(Disposition(
        call_id=call.call_id, operator="ayse", code="zaman_asimi", set_at=T0 + 95,
        timed_out=True))
    async with log.sessions.begin() as session:  # the ticket store's job, done by hand here
        ticket_id = (await session.execute(insert(Ticket).values(
            number="153-2026-000007", citizen_phone="05321112233", status="closed",
            channel="phone", created_at=T0, updated_at=T0).returning(Ticket.id))).scalar_one()
        await session.execute(insert(TicketCallRow).values(
            ticket_id=ticket_id, call_id=call.call_id, linked_at=T0, linked_by="ayse"))
    one = await (await http.get(f"/api/calls/{call.call_id}")).json()
    assert one["dispositions"] == [{"operator": "ayse", "code": "cozuldu", "note": "anlatıldı",
                                    "set_at": T0 + 90, "timed_out": False}]
    assert one["tickets"] == [{"number": "153-2026-000007", "status": "closed"}]
    listed = await (await http.get("/api/calls")).json()
    assert listed["calls"][0]["dispositions"][0]["code"] == "cozuldu"
    assert listed["calls"][0]["tickets"][0]["number"] == "153-2026-000007"
