"""coffee breaks and switch weight per shift rule, planning-wide fairness weights

Revision ID: is5_soft_term_settings
Revises: merge_st4_web6
Create Date: 2026-12-02 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "is5_soft_term_settings"
down_revision = "merge_st4_web6"
branch_labels = None
depends_on = None

# the scheduler's defaults (scheduler.domain.ShiftRule), so existing rules plan as before
SHIFT_RULE_COLUMNS = (("coffee_break_minutes", "15"), ("coffee_break_every_minutes", "240"),
                      ("coffee_break_window_start", "60"), ("coffee_break_window_end", "180"),
                      ("switch_weight", "1"))


def upgrade() -> None:
    """Soft-term settings on shift rules; one table for planning-wide weights (no row yet)."""
    with op.batch_alter_table("shiftrule", schema=None) as batch_op:
        for name, default in SHIFT_RULE_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Integer(), nullable=False,
                                          server_default=default))
    op.create_table(
        "planningsettings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fair_weekend_weight", sa.Integer(), nullable=False),
        sa.Column("fair_evening_weight", sa.Integer(), nullable=False),
        sa.Column("fair_night_weight", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("planningsettings")
    with op.batch_alter_table("shiftrule", schema=None) as batch_op:
        for name, _ in reversed(SHIFT_RULE_COLUMNS):
            batch_op.drop_column(name)
