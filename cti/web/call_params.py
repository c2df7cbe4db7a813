"""The calls resource's parameters: a call id and the search filters, checked and converted."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from multidict import MultiMapping

from cti.domain.calls.record import Outcome
from cti.storage.call_search import MAX_PAGE
from cti.web.errors import invalid_call_id, invalid_parameter, unknown_parameter

DEFAULT_LIMIT = 50
MAX_CALL_ID = 150
# An Asterisk Linkedid: "[systemname-]epoch.sequence", e.g. "alo153-1795682612.0".
_CALL_ID = re.compile(r"[A-Za-z0-9._-]{1,%d}" % MAX_CALL_ID)
_EPOCH = re.compile(r"\d{1,12}(\.\d{1,9})?")
# An unencoded "+03:00" reaches us as " 03:00": a query string's "+" means a space.
_SPACED_OFFSET = re.compile(r"(?<=\d) (?=\d\d:?\d\d$)")
_CALLER = re.compile(r"[0-9+() .\-]{1,32}")
_OPERATOR = re.compile(r"[\w.@-]{1,64}")
_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,512}")


@dataclass(frozen=True, kw_only=True)
class CallFilters:
    since: float | None = None
    until: float | None = None
    outcome: Outcome | None = None
    caller: str | None = None
    operator: str | None = None
    limit: int = DEFAULT_LIMIT
    after: str | None = None


def parse_call_id(raw: str) -> str:
    if not _CALL_ID.fullmatch(raw):
        raise invalid_call_id()
    return raw


def parse_filters(query: MultiMapping[str]) -> CallFilters:
    """The filters of `GET /api/calls`; ApiError for an unknown, repeated or bad parameter."""
    values: dict[str, object] = {}
    for name in query:
        parse = _PARSERS.get(name)
        if parse is None:
            raise unknown_parameter(name)
        found = query.getall(name)
        if len(found) > 1:
            raise invalid_parameter(name)
        values[_FIELDS.get(name, name)] = _parsed(name, parse, found[0])
    return CallFilters(**values)  # type: ignore[arg-type]


def _parsed(name: str, parse: Callable[[str], object], raw: str) -> object:
    try:
        return parse(raw)
    except ValueError as exc:
        raise invalid_parameter(name) from exc


def parse_time(raw: str) -> float:
    """Epoch seconds, or ISO 8601 with a timezone ("Z", "+03:00")."""
    if _EPOCH.fullmatch(raw):
        return float(raw)
    moment = datetime.fromisoformat(_SPACED_OFFSET.sub("+", raw.strip()))
    if moment.tzinfo is None:
        raise ValueError("a time without a timezone is ambiguous")
    seconds = moment.timestamp()
    if not math.isfinite(seconds):
        raise ValueError("not a time")
    return seconds


def _matching(pattern: re.Pattern[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if not pattern.fullmatch(raw):
            raise ValueError("unexpected characters or length")
        return raw

    return parse


def _limit(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise ValueError(f"limit is 1 to {MAX_PAGE}")
    return int(raw)


def _caller(raw: str) -> str:
    if not _CALLER.fullmatch(raw) or not any(c.isdigit() for c in raw):
        raise ValueError("not a phone number")
    return raw


# Query parameter -> its parser; the OpenAPI document lists exactly these.
_PARSERS: Mapping[str, Callable[[str], object]] = {
    "since": parse_time,
    "until": parse_time,
    "outcome": Outcome,
    "caller": _caller,
    "operator": _matching(_OPERATOR),
    "limit": _limit,
    "cursor": _matching(_CURSOR),
}
_FIELDS = {"cursor": "after"}  # the log's name for a page cursor
QUERY_PARAMETERS = frozenset(_PARSERS)
