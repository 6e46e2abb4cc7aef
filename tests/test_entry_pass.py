"""The entry-level checks in one pass give what the checks give one by one.

:func:`~pooledledger.model.entry_checks.entry_issues` is what a
:class:`~pooledledger.books.ledger.Ledger` runs on the entries posted: one walk of
the entries for every check of :data:`~pooledledger.model.entry_checks.ENTRY_CHECKS`
and :func:`~pooledledger.model.entry_checks.check_reversal_dates`.  It must give the
issues of those checks, each with its check's place, in the order the ledger puts
them in (by check, then by the canonical order of their entries).
"""

from __future__ import annotations

from datetime import date

from hypothesis import given

from pooledledger.books.ledger import _in_order
from pooledledger.core.errors import Issue
from pooledledger.core.money import to_money
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry, Settlement, YearClosed
from pooledledger.model.entry_checks import (
    DATES_RANK,
    ENTRY_CHECKS,
    check_reversal_dates,
    entry_issues,
)
from test_gate_properties import cases


def _one_by_one(agreement: Agreement, entries: list[Entry]) -> list[tuple[int, Issue]]:
    """What the ledger did before: each check in turn, then the reversals' dates."""
    by_id = {e.id: e for e in entries}
    found = [
        (rank, i) for rank, check in enumerate(ENTRY_CHECKS) for i in check(agreement, entries)
    ]
    found += [(DATES_RANK, i) for i in check_reversal_dates(agreement, entries, by_id.get)]
    _in_order(found, by_id)
    return found


@given(cases())
def test_one_pass_gives_the_issues_of_every_check(
    case: tuple[Agreement, list[list[tuple[Entry, bool]]]],
) -> None:
    agreement, batches = case
    entries = [e for batch in batches for e, _ in batch]
    extra: list[Entry] = [
        Settlement(
            id="SETTLE-1",
            year=FinancialYear(2025),
            partner="NOBODY",
            amount=to_money(100),
            due_date=date(2026, 5, 1),
        ),
        YearClosed(id="CLOSED-1", year=FinancialYear(2025), closed_on=date(2301, 1, 1)),
    ]
    for sample in (entries, entries + extra):
        by_id = {e.id: e for e in sample}
        found = entry_issues(agreement, sample, by_id.get)
        _in_order(found, by_id)
        assert found == _one_by_one(agreement, sample)
