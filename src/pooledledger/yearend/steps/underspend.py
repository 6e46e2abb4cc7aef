"""Steps 5 and 6 of the close: underspend dispositions and the unused risk pool.

An underspend share is refunded, carried forward, redeployed (to ``redeploy_to``) or
held as contingency (into next year's risk pool); under RS11 the windfall is refunded
pro rata to contributions and the managed part follows ``managed_disposition``
(docs/risk-share/rs11-windfall-managed.md); under RS13 the board's ruling decides
(docs/risk-share/rs13-board-decision.md); on termination everything is refunded
(docs/year-end.md#termination-and-withdrawal).  The unused risk pool is refunded or
carried forward, by risk-pool contribution (docs/year-end.md#the-order-of-the-rules).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

from pooledledger.core.allocation import allocate
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import (
    BoardDecision,
    RiskPoolUnused,
    UnderspendDisposition,
    WindfallManaged,
)
from pooledledger.yearend.steps.period import CloseContext
from pooledledger.yearend.steps.risk_pool import RiskPool
from pooledledger.yearend.steps.risk_share import RuleShares
from pooledledger.yearend.steps.variance import Variances

__all__ = [
    "Disposal",
    "carried_forward",
    "carries_unused_pool",
    "dispose_underspend",
    "dispose_underspends",
]

D = UnderspendDisposition


@dataclass(frozen=True)
class Disposal:
    """A scheme's deficit and underspend shares (non-negative, I-7) and what becomes of
    the underspend: disposition → partner → pence."""

    deficit: dict[PartnerId, int]
    underspend: dict[PartnerId, int]
    dispositions: dict[UnderspendDisposition, dict[PartnerId, int]]


def _windfall_parts(
    windfall: int,
    under: dict[PartnerId, int],
    contributions: dict[PartnerId, int],
    order: tuple[str, ...],
) -> dict[PartnerId, int]:
    """RS11: the windfall refunded pro rata to contributions, by the allocator directly.

    Only partners with an underspend share take part (the others' weight is 0).  Where
    largest remainder gives a partner one penny more of the windfall than of the whole
    underspend (the Alabama paradox, three or more partners), that penny goes to the
    next largest remainder among the partners with room, so no managed part is negative.
    """
    weights = {p: c for p in order if under[p] and (c := contributions.get(p, 0)) > 0}
    if not weights:
        weights = {p: under[p] for p in order if under[p]}
    parts = dict.fromkeys(order, 0) | allocate(windfall, weights)
    spare = sum(max(parts[p] - under[p], 0) for p in order)
    if spare:
        total = sum(weights.values())
        for p in order:
            parts[p] = min(parts[p], under[p])
        # partners that take part in the windfall first, largest remainder first; a
        # partner outside it (no contribution) only if no one inside has room
        inside = sorted(
            (p for p in weights if parts[p] < under[p]),
            key=lambda p: parts[p] - Fraction(windfall * weights[p], total),
        )
        room = inside + [p for p in order if p not in weights and parts[p] < under[p]]
        for p in room:
            give = min(spare, under[p] - parts[p])
            parts[p] += give
            spare -= give
    return parts


def _windfall_dispositions(
    ctx: CloseContext,
    k: SchemeId,
    rule: WindfallManaged,
    under: dict[PartnerId, int],
    contributions: dict[PartnerId, int],
) -> dict[UnderspendDisposition, dict[PartnerId, int]]:
    """RS11: the windfall (all of it, or the board's figure) refunded; the managed part
    follows ``managed_disposition`` (a refunded one joins the refunded windfall)."""
    ruling = ctx.rulings.get(k)
    total_u = sum(under.values())
    windfall = (
        total_u
        if ruling is None or ruling.windfall_pence is None
        else (min(max(ruling.windfall_pence, 0), total_u))
    )
    wparts = _windfall_parts(windfall, under, contributions, ctx.order)
    managed = {p: under[p] - wparts[p] for p in ctx.order}
    dispositions = {D.REFUND: wparts}
    if any(managed.values()):
        name = rule.managed_disposition
        into = dispositions.setdefault(name, ctx.zero())
        dispositions[name] = {p: into.get(p, 0) + managed[p] for p in ctx.order}
    return dispositions


def dispose_underspend(
    ctx: CloseContext, variances: Variances, k: SchemeId, ruled: RuleShares
) -> Disposal:
    """Scheme ``k``'s deficit and underspend shares and the underspend's dispositions."""
    deficit = {p: max(v, 0) for p, v in ruled.shares.items()}
    under = {p: max(-v, 0) for p, v in ruled.shares.items()}
    if not any(under.values()):
        return Disposal(deficit, under, {})
    scheme = ctx.agreement.scheme(k)
    ruling = ctx.rulings.get(k)
    disposition = scheme.underspend.disposition
    if isinstance(scheme.risk_share, BoardDecision):
        disposition = (
            ruling.disposition if ruling and ruling.disposition else scheme.risk_share.default
        )
    # on termination everything is paid out (docs/year-end.md#termination-and-withdrawal)
    if ctx.terminating:
        return Disposal(deficit, under, {D.REFUND: dict(under)})
    if isinstance(scheme.risk_share, WindfallManaged):
        parts = _windfall_dispositions(ctx, k, scheme.risk_share, under, variances.contributions[k])
        return Disposal(deficit, under, parts)
    return Disposal(deficit, under, {disposition: dict(under)})


def dispose_underspends(
    ctx: CloseContext, variances: Variances, ruled: Mapping[SchemeId, RuleShares]
) -> dict[SchemeId, Disposal]:
    """Every scheme's disposal, in scheme order (step 5)."""
    return {k: dispose_underspend(ctx, variances, k, r) for k, r in ruled.items()}


def carries_unused_pool(ctx: CloseContext) -> bool:
    """Whether the unused risk pool is carried forward (never on termination)."""
    rp = ctx.agreement.risk_pool
    return rp is not None and rp.unused is RiskPoolUnused.CARRY_FORWARD and not ctx.terminating


def _carry_target(agreement: Agreement, k: SchemeId, disposition: D) -> SchemeId | None:
    if disposition is D.CARRY_FORWARD:
        return k
    if disposition is D.REDEPLOY:
        return agreement.scheme(k).underspend.redeploy_to or k
    if disposition is D.CONTINGENCY:
        return agreement.risk_pool.id if agreement.risk_pool is not None else k
    return None


def carried_forward(
    ctx: CloseContext, disposals: Mapping[SchemeId, Disposal], pool: RiskPool
) -> dict[tuple[SchemeId, PartnerId], int]:
    """What next year is brought forward, (scheme or risk pool, partner) → pence: the
    underspend carried forward, redeployed or held as contingency, and the unused risk
    pool when it is carried forward (step 6)."""
    carry: dict[tuple[SchemeId, PartnerId], int] = defaultdict(int)
    for k, disposal in disposals.items():
        for name, parts in disposal.dispositions.items():
            carry_to = _carry_target(ctx.agreement, k, name)
            if carry_to is not None:
                for p, v in parts.items():
                    if v:
                        carry[(carry_to, p)] += v
    rp = ctx.agreement.risk_pool
    if rp is not None and pool.use is not None and carries_unused_pool(ctx):
        for p, v in pool.use.unused.items():
            if v:
                carry[(rp.id, p)] += v
    return dict(carry)
