"""The business-day calendar: Bayrams and their eves, weekends, leave days, the CLI."""

import asyncio
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from cti.cli import main
from cti.domain.calendar import ISTANBUL, BusinessCalendar, WorkingHours
from cti.storage.db import create_engine, session_factory
from cti.storage.leave_days import LeaveDays
from cti.storage.migrate import upgrade

CALENDAR = BusinessCalendar()


def local(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=ISTANBUL)


def test_the_issues_example_skips_ramazan_bayrami_but_counts_its_eve() -> None:
    # 20-22 March 2026 are off; Thursday 19 March, the eve, is a working morning.
    assert not CALENDAR.is_business_day(date(2026, 3, 20))
    assert CALENDAR.is_business_day(date(2026, 3, 19))
    assert CALENDAR.is_half_day(date(2026, 3, 19))
    assert CALENDAR.add_business_days(date(2026, 3, 12), 15) == date(2026, 4, 3)


def test_a_deadline_crossing_kurban_bayrami() -> None:
    # Eve Tuesday 26 May (counted), Bayram Wednesday 27 to Saturday 30 May 2026 (not).
    assert [CALENDAR.is_business_day(date(2026, 5, d)) for d in range(26, 31)] == [
        True, False, False, False, False
    ]
    assert CALENDAR.add_business_days(date(2026, 5, 20), 5) == date(2026, 6, 1)


def test_the_republic_day_eve_is_a_half_day_too() -> None:
    assert CALENDAR.is_half_day(date(2026, 10, 28))
    assert not CALENDAR.is_business_day(date(2026, 10, 29))


def test_weekends_are_not_worked() -> None:
    assert not CALENDAR.is_business_day(date(2026, 3, 14))
    assert not CALENDAR.is_business_day(date(2026, 3, 15))
    assert CALENDAR.add_business_days(date(2026, 3, 13), 1) == date(2026, 3, 16)
    # A request that arrives on a Saturday is counted from the next Monday on.
    assert CALENDAR.add_business_days(date(2026, 3, 14), 1) == date(2026, 3, 16)


def test_an_administrative_leave_day_is_not_worked() -> None:
    calendar = BusinessCalendar(leave_days=[date(2026, 3, 19)])  # the whole eve given off
    assert not calendar.is_business_day(date(2026, 3, 19))
    assert not calendar.is_half_day(date(2026, 3, 19))
    assert calendar.shifts(date(2026, 3, 19)) == []
    assert calendar.add_business_days(date(2026, 3, 12), 15) == date(2026, 4, 6)


def test_zero_days_is_the_start_itself_and_negative_days_are_refused() -> None:
    assert CALENDAR.add_business_days(date(2026, 3, 12), 0) == date(2026, 3, 12)
    assert CALENDAR.add_business_days(date(2026, 3, 21), 0) == date(2026, 3, 21)
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_business_days(date(2026, 3, 12), -1)


@pytest.mark.parametrize(
    ("start", "hours", "due"),
    [
        (local(2026, 3, 12, 10, 0), 1, local(2026, 3, 12, 11, 0)),
        (local(2026, 3, 12, 12, 0), 1, local(2026, 3, 12, 14, 0)),  # over lunch
        (local(2026, 3, 12, 16, 30), 1, local(2026, 3, 12, 17, 30)),  # ends with the shift
        (local(2026, 3, 12, 16, 0), 2, local(2026, 3, 13, 9, 0)),  # overnight
        (local(2026, 3, 13, 17, 0), 1, local(2026, 3, 16, 9, 0)),  # over the weekend
        (local(2026, 3, 14, 10, 0), 1.5, local(2026, 3, 16, 10, 0)),  # from a Saturday
        (local(2026, 3, 12, 7, 0), 0.25, local(2026, 3, 12, 8, 45)),  # before the day starts
        (local(2026, 3, 12, 18, 0), 0, local(2026, 3, 12, 18, 0)),
    ],
)
def test_business_hours_count_only_working_hours(
    start: datetime, hours: float, due: datetime
) -> None:
    assert CALENDAR.add_business_hours(start, hours) == due


def test_an_eve_gives_only_its_morning() -> None:
    # Ramazan eve: 2.5 h until 12:30, then the Bayram and the weekend, then Monday.
    assert CALENDAR.add_business_hours(local(2026, 3, 19, 10, 0), 3) == local(2026, 3, 23, 9, 0)
    # Starting on the eve's afternoon, the count waits for the Monday after the Bayram.
    assert CALENDAR.add_business_hours(local(2026, 3, 19, 14, 0), 1) == local(2026, 3, 23, 9, 30)
    # Kurban eve: 4 h, then Bayram to Saturday, Sunday, and 4 h on Monday 1 June.
    assert CALENDAR.add_business_hours(local(2026, 5, 26, 8, 30), 8) == local(2026, 6, 1, 12, 30)


def test_business_hours_answer_in_istanbul_time() -> None:
    due = CALENDAR.add_business_hours(datetime(2026, 3, 12, 7, 0, tzinfo=UTC), 1)  # 10:00 local
    assert due == local(2026, 3, 12, 11, 0)
    assert due.tzinfo == ISTANBUL
    with pytest.raises(ValueError, match="time zone"):
        CALENDAR.add_business_hours(datetime(2026, 3, 12, 10, 0), 1)
    with pytest.raises(ValueError, match="negative"):
        CALENDAR.add_business_hours(local(2026, 3, 12, 10, 0), -1)


def test_working_hours_are_a_parameter() -> None:
    hours = WorkingHours(full_day=((time(9), time(18)),), eve=((time(9), time(13)),))
    calendar = BusinessCalendar(hours=hours)
    assert calendar.add_business_hours(local(2026, 3, 12, 17, 0), 2) == local(2026, 3, 13, 10, 0)
    assert calendar.add_business_hours(local(2026, 3, 19, 12, 0), 1) == local(2026, 3, 19, 13, 0)
    with pytest.raises(ValueError, match="at least one shift"):
        WorkingHours(full_day=())
    with pytest.raises(ValueError, match="overlap"):
        WorkingHours(full_day=((time(9), time(13)), (time(12), time(17))))


@pytest.fixture(autouse=True)
def own_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No CTI database of the machine's leaks into these dates."""
    monkeypatch.setenv("CTI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("CTI_DATABASE_URL", raising=False)
    monkeypatch.delenv("CTI_CONFIG", raising=False)
    return tmp_path


def test_the_cli_prints_the_due_date(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["calendar", "due", "2026-03-12", "15"]) == 0
    assert capsys.readouterr().out == "2026-04-03\n"
    assert main(["calendar", "due", "2026-03-12", "15", "--leave", "2026-03-19"]) == 0
    assert capsys.readouterr().out == "2026-04-06\n"


def test_the_cli_counts_the_leave_days_declared_in_the_database(
    own_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{own_data_dir / 'cti.sqlite3'}"

    async def declare() -> None:
        await upgrade(url)
        engine = create_engine(url)
        await LeaveDays(session_factory(engine)).add(date(2026, 3, 19), "Arife: idari izin",
                                                     "admin")
        await engine.dispose()

    asyncio.run(declare())
    assert main(["calendar", "due", "2026-03-12", "15"]) == 0
    assert capsys.readouterr().out == "2026-04-06\n"  # as with --leave 2026-03-19
    assert main(["calendar", "due", "2026-03-12", "15", "--no-database"]) == 0
    assert capsys.readouterr().out == "2026-04-03\n"


def test_an_unreadable_database_is_said_and_the_calendar_still_answers(
    own_data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (own_data_dir / "cti.sqlite3").write_bytes(b"not a database at all")
    assert main(["calendar", "due", "2026-03-12", "15"]) == 0
    out, err = capsys.readouterr()
    assert out == "2026-04-03\n" and "not read" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["2026-02-30", "1"], "not a date"),
        (["12.03.2026", "1"], "not a date"),
        (["2026-03-12", "x"], "whole number"),
        (["2026-03-12", "-1"], "between 0 and"),
        (["2026-03-12", "1", "--leave", "yarın"], "not a date"),
    ],
)
def test_the_cli_refuses_bad_input_in_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["calendar", "due", *argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert message in err
    assert err.count("\n") == 1


def test_business_hours_between_counts_only_shifts() -> None:
    calendar = BusinessCalendar()
    friday_4pm = datetime(2026, 3, 6, 16, 0, tzinfo=ISTANBUL)
    monday_10am = datetime(2026, 3, 9, 10, 0, tzinfo=ISTANBUL)
    assert calendar.business_hours_between(friday_4pm, monday_10am) == 1.5 + 1.5
    assert calendar.business_hours_between(monday_10am, friday_4pm) == 0
    # Across Ramazan Bayramı 2026: the eve's morning (4 h) and nothing of 20-22 March.
    eve_morning = datetime(2026, 3, 19, 8, 30, tzinfo=ISTANBUL)
    after = datetime(2026, 3, 23, 8, 30, tzinfo=ISTANBUL)
    assert calendar.business_hours_between(eve_morning, after) == 4
    later = calendar.add_business_hours(friday_4pm, 7.25)
    assert calendar.business_hours_between(friday_4pm, later) == 7.25
