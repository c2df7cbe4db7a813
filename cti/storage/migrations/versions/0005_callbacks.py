"""Feedback callbacks: the dialer's jobs and attempts; a ticket's no-callback wish and its
satisfaction score.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("tickets", sa.Column("no_callback", sa.Boolean(), server_default=sa.false(),
                                       nullable=False))
    op.add_column("tickets", sa.Column("satisfaction", sa.Integer(), nullable=True))
    op.create_table(
        "callbacks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("priority", sa.Integer(), server_default="0", nullable=False),
        sa.Column("resolved_at", sa.Double(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.Double(), nullable=False),
        sa.Column("last_outcome", sa.String(24), nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("assigned_to", sa.String(64), nullable=True),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("done_at", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_callbacks_ticket_id_tickets", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_callbacks"),
    )
    op.create_index("ix_callbacks_status_next_attempt_at", "callbacks",
                    ["status", "next_attempt_at"])
    op.create_index("ix_callbacks_ticket_id", "callbacks", ["ticket_id"])
    op.create_index("ix_callbacks_phone_status", "callbacks", ["phone", "status"])
    op.create_table(
        "callback_attempts",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("callback_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("phone", sa.String(20), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("operator", sa.String(64), nullable=True),
        sa.Column("placed_at", sa.Double(), nullable=False),
        sa.Column("answered_at", sa.Double(), nullable=True),
        sa.Column("connected_at", sa.Double(), nullable=True),
        sa.Column("ended_at", sa.Double(), nullable=True),
        sa.Column("outcome", sa.String(24), nullable=True),
        sa.Column("cause", sa.String(64), nullable=True),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(["callback_id"], ["callbacks.id"],
                                name="fk_callback_attempts_callback_id_callbacks",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_callback_attempts"),
    )
    op.create_index("ix_callback_attempts_callback_id_seq", "callback_attempts",
                    ["callback_id", "seq"])
    op.create_index("uq_callback_attempts_phone_unfinished", "callback_attempts", ["phone"],
                    unique=True, sqlite_where=sa.text("ended_at IS NULL"),
                    postgresql_where=sa.text("ended_at IS NULL"))


def downgrade() -> None:
    op.drop_table("callback_attempts")
    op.drop_table("callbacks")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("satisfaction")
        batch.drop_column("no_callback")
