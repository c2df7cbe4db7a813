"""The call-outcome log: calls, the operators each one rang, its timeline.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    _create_calls()
    _create_attempts()
    _create_timeline()


def downgrade() -> None:
    op.drop_table("call_timeline")
    op.drop_table("call_attempts")
    op.drop_table("calls")


def _create_calls() -> None:
    op.create_table(
        "calls",
        sa.Column("call_id", sa.String(), nullable=False),
        sa.Column("caller_number", sa.String(), nullable=True),
        sa.Column("caller_name", sa.String(), nullable=False),
        sa.Column("started_at", sa.Double(), nullable=False),
        sa.Column("channel_uniqueid", sa.String(), nullable=False),
        sa.Column("queue", sa.String(), nullable=True),
        sa.Column("entered_queue_at", sa.Double(), nullable=True),
        sa.Column("position_at_entry", sa.Integer(), nullable=True),
        sa.Column("answered_by", sa.String(), nullable=True),
        sa.Column("answered_at", sa.Double(), nullable=True),
        sa.Column("ended_at", sa.Double(), nullable=True),
        sa.Column("wait_seconds", sa.Double(), nullable=True),
        sa.Column("talk_seconds", sa.Double(), nullable=True),
        sa.Column("hung_up_by", sa.String(16), nullable=True),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("fallback_reason", sa.String(), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("call_id", name="pk_calls"),
    )
    op.create_index("ix_calls_started_at_call_id", "calls", ["started_at", "call_id"])
    op.create_index("ix_calls_caller_number_started_at", "calls", ["caller_number", "started_at"])
    op.create_index("ix_calls_outcome_started_at", "calls", ["outcome", "started_at"])
    op.create_index("ix_calls_answered_by_started_at", "calls", ["answered_by", "started_at"])
    op.create_index("ix_calls_channel_uniqueid", "calls", ["channel_uniqueid"])


def _create_attempts() -> None:
    op.create_table(
        "call_attempts",
        sa.Column("call_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("operator", sa.String(), nullable=False),
        sa.Column("interface", sa.String(), nullable=False),
        sa.Column("rang_at", sa.Double(), nullable=False),
        sa.Column("ended_at", sa.Double(), nullable=True),
        sa.Column("result", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.call_id"],
            name="fk_call_attempts_call_id_calls", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("call_id", "seq", name="pk_call_attempts"),
    )


def _create_timeline() -> None:
    op.create_table(
        "call_timeline",
        sa.Column("call_id", sa.String(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["call_id"], ["calls.call_id"],
            name="fk_call_timeline_call_id_calls", ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("call_id", "seq", name="pk_call_timeline"),
    )
