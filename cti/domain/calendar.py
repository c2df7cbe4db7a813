"""Business days and business hours on the Turkish public-service calendar (Europe/Istanbul).

Deadlines for municipal units are counted on this calendar: weekends are off, public holidays
(including Ramazan and Kurban Bayramı) come from the `holidays` package, and the government's
ad-hoc administrative leave days (idari izin, announced by circular a few weeks ahead) are
passed in, since no package can know them.

Bayram eves (arife) and the eve of Republic Day are half days: public servants are off from
13:00, so only the morning shift (08:30-12:30) is worked. `holidays` lists those eves in its
HALF_DAY category ("Eid al-Fitr (from 1pm)"), not among the PUBLIC holidays.
For the day count an eve is a business day (its morning is worked, a unit can act on it);
for the hour count only its morning counts.

Islamic holidays are tabulated by `holidays` for years the Diyanet has published; beyond that
their names end in "(estimated)" and may move by a day once the Diyanet announces them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import holidays
from holidays.constants import HALF_DAY, PUBLIC

ISTANBUL = ZoneInfo("Europe/Istanbul")
SATURDAY = 5  # date.weekday(): Saturday and Sunday are the weekend

Shift = tuple[time, time]

# Turkish public service: 08:30-12:30, lunch, 13:30-17:30; an eve keeps only its morning.
FULL_DAY: tuple[Shift, ...] = ((time(8, 30), time(12, 30)), (time(13, 30), time(17, 30)))
EVE: tuple[Shift, ...] = ((time(8, 30), time(12, 30)),)


@dataclass(frozen=True)
class WorkingHours:
    """The shifts of a full working day and of a half-day eve, in local (Istanbul) time."""

    full_day: tuple[Shift, ...] = FULL_DAY
    eve: tuple[Shift, ...] = EVE

    def __post_init__(self) -> None:
        for shifts in (self.full_day, self.eve):
            if any(start >= end for start, end in shifts):
                raise ValueError("a shift must end after it starts")
            if any(a[1] > b[0] for a, b in pairwise(shifts)):
                raise ValueError("shifts must be in order and must not overlap")
        if not self.full_day:
            # Without working hours on a full day, an hour count would never end.
            raise ValueError("a full working day needs at least one shift")


class BusinessCalendar:
    """Which days and hours are worked; answers in Europe/Istanbul."""

    def __init__(
        self, leave_days: Iterable[date] = (), hours: WorkingHours | None = None
    ) -> None:
        self.leave_days = frozenset(leave_days)
        self.hours = hours or WorkingHours()
        # Both objects fill in a year on first lookup, so any year can be asked about.
        self._public = holidays.country_holidays("TR", categories=PUBLIC)
        self._eves = holidays.country_holidays("TR", categories=HALF_DAY)

    def is_holiday(self, day: date) -> bool:
        """A public holiday or an administrative leave day (weekends aside)."""
        return day in self._public or day in self.leave_days

    def is_eve(self, day: date) -> bool:
        """The eve of a Bayram or of Republic Day: the holiday begins at 13:00, any weekday."""
        return day in self._eves

    def is_half_day(self, day: date) -> bool:
        """A working eve: only its morning is worked."""
        return self.is_business_day(day) and day in self._eves

    def is_business_day(self, day: date) -> bool:
        """A weekday that is neither a public holiday nor a leave day; eves are business days."""
        return day.weekday() < SATURDAY and not self.is_holiday(day)

    def shifts(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working intervals of `day`, as aware Istanbul datetimes (empty on a day off)."""
        if not self.is_business_day(day):
            return []
        shifts = self.hours.eve if day in self._eves else self.hours.full_day
        return [
            (datetime.combine(day, start, ISTANBUL), datetime.combine(day, end, ISTANBUL))
            for start, end in shifts
        ]

    def add_business_days(self, start: date, n: int) -> date:
        """The date `n` business days after `start` (`start` itself when `n` is 0).

        `start` need not be a business day: a request received on a Saturday is due `n`
        business days later just the same.
        """
        if n < 0:
            raise ValueError(f"the number of business days must not be negative, not {n}")
        day = start
        while n:
            day += timedelta(days=1)
            if self.is_business_day(day):
                n -= 1
        return day

    def add_business_hours(self, start: datetime, hours: float) -> datetime:
        """The moment `hours` working hours after `start`, in Istanbul time.

        Outside working hours the count starts at the next shift. A count that ends exactly at
        the end of a shift ends there, not at the start of the next one.
        """
        if start.tzinfo is None:
            raise ValueError("start must carry a time zone")
        if hours < 0:
            raise ValueError(f"the number of business hours must not be negative, not {hours}")
        moment = start.astimezone(ISTANBUL)
        if not hours:
            return moment  # like add_business_days with 0: no time passes, even off hours
        remaining = timedelta(hours=hours)
        day = moment.date()
        while True:
            for shift_start, shift_end in self.shifts(day):
                begin = max(moment, shift_start)
                if begin >= shift_end:
                    continue
                if begin + remaining <= shift_end:
                    return begin + remaining
                remaining -= shift_end - begin
            day += timedelta(days=1)

    def business_hours_between(self, start: datetime, end: datetime) -> float:
        """The working hours from `start` to `end` (0 if `end` is not later)."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must carry a time zone")
        start, end = start.astimezone(ISTANBUL), end.astimezone(ISTANBUL)
        worked = timedelta()
        day = start.date()
        while day <= end.date():
            for shift_start, shift_end in self.shifts(day):
                overlap = min(end, shift_end) - max(start, shift_start)
                worked += max(overlap, timedelta())
            day += timedelta(days=1)
        return worked.total_seconds() / 3600
