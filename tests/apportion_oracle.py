"""The row-by-row apportionment that the column path replaced: the oracle in tests.

A copy of ``pooledledger.books.apportion.apportion`` as it was before its lines were
allocated in columns: one :class:`CumulativeAllocator` per scheme and kind, fed line
by line, a reversal's shares copied and negated and a true-up line after it.
"""

from __future__ import annotations

from datetime import date

from pooledledger.books.apportion import (
    Apportionment,
    LineShare,
    SchemeShares,
    _full,
    scheme_weights,
)
from pooledledger.books.ledger import Ledger
from pooledledger.core.allocation import CumulativeAllocator
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.entries import Expenditure
from pooledledger.model.partners import PartnerId, SchemeId


def row_apportion(ledger: Ledger, year: FinancialYear, upto: date | None = None) -> Apportionment:
    """Each partner's share of each expenditure and income line of ``year`` before ``upto``.

    ``upto`` is exclusive and defaults to the end of the year.
    """
    agreement = ledger.agreement
    partners = agreement.partner_order
    end = year.end if upto is None else min(upto, year.end)
    within = DateRange(year.start, max(end, year.start))
    weights, basis, issues = scheme_weights(ledger, year)
    allocators: dict[tuple[SchemeId, str], CumulativeAllocator[PartnerId]] = {}
    lines: list[LineShare] = []
    by_id: dict[str, LineShare] = {}
    owners: dict[str, PartnerId] = {}
    for e in ledger.entries:
        if isinstance(e, Expenditure) and e.capital:
            owners[e.id] = e.procuring_partner or agreement.host
    for pl in ledger.pool_lines:
        if not within.contains(pl.date) or pl.scheme not in weights:
            continue  # outside the period, or an unknown scheme (reported by checks)
        key = (pl.scheme, pl.kind)
        acc = allocators.get(key)
        if acc is None:
            acc = allocators[key] = CumulativeAllocator(weights[pl.scheme], partners)
        if pl.reverses is not None and pl.reverses in by_id:
            original = by_id[pl.reverses]
            shares = {p: -v for p, v in original.shares.items()}
            acc.apply(shares)
            line = LineShare(
                pl.entry_id,
                pl.scheme,
                pl.date,
                pl.kind,
                pl.amount,
                shares,
                (),
                original.capital_owner,
                pl.reverses,
            )
        else:
            shares = acc.add(pl.amount)
            line = LineShare(
                pl.entry_id,
                pl.scheme,
                pl.date,
                pl.kind,
                pl.amount,
                shares,
                acc.last_remainder_to,
                owners.get(pl.reverses or pl.entry_id),
                pl.reverses,
            )
        by_id[pl.entry_id] = line
        lines.append(line)
        if pl.reverses is not None and pl.reverses in by_id:
            # the copied shares may leave the running shares off the allocation of the
            # running total; a zero-sum true-up line moves the pennies back at once
            true_up = acc.add(0)
            if any(true_up.values()):
                lines.append(
                    LineShare(
                        f"{pl.entry_id}:true-up",
                        pl.scheme,
                        pl.date,
                        pl.kind,
                        0,
                        true_up,
                        acc.last_remainder_to,
                        None,
                        None,
                    )
                )

    capital_by_scheme: dict[SchemeId, dict[PartnerId, int]] = {}
    cost_by_scheme: dict[SchemeId, dict[PartnerId, int]] = {}
    for line in lines:
        if line.capital_owner is not None:
            owned = capital_by_scheme.setdefault(line.scheme, {})
            owner = line.capital_owner
            owned[owner] = owned.get(owner, 0) + line.shares.get(owner, 0)
            cost = cost_by_scheme.setdefault(line.scheme, {})
            cost[owner] = cost.get(owner, 0) + line.amount
    schemes: dict[SchemeId, SchemeShares] = {}
    for scheme in agreement.schemes:
        exp = acc_parts(allocators.get((scheme.id, "expenditure")))
        inc = acc_parts(allocators.get((scheme.id, "income")))
        capital = capital_by_scheme.get(scheme.id, {})
        schemes[scheme.id] = SchemeShares(
            scheme.id,
            weights[scheme.id],
            basis[scheme.id],
            _full(partners, exp),
            _full(partners, inc),
            _full(partners, capital),
            _full(partners, cost_by_scheme.get(scheme.id, {})),
        )
    return Apportionment(year, within, partners, schemes, tuple(lines), tuple(issues))


def acc_parts(acc: CumulativeAllocator[PartnerId] | None) -> dict[PartnerId, int]:
    return {} if acc is None else acc.running_parts
