"""Risk-share arithmetic: who bears a scheme's over- or underspend (docs/risk-share/index.md).

:func:`share_variance` applies one scheme's rule (RS1-RS6, RS9-RS14) to its
residual variance ``V`` (positive: overspend; negative: underspend) and returns
each partner's *signed* share ``A_i`` with ``Σ A_i = V`` exactly.  The close turns
these into deficit shares ``D = max(A, 0)`` and underspend shares
``U = max(-A, 0)`` (I-7).  Every split goes through :func:`~pooledledger.core.allocation.allocate`.

The pool-level steps (RS7 risk pool, RS8 offsetting) are applied by the close
before this; see :mod:`pooledledger.yearend.close`.

Where a rule's weights are all zero (e.g. pro rata to contributions on a scheme
with no contributions) the variance falls on the scheme's lead commissioner and
the explanation says so (docs/reports.md#edge-cases-with-defined-results).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from pooledledger.core.allocation import allocate
from pooledledger.core.money import Rounding, format_pence, multiply, to_pence
from pooledledger.model.agreement import Scheme
from pooledledger.model.partners import PartnerId
from pooledledger.model.rules import (
    BoardDecision,
    CappedShares,
    CapScope,
    FallbackRule,
    FaultBearer,
    FaultCharge,
    FixedShares,
    FixedVariableProfile,
    NoRiskShare,
    OwnRisk,
    PartnerShare,
    ProRataCommissioned,
    ProRataContributions,
    RiskShareRule,
    Termination,
    TerminationSettlement,
    Threshold,
    UnderspendDisposition,
    WindfallManaged,
)

__all__ = ["BoardRuling", "RuleOutcome", "SchemeFacts", "share_variance"]


@dataclass(frozen=True)
class SchemeFacts:
    """What a rule may need to know about a scheme's year, in pence.

    ``contributions``: approved annual contributions per partner (all partners, in
    agreement order); ``commissioned``: pool cost procured by each partner (RS3);
    ``own_net``: each partner's own net spend (RS12); ``unauthorised``: pool cost
    of spending outside the agreement (RS9).
    """

    scheme: Scheme
    contributions: dict[PartnerId, int]
    commissioned: dict[PartnerId, int] = field(default_factory=dict)
    own_net: dict[PartnerId, int] = field(default_factory=dict)
    unauthorised: int = 0


@dataclass(frozen=True)
class BoardRuling:
    """A board's decision for one scheme at year end (RS13, RS11).

    ``rule``: how to share the variance (RS1, RS2 or RS4); ``disposition``: what to
    do with an underspend; ``windfall_pence``: how much of an underspend is windfall
    (RS11; the rest is managed).  ``reference`` records the minute.
    """

    rule: FallbackRule | None = None
    disposition: UnderspendDisposition | None = None
    windfall_pence: int | None = None
    reference: str = ""


@dataclass(frozen=True)
class RuleOutcome:
    """Signed shares of a variance (``Σ shares = variance``) and how they were reached."""

    shares: dict[PartnerId, int]
    explanation: tuple[str, ...]
    fallback: bool = False  # weights were unusable; the lead commissioner bore it


def _full(order: Sequence[PartnerId], parts: Mapping[PartnerId, int]) -> dict[PartnerId, int]:
    return {p: parts.get(p, 0) for p in order}


def _split(
    variance: int,
    weights: Mapping[PartnerId, Fraction | int],
    order: Sequence[PartnerId],
    scheme: Scheme,
    what: str,
    notes: list[str],
) -> tuple[dict[PartnerId, int], bool]:
    usable = {p: w for p, w in weights.items() if w > 0}
    if not usable or any(w < 0 for w in weights.values()):
        notes.append(
            f"{what}: no usable weights, so the lead commissioner "
            f"{scheme.lead_commissioner} bears {format_pence(variance)}"
        )
        return _full(order, {scheme.lead_commissioner: variance}), True
    notes.append(
        f"{what}: {format_pence(variance)} split "
        + ", ".join(
            f"{p} {Fraction(w) / sum(map(Fraction, usable.values()))}" for p, w in usable.items()
        )
    )
    return _full(order, allocate(variance, usable, [p for p in order if p in usable])), False


def _shares(shares: tuple[PartnerShare, ...]) -> dict[PartnerId, Fraction]:
    return {s.partner: s.share for s in shares}


def share_variance(
    rule: RiskShareRule | FallbackRule,
    variance: int,
    facts: SchemeFacts,
    order: Sequence[PartnerId],
    host: PartnerId,
    ruling: BoardRuling | None = None,
    terminating: bool = False,
) -> RuleOutcome:
    """Each partner's signed share of ``variance`` under ``rule`` (docs/risk-share/index.md)."""
    scheme = facts.scheme
    notes: list[str] = [f"{rule.code} {rule.rule}"]
    contributions = facts.contributions
    fallback = False
    shares: dict[PartnerId, int]

    if variance == 0:
        return RuleOutcome(_full(order, {}), (*notes, "no variance"))

    if isinstance(rule, ProRataContributions):
        shares, fallback = _split(
            variance, contributions, order, scheme, "pro rata to contributions", notes
        )
    elif isinstance(rule, OwnRisk):
        owner = rule.owner or scheme.lead_commissioner
        notes.append(f"{owner} bears its own variance of {format_pence(variance)}")
        shares = _full(order, {owner: variance})
    elif isinstance(rule, ProRataCommissioned):
        weights = (
            {c.partner: to_pence(c.amount) for c in rule.commissioned}
            if rule.commissioned
            else facts.commissioned
        )
        shares, fallback = _split(
            variance, weights, order, scheme, "pro rata to spending commissioned", notes
        )
    elif isinstance(rule, FixedShares):
        shares, fallback = _split(
            variance, _shares(rule.shares), order, scheme, "fixed shares", notes
        )
    elif isinstance(rule, CappedShares):
        base = _shares(rule.shares) if rule.shares else contributions
        shares, fallback = _split(variance, base, order, scheme, "before caps", notes)
        if variance > 0 or rule.caps_apply_to is CapScope.BOTH:
            sign = 1 if variance > 0 else -1
            excess = 0
            for cap in rule.caps:
                limit = to_pence(cap.cap)
                if abs(shares[cap.partner]) > limit:
                    excess += abs(shares[cap.partner]) - limit
                    notes.append(
                        f"{cap.partner} capped at {format_pence(limit)} "
                        f"(share was {format_pence(abs(shares[cap.partner]))})"
                    )
                    shares[cap.partner] = sign * limit
            if excess:
                # the underwriters' own shares and the excess are split once, together,
                # by the underwriters' weights (docs/risk-share/rs05-capped-shares.md)
                under = {p: base.get(p, 0) for p in rule.underwriters}
                if not any(w > 0 for w in under.values()):
                    under = dict.fromkeys(rule.underwriters, 1)
                under = {p: w for p, w in under.items() if w > 0}
                residual = variance - sum(v for p, v in shares.items() if p not in under)
                notes.append(
                    f"{format_pence(excess)} above the caps to the underwriter(s) "
                    + ", ".join(rule.underwriters)
                    + (
                        f"; their {format_pence(residual)} split once by their own weights"
                        if len(under) > 1
                        else ""
                    )
                )
                for p in rule.underwriters:
                    shares[p] = 0
                for p, v in allocate(residual, under, [p for p in order if p in under]).items():
                    shares[p] = v
    elif isinstance(rule, FixedVariableProfile):
        base = _shares(rule.variable_shares) if rule.variable_shares else contributions
        shares, fallback = _split(variance, base, order, scheme, "variable share", notes)
        bearer = rule.bearer or host
        moved = sum(shares[p] for p in rule.fixed if p != bearer)
        for p in rule.fixed:
            if p != bearer:
                shares[p] = 0
        shares[bearer] += moved
        if moved:
            notes.append(f"fixed partners' {format_pence(moved)} borne by {bearer}")
    elif isinstance(rule, FaultBearer):
        if rule.charge is FaultCharge.ALL_UNAUTHORISED:
            fault = max(facts.unauthorised, 0)
        else:
            fault = min(variance, facts.unauthorised) if variance > 0 else 0
        inner = share_variance(rule.otherwise, variance - fault, facts, order, host)
        shares = dict(inner.shares)
        shares[rule.bearer] += fault
        fallback = inner.fallback
        if fault:
            notes.append(f"unauthorised spending of {format_pence(fault)} borne by {rule.bearer}")
        notes.extend(inner.explanation)
    elif isinstance(rule, Threshold):
        others = {p: v for p, v in contributions.items() if p != rule.protected and v > 0}
        capacity = multiply(sum(others.values()), rule.threshold, Rounding.DOWN)
        first = min(abs(variance), capacity) * (1 if variance > 0 else -1)
        shares = _full(order, {})
        if first and others:
            part, _ = _split(
                first,
                others,
                order,
                scheme,
                f"first {rule.threshold} of the others' contributions",
                notes,
            )
            shares = part
        rest = variance - first if others else variance
        if rest:
            base = _shares(rule.shares) if rule.shares else contributions
            part, fallback = _split(rest, base, order, scheme, "beyond the threshold", notes)
            shares = {p: shares[p] + part[p] for p in order}
    elif isinstance(rule, WindfallManaged):
        shares, fallback = _split(
            variance, contributions, order, scheme, "pro rata to contributions", notes
        )
    elif isinstance(rule, NoRiskShare):
        total_c = sum(contributions.values())
        own_total = sum(facts.own_net.values())
        if own_total - total_c != variance:  # pragma: no cover - guarded by the close
            raise ValueError("own spending does not add up to the scheme's net expenditure")
        shares = _full(order, {p: facts.own_net.get(p, 0) - contributions.get(p, 0) for p in order})
        notes.append("each partner bears its own spending less its own contribution")
    elif isinstance(rule, BoardDecision):
        chosen: FallbackRule = rule.default_rule
        if ruling is not None and ruling.rule is not None:
            chosen = ruling.rule
            notes.append(f"board decision {ruling.reference}".strip())
        else:
            notes.append("no board decision: the agreement's default applies")
        inner = share_variance(chosen, variance, facts, order, host)
        shares, fallback = dict(inner.shares), inner.fallback
        notes.extend(inner.explanation)
    elif isinstance(rule, Termination):
        chosen = rule.in_year
        if terminating and rule.settle_by is TerminationSettlement.PRO_RATA_CONTRIBUTIONS:
            chosen = ProRataContributions()
        inner = share_variance(chosen, variance, facts, order, host)
        shares, fallback = dict(inner.shares), inner.fallback
        notes.extend(inner.explanation)
    else:  # pragma: no cover - the union is closed
        raise TypeError(f"unknown rule {rule!r}")

    if sum(shares.values()) != variance:  # pragma: no cover - a defect, never user data
        raise AssertionError(f"{rule.code} shares {shares} do not sum to {variance}")
    return RuleOutcome(shares, tuple(notes), fallback)
