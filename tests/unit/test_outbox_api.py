"""`GET /api/tickets/{number}/deliveries` and `GET /api/outbox` over a real SQLite file: the
delivery log with every try, phone numbers masked, message texts not shown; what is stuck,
for the supervisor. Every answer is held to the OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cti.domain.tickets.ticket import TicketDraft
from cti.notify.delivery_log import OutboxQueries
from cti.notify.dispatcher import OutboxDispatcher
from cti.notify.envelope import Envelope, SendFailed
from cti.notify.outbox import enqueue
from cti.storage.models import Ticket as TicketRow
from cti.storage.tickets import TicketStore
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

TEXT = "Talebiniz ASKİ Genel Müdürlüğü'ne iletildi; şikâyetiniz: kaldırımda su sızıntısı"


class RefusingGateway:
    """An SMS sender that says the number is unknown: a permanent failure."""

    async def send(self, message: Envelope) -> str:
        raise SendFailed("Netgsm 70: geçersiz istek parametresi / invalid parameter",
                         permanent=True)

    async def close(self) -> None:
        pass


class Outbox:
    def __init__(self, db: Db, tmp_path: Path) -> None:
        self.db = db
        self.store = TicketStore(db.factory, attachments_dir=tmp_path / "files",
                                 clock=lambda: T0)

    async def ticket(self) -> tuple[str, int]:
        ticket = await self.store.create(TicketDraft(description="Su sızıntısı",
                                                     citizen_phone="05321112233",
                                                     category="su-arizasi"), "op1001")
        async with self.db.factory() as session:
            ticket_id = await session.scalar(
                select(TicketRow.id).where(TicketRow.number == ticket.number))
        assert ticket_id is not None
        return ticket.number, ticket_id

    async def write(self, ticket_id: int, channel: str, recipient: str) -> None:
        async with self.db.factory.begin() as session:
            enqueue(session, channel=channel, purpose="citizen_forwarded", recipient=recipient,
                    body=TEXT, now=T0, ticket_id=ticket_id, subject="Bilgilendirme")


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[Client, Outbox]]:
    db = await people_db(tmp_path)
    await db.users.add("ayse", "Ayşe Yılmaz", PASSWORD, ["operator"], "1001")
    await db.users.add("selin", "Selin Kaya", PASSWORD, ["supervisor"])
    app = create_app(calls=FakeCalls(), queues=FakeQueues(), health=FakeHealth(),
                     people=people_of(db), outbox=OutboxQueries(db.factory))
    client = await client_for(app)
    yield client, Outbox(db, tmp_path)
    await client.close()
    await db.engine.dispose()


async def get(client: Client, path: str, template: str, status: int = 200) -> Any:
    response = await client.get(path)
    body = await response.json()
    assert response.status == status, body
    check_documented("get", template, status, body)
    return body


async def test_the_call_centre_reads_a_tickets_messages_and_each_try_without_the_number(
    setup: tuple[Client, Outbox],
) -> None:
    client, outbox = setup
    number, ticket_id = await outbox.ticket()
    await outbox.write(ticket_id, "sms", "0532 111 22 33")
    await outbox.write(ticket_id, "sms", "")
    await outbox.write(ticket_id, "email", "aski@adana.bel.tr")
    dispatcher = OutboxDispatcher(outbox.db.factory, {"sms": RefusingGateway()},
                                  clock=lambda: T0)
    await dispatcher.run_once(T0 + 5)
    await sign_in(client, "ayse")
    body = await get(client, f"/api/tickets/{number}/deliveries",
                     "/api/tickets/{number}/deliveries")
    assert body["ticket"] == number
    refused, no_address, waiting = body["messages"]
    assert (refused["recipient"], refused["status"], refused["attempts"]) == (
        "*********33", "failed", 1)
    assert [t["detail"] for t in refused["tries"]] == [
        "Netgsm 70: geçersiz istek parametresi / invalid parameter"]
    assert refused["tries"][0]["at_iso"] == "2025-10-09T08:53:25.000000Z"
    assert (no_address["status"], no_address["last_error"]) == ("failed",
                                                               "Adres yok / no address")
    assert (waiting["channel"], waiting["recipient"], waiting["status"]) == (
        "email", "aski@adana.bel.tr", "pending")  # no e-mail sender here: it waits
    assert waiting["next_attempt_at"] == T0 and refused["next_attempt_at"] is None
    assert "1112233" not in str(body) and "sızıntısı" not in str(body)


async def test_a_ticket_that_does_not_exist_has_no_delivery_log(
    setup: tuple[Client, Outbox],
) -> None:
    client, _ = setup
    await sign_in(client, "ayse")
    template = "/api/tickets/{number}/deliveries"
    body = await get(client, "/api/tickets/153-2026-000999/deliveries", template, 404)
    assert body["error"]["code"] == "ticket_not_found"
    body = await get(client, "/api/tickets/yok/deliveries", template, 400)
    assert body["error"]["code"] == "invalid_ticket_number"
    body = await get(client, "/api/tickets/153-2026-000999/deliveries?x=1", template, 400)
    assert body["error"]["code"] == "unknown_parameter"


async def test_the_supervisor_sees_what_failed_and_what_waits_newest_first(
    setup: tuple[Client, Outbox],
) -> None:
    client, outbox = setup
    number, ticket_id = await outbox.ticket()
    for recipient in ("", "05321112233", "0322 111 22 33", "05329998877"):
        await outbox.write(ticket_id, "sms", recipient)
    await sign_in(client, "selin")
    failed = await get(client, "/api/outbox", "/api/outbox")
    assert failed["status"] == "failed"
    assert [(m["id"], m["ticket"]) for m in failed["messages"]] == [(3, number), (1, number)]
    waiting = await get(client, "/api/outbox?status=pending&limit=1", "/api/outbox")
    assert [(m["id"], m["recipient"]) for m in waiting["messages"]] == [(4, "*********77")]


@pytest.mark.parametrize("query", ["?status=sent", "?status=failed&status=pending",
                                   "?limit=0", "?limit=201", "?since=1"])
async def test_a_bad_outbox_query_is_refused(setup: tuple[Client, Outbox], query: str) -> None:
    client, _ = setup
    await sign_in(client, "selin")
    body = await get(client, f"/api/outbox{query}", "/api/outbox", 400)
    assert body["error"]["code"] in ("invalid_parameter", "unknown_parameter")
