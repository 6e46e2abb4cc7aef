"""``ledger_fields`` as it was before it was made a run of entries at a time: one
tuple per entry from one row function per entry class, turned into one list per
column.  Kept here only as the oracle the fast version must match cell for cell,
value and type (tests/test_ledger_fields.py).  Copied verbatim from
``books/ledger_columns.py``; not used by the package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from pooledledger.books.ledger import Ledger
from pooledledger.core.money import to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import Cell
from pooledledger.model.entries import (
    Contribution,
    Entry,
    EntryKind,
    Expenditure,
    Income,
    Instalment,
    Reversal,
    Settlement,
    YearClosed,
)

__all__ = ["LEDGER_FIELDS", "ledger_fields"]

#: The fields of an entry's row, in the order its tuple holds them (the ledger
#: table's columns but the pounds and the currency).
LEDGER_FIELDS = (
    "entry_id",
    "entry",
    "date",
    "year",
    "scheme",
    "partner",
    "kind",
    "party",
    "category",
    "description",
    "reverses",
    "capital",
    "pence",
    "vat_pence",
    "recoverable_vat_pence",
    "pool_cost_pence",
)

_Row = tuple[Cell, ...]


class _Rows:
    """What the row of an entry needs beyond the entry (shared by all its rows)."""

    __slots__ = ("ledger", "recs", "years")

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        #: each date's financial year, as text, once seen
        self.years: dict[date, str] = {}
        # an expenditure's recoverable VAT, as its pool line has it (the same VAT split)
        self.recs = {
            x.entry_id: x.vat_recovered
            for x in ledger.pool_lines
            if x.reverses is None and x.kind is EntryKind.EXPENDITURE
        }

    def year(self, when: date) -> str:
        got = self.years.get(when)
        if got is None:
            got = self.years[when] = str(FinancialYear.for_date(when))
        return got

    def row(self, e: Entry) -> _Row:
        how = _ROWS.get(e.__class__) or _base_row
        return how(self, e)


def _base_row(t: _Rows, e: Entry) -> _Row:
    """The row of an entry of a subclass of an entry class: its base class's row."""
    return next(f for c, f in _ROWS.items() if isinstance(e, c))(t, e)


def ledger_fields(ledger: Ledger) -> dict[str, list[Cell]]:
    """Every entry's row, as one list per :data:`LEDGER_FIELDS` name."""
    t, how = _Rows(ledger), _ROWS.get
    rows = [(how(e.__class__) or _base_row)(t, e) for e in ledger.entries]
    return {name: [r[i] for r in rows] for i, name in enumerate(LEDGER_FIELDS)}


def _expenditure(t: _Rows, x: Any) -> _Row:
    when, face, vat = x.date, x.net_pence, x.vat_pence
    rec = t.recs.get(x.id)
    if rec is None:
        rec = sum(r for _, r in t.ledger.vat_shares(x).values())
    return (
        *(x.id, _EXPENDITURE, when, t.years.get(when) or t.year(when), x.scheme),
        *(x.procuring_partner, None, x.supplier or None, x.category, x.description or None),
        *(None, x.capital, face, vat, rec, face + vat - rec),
    )


def _income(t: _Rows, x: Any) -> _Row:
    when = x.date
    return (
        *(x.id, _INCOME, when, t.years.get(when) or t.year(when), x.scheme, None, None),
        *(x.source or None, x.category, x.description or None, None, False, x.pence, 0, 0, 0),
    )


def _reversal(t: _Rows, x: Any) -> _Row:
    source = t.ledger.get(x.reverses)
    s = _NO_ROW if isinstance(source, Reversal) else t.row(source)
    when = x.date
    return (
        *(x.id, _REVERSAL, when, t.years.get(when) or t.year(when), *s[4:9], x.reason or None),
        *(x.reverses, s[11], -s[12], -s[13], -s[14], -s[15]),  # type: ignore[operator]
    )


def _contribution(t: _Rows, x: Any) -> _Row:
    return (
        *(x.id, _CONTRIBUTION, x.effective_date, str(x.year), x.scheme, x.partner),
        *(x.kind.value, None, None, x.description or None, None, False, x.pence, 0, 0, 0),
    )


def _instalment(t: _Rows, x: Any) -> _Row:
    when = x.paid_date or x.due_date
    return (
        *(x.id, _INSTALMENT, when, str(x.year), x.scheme, x.partner, None, None, None),
        *(None, None, False, x.pence, 0, 0, 0),
    )


def _settlement(t: _Rows, x: Any) -> _Row:
    return (
        *(x.id, _SETTLEMENT, x.due_date, str(x.year), None, x.partner, None, None, None),
        *(x.description or None, None, False, to_pence(x.amount), 0, 0, 0),
    )


def _year_closed(t: _Rows, x: Any) -> _Row:
    head = (x.id, _YEAR_CLOSED, x.closed_on, str(x.year))
    return (*head, None, None, None, None, None, None, None, False, 0, 0, 0, 0)


_EXPENDITURE = EntryKind.EXPENDITURE.value
_INCOME = EntryKind.INCOME.value
_REVERSAL = EntryKind.REVERSAL.value
_CONTRIBUTION = EntryKind.CONTRIBUTION.value
_INSTALMENT = EntryKind.INSTALMENT.value
_SETTLEMENT = EntryKind.SETTLEMENT.value
_YEAR_CLOSED = EntryKind.YEAR_CLOSED.value

#: The row fields a reversal copies from the entry it reverses, when that entry
#: shows none (it is itself a reversal).
_NO_ROW: _Row = (None,) * 11 + (False, 0, 0, 0, 0)

_ROWS: Mapping[type, Callable[[_Rows, Any], _Row]] = {
    Expenditure: _expenditure,
    Income: _income,
    Reversal: _reversal,
    Contribution: _contribution,
    Instalment: _instalment,
    Settlement: _settlement,
    YearClosed: _year_closed,
}
