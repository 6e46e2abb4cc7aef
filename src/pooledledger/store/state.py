"""Reading and appending within one store transaction: the agreement versions, the
stored entries, the closes in force and their sign-offs, and the audit trail's
events (docs/store.md).

Every function takes the open connection of the command that calls it, so what it
reads or writes is part of that command's one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import Issue
from pooledledger.io.agreement_files import dump_agreement_json
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry
from pooledledger.store import schema
from pooledledger.store.chain import GENESIS, canonical, event_hash, sha256_hex
from pooledledger.store.common import issue, now
from pooledledger.store.rows import entry_from_row, entry_row, entry_year

__all__ = [
    "active_closes",
    "add_agreement",
    "agreement_at",
    "append",
    "entry_rows",
    "ledger_at",
    "locked",
    "new_entry_rows",
    "next_id",
    "signed_off",
]


def next_id(conn: Connection, column: sa.Column[Any]) -> int:
    """One more than the largest value in ``column`` (1 for an empty table)."""
    return int(conn.execute(sa.select(sa.func.max(column))).scalar() or 0) + 1


def append(
    conn: Connection,
    kind: str,
    actor: str,
    summary: str,
    rows: Mapping[str, list[dict[str, Any]]],
) -> int:
    """Write ``rows`` (table name → rows) and one event covering them; its seq."""
    head = conn.execute(
        sa.select(schema.events.c.seq, schema.events.c.hash)
        .order_by(schema.events.c.seq.desc())
        .limit(1)
    ).first()
    seq = 1 if head is None else int(head.seq) + 1
    prev = GENESIS if head is None else str(head.hash)
    at = now()
    payload = canonical({"summary": summary, "rows": {t: r for t, r in rows.items() if r}})
    conn.execute(
        schema.events.insert().values(
            seq=seq,
            at=at,
            kind=kind,
            actor=actor,
            payload=payload,
            prev_hash=prev,
            hash=event_hash(prev, seq, at, kind, actor, payload),
        )
    )
    for name, items in rows.items():
        if items:
            table = schema.metadata.tables[name]
            conn.execute(table.insert(), [{**r, "event_seq": seq} for r in items])
    return seq


def new_entry_rows(
    entries: Sequence[tuple[Entry, str]],
    seq: int,
    *,
    batch_id: int | None = None,
    close_id: int | None = None,
    reopening_id: int | None = None,
) -> list[dict[str, Any]]:
    """Rows for ``entries`` (each with the id it had in its file, or ""), numbered
    from ``seq`` and marked with the batch, close or reopening that adds them."""
    out: list[dict[str, Any]] = []
    for entry, source_id in entries:
        out.append(
            {
                **entry_row(entry),
                "seq": seq,
                "source_id": source_id,
                "batch_id": batch_id,
                "close_id": close_id,
                "reopening_id": reopening_id,
            }
        )
        seq += 1
    return out


def agreement_at(conn: Connection, version: int | None = None) -> tuple[int, Agreement]:
    """The newest agreement version (or the given one), with its number."""
    t = schema.agreement_versions
    q = sa.select(t.c.version, t.c.content)
    q = q.where(t.c.version == version) if version else q.order_by(t.c.version.desc())
    row = conn.execute(q.limit(1)).one()
    return int(row.version), Agreement.model_validate_json(row.content)


def entry_rows(conn: Connection, upto: int | None = None) -> list[Any]:
    """The stored entry rows in order (those up to seq ``upto``, if given)."""
    t = schema.entries
    q = sa.select(t).order_by(t.c.seq)
    if upto is not None:
        q = q.where(t.c.seq <= upto)
    return list(conn.execute(q).all())


def ledger_at(conn: Connection, agreement: Agreement, upto: int | None = None) -> Ledger:
    """The stored entries (up to seq ``upto``) as a ledger under ``agreement``."""
    return Ledger(agreement, [entry_from_row(r) for r in entry_rows(conn, upto)])


def active_closes(conn: Connection) -> dict[str, Any]:
    """Year → the close of it that has not been reopened."""
    c, r = schema.closes, schema.reopenings
    rows = conn.execute(
        sa.select(c).where(~sa.exists().where(r.c.close_id == c.c.id)).order_by(c.c.id)
    ).all()
    return {row.year: row for row in rows}


def signed_off(conn: Connection) -> dict[int, Any]:
    """Close id → its sign-off."""
    s = schema.signoffs
    return {int(row.close_id): row for row in conn.execute(sa.select(s)).all()}


def add_agreement(conn: Connection, agreement: Agreement, by: str, kind: str) -> int:
    """Store ``agreement`` as the next version, with its event; the version number."""
    content = dump_agreement_json(agreement)
    version = next_id(conn, schema.agreement_versions.c.version)
    row = {
        "version": version,
        "agreement_id": agreement.id,
        "sha256": sha256_hex(content),
        "content": content,
    }
    append(
        conn,
        kind,
        by,
        f"agreement {agreement.id} version {version}",
        {"agreement_versions": [row]},
    )
    return version


def locked(conn: Connection, entries: Sequence[Entry], file: str) -> list[Issue]:
    """Issues for entries dated in a closed (PL-STO-005) or signed-off (PL-STO-006) year."""
    closed = active_closes(conn)
    signed = signed_off(conn)
    out: list[Issue] = []
    for e in entries:
        year = str(entry_year(e))
        close = closed.get(year)
        if close is None:
            continue
        if int(close.id) in signed:
            out.append(
                issue(
                    "PL-STO-006",
                    f"{year} is signed off by {signed[int(close.id)].by} and locked; "
                    "nothing dated in it can be imported",
                    file=file,
                    entry_id=e.id,
                )
            )
        else:
            out.append(
                issue(
                    "PL-STO-005",
                    f"{year} is closed; reopen it (`pooledledger reopen`) before "
                    "importing entries dated in it",
                    file=file,
                    entry_id=e.id,
                )
            )
    return out
