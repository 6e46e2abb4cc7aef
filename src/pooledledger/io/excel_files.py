"""Reading ledger entries from Excel workbooks (``.xlsx``, layer L5).

Each sheet holds the same layout as a ledger CSV file (docs/csv-import.md): a
header in row 1, then one row per entry.  With no ``sheet`` named, every sheet
whose header has an ``id`` and an ``entry`` column (or a fixed ``entry`` in the
column map) is read, e.g. a "Contributions" sheet and a "Ledger" sheet; other
sheets are skipped with an info issue (``PL-CSV-035``).

Cells keep their spreadsheet types: numbers come from openpyxl as ``int`` or
``float`` and are turned into exact pence through their shortest ``repr``
(a number that is not a whole number of pence is refused, ``PL-CSV-016``); date
cells come as ``datetime`` and must have no time of day.  Rows are parsed by the
same :class:`~pooledledger.io.csv_files.RowParser` as CSV files; an issue's
``file`` is ``book.xlsx[Sheet]`` and its ``row`` is the sheet's row number.

Nothing is lost silently (docs/csv-import.md#excel-workbooks):

* every row of a sheet is read, whatever used range (``<dimension ref=...>``)
  the workbook declares: some exporters write ``A1`` or a range that stops short;
* a formula with no calculated value is an error wherever it is (``PL-CSV-013``
  in a required cell, ``PL-CSV-042`` in an optional one), not an empty cell;
* merged cells that cover data rows are an error (``PL-CSV-041``): only the
  top-left cell of a merged range holds its value, so the other rows of the
  range would silently read as empty.

Formulas and merged ranges are found by one pass over the sheet's XML text, so
a workbook without them costs a fast byte scan and nothing more.
"""

from __future__ import annotations

import html
import os
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import Issue, IssueError, Location, Severity, has_errors
from pooledledger.io.csv_files import ColumnMap, LedgerChecks, RowParser, gc_paused
from pooledledger.model.agreement import Agreement
from pooledledger.yearend.checks import check_ledger

__all__ = ["count_excel_rows", "load_ledger_excel", "read_ledger_excel"]


def _issue(code: str, message: str, file: str, severity: Severity = Severity.ERROR) -> Issue:
    return Issue(code=code, severity=severity, message=message, location=Location(file=file))


def _numbered(rows: Iterable[Sequence[Any]], start: int) -> Iterator[tuple[int, Sequence[Any]]]:
    return ((n, r) for n, r in enumerate(rows, start))


def read_ledger_excel(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    column_map: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
    checks: LedgerChecks = check_ledger,
) -> tuple[Ledger | None, list[Issue]]:
    """Read ledger entries from an ``.xlsx`` workbook; never raises on bad data.

    ``sheet`` names the one sheet to read; without it every sheet with a ledger
    header is read.  Returns ``(ledger, issues)`` as
    :func:`~pooledledger.io.csv_files.read_ledger_csv` does; ``checks`` as there.
    """
    import openpyxl  # imported here: only Excel users pay for it

    path = Path(source)
    file = str(path)
    try:
        handle = path.open("rb")
    except OSError as exc:
        return None, [_issue("PL-CSV-001", f"cannot read the workbook: {exc}", file)]
    # our own handle, closed here even when openpyxl fails half way through opening
    with handle:
        try:
            book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises what its zip and XML readers raise
            return None, [_damaged(file, exc)]
        try:
            with gc_paused():
                return _read_book(agreement, book, file, sheet, column_map, progress, checks)
        except _DamagedWorkbookError as exc:
            return None, [_damaged(file, exc)]


class _DamagedWorkbookError(Exception):
    """openpyxl failed while reading a part of the workbook (its XML is broken)."""


def _guarded(rows: Iterator[Sequence[Any]]) -> Iterator[Sequence[Any]]:
    """``rows`` with any failure inside openpyxl turned into :class:`_DamagedWorkbookError`.

    openpyxl parses a sheet's XML lazily as rows are read, so a damaged sheet
    fails half way through with whatever its XML parser raises; only openpyxl's own
    step is guarded, never our parsing of the cells.
    """
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:
            raise _DamagedWorkbookError(str(exc) or type(exc).__name__) from exc
        yield row


def _damaged(file: str, exc: BaseException) -> Issue:
    reason = "it is not an .xlsx file" if isinstance(exc, zipfile.BadZipFile) else str(exc)
    return _issue(
        "PL-CSV-001",
        f"cannot read the workbook: it is damaged or not an Excel workbook ({reason}); "
        "open it in Excel or LibreOffice and save it again as .xlsx",
        file,
    )


# -- the sheet's XML: formulas without values, merged ranges ------------------------

_CHUNK = 1 << 22
_CELL_RE = re.compile(rb"<(?:\w+:)?c(\s[^>]*?)?(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
_REF_RE = re.compile(rb'\sr="([A-Z]{1,3})([0-9]+)"')
_TYPE_RE = re.compile(rb'\st="([a-zA-Z]+)"')
_FORMULA_RE = re.compile(rb"<(?:\w+:)?f(?:\s[^>]*)?(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
_VALUE_RE = re.compile(rb"<(?:\w+:)?v(?:\s[^>]*)?(?:/>|>(.*?)</(?:\w+:)?v>)", re.DOTALL)
_HAS_FORMULA_RE = re.compile(rb"<(?:\w+:)?f[\s>/]")
_MERGE_RE = re.compile(
    rb'<(?:\w+:)?mergeCell\s[^>]*?ref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"'
)


def _column_number(letters: bytes) -> int:
    n = 0
    for c in letters:
        n = n * 26 + (c - 64)
    return n


@dataclass(slots=True)
class _SheetScan:
    """What the values-only read of a sheet cannot see."""

    #: (row, column number) -> the formula text, for formula cells with no value
    uncached: dict[tuple[int, int], str] = field(default_factory=dict)
    #: merged ranges as (first row, first column, last row, last column), 1-based
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)


def _scan_chunk(data: bytes, scan: _SheetScan) -> None:
    if (b"<f" in data or b":f" in data) and _HAS_FORMULA_RE.search(data) is not None:
        for m in _CELL_RE.finditer(data):
            body = m[2]
            if not body:
                continue
            f = _FORMULA_RE.search(body)
            if f is None:
                continue
            v = _VALUE_RE.search(body)
            attrs = m[1] or b""
            kind = _TYPE_RE.search(attrs)
            if v is not None and (v[1] or (kind is not None and kind[1] in (b"str", b"s"))):
                continue  # a calculated value (an empty text result counts)
            ref = _REF_RE.search(attrs)
            if ref is None:
                continue  # a cell without a reference: it cannot be named
            formula = html.unescape((f[1] or b"").decode("utf-8", "replace"))
            scan.uncached[int(ref[2]), _column_number(ref[1])] = formula
    if b"mergeCell" in data:
        for m in _MERGE_RE.finditer(data):
            r1, c1 = int(m[2]), _column_number(m[1])
            r2, c2 = (int(m[4]), _column_number(m[3])) if m[3] else (r1, c1)
            scan.merged.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))


def _scan_sheet(book: Any, ws: Any) -> _SheetScan:
    """Formula cells without a calculated value and merged ranges of one sheet.

    Reads the sheet's XML as bytes, in chunks cut after a whole row, so a sheet of
    a million rows is never held in memory at once.
    """
    scan = _SheetScan()
    archive = getattr(book, "_archive", None)
    member = getattr(ws, "_worksheet_path", None)
    if archive is None or member is None:  # pragma: no cover - openpyxl internals moved
        return scan
    with archive.open(member) as src:
        rest = b""
        while chunk := src.read(_CHUNK):
            data = rest + chunk
            cut = data.rfind(b"row>")  # after </row> (or </x:row>): whole cells only
            if cut < 0:
                cut = data.rfind(b"c>") if len(data) > 16 * _CHUNK else -1
            if cut < 0:
                rest = data
                continue
            cut = data.index(b">", cut) + 1
            _scan_chunk(data[:cut], scan)
            rest = data[cut:]
        _scan_chunk(rest, scan)
    return scan


def _column_letter(n: int) -> str:
    letters = ""
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return letters


def _column_name(names: Sequence[str], col: int) -> str:
    """The header name of 1-based column ``col``, or ``#col`` if it has none."""
    return names[col - 1] if 0 < col <= len(names) and names[col - 1] else f"#{col}"


def _formula_issues(
    scan: _SheetScan,
    where: str,
    names: Sequence[str],
    used: set[int],
    parser: RowParser,
    first_data: int,
) -> list[Issue]:
    """``PL-CSV-042`` for formulas without a value; a missing-value issue names its formula."""
    required = {
        (i.location.row, i.location.column): n
        for n, i in enumerate(parser.issues)
        if i.code in ("PL-CSV-012", "PL-CSV-013") and i.location.file == where
    }
    out: list[Issue] = []
    for (row, col), formula in sorted(scan.uncached.items()):
        if row < first_data or col not in used:
            continue
        at = required.get((row, _column_name(names, col)))
        shown = f"the formula ={formula}" if formula else "a shared formula"
        message = (
            f"the cell holds {shown} but no calculated value: "
            "open the workbook in Excel and save it, or type the value"
        )
        if at is not None:
            old = parser.issues[at]
            parser.issues[at] = old.model_copy(update={"message": message})
            continue
        out.append(
            Issue(
                code="PL-CSV-042",
                severity=Severity.ERROR,
                message=message,
                location=Location(file=where, row=row, column=_column_name(names, col)),
            )
        )
    return out


def _merged_issues(
    scan: _SheetScan,
    where: str,
    names: Sequence[str],
    used: set[int],
    last_line: int,
    first_data: int,
) -> list[Issue]:
    """``PL-CSV-041`` for merged ranges over data rows in ledger columns."""
    out: list[Issue] = []
    for r1, c1, r2, c2 in sorted(scan.merged):
        if r2 < first_data or r1 > last_line or not any(c in used for c in range(c1, c2 + 1)):
            continue
        first, last = max(r1, first_data), r2
        cells = f"{_column_letter(c1)}{r1}:{_column_letter(c2)}{r2}"
        rows = f"row {first}" if first == last else f"rows {first} to {last}"
        out.append(
            Issue(
                code="PL-CSV-041",
                severity=Severity.ERROR,
                message=f"the cells {cells} are merged, over {rows}: only the top-left "
                "cell holds the value, so the others would read as empty; unmerge the "
                "cells and fill in every row",
                location=Location(file=where, row=first, column=_column_name(names, c1)),
            )
        )
    return out


def _sheet_issues(
    scan: _SheetScan,
    where: str,
    header: Sequence[Any],
    used: set[int],
    parser: RowParser,
    first_data: int = 2,
) -> list[Issue]:
    """Coded issues for uncached formulas and merged ranges over data rows of a sheet.

    ``used`` holds the 1-based columns that hold a ledger field.  A formula in a
    required cell (or the ``entry`` cell) is already reported as missing
    (PL-CSV-013, PL-CSV-012): that issue is made to name the formula; one in an
    optional cell becomes PL-CSV-042.  A merged range below the last row with data
    holds nothing to lose and is not reported.  ``first_data`` is the sheet row of
    the first data row (the row after the column map's ``header_row``).
    """
    names = ["" if h is None else str(h).strip() for h in header]
    out = _formula_issues(scan, where, names, used, parser, first_data)
    return out + _merged_issues(scan, where, names, used, parser.last_line, first_data)


def _padded(rows: Iterable[Sequence[Any]], width: int) -> Iterator[Sequence[Any]]:
    """Rows at least ``width`` cells long (a row read past the declared range is short)."""
    for row in rows:
        n = len(row)
        yield row if n >= width else (*row, *((None,) * (width - n)))


def _scan_issues(
    parser: RowParser, book: Any, ws: Any, where: str, header: Sequence[Any], header_row: int
) -> list[Issue]:
    """The issues of a read sheet's formulas and merged cells (its XML scanned)."""
    table = parser.table
    used = {pos + 1 for pos in table.index.values()} if table is not None else set()
    try:
        scan = _scan_sheet(book, ws)
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        return [_issue("PL-CSV-001", f"cannot read the workbook: {exc}", where)]
    return _sheet_issues(scan, where, header, used, parser, header_row + 1)


def _read_sheet(
    parser: RowParser,
    book: Any,
    name: str,
    file: str,
    pick: bool,
    progress: Callable[[int], None] | None,
    done: int,
    extra: list[Issue],
) -> tuple[bool, int]:
    """Read one sheet's rows; ``(whether it was read, the running row count)``.

    With ``pick`` (no sheet named) a sheet without a ledger header is skipped.
    """
    ws = book[name]
    where = f"{file}[{name}]"
    # the declared used range (<dimension ref=...>) may stop short of the data
    # or be just "A1": read every row the sheet holds instead
    ws.reset_dimensions()
    rows = _guarded(iter(ws.iter_rows(values_only=True)))
    header_row = parser.column_map.header_row  # rows above it: a title block
    for _ in range(header_row - 1):
        next(rows, None)
    header = next(rows, None)
    if pick and (header is None or not parser.header_matches(header)):
        parser.issues.append(
            _issue(
                "PL-CSV-035",
                "sheet skipped: its first row is not a ledger header "
                "(it needs 'id' and 'entry' columns)",
                where,
                Severity.INFO,
            )
        )
        return False, done
    if header is None:
        parser.start_table(where, ())
        return True, done
    if parser.start_table(where, header, header_row):
        done = parser.add_rows(
            _numbered(_padded(rows, len(header)), header_row + 1), progress, done
        )
        extra += _scan_issues(parser, book, ws, where, header, header_row)
    return True, done


def _finish(
    parser: RowParser, agreement: Agreement, checks: LedgerChecks, extra: list[Issue]
) -> tuple[Ledger | None, list[Issue]]:
    """The parser's ledger and issues, with the sheets' own issues merged in."""
    if extra:
        parser.note_errors(len([i for i in extra if i.is_error]))
    ledger, issues = parser.finish(agreement, checks)
    if extra:
        issues = RowParser.sorted_issues(issues + extra)
        if has_errors(issues):
            ledger = None
    return ledger, issues


def _read_book(
    agreement: Agreement,
    book: Any,
    file: str,
    sheet: str | None,
    column_map: ColumnMap | None,
    progress: Callable[[int], None] | None,
    checks: LedgerChecks = check_ledger,
) -> tuple[Ledger | None, list[Issue]]:
    parser = RowParser(column_map)
    done = 0
    extra: list[Issue] = []
    read_any = False
    try:
        if sheet is not None and sheet not in book.sheetnames:
            return None, [
                _issue(
                    "PL-CSV-034",
                    f"the workbook has no sheet {sheet!r} (it has {', '.join(book.sheetnames)})",
                    file,
                )
            ]
        names = [sheet] if sheet is not None else list(book.sheetnames)
        for name in names:
            read, done = _read_sheet(parser, book, name, file, sheet is None, progress, done, extra)
            read_any = read_any or read
    finally:
        book.close()
    if progress is not None:
        progress(done)
    if not read_any:
        parser.issues.append(
            _issue(
                "PL-CSV-034",
                "no sheet has a ledger header (a first row with 'id' and 'entry' columns)",
                file,
            )
        )
        return None, parser.issues
    return _finish(parser, agreement, checks, extra)


def load_ledger_excel(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    column_map: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Read a workbook, raising :class:`~pooledledger.core.errors.IssueError` on any error."""
    ledger, issues = read_ledger_excel(
        agreement, source, sheet=sheet, column_map=column_map, progress=progress
    )
    if ledger is None:
        raise IssueError(issues, what=f"ledger {source}")
    return ledger


def count_excel_rows(source: str | os.PathLike[str], *, sheet: str | None = None) -> int:
    """Data rows in the workbook (or one sheet) from each sheet's declared dimensions.

    An estimate for a progress bar only: a workbook may declare a used range shorter
    than its data (the readers read every row regardless); 0 if unreadable.
    """
    import openpyxl

    try:
        book = openpyxl.load_workbook(Path(source), read_only=True, data_only=True)
    except Exception:  # only a progress bar's length: a damaged file is reported by the reader
        return 0
    try:
        names = [sheet] if sheet is not None else book.sheetnames
        total = 0
        for name in names:
            if name in book.sheetnames:
                rows = book[name].max_row or 0
                total += max(rows - 1, 0)
        return total
    finally:
        book.close()
