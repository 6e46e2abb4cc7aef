"""The results of the year-end close: a scheme's, a partner's and the risk pool's year end.

:mod:`pooledledger.yearend.close` re-exports them with :class:`YearEndClose`; the steps of
the close (:mod:`pooledledger.yearend.steps`) build them (docs/year-end.md#what-the-result-holds).
"""

from __future__ import annotations

from datetime import date

from pooledledger.core._model import FrozenModel
from pooledledger.core.errors import PooledLedgerError
from pooledledger.model.partners import PartnerId, SchemeId

__all__ = ["CloseError", "PartnerClose", "RiskPoolUse", "SchemeClose"]


class CloseError(PooledLedgerError, ValueError):
    """The year cannot be closed as asked (e.g. a ruling for an unknown scheme)."""


class SchemeClose(FrozenModel):
    """One scheme's year end, every amount in pence, partners in agreement order.

    ``variance`` is before offsetting and the risk pool; ``residual`` is what the
    scheme's rule shared.  ``deficit`` and ``underspend`` are non-negative
    magnitudes (I-7); ``dispositions`` maps each disposition to each partner's
    amount of the underspend.
    """

    scheme: SchemeId
    name: str
    contributions: dict[PartnerId, int]
    expenditure: int
    income: int
    net: int
    variance: int
    offset: dict[PartnerId, int]
    risk_pool: dict[PartnerId, int]
    residual: int
    rule: str
    explanation: tuple[str, ...]
    deficit: dict[PartnerId, int]
    underspend: dict[PartnerId, int]
    dispositions: dict[str, dict[PartnerId, int]]
    redeploy_to: SchemeId | None = None
    net_share: dict[PartnerId, int]
    income_share: dict[PartnerId, int]
    gross_share: dict[PartnerId, int]
    income_basis: str


class RiskPoolUse(FrozenModel):
    """The risk pool at year end: available, used (per partner and scheme), unused."""

    id: str
    available: dict[PartnerId, int]
    used: dict[PartnerId, int]
    by_scheme: dict[PartnerId, dict[SchemeId, int]]
    unused: dict[PartnerId, int]
    unused_disposition: str


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
