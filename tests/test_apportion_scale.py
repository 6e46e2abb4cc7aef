"""Apportionment at scale: 5,000 seeded transactions over 8 partners and 50 schemes.

The benchmark (``benchmarks/bench_apportion.py``) checks the same statements at
100,000 transactions.  With integer weights ``c_ik`` (partner *i*'s approved
annual contributions to scheme *k*), ``w_ik = c_ik / Σ_i c_ik``, ``n_k`` the number
of partners with ``w_ik > 0``, and year totals ``E_k``, ``I_k``, ``N_k = E_k - I_k``:

* **Exact sums.** Every line's shares sum to the line (a true-up's to 0); per
  scheme and for the whole pool the partners' expenditure, income and net shares
  sum to the totals.
* **Exact at every step.** After every pool line (an ordinary line, or a reversal
  with the zero-amount true-up that may follow it) each partner's running share
  of each (scheme, kind) stream is the largest-remainder allocation of the running
  total, recomputed here in integers; so is its share of the year.
* **Per scheme, 1p.** Hence a partner's expenditure (and income) share is within
  1p of exact, strictly, at every step and for the year; in fact within
  ``1 - 1/n_k`` (largest remainder: a partner given a remainder penny had a
  fraction of at least ``1/n_k``, one not given one at most ``1 - 1/n_k``), and
  exact when ``w_ik`` is 0 or 1.
* **Net, per scheme: under 2p, not 1p.** Net is derived, ``E share - I share``
  (R5), so its error is the difference of two errors, each at most ``1 - 1/n_k``:
  at most ``2 - 2/n_k``, always under 2p.  That bound is the best possible: it is
  reached (with ties) for ``n_k`` = 2, 3, 4, and tends to 2p as ``n_k`` grows;
  :func:`test_net_share_can_be_more_than_1p_off` shows 1.45p with ``n_k = 4``.
* **Whole pool, per partner.** Shares are allocated scheme by scheme, so a
  partner's pool-wide share is a sum of 50 rounded figures: its distance from
  ``Σ_k E_k·w_ik`` is at most ``Σ_k b_ik``, with ``b_ik = 1 - 1/n_k`` where
  ``0 < w_ik < 1`` and 0 otherwise (doubled for net), not 1p.  The exact-sum
  statements hold pool-wide to the penny.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from moneyed import Money

from pooledledger.books.apportion import Apportionment, apportion
from pooledledger.books.journals import build_journals
from pooledledger.books.ledger import Ledger
from pooledledger.model.agreement import Agreement, LegalBasis, PlannedContribution, Scheme
from pooledledger.model.entries import Contribution, Entry, Expenditure, Income, Reversal
from pooledledger.model.partners import Partner, PartnerKind
from strategies import YEAR, random_pool

N_TRANSACTIONS = 5_000
N_PARTNERS = 8
N_SCHEMES = 50

_RANK = {"income": 2, "expenditure": 3, "reversal": 4}
TRUE_UP = ":true-up"


def _pence(money: Money) -> int:
    hundred = Decimal(money.amount) * 100
    assert hundred == hundred.to_integral_value()
    return int(hundred)


def largest_remainder(total: int, numerators: Sequence[int]) -> list[int]:
    """The reference allocation (domain.md §12) in integers: floors of
    ``|total|·c_i/Σc``, the pence left to the largest remainders (ties to the
    earlier partner), then the sign of ``total``."""
    t, s = abs(total), sum(numerators)
    floors, remainders = zip(*(divmod(t * c, s) for c in numerators), strict=True)
    parts = list(floors)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[: t - sum(parts)]:
        parts[i] += 1
    return [-v for v in parts] if total < 0 else parts


@dataclass
class ScaleReport:
    """What the verification saw: sizes, and the largest deviations against their bounds."""

    lines: int = 0
    true_ups: int = 0
    streams: int = 0
    max_step_deviation: Fraction = Fraction(0)  # after any line, any stream and partner
    max_scheme_deviation: Fraction = Fraction(0)  # year, expenditure or income
    max_net_deviation: Fraction = Fraction(0)  # year, per scheme
    pool_deviation: dict[str, Fraction] = field(default_factory=dict)  # net, per partner
    pool_bound: dict[str, Fraction] = field(default_factory=dict)


def verify_apportionment(
    agreement: Agreement, entries: list[Entry], ap: Apportionment
) -> ScaleReport:
    """Check the statements of the module docstring, from the entries, exactly."""
    partners = [p.id for p in agreement.partners]
    report = ScaleReport()

    # integer weights, from the agreement and the VARIATIONs, in partner order
    sums: dict[str, dict[str, int]] = defaultdict(dict)
    for c in agreement.contributions:
        sums[c.scheme][c.partner] = sums[c.scheme].get(c.partner, 0) + _pence(c.amount)
    for e in entries:
        if isinstance(e, Contribution):
            sums[e.scheme][e.partner] = sums[e.scheme].get(e.partner, 0) + _pence(e.amount)
    numerators: dict[str, list[int]] = {}
    weights: dict[str, dict[str, Fraction]] = {}
    scheme_bound: dict[str, Fraction] = {}  # 1 - 1/n_k
    for s in agreement.schemes:
        row = sums[s.id]
        total = sum(row.values())
        assert total > 0, f"generator left {s.id} without weights"
        assert min(row.values()) >= 0, f"generator left {s.id} without weights"
        numerators[s.id] = [row.get(p, 0) for p in partners]
        weights[s.id] = {p: Fraction(row.get(p, 0), total) for p in partners}
        assert ap.schemes[s.id].weights == {p: weights[s.id][p] for p in row}
        scheme_bound[s.id] = 1 - Fraction(1, sum(1 for v in row.values() if v > 0))

    def bound(k: str, p: str) -> Fraction:
        return scheme_bound[k] if 0 < weights[k][p] < 1 else Fraction(0)

    # pool lines from the entries: cost = net + VAT - recoverable VAT (explicit here)
    amount: dict[str, tuple[str, str, int]] = {}  # id -> (scheme, kind, amount)
    order: list[tuple[date, int, str]] = []
    for e in entries:
        if isinstance(e, Expenditure):
            assert e.vat_recoverable is not None
            cost = _pence(e.net) + _pence(e.vat) - _pence(e.vat_recoverable)
            amount[e.id] = (e.scheme, "expenditure", cost)
            order.append((e.date, _RANK["expenditure"], e.id))
        elif isinstance(e, Income):
            amount[e.id] = (e.scheme, "income", _pence(e.amount))
            order.append((e.date, _RANK["income"], e.id))
    originals: dict[str, str] = {}
    for e in entries:
        if isinstance(e, Reversal):
            scheme, kind, a = amount[e.reverses]
            amount[e.id] = (scheme, kind, -a)
            originals[e.id] = e.reverses
            order.append((e.date, _RANK["reversal"], e.id))
    canonical = [entry_id for _, _, entry_id in sorted(order)]
    pool_ids = [x.entry_id for x in ap.lines if not x.entry_id.endswith(TRUE_UP)]
    assert pool_ids == canonical, "canonical order"
    report.lines = len(canonical)

    # every line, in order: shares sum to the line; a reversal is the original
    # negated; a true-up follows its reversal, sums to 0 and restores the
    # allocation; after every pool line (and its true-up) every running share is
    # the allocation of the running total
    by_id = {x.entry_id: x for x in ap.lines}
    totals: dict[tuple[str, str], int] = defaultdict(int)
    running: dict[tuple[str, str], list[int]] = {}
    lines = ap.lines
    for i, x in enumerate(lines):
        key = (x.scheme, x.kind)
        parts = running.setdefault(key, [0] * len(partners))
        if x.entry_id.endswith(TRUE_UP):
            report.true_ups += 1
            assert i > 0, f"{x.entry_id} comes first"
            reversal = lines[i - 1]
            assert reversal.entry_id + TRUE_UP == x.entry_id, f"{x.entry_id} is out of place"
            assert reversal.entry_id in originals, f"{x.entry_id} follows an ordinary line"
            assert (x.scheme, x.kind, x.amount, x.reverses) == (*key, 0, None)
            assert sum(x.shares.values()) == 0, f"true-up {x.entry_id} does not sum to 0"
            now = largest_remainder(totals[key], numerators[x.scheme])
            assert [x.shares.get(p, 0) for p in partners] == [
                a - b for a, b in zip(now, parts, strict=True)
            ], f"true-up {x.entry_id} is not the allocation now minus the copied shares"
        else:
            scheme, kind, a = amount[x.entry_id]
            assert (x.scheme, x.kind, x.amount) == (scheme, kind, a)
            assert sum(x.shares.values()) == a, f"shares of {x.entry_id}"
            if x.entry_id in originals:
                original = by_id[originals[x.entry_id]].shares
                assert x.shares == {p: -v for p, v in original.items()}
            totals[key] += a
        parts = [v + x.shares.get(p, 0) for p, v in zip(partners, parts, strict=True)]
        running[key] = parts
        if i + 1 < len(lines) and lines[i + 1].entry_id == x.entry_id + TRUE_UP:
            continue
        total = totals[key]
        assert parts == largest_remainder(total, numerators[x.scheme]), (
            f"{x.kind} shares of {x.scheme} after {x.entry_id} are not the allocation "
            f"of the running total {total}"
        )
        for p, v in zip(partners, parts, strict=True):
            deviation = abs(v - total * weights[x.scheme][p])
            assert deviation < 1, f"{p} in {x.scheme} after {x.entry_id}: {deviation}"
            assert deviation <= bound(x.scheme, p)
            report.max_step_deviation = max(report.max_step_deviation, deviation)

    # the year, per scheme: the allocation of the year's totals; 1p; net under 2p
    pool_total = {"expenditure": 0, "income": 0}
    for s in agreement.schemes:
        k, w = s.id, weights[s.id]
        ss = ap.schemes[k]
        for kind, ytd in (("expenditure", ss.expenditure), ("income", ss.income)):
            total = totals.get((k, kind), 0)
            pool_total[kind] += total
            report.streams += 1
            assert sum(ytd.values()) == total, f"I-3: {kind} shares of {k}"
            shares = [ytd[p] for p in partners]
            assert shares == largest_remainder(total, numerators[k]), f"{kind} of {k}"
            assert shares == running.get((k, kind), [0] * len(partners))
            for p in partners:
                deviation = abs(ytd[p] - total * w[p])
                assert deviation < 1, f"{kind} share of {p} in {k} is {deviation} from exact"
                assert deviation <= bound(k, p)
                report.max_scheme_deviation = max(report.max_scheme_deviation, deviation)
        net_total = totals.get((k, "expenditure"), 0) - totals.get((k, "income"), 0)
        assert sum(ss.net.values()) == net_total, f"I-3: net shares of {k}"
        for p in partners:
            deviation = abs(ss.net[p] - net_total * w[p])
            assert deviation < 2, f"net share of {p} in {k} is {deviation} from exact"
            assert deviation <= 2 * bound(k, p)
            report.max_net_deviation = max(report.max_net_deviation, deviation)

    # whole pool, per partner: exact sums; deviation within the sum of the scheme bounds
    by_partner = ap.by_partner()
    assert sum(v["expenditure"] for v in by_partner.values()) == pool_total["expenditure"]
    assert sum(v["income"] for v in by_partner.values()) == pool_total["income"]
    assert sum(v["net"] for v in by_partner.values()) == (
        pool_total["expenditure"] - pool_total["income"]
    )
    for p in partners:
        pool_bound = sum((bound(s.id, p) for s in agreement.schemes), Fraction(0))
        exact: dict[str, Fraction] = {}
        for kind in ("expenditure", "income"):
            exact[kind] = sum(
                (totals.get((s.id, kind), 0) * weights[s.id][p] for s in agreement.schemes),
                Fraction(0),
            )
            assert abs(by_partner[p][kind] - exact[kind]) <= pool_bound, f"pool {kind} of {p}"
        deviation = abs(by_partner[p]["net"] - (exact["expenditure"] - exact["income"]))
        assert deviation <= 2 * pool_bound, f"pool net of {p}"
        report.pool_deviation[p] = deviation
        report.pool_bound[p] = 2 * pool_bound
    return report


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_5000_transactions_apportion_within_bounds(seed: int) -> None:
    agreement, entries = random_pool(seed, N_TRANSACTIONS, N_PARTNERS, N_SCHEMES)
    ledger = Ledger(agreement, entries)
    assert len(ledger) == N_TRANSACTIONS
    ap = apportion(ledger, YEAR)
    assert not ap.issues
    report = verify_apportionment(agreement, entries, ap)
    assert report.lines > 0.8 * N_TRANSACTIONS
    assert report.true_ups > 0, "no reversal needed a true-up: the statement is untested"
    assert report.streams == 2 * N_SCHEMES
    assert report.max_step_deviation < 1
    assert report.max_scheme_deviation < 1
    assert report.max_net_deviation < 2
    assert all(report.pool_deviation[p] <= report.pool_bound[p] for p in report.pool_bound)
    # the journals agree with the apportionment and balance, at scale too
    journals, issues = build_journals(ledger, ap)
    assert not issues
    for p, j in journals.items():
        assert j.is_balanced
        assert j.net_cost == ap.partner_net(p)


def _single_scheme(weights: dict[str, int]) -> Agreement:
    """An s75 agreement: one LA host plus NHS bodies, one scheme, weights in pence."""
    first = next(iter(weights))
    return Agreement(
        id="SMALL",
        name="small",
        legal_basis=LegalBasis.S75_NHSA2006,
        term_start=YEAR.start,
        term_end=YEAR.last_day,
        partners=tuple(
            Partner(
                id=p,
                name=p,
                kind=PartnerKind.LOCAL_AUTHORITY if p == first else PartnerKind.NHS_BODY,
            )
            for p in weights
        ),
        host=first,
        pooled_fund_manager="PFM",
        schemes=(Scheme(id="S0", name="s", lead_commissioner=first),),
        contributions=tuple(
            PlannedContribution(
                id=f"C-{p}",
                partner=p,
                scheme="S0",
                year=YEAR,
                amount=f"0.{w:02d}",
                approval_ref="x",
            )
            for p, w in weights.items()
        ),
    )


def test_net_share_can_be_more_than_1p_off() -> None:
    """Why the net bound is 2p, not 1p: weights 7:8:7:7, 28p spent, 30p income.

    P1 gets 7p of the spend (exact 7.72p) and 9p of the income (exact 8.28p), so a
    net share of -2p against an exact -0.55p: 1.45p off, each part under 1p off
    (and within the sharper ``2 - 2/n_k`` = 1.5p for four partners).
    """
    agreement = _single_scheme({"P0": 7, "P1": 8, "P2": 7, "P3": 7})
    entries: list[Entry] = [
        Expenditure(id="E1", scheme="S0", date=YEAR.start, net="0.28", vat_recoverable="0"),
        Income(id="N1", scheme="S0", date=YEAR.start + timedelta(days=1), amount="0.30"),
    ]
    ap = apportion(Ledger(agreement, entries), YEAR)
    ss = ap.schemes["S0"]
    assert (ss.expenditure["P1"], ss.income["P1"], ss.net["P1"]) == (7, 9, -2)
    assert 1 < abs(ss.net["P1"] - Fraction(-2 * 8, 29)) < 2
    verify_apportionment(agreement, entries, ap)
