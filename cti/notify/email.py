"""E-mail over SMTP (aiosmtplib): a UTF-8 message with the ticket's files attached.

Every try of one outbox message carries the same Message-ID (`<outbox-ID@sender's domain>`):
a message sent twice (the dispatcher is at-least-once) is one message to a mail client that
de-duplicates, and the unit can quote it.

Permanent: a 5xx answer to the recipient, the sender or the data (RFC 5321 §4.2.1: "do not
repeat the exact request"). Temporary: 4xx answers, timeouts, a refused or dropped
connection, and a failed login, which is our configuration to fix, not the message's fault.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Literal

import aiosmtplib

from cti.notify.envelope import Envelope, SendFailed

TlsMode = Literal["none", "starttls", "tls"]
TLS_MODES: tuple[TlsMode, ...] = ("none", "starttls", "tls")


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    host: str
    port: int
    from_address: str
    tls: TlsMode = "starttls"
    user: str = ""
    password: str = ""
    timeout: float = 30.0


class SmtpSender:
    def __init__(self, settings: SmtpSettings, *, tls_context: ssl.SSLContext | None = None):
        self._settings = settings
        self._tls_context = tls_context

    async def send(self, message: Envelope) -> str:
        mail = build_mail(self._settings.from_address, message)
        s = self._settings
        try:
            await aiosmtplib.send(
                mail, hostname=s.host, port=s.port, username=s.user or None,
                password=s.password or None, use_tls=s.tls == "tls",
                start_tls=s.tls == "starttls", timeout=s.timeout, tls_context=self._tls_context,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            raise _answered(refused.recipients[0].code, refused.recipients[0].message) from None
        except aiosmtplib.SMTPAuthenticationError as error:
            raise SendFailed(f"SMTP oturum açılamadı / login refused ({error.code})",
                             permanent=False) from None
        except aiosmtplib.SMTPResponseException as error:
            raise _answered(error.code, error.message) from None
        except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
            raise SendFailed(f"SMTP sunucusuna ulaşılamadı / server unreachable: "
                             f"{type(error).__name__}", permanent=False) from None
        return str(mail["Message-ID"])

    async def close(self) -> None:
        """Nothing held: one connection per message (a few a minute at most)."""


def build_mail(from_address: str, message: Envelope) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = from_address
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    domain = from_address.rpartition("@")[2] or "localhost"
    mail["Message-ID"] = f"<outbox-{message.message_id}@{domain}>"
    mail.set_content(message.body)  # text/plain; charset="utf-8"
    for attachment in message.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        mail.add_attachment(attachment.data, maintype=maintype or "application",
                            subtype=subtype or "octet-stream", filename=attachment.filename)
    return mail


def _answered(code: int, text: str) -> SendFailed:
    # The server's own words stay in the delivery log (they name the unit's address at most),
    # cut short: some servers answer with pages of text.
    return SendFailed(f"SMTP {code}: {' '.join(text.split())[:200]}", permanent=500 <= code < 600)
