"""Attempt outcomes from what Asterisk 22 said in recorded Originate sessions
(tests/transcripts/originate-*.ami), and from the causes a carrier may give."""

from __future__ import annotations

import pytest

from cti.telephony.ami.frames import Frame, FrameBuffer
from dialer.outcomes import RETRY, Outcome, classify
from tests.transcripts import names, session_bytes


def citizen_leg_facts(name: str) -> tuple[str | None, str | None, str | None]:
    """(OriginateResponse Reason, the citizen leg's last DialEnd DialStatus, its Hangup
    Cause) as a reader of the session would collect them for the originated channel."""
    frames = list(FrameBuffer().feed(session_bytes(name)))
    response = next(f for f in frames if f.event == "OriginateResponse")
    leg = response.get("Uniqueid")
    reason = response.get("Reason")
    dial_status = _last(frames, "DialEnd", "DestUniqueid", leg, "DialStatus")
    cause = _last(frames, "Hangup", "Uniqueid", leg, "Cause")
    return reason, dial_status, cause


def _last(frames: list[Frame], event: str, key: str, value: str | None,
          header: str) -> str | None:
    found = [f.get(header) for f in frames if f.event == event and f.get(key) == value]
    return found[-1] if found else None


@pytest.mark.parametrize(
    ("session", "facts", "outcome"),
    [
        ("originate-answered", ("4", "ANSWER", "16"), Outcome.ANSWERED),
        ("originate-busy", ("0", "BUSY", "17"), Outcome.BUSY),
        ("originate-congestion", ("0", "CONGESTION", "34"), Outcome.CONGESTION),
        ("originate-noanswer", ("3", None, "19"), Outcome.NO_ANSWER),
        # SIP 480: Reason 0 like busy; the dial status and cause say nobody answered.
        ("originate-unavailable-480", ("0", "NOANSWER", "19"), Outcome.NO_ANSWER),
        # Nothing listening: Asterisk waits out the ring time; no DialEnd at all.
        ("originate-unreachable-port", ("3", None, "19"), Outcome.NO_ANSWER),
    ],
)
def test_each_recorded_originate_reads_as_its_outcome(
    session: str, facts: tuple[str | None, str | None, str | None], outcome: Outcome
) -> None:
    assert citizen_leg_facts(session) == facts
    assert classify(*facts) is outcome


def test_every_recorded_originate_is_covered() -> None:
    assert len(names("originate-*")) == 6


def test_the_coarse_reason_alone_is_not_taken_for_busy() -> None:
    # With PJSIP, Reason 0 is busy, congestion and 480 alike: alone it says only "failed".
    assert classify("0", None, None) is Outcome.FAILED
    assert classify("0", "BUSY", None) is Outcome.BUSY
    assert classify("0", None, "34") is Outcome.CONGESTION


@pytest.mark.parametrize(
    ("cause", "outcome"),
    [("1", Outcome.INVALID_NUMBER), ("28", Outcome.INVALID_NUMBER),
     ("22", Outcome.INVALID_NUMBER), ("21", Outcome.BUSY), ("20", Outcome.NO_ANSWER),
     ("18", Outcome.NO_ANSWER), ("38", Outcome.CONGESTION), ("42", Outcome.CONGESTION)],
)
def test_a_specific_cause_wins_over_a_coarse_dial_status(cause: str, outcome: Outcome) -> None:
    assert classify("0", "CHANUNAVAIL", cause) is outcome


def test_a_channel_unavailable_without_cause_is_a_failure_worth_retrying() -> None:
    assert classify("0", "CHANUNAVAIL", "16") is Outcome.FAILED
    assert Outcome.FAILED in RETRY


def test_our_own_timeout_cancelling_the_dial_is_no_answer() -> None:
    assert classify(None, "CANCEL", None) is Outcome.NO_ANSWER


def test_an_answer_is_an_answer_whatever_cause_follows() -> None:
    assert classify("4", None, "17") is Outcome.ANSWERED
    assert classify(None, "answer", None) is Outcome.ANSWERED


@pytest.mark.parametrize(
    "facts",
    [(None, None, None), ("", " ", ""), ("99", "RINGING", "16"), ("x", "\x00", "1" * 40),
     (None, None, "١٧")],  # Arabic-Indic digits are not a cause
)
def test_nothing_known_or_garbage_reads_as_unknown(
    facts: tuple[str | None, str | None, str | None]
) -> None:
    assert classify(*facts) is Outcome.UNKNOWN


def test_an_invalid_number_is_not_called_again() -> None:
    assert Outcome.INVALID_NUMBER not in RETRY
    assert Outcome.ANSWERED not in RETRY
