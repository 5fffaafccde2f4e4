"""contract pattern rules, shift types on shift rules and shifts

Revision ID: ru8_day_rules
Revises: 0004
Create Date: 2026-12-01 23:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "ru8_day_rules"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Pattern rules per contract, shift types per shift rule, each shift's type."""
    with op.batch_alter_table("contract", schema=None) as batch_op:
        for name, default in (("max_consecutive_days", "6"), ("min_minutes_per_period", "0"),
                              ("min_consecutive_days", "1"),
                              ("min_consecutive_days_off", "1")):
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default=default))
        batch_op.add_column(sa.Column("max_minutes_per_period", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_shifts_per_type", sa.JSON(), nullable=False,
                                      server_default="{}"))
        batch_op.add_column(sa.Column("max_weekends", sa.Integer(), nullable=True))
    with op.batch_alter_table("shiftrule", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shift_types", sa.JSON(), nullable=False,
                                      server_default="[]"))
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shift_type", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=""))


def downgrade() -> None:
    """Drop them again."""
    with op.batch_alter_table("shift", schema=None) as batch_op:
        batch_op.drop_column("shift_type")
    with op.batch_alter_table("shiftrule", schema=None) as batch_op:
        batch_op.drop_column("shift_types")
    with op.batch_alter_table("contract", schema=None) as batch_op:
        for name in ("max_weekends", "max_shifts_per_type", "max_minutes_per_period",
                     "min_consecutive_days_off", "min_consecutive_days",
                     "min_minutes_per_period", "max_consecutive_days"):
            batch_op.drop_column(name)
