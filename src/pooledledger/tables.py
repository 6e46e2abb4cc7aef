"""Tidy tables of a ledger, an apportionment, a year-end close and journals (layer L3).

Each function here turns a result into a :class:`Table`: named, typed columns and
one row per fact (a ``dict`` per row), ready for a spreadsheet, a CSV file or a
DataFrame.  Nothing here does I/O and nothing is rounded: every amount is the
result's own integer pence (``pence`` columns) with an exact ``Decimal`` twin in
pounds (``amount`` columns, two decimal places) and a ``currency`` column
(``"GBP"``).  No value is ever a float.

==============================  ======================================================
function                        one row per
==============================  ======================================================
:func:`ledger_table`            ledger entry (face amount, VAT, recoverable VAT, pool
                                cost)
:func:`apportionment_table`     pool line × partner share (the pence trail)
:func:`close_table`             scheme × partner × measure (``level == "scheme"``),
                                then partner × measure for partner-level figures
                                (``level == "partner"``); no measure appears at both
                                levels, so summing one measure never double counts
:func:`settlement_table`        partner: balance with the host, held, settlement, due
:func:`journal_table`           journal line of each partner's journal
:func:`issues_table`            issue (code, severity, where, message)
==============================  ======================================================

:func:`to_pandas` and :func:`to_polars` build a DataFrame from a table (``pence``
as ``int64``, ``amount`` as ``Decimal``: ``object`` holding ``decimal.Decimal`` in
pandas, ``Decimal(38, 2)`` in polars).  They import pandas or polars only when
called; ``Ledger.to_pandas()``, ``Apportionment.to_pandas()`` and
``YearEndClose.to_pandas()`` (and the ``to_polars`` twins) call them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pooledledger.books.apportion import Apportionment
from pooledledger.books.journals import ACCOUNT_LABELS, Journal
from pooledledger.books.ledger import Ledger, entry_date
from pooledledger.core.errors import Issue
from pooledledger.core.money import GBP, pence_to_decimal, to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.entries import (
    Contribution,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
    Settlement,
)
from pooledledger.model.partners import PartnerId
from pooledledger.yearend.close import YearEndClose

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = [
    "APPORTIONMENT_COLUMNS",
    "CLOSE_COLUMNS",
    "CLOSE_PARTNER_MEASURES",
    "CLOSE_SCHEME_MEASURES",
    "ISSUE_COLUMNS",
    "JOURNAL_COLUMNS",
    "LEDGER_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "Cell",
    "Column",
    "ColumnKind",
    "Row",
    "Table",
    "apportionment_table",
    "close_table",
    "issues_table",
    "journal_table",
    "ledger_table",
    "settlement_table",
    "to_pandas",
    "to_polars",
]

#: What a column holds: text, a whole number (not money), integer pence, exact
#: pounds (``Decimal``, two places), a date or a flag.
ColumnKind = Literal["str", "int", "pence", "decimal", "date", "bool"]

#: One cell: never a float.
Cell = str | int | Decimal | date | bool | None

#: One row: column name → cell.
Row = dict[str, Cell]

CURRENCY = GBP.code


@dataclass(frozen=True, slots=True)
class Column:
    """A column's name, what it holds and whether it may be empty (``None``)."""

    name: str
    kind: ColumnKind
    nullable: bool = False


@dataclass(frozen=True, slots=True)
class Table:
    """A tidy table: its name, its columns in order, and one ``dict`` per row."""

    name: str
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def records(self) -> list[Row]:
        """The rows as a list of fresh dicts (one fact per row)."""
        return [dict(r) for r in self.rows]

    def column(self, name: str) -> list[Cell]:
        """Every value of one column, in row order."""
        return [r[name] for r in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    def __repr__(self) -> str:
        return f"Table({self.name!r}, {len(self.columns)} columns, {len(self.rows)} rows)"


def _money(prefix: str) -> tuple[Column, Column]:
    """A ``<prefix>_pence`` int column and its exact ``<prefix>`` Decimal twin."""
    return Column(f"{prefix}_pence", "pence"), Column(prefix, "decimal")


_AMOUNT = (Column("pence", "pence"), Column("amount", "decimal"))
_CURRENCY = Column("currency", "str")


def _table(name: str, columns: Sequence[Column], rows: Sequence[Row]) -> Table:
    names = [c.name for c in columns]
    for r in rows:  # pragma: no branch - a guard on this module's own code
        if list(r) != names:  # pragma: no cover
            raise AssertionError(f"row {r!r} does not match the columns of {name}")
    return Table(name, tuple(columns), tuple(rows))


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
    *_AMOUNT,
    *_money("vat"),
    *_money("recoverable_vat"),
    *_money("pool_cost"),
    _CURRENCY,
)


def ledger_table(ledger: Ledger) -> Table:
    """One row per entry of ``ledger``, in canonical order.

    ``pence`` is the entry's face amount (net for an expenditure); ``vat_pence``,
    ``recoverable_vat_pence`` and ``pool_cost_pence`` (net plus irrecoverable VAT,
    I-13) are set for expenditure and are 0 otherwise.  A reversal's row is the row
    of the entry it reverses, negated.  ``kind`` is a contribution's kind.
    """
    rows: list[Row] = []
    for e in ledger.entries:
        when = entry_date(e)
        year = getattr(e, "year", None) or FinancialYear.for_date(when)
        scheme: str | None = None
        partner: str | None = None
        kind: str | None = None
        party: str | None = None
        category: str | None = None
        reverses: str | None = None
        description = ""
        capital = False
        face = vat = rec = cost = 0
        source: Entry = e
        sign = 1
        if isinstance(e, Reversal):
            reverses, source, sign = e.reverses, ledger.get(e.reverses), -1
        if isinstance(source, Contribution):
            scheme, partner, kind = source.scheme, source.partner, source.kind.value
            description, face = source.description, source.pence
        elif isinstance(source, Instalment):
            scheme, partner, face = source.scheme, source.partner, source.pence
        elif isinstance(source, Expenditure):
            scheme, partner = source.scheme, source.procuring_partner
            party, category, capital = source.supplier, source.category, source.capital
            face, vat, description = source.net_pence, source.vat_pence, source.description
            rec = sum(r for _, r in ledger.vat_shares(source).values())
            cost = face + vat - rec
        elif isinstance(source, Income):
            scheme, party, category = source.scheme, source.source, source.category
            description, face = source.description, source.pence
        elif isinstance(source, Settlement):
            partner, description = source.partner, source.description
            face = to_pence(source.amount)
        if isinstance(e, Reversal):
            description = e.reason
        face, vat, rec, cost = (sign * v for v in (face, vat, rec, cost))
        rows.append(
            {
                "entry_id": e.id,
                "entry": e.entry,
                "date": when,
                "year": str(year),
                "scheme": scheme,
                "partner": partner,
                "kind": kind,
                "party": party or None,
                "category": category,
                "description": description or None,
                "reverses": reverses,
                "capital": capital,
                "pence": face,
                "amount": pence_to_decimal(face),
                "vat_pence": vat,
                "vat": pence_to_decimal(vat),
                "recoverable_vat_pence": rec,
                "recoverable_vat": pence_to_decimal(rec),
                "pool_cost_pence": cost,
                "pool_cost": pence_to_decimal(cost),
                "currency": CURRENCY,
            }
        )
    return _table("ledger", LEDGER_COLUMNS, rows)


# -- apportionment -----------------------------------------------------------------

APPORTIONMENT_COLUMNS: tuple[Column, ...] = (
    Column("year", "str"),
    Column("entry_id", "str"),
    Column("scheme", "str"),
    Column("date", "date"),
    Column("kind", "str"),
    Column("reverses", "str", nullable=True),
    Column("capital_owner", "str", nullable=True),
    *_money("line"),
    Column("partner", "str"),
    Column("remainder_penny", "bool"),
    *_AMOUNT,
    _CURRENCY,
)


def apportionment_table(apportionment: Apportionment) -> Table:
    """One row per pool line × partner: the partner's share in pence (the pence trail).

    ``line_pence`` is the whole line; ``pence`` is this partner's share; the shares
    of a line sum to ``line_pence`` and, per scheme and kind, to the scheme's
    totals.  ``remainder_penny`` marks a partner that held a remainder penny in the
    running allocation after this line.
    """
    rows: list[Row] = []
    year = str(apportionment.year)
    for line in apportionment.lines:
        for p in apportionment.partners:
            share = line.shares.get(p, 0)
            rows.append(
                {
                    "year": year,
                    "entry_id": line.entry_id,
                    "scheme": line.scheme,
                    "date": line.date,
                    "kind": line.kind,
                    "reverses": line.reverses,
                    "capital_owner": line.capital_owner,
                    "line_pence": line.amount,
                    "line": pence_to_decimal(line.amount),
                    "partner": p,
                    "remainder_penny": p in line.remainder_to,
                    "pence": share,
                    "amount": pence_to_decimal(share),
                    "currency": CURRENCY,
                }
            )
    return _table("apportionment", APPORTIONMENT_COLUMNS, rows)


# -- year-end close ----------------------------------------------------------------

#: Scheme × partner measures of :func:`close_table`, in column order of the
#: partner statement (``X = contribution + risk_pool + offset + deficit − underspend``).
CLOSE_SCHEME_MEASURES: tuple[str, ...] = (
    "contribution",
    "risk_pool",
    "offset",
    "deficit",
    "underspend",
    "refunded",
    "carried_forward",
    "redeployed",
    "contingency",
    "net_share",
    "income_share",
    "gross_share",
)

#: Partner-level measures of :func:`close_table` (the ``PartnerClose`` figures
#: that are not a sum of scheme rows).
CLOSE_PARTNER_MEASURES: tuple[str, ...] = (
    "risk_pool_contribution",
    "unused_risk_pool",
    "additional_paid",
    "balance",
    "held",
    "settlement",
    "opening_balance",
    "paid_directly",
    "vat_recharge",
    "unpaid_contributions",
    "unpaid_earlier_years",
    "balance_with_host",
)

_DISPOSITIONS = {
    "refunded": "REFUND",
    "carried_forward": "CARRY_FORWARD",
    "redeployed": "REDEPLOY",
    "contingency": "CONTINGENCY",
}

CLOSE_COLUMNS: tuple[Column, ...] = (
    Column("year", "str"),
    Column("level", "str"),
    Column("scheme", "str", nullable=True),
    Column("partner", "str"),
    Column("measure", "str"),
    *_AMOUNT,
    _CURRENCY,
)


def close_table(close: YearEndClose) -> Table:
    """The close as tidy rows: scheme × partner × measure, then partner × measure.

    Scheme rows (``level == "scheme"``) carry :data:`CLOSE_SCHEME_MEASURES`; the
    sum of a measure over a partner's scheme rows is that partner's figure in the
    close (``contribution`` → ``contributions``, ``risk_pool`` → ``risk_pool_used``,
    the rest by name).  Partner rows (``level == "partner"``, ``scheme`` empty)
    carry :data:`CLOSE_PARTNER_MEASURES`.
    """
    year = str(close.year)
    rows: list[Row] = []

    def add(level: str, scheme: str | None, partner: str, measure: str, pence: int) -> None:
        rows.append(
            {
                "year": year,
                "level": level,
                "scheme": scheme,
                "partner": partner,
                "measure": measure,
                "pence": pence,
                "amount": pence_to_decimal(pence),
                "currency": CURRENCY,
            }
        )

    partners = [pc.partner for pc in close.partners]
    for s in close.schemes:
        for p in partners:
            values = {
                "contribution": s.contributions.get(p, 0),
                "risk_pool": s.risk_pool.get(p, 0),
                "offset": s.offset.get(p, 0),
                "deficit": s.deficit.get(p, 0),
                "underspend": s.underspend.get(p, 0),
                **{m: s.dispositions.get(d, {}).get(p, 0) for m, d in _DISPOSITIONS.items()},
                "net_share": s.net_share.get(p, 0),
                "income_share": s.income_share.get(p, 0),
                "gross_share": s.gross_share.get(p, 0),
            }
            for m in CLOSE_SCHEME_MEASURES:
                add("scheme", s.scheme, p, m, values[m])
    for pc in close.partners:
        for m in CLOSE_PARTNER_MEASURES:
            add("partner", None, pc.partner, m, getattr(pc, m))
    return _table("close", CLOSE_COLUMNS, rows)


SETTLEMENT_COLUMNS: tuple[Column, ...] = (
    Column("year", "str"),
    Column("partner", "str"),
    Column("is_host", "bool"),
    *_money("opening_balance"),
    *_money("balance"),
    *_money("held"),
    *_money("paid_directly"),
    *_money("vat_recharge"),
    *_money("settlement"),
    *_money("net_position"),
    Column("direction", "str"),
    Column("due", "date", nullable=True),
    *_money("unpaid_contributions"),
    *_money("unpaid_earlier_years"),
    *_money("balance_with_host"),
    *_money("paid_after_year_end"),
    *_money("amount_due"),
    _CURRENCY,
)

#: The settlement schedule's reconciling items (docs/year-end.md#the-settlement-schedule).
_SETTLEMENT_ITEMS: tuple[str, ...] = (
    "opening_balance",
    "balance",
    "held",
    "paid_directly",
    "vat_recharge",
    "settlement",
    "unpaid_contributions",
    "unpaid_earlier_years",
    "balance_with_host",
    "paid_after_year_end",
    "amount_due",
)


def _direction(is_host: bool, settlement: int) -> str:
    if is_host:
        return "host: no cash settlement"
    if settlement > 0:
        return "host pays partner"
    if settlement < 0:
        return "partner pays host"
    return "nothing to pay"


def settlement_table(close: YearEndClose) -> Table:
    """The settlement schedule: one row per partner, in agreement order.

    ``balance`` is contributions (with the risk pool and ``opening_balance``, the
    balances brought forward) less the net share (positive: the host owes the
    partner); ``held`` stays with the host for next year; ``settlement`` is the cash
    the settlement moves (positive: host pays partner): ``balance - held +
    paid_directly - vat_recharge``, ``due`` on the date given (empty when nothing
    moves).  Then the debtor: ``unpaid_contributions`` (and
    ``unpaid_earlier_years``) unpaid at 31 March; ``balance_with_host`` is the
    balance at 31 March that the journals and the agreement of balances show;
    ``amount_due`` what still moves once instalments ``paid_after_year_end`` count.
    ``net_position`` is the cash each receives on settlement (positive) or pays: a
    partner's settlement, and for the host minus the sum of the others'
    (docs/year-end.md#settlement), so the column sums to zero.
    """
    host_position = close.host_position
    rows: list[Row] = []
    for pc in close.partners:
        position = host_position if pc.is_host else pc.settlement
        row: Row = {
            "year": str(close.year),
            "partner": pc.partner,
            "is_host": pc.is_host,
            "net_position_pence": position,
            "net_position": pence_to_decimal(position),
            "direction": _direction(pc.is_host, pc.settlement),
            "due": pc.settlement_due,
            "currency": CURRENCY,
        }
        for item in _SETTLEMENT_ITEMS:
            pence = getattr(pc, item)
            row[f"{item}_pence"] = pence
            row[item] = pence_to_decimal(pence)
        rows.append({c.name: row[c.name] for c in SETTLEMENT_COLUMNS})
    return _table("settlement_schedule", SETTLEMENT_COLUMNS, rows)


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
    *_money("debit"),
    *_money("credit"),
    *_AMOUNT,
    _CURRENCY,
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
    return _table("journals", JOURNAL_COLUMNS, rows)


# -- issues ---------------------------------------------------------------------------

ISSUE_COLUMNS: tuple[Column, ...] = (
    Column("code", "str"),
    Column("severity", "str"),
    Column("file", "str", nullable=True),
    Column("row", "int", nullable=True),
    Column("column", "str", nullable=True),
    Column("field", "str", nullable=True),
    Column("entry_id", "str", nullable=True),
    Column("message", "str"),
)


def issues_table(issues: Sequence[Issue]) -> Table:
    """One row per issue (e.g. the warnings a close carries), in the given order."""
    rows: list[Row] = [
        {
            "code": i.code,
            "severity": i.severity.value,
            "file": i.location.file,
            "row": i.location.row,
            "column": i.location.column,
            "field": i.location.field,
            "entry_id": i.location.entry_id,
            "message": i.message,
        }
        for i in issues
    ]
    return _table("issues", ISSUE_COLUMNS, rows)


# -- DataFrames ----------------------------------------------------------------------


def _missing(package: str, extra: str) -> ImportError:
    return ImportError(
        f"{package} is not installed; install it with: pip install pooledledger[{extra}]"
    )


def to_pandas(table: Table) -> pandas.DataFrame:
    """``table`` as a pandas DataFrame: ``pence`` and ``int`` columns ``int64``,
    ``decimal`` columns ``object`` holding ``decimal.Decimal``, dates
    ``datetime64[ns]`` (``NaT`` when empty), flags ``bool``, text ``object``.

    Raises :class:`ImportError` (``pip install pooledledger[pandas]``) without pandas.
    """
    try:
        import pandas as pd
    except ImportError as exc:  # pragma: no cover - pandas is a dev dependency
        raise _missing("pandas", "pandas") from exc
    data: dict[str, Any] = {}
    for c in table.columns:
        values = table.column(c.name)
        if c.kind in ("pence", "int"):
            data[c.name] = pd.Series(values, dtype="int64")
        elif c.kind == "bool":
            data[c.name] = pd.Series(values, dtype="bool")
        elif c.kind == "date":
            data[c.name] = pd.Series(pd.to_datetime(pd.Series(values, dtype="object")))
        else:
            data[c.name] = pd.Series(values, dtype="object")
    return pd.DataFrame(data, columns=list(table.names))


def to_polars(table: Table) -> polars.DataFrame:
    """``table`` as a polars DataFrame: ``pence`` and ``int`` columns ``Int64``,
    ``decimal`` columns ``Decimal(38, 2)``, dates ``Date``, flags ``Boolean``, text
    ``String``.

    Raises :class:`ImportError` (``pip install pooledledger[polars]``) without polars.
    """
    try:
        import polars as pl
    except ImportError as exc:  # pragma: no cover - polars is a dev dependency
        raise _missing("polars", "polars") from exc
    dtypes: dict[str, Any] = {
        "str": pl.String,
        "int": pl.Int64,
        "pence": pl.Int64,
        "decimal": pl.Decimal(38, 2),
        "date": pl.Date,
        "bool": pl.Boolean,
    }
    schema = {c.name: dtypes[c.kind] for c in table.columns}
    return pl.DataFrame(
        {c.name: table.column(c.name) for c in table.columns}, schema=schema, strict=True
    )
