"""The pool store's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

Nothing is ever updated or deleted: every table only grows, and every row names
the audit-trail event that wrote it (``event_seq``).  Amounts are integer pence
(``BigInteger``); nothing is stored as a float.  The tables are created by the
migration scripts in ``migrations/versions`` (Alembic); this module describes the
head revision for queries, and a test checks the two agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "agreement_versions",
    "batches",
    "closes",
    "entries",
    "events",
    "metadata",
    "reopenings",
    "signoffs",
]

metadata = MetaData()

#: The audit trail: a hash chain, one row per change to the store.
events = Table(
    "events",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("at", String(40), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

#: Every version of the agreement the store has held (canonical JSON).
agreement_versions = Table(
    "agreement_versions",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("agreement_id", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", Text, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
)

#: One row per import: where the entries came from.
batches = Table(
    "batches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("column_map", Text, nullable=True),
    Column("by", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("supersedes", Integer, nullable=True),
    Column("agreement_version", Integer, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
)

#: The ledger: every entry, in the order stored.  ``detail`` is the entry's JSON
#: without its amounts; the amounts are the pence columns.
entries = Table(
    "entries",
    metadata,
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    Column("entry_id", String(300), nullable=False, unique=True),
    Column("source_id", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("year", String(7), nullable=False),
    Column("batch_id", Integer, nullable=True),
    Column("close_id", Integer, nullable=True),
    Column("reopening_id", Integer, nullable=True),
    Column("amount_pence", BigInteger, nullable=True),
    Column("vat_pence", BigInteger, nullable=True),
    Column("vat_recoverable_pence", BigInteger, nullable=True),
    Column("detail", Text, nullable=False),
    Column("event_seq", BigInteger, nullable=False),
)

#: Every close made, with its inputs: the agreement version, the entries up to
#: ``input_seq``, the board rulings and the settlement days.
closes = Table(
    "closes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("year", String(7), nullable=False),
    Column("agreement_version", Integer, nullable=False),
    Column("input_seq", BigInteger, nullable=False),
    Column("rulings", Text, nullable=False),
    Column("settle_days", Integer, nullable=False),
    Column("result", Text, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("event_seq", BigInteger, nullable=False),
)

#: Reopenings of a close: by reversal, with a reason.
reopenings = Table(
    "reopenings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("close_id", Integer, nullable=False, unique=True),
    Column("year", String(7), nullable=False),
    Column("reason", Text, nullable=False),
    Column("unlock", Boolean, nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("event_seq", BigInteger, nullable=False),
)

#: Sign-offs: who approved a close, and the trail's head when they did.
signoffs = Table(
    "signoffs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("close_id", Integer, nullable=False, unique=True),
    Column("year", String(7), nullable=False),
    Column("by", String(200), nullable=False),
    Column("at", String(40), nullable=False),
    Column("head_hash", String(64), nullable=False),
    Column("event_seq", BigInteger, nullable=False),
)
