"""capacity requests re-planned: adjusted requirements, re-plan jobs, rosters' base

Revision ID: web6_capacity_replan
Revises: 0004
Create Date: 2026-11-23 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = "web6_capacity_replan"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Requirements adjusted by approved requests; drafts re-planned from published rosters."""
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_requirement_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.create_foreign_key("fk_requirement_base_requirement_id", "requirement",
                                    ["base_requirement_id"], ["id"])
    op.create_table(
        "appliedcapacityrequest",
        sa.Column("requirement_id", sa.Integer(), nullable=False),
        sa.Column("capacity_request_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["capacity_request_id"], ["capacityrequest.id"]),
        sa.ForeignKeyConstraint(["requirement_id"], ["requirement.id"]),
        sa.PrimaryKeyConstraint("requirement_id", "capacity_request_id"),
    )
    with op.batch_alter_table("roster", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_roster_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=""))
        batch_op.create_foreign_key("fk_roster_base_roster_id", "roster", ["base_roster_id"],
                                    ["id"])
    with op.batch_alter_table("capacityrequest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("answered_by", sqlmodel.sql.sqltypes.AutoString(),
                                      nullable=False, server_default=""))
        batch_op.add_column(sa.Column("answered_at", sqlmodel.sql.sqltypes.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column("roster_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_capacityrequest_roster_id", "roster", ["roster_id"],
                                    ["id"])
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("base_roster_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("capacity_request_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_job_base_roster_id", "roster", ["base_roster_id"], ["id"])
        batch_op.create_foreign_key("fk_job_capacity_request_id", "capacityrequest",
                                    ["capacity_request_id"], ["id"])


def downgrade() -> None:
    """Drop the re-plan columns and the applied-request links."""
    with op.batch_alter_table("job", schema=None) as batch_op:
        batch_op.drop_constraint("fk_job_capacity_request_id", type_="foreignkey")
        batch_op.drop_constraint("fk_job_base_roster_id", type_="foreignkey")
        batch_op.drop_column("capacity_request_id")
        batch_op.drop_column("base_roster_id")
    with op.batch_alter_table("capacityrequest", schema=None) as batch_op:
        batch_op.drop_constraint("fk_capacityrequest_roster_id", type_="foreignkey")
        batch_op.drop_column("roster_id")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("answered_by")
    with op.batch_alter_table("roster", schema=None) as batch_op:
        batch_op.drop_constraint("fk_roster_base_roster_id", type_="foreignkey")
        batch_op.drop_column("note")
        batch_op.drop_column("base_roster_id")
    op.drop_table("appliedcapacityrequest")
    with op.batch_alter_table("requirement", schema=None) as batch_op:
        batch_op.drop_constraint("fk_requirement_base_requirement_id", type_="foreignkey")
        batch_op.drop_column("note")
        batch_op.drop_column("base_requirement_id")
