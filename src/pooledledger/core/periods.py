"""UK public-sector financial years, their months and quarters, schedules and working days.

Conventions:

* Every span of time is **half-open**: ``[start, end)``.  ``start`` is the first
  day inside, ``end`` is the first day *after* it, and ``last_day`` is
  ``end - 1 day``.  Adjacent spans therefore tile with no gaps or overlaps: the
  ``end`` of April is the ``start`` of May.
* A :class:`FinancialYear` runs from 1 April to 31 March and is named by the
  calendar year it starts in: ``FinancialYear(2025)`` is "2025-26",
  ``[2025-04-01, 2026-04-01)``.
* Month 1 of a financial year is April and month 12 is March; quarter 1 is
  April to June and quarter 4 is January to March.
* Dates are :class:`datetime.date`.  A :class:`datetime.datetime` is refused, so
  a time of day never silently decides which period a date falls in.

Misuse (a month 13, text that is not a financial year, a date outside the year)
raises :class:`~pooledledger.core.errors.PeriodError`, which is also a ``ValueError``.

Working days follow the bank holidays of England and Wales (which share them),
taken from the ``holidays`` library; see :class:`WorkingCalendar` (in
:mod:`pooledledger.core.working_days`, importable from here too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, ClassVar

from dateutil.relativedelta import relativedelta
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from pooledledger.core.date_checks import ONE_DAY as _ONE_DAY
from pooledledger.core.date_checks import check_count as _check_count
from pooledledger.core.date_checks import check_date as _check_date
from pooledledger.core.date_checks import date_repr as _date_repr
from pooledledger.core.errors import PeriodError
from pooledledger.core.working_days import ENGLAND_AND_WALES, WorkingCalendar

__all__ = [
    "ENGLAND_AND_WALES",
    "DateRange",
    "FinancialYear",
    "Period",
    "PeriodKind",
    "WorkingCalendar",
    "month_ends",
    "monthly_dates",
    "quarter_ends",
    "quarterly_dates",
]

_MIN_START_YEAR = 1
_MAX_START_YEAR = 9998  # the year must end (1 April of the next year) before date.max

# ASCII digits only: ``\d`` would also accept e.g. Arabic-Indic digits.
_FY_PATTERN = r"^[0-9]{4}[-/]([0-9]{2}|[0-9]{4})$"
_FY_RE = re.compile(r"(?P<start>[0-9]{4})[-/](?P<end>[0-9]{2}|[0-9]{4})")
_PERIOD_RE = re.compile(r"(?P<year>\S+?)(?: (?P<kind>[MQ])(?P<number>[0-9]{1,2}))?")


# --------------------------------------------------------------------------- ranges


@dataclass(frozen=True, slots=True, repr=False)
class DateRange:
    """A half-open range of dates ``[start, end)``: ``start`` is in it, ``end`` is not.

    ``DateRange(d, d)`` is empty.  ``end`` before ``start`` is refused.

    >>> DateRange(date(2025, 4, 1), date(2025, 7, 1)).days
    91
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        _check_date(self.start, "start")
        _check_date(self.end, "end")
        if self.end < self.start:
            raise PeriodError(
                f"a date range cannot end ({self.end}) before it starts ({self.start})"
            )

    @property
    def days(self) -> int:
        """Number of days in the range (``end - start``)."""
        return (self.end - self.start).days

    @property
    def last_day(self) -> date:
        """The last day inside the range (``end - 1 day``); PeriodError if the range is empty."""
        if self.end == self.start:
            raise PeriodError(f"{self!r} is empty and has no last day")
        return self.end - _ONE_DAY

    def contains(self, d: date) -> bool:
        """True if ``start <= d < end``."""
        if d.__class__ is date:  # the common case, checked without a call
            return self.start <= d < self.end
        return self.start <= _check_date(d) < self.end

    def __contains__(self, d: object) -> bool:
        return self.contains(_check_date(d))

    def __repr__(self) -> str:
        return f"DateRange({_date_repr(self.start)}, {_date_repr(self.end)})"

    def __str__(self) -> str:
        return f"[{self.start}, {self.end})"


# --------------------------------------------------------------------------- years


class FinancialYear:
    """A UK public-sector financial year, 1 April to 31 March, named by its start year.

    The year is the half-open range ``[start, end)`` = ``[1 April Y, 1 April Y+1)``;
    ``last_day`` is 31 March Y+1.  Immutable and hashable; years are ordered by
    start year.  Start years 1..9998 are supported.

    As a pydantic field it accepts a :class:`FinancialYear`, text in any form that
    :meth:`parse` accepts (``"2025-26"``, ``"2025/26"``, ``"2025-2026"``,
    ``"2025/2026"``) or, from Python only, an ``int`` start year (``2025``).  JSON
    input must be text.  ``model_dump()`` keeps the instance; JSON output is
    ``"2025-26"``.

    >>> FinancialYear.parse("2025/26")
    FinancialYear(2025)
    >>> str(FinancialYear(2025)), FinancialYear(2025).last_day
    ('2025-26', datetime.date(2026, 3, 31))
    """

    # A plain class rather than a dataclass: pydantic's python-mode serializer would
    # turn a dataclass into a dict, and ``model_dump()`` should keep the instance.
    __slots__ = ("_start_year",)
    _start_year: int

    def __init__(self, start_year: int) -> None:
        y = start_year
        if isinstance(y, bool) or not isinstance(y, int):
            raise PeriodError(f"a financial year's start year must be an int, got {y!r}")
        if not _MIN_START_YEAR <= y <= _MAX_START_YEAR:
            raise PeriodError(
                f"start year {y} is out of range {_MIN_START_YEAR}..{_MAX_START_YEAR}"
            )
        object.__setattr__(self, "_start_year", y)

    @property
    def start_year(self) -> int:
        """The calendar year the financial year starts in (2025 for 2025-26)."""
        return self._start_year

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"FinancialYear is immutable; cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"FinancialYear is immutable; cannot delete {name!r}")

    def __reduce__(self) -> tuple[type[FinancialYear], tuple[int]]:
        return (FinancialYear, (self._start_year,))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FinancialYear):
            return NotImplemented
        return self._start_year == other._start_year

    def __hash__(self) -> int:
        return hash((FinancialYear, self._start_year))

    def __lt__(self, other: FinancialYear) -> bool:
        if not isinstance(other, FinancialYear):
            return NotImplemented
        return self._start_year < other._start_year

    def __le__(self, other: FinancialYear) -> bool:
        if not isinstance(other, FinancialYear):
            return NotImplemented
        return self._start_year <= other._start_year

    def __gt__(self, other: FinancialYear) -> bool:
        if not isinstance(other, FinancialYear):
            return NotImplemented
        return self._start_year > other._start_year

    def __ge__(self, other: FinancialYear) -> bool:
        if not isinstance(other, FinancialYear):
            return NotImplemented
        return self._start_year >= other._start_year

    # -- construction

    @classmethod
    def parse(cls, text: str) -> FinancialYear:
        """Parse ``"2025-26"``, ``"2025/26"``, ``"2025-2026"`` or ``"2025/2026"``.

        The second year must be the year after the first.  Surrounding whitespace
        is ignored.  Anything else (``"2025"``, ``"2025-27"``, ``"FY25"``) raises
        :class:`PeriodError` naming the text.
        """
        if not isinstance(text, str):
            raise PeriodError(f"a financial year must be text such as '2025-26', got {text!r}")
        m = _FY_RE.fullmatch(text.strip())
        if m is None:
            raise PeriodError(
                f"{text!r} is not a financial year: write it like '2025-26' or '2025/2026'"
            )
        start = int(m["start"])
        end_text = m["end"]
        expected = f"{start + 1:04d}" if len(end_text) == 4 else f"{(start + 1) % 100:02d}"
        if end_text != expected:
            raise PeriodError(
                f"{text!r} is not a financial year: {m['start']} must be followed by {expected}"
            )
        try:
            return cls(start)
        except PeriodError as exc:
            raise PeriodError(f"{text!r} is not a supported financial year: {exc}") from exc

    @classmethod
    def for_date(cls, d: date) -> FinancialYear:
        """The financial year containing ``d`` (January to March belong to the year before)."""
        d = _check_date(d)
        return cls(d.year if d.month >= 4 else d.year - 1)

    # -- bounds

    @property
    def start(self) -> date:
        """1 April of the start year: the first day of the year."""
        return date(self.start_year, 4, 1)

    @property
    def end(self) -> date:
        """1 April of the following year: the first day *after* the year (exclusive)."""
        return date(self.start_year + 1, 4, 1)

    @property
    def last_day(self) -> date:
        """31 March of the following year: the last day inside the year."""
        return date(self.start_year + 1, 3, 31)

    def contains(self, d: date) -> bool:
        """True if ``start <= d < end``."""
        if d.__class__ is date:  # the common case, checked without a call
            return d.year == self._start_year + (d.month < 4)
        return self.start <= _check_date(d) < self.end

    def __contains__(self, d: object) -> bool:
        return self.contains(_check_date(d))

    def as_range(self) -> DateRange:
        """The year as a :class:`DateRange` ``[start, end)``."""
        return DateRange(self.start, self.end)

    # -- navigation

    def next(self) -> FinancialYear:
        """The following financial year."""
        return FinancialYear(self.start_year + 1)

    def previous(self) -> FinancialYear:
        """The preceding financial year."""
        return FinancialYear(self.start_year - 1)

    # -- periods

    def month(self, n: int) -> Period:
        """Month ``n`` of the year, 1..12: month 1 is April, month 12 is March."""
        return Period(self, PeriodKind.MONTH, n)

    def quarter(self, n: int) -> Period:
        """Quarter ``n`` of the year, 1..4: Q1 is April-June, Q4 is January-March."""
        return Period(self, PeriodKind.QUARTER, n)

    def as_period(self) -> Period:
        """The whole year as a :class:`Period` of kind YEAR."""
        return Period(self, PeriodKind.YEAR, 1)

    def months(self) -> tuple[Period, ...]:
        """The 12 months, April first."""
        return tuple(self.month(n) for n in range(1, 13))

    def quarters(self) -> tuple[Period, ...]:
        """The 4 quarters, Q1 (April-June) first."""
        return tuple(self.quarter(n) for n in range(1, 5))

    def month_number(self, d: date) -> int:
        """The month number (1 = April .. 12 = March) of ``d``; PeriodError if outside the year."""
        if not self.contains(d):
            raise PeriodError(f"{d} is not in financial year {self}")
        return (d.month - 4) % 12 + 1

    def quarter_number(self, d: date) -> int:
        """The quarter number (1 = April-June .. 4 = January-March) of ``d``."""
        return (self.month_number(d) - 1) // 3 + 1

    # -- text

    def __str__(self) -> str:
        return f"{self.start_year:04d}-{(self.start_year + 1) % 100:02d}"

    def __repr__(self) -> str:
        return f"FinancialYear({self.start_year})"

    # -- pydantic

    _JSON_PATTERN: ClassVar[str] = _FY_PATTERN

    @classmethod
    def _from_python(cls, value: Any) -> FinancialYear:
        if isinstance(value, FinancialYear):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return cls(value)
        raise PeriodError(
            f"a financial year must be text such as '2025-26' or a start year, got {value!r}"
        )

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source_type: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.json_or_python_schema(
            json_schema=core_schema.no_info_after_validator_function(
                cls.parse, core_schema.str_schema()
            ),
            python_schema=core_schema.no_info_plain_validator_function(cls._from_python),
            serialization=core_schema.plain_serializer_function_ser_schema(str, when_used="json"),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": cls._JSON_PATTERN,
            "description": "UK financial year (1 April to 31 March), e.g. 2025-26",
            "examples": ["2025-26"],
        }


# --------------------------------------------------------------------------- periods


class PeriodKind(StrEnum):
    """How long a :class:`Period` is: a month, a quarter or a whole financial year."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"


_KIND_LENGTH_MONTHS = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}
_KIND_COUNT = {PeriodKind.MONTH: 12, PeriodKind.QUARTER: 4, PeriodKind.YEAR: 1}


@dataclass(frozen=True, slots=True, repr=False)
class Period:
    """A month, quarter or whole year of a financial year, the half-open range ``[start, end)``.

    ``number`` is 1..12 for a month (1 = April), 1..4 for a quarter (1 = April-June)
    and 1 for a year.  ``str()`` gives ``"2025-26 M06"``, ``"2025-26 Q2"`` or
    ``"2025-26"``; :meth:`parse` reads these back.  Periods are not ordered (a
    quarter and a month overlap); sort with ``key=lambda p: (p.start, p.end)``.

    >>> p = FinancialYear(2025).month(6)
    >>> str(p), p.start, p.end
    ('2025-26 M06', datetime.date(2025, 9, 1), datetime.date(2025, 10, 1))
    """

    year: FinancialYear
    kind: PeriodKind
    number: int

    def __post_init__(self) -> None:
        if not isinstance(self.year, FinancialYear):
            raise PeriodError(f"a period's year must be a FinancialYear, got {self.year!r}")
        try:
            kind = PeriodKind(self.kind)
        except ValueError as exc:
            raise PeriodError(f"unknown period kind {self.kind!r}") from exc
        object.__setattr__(self, "kind", kind)
        n = self.number
        top = _KIND_COUNT[kind]
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= top:
            raise PeriodError(f"a {kind.value} number must be an int in 1..{top}, got {n!r}")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse the ``str()`` form: ``"2025-26 M06"``, ``"2025-26 Q2"`` or ``"2025-26"``."""
        if not isinstance(text, str):
            raise PeriodError(f"a period must be text such as '2025-26 Q2', got {text!r}")
        m = _PERIOD_RE.fullmatch(text.strip())
        if m is None:
            raise PeriodError(
                f"{text!r} is not a period: write it like '2025-26 M06' or '2025-26 Q2'"
            )
        year = FinancialYear.parse(m["year"])
        if m["kind"] is None:
            return year.as_period()
        kind = PeriodKind.MONTH if m["kind"] == "M" else PeriodKind.QUARTER
        try:
            return cls(year, kind, int(m["number"]))
        except PeriodError as exc:
            raise PeriodError(f"{text!r} is not a period: {exc}") from exc

    @property
    def start(self) -> date:
        """The first day of the period."""
        offset = (self.number - 1) * _KIND_LENGTH_MONTHS[self.kind]
        return self.year.start + relativedelta(months=offset)

    @property
    def end(self) -> date:
        """The first day *after* the period (exclusive)."""
        return self.start + relativedelta(months=_KIND_LENGTH_MONTHS[self.kind])

    @property
    def last_day(self) -> date:
        """The last day inside the period (``end - 1 day``)."""
        return self.end - _ONE_DAY

    def contains(self, d: date) -> bool:
        """True if ``start <= d < end``."""
        return self.start <= _check_date(d) < self.end

    def __contains__(self, d: object) -> bool:
        return self.contains(_check_date(d))

    def as_range(self) -> DateRange:
        """The period as a :class:`DateRange` ``[start, end)``."""
        return DateRange(self.start, self.end)

    def months(self) -> tuple[Period, ...]:
        """The month periods making up this period: 3 for a quarter, 12 for a year, itself."""
        first = (self.number - 1) * _KIND_LENGTH_MONTHS[self.kind] + 1
        return tuple(
            self.year.month(n) for n in range(first, first + _KIND_LENGTH_MONTHS[self.kind])
        )

    def year_to_date(self) -> DateRange:
        """From the start of the financial year to the end of this period: ``[1 April, end)``."""
        return DateRange(self.year.start, self.end)

    def __str__(self) -> str:
        if self.kind is PeriodKind.MONTH:
            return f"{self.year} M{self.number:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year} Q{self.number}"
        return str(self.year)

    def __repr__(self) -> str:
        return f"Period({self.year!r}, PeriodKind.{self.kind.name}, {self.number})"


# --------------------------------------------------------------------------- schedules


def _schedule(first: date, count: int, day: int | None, step_months: int) -> tuple[date, ...]:
    first = _check_date(first, "first")
    count = _check_count(count, "count")
    if day is None:
        day = first.day
    elif isinstance(day, bool) or not isinstance(day, int) or not 1 <= day <= 31:
        raise PeriodError(f"day must be an int in 1..31, got {day!r}")
    try:
        # relativedelta with an absolute ``day`` clamps it to the month's last day.
        return tuple(first + relativedelta(months=i * step_months, day=day) for i in range(count))
    except (ValueError, OverflowError) as exc:
        raise PeriodError(f"schedule of {count} dates from {first} runs past year 9999") from exc


def monthly_dates(first: date, count: int, day: int | None = None) -> tuple[date, ...]:
    """``count`` dates, one a month, starting in ``first``'s month, on ``day`` of each month.

    ``day`` defaults to ``first.day`` and is clamped to each month's last day, so a
    schedule on the 31st gives 30 April, 31 May, 30 June, ... and 28 (or 29)
    February: a short month is never skipped, and a clamped month does not move
    the later dates.  The first date is in ``first``'s month even if ``day`` is
    earlier than ``first.day``.

    >>> monthly_dates(date(2024, 1, 31), 3)
    (datetime.date(2024, 1, 31), datetime.date(2024, 2, 29), datetime.date(2024, 3, 31))
    """
    return _schedule(first, count, day, 1)


def quarterly_dates(first: date, count: int, day: int | None = None) -> tuple[date, ...]:
    """``count`` dates three months apart, starting in ``first``'s month; clamped like
    :func:`monthly_dates`."""
    return _schedule(first, count, day, 3)


def month_ends(year: FinancialYear) -> tuple[date, ...]:
    """The last day of each of the 12 months of ``year``: 30 April .. 31 March."""
    return monthly_dates(year.start, 12, day=31)


def quarter_ends(year: FinancialYear) -> tuple[date, ...]:
    """The last day of each quarter of ``year``: 30 June, 30 September, 31 December, 31 March."""
    return quarterly_dates(year.month(3).start, 4, day=31)
