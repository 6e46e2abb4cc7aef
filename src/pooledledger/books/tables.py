"""Tidy tables of a ledger, an apportionment and journals (layer L2).

Each function turns a result into a :class:`~pooledledger.core.tables.Table`; nothing
here does I/O and nothing is rounded (docs/excel-and-dataframes.md).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from pooledledger.books.apportion import Apportionment
from pooledledger.books.journals import ACCOUNT_LABELS, Journal
from pooledledger.books.ledger import Ledger, entry_date
from pooledledger.core.money import pence_to_decimal, to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import (
    AMOUNT_COLUMNS,
    CURRENCY,
    CURRENCY_COLUMN,
    Column,
    Row,
    Table,
    make_table,
    money_columns,
)
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
from pooledledger.model.partners import PartnerId

__all__ = [
    "APPORTIONMENT_COLUMNS",
    "JOURNAL_COLUMNS",
    "LEDGER_COLUMNS",
    "apportionment_table",
    "journal_table",
    "ledger_table",
]

# -- ledger ------------------------------------------------------------------------

LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("entry_id", "str"),
    Column("entry", "str"),
    Column("date", "date"),
    Column("year", "str"),
    Column("scheme", "str", nullable=True),
    Column("partner", "str", nullable=True),
    Column("kind", "str", nullable=True),
    Column("party", "str", nullable=True),
    Column("category", "str", nullable=True),
    Column("description", "str", nullable=True),
    Column("reverses", "str", nullable=True),
    Column("capital", "bool"),
    *AMOUNT_COLUMNS,
    *money_columns("vat"),
    *money_columns("recoverable_vat"),
    *money_columns("pool_cost"),
    CURRENCY_COLUMN,
)


def ledger_table(ledger: Ledger) -> Table:
    """One row per entry of ``ledger``, in canonical order.

    ``pence`` is the entry's face amount (net for an expenditure); ``vat_pence``,
    ``recoverable_vat_pence`` and ``pool_cost_pence`` (net plus irrecoverable VAT,
    I-13) are set for expenditure and are 0 otherwise.  A reversal's row is the row
    of the entry it reverses, negated.  ``kind`` is a contribution's kind.
    """
    return make_table("ledger", LEDGER_COLUMNS, list(ledger_rows(ledger)))


def ledger_rows(ledger: Ledger) -> Iterator[Row]:
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


# -- apportionment -----------------------------------------------------------------

APPORTIONMENT_COLUMNS: tuple[Column, ...] = (
    Column("year", "str"),
    Column("entry_id", "str"),
    Column("scheme", "str"),
    Column("date", "date"),
    Column("kind", "str"),
    Column("reverses", "str", nullable=True),
    Column("capital_owner", "str", nullable=True),
    *money_columns("line"),
    Column("partner", "str"),
    Column("remainder_penny", "bool"),
    *AMOUNT_COLUMNS,
    CURRENCY_COLUMN,
)


def apportionment_table(apportionment: Apportionment) -> Table:
    """One row per pool line × partner: the partner's share in pence (the pence trail).

    ``line_pence`` is the whole line; ``pence`` is this partner's share; the shares
    of a line sum to ``line_pence`` and, per scheme and kind, to the scheme's
    totals.  ``remainder_penny`` marks a partner that held a remainder penny in the
    running allocation after this line.
    """
    return make_table(
        "apportionment", APPORTIONMENT_COLUMNS, list(apportionment_rows(apportionment))
    )


def apportionment_rows(apportionment: Apportionment) -> Iterator[Row]:
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


# -- journals ----------------------------------------------------------------------

JOURNAL_COLUMNS: tuple[Column, ...] = (
    Column("partner", "str"),
    Column("start", "date"),
    Column("end", "date"),
    Column("line", "int"),
    Column("ref", "str"),
    Column("account", "str"),
    Column("account_label", "str"),
    Column("scheme", "str", nullable=True),
    Column("counterparty", "str", nullable=True),
    Column("memo", "str", nullable=True),
    *money_columns("debit"),
    *money_columns("credit"),
    *AMOUNT_COLUMNS,
    CURRENCY_COLUMN,
)


def journal_table(journals: Mapping[PartnerId, Journal]) -> Table:
    """One row per line of each partner's journal (partners in the mapping's order).

    ``line`` numbers the lines from 1 within a partner's journal; ``start`` and
    ``end`` are the first and last days of the journal's period (both inclusive);
    ``pence`` is ``debit − credit``.
    """
    rows: list[Row] = []
    for p, j in journals.items():
        start, end = date.fromisoformat(j.start), date.fromisoformat(j.end)
        for n, x in enumerate(j.lines, start=1):
            signed = x.debit - x.credit
            rows.append(
                {
                    "partner": p,
                    "start": start,
                    "end": end,
                    "line": n,
                    "ref": x.ref,
                    "account": x.account.value,
                    "account_label": ACCOUNT_LABELS[x.account],
                    "scheme": x.scheme,
                    "counterparty": x.counterparty,
                    "memo": x.memo or None,
                    "debit_pence": x.debit,
                    "debit": pence_to_decimal(x.debit),
                    "credit_pence": x.credit,
                    "credit": pence_to_decimal(x.credit),
                    "pence": signed,
                    "amount": pence_to_decimal(signed),
                    "currency": CURRENCY,
                }
            )
    return make_table("journals", JOURNAL_COLUMNS, rows)
