"""The period a close covers and its terms (docs/year-end.md#termination-and-withdrawal).

:func:`close_period` is the year, or on termination the part year to the termination
date with the ledger cut there and the contributions due after it cancelled;
:func:`close_context` holds what every later step of the close reads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from pooledledger.books.ledger import Ledger
from pooledledger.books.riskshare import BoardRuling
from pooledledger.books.termination import (
    CancelledContribution,
    cancelled_contributions,
    period_to,
    termination_date_issues,
    up_to,
)
from pooledledger.core.errors import Issue
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.yearend.close_results import CloseError

__all__ = ["CloseContext", "Period", "close_context", "close_period"]


@dataclass(frozen=True)
class Period:
    """The period closed: ``ledger`` cut at the termination date, if any."""

    ledger: Ledger
    within: DateRange
    terminate_on: date | None
    cancelled: tuple[CancelledContribution, ...]
    issues: tuple[Issue, ...]

    @property
    def terminating(self) -> bool:
        return self.terminate_on is not None


@dataclass(frozen=True)
class CloseContext:
    """The terms of a close: the agreement, the year, the board's rulings, termination."""

    agreement: Agreement
    year: FinancialYear
    rulings: Mapping[SchemeId, BoardRuling]
    terminating: bool

    @property
    def order(self) -> tuple[PartnerId, ...]:
        return self.agreement.partner_order

    @property
    def host(self) -> PartnerId:
        return self.agreement.host

    def zero(self) -> dict[PartnerId, int]:
        """Nil for every partner, in agreement order."""
        return dict.fromkeys(self.order, 0)

    def full(self, values: Mapping[PartnerId, int]) -> dict[PartnerId, int]:
        """``values`` for every partner, in agreement order (nil where missing)."""
        return {p: values.get(p, 0) for p in self.order}


def close_period(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    *,
    terminating: bool,
    terminate_on: date | None,
) -> Period:
    """The year, or the part year to ``terminate_on`` (inclusive) when terminating.

    ``terminating`` without a date is termination on the year's last day, or the
    term's if it ends earlier in the year.  A ``terminate_on`` outside the year or
    the term raises :class:`CloseError` (PL-TRM-001).
    """
    if terminate_on is not None:
        bad = termination_date_issues(agreement, year, terminate_on)
        if bad:
            raise CloseError("; ".join(f"{i.code}: {i.message}" for i in bad))
    elif terminating:  # the year's last day, or the term's if it ends earlier in the year
        ends = agreement.term_end
        terminate_on = ends if year.start <= ends < year.last_day else year.last_day
    if terminate_on is None:
        return Period(ledger, year.as_range(), None, (), ())
    cut_ledger, cut = up_to(ledger, terminate_on)
    cancelled, more = cancelled_contributions(agreement, cut_ledger, year, terminate_on)
    within = period_to(year, terminate_on)
    return Period(cut_ledger, within, terminate_on, cancelled, (*cut, *more))


def close_context(
    agreement: Agreement,
    year: FinancialYear,
    rulings: Mapping[SchemeId, BoardRuling] | None,
    terminating: bool,
) -> CloseContext:
    """The terms of the close; a ruling for an unknown scheme raises :class:`CloseError`."""
    known = dict(rulings or {})
    unknown = set(known) - set(agreement.scheme_ids)
    if unknown:
        raise CloseError(f"rulings name unknown schemes {sorted(unknown)}")
    return CloseContext(agreement, year, known, terminating)
