"""The first pool store: trail, agreement versions, batches, entries, closes.

Revision ID: 0001
Revises:
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "events",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False, unique=True),
    )
    op.create_table(
        "agreement_versions",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("agreement_id", sa.String(200), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "batches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("column_map", sa.Text, nullable=True),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("supersedes", sa.Integer, nullable=True),
        sa.Column("agreement_version", sa.Integer, nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "entries",
        sa.Column("seq", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("entry_id", sa.String(300), nullable=False, unique=True),
        sa.Column("source_id", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("year", sa.String(7), nullable=False),
        sa.Column("batch_id", sa.Integer, nullable=True),
        sa.Column("close_id", sa.Integer, nullable=True),
        sa.Column("reopening_id", sa.Integer, nullable=True),
        sa.Column("amount_pence", sa.BigInteger, nullable=True),
        sa.Column("vat_pence", sa.BigInteger, nullable=True),
        sa.Column("vat_recoverable_pence", sa.BigInteger, nullable=True),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "closes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("year", sa.String(7), nullable=False),
        sa.Column("agreement_version", sa.Integer, nullable=False),
        sa.Column("input_seq", sa.BigInteger, nullable=False),
        sa.Column("rulings", sa.Text, nullable=False),
        sa.Column("settle_days", sa.Integer, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "reopenings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("close_id", sa.Integer, nullable=False, unique=True),
        sa.Column("year", sa.String(7), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("unlock", sa.Boolean, nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "signoffs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("close_id", sa.Integer, nullable=False, unique=True),
        sa.Column("year", sa.String(7), nullable=False),
        sa.Column("by", sa.String(200), nullable=False),
        sa.Column("at", sa.String(40), nullable=False),
        sa.Column("head_hash", sa.String(64), nullable=False),
        sa.Column("event_seq", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "signoffs",
        "reopenings",
        "closes",
        "entries",
        "batches",
        "agreement_versions",
        "events",
    ):
        op.drop_table(table)
