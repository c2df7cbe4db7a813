"""The API's refusals: a status, a stable code for programs, a message for people.

Messages are Turkish first, then English, and name what was wrong but never echo the value
sent: a query value may be a citizen's phone number (KVKK, Law No. 6698, art. 12).
"""

from __future__ import annotations

from collections.abc import Mapping

from aiohttp import web

from cti.storage.keyset import InvalidCursor


class ApiError(Exception):
    """Raised by a view; the error middleware turns it into `{"error": {...}}`."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def invalid_parameter(name: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"Geçersiz parametre / invalid parameter: {name}")


def unknown_parameter(name: str) -> ApiError:
    # The name is the client's text: keep it short and printable in the message.
    shown = "".join(c for c in name[:40] if c.isprintable())
    return ApiError(400, "unknown_parameter", f"Bilinmeyen parametre / unknown parameter: {shown}")


def invalid_call_id() -> ApiError:
    return ApiError(400, "invalid_call_id", "Geçersiz çağrı kimliği / invalid call id")


def call_not_found() -> ApiError:
    return ApiError(404, "call_not_found", "Çağrı bulunamadı / call not found")


INTERNAL = ApiError(500, "internal_error", "Sunucu hatası / internal server error")

# Errors of the layers below, which know nothing of HTTP, and what the API answers for them.
DOMAIN_ERRORS: Mapping[type[Exception], ApiError] = {
    InvalidCursor: invalid_parameter("cursor"),  # well-formed, but no cursor the log handed out
}

_HTTP_ERRORS: Mapping[int, tuple[str, str]] = {
    401: ("unauthorized", "Kimlik doğrulama gerekli / authentication required"),
    403: ("forbidden", "Yetkiniz yok / forbidden"),
    404: ("not_found", "Bulunamadı / not found"),
    405: ("method_not_allowed", "Yönteme izin verilmiyor / method not allowed"),
    413: ("too_large", "İstek çok büyük / request too large"),
}


def from_domain(exc: Exception) -> ApiError | None:
    return next((api for kind, api in DOMAIN_ERRORS.items() if isinstance(exc, kind)), None)


def from_http(exc: web.HTTPException) -> ApiError:
    """aiohttp's own refusals (an unknown path, a wrong method) in the API's shape."""
    code, message = _HTTP_ERRORS.get(exc.status, ("http_error", f"HTTP {exc.status}"))
    return ApiError(exc.status, code, message)
