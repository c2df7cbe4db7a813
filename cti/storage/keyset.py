"""Keyset pages, newest first on (a time, a unique key), and the cursor to the next one.

A row written while someone pages never shifts what they see the way OFFSET would, and page
1,000 costs what page 1 does. The call log pages on (started_at, call_id), tickets on
(created_at, id).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import TypeVar

from sqlalchemy import ColumnElement, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

K = TypeVar("K", int, str)


class InvalidCursor(ValueError):
    """An `after` cursor this store never handed out (truncated, edited, or from elsewhere)."""


def older_than(
    at_column: InstrumentedAttribute[float],
    key_column: InstrumentedAttribute[K],
    at: float,
    key: K,
) -> ColumnElement[bool]:
    """The rows after (at, key) in newest-first order."""
    # Spelled out rather than as a row comparison so both SQLite and PostgreSQL walk the
    # (at, key) index backwards from the cursor.
    return or_(at_column < at, and_(at_column == at, key_column < key))


def encode_cursor(at: float, key: int | str) -> str:
    # Opaque to clients but not secret: a forged cursor only moves where a page starts.
    # JSON keeps the float exact (repr round-trips), so no row at the boundary is skipped.
    raw = json.dumps([at, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, key_type: type[K], refusal: str) -> tuple[float, K]:
    """The (at, key) `encode_cursor` wrote; InvalidCursor(refusal) for anything else."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, key = json.loads(raw)
    except (binascii.Error, ValueError, TypeError) as exc:
        raise InvalidCursor(refusal) from exc
    if not _is_time(at) or isinstance(key, bool) or not isinstance(key, key_type):
        raise InvalidCursor(refusal)
    return float(at), key


def _is_time(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isfinite(value)
