"""Closing a year in the store, signing a close off and reopening it by reversal
(docs/store.md, docs/year-end.md).

Each function works inside the one write transaction of the
:class:`~pooledledger.store.pool.PoolStore` command that calls it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pooledledger.books.ledger import Ledger
from pooledledger.books.riskshare import BoardRuling
from pooledledger.core.money import to_money
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Contribution, Entry, Reversal, Settlement, YearClosed
from pooledledger.model.partners import SchemeId
from pooledledger.store import schema
from pooledledger.store.common import issue, now, refuse, renamed, rulings_from, rulings_json
from pooledledger.store.results import Reopening, SignOff, StoredClose
from pooledledger.store.rows import entry_from_row, entry_year
from pooledledger.store.state import (
    active_closes,
    agreement_at,
    append,
    entry_rows,
    ledger_at,
    new_entry_rows,
    next_id,
    signed_off,
)
from pooledledger.yearend.checks import check_ledger
from pooledledger.yearend.close import YearEndClose, close_year

__all__ = ["close_in", "reopen_in", "signoff_in", "stored_close"]


def stored_close(conn: Connection, row: Any, already: bool) -> StoredClose:
    """A stored close (a ``closes`` row) with the agreement and ledger it was made from."""
    version = int(row.agreement_version)
    _, agreement = agreement_at(conn, version)
    ledger = ledger_at(conn, agreement, int(row.input_seq))
    ids = conn.execute(
        sa.select(schema.entries.c.entry_id)
        .where(schema.entries.c.close_id == row.id)
        .order_by(schema.entries.c.seq)
    ).scalars()
    return StoredClose(
        id=int(row.id),
        year=FinancialYear.parse(row.year),
        agreement_version=version,
        agreement=agreement,
        ledger=ledger,
        result=YearEndClose.model_validate_json(row.result, context={"agreement": agreement}),
        rulings=rulings_from(row.rulings),
        by=str(row.by),
        at=str(row.at),
        entries=tuple(str(i) for i in ids),
        already_closed=already,
    )


def close_in(
    conn: Connection,
    fy: FinancialYear,
    rulings: Mapping[SchemeId, BoardRuling],
    by: str,
    settle_within_working_days: int,
) -> tuple[int, bool]:
    """Close ``fy`` unless a close of it is in force; (its close row id, already closed)."""
    active = active_closes(conn)
    if str(fy) in active:
        return int(active[str(fy)].id), True
    version, agreement = agreement_at(conn)
    rows = entry_rows(conn)
    ledger = _closable(conn, agreement, rows, fy, active)
    result = close_year(
        agreement,
        ledger,
        fy,
        rulings=rulings,
        settle_within_working_days=settle_within_working_days,
    )
    c = schema.closes
    close_id = next_id(conn, c.c.id)
    earlier = conn.execute(
        sa.select(sa.func.count()).select_from(c).where(c.c.year == str(fy))
    ).scalar()
    suffix = f"-R{int(earlier or 0) + 1}" if earlier else ""
    new = [renamed(e, suffix) if suffix else e for e in result.entries]
    input_seq = int(rows[-1].seq) if rows else 0
    lines = new_entry_rows([(e, "") for e in new], input_seq + 1, close_id=close_id)
    close_row = {
        "id": close_id,
        "year": str(fy),
        "agreement_version": version,
        "input_seq": input_seq,
        "rulings": rulings_json(rulings),
        "settle_days": settle_within_working_days,
        "result": result.model_dump_json(),
        "by": by,
        "at": now(),
    }
    append(
        conn,
        "close",
        by,
        f"close {close_id}: {fy}, {len(new)} entries for the next year and settlement",
        {"closes": [close_row], "entries": lines},
    )
    return close_id, False


def _closable(
    conn: Connection,
    agreement: Agreement,
    rows: list[Any],
    fy: FinancialYear,
    active: Mapping[str, Any],
) -> Ledger:
    """The stored ledger, if ``fy`` can be closed: PL-STO-008, PL-STO-007 or errors if not."""
    if fy not in agreement.financial_years:
        years = ", ".join(str(y) for y in agreement.financial_years)
        raise refuse(
            [
                issue(
                    "PL-STO-008",
                    f"{fy} is not a financial year of the agreement ({years}); "
                    "store a new version of it with `pooledledger amend`",
                )
            ],
            f"close {fy}",
        )
    ledger = Ledger(agreement, [entry_from_row(r) for r in rows])
    with_lines = {FinancialYear.for_date(pl.date) for pl in ledger.pool_lines}
    open_before = sorted(y for y in with_lines if y < fy and str(y) not in active)
    if open_before:
        raise refuse(
            [
                issue("PL-STO-007", f"{y} has pool lines and is not closed; close it before {fy}")
                for y in open_before
            ],
            f"close {fy}",
        )
    upto = Ledger(agreement, [e for e in ledger.entries if entry_year(e) <= fy])
    errors = [i for i in check_ledger(upto) if i.is_error]
    if errors:
        raise refuse(errors, f"the ledger for {fy}")
    return ledger


def signoff_in(conn: Connection, fy: FinancialYear, by: str) -> SignOff:
    """Record who approved ``fy``'s close (PL-STO-011 if it is not closed or signed)."""
    close = active_closes(conn).get(str(fy))
    if close is None:
        raise refuse(
            [issue("PL-STO-011", f"{fy} is not closed; close it before signing it off")],
            f"sign-off {fy}",
        )
    signed = signed_off(conn).get(int(close.id))
    if signed is not None:
        raise refuse(
            [issue("PL-STO-011", f"{fy} was signed off already, by {signed.by}")],
            f"sign-off {fy}",
        )
    head = conn.execute(
        sa.select(schema.events.c.hash).order_by(schema.events.c.seq.desc()).limit(1)
    ).scalar_one()
    sid = next_id(conn, schema.signoffs.c.id)
    at = now()
    row = {
        "id": sid,
        "close_id": int(close.id),
        "year": str(fy),
        "by": by,
        "at": at,
        "head_hash": head,
    }
    append(conn, "signoff", by, f"{fy} signed off", {"signoffs": [row]})
    return SignOff(sid, fy, int(close.id), by, at, head)


def reopen_in(conn: Connection, fy: FinancialYear, reason: str, by: str, unlock: bool) -> Reopening:
    """Reopen ``fy``'s close by reversal (PL-STO-009, PL-STO-010 when refused)."""
    close, signed = _reopenable(conn, fy, unlock)
    rid = next_id(conn, schema.reopenings.c.id)
    made = [
        entry_from_row(r)
        for r in conn.execute(
            sa.select(schema.entries)
            .where(schema.entries.c.close_id == close.id)
            .order_by(schema.entries.c.seq)
        ).all()
    ]
    undo = _undoing(made, reason, f"{fy} reopened: {reason}")
    seq = next_id(conn, schema.entries.c.seq)
    lines = new_entry_rows([(e, "") for e in undo], seq, reopening_id=rid)
    row = {
        "id": rid,
        "close_id": int(close.id),
        "year": str(fy),
        "reason": reason,
        "unlock": bool(unlock and signed is not None),
        "by": by,
        "at": now(),
    }
    what = f"{fy} reopened (close {close.id})"
    if signed is not None:
        what += f", unlocking the sign-off by {signed.by}"
    append(
        conn,
        "reopen",
        by,
        f"{what}: {reason}",
        {"reopenings": [row], "entries": lines},
    )
    return Reopening(rid, fy, int(close.id), reason, bool(row["unlock"]), tuple(e.id for e in undo))


def _reopenable(conn: Connection, fy: FinancialYear, unlock: bool) -> tuple[Any, Any]:
    """The close of ``fy`` to reopen and its sign-off (or None), or why not (raised)."""
    active = active_closes(conn)
    close = active.get(str(fy))
    if close is None:
        raise refuse([issue("PL-STO-009", f"{fy} is not closed")], f"reopen {fy}")
    later = sorted(y for y in active if FinancialYear.parse(y) > fy)
    if later:
        raise refuse(
            [issue("PL-STO-009", f"{y} is closed; reopen it first") for y in later],
            f"reopen {fy}",
        )
    signed = signed_off(conn).get(int(close.id))
    if signed is not None and not unlock:
        raise refuse(
            [
                issue(
                    "PL-STO-010",
                    f"{fy} was signed off by {signed.by} and is locked; reopening "
                    "it needs an explicit unlock (--unlock), which the trail records",
                )
            ],
            f"reopen {fy}",
        )
    return close, signed


def _undoing(made: list[Entry], reason: str, note: str) -> list[Entry]:
    """Entries that cancel what a close made: its marker reversed, the rest negated."""
    undo: list[Entry] = []
    for e in made:
        if isinstance(e, YearClosed):
            undo.append(
                Reversal(id=f"REOPEN-{e.id}", reverses=e.id, date=e.closed_on, reason=reason)
            )
        elif isinstance(e, Contribution):
            undo.append(
                e.model_copy(
                    update={
                        "id": f"{e.id}-REOPENED",
                        "amount": to_money(-e.pence),
                        "approval_ref": note[:200],
                        "description": f"cancels {e.id}",
                    }
                )
            )
        elif isinstance(e, Settlement):
            undo.append(
                e.model_copy(
                    update={
                        "id": f"{e.id}-REOPENED",
                        "amount": -e.amount,
                        "description": f"cancels {e.id}: {note}"[:200],
                    }
                )
            )
    return undo
