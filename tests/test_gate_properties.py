"""Acceptance property of the gate (issue 8): nothing lost, nothing crashes.

For any ledger built through the API, from generated entries of which some are
invalid (unknown schemes and partners, dates outside the term or the supported
range, capital items with no owner, negative amounts, reversals), posted in
batches: either building, posting or closing raises coded issues, or the close's
gross expenditure (and income, and net) is the sum of the year's pool lines and
every partner's shares add up to it.  See docs/ledger.md#the-gate.
"""

from __future__ import annotations

import itertools
from datetime import date

from hypothesis import event, given
from hypothesis import strategies as st

from pooledledger.books.ledger import Ledger, LedgerError
from pooledledger.core.errors import ISSUE_CODES, IssueError
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry, Expenditure, Income, Instalment, Reversal
from pooledledger.yearend.checks import check_ledger
from pooledledger.yearend.close import close_year
from strategies import YEAR, agreements, entry_streams

#: Dates no ledger accepts (PL-LED-011) and two outside every generated term (PL-LED-003).
BAD_DATES = (date(9999, 6, 1), date(1, 1, 15), date(1899, 12, 31), date(2200, 4, 1))
OUTSIDE_TERM = date(1950, 6, 1)
LATE = date(2150, 6, 1)


@st.composite
def spoiled(draw: st.DrawFn, entry: Entry) -> tuple[Entry, bool]:
    """``entry``, perhaps spoiled; the flag says whether an entry-level check must refuse it."""
    how = draw(
        st.sampled_from(
            ("keep", "keep", "keep", "keep", "scheme", "partner", "date", "term", "capital", "sign")
        )
    )
    if how == "scheme" and isinstance(entry, Expenditure | Income | Instalment):
        return entry.model_copy(update={"scheme": "NO-SUCH-SCHEME"}), True
    if how == "partner" and isinstance(entry, Instalment):
        return entry.model_copy(update={"partner": "NOBODY"}), True
    if how == "partner" and isinstance(entry, Expenditure):
        return entry.model_copy(update={"procuring_partner": "NOBODY"}), True
    if how == "date" and isinstance(entry, Expenditure | Income | Reversal):
        return entry.model_copy(update={"date": draw(st.sampled_from(BAD_DATES))}), True
    if how == "term" and isinstance(entry, Expenditure | Income):
        return entry.model_copy(update={"date": OUTSIDE_TERM}), True
    if how == "term" and isinstance(entry, Reversal):  # after the term (and its original)
        return entry.model_copy(update={"date": LATE}), True
    if how == "capital" and isinstance(entry, Expenditure):
        return entry.model_copy(update={"capital": True, "procuring_partner": None}), True
    if how == "sign" and isinstance(entry, Income):  # a warning only (PL-LED-012)
        return entry.model_copy(update={"amount": -abs(entry.amount)}), False
    return entry, False


@st.composite
def cases(draw: st.DrawFn) -> tuple[Agreement, list[list[tuple[Entry, bool]]]]:
    agreement = draw(agreements(max_partners=4, max_schemes=3))
    stream = draw(entry_streams(agreement, max_size=25))
    if draw(st.booleans()):
        # mostly clean books, so the close is reached: no instalments (they must add up,
        # PL-LED-008) and the partners' agreement to any cross-subsidy (PL-LED-006)
        stream = [e for e in stream if not isinstance(e, Instalment)]
        stream = [
            e.model_copy(update={"agreement_ref": "JCB"}) if isinstance(e, Expenditure) else e
            for e in stream
        ]
    entries = [draw(spoiled(e)) for e in stream]
    cuts = sorted(draw(st.lists(st.integers(0, len(entries)), max_size=3)))
    bounds = [0, *cuts, len(entries)]
    batches = [entries[a:b] for a, b in itertools.pairwise(bounds)]
    return agreement, batches


def _coded(exc: IssueError | LedgerError) -> None:
    assert exc.issues, exc
    assert all(i.code in ISSUE_CODES for i in exc.issues), exc.issues
    assert any(i.is_error for i in exc.issues)


@given(cases())
def test_nothing_lost_nothing_crashes(
    case: tuple[Agreement, list[list[tuple[Entry, bool]]]],
) -> None:
    agreement, batches = case
    ledger: Ledger | None = None
    for batch in batches:
        entries = [e for e, _ in batch]
        refused = {e.id for e, bad in batch if bad}
        failure: IssueError | LedgerError | None = None
        try:
            ledger = Ledger(agreement, entries) if ledger is None else ledger.post(*entries)
        except (IssueError, LedgerError) as exc:  # LedgerError: a structural problem
            failure = exc
        if failure is not None:
            _coded(failure)
            # every spoiled entry of the batch is named: nothing slips through
            named = {i.location.entry_id for i in failure.issues}
            assert isinstance(failure, LedgerError) or refused <= named, failure.issues
            event(f"refused when posted ({type(failure).__name__})")
            return
        assert not refused, f"posted {refused} without an issue"
    assert ledger is not None
    refusal: IssueError | None = None
    try:
        close = close_year(agreement, ledger, YEAR)
    except IssueError as exc:
        refusal = exc
    if refusal is not None:
        _coded(refusal)
        assert refusal.issues == tuple(check_ledger(ledger))
        event("close refused")
        return
    event("closed")
    in_year = [pl for pl in ledger.pool_lines if YEAR.contains(pl.date)]
    expenditure = sum(pl.amount for pl in in_year if pl.kind == "expenditure")
    income = sum(pl.amount for pl in in_year if pl.kind == "income")
    assert sum(s.expenditure for s in close.schemes) == expenditure
    assert sum(s.income for s in close.schemes) == income
    for s in close.schemes:
        assert sum(s.gross_share.values()) == s.expenditure, s.scheme
        assert sum(s.income_share.values()) == s.income, s.scheme
        assert sum(s.net_share.values()) == s.net == s.expenditure - s.income, s.scheme
    assert sum(p.gross_share for p in close.partners) == expenditure
    assert sum(p.income_share for p in close.partners) == income
    assert sum(p.net_share for p in close.partners) == expenditure - income
    # the ledger's warnings travel with the close
    warnings = [i for i in check_ledger(ledger) if not i.is_error]
    assert list(close.issues[: len(warnings)]) == warnings
