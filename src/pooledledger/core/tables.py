"""Tidy tables and their DataFrames (layer L0): the shape every result's table takes.

A :class:`Table` is named, typed columns and one row per fact (a ``dict`` per row),
ready for a spreadsheet, a CSV file or a DataFrame.  No value is ever a float: an
amount is integer pence (``pence`` columns) with an exact ``Decimal`` twin in
pounds (``amount`` columns, two decimal places) and a ``currency`` column
(``"GBP"``).

:func:`to_pandas` and :func:`to_polars` build a DataFrame from any table (``pence``
as ``int64``, ``amount`` as ``Decimal``: ``object`` holding ``decimal.Decimal`` in
pandas, ``Decimal(38, 2)`` in polars); they import pandas or polars only when
called.  The tables of a ledger, an apportionment and journals are built in
:mod:`pooledledger.books.tables`, those of a close in
:mod:`pooledledger.yearend.tables`; :mod:`pooledledger.tables` gathers them all
(docs/excel-and-dataframes.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pooledledger.core.errors import Issue
from pooledledger.core.money import GBP

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = [
    "AMOUNT_COLUMNS",
    "CURRENCY",
    "CURRENCY_COLUMN",
    "ISSUE_COLUMNS",
    "WHOLE_LIMIT",
    "Cell",
    "Column",
    "ColumnData",
    "ColumnKind",
    "FrameChunks",
    "Row",
    "Table",
    "column_rows",
    "gather_rows",
    "in_whole_limit",
    "issues_table",
    "make_table",
    "money_columns",
    "raw_polars_type",
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

#: A table given column by column (a line-level table is made and written this way,
#: with no ``dict`` per row): column name → its cells in row order, except that a
#: ``decimal`` column holds its amounts as integer pence (often the very list of its
#: ``pence`` twin), turned into exact pounds only where a cell is shown.
ColumnData = Mapping[str, Sequence[Cell]]

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


def money_columns(prefix: str) -> tuple[Column, Column]:
    """A ``<prefix>_pence`` int column and its exact ``<prefix>`` Decimal twin."""
    return Column(f"{prefix}_pence", "pence"), Column(prefix, "decimal")


AMOUNT_COLUMNS = (Column("pence", "pence"), Column("amount", "decimal"))

#: Whole numbers a table's columns hold in polars ``Int64`` only inside ±WHOLE_LIMIT
#: (a table with one beyond is written row by row, docs/excel-and-dataframes.md).
WHOLE_LIMIT = 2**62


def in_whole_limit(values: Iterable[Cell]) -> bool:
    """Whether every whole number among ``values`` is inside ±:data:`WHOLE_LIMIT`."""
    return all(
        -WHOLE_LIMIT < v < WHOLE_LIMIT
        for v in values
        if isinstance(v, int) and not isinstance(v, bool)
    )


CURRENCY_COLUMN = Column("currency", "str")


def raw_polars_type(kind: ColumnKind) -> Any:
    """The polars type that holds a column of ``kind``'s raw values: ``String``,
    ``Date``, ``Boolean``, else ``Int64`` (whole numbers, pence, and a ``decimal``
    column's pence, inside ±:data:`WHOLE_LIMIT`)."""
    import polars as pl

    return {"str": pl.String, "date": pl.Date, "bool": pl.Boolean}.get(kind, pl.Int64)


class FrameChunks:
    """A large table as polars frames of its raw values
    (:func:`~pooledledger.books.tables.raw_frame`), made one after another when
    iterated: the CSV writer writes each and lets it go, so the whole table is never
    in memory at once (docs/benchmarks.md#eighth-round).  Iterating gives at least
    one frame (of no rows for an empty table); :meth:`collect` gives them as one."""

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], Iterator[polars.DataFrame]]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[polars.DataFrame]:
        return self._make()

    def collect(self) -> polars.DataFrame:
        """The frames as one."""
        import polars as pl

        return pl.concat(list(self), how="vertical")


def gather_rows(frame: polars.DataFrame, at: polars.Series) -> polars.DataFrame:
    """``frame.select(pl.all().gather(at))``: the rows at places ``at``, in that order.

    A frame made by stacking frames (``pl.concat``) holds each column in pieces, and
    a gather across the pieces takes several times as long as one from a single
    piece (docs/benchmarks.md#ninth-round).  When every column is in the same pieces,
    each piece's rows are gathered from it alone and then put in order, with no copy
    of the whole frame made."""
    import polars as pl

    pieces = [frame.get_column(c).chunk_lengths() for c in frame.columns]
    lengths = pieces[0] if pieces else []
    if len(lengths) < 2 or any(p != lengths for p in pieces):
        return frame.select(pl.all().gather(at))
    starts = [0]
    for n in lengths[:-1]:
        starts.append(starts[-1] + n)
    which = pl.Series(starts, dtype=pl.Int64).search_sorted(at.cast(pl.Int64), side="right") - 1
    parts = [
        frame.slice(start, n).select(pl.all().gather(at.filter(which == k) - start))
        for k, (start, n) in enumerate(zip(starts, lengths, strict=True))
    ]
    parts = [p for p in parts if p.height] or parts[:1]
    if len(parts) == 1:
        return parts[0]
    stacked = pl.concat(parts, how="vertical", rechunk=True)  # by piece, each in order
    places = pl.DataFrame({"piece": which, "i": pl.int_range(0, len(at), eager=True)})
    origin = places.sort("piece", maintain_order=True)["i"]  # each stacked row's place
    return stacked.select(pl.all().gather(origin.arg_sort()))


def make_table(name: str, columns: Sequence[Column], rows: Sequence[Row]) -> Table:
    names = [c.name for c in columns]
    for r in rows:  # pragma: no branch - a guard on this module's own code
        if list(r) != names:  # pragma: no cover
            raise AssertionError(f"row {r!r} does not match the columns of {name}")
    return Table(name, tuple(columns), tuple(rows))


def column_rows(columns: Sequence[Column], data: ColumnData) -> Iterator[Row]:
    """The rows of a table given as :data:`ColumnData`, one at a time (pence in a
    ``decimal`` column become exact pounds: ``Decimal(pence).scaleb(-2)``)."""
    names = [c.name for c in columns]
    pounds = [c.kind == "decimal" for c in columns]
    if not any(pounds):
        for values in zip(*(data[n] for n in names), strict=True):
            yield dict(zip(names, values, strict=True))
        return
    for values in zip(*(data[n] for n in names), strict=True):
        yield {
            n: Decimal(v).scaleb(-2) if money and v is not None else v
            for n, v, money in zip(names, values, pounds, strict=True)
        }


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
    return make_table("issues", ISSUE_COLUMNS, rows)


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
