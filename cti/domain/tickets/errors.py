"""What the ticket domain refuses. No HTTP codes here: the web layer maps these."""

from __future__ import annotations


class TicketError(Exception):
    """Any refusal of the ticket domain."""


class InvalidTicket(TicketError, ValueError):
    """A field is missing, too long, malformed, or inconsistent with another field."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


class InvalidTransition(TicketError):
    """The lifecycle does not lead from the ticket's status to the one asked for."""

    def __init__(self, current: str, wanted: str) -> None:
        super().__init__(f"no transition from {current} to {wanted}")
        self.current = current
        self.wanted = wanted


class TicketNotFound(TicketError, LookupError):
    def __init__(self, number: str) -> None:
        super().__init__(f"no ticket {number}")
        self.number = number


class AttachmentRefused(TicketError):
    """A file too large, or of a type not on the allow-list (judged by its bytes)."""

    def __init__(self, reason: str) -> None:  # "too_large", "unsupported_type", "empty"
        super().__init__(reason)
        self.reason = reason
