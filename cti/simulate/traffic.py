"""A realistic stream of citizens for the demo: who calls, and how long they stay.

Pure and seeded: the same seed gives the same afternoon at the call centre.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from cti.simulate.parties import CitizenCall

Kind = Literal["talks", "gives up waiting", "hangs up in greeting"]

FIRST_NAMES = ("Ayşe", "Mehmet", "Fatma", "Mustafa", "Emine", "Ahmet", "Hatice", "Ali",
               "Zeynep", "Hüseyin", "Şükrü", "Gülşen", "İbrahim", "Özlem", "Çağrı", "Ümran")
LAST_NAMES = ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın",
              "Özdemir", "Arslan", "Doğan", "Kılıç", "Aslan", "Çetin", "Koç", "Kurt")

# (kind, share of calls, seconds after Asterisk answers: low, high). A talking citizen's
# seconds include their wait in the queue; one who gives up leaves while still queued unless
# an operator was quicker.
MIX: tuple[tuple[Kind, float, float, float], ...] = (
    ("talks", 0.72, 14.0, 40.0),
    ("gives up waiting", 0.18, 4.0, 16.0),
    ("hangs up in greeting", 0.10, 0.3, 1.2),
)


@dataclass(frozen=True)
class Citizen:
    number: str
    name: str


@dataclass(frozen=True)
class PlannedCall:
    kind: Kind
    call: CitizenCall


class Traffic:
    def __init__(self, *, seed: int = 153, citizens: int = 60) -> None:
        self._random = random.Random(seed)
        # A small population, so some citizens call again: repeat callers are real.
        self.citizens = [self._citizen() for _ in range(citizens)]

    def next_gap(self, rate: float) -> float:
        """Seconds until the next call: arrivals are a Poisson process."""
        return self._random.expovariate(rate)

    def next_call(self) -> PlannedCall:
        citizen = self._random.choice(self.citizens)
        kind, low, high = self._kind()
        seconds = round(self._random.uniform(low, high), 1)
        call = CitizenCall(caller=citizen.number, display_name=citizen.name, seconds=seconds)
        return PlannedCall(kind, call)

    def _kind(self) -> tuple[Kind, float, float]:
        pick = self._random.random()
        for kind, share, low, high in MIX:
            if pick < share:
                return kind, low, high
            pick -= share
        kind, _, low, high = MIX[0]
        return kind, low, high

    def _citizen(self) -> Citizen:
        number = f"05{self._random.choice('3456')}{self._random.randrange(10**8):08d}"
        name = f"{self._random.choice(FIRST_NAMES)} {self._random.choice(LAST_NAMES)}"
        return Citizen(number, name)
