"""When the feedback operator left a callback: the citizen may stay on for the keypad survey,
so the operator's talk time ends here, not with the call. A citizen's appointment ("call me
at 15:00"): its moment, and the calls placed before it (the tries after it count afresh).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("callback_attempts", sa.Column("left_at", sa.Double(), nullable=True))
    op.add_column("callbacks", sa.Column("appointment_at", sa.Double(), nullable=True))
    op.add_column("callbacks", sa.Column("attempts_before", sa.Integer(), server_default="0",
                                         nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("callbacks") as batch:
        batch.drop_column("attempts_before")
        batch.drop_column("appointment_at")
    with op.batch_alter_table("callback_attempts") as batch:
        batch.drop_column("left_at")
