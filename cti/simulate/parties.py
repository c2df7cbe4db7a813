"""Who the simulation plays: citizens calling 153, operator softphones, the callback phone.

Each party is a frozen, validated description; commands.py turns it into a SIPp to start.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal, get_args

PBX_HOST = "127.0.0.1"
PBX_PORT = 5060
CITIZEN_IP = "127.0.0.2"
OPERATOR_IP = "127.0.0.1"
OPERATOR_PORT_BASE = 5100
CALLBACK_IP = "127.0.0.2"
CALLBACK_PORT = 5090

CitizenBehaviour = Literal["stay", "until_hangup", "cancel"]
PhoneBehaviour = Literal["answer", "reject", "no_answer"]

# Longest a citizen's SIPp waits for one answer (100..200 OK, the BYE's 200) before it aborts
# the call; an until_hangup citizen waits this long for the BYE: the queue's ALO153_MAX_WAIT
# (300 s) and some.
ANSWER_WAIT = 30.0
UNTIL_HANGUP_WAIT = 330.0

_USER_PART = re.compile(r"^[0-9A-Za-z+*._-]{1,64}$")
_EXTENSION = re.compile(r"^1\d{3}$")


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
        _check_phone(self.behaviour, self.ring_seconds, self.talk_seconds)

    @property
    def sip_port(self) -> int:
        if self.port is not None:
            return self.port
        return OPERATOR_PORT_BASE + int(self.extension) - 1000


@dataclass(frozen=True)
class CallbackPhone:
    """The citizen's phone that the dialer's callbacks ring (SIPp server on 127.0.0.2:5090).

    Same behaviours as OperatorPhone: answer (talk `talk_seconds`, 0 = until the PBX hangs up),
    reject (486 Busy Here), no_answer (ring until the PBX cancels). `press`: a key (0-9) the
    citizen presses `press_after` seconds after answering (the keypad survey), then waits
    for the PBX to hang up.
    """

    behaviour: PhoneBehaviour = "answer"
    ring_seconds: float = 1.0
    talk_seconds: float = 0.0
    ip: str = CALLBACK_IP
    port: int = CALLBACK_PORT
    press: str = ""
    press_after: float = 0.0

    def __post_init__(self) -> None:
        _check_phone(self.behaviour, self.ring_seconds, self.talk_seconds)
        _check_seconds("press_after", self.press_after)
        if self.press and (len(self.press) != 1 or self.press not in "0123456789"):
            raise ValueError(f"press must be one key 0-9, not {self.press!r}")
        if self.press and (self.behaviour != "answer" or self.talk_seconds):
            raise ValueError("a key is pressed only by a phone that answers and stays on")


def _check_phone(behaviour: str, ring_seconds: float, talk_seconds: float) -> None:
    """What OperatorPhone and CallbackPhone share: one scenario, so the same three knobs."""
    _check_choice("behaviour", behaviour, PhoneBehaviour)
    _check_seconds("ring_seconds", ring_seconds)
    _check_seconds("talk_seconds", talk_seconds)


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
