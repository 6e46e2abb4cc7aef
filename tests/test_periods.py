"""Tests for pooledledger.core.periods: financial years, periods, schedules, working days.

Expected dates are worked out from the calendar by hand (see the comments), not
copied from the functions' output.
"""

from __future__ import annotations

import calendar
import copy
import itertools
import pickle
import re
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from pooledledger.core.errors import PeriodError, PooledLedgerError
from pooledledger.core.periods import (
    ENGLAND_AND_WALES,
    DateRange,
    FinancialYear,
    Period,
    PeriodKind,
    WorkingCalendar,
    month_ends,
    monthly_dates,
    quarter_ends,
    quarterly_dates,
)

FY25 = FinancialYear(2025)
years = st.integers(min_value=1900, max_value=2200).map(FinancialYear)
dates = st.dates(min_value=date(1900, 4, 1), max_value=date(2200, 12, 31))


# --------------------------------------------------------------------------- FinancialYear


def test_period_error_is_a_value_error() -> None:
    assert issubclass(PeriodError, PooledLedgerError)
    assert issubclass(PeriodError, ValueError)


def test_bounds_are_half_open() -> None:
    assert FY25.start == date(2025, 4, 1)
    assert FY25.end == date(2026, 4, 1)
    assert FY25.last_day == date(2026, 3, 31)
    assert FY25.contains(date(2025, 4, 1))
    assert date(2026, 3, 31) in FY25
    assert date(2026, 4, 1) not in FY25  # end is exclusive
    assert date(2025, 3, 31) not in FY25
    assert FY25.as_range() == DateRange(date(2025, 4, 1), date(2026, 4, 1))


def test_str_and_repr() -> None:
    assert str(FY25) == "2025-26"
    assert repr(FY25) == "FinancialYear(2025)"
    assert str(FinancialYear(1999)) == "1999-00"
    assert eval(repr(FY25)) == FY25


@pytest.mark.parametrize("text", ["2025-26", "2025/26", "2025-2026", "2025/2026", " 2025-26 "])
def test_parse_accepts(text: str) -> None:
    assert FinancialYear.parse(text) == FY25


def test_parse_across_a_century() -> None:
    assert FinancialYear.parse("1999-00") == FinancialYear(1999)
    assert FinancialYear.parse("1999/2000") == FinancialYear(1999)


@pytest.mark.parametrize(
    "text",
    ["2025-27", "2025", "2025-2027", "2025-25", "25-26", "FY2025-26", "2025 26", "", "garbage",
     "2025-026", "٢٠٢٥-٢٦"],
)  # fmt: skip
def test_parse_refuses_naming_the_text(text: str) -> None:
    with pytest.raises(PeriodError, match="not a financial year") as info:
        FinancialYear.parse(text)
    assert repr(text) in str(info.value)


def test_parse_refuses_non_text() -> None:
    with pytest.raises(PeriodError):
        FinancialYear.parse(2025)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [0, -1, 9999, True, "2025", 2025.0])
def test_constructor_refuses(bad: object) -> None:
    with pytest.raises(PeriodError):
        FinancialYear(bad)  # type: ignore[arg-type]


@given(st.integers(min_value=1, max_value=9998))
def test_parse_format_round_trip(y: int) -> None:
    fy = FinancialYear(y)
    assert FinancialYear.parse(str(fy)) == fy
    assert FinancialYear.parse(f"{y:04d}/{y + 1:04d}") == fy
    assert fy.end.year == y + 1


def test_immutable_hashable_picklable() -> None:
    with pytest.raises(AttributeError):
        FY25.start_year = 2030  # type: ignore[misc]
    assert {FY25, FinancialYear(2025), FinancialYear(2026)} == {FY25, FY25.next()}
    assert pickle.loads(pickle.dumps(FY25)) == FY25
    assert copy.deepcopy(FY25) == FY25
    assert FY25 != 2025


def test_ordering() -> None:
    a, b = FinancialYear(2024), FinancialYear(2025)
    assert a < b
    assert a <= b
    assert b > a
    assert b >= a
    assert not b < a
    assert a <= FinancialYear(2024)
    assert sorted([b, a, FinancialYear(2030)]) == [a, b, FinancialYear(2030)]


@given(years, years)
def test_ordering_follows_start_dates(a: FinancialYear, b: FinancialYear) -> None:
    assert (a < b) == (a.start < b.start)
    assert (a == b) == (a.start == b.start)
    assert (a >= b) == (a.start >= b.start)


def test_for_date_and_neighbours() -> None:
    assert FinancialYear.for_date(date(2026, 3, 31)) == FY25
    assert FinancialYear.for_date(date(2026, 4, 1)) == FinancialYear(2026)
    assert FinancialYear.for_date(date(2025, 4, 1)) == FY25
    assert FinancialYear.for_date(date(2026, 1, 15)) == FY25
    assert FY25.next() == FinancialYear(2026)
    assert FY25.previous() == FinancialYear(2024)
    assert FY25.next().start == FY25.end


def test_refuses_datetimes() -> None:
    with pytest.raises(PeriodError, match="datetime"):
        FinancialYear.for_date(datetime(2025, 4, 1, 12, 0))
    with pytest.raises(PeriodError):
        FY25.contains(datetime(2025, 4, 1))
    with pytest.raises(PeriodError):
        _ = "2025-04-01" in FY25


# --------------------------------------------------------------------------- months & quarters


def test_month_one_is_april_and_twelve_is_march() -> None:
    m1 = FY25.month(1)
    assert (m1.start, m1.end, m1.last_day) == (
        date(2025, 4, 1),
        date(2025, 5, 1),
        date(2025, 4, 30),
    )
    m12 = FY25.month(12)
    assert (m12.start, m12.end) == (date(2026, 3, 1), date(2026, 4, 1))
    assert FY25.month(11).last_day == date(2026, 2, 28)  # 2026 is not a leap year
    assert FinancialYear(2023).month(11).last_day == date(2024, 2, 29)  # 2024 is


def test_quarters() -> None:
    q1, q2, q3, q4 = FY25.quarters()
    assert (q1.start, q1.end) == (date(2025, 4, 1), date(2025, 7, 1))
    assert (q2.start, q2.end) == (date(2025, 7, 1), date(2025, 10, 1))
    assert (q3.start, q3.last_day) == (date(2025, 10, 1), date(2025, 12, 31))
    assert (q4.start, q4.end) == (date(2026, 1, 1), date(2026, 4, 1))
    assert q4.months() == (FY25.month(10), FY25.month(11), FY25.month(12))


def test_month_and_quarter_numbers() -> None:
    assert FY25.month_number(date(2025, 4, 30)) == 1
    assert FY25.month_number(date(2025, 9, 1)) == 6
    assert FY25.month_number(date(2026, 3, 31)) == 12
    assert FY25.quarter_number(date(2025, 6, 30)) == 1
    assert FY25.quarter_number(date(2025, 7, 1)) == 2
    assert FY25.quarter_number(date(2026, 1, 1)) == 4
    with pytest.raises(PeriodError, match="not in financial year 2025-26"):
        FY25.month_number(date(2026, 4, 1))
    with pytest.raises(PeriodError):
        FY25.quarter_number(date(2025, 3, 31))


@pytest.mark.parametrize(
    ("make", "args"),
    [
        (FY25.month, (0,)),
        (FY25.month, (13,)),
        (FY25.quarter, (0,)),
        (FY25.quarter, (5,)),
        (FY25.month, (True,)),
        (Period, (FY25, PeriodKind.YEAR, 2)),
        (Period, (FY25, "week", 1)),
        (Period, (2025, PeriodKind.MONTH, 1)),
    ],
)
def test_period_refusals(make: object, args: tuple[object, ...]) -> None:
    with pytest.raises(PeriodError):
        make(*args)  # type: ignore[operator]


def test_period_kind_from_text() -> None:
    p = Period(FY25, "quarter", 2)  # type: ignore[arg-type]
    assert p.kind is PeriodKind.QUARTER
    assert p == FY25.quarter(2)


def test_period_text() -> None:
    assert str(FY25.month(6)) == "2025-26 M06"
    assert str(FY25.quarter(2)) == "2025-26 Q2"
    assert str(FY25.as_period()) == "2025-26"
    assert repr(FY25.month(6)) == "Period(FinancialYear(2025), PeriodKind.MONTH, 6)"
    for p in (FY25.month(6), FY25.quarter(2), FY25.as_period()):
        assert Period.parse(str(p)) == p
        assert eval(repr(p)) == p
    assert Period.parse("2025/2026 M6") == FY25.month(6)
    for bad in ("2025-26 M13", "2025-26 Q5", "2025-26 W1", "2025-26M06", "2025-27 Q1"):
        with pytest.raises(PeriodError):
            Period.parse(bad)


def test_whole_year_period() -> None:
    p = FY25.as_period()
    assert (p.kind, p.number, p.start, p.end) == (PeriodKind.YEAR, 1, FY25.start, FY25.end)
    assert p.months() == FY25.months()
    assert FY25.month(3).months() == (FY25.month(3),)


def test_year_to_date() -> None:
    ytd = FY25.quarter(2).year_to_date()
    assert ytd == DateRange(date(2025, 4, 1), date(2025, 10, 1))
    assert ytd.days == 30 + 31 + 30 + 31 + 31 + 30  # April to September
    assert FY25.month(12).year_to_date() == FY25.as_range()
    assert date(2025, 9, 30) in ytd
    assert date(2025, 10, 1) not in ytd


@given(years)
def test_months_and_quarters_tile_the_year(fy: FinancialYear) -> None:
    for parts, count in ((fy.months(), 12), (fy.quarters(), 4)):
        assert len(parts) == count
        assert parts[0].start == fy.start
        assert parts[-1].end == fy.end
        for earlier, later in itertools.pairwise(parts):
            assert earlier.end == later.start  # no gap, no overlap
            assert earlier.last_day == later.start - timedelta(days=1)
        assert sum((p.end - p.start).days for p in parts) == (fy.end - fy.start).days
    for q in fy.quarters():
        months = q.months()
        assert (months[0].start, months[-1].end) == (q.start, q.end)


@given(dates)
def test_each_date_is_in_exactly_one_month_and_quarter(d: date) -> None:
    fy = FinancialYear.for_date(d)
    assert fy.contains(d)
    assert not fy.next().contains(d)
    assert not fy.previous().contains(d)
    months = [m for m in fy.months() if d in m]
    quarters = [q for q in fy.quarters() if q.contains(d)]
    assert len(months) == 1
    assert len(quarters) == 1
    assert months[0].number == fy.month_number(d)
    assert quarters[0].number == fy.quarter_number(d)
    assert months[0].start.month == d.month  # financial months are calendar months
    assert months[0] in quarters[0].months()


# --------------------------------------------------------------------------- DateRange


def test_date_range() -> None:
    r = DateRange(date(2024, 2, 1), date(2024, 3, 1))
    assert r.days == 29
    assert r.last_day == date(2024, 2, 29)
    assert date(2024, 2, 1) in r
    assert date(2024, 3, 1) not in r
    assert repr(r) == "DateRange(date(2024, 2, 1), date(2024, 3, 1))"
    assert eval(repr(r)) == r
    empty = DateRange(date(2024, 2, 1), date(2024, 2, 1))
    assert empty.days == 0
    assert date(2024, 2, 1) not in empty
    with pytest.raises(PeriodError, match="empty"):
        _ = empty.last_day
    with pytest.raises(PeriodError, match="before"):
        DateRange(date(2024, 3, 1), date(2024, 2, 1))


# --------------------------------------------------------------------------- schedules


def test_monthly_on_the_31st_clamps_and_never_skips() -> None:
    # From 31 August 2023 into leap-year February 2024.
    assert monthly_dates(date(2023, 8, 31), 8) == (
        date(2023, 8, 31),
        date(2023, 9, 30),
        date(2023, 10, 31),
        date(2023, 11, 30),
        date(2023, 12, 31),
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),  # the clamp to the 29th does not stick
    )


def test_monthly_february_in_century_years() -> None:
    assert monthly_dates(date(2100, 1, 31), 2)[1] == date(2100, 2, 28)  # 2100 is not leap
    assert monthly_dates(date(2000, 1, 31), 2)[1] == date(2000, 2, 29)  # 2000 is


def test_monthly_with_explicit_day() -> None:
    # day earlier than first.day: still starts in first's month
    assert monthly_dates(date(2025, 4, 20), 3, day=15) == (
        date(2025, 4, 15),
        date(2025, 5, 15),
        date(2025, 6, 15),
    )
    assert monthly_dates(date(2025, 4, 1), 2, day=31) == (date(2025, 4, 30), date(2025, 5, 31))
    assert monthly_dates(date(2025, 4, 1), 0) == ()


def test_quarterly_dates() -> None:
    assert quarterly_dates(date(2025, 5, 31), 4) == (
        date(2025, 5, 31),
        date(2025, 8, 31),
        date(2025, 11, 30),
        date(2026, 2, 28),
    )


def test_month_and_quarter_ends() -> None:
    assert month_ends(FY25) == (
        date(2025, 4, 30),
        date(2025, 5, 31),
        date(2025, 6, 30),
        date(2025, 7, 31),
        date(2025, 8, 31),
        date(2025, 9, 30),
        date(2025, 10, 31),
        date(2025, 11, 30),
        date(2025, 12, 31),
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
    )
    assert quarter_ends(FY25) == (
        date(2025, 6, 30),
        date(2025, 9, 30),
        date(2025, 12, 31),
        date(2026, 3, 31),
    )


@given(years)
def test_month_ends_are_last_days_of_months(fy: FinancialYear) -> None:
    assert month_ends(fy) == tuple(m.last_day for m in fy.months())
    assert quarter_ends(fy) == tuple(q.last_day for q in fy.quarters())


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)),
    st.integers(min_value=0, max_value=40),
    st.one_of(st.none(), st.integers(min_value=1, max_value=31)),
)
def test_monthly_dates_property(first: date, count: int, day: int | None) -> None:
    got = monthly_dates(first, count, day)
    assert len(got) == count
    wanted_day = first.day if day is None else day
    for i, d in enumerate(got):
        months = first.year * 12 + first.month - 1 + i
        year, month0 = divmod(months, 12)
        assert (d.year, d.month) == (year, month0 + 1)
        assert d.day == min(wanted_day, calendar.monthrange(d.year, d.month)[1])


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((date(2025, 4, 1), -1), "count"),
        ((date(2025, 4, 1), 2, 0), "day"),
        ((date(2025, 4, 1), 2, 32), "day"),
        ((datetime(2025, 4, 1), 2), "datetime"),
        ((date(9999, 11, 1), 3), "9999"),
    ],
)
def test_schedule_refusals(args: tuple[object, ...], match: str) -> None:
    with pytest.raises(PeriodError, match=match):
        monthly_dates(*args)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- working days

CAL = ENGLAND_AND_WALES


def test_easter_2025() -> None:
    thu = date(2025, 4, 17)
    assert thu.weekday() == 3  # Thursday
    assert not CAL.is_working_day(date(2025, 4, 18))  # Good Friday
    assert not CAL.is_working_day(date(2025, 4, 21))  # Easter Monday
    # After Thu 17 April: Fri 18 holiday, weekend, Mon 21 holiday, then
    # Tue 22 (1), Wed 23 (2), Thu 24 (3), Fri 25 (4), Mon 28 (5).
    assert CAL.add_working_days(thu, 4) == date(2025, 4, 25)
    assert CAL.add_working_days(thu, 5) == date(2025, 4, 28)
    assert CAL.working_days_between(thu, date(2025, 4, 28)) == 5
    assert CAL.next_working_day(thu) == date(2025, 4, 22)


def test_christmas_2026_substitute_boxing_day() -> None:
    # 25 Dec 2026 is a Friday, so Boxing Day (Saturday) is substituted on Monday 28th.
    assert date(2026, 12, 25).weekday() == 4
    assert CAL.is_bank_holiday(date(2026, 12, 28))
    assert not CAL.is_working_day(date(2026, 12, 28))
    assert CAL.is_working_day(date(2026, 12, 24))
    assert CAL.next_working_day(date(2026, 12, 24)) == date(2026, 12, 29)
    assert CAL.working_days_between(date(2026, 12, 24), date(2026, 12, 31)) == 3  # 29, 30, 31


def test_christmas_2027_both_days_substituted() -> None:
    # 25 Dec 2027 is a Saturday: substitutes on Monday 27th and Tuesday 28th.
    assert date(2027, 12, 25).weekday() == 5
    assert CAL.next_working_day(date(2027, 12, 24)) == date(2027, 12, 29)


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2022, 1, 3), "New Year's Day 2022 fell on a Saturday"),
        (date(2022, 9, 19), "State funeral of Queen Elizabeth II"),
        (date(2023, 5, 8), "Coronation of King Charles III"),
        (date(2020, 5, 8), "Early May bank holiday moved to VE Day"),
        (date(2025, 8, 25), "Summer bank holiday (England and Wales)"),
    ],
)
def test_bank_holidays_are_not_working_days(day: date, why: str) -> None:
    assert day.weekday() < 5, why
    assert not CAL.is_working_day(day), why


def test_ordinary_days() -> None:
    assert CAL.is_working_day(date(2020, 5, 4))  # the usual May Monday, moved in 2020
    assert CAL.is_working_day(date(2025, 8, 4))  # Scottish summer holiday, not E&W
    assert not CAL.is_working_day(date(2025, 4, 19))  # Saturday
    assert not CAL.is_bank_holiday(date(2025, 4, 19))


def test_whole_financial_year_2025_26() -> None:
    # 1 Apr 2025 (Tue) .. 31 Mar 2026 (Tue): 52 weeks + 1 day = 261 weekdays, less
    # 8 weekday bank holidays (18 & 21 Apr, 5 & 26 May, 25 Aug, 25 & 26 Dec, 1 Jan).
    assert CAL.working_days_between(date(2025, 3, 31), date(2026, 3, 31)) == 253


def test_add_zero_rolls_forward() -> None:
    assert CAL.add_working_days(date(2025, 4, 22), 0) == date(2025, 4, 22)
    assert CAL.add_working_days(date(2025, 4, 19), 0) == date(2025, 4, 22)  # Sat -> Tue


def test_working_day_refusals() -> None:
    with pytest.raises(PeriodError):
        CAL.add_working_days(date(2025, 4, 22), -1)
    with pytest.raises(PeriodError, match="before"):
        CAL.working_days_between(date(2025, 4, 22), date(2025, 4, 21))
    with pytest.raises(PeriodError):
        CAL.is_working_day(datetime(2025, 4, 22, 9))
    assert CAL.working_days_between(date(2025, 4, 22), date(2025, 4, 22)) == 0


def test_extra_closures() -> None:
    office = WorkingCalendar([date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 27)])
    assert CAL.is_working_day(date(2025, 12, 24))  # a Wednesday
    assert not office.is_working_day(date(2025, 12, 24))
    # (23 Dec, 31 Dec]: default Wed 24, Mon 29, Tue 30, Wed 31 = 4; office closes 24th.
    # A closure on a bank holiday (25th) or a Saturday (27th) is not subtracted twice.
    assert CAL.working_days_between(date(2025, 12, 23), date(2025, 12, 31)) == 4
    assert office.working_days_between(date(2025, 12, 23), date(2025, 12, 31)) == 3
    assert office.add_working_days(date(2025, 12, 23), 1) == date(2025, 12, 29)
    assert office == CAL.with_closures(date(2025, 12, 27), date(2025, 12, 25), date(2025, 12, 24))
    assert office != CAL
    assert repr(office) == (
        "WorkingCalendar([date(2025, 12, 24), date(2025, 12, 25), date(2025, 12, 27)])"
    )
    assert eval(repr(office)) == office
    assert repr(CAL) == "WorkingCalendar()"
    assert hash(WorkingCalendar()) == hash(CAL)


def test_calendar_survives_copy_and_pickle() -> None:
    for cal in (copy.deepcopy(CAL), pickle.loads(pickle.dumps(CAL))):
        assert not cal.is_working_day(date(2025, 12, 25))
        assert cal.is_working_day(date(2025, 12, 24))


@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=0, max_value=120),
)
def test_working_days_between_matches_day_by_day_count(a: date, span: int) -> None:
    b = a + timedelta(days=span)
    slow = sum(1 for i in range(1, span + 1) if CAL.is_working_day(a + timedelta(days=i)))
    assert CAL.working_days_between(a, b) == slow


@given(
    st.dates(min_value=date(2015, 1, 1), max_value=date(2030, 12, 31)),
    st.integers(min_value=1, max_value=30),
)
def test_add_working_days_inverts_working_days_between(d: date, n: int) -> None:
    later = CAL.add_working_days(d, n)
    assert CAL.is_working_day(later)
    assert CAL.working_days_between(d, later) == n
    assert CAL.working_days_between(d, later - timedelta(days=1)) == n - 1


# --------------------------------------------------------------------------- pydantic


class Plan(BaseModel):
    year: FinancialYear
    later: FinancialYear | None = None


@pytest.mark.parametrize("value", ["2025-26", "2025/26", "2025-2026", "2025/2026", FY25, 2025])
def test_pydantic_accepts(value: object) -> None:
    assert Plan.model_validate({"year": value}).year == FY25


@pytest.mark.parametrize("value", ["2025-27", "2025", True, 2025.0, None, 9999])
def test_pydantic_refuses(value: object) -> None:
    with pytest.raises(ValidationError):
        Plan.model_validate({"year": value})


def test_pydantic_json_round_trip() -> None:
    plan = Plan(year=FY25, later=FinancialYear(2026))
    text = plan.model_dump_json()
    assert text == '{"year":"2025-26","later":"2026-27"}'
    assert Plan.model_validate_json(text) == plan
    assert Plan.model_validate_json('{"year": "2025/2026"}').year == FY25
    assert plan.model_dump() == {"year": FY25, "later": FinancialYear(2026)}
    assert plan.model_dump(mode="json") == {"year": "2025-26", "later": "2026-27"}


def test_pydantic_json_input_must_be_text() -> None:
    with pytest.raises(ValidationError):
        Plan.model_validate_json('{"year": 2025}')


def test_pydantic_json_schema() -> None:
    schema = Plan.model_json_schema()
    prop = schema["properties"]["year"]
    assert prop["type"] == "string"
    assert prop["pattern"] == "^[0-9]{4}[-/]([0-9]{2}|[0-9]{4})$"
    assert schema["required"] == ["year"]
    later = schema["properties"]["later"]["anyOf"]
    assert (later[0]["type"], later[0]["pattern"]) == ("string", prop["pattern"])
    assert later[1] == {"type": "null"}
    for good in ("2025-26", "2025/26", "2025-2026", "2025/2026"):
        assert re.search(prop["pattern"], good)
    for bad in ("2025", "25-26", "2025-026", "x2025-26", "2025-26 "):
        assert not re.search(prop["pattern"], bad)
    assert Plan.model_json_schema(mode="serialization")["properties"]["year"]["type"] == "string"
