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
clauses say; the report says so when any scheme projects one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from fractions import Fraction

from pooledledger.books.ledger import Ledger
from pooledledger.core._model import FrozenModel
from pooledledger.core.errors import Issue
from pooledledger.core.frozen import FrozenDict
from pooledledger.core.money import Rounding, format_pence, multiply, to_money
from pooledledger.core.periods import ENGLAND_AND_WALES, FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry, Expenditure, Income, Reversal, YearClosed
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.reports.memorandum import ReportError, _cell, _md_text
from pooledledger.reports.summary import _table, issues_markdown
from pooledledger.yearend.checks import require_no_errors
from pooledledger.yearend.close import _close_year

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
        out = [
            f"# Quarterly report — {_md_text(self.agreement_name)} — {self.year} Q{self.quarter}",
            "",
            f"Actuals from {self.period_start} to {self.period_last_day} "
            f"({self.months_elapsed} months). Amounts in £; negatives in brackets; "
            "variance: overspend positive.",
            "",
            "## Actuals to date and forecast outturn",
            "",
        ]
        rows = [
            [
                s.scheme,
                _cell(s.annual_funding),
                _cell(s.ytd_expenditure),
                _cell(s.ytd_income),
                _cell(s.ytd_net),
                _cell(s.forecast_net),
                s.forecast_method,
                _cell(s.projected_variance),
            ]
            for s in self.schemes
        ]
        rows.append(
            [
                "**Total**",
                *[
                    _cell(sum(getattr(s, f) for s in self.schemes))
                    for f in (
                        "annual_funding",
                        "ytd_expenditure",
                        "ytd_income",
                        "ytd_net",
                        "forecast_net",
                    )
                ],
                "",
                _cell(sum(s.projected_variance for s in self.schemes)),
            ]
        )
        out += _table(
            [
                "scheme",
                "annual funding",
                "YTD gross",
                "YTD income",
                "YTD net",
                "forecast net outturn",
                "method",
                "projected variance",
            ],
            rows,
        )
        partners = [p.partner for p in self.partners]
        out += ["", "## Projected allocation under the rules (partner × scheme)", ""]
        rows = []
        for s in self.schemes:
            for label, values in (
                ("risk pool", s.projected_risk_pool),
                ("deficit share", s.projected_deficit),
                ("underspend share", s.projected_underspend),
            ):
                if any(values.values()):
                    rows.append([s.scheme, label, *[_cell(values.get(p, 0)) for p in partners]])
        out += _table(["scheme", "", *partners], rows, right_from=2)
        out += ["", "## Projected year end by partner", ""]
        rows = [
            [
                p.partner,
                _cell(p.contributions + p.risk_pool_contribution),
                _cell(p.risk_pool_used),
                _cell(p.deficit),
                _cell(p.underspend),
                _cell(p.net_share),
                _cell(p.balance),
                _cell(p.settlement),
            ]
            for p in self.partners
        ]
        out += _table(
            [
                "partner",
                "paid in",
                "risk pool used",
                "deficit share",
                "underspend share",
                "net share",
                "balance",
                "settlement",
            ],
            rows,
        )
        out += ["", "## Action plan", ""]
        if self.notify_by is not None:
            over = ", ".join(
                f"{s.scheme} {format_pence(s.projected_variance)}"
                for s in self.schemes
                if s.projected_variance > 0
            )
            out.append(
                f"- Projected overspend ({over}): tell the partners by **{self.notify_by}** "
                f"({self.notify_within_working_days} working days after {self.projection_date}), "
                "with reasons and corrective actions."
            )
        else:
            out.append("- No scheme projects an overspend.")
        out += [f"- {n}" for n in self.notes]
        if self.issues:
            out += ["", *issues_markdown(self.issues)]
        return "\n".join(out) + "\n"


def _unique_id(ledger: Ledger, wanted: str) -> str:
    n, candidate = 1, wanted
    while candidate in ledger:
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
    given = dict(forecast or {})
    unknown = sorted(set(given) - set(agreement.scheme_ids))
    if unknown:
        raise ReportError(f"the forecast names unknown schemes {unknown}")
    for k, v in given.items():
        if isinstance(v, bool) or not isinstance(v, int):
            raise ReportError(f"forecast for {k} must be int pence, not {v!r}")
    period = year.quarter(quarter)
    upto = period.end
    months = 3 * quarter
    when = projection_date or period.last_day
    first, last = projection_window(year, quarter)
    if not first <= when <= last:
        raise ReportError(
            f"the projection date {when} is outside {first} to {last}: a quarter {quarter} "
            "projection is made from the quarter's first day until the next quarter ends"
        )

    contributed = ledger.approved_contributions(year, include_additional=False)
    ytd = {k: ledger.year_to_date(year, upto, scheme=k) for k in agreement.scheme_ids}
    outturn: dict[SchemeId, int] = {}
    method: dict[SchemeId, str] = {}
    for k in agreement.scheme_ids:
        if k in given:
            outturn[k], method[k] = given[k], "given"
        else:
            outturn[k] = multiply(ytd[k].net, Fraction(12, months), FORECAST_ROUNDING)
            method[k] = "straight-line"

    # the projected ledger: actuals to the quarter end plus the forecast remainder
    def later(e: Entry) -> bool:
        if isinstance(e, YearClosed):
            return e.year == year
        if isinstance(e, Expenditure | Income | Reversal):
            return year.contains(e.date) and e.date >= upto
        return False

    dropped = {e.id for e in ledger.entries if later(e)}
    kept = Ledger._derived(
        agreement,
        [
            e
            for e in ledger.entries
            if e.id not in dropped and not (isinstance(e, Reversal) and e.reverses in dropped)
        ],
        ledger,
    )
    synthetic = [
        Expenditure(
            id=_unique_id(kept, f"FORECAST-{year}-Q{quarter}-{k}"),
            scheme=k,
            date=year.last_day,
            net=to_money(outturn[k] - ytd[k].net),
            description=f"forecast remainder ({method[k]}), not posted",
        )
        for k in agreement.scheme_ids
        if outturn[k] != ytd[k].net
    ]
    # the forecast lines are the library's own (no category, dated at year end): the
    # gate was passed by the ledger above, so the projection is not checked again
    projection = Ledger._derived(agreement, (*kept.entries, *synthetic), kept, gate=False)
    projected = _close_year(agreement, projection, year, carried=carried)

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
    partners = tuple(
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
    over = any(s.projected_variance > 0 for s in schemes)
    under = any(s.projected_variance < 0 for s in schemes)
    notes: list[str] = []
    if under:
        notes.append(
            "Projected underspends should be committed to non-recurrent spending only (§9.3)."
        )
    return QuarterlyReport(
        agreement=agreement.id,
        agreement_name=agreement.name,
        year=year,
        quarter=quarter,
        period_start=year.start,
        period_last_day=period.last_day,
        months_elapsed=months,
        forecast_rounding=FORECAST_ROUNDING,
        schemes=tuple(schemes),
        partners=partners,
        projected_overspend=over,
        projected_underspend=under,
        projection_date=when,
        notify_within_working_days=agreement.notify_within_working_days,
        notify_by=(
            ENGLAND_AND_WALES.add_working_days(when, agreement.notify_within_working_days)
            if over
            else None
        ),
        notes=tuple(notes),
        # a projection is not the year end: instalments not yet paid are not overdue
        issues=tuple(i for i in projected.issues if i.code != "PL-CLS-004"),
    )
