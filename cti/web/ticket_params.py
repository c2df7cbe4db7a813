"""The tickets resource's parameters: a ticket number, the search filters, the JSON bodies.

Query parameters (`query_params`) and body fields are strict like the call log's: an unknown
or repeated one is a 400, never ignored. Values are checked here for their shape; the domain
(`TicketDraft`, `TicketPatch`) checks their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from multidict import MultiMapping

from cti.domain.tickets.fields import Channel, Priority
from cti.domain.tickets.numbering import is_ticket_number
from cti.domain.tickets.reference import reference
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import TicketDraft, TicketPatch
from cti.storage.ticket_search import MAX_PAGE
from cti.web.errors import ApiError, invalid_parameter
from cti.web.query_params import (
    CURSOR,
    matching,
    one,
    page_limit,
    parse_flag,
    parse_time,
    reject_unknown,
)

DEFAULT_LIMIT = 50
QUERY_PARAMETERS = frozenset(
    {"phone", "number", "status", "category", "district", "unit", "overdue", "since", "until",
     "limit", "cursor"}
)
_PHONE = re.compile(r"(?=.*[0-9])[0-9+() .\-]{1,32}")  # any written form, with digits
_UNIT = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}")
_ATTACHMENT_ID = re.compile(r"[1-9][0-9]{0,17}")

# Body fields; `TicketDraft` and `TicketPatch` take the same names.
TEXT_FIELDS = ("description", "citizen_phone", "citizen_name", "citizen_tc", "district",
               "neighbourhood", "address")
DRAFT_FIELDS = frozenset({*TEXT_FIELDS, "channel", "category", "priority", "no_callback",
                          "latitude", "longitude", "call_id"})
PATCH_FIELDS = frozenset({*TEXT_FIELDS, "channel", "category", "priority", "no_callback",
                          "latitude", "longitude", "resolution", "status", "note"})
# Fields a patch may not clear with null.
_REQUIRED = frozenset({"description", "channel", "category", "priority", "status",
                       "no_callback"})
_ENUMS: dict[str, type[Channel | Priority | TicketStatus]] = {
    "channel": Channel, "priority": Priority, "status": TicketStatus,
}

# Statuses reached only through their own routes (`/forward`, the unit inbox's steps).
ROUTED_STATUSES = frozenset({TicketStatus.FORWARDED, TicketStatus.IN_PROGRESS,
                             TicketStatus.INFO_REQUESTED, TicketStatus.RESOLVED,
                             TicketStatus.RETURNED})

INVALID_NUMBER = ApiError(400, "invalid_ticket_number",
                          "Geçersiz kayıt numarası / invalid ticket number")
INVALID_ATTACHMENT_ID = ApiError(400, "invalid_attachment_id",
                                 "Geçersiz ek kimliği / invalid attachment id")


@dataclass(frozen=True, kw_only=True)
class TicketFilters:
    """The keyword arguments of `TicketQueries.search`."""

    phone: str | None = None
    number: str | None = None
    status: TicketStatus | None = None
    category: str | None = None
    district: str | None = None
    unit: str | None = None
    overdue: bool | None = None
    since: float | None = None
    until: float | None = None
    limit: int = DEFAULT_LIMIT
    after: str | None = None


def parse_number(raw: str) -> str:
    if not is_ticket_number(raw):
        raise INVALID_NUMBER
    return raw


def parse_attachment_id(raw: str) -> int:
    if not _ATTACHMENT_ID.fullmatch(raw):
        raise INVALID_ATTACHMENT_ID
    return int(raw)


def parse_filters(query: MultiMapping[str]) -> TicketFilters:
    """The filters of `GET /api/tickets`; ApiError for an unknown, repeated or bad parameter."""
    reject_unknown(query, QUERY_PARAMETERS)
    limit = page_limit(query, default=DEFAULT_LIMIT, maximum=MAX_PAGE)
    return TicketFilters(
        phone=one(query, "phone", matching(_PHONE)),
        number=one(query, "number", parse_number),
        status=one(query, "status", TicketStatus),
        category=one(query, "category", _known(reference().categories)),
        district=one(query, "district", _known(reference().districts)),
        unit=one(query, "unit", matching(_UNIT)),
        overdue=one(query, "overdue", parse_flag),
        since=one(query, "since", parse_time),
        until=one(query, "until", parse_time),
        limit=limit,
        after=one(query, "cursor", matching(CURSOR)),
    )


def draft_of(body: dict[str, object]) -> tuple[TicketDraft, str | None]:
    """A new ticket from `POST /api/tickets`, and the call it came on (if any)."""
    values = {name: _typed(name, value) for name, value in body.items()}
    call_id = values.pop("call_id", None)
    if "description" not in values:
        values["description"] = None  # the domain says "required"
    values = {k: v for k, v in values.items() if v is not None or k == "description"}
    return TicketDraft(**values), None if call_id is None else str(call_id)


def patch_of(body: dict[str, object]) -> TicketPatch:
    """The changes of `PATCH /api/tickets/{number}`: a field left out stays, null clears it.

    A status that has a route of its own (forward, a unit's steps) is refused here: those
    routes check who may take the step (a unit's staff, their unit) and what it needs.
    """
    values = {name: _typed(name, value) for name, value in body.items()}
    for name in _REQUIRED & values.keys():
        if values[name] is None:
            raise invalid_parameter(name)
    if values.get("status") in ROUTED_STATUSES:
        raise invalid_parameter("status")
    return TicketPatch(**values)


def _typed(name: str, value: object) -> Any:
    """A body value of the type its field takes; 400 naming the field otherwise."""
    if value is None:
        return None
    if name in ("latitude", "longitude"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise invalid_parameter(name)
        return float(value)
    if name == "no_callback":
        if not isinstance(value, bool):
            raise invalid_parameter(name)
        return value
    if not isinstance(value, str):
        raise invalid_parameter(name)
    enum = _ENUMS.get(name)
    if enum is None:
        return value
    try:
        return enum(value)
    except ValueError:
        raise invalid_parameter(name) from None


def _known(codes: Mapping[str, object]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in codes:
            raise ValueError("unknown code")
        return raw

    return parse
