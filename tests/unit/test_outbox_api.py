"""`GET /api/tickets/{number}/deliveries`, `GET /api/outbox` and `POST
/api/outbox/{message_id}/retry` over a real SQLite file: the delivery log with every try,
phone numbers masked, message texts not shown; what is stuck, for the supervisor, who sends a
failed message again. Every answer is held to the OpenAPI document."""

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
from cti.notify.outbox import enqueue, subscribe
from cti.notify.recipients import BAD_MOBILE, NO_ADDRESS
from cti.storage.models import Ticket as TicketRow
from cti.storage.tickets import TicketStore
from cti.web.app import create_app
from cti.web.auth import CSRF_HEADER
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
T1 = T0 + 3600  # when the supervisor sends a failed message again
RETRY = "/api/outbox/{message_id}/retry"


class RefusingGateway:
    """An SMS sender that says the number is unknown: a permanent failure."""

    async def send(self, message: Envelope) -> str:
        raise SendFailed("Netgsm 70: geçersiz istek parametresi / invalid parameter",
                         permanent=True)

    async def close(self) -> None:
        pass


class Accepting:
    """A sender whose provider takes every message; what it was given."""

    def __init__(self) -> None:
        self.sent: list[Envelope] = []

    async def send(self, message: Envelope) -> str:
        self.sent.append(message)
        return f"job-{len(self.sent)}"

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

    async def write(self, ticket_id: int, channel: str, recipient: str) -> int:
        async with self.db.factory.begin() as session:
            row = enqueue(session, channel=channel, purpose="citizen_forwarded",
                          recipient=recipient, body=TEXT, now=T0, ticket_id=ticket_id,
                          subject="Bilgilendirme")
            await session.flush()
            return row.id


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[tuple[Client, Outbox]]:
    db = await people_db(tmp_path)
    await db.users.add("ayse", "Ayşe Yılmaz", PASSWORD, ["operator"], "1001")
    await db.users.add("selin", "Selin Kaya", PASSWORD, ["supervisor"])
    app = create_app(calls=FakeCalls(), queues=FakeQueues(), health=FakeHealth(),
                     people=people_of(db), outbox=OutboxQueries(db.factory, clock=lambda: T1))
    client = await client_for(app)
    yield client, Outbox(db, tmp_path)
    await client.close()
    await db.engine.dispose()


async def retry(client: Client, csrf: str, message_id: object, status: int,
                body: object = None) -> Any:
    kw: dict[str, Any] = {} if body is None else {"json": body}
    response = await client.post(f"/api/outbox/{message_id}/retry",
                                 headers={CSRF_HEADER: csrf}, **kw)
    answer = await response.json()
    assert response.status == status, answer
    check_documented("post", RETRY, status, answer)
    return answer


async def supervisor(client: Client) -> str:
    status, body = await sign_in(client, "selin")
    assert status == 200, body
    csrf: str = body["csrf_token"]
    return csrf


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


async def test_a_message_without_an_address_goes_to_the_address_the_supervisor_gives(
    setup: tuple[Client, Outbox],
) -> None:
    client, outbox = setup
    number, ticket_id = await outbox.ticket()
    message_id = await outbox.write(ticket_id, "email", "")
    woken: list[int] = []
    unsubscribe = subscribe(lambda: woken.append(1))
    csrf = await supervisor(client)
    try:
        refused = await retry(client, csrf, message_id, 400)  # no body: its own, empty address
        assert refused["error"] == {"code": "invalid_recipient", "message": NO_ADDRESS}
        assert woken == []
        body = await retry(client, csrf, message_id, 200, {"recipient": " aski@adana.bel.tr "})
    finally:
        unsubscribe()
    assert woken == [1]  # the dispatcher does not wait for its next poll
    message = body["message"]
    assert (message["status"], message["recipient"], message["attempts"]) == (
        "pending", "aski@adana.bel.tr", 0)
    assert (message["next_attempt_at"], message["last_error"]) == (T1, None)
    assert [(t["at"], t["ok"], t["detail"]) for t in message["tries"]] == [
        (T0, False, NO_ADDRESS),
        (T1, False, "selin yeni adrese yeniden gönderime aldı / re-queued to a new address "
                    "by selin")]
    assert (await get(client, "/api/outbox", "/api/outbox"))["messages"] == []
    mail = Accepting()
    dispatcher = OutboxDispatcher(outbox.db.factory, {"email": mail}, clock=lambda: T1)
    assert await dispatcher.run_once() == 1
    assert [(m.message_id, m.recipient) for m in mail.sent] == [(message_id,
                                                                  "aski@adana.bel.tr")]
    log = await get(client, f"/api/tickets/{number}/deliveries",
                    "/api/tickets/{number}/deliveries")
    [sent] = log["messages"]
    assert (sent["status"], sent["attempts"], len(sent["tries"])) == ("sent", 1, 3)


async def test_a_message_given_up_goes_again_to_its_own_number_with_all_its_retries(
    setup: tuple[Client, Outbox],
) -> None:
    client, outbox = setup
    _, ticket_id = await outbox.ticket()
    message_id = await outbox.write(ticket_id, "sms", "0532 111 22 33")
    refusing = OutboxDispatcher(outbox.db.factory, {"sms": RefusingGateway()},
                                clock=lambda: T0)
    await refusing.run_once(T0 + 5)
    csrf = await supervisor(client)
    body = await retry(client, csrf, message_id, 200, {})
    message = body["message"]
    assert (message["status"], message["recipient"], message["attempts"]) == (
        "pending", "*********33", 0)
    assert [t["detail"] for t in message["tries"]][1:] == [
        "selin yeniden gönderime aldı / re-queued by selin"]
    again = await retry(client, csrf, message_id, 409)
    assert again["error"]["code"] == "still_waiting"
    gateway = Accepting()
    await OutboxDispatcher(outbox.db.factory, {"sms": gateway}).run_once(T1)
    assert [m.recipient for m in gateway.sent] == ["05321112233"]
    sent = await retry(client, csrf, message_id, 409, {"recipient": "05329998877"})
    assert sent["error"]["code"] == "already_sent"


async def test_a_retry_to_an_address_that_cannot_be_used_changes_nothing(
    setup: tuple[Client, Outbox],
) -> None:
    client, outbox = setup
    number, ticket_id = await outbox.ticket()
    message_id = await outbox.write(ticket_id, "sms", "")
    csrf = await supervisor(client)
    body = await retry(client, csrf, message_id, 400, {"recipient": "0322 111 22 44"})
    assert body["error"] == {"code": "invalid_recipient", "message": BAD_MOBILE}
    assert "1112244" not in str(body)
    log = await get(client, f"/api/tickets/{number}/deliveries",
                    "/api/tickets/{number}/deliveries")
    [message] = log["messages"]
    assert (message["status"], message["recipient"], len(message["tries"])) == ("failed", "", 1)


@pytest.mark.parametrize(
    ("message_id", "body", "status", "code"),
    [
        ("999", None, 404, "message_not_found"),
        ("x", None, 400, "invalid_parameter"),
        ("0", None, 400, "invalid_parameter"),
        ("1" * 30, None, 400, "invalid_parameter"),
        ("1", [], 400, "invalid_body"),
        ("1", {"recipient": 5321112233}, 400, "invalid_parameter"),
        ("1", {"to": "aski@adana.bel.tr"}, 400, "unknown_parameter"),
    ],
)
async def test_a_bad_retry_is_refused(
    setup: tuple[Client, Outbox], message_id: str, body: object, status: int, code: str
) -> None:
    client, outbox = setup
    _, ticket_id = await outbox.ticket()
    await outbox.write(ticket_id, "sms", "")
    csrf = await supervisor(client)
    answer = await retry(client, csrf, message_id, status, body)
    assert answer["error"]["code"] == code


async def test_an_operator_may_not_send_a_message_again(setup: tuple[Client, Outbox]) -> None:
    client, outbox = setup
    _, ticket_id = await outbox.ticket()
    message_id = await outbox.write(ticket_id, "sms", "")
    status, body = await sign_in(client, "ayse")
    assert status == 200
    answer = await retry(client, body["csrf_token"], message_id, 403,
                         {"recipient": "05321112233"})
    assert answer["error"]["code"] == "role_required"
