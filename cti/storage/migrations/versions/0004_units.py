"""Forwarding to units: the organisation, leave days, deadlines and escalation on tickets,
field revisits, and the notification outbox.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TICKET_COLUMNS = ("forwarded_at", "acknowledged_at", "ack_due_at", "resolve_due_at",
                   "resolved_at", "escalated_at")


def upgrade() -> None:
    _grow_tickets()
    _create_units()
    _create_field_tasks()
    with op.batch_alter_table("ticket_attachments") as batch:
        batch.add_column(sa.Column("field_task_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_ticket_attachments_field_task_id_field_tasks",
                                 "field_tasks", ["field_task_id"], ["id"], ondelete="SET NULL")
    _create_outbox()


def downgrade() -> None:
    with op.batch_alter_table("ticket_attachments") as batch:
        batch.drop_constraint("fk_ticket_attachments_field_task_id_field_tasks",
                              type_="foreignkey")
        batch.drop_column("field_task_id")
    for table in ("outbox_attempts", "outbox", "field_tasks", "leave_days", "units"):
        op.drop_table(table)
    op.drop_index("ix_tickets_status_ack_due_at", table_name="tickets")
    op.drop_index("ix_tickets_status_resolve_due_at", table_name="tickets")
    with op.batch_alter_table("tickets") as batch:
        for name in (*_TICKET_COLUMNS, "escalation_level"):
            batch.drop_column(name)


def _grow_tickets() -> None:
    for name in _TICKET_COLUMNS:
        op.add_column("tickets", sa.Column(name, sa.Double(), nullable=True))
    op.add_column("tickets", sa.Column("escalation_level", sa.Integer(), server_default="0",
                                       nullable=False))
    op.create_index("ix_tickets_status_ack_due_at", "tickets", ["status", "ack_due_at"])
    op.create_index("ix_tickets_status_resolve_due_at", "tickets", ["status", "resolve_due_at"])


def _create_units() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("parent", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("name_tr", sa.String(200), nullable=False),
        sa.Column("name_en", sa.String(200), nullable=False),
        sa.Column("email", sa.String(254), server_default="", nullable=False),
        sa.Column("manager_email", sa.String(254), server_default="", nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("updated_at", sa.Double(), nullable=False),
        sa.Column("updated_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("code", name="pk_units"),
    )
    op.create_table(
        "leave_days",
        sa.Column("day", sa.String(10), nullable=False),
        sa.Column("reason", sa.String(200), nullable=False),
        sa.Column("added_by", sa.String(64), nullable=False),
        sa.Column("added_at", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("day", name="pk_leave_days"),
    )


def _create_field_tasks() -> None:
    op.create_table(
        "field_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.Column("assigned_to", sa.String(64), nullable=True),
        sa.Column("notes", sa.Text(), server_default="", nullable=False),
        sa.Column("inspected_by", sa.String(64), nullable=True),
        sa.Column("inspected_at", sa.Double(), nullable=True),
        sa.Column("report_attachment_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_field_tasks_ticket_id_tickets", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_field_tasks"),
    )
    op.create_index("ix_field_tasks_status_created_at", "field_tasks", ["status", "created_at"])
    op.create_index("ix_field_tasks_ticket_id", "field_tasks", ["ticket_id"])


def _create_outbox() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("purpose", sa.String(32), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(255), server_default="", nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("attachment_ids", sa.Text(), server_default="[]", nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("next_attempt_at", sa.Double(), nullable=False),
        sa.Column("created_at", sa.Double(), nullable=False),
        sa.Column("sent_at", sa.Double(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("provider_id", sa.String(128), nullable=True),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"],
                                name="fk_outbox_ticket_id_tickets", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_status_next_attempt_at", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_ticket_id_id", "outbox", ["ticket_id", "id"])
    op.create_table(
        "outbox_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.Double(), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["outbox.id"],
                                name="fk_outbox_attempts_message_id_outbox", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_attempts"),
    )
    op.create_index("ix_outbox_attempts_message_id_id", "outbox_attempts", ["message_id", "id"])
