"""The quarterly monitoring report: actuals to date, forecast outturn, projected shares.

See docs/reports.md#the-quarterly-monitoring-report.

:func:`quarterly_report` reports, for quarter ``q`` of a year:

* **year-to-date actuals** per scheme from the ledger: pool lines dated from 1 April
  up to the end of the quarter (exclusive), gross expenditure (pool cost), income
  and net;
* **forecast net outturn** per scheme: the figure given in ``forecast`` (pence), or
  else a straight-line extrapolation of the year-to-date net by elapsed months,
  ``multiply(ytd_net, Fraction(12, 3 × q), Rounding.HALF_UP)``, rounded once to
  whole pence, half up (integer arithmetic only; at Q4 it is the actual);
* **projected variance** per scheme: forecast net outturn less the approved annual
  contributions (positive: a projected overspend);
* **the projected rule outcome**: the agreement's year-end close run on a
  *projected ledger*, which is a copy of the ledger without the pool lines dated
  after the quarter end (and without a year-closed marker for the year), plus one
  synthetic expenditure per scheme, dated 31 March, for the forecast remainder
  (forecast net − year-to-date net; negative when the forecast is below the
  actuals).  The remainder is treated as net expenditure, so a projected scheme
  shows its income to date only; net figures, variances, risk-pool use, deficit
  and underspend shares and balances are exact.  Nothing is posted: the projected
  ledger is thrown away;
* **the date by which partners must be told** of a projected overspend, when any
  scheme projects one: ``ENGLAND_AND_WALES.add_working_days(projection_date or the
  quarter's last day, agreement.notify_within_working_days)`` (one published agreement
  says 5 working days).

``projection_date`` is when the projection was made.  It must lie in
:func:`projection_window`: no earlier than the quarter's first day (an overspend
is flagged as soon as it is known, so a projection may be made during the
quarter, but one made before the quarter began belongs to an earlier quarter)
and no later than the last day of the next quarter, by when the next report is
due (for quarter 4, 30 June after the year: the year-end report is made in the
spring).  A date outside it raises :class:`ReportError`.

Projected underspends should go to non-recurrent spending only, as risk-sharing
clauses say; the report says so when any scheme projects one
(docs/reports.md#projected-underspends).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from fractions import Fraction

from pooledledger.books.ledger import Ledger, Totals, entry_date
from pooledledger.books.ledger_held import make_held
from pooledledger.books.line_sums import (
    LineSums,
    line_sums,
    lines_between,
    reversals_of,
    seed_line_sums,
    sum_run,
)
from pooledledger.books.lines import line_sort_key, make_pool_lines
from pooledledger.books.pool_columns import held_columns
from pooledledger.books.projection import ledger_without, reversal_closed
from pooledledger.core._model import FrozenModel
from pooledledger.core.errors import Issue
from pooledledger.core.frozen import FrozenDict
from pooledledger.core.money import Rounding, multiply, to_money
from pooledledger.core.periods import ENGLAND_AND_WALES, DateRange, FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Expenditure, Income, Reversal
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.reports.memorandum import ReportError
from pooledledger.yearend.checks import require_no_errors
from pooledledger.yearend.close import YearEndClose, _close_year

__all__ = [
    "FORECAST_ROUNDING",
    "QuarterPartner",
    "QuarterScheme",
    "QuarterlyReport",
    "projection_window",
    "quarterly_report",
]

#: The one rounding used by the straight-line forecast.
FORECAST_ROUNDING = Rounding.HALF_UP


class QuarterScheme(FrozenModel):
    """One scheme: annual funding, actuals to date, forecast and projected shares."""

    scheme: SchemeId
    name: str
    annual_funding: int
    ytd_expenditure: int
    ytd_income: int
    ytd_net: int
    forecast_net: int
    forecast_method: str  # "given" or "straight-line"
    projected_variance: int
    projected_risk_pool: FrozenDict[PartnerId, int]
    projected_deficit: FrozenDict[PartnerId, int]
    projected_underspend: FrozenDict[PartnerId, int]
    rule: str


class QuarterPartner(FrozenModel):
    """One partner's projected year end (from the projected close)."""

    partner: PartnerId
    contributions: int
    risk_pool_contribution: int
    risk_pool_used: int
    deficit: int
    underspend: int
    net_share: int
    balance: int
    settlement: int


class QuarterlyReport(FrozenModel):
    """The quarterly report for quarter ``quarter`` of ``year``, in pence."""

    agreement: str
    agreement_name: str
    year: FinancialYear
    quarter: int
    period_start: date
    period_last_day: date
    months_elapsed: int
    forecast_rounding: Rounding
    schemes: tuple[QuarterScheme, ...]
    partners: tuple[QuarterPartner, ...]
    projected_overspend: bool
    projected_underspend: bool
    projection_date: date
    notify_within_working_days: int
    notify_by: date | None
    notes: tuple[str, ...]
    issues: tuple[Issue, ...]

    def scheme(self, scheme_id: str) -> QuarterScheme:
        for s in self.schemes:
            if s.scheme == scheme_id:
                return s
        raise KeyError(scheme_id)

    def partner(self, partner_id: str) -> QuarterPartner:
        for p in self.partners:
            if p.partner == partner_id:
                return p
        raise KeyError(partner_id)

    def to_markdown(self) -> str:
        """The report as Markdown, from its one layout
        (:func:`~pooledledger.reports.quarterly_layout.quarterly_document`)."""
        from pooledledger.reports.document import render_markdown
        from pooledledger.reports.quarterly_layout import quarterly_document

        return render_markdown(quarterly_document(self))


def _unique_id(taken: Callable[[str], bool], wanted: str) -> str:
    n, candidate = 1, wanted
    while taken(candidate):
        n += 1
        candidate = f"{wanted}-{n}"
    return candidate


def projection_window(year: FinancialYear, quarter: int) -> tuple[date, date]:
    """The first and last days (inclusive) a quarter's projection may be dated.

    From the quarter's first day to the last day of the next quarter (for quarter
    4, the first quarter of the next year), see the module docs.

    >>> projection_window(FinancialYear(2025), 2)
    (datetime.date(2025, 7, 1), datetime.date(2025, 12, 31))
    >>> projection_window(FinancialYear(2025), 4)
    (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    """
    if isinstance(quarter, bool) or quarter not in (1, 2, 3, 4):
        raise ReportError(f"quarter must be 1, 2, 3 or 4, not {quarter!r}")
    following = year.quarter(quarter + 1) if quarter < 4 else year.next().quarter(1)
    return year.quarter(quarter).start, following.last_day


def _checked_forecast(
    agreement: Agreement, forecast: Mapping[SchemeId, int] | None
) -> dict[SchemeId, int]:
    """The forecasts given, each for a scheme of the agreement in int pence (else
    :class:`ReportError`)."""
    given = dict(forecast or {})
    unknown = sorted(set(given) - set(agreement.scheme_ids))
    if unknown:
        raise ReportError(f"the forecast names unknown schemes {unknown}")
    for k, v in given.items():
        if isinstance(v, bool) or not isinstance(v, int):
            raise ReportError(f"forecast for {k} must be int pence, not {v!r}")
    return given


def _checked_projection_date(
    year: FinancialYear, quarter: int, projection_date: date | None
) -> date:
    """When the projection is made: within :func:`projection_window`, else :class:`ReportError`."""
    when = projection_date or year.quarter(quarter).last_day
    first, last = projection_window(year, quarter)
    if not first <= when <= last:
        raise ReportError(
            f"the projection date {when} is outside {first} to {last}: a quarter {quarter} "
            "projection is made from the quarter's first day until the next quarter ends"
        )
    return when


def _outturns(
    agreement: Agreement,
    ytd_net: Mapping[SchemeId, int],
    months: int,
    given: Mapping[SchemeId, int],
) -> tuple[dict[SchemeId, int], dict[SchemeId, str]]:
    """Each scheme's forecast net outturn and how it was had: given, or a straight line."""
    outturn: dict[SchemeId, int] = {}
    method: dict[SchemeId, str] = {}
    for k in agreement.scheme_ids:
        if k in given:
            outturn[k], method[k] = given[k], "given"
        else:
            outturn[k] = multiply(ytd_net[k], Fraction(12, months), FORECAST_ROUNDING)
            method[k] = "straight-line"
    return outturn, method


def _actuals_to(ledger: Ledger, year: FinancialYear, upto: date) -> set[str]:
    """The ids of the ledger's pool lines dated in ``year`` from ``upto`` on (and of their
    reversals) and of the year-closed markers for ``year``: what a projection leaves out.

    The entries are in canonical order, so by date (docs/ledger.md): the lines from
    ``upto`` to the year end are one slice of them, found by bisection; of a large
    ledger's pool lines in columns, one slice of their ids, with the reversals of
    year-closed markers (no pool line) in those dates."""
    start = max(upto, year.start)
    columns = held_columns(ledger)
    if columns is not None:
        lo, hi = columns.between(start, year.end)
        dropped = set(columns.ids_between(lo, hi))
        reversal = reversals_of(ledger)
        for marker in ledger.year_closed():
            undone = reversal.get(marker.id)
            if undone is not None and start <= entry_date(ledger.get(undone)) < year.end:
                dropped.add(undone)
    else:
        entries = ledger.entries
        lo = bisect_left(entries, start, key=entry_date)
        hi = bisect_left(entries, year.end, lo=lo, key=entry_date)
        lines = (Expenditure, Income, Reversal)
        dropped = {e.id for e in entries[lo:hi] if isinstance(e, lines)}
    dropped.update(e.id for e in ledger.year_closed(year))
    return reversal_closed(ledger, dropped)


def _projected_ledger(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    quarter: int,
    ytd_net: Mapping[SchemeId, int],
    outturn: Mapping[SchemeId, int],
    method: Mapping[SchemeId, str],
) -> Ledger:
    """The actuals to the quarter end plus one forecast remainder per scheme, not posted.

    Made from the ledger without collecting, sorting or checking its entries again
    (:func:`~pooledledger.books.projection.ledger_without`), with the sums of its
    year's lines made from the ledger's (:func:`_projected_sums`)."""
    cut = year.quarter(quarter).end
    removed = _actuals_to(ledger, year, cut)

    def taken(entry_id: str) -> bool:
        return entry_id in ledger and entry_id not in removed

    synthetic = [
        Expenditure(
            id=_unique_id(taken, f"FORECAST-{year}-Q{quarter}-{k}"),
            scheme=k,
            date=year.last_day,
            net=to_money(outturn[k] - ytd_net[k]),
            description=f"forecast remainder ({method[k]}), not posted",
        )
        for k in agreement.scheme_ids
        if outturn[k] != ytd_net[k]
    ]
    # the forecast lines are the library's own (no category, dated at year end): the
    # gate was passed by the ledger above, so the projection is not checked again
    projection = ledger_without(ledger, removed, synthetic)
    sums = _projected_sums(ledger, projection, year, cut, synthetic)
    seed_line_sums(projection, year.as_range(), sums)
    return projection


def _projected_sums(
    ledger: Ledger,
    projection: Ledger,
    year: FinancialYear,
    cut: date,
    forecast: Sequence[Expenditure],
) -> LineSums:
    """The sums of the projection's lines of ``year``: the ledger's lines up to the cut
    (before the year's last day), then the last day's lines, the ledger's kept and the
    forecast lines, in canonical order (docs/ledger.md)."""
    last = year.last_day
    head = line_sums(ledger, DateRange(year.start, min(cut, last)))
    new = make_pool_lines(forecast, ledger.agreement.host, projection.vat_shares)
    tail = sorted([*lines_between(ledger, last, cut), *new], key=line_sort_key)
    make_held(ledger, (line.reverses or line.entry_id for line in tail))  # sum_run's look-ups
    return head.merged(sum_run(tail, ledger.agreement, projection.get_or_none))


def _quarter_schemes(
    projected: YearEndClose,
    contributed: Mapping[SchemeId, Mapping[PartnerId, int]],
    ytd: Mapping[SchemeId, Totals],
    outturn: Mapping[SchemeId, int],
    method: Mapping[SchemeId, str],
) -> tuple[QuarterScheme, ...]:
    schemes: list[QuarterScheme] = []
    for s in projected.schemes:
        k = s.scheme
        funding = sum(contributed.get(k, {}).values())
        schemes.append(
            QuarterScheme(
                scheme=k,
                name=s.name,
                annual_funding=funding,
                ytd_expenditure=ytd[k].expenditure,
                ytd_income=ytd[k].income,
                ytd_net=ytd[k].net,
                forecast_net=outturn[k],
                forecast_method=method[k],
                projected_variance=outturn[k] - funding,
                projected_risk_pool=s.risk_pool,
                projected_deficit=s.deficit,
                projected_underspend=s.underspend,
                rule=s.rule,
            )
        )
    return tuple(schemes)


def _quarter_partners(projected: YearEndClose) -> tuple[QuarterPartner, ...]:
    return tuple(
        QuarterPartner(
            partner=pc.partner,
            contributions=pc.contributions,
            risk_pool_contribution=pc.risk_pool_contribution,
            risk_pool_used=pc.risk_pool_used,
            deficit=pc.deficit,
            underspend=pc.underspend,
            net_share=pc.net_share,
            balance=pc.balance,
            settlement=pc.settlement,
        )
        for pc in projected.partners
    )


#: The note shown when any scheme projects an underspend; what it means is told in
#: docs/reports.md#projected-underspends.
UNDERSPEND_NOTE = "Projected underspends should be committed to non-recurrent spending only."


def quarterly_report(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    quarter: int,
    forecast: Mapping[SchemeId, int] | None = None,
    projection_date: date | None = None,
) -> QuarterlyReport:
    """The quarterly monitoring report for ``quarter`` (1-4) of ``year`` (see module docs).

    ``forecast`` maps schemes to their forecast *net* outturn in pence; schemes it
    leaves out are forecast on a straight line.
    """
    if ledger.agreement != agreement:
        raise ReportError("the ledger was built for a different agreement")
    if isinstance(quarter, bool) or quarter not in (1, 2, 3, 4):
        raise ReportError(f"quarter must be 1, 2, 3 or 4, not {quarter!r}")
    carried = require_no_errors(ledger)
    given = _checked_forecast(agreement, forecast)
    when = _checked_projection_date(year, quarter, projection_date)
    period = year.quarter(quarter)
    months = 3 * quarter
    ytd = line_sums(ledger, DateRange(year.start, min(period.end, year.end))).totals(
        agreement.scheme_ids
    )
    ytd_net = {k: v.net for k, v in ytd.items()}
    outturn, method = _outturns(agreement, ytd_net, months, given)
    projection = _projected_ledger(agreement, ledger, year, quarter, ytd_net, outturn, method)
    projected = _close_year(agreement, projection, year, carried=carried)
    contributed = ledger.approved_contributions(year, include_additional=False)
    schemes = _quarter_schemes(projected, contributed, ytd, outturn, method)
    over = any(s.projected_variance > 0 for s in schemes)
    under = any(s.projected_variance < 0 for s in schemes)
    days = agreement.notify_within_working_days
    return QuarterlyReport(
        agreement=agreement.id,
        agreement_name=agreement.name,
        year=year,
        quarter=quarter,
        period_start=year.start,
        period_last_day=period.last_day,
        months_elapsed=months,
        forecast_rounding=FORECAST_ROUNDING,
        schemes=schemes,
        partners=_quarter_partners(projected),
        projected_overspend=over,
        projected_underspend=under,
        projection_date=when,
        notify_within_working_days=days,
        notify_by=ENGLAND_AND_WALES.add_working_days(when, days) if over else None,
        notes=(UNDERSPEND_NOTE,) if under else (),
        # a projection is not the year end: instalments not yet paid are not overdue
        issues=tuple(i for i in projected.issues if i.code != "PL-CLS-004"),
    )
