"""Year-end close: variances, risk pool, risk shares, dispositions, balances, journals.

:func:`close_year` settles a financial year by the agreement's rules, in the order
of docs/year-end.md#the-order-of-the-rules:

1. the variance of each scheme, ``V_k = N_k - Σ_i C_ik`` (net expenditure less the
   approved annual contributions, without ``ADDITIONAL`` ones, which pay towards a
   deficit share; positive is an overspend).  Rule inputs (commissioned and own
   spending, unauthorised spending) come from the year's pool lines after
   reversals; RS9's unauthorised spending (``charge = ALL_UNAUTHORISED``) and, with
   ``irrecoverable_vat = PROCURER``, the irrecoverable VAT on partners' own
   purchases are charged to those partners and left out of steps 2-3
   (docs/year-end.md#judgements);
2. offsetting (RS8), only where the agreement allows it: underspends of schemes
   that are not ring-fenced, in the agreement's order, reduce overspends (in scheme
   order); the partners whose underspend is used are credited with funding the
   overspending scheme; a capital scheme's underspend meets a revenue overspend
   only with ``offsetting.capital_to_revenue`` (PL-CLS-010);
3. the risk pool (RS7): ``used = min(available, Σ overspends in scope)``; each
   partner's part of ``used`` is allocated by its risk-pool contributions, then
   spread across the overspending schemes by overspend weights (partner totals are
   contractual, scheme totals derived: R4, docs/money.md#the-rounding-rules) or in priority order;
4. the scheme's rule on the residual (:func:`~pooledledger.books.riskshare.share_variance`);
5. the underspend disposition (refund, carry forward, redeploy, contingency);
6. the unused risk pool (refund or carry forward);
7. shares of net ``X_ik = C_ik + RP_ik + offset_ik + D_ik - U_ik``; shares of
   income by the ``X`` weights; shares of gross derived ``E = X + I`` (R5).  A
   scheme with net income, or with a negative ``X``, shares income by contribution
   weights instead (docs/reports.md#edge-cases-with-defined-results), with a warning;
8. balances ``B_i = C_i - X_i`` (contributions including the risk pool), the cash
   settlement with each non-host partner (what is not carried forward), due dates
   in working days, year-end journals (P4/H8 deficits, P6/H9 refunds, H11 the
   host's carry-forward) and the entries to append: one settlement per partner,
   brought-forward contributions for next year, and a :class:`YearClosed` marker.

Closing a year whose marker is already in the ledger adds nothing (I-12); to reopen
a year, reverse its marker.

``terminate_on=D`` closes the year as the agreement's last, on the part year to ``D``
inclusive, with the contributions due after ``D`` cancelled
(:mod:`pooledledger.books.termination`, docs/year-end.md#termination-and-withdrawal).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING

from pooledledger.books.apportion import SchemeShares, apportion
from pooledledger.books.journals import Account, Journal, post_pool_lines, settlement_flows
from pooledledger.books.ledger import Ledger
from pooledledger.books.riskshare import BoardRuling, SchemeFacts, share_variance
from pooledledger.books.termination import (
    CancelledContribution,
    cancelled_by_cell,
    cancelled_contributions,
    period_to,
    termination_date_issues,
    up_to,
)
from pooledledger.core._model import FrozenModel
from pooledledger.core.allocation import allocate, allocate_2d, allocate_2d_fixed
from pooledledger.core.errors import Issue, Location, PooledLedgerError, Severity
from pooledledger.core.money import format_pence, to_money
from pooledledger.core.periods import ENGLAND_AND_WALES, DateRange, FinancialYear
from pooledledger.model.agreement import Agreement, FundingType, IrrecoverableVat
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Settlement,
    YearClosed,
)
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import (
    BoardDecision,
    FaultBearer,
    FaultCharge,
    NoRiskShare,
    RiskPoolSpread,
    RiskPoolUnused,
    UnderspendDisposition,
    WindfallManaged,
)
from pooledledger.yearend.checks import require_no_errors

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = ["CloseError", "PartnerClose", "RiskPoolUse", "SchemeClose", "YearEndClose", "close_year"]

D = UnderspendDisposition


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


class YearEndClose(FrozenModel):
    """The result of :func:`close_year`: everything a host and its partners post."""

    agreement: str
    year: FinancialYear
    already_closed: bool
    schemes: tuple[SchemeClose, ...]
    risk_pool: RiskPoolUse | None
    partners: tuple[PartnerClose, ...]
    journals: dict[PartnerId, Journal]
    entries: tuple[Entry, ...]
    issues: tuple[Issue, ...]
    terminated_on: date | None = None
    cancelled: tuple[CancelledContribution, ...] = ()

    @property
    def period(self) -> DateRange:
        """The period closed: the year, or 1 April to the termination date (inclusive)."""
        if self.terminated_on is None:
            return self.year.as_range()
        return period_to(self.year, self.terminated_on)

    def scheme(self, scheme_id: str) -> SchemeClose:
        for s in self.schemes:
            if s.scheme == scheme_id:
                return s
        raise KeyError(scheme_id)

    def partner(self, partner_id: str) -> PartnerClose:
        for p in self.partners:
            if p.partner == partner_id:
                return p
        raise KeyError(partner_id)

    @property
    def total_variance(self) -> int:
        return sum(s.variance for s in self.schemes)

    @property
    def host_position(self) -> int:
        """The host's net position on settlement, in pence (docs/year-end.md#settlement).

        Minus the sum of the other partners' settlements: positive, the host receives
        that much cash net; negative, it pays it.  With it, the settlements of all the
        partners, the host's included, sum to zero.
        """
        return -sum(p.settlement for p in self.partners if not p.is_host)

    @property
    def conservation(self) -> dict[str, int]:
        """I-1 in pence: resources in and their application out must be equal."""
        inflow = (
            sum(p.contributions + p.risk_pool_contribution for p in self.partners)
            + sum(p.deficit for p in self.partners)
            + sum(s.income for s in self.schemes)
        )
        outflow = (
            sum(s.expenditure for s in self.schemes)
            + sum(p.underspend for p in self.partners)
            + sum(p.unused_risk_pool for p in self.partners)
        )
        return {"in": inflow, "out": outflow}

    def to_pandas(self) -> pandas.DataFrame:
        """The close as a pandas DataFrame: scheme × partner × measure rows, then partner
        rows (see :func:`pooledledger.yearend.tables.close_table`).

        Pence are ``int64``, amounts ``decimal.Decimal``; never a float.  Needs
        ``pip install pooledledger[pandas]``.
        """
        from pooledledger.core.tables import to_pandas
        from pooledledger.yearend.tables import close_table

        return to_pandas(close_table(self))

    def to_polars(self) -> polars.DataFrame:
        """The close as a polars DataFrame: scheme × partner × measure rows, then partner
        rows (see :func:`pooledledger.yearend.tables.close_table`).

        Pence are ``Int64``, amounts ``Decimal(38, 2)``; never a float.  Needs
        ``pip install pooledledger[polars]``.
        """
        from pooledledger.core.tables import to_polars
        from pooledledger.yearend.tables import close_table

        return to_polars(close_table(self))


def _is_closed(ledger: Ledger, year: FinancialYear) -> bool:
    reversed_ids = {e.reverses for e in ledger.entries if e.entry == "reversal"}
    return any(
        isinstance(e, YearClosed) and e.year == year and e.id not in reversed_ids
        for e in ledger.entries
    )


def close_year(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    *,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
    settle_within_working_days: int = 20,
    terminating: bool = False,
    terminate_on: date | None = None,
) -> YearEndClose:
    """Close ``year`` by the agreement's rules (see the module docs for the order).

    ``rulings`` are board decisions per scheme (RS13, RS11); schemes without one
    use the agreement's defaults.  Settlements fall due ``settle_within_working_days``
    after 31 March (after the termination date when terminating).

    ``terminate_on`` settles the pool for good on that date, the agreement's last
    day (RS14, docs/year-end.md#termination-and-withdrawal): the close runs on the
    part year to it, inclusive; instalments due after it are cancelled (and so is
    the part of a contribution without instalments for the days after it); every
    underspend and unused risk pool is refunded, nothing is carried forward.
    ``terminating=True`` is termination on 31 March, the year's last day (or the
    term's last day when the term ends earlier in the year).  A ``terminate_on``
    outside the year or the agreement's term raises :class:`CloseError` (PL-TRM-001).

    The ledger must pass :func:`~pooledledger.yearend.checks.check_ledger` with no errors,
    or :class:`~pooledledger.core.errors.IssueError` lists them and nothing is closed
    (docs/ledger.md#the-gate).  Its warnings come first in the close's ``issues``.
    """
    if ledger.agreement != agreement:
        raise CloseError("the ledger was built for a different agreement")
    carried = require_no_errors(ledger)
    return _close_year(
        agreement,
        ledger,
        year,
        rulings=rulings,
        settle_within_working_days=settle_within_working_days,
        terminating=terminating,
        terminate_on=terminate_on,
        carried=carried,
    )


def _close_year(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    *,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
    settle_within_working_days: int = 20,
    terminating: bool = False,
    terminate_on: date | None = None,
    carried: tuple[Issue, ...] = (),
) -> YearEndClose:
    """:func:`close_year` without the gate, for ledgers the library derives from a
    checked one (a quarterly projection); ``carried`` starts the close's issues."""
    if terminate_on is not None:
        bad = termination_date_issues(agreement, year, terminate_on)
        if bad:
            raise CloseError("; ".join(f"{i.code}: {i.message}" for i in bad))
    elif terminating:  # the year's last day, or the term's if it ends earlier in the year
        ends = agreement.term_end
        terminate_on = ends if year.start <= ends < year.last_day else year.last_day
    terminating = terminate_on is not None
    cancelled: tuple[CancelledContribution, ...] = ()
    issues: list[Issue] = list(carried)
    if terminate_on is not None:
        ledger, cut = up_to(ledger, terminate_on)
        issues += cut
        cancelled, more = cancelled_contributions(agreement, ledger, year, terminate_on)
        issues += more
    within = period_to(year, terminate_on) if terminate_on is not None else year.as_range()
    gone = cancelled_by_cell(cancelled)
    rulings = dict(rulings or {})
    unknown = set(rulings) - set(agreement.scheme_ids)
    if unknown:
        raise CloseError(f"rulings name unknown schemes {sorted(unknown)}")
    order = agreement.partner_order
    host = agreement.host
    zero = dict.fromkeys(order, 0)

    def full(values: Mapping[PartnerId, int]) -> dict[PartnerId, int]:
        return {p: values.get(p, 0) for p in order}

    # ADDITIONAL contributions are payments towards a deficit share, not funding
    # (docs/year-end.md#additional-contributions); on termination a cancelled part of
    # a cell cancels its additional contribution first, then its funding
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
    additional_paid = dict(zero)
    for k, row in additional.items():
        for p, v in row.items():
            if p in additional_paid:
                additional_paid[p] += v - gone_additional[k][p]
    if not any(within.contains(pl.date) for pl in ledger.pool_lines):
        issues.append(
            Issue(
                code="PL-CLS-003",
                severity=Severity.WARNING,
                message=f"the ledger has no spending or income lines in {year}, so the close "
                "shows contributions only; is it the right year?",
            )
        )
    totals = ledger.totals_by_scheme(within)
    in_year = apportion(ledger, year, upto=within.end)

    # facts per scheme, from the year's pool lines after reversals: a reversal dated in
    # the year nets against its original (docs/year-end.md#rule-inputs)
    commissioned: dict[SchemeId, dict[PartnerId, int]] = defaultdict(lambda: dict(zero))
    unauthorised: dict[SchemeId, int] = defaultdict(int)
    own_vat: dict[SchemeId, dict[PartnerId, int]] = defaultdict(lambda: dict(zero))
    for pl in ledger.pool_lines:
        if pl.kind != "expenditure" or not within.contains(pl.date) or pl.scheme not in totals:
            continue
        e = ledger.get(pl.reverses or pl.entry_id)
        assert isinstance(e, Expenditure)
        who = e.procuring_partner or host
        commissioned[pl.scheme][who if who in zero else host] += pl.amount
        if e.unauthorised:
            unauthorised[pl.scheme] += pl.amount
        if e.procuring_partner in zero:  # the irrecoverable VAT on a partner's own purchase
            own_vat[pl.scheme][e.procuring_partner] += sum(v - r for _, v, r in pl.vat_by_body)

    schemes = agreement.schemes
    C = {s.id: full(contributed.get(s.id, {})) for s in schemes}
    E = {s.id: totals[s.id].expenditure for s in schemes}
    Inc = {s.id: totals[s.id].income for s in schemes}
    N = {s.id: E[s.id] - Inc[s.id] for s in schemes}
    V = {s.id: N[s.id] - sum(C[s.id].values()) for s in schemes}

    def facts(k: SchemeId) -> SchemeFacts:
        scheme = agreement.scheme(k)
        inc_by_c = (
            allocate(Inc[k], C[k], order)
            if sum(C[k].values()) > 0
            else full({scheme.lead_commissioner: Inc[k]})
        )
        own = {p: commissioned[k][p] - inc_by_c.get(p, 0) for p in order}
        return SchemeFacts(scheme, C[k], dict(commissioned[k]), own, max(unauthorised[k], 0))

    def rule_shares(k: SchemeId, variance: int) -> tuple[dict[PartnerId, int], tuple[str, ...]]:
        scheme = agreement.scheme(k)
        outcome = share_variance(
            scheme.risk_share, variance, facts(k), order, host, rulings.get(k), terminating
        )
        if outcome.fallback:
            issues.append(
                Issue(
                    code="PL-CLS-001",
                    severity=Severity.WARNING,
                    message=f"scheme {k}: " + outcome.explanation[-1],
                    location=Location(field=f"schemes[{k}].risk_share"),
                )
            )
        return outcome.shares, outcome.explanation

    # RS9 with charge ALL_UNAUTHORISED: the unauthorised spending is the bearer's, so it
    # is taken out before offsetting and the risk pool and charged back by the rule
    fault: dict[SchemeId, int] = {
        s.id: max(unauthorised[s.id], 0)
        if isinstance(s.risk_share, FaultBearer)
        and s.risk_share.charge is FaultCharge.ALL_UNAUTHORISED
        else 0
        for s in schemes
    }

    # irrecoverable VAT on partners' own purchases, charged to them (judgement, not RS12,
    # where each partner bears its own spending anyway): docs/year-end.md#judgements
    vat_charge: dict[SchemeId, dict[PartnerId, int]] = {
        s.id: dict(own_vat[s.id])
        if agreement.irrecoverable_vat is IrrecoverableVat.PROCURER
        and not isinstance(s.risk_share, NoRiskShare)
        else dict(zero)
        for s in schemes
    }

    # 2. offsetting (RS8)
    offset: dict[SchemeId, dict[PartnerId, int]] = {s.id: dict(zero) for s in schemes}
    after = {k: v - fault[k] - sum(vat_charge[k].values()) for k, v in V.items()}
    off = agreement.offsetting
    if off.allowed:
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
                givers, _ = rule_shares(source, V[source] - sum(vat_charge[source].values()))
                weights = {p: -v - vat_charge[source][p] for p, v in givers.items()}
                weights = {p: w for p, w in weights.items() if w > 0}
                if not weights:
                    continue
                parts = allocate(used, weights, [p for p in order if p in weights])
                for p, v in parts.items():
                    offset[source][p] -= v
                    offset[target][p] += v
                after[target] -= used
                after[source] += used
                if capital_to_revenue:
                    issues.append(
                        Issue(
                            code="PL-CLS-010",
                            severity=Severity.WARNING,
                            message=f"the underspend of capital scheme {source} offsets "
                            f"{format_pence(used)} of the overspend of revenue scheme {target} "
                            "(offsetting.capital_to_revenue): check the capital money may meet "
                            "revenue spending",
                            location=Location(field="offsetting.capital_to_revenue"),
                        )
                    )

    # 3. risk pool (RS7)
    rp_use: RiskPoolUse | None = None
    rp_cells: dict[SchemeId, dict[PartnerId, int]] = {s.id: dict(zero) for s in schemes}
    rp_avail = dict(zero)
    rp_used = dict(zero)
    rp = agreement.risk_pool
    if rp is not None:
        rp_avail = full(
            ledger.approved_contributions(
                year, include_risk_pool=True, include_additional=False
            ).get(rp.id, {})
        )
        rp_avail = {p: v - gone.get(rp.id, {}).get(p, 0) for p, v in rp_avail.items()}
        scope = [k for k in (rp.schemes or agreement.scheme_ids) if after.get(k, 0) > 0]
        overspend = sum(after[k] for k in scope)
        available = sum(rp_avail.values())
        used_total = min(available, overspend)
        if used_total > 0:
            rp_used = full(
                allocate(
                    used_total,
                    {p: v for p, v in rp_avail.items() if v > 0},
                    [p for p in order if rp_avail[p] > 0],
                )
            )
            rows = {p: v for p, v in rp_used.items() if v}
            if rp.spread is RiskPoolSpread.PRIORITY:
                remaining, targets = used_total, {}
                for k in [*rp.priority, *[k for k in scope if k not in rp.priority]]:
                    if k in scope and remaining:
                        targets[k] = min(after[k], remaining)
                        remaining -= targets[k]
                grid = allocate_2d_fixed(rows, targets, list(rows), list(targets)).cells
            else:
                weights = {k: after[k] for k in scope}
                grid = allocate_2d(rows, weights, scope).cells
                cols = {k: sum(grid[p][k] for p in rows) for k in scope}
                if any(cols[k] > after[k] for k in scope):  # only when nearly all covered
                    targets = allocate(used_total, weights, scope)
                    grid = allocate_2d_fixed(rows, targets, list(rows), scope).cells
            for p, cells in grid.items():
                for k, v in cells.items():
                    rp_cells[k][p] += v
            for k in scope:
                after[k] -= sum(rp_cells[k].values())
        unused = {p: rp_avail[p] - rp_used[p] for p in order}
        rp_use = RiskPoolUse(
            id=rp.id,
            available=rp_avail,
            used=rp_used,
            by_scheme={
                p: {k: rp_cells[k][p] for k in agreement.scheme_ids if rp_cells[k][p]}
                for p in order
            },
            unused=unused,
            unused_disposition=rp.unused.value,
        )

    # 4-7. scheme rules, dispositions, shares
    scheme_results: list[SchemeClose] = []
    next_year = year.next()
    carry: dict[tuple[SchemeId, PartnerId], int] = defaultdict(int)  # b/f next year
    for scheme in schemes:
        k = scheme.id
        residual = after[k] + fault[k]
        if isinstance(scheme.risk_share, NoRiskShare) and residual != V[k]:
            shares, explanation = _no_risk_after_pool(residual, facts(k), order)
        else:
            shares, explanation = rule_shares(k, residual)
        if any(vat_charge[k].values()):
            shares = {p: shares[p] + vat_charge[k][p] for p in order}
            residual += sum(vat_charge[k].values())
            explanation = (
                *explanation,
                "irrecoverable VAT on own purchases borne by the procurer: "
                + ", ".join(f"{p} {format_pence(v)}" for p, v in vat_charge[k].items() if v),
            )
        deficit = {p: max(v, 0) for p, v in shares.items()}
        under = {p: max(-v, 0) for p, v in shares.items()}
        dispositions: dict[str, dict[PartnerId, int]] = {}
        if any(under.values()):
            ruling = rulings.get(k)
            disposition = scheme.underspend.disposition
            if isinstance(scheme.risk_share, BoardDecision):
                disposition = (
                    ruling.disposition
                    if ruling and ruling.disposition
                    else scheme.risk_share.default
                )
            # on termination everything is paid out (docs/year-end.md#termination-and-withdrawal)
            if terminating:
                dispositions[D.REFUND.value] = dict(under)
            elif isinstance(scheme.risk_share, WindfallManaged):
                total_u = sum(under.values())
                windfall = (
                    total_u
                    if ruling is None or ruling.windfall_pence is None
                    else (min(max(ruling.windfall_pence, 0), total_u))
                )
                wparts = _windfall_parts(windfall, under, C[k], order)
                managed = {p: under[p] - wparts[p] for p in order}
                dispositions[D.REFUND.value] = wparts
                if any(managed.values()):
                    name = scheme.risk_share.managed_disposition.value
                    # a refunded managed part joins the refunded windfall (one key each)
                    into = dispositions.setdefault(name, dict(zero))
                    dispositions[name] = {p: into.get(p, 0) + managed[p] for p in order}
            else:
                dispositions[disposition.value] = dict(under)
            for name, parts in dispositions.items():
                carry_to = _carry_target(agreement, k, UnderspendDisposition(name))
                if carry_to is not None:
                    for p, v in parts.items():
                        if v:
                            carry[(carry_to, p)] += v
        X = {p: C[k][p] + rp_cells[k][p] + offset[k][p] + deficit[p] - under[p] for p in order}
        basis = "net shares"
        if Inc[k] and (N[k] <= 0 or any(v < 0 for v in X.values())):
            basis = "contributions (net shares unusable)"
            issues.append(
                Issue(
                    code="PL-CLS-002",
                    severity=Severity.WARNING,
                    message=f"scheme {k}: net expenditure is {N[k]}p or a partner's net share "
                    "is negative, so income is shared by contributions (§14.5)",
                    location=Location(field=f"schemes[{k}]"),
                )
            )
        if not Inc[k]:
            inc_share = dict(zero)
        elif basis == "net shares":
            inc_share = full(
                allocate(Inc[k], {p: v for p, v in X.items() if v}, [p for p in order if X[p]])
            )
        elif sum(C[k].values()) > 0:
            inc_share = full(allocate(Inc[k], C[k], order))
        else:
            inc_share = full({scheme.lead_commissioner: Inc[k]})
        gross = {p: X[p] + inc_share[p] for p in order}
        scheme_results.append(
            SchemeClose(
                scheme=k,
                name=scheme.name,
                contributions=C[k],
                expenditure=E[k],
                income=Inc[k],
                net=N[k],
                variance=V[k],
                offset=offset[k],
                risk_pool=rp_cells[k],
                residual=residual,
                rule=f"{scheme.risk_share.code} {scheme.risk_share.rule}",
                explanation=explanation,
                deficit=deficit,
                underspend=under,
                dispositions=dispositions,
                redeploy_to=scheme.underspend.redeploy_to,
                net_share=X,
                income_share=inc_share,
                gross_share=gross,
                income_basis=basis,
            )
        )

    # unused risk pool
    carry_unused = rp is not None and rp.unused is RiskPoolUnused.CARRY_FORWARD and not terminating
    if rp is not None and rp_use is not None and carry_unused:
        for p, v in rp_use.unused.items():
            if v:
                carry[(rp.id, p)] += v

    # 8. partners, balances, settlement (with its reconciling items)
    due = ENGLAND_AND_WALES.add_working_days(within.last_day, settle_within_working_days)
    opening = dict(zero)
    for parts in ledger.brought_forward(year).values():
        for p, v in parts.items():
            if p in opening:
                opening[p] += v
    paid_directly, vat_recharge = settlement_flows(ledger, within)
    # instalments paid by the period end; those paid later (and not cancelled on
    # termination) are late payments that clear the debtor
    paid_in: dict[PartnerId, int] = defaultdict(int)
    late: dict[PartnerId, int] = defaultdict(int)
    cancelled_ids = {i for c in cancelled for i in c.instalments}
    for i in ledger.instalments(year):
        if i.paid_date is None or i.id in cancelled_ids:
            continue
        if i.paid_date < within.end:
            paid_in[i.partner] += i.pence
        else:
            late[i.partner] += i.pence
    arrears: dict[PartnerId, int] = defaultdict(int)
    for y in (y for y in agreement.financial_years if y < year):
        at_end = ledger.unpaid_contributions(y, upto=within.end)
        now = ledger.unpaid_contributions(y)  # every payment recorded, late ones too
        for p in {*at_end, *now}:
            arrears[p] += at_end.get(p, 0)
            late[p] += at_end.get(p, 0) - now.get(p, 0)
    partners: list[PartnerClose] = []
    for p in order:

        def tot(field: str, p: PartnerId = p) -> int:
            return sum(getattr(s, field)[p] for s in scheme_results)

        def disposed(name: D, p: PartnerId = p) -> int:
            return sum(s.dispositions.get(name.value, {}).get(p, 0) for s in scheme_results)

        contributions = sum(C[k][p] for k in C)
        rp_in = rp_avail.get(p, 0)
        net_share = tot("net_share")
        balance = contributions + rp_in + additional_paid[p] - net_share
        unused_rp = rp_use.unused[p] if rp_use is not None else 0
        unused_cf = unused_rp if carry_unused else 0
        held = (
            disposed(D.CARRY_FORWARD) + disposed(D.REDEPLOY) + disposed(D.CONTINGENCY) + unused_cf
        )
        is_host = p == host
        flows = {
            "paid_directly": paid_directly.get(p, 0),
            "vat_recharge": vat_recharge.get(p, 0),
            "unpaid_contributions": contributions
            + rp_in
            + additional_paid[p]
            - opening[p]
            - paid_in.get(p, 0),
            "unpaid_earlier_years": arrears.get(p, 0),
            "paid_after_year_end": late.get(p, 0),
        }
        if is_host:
            flows = dict.fromkeys(flows, 0)
        settlement = (
            0 if is_host else balance - held + flows["paid_directly"] - flows["vat_recharge"]
        )
        debtor = flows["unpaid_contributions"] + flows["unpaid_earlier_years"]
        if flows["unpaid_contributions"] > 0:
            issues.append(
                Issue(
                    code="PL-CLS-004",
                    severity=Severity.WARNING,
                    message=f"{p} had not paid {format_pence(flows['unpaid_contributions'])} "
                    f"of its contributions for {year} by {within.last_day}: a debtor in the "
                    "settlement until the instalments are paid",
                    location=Location(field=f"instalments[{p}]"),
                )
            )
        partners.append(
            PartnerClose(
                partner=p,
                is_host=is_host,
                contributions=contributions,
                risk_pool_contribution=rp_in,
                risk_pool_used=rp_used.get(p, 0),
                additional_paid=additional_paid[p],
                deficit=tot("deficit"),
                underspend=tot("underspend"),
                refunded=disposed(D.REFUND),
                carried_forward=disposed(D.CARRY_FORWARD),
                redeployed=disposed(D.REDEPLOY),
                contingency=disposed(D.CONTINGENCY),
                unused_risk_pool=unused_rp,
                cancelled=sum(c.amount for c in cancelled if c.partner == p),
                net_share=net_share,
                income_share=tot("income_share"),
                gross_share=tot("gross_share"),
                balance=balance,
                held=held,
                settlement=settlement,
                settlement_due=None if settlement == 0 else due,
                opening_balance=opening[p],
                **flows,
                amount_due=settlement - debtor + flows["paid_after_year_end"],
                balance_with_host=0 if is_host else held + settlement - debtor,
            )
        )

    journals = _year_end_journals(
        ledger, year, scheme_results, partners, in_year.schemes, within, issues
    )
    already = _is_closed(ledger, year)
    entries: list[Entry] = []
    if not already:
        for pc in partners:
            if pc.settlement:
                entries.append(
                    Settlement(
                        id=f"SETTLE-{year}-{pc.partner}",
                        year=year,
                        partner=pc.partner,
                        amount=to_money(pc.settlement),
                        due_date=due,
                        description=(
                            f"termination settlement ({within.last_day}): positive, host pays "
                            "partner"
                            if terminating
                            else "year-end settlement: positive, host pays partner"
                        ),
                    )
                )
        for (target, p), v in sorted(carry.items()):
            entries.append(
                Contribution(
                    id=f"BF-{next_year}-{target}-{p}",
                    partner=p,
                    scheme=target,
                    year=next_year,
                    amount=to_money(v),
                    kind=ContributionKind.BROUGHT_FORWARD,
                    effective_date=next_year.start,
                    approval_ref=f"year-end close {year}",
                    description=f"underspend brought forward from {year}",
                )
            )
        entries.append(YearClosed(id=f"CLOSED-{year}", year=year, closed_on=within.last_day))
    return YearEndClose(
        agreement=agreement.id,
        year=year,
        already_closed=already,
        schemes=tuple(scheme_results),
        risk_pool=rp_use,
        partners=tuple(partners),
        journals=journals,
        entries=tuple(entries),
        issues=tuple(issues),
        terminated_on=terminate_on,
        cancelled=cancelled,
    )


def _less(
    approved: dict[SchemeId, dict[PartnerId, int]], gone: Mapping[SchemeId, Mapping[PartnerId, int]]
) -> dict[SchemeId, dict[PartnerId, int]]:
    """Approved contributions less those cancelled on termination."""
    return {
        k: {p: v - gone.get(k, {}).get(p, 0) for p, v in row.items()} for k, row in approved.items()
    }


def _additional(ledger: Ledger, year: FinancialYear) -> dict[SchemeId, dict[PartnerId, int]]:
    """``ADDITIONAL`` contributions for ``year`` (agreement and ledger), scheme → partner, pence."""
    every = ledger.approved_contributions(year, include_risk_pool=True)
    funding = ledger.approved_contributions(year, include_risk_pool=True, include_additional=False)
    return {
        k: {p: v - funding.get(k, {}).get(p, 0) for p, v in row.items()} for k, row in every.items()
    }


def _no_risk_after_pool(
    residual: int, facts: SchemeFacts, order: tuple[str, ...]
) -> tuple[dict[PartnerId, int], tuple[str, ...]]:
    """RS12 after the risk pool or offsetting changed the variance.

    Each partner's own variance is its own net spending less its own contribution;
    what the pool-level steps took off the scheme's variance relieves only the
    partners on that side (the overspenders, for the risk pool), pro rata to their
    own variances; everyone else keeps its own figure (docs/risk-share/rs12-no-risk-share.md).
    """
    own = {p: facts.own_net.get(p, 0) - facts.contributions.get(p, 0) for p in order}
    relief = sum(own.values()) - residual  # same sign as the variance
    side = {p: abs(v) for p, v in own.items() if v and (v > 0) == (relief > 0)}
    parts = allocate(relief, side, [p for p in order if p in side]) if relief else {}
    return (
        {p: own[p] - parts.get(p, 0) for p in order},
        (
            "RS12 NO_RISK_SHARE",
            "each partner bears its own spending less its own contribution, less its part of "
            f"{format_pence(abs(relief))} covered first, pro rata to own "
            + ("overspends" if relief > 0 else "underspends"),
        ),
    )


def _windfall_parts(
    windfall: int,
    under: dict[PartnerId, int],
    contributions: dict[PartnerId, int],
    order: tuple[str, ...],
) -> dict[PartnerId, int]:
    """RS11: the windfall refunded pro rata to contributions, by the allocator directly.

    Only partners with an underspend share take part (the others' weight is 0).  Where
    largest remainder gives a partner one penny more of the windfall than of the whole
    underspend (the Alabama paradox, three or more partners), that penny goes to the
    next largest remainder among the partners with room, so no managed part is negative.
    """
    weights = {
        p: contributions.get(p, 0) for p in order if under[p] and contributions.get(p, 0) > 0
    }
    if not weights or sum(weights.values()) <= 0:
        weights = {p: under[p] for p in order if under[p]}
    parts = dict.fromkeys(order, 0) | allocate(
        windfall, weights, [p for p in order if p in weights]
    )
    spare = sum(max(parts[p] - under[p], 0) for p in order)
    if spare:
        total = sum(weights.values())
        for p in order:
            parts[p] = min(parts[p], under[p])
        room = sorted(
            (p for p in order if parts[p] < under[p]),
            key=lambda p: -(Fraction(windfall * weights.get(p, 0), total) - parts[p]),
        )
        for p in room:
            give = min(spare, under[p] - parts[p])
            parts[p] += give
            spare -= give
    return parts


def _carry_target(agreement: Agreement, k: SchemeId, disposition: D) -> SchemeId | None:
    if disposition is D.CARRY_FORWARD:
        return k
    if disposition is D.REDEPLOY:
        return agreement.scheme(k).underspend.redeploy_to or k
    if disposition is D.CONTINGENCY:
        return agreement.risk_pool.id if agreement.risk_pool is not None else k
    return None


def _year_end_journals(
    ledger: Ledger,
    year: FinancialYear,
    schemes: list[SchemeClose],
    partners: list[PartnerClose],
    in_year: Mapping[SchemeId, SchemeShares],
    within: DateRange,
    issues: list[Issue],
) -> dict[PartnerId, Journal]:
    agreement = ledger.agreement
    host = agreement.host
    shares = {}
    for s in schemes:
        capital = {
            p: min(max(v, 0), max(s.gross_share[p], 0))
            for p, v in in_year[s.scheme].capital_owned.items()
        }
        weights = {p: Fraction(v) for p, v in s.net_share.items()}
        shares[s.scheme] = SchemeShares(
            s.scheme,
            weights,
            "year-end close",
            s.gross_share,
            s.income_share,
            capital,
            in_year[s.scheme].capital_cost,
        )
    book, presentation = post_pool_lines(ledger, year, within, shares)
    issues.extend(presentation)  # e.g. PL-JNL-001: shown as a joint operation, as in year
    for pc in partners:
        p = pc.partner
        if pc.is_host:
            # H11: everything of its own the host holds for next year goes to the
            # earmarked reserve (released next year as it is applied)
            book.post(
                host,
                "H11",
                [(Account.GENERAL_FUND, pc.held, None)],
                [(Account.EARMARKED_RESERVE, pc.held, None)],
                None,
                "host's own underspend and risk pool carried forward",
            )
            continue
        # instalments unpaid at 31 March: a debtor on its own line
        book.post(
            p,
            "P1",
            [(Account.HELD_BY_HOST, pc.unpaid_contributions, host)],
            [(Account.CONTRIBUTION_PAYABLE, pc.unpaid_contributions, host)],
            None,
            "contribution instalments unpaid at 31 March",
        )
        book.post(
            host,
            "H1",
            [(Account.CONTRIBUTION_RECEIVABLE, pc.unpaid_contributions, p)],
            [(Account.FUNDS_HELD_FOR, pc.unpaid_contributions, p)],
            None,
            f"contribution instalments unpaid by {p} at 31 March",
        )
        # what is not held for next year is settled (the VAT recharge is already
        # payable to the host, H4)
        position = pc.settlement + pc.vat_recharge
        if position < 0:
            book.post(
                p,
                "P4",
                [(Account.HELD_BY_HOST, -position, host)],
                [(Account.PAYABLE_TO_HOST, -position, host)],
                None,
                "additional contribution payable to host",
            )
            book.post(
                host,
                "H8",
                [(Account.RECEIVABLE_FROM_PARTNER, -position, p)],
                [(Account.FUNDS_HELD_FOR, -position, p)],
                None,
                f"additional contribution receivable from {p}",
            )
        elif position > 0:
            book.post(
                p,
                "P6",
                [(Account.REFUND_DUE_FROM_HOST, position, host)],
                [(Account.HELD_BY_HOST, position, host)],
                None,
                "refund of underspend due from host",
            )
            book.post(
                host,
                "H9",
                [(Account.FUNDS_HELD_FOR, position, p)],
                [(Account.PAYABLE_TO_PARTNER, position, p)],
                None,
                f"refund of underspend payable to {p}",
            )
    return book.journals(agreement.partner_order, within)
