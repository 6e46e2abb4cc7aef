"""Agreement-of-balances exports between the host and each partner (I-6, docs/reports.md).

:func:`agreement_of_balances` gives, for month 6, 9 or 12 of a year, one row per
host–partner pair with each side's receivable and payable at the month end and,
at months 9 and 12, each side's income and expenditure with the other, year to
date.  Every figure is read from that side's **own** journals, so the row also
proves the mirror invariant (I-6): the host's receivable equals the partner's
payable and the other way round.

Journals: months 6 and 9 use the in-year journals,
``build_journals(ledger, apportion(ledger, year, upto=year.month(m).end))``; month 12
uses the year-end close's journals (``close``, or ``close_year`` run here if none
is given), which include the deficit and refund postings (P4/H8, P6/H9).

Receivables and payables
------------------------
The host–partner accounts are netted per pair of mirror accounts, and a net debit
is a receivable, a net credit a payable:

======================================  ====================================
host's accounts (counterparty = j)      partner j's accounts (with the host)
======================================  ====================================
pool funds held for j; agency account   pooled fund – held by host
receivable from j (deficits, VAT)       payable to host
payable to j (refunds of underspend)    refund of underspend due from host
contributions receivable from j         contributions payable to host
======================================  ====================================

Each row also shows, on their own lines, the reconciling items inside those
balances (docs/reports.md#agreement-of-balances-months-6-9-and-12): the money the
host holds for the partner (balances brought forward and what is held for next
year), instalments unpaid (a debtor), the VAT recharge and the year-end settlement.

Income and expenditure (months 9 and 12)
----------------------------------------
The host spends for every partner and recharges each its share.  So the host's
*income from j* is what it charged to j's pooled fund (H6, j's share of expenditure;
under PRINCIPAL(host) j's share of net expenditure), and its *expenditure with j* is
the pool income it passed to j (H7).  From j's side these are its expenditure with
the host (P2) and its income from the host (P3).

Which exercise
--------------
A pair where both bodies are in the DHSC group (``Partner.dhsc_group``) is agreed
through the NHS agreement-of-balances exercise (``DHSC_AOB``); any pair with a local
authority or other non-DHSC body is agreed bilaterally (``BILATERAL``).  The
thresholds (2022/23 by default, :data:`AOB_2022_23`) are applied to every row as
flags, but bind only ``DHSC_AOB`` rows: a statement is issued when a receivable or
payable exceeds £2,500 or income or expenditure exceeds £2m; agreement is required
when a receivable or payable exceeds £300k or income or expenditure exceeds £3m.
"Exceeds" is strictly greater than.
"""

from __future__ import annotations

from datetime import date

from pooledledger.books.apportion import apportion
from pooledledger.books.journals import Account, Journal, build_journals
from pooledledger.books.ledger import Ledger
from pooledledger.core._model import DomainEnum, FrozenModel
from pooledledger.core.errors import Issue
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import Partner, PartnerId
from pooledledger.reports.memorandum import ReportError
from pooledledger.yearend.checks import require_no_errors
from pooledledger.yearend.close import YearEndClose, close_year

__all__ = [
    "AOB_2022_23",
    "AgreementOfBalances",
    "AobExercise",
    "AobThresholds",
    "BalanceRow",
    "agreement_of_balances",
]

_HOST_CLASSES: tuple[frozenset[Account], ...] = (
    frozenset({Account.FUNDS_HELD_FOR, Account.AGENCY_ACCOUNT}),
    frozenset({Account.RECEIVABLE_FROM_PARTNER}),
    frozenset({Account.PAYABLE_TO_PARTNER}),
    frozenset({Account.CONTRIBUTION_RECEIVABLE}),
)
_PARTNER_CLASSES: tuple[frozenset[Account], ...] = (
    frozenset({Account.HELD_BY_HOST}),
    frozenset({Account.PAYABLE_TO_HOST}),
    frozenset({Account.REFUND_DUE_FROM_HOST}),
    frozenset({Account.CONTRIBUTION_PAYABLE}),
)
_HELD_FOR = frozenset({Account.FUNDS_HELD_FOR, Account.AGENCY_ACCOUNT})


class AobExercise(DomainEnum):
    """How a pair's balances are agreed: the DHSC exercise, or bilaterally."""

    DHSC_AOB = "DHSC_AOB"
    BILATERAL = "BILATERAL"


class AobThresholds(FrozenModel):
    """Agreement-of-balances thresholds in pence (a figure must *exceed* them)."""

    label: str
    statement_rp: int
    statement_ie: int
    agreement_rp: int
    agreement_ie: int


#: The 2022/23 thresholds of the DHSC agreement-of-balances guidance: statements
#: over £2,500 R&P or £2m I&E; agreement required over £300k R&P or £3m I&E.
AOB_2022_23 = AobThresholds(
    label="2022/23",
    statement_rp=2_500_00,
    statement_ie=2_000_000_00,
    agreement_rp=300_000_00,
    agreement_ie=3_000_000_00,
)


class BalanceRow(FrozenModel):
    """One host–partner pair at the month end, each side from its own journal.

    Income and expenditure are ``None`` at month 6 (receivables and payables only).
    """

    host: PartnerId
    partner: PartnerId
    exercise: AobExercise
    host_receivable: int
    host_payable: int
    partner_receivable: int
    partner_payable: int
    host_income: int | None
    host_expenditure: int | None
    partner_income: int | None
    partner_expenditure: int | None
    mirror: bool
    statement_threshold_met: bool
    agreement_threshold_met: bool
    held_by_host: int = 0
    unpaid_contributions: int = 0
    vat_recharge: int = 0
    settlement: int = 0

    @property
    def net(self) -> int:
        """The partner's net balance with the host (positive: the host owes it)."""
        return self.partner_receivable - self.partner_payable


class AgreementOfBalances(FrozenModel):
    """Host–partner balances for month ``month`` (6, 9 or 12) of ``year``."""

    agreement: str
    agreement_name: str
    year: FinancialYear
    month: int
    month_end: date
    thresholds: AobThresholds
    rows: tuple[BalanceRow, ...]
    issues: tuple[Issue, ...]
    terminated_on: date | None = None

    @property
    def mirrors(self) -> bool:
        """I-6 holds for every pair."""
        return all(r.mirror for r in self.rows)

    def row(self, partner: PartnerId) -> BalanceRow:
        for r in self.rows:
            if r.partner == partner:
                return r
        raise KeyError(partner)

    def to_markdown(self, *, with_issues: bool = True) -> str:
        """The export as Markdown, from its one layout
        (:func:`~pooledledger.reports.balances_layout.balances_document`);
        ``with_issues`` adds the issues carried (if any)."""
        from pooledledger.reports.balances_layout import balances_document
        from pooledledger.reports.document import render_markdown

        return render_markdown(balances_document(self, with_issues=with_issues))


def _net(journal: Journal, accounts: frozenset[Account], counterparty: PartnerId) -> int:
    """Debits less credits on ``accounts`` with ``counterparty``."""
    return sum(
        x.debit - x.credit
        for x in journal.lines
        if x.account in accounts and x.counterparty == counterparty
    )


def _receivable_payable(
    journal: Journal, classes: tuple[frozenset[Account], ...], counterparty: PartnerId
) -> tuple[int, int]:
    nets = [_net(journal, c, counterparty) for c in classes]
    return sum(v for v in nets if v > 0), sum(-v for v in nets if v < 0)


def _flow(journal: Journal, ref: str, accounts: frozenset[Account], cp: PartnerId) -> int:
    """Debits less credits of ``ref`` lines on ``accounts`` with ``cp``."""
    return sum(
        x.debit - x.credit
        for x in journal.lines
        if x.ref == ref and x.account in accounts and x.counterparty == cp
    )


def _journals(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    month: int,
    close: YearEndClose | None,
) -> tuple[dict[PartnerId, Journal], tuple[Issue, ...], date, date | None]:
    """The journals month ``month`` is read from, the issues they carry, the month end
    and a terminated agreement's last day: the close's at month 12, else in-year ones."""
    carried = require_no_errors(ledger)
    if month != 12:
        app = apportion(ledger, year, upto=year.month(month).end)
        journals, found = build_journals(ledger, app)
        return journals, (*carried, *app.issues, *found), year.month(month).last_day, None
    if close is None:
        close = close_year(agreement, ledger, year)
    elif close.year != year or close.agreement != agreement.id:
        raise ReportError(
            f"the close is for {close.agreement} {close.year}, not {agreement.id} {year}"
        )
    return dict(close.journals), close.issues, close.period.last_day, close.terminated_on


def _reconciling(pj: Journal, host: PartnerId) -> dict[str, int]:
    """The reconciling items inside the partner's balance with the host, from its journal."""
    payable = frozenset({Account.PAYABLE_TO_HOST})
    return {
        "held_by_host": _net(pj, frozenset({Account.HELD_BY_HOST}), host),
        "unpaid_contributions": -_net(pj, frozenset({Account.CONTRIBUTION_PAYABLE}), host),
        "vat_recharge": -_flow(pj, "H4", payable, host),
        "settlement": _net(pj, frozenset({Account.REFUND_DUE_FROM_HOST}), host)
        + _flow(pj, "P4", payable, host),
    }


def _pair(
    host: Partner,
    p: Partner,
    journals: dict[PartnerId, Journal],
    with_ie: bool,
    thresholds: AobThresholds,
) -> BalanceRow:
    """One host–partner pair, each side read from its own journal."""
    hj, pj = journals[host.id], journals[p.id]
    h_rec, h_pay = _receivable_payable(hj, _HOST_CLASSES, p.id)
    p_rec, p_pay = _receivable_payable(pj, _PARTNER_CLASSES, host.id)
    held = frozenset({Account.HELD_BY_HOST})
    h_inc, h_exp = _flow(hj, "H6", _HELD_FOR, p.id), -_flow(hj, "H7", _HELD_FOR, p.id)
    p_exp, p_inc = -_flow(pj, "P2", held, host.id), _flow(pj, "P3", held, host.id)
    mirror = h_rec == p_pay and h_pay == p_rec
    if with_ie:
        mirror = mirror and h_inc == p_exp and h_exp == p_inc
    rp = max(h_rec, h_pay, p_rec, p_pay)
    ie = max(abs(h_inc), abs(h_exp), abs(p_inc), abs(p_exp)) if with_ie else 0
    both_dhsc = host.dhsc_group and p.dhsc_group
    return BalanceRow(
        host=host.id,
        partner=p.id,
        exercise=AobExercise.DHSC_AOB if both_dhsc else AobExercise.BILATERAL,
        host_receivable=h_rec,
        host_payable=h_pay,
        partner_receivable=p_rec,
        partner_payable=p_pay,
        host_income=h_inc if with_ie else None,
        host_expenditure=h_exp if with_ie else None,
        partner_income=p_inc if with_ie else None,
        partner_expenditure=p_exp if with_ie else None,
        mirror=mirror,
        **_reconciling(pj, host.id),
        statement_threshold_met=rp > thresholds.statement_rp or ie > thresholds.statement_ie,
        agreement_threshold_met=rp > thresholds.agreement_rp or ie > thresholds.agreement_ie,
    )


def agreement_of_balances(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    month: int,
    close: YearEndClose | None = None,
    *,
    thresholds: AobThresholds = AOB_2022_23,
) -> AgreementOfBalances:
    """Receivables and payables (and I&E at months 9 and 12) per host–partner pair.

    A ledger with errors is refused (:class:`~pooledledger.core.errors.IssueError`;
    docs/ledger.md#the-gate); its warnings come first in ``issues``.
    """
    if ledger.agreement != agreement:
        raise ReportError("the ledger was built for a different agreement")
    if isinstance(month, bool) or month not in (6, 9, 12):
        raise ReportError(f"agreement of balances is for month 6, 9 or 12, not {month!r}")
    journals, issues, month_end, terminated_on = _journals(agreement, ledger, year, month, close)
    host = agreement.host_partner
    rows = tuple(
        _pair(host, p, journals, month in (9, 12), thresholds)
        for p in agreement.partners
        if p.id != host.id
    )
    return AgreementOfBalances(
        agreement=agreement.id,
        agreement_name=agreement.name,
        year=year,
        month=month,
        month_end=month_end,
        thresholds=thresholds,
        rows=rows,
        issues=tuple(issues),
        terminated_on=terminated_on,
    )
