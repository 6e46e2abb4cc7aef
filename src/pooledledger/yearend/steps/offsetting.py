"""Step 2 of the close: offsetting, RS8 (docs/risk-share/rs08-offsetting.md).

Only when the agreement's ``offsetting.allowed`` is true: underspends of schemes that
are not ring-fenced, in the agreement's order, reduce overspends (in scheme order).
The partners whose underspend is used are credited with funding the overspending
scheme (``offset``), so the cross-subsidy is visible.  A capital scheme's underspend
meets a revenue overspend only with ``offsetting.capital_to_revenue``, and then with
PL-CLS-010 (docs/year-end.md#judgements).
"""

from __future__ import annotations

from dataclasses import dataclass

from pooledledger.core.allocation import allocate
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.money import format_pence
from pooledledger.model.agreement import FundingType
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.yearend.steps.period import CloseContext
from pooledledger.yearend.steps.risk_share import scheme_rule
from pooledledger.yearend.steps.variance import Variances

__all__ = ["Offsetting", "offset_underspends"]


@dataclass(frozen=True)
class Offsetting:
    """What each partner's underspend funds (``offset``: negative on the source scheme,
    positive on the target), each scheme's variance left after it, and the warnings."""

    offset: dict[SchemeId, dict[PartnerId, int]]
    after: dict[SchemeId, int]
    issues: tuple[Issue, ...]


def _capital_to_revenue(source: SchemeId, target: SchemeId, used: int) -> Issue:
    return Issue(
        code="PL-CLS-010",
        severity=Severity.WARNING,
        message=f"the underspend of capital scheme {source} offsets "
        f"{format_pence(used)} of the overspend of revenue scheme {target} "
        "(offsetting.capital_to_revenue): check the capital money may meet "
        "revenue spending",
        location=Location(field="offsetting.capital_to_revenue"),
    )


def _givers(
    ctx: CloseContext, variances: Variances, source: SchemeId, used: int
) -> tuple[dict[PartnerId, int] | None, tuple[Issue, ...]]:
    """Who gives ``used`` of the source scheme's underspend: its rule's underspend shares
    (before the procurer's VAT), pro rata; nobody when no partner has one."""
    vat = variances.vat_charge[source]
    givers = scheme_rule(ctx, variances, source, variances.variance[source] - sum(vat.values()))
    weights = {p: -v - vat[p] for p, v in givers.shares.items()}
    weights = {p: w for p, w in weights.items() if w > 0}
    if not weights:
        return None, givers.issues
    return allocate(used, weights, [p for p in ctx.order if p in weights]), givers.issues


def offset_underspends(ctx: CloseContext, variances: Variances) -> Offsetting:
    """Offsetting (RS8) on each scheme's variance less what is charged to a partner first."""
    agreement = ctx.agreement
    offset = {s.id: ctx.zero() for s in agreement.schemes}
    after = variances.before_pool()
    issues: list[Issue] = []
    off = agreement.offsetting
    if not off.allowed:
        return Offsetting(offset, after, ())
    sources = [
        k for k in (off.order or agreement.scheme_ids) if not agreement.scheme(k).ring_fenced
    ]
    for target in agreement.scheme_ids:
        for source in sources:
            if after[target] <= 0 or after[source] >= 0 or source == target:
                continue
            capital_to_revenue = (
                agreement.scheme(source).funding is FundingType.CAPITAL
                and agreement.scheme(target).funding is FundingType.REVENUE
            )
            if capital_to_revenue and not off.capital_to_revenue:
                continue  # docs/year-end.md#judgements
            used = min(after[target], -after[source])
            parts, found = _givers(ctx, variances, source, used)
            issues += found
            if parts is None:
                continue
            for p, v in parts.items():
                offset[source][p] -= v
                offset[target][p] += v
            after[target] -= used
            after[source] += used
            if capital_to_revenue:
                issues.append(_capital_to_revenue(source, target, used))
    return Offsetting(offset, after, tuple(issues))
