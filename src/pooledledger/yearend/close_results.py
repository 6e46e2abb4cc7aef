"""The results of the year-end close: a scheme's, a partner's and the risk pool's year end.

:mod:`pooledledger.yearend.close` re-exports them with :class:`YearEndClose`; the steps of
the close (:mod:`pooledledger.yearend.steps`) build them (docs/year-end.md#what-the-result-holds).
"""

from __future__ import annotations

from datetime import date

from pooledledger.core._model import DomainEnum, FrozenModel
from pooledledger.core.errors import PooledLedgerError
from pooledledger.core.frozen import FrozenDict
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import RiskPoolUnused, UnderspendDisposition

__all__ = ["CloseError", "IncomeBasis", "PartnerClose", "RiskPoolUse", "SchemeClose"]


class CloseError(PooledLedgerError, ValueError):
    """The year cannot be closed as asked (e.g. a ruling for an unknown scheme)."""


class IncomeBasis(DomainEnum):
    """How a scheme's income was shared at the close (docs/year-end.md#what-the-result-holds).

    * ``NET_SHARES``: by the partners' net shares, the rule (R5).
    * ``CONTRIBUTIONS``: by contributions, because the scheme has net income or a
      partner's net share is negative (PL-CLS-002,
      docs/reports.md#edge-cases-with-defined-results).

    The values are the text the results have always carried.
    """

    NET_SHARES = "net shares"
    CONTRIBUTIONS = "contributions (net shares unusable)"


class SchemeClose(FrozenModel):
    """One scheme's year end, every amount in pence, partners in agreement order.

    ``variance`` is before offsetting and the risk pool; ``residual`` is what the
    scheme's rule shared.  ``deficit`` and ``underspend`` are non-negative
    magnitudes (I-7); ``dispositions`` maps each disposition to each partner's
    amount of the underspend (:meth:`disposed` reads one amount, nil when the
    disposition is not used).  Every mapping is a read-only
    :class:`~pooledledger.core.frozen.FrozenDict` (docs/year-end.md#what-the-result-holds).
    """

    scheme: SchemeId
    name: str
    contributions: FrozenDict[PartnerId, int]
    expenditure: int
    income: int
    net: int
    variance: int
    offset: FrozenDict[PartnerId, int]
    risk_pool: FrozenDict[PartnerId, int]
    residual: int
    rule: str
    explanation: tuple[str, ...]
    deficit: FrozenDict[PartnerId, int]
    underspend: FrozenDict[PartnerId, int]
    dispositions: FrozenDict[UnderspendDisposition, FrozenDict[PartnerId, int]]
    redeploy_to: SchemeId | None = None
    net_share: FrozenDict[PartnerId, int]
    income_share: FrozenDict[PartnerId, int]
    gross_share: FrozenDict[PartnerId, int]
    income_basis: IncomeBasis

    def disposed(self, disposition: UnderspendDisposition, partner: PartnerId) -> int:
        """Partner ``partner``'s pence of the underspend disposed of by ``disposition``."""
        parts = self.dispositions.get(disposition)
        return 0 if parts is None else parts.get(partner, 0)


class RiskPoolUse(FrozenModel):
    """The risk pool at year end: available, used (per partner and scheme), unused.

    ``unused_disposition`` is the agreement's rule for the unused pool (a
    termination refunds it whatever the rule says).
    """

    id: str
    available: FrozenDict[PartnerId, int]
    used: FrozenDict[PartnerId, int]
    by_scheme: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    unused: FrozenDict[PartnerId, int]
    unused_disposition: RiskPoolUnused


class PartnerClose(FrozenModel):
    """One partner's year end, in pence (docs/year-end.md#the-settlement-schedule).

    ``balance`` is ``contributions + additional_paid - net_share`` (contributions
    with the risk pool and the balances brought forward, ``opening_balance``;
    ``additional_paid`` is what the partner paid in year as ``ADDITIONAL``
    contributions: not funding, but a payment towards its deficit share,
    docs/year-end.md#additional-contributions): positive, the host owes the
    partner; negative, the partner owes the host.  ``held`` is what stays with
    the host for next year (carried forward, redeployed, contingency, risk pool).

    The settlement schedule, for a non-host partner (the host's own row is nil):

    * ``settlement = balance - held + paid_directly - vat_recharge``: the cash the
      year-end settlement moves (positive: host pays partner), where
      ``paid_directly`` is pool spending the partner paid to suppliers itself and
      ``vat_recharge`` the VAT it recovered on spending the host paid;
    * ``unpaid_contributions``: instalments for the year unpaid at 31 March, a
      debtor cleared by paying them (even late); ``unpaid_earlier_years`` the same
      for earlier years, still unpaid at 31 March;
    * ``balance_with_host = held + settlement - unpaid_contributions -
      unpaid_earlier_years``: the balance at 31 March, equal to the partner's
      journals and to the agreement of balances at month 12;
    * ``amount_due = settlement - unpaid_contributions - unpaid_earlier_years +
      paid_after_year_end``: what still moves after counting the debtor, where
      ``paid_after_year_end`` is instalments recorded as paid from 1 April.
    """

    partner: PartnerId
    is_host: bool
    contributions: int
    risk_pool_contribution: int
    risk_pool_used: int
    additional_paid: int = 0
    deficit: int
    underspend: int
    refunded: int
    carried_forward: int
    redeployed: int
    contingency: int
    unused_risk_pool: int
    cancelled: int = 0
    net_share: int
    income_share: int
    gross_share: int
    balance: int
    held: int
    settlement: int
    settlement_due: date | None
    opening_balance: int = 0
    paid_directly: int = 0
    vat_recharge: int = 0
    unpaid_contributions: int = 0
    unpaid_earlier_years: int = 0
    paid_after_year_end: int = 0
    amount_due: int = 0
    balance_with_host: int = 0
