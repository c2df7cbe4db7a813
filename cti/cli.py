"""The `cti` command: one entry point, subcommands for each job."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from cti import calendar_commands, org_commands
from cti.auth import user_commands
from cti.config import ConfigError, Settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cti", description="ALO 153 CTI: Asterisk call tracking, screen pops, callbacks."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    pbx = commands.add_parser(
        "pbx",
        help="the Asterisk 22 sandbox (development, tests, demo)",
        description="Run Debian sid's Asterisk 22 with asterisk-config/ "
        "in a chroot on loopback. Needs root.",
    )
    actions = pbx.add_subparsers(dest="pbx_command", required=True, metavar="ACTION")
    up = actions.add_parser(
        "up",
        help="build the sid root once, install the config, start, wait for FullyBooted",
        description="Build (once, cached) the Debian sid root with the asterisk "
        "package, install asterisk-config/, start Asterisk and return when AMI "
        "reports FullyBooted. Safe to run twice.",
    )
    up.add_argument(
        "--fresh",
        action="store_true",
        help="start from empty logs (queue_log, CDR, CEL) and an empty astdb",
    )
    actions.add_parser(
        "down",
        help="stop Asterisk and SIPp, unmount; also after a crash",
        description="Stop the sandbox Asterisk and every SIPp the project started, "
        "and unmount /proc from the root. Leaves nothing running or mounted.",
    )
    actions.add_parser(
        "status",
        help="say what is built, running and mounted",
        description="Print whether the root is built, Asterisk runs and AMI "
        "answers, what is mounted and how many SIPp processes run.",
    )

    serve = commands.add_parser(
        "serve",
        help="run the CTI service: AMI call tracking, call log, FastAGI, HTTP API",
        description="Run the CTI service: follow every 153 call over AMI into the call-outcome "
        "log, reconcile it with Asterisk's queue_log and CDRs, answer the dialplan's FastAGI "
        "caller lookup, publish live queue state and serve the HTTP API. Settings come from "
        "CTI_* variables and the optional TOML file. Stops on SIGINT/SIGTERM.",
    )
    serve.add_argument("--config", type=Path, help="TOML settings file (CTI_CONFIG)")
    dialer = commands.add_parser(
        "dialer",
        help="run the feedback dialer on its own (with CTI_DIALER_IN_SERVE=false for serve)",
        description="Call citizens back about resolved requests and connect each answered one "
        "to a free feedback operator (CTI_DIALER_MODE progressive or preview).",
    )
    dialer.add_argument("--config", type=Path, help="TOML settings file (CTI_CONFIG)")
    check = commands.add_parser(
        "check",
        help="log in to AMI once and say whether the CTI can work (exit code)",
        description="Connect to AMI with the configured user, log in and wait for FullyBooted. "
        "Exit 0 when it works, 3 when the login is refused, 4 when AMI cannot be reached.",
    )
    check.add_argument("--config", type=Path, help="TOML settings file (CTI_CONFIG)")

    demo = commands.add_parser(
        "demo",
        help="a live call centre: PBX, CTI, operators, citizens",
        description="Boot the sandbox PBX and the CTI, start simulated "
        "operators and a steady stream of citizens calling 153, and show "
        "what happens. Ctrl-C stops everything.",
    )
    demo.add_argument("--operators", type=int, default=4, help="simulated operators (1-5)")
    demo.add_argument("--rate", type=float, default=0.15, help="new citizen calls per second")
    demo.add_argument(
        "--duration",
        type=float,
        default=0.0,
        help="stop after this many seconds (0: run until Ctrl-C)",
    )
    user_commands.add_parser(commands)
    calendar_commands.add_parser(commands)
    org_commands.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "calendar":
        return calendar_commands.run(args)  # needs no settings: a bad CTI_* cannot break it
    try:
        settings = Settings.from_env(config_file=getattr(args, "config", None))
        if args.command == "pbx":
            return _pbx(settings, args)
        if args.command == "serve":
            return _serve(settings)
        if args.command == "check":
            return _check(settings)
        if args.command == "dialer":
            return _dialer(settings)
        if args.command == "user":
            return user_commands.run(settings, args)
        if args.command in ("org", "leave"):
            return org_commands.run(settings, args)
        if args.command == "demo":
            from cti.demo import run_demo

            return run_demo(
                settings, operators=args.operators, rate=args.rate, duration=args.duration
            )
    except ConfigError as error:
        print(f"cti: {error}", file=sys.stderr)
        return 2
    return 2


def _pbx(settings: Settings, args: argparse.Namespace) -> int:
    from cti.pbx.sandbox import Sandbox, SandboxError

    sandbox = Sandbox(settings)
    try:
        if args.pbx_command == "up":
            print(sandbox.up(fresh=args.fresh))
        elif args.pbx_command == "down":
            print(sandbox.down())
        else:
            status = sandbox.status()
            print("\n".join(status.lines()))
            return 0 if status.pid else 3
    except SandboxError as error:
        print(f"cti pbx {args.pbx_command}: {error}", file=sys.stderr)
        return 1
    return 0


def _serve(settings: Settings) -> int:
    import asyncio

    from cti import log_setup
    from cti.bootstrap import serve

    log_setup.configure()
    try:
        asyncio.run(serve(settings))
    except OSError as error:
        print(f"cti serve: {error}", file=sys.stderr)
        return 1
    return 0


def _dialer(settings: Settings) -> int:
    import asyncio

    from cti import log_setup
    from dialer.service import run

    if settings.dialer_in_serve:
        print("cti dialer: set CTI_DIALER_IN_SERVE=false for `cti serve` first: two dialers "
              "would count the same free operators", file=sys.stderr)
        return 2
    log_setup.configure()
    asyncio.run(run(settings))
    return 0


def _check(settings: Settings) -> int:
    import asyncio

    from cti.telephony.ami.check import check_ami

    code, message = asyncio.run(check_ami(settings))
    print(f"cti check: {message}", file=sys.stderr if code else sys.stdout)
    return code
