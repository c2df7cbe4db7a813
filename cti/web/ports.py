"""What the HTTP API needs from the rest of the CTI; the composition root passes them in."""

from __future__ import annotations

from collections.abc import Awaitable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from cti.domain.calls.record import CallRecord, Outcome
from cti.domain.tickets.attachments import Attachment
from cti.domain.tickets.feedback import FeedbackEnd
from cti.domain.tickets.records import TicketDetail
from cti.domain.tickets.status import TicketStatus
from cti.domain.tickets.ticket import Ticket, TicketDraft, TicketPatch
from cti.storage.access_audit import AccessEntry
from cti.storage.call_search import CallPage
from cti.storage.ticket_search import TicketPage
from dialer.callbacks import TicketEnds
from dialer.day_summary import DaySummary


class CallQueries(Protocol):
    """The reading half of the call-outcome log (`cti.storage.call_log.CallLog`)."""

    async def get(self, call_id: str) -> CallRecord | None: ...

    async def search(
        self,
        *,
        since: float | None = None,
        until: float | None = None,
        outcome: Outcome | None = None,
        caller: str | None = None,
        operator: str | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> CallPage: ...


class QueueView(Protocol):
    """The live state of the queues and their operators, as a JSON-able mapping."""

    def snapshot(self) -> Mapping[str, object]: ...


@dataclass(frozen=True)
class ComponentHealth:
    up: bool
    reason: str  # why, in a few words: "connected", "not configured", "login refused"
    detail: Mapping[str, object] = field(default_factory=dict)  # JSON-able, no personal data


class HealthProbe(Protocol):
    """Checks every component: "ami", "fastagi", "database", "redis"."""

    def check(self) -> Awaitable[Mapping[str, ComponentHealth]]: ...


class Tickets(TicketEnds, Protocol):
    """The ticket store (`cti.storage.tickets.TicketStore`), as the tickets routes use it,
    and the moves a feedback verdict makes inside the callback's transaction."""

    async def create(self, draft: TicketDraft, actor: str, call_id: str | None = None) -> Ticket:
        ...

    async def get(self, number: str) -> Ticket | None: ...

    async def detail(self, number: str) -> TicketDetail | None: ...

    async def search(
        self,
        *,
        phone: str | None = None,
        number: str | None = None,
        status: TicketStatus | None = None,
        statuses: tuple[TicketStatus, ...] | None = None,
        category: str | None = None,
        district: str | None = None,
        unit: str | None = None,
        units: tuple[str, ...] | None = None,
        overdue: bool | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 50,
        after: str | None = None,
    ) -> TicketPage: ...

    async def update(self, number: str, patch: TicketPatch, actor: str) -> Ticket: ...

    async def solve_first_contact(self, number: str, resolution: str, actor: str) -> Ticket: ...

    async def forward(
        self, number: str, unit: str, note: str | None, actor: str, suggested: str | None = None
    ) -> Ticket: ...

    # The unit inbox (`cti.web.routes.inbox`): a unit's steps, and 153's answer to its question.
    # `within`: the units the actor acts for, checked under the ticket's lock (None: any).
    async def acknowledge(self, number: str, actor: str, *,
                          within: Collection[str] | None = None) -> Ticket: ...

    async def request_info(self, number: str, question: str, actor: str, *,
                           within: Collection[str] | None = None) -> Ticket: ...

    async def answer_info(self, number: str, answer: str, actor: str) -> Ticket: ...

    async def close_returned(self, number: str, resolution: str, actor: str) -> Ticket: ...

    async def unit_answer(self, number: str, text: str, actor: str, *,
                          within: Collection[str] | None = None) -> Ticket: ...

    async def resolve(self, number: str, resolution: str, actor: str, *,
                      within: Collection[str] | None = None) -> Ticket: ...

    async def return_to_call_centre(self, number: str, reason: str, actor: str, *,
                                    within: Collection[str] | None = None) -> Ticket: ...

    async def link_call(self, number: str, call_id: str, actor: str) -> bool: ...

    async def add_attachment(
        self, number: str, *, filename: str | None, data: bytes, actor: str
    ) -> Attachment: ...

    async def attachment(
        self, number: str, attachment_id: int
    ) -> tuple[Attachment, bytes] | None: ...


class ReadAudit(Protocol):
    """Who read which citizen's data (`cti.storage.access_audit.AccessAudit`)."""

    async def record(self, actor: str, action: str, subject: str) -> None: ...

    async def entries(
        self,
        *,
        actor: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 100,
    ) -> list[AccessEntry]: ...


class CallbackEntry(Protocol):
    """One callback as the feedback console shows it (`dialer.callbacks.CallbackStore`)."""

    @property
    def callback_id(self) -> int: ...
    @property
    def ticket_number(self) -> str: ...
    @property
    def status(self) -> str: ...  # waiting, calling, connected, done, cancelled
    @property
    def stage(self) -> str: ...  # a waiting one: due (called now) or scheduled (at due_at)
    @property
    def category(self) -> str: ...
    @property
    def unit(self) -> str | None: ...
    @property
    def resolution(self) -> str | None: ...  # the unit's resolution, or its excerpt
    @property
    def priority(self) -> int: ...  # higher first
    @property
    def attempts(self) -> int: ...
    @property
    def max_attempts(self) -> int: ...
    @property
    def last_outcome(self) -> str | None: ...  # the last attempt's: busy, no_answer…
    @property
    def due_at(self) -> float: ...  # the next attempt's moment, moved into calling hours
    @property
    def resolved_at(self) -> float: ...
    @property
    def assigned_to(self) -> str | None: ...  # preview: who took it
    @property
    def appointment_at(self) -> float | None: ...  # the moment the citizen asked for


class Callbacks(Protocol):
    """The feedback callback queue (`dialer.callbacks.CallbackStore`), as the console uses it."""

    async def queue_view(self, limit: int) -> Sequence[CallbackEntry]: ...

    async def get(self, callback_id: int) -> CallbackEntry | None:
        """One callback, finished ones too."""
        ...

    async def day_summary(self, day: date) -> DaySummary:
        """A day of feedback calls in figures, for the team leader."""
        ...

    async def last_attempt_id(self, callback_id: int) -> str | None:
        """The id of the callback's latest call (the Linkedid the console knows it by)."""
        ...

    async def handled_by(self, callback_id: int) -> str | None:
        """The operator who had the callback's latest call (None before one took it)."""
        ...

    async def of_attempt(self, attempt_id: str) -> CallbackEntry | None:
        """The callback an attempt (the id on the channel, ALO153_ATTEMPT) belongs to."""
        ...

    async def take(self, callback_id: int, operator: str) -> CallbackEntry | None:
        """Preview: assign a waiting callback to `operator`; None when it is no longer
        waiting or another operator has it."""
        ...

    async def release(self, callback_id: int, operator: str | None) -> bool:
        """A taken waiting callback back to the queue: `operator`'s, or (None) whoever's;
        False if it is not so taken."""
        ...

    async def withdraw(self, callback_id: int, reason: str, actor: str, now: float, *,
                       tickets: TicketEnds) -> bool:
        """A waiting callback cancelled by a team leader, the reason in the ticket's trail and
        the ticket closed on the unit's resolution; False if it is not waiting."""
        ...

    async def later(self, callback_id: int, at: float, actor: str, now: float,
                    note: str | None = None, *, tickets: TicketEnds) -> float | None:
        """The citizen asks to be called at `at`: when it will be (in calling hours), or None
        if the callback is no longer in flight or its ticket moved on."""
        ...

    async def verdict(self, callback_id: int, verdict: str, end: FeedbackEnd, actor: str,
                      now: float, *, tickets: TicketEnds,
                      score: int | None = None) -> Ticket | None:
        """The operator's verdict: the callback done and its ticket moved by `end`, in one
        transaction; None if the callback was finished already."""
        ...


class Dialer(Protocol):
    """The feedback dialer (`dialer.engine`): its mode, and a preview call placed on request."""

    @property
    def mode(self) -> str: ...  # progressive, preview or off

    async def call_now(self, callback_id: int, operator: str, extension: str) -> str:
        """Call the citizen of a callback the operator took and connect them to `extension`;
        the attempt's id."""
        ...
