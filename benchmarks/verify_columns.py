"""Seeded check at scale: the fast paths give what the row paths they replaced gave.

Usage::

    python benchmarks/verify_columns.py [--rows 1000000] [--seed 2025] [--csv FILE]

Writes the seeded Better Care Fund ledger CSV of ``bench_csv_import.py`` (``--rows``
data rows; or reads ``--csv``) and checks, each against the reference kept in
``tests/``:

* the bulk CSV reader against the row parser alone (the same entries, in the same
  order, and the same issues), and, before the lines it holds in columns are made
  into entries, the pool columns and the close made from those columns against
  those of the row parser's entries;
* the apportionment (each scheme's lines allocated in columns,
  ``pooledledger.core.allocation_columns``) against the row-by-row one of
  ``tests/apportion_oracle.py`` (one ``CumulativeAllocator`` call per line): every
  line's shares, true-ups, remainder pennies and scheme totals;
* the close (variances, shares, journals, settlements) and every year-end report,
  with that row-by-row apportionment patched in;
* the four quarterly monitoring reports against projections built from scratch
  (``tests/line_sums_oracle.py``);
* the CSV tables written column by column against the row writer of
  ``tests/csv_row_oracle.py``, byte for byte;
* a ledger read from its pool lines held in columns (``books/pool_columns.py``:
  the sums, the apportionment's lines, the ledger table) against the same ledger read
  line by line from its ``PoolLine`` objects: the close, every report, the four
  quarters, the apportionment's line table and the CSV tables, byte for byte.

It prints how long each side took.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))  # run as a script: the repository root holds benchmarks/

import line_sums_oracle  # noqa: E402
from apportion_oracle import row_apportion  # noqa: E402
from benchmarks.bench_csv_import import generate  # noqa: E402
from csv_row_oracle import old_write_csv_tables  # noqa: E402
from pooledledger.books.apportion import apportion  # noqa: E402
from pooledledger.books.ledger import Ledger  # noqa: E402
from pooledledger.books.pool_columns import (  # noqa: E402
    held_columns,
    make_pool_columns,
    pool_columns,
)
from pooledledger.core.periods import FinancialYear  # noqa: E402
from pooledledger.io.agreement_files import load_agreement  # noqa: E402
from pooledledger.io.csv_files import _read_ledger_csv  # noqa: E402
from pooledledger.io.csv_out import write_csv_tables  # noqa: E402
from pooledledger.model.agreement import Agreement  # noqa: E402
from pooledledger.model.entries import Entry  # noqa: E402
from pooledledger.reports import quarterly  # noqa: E402
from pooledledger.reports.bundle import YearEndReports, year_end_reports  # noqa: E402
from pooledledger.yearend.close import close_year  # noqa: E402

T = TypeVar("T")

AGREEMENT = ROOT / "src" / "pooledledger" / "examples" / "example2_bcf.toml"
PATCHED = ("pooledledger.yearend.close", "pooledledger.reports.balances")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--csv", type=Path, help="read this ledger CSV instead of writing one")
    args = ap.parse_args(argv)
    agreement = load_agreement(AGREEMENT)
    year = FinancialYear(2025)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.csv or Path(tmp) / "ledger.csv"
        if args.csv is None:
            generate(path, agreement, args.rows, args.seed)
        ledger = _readers_agree(agreement, path, year)
        print(f"{len(ledger):,} entries, {len(ledger.pool_lines):,} pool lines")
        _apportion_agrees(ledger, year)
        reports = _close_agrees(ledger, year)
        _quarters_agree(ledger, year)
        _tables_agree(reports, ledger, Path(tmp))
        _columns_agree(agreement, ledger.entries, year, Path(tmp))
    print(f"all equal; load {os.getloadavg()}")
    return 0


def _timed(what: str, run: Callable[[], T]) -> T:
    t0 = time.perf_counter()
    out = run()
    print(f"  {what}: {time.perf_counter() - t0:.1f} s", flush=True)
    return out


def _readers_agree(agreement: Agreement, path: Path, year: FinancialYear) -> Ledger:
    """The bulk reader (the columnar reader for a plain file, io/csv_columns.py) and
    the row parser alone read the same entries and issues."""
    ledger, issues = _timed("bulk reader", lambda: _read_ledger_csv(agreement, path))
    rows, row_issues = _timed("row parser", lambda: _read_ledger_csv(agreement, path, bulk=False))
    assert ledger is not None, [str(i) for i in issues[:5]]
    assert rows is not None
    assert issues == row_issues, "the readers' issues differ"
    store = ledger._held()[1]
    polars_read = store is not None and all(b.series for b in store.blocks)
    print(f"  the held lines were read by {'polars' if polars_read else 'the csv module'}")
    _store_agrees(ledger, rows, year)
    assert ledger.entries == rows.entries, "the readers' entries differ"
    print("reading: the same entries and issues as the row parser")
    return ledger


def _store_agrees(ledger: Ledger, rows: Ledger, year: FinancialYear) -> None:
    """Before the lines the bulk reader holds in columns are made into entries: the
    pool columns made from them, and the close, are those of the row parser's entries."""
    store = ledger._held()[1]
    if store is None:
        print("(the bulk reader made every entry: no lines held in columns)")
        return
    agreement = ledger.agreement
    got = _timed("pool columns from the held lines", lambda: pool_columns(ledger))
    want = _timed(
        "pool columns by a walk of the entries",
        lambda: make_pool_columns(rows.entries, agreement.host, rows.vat_shares),
    )
    assert [getattr(got, f.name) for f in fields(got)] == [
        getattr(want, f.name) for f in fields(want)
    ], "the pool columns differ"
    closed = _timed("close of the held lines", lambda: close_year(agreement, ledger, year))
    assert ledger._held()[1] is store, "the held lines were made into entries"
    assert closed == close_year(agreement, rows, year), "the closes differ"
    print(f"{len(store):,} lines held in columns: the same pool columns and close")


def _apportion_agrees(ledger: Ledger, year: FinancialYear) -> None:
    """The apportionment in columns and row by row, line by line."""
    t0 = time.perf_counter()
    columns = apportion(ledger, year)
    t_totals = time.perf_counter() - t0
    assert len(columns.lines) >= len(ledger.pool_lines)  # the line objects, made now
    t_columns = time.perf_counter() - t0
    t0 = time.perf_counter()
    rows = row_apportion(ledger, year)
    t_rows = time.perf_counter() - t0
    assert columns == rows, "the apportionments differ"
    print(
        f"apportion: columns {t_columns:.2f} s ({t_totals:.2f} s to the scheme totals, "
        f"the rest making the line objects), rows {t_rows:.2f} s; equal to the penny"
    )
    del columns, rows


def _close_agrees(ledger: Ledger, year: FinancialYear) -> YearEndReports:
    """The close and every report, and the same with the row-by-row apportionment."""
    agreement = ledger.agreement
    reports = _timed("close and reports", lambda: year_end_reports(agreement, ledger, year))
    saved = {m: sys.modules[m].apportion for m in PATCHED}
    try:
        for m in PATCHED:
            sys.modules[m].apportion = row_apportion  # type: ignore[attr-defined]
        fresh = Ledger(agreement, ledger.entries)  # nothing summed or cached yet
        oracle = _timed(
            "close and reports, row-by-row apportionment",
            lambda: year_end_reports(agreement, fresh, year),
        )
    finally:
        for m, f in saved.items():
            sys.modules[m].apportion = f  # type: ignore[attr-defined]
    assert reports.close == oracle.close, "the closes differ"
    assert reports == oracle, "the reports differ"
    print("close, journals, settlements and every report: equal to the penny")
    return reports


def _quarters_agree(ledger: Ledger, year: FinancialYear) -> None:
    """The four quarterly reports, and the same from projections built from scratch."""
    agreement = ledger.agreement
    fast = _timed(
        "quarterly reports",
        lambda: [quarterly.quarterly_report(agreement, ledger, year, q) for q in (1, 2, 3, 4)],
    )
    fresh = Ledger(agreement, ledger.entries)
    saved = quarterly._projected_ledger
    try:
        quarterly._projected_ledger = line_sums_oracle.slow_projected_ledger
        slow = _timed(
            "quarterly reports from scratch",
            lambda: [quarterly.quarterly_report(agreement, fresh, year, q) for q in (1, 2, 3, 4)],
        )
    finally:
        quarterly._projected_ledger = saved
    assert fast == slow, "the quarterly reports differ"
    print("quarterly monitoring, Q1 to Q4: equal")


def _tables_agree(reports: YearEndReports, ledger: Ledger, tmp: Path) -> None:
    """The CSV tables written column by column and row by row: the same bytes."""
    new = _timed("CSV tables", lambda: write_csv_tables(reports, tmp / "new", ledger=ledger))
    old = _timed(
        "CSV tables row by row", lambda: old_write_csv_tables(reports, tmp / "old", ledger=ledger)
    )
    assert list(new) == list(old)
    for name, path in new.items():
        assert path.read_bytes() == old[name].read_bytes(), f"{name}.csv differs"
    print(f"CSV tables ({', '.join(new)}): the same bytes")


def _everything(ledger: Ledger, year: FinancialYear, folder: Path) -> list[object]:
    """The close's reports, the four quarters and the apportionment's line table, the
    CSV tables written to ``folder``."""
    agreement = ledger.agreement
    reports = year_end_reports(ledger, year)
    quarters = [quarterly.quarterly_report(agreement, ledger, year, q) for q in (1, 2, 3, 4)]
    lines = apportion(ledger, year).line_columns()
    write_csv_tables(reports, folder, ledger=ledger)
    return [reports, quarters, lines]


def _columns_agree(
    agreement: Agreement, entries: tuple[Entry, ...], year: FinancialYear, tmp: Path
) -> None:
    """A ledger read from its pool columns and the same ledger read line by line."""
    held, walked = Ledger(agreement, entries), Ledger(agreement, entries)
    assert len(walked.pool_lines) > 0  # made first: this one is read line by line
    got = _timed("from the pool columns", lambda: _everything(held, year, tmp / "held"))
    want = _timed("line by line", lambda: _everything(walked, year, tmp / "walked"))
    assert held_columns(held) is not None
    assert held_columns(walked) is None
    assert got == want, "the pool columns and the lines differ"
    for name in sorted(p.name for p in (tmp / "held").iterdir()):
        same = (tmp / "held" / name).read_bytes() == (tmp / "walked" / name).read_bytes()
        assert same, f"{name} differs"
    print("pool columns: the close, reports, quarters, line table and CSV tables equal")


if __name__ == "__main__":
    sys.exit(main())
