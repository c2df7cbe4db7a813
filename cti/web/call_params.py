"""The calls resource's parameters: a call id and the search filters, checked and converted."""

from __future__ import annotations

import re
from dataclasses import dataclass

from multidict import MultiMapping

from cti.domain.calls.record import Outcome
from cti.storage.call_search import MAX_PAGE
from cti.web.errors import invalid_call_id
from cti.web.query_params import CURSOR, matching, one, page_limit, parse_time, reject_unknown

DEFAULT_LIMIT = 50
MAX_CALL_ID = 150
QUERY_PARAMETERS = frozenset({"since", "until", "outcome", "caller", "operator", "limit", "cursor"})
# An Asterisk Linkedid: "[systemname-]epoch.sequence", e.g. "alo153-1795682612.0".
_CALL_ID = re.compile(rf"[A-Za-z0-9._-]{{1,{MAX_CALL_ID}}}")
_CALLER = re.compile(r"(?=.*[0-9])[0-9+() .\-]{1,32}")  # any written form, with digits
_OPERATOR = re.compile(r"[\w.@-]{1,64}")


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
    reject_unknown(query, QUERY_PARAMETERS)
    limit = page_limit(query, default=DEFAULT_LIMIT, maximum=MAX_PAGE)
    return CallFilters(
        since=one(query, "since", parse_time),
        until=one(query, "until", parse_time),
        outcome=one(query, "outcome", Outcome),
        caller=one(query, "caller", matching(_CALLER)),
        operator=one(query, "operator", matching(_OPERATOR)),
        limit=limit,
        after=one(query, "cursor", matching(CURSOR)),
    )
