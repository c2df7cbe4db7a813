"""When a temporarily failed message is tried again, and when it is given up."""

from __future__ import annotations

import pytest

from cti.notify.backoff import Backoff


def test_the_delays_grow_from_half_a_minute_to_six_hours_and_the_eighth_try_is_the_last(
) -> None:
    backoff = Backoff()
    middle = [backoff.delay(n, lambda: 0.5) for n in range(1, 9)]
    assert middle == [30.0, 120.0, 600.0, 3600.0, 7200.0, 14400.0, 21600.0, None]


def test_jitter_spreads_each_delay_by_a_fifth_either_way() -> None:
    backoff = Backoff()
    assert backoff.delay(1, lambda: 0.0) == pytest.approx(24.0)
    assert backoff.delay(1, lambda: 0.999999) == pytest.approx(36.0, abs=1e-3)
    assert backoff.delay(4, lambda: 0.0) == pytest.approx(2880.0)


def test_the_cap_holds_however_long_the_ladder() -> None:
    backoff = Backoff(max_attempts=100)
    assert backoff.base(40) == 6 * 3600.0


def test_a_single_attempt_policy_gives_up_at_once() -> None:
    assert Backoff(max_attempts=1).delay(1) is None


def test_a_policy_without_steps_is_refused() -> None:
    with pytest.raises(ValueError):
        Backoff(steps=())
