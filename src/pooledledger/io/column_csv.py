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

* pence and whole numbers: ``Int64`` cast to text (exact);
* pounds (a ``decimal`` column holds integer pence): sign, whole pounds and two
  zero-padded pence, all integer arithmetic: never a float (``format(Decimal, "f")``
  of ``Decimal(pence).scaleb(-2)`` gives the same text);
* dates ``%Y-%m-%d`` (``date.isoformat``); flags ``true``/``false``;
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
from collections.abc import Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from pooledledger.core.tables import Column, ColumnData
from pooledledger.io._cells import FORMULA_TRIGGERS, neutralise

if TYPE_CHECKING:
    import polars

__all__ = ["fits", "write_columns_csv"]

#: Whole numbers are formatted in ``Int64`` only inside ±LIMIT (so ``abs`` cannot wrap).
LIMIT = 2**62

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
    """
    out = Path(path)
    frame = _text_frame(columns, data)
    if codecs.lookup(encoding).name == "utf-8":
        frame.write_csv(out, line_terminator="\r\n", quote_style="necessary", null_value="")
    else:
        text = frame.write_csv(line_terminator="\r\n", quote_style="necessary", null_value="")
        with out.open("w", encoding=encoding, newline="") as f:
            f.write(text)
    return out


def _text_frame(columns: Sequence[Column], data: ColumnData) -> polars.DataFrame:
    """Every column as the text of its cells (null for an empty cell), named as the
    header shows it."""
    import polars as pl

    dtypes = {
        "str": pl.String,
        "int": pl.Int64,
        "pence": pl.Int64,
        "decimal": pl.Int64,
        "date": pl.Date,
        "bool": pl.Boolean,
    }
    raw = pl.DataFrame(
        [pl.Series(c.name, data[c.name], dtype=dtypes[c.kind], strict=True) for c in columns]
    )
    texts = [_text(pl.col(c.name), c).alias(neutralise(c.name)) for c in columns]
    return raw.select(texts)


def _text(value: polars.Expr, column: Column) -> polars.Expr:
    """One column's cells as text, as :func:`~pooledledger.io.csv_out.csv_cell` has them."""
    import polars as pl

    kind = column.kind
    if kind in ("int", "pence"):
        return value.cast(pl.String)
    if kind == "decimal":
        size = value.abs()
        sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
        pence = (size % 100).cast(pl.String).str.zfill(2)
        return pl.concat_str(sign, (size // 100).cast(pl.String), pl.lit("."), pence)
    if kind == "date":
        return value.dt.to_string("%Y-%m-%d")
    if kind == "bool":
        return pl.when(value).then(pl.lit("true")).when(~value).then(pl.lit("false"))
    triggers = "".join(sorted(FORMULA_TRIGGERS))
    formula = value.str.slice(0, 1).is_in(list(triggers))
    text = pl.when(formula).then(pl.lit("'") + value).otherwise(value)
    return pl.when(value == "").then(None).otherwise(text)
