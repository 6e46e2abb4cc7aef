"""Benchmark: a 1,000,000-row ledger CSV with one bad cell is refused, naming it.

Usage::

    python benchmarks/bench_csv_corrupt.py [--rows 1000000] [--line 900001] [--seed 2025]

Writes the seeded CSV of :mod:`benchmarks.bench_csv_import` (example 2, the
documented layout, docs/csv-import.md), replaces the ``net`` (or ``amount``) cell
of the data row at physical line ``--line`` with ``12.3.4``, a bad amount, then
reads the file once with :func:`~pooledledger.io.csv_files.read_ledger_csv` (the
bulk reader, io/bulk_rows.py) and prints the time, the errors and the peak memory.
It checks that nothing is imported, that exactly one error is reported and that
it names that line, the column and ``PL-CSV-015``; it exits 1 otherwise.
"""

from __future__ import annotations

import argparse
import csv
import io
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_csv_import import EXAMPLES, generate
from pooledledger.core.errors import Severity
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.csv_files import ENTRY_FIELDS, read_ledger_csv

BAD = "12.3.4"


def corrupt(path: Path, line: int) -> str:
    """Put :data:`BAD` in the main amount of the row at physical ``line``; its column."""
    lines = path.read_text(encoding="utf-8").split("\n")
    cells = next(csv.reader([lines[line - 1]]))
    kind = cells[ENTRY_FIELDS.index("entry")]
    column = "net" if kind == "expenditure" else "amount"
    if kind not in ("expenditure", "income"):
        raise SystemExit(f"line {line} is a {kind} row; pick another line")
    cells[ENTRY_FIELDS.index(column)] = BAD
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    lines[line - 1] = out.getvalue()
    path.write_text("\n".join(lines), encoding="utf-8")
    return column


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--line", type=int, default=900_001)
    ap.add_argument("--seed", type=int, default=2025)
    args = ap.parse_args(argv)
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ledger.csv"
        t0 = time.perf_counter()
        generate(path, agreement, args.rows, args.seed)
        column = corrupt(path, args.line)
        print(
            f"generated and corrupted line {args.line} ({column!r}): "
            f"{time.perf_counter() - t0:.2f} s"
        )
        t0 = time.perf_counter()
        ledger, issues = read_ledger_csv(agreement, path)
        took = time.perf_counter() - t0
    errors = [i for i in issues if i.severity is Severity.ERROR]
    print(f"read_ledger_csv: {took:.2f} s; ledger: {ledger!r}; {len(errors)} error(s)")
    for i in errors[:5]:
        loc = i.location
        print(f"  {i.code} line {loc.row} column {loc.column!r} field {loc.field!r}: {i.message}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MiB")
    ok = (
        ledger is None
        and len(errors) == 1
        and errors[0].code == "PL-CSV-015"
        and errors[0].location.row == args.line
        and errors[0].location.column == column
    )
    print("OK" if ok else "UNEXPECTED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
