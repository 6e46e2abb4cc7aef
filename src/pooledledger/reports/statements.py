"""Each partner's year-end statement, in one layout whoever hosts (I-16).

:func:`partner_statements` turns a :class:`~pooledledger.yearend.close.YearEndClose` into one
:class:`PartnerStatement` per partner, in agreement order.  Every statement has the
same sections and rows, host or not:

1. contributions per scheme and the risk pool (paid in, used, unused and what
   happens to the unused part);
2. the partner's share of each scheme: contribution, risk pool applied, offsetting,
   deficit share (additional contribution), underspend share, and its shares of
   gross expenditure, income and net (``X = C + RP + offset + D − U``);
3. the disposition of its underspend shares (refunded, carried forward, redeployed,
   contingency);
4. its balance with the host (contributions with the risk pool, less its net share),
   what the host holds for it for next year, the cash settlement and its due date
   (the host's own row shows no cash settlement: its money never leaves it), each
   reconciling item on its own line (balances brought forward, spending it paid
   directly, the VAT recharge, instalments unpaid at 31 March and paid since) and
   its balance with the host at 31 March, which is its journals' balance and the
   agreement of balances (docs/reports.md#partner-statements);
5. the journals it posts, exactly ``close.journals[partner]``.

The layout, for Markdown, HTML and the workbook alike, is stated once in
:mod:`pooledledger.reports.statements_layout`.  Amounts are integer pence; text
shows negatives in brackets.  Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from datetime import date
from typing import overload

from pooledledger.books.journals import Journal
from pooledledger.books.termination import CancelledContribution
from pooledledger.core._model import FrozenModel
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import RiskPoolUnused, UnderspendDisposition
from pooledledger.reports.common import ReportError, agreement_and_close
from pooledledger.reports.memorandum import UnderspendUse
from pooledledger.yearend.close import PartnerClose, SchemeClose, YearEndClose

__all__ = ["PartnerStatement", "StatementLine", "partner_statements"]


class StatementLine(FrozenModel):
    """One scheme in a partner's statement (or the total, ``scheme == "TOTAL"``)."""

    scheme: SchemeId
    name: str
    contribution: int
    risk_pool: int
    offset: int
    deficit: int
    underspend: int
    disposition: UnderspendUse
    gross_share: int
    income_share: int
    net_share: int


class PartnerStatement(FrozenModel):
    """A partner's year-end statement (same layout for the host and every partner).

    ``balance`` is contributions (with the risk pool) and ``additional_paid`` (in-year
    ``ADDITIONAL`` contributions, paid towards the deficit share) less the net share:
    positive, the host owes the partner; negative, the partner owes the host.  ``held`` stays
    with the host for next year; ``settlement`` is the cash that moves (positive:
    host pays partner; always nil for the host itself), due on ``settlement_due``.
    ``host_position`` is, on the host's own statement, its net position on
    settlement: minus the sum of the other partners' settlements (positive: the host
    receives cash; docs/year-end.md#settlement); ``None`` on a partner's statement.
    """

    agreement: str
    agreement_name: str
    year: FinancialYear
    partner: PartnerId
    partner_name: str
    host: PartnerId
    host_name: str
    is_host: bool
    contributions: int
    risk_pool_paid: int
    risk_pool_used: int
    risk_pool_unused: int
    risk_pool_unused_disposition: RiskPoolUnused | None
    additional_paid: int = 0
    lines: tuple[StatementLine, ...]
    total: StatementLine
    balance: int
    held: int
    settlement: int
    settlement_due: date | None
    journal: Journal
    terminated_on: date | None = None
    cancelled: tuple[CancelledContribution, ...] = ()
    host_position: int | None = None

    @property
    def net_position(self) -> int:
        """Cash this partner receives (+) or pays (−) on settlement; the host's net position."""
        return self.host_position if self.host_position is not None else self.settlement

    opening_balance: int = 0
    paid_directly: int = 0
    vat_recharge: int = 0
    unpaid_contributions: int = 0
    unpaid_earlier_years: int = 0
    paid_after_year_end: int = 0
    amount_due: int = 0
    balance_with_host: int = 0

    def contribution_rows(self) -> list[tuple[str, int]]:
        """Section 1's first rows: each scheme's contribution and, for a terminated
        agreement, the approved contributions and what termination cancelled, each on
        its own line (never a contribution, never a debtor)."""
        rows = [(f"Contribution – {x.scheme}", x.contribution) for x in self.lines]
        if not self.cancelled:
            return rows
        approved = self.contributions + self.risk_pool_paid + sum(c.amount for c in self.cancelled)
        return [
            ("Approved contributions for the year", approved),
            *[(_cancelled_label(c, self.terminated_on), -c.amount) for c in self.cancelled],
            *rows,
        ]

    @property
    def reconciles(self) -> bool:
        """The settlement schedule's balance with the host is the journal's (I-6)."""
        return self.is_host or self.journal.balance_with(self.host) == self.balance_with_host

    @property
    def net_cost_agrees(self) -> bool:
        """The journal's net cost equals the partner's share of net expenditure (I-5)."""
        return self.journal.net_cost == self.total.net_share

    def to_markdown(self) -> str:
        """The statement as Markdown, from its one layout
        (:func:`~pooledledger.reports.statements_layout.statement_document`)."""
        from pooledledger.reports.document import render_markdown
        from pooledledger.reports.statements_layout import statement_document

        return render_markdown(statement_document(self))


def _cancelled_label(c: CancelledContribution, on: date | None) -> str:
    when = f"after {on}" if on is not None else "after termination"
    if c.basis == "instalments":
        return (
            f"Cancelled on termination – {c.scheme}: instalments due {when} "
            f"({', '.join(c.instalments)}); not a contribution, not a debtor"
        )
    return f"Cancelled on termination – {c.scheme}: the part for the days {when}"


def _use(s: SchemeClose, p: PartnerId) -> UnderspendUse:
    def get(d: UnderspendDisposition) -> int:
        return s.disposed(d, p)

    values = {
        "refunded": get(UnderspendDisposition.REFUND),
        "carried_forward": get(UnderspendDisposition.CARRY_FORWARD),
        "redeployed": get(UnderspendDisposition.REDEPLOY),
        "contingency": get(UnderspendDisposition.CONTINGENCY),
    }
    return UnderspendUse(**values, total=sum(values.values()))


def _unused_disposition(close: YearEndClose, pc: PartnerClose) -> RiskPoolUnused | None:
    """What happened to the partner's unused risk pool, read from what the host holds.

    ``RiskPoolUse.unused_disposition`` states the agreement's rule, which a
    terminating close overrides (everything is refunded); ``PartnerClose.held`` is
    what actually stays with the host.
    """
    if close.risk_pool is None:
        return None
    if pc.unused_risk_pool == 0:
        return close.risk_pool.unused_disposition
    kept = pc.held - pc.carried_forward - pc.redeployed - pc.contingency
    return RiskPoolUnused.CARRY_FORWARD if kept == pc.unused_risk_pool else RiskPoolUnused.REFUND


@overload
def partner_statements(close: YearEndClose, /) -> dict[PartnerId, PartnerStatement]: ...


@overload
def partner_statements(
    agreement: Agreement, close: YearEndClose, /
) -> dict[PartnerId, PartnerStatement]: ...


def partner_statements(*args: Agreement | YearEndClose) -> dict[PartnerId, PartnerStatement]:
    """One statement per partner of ``close``, in agreement order, host included.

    ``partner_statements(close)`` reads the agreement from the close; the older
    ``partner_statements(agreement, close)`` (deprecated) still works
    (:func:`~pooledledger.reports.common.agreement_and_close`).
    """
    agreement, close, rest = agreement_and_close(args, "partner_statements")
    if rest:
        raise TypeError("partner_statements() takes a close and nothing else")
    return _partner_statements(agreement, close)


def _partner_statements(
    agreement: Agreement, close: YearEndClose
) -> dict[PartnerId, PartnerStatement]:
    out: dict[PartnerId, PartnerStatement] = {}
    for pc in close.partners:
        if pc.partner not in close.journals:
            raise ReportError(f"the close has no journal for partner {pc.partner!r}")
        out[pc.partner] = _statement(agreement, close, pc)
    return out


def _lines(close: YearEndClose, p: PartnerId) -> tuple[StatementLine, ...]:
    """Section 2 and 3's rows: the partner's share of each scheme."""
    return tuple(
        StatementLine(
            scheme=s.scheme,
            name=s.name,
            contribution=s.contributions.get(p, 0),
            risk_pool=s.risk_pool.get(p, 0),
            offset=s.offset.get(p, 0),
            deficit=s.deficit.get(p, 0),
            underspend=s.underspend.get(p, 0),
            disposition=_use(s, p),
            gross_share=s.gross_share.get(p, 0),
            income_share=s.income_share.get(p, 0),
            net_share=s.net_share.get(p, 0),
        )
        for s in close.schemes
    )


def _total(lines: tuple[StatementLine, ...]) -> StatementLine:
    """The Total row: each column summed over the schemes."""
    uses = [x.disposition for x in lines]
    disp = {
        f: sum(getattr(u, f) for u in uses)
        for f in ("refunded", "carried_forward", "redeployed", "contingency", "total")
    }
    return StatementLine(
        scheme="TOTAL",
        name="Total",
        contribution=sum(x.contribution for x in lines),
        risk_pool=sum(x.risk_pool for x in lines),
        offset=sum(x.offset for x in lines),
        deficit=sum(x.deficit for x in lines),
        underspend=sum(x.underspend for x in lines),
        disposition=UnderspendUse(**disp),
        gross_share=sum(x.gross_share for x in lines),
        income_share=sum(x.income_share for x in lines),
        net_share=sum(x.net_share for x in lines),
    )


def _statement(agreement: Agreement, close: YearEndClose, pc: PartnerClose) -> PartnerStatement:
    """One partner's statement from its part of the close."""
    p, host = pc.partner, agreement.host_partner
    lines = _lines(close, p)
    return PartnerStatement(
        agreement=agreement.id,
        agreement_name=agreement.name,
        year=close.year,
        partner=p,
        partner_name=agreement.partner(p).name,
        host=host.id,
        host_name=host.name,
        is_host=pc.is_host,
        contributions=pc.contributions,
        risk_pool_paid=pc.risk_pool_contribution,
        risk_pool_used=pc.risk_pool_used,
        risk_pool_unused=pc.unused_risk_pool,
        risk_pool_unused_disposition=_unused_disposition(close, pc),
        additional_paid=pc.additional_paid,
        lines=lines,
        total=_total(lines),
        balance=pc.balance,
        held=pc.held,
        settlement=pc.settlement,
        settlement_due=pc.settlement_due,
        journal=close.journals[p],
        terminated_on=close.terminated_on,
        cancelled=tuple(c for c in close.cancelled if c.partner == p),
        opening_balance=pc.opening_balance,
        paid_directly=pc.paid_directly,
        vat_recharge=pc.vat_recharge,
        unpaid_contributions=pc.unpaid_contributions,
        unpaid_earlier_years=pc.unpaid_earlier_years,
        paid_after_year_end=pc.paid_after_year_end,
        amount_due=pc.amount_due,
        balance_with_host=pc.balance_with_host,
        host_position=close.host_position if pc.is_host else None,
    )
