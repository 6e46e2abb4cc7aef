"""Working days in England and Wales: :class:`WorkingCalendar` and the default
:data:`ENGLAND_AND_WALES` calendar (docs/periods.md).

Bank holidays come from the ``holidays`` library, through the table of
:mod:`pooledledger.core.bank_holidays` (the library's own answers, kept for the
years 1990-2060) and the library itself beyond it, loaded only then.
:mod:`pooledledger.core.periods` re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pooledledger.core.bank_holidays import BankHolidays, bank_holidays
from pooledledger.core.date_checks import ONE_DAY as _ONE_DAY
from pooledledger.core.date_checks import check_count as _check_count
from pooledledger.core.date_checks import check_date as _check_date
from pooledledger.core.date_checks import date_repr as _date_repr
from pooledledger.core.errors import PeriodError

__all__ = ["ENGLAND_AND_WALES", "WorkingCalendar"]


def _weekdays_in(start: date, stop: date) -> int:
    """Number of Monday-Friday dates in ``[start, stop)`` (``start <= stop``)."""
    weeks, rest = divmod((stop - start).days, 7)
    first = start.weekday()
    return weeks * 5 + sum(1 for i in range(rest) if (first + i) % 7 < 5)


@dataclass(frozen=True, slots=True, init=False, repr=False)
class WorkingCalendar:
    """Working days in England and Wales: Monday to Friday, except bank holidays.

    Bank holidays come from ``holidays.country_holidays("GB", subdiv="ENG")``
    (England and Wales share their bank holidays), including substitute days
    ("observed", e.g. Monday 28 December 2026 for Boxing Day on a Saturday) and
    one-off holidays the library knows (e.g. 19 September 2022).  Future one-off
    holidays, or an organisation's own closure days, can be given as
    ``extra_closures``.  Scotland and Northern Ireland are not covered.

    The library's answers for 1990 to 2060 are kept in a table
    (:mod:`pooledledger.core.bank_holidays`, used only with the library version it
    was made with), so a calendar asked about those years never loads the library,
    which is slow to load; any other year builds one ``holidays`` object, shared
    by every calendar, on its first question.  Calls are cheap; share
    :data:`ENGLAND_AND_WALES` rather than building calendars per call.
    """

    extra_closures: frozenset[date]
    _loaded: BankHolidays | None = field(compare=False, hash=False)

    def __init__(self, extra_closures: Iterable[date] = ()) -> None:
        closures = frozenset(_check_date(d, "closure") for d in extra_closures)
        object.__setattr__(self, "extra_closures", closures)
        object.__setattr__(self, "_loaded", None)

    @property
    def _bank_holidays(self) -> BankHolidays:
        """The bank holidays, looked up on first use (not on import)."""
        loaded = self._loaded
        if loaded is None:
            loaded = bank_holidays()
            object.__setattr__(self, "_loaded", loaded)
        return loaded

    def with_closures(self, *dates: date) -> WorkingCalendar:
        """A new calendar with ``dates`` closed as well."""
        return WorkingCalendar(self.extra_closures | frozenset(dates))

    def is_bank_holiday(self, d: date) -> bool:
        """True if ``d`` is an England-and-Wales bank holiday (including substitute days)."""
        return _check_date(d) in self._bank_holidays

    def is_working_day(self, d: date) -> bool:
        """True if ``d`` is Monday to Friday, not a bank holiday and not an extra closure."""
        d = _check_date(d)
        return d.weekday() < 5 and d not in self.extra_closures and d not in self._bank_holidays

    def next_working_day(self, d: date) -> date:
        """The first working day strictly *after* ``d``."""
        d = _check_date(d) + _ONE_DAY
        while not self.is_working_day(d):
            d += _ONE_DAY
        return d

    def add_working_days(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d``; ``d`` itself is never counted.

        ``n = 0`` rolls forward: ``d`` if it is a working day, else the next
        working day.  Negative ``n`` is refused.  "Within 5 working days of the
        projection" means on or before ``add_working_days(projection, 5)``.
        """
        d = _check_date(d)
        n = _check_count(n, "n")
        start = d
        if n > (date.max - d).days:  # more working days than days left in the calendar
            raise PeriodError(f"{n:,} working days after {start} runs past year 9999")
        try:
            if n == 0:
                return d if self.is_working_day(d) else self.next_working_day(d)
            for _ in range(n):
                d = self.next_working_day(d)
        except OverflowError:
            raise PeriodError(f"{n:,} working days after {start} runs past year 9999") from None
        return d

    def working_days_between(self, a: date, b: date) -> int:
        """The number of working days in the half-open-on-the-left range ``(a, b]``.

        So ``working_days_between(d, add_working_days(d, n)) == n`` for ``n >= 1``,
        and ``a == b`` gives 0.  ``b`` before ``a`` is refused.
        """
        a = _check_date(a, "a")
        b = _check_date(b, "b")
        if b < a:
            raise PeriodError(f"working_days_between: {b} is before {a}")
        if a == b:
            return 0
        start, stop = a + _ONE_DAY, b + _ONE_DAY  # (a, b] == [start, stop)
        closed = {d for d in self._bank_holidays.between(start, stop) if d.weekday() < 5}
        closed.update(d for d in self.extra_closures if start <= d < stop and d.weekday() < 5)
        return _weekdays_in(start, stop) - len(closed)

    def __repr__(self) -> str:
        if not self.extra_closures:
            return "WorkingCalendar()"
        dates = ", ".join(_date_repr(d) for d in sorted(self.extra_closures))
        return f"WorkingCalendar([{dates}])"


#: The default calendar: England and Wales bank holidays, no extra closures.
ENGLAND_AND_WALES: WorkingCalendar = WorkingCalendar()
