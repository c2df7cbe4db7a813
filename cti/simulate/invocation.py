"""How one SIPp is started: its argv, the files it writes into its workdir, the ports it holds.

Every SIPp is given the absolute path of its scenario inside SCENARIO_DIR, so a scan of
/proc/*/cmdline finds all of them (strays.py).
"""

from __future__ import annotations

import math
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from cti.simulate.errors import SippError
from cti.simulate.ports import PortAllocator

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
CITIZEN_SCENARIO = SCENARIO_DIR / "citizen.xml"
PHONE_SCENARIO = SCENARIO_DIR / "phone.xml"

SIPP_BINARY = "sipp"
CONTROL_IP = "127.0.0.1"

# SIPp's own -timeout (it then exits with an error) lies this far beyond our bound, so that
# our graceful stop normally comes first and SIPp still ends alone if its parent died.
SELF_BOUND_MARGIN = 15.0


@dataclass(frozen=True)
class SippCommand:
    """One SIPp to start: its argv and where its files go."""

    name: str
    argv: tuple[str, ...]
    workdir: Path
    server: bool
    control_port: int
    timeout: float | None
    owns_workdir: bool = True
    ports: tuple[int, ...] = ()
    allocator: PortAllocator | None = field(default=None, compare=False, repr=False)

    @property
    def stat_file(self) -> Path:
        return self.workdir / "stats.csv"

    @property
    def log_file(self) -> Path:
        return self.workdir / "actions.log"

    @property
    def error_file(self) -> Path:
        return self.workdir / "errors.log"

    @property
    def stderr_file(self) -> Path:
        return self.workdir / "stderr.log"

    @property
    def message_file(self) -> Path:
        return self.workdir / "messages.log"

    def release_ports(self) -> None:
        if self.allocator is not None:
            self.allocator.release(self.ports)


@dataclass(frozen=True)
class LaunchSpec:
    """What sets one SIPp apart: scenario, -key values, addresses, bound, client or server."""

    name: str
    scenario: Path
    keys: Mapping[str, str]
    ip: str
    sip_port: int
    remote: str | None
    extra: tuple[str, ...]
    timeout: float | None
    server: bool


def sipp_binary() -> str:
    path = shutil.which(SIPP_BINARY)
    if path is None:
        raise SippError("sipp is not installed (Debian: apt-get install sip-tester)")
    return path


def build_command(
    spec: LaunchSpec,
    pool: PortAllocator,
    workdir: Path | None,
    trace: tuple[bool, float],
    reserved: tuple[int, ...],
) -> SippCommand:
    """The command for `spec`, its control and media ports taken from `pool`; `reserved`
    (ports the caller already took) are released with them. trace: (messages, stats every)."""
    binary = sipp_binary()
    control = pool.take(CONTROL_IP)
    media = pool.take(spec.ip, 4, even=True)  # SIPp binds media_port and media_port + 2
    command = SippCommand(
        name=spec.name, argv=(), workdir=_workdir(spec.name, workdir), server=spec.server,
        control_port=control, timeout=spec.timeout, owns_workdir=workdir is None,
        ports=(*reserved, control, *range(media, media + 4)), allocator=pool,
    )
    return replace(command, argv=_argv(binary, spec, command, media, trace))


def _workdir(name: str, given: Path | None) -> Path:
    if given is None:
        return Path(tempfile.mkdtemp(prefix=f"alo153-sipp-{name}-"))
    given.mkdir(parents=True, exist_ok=True)
    return given


def _argv(
    binary: str, spec: LaunchSpec, command: SippCommand, media: int, trace: tuple[bool, float]
) -> tuple[str, ...]:
    argv = [binary]
    if spec.remote is not None:
        argv.append(spec.remote)
    argv += ["-i", spec.ip, "-p", str(spec.sip_port), "-bind_local", "-mp", str(media)]
    argv += ["-ci", CONTROL_IP, "-cp", str(command.control_port), "-nostdin", *spec.extra]
    if spec.timeout is not None:
        self_bound = math.ceil(spec.timeout + (0 if spec.server else SELF_BOUND_MARGIN))
        argv += ["-timeout", f"{self_bound}s", "-timeout_error"]
    argv += _trace_options(command, *trace)
    for key, value in spec.keys.items():  # -key values are compiled in when -sf loads
        argv += ["-key", key, value]
    argv += ["-sf", str(spec.scenario)]
    return tuple(argv)


def _trace_options(command: SippCommand, trace_messages: bool, stats_interval: float) -> list[str]:
    options = ["-trace_stat", "-stf", str(command.stat_file),
               "-fd", f"{max(1, math.ceil(stats_interval))}s", "-trace_counts",
               "-trace_err", "-error_file", str(command.error_file),
               "-trace_logs", "-log_file", str(command.log_file)]
    if trace_messages:
        options += ["-trace_msg", "-message_file", str(command.message_file)]
    return options
