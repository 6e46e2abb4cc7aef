"""Ledger entries as store rows and back: amounts as integer pence columns.

An entry's JSON form goes into ``detail`` *without* its amounts; each amount is a
``BigInteger`` column of pence.  Converting an entry to a row and back gives the
same entry.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from pooledledger.books.ledger import entry_date
from pooledledger.core.money import to_money, to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.entries import (
    Contribution,
    Entry,
    Expenditure,
    Instalment,
    Settlement,
    YearClosed,
)
from pooledledger.store.chain import canonical

__all__ = ["entry_from_row", "entry_row", "entry_year"]

_ENTRY: TypeAdapter[Entry] = TypeAdapter(Entry)

#: The field holding each kind's main amount.
_AMOUNT = {
    "contribution": "amount",
    "instalment": "amount",
    "income": "amount",
    "settlement": "amount",
    "expenditure": "net",
}


def entry_year(entry: Entry) -> FinancialYear:
    """The financial year an entry belongs to: its ``year``, else the year of its date."""
    if isinstance(entry, Contribution | Instalment | Settlement | YearClosed):
        return entry.year
    return FinancialYear.for_date(entry_date(entry))


def entry_row(entry: Entry) -> dict[str, Any]:
    """The stored columns of ``entry`` (without seq, batch, close or event)."""
    data: dict[str, Any] = _ENTRY.dump_python(entry, mode="json")
    amount = vat = recoverable = None
    field = _AMOUNT.get(entry.entry)
    if field is not None:
        amount = to_pence(getattr(entry, field))
        del data[field]
    if isinstance(entry, Expenditure):
        vat = to_pence(entry.vat)
        del data["vat"]
        if entry.vat_recoverable is not None:
            recoverable = to_pence(entry.vat_recoverable)
        del data["vat_recoverable"]
    return {
        "entry_id": entry.id,
        "kind": entry.entry,
        "year": str(entry_year(entry)),
        "amount_pence": amount,
        "vat_pence": vat,
        "vat_recoverable_pence": recoverable,
        "detail": canonical(data),
    }


def entry_from_row(row: Any) -> Entry:
    """The entry a stored row holds (``row`` has the columns of :func:`entry_row`)."""
    data: dict[str, Any] = json.loads(row.detail)
    field = _AMOUNT.get(row.kind)
    if field is not None:
        data[field] = to_money(int(row.amount_pence))
    if row.kind == "expenditure":
        data["vat"] = to_money(int(row.vat_pence))
        rec = row.vat_recoverable_pence
        data["vat_recoverable"] = None if rec is None else to_money(int(rec))
    data["id"] = row.entry_id
    return _ENTRY.validate_python(data)
