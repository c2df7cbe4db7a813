"""What the callback store hands out: plain frozen values, never ORM rows."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from dialer.outcomes import Outcome
from dialer.states import AttemptState, CallbackStatus

# `cb<callback>-<seq>-<token>`: letters, digits and '-' only, at most 30 characters, so it is
# safe as an Asterisk channel variable and as an Originate ChannelId (a Uniqueid). The token
# keeps an id from being handed out twice, even by a database restored from a backup.
ATTEMPT_ID = re.compile(r"cb[0-9]{1,12}-[0-9]{1,4}-[0-9a-f]{8}")


def new_attempt_id(callback_id: int, seq: int) -> str:
    return f"cb{callback_id}-{seq}-{secrets.token_hex(4)}"


def is_attempt_id(text: str) -> bool:
    """Whether `text` can be one of our attempt ids (check before a lookup of outside input)."""
    return ATTEMPT_ID.fullmatch(text) is not None


@dataclass(frozen=True)
class Due:
    callback_id: int
    ticket_number: str
    phone: str
    attempts: int  # placed so far


@dataclass(frozen=True)
class PlannedAttempt:
    """An attempt written and committed: originate it now, carrying `attempt_id`."""

    attempt_id: str
    callback_id: int
    seq: int  # 1 for the first call of its callback
    ticket_number: str
    phone: str
    operator: str | None  # preview: who asked for the call
    placed_at: float


@dataclass(frozen=True)
class Attempt:
    attempt_id: str
    callback_id: int
    seq: int
    ticket_number: str
    phone: str
    state: AttemptState
    operator: str | None
    placed_at: float
    answered_at: float | None
    connected_at: float | None
    ended_at: float | None
    outcome: str | None
    cause: str | None
    channel: str | None
    left_at: float | None = None  # the operator hung up (the citizen may be in the survey)


@dataclass(frozen=True)
class AttemptEnd:
    """An attempt that has just ended, and what became of its callback.

    `unreachable`: that was the last try (or the number does not exist); given the ticket
    store, `CallbackStore.end` closed the ticket in the same transaction.
    """

    attempt_id: str
    callback_id: int
    ticket_number: str
    attempts: int  # calls placed for its callback, this one included (its seq)
    outcome: Outcome
    cause: str | None
    status: CallbackStatus  # the callback's, after this end
    next_attempt_at: float | None  # when waiting again
    unreachable: bool


@dataclass(frozen=True)
class QueueItem:
    """A line of the feedback console's queue."""

    callback_id: int
    ticket_number: str
    category: str
    unit: str | None
    resolution: str  # its first RESOLUTION_EXCERPT characters
    priority: int
    status: CallbackStatus
    # calling and connected as the status says; a waiting one is "due" (would be called now)
    # or "scheduled" (at `due_at`: its spacing, moved into the calling hours).
    stage: str
    due_at: float
    attempts: int  # the tries that count towards `max_attempts`: since the appointment, if any
    max_attempts: int
    last_outcome: str | None
    assigned_to: str | None
    resolved_at: float
    appointment_at: float | None = None  # the moment the citizen asked to be called
