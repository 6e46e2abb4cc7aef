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
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pooledledger.agreement import Agreement
from pooledledger.errors import Issue, IssueError, Location, Severity
from pooledledger.io.csv_files import ColumnMap, RowParser, gc_paused
from pooledledger.ledger import Ledger

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
) -> tuple[Ledger | None, list[Issue]]:
    """Read ledger entries from an ``.xlsx`` workbook; never raises on bad data.

    ``sheet`` names the one sheet to read; without it every sheet with a ledger
    header is read.  Returns ``(ledger, issues)`` as
    :func:`~pooledledger.io.csv_files.read_ledger_csv` does.
    """
    import openpyxl  # imported here: only Excel users pay for it

    path = Path(source)
    file = str(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        return None, [_issue("PL-CSV-001", f"cannot read the workbook: {exc}", file)]
    with gc_paused():
        ledger, issues = _read_book(agreement, book, file, sheet, column_map, progress)
    if any(i.code == "PL-CSV-013" for i in issues):
        issues = _explain_formulas(path, file, issues)
    return ledger, issues


def _explain_formulas(path: Path, file: str, issues: list[Issue]) -> list[Issue]:
    """Say so when an "empty" required cell holds a formula that was never calculated.

    A workbook written by a program other than Excel may keep formulas without their
    values; read for values, such a cell is empty.  Only looked at when a required
    value is missing, so a good workbook is read once.
    """
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):  # pragma: no cover
        return issues
    try:
        formulas: dict[tuple[str, int, str], str] = {}
        for name in book.sheetnames:
            where = f"{file}[{name}]"
            wanted = {
                i.location.row
                for i in issues
                if i.code == "PL-CSV-013" and i.location.file == where
            }
            if not wanted:
                continue
            rows = book[name].iter_rows(values_only=True)
            header = [str(h).strip() if h is not None else "" for h in next(rows, ())]
            for n, row in enumerate(rows, 2):
                if n in wanted:
                    for h, v in zip(header, row, strict=False):
                        if isinstance(v, str) and v.startswith("="):
                            formulas[where, n, h] = v
    finally:
        book.close()
    out: list[Issue] = []
    for i in issues:
        loc = i.location
        formula = formulas.get((loc.file or "", loc.row or 0, loc.column or ""))
        if i.code == "PL-CSV-013" and formula is not None:
            i = i.model_copy(
                update={
                    "message": f"the cell holds the formula {formula} but no calculated value: "
                    "open the workbook in Excel and save it, or type the value"
                }
            )
        out.append(i)
    return out


def _read_book(
    agreement: Agreement,
    book: Any,
    file: str,
    sheet: str | None,
    column_map: ColumnMap | None,
    progress: Callable[[int], None] | None,
) -> tuple[Ledger | None, list[Issue]]:
    parser = RowParser(column_map)
    done = 0
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
        read_any = False
        for name in names:
            ws = book[name]
            where = f"{file}[{name}]"
            rows = iter(ws.iter_rows(values_only=True))
            header = next(rows, None)
            if sheet is None and (header is None or not parser.header_matches(header)):
                parser.issues.append(
                    _issue(
                        "PL-CSV-035",
                        "sheet skipped: its first row is not a ledger header "
                        "(it needs 'id' and 'entry' columns)",
                        where,
                        Severity.INFO,
                    )
                )
                continue
            read_any = True
            if header is None:
                parser.start_table(where, ())
                continue
            if parser.start_table(where, header, 1):
                done = parser.add_rows(_numbered(rows, 2), progress, done)
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
    return parser.finish(agreement)


def load_ledger_excel(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    sheet: str | None = None,
    column_map: ColumnMap | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """Read a workbook, raising :class:`~pooledledger.errors.IssueError` on any error."""
    ledger, issues = read_ledger_excel(
        agreement, source, sheet=sheet, column_map=column_map, progress=progress
    )
    if ledger is None:
        raise IssueError(issues, what=f"ledger {source}")
    return ledger


def count_excel_rows(source: str | os.PathLike[str], *, sheet: str | None = None) -> int:
    """Data rows in the workbook (or one sheet) from each sheet's dimensions; 0 if unreadable."""
    import openpyxl

    try:
        book = openpyxl.load_workbook(Path(source), read_only=True, data_only=True)
    except (OSError, zipfile.BadZipFile, KeyError, ValueError):
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
