"""The words a callback and its attempts are stored with (`callbacks.status`,
`callback_attempts.state`, `callbacks.outcome`)."""

from __future__ import annotations

import enum


class CallbackStatus(enum.StrEnum):
    WAITING = "waiting"  # due at next_attempt_at
    CALLING = "calling"  # an attempt is in flight
    CONNECTED = "connected"  # the citizen is (or was) with an operator: the verdict is awaited
    DONE = "done"  # with its outcome
    CANCELLED = "cancelled"  # the ticket moved on before the citizen was reached


# Not finished: a ticket has at most one of these (`enqueue_resolved` checks it).
UNFINISHED = (CallbackStatus.WAITING, CallbackStatus.CALLING, CallbackStatus.CONNECTED)
IN_FLIGHT = (CallbackStatus.CALLING, CallbackStatus.CONNECTED)


class AttemptState(enum.StrEnum):
    """In the order a call goes through them: an update never moves an attempt back."""

    PLACING = "placing"  # written, then originated
    RINGING = "ringing"
    ANSWERED = "answered"  # the citizen picked up
    QUEUED = "queued"  # and waits for a feedback operator
    CONNECTED = "connected"  # an operator took the call
    LEFT = "left"  # the operator hung up; the citizen may be in the keypad survey
    ENDED = "ended"

    @property
    def rank(self) -> int:
        return list(AttemptState).index(self)


class Verdict(enum.StrEnum):
    """How a callback ended: the operator's verdict, or the dialer's when nobody was reached."""

    CONFIRMED = "confirmed"  # the citizen says it is solved
    NOT_SOLVED = "not_solved"  # reopened to the unit
    WRONG_NUMBER = "wrong_number"
    UNREACHABLE = "unreachable"  # the last attempt failed, or the number does not exist
    CANCELLED = "cancelled"
