"""Turkish phone numbers: one canonical form for 0xxx, +90xxx and 90xxx.

A citizen who calls from 0532 111 22 33 today and is presented as +905321112233 tomorrow is
the same citizen; their history must be found either way.
"""

from __future__ import annotations

import re

_NOT_DIGIT = re.compile(r"\D")
NATIONAL_LENGTH = 10  # without the trunk prefix 0


def normalize_number(raw: str) -> str | None:
    """Return the national form `0XXXXXXXXXX`, or None when `raw` is no Turkish number.

    Short numbers (internal extensions, 153 itself) are kept as digits.
    """
    text = raw.strip()
    digits = _NOT_DIGIT.sub("", text)
    if not digits:
        return None
    if text.startswith(("+", "00")):
        digits = digits[2:] if text.startswith("00") else digits
        if not digits.startswith("90"):
            return None  # a foreign number: kept out of Turkish matching
        digits = digits[2:]
    elif digits.startswith("90") and len(digits) == NATIONAL_LENGTH + 2:
        digits = digits[2:]
    elif digits.startswith("0") and len(digits) == NATIONAL_LENGTH + 1:
        digits = digits[1:]
    elif digits.startswith("0"):
        return digits if len(digits) <= 6 else None  # an incomplete national number
    if len(digits) == NATIONAL_LENGTH and not digits.startswith("0"):
        return "0" + digits
    return digits if len(digits) <= 6 else None


def mask_number(number: str) -> str:
    """For the few places a number must be referred to in a log: keep only the last 2 digits."""
    return "*" * max(len(number) - 2, 0) + number[-2:]
