"""join the queue-patience and capacity re-plan migrations, developed side by side

Revision ID: merge_st4_web6
Revises: st4_queue_patience, web6_time_off_requests, ru8_day_rules
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

revision = "merge_st4_web6"
down_revision = ("st4_queue_patience", "web6_time_off_requests", "ru8_day_rules")
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing to change: both parents' tables and columns are independent."""


def downgrade() -> None:
    """Nothing to undo."""
