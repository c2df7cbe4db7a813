"""`cti user add|list|passwd|disable|enable`: the users who sign in, from the command line.

Passwords come from a prompt (twice) or, with `--password-stdin`, from the first line of
standard input; they are never arguments, which `ps` and shell history would show.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from cti.config import Settings
from cti.domain.roles import Role

if TYPE_CHECKING:
    from cti.storage.users import UserStore

Action = Callable[["UserStore", argparse.Namespace, str], Awaitable[str]]

Subcommands = argparse._SubParsersAction  # argparse keeps the type private


def add_parser(commands: Subcommands[argparse.ArgumentParser]) -> None:
    user = commands.add_parser(
        "user",
        help="add, list, disable users; set passwords",
        description="Manage the people who sign in to the console. Uses the CTI's database "
        "(CTI_DATABASE_URL, or the SQLite file in CTI_DATA_DIR) and migrates it first.",
    )
    user.add_argument("--config", type=Path, help="TOML settings file (CTI_CONFIG)")
    actions = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a user (asks for the password twice)")
    add.add_argument("username", help="2-64 of a-z 0-9 . _ -")
    add.add_argument("--name", required=True, help='full name, e.g. "Ayşe Yılmaz"')
    add.add_argument(
        "--role", action="append", required=True, dest="roles", metavar="ROLE",
        help=f"one of {', '.join(role.value for role in Role)}; repeat for several",
    )
    add.add_argument("--extension", help="the operator's softphone (PJSIP endpoint), e.g. 1001")
    add.add_argument("--unit", help="unit staff: their unit's code")
    _password_stdin(add)
    actions.add_parser("list", help="list the users")
    passwd = actions.add_parser("passwd", help="set a user's password; ends their sessions")
    passwd.add_argument("username")
    _password_stdin(passwd)
    for name, what in (("disable", "deactivate a user; ends their sessions"),
                       ("enable", "activate a user again")):
        actions.add_parser(name, help=what).add_argument("username")


def _password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin", action="store_true",
        help="read the password from the first line of standard input instead of a prompt",
    )


class Refused(Exception):
    """A refusal of the command itself (the two passwords differ)."""


def run(settings: Settings, args: argparse.Namespace) -> int:
    """Run one `cti user` action; 0 when done, 1 with one line on stderr when refused."""
    from sqlalchemy.exc import SQLAlchemyError

    from cti.auth.passwords import WeakPassword
    from cti.domain.users import UserError

    action = args.user_command
    try:
        password = _password(args) if action in ("add", "passwd") else ""
        print(asyncio.run(_with_store(settings, _ACTIONS[action], args, password)))
    except (Refused, UserError, WeakPassword, OSError) as error:
        print(f"cti user {action}: {error}", file=sys.stderr)
        return 1
    except SQLAlchemyError as error:  # its text may quote the URL or the parameters
        print(f"cti user {action}: database error ({type(error).__name__})", file=sys.stderr)
        return 1
    return 0


def _password(args: argparse.Namespace) -> str:
    from cti.auth.passwords import check_rule

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("Parola / password: ")
        if getpass.getpass("Parola (tekrar) / password (again): ") != password:
            raise Refused("the two passwords differ")
    check_rule(password)
    return password


async def _with_store(
    settings: Settings, action: Action, args: argparse.Namespace, password: str
) -> str:
    from cti.storage.db import create_engine, session_factory
    from cti.storage.migrate import upgrade_engine
    from cti.storage.users import UserStore

    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database)
    try:
        await upgrade_engine(engine)
        return await action(UserStore(session_factory(engine)), args, password)
    finally:
        await engine.dispose()


async def _add(users: UserStore, args: argparse.Namespace, password: str) -> str:
    roles = [role.strip().lower().replace("-", "_") for role in args.roles]
    user = await users.add(
        args.username, args.name, password, roles, extension=args.extension, unit=args.unit
    )
    phone = f", extension {user.extension}" if user.extension else ""
    return f"added {user.username} ({', '.join(sorted(user.roles))}{phone})"


async def _list(users: UserStore, args: argparse.Namespace, password: str) -> str:
    lines = [f"{'USERNAME':<20} {'ROLES':<34} {'EXT':<6} {'UNIT':<12} {'ACTIVE':<6} NAME"]
    for user in await users.list():
        lines.append(
            f"{user.username:<20} {','.join(sorted(user.roles)):<34} {user.extension or '-':<6} "
            f"{user.unit or '-':<12} {'yes' if user.active else 'no':<6} {user.full_name}"
        )
    return "\n".join(lines)


async def _passwd(users: UserStore, args: argparse.Namespace, password: str) -> str:
    await users.set_password(args.username, password)
    return f"password set for {args.username.strip().lower()}; their sessions have ended"


async def _disable(users: UserStore, args: argparse.Namespace, password: str) -> str:
    user = await users.update(args.username, active=False)
    return f"disabled {user.username}; their sessions have ended"


async def _enable(users: UserStore, args: argparse.Namespace, password: str) -> str:
    user = await users.update(args.username, active=True)
    return f"enabled {user.username}"


_ACTIONS: dict[str, Action] = {
    "add": _add, "list": _list, "passwd": _passwd, "disable": _disable, "enable": _enable,
}
