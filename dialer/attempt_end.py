"""What an attempt's end means for its callback: the rule, without the database."""

from __future__ import annotations

from dataclasses import dataclass

from dialer.config import DialerConfig
from dialer.outcomes import RETRY, Outcome
from dialer.states import IN_FLIGHT, AttemptState, CallbackStatus, Verdict


@dataclass(frozen=True)
class Settlement:
    status: CallbackStatus
    next_attempt_at: float | None = None  # waiting again: when
    verdict: Verdict | None = None  # done without an operator's verdict: why


def final_outcome(reached: AttemptState, outcome: Outcome | None) -> Outcome:
    """The outcome an attempt ends with, from the caller's and how far the call got (`reached`,
    its state before the end): "answered" with no operator ever on the line is an abandoned
    call; without an outcome, an answered call is taken as answered, any other as unknown."""
    if outcome is None:
        outcome = Outcome.ANSWERED if reached.rank >= AttemptState.ANSWERED.rank else (
            Outcome.UNKNOWN)
    if outcome is Outcome.ANSWERED and reached is not AttemptState.CONNECTED:
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
    if outcome in RETRY and attempts < config.max_attempts:
        return Settlement(CallbackStatus.WAITING, config.next_attempt_at(attempts, at))
    return Settlement(CallbackStatus.DONE, verdict=Verdict.UNREACHABLE)
