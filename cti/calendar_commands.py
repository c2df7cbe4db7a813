"""`cti calendar due START N`: the date N business days after START, as deadlines count it:
with the administrative leave days declared in the CTI's database (when there is one) and any
given with --leave."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import date
from pathlib import Path

from cti.domain.calendar import BusinessCalendar

Subcommands = argparse._SubParsersAction  # argparse keeps the type private

# Far beyond any deadline (about 40 years); keeps a typo from counting towards year 9999.
MAX_DAYS = 10_000


def add_parser(commands: Subcommands[argparse.ArgumentParser]) -> None:
    calendar = commands.add_parser(
        "calendar",
        help="business days on the Turkish public-service calendar",
        description="Business days in Europe/Istanbul: weekends, public holidays (Ramazan and "
        "Kurban Bayramı included; their eves are working mornings) and administrative leave "
        "days are not worked.",
    )
    actions = calendar.add_subparsers(dest="calendar_command", required=True, metavar="ACTION")
    due = actions.add_parser(
        "due",
        help="print the date N business days after START",
        description="Print the ISO date N business days after START, the rule that "
        "deadlines use.",
    )
    # Strings, checked in run(): a bad value is then one line, not argparse's usage block.
    due.add_argument("start", metavar="START", help="a date, YYYY-MM-DD")
    due.add_argument("days", metavar="N", help=f"business days, 0 to {MAX_DAYS}")
    due.add_argument(
        "--leave", action="append", default=[], metavar="DATE",
        help="an administrative leave day (idari izin), YYYY-MM-DD; repeat for several",
    )
    due.add_argument(
        "--no-database", action="store_true",
        help="leave out the leave days declared in the CTI's database",
    )


def run(args: argparse.Namespace) -> int:
    try:
        start = _date(args.start)
        leave = [_date(text) for text in args.leave]
        days = _days(args.days)
    except ValueError as error:
        print(f"cti calendar due: {error}", file=sys.stderr)
        return 2
    if not args.no_database:
        leave += _declared()
    print(BusinessCalendar(leave_days=leave).add_business_days(start, days).isoformat())
    return 0


def _declared() -> list[date]:
    """The leave days declared in the CTI's database, as the deadlines read them. None when
    there is no database yet; when it cannot be read, none either, said on stderr (the
    calendar itself needs no settings: a bad CTI_* must not stop it)."""
    from cti.config import ConfigError, Settings

    try:
        url = Settings.from_env().database
    except ConfigError as error:
        return _unread(str(error))
    if url.startswith("sqlite") and not _sqlite_file_exists(url):
        return []
    try:
        return asyncio.run(asyncio.wait_for(_read(url), 10))
    except Exception as error:  # any driver's: unreachable, not migrated, refused…
        return _unread(type(error).__name__)


async def _read(url: str) -> list[date]:
    from cti.storage.db import create_engine, session_factory
    from cti.storage.leave_days import LeaveDays

    engine = create_engine(url)
    try:
        return [day.day for day in await LeaveDays(session_factory(engine)).list()]
    finally:
        await engine.dispose()


def _sqlite_file_exists(url: str) -> bool:
    from sqlalchemy.engine import make_url

    database = make_url(url).database
    return database is not None and database != ":memory:" and Path(database).is_file()


def _unread(why: str) -> list[date]:
    print(f"cti calendar due: the database's leave days were not read ({why}); "
          "only --leave counts", file=sys.stderr)
    return []


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _days(text: str) -> int:
    try:
        days = int(text)
    except ValueError:
        raise ValueError(f"N must be a whole number of business days, not {text!r}") from None
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"N must be between 0 and {MAX_DAYS}, not {days}")
    return days
