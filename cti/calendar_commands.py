"""`cti calendar due START N`: the date N business days after START, as deadlines count it."""

from __future__ import annotations

import argparse
import sys
from datetime import date

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


def run(args: argparse.Namespace) -> int:
    try:
        start = _date(args.start)
        leave = [_date(text) for text in args.leave]
        days = _days(args.days)
    except ValueError as error:
        print(f"cti calendar due: {error}", file=sys.stderr)
        return 2
    print(BusinessCalendar(leave_days=leave).add_business_days(start, days).isoformat())
    return 0


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
