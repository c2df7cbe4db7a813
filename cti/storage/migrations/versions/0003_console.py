"""The ticket domain, users and sessions, call dispositions, and the read audit.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

def _ticket_columns() -> tuple[sa.Column[object], ...]:
    return (
        sa.Column("citizen_name", sa.String(120), nullable=True),
        sa.Column("citizen_tc", sa.String(11), nullable=True),
        sa.Column("category", sa.String(64), server_default="diger", nullable=False),
        sa.Column("priority", sa.String(12), server_default="normal", nullable=False),
        sa.Column("district", sa.String(64), nullable=True),
        sa.Column("neighbourhood", sa.String(96), nullable=True),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("latitude", sa.Double(), nullable=True),
        sa.Column("longitude", sa.Double(), nullable=True),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("closed_at", sa.Double(), nullable=True),
    )


def upgrade() -> None:
    _grow_tickets()
    _create_ticket_tables()
    _create_people()
    _create_call_dispositions()
    _create_access_audit()


def downgrade() -> None:
    for table in ("access_audit", "call_dispositions", "web_sessions", "users",
                  "ticket_counters", "ticket_attachments", "ticket_calls", "ticket_events"):
        op.drop_table(table)
    for name in ("unit_created_at", "citizen_phone_created_at", "district_created_at",
                 "category_created_at", "status_created_at", "created_at_id"):
        op.drop_index(f"ix_tickets_{name}", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        for column in _ticket_columns():
            batch.drop_column(column.name)


def _grow_tickets() -> None:
    for column in _ticket_columns():
        op.add_column("tickets", column)
    op.create_index("ix_tickets_created_at_id", "tickets", ["created_at", "id"])
    op.create_index("ix_tickets_status_created_at", "tickets", ["status", "created_at"])
    op.create_index("ix_tickets_category_created_at", "tickets", ["category", "created_at"])
    op.create_index("ix_tickets_district_created_at", "tickets", ["district", "created_at"])
    op.create_index(
        "ix_tickets_citizen_phone_created_at", "tickets", ["citizen_phone", "created_at"]
    )
    op.create_index("ix_tickets_unit_created_at", "tickets", ["unit", "created_at"])


def _ticket_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], ondelete="CASCADE")


def _create_ticket_tables() -> None:
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("changes", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_ticket_events_ticket_id_tickets", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_events"),
    )
    op.create_index("ix_ticket_events_ticket_id_id", "ticket_events", ["ticket_id", "id"])
    op.create_table(
        "ticket_calls",
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("linked_at", sa.Double(), nullable=False),
        sa.Column("linked_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_ticket_calls_ticket_id_tickets", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("ticket_id", "call_id", name="pk_ticket_calls"),
    )
    op.create_index("ix_ticket_calls_call_id", "ticket_calls", ["call_id"])
    op.create_table(
        "ticket_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(64), nullable=False),
        sa.Column("uploaded_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_ticket_attachments_ticket_id_tickets",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_ticket_attachments"),
    )
    op.create_index("ix_ticket_attachments_ticket_id", "ticket_attachments", ["ticket_id"])
    op.create_table(
        "ticket_counters",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("year", name="pk_ticket_counters"),
    )


def _create_people() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("roles", sa.String(128), nullable=False),
        sa.Column("extension", sa.String(32), nullable=True),
        sa.Column("unit", sa.String(64), nullable=True),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.UniqueConstraint("extension", name="uq_users_extension"),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("last_seen_at", sa.Double(), nullable=False),
        sa.Column("expires_at", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"],
                                name="fk_web_sessions_user_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_web_sessions"),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def _create_call_dispositions() -> None:
    op.create_table(
        "call_dispositions",
        sa.Column("call_id", sa.String(64), nullable=False),
        sa.Column("operator", sa.String(64), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("set_at", sa.Double(), nullable=False),
        sa.Column("timed_out", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", "operator", name="pk_call_dispositions"),
    )


def _create_access_audit() -> None:
    op.create_table(
        "access_audit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_access_audit"),
    )
    op.create_index("ix_access_audit_at", "access_audit", ["at"])
    op.create_index("ix_access_audit_actor_at", "access_audit", ["actor", "at"])
