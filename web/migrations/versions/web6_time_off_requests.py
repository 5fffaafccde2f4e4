"""agents' time-off requests, answered by coordinators

Revision ID: web6_time_off_requests
Revises: web6_capacity_replan
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "web6_time_off_requests"
down_revision = "web6_capacity_replan"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Time-off requests; approved days keep a link to the request they came from."""
    op.create_table(
        "timeoffrequest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("answer", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["agent_id"], ["agent.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("timeoffrequest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_timeoffrequest_agent_id"), ["agent_id"],
                              unique=False)
    with op.batch_alter_table("timeoff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_timeoff_request_id", "timeoffrequest", ["request_id"],
                                    ["id"])


def downgrade() -> None:
    """Drop the requests and the link."""
    with op.batch_alter_table("timeoff", schema=None) as batch_op:
        batch_op.drop_constraint("fk_timeoff_request_id", type_="foreignkey")
        batch_op.drop_column("request_id")
    with op.batch_alter_table("timeoffrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_timeoffrequest_agent_id"))
    op.drop_table("timeoffrequest")
