"""What an attempt's end means for its callback: the rule, without the database."""

from __future__ import annotations

from dataclasses import dataclass

from dialer.config import DialerConfig
from dialer.outcomes import RETRY, Outcome
from dialer.states import IN_FLIGHT, AttemptState, CallbackStatus, Verdict

OURS = frozenset({Outcome.FAILED, Outcome.CONGESTION, Outcome.UNKNOWN})


@dataclass(frozen=True)
class Settlement:
    status: CallbackStatus
    next_attempt_at: float | None = None  # waiting again: when
    verdict: Verdict | None = None  # done without an operator's verdict: why


def final_outcome(reached: AttemptState, outcome: Outcome | None) -> Outcome:
    """The outcome an attempt ends with, from the caller's and how far the call got (`reached`,
    its state before the end): "answered" with no operator ever on the line is an abandoned
    call; without an outcome, an answered call is taken as answered, any other as unknown."""
    if reached.rank >= AttemptState.CONNECTED.rank:
        return Outcome.ANSWERED  # an operator had the citizen, whatever the hangup says
    picked_up = reached.rank >= AttemptState.ANSWERED.rank
    if outcome is None or (outcome is Outcome.UNKNOWN and picked_up):
        outcome = Outcome.ANSWERED if picked_up else Outcome.UNKNOWN
    if outcome is Outcome.ANSWERED:
        return Outcome.ABANDONED
    return outcome


def settle(config: DialerConfig, *, status: CallbackStatus, attempts: int, outcome: Outcome,
           at: float) -> Settlement | None:
    """The callback's next status after its `attempts`-th call ended with `outcome`; None when
    it is no longer in flight (an operator closed it during the call): it stays as it is."""
    if status not in IN_FLIGHT:
        return None
    if outcome is Outcome.ANSWERED:
        return Settlement(CallbackStatus.CONNECTED)  # the operator's verdict decides
    # A failure on our side (trunk, Asterisk, a lost call) is not the citizen's: it closes the
    # ticket as unreachable only after twice the attempts a citizen gets.
    limit = config.max_attempts * (2 if outcome in OURS else 1)
    if outcome in RETRY and attempts < limit:
        return Settlement(CallbackStatus.WAITING, config.next_attempt_at(attempts, at))
    return Settlement(CallbackStatus.DONE, verdict=Verdict.UNREACHABLE)
