"""Step 7 of the close: shares of net, income, gross (docs/year-end.md#the-order-of-the-rules).

Net ``X = C + RP + offset + D - U``; income is shared by the ``X`` weights and gross
is derived, ``E = X + I`` (R5, docs/money.md#the-rounding-rules).  A scheme with net
income, or a negative net share, shares income by contributions instead and warns
(PL-CLS-002, docs/reports.md#edge-cases-with-defined-results).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pooledledger.core.allocation import allocate
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.money import format_pence
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.yearend.close_results import IncomeBasis, SchemeClose
from pooledledger.yearend.steps.offsetting import Offsetting
from pooledledger.yearend.steps.period import CloseContext
from pooledledger.yearend.steps.risk_pool import RiskPool
from pooledledger.yearend.steps.risk_share import RuleShares
from pooledledger.yearend.steps.underspend import Disposal
from pooledledger.yearend.steps.variance import Variances

__all__ = ["SchemeResult", "share_scheme", "share_schemes"]


@dataclass(frozen=True)
class SchemeResult:
    """A scheme's year end and the warnings its steps raised (the rule's, then its own)."""

    close: SchemeClose
    issues: tuple[Issue, ...]


def _income_shares(
    ctx: CloseContext,
    k: SchemeId,
    income: int,
    basis: IncomeBasis,
    x: Mapping[PartnerId, int],
    contributions: dict[PartnerId, int],
) -> dict[PartnerId, int]:
    """The scheme's income shared by net shares, else by contributions, else to its lead."""
    if not income:
        return ctx.zero()
    if basis is IncomeBasis.NET_SHARES:
        return ctx.full(
            allocate(income, {p: v for p, v in x.items() if v}, [p for p in ctx.order if x[p]])
        )
    if sum(contributions.values()) > 0:
        return ctx.full(allocate(income, contributions, ctx.order))
    return ctx.full({ctx.agreement.scheme(k).lead_commissioner: income})


def share_scheme(
    ctx: CloseContext,
    variances: Variances,
    k: SchemeId,
    offset: dict[PartnerId, int],
    pool_cells: dict[PartnerId, int],
    ruled: RuleShares,
    disposal: Disposal,
) -> SchemeResult:
    """Scheme ``k``'s shares of net, income and gross, and its :class:`SchemeClose`."""
    scheme = ctx.agreement.scheme(k)
    c, income, net = variances.contributions[k], variances.income[k], variances.net[k]
    deficit, under = disposal.deficit, disposal.underspend
    x = {p: c[p] + pool_cells[p] + offset[p] + deficit[p] - under[p] for p in ctx.order}
    basis, issues = IncomeBasis.NET_SHARES, ruled.issues
    if income and (net <= 0 or any(v < 0 for v in x.values())):
        basis = IncomeBasis.CONTRIBUTIONS
        issues += (
            Issue(
                code="PL-CLS-002",
                severity=Severity.WARNING,
                message=f"scheme {k}: net expenditure is {format_pence(net)} or a partner's "
                "net share is negative, so income is shared by contributions",
                location=Location(field=f"schemes[{k}]"),
            ),
        )
    inc_share = _income_shares(ctx, k, income, basis, x, c)
    close = SchemeClose(
        scheme=k,
        name=scheme.name,
        contributions=c,
        expenditure=variances.expenditure[k],
        income=income,
        net=net,
        variance=variances.variance[k],
        offset=offset,
        risk_pool=pool_cells,
        residual=ruled.residual,
        rule=f"{scheme.risk_share.code} {scheme.risk_share.rule}",
        explanation=ruled.explanation,
        deficit=deficit,
        underspend=under,
        dispositions=disposal.dispositions,
        redeploy_to=scheme.underspend.redeploy_to,
        net_share=x,
        income_share=inc_share,
        gross_share={p: x[p] + inc_share[p] for p in ctx.order},
        income_basis=basis,
    )
    return SchemeResult(close, issues)


def share_schemes(
    ctx: CloseContext,
    variances: Variances,
    offsetting: Offsetting,
    pool: RiskPool,
    ruled: Mapping[SchemeId, RuleShares],
    disposals: Mapping[SchemeId, Disposal],
) -> tuple[SchemeResult, ...]:
    """Every scheme's shares and year end, in scheme order (step 7)."""
    return tuple(
        share_scheme(ctx, variances, k, offsetting.offset[k], pool.cells[k], ruled[k], disposals[k])
        for k in ctx.agreement.scheme_ids
    )
