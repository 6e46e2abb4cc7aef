"""Reading a large, plain CSV file's lines with polars, column by column (layer L5).

The bulk reader (:mod:`pooledledger.io.bulk_rows`) reads a file with the ``csv``
module and checks its cells column by column in Python.  For a large file whose
layout is plain, :func:`read_columns` does the same work in polars: the file is
read in one step, every cell of every expenditure and income line is checked with
column expressions that accept exactly what the bulk reader reads as clean
(docs/csv-import.md#speed), and the lines are kept in the parser's
:class:`~pooledledger.books.line_store.LineStore` as polars columns.  Each entry is
made only if asked for, as for lines the bulk reader keeps.  The other rows
(contributions, instalments, reversals, rows with no known kind) go to the bulk
reader, in line order.

The file is taken only if polars must read it as the ``csv`` module does and every
expenditure and income line is clean: the header is the first line, every line is
one record of exactly the header's width (no line end inside quotes, no blank
line, no lone carriage return, no quote inside a cell), no column map fixes a value
a column also gives, ids are distinct, and every cell reads by the plain rules
below.  Otherwise :func:`read_columns` returns ``None`` having kept nothing, and the
reader reads the file as before, so that each issue is reported exactly as the row
parser reports it.  Plain cells:

* an amount: ``1234.56``, ``-1,234.5``, ``£1,234.56``, ``(£12.00)``, at most 13
  digits of pounds, no spaces;
* an id: ASCII letters, digits, ``_``, ``.``, ``-``, starting with a letter or digit;
* text: no space at either end, not starting with ``#`` or ``'``;
* anything else (dates, schemes, partners, yes/no flags) by the row parser's own
  rules, once for each distinct cell.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from pooledledger.books.line_store import Block
from pooledledger.io.bulk_amounts import _BAD, _EMPTY
from pooledledger.io.bulk_rows import _Cells, add_bulk, entry_kind, make_block
from pooledledger.io.ledger_fields import (
    AMOUNT_FIELDS,
    BOOL_FIELDS,
    DATE_FIELDS,
    MAX_CELL_CHARS,
    TEXT_FIELDS,
)
from pooledledger.io.row_parser import RowParser

if TYPE_CHECKING:
    import polars

__all__ = ["read_columns"]

#: The kinds whose lines are kept in columns.
_STORED = ("expenditure", "income")

#: The whitespace ``str.strip`` takes off: Unicode's, and the four separators
#: ``\x1c``-``\x1f`` that Python counts as space (tests/test_csv_columns.py).
_SPACE = r"[\s\x1c-\x1f]"

# One cell of a plain line: unquoted with no quote or comma, or quoted whole.
_CELL = r'(?:[^",\r\n]*|"[^"\r\n]*")'

_WHOLE = r"(?:\d{1,3}(?:,\d{3})+|\d+)"
#: The amounts the bulk reader reads itself (bulk_amounts._AMOUNT_RE).
_AMOUNT = rf"^(?:-?£?{_WHOLE}(?:\.\d\d?)?|\(£?{_WHOLE}(?:\.\d\d?)?\))$"
#: The ids the bulk reader reads itself (bulk_rows._ID_RE), length apart.
_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
#: At most this many distinct cells in a column read one distinct cell at a time.
_DISTINCT_AT_MOST = 100_000

#: The type of each field read one distinct cell at a time.
_TYPES: dict[str, type] = {
    **dict.fromkeys(DATE_FIELDS, date),
    **dict.fromkeys(BOOL_FIELDS, bool),
    **dict.fromkeys(TEXT_FIELDS, str),
    **dict.fromkeys(("id", "scheme", "partner", "procuring_partner", "paid_by"), str),
}


def read_columns(parser: RowParser, file: str, text: str) -> int | None:
    """Read the file's rows into ``parser`` (whose store keeps the lines); the number
    of rows read, or ``None`` if the file is not plain (see the module), ``parser``
    then spoiled for the caller to read the file another way."""
    if parser.store is None or parser.column_map.header_row != 1:
        return None
    end = text.find("\n")
    first = text[:end].removesuffix("\r")
    if end < 0 or '"' in first or "\r" in first or text.endswith("\r"):
        return None  # a lone carriage return in a data line fails the plain lines' check
    header = next(csv.reader([first]))
    if len(header) < 2 or not parser.start_table(file, header, 1):
        return None
    t = parser.table
    if t is None or t.width != len(header):
        return None
    if "id" not in t.index or "id" in parser.value_maps:
        return None  # one id for every row (a fixed value), or ids mapped
    width = t.width

    def read(span: tuple[int, int]) -> _Part | None:
        frame = _records(text[span[0] : span[1]].encode("utf-8", "surrogatepass"), width)
        return None if frame is None else _Columns(parser, frame).read()

    parts: list[_Part] = []
    # two parts read at once: most of the work is polars', which lets the other go on
    with ThreadPoolExecutor(max_workers=PARTS_AT_ONCE) as pool:
        for part in pool.map(read, _chunks(text, end + 1)):
            if part is None:
                pool.shutdown(cancel_futures=True)
                return None
            parts.append(part)
    return _keep(parser, file, parts) if parts else None


#: Parts of a file read at the same time (docs/benchmarks.md#ninth-round).
PARTS_AT_ONCE = 2


#: Characters of text read at a time: a part's cells are let go once it is read, so
#: the whole file is never held as cells at once (memory).  Two parts of 8 MB read
#: at once hold about as much at a time as one of 32 MB did (docs/benchmarks.md).
CHUNK_CHARS = 1 << 23


def _chunks(text: str, start: int) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` of each part of ``text`` from ``start``: whole lines, each part
    about :data:`CHUNK_CHARS` long."""
    while start < len(text):
        cut = text.find("\n", start + CHUNK_CHARS)
        stop = len(text) if cut < 0 else cut + 1
        yield start, stop
        start = stop


@dataclass
class _Part:
    """One part of a file, read: what is kept once every part is read."""

    rows: int  # the part's data rows
    ids: polars.Series  # every id cell given, for the check that ids are distinct
    blocks: list[Block]  # the expenditure and income lines
    kept: polars.DataFrame  # their ids and places in the part (``at``)
    rest: list[list[str]]  # the other rows' cells
    rest_at: list[int]  # their places in the part


def _keep(parser: RowParser, file: str, parts: list[_Part]) -> int | None:
    """Keep what the parts read (``None``, keeping nothing, if an id repeats): the
    lines in the store, the other rows through the bulk reader, in line order."""
    import polars as pl

    ids = pl.concat([p.ids for p in parts])  # every id given (none null)
    if ids.n_unique() != len(ids):
        return None  # an id repeats: reported by the reader as before (PL-CSV-024/025)
    del ids
    store = parser.store
    assert store is not None
    rest: list[list[str]] = []
    rest_lines: list[int] = []
    kept: list[polars.DataFrame] = []
    done = 0
    for part in parts:
        for block in part.blocks:
            store.add(block)
        kept.append(part.kept.with_columns(pl.col("at").cast(pl.Int64) + (done + 2)))
        rest += part.rest
        rest_lines += [at + done + 2 for at in part.rest_at]
        done += part.rows
    if rest:  # their ids are apart from the kept lines' (checked above)
        add_bulk(parser, [rest], rest_lines)
    lines = pl.concat(kept)
    parser.where.hold(file, lines.to_series(0), lines["at"])
    parser.last_line = done + 1
    return done


#: Anything but a line end (a part holding none has no data row).
_ANY_CELL = re.compile(rb"[^\r\n]")


def _records(data: bytes, width: int) -> polars.DataFrame | None:
    """The data rows, each cell as text (``None`` if empty), row ``i`` at line
    ``i + 2``; ``None`` unless every line is one plain record ``width`` cells wide."""
    import polars as pl

    if _ANY_CELL.search(data) is None:
        return None  # no data row: nothing to gain
    lines = pl.read_csv(
        data,
        has_header=False,
        separator="\x00",  # the text holds none (PL-CSV-007 before this)
        quote_char=None,
        infer_schema=False,
        schema={"line": pl.String},
    )["line"]
    plain = lines.str.contains(rf"^{_CELL}(?:,{_CELL}){{{width - 1}}}\r?$")
    if lines.null_count() or not plain.all():  # a blank line, a line not plain
        return None
    count = len(lines)
    del lines, plain  # let go before the cells are read (memory)
    names = [f"c{i}" for i in range(width)]
    try:
        frame = pl.read_csv(
            data,
            has_header=False,
            infer_schema=False,
            schema=dict.fromkeys(names, pl.String),
        )
    except pl.exceptions.PolarsError:  # pragma: no cover - the lines are plain
        return None
    if len(frame) != count:  # pragma: no cover - the lines are plain
        return None
    # an empty quoted cell ("") is empty, as an unquoted one
    quoted = [n for n, v in frame.select((pl.all() == "").any()).row(0, named=True).items() if v]
    if quoted:
        frame = frame.with_columns(pl.col(n).replace("", None) for n in quoted)
    if frame.select(pl.all_horizontal(pl.all().is_null()).any()).item():
        return None  # a row of empty cells: the bulk reader skips it
    return frame.with_row_index("at")


class _Columns:
    """One plain file's rows being read."""

    def __init__(self, parser: RowParser, frame: polars.DataFrame) -> None:
        self.parser, self.frame = parser, frame
        t = parser.table
        assert t is not None
        self.t = t
        self.cells = _Cells(parser)

    def col(self, pos: int) -> str:
        return f"c{pos}"

    def read(self) -> _Part | None:
        """This part's lines in blocks and its other rows, or None if not plain."""
        t, frame = self.t, self.frame
        ids = frame[self.col(t.index["id"])].drop_nulls()
        if not self._ids_ok(ids):
            return None
        kinds = self._kinds()
        if kinds is None:
            return None
        blocks: list[Block] = []
        for kind in _STORED:
            rows = frame.filter(kinds == kind)
            if len(rows):
                made = self._blocks(kind, rows)
                if made is None:
                    return None
                blocks += made
            del rows
        stored = kinds.is_in(list(_STORED)).fill_null(False)
        rest = frame.filter(~stored)
        return _Part(
            len(frame),
            ids,
            blocks,
            frame.select(self.col(t.index["id"]), "at").filter(stored),
            [[c if c is not None else "" for c in r] for r in rest.drop("at").rows()],
            rest["at"].to_list(),
        )

    def _ids_ok(self, ids: polars.Series) -> bool:
        return bool(ids.str.contains(_ID).all()) and _longest(ids) <= MAX_CELL_CHARS

    def _kinds(self) -> polars.Series | None:
        """Each row's entry kind (null if none is clean)."""
        import polars as pl

        parser, t = self.parser, self.t
        fixed = parser.fixed_values.get("entry")
        n = len(self.frame)
        if fixed is not None:
            return pl.Series("kind", [str(fixed)] * n, dtype=pl.String)
        if "entry" not in t.index:
            return None
        cells = self.frame[self.col(t.index["entry"])]
        distinct = [c for c in cells.unique().to_list() if c is not None]
        if len(distinct) > _DISTINCT_AT_MOST:
            return None
        return cells.replace_strict(
            distinct, [entry_kind(parser, c) for c in distinct], return_dtype=pl.String
        )

    def _blocks(self, kind: str, rows: polars.DataFrame) -> list[Block] | None:
        """The blocks of the lines of ``kind`` (all clean), or None."""
        parser, t = self.parser, self.t
        for pos in (*t.unused[kind], *t.blank_columns):
            cells = rows[self.col(pos)]
            if not (cells.is_null() | cells.str.contains(rf"^{_SPACE}*$")).all():
                return None  # a cell the kind does not use, not empty
        fields: dict[str, polars.Series] = {}
        fixed: dict[str, object] = {}
        for name, pos, required in t.plan[kind]:
            if pos < 0:
                if name in parser.fixed_values:
                    fixed[name] = parser.fixed_values[name]
                    continue
                if required or name in parser.column_map.fixed:
                    return None
                continue
            if name in parser.fixed_values:
                return None
            read = self._field(name, rows[self.col(pos)])
            if read is None or (required and read.null_count()):
                return None
            fields[name] = read.alias(name)
        if kind == "expenditure" and not self._recoverable_ok(fields):
            return None
        return self._grouped(kind, fields, fixed)

    def _field(self, name: str, cells: polars.Series) -> polars.Series | None:
        """The values of one field: amounts in pence, as the bulk reader reads them."""
        if name in AMOUNT_FIELDS:
            return None if name in self.parser.value_maps else _pence(cells)
        if name == "id":
            return cells
        if name in TEXT_FIELDS and name not in self.parser.value_maps:
            return cells if _plain_text(cells) else None
        return self._distinct(name, cells)

    def _distinct(self, name: str, cells: polars.Series) -> polars.Series | None:
        """Each distinct cell read once, by the row parser's rules (dates, schemes)."""
        import polars as pl

        wanted = _TYPES.get(name)
        distinct = [c for c in cells.unique().to_list() if c is not None]
        if wanted is None or len(distinct) > _DISTINCT_AT_MOST:
            return None
        value = self.cells.reader(name)
        values: list[object] = []
        for cell in distinct:
            v = value(cell)
            if v is _EMPTY:
                v = None
            elif v is _BAD or type(v) is not wanted:
                return None
            values.append(v)
        dtype = {date: pl.Date, bool: pl.Boolean, str: pl.String}[wanted]
        if not distinct:
            return pl.repeat(None, len(cells), dtype=dtype, eager=True).alias(cells.name)
        return cells.replace_strict(distinct, values, return_dtype=dtype)

    def _recoverable_ok(self, fields: dict[str, polars.Series]) -> bool:
        """Every recoverable VAT between nothing and the VAT (``PL-CSV-030``)."""
        import polars as pl

        rec = fields.get("vat_recoverable")
        if rec is None:
            return True
        vat = fields["vat"] if "vat" in fields else pl.Series([None] * len(rec), dtype=pl.Int64)
        v = pl.col("vat").fill_null(0)
        ok = pl.col("rec").is_null() | pl.col("rec").is_between(
            pl.min_horizontal(v, pl.lit(0)), pl.max_horizontal(v, pl.lit(0))
        )
        return bool(pl.DataFrame({"rec": rec, "vat": vat}).select(ok.all()).item())

    def _grouped(
        self, kind: str, fields: dict[str, polars.Series], fixed: dict[str, object]
    ) -> list[Block]:
        """One block per set of fields the lines leave empty (as the bulk reader)."""
        import polars as pl

        frame = pl.DataFrame(list(fields.values()))
        mixed = [n for n, s in fields.items() if s.null_count()]
        mask = pl.lit(0, dtype=pl.Int64)
        for bit, name in enumerate(mixed):
            mask = mask + pl.col(name).is_null().cast(pl.Int64) * (1 << bit)
        groups = frame.with_columns(mask.alias("_mask")).partition_by(
            "_mask", maintain_order=True, as_dict=True
        )
        blocks = []
        for (bits,), group in groups.items():
            empty = {n for bit, n in enumerate(mixed) if int(bits) >> bit & 1}
            names = [n for n in fields if n not in empty]
            columns = [group[n] for n in names]
            money = [k for k, n in enumerate(names) if n in AMOUNT_FIELDS]
            pence = {n: group[n] for n in names if n in AMOUNT_FIELDS}
            blocks.append(make_block(kind, names, columns, fixed, pence, money, series=True))
        return blocks


def _plain_text(cells: polars.Series) -> bool:
    """Every cell text the bulk reader keeps as written (no space at an end, no
    ``#`` or ``'`` first, not too long)."""
    given = cells.drop_nulls()
    if not len(given):
        return True
    odd = given.str.contains(rf"^(?:{_SPACE}|[#'])|{_SPACE}$").any()
    return not odd and _longest(given) <= MAX_CELL_CHARS


def _longest(cells: polars.Series) -> int:
    """The most characters a cell of ``cells`` (none null) holds."""
    longest = cells.str.len_chars().max()
    return longest if isinstance(longest, int) else 0


def _pence(cells: polars.Series) -> polars.Series | None:
    """Each amount's pence (Int64, null if empty); None if one is not plain."""
    import polars as pl

    given = cells.drop_nulls()
    if len(given) and not given.str.contains(_AMOUNT).all():
        return None
    parts = cells.str.replace_all(r"[^0-9.]", "").str.split_exact(".", 1).struct
    whole, frac = parts.field("field_0"), parts.field("field_1")
    if _longest(whole.drop_nulls()) > 13:
        return None  # beyond what the bulk reader reads itself (PL-CSV-036 there)
    cents = frac.str.pad_end(2, "0").cast(pl.Int64).fill_null(0)
    pence = whole.cast(pl.Int64) * 100 + cents
    negative = cells.str.starts_with("-") | cells.str.starts_with("(")
    return pl.select(pl.when(negative).then(-pence).otherwise(pence)).to_series()
