"""Benchmark: ledger, apportionment and journals for 100,000 transactions.

Usage::

    python benchmarks/bench_apportion.py [--n 100000] [--seed 2025]
                                         [--partners 8] [--schemes 50]

Builds a seeded random pool (8 partners, 50 schemes by default) and ``--n``
entries (about 70% expenditure, 14% income, 6% reversals, 5% contribution
variations, 5% instalments), then times, separately, with ``time.perf_counter``:

* building the entries (pydantic validation of the input),
* ``Ledger(agreement, entries)`` and its pool lines (pence, recoverable VAT),
* ``apportion(ledger, year)``,
* ``build_journals(ledger, apportionment)``,

and verifies at full size, exactly (ints and Fractions), what
``tests/test_apportion_scale.py`` checks at 5,000:

* every line's shares sum to the line (a true-up's to 0), and per scheme and for
  the pool the partners' expenditure, income and net shares sum to the totals;
* a reversal is its original's shares negated; a true-up line follows its
  reversal and is the allocation of the running total minus the copied shares;
* after every pool line (with its true-up, if any) each partner's running share
  of each (scheme, kind) stream is the largest-remainder allocation of the running
  total (recomputed here in integers), so within 1p of exact, strictly, at every
  step and for the year; in fact within ``1 - 1/n`` for ``n`` contributing partners;
* net shares per scheme (derived, R5) within ``2 - 2/n``, so under 2p;
* each partner's pool-wide share within the sum of its per-scheme bounds;
* every journal balances and its net cost equals the partner's net share.

The generator is a self-contained copy of ``tests/strategies.random_pool`` so the
script runs on its own.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TypeVar

from moneyed import Money

from pooledledger.books.apportion import Apportionment, apportion
from pooledledger.books.journals import Journal, build_journals
from pooledledger.books.ledger import Ledger
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import (
    Agent,
    Agreement,
    JointOperation,
    LegalBasis,
    PlannedContribution,
    Principal,
    Scheme,
    VatModel,
)
from pooledledger.model.entries import (
    Contribution,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
)
from pooledledger.model.partners import Partner, PartnerKind, VatRegime

__all__ = ["Verification", "generate", "main", "verify"]

YEAR = FinancialYear(2025)
YEAR_DAYS = (YEAR.end - YEAR.start).days
_RANK = {"income": 2, "expenditure": 3, "reversal": 4}
TRUE_UP = ":true-up"

T = TypeVar("T")


def _text(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    pounds, p = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{p:02d}"


def _pence(money: Money) -> int:
    hundred = Decimal(money.amount) * 100
    if hundred != hundred.to_integral_value():
        raise AssertionError(f"{money} is not a whole number of pence")
    return int(hundred)


def _day(offset: int) -> date:
    return YEAR.start + timedelta(days=max(0, min(offset, YEAR_DAYS - 1)))


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


# ------------------------------------------------------------------------------ input


def generate(
    seed: int, n: int, n_partners: int = 8, n_schemes: int = 50
) -> tuple[Agreement, list[Entry]]:
    """A seeded agreement and ``n`` entries dated inside :data:`YEAR`."""
    rng = random.Random(seed)
    kinds = [PartnerKind.LOCAL_AUTHORITY, PartnerKind.NHS_BODY]
    kinds += [
        rng.choice((PartnerKind.LOCAL_AUTHORITY, PartnerKind.NHS_BODY))
        for _ in range(n_partners - 2)
    ]
    partners = tuple(
        Partner(id=f"P{i}", name=f"Partner {i}", kind=k, vat_regime=rng.choice(list(VatRegime)))
        for i, k in enumerate(kinds)
    )
    ids = [p.id for p in partners]
    host = ids[0]
    schemes: list[Scheme] = []
    planned: list[PlannedContribution] = []
    sums: dict[tuple[str, str], int] = {}
    for k in range(n_schemes):
        sid = f"S{k:02d}"
        model = rng.choice((JointOperation(), Principal(partner=host), Agent(partner=host)))
        schemes.append(
            Scheme(
                id=sid,
                name=f"Scheme {k}",
                lead_commissioner=rng.choice(ids),
                accounting_model=model,
            )
        )
        for p in rng.sample(ids, rng.randint(1, n_partners)):
            amount = rng.choice((rng.randint(1, 10**6), rng.randint(10**6, 10**10)))
            sums[sid, p] = amount
            planned.append(
                PlannedContribution(
                    id=f"C-{sid}-{p}",
                    partner=p,
                    scheme=sid,
                    year=YEAR,
                    amount=_text(amount),
                    approval_ref=f"BOARD-{sid}",
                )
            )
    agreement = Agreement(
        id="BENCH",
        name="Benchmark pool",
        legal_basis=LegalBasis.S75_NHSA2006,
        term_start=YEAR.start,
        term_end=YEAR.last_day,
        partners=partners,
        host=host,
        pooled_fund_manager="Pooled fund manager",
        schemes=tuple(schemes),
        contributions=tuple(planned),
        vat_model=rng.choice(list(VatModel)),
    )
    scheme_ids = [s.id for s in schemes]
    entries: list[Entry] = []
    open_lines: list[Expenditure | Income] = []
    for i in range(n):
        entry_id = f"T{i:06d}"
        r = rng.random()
        when = _day(rng.randrange(YEAR_DAYS))
        entry: Entry
        if r < 0.06 and open_lines:
            j = rng.randrange(len(open_lines))
            original = open_lines[j]
            open_lines[j] = open_lines[-1]
            open_lines.pop()
            first = (original.date - YEAR.start).days
            offset = first + rng.randint(0, min(60, YEAR_DAYS - 1 - first))
            entry = Reversal(id=entry_id, reverses=original.id, date=_day(offset), reason="error")
        elif r < 0.11:
            sid, p = rng.choice(scheme_ids), rng.choice(ids)
            current = sums.get((sid, p), 0)
            amount = rng.randint(1, 10**8)
            if current > 1 and rng.random() < 0.3:
                amount = -rng.randint(1, current // 2)
            sums[sid, p] = current + amount
            entry = Contribution(
                id=entry_id,
                partner=p,
                scheme=sid,
                year=YEAR,
                amount=_text(amount),
                effective_date=when,
                approval_ref=f"VAR-{entry_id}",
            )
        elif r < 0.16:
            entry = Instalment(
                id=entry_id,
                partner=rng.choice(ids[1:]),
                scheme=rng.choice(scheme_ids),
                year=YEAR,
                amount=_text(rng.randint(1, 10**8)),
                due_date=when,
                paid_date=when if rng.random() < 0.9 else None,
            )
        elif r < 0.30:
            amount = rng.choice((rng.randint(1, 999), rng.randint(1, 10**7)))
            entry = Income(
                id=entry_id, scheme=rng.choice(scheme_ids), date=when, amount=_text(amount)
            )
        else:
            net = rng.choice((rng.randint(-999, 999), rng.randint(1, 10**8)))
            vat = net // 5 if rng.random() < 0.5 else 0
            scheme = rng.choice(scheme_ids)
            recoverable = _text(rng.choice((0, vat, vat // 2)))
            procuring = rng.choice((None, rng.choice(ids)))
            entry = Expenditure(
                id=entry_id,
                scheme=scheme,
                date=when,
                net=_text(net),
                vat=_text(vat),
                vat_recoverable=recoverable,
                procuring_partner=procuring,
                # a capital item names its owner (PL-LED-007, refused when posted)
                capital=rng.random() < 0.02 and procuring is not None,
            )
        if isinstance(entry, Expenditure | Income):
            open_lines.append(entry)
        entries.append(entry)
    return agreement, entries


# ------------------------------------------------------------------------ verification


def _largest_remainder(total: int, numerators: Sequence[int]) -> list[int]:
    """The reference allocation (domain.md §12) in integers, ties to the earlier key."""
    t, s = abs(total), sum(numerators)
    floors, remainders = zip(*(divmod(t * c, s) for c in numerators), strict=True)
    parts = list(floors)
    for i in sorted(range(len(parts)), key=lambda i: (-remainders[i], i))[: t - sum(parts)]:
        parts[i] += 1
    return [-v for v in parts] if total < 0 else parts


@dataclass(frozen=True)
class Verification:
    """Sizes seen and the largest deviations (pence) against their bounds."""

    lines: int
    true_ups: int
    steps_checked: int  # (line, stream) states compared with the allocation
    streams: int
    max_step_deviation: Fraction  # any partner, any stream, after any line
    max_scheme_deviation: Fraction  # year, expenditure or income
    max_net_deviation: Fraction  # year, per scheme
    max_pool_deviation: Fraction  # net, per partner, whole pool
    min_pool_bound: Fraction


def verify(
    agreement: Agreement,
    entries: list[Entry],
    ap: Apportionment,
    journals: dict[str, Journal],
) -> Verification:
    """Check the statements of the module docstring; raise ``AssertionError`` if one fails."""
    partners = [p.id for p in agreement.partners]
    sums: dict[str, dict[str, int]] = defaultdict(dict)
    for c in agreement.contributions:
        sums[c.scheme][c.partner] = sums[c.scheme].get(c.partner, 0) + _pence(c.amount)
    for e in entries:
        if isinstance(e, Contribution):
            sums[e.scheme][e.partner] = sums[e.scheme].get(e.partner, 0) + _pence(e.amount)
    numerators: dict[str, list[int]] = {}
    weights: dict[str, dict[str, Fraction]] = {}
    one_scheme: dict[tuple[str, str], Fraction] = {}  # 1 - 1/n, or 0 if w is 0 or 1
    for s in agreement.schemes:
        row = sums[s.id]
        total = sum(row.values())
        _check(total > 0 and min(row.values()) >= 0, f"{s.id} has no usable weights")
        numerators[s.id] = [row.get(p, 0) for p in partners]
        weights[s.id] = {p: Fraction(row.get(p, 0), total) for p in partners}
        n = sum(1 for v in row.values() if v > 0)
        for p in partners:
            w_p = weights[s.id][p]
            one_scheme[s.id, p] = 1 - Fraction(1, n) if 0 < w_p < 1 else Fraction(0)

    amount: dict[str, tuple[str, str, int]] = {}
    order: list[tuple[date, int, str]] = []
    originals: dict[str, str] = {}
    for e in entries:
        if isinstance(e, Expenditure):
            rec = _pence(e.vat_recoverable) if e.vat_recoverable is not None else 0
            amount[e.id] = (e.scheme, "expenditure", _pence(e.net) + _pence(e.vat) - rec)
            order.append((e.date, _RANK["expenditure"], e.id))
        elif isinstance(e, Income):
            amount[e.id] = (e.scheme, "income", _pence(e.amount))
            order.append((e.date, _RANK["income"], e.id))
    for e in entries:
        if isinstance(e, Reversal):
            scheme, kind, a = amount[e.reverses]
            amount[e.id] = (scheme, kind, -a)
            originals[e.id] = e.reverses
            order.append((e.date, _RANK["reversal"], e.id))
    canonical = [entry_id for _, _, entry_id in sorted(order)]
    pool_ids = [x.entry_id for x in ap.lines if not x.entry_id.endswith(TRUE_UP)]
    _check(pool_ids == canonical, "lines not in canonical order")

    by_id = {x.entry_id: x for x in ap.lines}
    totals: dict[tuple[str, str], int] = defaultdict(int)
    running: dict[tuple[str, str], list[int]] = {}
    lines = ap.lines
    true_ups = steps = 0
    max_step = Fraction(0)
    for i, x in enumerate(lines):
        key = (x.scheme, x.kind)
        parts = running.setdefault(key, [0] * len(partners))
        if x.entry_id.endswith(TRUE_UP):
            true_ups += 1
            _check(
                i > 0 and lines[i - 1].entry_id + TRUE_UP == x.entry_id,
                f"true-up {x.entry_id} does not follow its reversal",
            )
            _check(lines[i - 1].entry_id in originals, f"{x.entry_id} follows an ordinary line")
            _check((x.amount, x.reverses) == (0, None), f"true-up {x.entry_id}")
            _check(sum(x.shares.values()) == 0, f"true-up {x.entry_id} does not sum to 0")
            now = _largest_remainder(totals[key], numerators[x.scheme])
            _check(
                [x.shares.get(p, 0) for p in partners]
                == [a - b for a, b in zip(now, parts, strict=True)],
                f"true-up {x.entry_id} is not the allocation minus the copied shares",
            )
        else:
            _check((x.scheme, x.kind, x.amount) == amount[x.entry_id], f"line {x.entry_id}")
            _check(sum(x.shares.values()) == x.amount, f"shares of {x.entry_id} do not sum")
            if x.entry_id in originals:
                copied = {p: -v for p, v in by_id[originals[x.entry_id]].shares.items()}
                _check(x.shares == copied, f"reversal {x.entry_id} is not a negated copy")
            totals[key] += x.amount
        parts = [v + x.shares.get(p, 0) for p, v in zip(partners, parts, strict=True)]
        running[key] = parts
        if i + 1 < len(lines) and lines[i + 1].entry_id == x.entry_id + TRUE_UP:
            continue
        steps += 1
        total = totals[key]
        _check(
            parts == _largest_remainder(total, numerators[x.scheme]),
            f"{x.kind} shares of {x.scheme} after {x.entry_id} are not the allocation "
            f"of the running total {total}",
        )
        for p, v in zip(partners, parts, strict=True):
            deviation = abs(v - total * weights[x.scheme][p])
            _check(deviation < 1, f"{p} in {x.scheme} after {x.entry_id}: {deviation}p off")
            _check(deviation <= one_scheme[x.scheme, p], f"{p} in {x.scheme}: {deviation}")
            max_step = max(max_step, deviation)

    max_dev = max_net = Fraction(0)
    pool_total = {"expenditure": 0, "income": 0}
    for s in agreement.schemes:
        k, w, ss = s.id, weights[s.id], ap.schemes[s.id]
        for kind, ytd in (("expenditure", ss.expenditure), ("income", ss.income)):
            total = totals.get((k, kind), 0)
            pool_total[kind] += total
            _check(sum(ytd.values()) == total, f"I-3: {kind} shares of {k}")
            shares = [ytd[p] for p in partners]
            _check(shares == _largest_remainder(total, numerators[k]), f"{kind} of {k}")
            for p in partners:
                deviation = abs(ytd[p] - total * w[p])
                _check(deviation < 1, f"{kind} share of {p} in {k}: {deviation}p off")
                _check(deviation <= one_scheme[k, p], f"{kind} share of {p} in {k}")
                max_dev = max(max_dev, deviation)
        net_total = totals.get((k, "expenditure"), 0) - totals.get((k, "income"), 0)
        _check(sum(ss.net.values()) == net_total, f"I-3: net shares of {k}")
        for p in partners:
            deviation = abs(ss.net[p] - net_total * w[p])
            _check(deviation < 2, f"net share of {p} in {k} is {deviation}p off")
            _check(deviation <= 2 * one_scheme[k, p], f"net share of {p} in {k}")
            max_net = max(max_net, deviation)

    by_partner = ap.by_partner()
    for kind in ("expenditure", "income"):
        _check(sum(v[kind] for v in by_partner.values()) == pool_total[kind], f"pool {kind}")
    pool_net = pool_total["expenditure"] - pool_total["income"]
    _check(sum(v["net"] for v in by_partner.values()) == pool_net, "pool net")
    max_pool = Fraction(0)
    min_bound: Fraction | None = None
    for p in partners:
        exact = Fraction(0)
        bound = Fraction(0)
        for s in agreement.schemes:
            n_k = totals.get((s.id, "expenditure"), 0) - totals.get((s.id, "income"), 0)
            exact += n_k * weights[s.id][p]
            bound += 2 * one_scheme[s.id, p]
        deviation = abs(by_partner[p]["net"] - exact)
        _check(deviation <= bound, f"pool-wide net share of {p}")
        max_pool = max(max_pool, deviation)
        min_bound = bound if min_bound is None else min(min_bound, bound)

    for p, j in journals.items():
        _check(j.is_balanced, f"journal of {p} does not balance")
        _check(j.net_cost == ap.partner_net(p), f"net cost of {p} is not its net share")

    return Verification(
        lines=len(canonical),
        true_ups=true_ups,
        steps_checked=steps,
        streams=2 * len(agreement.schemes),
        max_step_deviation=max_step,
        max_scheme_deviation=max_dev,
        max_net_deviation=max_net,
        max_pool_deviation=max_pool,
        min_pool_bound=min_bound or Fraction(0),
    )


# ------------------------------------------------------------------------------- main


def _cpu_name() -> str:
    """The CPU model from /proc/cpuinfo where there is one, else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _timed(label: str, timings: list[tuple[str, float]], fn: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = fn()
    timings.append((label, time.perf_counter() - start))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=100_000, help="number of transactions")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--partners", type=int, default=8)
    parser.add_argument("--schemes", type=int, default=50)
    args = parser.parse_args(argv)

    timings: list[tuple[str, float]] = []
    agreement, entries = _timed(
        "build entries (pydantic)",
        timings,
        lambda: generate(args.seed, args.n, args.partners, args.schemes),
    )
    ledger = _timed("Ledger(agreement, entries)", timings, lambda: Ledger(agreement, entries))
    _timed("ledger.pool_lines (pence, VAT)", timings, lambda: ledger.pool_lines)
    ap = _timed("apportion(ledger, year)", timings, lambda: apportion(ledger, YEAR))
    journals, _ = _timed("build_journals(ledger, ap)", timings, lambda: build_journals(ledger, ap))
    v = _timed(
        "verify (exact, Fractions)", timings, lambda: verify(agreement, entries, ap, journals)
    )

    print(f"pooledledger apportionment benchmark: {args.n:,} transactions, seed {args.seed}")
    print(
        f"  {len(agreement.partners)} partners, {len(agreement.schemes)} schemes, "
        f"{v.lines:,} pool lines, {sum(len(j.lines) for j in journals.values()):,} journal lines"
    )
    print(
        f"  machine: {platform.platform()}; Python {platform.python_version()} "
        f"({platform.python_implementation()}); {os.cpu_count()} CPUs; "
        f"{_cpu_name()}"
    )
    print()
    print(f"  {'phase':<34}{'seconds':>9}{'µs/txn':>9}")
    for label, seconds in timings:
        print(f"  {label:<34}{seconds:>9.3f}{seconds / args.n * 1e6:>9.1f}")
    core = sum(s for _, s in timings[1:5])
    print(f"  {'ledger + apportion + journals':<34}{core:>9.3f}{core / args.n * 1e6:>9.1f}")
    print()
    print("  verified: shares sum exactly per line, scheme and pool; journals balance")
    print(
        f"  {v.true_ups:,} true-up lines after {v.lines:,} pool lines; after each of "
        f"{v.steps_checked:,} lines every running share = allocation of the running total"
    )
    print(
        f"  per scheme, any step: max |share - exact| = {float(v.max_step_deviation):.3f}p "
        f"(< 1p); year: {float(v.max_scheme_deviation):.3f}p (< 1p)"
    )
    print(f"  per scheme net share: max deviation {float(v.max_net_deviation):.3f}p (< 2p)")
    print(
        f"  pool-wide net share per partner: max deviation {float(v.max_pool_deviation):.3f}p "
        f"(bound: sum of scheme bounds, smallest {float(v.min_pool_bound):.1f}p)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
