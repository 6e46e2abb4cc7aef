"""Benchmark: ``pooledledger close`` on a 200,000-line ledger, with and without the workbook.

Usage::

    python benchmarks/bench_close_workbook.py [--rows 200000] [--csv big.csv]
        [--src PATH]... [--always]

Writes (or reuses, with ``--csv``) a seeded ledger CSV for worked example 2 with
:mod:`bench_csv_import`, then runs the command line in a fresh process for each
pooledledger source tree given with ``--src`` (default: the one importable here),
once writing only the JSON (the import, the close and the reports) and once writing
only the workbook; with ``--always``, once more with ``--line-sheets always``.  Each
run prints its wall time and its peak memory (``ru_maxrss`` of that process).  The
workbook's own cost is the difference between the two runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.bench_csv_import import EXAMPLES, generate
from pooledledger.io.agreement_files import load_agreement

#: Runs the command line in this process and reports its peak memory on stderr.
_CHILD = """
import resource, sys, time
from pooledledger.cli import main
t0 = time.perf_counter()
try:
    main(sys.argv[1:], standalone_mode=False)
finally:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"BENCH {time.perf_counter() - t0:.2f} {peak:.0f}", file=sys.stderr)
"""


def run(src: Path | None, args: list[str]) -> tuple[float, float]:
    """Seconds and peak MiB of one ``pooledledger`` command in a fresh process."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *args], env=env, capture_output=True, text=True, check=True
    )
    line = next(x for x in done.stderr.splitlines() if x.startswith("BENCH "))
    _, seconds, peak = line.split()
    return float(seconds), float(peak)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument("--csv", type=Path, default=None, help="reuse (or write) the CSV here")
    ap.add_argument("--src", type=Path, action="append", default=None)
    ap.add_argument("--always", action="store_true", help="also with --line-sheets always")
    args = ap.parse_args(argv)

    agreement_file = EXAMPLES / "example2_bcf.toml"
    with tempfile.TemporaryDirectory() as tmp:
        csv = args.csv or Path(tmp) / "ledger.csv"
        if not csv.exists():
            generate(csv, load_agreement(agreement_file), args.rows, args.seed)
        base = [str(x) for x in ("close", agreement_file, csv)]
        print(f"ledger: {csv} ({csv.stat().st_size / 1e6:.1f} MB)")
        for src in args.src or [None]:
            label = str(src) if src else "installed"
            out = Path(tmp) / f"out{time.monotonic_ns()}"
            runs = [("json only", ["--format", "json"]), ("xlsx only", ["--format", "xlsx"])]
            if args.always:
                runs.append(("xlsx, line sheets", ["--format", "xlsx", "--line-sheets", "always"]))
            results = {}
            for name, extra in runs:
                results[name] = run(src, [*base, "--out", str(out / name), *extra])
                size = sum(p.stat().st_size for p in (out / name).glob("*.xlsx"))
                mb = f", workbook {size / 1e6:.1f} MB" if size else ""
                seconds, peak = results[name]
                print(f"{label}: {name:18} {seconds:7.1f} s  peak {peak:6.0f} MiB{mb}")
            json_s = results["json only"][0]
            for name in results:
                if name != "json only":
                    print(f"{label}: workbook ({name}) {results[name][0] - json_s:7.1f} s")
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
