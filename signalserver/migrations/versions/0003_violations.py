"""the violation log and the per-day crawler counts (issue 12 section 3)

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 10:30:00.000000

``violation`` is append-only: the server only inserts rows (signalserver/store.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "violation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.Column("agent", AutoString(length=100), nullable=False),
        sa.Column("level", AutoString(length=16), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("signer", AutoString(length=300), nullable=True),
        sa.Column("client_ip", AutoString(length=80), nullable=False),
        sa.Column("ip_mode", AutoString(length=10), nullable=False),
        sa.Column("user_agent", AutoString(length=512), nullable=False),
        sa.Column("method", AutoString(length=16), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("policy_number", sa.Integer(), nullable=False),
        sa.Column("policy_version", AutoString(length=80), nullable=False),
        sa.Column("denied", AutoString(length=20), nullable=False),
        sa.Column("rule", sa.Text(), nullable=False),
        sa.Column("action", AutoString(length=10), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_violation_time"), ["time"], unique=False)
        batch_op.create_index(batch_op.f("ix_violation_agent"), ["agent"], unique=False)
    op.create_table(
        "crawler_day",
        sa.Column("day", AutoString(length=10), nullable=False),
        sa.Column("agent", AutoString(length=100), nullable=False),
        sa.Column("level", AutoString(length=16), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("violations", sa.Integer(), nullable=False),
        sa.Column("blocked", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "agent", "level"),
    )


def downgrade() -> None:
    op.drop_table("crawler_day")
    with op.batch_alter_table("violation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_violation_agent"))
        batch_op.drop_index(batch_op.f("ix_violation_time"))
    op.drop_table("violation")
