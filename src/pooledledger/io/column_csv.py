"""A table given column by column, written as CSV by polars (layer L5).

The line-level tables (``ledger.csv``, one row per entry, and ``apportionment.csv``,
one row per pool line × partner) run to hundreds of thousands of rows.  Formatting
them cell by cell in Python (a ``dict`` per row, a call per cell) took most of the
time of writing a close's tables, so :func:`write_columns_csv` takes the table as
:data:`~pooledledger.core.tables.ColumnData` and formats whole columns at once with
polars expressions, then lets polars write the file.  The text is the text
:func:`~pooledledger.io.csv_out.csv_cell` gives, cell for cell, and the file the
bytes :mod:`csv` writes (``QUOTE_MINIMAL``, ``\\r\\n``), as tests/test_csv_columns.py
proves against the row-by-row writer:

* pence and whole numbers: ``Int64``, written by polars as plain digits (exact);
* pounds (a ``decimal`` column holds integer pence): the pence as ``Decimal(38, 2)``
  divided by 100, an integer mantissa at scale 2, which polars writes with exactly
  two places: never a float (``format(Decimal, "f")`` of ``Decimal(pence).scaleb(-2)``
  gives the same text);
* dates as ``Date`` with ``%Y-%m-%d`` (``date.isoformat``); flags as ``Boolean``,
  which polars writes ``true``/``false``;
* text through the same rule as :func:`~pooledledger.io._cells.neutralise` (a
  single quote before a leading ``=``, ``+``, ``-``, ``@``, tab or carriage return);
* an empty cell (``None`` or empty text) is written as nothing: polars writes a null
  as an empty field but quotes an empty string, which :mod:`csv` does not, so empty
  text becomes null first;
* quoting: polars' ``necessary`` style quotes a field holding a comma, a double
  quote, ``\\n`` or ``\\r``, as ``QUOTE_MINIMAL`` does with the ``\\r\\n`` line end.

polars writes UTF-8; any other ``encoding`` (``utf-8-sig``, ``cp1252``…) is applied
by encoding polars' text through Python, as :func:`open` would.  polars is imported
only when a file is written.  Pence outside ±2**62 (never a real ledger) are not put
in an ``Int64``: :func:`fits` says so and the caller writes row by row instead.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from itertools import islice
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pooledledger.core.tables import WHOLE_LIMIT, Column, ColumnData, raw_polars_type
from pooledledger.io._cells import FORMULA_TRIGGERS, neutralise

if TYPE_CHECKING:
    import polars

__all__ = ["fits", "write_columns_csv", "write_frame_csv"]

#: Whole numbers are formatted in ``Int64`` only inside ±LIMIT.
LIMIT = WHOLE_LIMIT

_INTEGER_KINDS = frozenset({"int", "pence", "decimal"})


def fits(columns: Sequence[Column], data: ColumnData) -> bool:
    """Whether every whole number of the table is inside ±2**62 (an ``Int64`` is safe)."""
    for c in columns:
        if c.kind in _INTEGER_KINDS:
            values = data[c.name]
            if c.nullable:
                values = [v for v in values if v is not None]
            if values and not -LIMIT < min(values) <= max(values) < LIMIT:  # type: ignore[type-var, operator]
                return False
    return True


def write_columns_csv(
    columns: Sequence[Column],
    data: ColumnData,
    path: str | PathLike[str],
    encoding: str = "utf-8",
) -> Path:
    """Write the table ``data`` (header, then its rows) to the CSV file ``path``.

    Needs :func:`fits` to hold.  The bytes are those of the row-by-row writer
    (:func:`pooledledger.io.csv_out.write_table_csv`) for the same table.
    ValueError, and no file, if the columns do not all hold as many values.  The
    rows are written, a chunk at a time, to a new file beside ``path`` that then
    takes its place: if anything fails on the way, ``path`` is as it was.
    """
    _check_lengths(columns, data)  # before the file is opened, as polars refused it
    return _write_frames(path, encoding, (_text_frame(columns, c) for c in _chunks(columns, data)))


def write_frame_csv(
    columns: Sequence[Column],
    frame: polars.DataFrame | Iterable[polars.DataFrame],
    path: str | PathLike[str],
    encoding: str = "utf-8",
) -> Path:
    """Write the table ``frame`` holds as raw polars columns
    (:func:`pooledledger.books.tables.raw_frame`: one per column of ``columns``, by
    name) to the CSV file ``path``: the bytes :func:`write_columns_csv` writes for the
    same values, formatted :data:`CHUNK_ROWS` rows at a time, as it does.  ``frame``
    may be the table's rows as frames one after another (at least one:
    :class:`~pooledledger.core.tables.FrameChunks`), each let go once written."""
    import polars as pl

    texts = [_text(pl.col(c.name), c).alias(neutralise(c.name)) for c in columns]
    parts = [frame] if isinstance(frame, pl.DataFrame) else frame
    chunks = (
        part.slice(lo, CHUNK_ROWS)
        for part in parts
        for lo in range(0, max(part.height, 1), CHUNK_ROWS)
    )
    return _write_frames(path, encoding, (chunk.select(texts) for chunk in chunks))


def _write_frames(
    path: str | PathLike[str], encoding: str, frames: Iterator[polars.DataFrame]
) -> Path:
    """Write ``frames`` (the first with the header) to a new file beside ``path``
    that then takes its place: if anything fails on the way, ``path`` is as it was.

    Each frame is written on a second thread while the next is made (polars lets the
    other go on meanwhile): one frame at most waits to be written, and they are
    written in order (docs/benchmarks.md#ninth-round)."""
    out = Path(path)
    utf8 = codecs.lookup(encoding).name == "utf-8"
    part = out.with_name(f".{out.name}.part")
    try:
        with (
            part.open("wb") if utf8 else part.open("w", encoding=encoding, newline="") as f,
            ThreadPoolExecutor(max_workers=1) as writer,
        ):

            def write(frame: polars.DataFrame, header: bool) -> None:
                if utf8:
                    frame.write_csv(f, include_header=header, **_OPTIONS)
                else:
                    f.write(frame.write_csv(include_header=header, **_OPTIONS))

            pending: Future[None] | None = None
            try:
                for n, frame in enumerate(frames):  # made while the one before is written
                    if pending is not None:
                        pending.result()
                    pending = writer.submit(write, frame, n == 0)
                    del frame
            finally:
                if pending is not None:
                    pending.result()
        part.replace(out)
    finally:
        part.unlink(missing_ok=True)
    return out


#: Rows formatted and written at a time: a big table's text is never all in memory
#: at once (docs/benchmarks.md); the file is the same whatever the size.
CHUNK_ROWS = 65_536


def _check_lengths(columns: Sequence[Column], data: ColumnData) -> None:
    """ValueError unless every column holds as many values as the first: a slice
    of each would otherwise hide the difference (the table whole, polars refused it)."""
    rows = len(data[columns[0].name]) if columns else 0
    for c in columns:
        if len(data[c.name]) != rows:
            raise ValueError(
                f"column {c.name!r} holds {len(data[c.name])} values, "
                f"not {rows} as column {columns[0].name!r}"
            )


def _chunks(columns: Sequence[Column], data: ColumnData) -> Iterator[ColumnData]:
    """``data`` in slices of :data:`CHUNK_ROWS` rows (at least one, maybe empty); a
    list given for two columns stays one list in each slice.  A table of one chunk
    is ``data`` itself; a sequence that cannot be sliced (a deque) is read through."""
    rows = len(data[columns[0].name]) if columns else 0
    if rows <= CHUNK_ROWS:
        yield data
        return
    for lo in range(0, rows, CHUNK_ROWS):
        sliced: dict[int, Sequence[Any]] = {}
        chunk: dict[str, Sequence[Any]] = {}
        for c in columns:
            values = data[c.name]
            part = sliced.get(id(values))
            if part is None:
                part = sliced[id(values)] = _part(values, lo)
            chunk[c.name] = part
        yield chunk


def _part(values: Sequence[Any], lo: int) -> Sequence[Any]:
    """The :data:`CHUNK_ROWS` values of ``values`` from place ``lo``."""
    if isinstance(values, list | tuple | range):
        return values[lo : lo + CHUNK_ROWS]
    return list(islice(values, lo, lo + CHUNK_ROWS))


#: How polars writes: ``csv.writer``'s quoting and line end, empty nulls, ISO dates.
_OPTIONS: dict[str, Any] = {
    "line_terminator": "\r\n",
    "quote_style": "necessary",
    "null_value": "",
    "date_format": "%Y-%m-%d",
}


def raw_columns(
    columns: Sequence[Column], data: ColumnData
) -> tuple[polars.DataFrame, list[polars.Expr]]:
    """``data`` as typed polars series (pence, pounds and whole numbers ``Int64``), and
    per column the expression that reads it: a list given for two columns (pence and
    their pounds) goes to polars once.  Shared by the CSV and Parquet writers."""
    import polars as pl

    made: dict[tuple[int, object], str] = {}
    series = []
    for c in columns:
        values, dtype = data[c.name], raw_polars_type(c.kind)
        if (id(values), dtype) not in made:
            made[id(values), dtype] = c.name
            series.append(pl.Series(c.name, values, dtype=dtype, strict=True))
    reads = [pl.col(made[id(data[c.name]), raw_polars_type(c.kind)]) for c in columns]
    return pl.DataFrame(series), reads


def _text_frame(columns: Sequence[Column], data: ColumnData) -> polars.DataFrame:
    """Every column as polars is to write it (null for an empty cell), named as the
    header shows it."""
    raw, reads = raw_columns(columns, data)
    return raw.select(
        _text(read, c).alias(neutralise(c.name)) for read, c in zip(reads, columns, strict=True)
    )


def _text(value: polars.Expr, column: Column) -> polars.Expr:
    """One column as polars writes it to give the text of
    :func:`~pooledledger.io.csv_out.csv_cell`: whole numbers, dates and flags as
    they are (``Int64``, ``Date``, ``Boolean``), pounds as ``Decimal(38, 2)``, text
    neutralised, with empty text made null."""
    import polars as pl

    kind = column.kind
    if kind == "decimal":  # exact: an integer mantissa at scale 2, i.e. pence / 100
        pounds = value.cast(pl.Decimal(38, 2)) / pl.lit(100, pl.Int64)
        return pounds.cast(pl.Decimal(38, 2))
    if kind != "str":
        return value
    formula = value.str.contains(_FORMULA)
    text = pl.when(formula).then(pl.lit("'") + value).otherwise(value)
    return pl.when(value == "").then(None).otherwise(text)


#: Text :func:`~pooledledger.io._cells.neutralise` changes: a formula trigger first.
_FORMULA = "^[" + "".join(sorted(FORMULA_TRIGGERS)).replace("-", "\\-") + "]"
