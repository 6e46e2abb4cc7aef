"""The tidy tables of a year end as CSV files in a folder (layer L5).

:func:`write_csv_tables` writes the tables of :mod:`pooledledger.tables` for one
:class:`~pooledledger.reports.bundle.YearEndReports`, one file each:

==========================  =============================================================
file                        rows
==========================  =============================================================
``shares.csv``              the close: scheme × partner × measure, then partner measures
``settlement_schedule.csv`` one per partner: balance, held, settlement, direction, due
``journals.csv``            one per line of each partner's year-end journal
``ledger.csv``              one per entry (only when ``ledger`` is given)
``apportionment.csv``       one per pool line × partner, in-year shares (with ``ledger``)
``issues.csv``              one per issue (warning) of the ledger checks and the close
                            (only when the close carries any)
==========================  =============================================================

Cells are plain text: amounts as exact pounds with two places (``1234.56``,
``-45789.48``; never a float, no thousands separators, no brackets), pence as whole
numbers, the currency (``GBP``) in its own column, dates as ``YYYY-MM-DD``, flags as
``true``/``false`` and empty cells for missing values.  Every text cell passes
through :func:`~pooledledger.io._cells.neutralise`; numbers never do, so a negative
amount stays a number.  Files are UTF-8 with ``\\r\\n`` line ends (RFC 4180).
The line-level tables are made column by column and written by polars
(:mod:`pooledledger.io.column_csv`), to the same bytes.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from operator import itemgetter
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

from pooledledger.books.apportion import Apportionment, apportion
from pooledledger.books.ledger import Ledger
from pooledledger.books.tables import (
    APPORTIONMENT_COLUMNS,
    LEDGER_COLUMNS,
    apportionment_chunks,
    apportionment_columns,
    journal_table,
    ledger_chunks,
    ledger_columns,
)
from pooledledger.core.tables import (
    Cell,
    Column,
    ColumnData,
    FrameChunks,
    Row,
    Table,
    column_rows,
    issues_table,
)
from pooledledger.io._cells import neutralise
from pooledledger.io.column_csv import fits, write_columns_csv, write_frame_csv
from pooledledger.reports.bundle import YearEndReports
from pooledledger.yearend.tables import close_table, settlement_table

if TYPE_CHECKING:
    import polars

__all__ = ["TableMaker", "csv_cell", "write_csv_tables", "write_table_csv", "year_end_tables"]


def csv_cell(column: Column, value: Cell) -> str:
    """One cell as CSV text (see the module docs); text is neutralised.

    >>> from decimal import Decimal
    >>> csv_cell(Column("amount", "decimal"), Decimal("-45789.48"))
    '-45789.48'
    >>> csv_cell(Column("party", "str"), "=1+1")
    "'=1+1"
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if column.kind != "str":  # pragma: no cover - the tables never do this
        raise TypeError(f"column {column.name!r} ({column.kind}) holds text {value!r}")
    return neutralise(value)


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


def write_table_csv(table: Table, path: str | PathLike[str], *, encoding: str = "utf-8") -> Path:
    """Write ``table`` to the CSV file ``path`` (header row, then one row per fact)."""
    return _write_rows(table.columns, table.rows, path, encoding)


def write_csv_tables(
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
    Existing files of the same names are replaced.  The line-level tables are made
    column by column, with no ``dict`` per row, and written by polars
    (:mod:`pooledledger.io.column_csv`: the same bytes, several times faster).
    """
    where = Path(folder)
    where.mkdir(parents=True, exist_ok=True)
    return {
        name: _write(columns, made(), where / f"{name}.csv", encoding)
        for name, columns, made in year_end_tables(reports, ledger)
    }


#: A table as it is made: row by row, column by column as
#: :data:`~pooledledger.core.tables.ColumnData`, or as polars columns of its raw
#: values (:func:`~pooledledger.books.tables.raw_frame`), whole or a slice at a time.
Made: TypeAlias = "Table | ColumnData | polars.DataFrame | FrameChunks"

#: A table to write: its name, its columns, and a call that makes it.
TableMaker = tuple[str, Sequence[Column], Callable[[], Made]]


def year_end_tables(reports: YearEndReports, ledger: Ledger | None = None) -> list[TableMaker]:
    """The tables :func:`write_csv_tables` writes, in order, each made only when
    called (so one line-level table is let go before the next is made)."""

    def whole(table: Table) -> tuple[Sequence[Column], Callable[[], Made]]:
        return table.columns, lambda: table

    tables: list[TableMaker] = [
        ("shares", *whole(close_table(reports.close))),
        ("settlement_schedule", *whole(settlement_table(reports.close))),
        ("journals", *whole(journal_table(reports.close.journals))),
    ]
    if ledger is not None:
        tables.append(("ledger", LEDGER_COLUMNS, lambda: _ledger(ledger)))
        upto = reports.close.period.end
        tables.append(
            (
                "apportionment",
                APPORTIONMENT_COLUMNS,
                lambda: _apportionment(apportion(ledger, reports.year, upto=upto)),
            )
        )
    if reports.close.issues:
        tables.append(("issues", *whole(issues_table(reports.close.issues))))
    return tables


def _ledger(ledger: Ledger) -> Made:
    """The ledger table: as polars columns, a slice at a time, if the ledger holds
    lines in columns."""
    chunks = ledger_chunks(ledger)
    return ledger_columns(ledger) if chunks is None else chunks


def _apportionment(apportionment: Apportionment) -> Made:
    """The apportionment's lines as polars columns, a slice at a time (as lists if a
    line's pence are out of ``Int64``'s reach)."""
    chunks = apportionment_chunks(apportionment)
    return apportionment_columns(apportionment) if chunks is None else chunks


def _write(columns: Sequence[Column], made: Made, path: Path, encoding: str) -> Path:
    """A small table row by row; one given column by column or as polars columns
    through polars (unless its pence are out of ``Int64``'s reach: then row by row,
    the same bytes)."""
    if isinstance(made, Table):
        return _write_rows(columns, made.rows, path, encoding)
    if not isinstance(made, Mapping):
        return write_frame_csv(columns, made, path, encoding)
    if fits(columns, made):
        return write_columns_csv(columns, made, path, encoding)
    return _write_rows(columns, column_rows(columns, made), path, encoding)
