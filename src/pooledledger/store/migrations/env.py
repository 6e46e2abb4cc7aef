"""Alembic environment for the pool store: runs on the connection the store passes in.

The store runs migrations itself (:meth:`pooledledger.store.PoolStore.open`);
there is no ``alembic.ini`` to configure.
"""

from __future__ import annotations

from alembic import context

from pooledledger.store.schema import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata)
with context.begin_transaction():
    context.run_migrations()
