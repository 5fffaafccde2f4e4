"""job heartbeat, forecast overrides

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 15:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Job heartbeats (a dead worker's job can be failed) and forecast overrides."""
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("heartbeat_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.create_table(
        "forecastoverride",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("start_day", sa.Date(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("percent", sa.Float(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("withdrawn_by", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("withdrawn_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("forecastoverride", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_forecastoverride_target"), ["target"], unique=False)


def downgrade() -> None:
    """Drop the overrides and the heartbeat."""
    with op.batch_alter_table("forecastoverride", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_forecastoverride_target"))
    op.drop_table("forecastoverride")
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
