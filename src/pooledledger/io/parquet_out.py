"""The tidy tables of a year end as Parquet files in a folder (layer L5).

:func:`write_parquet_tables` writes the tables :func:`~pooledledger.io.csv_out.write_csv_tables`
writes (``shares``, ``settlement_schedule``, ``journals``, with ``ledger=`` also
``ledger`` and ``apportionment``, and ``issues`` when the close carries any), one
``<name>.parquet`` file each, through polars (imported only when a file is written).
The values are the CSV tables' values, typed (docs/excel-and-dataframes.md#parquet-files):

* text as ``String``, **not** neutralised: a leading ``=``, ``+``, ``-`` or ``@`` is
  kept as it is, because a formula is a spreadsheet's concern and a Parquet reader
  sees data, not formulas (the CSV files put a ``'`` before it);
* pence and whole numbers as ``Int64``;
* amounts in pounds as ``Decimal(38, 2)`` made from the pence (an integer mantissa
  at scale 2, exactly ``pence / 100``): no value is ever a float;
* dates as ``Date``, flags as ``Boolean``;
* a missing value as null: ``None``, and empty text in a nullable column (where the
  CSV cell is empty).

The line-level tables go from their columns
(:data:`~pooledledger.core.tables.ColumnData`) straight into polars series, with no
Python object per row.  A whole number outside ``Int64`` (never a real ledger: a
ledger file's amounts stop at 10**15 pence) is refused with an
:class:`~pooledledger.core.errors.IssueError` coded PL-OUT-001 before anything of
that table is written; it is never wrapped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import Issue, IssueError, Location, Severity
from pooledledger.core.tables import Cell, Column, ColumnData, FrameChunks, Table
from pooledledger.io.column_csv import raw_columns
from pooledledger.io.csv_out import year_end_tables
from pooledledger.reports.bundle import YearEndReports

if TYPE_CHECKING:
    import polars

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "parquet_frame",
    "write_columns_parquet",
    "write_parquet_tables",
    "write_table_parquet",
]

#: The range of a Parquet ``Int64`` column (a whole number beyond it is PL-OUT-001).
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

_INTEGER_KINDS = frozenset({"int", "pence", "decimal"})


def write_parquet_tables(
    reports: YearEndReports,
    folder: str | PathLike[str],
    *,
    ledger: Ledger | None = None,
) -> dict[str, Path]:
    """Write the year end's tidy tables as Parquet files into ``folder`` (created if
    needed), the tables and values of :func:`~pooledledger.io.csv_out.write_csv_tables`.

    Returns ``{table name: path}`` in the order written.  ``ledger`` adds
    ``ledger.parquet`` and ``apportionment.parquet`` (its in-year shares for the
    year); ``issues.parquet`` is written when the close carries issues.  Existing
    files of the same names are replaced.  Text is not neutralised against formula
    injection (see the module docs).  Raises :class:`IssueError` (PL-OUT-001) for a
    whole number outside ``Int64``.
    """
    where = Path(folder)
    where.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    for name, columns, made in year_end_tables(reports, ledger):
        table = made()
        if isinstance(table, FrameChunks):
            table = table.collect()
        path = where / f"{name}.parquet"
        if isinstance(table, Table | Mapping):
            data = table_columns(table) if isinstance(table, Table) else table
            written[name] = write_columns_parquet(columns, data, path)
        else:  # polars columns of the raw values, inside Int64 (books.tables.raw_frame)
            import polars as pl

            table.select(_typed(pl.col(c.name), c).alias(c.name) for c in columns).write_parquet(
                path
            )
            written[name] = path
    return written


def write_table_parquet(table: Table, path: str | PathLike[str]) -> Path:
    """Write one tidy ``table`` to the Parquet file ``path`` (typed as the module says)."""
    return write_columns_parquet(table.columns, table_columns(table), path)


def write_columns_parquet(
    columns: Sequence[Column], data: ColumnData, path: str | PathLike[str]
) -> Path:
    """Write the table given column by column (``data``; a ``decimal`` column holds
    integer pence) to the Parquet file ``path``.

    Raises :class:`IssueError` (PL-OUT-001) and writes nothing if a whole number is
    outside ``Int64``.
    """
    out = Path(path)
    check_int64(columns, data, out.name)
    parquet_frame(columns, data).write_parquet(out)
    return out


def check_int64(columns: Sequence[Column], data: ColumnData, where: str = "") -> None:
    """Raise :class:`IssueError` (PL-OUT-001) if a whole number of ``data`` (pence,
    the pence of an amount, a count) is outside ``Int64``; ``where`` names the file."""
    seen: set[int] = set()
    for c in columns:
        values = data[c.name]
        if c.kind not in _INTEGER_KINDS or id(values) in seen:
            continue
        seen.add(id(values))
        present = [v for v in values if v is not None] if c.nullable else values
        if present and not INT64_MIN <= min(present) <= max(present) <= INT64_MAX:  # type: ignore[type-var, operator]
            row, bad = next(
                (n, v)
                for n, v in enumerate(values, start=1)
                if v is not None and not INT64_MIN <= v <= INT64_MAX  # type: ignore[operator]
            )
            issue = Issue(
                code="PL-OUT-001",
                severity=Severity.ERROR,
                message=f"{bad} is outside the range of a Parquet Int64 column "
                f"({INT64_MIN} to {INT64_MAX}); the table is not written",
                location=Location(file=where or None, row=row, column=c.name),
            )
            raise IssueError([issue], what="the Parquet table")


def table_columns(table: Table) -> dict[str, list[Cell]]:
    """``table`` as :data:`~pooledledger.core.tables.ColumnData`: its columns' values,
    each ``decimal`` column's pounds as integer pence (exact; a pound value with more
    than two places is a :class:`ValueError`)."""
    out: dict[str, list[Cell]] = {}
    for c in table.columns:
        values = table.column(c.name)
        out[c.name] = [_pence(v) for v in values] if c.kind == "decimal" else values
    return out


def _pence(pounds: Cell) -> int | None:
    if pounds is None:
        return None
    if not isinstance(pounds, Decimal):  # pragma: no cover - the tables never do this
        raise TypeError(f"an amount column holds {pounds!r}")
    shifted = pounds.scaleb(2)
    pence = int(shifted)
    if pence != shifted:  # pragma: no cover - the tables hold whole pence only
        raise ValueError(f"the amount {pounds} is not a whole number of pence")
    return pence


def parquet_frame(columns: Sequence[Column], data: ColumnData) -> polars.DataFrame:
    """The table ``data`` as the polars DataFrame written to Parquet: ``String``,
    ``Int64``, ``Decimal(38, 2)`` (from the pence), ``Date`` and ``Boolean``
    columns, named as the columns are, with a null for each missing value."""
    raw, reads = raw_columns(columns, data)
    return raw.select(_typed(read, c).alias(c.name) for read, c in zip(reads, columns, strict=True))


def _typed(value: polars.Expr, column: Column) -> polars.Expr:
    """One column as it is written: pounds as ``Decimal(38, 2)``, exactly the pence
    over 100; empty text in a nullable column as null; anything else as it is."""
    import polars as pl

    if column.kind == "decimal":  # an integer mantissa at scale 2, i.e. pence / 100
        pounds = value.cast(pl.Decimal(38, 2)) / pl.lit(100, pl.Int64)
        return pounds.cast(pl.Decimal(38, 2))
    if column.kind == "str" and column.nullable:
        return pl.when(value == "").then(None).otherwise(value)
    return value
