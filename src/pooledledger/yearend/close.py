"""Year-end close: variances, risk pool, risk shares, dispositions, balances, journals.

:func:`close_year` settles a financial year by the agreement's rules as a pipeline of
named steps (each a pure function in :mod:`pooledledger.yearend.steps`, listed in
docs/year-end.md#where-each-step-lives), in the order of
docs/year-end.md#the-order-of-the-rules.  First the period (the year, or on termination
the part year, with the contributions due after it cancelled), then:

1. the variance of each scheme, ``V_k = N_k - Σ_i C_ik`` (net expenditure less the
   approved annual contributions, without ``ADDITIONAL`` ones; positive is an
   overspend), its rule inputs, and what the judgements charge to a partner first
   (docs/year-end.md#judgements): ``steps.variance.scheme_variances``;
2. offsetting, RS8: ``steps.offsetting.offset_underspends``;
3. the risk pool, RS7: ``steps.risk_pool.apply_risk_pool``;
4. the scheme's rule on the residual: ``steps.risk_share.share_residuals``;
5. the underspend dispositions: ``steps.underspend.dispose_underspends``;
6. the unused risk pool, with what is brought forward: ``steps.underspend.carried_forward``;
7. shares of net, income and gross: ``steps.shares.share_schemes``;
8. balances and the settlement: ``steps.settlement.settle_partners``;

and last the year-end journals and the entries to append
(``steps.journals.year_end_journals``, ``steps.journals.close_entries``).

Closing a year whose marker is already in the ledger adds nothing (I-12); to reopen
a year, reverse its marker.

``terminate_on=D`` closes the year as the agreement's last, on the part year to ``D``
inclusive, with the contributions due after ``D`` cancelled
(:mod:`pooledledger.books.termination`, docs/year-end.md#termination-and-withdrawal).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import TYPE_CHECKING, Any, overload

from pydantic import Field, ValidationInfo, model_validator

from pooledledger.books.apportion import apportion
from pooledledger.books.journals import Journal
from pooledledger.books.ledger import Ledger
from pooledledger.books.riskshare import BoardRuling
from pooledledger.books.termination import CancelledContribution, period_to
from pooledledger.core._model import FrozenModel
from pooledledger.core.errors import Issue
from pooledledger.core.frozen import FrozenDict
from pooledledger.core.gc_pause import gc_paused
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.yearend.checks import require_no_errors
from pooledledger.yearend.close_results import (
    CloseError,
    IncomeBasis,
    PartnerClose,
    RiskPoolUse,
    SchemeClose,
)
from pooledledger.yearend.steps.journals import close_entries, is_closed, year_end_journals
from pooledledger.yearend.steps.offsetting import offset_underspends
from pooledledger.yearend.steps.period import close_context, close_period
from pooledledger.yearend.steps.risk_pool import apply_risk_pool
from pooledledger.yearend.steps.risk_share import share_residuals
from pooledledger.yearend.steps.settlement import settle_partners
from pooledledger.yearend.steps.shares import share_schemes
from pooledledger.yearend.steps.underspend import carried_forward, dispose_underspends
from pooledledger.yearend.steps.variance import (
    no_lines_issues,
    scheme_funding,
    scheme_variances,
)

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = [
    "CloseError",
    "IncomeBasis",
    "PartnerClose",
    "RiskPoolUse",
    "SchemeClose",
    "YearEndClose",
    "close_year",
]


class YearEndClose(FrozenModel):
    """The result of :func:`close_year`: everything a host and its partners post.

    ``agreement`` is the agreement's id, as in the close's JSON; ``agreement_terms``
    is the :class:`~pooledledger.model.agreement.Agreement` itself, the ledger's,
    under which the year was closed, so a report needs only the close
    (docs/year-end.md#what-the-result-holds).  ``agreement_terms`` is left out of
    the JSON (the agreement is stored and exported on its own): to read a close
    back, give it as the validation context,
    ``YearEndClose.model_validate_json(text, context={"agreement": agreement})``.
    Its mappings are read-only (:class:`~pooledledger.core.frozen.FrozenDict`).
    """

    agreement: str
    agreement_terms: Agreement = Field(exclude=True, repr=False)
    year: FinancialYear
    already_closed: bool
    schemes: tuple[SchemeClose, ...]
    risk_pool: RiskPoolUse | None
    partners: tuple[PartnerClose, ...]
    journals: FrozenDict[PartnerId, Journal]
    entries: tuple[Entry, ...]
    issues: tuple[Issue, ...]
    terminated_on: date | None = None
    cancelled: tuple[CancelledContribution, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _terms_from_context(cls, data: Any, info: ValidationInfo) -> Any:
        """A close read from JSON takes its agreement from the context."""
        context = info.context
        if isinstance(data, dict) and "agreement_terms" not in data and context:
            terms = context.get("agreement")
            if terms is not None:
                return {**data, "agreement_terms": terms}
        return data

    @model_validator(mode="after")
    def _same_agreement(self) -> YearEndClose:
        if self.agreement_terms.id != self.agreement:
            raise ValueError(
                f"the close is for agreement {self.agreement!r}, not {self.agreement_terms.id!r}"
            )
        return self

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


@overload
def close_year(
    ledger: Ledger,
    year: FinancialYear,
    /,
    *,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
    settle_within_working_days: int = 20,
    terminating: bool = False,
    terminate_on: date | None = None,
) -> YearEndClose: ...


@overload
def close_year(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    /,
    *,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
    settle_within_working_days: int = 20,
    terminating: bool = False,
    terminate_on: date | None = None,
) -> YearEndClose: ...


def close_year(
    first: Ledger | Agreement,
    second: FinancialYear | Ledger,
    third: FinancialYear | None = None,
    /,
    *,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
    settle_within_working_days: int = 20,
    terminating: bool = False,
    terminate_on: date | None = None,
) -> YearEndClose:
    """Close ``year`` of ``ledger`` by its agreement's rules (see the module docs for the steps).

    ``close_year(ledger, year)`` closes under ``ledger.agreement``; the older form
    ``close_year(agreement, ledger, year)`` (deprecated) still works and raises
    :class:`CloseError` when the ledger was built for a different agreement.

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
    if isinstance(first, Ledger):  # close_year(ledger, year)
        if third is not None or isinstance(second, Ledger):
            raise TypeError("close_year(ledger, year, ...) takes the agreement from the ledger")
        agreement, ledger, year = first.agreement, first, second
    else:  # close_year(agreement, ledger, year), deprecated
        if third is None or not isinstance(second, Ledger):
            raise TypeError("close_year(agreement, ledger, year, ...) needs a ledger and a year")
        agreement, ledger, year = first, second, third
        if ledger.agreement != agreement:
            raise CloseError("the ledger was built for a different agreement")
    with gc_paused():  # no cycles among the lines and sums it makes (docs/benchmarks.md)
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
    checked one (a quarterly projection); ``carried`` starts the close's issues.

    The steps, in the order of docs/year-end.md#the-order-of-the-rules.
    """
    period = close_period(
        agreement, ledger, year, terminating=terminating, terminate_on=terminate_on
    )
    ctx = close_context(agreement, year, rulings, period.terminating)
    ledger, within, cancelled = period.ledger, period.within, period.cancelled
    funding = scheme_funding(ledger, year, ctx.order, cancelled)
    no_lines = no_lines_issues(ledger, year, within)
    in_year = apportion(ledger, year, upto=within.end)
    variances = scheme_variances(agreement, ledger, within, funding)
    offsetting = offset_underspends(ctx, variances)
    pool = apply_risk_pool(ctx, ledger, funding, offsetting.after)
    ruled = share_residuals(ctx, variances, pool.after)
    disposals = dispose_underspends(ctx, variances, ruled)
    carry = carried_forward(ctx, disposals, pool)
    schemes = share_schemes(ctx, variances, offsetting, pool, ruled, disposals)
    closes = tuple(s.close for s in schemes)
    settled = settle_partners(
        ctx, ledger, within, closes, funding, pool, cancelled, settle_within_working_days
    )
    journals, presented = year_end_journals(
        ledger, year, closes, settled.partners, in_year.schemes, within
    )
    already = is_closed(ledger, year)
    entries = (
        ()
        if already
        else close_entries(year, settled.partners, carry, settled.due, within, ctx.terminating)
    )
    issues = (*carried, *period.issues, *no_lines, *offsetting.issues)  # in the steps' order
    issues += (*(i for s in schemes for i in s.issues), *settled.issues, *presented)
    return YearEndClose(
        agreement=agreement.id,
        agreement_terms=agreement,
        year=year,
        already_closed=already,
        schemes=closes,
        risk_pool=pool.use,
        partners=settled.partners,
        journals=journals,
        entries=entries,
        issues=issues,
        terminated_on=period.terminate_on,
        cancelled=cancelled,
    )
