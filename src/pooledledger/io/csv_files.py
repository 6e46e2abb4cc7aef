"""Reading ledger entries from CSV files, one row per entry (layer L5).

The layout is documented in docs/csv-import.md.  In short: a header row, then one
row per entry; the ``entry`` column names the kind (``contribution``,
``instalment``, ``expenditure``, ``income``, ``reversal``) and the other columns
are the entry fields of :mod:`pooledledger.model.entries` under their own names
(``id``, ``scheme``, ``partner``, ``date``, ``net``, ``vat``, ...).  An empty cell
means "not given".  A :class:`ColumnMap` renames columns for a file laid out
differently (a finance-system export), fixes values for every row (e.g. every
row is an ``expenditure``) and can name a day-first date format.

:func:`read_ledger_csv` never raises on bad data.  It reports every bad row, each
with the file, its physical line (the header is line 1), the column and a
``PL-CSV-0xx`` code, and imports nothing (``None``) if any is an error.  If every
row is good it builds the :class:`~pooledledger.books.ledger.Ledger` and runs
:func:`~pooledledger.yearend.checks.check_ledger`, naming each issue's file and line.

A cell may hold at most :data:`MAX_CELL_CHARS` (32,767) characters, as an Excel
cell does; a longer one is ``PL-CSV-043`` (docs/csv-import.md#limits).

The row parser (:class:`RowParser`) works over rows of cells that are strings
(CSV) or spreadsheet values (``int``, ``float``, ``datetime``, ``bool``,
``None``); :mod:`pooledledger.io.excel_files` uses the same parser.

This module is the CSV reader itself; the parts it is made of live beside it and
their public names are importable from here too: the fields of a row
(:mod:`pooledledger.io.ledger_fields`), column maps
(:mod:`pooledledger.io.column_maps`), cells (:mod:`pooledledger.io.cell_values`),
the header (:mod:`pooledledger.io.ledger_header`), debit/credit signs
(:mod:`pooledledger.io.debit_credit`), the row parser
(:mod:`pooledledger.io.row_parser`), its checks across rows
(:mod:`pooledledger.io.entry_checks`) and its issues
(:mod:`pooledledger.io.row_issues`).

Speed: the file's records are read at once and its data rows are checked column
by column (:mod:`pooledledger.io.bulk_rows`); the rows that are not entirely clean,
and every row under a column map with ``[amounts]``, go through the row parser,
in line order, so the issues are the row parser's.  Cells are checked exactly and
the entries are built without a second validation.  See docs/csv-import.md#speed
and docs/benchmarks.md for figures.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

from pooledledger.books.ledger import Ledger
from pooledledger.books.line_store import LineStore
from pooledledger.core.errors import Issue, IssueError, Location, Severity
from pooledledger.core.gc_pause import gc_paused
from pooledledger.io.agreement_files import MAX_PENCE
from pooledledger.io.bulk_rows import add_bulk, bulk_ready
from pooledledger.io.cell_values import parse_amount_cell, parse_pounds
from pooledledger.io.column_maps import AmountSides, ColumnMap, load_column_map
from pooledledger.io.csv_columns import read_columns
from pooledledger.io.ledger_fields import ENTRY_FIELDS, MAIN_AMOUNT, MAX_CELL_CHARS, SKIP
from pooledledger.io.row_parser import PROGRESS_EVERY, LedgerChecks, RowParser
from pooledledger.model.agreement import Agreement
from pooledledger.yearend.checks import check_ledger

__all__ = [
    "ENTRY_FIELDS",
    "MAIN_AMOUNT",
    "MAX_CELL_CHARS",
    "MAX_PENCE",
    "PROGRESS_EVERY",
    "SKIP",
    "AmountSides",
    "ColumnMap",
    "LedgerChecks",
    "RowParser",
    "count_csv_rows",
    "gc_paused",
    "load_column_map",
    "load_ledger_csv",
    "parse_amount_cell",
    "parse_pounds",
    "read_ledger_csv",
]

#: The csv module's own per-field limit while a ledger is read: far above
#: :data:`MAX_CELL_CHARS`, so a long cell is reported by its row and column.
_CSV_FIELD_LIMIT = 2**31 - 1


# -- CSV files -------------------------------------------------------------------


def _issue(code: str, message: str, file: str, line: int | None = None) -> Issue:
    return Issue(
        code=code, severity=Severity.ERROR, message=message, location=Location(file=file, row=line)
    )


def _csv_rows(text: str, at: list[int] | None = None) -> Iterable[tuple[int, list[str]]]:
    """``(first physical line, cells)`` for each CSV record (csv.Error propagates).

    ``at[0]``, if given, is kept at the first line of the record being read, so a
    csv.Error can name where the bad record starts.
    """
    reader = csv.reader(_text_lines(text), strict=True)
    if at is None:
        at = [1]
    at[0] = 1
    with _field_limit(_CSV_FIELD_LIMIT):
        for cells in reader:
            yield at[0], cells
            at[0] = reader.line_num + 1


def _text_lines(text: str) -> io.TextIOWrapper:
    """The lines of ``text`` as a file opened with ``newline=""`` gives them (each
    ending at ``\n``, ``\r\n`` or ``\r``, kept as written), for the csv module.

    Read from the text's UTF-8 bytes: ``io.StringIO(text)`` would hold a copy of the
    text at 4 bytes a character (nearly 500 MB for a 1,000,000-line file), the bytes
    take one a character for the usual ASCII file (docs/benchmarks.md).
    """
    raw = io.BytesIO(text.encode("utf-8", "surrogatepass"))
    return io.TextIOWrapper(raw, encoding="utf-8", errors="surrogatepass", newline="")


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    """Raise the csv module's per-field limit while a file is read (restored after)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limit))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def read_ledger_csv(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    column_map: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
    checks: LedgerChecks = check_ledger,
) -> tuple[Ledger | None, list[Issue]]:
    """Read a ledger CSV file against ``agreement``; never raises on bad data.

    Returns ``(ledger, issues)``; the ledger is ``None`` if any issue is an error.
    ``progress``, if given, is called with the number of data rows read so far
    every 10,000 rows and once at the end (see :func:`count_csv_rows` for the total).
    ``checks`` are the ledger checks run on the entries read (default: all of
    :func:`~pooledledger.yearend.checks.check_ledger`).
    """
    return _read_ledger_csv(agreement, source, column_map, progress, checks)


def _read_ledger_csv(
    agreement: Agreement,
    source: str | os.PathLike[str],
    column_map: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
    checks: LedgerChecks = check_ledger,
    *,
    bulk: bool = True,
) -> tuple[Ledger | None, list[Issue]]:
    """:func:`read_ledger_csv`; ``bulk=False`` reads every row with the row parser
    alone, as the reference the bulk reader is tested against."""
    path = Path(source)
    file = str(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return None, [_issue("PL-CSV-001", f"cannot read the file: {exc}", file)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, [
            _issue(
                "PL-CSV-002",
                f"the file is not UTF-8 text (byte {data[exc.start]:#04x} at line {line}); "
                "save it as 'CSV UTF-8'",
                file,
                line,
            )
        ]
    del data
    with gc_paused():
        return _read_csv_text(agreement, file, text, column_map, progress, checks, bulk=bulk)


def _has_nul_byte(parser: RowParser, file: str, text: str) -> bool:
    """True (``PL-CSV-007``) if the text holds a NUL byte: not a text CSV file."""
    nul = text.find("\x00")
    if nul < 0:
        return False
    line = text.count("\n", 0, nul) + 1
    parser.log.error(
        "PL-CSV-007",
        f"the file holds a NUL byte (at line {line}): it is not a text CSV file; "
        "save it again as 'CSV UTF-8'",
        file,
        line,
        None,
    )
    return True


def _header_row(
    parser: RowParser, file: str, rows: Iterator[tuple[int, list[str]]], at: list[int]
) -> tuple[int, list[str]] | None:
    """Skip a title block; the header row, or None if there is none or not comma-separated."""
    skip = parser.column_map.header_row - 1  # a report's title block above the header
    for _ in range(skip):
        if next(rows, None) is None:
            break
    first = next(rows, None)
    if first is None:
        where = f"no row {skip + 1} to hold the header" if skip else "no header row"
        parser.log.error("PL-CSV-003", f"the file is empty: {where}", file, at[0], None)
        return None
    line, header = first
    sep = next((c for c in (";", "\t", "|") if len(header) == 1 and c in header[0]), None)
    if sep is not None:
        shown = "a tab" if sep == "\t" else repr(sep)
        parser.log.error(
            "PL-CSV-007",
            f"the cells are separated by {shown}, not commas: save the file as "
            "comma-separated CSV ('CSV UTF-8')",
            file,
            line,
            None,
        )
        return None
    return first


def _read_csv_text(
    agreement: Agreement,
    file: str,
    text: str,
    column_map: ColumnMap | None,
    progress: Callable[[int], None] | None,
    checks: LedgerChecks = check_ledger,
    *,
    bulk: bool = True,
) -> tuple[Ledger | None, list[Issue]]:
    """Read the file's text; ``bulk=False`` reads every row with the row parser alone
    (the reference the bulk reader is tested against)."""
    parser = RowParser(column_map)
    if _has_nul_byte(parser, file, text):
        return None, parser.issues
    if bulk and bulk_ready(parser.column_map):
        progress = _onward(progress)
        done: int | None = None
        if text.count("\n", 0, _STORE_SCAN) >= STORE_FROM or len(text) > _STORE_SCAN:
            parser.store = LineStore()  # clean lines in columns, made when asked for
            done = read_columns(parser, file, text)  # a plain file, read by polars
            if done is None:  # not plain: read as below, from the start
                parser = RowParser(column_map)
                parser.store = LineStore()
            elif progress is not None:
                for n in (*range(PROGRESS_EVERY, done + 1, PROGRESS_EVERY), done):
                    progress(n)
        if done is None:
            done = _read_records(parser, file, text, progress)
        if done is not None:
            if parser.table is None:
                return None, parser.issues
            return parser.finish(agreement, checks)
        # malformed CSV, or no header: the row parser reads it all, from the start
        parser = RowParser(column_map)
    return _read_rows(agreement, parser, file, text, progress, checks)


#: From this many lines a file's clean expenditure and income lines are held in
#: columns, their entries made when first asked for (docs/csv-import.md); a smaller
#: file's entries are made as it is read (polars, which the columns need, would cost
#: more than it saves).
STORE_FROM = 20_000
#: Characters of a file looked at for :data:`STORE_FROM` lines: a longer file has them.
_STORE_SCAN = 4_000_000

#: Data rows read and turned into entries at a time by the bulk reader: a batch's
#: rows are let go before the next is read, so a big file is never all in memory
#: as rows of cells at once (docs/benchmarks.md).
BULK_BATCH = 50_000


def _read_records(
    parser: RowParser,
    file: str,
    text: str,
    progress: Callable[[int], None] | None,
) -> int | None:
    """Read the file's records in batches: the header row, then the data rows in bulk.

    The number of rows read; None if the CSV is malformed (``csv.Error``, anywhere)
    or has fewer records than the header row's number, for the row parser to read
    and report from the start (``parser`` is then spoiled).
    """
    reader = csv.reader(_text_lines(text), strict=True)
    lines = _Lines(text)
    at = 0  # records read
    done = 0
    with _field_limit(_CSV_FIELD_LIMIT):
        try:
            start = parser.column_map.header_row
            head = list(islice(reader, start))
            if len(head) < start:
                return None
            head_lines = lines.of(0, head, reader.line_num)
            first = _header_row(parser, file, iter(zip(head_lines, head, strict=True)), [1])
            if first is None:
                return 0
            line, header = first
            at = len(head)
            if parser.start_table(file, header, line):
                while batch := list(islice(reader, BULK_BATCH)):
                    where = lines.of(at, batch, reader.line_num)
                    at += len(batch)
                    done = add_bulk(parser, [batch], where, progress, done)
        except csv.Error:
            return None
    if progress is not None:
        progress(done)
    return done


class _Lines:
    """The first physical line of each record of a CSV text, as the records are read."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.last = 0  # the reader's line number after the records so far
        self.every: list[int] | None = None  # each record's, once a record spans lines

    def of(self, at: int, records: Sequence[list[str]], line_num: int) -> Sequence[int]:
        """The lines of ``records``, the file's from number ``at`` (from 0), after
        which the reader is at ``line_num``; csv.Error if the text is malformed."""
        before, self.last = self.last, line_num
        if self.every is None and line_num - before == len(records):  # one line each
            return range(before + 1, line_num + 1)
        if self.every is None:
            self.every = [line for line, _ in _csv_rows(self.text)]
        return self.every[at : at + len(records)]


def _onward(progress: Callable[[int], None] | None) -> Callable[[int], None] | None:
    """``progress``, called only with counts past the highest it was called with."""
    if progress is None:
        return None
    high = [-1]

    def call(done: int) -> None:
        if done > high[0]:
            high[0] = done
            progress(done)

    return call


def _read_rows(
    agreement: Agreement,
    parser: RowParser,
    file: str,
    text: str,
    progress: Callable[[int], None] | None,
    checks: LedgerChecks,
) -> tuple[Ledger | None, list[Issue]]:
    """Read a file's text one row at a time with the row parser."""
    at = [1]
    rows = iter(_csv_rows(text, at))
    done = 0
    try:
        first = _header_row(parser, file, rows, at)
        if first is None:
            return None, parser.issues
        line, header = first
        if parser.start_table(file, header, line):
            done = parser.add_rows(rows, progress)
    except csv.Error as exc:
        parser.log.error(
            "PL-CSV-007",
            f"the CSV is malformed in the row starting at line {at[0]}: {exc}",
            file,
            at[0],
            None,
        )
        return None, parser.issues
    if progress is not None:
        progress(done)
    if parser.table is None:
        return None, parser.issues
    return parser.finish(agreement, checks)


def load_ledger_csv(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    column_map: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Read a ledger CSV file; any error raises :class:`~pooledledger.core.errors.IssueError`."""
    ledger, issues = read_ledger_csv(agreement, source, column_map=column_map, progress=progress)
    if ledger is None:
        raise IssueError(issues, what=f"ledger {source}")
    return ledger


def count_csv_rows(source: str | os.PathLike[str]) -> int:
    """A cheap count of the data rows in a CSV file, for a progress bar's length.

    Counts lines after the header (a quoted cell spanning lines counts more than
    once, so this is an upper bound); ``0`` if the file cannot be read.
    """
    lines = 0
    last = b"\n"
    try:
        with open(source, "rb") as fh:
            while chunk := fh.read(1 << 20):
                lines += chunk.count(b"\n")
                last = chunk[-1:]
    except OSError:
        return 0
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)
