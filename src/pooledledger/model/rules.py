"""Risk-share and underspend rules: their parameters and their validation.

See docs/risk-share/index.md.

A scheme's *risk-share rule* says who bears the scheme's variance V_k (an
overspend, V > 0, or an underspend, V < 0) once the risk pool has been used.
Each rule here only holds the agreement's parameters; the arithmetic that turns
a variance into pence per partner lives with the year-end close.

======  ==========================  ==========================================
code    model                       who bears the variance
======  ==========================  ==========================================
RS1     :class:`ProRataContributions`  partners pro rata to their contributions
RS2     :class:`OwnRisk`               one partner (default: lead commissioner)
RS3     :class:`ProRataCommissioned`   pro rata to what each partner commissions
RS4     :class:`FixedShares`           fixed shares such as 50/50 or 60/40
RS5     :class:`CappedShares`          shares with caps; underwriters take the rest
RS6     :class:`FixedVariableProfile`  fixed partners bear none; a bearer or shares
RS7     :class:`RiskPool`              (pool level) the risk pool is used first
RS8     :class:`Offsetting`            (pool level) underspends offset overspends
RS9     :class:`FaultBearer`           unauthorised spend on the body at fault
RS10    :class:`Threshold`             a protected partner only past a threshold
RS11    :class:`WindfallManaged`       managed underspend kept; windfall refunded
RS12    :class:`NoRiskShare`           each partner keeps its own pressures
RS13    :class:`BoardDecision`         the board decides; a default otherwise
RS14    :class:`Termination`           settlement on termination
======  ==========================  ==========================================

RS7 and RS8 act across schemes, so they are pool-level settings on the
agreement, not scheme rules.

Shares (:data:`Share`) are exact fractions: ``"1/2"``, ``"50%"``, ``"0.5"``, a
``Decimal``, ``Fraction`` or ``int``; never a float. They serialize as text such as
``"1/2"``. That a rule's shares sum to exactly 1 is checked with the rest of the
agreement (``PL-AGR-007``), so a bad file reports every problem at once.  Shares and
the partner entries of the rules are in :mod:`pooledledger.model.shares`, and
importable from here too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, StringConstraints

from pooledledger.core._model import DomainEnum, FrozenModel, require_tag_in_schema
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.shares import (
    PartnerAmount,
    PartnerCap,
    PartnerRef,
    PartnerShare,
    Share,
    ShareError,
    format_share,
    parse_share,
)

__all__ = [
    "BoardDecision",
    "CapScope",
    "CappedShares",
    "FallbackRule",
    "FaultBearer",
    "FaultCharge",
    "FixedShares",
    "FixedVariableProfile",
    "NoRiskShare",
    "Offsetting",
    "OwnRisk",
    "PartnerAmount",
    "PartnerCap",
    "PartnerRef",
    "PartnerShare",
    "ProRataCommissioned",
    "ProRataContributions",
    "RiskPool",
    "RiskPoolSpread",
    "RiskPoolUnused",
    "RiskShareRule",
    "Share",
    "ShareError",
    "Termination",
    "TerminationSettlement",
    "Threshold",
    "UnderspendDisposition",
    "UnderspendRule",
    "WindfallManaged",
    "format_share",
    "parse_share",
]


# ------------------------------------------------------------------ enums, underspend


class UnderspendDisposition(DomainEnum):
    """What happens to a partner's share of an underspend (docs/year-end.md#the-order-of-the-rules).

    * ``REFUND``: paid back to the partner (pro rata).
    * ``CARRY_FORWARD``: kept for the partner and brought forward next year.
    * ``REDEPLOY``: moved to another scheme (needs the partners' agreement).
    * ``CONTINGENCY``: held in the risk pool.
    """

    REFUND = "REFUND"
    CARRY_FORWARD = "CARRY_FORWARD"
    REDEPLOY = "REDEPLOY"
    CONTINGENCY = "CONTINGENCY"


class UnderspendRule(FrozenModel):
    """How a scheme's underspend is disposed of.

    ``redeploy_to`` names the scheme that receives a ``REDEPLOY``-ed underspend;
    ``agreement_ref`` cites the clause or decision that authorises the disposition.
    """

    disposition: UnderspendDisposition = UnderspendDisposition.REFUND
    redeploy_to: SchemeId | None = None
    agreement_ref: str | None = None


class CapScope(DomainEnum):
    """Whether RS5 caps limit overspend shares only, or underspend shares as well."""

    OVERSPEND_ONLY = "OVERSPEND_ONLY"
    BOTH = "BOTH"


class RiskPoolSpread(DomainEnum):
    """How a partner's use of the risk pool is spread across overspent schemes (RS7).

    * ``OVERSPEND_WEIGHTS``: in proportion to each scheme's overspend.
    * ``PRIORITY``: scheme by scheme in the risk pool's ``priority`` order.
    """

    OVERSPEND_WEIGHTS = "OVERSPEND_WEIGHTS"
    PRIORITY = "PRIORITY"


class RiskPoolUnused(DomainEnum):
    """What happens to risk-pool money left unused at year end (RS7)."""

    REFUND = "REFUND"
    CARRY_FORWARD = "CARRY_FORWARD"


class TerminationSettlement(DomainEnum):
    """How a variance is settled when the agreement ends (RS14).

    * ``PRO_RATA_CONTRIBUTIONS``: pro rata to contributions (the usual clause).
    * ``SCHEME_RULE``: by the rule that applied at each year end (``in_year``).
    """

    PRO_RATA_CONTRIBUTIONS = "PRO_RATA_CONTRIBUTIONS"
    SCHEME_RULE = "SCHEME_RULE"


# ------------------------------------------------------------------------ the rules


class _Rule(FrozenModel):
    """Common base of the risk-share rules: a ``code`` and the partners they name."""

    model_config = ConfigDict(json_schema_extra=require_tag_in_schema)

    code: ClassVar[str]

    def partner_refs(self) -> tuple[PartnerRef, ...]:
        """Every partner this rule names, with the field path relative to the rule."""
        return tuple(self._refs())

    def share_sets(self) -> tuple[tuple[str, tuple[PartnerShare, ...]], ...]:
        """Every non-empty list of fixed shares in this rule, with its field path.

        Each list must sum to exactly 1 (checked as ``PL-AGR-007``).
        """
        return tuple(self._share_sets())

    def dispositions(self) -> tuple[tuple[str, UnderspendDisposition], ...]:
        """Underspend dispositions this rule names, with their field paths."""
        return ()

    def _refs(self) -> Iterator[PartnerRef]:
        return iter(())

    def _share_sets(self) -> Iterator[tuple[str, tuple[PartnerShare, ...]]]:
        return iter(())


def _share_refs(field: str, shares: tuple[PartnerShare, ...]) -> Iterator[PartnerRef]:
    for i, s in enumerate(shares):
        yield f"{field}[{i}].partner", s.partner


def _nested(prefix: str, rule: _Rule) -> Iterator[PartnerRef]:
    for path, partner in rule.partner_refs():
        yield f"{prefix}.{path}", partner


class ProRataContributions(_Rule):
    """RS1: the variance is shared pro rata to the partners' contributions to the scheme."""

    code: ClassVar[str] = "RS1"
    rule: Literal["PRO_RATA_CONTRIBUTIONS"] = "PRO_RATA_CONTRIBUTIONS"


class OwnRisk(_Rule):
    """RS2: one partner (the commissioner) bears all of the scheme's variance.

    ``owner`` ``None`` means the scheme's lead commissioner.
    """

    code: ClassVar[str] = "RS2"
    rule: Literal["OWN_RISK"] = "OWN_RISK"
    owner: PartnerId | None = None

    def _refs(self) -> Iterator[PartnerRef]:
        if self.owner is not None:
            yield "owner", self.owner


class ProRataCommissioned(_Rule):
    """RS3: shared pro rata to what each partner commissions within the scheme.

    ``commissioned`` empty means: from the ledger's spending by procuring partner
    at close.
    """

    code: ClassVar[str] = "RS3"
    rule: Literal["PRO_RATA_COMMISSIONED"] = "PRO_RATA_COMMISSIONED"
    commissioned: tuple[PartnerAmount, ...] = ()

    def _refs(self) -> Iterator[PartnerRef]:
        for i, c in enumerate(self.commissioned):
            yield f"commissioned[{i}].partner", c.partner


class FixedShares(_Rule):
    """RS4: fixed shares agreed in advance, e.g. 50/50 or 60/40; they must sum to 1."""

    code: ClassVar[str] = "RS4"
    rule: Literal["FIXED_SHARES"] = "FIXED_SHARES"
    shares: tuple[PartnerShare, ...] = Field(min_length=1)

    def _refs(self) -> Iterator[PartnerRef]:
        yield from _share_refs("shares", self.shares)

    def _share_sets(self) -> Iterator[tuple[str, tuple[PartnerShare, ...]]]:
        yield "shares", self.shares


class CappedShares(_Rule):
    """RS5: shares with caps; what the capped partners do not bear goes to the underwriters.

    ``shares`` empty means pro rata to contributions. Each capped partner bears at
    most its ``cap`` (compared after rounding to pence, R7 in docs/money.md#the-rounding-rules); the
    residual falls on the ``underwriters`` by their own weights. ``caps_apply_to``
    says whether caps limit overspends only (the default) or underspends too.
    """

    code: ClassVar[str] = "RS5"
    rule: Literal["CAPPED_SHARES"] = "CAPPED_SHARES"
    shares: tuple[PartnerShare, ...] = ()
    caps: tuple[PartnerCap, ...] = Field(min_length=1)
    underwriters: tuple[PartnerId, ...] = Field(min_length=1)
    caps_apply_to: CapScope = CapScope.OVERSPEND_ONLY

    def _refs(self) -> Iterator[PartnerRef]:
        yield from _share_refs("shares", self.shares)
        for i, c in enumerate(self.caps):
            yield f"caps[{i}].partner", c.partner
        for i, u in enumerate(self.underwriters):
            yield f"underwriters[{i}]", u

    def _share_sets(self) -> Iterator[tuple[str, tuple[PartnerShare, ...]]]:
        if self.shares:
            yield "shares", self.shares


class FixedVariableProfile(_Rule):
    """RS6: the ``fixed`` partners' contributions do not move with the variance.

    The variance is first split by ``variable_shares`` (empty: pro rata to
    contributions); the portions that would fall on ``fixed`` partners are borne
    by ``bearer`` instead (``None`` means the host). With a host and one fixed
    partner, the host bears the whole variance (docs/risk-share/rs06-fixed-variable-profile.md).
    """

    code: ClassVar[str] = "RS6"
    rule: Literal["FIXED_VARIABLE_PROFILE"] = "FIXED_VARIABLE_PROFILE"
    fixed: tuple[PartnerId, ...] = Field(min_length=1)
    bearer: PartnerId | None = None
    variable_shares: tuple[PartnerShare, ...] = ()

    def _refs(self) -> Iterator[PartnerRef]:
        for i, p in enumerate(self.fixed):
            yield f"fixed[{i}]", p
        if self.bearer is not None:
            yield "bearer", self.bearer
        yield from _share_refs("variable_shares", self.variable_shares)

    def _share_sets(self) -> Iterator[tuple[str, tuple[PartnerShare, ...]]]:
        if self.variable_shares:
            yield "variable_shares", self.variable_shares


#: The simple rules another rule may fall back on: RS1, RS2 or RS4 (never recursive).
FallbackRule = Annotated[ProRataContributions | OwnRisk | FixedShares, Field(discriminator="rule")]


class FaultCharge(DomainEnum):
    """How much of a scheme's unauthorised spending RS9's bearer bears.

    * ``ALL_UNAUTHORISED`` (default): all of it (net of reversals), in an overspend
      or an underspend.  It is charged to the bearer before offsetting and the risk
      pool, so the other partners' underspend shares are not cut and the joint risk
      pool never meets it.
    * ``OVERSPEND_ONLY``: only the part of the residual overspend (after offsetting
      and the risk pool) that the unauthorised spending explains, at most that
      overspend; inside an underspend the bearer bears nothing extra.
    """

    ALL_UNAUTHORISED = "ALL_UNAUTHORISED"
    OVERSPEND_ONLY = "OVERSPEND_ONLY"


class FaultBearer(_Rule):
    """RS9: unauthorised spending falls on ``bearer``, whatever the split.

    ``charge`` says how much of it (default all of it: see :class:`FaultCharge` and
    docs/year-end.md#judgements for why).  Any other variance is shared by
    ``otherwise`` (RS1, RS2 or RS4; default RS1).
    """

    code: ClassVar[str] = "RS9"
    rule: Literal["MALADMINISTRATION"] = "MALADMINISTRATION"
    bearer: PartnerId
    otherwise: FallbackRule = ProRataContributions()
    charge: FaultCharge = FaultCharge.ALL_UNAUTHORISED

    def _refs(self) -> Iterator[PartnerRef]:
        yield "bearer", self.bearer
        yield from _nested("otherwise", self.otherwise)

    def _share_sets(self) -> Iterator[tuple[str, tuple[PartnerShare, ...]]]:
        for path, shares in self.otherwise.share_sets():
            yield f"otherwise.{path}", shares


class Threshold(_Rule):
    """RS10: the ``protected`` partner's contribution stays fixed until the others
    have borne a reduction of ``threshold`` (e.g. ``"10%"``) of their contributions.

    ``shares`` splits the variance once past the threshold (empty: pro rata to
    contributions).
    """

    code: ClassVar[str] = "RS10"
    rule: Literal["THRESHOLD"] = "THRESHOLD"
    protected: PartnerId
    threshold: Share
    shares: tuple[PartnerShare, ...] = ()

    def _refs(self) -> Iterator[PartnerRef]:
        yield "protected", self.protected
        yield from _share_refs("shares", self.shares)

    def _share_sets(self) -> Iterator[tuple[str, tuple[PartnerShare, ...]]]:
        if self.shares:
            yield "shares", self.shares


class WindfallManaged(_Rule):
    """RS11: a managed underspend is retained (``managed_disposition``); a windfall
    underspend is refunded pro rata to contributions. Overspends are shared pro rata.
    """

    code: ClassVar[str] = "RS11"
    rule: Literal["WINDFALL_MANAGED"] = "WINDFALL_MANAGED"
    managed_disposition: UnderspendDisposition = UnderspendDisposition.CARRY_FORWARD

    def dispositions(self) -> tuple[tuple[str, UnderspendDisposition], ...]:
        return (("managed_disposition", self.managed_disposition),)


class NoRiskShare(_Rule):
    """RS12: no risk share; each partner keeps its own cost pressures."""

    code: ClassVar[str] = "RS12"
    rule: Literal["NO_RISK_SHARE"] = "NO_RISK_SHARE"


class BoardDecision(_Rule):
    """RS13: the board decides; failing a decision, an underspend goes to ``default``
    and a variance is shared by ``default_rule`` (RS1, RS2 or RS4; default RS1).
    """

    code: ClassVar[str] = "RS13"
    rule: Literal["BOARD_DECISION"] = "BOARD_DECISION"
    default: UnderspendDisposition
    default_rule: FallbackRule = ProRataContributions()

    def _refs(self) -> Iterator[PartnerRef]:
        yield from _nested("default_rule", self.default_rule)

    def _share_sets(self) -> Iterator[tuple[str, tuple[PartnerShare, ...]]]:
        for path, shares in self.default_rule.share_sets():
            yield f"default_rule.{path}", shares

    def dispositions(self) -> tuple[tuple[str, UnderspendDisposition], ...]:
        return (("default", self.default),)


class Termination(_Rule):
    """RS14: on termination the variance is settled by ``settle_by``.

    At each year end before termination the scheme uses ``in_year`` (RS1, RS2 or
    RS4; default RS1); ``settle_by=SCHEME_RULE`` settles termination by that too.
    """

    code: ClassVar[str] = "RS14"
    rule: Literal["TERMINATION"] = "TERMINATION"
    settle_by: TerminationSettlement = TerminationSettlement.PRO_RATA_CONTRIBUTIONS
    in_year: FallbackRule = ProRataContributions()

    def _refs(self) -> Iterator[PartnerRef]:
        yield from _nested("in_year", self.in_year)

    def _share_sets(self) -> Iterator[tuple[str, tuple[PartnerShare, ...]]]:
        for path, shares in self.in_year.share_sets():
            yield f"in_year.{path}", shares


#: A scheme's risk-share rule: one of RS1-RS6, RS9-RS14, told apart by its ``rule`` field.
RiskShareRule = Annotated[
    ProRataContributions
    | OwnRisk
    | ProRataCommissioned
    | FixedShares
    | CappedShares
    | FixedVariableProfile
    | FaultBearer
    | Threshold
    | WindfallManaged
    | NoRiskShare
    | BoardDecision
    | Termination,
    Field(discriminator="rule"),
]


# ------------------------------------------------------------------ pool-level rules


class RiskPool(FrozenModel):
    """RS7: a jointly funded contingency used on overspends before the scheme rules.

    Partners pay into it with ``RISK_POOL`` contributions naming its ``id``.
    ``schemes`` lists the schemes it covers (empty: all). Each partner's use is
    spread across overspent schemes by ``spread``: in proportion to the overspends
    or in ``priority`` order. Money left unused is refunded or carried forward by
    the partners' risk-pool shares (``unused``).
    """

    code: ClassVar[str] = "RS7"

    id: SchemeId = "RP"
    name: Annotated[str, StringConstraints(min_length=1)] = "Risk pool"
    schemes: tuple[SchemeId, ...] = ()
    spread: RiskPoolSpread = RiskPoolSpread.OVERSPEND_WEIGHTS
    priority: tuple[SchemeId, ...] = ()
    unused: RiskPoolUnused = RiskPoolUnused.REFUND


class Offsetting(FrozenModel):
    """RS8: whether underspends on some schemes may first offset overspends on others.

    Offsetting moves one partner's money to another's scheme, a cross-subsidy, so
    it needs explicit permission: ``allowed``, the ``agreement_ref`` that allows it,
    and the ``order`` in which underspent schemes are used (empty: agreement order).
    Ring-fenced schemes never offset.

    ``capital_to_revenue`` lets the underspend of a ``CAPITAL`` scheme offset the
    overspend of a ``REVENUE`` scheme.  Default ``False``: capital money (such as the
    Disabled Facilities Grant) is given for capital spending, and using it to meet
    revenue spending breaks the capital/revenue split the partners account by, so an
    agreement must say so expressly; when allowed, each such offset is reported
    (``PL-CLS-010``).  See docs/year-end.md#judgements.
    """

    code: ClassVar[str] = "RS8"

    allowed: bool = False
    order: tuple[SchemeId, ...] = ()
    agreement_ref: str | None = None
    capital_to_revenue: bool = False
