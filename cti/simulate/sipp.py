"""SIPp runs for tests and the demo: citizens calling 153, operator softphones, the callback phone.

Two scenarios in `scenarios/` do all the work, steered by `-key` values:
  * citizen.xml (UAC): modes stay, until_hangup, cancel;
  * phone.xml (UAS, server mode): modes answer, reject, no_answer; used both for the operator
    softphones (127.0.0.1:5100 + extension - 1000) and for the callback "citizen phone"
    (127.0.0.2:5090).

Every SIPp is started with the absolute path of its scenario inside SCENARIO_DIR, so a scan of
/proc/*/cmdline finds all of them (`kill_stray_sipp`, `cti pbx down`). Every wait here is
bounded; a SIPp that does not stop is killed and its result says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import ctypes
import errno
import io
import math
import os
import re
import shutil
import signal
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Literal, get_args

SCENARIO_DIR = Path(__file__).resolve().parent / "scenarios"
CITIZEN_SCENARIO = SCENARIO_DIR / "citizen.xml"
PHONE_SCENARIO = SCENARIO_DIR / "phone.xml"

SIPP_BINARY = "sipp"

PBX_HOST = "127.0.0.1"
PBX_PORT = 5060
CITIZEN_IP = "127.0.0.2"
OPERATOR_IP = "127.0.0.1"
OPERATOR_PORT_BASE = 5100
CALLBACK_IP = "127.0.0.2"
CALLBACK_PORT = 5090
CONTROL_IP = "127.0.0.1"

CitizenBehaviour = Literal["stay", "until_hangup", "cancel"]
PhoneBehaviour = Literal["answer", "reject", "no_answer"]

# Longest a citizen's SIPp waits for one answer (100..200 OK, the BYE's 200) before it aborts
# the call; an until_hangup citizen waits this long for the BYE: the queue's ALO153_MAX_WAIT
# (300 s) and some.
ANSWER_WAIT = 30.0
UNTIL_HANGUP_WAIT = 330.0
# SIPp's own -timeout (it then exits with an error) lies this far beyond our bound, so that
# our graceful stop normally comes first and SIPp still ends alone if its parent died.
SELF_BOUND_MARGIN = 15.0
READY_TIMEOUT = 5.0
TERM_WAIT = 2.0
KILL_WAIT = 2.0
ERROR_TEXT_LIMIT = 64 * 1024

_USER_PART = re.compile(r"^[0-9A-Za-z+*._-]{1,64}$")
_EXTENSION = re.compile(r"^1\d{3}$")


class SippError(RuntimeError):
    """SIPp is missing, or a SIPp did not start."""


# ------------------------------------------------------------------ what to simulate


@dataclass(frozen=True)
class CitizenCall:
    """Citizens calling the centre: `calls` INVITEs from `caller` at `rate` per second (SIPp
    places the first one 1/rate seconds after it started), at most `max_concurrent` at once.

    behaviour: stay (hang up `seconds` after the 200 OK: a talk, an abandon while queued, a
    hang-up during the greeting), until_hangup (wait for the PBX's BYE), cancel (CANCEL
    `seconds` after a 180/183; behaves as stay when the PBX answers at once, as Asterisk does).
    max_wait: longest SIPp waits for any one message of a call (an answer, the PBX's BYE);
    then it aborts the call with BYE or CANCEL and counts it failed (TimeoutOnRecv). None:
    UNTIL_HANGUP_WAIT for until_hangup, ANSWER_WAIT otherwise.
    timeout: bound of the whole run, after which it counts as hung and is stopped; None
    derives one that the calls' own bounds always meet.
    """

    caller: str = "05321234567"
    display_name: str = ""
    behaviour: CitizenBehaviour = "stay"
    seconds: float = 5.0
    calls: int = 1
    rate: float = 10.0
    max_concurrent: int | None = None
    number: str = "153"
    pbx_host: str = PBX_HOST
    pbx_port: int = PBX_PORT
    local_ip: str = CITIZEN_IP
    max_wait: float | None = None
    timeout: float | None = None

    def __post_init__(self) -> None:
        _check_choice("behaviour", self.behaviour, CitizenBehaviour)
        _check_user("caller", self.caller)
        _check_user("number", self.number)
        _check_seconds("seconds", self.seconds)
        if self.calls < 1:
            raise ValueError(f"calls must be at least 1, not {self.calls}")
        if not self.rate > 0:
            raise ValueError(f"rate must be positive, not {self.rate}")
        if self.max_concurrent is not None and self.max_concurrent < 1:
            raise ValueError(f"max_concurrent must be at least 1, not {self.max_concurrent}")
        for name in ("max_wait", "timeout"):
            value = getattr(self, name)
            if value is not None and not (value > 0 and math.isfinite(value)):
                raise ValueError(f"{name} must be a positive number of seconds, not {value}")

    @property
    def wait_bound(self) -> float:
        """Longest SIPp waits for one message of a call before aborting it."""
        if self.max_wait is not None:
            return self.max_wait
        return UNTIL_HANGUP_WAIT if self.behaviour == "until_hangup" else ANSWER_WAIT

    @property
    def bound(self) -> float:
        """Seconds the run may take before it counts as hung."""
        if self.timeout is not None:
            return self.timeout
        spread = (self.calls - 1) / self.rate
        return spread + self.seconds + 2 * self.wait_bound + 5.0


@dataclass(frozen=True)
class OperatorPhone:
    """An operator's softphone (SIPp server) for extension 1001..1099 on 127.0.0.1.

    answer: 180, `ring_seconds`, 200 OK; then wait for the PBX's BYE (talk_seconds=0) or hang
    up after `talk_seconds`. reject: 486 Busy Here after `ring_seconds`. no_answer: ring until
    the PBX cancels. Every mode takes any number of calls, one after the other or at once.
    port: None for the sandbox's 5100 + extension - 1000 (tests pass another).
    """

    extension: str = "1001"
    behaviour: PhoneBehaviour = "answer"
    ring_seconds: float = 1.0
    talk_seconds: float = 0.0
    ip: str = OPERATOR_IP
    port: int | None = None

    def __post_init__(self) -> None:
        if not _EXTENSION.match(self.extension):
            raise ValueError(f"extension must be 1000-1999, not {self.extension!r}")
        _check_choice("behaviour", self.behaviour, PhoneBehaviour)
        _check_seconds("ring_seconds", self.ring_seconds)
        _check_seconds("talk_seconds", self.talk_seconds)

    @property
    def sip_port(self) -> int:
        if self.port is not None:
            return self.port
        return OPERATOR_PORT_BASE + int(self.extension) - 1000


@dataclass(frozen=True)
class CallbackPhone:
    """The citizen's phone that the dialer's callbacks ring (SIPp server on 127.0.0.2:5090).

    Same behaviours as OperatorPhone: answer (talk `talk_seconds`, 0 = until the PBX hangs up),
    reject (486 Busy Here), no_answer (ring until the PBX cancels).
    """

    behaviour: PhoneBehaviour = "answer"
    ring_seconds: float = 1.0
    talk_seconds: float = 0.0
    ip: str = CALLBACK_IP
    port: int = CALLBACK_PORT

    def __post_init__(self) -> None:
        _check_choice("behaviour", self.behaviour, PhoneBehaviour)
        _check_seconds("ring_seconds", self.ring_seconds)
        _check_seconds("talk_seconds", self.talk_seconds)


def _check_choice(name: str, value: str, choices: object) -> None:
    allowed = get_args(choices)
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")


def _check_user(name: str, value: str) -> None:
    if not _USER_PART.match(value):
        raise ValueError(f"{name} {value!r} is not a plain SIP user part (digits, letters, +*._-)")


def _check_seconds(name: str, value: float) -> None:
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number of seconds >= 0, not {value}")


# ------------------------------------------------------------------ ports


class PortAllocator:
    """UDP ports for SIPp's own sockets (client SIP, control, media), unique in this process.

    A port is handed out only if it can be bound right now on the address it is for, and not
    again until released. Each process starts at its own offset in the range, which keeps two
    processes (a test run and the demo) apart. The default range lies outside Asterisk's RTP
    ports (10000-20000), the kernel's ephemeral ports and the sandbox's fixed SIP ports.
    """

    def __init__(self, first: int = 21000, last: int = 29999) -> None:
        if not 1024 <= first < last <= 65535:
            raise ValueError(f"bad port range {first}-{last}")
        self.first = first
        self.last = last
        self._taken: set[int] = set()
        self._cursor = first + (os.getpid() * 97) % (last - first + 1)
        self._lock = threading.Lock()

    def take(self, ip: str, count: int = 1, *, even: bool = False) -> int:
        """The first of `count` consecutive free ports; `even` aligns it (RTP)."""
        with self._lock:
            span = self.last - self.first + 1
            for _ in range(span):
                port = self._advance(count, even)
                if port is not None and self._free(ip, port, count):
                    self._taken.update(range(port, port + count))
                    return port
        raise SippError(f"no {count} free UDP port(s) on {ip} in {self.first}-{self.last}")

    def release(self, ports: Sequence[int]) -> None:
        with self._lock:
            self._taken.difference_update(ports)

    def _advance(self, count: int, even: bool) -> int | None:
        port = self._cursor
        if even and port % 2:
            port += 1
        if port + count - 1 > self.last:
            self._cursor = self.first
            return None
        self._cursor = port + count
        return port

    def _free(self, ip: str, port: int, count: int) -> bool:
        if any(p in self._taken for p in range(port, port + count)):
            return False
        return all(_bindable(ip, p) for p in range(port, port + count))


def _bindable(ip: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((ip, port))
        except OSError:
            return False
    return True


PORTS = PortAllocator()


# ------------------------------------------------------------------ commands


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


def sipp_binary() -> str:
    path = shutil.which(SIPP_BINARY)
    if path is None:
        raise SippError("sipp is not installed (Debian: apt-get install sip-tester)")
    return path


def quote_display_name(name: str) -> str:
    """The body of a SIP quoted-string: control characters dropped, \\ and \" escaped."""
    printable = "".join(ch if ch >= " " and ch != "\x7f" else " " for ch in name)
    return printable.replace("\\", "\\\\").replace('"', '\\"')


def citizen_command(
    call: CitizenCall,
    *,
    ports: PortAllocator | None = None,
    workdir: Path | None = None,
    trace_messages: bool = False,
    stats_interval: float = 5.0,
) -> SippCommand:
    """SIPp argv for `call.calls` citizens calling `call.number` at the PBX."""
    keys = {
        "caller": call.caller,
        "display": quote_display_name(call.display_name),
        "mode": call.behaviour,
        "stay_ms": _milliseconds(call.seconds),
    }
    pool = ports or PORTS
    sip_port = pool.take(call.local_ip)
    load = ["-s", call.number, "-m", str(call.calls), "-r", f"{call.rate:g}", "-rp", "1000",
            "-recv_timeout", _milliseconds(call.wait_bound)]
    if call.max_concurrent is not None:
        load += ["-l", str(call.max_concurrent)]
    return _command(
        _Spec(name="citizen", scenario=CITIZEN_SCENARIO, keys=keys, ip=call.local_ip,
              sip_port=sip_port, remote=f"{call.pbx_host}:{call.pbx_port}", extra=tuple(load),
              timeout=call.bound, server=False),
        pool, workdir, trace_messages, stats_interval, reserved=(sip_port,),
    )


def operator_command(
    phone: OperatorPhone,
    *,
    ports: PortAllocator | None = None,
    workdir: Path | None = None,
    trace_messages: bool = False,
    stats_interval: float = 5.0,
    lifetime: float | None = None,
) -> SippCommand:
    """SIPp argv for operator `phone.extension`'s softphone (server, unlimited calls).

    lifetime: seconds after which SIPp exits by itself (with an error); None runs until stop().
    """
    spec = _phone_spec(f"operator-{phone.extension}", phone.behaviour, phone.ring_seconds,
                       phone.talk_seconds, (phone.ip, phone.sip_port), lifetime)
    return _command(spec, ports or PORTS, workdir, trace_messages, stats_interval, reserved=())


def callback_command(
    phone: CallbackPhone,
    *,
    ports: PortAllocator | None = None,
    workdir: Path | None = None,
    trace_messages: bool = False,
    stats_interval: float = 5.0,
    lifetime: float | None = None,
) -> SippCommand:
    """SIPp argv for the callback citizen phone (server, unlimited calls); see operator_command."""
    spec = _phone_spec("callback-phone", phone.behaviour, phone.ring_seconds,
                       phone.talk_seconds, (phone.ip, phone.port), lifetime)
    return _command(spec, ports or PORTS, workdir, trace_messages, stats_interval, reserved=())


def _phone_spec(
    name: str,
    behaviour: PhoneBehaviour,
    ring: float,
    talk: float,
    address: tuple[str, int],
    lifetime: float | None,
) -> _Spec:
    keys = {"mode": behaviour, "ring_ms": _milliseconds(ring), "talk_ms": _milliseconds(talk)}
    return _Spec(name=name, scenario=PHONE_SCENARIO, keys=keys, ip=address[0],
                 sip_port=address[1], remote=None, extra=(), timeout=lifetime, server=True)


def _milliseconds(seconds: float) -> str:
    return str(round(seconds * 1000))


@dataclass(frozen=True)
class _Spec:
    name: str
    scenario: Path
    keys: Mapping[str, str]
    ip: str
    sip_port: int
    remote: str | None
    extra: tuple[str, ...]
    timeout: float | None
    server: bool


def _command(
    spec: _Spec,
    pool: PortAllocator,
    workdir: Path | None,
    trace_messages: bool,
    stats_interval: float,
    reserved: tuple[int, ...],
) -> SippCommand:
    binary = sipp_binary()
    control = pool.take(CONTROL_IP)
    media = pool.take(spec.ip, 4, even=True)  # SIPp binds media_port and media_port + 2
    if workdir is None:
        directory = Path(tempfile.mkdtemp(prefix=f"alo153-sipp-{spec.name}-"))
    else:
        directory = workdir
        directory.mkdir(parents=True, exist_ok=True)
    command = SippCommand(
        name=spec.name, argv=(), workdir=directory, server=spec.server, control_port=control,
        timeout=spec.timeout, owns_workdir=workdir is None,
        ports=(*reserved, control, *range(media, media + 4)), allocator=pool,
    )
    argv = _argv(binary, spec, command, media, (trace_messages, stats_interval))
    return replace(command, argv=argv)


def _argv(
    binary: str, spec: _Spec, command: SippCommand, media: int, trace: tuple[bool, float]
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


# ------------------------------------------------------------------ results


FAILURE_PREFIX = "Failed"


@dataclass(frozen=True)
class SippStats:
    """Cumulative counters from SIPp's statistics file (-trace_stat)."""

    created: int = 0
    current: int = 0
    successful: int = 0
    failed: int = 0
    failures: Mapping[str, int] = field(default_factory=dict)
    retransmissions: int = 0
    raw: Mapping[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def parse(cls, text: str) -> SippStats:
        row = _last_row(text)
        if not row:
            return cls()
        failures = {
            name[len(FAILURE_PREFIX):-3]: _int(value)
            for name, value in row.items()
            if name.startswith(FAILURE_PREFIX) and name.endswith("(C)")
            and name != "FailedCall(C)" and _int(value)
        }
        return cls(
            created=_int(row.get("TotalCallCreated")),
            current=_int(row.get("CurrentCall")),
            successful=_int(row.get("SuccessfulCall(C)")),
            failed=_int(row.get("FailedCall(C)")),
            failures=failures,
            retransmissions=_int(row.get("Retransmissions(C)")),
            raw=row,
        )


def parse_message_counts(text: str) -> dict[str, int]:
    """The scenario's non-zero per-message counters (-trace_counts): element index, message,
    counter, e.g. {"9_487_Sent": 1, "10_ACK_Recv": 1}."""
    row = _last_row(text)
    return {name: _int(value) for name, value in row.items()
            if name not in ("CurrentTime", "ElapsedTime") and _int(value)}


def _last_row(text: str) -> dict[str, str]:
    complete = text[: text.rfind("\n") + 1]  # SIPp may be writing the last line right now
    rows = [row for row in csv.reader(io.StringIO(complete), delimiter=";") if row]
    if len(rows) < 2:
        return {}
    return {name: value for name, value in zip(rows[0], rows[-1], strict=False) if name}


def _int(value: str | None) -> int:
    try:
        return int(value or 0)
    except ValueError:
        return 0


_QUOTED = re.compile(r'^\s*"((?:[^"\\]|\\.)*)"')
_TOKEN_NAME = re.compile(r"^\s*([^<\"]*?)\s*<")
_URI_USER = re.compile(r"sips?:([^@;>]+)@")


@dataclass(frozen=True)
class ReceivedCall:
    """An INVITE that a SIPp phone received (from its log)."""

    call_id: str
    number: str
    from_header: str

    @property
    def display_name(self) -> str:
        quoted = _QUOTED.match(self.from_header)
        if quoted:
            return re.sub(r"\\(.)", r"\1", quoted.group(1))
        token = _TOKEN_NAME.match(self.from_header)
        return token.group(1) if token else ""

    @property
    def caller(self) -> str:
        user = _URI_USER.search(self.from_header)
        return user.group(1) if user else ""


def received_calls(log: Sequence[str]) -> list[ReceivedCall]:
    """The INVITEs in a phone's log lines ("INVITE|call-id|number|From header")."""
    calls = []
    for line in log:
        parts = line.split("|", 3)
        if len(parts) == 4 and parts[0] == "INVITE":
            calls.append(ReceivedCall(call_id=parts[1], number=parts[2], from_header=parts[3]))
    return calls


@dataclass(frozen=True)
class SippResult:
    """How a SIPp run ended.

    returncode: SIPp's exit code (0 all calls succeeded, 1 some failed, 97/99 no call, 255
    fatal error or its own -timeout) or -N when a signal ended it; None if it would not die.
    timed_out: it outlived its bound and was stopped. killed: it needed SIGKILL.
    """

    name: str
    returncode: int | None
    stats: SippStats
    messages: Mapping[str, int]
    log: tuple[str, ...]
    errors: str
    timed_out: bool = False
    stopped: bool = False
    killed: bool = False

    @property
    def ok(self) -> bool:
        return (self.returncode == 0 and self.stats.failed == 0
                and not self.timed_out and not self.killed)

    @property
    def received_calls(self) -> list[ReceivedCall]:
        return received_calls(self.log)

    def count(self, suffix: str) -> int:
        """Sum of the message counters ending in `suffix`, e.g. count("487_Sent")."""
        return sum(n for name, n in self.messages.items() if name.endswith("_" + suffix))


# ------------------------------------------------------------------ running


class SippProcess:
    """A running SIPp. `await SippProcess.start(command)`, then `wait()` (client) or `stop()`."""

    def __init__(self, command: SippCommand, process: asyncio.subprocess.Process) -> None:
        self.command = command
        self._process = process
        self._result: SippResult | None = None
        self._stopped = False
        self._timed_out = False
        self._killed = False
        self._reaper: asyncio.Task[None] | None = None

    @classmethod
    async def start(
        cls, command: SippCommand, *, ready_timeout: float = READY_TIMEOUT
    ) -> SippProcess:
        """Start SIPp; return once its sockets are bound (its stat file appeared)."""
        with command.stderr_file.open("wb") as stderr:
            process = await asyncio.create_subprocess_exec(
                *[arg.encode() for arg in command.argv],
                cwd=command.workdir, stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
                start_new_session=True, preexec_fn=_die_with_parent,
            )
        self = cls(command, process)
        try:
            await self._until_ready(ready_timeout)
        except asyncio.CancelledError:
            self._abandon()
            raise
        return self

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return self._process.returncode is None

    async def wait(self, timeout: float | None = None) -> SippResult:
        """Wait for SIPp to end by itself (a client run); past `timeout` stop it as hung.

        timeout: None uses the command's bound (a citizen run always has one).
        """
        bound = timeout if timeout is not None else self.command.timeout
        if bound is None:
            raise SippError(f"sipp {self.command.name} has no bound: pass a timeout")
        try:
            if await self._exited_within(bound):
                return self._finish()
            return await self._terminate(graceful=0.0, timed_out=True)
        except asyncio.CancelledError:
            self._abandon()
            raise

    async def stop(self, grace: float = 5.0) -> SippResult:
        """End SIPp: `q` on its control socket (no new calls; SIPp ends once its open calls
        ended) for up to `grace` seconds, then SIGTERM, then SIGKILL. Calls still open are
        not hung up (SIPp 3.6.1 cannot abort them and exit), so give them time in `grace`."""
        if not self.running:
            return self._finish()
        try:
            return await self._terminate(graceful=grace, timed_out=False)
        except asyncio.CancelledError:
            self._abandon()
            raise

    def stats(self) -> SippStats:
        """Counters as of SIPp's last statistics dump (every stats_interval seconds)."""
        return SippStats.parse(_read(self.command.stat_file))

    def log(self) -> list[str]:
        return _read(self.command.log_file).splitlines()

    def received_calls(self) -> list[ReceivedCall]:
        return received_calls(self.log())

    async def wait_for(
        self, condition: Callable[[SippProcess], bool], timeout: float, interval: float = 0.05
    ) -> bool:
        """Poll `condition(self)` until it holds (True) or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        while not condition(self):
            if time.monotonic() >= deadline or not self.running:
                return condition(self)
            await asyncio.sleep(interval)
        return True

    async def __aenter__(self) -> SippProcess:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not _has_data_row(self.command.stat_file):
            if not self.running or time.monotonic() >= deadline:
                failure = self._start_failure()
                await self._terminate(graceful=0.0, timed_out=self.running)
                raise SippError(failure)
            await asyncio.sleep(0.02)

    def _start_failure(self) -> str:
        code = self._process.returncode
        why = _tail(_stderr_text(self.command).strip(), 500) or "no output"
        state = f"exited with code {code}" if code is not None else "did not become ready"
        return f"sipp {self.command.name} {state}: {why}"

    async def _terminate(self, graceful: float, timed_out: bool) -> SippResult:
        self._stopped = True
        self._timed_out = timed_out
        if graceful > 0:
            self._control(b"q")
            if await self._exited_within(graceful):
                return self._finish()
        # No `Q` (abort calls): SIPp 3.6.1 then waits forever for an open-call count that
        # aborting never lowers, and with -m it drops the key at once. SIGTERM writes the stats.
        self._signal(signal.SIGTERM)
        if not await self._exited_within(TERM_WAIT):
            self._killed = True
            self._signal(signal.SIGKILL)
            await self._exited_within(KILL_WAIT)
        return self._finish()

    def _abandon(self) -> None:
        """The caller was cancelled: SIGTERM now; a task escalates to SIGKILL and cleans up
        (ports, owned workdir) once SIPp ended."""
        self._stopped = True
        self._signal(signal.SIGTERM)
        self._reaper = asyncio.get_running_loop().create_task(self._reap())

    async def _reap(self) -> None:
        if not await self._exited_within(TERM_WAIT):
            self._killed = True
            self._signal(signal.SIGKILL)
            await self._exited_within(KILL_WAIT)
        self._finish()

    async def _exited_within(self, seconds: float) -> bool:
        try:
            await asyncio.wait_for(self._process.wait(), seconds)
        except TimeoutError:
            return False
        return True

    def _control(self, key: bytes) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock, \
                contextlib.suppress(OSError):
            sock.sendto(key, (CONTROL_IP, self.command.control_port))

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._process.send_signal(sig)

    def _finish(self) -> SippResult:
        if self._result is None:
            self._result = self._collect()
            self.command.release_ports()
            if self.command.owns_workdir and self._process.returncode is not None:
                shutil.rmtree(self.command.workdir, ignore_errors=True)
        return self._result

    def _collect(self) -> SippResult:
        command = self.command
        counts = sorted(command.workdir.glob("*_counts.csv"))
        errors = "\n".join(t for t in (_stderr_text(command), _read(command.error_file).strip())
                           if t)
        return SippResult(
            name=command.name,
            returncode=self._process.returncode,
            stats=SippStats.parse(_read(command.stat_file)),
            messages=parse_message_counts(_read(counts[-1])) if counts else {},
            log=tuple(_read(command.log_file).splitlines()),
            errors=_tail(errors, ERROR_TEXT_LIMIT),
            timed_out=self._timed_out,
            stopped=self._stopped,
            killed=self._killed,
        )


async def run_citizens(
    call: CitizenCall, *, ports: PortAllocator | None = None, timeout: float | None = None
) -> SippResult:
    """Place `call.calls` citizen calls and return once they ended (bounded by `timeout`,
    default `call.bound`)."""
    process = await SippProcess.start(citizen_command(call, ports=ports))
    return await process.wait(timeout)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _stderr_text(command: SippCommand) -> str:
    lines = _read(command.stderr_file).splitlines()
    return "\n".join(line for line in lines if not line.startswith("Resolving remote host"))


def _has_data_row(path: Path) -> bool:
    return _read(path).count("\n") >= 2


def _tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[-limit:]


# ------------------------------------------------------------------ parent death, strays

_PR_SET_PDEATHSIG = 1
try:
    _prctl: Callable[..., int] | None = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started SIPp dies."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def sipp_pids(directory: Path = SCENARIO_DIR) -> list[int]:
    """SIPp processes running a scenario from `directory` (any user, any parent)."""
    prefix = str(directory) + "/"
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue  # gone, or not ours to read
        args = [a.decode(errors="replace") for a in argv if a]
        if args and Path(args[0]).name == SIPP_BINARY and any(a.startswith(prefix) for a in args):
            pids.append(int(entry.name))
    return pids


def kill_stray_sipp(directory: Path = SCENARIO_DIR, grace: float = 2.0) -> int:
    """SIGTERM every SIPp running a scenario from `directory`, SIGKILL those still alive after
    `grace` seconds; return how many were signalled. Synchronous, bounded (grace + 2 s)."""
    signalled = [pid for pid in sipp_pids(directory) if _kill(pid, signal.SIGTERM)]
    if not _gone_within(signalled, grace):
        for pid in signalled:
            _kill(pid, signal.SIGKILL)
        _gone_within(signalled, KILL_WAIT)
    return len(signalled)


def _kill(pid: int, sig: signal.Signals) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return False
    except PermissionError as error:
        raise SippError(f"not allowed to signal SIPp pid {pid}") from error
    return True


def _gone_within(pids: list[int], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while any(_alive(pid) for pid in pids):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.02)
    return True


def _alive(pid: int) -> bool:
    """Running and not a zombie (a zombie's parent reaps it; it holds no socket)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError as error:
        return error.errno not in (errno.ENOENT, errno.ESRCH)
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"
