"""Grouped totals and derived ledgers give what the line-by-line scans gave.

The ledger sums its pool lines per scheme, month or quarter in one walk, and a
ledger derived from another (a quarterly projection, a post) takes over the pool
lines of the entries it shares with it.  These properties hold both to the scans
and to a ledger built afresh from the same entries.
"""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from pooledledger.books.ledger import Ledger, PoolLine, Totals
from pooledledger.core.money import to_money
from pooledledger.core.periods import DateRange
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Reversal,
)
from pooledledger.model.partners import SchemeId
from strategies import YEAR, agreements, entry_streams, random_pool


def scan(lines: tuple[PoolLine, ...], scheme: SchemeId | None, within: DateRange | None) -> Totals:
    """The totals as ``Ledger.totals`` worked them out before: one scan per call."""
    exp = inc = vat = 0
    for line in lines:
        if scheme is not None and line.scheme != scheme:
            continue
        if within is not None and not within.contains(line.date):
            continue
        if line.kind.value == "expenditure":
            exp += line.amount
            vat += line.vat_recovered
        else:
            inc += line.amount
    return Totals(exp, inc, vat)


@st.composite
def pools(draw: st.DrawFn) -> tuple[Agreement, list[Entry]]:
    agreement = draw(agreements(max_partners=4, max_schemes=4))
    return agreement, draw(entry_streams(agreement, max_size=60))


@st.composite
def ranges(draw: st.DrawFn) -> DateRange | None:
    if draw(st.booleans()):
        return None
    start = YEAR.start + timedelta(days=draw(st.integers(-40, 400)))
    return DateRange(start, start + timedelta(days=draw(st.integers(0, 400))))


def _check_totals(ledger: Ledger, within: DateRange | None) -> None:
    lines = ledger.pool_lines
    schemes: list[SchemeId | None] = [None, *ledger.agreement.scheme_ids, "NO-SUCH-SCHEME"]
    assert ledger.totals_by_scheme(within) == {
        k: scan(lines, k, within) for k in ledger.agreement.scheme_ids
    }
    assert list(ledger.totals_by_scheme(within)) == list(ledger.agreement.scheme_ids)
    for k in schemes:
        assert ledger.totals(scheme=k, within=within) == scan(lines, k, within)
        months = ledger.totals_by_month(YEAR, scheme=k)
        assert months == {n: scan(lines, k, YEAR.month(n).as_range()) for n in range(1, 13)}
        quarters = ledger.totals_by_quarter(YEAR, scheme=k)
        assert quarters == {n: scan(lines, k, YEAR.quarter(n).as_range()) for n in range(1, 5)}
        for upto in (YEAR.start, YEAR.quarter(2).end, YEAR.end + timedelta(days=9)):
            ytd = DateRange(YEAR.start, min(upto, YEAR.end))
            assert ledger.year_to_date(YEAR, upto, scheme=k) == scan(lines, k, ytd)


@settings(max_examples=80, deadline=None)
@given(pool=pools(), within=ranges())
def test_grouped_totals_equal_the_scans(
    pool: tuple[Agreement, list[Entry]], within: DateRange | None
) -> None:
    agreement, entries = pool
    _check_totals(Ledger(agreement, entries), within)


def test_grouped_totals_equal_the_scans_on_a_seeded_pool() -> None:
    agreement, entries = random_pool(2025, 3000, n_partners=5, n_schemes=6)
    ledger = Ledger(agreement, entries)
    for within in (None, YEAR.as_range(), YEAR.quarter(3).as_range()):
        _check_totals(ledger, within)


def _fresh(ledger: Ledger) -> Ledger:
    return Ledger._derived(ledger.agreement, ledger.entries, gate=False)


def _same_as_fresh(derived: Ledger) -> None:
    again = _fresh(derived)
    assert derived.entries == again.entries
    assert [e.id for e in derived.entries] == [e.id for e in again.entries]
    assert derived.pool_lines == again.pool_lines
    assert derived.entry_issues == again.entry_issues
    assert derived.contributions() == again.contributions()
    assert derived.instalments() == again.instalments()


def _forecast(agreement: Agreement, n: int, when: date) -> list[Entry]:
    return [
        Expenditure(
            id=f"FORECAST-{i}",
            scheme=agreement.scheme_ids[i % len(agreement.scheme_ids)],
            date=when,
            net=to_money(1000 + 7 * i),
            description="forecast",
        )
        for i in range(n)
    ]


@settings(max_examples=60, deadline=None)
@given(
    pool=pools(),
    cut=st.integers(0, 365),
    added=st.sampled_from([0, 1, 3, 100]),
    lines_first=st.booleans(),
    with_contribution=st.booleans(),
)
def test_a_derived_ledger_is_the_ledger_built_afresh(
    pool: tuple[Agreement, list[Entry]],
    cut: int,
    added: int,
    lines_first: bool,
    with_contribution: bool,
) -> None:
    """Dropping lines from a date on (with their reversals) and adding forecast lines,
    with the base's pool lines made first or not, and a contribution added (so other
    VAT weights) or not: the same entries, order, lines and issues as built afresh."""
    agreement, entries = pool
    base = Ledger(agreement, entries)
    if lines_first:
        assert base.pool_lines is not None
    upto = YEAR.start + timedelta(days=cut)
    dropped = {e.id for e in base.entries if isinstance(e, Expenditure | Income) and e.date >= upto}
    kept = [
        e
        for e in base.entries
        if e.id not in dropped and not (isinstance(e, Reversal) and e.reverses in dropped)
    ]
    extra = _forecast(agreement, added, YEAR.last_day)
    if with_contribution:
        extra.append(
            Contribution(
                id="MORE",
                scheme=agreement.scheme_ids[0],
                partner=agreement.partner_order[0],
                year=YEAR,
                kind=ContributionKind.VARIATION,
                amount=to_money(123_456),
                effective_date=YEAR.start,
                approval_ref="TEST-1",
            )
        )
    derived = Ledger._derived(agreement, (*kept, *extra), base, gate=False)
    _same_as_fresh(derived)
    _check_totals(derived, YEAR.as_range())


def test_a_post_takes_over_the_lines_it_can() -> None:
    agreement, entries = random_pool(7, 800, n_partners=4, n_schemes=3)
    base = Ledger(agreement, entries)
    lines = {line.entry_id: line for line in base.pool_lines}
    posted = base.post(*_forecast(agreement, 5, YEAR.last_day))
    _same_as_fresh(posted)
    shared = [line for line in posted.pool_lines if line.entry_id in lines]
    assert shared
    assert all(
        line is lines[line.entry_id]
        for line in shared
        if not line.reverses and line.kind.value == "expenditure"
    )
