"""Benchmark: pooledledger side by side with a hand-written polars pipeline.

Usage::

    python benchmarks/bench_scale.py [--sizes 10000,100000,1000000] [--seed 2025]
                                     [--project-max 1000000] [--repeat 1]

``--repeat N`` keeps the fastest of N runs of each job, run in rounds (polars, the
API, the command line, then again), so that a machine whose speed drifts over the
minutes weighs on each alike. The children run with
their bytecode compiled, as an installed package has it (``PYTHONDONTWRITEBYTECODE``
is dropped from their environment).

For each size, writes one seeded ledger CSV in the documented layout for the
bundled Better Care Fund agreement (the generator of ``bench_csv_import.py``:
expenditure on five schemes, client-charge income, reversals, UK dates and
``£1,234.56`` amounts mixed in), then times, each in a fresh subprocess whose
peak resident memory is read from the kernel (``os.wait4``):

* ``polars``: a hand-written polars pipeline doing the core job on the same file:
  read every cell as text, parse exact pence (no float, no Decimal reader), dates
  in both layouts, pool cost (net + VAT not recovered), reversals negated, every
  partner's cumulative largest-remainder share of every line per scheme (exact
  Int128 arithmetic), per-scheme totals, and the year-end variance of each scheme
  split by the partners' weights;
* ``api``: the library in memory: ``read_ledger_csv`` then ``close_year``, timed
  from the process's start to the close's end, with the peak memory to then (the
  shares it then works out for the comparison with polars are not counted);
* ``cli``: ``pooledledger close AGREEMENT FILE --out DIR``, every output written;

and, once, the start-up time of ``pooledledger --help`` and ``import pooledledger``.
It checks that the polars pipeline and the library agree on every scheme's totals
and on every partner's share of them, to the penny, and prints a Markdown table:
seconds, the ratio to polars, microseconds and peak bytes per line.

Figures depend on the machine and on its load: the script prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "src" / "pooledledger" / "examples"
AGREEMENT = EXAMPLES / "example2_bcf.toml"


# -- the jobs, each run in its own subprocess --------------------------------------


def job_polars(agreement_path: Path, csv_path: Path) -> dict[str, Any]:
    """The hand-written polars pipeline; returns per-scheme totals and shares."""
    t0 = time.perf_counter()
    import polars as pl

    from pooledledger.core.money import to_pence
    from pooledledger.io.agreement_files import load_agreement

    agreement = load_agreement(agreement_path)
    partners = list(agreement.partner_order)
    host_recovers = agreement.partner(agreement.host).vat_regime.value == "LA_S33"
    weights: dict[str, dict[str, int]] = {}
    for c in agreement.contributions:
        if c.kind.value == "RISK_POOL":
            continue
        w = weights.setdefault(c.scheme, dict.fromkeys(partners, 0))
        w[c.partner] += to_pence(c.amount)

    df = pl.read_csv(csv_path, infer_schema=False)  # every cell as text

    def pence(col: str) -> pl.Expr:
        raw = pl.col(col).str.strip_chars()
        neg = raw.str.starts_with("(") | raw.str.starts_with("-")
        digits = raw.str.replace_all(r"[£,()\-\s]", "")
        parts = digits.str.split_exact(".", 1)
        whole = parts.struct.field("field_0").cast(pl.Int64)
        frac = parts.struct.field("field_1").fill_null("").str.pad_end(2, "0")
        p = whole * 100 + frac.cast(pl.Int64)
        return pl.when(neg).then(-p).otherwise(p)

    day = pl.col("date")
    lines = (
        df.filter(pl.col("entry").is_in(["expenditure", "income", "reversal"]))
        .with_row_index("row")
        .with_columns(
            pl.coalesce(
                day.str.to_date("%Y-%m-%d", strict=False),
                day.str.to_date("%d/%m/%Y", strict=False),
            ).alias("day"),
            pence("net").fill_null(0).alias("net_p"),
            pence("vat").fill_null(0).alias("vat_p"),
            pence("amount").fill_null(0).alias("amount_p"),
        )
        .with_columns(
            pl.when(pl.col("entry") == "expenditure")
            .then(pl.col("net_p") + (0 if host_recovers else pl.col("vat_p")))
            .otherwise(pl.col("amount_p"))
            .alias("cost"),
            pl.when(pl.col("entry") == "income")
            .then(pl.lit("income"))
            .otherwise(pl.lit("expenditure"))
            .alias("kind"),
        )
    )
    originals = lines.filter(pl.col("entry") != "reversal").select(
        pl.col("id").alias("reverses"),
        pl.col("scheme").alias("o_scheme"),
        pl.col("kind").alias("o_kind"),
        pl.col("cost").alias("o_cost"),
    )
    kind_rank = pl.col("entry").replace_strict(
        {"income": 2, "expenditure": 3, "reversal": 4}, return_dtype=pl.Int8
    )
    lines = (
        lines.join(originals, on="reverses", how="left")
        .with_columns(
            pl.coalesce("o_scheme", "scheme").alias("scheme"),
            pl.coalesce("o_kind", "kind").alias("kind"),
            pl.when(pl.col("entry") == "reversal")
            .then(-pl.col("o_cost"))
            .otherwise(pl.col("cost"))
            .alias("cost"),
            kind_rank.alias("rank"),
        )
        .sort("day", "rank", "id")
    )
    frames = []
    for scheme, w in weights.items():
        total_w = sum(w.values())
        part = lines.filter(pl.col("scheme") == scheme)
        running = pl.col("cost").cum_sum().over("kind").cast(pl.Int128)
        part = part.with_columns(running.alias("R"))
        t = pl.col("R").abs()
        exprs = []
        for p in partners:
            exprs += [
                (t * w[p] // total_w).alias(f"q_{p}"),
                (t * w[p] % total_w).alias(f"r_{p}"),
            ]
        part = part.with_columns(exprs)
        left = t - pl.sum_horizontal([pl.col(f"q_{p}") for p in partners])
        alloc = []
        for i, p in enumerate(partners):
            ahead = [
                (pl.col(f"r_{o}") > pl.col(f"r_{p}"))
                | ((pl.col(f"r_{o}") == pl.col(f"r_{p}")) & pl.lit(j < i))
                for j, o in enumerate(partners)
                if o != p
            ]
            rank = pl.sum_horizontal([a.cast(pl.Int64) for a in ahead]) if ahead else pl.lit(0)
            a = pl.col(f"q_{p}") + (rank < left).cast(pl.Int128)
            alloc.append((pl.when(pl.col("R") < 0).then(-a).otherwise(a)).alias(f"A_{p}"))
        part = part.with_columns(alloc).with_columns(
            [
                (pl.col(f"A_{p}") - pl.col(f"A_{p}").shift(1, fill_value=0).over("kind"))
                .cast(pl.Int64)
                .alias(p)
                for p in partners
            ]
        )
        frames.append(part.select("id", "scheme", "kind", "cost", *partners))
    shares = pl.concat(frames)
    totals = (
        shares.group_by("scheme", "kind")
        .agg(pl.col("cost").sum(), *[pl.col(p).sum() for p in partners])
        .sort("scheme")
    )
    out: dict[str, Any] = {"lines": shares.height, "schemes": {}}
    for row in totals.iter_rows(named=True):
        s = out["schemes"].setdefault(row["scheme"], {})
        s[row["kind"]] = {"total": row["cost"], **{p: row[p] for p in partners}}
    # year-end variance: contributions less net expenditure, split by the weights
    for scheme, w in weights.items():
        s = out["schemes"].setdefault(scheme, {})
        net = s.get("expenditure", {}).get("total", 0) - s.get("income", {}).get("total", 0)
        variance = sum(w.values()) - net
        exact = {p: Fraction(abs(variance) * v, sum(w.values())) for p, v in w.items()}
        floors = {p: int(x) for p, x in exact.items()}
        rest = abs(variance) - sum(floors.values())
        for p in sorted(partners, key=lambda p: (-(exact[p] - floors[p]), partners.index(p)))[
            :rest
        ]:
            floors[p] += 1
        s["variance"] = {p: v if variance >= 0 else -v for p, v in floors.items()}
    out["seconds"] = time.perf_counter() - t0
    return out


def job_api(agreement_path: Path, csv_path: Path) -> dict[str, Any]:
    """The library in memory: read the CSV, close the year; per-scheme shares back."""
    t0 = time.perf_counter()
    from pooledledger.books.apportion import apportion
    from pooledledger.core.periods import FinancialYear
    from pooledledger.io.agreement_files import load_agreement
    from pooledledger.io.csv_files import read_ledger_csv
    from pooledledger.yearend.close import close_year

    agreement = load_agreement(agreement_path)
    ledger, issues = read_ledger_csv(agreement, csv_path)
    assert ledger is not None, [str(i) for i in issues[:5]]
    t_read = time.perf_counter() - t0
    close_year(agreement, ledger, FinancialYear(2025))
    seconds = time.perf_counter() - t0
    stopped_at, peak = time.time(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    # for the comparison with polars only, after the clock has stopped (and the peak
    # read): the per-line share objects made here are no part of the job
    shares = apportion(ledger, FinancialYear(2025))
    out: dict[str, Any] = {"lines": len(shares.lines), "schemes": {}}
    for sid, s in shares.schemes.items():
        out["schemes"][sid] = {
            "expenditure": {"total": s.total_expenditure, **s.expenditure},
            "income": {"total": s.total_income, **s.income},
        }
    out["seconds"] = seconds
    out["read_seconds"] = t_read
    out["stopped_at"] = stopped_at
    out["peak"] = peak
    return out


JOBS = {"polars": job_polars, "api": job_api}


# -- the driver --------------------------------------------------------------------


def _run(argv: list[str]) -> tuple[float, int, str]:
    """Run ``argv``; wall seconds, peak RSS in bytes (Linux: ru_maxrss in KiB), stdout."""
    env = dict(os.environ)
    # an installed package has its bytecode compiled (pip does it at install time):
    # measure that, not a recompile of every module on each start
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT / "src"), str(ROOT), *filter(None, [env.get("PYTHONPATH")])]
    )
    with tempfile.TemporaryFile() as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{argv!r} failed with exit code {proc.returncode}:\n{text[-2000:]}")
    return wall, usage.ru_maxrss * 1024, text


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "pooledledger"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from pooledledger.cli import main; main()"]


def _job(name: str, csv_path: Path) -> tuple[float, int, dict[str, Any]]:
    """Run a job in its own process: its seconds and peak memory from the process's
    start to the job's end, if the job says when that was (work it does after, for the
    comparison only, is not counted), else to the process's end."""
    started = time.time()
    wall, rss, text = _run([sys.executable, __file__, "--job", name, str(AGREEMENT), str(csv_path)])
    out = json.loads(text.strip().splitlines()[-1])
    if "stopped_at" in out:
        return out["stopped_at"] - started, out["peak"], out
    return wall, rss, out


def _same(a: dict[str, Any], b: dict[str, Any]) -> None:
    for sid, kinds in a["schemes"].items():
        for kind in ("expenditure", "income"):
            x = kinds.get(kind, {"total": 0})
            y = b["schemes"].get(sid, {}).get(kind, {"total": 0})
            if x["total"] == 0 and y["total"] == 0:
                continue
            if x != y:
                raise SystemExit(f"polars and pooledledger differ on {sid} {kind}: {x} != {y}")


def _warm() -> None:
    """Compile every module's bytecode once (as ``pip install`` does) before timing."""
    _run([sys.executable, "-m", "compileall", "-q", str(ROOT / "src" / "pooledledger")])


def _quickest(runs: list[tuple[float, int, Any]]) -> tuple[float, int, Any]:
    """The fastest of some runs of one path (the least disturbed by other work on
    the machine)."""
    return min(runs, key=lambda r: r[0])


def _startup(repeat: int = 5) -> tuple[float, float]:
    helps = [_run([*_cli(), "--help"])[0] for _ in range(repeat)]
    imports = [_run([sys.executable, "-c", "import pooledledger"])[0] for _ in range(repeat)]
    return min(helps), min(imports)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--seed", type=int, default=2025)
    ap.add_argument(
        "--project-max",
        type=int,
        default=10**9,
        help="run the library's paths only up to this many rows (polars runs at every size)",
    )
    ap.add_argument(
        "--repeat", type=int, default=1, help="run each timed job this many times; keep the best"
    )
    ap.add_argument("--job", nargs=3, metavar=("NAME", "AGREEMENT", "CSV"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.job:
        name, agreement, csv_path = args.job
        print(json.dumps(JOBS[name](Path(agreement), Path(csv_path))))
        return 0

    sys.path.insert(0, str(ROOT))  # run as a script: the repository root holds benchmarks/
    from benchmarks.bench_csv_import import generate
    from pooledledger.io.agreement_files import load_agreement

    agreement = load_agreement(AGREEMENT)
    print(f"load before: {os.getloadavg()}", flush=True)
    _warm()
    t_help, t_import = _startup()
    print(f"pooledledger --help: {t_help:.3f} s; import pooledledger: {t_import:.3f} s")
    rows_out = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            path = Path(tmp) / f"ledger-{size}.csv"
            generate(path, agreement, size, args.seed)
            load = os.getloadavg()[0]
            outdir = Path(tmp) / f"out-{size}"
            close = [*_cli(), "close", str(AGREEMENT), str(path), "--out", str(outdir)]
            runs: dict[str, list[tuple[float, int, Any]]] = {"polars": [], "api": [], "cli": []}
            # in rounds, each path once a round: a machine whose speed drifts over the
            # minutes weighs on every path alike, not on whichever ran last
            for _ in range(args.repeat):
                runs["polars"].append(_job("polars", path))
                if size <= args.project_max:
                    runs["api"].append(_job("api", path))
                    runs["cli"].append(_run(close))
            p_wall, p_rss, p_out = _quickest(runs["polars"])
            row: dict[str, Any] = {
                "rows": size,
                "load": load,
                "polars": (p_wall, p_rss, p_out["seconds"]),
            }
            if size <= args.project_max:
                a_wall, a_rss, a_out = _quickest(runs["api"])
                _same(p_out, a_out)
                c_wall, c_rss, _ = _quickest(runs["cli"])
                row["api"] = (a_wall, a_rss, a_out["seconds"])
                row["cli"] = (c_wall, c_rss, c_wall)
            rows_out.append(row)
            print(json.dumps(row), flush=True)
            path.unlink()

    print()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, "
        f"{platform.python_implementation()} {platform.python_version()}; "
        f"load average after: {os.getloadavg()}"
    )
    print()
    print(
        "| rows | load | polars s | `close` CLI s | × polars | CLI µs/row | CLI peak B/row "
        "| API s | × polars | API peak B/row |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in rows_out:
        n = row["rows"]
        p_wall = row["polars"][0]
        cells = [f"{n:,}", f"{row['load']:.1f}", f"{p_wall:.2f}"]
        if "cli" in row:
            c_wall, c_rss, _ = row["cli"]
            a_wall, a_rss, _ = row["api"]
            cells += [
                f"{c_wall:.2f}",
                f"{c_wall / p_wall:.1f}",
                f"{c_wall / n * 1e6:.0f}",
                f"{c_rss / n:,.0f}",
                f"{a_wall:.2f}",
                f"{a_wall / p_wall:.1f}",
                f"{a_rss / n:,.0f}",
            ]
        else:
            cells += ["not run"] + [""] * 6
        print("| " + " | ".join(cells) + " |")
    print()
    print(f"`pooledledger --help`: {t_help:.3f} s; `import pooledledger`: {t_import:.3f} s")
    _growth(rows_out)
    return 0


def _growth(rows_out: list[dict[str, Any]]) -> None:
    """Per-line time at the largest size over that at the next one down (1.0 is linear)."""
    for key, label in (("cli", "`close` CLI"), ("api", "API"), ("polars", "polars")):
        timed = [(r["rows"], r[key][0]) for r in rows_out if key in r]
        if len(timed) >= 2:
            (n1, t1), (n2, t2) = sorted(timed)[-2:]
            print(
                f"{label}: µs per row {t1 / n1 * 1e6:.1f} at {n1:,} rows, "
                f"{t2 / n2 * 1e6:.1f} at {n2:,}: ratio {(t2 / n2) / (t1 / n1):.2f}"
            )


if __name__ == "__main__":
    sys.exit(main())
