"""removal requests name the uses they withdraw

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07 04:00:00.000000

Requests stored before this revision withdrew every use, search included; they keep doing so.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVERY_USE = '["tdm", "ai-train", "genai-train", "ai-input", "search"]'


def upgrade() -> None:
    with op.batch_alter_table("removal_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uses", sa.Text(), nullable=False, server_default=EVERY_USE))


def downgrade() -> None:
    with op.batch_alter_table("removal_request", schema=None) as batch_op:
        batch_op.drop_column("uses")
