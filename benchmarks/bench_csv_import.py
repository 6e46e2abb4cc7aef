"""Benchmark: import a 1,000,000-row ledger CSV for worked example 2.

Usage::

    python benchmarks/bench_csv_import.py [--rows 1000000] [--seed 2025] [--keep PATH]

Writes a seeded CSV in the documented layout (docs/csv-import.md) for the
bundled example-2 agreement (the Better Care Fund): the example's own 37
entries, then generated expenditure lines for the five schemes (copying each
scheme's category and supplier from the example), client-charge income on S3
and reversals of earlier lines, with UK dates (dd/mm/yyyy), "£1,234.56" and
bracketed negatives mixed in.  It then imports the file with
:func:`~pooledledger.io.csv_files.read_ledger_csv` behind a progress bar on
stderr, and prints, with ``time.perf_counter``:

* generating the file;
* parsing the rows into entries (cells checked, entries built);
* building the :class:`~pooledledger.books.ledger.Ledger` (canonical order, ids, and the
  entry-level checks, once per entry: docs/ledger.md#the-gate);
* running :func:`~pooledledger.yearend.checks.check_ledger` (the checks of the ledger as a
  whole; the entry-level issues are kept from the build);
* and the whole import again in one call of ``read_ledger_csv``, as the command
  line makes it;

with the garbage collector paused, as the reader pauses it;

the peak memory, and the machine (platform, CPU count, Python).  The import must give no errors.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import random
import resource
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import has_errors
from pooledledger.core.money import format_pence, pence_to_decimal, to_pence
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.csv_files import (
    ENTRY_FIELDS,
    RowParser,
    _csv_rows,
    count_csv_rows,
    gc_paused,
    read_ledger_csv,
)
from pooledledger.io.ledger_files import load_ledger
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Expenditure
from pooledledger.yearend.checks import check_ledger

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"


def _cell(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if hasattr(value, "currency"):
        return str(pence_to_decimal(to_pence(value)))
    return str(value)


def generate(path: Path, agreement: Agreement, rows: int, seed: int) -> int:
    """Write ``rows`` data rows to ``path``; return the number written."""
    rng = random.Random(seed)
    example = load_ledger(agreement, EXAMPLES / "example2_ledger.toml")
    templates: dict[str, Expenditure] = {}
    for e in example.entries:
        if isinstance(e, Expenditure):
            templates.setdefault(e.scheme, e)
    schemes = sorted(templates)
    start = date(2025, 4, 1)
    days = 365
    width = len(ENTRY_FIELDS)
    col = {f: i for i, f in enumerate(ENTRY_FIELDS)}
    written = 0
    expenditure_ids: list[tuple[str, date]] = []
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(ENTRY_FIELDS)
        for e in example.entries:
            d = e.model_dump()
            w.writerow([_cell(d.get(f)) for f in ENTRY_FIELDS])
            written += 1
        n = 0
        while written < rows:
            n += 1
            row = [""] * width
            r = rng.random()
            day = start + timedelta(days=rng.randrange(days))
            uk = rng.random() < 0.5
            row[col["date"]] = day.strftime("%d/%m/%Y") if uk else day.isoformat()
            if r < 0.04 and expenditure_ids:
                original, odate = expenditure_ids.pop(rng.randrange(len(expenditure_ids)))
                row[col["entry"]] = "reversal"
                row[col["id"]] = f"REV-{n:07d}"
                row[col["reverses"]] = original
                rday = max(day, odate)
                row[col["date"]] = rday.isoformat()
                row[col["reason"]] = "duplicate invoice"
            elif r < 0.10:
                row[col["entry"]] = "income"
                row[col["id"]] = f"INC-{n:07d}"
                row[col["scheme"]] = "S3"
                row[col["amount"]] = format_pence(rng.randrange(100, 50_000), symbol=True)
                row[col["source"]] = "client charges"
                expenditure_ids.append((f"INC-{n:07d}", day))
            else:
                t = templates[rng.choice(schemes)]
                pence = rng.randrange(-5_000, 2_000_000)
                row[col["entry"]] = "expenditure"
                row[col["id"]] = f"INV-{n:07d}"
                row[col["scheme"]] = t.scheme
                row[col["net"]] = (
                    format_pence(pence, symbol=rng.random() < 0.3)
                    if rng.random() < 0.5
                    else str(pence_to_decimal(pence))
                )
                if rng.random() < 0.2:
                    row[col["vat"]] = str(pence_to_decimal(abs(pence) // 5))
                row[col["category"]] = t.category or ""
                row[col["supplier"]] = t.supplier
                row[col["description"]] = f"generated line {n}"
                expenditure_ids.append((f"INV-{n:07d}", day))
            w.writerow(row)
            written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--keep", type=Path, default=None, help="write the CSV here and keep it")
    args = ap.parse_args(argv)

    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    with tempfile.TemporaryDirectory() as tmp:
        path: Path = args.keep or Path(tmp) / "ledger.csv"
        t0 = time.perf_counter()
        written = generate(path, agreement, args.rows, args.seed)
        t_generate = time.perf_counter() - t0
        size = path.stat().st_size

        total = count_csv_rows(path)
        # the same steps as read_ledger_csv (collector paused too), timed one by one
        pause = gc_paused()
        pause.__enter__()
        t0 = time.perf_counter()
        parser = RowParser()
        text = path.read_text(encoding="utf-8-sig")
        rows = iter(_csv_rows(text))
        _, header = next(rows)
        assert parser.start_table(str(path), header)
        with click.progressbar(length=total, label="importing", file=sys.stderr) as bar:
            last = 0

            def progress(done: int) -> None:
                nonlocal last
                bar.update(done - last)
                last = done

            done = parser.add_rows(rows, progress)
            progress(done)
        parser._check_reversals()
        t_parse = time.perf_counter() - t0
        assert not parser.has_errors, parser.issues[:5]

        t0 = time.perf_counter()
        ledger = Ledger(agreement, parser.entries)
        t_ledger = time.perf_counter() - t0

        t0 = time.perf_counter()
        issues = check_ledger(ledger)
        t_checks = time.perf_counter() - t0
        pause.__exit__(None, None, None)
        assert not has_errors(issues), [str(i) for i in issues[:5]]

        # and once more in one call of the public reader, as the command line makes it
        t0 = time.perf_counter()
        with click.progressbar(length=total, label="read_ledger_csv", file=sys.stderr) as bar:
            seen = 0

            def advance(done: int) -> None:
                nonlocal seen
                bar.update(done - seen)
                seen = done

            again, again_issues = read_ledger_csv(agreement, path, progress=advance)
        t_public = time.perf_counter() - t0
        assert again is not None, [str(i) for i in again_issues[:5]]
        assert len(again) == len(ledger)

    print(f"rows: {written:,} data rows, {size / 1e6:.1f} MB, {len(ledger):,} entries")
    print(f"generate:     {t_generate:8.2f} s")
    print(f"parse rows:   {t_parse:8.2f} s  ({written / t_parse:,.0f} rows/s)")
    print(f"ledger build: {t_ledger:8.2f} s")
    print(f"checks:       {t_checks:8.2f} s")
    total_s = t_parse + t_ledger + t_checks
    print(f"import total: {total_s:8.2f} s  (parse + ledger + checks)")
    print(f"read_ledger_csv, end to end: {t_public:8.2f} s")
    print(f"warnings:     {len(issues)}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"peak memory:  {peak:8.0f} MiB")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
