"""The pipeline: files in, year closed, reports out (layer L5).

``agreement file + ledger file -> checked ledger -> close -> reports -> files``.
The command line is a thin shell over these functions; a finance system can call
them just the same:

>>> from importlib.resources import files
>>> from pooledledger.io.pipeline import read_inputs
>>> examples = files("pooledledger") / "examples"
>>> inputs, issues = read_inputs(
...     examples / "example1_la_two_pcts.toml", examples / "example1_ledger.toml"
... )
>>> inputs is not None, [i for i in issues if i.is_error]
(True, [])

:func:`read_inputs` never raises on bad data: it returns every issue of both files
and ``None`` if any is an error.  The ``write_*`` functions write one file per
format and return the paths written, in a stable order.

Output files (``<stem>`` is ``<agreement id>_<year>``):

==============================  ===================================================
``<stem>_year_end.json``        the close and every report, amounts in pence
``<stem>_year_end.md``          memorandum account, £000 note, balances, statements
``<stem>_year_end.html``        the same as one printable page with charts
``<stem>_year_end.xlsx``        every report, one sheet each; totals as formulas
``<stem>_csv/``                 tidy tables as CSV (text cells made formula-safe)
``<stem>_parquet/``             the same tables as typed Parquet (only when asked for)
``<stem>_Q<n>.{json,md,html}``  the quarterly monitoring report
``<stem>_M<m>_balances.*``      agreement-of-balances export at month 6, 9 or 12
==============================  ===================================================
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import Issue, has_errors
from pooledledger.core.periods import FinancialYear
from pooledledger.io.agreement_files import read_agreement
from pooledledger.io.csv_out import write_csv_tables
from pooledledger.io.excel_out import LineSheets, write_year_end_workbook
from pooledledger.io.formats import ALL_FORMATS, FORMATS
from pooledledger.io.parquet_out import write_parquet_tables
from pooledledger.io.sources import read_ledger_source
from pooledledger.model.agreement import Agreement
from pooledledger.reports.balances import AgreementOfBalances
from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.html import render_html, render_quarterly_html
from pooledledger.reports.quarterly import QuarterlyReport
from pooledledger.yearend.checks import require_no_errors

__all__ = [
    "ALL_FORMATS",
    "FORMATS",
    "Inputs",
    "read_inputs",
    "write_balances",
    "write_quarterly",
    "write_year_end",
]


@dataclass(frozen=True)
class Inputs:
    """A checked agreement and ledger, with any warnings found on the way."""

    agreement: Agreement
    ledger: Ledger
    warnings: tuple[Issue, ...]

    def year(self, text: str | None = None) -> FinancialYear:
        """The year named by ``text`` ("2025-26"), else the agreement's last year."""
        if text is not None:
            return FinancialYear.parse(text)
        return self.agreement.financial_years[-1]


def read_inputs(
    agreement: str | os.PathLike[str] | Any,
    ledger: str | os.PathLike[str] | Any,
    *,
    column_map: str | os.PathLike[str] | None = None,
    sheet: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[Inputs | None, list[Issue]]:
    """Read and check an agreement file and a ledger file (TOML, JSON, CSV or Excel).

    Returns ``(inputs, issues)``; ``inputs`` is ``None`` if any issue is an error,
    and nothing is imported.
    """
    ag, issues = read_agreement(Path(str(agreement)))
    if ag is None:
        return None, issues
    led, more = read_ledger_source(
        ag, Path(str(ledger)), column_map=column_map, sheet=sheet, progress=progress
    )
    issues = [*issues, *more]
    if led is None or has_errors(issues):
        return None, issues
    return Inputs(ag, led, tuple(issues)), issues


def _stem(agreement: Agreement, year: FinancialYear) -> str:
    return f"{agreement.id}_{year}"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="\n")  # the same bytes on every system
    return path


def _check_formats(formats: Iterable[str], allowed: tuple[str, ...]) -> list[str]:
    chosen = list(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in allowed]
    if unknown:
        raise ValueError(f"unknown output format(s) {unknown}; choose from {list(allowed)}")
    return chosen


def write_year_end(
    reports: YearEndReports,
    ledger: Ledger,
    out: str | os.PathLike[str],
    formats: Iterable[str] = FORMATS,
    *,
    line_sheets: LineSheets = "auto",
    issues: Iterable[Issue] = (),
) -> list[Path]:
    """Write the year-end close and its reports to the folder ``out``.

    ``ledger`` must pass the ledger checks with no errors (``IssueError`` otherwise;
    docs/ledger.md#the-gate): its entries and shares are written beside the reports.
    The workbook holds the quarterly monitoring Q1–Q4 and, within its size threshold
    (or as ``line_sheets`` says), the line-level sheets; ``issues`` (e.g. the input
    files' warnings) are listed on its Checks sheet.  ``formats`` defaults to
    :data:`FORMATS`; ``"parquet"`` (of :data:`ALL_FORMATS`) adds the tidy tables as
    Parquet (:func:`~pooledledger.io.parquet_out.write_parquet_tables`).
    """
    require_no_errors(ledger)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = _stem(reports.agreement, reports.year) + "_year_end"
    written: list[Path] = []
    for fmt in _check_formats(formats, ALL_FORMATS):
        if fmt == "json":
            written.append(_write(folder / f"{stem}.json", reports.model_dump_json(indent=2)))
        elif fmt == "md":
            written.append(_write(folder / f"{stem}.md", reports.to_markdown()))
        elif fmt == "html":
            written.append(_write(folder / f"{stem}.html", render_html(reports)))
        elif fmt == "xlsx":
            written.append(
                write_year_end_workbook(
                    reports,
                    folder / f"{stem}.xlsx",
                    ledger=ledger,
                    line_sheets=line_sheets,
                    issues=tuple(issues),
                )
            )
        elif fmt == "csv":
            csv_dir = folder / (_stem(reports.agreement, reports.year) + "_csv")
            write_csv_tables(reports, csv_dir, ledger=ledger)
            written.append(csv_dir)
        else:
            parquet_dir = folder / (_stem(reports.agreement, reports.year) + "_parquet")
            write_parquet_tables(reports, parquet_dir, ledger=ledger)
            written.append(parquet_dir)
    return written


def write_quarterly(
    report: QuarterlyReport,
    out: str | os.PathLike[str],
    formats: Iterable[str] = ("json", "md", "html"),
) -> list[Path]:
    """Write a quarterly monitoring report to the folder ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{report.agreement}_{report.year}_Q{report.quarter}"
    renderers: Mapping[str, Callable[[], str]] = {
        "json": lambda: report.model_dump_json(indent=2),
        "md": report.to_markdown,
        "html": lambda: render_quarterly_html(report),
    }
    return [
        _write(folder / f"{stem}.{fmt}", renderers[fmt]())
        for fmt in _check_formats(formats, tuple(renderers))
    ]


def write_balances(
    report: AgreementOfBalances,
    out: str | os.PathLike[str],
    formats: Iterable[str] = ("json", "md"),
) -> list[Path]:
    """Write an agreement-of-balances export (month 6, 9 or 12) to the folder ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{report.agreement}_{report.year}_M{report.month}_balances"
    renderers: Mapping[str, Callable[[], str]] = {
        "json": lambda: report.model_dump_json(indent=2),
        "md": report.to_markdown,
    }
    return [
        _write(folder / f"{stem}.{fmt}", renderers[fmt]())
        for fmt in _check_formats(formats, tuple(renderers))
    ]
