"""The feedback dialer's settings, read once from `cti.config.Settings` (its `dialer_*` fields).

`PARSERS` turns each field's text (CTI_DIALER_* or the TOML file) into its value; cti.config
calls them while loading, so a bad value stops the start with one clear line, also in a
`cti serve` that never dials.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dialer.hours import CallingHours

if TYPE_CHECKING:  # cti.config imports this module to parse its fields
    from cti.config import Settings

DEFAULT_HOURS = "mon-fri=09:00-20:00,sat=10:00-18:00"
DEFAULT_SPACING = (30 * 60.0, 2 * 3600.0)
DEFAULT_CALLER_ID = "ALO 153 <153>"
# The centre's own Turkish recordings, beside the dialplan's (ALO153_SOUNDS); one that is not
# installed is skipped (the survey's beep still plays).
DEFAULT_SURVEY_PROMPT = "/var/lib/asterisk/sounds/alo153/anket"
DEFAULT_SURVEY_THANKS = "/var/lib/asterisk/sounds/alo153/tesekkurler"

# A sound as STREAM FILE takes it: a name under the sounds directory or an absolute path,
# without extension; no "..", space or quote that would break the AGI command line.
_SOUND = re.compile(r"/?[A-Za-z0-9_-]{1,40}(?:/[A-Za-z0-9_-]{1,40}){0,7}")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_DURATION = re.compile(r"([0-9]{1,6})\s*([smhd])")
# `Name <number>` or a bare number; the name is what phones show, the number what they dial.
_CALLER_ID = re.compile(r"(?:([^<>\"\r\n\x00]{1,40}?)\s*)?<(\+?[0-9]{2,20})>|(\+?[0-9]{2,20})")
# Bounds that catch a typo (300 attempts, a 3-hour ring) before it reaches a citizen.
MAX_ATTEMPTS = 10
RING_SECONDS = (5.0, 120.0)
MAX_LINES = 500


class DialerMode(enum.StrEnum):
    PROGRESSIVE = "progressive"  # a call only when a feedback operator is free
    PREVIEW = "preview"  # the operator reads the ticket first and starts the call
    OFF = "off"


def default_hours() -> CallingHours:
    return CallingHours.parse(DEFAULT_HOURS)


@dataclass(frozen=True, kw_only=True)
class DialerConfig:
    mode: DialerMode = DialerMode.PROGRESSIVE
    hours: CallingHours = field(default_factory=default_hours)
    max_attempts: int = 3
    spacing: tuple[float, ...] = DEFAULT_SPACING  # seconds after attempt 1, 2, …; last repeats
    caller_id: str = DEFAULT_CALLER_ID
    ring_seconds: float = 30.0
    max_lines: int = 20  # concurrent calls, whatever the number of free operators

    def __post_init__(self) -> None:
        parse_attempts(str(self.max_attempts))
        parse_lines(str(self.max_lines))
        parse_ring(str(self.ring_seconds))
        parse_caller_id(self.caller_id)
        if not self.spacing or min(self.spacing) <= 0:
            raise ValueError("the spacing needs at least one positive wait")

    @classmethod
    def from_settings(cls, settings: Settings) -> DialerConfig:
        return cls(
            mode=settings.dialer_mode, hours=settings.dialer_hours,
            max_attempts=settings.dialer_max_attempts, spacing=settings.dialer_spacing,
            caller_id=settings.dialer_caller_id, ring_seconds=settings.dialer_ring_seconds,
            max_lines=settings.dialer_max_lines,
        )

    def wait_after(self, attempt: int) -> float:
        """Seconds to wait after the `attempt`-th call (1-based) before the next one."""
        return self.spacing[max(0, min(attempt, len(self.spacing)) - 1)]

    def next_attempt_at(self, attempt: int, ended_at: float) -> float:
        """When the call after the `attempt`-th may be placed: its wait, moved into the
        calling hours (a call due at 20:30 waits for tomorrow's opening)."""
        return self.hours.next_open(ended_at + self.wait_after(attempt))


def parse_mode(text: str) -> DialerMode:
    try:
        return DialerMode(text.strip().lower())
    except ValueError:
        raise ValueError(f"{text!r} is not one of {', '.join(DialerMode)}") from None


def parse_spacing(text: str) -> tuple[float, ...]:
    """`30m,2h` → (1800.0, 7200.0): the waits after attempt 1, 2, …"""
    waits = []
    for item in (part.strip().lower() for part in text.split(",")):
        match = _DURATION.fullmatch(item)
        if match is None or int(match[1]) == 0:
            raise ValueError(f"{item!r} is not a wait like 90s, 30m, 2h or 1d")
        waits.append(float(int(match[1]) * _UNITS[match[2]]))
    return tuple(waits)


def parse_caller_id(text: str) -> str:
    """`ALO 153 <153>` or `153`: what citizens' phones show (the centre's public number)."""
    if _CALLER_ID.fullmatch(text.strip()) is None:
        raise ValueError(f"{text!r} is not a caller id like 'ALO 153 <153>'")
    return text.strip()


def parse_attempts(text: str) -> int:
    return _whole(text, 1, MAX_ATTEMPTS)


def parse_lines(text: str) -> int:
    return _whole(text, 1, MAX_LINES)


def parse_ring(text: str) -> float:
    low, high = RING_SECONDS
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not low <= value <= high:
        raise ValueError(f"{text!r} is not a number of seconds from {low:g} to {high:g}")
    return value


def parse_sound(text: str) -> str:
    """`custom/anket` or `/var/lib/asterisk/sounds/alo153/anket`: a sound, without extension."""
    if _SOUND.fullmatch(text.strip()) is None:
        raise ValueError(f"{text!r} is not a sound like '/var/lib/asterisk/sounds/alo153/anket'")
    return text.strip()


def _whole(text: str, low: int, high: int) -> int:
    value = int(text.strip()) if text.strip().isascii() and text.strip().isdigit() else -1
    if not low <= value <= high:
        raise ValueError(f"{text!r} is not a whole number from {low} to {high}")
    return value


# Settings field → parser of its text; a ValueError's message becomes the ConfigError's.
PARSERS: dict[str, Callable[[str], object]] = {
    "dialer_mode": parse_mode,
    "dialer_hours": CallingHours.parse,  # HoursError is a ValueError
    "dialer_max_attempts": parse_attempts,
    "dialer_spacing": parse_spacing,
    "dialer_caller_id": parse_caller_id,
    "dialer_ring_seconds": parse_ring,
    "dialer_max_lines": parse_lines,
    "dialer_survey_prompt": parse_sound,
    "dialer_survey_thanks": parse_sound,
}
