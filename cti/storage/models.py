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

from sqlalchemy import Double, ForeignKey, Index, MetaData, String, Text
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
    """A citizen's request; the ticket domain grows this table in later revisions.

    `status` is one of new, first_contact_solved, forwarded, in_progress, resolved, feedback,
    closed, reopened. A ticket is open unless closed or solved during the first contact.
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

    __table_args__ = (
        # The caller lookup: a phone's tickets, and its open ones without reading the rows.
        Index(None, "citizen_phone", "status"),
    )
