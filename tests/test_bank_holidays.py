"""The bank-holiday table (pooledledger.core.bank_holidays) gives the ``holidays``
library's answers, day by day, and the library is asked for everything else.

The library is the oracle: ``holidays.country_holidays("GB", subdiv="ENG")``, as
the working calendar used it before the table.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta

import holidays
import pytest

from pooledledger.core import bank_holidays as bh
from pooledledger.core.periods import ENGLAND_AND_WALES, WorkingCalendar


def _library() -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG")


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _remade_table() -> str:
    """The table as the installed library gives it (to paste into bank_holidays.py)."""
    lib = _library()
    lines = []
    for year in range(bh.FIRST_YEAR, bh.LAST_YEAR + 1):
        days = sorted(d for d in _days(date(year, 1, 1), date(year, 12, 31)) if d in lib)
        lines.append(" ".join([str(year), *(d.strftime("%m-%d") for d in days)]))
    return "\n".join(lines) + "\n"


def test_the_table_is_the_librarys_for_every_day_of_its_years() -> None:
    installed = bh.installed_version()
    if installed != bh.MADE_WITH:
        pytest.skip(
            f"holidays {installed} is installed, the table was made with {bh.MADE_WITH}: "
            "the calendar asks the library; remake TABLE with _remade_table() and "
            "set MADE_WITH to use the table again"
        )
    assert _remade_table() == bh.TABLE
    table = bh.BankHolidays(table=True)
    lib = _library()
    for d in _days(date(bh.FIRST_YEAR, 1, 1), date(bh.LAST_YEAR, 12, 31)):
        assert (d in table) == (d in lib), d


def test_the_shared_lookup_uses_the_table_only_with_its_version() -> None:
    uses_table = bh.installed_version() == bh.MADE_WITH
    assert (bh.bank_holidays()._days is not None) is uses_table


@pytest.mark.parametrize("table", [True, False])
def test_answers_equal_the_librarys_in_and_beyond_the_tables_years(table: bool) -> None:
    # table=False is what any other version of the library gets: the library alone.
    lookup = bh.BankHolidays(table=table)
    lib = _library()
    edges = [
        *_days(date(bh.FIRST_YEAR - 2, 1, 1), date(bh.FIRST_YEAR + 1, 12, 31)),
        *_days(date(2019, 1, 1), date(2028, 12, 31)),
        *_days(date(bh.LAST_YEAR - 1, 1, 1), date(bh.LAST_YEAR + 2, 12, 31)),
    ]
    for d in edges:
        assert (d in lookup) == (d in lib), d
    spans = [
        (date(2025, 4, 1), date(2026, 4, 1)),
        (date(2022, 9, 19), date(2022, 9, 19)),  # empty
        (date(2022, 9, 19), date(2022, 9, 20)),
        (date(bh.FIRST_YEAR - 1, 12, 1), date(bh.FIRST_YEAR, 2, 1)),  # across the start
        (date(bh.LAST_YEAR, 12, 1), date(bh.LAST_YEAR + 1, 1, 2)),  # across the end
        (date(bh.FIRST_YEAR, 1, 1), date(bh.LAST_YEAR + 1, 1, 1)),
    ]
    for start, stop in spans:
        assert lookup.between(start, stop) == lib[start:stop], (start, stop)  # type: ignore[index]


def test_a_calendar_counts_as_with_the_library() -> None:
    lib = _library()
    cal = WorkingCalendar([date(2026, 12, 29)])
    for a, b in [(date(2025, 3, 31), date(2026, 3, 31)), (date(2059, 6, 1), date(2062, 6, 1))]:
        expected = sum(
            1
            for d in _days(a + timedelta(days=1), b)
            if d.weekday() < 5 and d not in lib and d != date(2026, 12, 29)
        )
        assert cal.working_days_between(a, b) == expected
        assert ENGLAND_AND_WALES.working_days_between(a, b) == expected + (
            a < date(2026, 12, 29) <= b
        )


def test_dates_in_the_tables_years_do_not_load_the_library() -> None:
    if bh.installed_version() != bh.MADE_WITH:
        pytest.skip("the table is not used with this version of holidays")
    code = (
        "import sys\nfrom datetime import date\n"
        "from pooledledger.core.periods import ENGLAND_AND_WALES as cal\n"
        "assert cal.add_working_days(date(2026, 12, 23), 3) == date(2026, 12, 30)\n"
        "assert cal.working_days_between(date(2025, 3, 31), date(2026, 3, 31)) == 253\n"
        "print('holidays' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
