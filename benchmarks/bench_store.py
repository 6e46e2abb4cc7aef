"""Benchmark: a year of monthly imports into a pool store, then close and verify.

Usage::

    python benchmarks/bench_store.py [--lines 2000] [--store PATH_OR_URL]

Makes twelve monthly JSON ledger files for the bundled example-2 agreement (the
Better Care Fund): the example's contributions and instalments in April, and
``--lines`` expenditure lines a month spread over the five schemes so each
scheme's year totals the example's outturn.  It then times, with
``time.perf_counter``: making the store, each monthly import (the first, the
last, and all twelve), the close, ``verify`` (the hash chain, every row against
its event, the close re-run) and ``export``.  The store is a new SQLite file in a
temporary folder unless ``--store`` names a path or an empty PostgreSQL database.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from importlib.resources import files
from pathlib import Path

from pooledledger.books.ledger import Ledger, entry_date
from pooledledger.core.allocation import allocate
from pooledledger.core.money import to_money
from pooledledger.core.periods import FinancialYear
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.ledger_files import dump_ledger_json, load_ledger
from pooledledger.model.entries import Entry, Expenditure
from pooledledger.store import PoolStore


def monthly_files(folder: Path, lines: int) -> tuple[Path, list[Path]]:
    examples = files("pooledledger") / "examples"
    agreement_path = Path(str(examples / "example2_bcf.toml"))
    agreement = load_agreement(agreement_path)
    ledger = load_ledger(agreement, Path(str(examples / "example2_ledger.toml")))
    year = FinancialYear.parse("2025-26")
    spend: dict[str, int] = defaultdict(int)
    template: dict[str, Expenditure] = {}
    months: dict[int, list[Entry]] = defaultdict(list)
    for e in ledger.entries:
        if isinstance(e, Expenditure):
            spend[e.scheme] += e.net_pence
            template[e.scheme] = e
        else:
            months[entry_date(e).month].append(e)
    schemes = sorted(spend)
    for scheme in schemes:
        per_month = allocate(spend[scheme], dict.fromkeys(range(12), 1), list(range(12)))
        for m in range(12):
            period = year.month(m + 1)
            count = lines // len(schemes)
            parts = allocate(per_month[m], dict.fromkeys(range(count), 1), list(range(count)))
            for i in range(count):
                months[period.start.month].append(
                    template[scheme].model_copy(
                        update={
                            "id": f"{scheme}-{period.start:%Y%m}-{i:06d}",
                            "date": date(period.start.year, period.start.month, 1 + i % 28),
                            "net": to_money(parts[i]),
                        }
                    )
                )
    out = []
    for n in range(1, 13):
        period = year.month(n)
        path = folder / f"bcf-{period.start:%Y-%m}.json"
        path.write_text(
            dump_ledger_json(Ledger(agreement, months[period.start.month])), encoding="utf-8"
        )
        out.append(path)
    return agreement_path, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=2000, help="expenditure lines a month")
    parser.add_argument("--store", help="store path or postgresql:// URL (default: a temp file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        agreement, months = monthly_files(folder, args.lines)
        location = args.store or str(folder / "bench.pool")
        t0 = time.perf_counter()
        store = PoolStore.init(location, agreement, by="bench")
        t_init = time.perf_counter() - t0
        times = []
        for path in months:
            t = time.perf_counter()
            store.import_file(path, by="bench")
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        stored = store.close("2025-26", by="bench")
        t_close = time.perf_counter() - t
        t = time.perf_counter()
        report = store.verify()
        t_verify = time.perf_counter() - t
        t = time.perf_counter()
        store.export(folder / "export")
        t_export = time.perf_counter() - t
        entries = len(store.ledger())
        store.dispose()
    assert report.ok, report.issues
    assert stored.result.partner("ICB").settlement == -4578948
    kind = "PostgreSQL" if location.startswith("postgres") else "SQLite"
    print(f"{kind} store, {entries:,} entries ({args.lines:,} expenditure lines a month)")
    print(f"  init               {t_init:8.3f} s")
    print(f"  first import       {times[0]:8.3f} s")
    print(f"  last import        {times[-1]:8.3f} s")
    print(f"  12 imports         {sum(times):8.3f} s")
    print(f"  close              {t_close:8.3f} s")
    print(f"  verify             {t_verify:8.3f} s ({report.events} events)")
    print(f"  export             {t_export:8.3f} s")
    print(f"  machine: {platform.platform()}, Python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
