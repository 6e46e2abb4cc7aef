"""The fast close and quarterly projections equal the straightforward ones (issue #10).

* The line sums (src/pooledledger/books/line_sums.py), made month by month and added
  up, give every figure the per-line loops gave, in the same order
  (tests/line_sums_oracle.py), for the periods a close, its quarters and the
  balances read.
* A ledger made by ``ledger_without`` is the ledger ``Ledger._derived`` builds.
* Every quarterly report made the fast way (the projection from the ledger's own
  ordered, checked entries and its month sums) equals the report made from a fresh
  ledger of the entries kept and the forecast lines, built and closed from scratch.
* A close is the same whether the ledger's sums were made before (by the quarters)
  or not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import line_sums_oracle as oracle
import pooledledger.yearend.checks as checks_module
from close_strategies import CloseCase, close_cases, two_year_cases
from pooledledger.books.journals import line_flows
from pooledledger.books.ledger import Ledger
from pooledledger.books.line_sums import (
    LineSums,
    line_sums,
    lines_between,
    reversals_of,
    sum_run,
)
from pooledledger.books.projection import ledger_without, reversal_closed
from pooledledger.core.errors import has_errors
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.entries import Expenditure, Income, Reversal
from pooledledger.model.partners import SchemeId
from pooledledger.reports import quarterly as quarterly_module
from pooledledger.reports.bundle import year_end_reports
from pooledledger.reports.memorandum_sections import frame, pool_figures
from pooledledger.reports.quarterly import QuarterlyReport, quarterly_report
from pooledledger.yearend.checks import check_ledger
from pooledledger.yearend.close import close_year
from pooledledger.yearend.steps.variance import _rule_inputs
from strategies import YEAR

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ledger(case: CloseCase) -> Ledger | None:
    ledger = Ledger(case.agreement, case.entries)
    return None if has_errors(check_ledger(ledger)) else ledger


def _ordered(sums: LineSums) -> list[object]:
    """Every field of the sums, mappings as lists of items (so their order counts)."""
    return [
        list(v.items()) if isinstance(v, dict) else v
        for v in (getattr(sums, f.name) for f in fields(sums))
    ]


def _items(nested: Mapping[str, Mapping[Any, int]]) -> list[object]:
    return [(k, list(v.items())) for k, v in nested.items()]


def _same_as_the_loops(ledger: Ledger, within: DateRange) -> None:
    """Each figure read from the sums equals the per-line loop's, mapping order too."""
    sums = line_sums(ledger, within)
    ids = ledger.agreement.scheme_ids
    walked = sum_run(lines_between(ledger, within.start, within.end), ledger.agreement, ledger.get)
    assert _ordered(sums) == _ordered(walked)  # runs added up == one walk
    assert sums.totals(ids) == ledger.totals_by_scheme(within)
    assert sums.count == sum(within.contains(x.date) for x in ledger.pool_lines)
    got_rules = _rule_inputs(ledger.agreement, sums)
    want_rules = oracle.rule_inputs(ledger, within)
    assert [_items(got_rules[0]), got_rules[1], _items(got_rules[2])] == [
        _items(want_rules[0]),
        want_rules[1],
        _items(want_rules[2]),
    ]
    assert [_items(x) for x in line_flows(ledger, within)] == [
        _items(x) for x in oracle.line_flows(ledger, within)
    ]
    fig = pool_figures(ledger, frame(ledger.agreement), within)
    income_by, by_commissioner, by_category, vat, capital = oracle.pool_figures(ledger, within)
    assert list(fig.income_by.items()) == list(income_by.items())
    assert _items(fig.by_commissioner) == _items(by_commissioner)
    assert _items(fig.by_category) == _items(by_category)
    assert list(fig.vat.items()) == list(vat.items())
    assert fig.capital == capital


@SETTINGS
@given(case=close_cases(max_schemes=6))
def test_line_sums_give_what_the_per_line_loops_gave(case: CloseCase) -> None:
    ledger = Ledger(case.agreement, case.entries)
    for within in oracle.ranges(YEAR, date(2025, 10, 17)):
        _same_as_the_loops(ledger, within)
    fresh = Ledger(case.agreement, case.entries)  # the other way round: parts after the whole
    for within in reversed(oracle.ranges(YEAR, date(2025, 10, 17))):
        _same_as_the_loops(fresh, within)


def _same_ledger(got: Ledger, want: Ledger, year: FinancialYear) -> None:
    assert got.entries == want.entries
    assert got._by_id == want._by_id
    assert got._entry_issues == want._entry_issues
    assert got.contributions() == want.contributions()
    assert got.instalments() == want.instalments()
    assert got.year_closed(year) == want.year_closed(year)
    assert got.pool_lines == want.pool_lines
    assert got.approved_contributions(year) == want.approved_contributions(year)


@SETTINGS
@given(case=two_year_cases(), data=st.data())
def test_ledger_without_is_the_ledger_derived_builds(case: CloseCase, data: st.DataObject) -> None:
    ledger = _ledger(case)
    if ledger is None:
        return
    close = close_year(ledger, YEAR)
    ledger = ledger.post(*close.entries)  # a year-closed marker to leave out
    ledger.pool_lines  # noqa: B018  (made, so the derived ledger reuses them)
    cut = data.draw(st.sampled_from([YEAR.quarter(q).end for q in (1, 2, 3, 4)]))
    lines = Expenditure | Income | Reversal
    dropped = {
        e.id for e in ledger.entries if isinstance(e, lines) and cut <= e.date < YEAR.end
    } | {e.id for e in ledger.year_closed(YEAR)}
    removed = dropped | {  # scanned for, as the projection did
        e.id for e in ledger.entries if isinstance(e, Reversal) and e.reverses in dropped
    }
    assert reversal_closed(ledger, dropped) == removed
    added = [
        Expenditure(id=f"NEW-{k}", scheme=k, date=YEAR.last_day, net="12.34")
        for k in case.agreement.scheme_ids[:3]
    ]
    kept = [e for e in ledger.entries if e.id not in removed]
    want = Ledger._derived(case.agreement, (*kept, *added), ledger, gate=False)
    got = ledger_without(ledger, removed, added)
    assert len(got._by_id) == len(want._by_id) == len(want.entries)
    assert sorted(got._by_id) == sorted(e.id for e in want.entries)
    assert not any(i in got for i in removed)
    assert all(got.get_or_none(i) is None for i in removed)
    assert all(got.get(e.id) is e for e in want.entries)
    _same_ledger(got, want, YEAR)


Forecast = dict[SchemeId, int]


def _slow_report(
    ledger: Ledger, year: FinancialYear, quarter: int, forecast: Forecast
) -> QuarterlyReport:
    """The report from a fresh copy of the ledger and a projection built from scratch."""
    fresh = Ledger(ledger.agreement, ledger.entries)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(quarterly_module, "_projected_ledger", oracle.slow_projected_ledger)
        return quarterly_report(fresh.agreement, fresh, year, quarter, forecast)


def _projections_equal(ledger: Ledger, year: FinancialYear, q: int, forecast: Forecast) -> None:
    """The projected ledger, and the sums of its year, made fast and from scratch."""
    ag = ledger.agreement
    ytd = line_sums(ledger, DateRange(year.start, year.quarter(q).end)).totals(ag.scheme_ids)
    ytd_net = {k: v.net for k, v in ytd.items()}
    outturn, method = quarterly_module._outturns(ag, ytd_net, 3 * q, forecast)
    args = (ag, ledger, year, q, ytd_net, outturn, method)
    fast = quarterly_module._projected_ledger(*args)
    slow = oracle.slow_projected_ledger(*args)
    _same_ledger(fast, slow, year)
    assert _ordered(line_sums(fast, year.as_range())) == _ordered(line_sums(slow, year.as_range()))


def _quarters_equal(ledger: Ledger, year: FinancialYear, forecast: Forecast) -> None:
    for q in (1, 2, 3, 4):
        _projections_equal(ledger, year, q, forecast)
        fast = quarterly_report(ledger.agreement, ledger, year, q, forecast)
        slow = _slow_report(ledger, year, q, forecast)
        assert fast == slow
        assert fast.model_dump_json() == slow.model_dump_json()


def _forecasts(case: CloseCase) -> st.SearchStrategy[Forecast]:
    """Forecast net outturns for some schemes (the others on a straight line)."""
    return st.dictionaries(
        st.sampled_from(case.agreement.scheme_ids), st.integers(-(10**8), 10**10), max_size=3
    )


@SETTINGS
@given(case=close_cases(max_schemes=8), closed=st.booleans(), data=st.data())
def test_quarterly_reports_equal_the_straightforward_projection(
    case: CloseCase, closed: bool, data: st.DataObject
) -> None:
    if data.draw(st.booleans(), label="categorised"):  # so category order shows
        entries = [
            e.model_copy(update={"category": "c"}) if isinstance(e, Expenditure) else e
            for e in case.entries
        ]
        case = CloseCase(case.agreement, tuple(entries), case.rulings, case.terminating)
    ledger = _ledger(case)
    if ledger is None:
        return
    if data.draw(st.booleans(), label="last day"):  # the forecast lines fall among these
        k = data.draw(st.sampled_from(case.agreement.scheme_ids))
        ledger = ledger.post(
            Expenditure(id="FORECAST-2025-26-Q4-" + k, scheme=k, date=YEAR.last_day, net="1.00"),
            Expenditure(id="A-LAST", scheme=k, date=YEAR.last_day, net="2.00", category="a"),
            Expenditure(id="Z-LAST", scheme=k, date=YEAR.last_day, net="3.00", category="z"),
        )
    if closed:  # the year's marker, left out of every projection
        ledger = ledger.post(*close_year(ledger, YEAR).entries)
    _quarters_equal(ledger, YEAR, data.draw(_forecasts(case)))


@SETTINGS
@given(case=two_year_cases(), data=st.data())
def test_quarterly_reports_over_two_years_equal_the_straightforward_projection(
    case: CloseCase, data: st.DataObject
) -> None:
    ledger = _ledger(case)
    if ledger is None:
        return
    late = [  # reversed in the next year: the reversals go with the lines
        e
        for e in ledger.entries
        if isinstance(e, Expenditure)
        and YEAR.quarter(3).start <= e.date < YEAR.end
        and e.id not in reversals_of(ledger)
    ][:1]
    ledger = ledger.post(
        *(
            Reversal(id=f"LATE-{e.id}", reverses=e.id, date=YEAR.next().start, reason="late")
            for e in late
        )
    )
    forecast = data.draw(_forecasts(case))
    _quarters_equal(ledger, YEAR, forecast)
    closed = ledger.post(*close_year(ledger, YEAR).entries)
    _quarters_equal(closed, YEAR, forecast)  # the marker left out
    _quarters_equal(closed, YEAR.next(), forecast)


@SETTINGS
@given(case=close_cases(max_schemes=8))
def test_a_close_is_the_same_whatever_was_summed_before(case: CloseCase) -> None:
    warm = _ledger(case)
    if warm is None:
        return
    for q in (1, 2, 3, 4):  # the quarters make and keep the month sums first
        quarterly_report(warm.agreement, warm, YEAR, q)
    cold = Ledger(case.agreement, case.entries)
    terminate_on = YEAR.start + timedelta(days=200) if case.terminating else None
    got = close_year(warm, YEAR, rulings=case.rulings, terminate_on=terminate_on)
    want = close_year(cold, YEAR, rulings=case.rulings, terminate_on=terminate_on)
    assert got == want
    assert got.model_dump_json() == want.model_dump_json()
    again = Ledger(case.agreement, case.entries)
    assert year_end_reports(warm, YEAR) == year_end_reports(again, YEAR)


@SETTINGS
@given(case=two_year_cases())
def test_the_schemes_by_date_are_the_pool_lines(case: CloseCase) -> None:
    """The weights check's schemes on each date (PL-LED-010): read from the entries in
    one walk before the pool lines are made, the same as from the lines."""
    ledger = Ledger(case.agreement, case.entries)
    walked = checks_module._schemes_by_date(ledger)
    want: dict[date, set[str]] = {}
    for line in ledger.pool_lines:
        want.setdefault(line.date, set()).add(line.scheme)
    assert walked == want
    assert checks_module._schemes_by_date(ledger) == want  # from the lines, now made
