"""What a SIPp run tells, read back from the files in its workdir: its counters, its log
(with the calls a phone received), its errors, and the SippResult that sums them up."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from cti.simulate.invocation import SippCommand
from cti.simulate.stats import SippStats, parse_message_counts

ERROR_TEXT_LIMIT = 64 * 1024

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


def collect(
    command: SippCommand, returncode: int | None, *, timed_out: bool, stopped: bool, killed: bool
) -> SippResult:
    """The result of `command`'s run from its workdir (SIPp has ended, or would not)."""
    counts = sorted(command.workdir.glob("*_counts.csv"))
    errors = "\n".join(t for t in (stderr_text(command), read_text(command.error_file).strip())
                       if t)
    return SippResult(
        name=command.name,
        returncode=returncode,
        stats=read_stats(command),
        messages=parse_message_counts(read_text(counts[-1])) if counts else {},
        log=tuple(read_log(command)),
        errors=tail(errors, ERROR_TEXT_LIMIT),
        timed_out=timed_out,
        stopped=stopped,
        killed=killed,
    )


def read_stats(command: SippCommand) -> SippStats:
    return SippStats.parse(read_text(command.stat_file))


def read_log(command: SippCommand) -> list[str]:
    return read_text(command.log_file).splitlines()


def stats_written(command: SippCommand) -> bool:
    """SIPp writes its first statistics row once its sockets are bound."""
    return read_text(command.stat_file).count("\n") >= 2


def stderr_text(command: SippCommand) -> str:
    lines = read_text(command.stderr_file).splitlines()
    return "\n".join(line for line in lines if not line.startswith("Resolving remote host"))


def read_text(path: Path) -> str:
    """The file's text, or "" while SIPp has not written it (or it is gone)."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def tail(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[-limit:]
