"""A message to a unit remembers the unit (and whether it went to the unit's manager), so a
failed one sent again with no new address goes to the unit's address as the admin now has it.
Messages written before this revision have no unit: they are sent again to their own address.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("unit", sa.String(64), nullable=True))
    op.add_column("outbox", sa.Column("to_manager", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("to_manager")
        batch.drop_column("unit")
