"""England and Wales bank holidays 1990-2060 as a table, and the lookup
:class:`~pooledledger.core.working_days.WorkingCalendar` asks (docs/periods.md).

The bank holidays come from the ``holidays`` library:
``holidays.country_holidays("GB", subdiv="ENG")``, substitute days and one-off
holidays included.  Building that costs about 50 ms (the library loads the module
of every country it knows), more than the rest of a small close's dates, so the
years 1990 to 2060 are kept here as the library gives them: :data:`TABLE`, made
with the library's version :data:`MADE_WITH`.

The table is used only when that very version is installed, so every answer is
the installed library's own: with any other version (or none recorded), and for
any date outside the table's years, the library is asked, built on first need.
tests/test_bank_holidays.py checks the table against the library day by day; when
a new version of the library is installed, that test says to remake the table.
"""

from __future__ import annotations

from bisect import bisect_left
from datetime import date
from functools import cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    import holidays

__all__ = [
    "FIRST_YEAR",
    "LAST_YEAR",
    "MADE_WITH",
    "TABLE",
    "BankHolidays",
    "bank_holidays",
    "installed_version",
]

#: The ``holidays`` version :data:`TABLE` was made with.
MADE_WITH = "0.109"
#: The first and last years :data:`TABLE` holds.
FIRST_YEAR = 1990
LAST_YEAR = 2060

#: One line a year: the year, then each bank holiday's ``MM-DD``.
TABLE = """\
1990 01-01 04-13 04-16 05-07 05-28 08-27 12-25 12-26
1991 01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26
1992 01-01 04-17 04-20 05-04 05-25 08-31 12-25 12-26 12-28
1993 01-01 04-09 04-12 05-03 05-31 08-30 12-25 12-26 12-27 12-28
1994 01-01 01-03 04-01 04-04 05-02 05-30 08-29 12-25 12-26 12-27
1995 01-01 01-02 04-14 04-17 05-08 05-29 08-28 12-25 12-26
1996 01-01 04-05 04-08 05-06 05-27 08-26 12-25 12-26
1997 01-01 03-28 03-31 05-05 05-26 08-25 12-25 12-26
1998 01-01 04-10 04-13 05-04 05-25 08-31 12-25 12-26 12-28
1999 01-01 04-02 04-05 05-03 05-31 08-30 12-25 12-26 12-27 12-28 12-31
2000 01-01 01-03 04-21 04-24 05-01 05-29 08-28 12-25 12-26
2001 01-01 04-13 04-16 05-07 05-28 08-27 12-25 12-26
2002 01-01 03-29 04-01 05-06 06-03 06-04 08-26 12-25 12-26
2003 01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26
2004 01-01 04-09 04-12 05-03 05-31 08-30 12-25 12-26 12-27 12-28
2005 01-01 01-03 03-25 03-28 05-02 05-30 08-29 12-25 12-26 12-27
2006 01-01 01-02 04-14 04-17 05-01 05-29 08-28 12-25 12-26
2007 01-01 04-06 04-09 05-07 05-28 08-27 12-25 12-26
2008 01-01 03-21 03-24 05-05 05-26 08-25 12-25 12-26
2009 01-01 04-10 04-13 05-04 05-25 08-31 12-25 12-26 12-28
2010 01-01 04-02 04-05 05-03 05-31 08-30 12-25 12-26 12-27 12-28
2011 01-01 01-03 04-22 04-25 04-29 05-02 05-30 08-29 12-25 12-26 12-27
2012 01-01 01-02 04-06 04-09 05-07 06-04 06-05 08-27 12-25 12-26
2013 01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26
2014 01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26
2015 01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-26 12-28
2016 01-01 03-25 03-28 05-02 05-30 08-29 12-25 12-26 12-27
2017 01-01 01-02 04-14 04-17 05-01 05-29 08-28 12-25 12-26
2018 01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26
2019 01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26
2020 01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-26 12-28
2021 01-01 04-02 04-05 05-03 05-31 08-30 12-25 12-26 12-27 12-28
2022 01-01 01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-25 12-26 12-27
2023 01-01 01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26
2024 01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26
2025 01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26
2026 01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-26 12-28
2027 01-01 03-26 03-29 05-03 05-31 08-30 12-25 12-26 12-27 12-28
2028 01-01 01-03 04-14 04-17 05-01 05-29 08-28 12-25 12-26
2029 01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26
2030 01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26
2031 01-01 04-11 04-14 05-05 05-26 08-25 12-25 12-26
2032 01-01 03-26 03-29 05-03 05-31 08-30 12-25 12-26 12-27 12-28
2033 01-01 01-03 04-15 04-18 05-02 05-30 08-29 12-25 12-26 12-27
2034 01-01 01-02 04-07 04-10 05-01 05-29 08-28 12-25 12-26
2035 01-01 03-23 03-26 05-07 05-28 08-27 12-25 12-26
2036 01-01 04-11 04-14 05-05 05-26 08-25 12-25 12-26
2037 01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-26 12-28
2038 01-01 04-23 04-26 05-03 05-31 08-30 12-25 12-26 12-27 12-28
2039 01-01 01-03 04-08 04-11 05-02 05-30 08-29 12-25 12-26 12-27
2040 01-01 01-02 03-30 04-02 05-07 05-28 08-27 12-25 12-26
2041 01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26
2042 01-01 04-04 04-07 05-05 05-26 08-25 12-25 12-26
2043 01-01 03-27 03-30 05-04 05-25 08-31 12-25 12-26 12-28
2044 01-01 04-15 04-18 05-02 05-30 08-29 12-25 12-26 12-27
2045 01-01 01-02 04-07 04-10 05-01 05-29 08-28 12-25 12-26
2046 01-01 03-23 03-26 05-07 05-28 08-27 12-25 12-26
2047 01-01 04-12 04-15 05-06 05-27 08-26 12-25 12-26
2048 01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-26 12-28
2049 01-01 04-16 04-19 05-03 05-31 08-30 12-25 12-26 12-27 12-28
2050 01-01 01-03 04-08 04-11 05-02 05-30 08-29 12-25 12-26 12-27
2051 01-01 01-02 03-31 04-03 05-01 05-29 08-28 12-25 12-26
2052 01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26
2053 01-01 04-04 04-07 05-05 05-26 08-25 12-25 12-26
2054 01-01 03-27 03-30 05-04 05-25 08-31 12-25 12-26 12-28
2055 01-01 04-16 04-19 05-03 05-31 08-30 12-25 12-26 12-27 12-28
2056 01-01 01-03 03-31 04-03 05-01 05-29 08-28 12-25 12-26
2057 01-01 04-20 04-23 05-07 05-28 08-27 12-25 12-26
2058 01-01 04-12 04-15 05-06 05-27 08-26 12-25 12-26
2059 01-01 03-28 03-31 05-05 05-26 08-25 12-25 12-26
2060 01-01 04-16 04-19 05-03 05-31 08-30 12-25 12-26 12-27 12-28
"""


def _table_dates() -> tuple[date, ...]:
    days: list[date] = []
    for line in TABLE.splitlines():
        year, *month_days = line.split()
        days.extend(date(int(year), int(md[:2]), int(md[3:])) for md in month_days)
    return tuple(days)


class BankHolidays:
    """Is a date a bank holiday, and which fall in a range: from :data:`TABLE` where
    it answers (``table=True``), else from the ``holidays`` library."""

    __slots__ = ("_days", "_library", "_sorted")

    def __init__(self, *, table: bool) -> None:
        self._sorted: tuple[date, ...] | None = _table_dates() if table else None
        self._days = frozenset(self._sorted) if self._sorted is not None else None
        self._library: holidays.HolidayBase | None = None

    def __contains__(self, d: date) -> bool:
        if self._days is not None and FIRST_YEAR <= d.year <= LAST_YEAR:
            return d in self._days
        return d in self.library()

    def between(self, start: date, stop: date) -> list[date]:
        """The bank holidays in ``[start, stop)`` (``start <= stop``), in order."""
        if self._sorted is not None and start.year >= FIRST_YEAR and stop.year <= LAST_YEAR:
            days = self._sorted
            return list(days[bisect_left(days, start) : bisect_left(days, stop)])
        # HolidayBase supports date slices, half-open [start, stop), expanding the
        # years it needs; its type hint for __getitem__ omits slices.
        return list(cast(Any, self.library())[start:stop])

    def library(self) -> holidays.HolidayBase:
        """The library's calendar, built on first use (``holidays`` is slow to load)."""
        if self._library is None:
            import holidays

            self._library = holidays.country_holidays("GB", subdiv="ENG")
        return self._library


def installed_version() -> str | None:
    """The installed ``holidays`` version, read from its package metadata (without
    loading the library), or ``None`` if it cannot be told."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("holidays")
    except PackageNotFoundError:  # pragma: no cover - holidays is a dependency
        return None


@cache
def bank_holidays() -> BankHolidays:
    """The one shared lookup: the table if the installed library is the version it
    was made with, else the library alone."""
    return BankHolidays(table=installed_version() == MADE_WITH)
