"""A ticket's fields one by one: the enumerations, and how each value is checked and cleaned.

Text is kept as the person typed it (trimmed): escaping for HTML is the page's job, and a
description full of `<script>` is evidence worth keeping verbatim. Only NUL is refused, which
PostgreSQL cannot store in text.
"""

from __future__ import annotations

import enum
import math
import re

from cti.domain.numbers import normalize_number
from cti.domain.tickets.errors import InvalidTicket
from cti.domain.tickets.identity import is_valid_tc


class Channel(enum.StrEnum):
    PHONE = "phone"
    WHATSAPP = "whatsapp"
    EMAIL = "email"
    X = "x"
    FIELD = "field"  # reported by a municipal field team
    WEB = "web"
    CIMER = "cimer"  # the Presidency's communication centre (CİMER) forwarded it


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


# Longest accepted values; the columns in `cti.storage.models.Ticket` are at least this wide.
MAX_NAME = 120
MAX_ADDRESS = 1000
MAX_DESCRIPTION = 5000
MAX_RESOLUTION = 5000
MAX_NOTE = 2000
MAX_UNIT = 64
MAX_CALL_ID = 64

_FOREIGN = re.compile(r"\+[1-9][0-9]{6,14}")  # E.164
_UNIT = re.compile(rf"[a-z0-9][a-z0-9_.-]{{0,{MAX_UNIT - 1}}}")
_CALL_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_CALL_ID}}}")  # an Asterisk Linkedid


def text(field: str, value: str | None, *, limit: int, required: bool = False) -> str | None:
    """`value` trimmed; None for blank unless required; InvalidTicket if too long or with NUL."""
    if value is None or not value.strip():
        if required:
            raise InvalidTicket(field, "required")
        return None
    cleaned = value.strip()
    if len(cleaned) > limit:
        raise InvalidTicket(field, f"longer than {limit} characters")
    if "\x00" in cleaned:
        raise InvalidTicket(field, "contains NUL")
    return cleaned


def required_text(field: str, value: str | None, *, limit: int) -> str:
    cleaned = text(field, value, limit=limit, required=True)
    assert cleaned is not None
    return cleaned


def phone(value: str | None) -> str | None:
    """A Turkish number in national form (05321112233), or a foreign one in E.164."""
    if value is None or not value.strip():
        return None
    national = normalize_number(value)
    if national is not None and len(national) == 11:
        return national
    compact = re.sub(r"[ ()./-]", "", value.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if _FOREIGN.fullmatch(compact) and not compact.startswith("+90"):
        return compact
    raise InvalidTicket("citizen_phone", "not a phone number")


def tc_number(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    if not is_valid_tc(value.strip()):
        raise InvalidTicket("citizen_tc", "not a valid T.C. identity number")
    return value.strip()


def coordinates(latitude: float | None, longitude: float | None) -> None:
    """Both or neither, finite, on the globe."""
    if (latitude is None) != (longitude is None):
        raise InvalidTicket("latitude" if latitude is None else "longitude", "needs its pair")
    _degrees("latitude", latitude, 90.0)
    _degrees("longitude", longitude, 180.0)


def _degrees(field: str, value: float | None, limit: float) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not math.isfinite(value) or not -limit <= value <= limit:
        raise InvalidTicket(field, f"must be between -{limit:g} and {limit:g}")


def unit(value: str) -> str:
    """A unit's code, e.g. "aski-ariza" or "seyhan-fen-isleri" (the routing issue names them)."""
    if not _UNIT.fullmatch(value):
        raise InvalidTicket("unit", "not a unit code")
    return value


def call_id(value: str) -> str:
    if not _CALL_ID.fullmatch(value):
        raise InvalidTicket("call_id", "not a call id")
    return value
