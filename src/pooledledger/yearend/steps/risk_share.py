"""Step 4 of the close: the scheme's rule on what is left (docs/year-end.md#the-order-of-the-rules).

The rule (RS1-RS6, RS9-RS14, docs/risk-share/index.md) shares the residual after
offsetting and the risk pool, with RS9's charged unauthorised spending added back
(docs/risk-share/rs09-maladministration.md).  RS12 after the risk pool or offsetting
relieves only the partners whose own spending caused what they covered
(docs/risk-share/rs12-no-risk-share.md).  The irrecoverable VAT charged to a procurer
is added to its share (docs/year-end.md#judgements).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pooledledger.books.riskshare import SchemeFacts, share_variance
from pooledledger.core.allocation import allocate
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.money import format_pence
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import NoRiskShare
from pooledledger.yearend.steps.period import CloseContext
from pooledledger.yearend.steps.variance import Variances, scheme_facts

__all__ = ["RuleShares", "scheme_rule", "share_residual", "share_residuals"]


@dataclass(frozen=True)
class RuleShares:
    """Signed shares of a scheme's variance, how they were reached, and the warnings.

    ``residual`` is what the rule shared (with the procurer's VAT, when charged).
    """

    residual: int
    shares: dict[PartnerId, int]
    explanation: tuple[str, ...]
    issues: tuple[Issue, ...] = ()


def scheme_rule(ctx: CloseContext, variances: Variances, k: SchemeId, variance: int) -> RuleShares:
    """Scheme ``k``'s rule on ``variance``, with PL-CLS-001 when the weights were unusable
    and the lead commissioner bore it (docs/risk-share/index.md)."""
    scheme = ctx.agreement.scheme(k)
    facts = scheme_facts(ctx.agreement, variances, k)
    outcome = share_variance(
        scheme.risk_share, variance, facts, ctx.order, ctx.host, ctx.rulings.get(k), ctx.terminating
    )
    issues: tuple[Issue, ...] = ()
    if outcome.fallback:
        issues = (
            Issue(
                code="PL-CLS-001",
                severity=Severity.WARNING,
                message=f"scheme {k}: " + outcome.explanation[-1],
                location=Location(field=f"schemes[{k}].risk_share"),
            ),
        )
    return RuleShares(variance, outcome.shares, outcome.explanation, issues)


def _no_risk_after_pool(
    residual: int, facts: SchemeFacts, order: tuple[str, ...]
) -> tuple[dict[PartnerId, int], tuple[str, ...]]:
    """RS12 after the risk pool or offsetting changed the variance.

    Each partner's own variance is its own net spending less its own contribution;
    what the pool-level steps took off the scheme's variance relieves only the
    partners on that side (the overspenders, for the risk pool), pro rata to their
    own variances; everyone else keeps its own figure (docs/risk-share/rs12-no-risk-share.md).
    """
    own = {p: facts.own_net[p] - facts.contributions[p] for p in order}
    relief = sum(own.values()) - residual  # same sign as the variance
    bears = "each partner bears its own spending less its own contribution"
    if not relief:
        return own, ("RS12 NO_RISK_SHARE", bears)
    over = relief > 0
    side = {p: abs(v) for p, v in own.items() if v and (v > 0) == over}
    basis = "own " + ("overspends" if over else "underspends")
    if not side:  # no partner on the relief's side: pro rata to contributions
        side = {p: c for p, c in facts.contributions.items() if c > 0} or dict.fromkeys(order, 1)
        basis = "contributions"
    parts = allocate(relief, side)  # side is in partner order
    return (
        {p: own[p] - parts.get(p, 0) for p in order},
        (
            "RS12 NO_RISK_SHARE",
            f"{bears}, less its part of {format_pence(abs(relief))} covered first, "
            f"pro rata to {basis}",
        ),
    )


def share_residual(
    ctx: CloseContext, variances: Variances, k: SchemeId, after_pool: int
) -> RuleShares:
    """Scheme ``k``'s rule on ``after_pool`` (its variance after offsetting and the risk
    pool) plus RS9's charged spending, then the procurer's VAT added to its share."""
    scheme = ctx.agreement.scheme(k)
    residual = after_pool + variances.fault[k]
    if isinstance(scheme.risk_share, NoRiskShare) and residual != variances.variance[k]:
        facts = scheme_facts(ctx.agreement, variances, k)
        shares, explanation = _no_risk_after_pool(residual, facts, ctx.order)
        ruled = RuleShares(residual, shares, explanation)
    else:
        ruled = scheme_rule(ctx, variances, k, residual)
    vat = variances.vat_charge[k]
    if not any(vat.values()):
        return ruled
    return RuleShares(
        ruled.residual + sum(vat.values()),
        {p: ruled.shares[p] + vat[p] for p in ctx.order},
        (
            *ruled.explanation,
            "irrecoverable VAT on own purchases borne by the procurer: "
            + ", ".join(f"{p} {format_pence(v)}" for p, v in vat.items() if v),
        ),
        ruled.issues,
    )


def share_residuals(
    ctx: CloseContext, variances: Variances, after_pool: Mapping[SchemeId, int]
) -> dict[SchemeId, RuleShares]:
    """Every scheme's rule, in scheme order (step 4 of docs/year-end.md#the-order-of-the-rules)."""
    return {
        s.id: share_residual(ctx, variances, s.id, after_pool[s.id]) for s in ctx.agreement.schemes
    }
