"""The agreement checks of the risk-share rules, underspends, the risk pool and
offsetting (docs/agreements.md#risk-share-rules,
docs/agreements.md#underspends-the-risk-pool-and-offsetting; codes PL-AGR-007,
PL-AGR-008, PL-AGR-013, PL-AGR-015 to PL-AGR-017 in docs/issue-codes.md).

Each is a pure function from an agreement to the issues it finds;
:mod:`pooledledger.model.checks_agreement` lists them in
:data:`~pooledledger.model.checks_agreement.AGREEMENT_CHECKS` and re-exports them.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from pooledledger.core.errors import Issue
from pooledledger.core.money import to_pence
from pooledledger.model.agreement import Agreement, ContributionKind, Scheme
from pooledledger.model.checks_common import error, rule_refs, warning
from pooledledger.model.partners import SchemeId
from pooledledger.model.rules import (
    CappedShares,
    FaultBearer,
    FixedVariableProfile,
    ProRataCommissioned,
    RiskPool,
    RiskPoolSpread,
    UnderspendDisposition,
    format_share,
)

__all__ = [
    "check_offsetting",
    "check_risk_pool",
    "check_rule_lists",
    "check_rule_partners_in_scheme",
    "check_share_sums",
    "check_underspend_rules",
]


def check_share_sums(agreement: Agreement) -> list[Issue]:
    """PL-AGR-007: fixed shares (RS4, and RS5/RS6/RS10/nested ones when given) sum to exactly 1."""
    issues: list[Issue] = []
    for k, scheme in enumerate(agreement.schemes):
        for rel, shares in scheme.risk_share.share_sets():
            total = sum((s.share for s in shares), Fraction(0))
            if total != 1:
                issues.append(
                    error(
                        "PL-AGR-007",
                        f"schemes[{k}].risk_share.{rel}",
                        f"the shares of scheme {scheme.id!r} sum to {format_share(total)} "
                        f"({_percent(total)}), not exactly 1 (100%)",
                    )
                )
    return issues


def _percent(f: Fraction) -> str:
    value = f * 100
    if value.denominator == 1:
        return f"{value.numerator}%"
    return f"about {float(value):.4g}%"


def check_rule_partners_in_scheme(agreement: Agreement) -> list[Issue]:
    """PL-AGR-008: a partner a rule names (cap, underwriter, owner, bearer, protected,
    share) is in the scheme: it contributes to it or is its lead commissioner.

    The bearer of RS6 and RS9 may also be the host. An RS6 rule without a bearer
    means the host, which must then be in the scheme too. Partners that are not
    partners at all are reported by :func:`check_named_partners_known`.
    """
    known = set(agreement.partner_order)
    issues: list[Issue] = []
    for k, path, partner, rel in rule_refs(agreement):
        scheme = agreement.schemes[k]
        members = set(agreement.scheme_partners(scheme.id))
        rule = scheme.risk_share
        if rel == "bearer" and isinstance(rule, FixedVariableProfile | FaultBearer):
            members.add(agreement.host)
        if partner in known and partner not in members:
            issues.append(
                error(
                    "PL-AGR-008",
                    path,
                    f"{partner!r} is named by the risk-share rule of scheme {scheme.id!r} but "
                    "neither contributes to it nor is its lead commissioner",
                )
            )
    for k, scheme in enumerate(agreement.schemes):
        rule = scheme.risk_share
        if (
            isinstance(rule, FixedVariableProfile)
            and rule.bearer is None
            and agreement.host in known
            and agreement.host not in agreement.scheme_partners(scheme.id)
        ):
            issues.append(
                error(
                    "PL-AGR-008",
                    f"schemes[{k}].risk_share.bearer",
                    f"no bearer is given, so the host {agreement.host!r} bears the variance of "
                    f"scheme {scheme.id!r}, but it is not in that scheme; name a bearer",
                )
            )
    return issues


def check_rule_lists(agreement: Agreement) -> list[Issue]:
    """PL-AGR-016: a rule's lists are usable.

    No partner twice in one list (shares, caps, underwriters, fixed, commissioned);
    RS3 commissioned amounts not all zero; an RS6 bearer not also fixed.
    """
    issues: list[Issue] = []
    for k, scheme in enumerate(agreement.schemes):
        base = f"schemes[{k}].risk_share"
        issues += _listed_twice(scheme, base)
        issues += _unusable_lists(agreement, scheme, base)
    return issues


def _listed_twice(scheme: Scheme, base: str) -> list[Issue]:
    """PL-AGR-016 for every partner listed twice in one of a rule's lists."""
    issues: list[Issue] = []
    lists: dict[str, dict[str, int]] = {}
    for rel, partner in scheme.risk_share.partner_refs():
        head = rel.rsplit("[", 1)[0] if "[" in rel else None
        if head is None:
            continue
        seen = lists.setdefault(head, {})
        if partner in seen:
            issues.append(
                error(
                    "PL-AGR-016",
                    f"{base}.{rel}",
                    f"{partner!r} is listed twice in {head} of scheme {scheme.id!r}",
                )
            )
        else:
            seen[partner] = 1
    return issues


def _unusable_lists(agreement: Agreement, scheme: Scheme, base: str) -> list[Issue]:
    """PL-AGR-016: RS3 amounts all zero, an RS6 bearer also fixed, RS5 all capped."""
    issues: list[Issue] = []
    rule = scheme.risk_share
    if (
        isinstance(rule, ProRataCommissioned)
        and rule.commissioned
        and all(to_pence(c.amount) == 0 for c in rule.commissioned)
    ):
        issues.append(
            error(
                "PL-AGR-016",
                f"{base}.commissioned",
                f"the commissioned amounts of scheme {scheme.id!r} are all zero, so no "
                "shares can be worked out from them",
            )
        )
    if isinstance(rule, FixedVariableProfile):
        bearer = rule.bearer if rule.bearer is not None else agreement.host
        if bearer in rule.fixed:
            issues.append(
                error(
                    "PL-AGR-016",
                    f"{base}.bearer",
                    f"{bearer!r} bears the variance of scheme {scheme.id!r} but is also "
                    "listed as fixed",
                )
            )
    if isinstance(rule, CappedShares):
        capped = {c.partner for c in rule.caps}
        if capped >= set(rule.underwriters):
            issues.append(
                error(
                    "PL-AGR-016",
                    f"{base}.underwriters",
                    f"every underwriter of scheme {scheme.id!r} is also capped, so "
                    "nobody bears the residual above the caps",
                )
            )
    return issues


# -------------------------------------------------------------- dispositions, RS7, RS8


def _dispositions(agreement: Agreement, k: int) -> Iterator[tuple[str, UnderspendDisposition]]:
    scheme = agreement.schemes[k]
    yield f"schemes[{k}].underspend.disposition", scheme.underspend.disposition
    for rel, d in scheme.risk_share.dispositions():
        yield f"schemes[{k}].risk_share.{rel}", d


def check_underspend_rules(agreement: Agreement) -> list[Issue]:
    """PL-AGR-017: a REDEPLOY disposition names another, known scheme to receive the money.

    Also refused: ``redeploy_to`` with no REDEPLOY disposition, and redeploying a
    ring-fenced scheme's underspend. A REDEPLOY without an ``agreement_ref`` is a
    warning (redeployment needs the partners' agreement).
    """
    schemes = set(agreement.scheme_ids)
    issues: list[Issue] = []
    for k, scheme in enumerate(agreement.schemes):
        u = scheme.underspend
        target_field = f"schemes[{k}].underspend.redeploy_to"
        redeploys = [
            p for p, d in _dispositions(agreement, k) if d is UnderspendDisposition.REDEPLOY
        ]
        if redeploys and scheme.ring_fenced:
            issues.extend(
                error(
                    "PL-AGR-017",
                    path,
                    f"scheme {scheme.id!r} is ring-fenced, so its underspend cannot be redeployed",
                )
                for path in redeploys
            )
        if redeploys and u.redeploy_to is None:
            issues.append(
                error(
                    "PL-AGR-017",
                    target_field,
                    f"scheme {scheme.id!r} redeploys its underspend but does not say to which "
                    "scheme: give redeploy_to",
                )
            )
        if u.redeploy_to is not None:
            issues += _redeploy_target(scheme, target_field, bool(redeploys), schemes)
        if u.disposition is UnderspendDisposition.REDEPLOY and not u.agreement_ref:
            issues.append(
                warning(
                    "PL-AGR-017",
                    f"schemes[{k}].underspend.agreement_ref",
                    f"redeploying the underspend of scheme {scheme.id!r} needs the partners' "
                    "agreement: cite it in agreement_ref",
                )
            )
    return issues


def _redeploy_target(
    scheme: Scheme, target_field: str, redeploys: bool, schemes: set[SchemeId]
) -> list[Issue]:
    """PL-AGR-017 when ``redeploy_to`` is given: a REDEPLOY disposition and another scheme."""
    u = scheme.underspend
    issues: list[Issue] = []
    if not redeploys:
        issues.append(
            error(
                "PL-AGR-017",
                target_field,
                f"scheme {scheme.id!r} names redeploy_to but no disposition is REDEPLOY",
            )
        )
    elif u.redeploy_to == scheme.id:
        issues.append(
            error(
                "PL-AGR-017",
                target_field,
                f"scheme {scheme.id!r} cannot redeploy its underspend to itself",
            )
        )
    elif u.redeploy_to not in schemes:
        issues.append(
            error(
                "PL-AGR-017",
                target_field,
                f"scheme {scheme.id!r} redeploys to {u.redeploy_to!r}, which is not a scheme",
            )
        )
    return issues


def check_offsetting(agreement: Agreement) -> list[Issue]:
    """PL-AGR-013: offsetting (RS8) is consistent.

    When not allowed, no ``order`` or ``agreement_ref`` may be given. When allowed,
    an ``agreement_ref`` is required (offsetting is a cross-subsidy, docs/invariants.md#i-8) and
    the order may name only known, non-ring-fenced schemes.
    """
    off = agreement.offsetting
    issues: list[Issue] = []
    if not off.allowed:
        if off.order:
            issues.append(
                error(
                    "PL-AGR-013",
                    "offsetting.order",
                    "an offset order is given but offsetting is not allowed",
                )
            )
        if off.agreement_ref is not None:
            issues.append(
                error(
                    "PL-AGR-013",
                    "offsetting.agreement_ref",
                    "an agreement reference for offsetting is given but offsetting is not "
                    "allowed; set allowed = true or remove it",
                )
            )
    elif not off.agreement_ref:
        issues.append(
            error(
                "PL-AGR-013",
                "offsetting.agreement_ref",
                "offsetting underspends against overspends moves one partner's money to "
                "another's scheme: cite the clause that allows it in agreement_ref",
            )
        )
    ring_fenced = {s.id for s in agreement.schemes if s.ring_fenced}
    schemes = set(agreement.scheme_ids)
    for j, sid in enumerate(off.order):
        if sid not in schemes:
            issues.append(
                error(
                    "PL-AGR-013",
                    f"offsetting.order[{j}]",
                    f"the offset order names {sid!r}, which is not a scheme",
                )
            )
        elif sid in ring_fenced:
            issues.append(
                error(
                    "PL-AGR-013",
                    f"offsetting.order[{j}]",
                    f"scheme {sid!r} is ring-fenced and cannot be offset",
                )
            )
    return issues


def check_risk_pool(agreement: Agreement) -> list[Issue]:
    """PL-AGR-015: the risk pool (RS7) and its contributions are consistent.

    ``RISK_POOL`` contributions need a risk pool and must name its id; other
    contributions must not name it; a risk pool needs contributions; its
    ``schemes`` and ``priority`` name known schemes; a ``PRIORITY`` spread needs a
    priority order; a ``CONTINGENCY`` underspend disposition needs a risk pool.
    """
    issues = _risk_pool_contributions(agreement)
    issues += _contingency_without_pool(agreement)
    rp = agreement.risk_pool
    if rp is None:
        return issues
    issues += _risk_pool_itself(agreement, rp)
    return issues


def _risk_pool_contributions(agreement: Agreement) -> list[Issue]:
    """PL-AGR-015: RISK_POOL contributions name the risk pool, and only they do."""
    rp = agreement.risk_pool
    issues: list[Issue] = []
    for i, c in enumerate(agreement.contributions):
        if c.kind is ContributionKind.RISK_POOL:
            if rp is None:
                issues.append(
                    error(
                        "PL-AGR-015",
                        f"contributions[{i}].kind",
                        f"contribution {c.id!r} is to a risk pool, but the agreement has none",
                    )
                )
            elif c.scheme != rp.id:
                issues.append(
                    error(
                        "PL-AGR-015",
                        f"contributions[{i}].scheme",
                        f"risk-pool contribution {c.id!r} must name the risk pool {rp.id!r}, "
                        f"not {c.scheme!r}",
                    )
                )
        elif rp is not None and c.scheme == rp.id:
            issues.append(
                error(
                    "PL-AGR-015",
                    f"contributions[{i}].kind",
                    f"contribution {c.id!r} is to the risk pool, so its kind must be RISK_POOL",
                )
            )
    return issues


def _contingency_without_pool(agreement: Agreement) -> list[Issue]:
    """PL-AGR-015: a CONTINGENCY disposition needs a risk pool to hold the money."""
    rp = agreement.risk_pool
    issues: list[Issue] = []
    for k in range(len(agreement.schemes)):
        for path, d in _dispositions(agreement, k):
            if d is UnderspendDisposition.CONTINGENCY and rp is None:
                issues.append(
                    error(
                        "PL-AGR-015",
                        path,
                        "a CONTINGENCY disposition holds the underspend in the risk pool, but "
                        "the agreement has none",
                    )
                )
    return issues


def _risk_pool_itself(agreement: Agreement, rp: RiskPool) -> list[Issue]:
    """PL-AGR-015: the risk pool has contributions, known schemes and a usable order."""
    schemes = set(agreement.scheme_ids)
    issues: list[Issue] = []
    if not any(c.kind is ContributionKind.RISK_POOL for c in agreement.contributions):
        issues.append(
            error(
                "PL-AGR-015",
                "risk_pool",
                f"risk pool {rp.id!r} has no RISK_POOL contributions from any partner",
            )
        )
    for field, ids in (("schemes", rp.schemes), ("priority", rp.priority)):
        for j, sid in enumerate(ids):
            if sid not in schemes:
                issues.append(
                    error(
                        "PL-AGR-015",
                        f"risk_pool.{field}[{j}]",
                        f"the risk pool's {field} names {sid!r}, which is not a scheme",
                    )
                )
            elif field == "priority" and rp.schemes and sid not in rp.schemes:
                issues.append(
                    error(
                        "PL-AGR-015",
                        f"risk_pool.priority[{j}]",
                        f"the risk pool's priority names {sid!r}, which the risk pool does not "
                        "cover",
                    )
                )
    if rp.spread is RiskPoolSpread.PRIORITY and not rp.priority:
        issues.append(
            error(
                "PL-AGR-015",
                "risk_pool.priority",
                "the risk pool is spread in PRIORITY order but no priority order is given",
            )
        )
    elif rp.spread is not RiskPoolSpread.PRIORITY and rp.priority:
        issues.append(
            warning(
                "PL-AGR-015",
                "risk_pool.priority",
                "a priority order is given but the risk pool is spread by overspend weights, "
                "so it is not used",
            )
        )
    return issues
