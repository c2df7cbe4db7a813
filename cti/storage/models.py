"""The call-outcome log's tables; `migrations/versions` must say the same thing by hand.

Times are epoch seconds as double precision: they are Asterisk's clock exactly as the
record holds them, so a save and a load give back the same float, ordering and keyset
paging behave the same on SQLite (which has no timestamp type) and PostgreSQL, and reports
convert at the edge (`to_timestamp(started_at)`, `datetime(started_at, 'unixepoch')`).
Enumerations are stored as their string values without a CHECK constraint, so a new outcome
needs no migration.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    Boolean,
    Double,
    ForeignKey,
    Index,
    MetaData,
    String,
    Text,
    false,
    text,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# Constraint names are part of the schema: a later migration must be able to name them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {float: Double(), str: String()}


class CallRow(Base):
    __tablename__ = "calls"

    call_id: Mapped[str] = mapped_column(primary_key=True)  # Asterisk Linkedid
    caller_number: Mapped[str | None]
    caller_name: Mapped[str]
    started_at: Mapped[float]
    channel_uniqueid: Mapped[str]
    queue: Mapped[str | None]
    entered_queue_at: Mapped[float | None]
    position_at_entry: Mapped[int | None]
    answered_by: Mapped[str | None]
    answered_at: Mapped[float | None]
    ended_at: Mapped[float | None]
    wait_seconds: Mapped[float | None]
    talk_seconds: Mapped[float | None]
    hung_up_by: Mapped[str | None] = mapped_column(String(16))
    outcome: Mapped[str] = mapped_column(String(32))
    fallback_reason: Mapped[str | None]
    source: Mapped[str] = mapped_column(String(16))
    updated_at: Mapped[float]  # our clock, when this row was last written

    # lazy="raise": under asyncio an implicit load would fail late and far from its cause.
    attempts: Mapped[list[AttemptRow]] = relationship(
        order_by="AttemptRow.seq", lazy="raise", passive_deletes=True
    )
    timeline: Mapped[list[TimelineRow]] = relationship(
        order_by="TimelineRow.seq", lazy="raise", passive_deletes=True
    )

    __table_args__ = (
        # (started_at, call_id) is the keyset the newest-first pages walk.
        Index(None, "started_at", "call_id"),
        Index(None, "caller_number", "started_at"),
        Index(None, "outcome", "started_at"),
        Index(None, "answered_by", "started_at"),
        Index(None, "channel_uniqueid"),
    )


class AttemptRow(Base):
    __tablename__ = "call_attempts"

    call_id: Mapped[str] = mapped_column(
        ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)  # 1-based order of the rings
    operator: Mapped[str]
    interface: Mapped[str]
    rang_at: Mapped[float]
    ended_at: Mapped[float | None]
    result: Mapped[str] = mapped_column(String(16))


class TimelineRow(Base):
    __tablename__ = "call_timeline"

    call_id: Mapped[str] = mapped_column(
        ForeignKey("calls.call_id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True)  # 1-based order of the events
    at: Mapped[float]
    kind: Mapped[str]
    detail: Mapped[str] = mapped_column(Text)


class Ticket(Base):
    """A citizen's request (`cti.domain.tickets`); its changes are in `ticket_events`.

    `status` is one of new, first_contact_solved, forwarded, in_progress, resolved, feedback,
    closed, reopened. A ticket is open unless closed or solved during the first contact.
    Category, district and unit are codes from the seed data (`cti/seed/`), not foreign keys:
    the taxonomy is reference data that may change without rewriting old tickets.
    """

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)  # 153-2026-000123
    # National form (`normalize_number`); None for a request that came without a phone.
    citizen_phone: Mapped[str | None] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(24))
    channel: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float]
    updated_at: Mapped[float]
    citizen_name: Mapped[str | None] = mapped_column(String(120))
    citizen_tc: Mapped[str | None] = mapped_column(String(11))  # T.C. kimlik no, checksummed
    category: Mapped[str] = mapped_column(String(64), server_default="diger")
    priority: Mapped[str] = mapped_column(String(12), server_default="normal")
    district: Mapped[str | None] = mapped_column(String(64))
    neighbourhood: Mapped[str | None] = mapped_column(String(96))
    address: Mapped[str | None] = mapped_column(Text)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    description: Mapped[str] = mapped_column(Text, server_default="")
    unit: Mapped[str | None] = mapped_column(String(64))  # where it was forwarded
    resolution: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str | None] = mapped_column(String(64))  # a username, or a channel
    closed_at: Mapped[float | None]
    # The unit's clock (`cti.domain.deadlines`): set on each forward, cleared on a return.
    forwarded_at: Mapped[float | None]
    acknowledged_at: Mapped[float | None]
    ack_due_at: Mapped[float | None]
    resolve_due_at: Mapped[float | None]
    resolved_at: Mapped[float | None]
    # The escalation ladder's rung (0 none, 1 reminder, 2 warning, 3 field revisit) and when.
    escalation_level: Mapped[int] = mapped_column(server_default="0")
    escalated_at: Mapped[float | None]
    # The citizen asked not to be called back about it (no feedback call).
    no_callback: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # The citizen's 1-5 answer to the satisfaction survey after a feedback call.
    satisfaction: Mapped[int | None]

    __table_args__ = (
        # The caller lookup: a phone's tickets, and its open ones without reading the rows.
        Index(None, "citizen_phone", "status"),
        # A phone's tickets newest first (search by phone, the screen pop's history).
        Index(None, "citizen_phone", "created_at"),
        Index(None, "unit", "created_at"),  # a unit's tickets (unit staff, routing)
        # (created_at, id) is the keyset the newest-first pages walk; the filters ride on it.
        Index(None, "created_at", "id"),
        Index(None, "status", "created_at"),
        Index(None, "category", "created_at"),
        Index(None, "district", "created_at"),
        # The escalation sweep: open forwarded tickets whose deadline has passed.
        Index(None, "status", "ack_due_at"),
        Index(None, "status", "resolve_due_at"),
    )


class TicketEventRow(Base):
    """The audit trail: who changed what on a ticket, and when. Never updated or deleted."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    at: Mapped[float]
    actor: Mapped[str] = mapped_column(String(64))  # a username, or "system"
    action: Mapped[str] = mapped_column(String(32))  # created, updated, status, linked_call…
    changes: Mapped[str] = mapped_column(Text)  # JSON: {"field": [old, new], …}

    __table_args__ = (Index(None, "ticket_id", "id"),)


class TicketCallRow(Base):
    """Tickets and the calls they came from or were discussed on (many to many).

    `call_id` is the Asterisk Linkedid; no foreign key to `calls`, because a ticket is bound to
    a call while it is still in progress, before the call log has its record.
    """

    __tablename__ = "ticket_calls"

    ticket_id: Mapped[int] = mapped_column(
        ForeignKey("tickets.id", ondelete="CASCADE"), primary_key=True
    )
    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    linked_at: Mapped[float]
    linked_by: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index(None, "call_id"),)


class TicketAttachmentRow(Base):
    """A file on a ticket; the bytes live in the data directory under their SHA-256."""

    __tablename__ = "ticket_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[float]
    # A photo taken, or the tutanak written, on a field revisit.
    field_task_id: Mapped[int | None] = mapped_column(
        ForeignKey("field_tasks.id", ondelete="SET NULL")
    )

    __table_args__ = (Index(None, "ticket_id"),)


class TicketCounterRow(Base):
    """The last ticket number given out per year: `153-2026-000123` is year 2026, 123."""

    __tablename__ = "ticket_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int]


class DispositionRow(Base):
    """The wrap-up code an operator gave an answered call (or `timeout` if none in time)."""

    __tablename__ = "call_dispositions"

    call_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator: Mapped[str] = mapped_column(String(64), primary_key=True)  # the username
    code: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, server_default="")
    set_at: Mapped[float]
    timed_out: Mapped[bool] = mapped_column(Boolean, server_default=false())


class UserRow(Base):
    """A person who signs in: operator, feedback operator, supervisor, unit staff, admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))  # argon2id, PHC string
    roles: Mapped[str] = mapped_column(String(128))  # comma-separated `Role` values
    # The operator's softphone (PJSIP endpoint, e.g. "1001"): which ringing is theirs.
    extension: Mapped[str | None] = mapped_column(String(32), unique=True)
    unit: Mapped[str | None] = mapped_column(String(64))  # unit staff: their unit's code
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    created_at: Mapped[float]
    updated_at: Mapped[float]


class WebSessionRow(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "web_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[float]
    last_seen_at: Mapped[float]
    expires_at: Mapped[float]

    __table_args__ = (Index(None, "user_id"),)


class AccessAuditRow(Base):
    """Who read which citizen's data (KVKK): ticket opens, screen pops, searches by phone."""

    __tablename__ = "access_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[float]
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # read_ticket, search_tickets, pop, …
    subject: Mapped[str] = mapped_column(String(128))  # a ticket number, a call id, a filter

    __table_args__ = (Index(None, "at"), Index(None, "actor", "at"))


class UnitRow(Base):
    """A unit tickets are forwarded to (`cti.domain.organisation`), as the admin keeps it.

    Seeded from `cti/seed/organisation.json` on first start; a unit is deactivated, never
    deleted, because old tickets keep its code.
    """

    __tablename__ = "units"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent: Mapped[str | None] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    name_tr: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254), server_default="")
    # Who is warned when the unit lets a deadline pass; empty: the parent unit's address.
    manager_email: Mapped[str] = mapped_column(String(254), server_default="")
    active: Mapped[bool] = mapped_column(Boolean, server_default=true())
    updated_at: Mapped[float]
    updated_by: Mapped[str] = mapped_column(String(64))


class LeaveDayRow(Base):
    """An administrative leave day (idari izin) declared for public servants: not a working day."""

    __tablename__ = "leave_days"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # ISO date, 2026-05-18
    reason: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[float]


class FieldTaskRow(Base):
    """A field team's visit to a ticket's place: photograph it again and write a tutanak.

    `status` is open, done or cancelled; `report_attachment_id` is the tutanak's PDF.
    """

    __tablename__ = "field_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(32))  # escalation, manual
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[float]
    created_by: Mapped[str] = mapped_column(String(64))
    assigned_to: Mapped[str | None] = mapped_column(String(64))  # a field user's username
    notes: Mapped[str] = mapped_column(Text, server_default="")
    inspected_by: Mapped[str | None] = mapped_column(String(64))
    inspected_at: Mapped[float | None]
    report_attachment_id: Mapped[int | None]

    __table_args__ = (Index(None, "status", "created_at"), Index(None, "ticket_id"))


class OutboxRow(Base):
    """A message to send (e-mail or SMS), written in the same transaction as its cause.

    `status` is pending, sent, or failed (given up after the last retry); a pending message is
    tried again at `next_attempt_at`. `attachment_ids` is a JSON list of ticket attachments.
    """

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))
    channel: Mapped[str] = mapped_column(String(8))  # email, sms
    purpose: Mapped[str] = mapped_column(String(32))  # reminder, warning, citizen_forwarded…
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(255), server_default="")
    body: Mapped[str] = mapped_column(Text)
    attachment_ids: Mapped[str] = mapped_column(Text, server_default="[]")
    status: Mapped[str] = mapped_column(String(12))
    attempts: Mapped[int] = mapped_column(server_default="0")
    next_attempt_at: Mapped[float]
    created_at: Mapped[float]
    sent_at: Mapped[float | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_id: Mapped[str | None] = mapped_column(String(128))  # the gateway's message id
    # A message to a unit: which one, and whether to its manager. Sent again with no new
    # address, it goes where the admin page now says (an address filled in since it failed).
    unit: Mapped[str | None] = mapped_column(String(64))
    to_manager: Mapped[bool] = mapped_column(Boolean, server_default=false())

    __table_args__ = (Index(None, "status", "next_attempt_at"), Index(None, "ticket_id", "id"))


class OutboxAttemptRow(Base):
    """One try at sending an outbox message: the delivery log a supervisor reads."""

    __tablename__ = "outbox_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    at: Mapped[float]
    ok: Mapped[bool] = mapped_column(Boolean)
    detail: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index(None, "message_id", "id"),)


class CallbackRow(Base):
    """A feedback call job: call the citizen back about a resolved ticket (`dialer`).

    One per resolution: a ticket reopened and resolved again gets a new one. `status` is
    waiting (due at `next_attempt_at`), calling (an attempt is in flight), done (with its
    `outcome`) or cancelled.
    """

    __tablename__ = "callbacks"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    phone: Mapped[str] = mapped_column(String(20))  # national form, as tickets store it
    status: Mapped[str] = mapped_column(String(16))
    priority: Mapped[int] = mapped_column(server_default="0")  # higher first
    resolved_at: Mapped[float]  # the queue's order: longest resolved first
    attempts: Mapped[int] = mapped_column(server_default="0")
    next_attempt_at: Mapped[float]
    last_outcome: Mapped[str | None] = mapped_column(String(24))
    outcome: Mapped[str | None] = mapped_column(String(24))  # confirmed, not_solved, unreachable…
    assigned_to: Mapped[str | None] = mapped_column(String(64))  # preview: who took it
    # The citizen asked to be called at this moment; the calls placed before it do not count
    # towards the tries left (`attempts_before`).
    appointment_at: Mapped[float | None]
    attempts_before: Mapped[int] = mapped_column(server_default="0")
    created_at: Mapped[float]
    updated_at: Mapped[float]
    done_at: Mapped[float | None]

    __table_args__ = (
        Index(None, "status", "next_attempt_at"),
        Index(None, "ticket_id"),
        Index(None, "phone", "status"),
    )


class DialerLeaseRow(Base):
    """Which dialer process paces the calls (`dialer.lease`): one at a time, or two would each
    count the same free operators and place two calls for each."""

    __tablename__ = "dialer_lease"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[float]


class CallbackAttemptRow(Base):
    """One call placed to a citizen. Its id travels on the channel (ALO153_ATTEMPT) and is
    written before the Originate is sent, so an attempt is placed at most once; a partial
    unique index allows one unfinished attempt per phone number."""

    __tablename__ = "callback_attempts"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id", ondelete="CASCADE"))
    seq: Mapped[int]  # 1-based within its callback
    phone: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(16))  # placing, ringing, … connected, left, ended
    operator: Mapped[str | None] = mapped_column(String(64))  # who took the call
    placed_at: Mapped[float]
    answered_at: Mapped[float | None]
    connected_at: Mapped[float | None]
    left_at: Mapped[float | None]  # the operator hung up (the citizen may be in the survey)
    ended_at: Mapped[float | None]
    outcome: Mapped[str | None] = mapped_column(String(24))  # answered, busy, no_answer…
    cause: Mapped[str | None] = mapped_column(String(64))  # Asterisk's reason and cause
    channel: Mapped[str | None] = mapped_column(String(64))  # the citizen leg's Uniqueid

    __table_args__ = (
        Index(None, "callback_id", "seq"),
        Index("uq_callback_attempts_phone_unfinished", "phone", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )
