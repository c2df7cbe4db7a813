"""What a sender is given (one message, with its attachments' bytes) and how it fails.

A sender tells a permanent failure (this message will never go: a refused address, a text the
gateway will not take) from a temporary one (network, a busy gateway, a 4xx SMTP answer, a
configuration to fix): the dispatcher gives up on the first and retries the second.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class MailAttachment:
    filename: str
    content_type: str  # as the ticket attachment row says, e.g. application/pdf
    data: bytes


@dataclass(frozen=True, kw_only=True)
class Envelope:
    message_id: int  # the outbox row's id: the same message keeps it over every retry
    channel: str
    recipient: str  # checked and normalised at enqueue (a mobile number as 05XXXXXXXXX)
    subject: str
    body: str
    attachments: tuple[MailAttachment, ...] = ()


class SendFailed(Exception):
    """The message did not go. `detail` is for the delivery log: it names no phone number and
    quotes no message text."""

    def __init__(self, detail: str, *, permanent: bool) -> None:
        super().__init__(detail)
        self.detail = detail
        self.permanent = permanent


class Sender(Protocol):
    async def send(self, message: Envelope) -> str:
        """Hand the message over; the provider's id for it. Raises SendFailed."""
        ...

    async def close(self) -> None:
        """Release connections; called once when the dispatcher stops."""
        ...
