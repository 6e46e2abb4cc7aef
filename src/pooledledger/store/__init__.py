"""A pool's history in a database: years that follow on, imports with provenance and a
tamper-evident audit trail (docs/store.md).

Needs the ``store`` extra (``pip install pooledledger[store]``): SQLAlchemy,
Alembic and psycopg 3.  A store is one SQLite file (nothing to install) or a
PostgreSQL database shared by a team, through the same code.

This package sits at the io level: it uses the readers, the domain and the
pipeline; nothing in the domain imports it.
"""

from __future__ import annotations

from pooledledger.store.pool import (
    PAUSE_ENV,
    HistoryEvent,
    ImportResult,
    PoolStore,
    Reopening,
    SignOff,
    StoredClose,
    StoreError,
    VerifyReport,
    looks_like_store,
    store_url,
)

__all__ = [
    "PAUSE_ENV",
    "HistoryEvent",
    "ImportResult",
    "PoolStore",
    "Reopening",
    "SignOff",
    "StoreError",
    "StoredClose",
    "VerifyReport",
    "looks_like_store",
    "store_url",
]
