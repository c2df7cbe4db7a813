"""Human ticket numbers: `153-2026-000123`, the 123rd ticket of 2026.

The year is the one in Adana (Europe/Istanbul) when the ticket was opened, so a request
recorded at 01:30 on 1 January is numbered in the new year, as the citizen would expect.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

ISTANBUL = ZoneInfo("Europe/Istanbul")
PREFIX = "153"
MAX_SEQUENCE = 9_999_999  # six digits, a seventh in a year of more than 999,999 tickets
_NUMBER = re.compile(rf"{PREFIX}-([0-9]{{4}})-([0-9]{{6}}|[1-9][0-9]{{6}})")


def year_of(at: float) -> int:
    """The year in Turkey at epoch second `at`."""
    return datetime.fromtimestamp(at, ISTANBUL).year


def format_number(year: int, sequence: int) -> str:
    if not 1000 <= year <= 9999:
        raise ValueError(f"year out of range: {year}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence out of range: {sequence}")
    return f"{PREFIX}-{year:04d}-{sequence:06d}"


def parse_number(text: str) -> tuple[int, int]:
    """(year, sequence) of a ticket number; ValueError for anything else."""
    match = _NUMBER.fullmatch(text)
    if match is None or int(match[2]) == 0:
        raise ValueError("not a ticket number")
    return int(match[1]), int(match[2])


def is_ticket_number(text: str) -> bool:
    try:
        parse_number(text)
    except ValueError:
        return False
    return True
