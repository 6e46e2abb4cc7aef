"""The ledger table of a ledger whose lines are held in columns (layer L2).

:func:`~pooledledger.books.ledger_columns.ledger_fields` makes the ledger table from
the entries, which for a ledger read from a large CSV file means making an entry
for every line the reader holds in columns
(:class:`~pooledledger.books.line_store.LineStore`).  :func:`held_fields` makes the
same columns without: the held expenditure and income lines' rows come from the
store's columns by polars (each expenditure's recoverable VAT from its pool line,
:mod:`pooledledger.books.pool_store`), the other entries' rows (contributions,
instalments, reversals...) from the entries as before, and all of them are put in
canonical order by one gather.  The values and their types are the entry path's
(tests/test_line_store.py holds the property; docs/benchmarks.md has the figures).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING, Any

from pooledledger.books.entry_order import sort_key
from pooledledger.books.ledger import Ledger
from pooledledger.books.line_store import Block, LineStore
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import Cell, gather_rows, in_whole_limit
from pooledledger.model.entries import EntryKind, Expenditure, Reversal

if TYPE_CHECKING:
    import polars

__all__ = ["held_fields", "held_frame", "held_parts", "make_held"]

#: Each column of a held line's row read from its block: (the field of an
#: expenditure, of an income), and the polars type.
_READ: dict[str, tuple[tuple[str | None, str | None], str]] = {
    "entry_id": (("id", "id"), "String"),
    "date": (("date", "date"), "Date"),
    "scheme": (("scheme", "scheme"), "String"),
    "partner": (("procuring_partner", None), "String"),
    "party": (("supplier", "source"), "String"),
    "category": (("category", "category"), "String"),
    "description": (("description", "description"), "String"),
    "capital": (("capital", None), "Boolean"),
    "pence": (("net_pence", "pence"), "Int64"),
    "vat_pence": (("vat_pence", None), "Int64"),
}


def make_held(ledger: object, ids: Iterable[str]) -> None:
    """Make the entries of ``ledger``'s held lines with these ids together (one batch
    per block), before each is looked up by id: the look-ups are then quick."""
    store = ledger._held()[1] if isinstance(ledger, Ledger) else None
    if store is not None:
        store.make(ids)


def held_fields(ledger: Ledger, fields: tuple[str, ...]) -> dict[str, list[Cell]] | None:
    """The ledger table's ``fields`` (one list each, every entry in canonical order), or
    ``None`` if the ledger holds no lines in columns or a line has no pool line."""
    frame = held_frame(ledger, fields)
    if frame is None:
        return None
    return {name: frame[name].to_list() for name in fields}


def held_frame(ledger: Ledger, fields: tuple[str, ...]) -> polars.DataFrame | None:
    """:func:`held_fields` as a polars frame, one column per field (pence ``Int64``,
    dates ``Date``, flags ``Boolean``, text ``String``), with no Python object per
    line: what :func:`pooledledger.books.tables.ledger_frame` gives (the CSV and
    Parquet writers take it a slice at a time, :func:`held_parts`)."""
    parts = held_parts(ledger, fields)
    if parts is None:
        return None

    frame, order = parts
    return gather_rows(frame, order)


def held_parts(
    ledger: Ledger, fields: tuple[str, ...]
) -> tuple[polars.DataFrame, polars.Series] | None:
    """:func:`held_frame`'s rows in the store's order, then the other entries', and
    the places of the rows in canonical order (the CSV writer gathers them a slice at
    a time: :func:`pooledledger.books.tables.ledger_chunks`)."""
    from pooledledger.books.ledger_columns import _Context, _rows
    from pooledledger.books.pool_columns import pool_columns
    from pooledledger.books.pool_store import _Ordered

    if type(ledger) is not Ledger:
        return None
    made, store = ledger._held()
    if store is None:
        return None
    columns = pool_columns(ledger)
    if not isinstance(columns, _Ordered):
        return None
    import polars as pl

    held = _held_rows(pl, store, columns)
    others = sorted(made, key=sort_key)
    # the reversals of held lines: their rows made from the held lines' by polars
    undo = [e for e in others if type(e) is Reversal]
    named = sorted({e.reverses for e in undo})
    on_held = set(store.frame.filter(pl.col("id").is_in(named))["id"].to_list())
    mine = [e for e in undo if e.reverses in on_held]
    rest = [e for e in others if type(e) is not Reversal or e.reverses not in on_held]
    rows = _rows(_Context(ledger, columns.recovered_of), rest) if rest else []
    parts = [held.select(fields)]
    if rows:
        if not in_whole_limit(chain.from_iterable(rows)):
            return None  # a whole number polars cannot hold: the entries' path
        schema = dict(parts[0].schema)
        parts.append(pl.DataFrame(list(rows), schema=schema, orient="row"))
    if mine:
        parts.append(_reversal_rows(pl, held, mine).select(fields))
    del held
    frame = pl.concat(parts, how="vertical") if len(parts) > 1 else parts[0]
    # the file's order need not be canonical, even with no other entries
    return frame, store.canonical([sort_key(e) for e in (*rest, *mine)])


def _reversal_rows(pl: Any, held: Any, undo: list[Reversal]) -> Any:
    """The rows of reversals of held lines, as the entries' path makes them: the row
    of the line reversed, negated, with the reversal's id, date, year, reason (as its
    description) and the id it reverses."""
    when = pl.Series([e.date for e in undo], dtype=pl.Date)
    days = when.unique().to_list()
    years = [str(FinancialYear.for_date(d)) for d in days]
    rows = pl.DataFrame(
        {
            "entry_id": pl.Series([e.id for e in undo], dtype=pl.String),
            "date": when,
            "description": pl.Series([e.reason or None for e in undo], dtype=pl.String),
            "reverses": pl.Series([e.reverses for e in undo], dtype=pl.String),
        }
    )
    shown = ("scheme", "partner", "kind", "party", "category", "capital")
    amounts = ("pence", "vat_pence", "recoverable_vat_pence", "pool_cost_pence")
    lines = (
        held.lazy()
        .select(pl.col("entry_id").alias("reverses"), *shown, *amounts)
        .filter(pl.col("reverses").is_in(rows["reverses"].implode()))
        .collect()
    )
    return rows.join(lines, on="reverses", how="left", maintain_order="left").select(
        "entry_id",
        pl.lit(EntryKind.REVERSAL.value, dtype=pl.String).alias("entry"),
        "date",
        pl.col("date").replace_strict(days, years, return_dtype=pl.String).alias("year"),
        *shown[:5],
        "description",
        "reverses",
        "capital",
        *(-pl.col(a) for a in amounts),
    )


def _held_rows(pl: Any, store: LineStore, columns: Any) -> polars.DataFrame:
    """The rows of the held lines, in the store's order (each expenditure's
    recoverable VAT its pool line's, kept in the store's order by the pool columns)."""
    parts = [_block_rows(pl, b) for b in store.blocks]
    rows = pl.concat(parts, how="vertical") if parts else _block_rows(pl, None)
    # each held line's recoverable VAT from its pool line, both in the store's order
    rows = rows.with_columns(columns.__dict__["held_recovered"].alias("rec"))
    spending = pl.col("entry") == EntryKind.EXPENDITURE.value
    rec = pl.when(spending).then(pl.col("rec")).otherwise(0)
    dates = rows["date"].unique().to_list()
    years = [str(FinancialYear.for_date(d)) for d in dates]
    out: polars.DataFrame = rows.with_columns(
        pl.col("date").replace_strict(dates, years, return_dtype=pl.String).alias("year"),
        pl.lit(None, dtype=pl.String).alias("kind"),
        pl.lit(None, dtype=pl.String).alias("reverses"),
        rec.alias("recoverable_vat_pence"),
        pl.when(spending)
        .then(pl.col("pence") + pl.col("vat_pence") - rec)
        .otherwise(0)
        .alias("pool_cost_pence"),
    )
    return out


def _block_rows(pl: Any, b: Block | None) -> Any:
    """One block's rows: the fields of :data:`_READ`, and ``entry``."""
    n = len(b) if b is not None else 0
    spending = b is not None and b.model is Expenditure
    kind = EntryKind.EXPENDITURE.value if spending else EntryKind.INCOME.value
    data: dict[str, Any] = {"entry": pl.repeat(kind, n, dtype=pl.String, eager=True)}
    for name, ((of_spending, of_income), dtype) in _READ.items():
        source = of_spending if spending else of_income
        kind_of = getattr(pl, dtype)
        held = b.series_of(source) if b is not None and source is not None else None
        if held is not None:
            column = held.cast(kind_of)
        elif b is None:
            column = pl.Series([], dtype=kind_of)
        elif source is None:
            nothing = {"Int64": 0, "Boolean": False}.get(dtype)
            column = pl.repeat(nothing, n, dtype=kind_of, eager=True)
        else:
            column = pl.Series(list(b.values(source)), dtype=kind_of)
        if name in ("party", "description"):  # an empty text shows as nothing
            column = pl.select(pl.when(column != "").then(column)).to_series()
        data[name] = column.alias(name)
    return pl.DataFrame(data)
