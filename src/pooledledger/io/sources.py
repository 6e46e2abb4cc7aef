"""One entry point for every ledger file format, chosen by the file's suffix (layer L5).

============  ==================================================
suffix        reader
============  ==================================================
``.toml``     :func:`~pooledledger.io.ledger_files.read_ledger`
``.json``     :func:`~pooledledger.io.ledger_files.read_ledger`
``.csv``      :func:`~pooledledger.io.csv_files.read_ledger_csv`
``.xlsx``     :func:`~pooledledger.io.excel_files.read_ledger_excel`
============  ==================================================
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from pooledledger.books.ledger import Ledger, LedgerError
from pooledledger.core.errors import Issue, IssueError, Location, Severity
from pooledledger.io.csv_files import (
    ColumnMap,
    LedgerChecks,
    count_csv_rows,
    load_column_map,
    read_ledger_csv,
)
from pooledledger.io.excel_files import count_excel_rows, read_ledger_excel
from pooledledger.io.ledger_files import read_ledger as read_ledger_entries_file
from pooledledger.model.agreement import Agreement
from pooledledger.yearend.checks import check_ledger

__all__ = [
    "LEDGER_SUFFIXES",
    "count_rows",
    "load_ledger",
    "load_ledger_source",
    "read_ledger",
    "read_ledger_source",
]

#: The file suffixes :func:`read_ledger_source` understands.
LEDGER_SUFFIXES: tuple[str, ...] = (".toml", ".json", ".csv", ".xlsx")


def read_ledger_source(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    column_map: ColumnMap | str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
    checks: LedgerChecks = check_ledger,
) -> tuple[Ledger | None, list[Issue]]:
    """Read a ledger from a TOML, JSON, CSV or Excel file, by suffix; never raises on bad data.

    ``column_map`` (a :class:`~pooledledger.io.csv_files.ColumnMap` or the path of
    a TOML/JSON column-map file) and ``progress`` apply to CSV and Excel files,
    ``sheet`` to Excel only; ``checks`` are the ledger checks run on the entries
    read (default: all of :func:`~pooledledger.yearend.checks.check_ledger`).  An unknown
    suffix is reported as ``PL-CSV-001``, a bad column-map file as ``PL-CSV-008``.
    """
    if column_map is not None and not isinstance(column_map, ColumnMap):
        map_file = str(column_map)
        try:
            column_map = load_column_map(column_map)
        except IssueError as exc:
            return None, list(exc.issues)
        ledger, issues = read_ledger_source(
            agreement,
            source,
            column_map=column_map,
            sheet=sheet,
            progress=progress,
            checks=checks,
        )
        return ledger, [_in_map_file(i, map_file) for i in issues]
    suffix = Path(source).suffix.lower()
    if suffix in (".toml", ".json"):
        return read_ledger_entries_file(agreement, source, checks=checks)
    if suffix == ".csv":
        return read_ledger_csv(
            agreement, source, column_map=column_map, progress=progress, checks=checks
        )
    if suffix == ".xlsx":
        return read_ledger_excel(
            agreement,
            source,
            sheet=sheet,
            column_map=column_map,
            progress=progress,
            checks=checks,
        )
    issue = Issue(
        code="PL-CSV-001",
        severity=Severity.ERROR,
        message=f"unknown ledger file type {suffix or '(none)'!r}: use "
        + ", ".join(LEDGER_SUFFIXES),
        location=Location(file=str(source)),
    )
    return None, [issue]


def _in_map_file(issue: Issue, map_file: str) -> Issue:
    """A bad fixed value of the column map (``field`` ``fixed.NAME``, no file) names its file."""
    where = issue.location
    if where.file is not None or not (where.field or "").startswith("fixed."):
        return issue
    return issue.model_copy(update={"location": where.model_copy(update={"file": map_file})})


def load_ledger_source(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    column_map: ColumnMap | str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """As :func:`read_ledger_source`, raising :class:`~pooledledger.core.errors.IssueError`."""
    ledger, issues = read_ledger_source(
        agreement, source, column_map=column_map, sheet=sheet, progress=progress
    )
    if ledger is None:
        raise IssueError(issues, what=f"ledger {source}")
    return ledger


def count_rows(source: str | os.PathLike[str], *, sheet: str | None = None) -> int:
    """A cheap row count for a progress bar: data rows of a CSV or workbook, else 0."""
    suffix = Path(source).suffix.lower()
    if suffix == ".csv":
        return count_csv_rows(source)
    if suffix == ".xlsx":
        return count_excel_rows(source, sheet=sheet)
    return 0


ColumnsArg = ColumnMap | str | os.PathLike[str] | None


def read_ledger(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    columns: ColumnsArg = None,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Ledger | None, list[Issue]]:
    """Read a ledger from a TOML, JSON, CSV or ``.xlsx`` file; never raises on bad data.

    Returns ``(ledger, issues)`` with **every** issue found (the command line
    summarises repeated ones; :func:`~pooledledger.core.errors.summarise_issues` does the
    same); the ledger is ``None`` if any issue is an error.  ``columns`` is a
    :class:`~pooledledger.io.csv_files.ColumnMap` or the path of a column-map file
    (docs/csv-import.md#column-maps) for a CSV or Excel ledger; ``sheet`` names one
    worksheet of a workbook.  Giving either for a TOML or JSON ledger raises
    :class:`~pooledledger.books.ledger.LedgerError`.
    """
    suffix = Path(source).suffix.lower()
    if suffix in (".toml", ".json") and (columns is not None or sheet is not None):
        raise LedgerError(
            f"{Path(source).name}: a column map or sheet is for CSV and Excel ledgers only"
        )
    if sheet is not None and suffix != ".xlsx":
        raise LedgerError(f"{Path(source).name}: a sheet is for Excel workbooks (.xlsx) only")
    return read_ledger_source(agreement, source, column_map=columns, sheet=sheet, progress=progress)


def load_ledger(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    columns: ColumnsArg = None,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> Ledger:
    """As :func:`read_ledger`, raising :class:`~pooledledger.core.errors.IssueError` on any error.

    The exception's message lists repeated issues once each, with their count and
    first rows; its ``issues`` holds every one.
    """
    ledger, issues = read_ledger(agreement, source, columns=columns, sheet=sheet, progress=progress)
    if ledger is None:
        raise IssueError(issues, what=f"ledger {source}")
    return ledger
