"""Words every report shares (layer L4): the legal basis, dates, the period, who pays.

One place for the phrases the Markdown, HTML and workbook outputs all print, so a
change of wording is made once (docs/reports.md#how-a-report-is-built).  Reports read
results and never write entries; this module is pure.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from pooledledger.core.money import format_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import LegalBasis

__all__ = [
    "LEGAL_BASIS",
    "long_date",
    "period_text",
    "period_title",
    "settlement_text",
    "short_date",
]

#: The statute each legal basis names, as the reports print it.
LEGAL_BASIS = {
    LegalBasis.S75_NHSA2006: "Section 75, National Health Service Act 2006",
    LegalBasis.S31_HA1999: "Section 31, Health Act 1999",
    LegalBasis.S10_CA2004: "Section 10, Children Act 2004",
    LegalBasis.S65Z5_NHSA2006: "Section 65Z5, National Health Service Act 2006",
}


def long_date(d: date | None) -> str:
    """``31 March 2008``; a dash for no date."""
    return "–" if d is None else f"{d.day} {d:%B} {d.year}"


def short_date(d: date | None) -> str:
    """``31/03/2008``, as the workbook writes a date in text; a dash for no date."""
    return "–" if d is None else f"{d:%d/%m/%Y}"


def period_text(year: FinancialYear, terminated_on: date | None = None) -> str:
    """The period a report covers, within a sentence: ``year ended 31 March 2008``, or
    the part year of a terminated agreement (docs/year-end.md#termination-and-withdrawal)."""
    if terminated_on is not None:
        return f"period {long_date(year.start)} to {long_date(terminated_on)} (terminated)"
    return f"year ended {long_date(year.last_day)}"


def period_title(year: FinancialYear, terminated_on: date | None = None) -> str:
    """The period as a heading: ``Year ended 31 March 2008``."""
    text = period_text(year, terminated_on)
    return text[0].upper() + text[1:]


def settlement_text(
    partner: str,
    is_host: bool,
    settlement: int,
    due: date | None,
    when: Callable[[date | None], str] = long_date,
) -> str:
    """Who pays whom by when; ``when`` writes the date (:func:`long_date` by default)."""
    if is_host:
        return f"{partner} (host): no cash settlement; its money never leaves it."
    if settlement > 0:
        return f"Host pays {partner} £{format_pence(settlement)} by {when(due)}."
    if settlement < 0:
        return f"{partner} pays the host £{format_pence(-settlement)} by {when(due)}."
    return f"{partner}: nothing to pay."
