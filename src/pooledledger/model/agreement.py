"""The pooled fund agreement: legal basis, partners, host, schemes and contributions.

An :class:`Agreement` is the written partnership agreement of a pooled fund
(reg 7(3); docs/agreements.md): who the partners are and in what order, which of
them is the *host* (responsible for the pool's accounts and audit), who the
*pooled fund manager* is, the *schemes* (pooled service budgets) with their lead
commissioner, accounting model and risk-share and underspend rules, each
partner's *planned contributions*, and the pool-level risk pool (RS7) and
offsetting (RS8) settings.

The models here check structure only: types, required fields, ids that look
like ids, amounts that are exact money. Whether the agreement makes sense (the
host is a partner, shares sum to 1, contributions name real schemes…) is checked
by :func:`pooledledger.model.checks_agreement.validate_agreement`, which reports every
problem at once as :class:`~pooledledger.core.errors.Issue` values. Loaders call it.

Dates:

* ``term_start`` is the first day of the agreement and ``term_end`` its **last
  day, inclusive**, as agreements are written ("1 April 2025 to 31 March 2026").
  :attr:`Agreement.term` gives the half-open range ``[term_start, term_end + 1 day)``.
* A financial year is covered by the term if it shares at least one day with it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from pooledledger.core._model import DomainEnum, FrozenModel, TagEnum, require_tag_in_schema
from pooledledger.core.errors import PooledLedgerError
from pooledledger.core.money import Amount, to_pence
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.entries import ContributionKind
from pooledledger.model.partners import ID_PATTERN, Partner, PartnerId, SchemeId
from pooledledger.model.rules import (
    Offsetting,
    ProRataContributions,
    RiskPool,
    RiskShareRule,
    UnderspendRule,
)

__all__ = [
    "AccountingMode",
    "AccountingModel",
    "Agent",
    "Agreement",
    "ContributionId",
    "ContributionKind",
    "FundingType",
    "IrrecoverableVat",
    "JointOperation",
    "LegalBasis",
    "PlannedContribution",
    "Principal",
    "Scheme",
    "UnknownIdError",
    "VatModel",
]

_Text = Annotated[str, StringConstraints(min_length=1)]

#: The id of a planned contribution, unique within the agreement, e.g. ``"ICB-S2-BASE"``.
ContributionId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class UnknownIdError(PooledLedgerError, KeyError):
    """A partner or scheme id that the agreement does not define was asked for."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown id"


class LegalBasis(DomainEnum):
    """The statute under which the partners pool their money (docs/concepts.md).

    * ``S75_NHSA2006``: NHS Act 2006 s75 (NHS bodies with local authorities; the BCF).
    * ``S31_HA1999``: Health Act 1999 s31, the predecessor of s75.
    * ``S10_CA2004``: Children Act 2004 s10 (a children's services authority with
      its relevant partners, e.g. NHS bodies, police, probation).
    * ``S65Z5_NHSA2006``: NHS Act 2006 s65Z5 (NHS bodies only).
    """

    S75_NHSA2006 = "S75_NHSA2006"
    S31_HA1999 = "S31_HA1999"
    S10_CA2004 = "S10_CA2004"
    S65Z5_NHSA2006 = "S65Z5_NHSA2006"


class AccountingMode(TagEnum):
    """How a scheme is presented in the partners' accounts: the ``model`` tag of
    :data:`AccountingModel` (docs/concepts.md#three-accounting-models)."""

    JOINT_OPERATION = "JOINT_OPERATION"
    PRINCIPAL = "PRINCIPAL"
    AGENT = "AGENT"


class _Tagged(FrozenModel):
    model_config = ConfigDict(json_schema_extra=require_tag_in_schema)


class JointOperation(_Tagged):
    """Joint control (IFRS 11): each partner shows its own share of gross spend and income."""

    model: Literal[AccountingMode.JOINT_OPERATION] = AccountingMode.JOINT_OPERATION


class Principal(_Tagged):
    """Individual control (IFRS 10): ``partner`` shows the whole scheme gross.

    The other partners' contributions are its income (docs/concepts.md#three-accounting-models).
    """

    model: Literal[AccountingMode.PRINCIPAL] = AccountingMode.PRINCIPAL
    partner: PartnerId


class Agent(_Tagged):
    """``partner`` (the host) only administers the money, as agent.

    See docs/concepts.md#three-accounting-models.

    The host keeps the money in balance-sheet agency accounts and shows in income
    and expenditure only its own share of net expenditure, as a contribution; every
    other partner shows its own share of gross expenditure and income, so a sole
    principal shows the scheme 100% gross. Net costs are as under a joint operation.
    """

    model: Literal[AccountingMode.AGENT] = AccountingMode.AGENT
    partner: PartnerId


#: How a scheme is presented in the partners' accounts; told apart by ``model``.
#: It changes gross presentation only, never a partner's net cost (I-10).
AccountingModel = Annotated[JointOperation | Principal | Agent, Field(discriminator="model")]


class FundingType(DomainEnum):
    """Whether a scheme is revenue or capital funding (e.g. the Disabled Facilities Grant)."""

    REVENUE = "REVENUE"
    CAPITAL = "CAPITAL"


class Scheme(FrozenModel):
    """A pooled service budget inside the pool, with its own cost centre and rules.

    * ``lead_commissioner``: the partner that commissions the scheme; an
      :class:`~pooledledger.model.rules.OwnRisk` rule without an owner falls on it.
    * ``ring_fenced``: the scheme's money may not be offset or redeployed.
    * ``no_cross_subsidy``: no partner's contribution may fund another partner's
      share without an agreement reference (I-8).
    * ``permitted_categories``: the expenditure categories the scheme may fund
      (I-9); **empty means unrestricted**.
    * ``risk_share``: who bears the variance after the risk pool (default RS1,
      pro rata to contributions); ``underspend``: what happens to an underspend
      (default: refund).
    """

    id: SchemeId
    name: _Text
    lead_commissioner: PartnerId
    accounting_model: AccountingModel = JointOperation()
    funding: FundingType = FundingType.REVENUE
    ring_fenced: bool = False
    no_cross_subsidy: bool = True
    permitted_categories: tuple[_Text, ...] = ()
    risk_share: RiskShareRule = ProRataContributions()
    underspend: UnderspendRule = UnderspendRule()


class PlannedContribution(FrozenModel):
    """A partner's approved contribution to a scheme for a financial year.

    ``scheme`` names a scheme, or the risk pool's id for a ``RISK_POOL``
    contribution. Several records add up: a ``BASE``, an ``UPLIFT`` and a dated
    ``VARIATION`` (``effective_date``, e.g. 1 October for quarter 3) make the
    approved annual contribution. Every record carries the ``approval_ref`` of the
    decision behind it (reg 7(3)(b), I-14). A ``VARIATION`` may be negative.
    """

    id: ContributionId
    partner: PartnerId
    scheme: SchemeId
    year: FinancialYear
    amount: Amount
    kind: ContributionKind = ContributionKind.BASE
    approval_ref: _Text
    effective_date: date | None = None
    description: str = ""

    @property
    def pence(self) -> int:
        """The amount in integer pence."""
        return to_pence(self.amount)


class VatModel(DomainEnum):
    """How VAT on pool spending is treated (docs/ledger.md#vat).

    * ``LEAD_PARTNER_REGIME``: VAT is recovered under the regime of the partner
      that procures (pooled funding).
    * ``AGENT``: the host acts as agent for the partners, each the principal for
      VAT on its own share: the VAT is split by the scheme's contributions and each
      partner recovers its part under its own regime (docs/ledger.md#vat).
    """

    LEAD_PARTNER_REGIME = "LEAD_PARTNER_REGIME"
    AGENT = "AGENT"


class IrrecoverableVat(DomainEnum):
    """Who bears the VAT nobody can recover on a purchase a partner made itself.

    A purchase with a named ``procuring_partner`` is that partner's own purchase for
    the pool; whether its VAT is recoverable depends on that partner's regime.

    * ``SHARED`` (default): it is pool cost (net plus irrecoverable VAT, I-13) like
      any other, shared by the scheme's risk-share rule.  Under pooled funding the
      partner buys for the pooled service with pooled money, and the partners agreed
      to share that service's cost.
    * ``PROCURER``: the procuring partner bears it, before offsetting, the risk pool
      and the scheme's rule, so no partner pays for another's VAT regime.

    See docs/year-end.md#judgements.
    """

    SHARED = "SHARED"
    PROCURER = "PROCURER"


def _as_year(year: FinancialYear | str) -> FinancialYear:
    return year if isinstance(year, FinancialYear) else FinancialYear.parse(year)


class Agreement(FrozenModel):
    """A pooled fund agreement (reg 7(3)): partners, host, schemes and contributions.

    ``partners`` are in the agreement's order, which is also the allocator's
    tie-break order for remainder pennies. ``host`` is the partner responsible
    for the pool's accounts and audit; ``pooled_fund_manager`` is the officer of
    the host who manages the fund. ``term_end`` is the last day of the term,
    inclusive. ``notify_within_working_days`` is how soon partners must be told
    of a projected overspend. ``cross_subsidy_allowed`` permits one partner's
    money to fund another's share across the pool. ``irrecoverable_vat`` says who
    bears the irrecoverable VAT on a partner's own purchase (:class:`IrrecoverableVat`).

    Structure only is checked here; call
    :func:`~pooledledger.model.checks_agreement.validate_agreement` for the rest.
    """

    id: Annotated[str, StringConstraints(pattern=ID_PATTERN)]
    name: _Text
    legal_basis: LegalBasis
    term_start: date
    term_end: date
    partners: tuple[Partner, ...] = Field(min_length=1)
    host: PartnerId
    pooled_fund_manager: _Text
    schemes: tuple[Scheme, ...] = Field(min_length=1)
    contributions: tuple[PlannedContribution, ...] = ()
    risk_pool: RiskPool | None = None
    offsetting: Offsetting = Offsetting()
    cross_subsidy_allowed: bool = False
    vat_model: VatModel = VatModel.LEAD_PARTNER_REGIME
    irrecoverable_vat: IrrecoverableVat = IrrecoverableVat.SHARED
    notify_within_working_days: int = Field(default=5, ge=0)
    schema_version: Literal[1] = 1

    # -- look-ups

    def partner(self, partner_id: str) -> Partner:
        """The partner with this id; :class:`UnknownIdError` if there is none."""
        for p in self.partners:
            if p.id == partner_id:
                return p
        raise UnknownIdError(f"agreement {self.id!r} has no partner {partner_id!r}")

    def scheme(self, scheme_id: str) -> Scheme:
        """The scheme with this id; :class:`UnknownIdError` if there is none."""
        for s in self.schemes:
            if s.id == scheme_id:
                return s
        raise UnknownIdError(f"agreement {self.id!r} has no scheme {scheme_id!r}")

    @property
    def host_partner(self) -> Partner:
        """The host as a :class:`~pooledledger.model.partners.Partner`."""
        return self.partner(self.host)

    @property
    def partner_order(self) -> tuple[PartnerId, ...]:
        """Partner ids in agreement order (the allocator's tie-break order)."""
        return tuple(p.id for p in self.partners)

    @property
    def scheme_ids(self) -> tuple[SchemeId, ...]:
        """Scheme ids in agreement order."""
        return tuple(s.id for s in self.schemes)

    # -- time

    @property
    def term(self) -> DateRange:
        """The term as a half-open range ``[term_start, term_end + 1 day)``."""
        return DateRange(self.term_start, max(self.term_start, self.term_end + timedelta(days=1)))

    @property
    def financial_years(self) -> tuple[FinancialYear, ...]:
        """The financial years sharing at least one day with the term, earliest first."""
        if self.term_end < self.term_start:
            return ()
        first = FinancialYear.for_date(self.term_start)
        last = FinancialYear.for_date(self.term_end)
        return tuple(FinancialYear(y) for y in range(first.start_year, last.start_year + 1))

    # -- contributions

    def contributions_for(
        self,
        year: FinancialYear | str,
        scheme: str | None = None,
        partner: str | None = None,
    ) -> tuple[PlannedContribution, ...]:
        """Planned contributions for ``year``, optionally for one scheme and/or partner."""
        fy = _as_year(year)
        return tuple(
            c
            for c in self.contributions
            if c.year == fy
            and (scheme is None or c.scheme == scheme)
            and (partner is None or c.partner == partner)
        )

    def contributors(self, scheme_id: str) -> tuple[PartnerId, ...]:
        """Partners with a planned contribution to ``scheme_id`` in any year, in agreement order."""
        paying = {c.partner for c in self.contributions if c.scheme == scheme_id}
        return tuple(p for p in self.partner_order if p in paying)

    def scheme_partners(self, scheme_id: str) -> tuple[PartnerId, ...]:
        """The partners *in* a scheme: its contributors and its lead commissioner.

        These are the partners a risk-share rule of the scheme may name (PL-AGR-008).
        """
        members = set(self.contributors(scheme_id))
        for s in self.schemes:
            if s.id == scheme_id:
                members.add(s.lead_commissioner)
        return tuple(p for p in self.partner_order if p in members)

    def contributed_pence(self, year: FinancialYear | str) -> dict[SchemeId, dict[PartnerId, int]]:
        """Planned contributions for ``year`` in integer pence, per scheme and partner.

        Keys are every scheme in agreement order, then the risk pool's id if there
        is a risk pool; each maps every partner, in agreement order, to the sum of
        its contributions of all kinds (0 if none). Contributions naming an unknown
        scheme or partner are left out: validate the agreement first.
        """
        fy = _as_year(year)
        keys = list(self.scheme_ids)
        if self.risk_pool is not None and self.risk_pool.id not in keys:
            keys.append(self.risk_pool.id)
        grid = {k: dict.fromkeys(self.partner_order, 0) for k in keys}
        for c in self.contributions:
            if c.year == fy and c.scheme in grid and c.partner in grid[c.scheme]:
                grid[c.scheme][c.partner] += c.pence
        return grid
