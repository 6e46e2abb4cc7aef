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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

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


@dataclass(frozen=True)
class _Case:
    """One call of :func:`share_variance`: the variance and what a rule may read."""

    variance: int
    facts: SchemeFacts
    order: Sequence[PartnerId]
    host: PartnerId
    ruling: BoardRuling | None
    terminating: bool
    notes: list[str]

    @property
    def scheme(self) -> Scheme:
        return self.facts.scheme

    def split(
        self, variance: int, weights: Mapping[PartnerId, Fraction | int], what: str
    ) -> tuple[dict[PartnerId, int], bool]:
        return _split(variance, weights, self.order, self.scheme, what, self.notes)

    def inner(self, rule: FallbackRule, variance: int) -> tuple[dict[PartnerId, int], bool]:
        """Another rule applied to ``variance``; its trail follows this one's."""
        got = share_variance(rule, variance, self.facts, self.order, self.host)
        self.notes.extend(got.explanation)
        return dict(got.shares), got.fallback


#: What one rule gives: each partner's signed share, and whether the weights failed.
_Shares = tuple[dict[PartnerId, int], bool]


def _rs1(rule: ProRataContributions, c: _Case) -> _Shares:
    return c.split(c.variance, c.facts.contributions, "pro rata to contributions")


def _rs2(rule: OwnRisk, c: _Case) -> _Shares:
    owner = rule.owner or c.scheme.lead_commissioner
    c.notes.append(f"{owner} bears its own variance of {format_pence(c.variance)}")
    return _full(c.order, {owner: c.variance}), False


def _rs3(rule: ProRataCommissioned, c: _Case) -> _Shares:
    weights = (
        {x.partner: to_pence(x.amount) for x in rule.commissioned}
        if rule.commissioned
        else c.facts.commissioned
    )
    return c.split(c.variance, weights, "pro rata to spending commissioned")


def _rs4(rule: FixedShares, c: _Case) -> _Shares:
    return c.split(c.variance, _shares(rule.shares), "fixed shares")


def _rs5(rule: CappedShares, c: _Case) -> _Shares:
    base = _shares(rule.shares) if rule.shares else c.facts.contributions
    shares, fallback = c.split(c.variance, base, "before caps")
    if c.variance > 0 or rule.caps_apply_to is CapScope.BOTH:
        excess = _apply_caps(rule, shares, 1 if c.variance > 0 else -1, c.notes)
        if excess:
            _to_underwriters(rule, shares, base, excess, c)
    return shares, fallback


def _apply_caps(
    rule: CappedShares, shares: dict[PartnerId, int], sign: int, notes: list[str]
) -> int:
    """Cut each capped partner's share to its cap; the total cut off."""
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
    return excess


def _to_underwriters(
    rule: CappedShares,
    shares: dict[PartnerId, int],
    base: Mapping[PartnerId, Fraction | int],
    excess: int,
    c: _Case,
) -> None:
    """The underwriters' own shares and the excess, split once, together, by the
    underwriters' weights (docs/risk-share/rs05-capped-shares.md)."""
    under = {p: base.get(p, 0) for p in rule.underwriters}
    if not any(w > 0 for w in under.values()):
        under = dict.fromkeys(rule.underwriters, 1)
    under = {p: w for p, w in under.items() if w > 0}
    residual = c.variance - sum(v for p, v in shares.items() if p not in under)
    c.notes.append(
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
    for p, v in allocate(residual, under, [p for p in c.order if p in under]).items():
        shares[p] = v


def _rs6(rule: FixedVariableProfile, c: _Case) -> _Shares:
    base = _shares(rule.variable_shares) if rule.variable_shares else c.facts.contributions
    shares, fallback = c.split(c.variance, base, "variable share")
    bearer = rule.bearer or c.host
    moved = sum(shares[p] for p in rule.fixed if p != bearer)
    for p in rule.fixed:
        if p != bearer:
            shares[p] = 0
    shares[bearer] += moved
    if moved:
        c.notes.append(f"fixed partners' {format_pence(moved)} borne by {bearer}")
    return shares, fallback


def _rs9(rule: FaultBearer, c: _Case) -> _Shares:
    if rule.charge is FaultCharge.ALL_UNAUTHORISED:
        fault = max(c.facts.unauthorised, 0)
    else:
        fault = min(c.variance, c.facts.unauthorised) if c.variance > 0 else 0
    inner = share_variance(rule.otherwise, c.variance - fault, c.facts, c.order, c.host)
    shares = dict(inner.shares)
    shares[rule.bearer] += fault
    if fault:
        c.notes.append(f"unauthorised spending of {format_pence(fault)} borne by {rule.bearer}")
    c.notes.extend(inner.explanation)
    return shares, inner.fallback


def _rs10(rule: Threshold, c: _Case) -> _Shares:
    contributions = c.facts.contributions
    others = {p: v for p, v in contributions.items() if p != rule.protected and v > 0}
    capacity = multiply(sum(others.values()), rule.threshold, Rounding.DOWN)
    first = min(abs(c.variance), capacity) * (1 if c.variance > 0 else -1)
    shares = _full(c.order, {})
    fallback = False
    if first and others:
        shares, _ = c.split(first, others, f"first {rule.threshold} of the others' contributions")
    rest = c.variance - first if others else c.variance
    if rest:
        base = _shares(rule.shares) if rule.shares else contributions
        part, fallback = c.split(rest, base, "beyond the threshold")
        shares = {p: shares[p] + part[p] for p in c.order}
    return shares, fallback


def _rs11(rule: WindfallManaged, c: _Case) -> _Shares:
    return c.split(c.variance, c.facts.contributions, "pro rata to contributions")


def _rs12(rule: NoRiskShare, c: _Case) -> _Shares:
    contributions = c.facts.contributions
    own_total = sum(c.facts.own_net.values())
    if own_total - sum(contributions.values()) != c.variance:  # pragma: no cover - the close
        raise ValueError("own spending does not add up to the scheme's net expenditure")
    own = {p: c.facts.own_net.get(p, 0) - contributions.get(p, 0) for p in c.order}
    c.notes.append("each partner bears its own spending less its own contribution")
    return _full(c.order, own), False


def _rs13(rule: BoardDecision, c: _Case) -> _Shares:
    chosen: FallbackRule = rule.default_rule
    if c.ruling is not None and c.ruling.rule is not None:
        chosen = c.ruling.rule
        c.notes.append(f"board decision {c.ruling.reference}".strip())
    else:
        c.notes.append("no board decision: the agreement's default applies")
    return c.inner(chosen, c.variance)


def _rs14(rule: Termination, c: _Case) -> _Shares:
    chosen = rule.in_year
    if c.terminating and rule.settle_by is TerminationSettlement.PRO_RATA_CONTRIBUTIONS:
        chosen = ProRataContributions()
    return c.inner(chosen, c.variance)


#: Each rule's arithmetic, one function per rule (docs/risk-share/index.md).
_RULES: dict[type, Callable[[Any, _Case], _Shares]] = {
    ProRataContributions: _rs1,
    OwnRisk: _rs2,
    ProRataCommissioned: _rs3,
    FixedShares: _rs4,
    CappedShares: _rs5,
    FixedVariableProfile: _rs6,
    FaultBearer: _rs9,
    Threshold: _rs10,
    WindfallManaged: _rs11,
    NoRiskShare: _rs12,
    BoardDecision: _rs13,
    Termination: _rs14,
}


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
    notes: list[str] = [f"{rule.code} {rule.rule}"]
    if variance == 0:
        return RuleOutcome(_full(order, {}), (*notes, "no variance"))
    apply = next((f for kind, f in _RULES.items() if isinstance(rule, kind)), None)
    if apply is None:  # pragma: no cover - the union is closed
        raise TypeError(f"unknown rule {rule!r}")
    case = _Case(variance, facts, order, host, ruling, terminating, notes)
    shares, fallback = apply(rule, case)
    if sum(shares.values()) != variance:  # pragma: no cover - a defect, never user data
        raise AssertionError(f"{rule.code} shares {shares} do not sum to {variance}")
    return RuleOutcome(shares, tuple(notes), fallback)
