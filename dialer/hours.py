"""When citizens may be called: a window (or a few) per weekday, Europe/Istanbul, none on public
holidays.

Written as `mon-fri=09:00-20:00,sat=10:00-18:00`: days are named (`mon`…`sun`) or ranged
(`mon-fri`, also across the week's end: `fri-mon`); a day may have several windows
(`mon=09:00-12:30+13:30-20:00`); a window whose end is not after its start runs into the next
day (`fri=18:00-01:00`), and `24:00` ends a window at midnight. A day not named has no calls.

No calls on a public holiday at all: a window that starts on one is dropped, and one that runs
past midnight into one is cut at that midnight. On a holiday's eve (arife, and the eve of
Republic Day) the holiday begins at 13:00, and so do the calls end. Administrative leave days
(idari izin) are not holidays here: they close offices, not the call centre.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import pairwise

from cti.domain.calendar import ISTANBUL, BusinessCalendar

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
# A window reaches at most a day past its start day: two years of days always hold the next
# window of a week that has one, holidays or not.
SEARCH_DAYS = 731
EVE_CLOSES = 13 * 60  # minutes: the holiday of an eve begins at 13:00

_CLOCK = re.compile(r"([01][0-9]|2[0-4]):([0-5][0-9])")
# Leave days are left out on purpose (see the module's docstring): public holidays only.
_PUBLIC_HOLIDAYS = BusinessCalendar()

# Minutes from the start day's midnight: start in [0, 1440), end in (start, start + 1440].
Window = tuple[int, int]
IsHoliday = Callable[[date], bool]


class HoursError(ValueError):
    """Calling hours that cannot be read, or that never open."""


@dataclass(frozen=True)
class CallingHours:
    """Windows per weekday (0 Monday … 6 Sunday), in Istanbul's local time."""

    windows: tuple[tuple[Window, ...], ...]
    is_holiday: IsHoliday = field(default=_PUBLIC_HOLIDAYS.is_holiday, compare=False, repr=False)
    is_eve: IsHoliday = field(default=_PUBLIC_HOLIDAYS.is_eve, compare=False, repr=False)

    def __post_init__(self) -> None:
        if len(self.windows) != len(DAY_NAMES):
            raise HoursError("calling hours need an entry for each of the 7 weekdays")
        if not any(self.windows):
            # An empty week would leave every callback waiting forever, silently.
            raise HoursError("calling hours have no window on any day: no call could be placed")

    @classmethod
    def parse(cls, text: str, is_holiday: IsHoliday | None = None,
              is_eve: IsHoliday | None = None) -> CallingHours:
        """`mon-fri=09:00-20:00,sat=10:00-18:00` → CallingHours; HoursError in one line. A
        caller that gives its own `is_holiday` gives the whole calendar: no eves unless
        `is_eve` is given too."""
        days: list[list[Window]] = [[] for _ in DAY_NAMES]
        for item in (part.strip() for part in text.split(",")):
            if item:
                names, windows = _item(item)
                for day in names:
                    days[day].extend(windows)
        week = tuple(_checked(DAY_NAMES[n], sorted(w)) for n, w in enumerate(days))
        if is_holiday is None:
            return cls(week) if is_eve is None else cls(week, is_eve=is_eve)
        return cls(week, is_holiday, is_eve or _no_day)

    def is_open(self, epoch: float) -> bool:
        return self.next_open(epoch) == epoch

    def next_open(self, epoch: float) -> float:
        """`epoch` itself when calls are allowed then, else the next moment they are."""
        for start, end in self._intervals_from(_local_day(epoch) - timedelta(days=1)):
            if end > epoch:
                return max(start, epoch)
        raise HoursError(f"calling hours do not open within {SEARCH_DAYS} days")

    def _intervals_from(self, first: date) -> Iterator[tuple[float, float]]:
        """Open intervals in order of their start: a day's windows all start on that day."""
        for offset in range(SEARCH_DAYS):
            day = first + timedelta(days=offset)
            if self.is_holiday(day):
                continue
            midnight = _midnight(day + timedelta(days=1))
            next_is_holiday = self.is_holiday(day + timedelta(days=1))
            eve_ends = _at(day, EVE_CLOSES) if self.is_eve(day) else None
            for start, end in self.windows[day.weekday()]:
                opens, closes = _at(day, start), _at(day, end)
                if next_is_holiday:
                    closes = min(closes, midnight)
                if eve_ends is not None:
                    closes = min(closes, eve_ends)
                if closes > opens:
                    yield opens, closes


def _no_day(day: date) -> bool:
    return False


def _item(item: str) -> tuple[list[int], list[Window]]:
    names, sep, spans = item.partition("=")
    if not sep or not spans.strip():
        raise HoursError(f"{item!r} is not day=HH:MM-HH:MM (e.g. mon-fri=09:00-20:00)")
    return _days(names.strip().lower()), [_window(s.strip()) for s in spans.split("+")]


def _days(names: str) -> list[int]:
    first, sep, last = names.partition("-")
    start, end = _day(first), _day(last) if sep else _day(first)
    return [(start + n) % 7 for n in range((end - start) % 7 + 1)]


def _day(name: str) -> int:
    if name not in DAY_NAMES:
        raise HoursError(f"{name!r} is not a day: use {', '.join(DAY_NAMES)}")
    return DAY_NAMES.index(name)


def _window(span: str) -> Window:
    first, sep, last = span.partition("-")
    if not sep:
        raise HoursError(f"{span!r} is not a window HH:MM-HH:MM")
    start, end = _minutes(first.strip()), _minutes(last.strip())
    if start == DAY_MINUTES:
        raise HoursError(f"{span!r}: a window cannot start at 24:00")
    if start == end:
        raise HoursError(f"{span!r}: a window must not end where it starts")
    # An end not after the start is on the next day.
    return start, end if end > start else end + DAY_MINUTES


def _minutes(clock: str) -> int:
    match = _CLOCK.fullmatch(clock)
    if match is None or (match[1] == "24" and match[2] != "00"):
        raise HoursError(f"{clock!r} is not a time of day HH:MM (00:00 to 24:00)")
    return int(match[1]) * 60 + int(match[2])


def _checked(day: str, windows: list[Window]) -> tuple[Window, ...]:
    for (_, end), (start, _) in pairwise(windows):
        if start < end:
            raise HoursError(f"calling hours on {day} overlap")
    return tuple(windows)


def _local_day(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, ISTANBUL).date()


def _midnight(day: date) -> float:
    return datetime.combine(day, time(0), ISTANBUL).timestamp()


def _at(day: date, minutes: int) -> float:
    # Wall-clock arithmetic on an aware datetime: right across a change of offset too.
    local = datetime.combine(day, time(0), ISTANBUL) + timedelta(minutes=minutes)
    return local.timestamp()
