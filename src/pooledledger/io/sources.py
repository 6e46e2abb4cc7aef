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

from pooledledger.agreement import Agreement
from pooledledger.checks import check_ledger
from pooledledger.errors import Issue, IssueError, Location, Severity
from pooledledger.io.csv_files import (
    ColumnMap,
    LedgerChecks,
    count_csv_rows,
    load_column_map,
    read_ledger_csv,
)
from pooledledger.io.excel_files import count_excel_rows, read_ledger_excel
from pooledledger.io.ledger_files import read_ledger
from pooledledger.ledger import Ledger

__all__ = ["LEDGER_SUFFIXES", "count_rows", "load_ledger_source", "read_ledger_source"]

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
    read (default: all of :func:`~pooledledger.checks.check_ledger`).  An unknown
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
        return read_ledger(agreement, source, checks=checks)
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
    """As :func:`read_ledger_source`, raising :class:`~pooledledger.errors.IssueError`."""
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
