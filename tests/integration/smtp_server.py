"""A real SMTP server for the tests (aiosmtpd), on a free loopback port, keeping what it got."""

from __future__ import annotations

import contextlib
import email
import email.message
import email.policy
import socket
from collections.abc import Iterator

from aiosmtpd.controller import Controller


class Mailbox:
    """An aiosmtpd handler: every message accepted, parsed, in order."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.port = 0

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        content = getattr(envelope, "original_content", None) or envelope.content
        parsed = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(parsed, email.message.EmailMessage)
        self.received.append(parsed)
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def smtp_server() -> Iterator[Mailbox]:
    """A running SMTP server; its mailbox's `port` is where it listens."""
    mailbox = Mailbox()
    mailbox.port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=mailbox.port)
    controller.start()
    try:
        yield mailbox
    finally:
        controller.stop()
