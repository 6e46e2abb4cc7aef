"""``ledger_fields`` (books/ledger_columns.py), which makes the ledger table a run of
entries at a time, gives cell for cell, value and type, what the row-per-entry
version gave (tests/ledger_fields_oracle.py keeps it).

Hypothesis draws ledgers over five financial years with entries of every class
(contributions of every kind, instalments paid or not, expenditure with and
without VAT, recoverable VAT given or worked out, capital items, income,
settlements, year-closed markers), reversals of expenditure, income and
year-closed markers (on the marker's own date too, where the reversal sorts
first), empty and missing optional text, and subclasses of the entry classes; the
runs are 1 to 64 entries long.  Ledgers as ``ledger_fields`` reads them, with some
pool lines left out (so recoverable VAT comes from the VAT split and the lines no
longer follow the entries) and a reversal of a reversal added, are compared too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pooledledger.books.ledger_columns as ledger_columns
from ledger_fields_oracle import ledger_fields as old_ledger_fields
from pooledledger.books.ledger import Ledger
from pooledledger.books.lines import PoolLine
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import Cell
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
    Settlement,
    YearClosed,
)
from pooledledger.model.partners import PartnerId
from strategies import agreements, line_pence, pence_text, positive_pence

#: The term every drawn agreement is given: five financial years.
TERM_START, TERM_END = date(2023, 4, 1), date(2028, 3, 31)
TERM_DAYS = (TERM_END - TERM_START).days


class SubExpenditure(Expenditure):
    """A subclass of an entry class: shown as the class it derives from."""


class SubIncome(Income):
    pass


class SubReversal(Reversal):
    pass


class SubContribution(Contribution):
    pass


def same_fields(new: dict[str, list[Cell]], old: dict[str, list[Cell]]) -> None:
    """The same columns, in the same order, each cell of the same value and type."""
    assert list(new) == list(old)
    for name, column in old.items():
        got = new[name]
        assert type(got) is list, name
        assert len(got) == len(column), name
        for i, (a, b) in enumerate(zip(got, column, strict=True)):
            assert type(a) is type(b), (name, i, a, b)
            assert a == b, (name, i, a, b)


@contextmanager
def runs_of(size: int) -> Iterator[None]:
    """``ledger_fields`` taking ``size`` entries at a time."""
    was = ledger_columns._CHUNK
    ledger_columns._CHUNK = size
    try:
        yield
    finally:
        ledger_columns._CHUNK = was


# -- drawing ledgers ------------------------------------------------------------------

days = st.integers(0, TERM_DAYS).map(lambda n: TERM_START + timedelta(days=n))
texts = st.one_of(
    st.just(""), st.sampled_from(["Acme Ltd", "café £5", "=1+1"]), st.text(max_size=6)
)
categories = st.one_of(st.none(), st.just(""), st.sampled_from(["care", "equipment"]))


def wide_term(agreement: Agreement) -> Agreement:
    """``agreement`` running over :data:`TERM_START` to :data:`TERM_END`."""
    fields = {name: getattr(agreement, name) for name in Agreement.model_fields}
    return Agreement(**{**fields, "term_start": TERM_START, "term_end": TERM_END})


@st.composite
def expenditures(draw: st.DrawFn, ag: Agreement, entry_id: str) -> Expenditure:
    net = draw(line_pence)
    vat = draw(st.sampled_from([0, net // 5, draw(line_pence)]))
    rec = None
    if draw(st.booleans()):
        rec = pence_text(draw(st.integers(min(0, vat), max(0, vat))))
    procuring = draw(st.none() | st.sampled_from(ag.partner_order))
    cls = draw(st.sampled_from([Expenditure, Expenditure, Expenditure, SubExpenditure]))
    return cls(
        id=entry_id,
        scheme=draw(st.sampled_from(ag.scheme_ids)),
        date=draw(days),
        net=pence_text(net),
        vat=pence_text(vat),
        vat_recoverable=rec,
        supplier=draw(texts),
        category=draw(categories),
        procuring_partner=procuring,
        paid_by=draw(st.none() | st.sampled_from(ag.partner_order)),
        capital=draw(st.booleans()) and procuring is not None,
        cos_listed=draw(st.booleans()),
        description=draw(texts),
    )


@st.composite
def incomes(draw: st.DrawFn, ag: Agreement, entry_id: str) -> Income:
    return draw(st.sampled_from([Income, Income, SubIncome]))(
        id=entry_id,
        scheme=draw(st.sampled_from(ag.scheme_ids)),
        date=draw(days),
        amount=pence_text(draw(line_pence)),
        source=draw(texts),
        category=draw(categories),
        description=draw(texts),
    )


@st.composite
def contributions(draw: st.DrawFn, ag: Agreement, entry_id: str) -> Contribution:
    on = draw(days)
    return draw(st.sampled_from([Contribution, Contribution, SubContribution]))(
        id=entry_id,
        partner=draw(st.sampled_from(ag.partner_order)),
        scheme=draw(st.sampled_from(ag.scheme_ids)),
        year=FinancialYear.for_date(on),
        amount=pence_text(draw(line_pence)),
        kind=draw(st.sampled_from(ContributionKind)),
        effective_date=on,
        approval_ref=f"REF-{entry_id}",
        description=draw(texts),
    )


@st.composite
def instalments(draw: st.DrawFn, ag: Agreement, entry_id: str) -> Instalment:
    due = draw(days)
    year = FinancialYear.for_date(due)
    paid = draw(st.none() | st.integers(0, 800).map(lambda n: year.start + timedelta(days=n)))
    return Instalment(
        id=entry_id,
        partner=draw(st.sampled_from(ag.partner_order)),
        scheme=draw(st.sampled_from(ag.scheme_ids)),
        year=year,
        amount=pence_text(draw(positive_pence)),
        due_date=due,
        paid_date=paid,
    )


@st.composite
def settlements(draw: st.DrawFn, ag: Agreement, entry_id: str) -> Settlement:
    due = draw(days)
    return Settlement(
        id=entry_id,
        year=FinancialYear.for_date(due).previous(),
        partner=draw(st.sampled_from(ag.partner_order)),
        amount=pence_text(draw(line_pence)),
        due_date=due,
        paid_date=draw(st.none() | days),
        description=draw(texts),
    )


@st.composite
def year_closed(draw: st.DrawFn, ag: Agreement, entry_id: str) -> YearClosed:
    on = draw(days)
    return YearClosed(id=entry_id, year=FinancialYear.for_date(on).previous(), closed_on=on)


def when(e: Entry) -> date:
    return e.closed_on if isinstance(e, YearClosed) else cast(Any, e).date


@st.composite
def reversal(draw: st.DrawFn, original: Entry, entry_id: str) -> Reversal:
    """A reversal of ``original`` on its date (often) or later in the term."""
    first = (when(original) - TERM_START).days
    offset = draw(st.one_of(st.just(first), st.integers(first, TERM_DAYS)))
    return draw(st.sampled_from([Reversal, Reversal, SubReversal]))(
        id=entry_id,
        reverses=original.id,
        date=TERM_START + timedelta(days=offset),
        reason=draw(st.sampled_from(["posted in error", "=duplicate", "x"])),
    )


MAKERS = {
    "expenditure": expenditures,
    "income": incomes,
    "contribution": contributions,
    "instalment": instalments,
    "settlement": settlements,
    "year_closed": year_closed,
}
KINDS = ["expenditure"] * 4 + ["reversal"] * 2 + list(MAKERS)


@st.composite
def ledgers(draw: st.DrawFn) -> Ledger:
    ag = wide_term(draw(agreements(max_partners=4, max_schemes=3)))
    entries: list[Entry] = []
    open_: list[Entry] = []  # not yet reversed
    for i in range(draw(st.integers(0, 60))):
        entry_id = f"E{i:03d}"
        kind = draw(st.sampled_from(KINDS))
        if kind == "reversal":
            if not open_:
                continue
            entries.append(
                draw(reversal(open_.pop(draw(st.integers(0, len(open_) - 1))), entry_id))
            )
            continue
        entry = cast(Entry, draw(MAKERS[kind](ag, entry_id)))
        entries.append(entry)
        if isinstance(entry, Expenditure | Income | YearClosed):
            open_.append(entry)
    return Ledger(ag, entries)


# -- ledgers as ledger_fields reads them ----------------------------------------------


@dataclass
class Read:
    """What ``ledger_fields`` reads of a ledger, some of it changed: pool lines left
    out, entries added (a reversal of a reversal, which a ``Ledger`` refuses)."""

    ledger: Ledger
    dropped: set[str]
    added: tuple[Entry, ...] = ()
    by_id: dict[str, Entry] = field(init=False)

    def __post_init__(self) -> None:
        self.by_id = {e.id: e for e in (*self.ledger.entries, *self.added)}

    @property
    def entries(self) -> tuple[Entry, ...]:
        return (*self.ledger.entries, *self.added)

    @property
    def pool_lines(self) -> tuple[PoolLine, ...]:
        return tuple(x for x in self.ledger.pool_lines if x.entry_id not in self.dropped)

    def get(self, entry_id: str) -> Entry:
        return self.by_id[entry_id]

    def vat_shares(self, expenditure: Expenditure) -> dict[PartnerId, tuple[int, int]]:
        return self.ledger.vat_shares(expenditure)


# -- the properties -------------------------------------------------------------------

chunks = st.sampled_from([1, 2, 3, 5, 8, 64])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledger=ledgers(), size=chunks)
def test_ledger_fields_are_the_old_rows_cell_for_cell(ledger: Ledger, size: int) -> None:
    want = old_ledger_fields(ledger)
    with runs_of(size):
        same_fields(ledger_columns.ledger_fields(ledger), want)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ledger=ledgers(), size=chunks, data=st.data())
def test_missing_pool_lines_and_a_reversed_reversal(
    ledger: Ledger, size: int, data: st.DataObject
) -> None:
    ids = sorted(x.entry_id for x in ledger.pool_lines)
    dropped = set(data.draw(st.lists(st.sampled_from(ids)) if ids else st.just([])))
    reversals = [e for e in ledger.entries if isinstance(e, Reversal)]
    added: tuple[Entry, ...] = ()
    again: bool = data.draw(st.booleans())
    if reversals and again:
        undone = data.draw(st.sampled_from(reversals))
        added = (Reversal(id="ZZ-RR", reverses=undone.id, date=undone.date, reason="again"),)
    read = cast(Ledger, Read(ledger, dropped, added))
    want = old_ledger_fields(read)
    with runs_of(size):
        same_fields(ledger_columns.ledger_fields(read), want)


def test_every_class_and_both_reversal_paths_are_drawn() -> None:
    """The drawn ledgers hold what the properties are about (a smoke check of the
    strategy, not of ledger_fields)."""
    seen: set[str] = set()

    @settings(max_examples=200, deadline=None, database=None)
    @given(ledger=ledgers())
    def look(ledger: Ledger) -> None:
        for e in ledger.entries:
            seen.add(type(e).__name__)
            if isinstance(e, Reversal):
                seen.add("reversal of " + type(ledger.get(e.reverses)).__name__)
        if (
            len(
                {
                    FinancialYear.for_date(when(e))
                    for e in ledger.entries
                    if not isinstance(e, Contribution | Instalment | Settlement)
                }
            )
            > 1
        ):
            seen.add("several years")

    look()
    wanted = {
        *("Expenditure", "Income", "Reversal", "Contribution", "Instalment", "Settlement"),
        *("YearClosed", "SubExpenditure", "SubIncome", "SubReversal", "SubContribution"),
        *("reversal of Expenditure", "reversal of Income", "reversal of YearClosed"),
        "several years",
    }
    assert wanted <= seen, wanted - seen


def test_a_big_ledger_crosses_many_runs() -> None:
    """A generated pool of 3,000 lines at the default run length."""
    from strategies import random_pool

    agreement, entries = random_pool(11, 3_000, n_schemes=8)
    ledger = Ledger(agreement, entries)
    same_fields(ledger_columns.ledger_fields(ledger), old_ledger_fields(ledger))
