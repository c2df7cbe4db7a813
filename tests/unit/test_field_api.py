"""The field team's API over real stores on a SQLite file; every JSON answer is held to the
OpenAPI document (`answer`), every read of a task is in the read audit."""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import FormData
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image
from sqlalchemy import select

from cti.domain.tickets.ticket import TicketDraft
from cti.storage.access_audit import AccessAudit
from cti.storage.call_log import CallLog
from cti.storage.db import create_engine, session_factory
from cti.storage.field_tasks import FieldTaskStore
from cti.storage.migrate import upgrade
from cti.storage.models import OutboxRow
from cti.storage.tickets import TicketStore
from cti.web.app import create_app
from cti.web.server import RUNNER_OPTIONS
from tests.unit.pdf_support import images, text
from tests.unit.test_ticket_api import as_user, principal_from_header
from tests.unit.test_web_api import Client, FakeHealth, FakeQueues, answer

FIELD = as_user("saha1", "field_staff")
SUPERVISOR = as_user("sup1", "supervisor")


@dataclass
class Setup:
    client: Client
    tickets: TicketStore
    audit: AccessAudit
    sessions: Any


@pytest.fixture
async def setup(tmp_path: Path) -> AsyncIterator[Setup]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'cti.db'}"
    await upgrade(url)
    engine = create_engine(url)
    sessions = session_factory(engine)
    files = tmp_path / "files"
    tickets, audit = TicketStore(sessions, attachments_dir=files), AccessAudit(sessions)
    app = create_app(calls=CallLog(sessions), queues=FakeQueues(), health=FakeHealth(),
                     auth=principal_from_header, tickets=tickets, access_audit=audit,
                     field_tasks=FieldTaskStore(sessions, attachments_dir=files))
    server = TestServer(app)
    await server.start_server(**RUNNER_OPTIONS)
    client = TestClient(server)
    await client.start_server()
    yield Setup(client, tickets, audit, sessions)
    await client.close()
    await engine.dispose()


def jpeg(width: int = 48, height: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def upload(data: bytes, filename: str = "foto.jpg", name: str = "file") -> FormData:
    form = FormData()
    form.add_field(name, data, filename=filename, content_type="application/octet-stream")
    return form


async def sent_task(setup: Setup) -> tuple[str, int]:
    """A forwarded ticket a supervisor sent the field team to."""
    ticket = await setup.tickets.create(
        TicketDraft(description="Kaldırım çökmüş", category="asfalt-cukuru", district="seyhan",
                    citizen_phone="05321112233"), "op1")
    await setup.tickets.forward(ticket.number, "seyhan-fen-isleri", None, "op1")
    task = await answer(setup.client, f"/api/tickets/{ticket.number}/field-tasks", 201,
                        method="post", headers=SUPERVISOR)
    again = await answer(setup.client, f"/api/tickets/{ticket.number}/field-tasks", 200,
                         method="post", headers=SUPERVISOR, json={})
    assert again["id"] == task["id"] and task["reason"] == "manual"
    return ticket.number, int(task["id"])


async def test_a_field_worker_lists_reads_photographs_notes_and_reports(setup: Setup) -> None:
    number, task_id = await sent_task(setup)
    client, base = setup.client, f"/api/field/tasks/{task_id}"
    listed = await answer(client, "/api/field/tasks", 200, headers=FIELD)
    assert [t["ticket"]["number"] for t in listed["tasks"]] == [number]
    unit = listed["tasks"][0]["ticket"]["unit"]
    assert unit["name_tr"] == "Seyhan Belediyesi — Fen İşleri Müdürlüğü"
    photo = await answer(client, f"{base}/photos", 201, method="post", headers=FIELD,
                         data=upload(jpeg(), "çukur önü.jpg"))
    assert photo["filename"] == "çukur önü.jpg" and photo["url"].startswith(base)
    image = await client.get(photo["url"], headers=FIELD)
    assert image.status == 200 and image.content_type == "image/jpeg"
    assert (await image.read())[:3] == b"\xff\xd8\xff"
    changed = await answer(client, base, 200, method="patch", headers=FIELD,
                           json={"notes": "Kaldırım hâlâ çökük", "take": True})
    assert (changed["notes"], changed["assigned_to"]) == ("Kaldırım hâlâ çökük", "saha1")
    done = await answer(client, f"{base}/complete", 200, method="post", headers=FIELD)
    assert done["status"] == "done" and done["report"]["url"] == f"{base}/report"
    pdf = await client.get(f"{base}/report", headers=SUPERVISOR)
    assert pdf.status == 200 and pdf.content_type == "application/pdf"
    assert pdf.headers["Content-Disposition"].startswith("attachment")
    body = await pdf.read()
    assert number in text(body) and "saha1" in text(body) and len(images(body)) == 1
    detail = await answer(client, base, 200, headers=FIELD)
    assert [p["id"] for p in detail["photos"]] == [photo["id"]]
    reads = [(e.actor, e.action) for e in await setup.audit.entries()]
    assert ("saha1", "list_field_tasks") in reads and ("saha1", "read_field_task") in reads
    assert ("saha1", "read_attachment") in reads and ("sup1", "read_attachment") in reads


async def test_earlier_photos_are_shown_and_other_files_are_not(setup: Setup) -> None:
    number, task_id = await sent_task(setup)
    earlier = await setup.tickets.add_attachment(number, filename="vatandas.jpg", data=jpeg(),
                                                 actor="op1")
    document = await setup.tickets.add_attachment(number, filename="dilekce.pdf",
                                                  data=b"%PDF-1.4 dilekce", actor="op1")
    base = f"/api/field/tasks/{task_id}"
    detail = await answer(setup.client, base, 200, headers=FIELD)
    assert [p["id"] for p in detail["earlier_photos"]] == [earlier.id]
    shown = await setup.client.get(detail["earlier_photos"][0]["url"], headers=FIELD)
    assert shown.status == 200
    await answer(setup.client, f"{base}/photos/{document.id}", 404, headers=FIELD)
    await answer(setup.client, f"{base}/report", 404, headers=FIELD)


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"%PDF-1.7 a letter", 415, "not_a_photo"),
    (b"<html><script>alert(1)</script>", 415, "not_a_photo"),
    (b"", 400, "empty_attachment"),
    (b"\xff\xd8\xff\xe0" + bytes(300), 400, "unreadable_photo"),
])
async def test_what_is_no_photo_is_refused_with_a_clear_error(
    setup: Setup, data: bytes, status: int, code: str,
) -> None:
    _, task_id = await sent_task(setup)
    refused = await answer(setup.client, f"/api/field/tasks/{task_id}/photos", status,
                           method="post", headers=FIELD, data=upload(data))
    assert refused["error"]["code"] == code


async def test_a_photo_over_10_mb_is_refused_before_it_is_read_whole(setup: Setup) -> None:
    _, task_id = await sent_task(setup)
    big = b"\xff\xd8\xff" + bytes(11 * 1024 * 1024)
    refused = await answer(setup.client, f"/api/field/tasks/{task_id}/photos", 413,
                           method="post", headers=FIELD, data=upload(big))
    assert refused["error"]["code"] == "attachment_too_large"


async def test_a_report_without_notes_or_photos_and_a_closed_task_are_refused(
    setup: Setup,
) -> None:
    _, task_id = await sent_task(setup)
    base = f"/api/field/tasks/{task_id}"
    refused = await answer(setup.client, f"{base}/complete", 409, method="post", headers=FIELD)
    assert "saha notu" in refused["error"]["message"]
    await answer(setup.client, base, 200, method="patch", headers=FIELD, json={"notes": "Not"})
    refused = await answer(setup.client, f"{base}/complete", 409, method="post", headers=FIELD)
    assert "fotoğraf" in refused["error"]["message"]
    await answer(setup.client, f"{base}/photos", 201, method="post", headers=FIELD,
                 data=upload(jpeg()))
    await answer(setup.client, f"{base}/complete", 200, method="post", headers=FIELD)
    closed = await answer(setup.client, f"{base}/photos", 409, method="post", headers=FIELD,
                          data=upload(jpeg()))
    assert closed["error"]["code"] == "field_task_closed"
    async with setup.sessions() as session:
        mails = list(await session.scalars(select(OutboxRow)
                                           .where(OutboxRow.purpose == "field_report")))
    assert len(mails) == 1  # the seed has no address yet: queued as failed, the gap shows


@pytest.mark.parametrize(("method", "path", "kw", "status"), [
    ("get", "/api/field/tasks/0", {}, 400),
    ("get", "/api/field/tasks/abc", {}, 400),
    ("get", "/api/field/tasks/999", {}, 404),
    ("get", "/api/field/tasks?status=lost", {}, 400),
    ("get", "/api/field/tasks?limit=0", {}, 400),
    ("get", "/api/field/tasks?colour=red", {}, 400),
    ("patch", "/api/field/tasks/{id}", {"json": {"notes": 7}}, 400),
    ("patch", "/api/field/tasks/{id}", {"json": {"take": "yes"}}, 400),
    ("patch", "/api/field/tasks/{id}", {"json": {"owner": "x"}}, 400),
    ("patch", "/api/field/tasks/{id}", {"json": {"notes": "x" * 4001}}, 400),
    ("patch", "/api/field/tasks/{id}", {"data": "not json"}, 400),
    ("post", "/api/field/tasks/{id}/complete", {"json": {"force": True}}, 400),
    ("post", "/api/field/tasks/{id}/photos", {"json": {"file": "x"}}, 400),
    ("post", "/api/field/tasks/{id}/photos", {"data": "upload"}, 400),
    ("post", "/api/tickets/153-2026-999999/field-tasks", {}, 404),
    ("post", "/api/tickets/not-a-number/field-tasks", {}, 400),
])
async def test_hostile_or_wrong_requests_get_the_apis_error_shape(
    setup: Setup, method: str, path: str, kw: dict[str, Any], status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING)
    _, task_id = await sent_task(setup)
    if kw.get("data") == "upload":
        kw = {"data": upload(jpeg(), name="photo")}  # a multipart part named otherwise
    headers = SUPERVISOR if "field-tasks" in path else FIELD
    body = await answer(setup.client, path.replace("{id}", str(task_id)), status,
                        method=method, headers=headers, **kw)
    assert set(body) == {"error"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
