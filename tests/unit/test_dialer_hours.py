"""Calling hours: per weekday windows in Istanbul, none on public holidays (2026's calendar)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from cti.domain.calendar import ISTANBUL
from dialer.hours import CallingHours, HoursError

HOURS = CallingHours.parse("mon-fri=09:00-20:00,sat=10:00-18:00")


def at(text: str) -> float:
    """Epoch of a local Istanbul time, `2026-05-25 09:00`."""
    return datetime.fromisoformat(text).replace(tzinfo=ISTANBUL).timestamp()


def local(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, ISTANBUL).strftime("%Y-%m-%d %H:%M %a")


def test_a_weekday_evening_is_open_until_the_window_closes() -> None:
    assert HOURS.is_open(at("2026-06-03 19:59"))  # Wednesday
    assert not HOURS.is_open(at("2026-06-03 20:00"))  # the end is not in the window
    assert HOURS.is_open(at("2026-06-03 09:00"))
    assert not HOURS.is_open(at("2026-06-03 08:59"))


def test_after_closing_the_next_opening_is_the_next_morning() -> None:
    assert local(HOURS.next_open(at("2026-06-03 20:30"))) == "2026-06-04 09:00 Thu"


def test_inside_a_window_the_next_opening_is_now() -> None:
    moment = at("2026-06-03 12:34") + 0.5
    assert HOURS.next_open(moment) == moment


def test_saturday_has_its_own_window_and_an_unnamed_sunday_has_none() -> None:
    assert local(HOURS.next_open(at("2026-06-05 20:01"))) == "2026-06-06 10:00 Sat"
    assert local(HOURS.next_open(at("2026-06-06 18:00"))) == "2026-06-08 09:00 Mon"
    assert not HOURS.is_open(at("2026-06-07 12:00"))


def test_the_kurban_bayrami_week_is_skipped_whole() -> None:
    # Arife (Tue 26 May) is a calling morning until the holiday begins at 13:00; 27-30 May
    # are public holidays, Sunday has no window: the next call is on Monday 1 June.
    assert HOURS.is_open(at("2026-05-26 12:00"))
    assert not HOURS.is_open(at("2026-05-26 19:00"))
    assert local(HOURS.next_open(at("2026-05-26 13:00"))) == "2026-06-01 09:00 Mon"


def test_a_single_public_holiday_on_a_weekday_is_closed() -> None:
    assert not HOURS.is_open(at("2026-05-19 12:00"))  # Tuesday, Youth and Sports Day
    assert local(HOURS.next_open(at("2026-05-18 21:00"))) == "2026-05-20 09:00 Wed"


def test_a_window_crossing_midnight_belongs_to_the_day_it_starts() -> None:
    late = CallingHours.parse("fri=18:00-01:00")
    assert late.is_open(at("2026-06-06 00:30"))  # Saturday morning, Friday's window
    assert not late.is_open(at("2026-06-06 01:00"))
    assert local(late.next_open(at("2026-06-06 01:00"))) == "2026-06-12 18:00 Fri"


def test_a_window_crossing_into_a_holiday_is_cut_at_midnight() -> None:
    late = CallingHours.parse("mon-sun=20:00-02:00")
    # 18 May 2026 (Monday) evening runs into the 19 May holiday: no call after midnight.
    assert late.is_open(at("2026-05-18 23:59"))
    assert not late.is_open(at("2026-05-19 00:30"))
    # Nor in the holiday's own evening; the next is the night of the 20th.
    assert local(late.next_open(at("2026-05-19 00:00"))) == "2026-05-20 20:00 Wed"


def test_whole_days_join_across_midnight_over_several_days() -> None:
    always = CallingHours.parse("sat-sun=00:00-24:00")
    assert always.is_open(at("2026-06-06 23:59"))
    assert always.is_open(at("2026-06-07 00:00"))
    assert local(always.next_open(at("2026-06-08 00:00"))) == "2026-06-13 00:00 Sat"


def test_ranges_wrap_round_the_week_and_a_day_may_have_several_windows() -> None:
    hours = CallingHours.parse("fri-mon=09:00-12:00+13:00-17:00")
    assert [bool(w) for w in hours.windows] == [True, False, False, False, True, True, True]
    assert not hours.is_open(at("2026-06-05 12:30"))
    assert local(hours.next_open(at("2026-06-05 12:30"))) == "2026-06-05 13:00 Fri"


def test_holidays_come_from_the_calendar_given() -> None:
    closed = {date(2026, 6, 3)}
    hours = CallingHours.parse("mon-fri=09:00-20:00", is_holiday=closed.__contains__)
    assert local(hours.next_open(at("2026-06-03 10:00"))) == "2026-06-04 09:00 Thu"


def test_on_a_bayram_eve_calls_end_when_the_holiday_begins_at_13() -> None:
    # 19 March 2026, a Thursday, is the eve of Ramazan Bayramı (20-22 March).
    assert HOURS.is_open(at("2026-03-19 12:59"))
    assert not HOURS.is_open(at("2026-03-19 13:00"))
    assert local(HOURS.next_open(at("2026-03-19 13:00"))) == "2026-03-23 09:00 Mon"
    saturday_eve = CallingHours.parse("mon-sun=09:00-20:00",
                                      is_eve={date(2026, 5, 23)}.__contains__)
    assert local(saturday_eve.next_open(at("2026-05-23 14:00"))) == "2026-05-24 09:00 Sun"


def test_a_calendar_given_without_eves_has_none() -> None:
    hours = CallingHours.parse("mon-sun=00:00-24:00", is_holiday=lambda day: False)
    assert hours.is_open(at("2026-03-19 15:00"))


def test_leave_days_are_not_holidays_for_calling_citizens() -> None:
    # The real calendar knows no leave day: BusinessCalendar() is asked for public holidays.
    assert HOURS.is_open(at("2026-06-03 10:00"))


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "no window on any day"),
        ("mon-fri", "is not day=HH:MM-HH:MM"),
        ("mon=", "is not day=HH:MM-HH:MM"),
        ("monday=09:00-10:00", "'monday' is not a day"),
        ("mon=0900", "is not a window"),
        ("mon=9-10", "'9' is not a time of day"),
        ("mon=09:00-25:00", "'25:00' is not a time of day"),
        ("mon=09:60-10:00", "'09:60' is not a time of day"),
        ("mon=24:00-02:00", "cannot start at 24:00"),
        ("mon=24:30-02:00", "'24:30' is not a time of day"),
        ("mon=09:00-09:00", "must not end where it starts"),
        ("mon=09:00-12:00+11:00-14:00", "calling hours on mon overlap"),
        ("mon-fri=09:00-20:00,wed=19:00-21:00", "calling hours on wed overlap"),
    ],
)
def test_unreadable_hours_are_refused_with_the_reason(text: str, says: str) -> None:
    with pytest.raises(HoursError, match=says):
        CallingHours.parse(text)


def test_a_week_without_any_window_is_refused_at_construction() -> None:
    with pytest.raises(HoursError, match="no window on any day"):
        CallingHours(((),) * 7)
