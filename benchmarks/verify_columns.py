"""Seeded check at scale: the column allocation gives the pence of the row path it replaced.

Usage::

    python benchmarks/verify_columns.py [--rows 1000000] [--seed 2025]

Writes the seeded Better Care Fund ledger CSV of ``bench_csv_import.py`` (``--rows``
data rows), reads it, and closes the year twice: once as the library does (each
scheme's lines allocated in columns, ``pooledledger.core.allocation_columns``) and once
with the row-by-row apportionment kept in ``tests/apportion_oracle.py`` (one
``CumulativeAllocator`` call per line) patched in.  It asserts that the
apportionment (every line's shares, true-ups, remainder pennies, scheme totals), the
close (variances, shares, journals, settlements) and every year-end report are
equal, and prints how long each apportionment took.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from apportion_oracle import row_apportion  # noqa: E402
from benchmarks.bench_csv_import import generate  # noqa: E402
from pooledledger.books.apportion import apportion  # noqa: E402
from pooledledger.core.periods import FinancialYear  # noqa: E402
from pooledledger.io.agreement_files import load_agreement  # noqa: E402
from pooledledger.io.csv_files import read_ledger_csv  # noqa: E402
from pooledledger.reports.bundle import year_end_reports  # noqa: E402

AGREEMENT = ROOT / "src" / "pooledledger" / "examples" / "example2_bcf.toml"
PATCHED = ("pooledledger.yearend.close", "pooledledger.reports.balances")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args(argv)
    agreement = load_agreement(AGREEMENT)
    year = FinancialYear(2025)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.csv"
        generate(path, agreement, args.rows, args.seed)
        ledger, issues = read_ledger_csv(agreement, path)
    assert ledger is not None, [str(i) for i in issues[:5]]
    print(f"{args.rows:,} rows, {len(ledger.pool_lines):,} pool lines; load {os.getloadavg()}")

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

    reports = year_end_reports(agreement, ledger, year)
    saved = {m: sys.modules[m].apportion for m in PATCHED}
    try:
        for m in PATCHED:
            sys.modules[m].apportion = row_apportion  # type: ignore[attr-defined]
        oracle = year_end_reports(agreement, ledger, year)
    finally:
        for m, f in saved.items():
            sys.modules[m].apportion = f  # type: ignore[attr-defined]
    assert reports.close == oracle.close, "the closes differ"
    assert reports == oracle, "the reports differ"
    print("close, journals, settlements and every report: equal to the penny")
    return 0


if __name__ == "__main__":
    sys.exit(main())
