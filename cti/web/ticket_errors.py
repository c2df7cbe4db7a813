"""The ticket domain's refusals as the API answers them.

Messages name the field and the rule, never the value sent: a value may be a citizen's phone
or identity number (KVKK, Law No. 6698, art. 12).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable

from aiohttp import web

from cti.domain.tickets.errors import (
    AttachmentRefused,
    InvalidTicket,
    InvalidTransition,
    TicketError,
    TicketNotFound,
)
from cti.web.errors import ApiError

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

TICKET_NOT_FOUND = ApiError(404, "ticket_not_found", "Kayıt bulunamadı / ticket not found")
ATTACHMENT_NOT_FOUND = ApiError(404, "attachment_not_found", "Ek bulunamadı / attachment not found")
_ATTACHMENT_REFUSALS = {
    "too_large": ApiError(413, "attachment_too_large",
                          "Dosya 10 MB'tan büyük / the file is larger than 10 MB"),
    "unsupported_type": ApiError(
        415, "unsupported_attachment",
        "Yalnızca JPEG, PNG, WebP ve PDF / only JPEG, PNG, WebP and PDF files"),
    "empty": ApiError(400, "empty_attachment", "Dosya boş / the file is empty"),
}


def api_error(error: TicketError) -> ApiError:
    if isinstance(error, InvalidTicket):
        return ApiError(400, "invalid_field",
                        f"Geçersiz alan / invalid field: {error.field} ({error.reason})")
    if isinstance(error, InvalidTransition):
        return ApiError(409, "invalid_transition",
                        "Bu durum değişikliğine izin verilmiyor / transition not allowed: "
                        f"{error.current} → {error.wanted}")
    if isinstance(error, TicketNotFound):
        return TICKET_NOT_FOUND
    if isinstance(error, AttachmentRefused):
        return _ATTACHMENT_REFUSALS.get(error.reason, _ATTACHMENT_REFUSALS["unsupported_type"])
    raise error


def translating(handler: Handler) -> Handler:
    """A view whose ticket-domain refusals become API errors."""

    @functools.wraps(handler)
    async def view(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except TicketError as error:
            raise api_error(error) from None

    return view
