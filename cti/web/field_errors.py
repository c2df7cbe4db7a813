"""The field tasks' refusals as the API answers them (and the ticket domain's, for the upload
and the manual opening, as `ticket_errors` answers them)."""

from __future__ import annotations

import functools

from aiohttp import web

from cti.domain.tickets.errors import TicketError
from cti.field.errors import (
    FieldError,
    FieldFileNotFound,
    FieldTaskChanged,
    FieldTaskClosed,
    FieldTaskNotFound,
    InvalidFieldInput,
    PhotoRefused,
    ReportIncomplete,
    TicketNotOpen,
)
from cti.field.tasks import MAX_PHOTOS
from cti.web.errors import ApiError
from cti.web.ticket_errors import ATTACHMENT_NOT_FOUND, Handler, api_error

FIELD_TASK_NOT_FOUND = ApiError(404, "field_task_not_found",
                                "Saha görevi bulunamadı / field task not found")
_PHOTO_REFUSALS = {
    "empty": ApiError(400, "empty_attachment", "Dosya boş / the file is empty"),
    "too_large": ApiError(413, "attachment_too_large",
                          "Dosya 10 MB'tan büyük / the file is larger than 10 MB"),
    "not_a_photo": ApiError(415, "not_a_photo",
                            "Yalnızca fotoğraf: JPEG, PNG veya WebP / photos only: JPEG, PNG "
                            "or WebP"),
    "unreadable": ApiError(400, "unreadable_photo",
                           "Fotoğraf okunamadı ya da çok büyük / the photo cannot be read or "
                           "has too many pixels"),
    "too_many": ApiError(409, "too_many_photos",
                         f"Bir ziyarette en fazla {MAX_PHOTOS} fotoğraf / at most {MAX_PHOTOS} "
                         "photos a visit"),
}
_INCOMPLETE = {
    "notes": ApiError(409, "report_incomplete",
                      "Tutanak için saha notu gerekli / the report needs field notes"),
    "photos": ApiError(409, "report_incomplete",
                       "Tutanak için bu ziyaretten en az bir fotoğraf gerekli / the report "
                       "needs at least one photo of this visit"),
}


def field_api_error(error: FieldError) -> ApiError:
    simple = _simple(error)
    if simple is not None:
        return simple
    if isinstance(error, PhotoRefused):
        return _PHOTO_REFUSALS.get(error.reason, _PHOTO_REFUSALS["not_a_photo"])
    if isinstance(error, ReportIncomplete):
        return _INCOMPLETE[error.missing]
    if isinstance(error, InvalidFieldInput):
        return ApiError(400, "invalid_field",
                        f"Geçersiz alan / invalid field: {error.field} ({error.reason})")
    raise error


def _simple(error: FieldError) -> ApiError | None:
    """The refusals that say the same whatever they carry."""
    if isinstance(error, FieldTaskNotFound):
        return FIELD_TASK_NOT_FOUND
    if isinstance(error, FieldFileNotFound):
        return ATTACHMENT_NOT_FOUND
    if isinstance(error, FieldTaskClosed):
        return ApiError(409, "field_task_closed",
                        "Bu saha görevi kapandı / this field task is closed")
    if isinstance(error, TicketNotOpen):
        return ApiError(409, "ticket_closed",
                        "Kapalı kayda saha görevi açılmaz / a closed ticket gets no field task")
    if isinstance(error, FieldTaskChanged):
        return ApiError(409, "field_task_changed",
                        "Görev bu sırada değişti, yeniden deneyin / the task changed meanwhile, "
                        "try again")
    return None


def translating(handler: Handler) -> Handler:
    """A view whose field and ticket refusals become API errors."""

    @functools.wraps(handler)
    async def view(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except FieldError as error:
            raise field_api_error(error) from None
        except TicketError as error:
            raise api_error(error) from None

    return view
