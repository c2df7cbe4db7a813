"""The T.C. kimlik numarası (Turkish national identity number) and its two check digits.

Eleven digits, the first not 0; with d1..d11 the digits,
d10 = ((d1 + d3 + d5 + d7 + d9) * 7 - (d2 + d4 + d6 + d8)) mod 10 and
d11 = (d1 + … + d10) mod 10. A valid checksum says the number is well formed, not that it
belongs to the caller.
"""

from __future__ import annotations

LENGTH = 11


def is_valid_tc(text: str) -> bool:
    # isascii: "١٢٣" are digits to str.isdigit, not to the population register.
    if len(text) != LENGTH or not text.isascii() or not text.isdigit() or text[0] == "0":
        return False
    d = [int(c) for c in text]
    tenth = (sum(d[0:9:2]) * 7 - sum(d[1:8:2])) % 10
    return d[9] == tenth and d[10] == sum(d[:10]) % 10


def mask_tc(text: str) -> str:
    """For showing who a record is about without showing the number: the last 2 digits."""
    return "*" * max(len(text) - 2, 0) + text[-2:]
