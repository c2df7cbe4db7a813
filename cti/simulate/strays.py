"""No SIPp outlives us: each dies with the process that started it, and any left over anyway
(its parent was SIGKILLed, a crash before stop()) is found by its scenario and stopped."""

from __future__ import annotations

import ctypes
import signal
from collections.abc import Callable
from pathlib import Path

from cti.pbx.processes import pids_where, runs_file_under, terminate
from cti.simulate.errors import SippError
from cti.simulate.invocation import SCENARIO_DIR, SIPP_BINARY

_PR_SET_PDEATHSIG = 1
try:
    _prctl: Callable[..., int] | None = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def die_with_parent() -> None:
    """In the child before exec: SIGTERM when the process that started SIPp dies."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def sipp_pids(directory: Path = SCENARIO_DIR) -> list[int]:
    """SIPp processes running a scenario from `directory` (any user, any parent)."""
    return pids_where(runs_file_under(SIPP_BINARY, directory))


def kill_stray_sipp(directory: Path = SCENARIO_DIR, grace: float = 2.0) -> int:
    """SIGTERM every SIPp running a scenario from `directory`, SIGKILL those still alive after
    `grace` seconds; return how many were signalled. Synchronous, bounded (grace + 2 s)."""
    try:
        return terminate(sipp_pids(directory), grace=grace)
    except PermissionError as error:
        # Another user's SIPp: say which kind of process, not a bare errno.
        raise SippError("not allowed to signal a SIPp process") from error
