"""`cti org import|export`: the organisation as a spreadsheet, and `cti leave add|list|remove`:
administrative leave days, from the command line.

Both use the CTI's database (migrated and, for units, seeded first, as `cti serve` does). A
running service sees an import at its next lookup: the units store checks the table's version.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from cti.config import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from cti.storage.units import UnitStore

Subcommands = argparse._SubParsersAction  # argparse keeps the type private
T = TypeVar("T")
BOM = "\ufeff"  # lets Excel open the export as UTF-8 (Turkish letters intact)


def add_parsers(commands: Subcommands[argparse.ArgumentParser]) -> None:
    org = commands.add_parser(
        "org", help="the units tickets are forwarded to, as CSV",
        description="Import or export the organisation (units of the metropolitan "
        "municipality, ASKİ and the district municipalities) as CSV with the columns "
        "code,parent,kind,name_tr,name_en,email,manager_email,active. Units are never "
        "deleted: set active to hayır (no) to deactivate one.",
    )
    org.add_argument("--config", type=Path, help="TOML settings file (CTI_CONFIG)")
    actions = org.add_subparsers(dest="org_command", required=True, metavar="ACTION")
    imports = actions.add_parser(
        "import", help="add and change units from a CSV file, all or nothing",
        description="Read a CSV file (UTF-8 or Turkish Excel's Windows-1254; ',' or ';'). "
        "Units not in the file stay as they are. Any error names its line and changes nothing.",
    )
    imports.add_argument("file", type=Path, metavar="FILE")
    imports.add_argument("--dry-run", action="store_true",
                         help="check the file and count what would change; write nothing")
    export = actions.add_parser("export", help="write every unit as CSV, parents first")
    export.add_argument("file", type=Path, nargs="?", metavar="FILE",
                        help="the file to write (UTF-8 with BOM for Excel); standard output "
                        "(no BOM) without it")
    _leave_parser(commands)


def _leave_parser(commands: Subcommands[argparse.ArgumentParser]) -> None:
    leave = commands.add_parser(
        "leave", help="administrative leave days (idari izin) the deadlines skip",
        description="Declare, list and withdraw administrative leave days: days public "
        "servants do not work, which no deadline counts.",
    )
    leave.add_argument("--config", type=Path, help="TOML settings file (CTI_CONFIG)")
    actions = leave.add_subparsers(dest="leave_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="declare a leave day")
    add.add_argument("day", metavar="DATE", help="YYYY-MM-DD")
    add.add_argument("reason", metavar="REASON", help='e.g. "Genelge 2026/3: idari izin"')
    actions.add_parser("list", help="list the leave days")
    remove = actions.add_parser("remove", help="withdraw a leave day")
    remove.add_argument("day", metavar="DATE", help="YYYY-MM-DD")


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `cti org` or `cti leave` action; 0 when done, 1 with one line on stderr."""
    from sqlalchemy.exc import SQLAlchemyError

    from cti.domain.organisation import OrganisationError

    name = f"cti {args.command} {args.org_command if args.command == 'org' else args.leave_command}"
    try:
        action = _org if args.command == "org" else _leave
        print(asyncio.run(_with_sessions(settings, lambda s: action(s, args))))
    except (OrganisationError, ValueError, OSError) as error:
        print(f"{name}: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:  # its text may quote the URL or the parameters
        print(f"{name}: database error ({type(error).__name__})", file=sys.stderr)
        return 1
    return 0


def actor() -> str:
    """Who the change is written down for: the account that ran the command."""
    try:
        return f"cli:{getpass.getuser()}"[:64]
    except (OSError, KeyError):
        return "cli"


async def _with_sessions(
    settings: Settings, action: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]
) -> T:
    from cti.storage.db import create_engine, session_factory
    from cti.storage.migrate import upgrade_engine

    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database)
    try:
        await upgrade_engine(engine)
        return await action(session_factory(engine))
    finally:
        await engine.dispose()


async def _org(sessions: async_sessionmaker[AsyncSession], args: argparse.Namespace) -> str:
    from cti.storage.units import UnitStore

    units = UnitStore(sessions)
    await units.seed()
    if args.org_command == "export":
        return await _export(units, args.file)
    return await _import(units, args.file, dry_run=args.dry_run)


async def _export(units: UnitStore, file: Path | None) -> str:
    text = await units.export_csv()
    if file is None:
        return text.rstrip("\n")
    file.write_text(BOM + text, encoding="utf-8")
    return f"wrote {len(text.splitlines()) - 1} units to {file}"


async def _import(units: UnitStore, file: Path, *, dry_run: bool) -> str:
    from cti.domain.organisation import OrganisationError, csv_text

    try:
        counts = await units.import_csv(csv_text(file.read_bytes()), actor(), dry_run=dry_run)
    except OrganisationError as error:
        raise OrganisationError(f"{file}: {error}") from None
    summary = (f"added {counts.added}, changed {counts.changed} "
               f"({counts.deactivated} deactivated), unchanged {counts.unchanged}")
    return f"dry run, nothing written: would have {summary}" if dry_run else summary


async def _leave(sessions: async_sessionmaker[AsyncSession], args: argparse.Namespace) -> str:
    from cti.storage.leave_days import LeaveDays

    days = LeaveDays(sessions)
    if args.leave_command == "list":
        lines = [f"{'DATE':<10}  {'ADDED BY':<20} REASON"]
        lines += [f"{d.day.isoformat():<10}  {d.added_by:<20} {d.reason}"
                  for d in await days.list()]
        return "\n".join(lines)
    day = _date(args.day)
    if args.leave_command == "add":
        added = await days.add(day, args.reason, actor())
        return f"added {day}" if added else f"{day} was already a leave day (kept as it was)"
    if not await days.remove(day, actor()):
        raise ValueError(f"{day} is not a leave day")
    return f"removed {day}"


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not a date (YYYY-MM-DD): {text!r}") from None
