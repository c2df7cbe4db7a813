"""What every resource's query string shares: strict names, one value a name, a page limit, a
cursor, a time. Each resource keeps its own parameter names and value checks.

Strict means an unknown or repeated parameter is a 400, never ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from datetime import datetime
from typing import TypeVar

from multidict import MultiMapping

from cti.web.errors import ApiError, invalid_parameter, unknown_parameter

T = TypeVar("T")
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,512}")  # what the stores hand out: urlsafe base64
# [0-9], not \d: Python's float() and int() also read Arabic-Indic and other digits.
_EPOCH = re.compile(r"[0-9]{1,12}(\.[0-9]{1,9})?")
# An unencoded "+03:00" reaches us as " 03:00": in a query string "+" means a space.
_SPACED_OFFSET = re.compile(r"(?<=[0-9]) (?=[0-9]{2}:?[0-9]{2}$)")


def reject_unknown(query: MultiMapping[str], allowed: Collection[str]) -> None:
    """400 for the first parameter not in `allowed` (repeats are left to `one`)."""
    for name in query:
        if name not in allowed:
            raise unknown_parameter(name)


def reject_unknown_or_repeated(query: MultiMapping[str], allowed: Collection[str]) -> None:
    """400 for the first parameter, in the query's order, not in `allowed` or given twice."""
    for name in query:
        if name not in allowed:
            raise unknown_parameter(name)
        if len(query.getall(name)) > 1:
            raise invalid_parameter(name)


def one(query: MultiMapping[str], name: str, parse: Callable[[str], T]) -> T | None:
    """The parameter's one value through `parse`, None when absent; 400 naming it when it is
    repeated or `parse` refuses it (ValueError or ApiError)."""
    found = query.getall(name, [])
    if not found:
        return None
    if len(found) > 1:
        raise invalid_parameter(name)
    try:
        return parse(found[0])
    except (ValueError, ApiError) as exc:
        raise invalid_parameter(name) from exc


def page_limit(query: MultiMapping[str], *, default: int, maximum: int) -> int:
    """`limit`: a whole number from 1 to `maximum` written in plain digits, else `default`."""
    digits = re.compile(rf"[0-9]{{1,{len(str(maximum))}}}")

    def parse(raw: str) -> int:
        if not digits.fullmatch(raw) or not 1 <= int(raw) <= maximum:
            raise ValueError(f"limit is 1 to {maximum}")
        return int(raw)

    found = one(query, "limit", parse)
    return default if found is None else found


def matching(pattern: re.Pattern[str]) -> Callable[[str], str]:
    """A parser that takes a value `pattern` matches in full and that is not all white space."""

    def parse(raw: str) -> str:
        if not pattern.fullmatch(raw) or raw.isspace():
            raise ValueError("unexpected characters or length")
        return raw

    return parse


def parse_time(raw: str) -> float:
    """Epoch seconds, or ISO 8601 with a timezone ("Z", "+03:00"); ValueError otherwise."""
    if _EPOCH.fullmatch(raw):
        return float(raw)
    moment = datetime.fromisoformat(_SPACED_OFFSET.sub("+", raw))
    if moment.tzinfo is None:
        raise ValueError("a time without a timezone is ambiguous")
    return moment.timestamp()


def parse_flag(raw: str) -> bool:
    """`true` or `false`, as a query string says them; ValueError for anything else."""
    if raw not in ("true", "false"):
        raise ValueError(raw)
    return raw == "true"
