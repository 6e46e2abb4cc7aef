"""Step 8 of the close: balances and settlement (docs/year-end.md#settlement).

``balance = contributions (incl. risk pool) + additional contributions paid in year - X``.
What is carried forward, redeployed or held as contingency stays with the host
(``held``); the rest is settled in cash with each non-host partner, due
``settle_within_working_days`` after the period's last day, England and Wales bank
holidays skipped.  The settlement counts the VAT recharge and spending the partner
paid directly; unpaid instalments stay a debtor on their own line
(docs/year-end.md#the-settlement-schedule).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pooledledger.books.journals import settlement_flows
from pooledledger.books.ledger import Ledger
from pooledledger.books.termination import CancelledContribution
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.money import format_pence
from pooledledger.core.periods import ENGLAND_AND_WALES, DateRange
from pooledledger.model.partners import PartnerId
from pooledledger.model.rules import UnderspendDisposition
from pooledledger.yearend.close_results import PartnerClose, SchemeClose
from pooledledger.yearend.steps.period import CloseContext
from pooledledger.yearend.steps.risk_pool import RiskPool
from pooledledger.yearend.steps.underspend import carries_unused_pool
from pooledledger.yearend.steps.variance import Funding

__all__ = ["Flows", "Settled", "reconciling_items", "settle_partner", "settle_partners"]

D = UnderspendDisposition


@dataclass(frozen=True)
class Flows:
    """The settlement schedule's inputs per partner: balances brought forward, spending
    paid directly, VAT recharged, instalments paid by the period end and after it, and
    earlier years' instalments unpaid at the period end."""

    opening: dict[PartnerId, int]
    paid_directly: dict[PartnerId, int]
    vat_recharge: dict[PartnerId, int]
    paid_in: dict[PartnerId, int]
    late: dict[PartnerId, int]
    arrears: dict[PartnerId, int]


@dataclass(frozen=True)
class Settled:
    """Every partner's year end, in agreement order, the due date and the warnings."""

    partners: tuple[PartnerClose, ...]
    due: date
    issues: tuple[Issue, ...]


def reconciling_items(
    ctx: CloseContext,
    ledger: Ledger,
    within: DateRange,
    cancelled: tuple[CancelledContribution, ...],
) -> Flows:
    """The settlement schedule's reconciling items: instalments paid by the period end;
    those paid later (and not cancelled on termination) are late payments that clear the
    debtor."""
    year = ctx.year
    opening = ctx.zero()
    for parts in ledger.brought_forward(year).values():
        for p, v in parts.items():
            if p in opening:
                opening[p] += v
    paid_directly, vat_recharge = settlement_flows(ledger, within)
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
    for y in (y for y in ctx.agreement.financial_years if y < year):
        at_end = ledger.unpaid_contributions(y, upto=within.end)
        now = ledger.unpaid_contributions(y)  # every payment recorded, late ones too
        for p in {*at_end, *now}:
            arrears[p] += at_end.get(p, 0)
            late[p] += at_end.get(p, 0) - now.get(p, 0)
    return Flows(opening, paid_directly, vat_recharge, dict(paid_in), dict(late), dict(arrears))


def _unpaid(ctx: CloseContext, p: PartnerId, unpaid: int, within: DateRange) -> Issue:
    return Issue(
        code="PL-CLS-004",
        severity=Severity.WARNING,
        message=f"{p} had not paid {format_pence(unpaid)} "
        f"of its contributions for {ctx.year} by {within.last_day}: a debtor in the "
        "settlement until the instalments are paid",
        location=Location(field=f"instalments[{p}]"),
    )


SCHEDULE = (
    "paid_directly",
    "vat_recharge",
    "unpaid_contributions",
    "unpaid_earlier_years",
    "paid_after_year_end",
)


def _schedule(p: PartnerId, paid_in_total: int, flows: Flows) -> dict[str, int]:
    """A non-host partner's reconciling items (docs/year-end.md#the-settlement-schedule);
    ``paid_in_total`` is what it should have paid in: contributions, risk pool and
    additional contributions."""
    return {
        "paid_directly": flows.paid_directly.get(p, 0),
        "vat_recharge": flows.vat_recharge.get(p, 0),
        "unpaid_contributions": paid_in_total - flows.opening[p] - flows.paid_in.get(p, 0),
        "unpaid_earlier_years": flows.arrears.get(p, 0),
        "paid_after_year_end": flows.late.get(p, 0),
    }


def settle_partner(
    ctx: CloseContext,
    p: PartnerId,
    schemes: Sequence[SchemeClose],
    funding: Funding,
    pool: RiskPool,
    flows: Flows,
    cancelled: tuple[CancelledContribution, ...],
    due: date,
) -> PartnerClose:
    """Partner ``p``'s year end: its totals over the schemes, balance, held and settlement
    (due on ``due`` when there is one)."""

    def tot(field: str) -> int:
        return sum(getattr(s, field)[p] for s in schemes)

    def disposed(name: D) -> int:
        return sum(s.disposed(name, p) for s in schemes)

    contributions = sum(s.contributions[p] for s in schemes)
    rp_in, additional = pool.available.get(p, 0), funding.additional_paid[p]
    net_share = tot("net_share")
    balance = contributions + rp_in + additional - net_share
    unused_rp = pool.use.unused[p] if pool.use is not None else 0
    unused_cf = unused_rp if carries_unused_pool(ctx) else 0
    held = disposed(D.CARRY_FORWARD) + disposed(D.REDEPLOY) + disposed(D.CONTINGENCY) + unused_cf
    is_host = p == ctx.host
    items = _schedule(p, contributions + rp_in + additional, flows) if not is_host else {}
    items = {k: items.get(k, 0) for k in SCHEDULE}  # the host's own row is nil
    settlement = 0 if is_host else balance - held + items["paid_directly"] - items["vat_recharge"]
    debtor = items["unpaid_contributions"] + items["unpaid_earlier_years"]
    return PartnerClose(
        partner=p,
        is_host=is_host,
        contributions=contributions,
        risk_pool_contribution=rp_in,
        risk_pool_used=pool.used.get(p, 0),
        additional_paid=additional,
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
        opening_balance=flows.opening[p],
        **items,
        amount_due=settlement - debtor + items["paid_after_year_end"],
        balance_with_host=0 if is_host else held + settlement - debtor,
    )


def settle_partners(
    ctx: CloseContext,
    ledger: Ledger,
    within: DateRange,
    schemes: Sequence[SchemeClose],
    funding: Funding,
    pool: RiskPool,
    cancelled: tuple[CancelledContribution, ...],
    settle_within_working_days: int,
) -> Settled:
    """Every partner's balance and settlement, in agreement order, with PL-CLS-004 for
    each partner with instalments unpaid at the period end."""
    due = ENGLAND_AND_WALES.add_working_days(within.last_day, settle_within_working_days)
    flows = reconciling_items(ctx, ledger, within, cancelled)
    partners: list[PartnerClose] = []
    issues: list[Issue] = []
    for p in ctx.order:
        pc = settle_partner(ctx, p, schemes, funding, pool, flows, cancelled, due)
        if pc.unpaid_contributions > 0:
            issues.append(_unpaid(ctx, p, pc.unpaid_contributions, within))
        partners.append(pc)
    return Settled(tuple(partners), due, tuple(issues))
