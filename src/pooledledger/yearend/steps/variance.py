"""Step 1 of the close: each scheme's variance (docs/year-end.md#the-order-of-the-rules).

``V = net expenditure - approved annual contributions`` (positive is an overspend).
Approved contributions leave out ``ADDITIONAL`` ones, which pay towards a deficit
share (docs/year-end.md#additional-contributions).  The rule inputs come from the
year's pool lines after reversals (docs/year-end.md#rule-inputs); RS9's unauthorised
spending (``charge = ALL_UNAUTHORISED``) and, with ``irrecoverable_vat = PROCURER``,
the irrecoverable VAT on partners' own purchases are charged to those partners before
offsetting and the risk pool (docs/year-end.md#judgements).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pooledledger.books.ledger import Ledger
from pooledledger.books.line_sums import LineSums, line_sums
from pooledledger.books.riskshare import SchemeFacts
from pooledledger.books.termination import CancelledContribution, cancelled_by_cell
from pooledledger.core.allocation import allocate
from pooledledger.core.errors import Issue, Severity
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import Agreement, IrrecoverableVat
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import FaultBearer, FaultCharge, NoRiskShare

__all__ = [
    "Funding",
    "Variances",
    "no_lines_issues",
    "scheme_facts",
    "scheme_funding",
    "scheme_variances",
]

Cells = dict[SchemeId, dict[PartnerId, int]]


@dataclass(frozen=True)
class Funding:
    """Approved contributions per scheme (without ``ADDITIONAL`` ones, less those cancelled
    on termination), what each partner paid in as ``ADDITIONAL``, and the cancelled funding
    per cell (the risk pool's included)."""

    contributions: Cells
    additional_paid: dict[PartnerId, int]
    gone: Cells


@dataclass(frozen=True)
class Variances:
    """Per scheme: contributions ``C`` (every partner), expenditure, income, net, the
    variance ``V``, the rule inputs and what the judgements charge before the pool steps."""

    contributions: Cells
    expenditure: dict[SchemeId, int]
    income: dict[SchemeId, int]
    net: dict[SchemeId, int]
    variance: dict[SchemeId, int]
    commissioned: Cells
    unauthorised: dict[SchemeId, int]
    fault: dict[SchemeId, int]
    vat_charge: Cells

    def before_pool(self) -> dict[SchemeId, int]:
        """Each variance less what is charged to a partner first: what offsetting sees."""
        return {
            k: v - self.fault[k] - sum(self.vat_charge[k].values())
            for k, v in self.variance.items()
        }


def _less(approved: Cells, gone: Mapping[SchemeId, Mapping[PartnerId, int]]) -> Cells:
    """Approved contributions less those cancelled on termination."""
    return {
        k: {p: v - gone.get(k, {}).get(p, 0) for p, v in row.items()} for k, row in approved.items()
    }


def _additional(ledger: Ledger, year: FinancialYear) -> Cells:
    """``ADDITIONAL`` contributions for ``year`` (agreement and ledger), scheme → partner, pence."""
    every = ledger.approved_contributions(year, include_risk_pool=True)
    funding = ledger.approved_contributions(year, include_risk_pool=True, include_additional=False)
    return {
        k: {p: v - funding.get(k, {}).get(p, 0) for p, v in row.items()} for k, row in every.items()
    }


def scheme_funding(
    ledger: Ledger,
    year: FinancialYear,
    order: tuple[PartnerId, ...],
    cancelled: tuple[CancelledContribution, ...],
) -> Funding:
    """The year's funding (docs/year-end.md#additional-contributions).

    On termination a cancelled part of a cell cancels its additional contribution
    first, then its funding.
    """
    gone = cancelled_by_cell(cancelled)
    additional = _additional(ledger, year)
    gone_additional = {
        k: {p: min(max(gone.get(k, {}).get(p, 0), 0), max(v, 0)) for p, v in row.items()}
        for k, row in additional.items()
    }
    gone = {
        k: {p: v - gone_additional.get(k, {}).get(p, 0) for p, v in row.items()}
        for k, row in gone.items()
    }
    contributed = _less(ledger.approved_contributions(year, include_additional=False), gone)
    additional_paid = dict.fromkeys(order, 0)
    for k, row in additional.items():
        for p, v in row.items():
            if p in additional_paid:
                additional_paid[p] += v - gone_additional[k][p]
    return Funding(contributed, additional_paid, gone)


def no_lines_issues(ledger: Ledger, year: FinancialYear, within: DateRange) -> tuple[Issue, ...]:
    """PL-CLS-003 when the period has no spending or income lines at all."""
    if line_sums(ledger, within).count:
        return ()
    return (
        Issue(
            code="PL-CLS-003",
            severity=Severity.WARNING,
            message=f"the ledger has no spending or income lines in {year}, so the close "
            "shows contributions only; is it the right year?",
        ),
    )


def _rule_inputs(agreement: Agreement, sums: LineSums) -> tuple[Cells, dict[SchemeId, int], Cells]:
    """Commissioned spending, unauthorised spending and the irrecoverable VAT on partners'
    own purchases, from the period's pool lines after reversals: a reversal dated in the
    period nets against its original (docs/year-end.md#rule-inputs).  The sums of the
    period's lines are made once per ledger (:func:`~pooledledger.books.line_sums.line_sums`);
    every partner of the agreement is in each scheme's row, nil if it has nothing."""
    zero = dict.fromkeys(agreement.partner_order, 0)
    ids = agreement.scheme_ids
    commissioned: Cells = {k: dict(zero) for k in ids}
    own_vat: Cells = {k: dict(zero) for k in ids}
    for (k, p), v in sums.commissioned.items():
        if k in commissioned:
            commissioned[k][p] += v
    for (k, p), v in sums.own_vat.items():
        if k in own_vat:
            own_vat[k][p] += v
    return commissioned, {k: sums.unauthorised.get(k, 0) for k in ids}, own_vat


def scheme_variances(
    agreement: Agreement, ledger: Ledger, within: DateRange, funding: Funding
) -> Variances:
    """Each scheme's figures and variance, and the charges of the judgements.

    RS9 with ``charge = ALL_UNAUTHORISED``: the unauthorised spending is the bearer's,
    so it is taken out before offsetting and the risk pool and charged back by the
    rule.  With ``irrecoverable_vat = PROCURER`` the irrecoverable VAT on a partner's
    own purchases is charged to it (a judgement, not RS12, where each partner bears
    its own spending anyway): docs/year-end.md#judgements.
    """
    order = agreement.partner_order
    sums = line_sums(ledger, within)
    totals = sums.totals(agreement.scheme_ids)
    commissioned, unauthorised, own_vat = _rule_inputs(agreement, sums)
    schemes = agreement.schemes
    c = {s.id: {p: funding.contributions.get(s.id, {}).get(p, 0) for p in order} for s in schemes}
    e = {s.id: totals[s.id].expenditure for s in schemes}
    i = {s.id: totals[s.id].income for s in schemes}
    n = {s.id: e[s.id] - i[s.id] for s in schemes}
    fault = {
        s.id: max(unauthorised[s.id], 0)
        if isinstance(s.risk_share, FaultBearer)
        and s.risk_share.charge is FaultCharge.ALL_UNAUTHORISED
        else 0
        for s in schemes
    }
    procurer = agreement.irrecoverable_vat is IrrecoverableVat.PROCURER
    vat_charge = {
        s.id: dict(own_vat[s.id])
        if procurer and not isinstance(s.risk_share, NoRiskShare)
        else dict.fromkeys(order, 0)
        for s in schemes
    }
    variance = {s.id: n[s.id] - sum(c[s.id].values()) for s in schemes}
    return Variances(c, e, i, n, variance, commissioned, unauthorised, fault, vat_charge)


def scheme_facts(agreement: Agreement, variances: Variances, k: SchemeId) -> SchemeFacts:
    """What scheme ``k``'s rule may need: contributions, commissioned and own net
    spending (commissioned less its share of income by contributions), unauthorised."""
    scheme = agreement.scheme(k)
    order = agreement.partner_order
    contributions, income = variances.contributions[k], variances.income[k]
    inc_by_c = (
        allocate(income, contributions, order)
        if sum(contributions.values()) > 0
        else {p: income if p == scheme.lead_commissioner else 0 for p in order}
    )
    commissioned = variances.commissioned[k]
    own = {p: commissioned[p] - inc_by_c.get(p, 0) for p in order}
    return SchemeFacts(
        scheme, contributions, dict(commissioned), own, max(variances.unauthorised[k], 0)
    )
