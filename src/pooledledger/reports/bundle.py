"""Every year-end report of one close, built once and shared by every renderer.

:func:`year_end_reports` closes a year (or takes a close already made) and builds
the reports of docs/reports.md from it: the memorandum account, one statement per
partner, the "Pooled budgets" note for the host and the agreement-of-balances
export at month 12.  The Markdown, JSON, HTML and Excel outputs all render this one
:class:`YearEndReports`, so they can never disagree with one another.

Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import overload

from pooledledger.books.ledger import Ledger
from pooledledger.books.riskshare import BoardRuling
from pooledledger.core._model import FrozenModel
from pooledledger.core.frozen import FrozenDict
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.reports.balances import AgreementOfBalances, agreement_of_balances
from pooledledger.reports.common import ReportError
from pooledledger.reports.memorandum import MemorandumAccount, memorandum_account
from pooledledger.reports.note import NotePolicy, PooledBudgetNote, pooled_budget_note
from pooledledger.reports.statements import PartnerStatement, partner_statements
from pooledledger.reports.summary import issues_markdown
from pooledledger.yearend.close import CloseError, YearEndClose, close_year

__all__ = ["YearEndReports", "year_end_reports"]


class YearEndReports(FrozenModel):
    """One year's close and every report made from it."""

    agreement: Agreement
    close: YearEndClose
    memorandum: MemorandumAccount
    statements: FrozenDict[PartnerId, PartnerStatement]
    note: PooledBudgetNote
    balances: AgreementOfBalances

    @property
    def year(self) -> FinancialYear:
        return self.close.year

    def to_markdown(self) -> str:
        """The memorandum account, the note, the balances, every statement and, if
        there are any, the issues (warnings) of the ledger checks and the close."""
        parts = [self.memorandum.to_markdown(), self.note.to_markdown()]
        parts.append(self.balances.to_markdown(with_issues=False))
        parts += [s.to_markdown() for s in self.statements.values()]
        if self.close.issues:
            parts.append(
                "\n".join(issues_markdown(self.close.issues, "# Issues found by the checks"))
            )
        return "\n\n".join(p.rstrip("\n") for p in parts) + "\n"


@overload
def year_end_reports(
    ledger: Ledger,
    year: FinancialYear,
    /,
    *,
    close: YearEndClose | None = None,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
    note_policy: NotePolicy = NotePolicy.ROUNDING_LINE,
    terminate_on: date | None = None,
) -> YearEndReports: ...


@overload
def year_end_reports(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    /,
    *,
    close: YearEndClose | None = None,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
    note_policy: NotePolicy = NotePolicy.ROUNDING_LINE,
    terminate_on: date | None = None,
) -> YearEndReports: ...


def year_end_reports(
    *args: Agreement | Ledger | FinancialYear,
    close: YearEndClose | None = None,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
    note_policy: NotePolicy = NotePolicy.ROUNDING_LINE,
    terminate_on: date | None = None,
) -> YearEndReports:
    """Close ``year`` of ``ledger`` (unless ``close`` is given) and build every year-end report.

    ``year_end_reports(ledger, year)`` works under ``ledger.agreement``, like
    :func:`~pooledledger.yearend.close.close_year`; the older
    ``year_end_reports(agreement, ledger, year)`` (deprecated) still works and
    refuses a ledger built for another agreement.  A ``close`` given must be this ledger's close,
    under its agreement (docs/reports.md).

    ``terminate_on`` closes the year as the agreement's last (see
    :func:`~pooledledger.yearend.close.close_year`); the reports then cover the part year to
    that date, "period 1 April 2025 to 1 October 2025 (terminated)".
    """
    if len(args) not in (2, 3) or not isinstance(args[-2], Ledger):
        raise TypeError("year_end_reports() takes a ledger and a year")
    ledger, year = args[-2], args[-1]
    if not isinstance(year, FinancialYear):
        raise TypeError("year_end_reports() takes a ledger and a year")
    if len(args) == 3 and ledger.agreement != args[0]:  # as the older calls raised
        error = CloseError if close is None else ReportError
        raise error("the ledger was built for a different agreement")
    if close is None:
        close = close_year(ledger, year, rulings=rulings, terminate_on=terminate_on)
    return YearEndReports(
        agreement=close.agreement_terms,
        close=close,
        memorandum=memorandum_account(ledger, close),
        statements=partner_statements(close),
        note=pooled_budget_note(close, policy=note_policy),
        balances=agreement_of_balances(close.agreement_terms, ledger, year, 12, close),
    )
