"""Step 3 of the close: the risk pool, RS7 (docs/risk-share/rs07-risk-pool.md).

``used = min(risk pool, overspends in scope)``.  Each partner's part of ``used`` is
allocated by its risk-pool contribution, then spread across the overspending schemes
by overspend weights: partner totals are contractual and scheme totals derived by
summing (R4, docs/money.md#the-rounding-rules).  With ``spread = "PRIORITY"`` schemes
are filled in the given order and both totals are kept exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pooledledger.books.ledger import Ledger
from pooledledger.core.allocation import allocate, allocate_2d, allocate_2d_fixed
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import RiskPool as RiskPoolTerms
from pooledledger.model.rules import RiskPoolSpread
from pooledledger.yearend.close_results import RiskPoolUse
from pooledledger.yearend.steps.period import CloseContext
from pooledledger.yearend.steps.variance import Funding

__all__ = ["RiskPool", "apply_risk_pool"]


@dataclass(frozen=True)
class RiskPool:
    """The risk pool applied: its use (``None`` without a pool), each scheme's cells
    (scheme → partner), what each partner paid in and had used, and each scheme's
    variance left after it."""

    use: RiskPoolUse | None
    cells: dict[SchemeId, dict[PartnerId, int]]
    available: dict[PartnerId, int]
    used: dict[PartnerId, int]
    after: dict[SchemeId, int]


def _spread(
    rp: RiskPoolTerms,
    rows: Mapping[PartnerId, int],
    used_total: int,
    scope: list[SchemeId],
    after: Mapping[SchemeId, int],
) -> dict[PartnerId, dict[SchemeId, int]]:
    """Each partner's part of the pool used, spread across the schemes in scope."""
    if rp.spread is RiskPoolSpread.PRIORITY:
        remaining, targets = used_total, {}
        for k in [*rp.priority, *[k for k in scope if k not in rp.priority]]:
            if k in scope and remaining:
                targets[k] = min(after[k], remaining)
                remaining -= targets[k]
        return allocate_2d_fixed(rows, targets, list(rows), list(targets)).cells
    weights = {k: after[k] for k in scope}
    grid = allocate_2d(rows, weights, scope).cells
    cols = {k: sum(grid[p][k] for p in rows) for k in scope}
    if any(cols[k] > after[k] for k in scope):  # only when nearly all covered
        targets = allocate(used_total, weights, scope)
        grid = allocate_2d_fixed(rows, targets, list(rows), scope).cells
    return grid


def apply_risk_pool(
    ctx: CloseContext, ledger: Ledger, funding: Funding, after_offsetting: Mapping[SchemeId, int]
) -> RiskPool:
    """The risk pool (RS7) on each scheme's variance after offsetting."""
    agreement = ctx.agreement
    cells = {s.id: ctx.zero() for s in agreement.schemes}
    after = dict(after_offsetting)
    rp = agreement.risk_pool
    if rp is None:
        return RiskPool(None, cells, ctx.zero(), ctx.zero(), after)
    approved = ledger.approved_contributions(
        ctx.year, include_risk_pool=True, include_additional=False
    )
    gone = funding.gone.get(rp.id, {})
    avail = {p: v - gone.get(p, 0) for p, v in ctx.full(approved.get(rp.id, {})).items()}
    scope = [k for k in (rp.schemes or agreement.scheme_ids) if after.get(k, 0) > 0]
    used_total = min(sum(avail.values()), sum(after[k] for k in scope))
    used = ctx.zero()
    if used_total > 0:
        payers = {p: v for p, v in avail.items() if v > 0}
        used = ctx.full(allocate(used_total, payers, [p for p in ctx.order if avail[p] > 0]))
        rows = {p: v for p, v in used.items() if v}
        for p, row in _spread(rp, rows, used_total, scope, after).items():
            for k, v in row.items():
                cells[k][p] = v  # one cell a partner and scheme
        for k in scope:
            after[k] -= sum(cells[k].values())
    use = RiskPoolUse(
        id=rp.id,
        available=avail,
        used=used,
        by_scheme={
            p: {k: cells[k][p] for k in agreement.scheme_ids if cells[k][p]} for p in ctx.order
        },
        unused={p: avail[p] - used[p] for p in ctx.order},
        unused_disposition=rp.unused,
    )
    return RiskPool(use, cells, avail, used, after)
