"""The outbox's e-mail against a real SMTP server started here (aiosmtpd on 127.0.0.1): a
Turkish warning with the ticket's PDF tutanak attached arrives whole; refusals, a server that
is down, a login and STARTTLS behave as the dispatcher expects."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cti.domain.tickets.ticket import TicketDraft
from cti.notify.delivery_log import Delivery, delivery_log
from cti.notify.dispatcher import OutboxDispatcher
from cti.notify.email import SmtpSender, SmtpSettings, TlsMode
from cti.notify.outbox import FAILED, PENDING, SENT, enqueue
from cti.storage.attachment_files import AttachmentFiles
from cti.storage.db import create_engine, session_factory
from cti.storage.migrate import upgrade
from cti.storage.models import Ticket as TicketRow
from cti.storage.tickets import TicketStore

T0 = 1_767_225_600.0
FROM = "alo153@adana.bel.tr"
UNIT = "fen-isleri@seyhan.bel.tr"
SUBJECT = "UYARI: 153-2026-000001 numaralı başvuru süresinde yanıtlanmadı (Şikâyet, İşçi)"
BODY = ("Sayın yetkili,\n\nSeyhan ilçesi Gürselpaşa Mahallesi'ndeki çukur için açılan başvuru "
        "süresinde yanıtlanmamıştır. Saha ekibinin tutanağı ektedir.\n\nALO 153 Çağrı Merkezi")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
Sessions = async_sessionmaker[AsyncSession]


@dataclass
class Inbox:
    """aiosmtpd's handler: keeps what it accepted; refuses some recipients."""

    received: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)  # address → SMTP answer

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def mails(self) -> list[EmailMessage]:
        return [email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
                for _, _, raw in self.received]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def authenticate(server: Any, session: Any, envelope: Any, mechanism: str,
                 data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        b"alo153", "doğru-parola".encode())
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            authenticator=authenticate, auth_require_tls=False)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[Sessions]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'mail.db'}"
    await upgrade(url)
    engine = create_engine(url)
    yield session_factory(engine)
    await engine.dispose()


async def a_ticket_with_a_tutanak(sessions: Sessions, tmp_path: Path) -> tuple[str, int, int]:
    store = TicketStore(sessions, attachments_dir=tmp_path / "files", clock=lambda: T0)
    ticket = await store.create(TicketDraft(description="Yolda derin çukur var",
                                            citizen_phone="05321112233",
                                            category="su-arizasi"), "op1001")
    added = await store.add_attachment(ticket.number, filename="tutanak-Gürselpaşa.pdf",
                                       data=PDF, actor="saha1")
    async with sessions() as session:
        ticket_id = await session.scalar(
            select(TicketRow.id).where(TicketRow.number == ticket.number))
    assert ticket_id is not None
    return ticket.number, ticket_id, added.id


def mailer(port: int, tls: TlsMode = "none", **kw: Any) -> SmtpSender:
    return SmtpSender(SmtpSettings(host="127.0.0.1", port=port, from_address=FROM, tls=tls,
                                   timeout=5.0, **kw))


async def send_warning(sessions: Sessions, tmp_path: Path, sender: SmtpSender,
                       recipient: str = UNIT) -> Delivery:
    number, ticket_id, attachment_id = await a_ticket_with_a_tutanak(sessions, tmp_path)
    async with sessions.begin() as session:
        enqueue(session, channel="email", purpose="warning", recipient=recipient,
                subject=SUBJECT, body=BODY, now=T0, ticket_id=ticket_id,
                attachment_ids=[attachment_id])
    outbox = OutboxDispatcher(sessions, {"email": sender},
                              attachments=AttachmentFiles(tmp_path / "files"),
                              clock=lambda: T0, rand=lambda: 0.5)
    try:
        assert await outbox.run_once(T0) == 1
    finally:
        await outbox.stop()
    [delivery] = await delivery_log(sessions, number)
    return delivery


async def test_a_turkish_warning_arrives_whole_with_the_tutanak_attached(
    sessions: Sessions, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    delivery = await send_warning(sessions, tmp_path, mailer(port))
    assert (delivery.status, delivery.attempts, delivery.sent_at) == (SENT, 1, T0)
    [(mail_from, rcpt_tos, _)] = inbox.received
    assert (mail_from, rcpt_tos) == (FROM, [UNIT])
    [mail] = inbox.mails()
    assert mail["Subject"] == SUBJECT
    assert (mail["From"], mail["To"]) == (FROM, UNIT)
    assert mail["Message-ID"] == delivery.provider_id == f"<outbox-{delivery.id}@adana.bel.tr>"
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().rstrip("\n") == BODY
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == "tutanak-Gürselpaşa.pdf"
    assert attachment.get_content() == PDF


async def test_an_address_the_server_does_not_know_fails_at_once(
    sessions: Sessions, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse["yok@seyhan.bel.tr"] = "550 5.1.1 <yok@seyhan.bel.tr>: user unknown"
    delivery = await send_warning(sessions, tmp_path, mailer(port), "yok@seyhan.bel.tr")
    assert (delivery.status, delivery.attempts) == (FAILED, 1)
    assert delivery.last_error is not None and delivery.last_error.startswith("SMTP 550")
    assert inbox.received == []


async def test_a_greylisting_server_is_tried_again_later(
    sessions: Sessions, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    inbox.refuse[UNIT] = "451 4.7.1 greylisted, try again later"
    delivery = await send_warning(sessions, tmp_path, mailer(port))
    assert (delivery.status, delivery.next_attempt_at) == (PENDING, T0 + 30)
    assert delivery.last_error is not None and delivery.last_error.startswith("SMTP 451")


async def test_a_mail_server_that_is_down_leaves_the_message_pending(
    sessions: Sessions, tmp_path: Path
) -> None:
    delivery = await send_warning(sessions, tmp_path, mailer(free_port()))
    assert (delivery.status, delivery.attempts) == (PENDING, 1)
    assert "unreachable" in (delivery.last_error or "")


async def test_a_wrong_password_waits_for_the_configuration_to_be_fixed(
    sessions: Sessions, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    _, port = smtp
    delivery = await send_warning(sessions, tmp_path,
                                  mailer(port, user="alo153", password="yanlış"))
    assert delivery.status == PENDING and "login refused" in (delivery.last_error or "")


async def test_a_login_with_a_turkish_password_is_accepted(
    sessions: Sessions, tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp
    delivery = await send_warning(sessions, tmp_path,
                                  mailer(port, user="alo153", password="doğru-parola"))
    assert delivery.status == SENT and len(inbox.received) == 1


@pytest.fixture
def certificate(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "smtp.crt", tmp_path / "smtp.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )
    return cert, key


async def test_starttls_carries_the_message_over_an_encrypted_session(
    sessions: Sessions, tmp_path: Path, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            tls_context=server_context, require_starttls=True)
    controller.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=port, from_address=FROM,
                                         tls="starttls", timeout=5.0),
                            tls_context=client_context)
        delivery = await send_warning(sessions, tmp_path, sender)
        # Without STARTTLS the server answers 530 to MAIL: a permanent failure.
        plain = await send_warning(sessions, tmp_path / "plain", mailer(port))
    finally:
        controller.stop()
    assert delivery.status == SENT and len(inbox.received) == 1
    assert plain.status == FAILED and (plain.last_error or "").startswith("SMTP 530")
