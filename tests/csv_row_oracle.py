"""The row-by-row CSV writer of the line-level tables, as it was before the tables
were made and written column by column: kept here only as the oracle the fast writer
must match byte for byte (tests/test_csv_columns.py).  Copied from
``books/tables.py`` and ``io/csv_out.py``; not used by the package.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import itemgetter
from os import PathLike
from pathlib import Path
from typing import Any

from pooledledger.books.apportion import Apportionment, apportion
from pooledledger.books.ledger import Ledger, entry_date
from pooledledger.books.tables import APPORTIONMENT_COLUMNS, LEDGER_COLUMNS, journal_table
from pooledledger.core.money import pence_to_decimal, to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import CURRENCY, Cell, Column, Row, Table, issues_table
from pooledledger.io._cells import neutralise
from pooledledger.io.csv_out import csv_cell
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
from pooledledger.reports.bundle import YearEndReports
from pooledledger.yearend.tables import close_table, settlement_table


def old_ledger_rows(ledger: Ledger) -> Iterator[Row]:
    """The rows of :func:`ledger_table`, one at a time (a writer streams them)."""
    years: dict[date, str] = {}
    # an expenditure's recoverable VAT, as its pool line has it (the same VAT split)
    recs = {
        x.entry_id: x.vat_recovered
        for x in ledger.pool_lines
        if x.reverses is None and x.kind is EntryKind.EXPENDITURE
    }
    for e in ledger.entries:
        yield _ledger_row(ledger, e, years, recs)


def _ledger_row(ledger: Ledger, e: Entry, years: dict[date, str], recs: dict[str, int]) -> Row:
    """One entry's row of :func:`ledger_table` (a reversal: its original's, negated);
    ``years`` caches the financial year of each date seen."""
    when = entry_date(e)
    if isinstance(e, _WITH_YEAR):
        year = str(e.year)
    else:
        year = years.get(when) or years.setdefault(when, str(FinancialYear.for_date(when)))
    source: Entry = e
    reverses: str | None = None
    reason: str | None = None
    reversal = isinstance(e, Reversal)
    if isinstance(e, Reversal):
        reverses, source, reason = e.reverses, ledger.get(e.reverses), e.reason
    f = _source_fields(ledger, source, recs)
    description = reason if reversal else f.description
    face, vat, rec, cost = f.face, f.vat, f.rec, f.cost
    if reversal:
        face, vat, rec, cost = -face, -vat, -rec, -cost
    return {
        "entry_id": e.id,
        "entry": e.entry.value,
        "date": when,
        "year": year,
        "scheme": f.scheme,
        "partner": f.partner,
        "kind": f.kind,
        "party": f.party or None,
        "category": f.category,
        "description": description or None,
        "reverses": reverses,
        "capital": f.capital,
        "pence": face,
        "amount": _pounds(face),
        "vat_pence": vat,
        "vat": _pounds(vat),
        "recoverable_vat_pence": rec,
        "recoverable_vat": _pounds(rec),
        "pool_cost_pence": cost,
        "pool_cost": _pounds(cost),
        "currency": CURRENCY,
    }


_WITH_YEAR = (Contribution, Instalment, Settlement, YearClosed)


def _pounds(pence: int) -> Decimal:
    """:func:`~pooledledger.core.money.pence_to_decimal` for the whole pence of a row."""
    return Decimal(pence).scaleb(-2)


@dataclass
class _Fields:
    """What a ledger row shows of one entry, unsigned (the pence are its face value)."""

    scheme: str | None = None
    partner: str | None = None
    kind: str | None = None
    party: str | None = None
    category: str | None = None
    description: str = ""
    capital: bool = False
    face: int = 0
    vat: int = 0
    rec: int = 0
    cost: int = 0


def _source_fields(ledger: Ledger, source: Entry, recs: Mapping[str, int]) -> _Fields:
    """The row fields of an entry (for a reversal, of the entry it reverses)."""
    f = _Fields()
    if isinstance(source, Contribution):
        f.scheme, f.partner, f.kind = source.scheme, source.partner, source.kind.value
        f.description, f.face = source.description, source.pence
    elif isinstance(source, Instalment):
        f.scheme, f.partner, f.face = source.scheme, source.partner, source.pence
    elif isinstance(source, Expenditure):
        f.scheme, f.partner = source.scheme, source.procuring_partner
        f.party, f.category, f.capital = source.supplier, source.category, source.capital
        f.face, f.vat, f.description = source.net_pence, source.vat_pence, source.description
        rec = recs.get(source.id)
        f.rec = sum(r for _, r in ledger.vat_shares(source).values()) if rec is None else rec
        f.cost = f.face + f.vat - f.rec
    elif isinstance(source, Income):
        f.scheme, f.party, f.category = source.scheme, source.source, source.category
        f.description, f.face = source.description, source.pence
    elif isinstance(source, Settlement):
        f.partner, f.description = source.partner, source.description
        f.face = to_pence(source.amount)
    return f


def old_apportionment_rows(apportionment: Apportionment) -> Iterator[Row]:
    """The rows of :func:`apportionment_table`, one at a time (a writer streams them)."""
    year = str(apportionment.year)
    partners = apportionment.partners
    for line in apportionment.lines:
        kind, whole = line.kind.value, pence_to_decimal(line.amount)
        for p in partners:
            share = line.shares.get(p, 0)
            yield {
                "year": year,
                "entry_id": line.entry_id,
                "scheme": line.scheme,
                "date": line.date,
                "kind": kind,
                "reverses": line.reverses,
                "capital_owner": line.capital_owner,
                "line_pence": line.amount,
                "line": whole,
                "partner": p,
                "remainder_penny": p in line.remainder_to,
                "pence": share,
                "amount": pence_to_decimal(share),
                "currency": CURRENCY,
            }


def _formatters(columns: Sequence[Column]) -> list[Callable[[Cell], str]]:
    """Per column, :func:`csv_cell` for it, with the common value types looked up by
    class first (the same text; anything else goes through :func:`csv_cell`)."""

    def formatter(column: Column) -> Callable[[Cell], str]:
        fast: dict[type, Callable[[Any], str]] = {
            type(None): lambda _: "",
            bool: lambda v: "true" if v else "false",
            Decimal: lambda v: format(v, "f"),
            int: int.__str__,
            date: date.isoformat,
        }
        if column.kind == "str":
            fast[str] = neutralise

        def cell(value: Cell) -> str:
            how = fast.get(value.__class__)
            return how(value) if how is not None else csv_cell(column, value)

        return cell

    return [formatter(c) for c in columns]


def _write_rows(
    columns: Sequence[Column], rows: Iterable[Row], path: str | PathLike[str], encoding: str
) -> Path:
    out = Path(path)
    names = [c.name for c in columns]
    formats = _formatters(columns)
    values = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    plain = _PLAIN
    with out.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow([neutralise(name) for name in names])
        writer.writerows(
            [
                v if v.__class__ in plain else fmt(v)
                for v, fmt in zip(values(row), formats, strict=True)
            ]
            for row in rows
        )
    return out


#: Values the csv module writes as :func:`csv_cell` does (``None`` as an empty cell,
#: a whole number and a date as ``str`` gives them), so they are handed to it as they are.
_PLAIN = frozenset({type(None), int, date})


def old_write_csv_tables(
    reports: YearEndReports,
    folder: str | PathLike[str],
    *,
    ledger: Ledger | None = None,
    encoding: str = "utf-8",
) -> dict[str, Path]:
    """Write the year end's tidy tables as CSV files into ``folder`` (created if needed).

    Returns ``{table name: path}`` in the order written.  ``ledger`` adds
    ``ledger.csv`` and ``apportionment.csv`` (its in-year shares for the year);
    ``issues.csv`` is written when the close carries issues (docs/ledger.md#the-gate).
    Existing files of the same names are replaced.  The line-level tables are
    streamed: their rows are written as they are made, never held all at once.
    """
    where = Path(folder)
    where.mkdir(parents=True, exist_ok=True)

    def whole(table: Table) -> tuple[Sequence[Column], Callable[[], Iterable[Row]]]:
        return table.columns, lambda: table.rows

    tables: list[tuple[str, Sequence[Column], Callable[[], Iterable[Row]]]] = [
        ("shares", *whole(close_table(reports.close))),
        ("settlement_schedule", *whole(settlement_table(reports.close))),
        ("journals", *whole(journal_table(reports.close.journals))),
    ]
    if ledger is not None:
        tables.append(("ledger", LEDGER_COLUMNS, lambda: old_ledger_rows(ledger)))
        upto = reports.close.period.end
        tables.append(
            (
                "apportionment",
                APPORTIONMENT_COLUMNS,
                lambda: old_apportionment_rows(apportion(ledger, reports.year, upto=upto)),
            )
        )
    if reports.close.issues:
        tables.append(("issues", *whole(issues_table(reports.close.issues))))
    return {
        name: _write_rows(columns, rows(), where / f"{name}.csv", encoding)
        for name, columns, rows in tables
    }
