"""queue patience (Erlang A), requirement targets and expected abandonment

Revision ID: st4_queue_patience
Revises: 0004
Create Date: 2026-12-01 22:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "st4_queue_patience"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """A queue's caller patience; the targets a requirement used; Erlang A's abandonment."""
    with op.batch_alter_table("queue", schema=None) as batch_op:
        batch_op.add_column(sa.Column("patience_seconds", sa.Float(), nullable=False,
                                      server_default="0"))
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("targets", sa.JSON(), nullable=False,
                                      server_default=sa.text("'{}'")))
    with op.batch_alter_table("requirementinterval", schema=None) as batch_op:
        batch_op.add_column(sa.Column("abandon_share", sa.Float(), nullable=True))


def downgrade() -> None:
    """Drop the three columns."""
    with op.batch_alter_table("requirementinterval", schema=None) as batch_op:
        batch_op.drop_column("abandon_share")
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.drop_column("targets")
    with op.batch_alter_table("queue", schema=None) as batch_op:
        batch_op.drop_column("patience_seconds")
