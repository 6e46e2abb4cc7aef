"""The pooled fund memorandum account (docs/reports.md#the-memorandum-account), built from a close.

:func:`memorandum_account` reads the agreement, the ledger and the result of
:func:`~pooledledger.yearend.close.close_year` and lays the year out in sections A to M, in
integer pence:

=====  ==============================================================================
A      balances brought forward (``BROUGHT_FORWARD`` contributions), partner × scheme
B      contributions, partner × scheme: base | uplift | variations | risk pool
       (``VARIATION`` contributions are "variations"; ``RISK_POOL`` money counts only
       on the risk pool's own column; in-year ``ADDITIONAL`` contributions are not
       funding but payments towards H, so they are left out here and shown in L)
C      other income by scheme and by source (client charges, grants…)
D      total resources ``A + B + C``
E      gross expenditure (pool cost: net plus irrecoverable VAT) by scheme, by
       commissioning partner (the procuring partner, else the host) and by category
F      net surplus / (deficit) ``D − E`` per scheme and in total (surplus positive)
G      application of the risk pool (into each overspent scheme, out of the risk pool
       column) and of offsetting between schemes (RS8)
H      additional contributions (deficit shares), partner × scheme
I      underspend disposition, partner × scheme: refunded | carried forward |
       redeployed | contingency; the risk pool's unused balance is disposed of on its
       own column
J      balances carried forward, partner × receiving scheme (a redeployed underspend
       is carried to the scheme it is redeployed to, a contingency to the risk pool)
K      partners' shares of gross expenditure, income and net, partner × scheme
L      host–partner balances at year end and the settlement dates
M      memo: VAT recovered by the recovering body, capital items (owner partner), and
       the exclusion of s256/s76 transfers (I-15)
=====  ==============================================================================

The risk pool, when there is one, is a column of its own after the schemes.

Every column closes to nil: ``F + G + H − I = 0`` (I-2, every pound is attributed
to a partner).  The account checks itself (:attr:`MemorandumAccount.checks`):
conservation I-1 as a line (``A + B + H + C = E + I``), agreement with the close's
own conservation figures, shares summing to totals (I-3), expenditure, income and
contributions agreeing to the close scheme by scheme, and H and J agreeing to each
partner's deficit and held balance.  A failed check is shown, not raised, so an
auditor sees which figure disagrees; :attr:`MemorandumAccount.ok` says whether all
hold.

Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from datetime import date
from typing import overload

from pooledledger.books.ledger import Ledger
from pooledledger.books.line_sums import line_sums
from pooledledger.core._model import FrozenModel
from pooledledger.core.frozen import FrozenDict
from pooledledger.core.money import format_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.reports.common import ReportError, agreement_and_close
from pooledledger.yearend.checks import require_no_errors
from pooledledger.yearend.close import YearEndClose

__all__ = [
    "CapitalItem",
    "Conservation",
    "ContributionSplit",
    "HostBalance",
    "IncomeSource",
    "MemorandumAccount",
    "PartnerShares",
    "ReportCheck",
    "ReportError",
    "SchemeAccount",
    "UnderspendUse",
    "memorandum_account",
]

TRANSFERS_EXCLUDED = (
    "Transfers under s256 / s76 NHS Act 2006 are grants towards the recipient's own "
    "functions, not pooled funds: they are excluded from this account (I-15)."
)


# -- small shared helpers (also used by the other report modules) -------------------


def _cell(pence: int) -> str:
    """An amount for a table cell: ``–`` for zero, negatives in brackets."""
    return "–" if pence == 0 else format_pence(pence)


# -- the model ------------------------------------------------------------------------


class ContributionSplit(FrozenModel):
    """B: one partner's contributions to one scheme (or the risk pool), by kind.

    ``cancelled`` (a magnitude) is what termination cancelled (instalments due after
    the termination date); ``total`` is the kinds less ``cancelled``.
    """

    base: int = 0
    uplift: int = 0
    variations: int = 0
    risk_pool: int = 0
    cancelled: int = 0
    total: int = 0

    def signed(self, field: str) -> int:
        """A column of section B as shown: ``cancelled`` negative, the rest as stored."""
        value: int = getattr(self, field)
        return -value if field == "cancelled" else value


class IncomeSource(FrozenModel):
    """C: other income of a scheme from one source (client charges, a grant…)."""

    scheme: SchemeId
    source: str
    amount: int


class UnderspendUse(FrozenModel):
    """I: what happened to an underspend (or unused risk pool), in pence."""

    refunded: int = 0
    carried_forward: int = 0
    redeployed: int = 0
    contingency: int = 0
    total: int = 0

    @property
    def held(self) -> int:
        """What stays with the host for next year (everything but refunds)."""
        return self.carried_forward + self.redeployed + self.contingency


class PartnerShares(FrozenModel):
    """K: a partner's shares of one scheme: gross expenditure, income and net."""

    gross: int
    income: int
    net: int


class SchemeAccount(FrozenModel):
    """One column of the account (a scheme, the risk pool, or the total).

    ``net`` is F (surplus positive); ``risk_pool`` and ``offset`` are G (into the
    scheme positive); ``closing`` is ``F + G + H − I`` and must be nil (I-2).
    """

    scheme: SchemeId
    name: str
    brought_forward: int
    contributions: int
    other_income: int
    total_resources: int
    gross_expenditure: int
    net: int
    risk_pool: int
    offset: int
    additional_contributions: int
    underspend: int
    closing: int
    carried_forward: int


class HostBalance(FrozenModel):
    """L: a partner's balance with the host at year end.

    ``balance`` is contributions (with the risk pool) and ``additional_paid`` (in-year
    ``ADDITIONAL`` contributions, paid towards the deficit share) less the partner's
    net share: positive, the host owes the partner; negative, the partner owes the
    host.
    ``held`` stays with the host for next year; ``settlement`` is the cash that moves
    (positive: host pays partner), due on ``settlement_due``: it counts spending the
    partner ``paid_directly`` and its ``vat_recharge``.  ``unpaid_contributions``
    (with earlier years') is the debtor for instalments unpaid at 31 March, and
    ``balance_with_host`` the balance at 31 March the journals and the agreement of
    balances show (docs/year-end.md#the-settlement-schedule).
    """

    partner: PartnerId
    is_host: bool
    balance: int
    held: int
    settlement: int
    settlement_due: date | None
    position: str
    paid_directly: int = 0
    vat_recharge: int = 0
    unpaid_contributions: int = 0
    balance_with_host: int = 0
    additional_paid: int = 0


class CapitalItem(FrozenModel):
    """M: a capital item bought with pool money; its owner is the procuring partner (I-11)."""

    entry_id: str
    scheme: SchemeId
    date: date
    owner: PartnerId
    amount: int
    description: str = ""


class Conservation(FrozenModel):
    """I-1 as a line: ``b/f + contributions + additional + income`` equals
    ``expenditure + returned + unused risk pool returned + carried forward``."""

    brought_forward: int
    contributions: int
    additional_contributions: int
    other_income: int
    inflow: int
    gross_expenditure: int
    underspends_returned: int
    unused_risk_pool_returned: int
    carried_forward: int
    outflow: int
    holds: bool

    def lines(self) -> list[tuple[str, int, bool]]:
        """I-1 as every report shows it, in order: (label, pence, whether a total)."""
        return [
            ("Balances brought forward", self.brought_forward, False),
            ("Contributions (including the risk pool)", self.contributions, False),
            ("Additional contributions", self.additional_contributions, False),
            ("Other income", self.other_income, False),
            ("Resources in", self.inflow, True),
            ("Gross expenditure", self.gross_expenditure, False),
            ("Underspends returned", self.underspends_returned, False),
            ("Unused risk pool returned", self.unused_risk_pool_returned, False),
            ("Carried forward", self.carried_forward, False),
            ("Resources applied", self.outflow, True),
        ]


class ReportCheck(FrozenModel):
    """A self-check of a report: two figures that must agree."""

    name: str
    left: int
    right: int
    holds: bool


class MemorandumAccount(FrozenModel):
    """The pooled fund memorandum account for one year (sections A to M), in pence.

    ``columns`` are the schemes in agreement order, then the risk pool's id.
    Grids are ``partner → column → pence`` with every partner and column present.
    """

    agreement: str
    name: str
    year: FinancialYear
    host: PartnerId
    pooled_fund_manager: str
    partners: tuple[PartnerId, ...]
    columns: tuple[SchemeId, ...]
    brought_forward: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    contributions: FrozenDict[PartnerId, FrozenDict[SchemeId, ContributionSplit]]
    other_income: tuple[IncomeSource, ...]
    expenditure_by_commissioner: FrozenDict[SchemeId, FrozenDict[PartnerId, int]]
    expenditure_by_category: FrozenDict[SchemeId, FrozenDict[str, int]]
    risk_pool_applied: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    offset: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    additional_contributions: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    underspend: FrozenDict[PartnerId, FrozenDict[SchemeId, UnderspendUse]]
    carried_forward: FrozenDict[PartnerId, FrozenDict[SchemeId, int]]
    shares: FrozenDict[PartnerId, FrozenDict[SchemeId, PartnerShares]]
    lines: tuple[SchemeAccount, ...]
    total: SchemeAccount
    balances: tuple[HostBalance, ...]
    host_position: int = 0
    vat_recovered: FrozenDict[PartnerId, int]
    capital_items: tuple[CapitalItem, ...]
    transfers_excluded: str = TRANSFERS_EXCLUDED
    conservation: Conservation
    checks: tuple[ReportCheck, ...]
    terminated_on: date | None = None

    @property
    def ok(self) -> bool:
        """True when every self-check holds."""
        return all(c.holds for c in self.checks)

    def line(self, column: str) -> SchemeAccount:
        """The column ``column`` (a scheme id, the risk pool id, or ``"TOTAL"``)."""
        if column == self.total.scheme:
            return self.total
        for line in self.lines:
            if line.scheme == column:
                return line
        raise KeyError(column)

    def contribution_rows(self) -> list[tuple[str, int]]:
        """The summary's contribution rows: one per partner and, for a terminated
        agreement, what termination cancelled on its own line after it."""
        rows: list[tuple[str, int]] = []
        for q in self.partners:
            cancelled = sum(s.cancelled for s in self.contributions[q].values())
            total = sum(s.total for s in self.contributions[q].values())
            rows.append((f"Contribution – {q}", total + cancelled))
            if cancelled:
                rows.append((f"Cancelled on termination – {q}", -cancelled))
        return rows

    def contribution_kinds(self) -> list[tuple[str, str]]:
        """Section B's columns (field, heading); a terminated agreement's cancelled
        contributions get a column of their own, shown negative."""
        kinds = [
            ("base", "base"),
            ("uplift", "uplift"),
            ("variations", "in-year variations"),
            ("risk_pool", "risk pool"),
        ]
        if any(s.cancelled for row in self.contributions.values() for s in row.values()):
            kinds.append(("cancelled", "cancelled on termination"))
        return kinds

    def partner_total(self, section: str, partner: PartnerId) -> int:
        """A partner's total over all columns of a pence grid (e.g. ``"carried_forward"``)."""
        grid: dict[PartnerId, dict[SchemeId, int]] = getattr(self, section)
        return sum(grid[partner].values())

    # -- text

    def to_markdown(self) -> str:
        """The account as Markdown, from its one layout
        (:func:`~pooledledger.reports.memorandum_layout.memorandum_document`)."""
        from pooledledger.reports.document import render_markdown
        from pooledledger.reports.memorandum_layout import memorandum_document

        return render_markdown(memorandum_document(self))


# -- building it ------------------------------------------------------------------------


@overload
def memorandum_account(ledger: Ledger, close: YearEndClose, /) -> MemorandumAccount: ...


@overload
def memorandum_account(
    agreement: Agreement, ledger: Ledger, close: YearEndClose, /
) -> MemorandumAccount: ...


def memorandum_account(*args: Agreement | Ledger | YearEndClose) -> MemorandumAccount:
    """The memorandum account of ``close.year``, from the ledger and the close.

    ``close`` must be the close of that year from this ledger, under the ledger's
    agreement (else :class:`ReportError`); the account's checks show any figure that
    disagrees.  A ledger with errors is refused
    (:class:`~pooledledger.core.errors.IssueError`; docs/ledger.md#the-gate).  The
    older ``memorandum_account(agreement, ledger, close)`` (deprecated) still works.
    The sections are built in :mod:`pooledledger.reports.memorandum_sections`.
    """
    if len(args) not in (2, 3) or not isinstance(args[-2], Ledger):
        raise TypeError("memorandum_account() takes a ledger and its close")
    ledger = args[-2]
    agreement, close, _ = agreement_and_close((*args[:-2], args[-1]), "memorandum_account")
    return _memorandum_account(agreement, ledger, close)


def _memorandum_account(
    agreement: Agreement, ledger: Ledger, close: YearEndClose
) -> MemorandumAccount:
    from pooledledger.reports import memorandum_sections as sec

    if ledger.agreement != agreement:
        raise ReportError("the ledger was built for a different agreement")
    require_no_errors(ledger)
    f = sec.frame(agreement)
    money = sec.funding(agreement, ledger, close, f)  # A and B
    pool = sec.pool_figures(ledger, f, close.period)  # C and E
    applied = sec.applied(close, f)  # G to K
    underspend = applied.underspend()
    totals = line_sums(ledger, close.period).totals(agreement.scheme_ids)
    lines = sec.scheme_lines(agreement, f, money, totals, applied, underspend)
    total = sec.total_line(lines)
    conservation = sec.conservation(total, underspend, f)
    return MemorandumAccount(
        agreement=agreement.id,
        name=agreement.name,
        year=close.year,
        host=f.host,
        pooled_fund_manager=agreement.pooled_fund_manager,
        partners=f.order,
        columns=tuple(f.cols),
        brought_forward=money.brought_forward,
        contributions=money.contributions,
        other_income=pool.other_income(f.schemes),
        expenditure_by_commissioner=pool.by_commissioner,
        expenditure_by_category=pool.by_category,
        risk_pool_applied=applied.risk_pool,
        offset=applied.offset,
        additional_contributions=applied.additional,
        underspend=underspend,
        carried_forward=applied.carried,
        shares=applied.shares,
        lines=tuple(lines),
        total=total,
        balances=sec.host_balances(close),
        host_position=close.host_position,
        vat_recovered=pool.vat,
        capital_items=tuple(pool.capital),
        conservation=conservation,
        checks=sec.account_checks(close, lines, conservation, money, applied, f),
        terminated_on=close.terminated_on,
    )
