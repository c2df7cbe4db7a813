"""The calls resource's parameters: a call id and the search filters, checked and converted."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from multidict import MultiMapping

from cti.domain.calls.record import Outcome
from cti.storage.call_search import MAX_PAGE
from cti.web.errors import invalid_call_id, invalid_parameter, unknown_parameter

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_CALL_ID = 150
QUERY_PARAMETERS = frozenset({"since", "until", "outcome", "caller", "operator", "limit", "cursor"})
# An Asterisk Linkedid: "[systemname-]epoch.sequence", e.g. "alo153-1795682612.0".
_CALL_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_CALL_ID}}}")
# [0-9], not \d: Python's float() and int() also read Arabic-Indic and other digits.
_EPOCH = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
_LIMIT = re.compile(r"[0-9]{1,3}")
# An unencoded "+03:00" reaches us as " 03:00": in a query string "+" means a space.
_SPACED_OFFSET = re.compile(r"(?<=[0-9]) (?=[0-9]{2}:?[0-9]{2}$)")
_CALLER = re.compile(r"(?=.*[0-9])[0-9+() .\-]{1,32}")  # any written form, with digits
_OPERATOR = re.compile(r"[\w.@-]{1,64}")
_CURSOR = re.compile(r"[A-Za-z0-9_-]{1,512}")  # what CallLog hands out: urlsafe base64


@dataclass(frozen=True, kw_only=True)
class CallFilters:
    """The keyword arguments of `CallQueries.search`."""

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
    for name in query:
        if name not in QUERY_PARAMETERS:
            raise unknown_parameter(name)
    limit = _one(query, "limit", _limit)
    return CallFilters(
        since=_one(query, "since", parse_time),
        until=_one(query, "until", parse_time),
        outcome=_one(query, "outcome", Outcome),
        caller=_one(query, "caller", _matching(_CALLER)),
        operator=_one(query, "operator", _matching(_OPERATOR)),
        limit=DEFAULT_LIMIT if limit is None else limit,
        after=_one(query, "cursor", _matching(_CURSOR)),
    )


def parse_time(raw: str) -> float:
    """Epoch seconds, or ISO 8601 with a timezone ("Z", "+03:00"); ValueError otherwise."""
    if _EPOCH.fullmatch(raw):
        return float(raw)
    moment = datetime.fromisoformat(_SPACED_OFFSET.sub("+", raw))
    if moment.tzinfo is None:
        raise ValueError("a time without a timezone is ambiguous")
    return moment.timestamp()


def _one(query: MultiMapping[str], name: str, parse: Callable[[str], T]) -> T | None:
    found = query.getall(name, [])
    if not found:
        return None
    if len(found) > 1:
        raise invalid_parameter(name)
    try:
        return parse(found[0])
    except ValueError as exc:
        raise invalid_parameter(name) from exc


def _matching(pattern: re.Pattern[str]) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if not pattern.fullmatch(raw) or raw.isspace():
            raise ValueError("unexpected characters or length")
        return raw

    return parse


def _limit(raw: str) -> int:
    if not _LIMIT.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise ValueError(f"limit is 1 to {MAX_PAGE}")
    return int(raw)
