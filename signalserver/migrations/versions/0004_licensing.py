"""the licence server: clients, its signing key and the usage ledger (issue 14 section 1)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 16:20:00.000000

``licence_issued`` and ``licensed_fetch`` are append-only: the server only inserts rows
(signalserver/licence_store.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "licence_client",
        sa.Column("client_id", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=200), nullable=False),
        sa.Column("scheme", AutoString(length=100), nullable=False),
        sa.Column("salt", AutoString(length=64), nullable=False),
        sa.Column("digest", AutoString(length=256), nullable=False),
        sa.Column("key_thumbprint", AutoString(length=64), nullable=False),
        sa.Column("key_jwk", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("client_id"),
    )
    op.create_table(
        "licence_issued",
        sa.Column("token_id", AutoString(length=64), nullable=False),
        sa.Column("licensee", AutoString(length=64), nullable=False),
        sa.Column("offer_id", AutoString(length=100), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("resource", sa.Text(), nullable=False),
        sa.Column("usage", AutoString(length=200), nullable=False),
        sa.Column("payment", AutoString(length=20), nullable=False),
        sa.Column("price", AutoString(length=60), nullable=False),
        sa.Column("amount", AutoString(length=40), nullable=False),
        sa.Column("currency", AutoString(length=3), nullable=False),
        sa.Column("policy_version", AutoString(length=80), nullable=False),
        sa.Column("rightsholder", AutoString(length=300), nullable=False),
        sa.Column("creators", sa.Text(), nullable=False),
        sa.Column("key_thumbprint", AutoString(length=64), nullable=False),
        sa.Column("grant_type", AutoString(length=32), nullable=False),
        sa.Column("issued_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_id"),
    )
    with op.batch_alter_table("licence_issued", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licence_issued_licensee"), ["licensee"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_licence_issued_issued_at"), ["issued_at"], unique=False
        )
    op.create_table(
        "licensed_fetch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_id", AutoString(length=64), nullable=False),
        sa.Column("licensee", AutoString(length=64), nullable=False),
        sa.Column("offer_id", AutoString(length=100), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("usage", AutoString(length=200), nullable=False),
        sa.Column("amount", AutoString(length=40), nullable=False),
        sa.Column("currency", AutoString(length=3), nullable=False),
        sa.Column("policy_version", AutoString(length=80), nullable=False),
        sa.Column("identity", sa.Text(), nullable=False),
        sa.Column("time", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("licensed_fetch", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_licensed_fetch_token_id"), ["token_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_licensed_fetch_licensee"), ["licensee"], unique=False)
        batch_op.create_index(batch_op.f("ix_licensed_fetch_time"), ["time"], unique=False)
    op.create_table(
        "licence_key",
        sa.Column("kid", AutoString(length=64), nullable=False),
        sa.Column("private_jwk", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("kid"),
    )


def downgrade() -> None:
    op.drop_table("licence_key")
    with op.batch_alter_table("licensed_fetch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licensed_fetch_time"))
        batch_op.drop_index(batch_op.f("ix_licensed_fetch_licensee"))
        batch_op.drop_index(batch_op.f("ix_licensed_fetch_token_id"))
    op.drop_table("licensed_fetch")
    with op.batch_alter_table("licence_issued", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_licence_issued_issued_at"))
        batch_op.drop_index(batch_op.f("ix_licence_issued_licensee"))
    op.drop_table("licence_issued")
    op.drop_table("licence_client")
