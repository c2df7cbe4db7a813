"""SIPp's counter files read back: the statistics (-trace_stat) and the per-message counts
(-trace_counts), both semicolon-separated with a header row and one row per dump."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

FAILURE_PREFIX = "Failed"


@dataclass(frozen=True)
class SippStats:
    """Cumulative counters from SIPp's statistics file (-trace_stat)."""

    created: int = 0
    current: int = 0
    successful: int = 0
    failed: int = 0
    failures: Mapping[str, int] = field(default_factory=dict)
    retransmissions: int = 0
    raw: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, text: str) -> SippStats:
        row = _last_row(text)
        if not row:
            return cls()
        failures = {
            name[len(FAILURE_PREFIX):-3]: _int(value)
            for name, value in row.items()
            if name.startswith(FAILURE_PREFIX) and name.endswith("(C)")
            and name != "FailedCall(C)" and _int(value)
        }
        return cls(
            created=_int(row.get("TotalCallCreated")),
            current=_int(row.get("CurrentCall")),
            successful=_int(row.get("SuccessfulCall(C)")),
            failed=_int(row.get("FailedCall(C)")),
            failures=failures,
            retransmissions=_int(row.get("Retransmissions(C)")),
            raw=row,
        )


def parse_message_counts(text: str) -> dict[str, int]:
    """The scenario's non-zero per-message counters (-trace_counts): element index, message,
    counter, e.g. {"9_487_Sent": 1, "10_ACK_Recv": 1}."""
    row = _last_row(text)
    return {name: _int(value) for name, value in row.items()
            if name not in ("CurrentTime", "ElapsedTime") and _int(value)}


def _last_row(text: str) -> dict[str, str]:
    complete = text[: text.rfind("\n") + 1]  # SIPp may be writing the last line right now
    rows = [row for row in csv.reader(io.StringIO(complete), delimiter=";") if row]
    if len(rows) < 2:
        return {}
    return {name: value for name, value in zip(rows[0], rows[-1], strict=False) if name}


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0
