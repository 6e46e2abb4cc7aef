"""Checking the dates and counts the period functions are given (docs/periods.md).

Shared by :mod:`pooledledger.core.periods` and :mod:`pooledledger.core.working_days`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from pooledledger.core.errors import PeriodError

__all__ = ["ONE_DAY", "check_count", "check_date", "date_repr"]

ONE_DAY = timedelta(days=1)


def check_date(d: object, what: str = "date") -> date:
    """Return ``d`` if it is a plain :class:`date`; raise :class:`PeriodError` otherwise."""
    if isinstance(d, datetime) or not isinstance(d, date):
        raise PeriodError(f"{what} must be a datetime.date (not a datetime), got {d!r}")
    return d


def check_count(count: object, what: str) -> int:
    """Return ``count`` if it is a whole number >= 0; raise :class:`PeriodError` otherwise."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 0:
        raise PeriodError(f"{what} must be a whole number >= 0, got {count!r}")
    return count


def date_repr(d: date) -> str:
    """``d`` as the Python expression that makes it, e.g. ``date(2025, 4, 1)``."""
    return f"date({d.year}, {d.month}, {d.day})"
