"""The pool lines in columns and the sums made from them (issue #10).

* :func:`make_pool_columns` holds the lines :func:`make_pool_lines` makes, field for
  field, and for each line the fields of the entry behind it.
* :func:`column_sums` of any period gives the :class:`LineSums` the per-line walk
  (:func:`sum_run`) gives: every figure, every mapping in the same order, the same
  capital lines.
* A large ledger (from :data:`COLUMNS_FROM` entries) is summed from the columns; with
  the threshold at nothing, every close, report and quarter equals the one summed
  line by line.
* Sums that could leave ``Int64`` are made line by line.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

import line_sums_oracle as oracle
import pooledledger.books.line_sums as line_sums_module
import pooledledger.books.pool_columns as pool_columns_module
from close_strategies import CloseCase, close_cases, two_year_cases
from pooledledger.books.apportion import apportion
from pooledledger.books.entry_order import sort_key
from pooledledger.books.ledger import Ledger
from pooledledger.books.ledger_columns import ledger_fields
from pooledledger.books.line_sums import LineSums, line_sums, lines_between, sum_run
from pooledledger.books.lines import line_sort_key, make_pool_lines
from pooledledger.books.pool_columns import (
    INCOME,
    OTHER,
    SPENDING,
    LinesAt,
    PoolColumns,
    column_sums,
    held_columns,
    make_pool_columns,
    pool_columns,
)
from pooledledger.core.errors import has_errors
from pooledledger.core.periods import DateRange
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.excel_out import line_sheets_plan
from pooledledger.model.entries import Entry, EntryKind, Expenditure, Income, Reversal
from pooledledger.reports.bundle import year_end_reports
from pooledledger.reports.quarterly import quarterly_report
from pooledledger.yearend.checks import check_ledger
from pooledledger.yearend.close import close_year
from pooledledger.yearend.whatif import SpendingChange, what_if
from strategies import YEAR

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _ordered(sums: LineSums) -> list[object]:
    """Every field of the sums, mappings as lists of items (so their order counts)."""
    return [
        list(v.items()) if isinstance(v, dict) else v
        for v in (getattr(sums, f.name) for f in fields(sums))
    ]


@st.composite
def _varied(draw: st.DrawFn, case: CloseCase) -> tuple[Entry, ...]:
    """The case's entries with categories and income sources drawn in (empty among
    them), so every key of the sums shows its order."""
    out: list[Entry] = []
    for e in case.entries:
        if isinstance(e, Expenditure) and draw(st.booleans()):
            e = e.model_copy(update={"category": draw(st.sampled_from(["", "b", "a", "care"]))})
        elif isinstance(e, Income) and draw(st.booleans()):
            e = e.model_copy(update={"source": draw(st.sampled_from(["", "fees", "grant"]))})
        out.append(e)
    return tuple(out)


def _ledger(case: CloseCase, data: st.DataObject) -> Ledger:
    return Ledger(case.agreement, data.draw(_varied(case), label="entries"))


def _same_lines(columns: PoolColumns, ledger: Ledger) -> None:
    lines = ledger.pool_lines
    assert len(columns) == len(lines)
    for i, line in enumerate(lines):
        assert columns.line(i) == line
        behind = ledger.get(line.reverses or line.entry_id)
        want = SPENDING if isinstance(behind, Expenditure) else OTHER
        want = INCOME if isinstance(behind, Income) else want
        assert columns.source[i] == want
        if isinstance(behind, Expenditure):
            assert columns.procurer[i] == behind.procuring_partner
            assert columns.category[i] == behind.category
            assert columns.unauthorised[i] == behind.unauthorised
            assert columns.capital[i] == behind.capital
        if isinstance(behind, Income):
            assert columns.income_source[i] == behind.source
        assert columns.irrecoverable[i] == sum(v - r for _, v, r in line.vat_by_body)


@SETTINGS
@given(case=close_cases(max_schemes=6), data=st.data())
def test_the_columns_hold_the_pool_lines(case: CloseCase, data: st.DataObject) -> None:
    ledger = _ledger(case, data)
    columns = make_pool_columns(ledger.entries, ledger.agreement.host, ledger.vat_shares)
    _same_lines(columns, ledger)
    assert columns.fits


@SETTINGS
@given(case=close_cases(max_schemes=6), data=st.data())
def test_a_line_gives_its_entry_s_place_in_the_canonical_order(
    case: CloseCase, data: st.DataObject
) -> None:
    ledger = _ledger(case, data)
    for line in ledger.pool_lines:
        assert line_sort_key(line) == sort_key(ledger.get(line.entry_id))


def _periods(case: CloseCase) -> list[DateRange]:
    out = oracle.ranges(YEAR, date(2025, 10, 17))
    out += [DateRange(YEAR.month(m).start, YEAR.month(m).end) for m in (1, 7, 12)]
    out += [DateRange(date(2024, 1, 1), date(2028, 1, 1)), DateRange(YEAR.end, YEAR.end)]
    return out


@SETTINGS
@given(case=close_cases(max_schemes=6), data=st.data())
def test_column_sums_are_the_sums_line_by_line(case: CloseCase, data: st.DataObject) -> None:
    ledger = _ledger(case, data)
    columns = pool_columns(ledger)
    for within in _periods(case):
        lo, hi = columns.between(within.start, within.end)
        got = column_sums(columns, lo, hi, ledger.agreement, ledger.get_or_none)
        walked = sum_run(
            lines_between(ledger, within.start, within.end), ledger.agreement, ledger.get
        )
        assert _ordered(got) == _ordered(walked)


@SETTINGS
@given(case=two_year_cases(), data=st.data())
def test_column_sums_over_two_years(case: CloseCase, data: st.DataObject) -> None:
    ledger = _ledger(case, data)
    columns = pool_columns(ledger)
    for within in (YEAR.as_range(), YEAR.next().as_range(), DateRange(YEAR.start, YEAR.next().end)):
        lo, hi = columns.between(within.start, within.end)
        got = column_sums(columns, lo, hi, ledger.agreement, ledger.get_or_none)
        walked = sum_run(
            lines_between(ledger, within.start, within.end), ledger.agreement, ledger.get
        )
        assert _ordered(got) == _ordered(walked)


@contextmanager
def _columns_from(n: int) -> Iterator[None]:
    """Sum from columns from ``n`` entries (the module's threshold, for a while)."""
    kept = pool_columns_module.COLUMNS_FROM
    pool_columns_module.COLUMNS_FROM = n
    try:
        yield
    finally:
        pool_columns_module.COLUMNS_FROM = kept


@SETTINGS
@given(case=close_cases(max_schemes=6), data=st.data())
def test_a_close_summed_from_columns_is_the_same(case: CloseCase, data: st.DataObject) -> None:
    entries = data.draw(_varied(case), label="entries")
    walked = Ledger(case.agreement, entries)
    if has_errors(check_ledger(walked)):
        return
    with _columns_from(0):
        summed = Ledger(case.agreement, entries)
        terminate_on = YEAR.start + timedelta(days=200) if case.terminating else None
        got = close_year(summed, YEAR, rulings=case.rulings, terminate_on=terminate_on)
        reports = year_end_reports(summed, YEAR)
        quarters = [quarterly_report(summed.agreement, summed, YEAR, q) for q in (1, 2, 3, 4)]
        assert "pool_columns" in summed._memo
        shares = apportion(summed, YEAR)
        got_lines, got_columns = shares.lines, apportion(summed, YEAR).line_columns()
        got_fields = ledger_fields(summed)
        plan = line_sheets_plan(reports, summed)
    want = close_year(walked, YEAR, rulings=case.rulings, terminate_on=terminate_on)
    assert got_lines == apportion(walked, YEAR).lines
    assert got_columns == apportion(walked, YEAR).line_columns()
    assert got_fields == ledger_fields(walked)
    assert plan == line_sheets_plan(reports, walked)
    assert got.model_dump_json() == want.model_dump_json()
    assert reports == year_end_reports(Ledger(case.agreement, entries), YEAR)
    fresh = Ledger(case.agreement, entries)
    assert quarters == [quarterly_report(fresh.agreement, fresh, YEAR, q) for q in (1, 2, 3, 4)]
    assert "pool_columns" not in fresh._memo  # below the threshold: line by line


def test_sums_that_could_wrap_are_made_line_by_line() -> None:
    columns = PoolColumns(ids=["A", "B"], largest=2**61)
    assert not columns.fits
    assert PoolColumns(ids=["A"], largest=2**61).fits
    assert PoolColumns(largest=2**62 - 1).fits  # no lines: nothing to sum


@pytest.mark.parametrize("vat", [False, True], ids=["pool cost", "VAT not recovered"])
def test_a_ledger_whose_sums_could_wrap_is_summed_line_by_line(vat: bool) -> None:
    """5,000 lines of the largest amount a file may hold (10**15 - 1 pence): as pool
    cost, or as VAT no partner recovers on a purchase whose pool cost is nil (its
    procurer's VAT lost, summed in ``own_vat``)."""
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    k = agreement.scheme_ids[0]
    big = "9999999999999.99"
    nhs = next(p.id for p in agreement.partners if p.vat_regime.value != "LA_S33")
    shape = {"net": "-" + big, "vat": big, "procuring_partner": nhs} if vat else {"net": big}
    entries = [
        Expenditure(id=f"X{i}", scheme=k, date=YEAR.start + timedelta(days=i % 300), **shape)
        for i in range(5000)
    ]
    ledger = Ledger(agreement, entries)

    def refuse(*args: object) -> LineSums:
        raise AssertionError("summed in Int64")

    with patch.object(line_sums_module, "column_sums", refuse), _columns_from(0):
        got = line_sums(ledger, YEAR.as_range())
    assert not pool_columns(ledger).fits
    walked = sum_run(ledger.pool_lines, agreement, ledger.get)
    assert _ordered(got) == _ordered(walked)
    if vat:
        assert got.own_vat[(k, nhs)] == 5000 * (10**15 - 1)  # past Int64
    else:
        assert got.amounts[(k, EntryKind.EXPENDITURE)] == 5000 * (10**15 - 1)


def test_an_empty_period_sums_to_nothing() -> None:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    got = column_sums(PoolColumns(), 0, 0, agreement, lambda _: None)
    assert _ordered(got) == _ordered(LineSums())


def test_a_reversed_reversal_adds_to_the_amounts_only() -> None:
    """A ledger refuses a reversal of a reversal, but the columns, like the lines, take
    one as the negated reversal line, whose entry behind is a reversal: the sums count
    its amount and nothing else."""
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    k, host = agreement.scheme_ids[0], agreement.host
    others = [p for p in agreement.partner_order if p != host]
    entries: list[Entry] = [
        Expenditure(
            id="X1", scheme=k, date=YEAR.start, net="10.00", vat="2.00", capital=True,
            procuring_partner=others[0], paid_by=others[0], unauthorised=True, category="c",
        ),
        Income(id="I1", scheme=k, date=YEAR.start, amount="3.00", source="fees"),
        Reversal(id="R1", reverses="X1", date=YEAR.start, reason="r"),
        Reversal(id="R2", reverses="R1", date=YEAR.start, reason="r"),
        Reversal(id="R3", reverses="I1", date=YEAR.start, reason="r"),
    ]  # fmt: skip
    ledger = Ledger(agreement, entries[:3])  # for the VAT split
    by_id = {e.id: e for e in entries}
    columns = make_pool_columns(entries, host, ledger.vat_shares)
    lines = make_pool_lines(entries, host, ledger.vat_shares)
    assert [columns.line(i) for i in range(len(columns))] == list(lines)
    assert columns.source == [SPENDING, INCOME, SPENDING, OTHER, INCOME]
    got = column_sums(columns, 0, len(columns), agreement, by_id.get)
    assert _ordered(got) == _ordered(sum_run(lines, agreement, by_id.get))
    assert got.amounts[(k, EntryKind.EXPENDITURE)] == lines[0].amount  # X1 - X1 + X1
    assert got.unauthorised[k] == 0  # X1 - X1: the reversed reversal adds nothing here
    assert len(got.capital) == 2


def test_the_ledger_table_of_a_reversed_purchase_with_vat_recovered() -> None:
    """The ledger table reads an expenditure's recoverable VAT, and a reversed one's
    from its reversal's line, from the pool columns as it did from the lines."""
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    k, host = agreement.scheme_ids[0], agreement.host
    entries: list[Entry] = [
        Expenditure(id="X1", scheme=k, date=YEAR.start, net="10.00", vat="2.00"),
        Expenditure(id="X2", scheme=k, date=YEAR.start, net="5.00", vat="1.00",
                    vat_recoverable="0.40"),
        Reversal(id="R1", reverses="X2", date=YEAR.start + timedelta(days=3), reason="r"),
        Reversal(id="R2", reverses="X1", date=YEAR.start + timedelta(days=3), reason="r"),
    ]  # fmt: skip
    walked = ledger_fields(Ledger(agreement, entries))
    with _columns_from(0):
        summed = Ledger(agreement, entries)
        assert held_columns(summed) is not None
        got = ledger_fields(summed)
    assert got == walked
    recoverable = dict(zip(got["entry_id"], got["recoverable_vat_pence"], strict=True))
    assert (recoverable["X2"], recoverable["R1"]) == (40, -40)
    assert agreement.partner(host).vat_regime.value == "LA_S33"
    assert (recoverable["X1"], recoverable["R2"]) == (200, -200)


def test_entries_made_without_validation_are_summed_as_line_by_line() -> None:
    """Entries built with ``model_construct``/``model_copy`` skip their checks: a
    procurer given as empty text (the host, as ``or`` reads it) and recoverable VAT
    on no VAT still give the per-line walk's sums."""
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    k = agreement.scheme_ids[0]
    plain = Expenditure(id="X1", scheme=k, date=YEAR.start, net="10.00", vat="2.00")
    entries: list[Entry] = [
        plain.model_copy(update={"procuring_partner": ""}),
        plain.model_copy(update={"id": "X2", "vat": Money("0.00", "GBP"),
                                 "vat_recoverable": Money("2.00", "GBP"),
                                 "procuring_partner": agreement.host}),
    ]  # fmt: skip
    ledger = Ledger._derived(agreement, entries, gate=False)
    columns = make_pool_columns(ledger.entries, agreement.host, ledger.vat_shares)
    by_id = {e.id: e for e in entries}
    got = column_sums(columns, 0, len(columns), agreement, by_id.get)
    want = sum_run(ledger.pool_lines, agreement, by_id.get)
    assert _ordered(got) == _ordered(want)
    assert (k, agreement.host) in got.commissioned
    assert got.own_vat[(k, agreement.host)] == -200


def test_a_period_of_a_large_ledger_is_a_view_equal_to_its_lines() -> None:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    k = agreement.scheme_ids[0]
    entries = [
        Expenditure(id=f"X{i}", scheme=k, date=YEAR.start + timedelta(days=i), net="1.00")
        for i in range(4)
    ]
    with _columns_from(0):
        held = Ledger(agreement, entries)
        view = lines_between(held, YEAR.start, YEAR.start + timedelta(days=3))
    lines = Ledger(agreement, entries).pool_lines
    assert isinstance(view, LinesAt)
    assert "pool_lines" not in held.__dict__
    assert view == lines[:3]
    assert view == list(lines[:3])
    assert view[1:] == lines[1:3]
    assert view + lines[3:] == lines
    assert lines[:1] + view[1:] == lines[:3]
    assert view != lines
    assert view != "not lines"


def test_what_if_reads_the_sums_of_its_close() -> None:
    """A what-if on a large ledger takes the schemes' spending from the sums its close
    made: no line object is made for the whole ledger."""
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    k = agreement.scheme_ids[0]
    entries = [
        Expenditure(id=f"X{i}", scheme=k, date=YEAR.start + timedelta(days=i % 360), net="5.00")
        for i in range(50)
    ]
    with _columns_from(0):
        base = Ledger(agreement, entries)
        got = what_if(agreement, base, YEAR, [SpendingChange(scheme=k, percent=10)])
    assert "pool_lines" not in base.__dict__
    want = what_if(
        agreement, Ledger(agreement, entries), YEAR, [SpendingChange(scheme=k, percent=10)]
    )
    assert got == want


def test_a_quarters_actuals_from_the_columns_keep_the_reversed_markers_dates() -> None:
    """A projection leaves out the lines from the quarter's end, their reversals, and
    a reversal of a year-closed marker dated then (no pool line): the same ids from
    the columns as from the entries, and the same quarterly reports."""
    from pooledledger.model.entries import YearClosed
    from pooledledger.reports.quarterly import _actuals_to

    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    k = agreement.scheme_ids[0]
    day = YEAR.start
    entries: list[Entry] = [
        *(
            Expenditure(id=f"X{n}", scheme=k, date=day + timedelta(days=3 * n), net=f"{n}.00")
            for n in range(1, 120)
        ),
        Income(id="I1", scheme=k, date=day + timedelta(days=200), amount="3.00"),
        Reversal(id="R-X100", reverses="X100", date=day + timedelta(days=301), reason="r"),
        YearClosed(id="YC-PREV", year=YEAR.previous(), closed_on=day + timedelta(days=20)),
        Reversal(id="R-YC", reverses="YC-PREV", date=day + timedelta(days=250), reason="r"),
        YearClosed(id="YC-EARLY", year=YEAR.previous(), closed_on=day + timedelta(days=5)),
        Reversal(id="R-YC2", reverses="YC-EARLY", date=day + timedelta(days=30), reason="r"),
    ]
    walked = Ledger(agreement, entries)
    with _columns_from(0):
        summed = Ledger(agreement, entries)
        for q in (1, 2, 3, 4):
            cut = YEAR.quarter(q).end
            assert _actuals_to(summed, YEAR, cut) == _actuals_to(walked, YEAR, cut), q
        assert "pool_columns" in summed._memo
        got = [quarterly_report(agreement, summed, YEAR, q) for q in (1, 2, 3, 4)]
    assert "R-YC" in _actuals_to(summed, YEAR, YEAR.quarter(1).end)
    assert "R-YC2" not in _actuals_to(summed, YEAR, YEAR.quarter(1).end)
    assert got == [quarterly_report(agreement, walked, YEAR, q) for q in (1, 2, 3, 4)]
