"""Grouped sums of a ledger's pool lines in a period, made in one walk and kept.

A close and its reports read the same few sums of a period's pool lines: each
scheme's totals, the rule inputs (docs/year-end.md#rule-inputs), the VAT recovered
and the spending paid directly (docs/year-end.md#the-settlement-schedule), the
memorandum account's income by source and spending by category
(docs/reports.md), and the capital items (I-11).  :func:`line_sums` makes them all
in one walk of the lines dated in the period and keeps them with the ledger, which
never changes (docs/ledger.md), so each later reader is a lookup.

The sums are kept as flat mappings in the order their keys first appear among the
lines (the order the per-line loops they replace built their own mappings in), so
the figures and their order are the same.  Sums of consecutive runs of lines add
up (:meth:`LineSums.merged`): a period is summed month by month, with a financial
year's last day (where a quarterly projection's forecast lines fall) a run of its
own, so a close and the projections of its quarters
(docs/reports.md#the-quarterly-monitoring-report) share one walk of the year.

The pool lines are in canonical order, so by date (docs/ledger.md): the lines of a
period are one slice of them, found by bisection.  A large ledger's lines are held
in columns (:mod:`pooledledger.books.pool_columns`): each run is then summed by
column expressions over its slice (:func:`~pooledledger.books.pool_columns.column_sums`,
the same figures in the same order) and no line object is made
(docs/benchmarks.md#design-note-columns).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import TypeVar, cast

from pooledledger.books.ledger import Ledger
from pooledledger.books.lines import PoolLine, Totals
from pooledledger.books.pool_columns import LinesAt, column_sums, held_columns
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry, EntryKind, Expenditure, Income, Reversal
from pooledledger.model.partners import PartnerId, SchemeId

__all__ = [
    "CapitalLine",
    "LineSums",
    "line_sums",
    "lines_between",
    "reversals_of",
    "seed_line_sums",
    "sum_run",
]

_EXP = EntryKind.EXPENDITURE

K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class CapitalLine:
    """A line of a capital item (or its reversal): the line, the item, and the running
    total of its scheme's lines of its kind before it in the period (for its shares)."""

    line: PoolLine
    item: Expenditure
    before: int


@dataclass(slots=True)
class LineSums:
    """The sums of a run of pool lines, in pence (see the module docs).

    Keyed by scheme and kind (``amounts``), scheme (``vat_recovered``,
    ``unauthorised``), scheme and commissioning partner (``commissioned``),
    scheme and procuring partner (``own_vat``: VAT not recovered on its own
    purchases), scheme and payer (``direct``), scheme, recovering body and payer
    (``vat_flows``); for the agreement's schemes only, income by scheme and source,
    spending by scheme and category, VAT recovered by body and the capital lines.
    """

    count: int = 0
    amounts: dict[tuple[SchemeId, EntryKind], int] = field(default_factory=dict)
    vat_recovered: dict[SchemeId, int] = field(default_factory=dict)
    commissioned: dict[tuple[SchemeId, PartnerId], int] = field(default_factory=dict)
    unauthorised: dict[SchemeId, int] = field(default_factory=dict)
    own_vat: dict[tuple[SchemeId, PartnerId], int] = field(default_factory=dict)
    direct: dict[tuple[SchemeId, PartnerId], int] = field(default_factory=dict)
    vat_flows: dict[tuple[SchemeId, PartnerId, PartnerId], int] = field(default_factory=dict)
    income_by: dict[tuple[SchemeId, str], int] = field(default_factory=dict)
    by_category: dict[tuple[SchemeId, str], int] = field(default_factory=dict)
    vat_by_body: dict[PartnerId, int] = field(default_factory=dict)
    capital: list[CapitalLine] = field(default_factory=list)

    def totals(self, schemes: Iterable[SchemeId]) -> dict[SchemeId, Totals]:
        """Each scheme's totals, as :meth:`Ledger.totals_by_scheme` gives them."""
        a, v = self.amounts, self.vat_recovered
        return {
            k: Totals(a.get((k, _EXP), 0), a.get((k, EntryKind.INCOME), 0), v.get(k, 0))
            for k in schemes
        }

    def merged(self, later: LineSums) -> LineSums:
        """The sums of this run followed by ``later`` (keys in first-appearance order)."""
        out = LineSums(count=self.count + later.count)
        for name in _ADDED:
            mine, theirs = getattr(self, name), getattr(later, name)
            both = dict(mine)
            for key, value in theirs.items():
                both[key] = both.get(key, 0) + value
            setattr(out, name, both)
        out.capital = [*self.capital, *_shifted(later.capital, self.amounts)]
        return out


_ADDED = (
    "amounts",
    "vat_recovered",
    "commissioned",
    "unauthorised",
    "own_vat",
    "direct",
    "vat_flows",
    "income_by",
    "by_category",
    "vat_by_body",
)


def _shifted(
    capital: list[CapitalLine], before: dict[tuple[SchemeId, EntryKind], int]
) -> list[CapitalLine]:
    """Capital lines of a later run, their running totals moved on by the earlier run's."""
    return [
        CapitalLine(c.line, c.item, c.before + before.get((c.line.scheme, c.line.kind), 0))
        for c in capital
    ]


def sum_run(
    lines: Sequence[PoolLine], agreement: Agreement, get: Callable[[str], Entry | None]
) -> LineSums:
    """The sums of ``lines`` (a run of a ledger's pool lines, in canonical order);
    ``get`` finds an entry by id (the line's own, or the one it reverses).  One walk;
    what every line adds is summed here, the rest in :func:`_flows` and :func:`_reported`."""
    s = LineSums(count=len(lines))
    schemes = frozenset(agreement.scheme_ids)
    host, partners = agreement.host, frozenset(agreement.partner_order)
    amounts, vat_recovered, commissioned = s.amounts, s.vat_recovered, s.commissioned
    by_category, income_by = s.by_category, s.income_by
    for line in lines:
        k, amount = line.scheme, line.amount
        key = (k, line.kind)
        before = amounts.get(key, 0)
        amounts[key] = before + amount
        e = get(line.reverses or line.entry_id)
        if isinstance(e, Expenditure):  # an expenditure line, or its reversal
            vat_recovered[k] = vat_recovered.get(k, 0) + line.vat_recovered
            who = (k, e.procuring_partner or host)
            commissioned[who] = commissioned.get(who, 0) + amount
            _flows(s, line, e, host, partners)
            if k in schemes:
                cat = (k, e.category or "uncategorised")
                by_category[cat] = by_category.get(cat, 0) + amount
                _reported(s, line, e, before)
        elif k in schemes and isinstance(e, Income):
            source = (k, e.source or "other income")
            income_by[source] = income_by.get(source, 0) + amount
    return s


def _flows(
    s: LineSums, line: PoolLine, e: Expenditure, host: PartnerId, partners: frozenset[PartnerId]
) -> None:
    """Unauthorised spending, a partner's irrecoverable VAT on its own purchases, spending
    paid directly and VAT recovered by (body, payer) of one expenditure line: what the
    per-line loops of :mod:`pooledledger.yearend.steps.variance` and
    :func:`pooledledger.books.journals.line_flows` summed."""
    k, amount, by_body = line.scheme, line.amount, line.vat_by_body
    if e.unauthorised:
        s.unauthorised[k] = s.unauthorised.get(k, 0) + amount
    if e.procuring_partner in partners:
        own = (k, e.procuring_partner)
        s.own_vat[own] = s.own_vat.get(own, 0) + sum(v - r for _, v, r in by_body)
    payer = line.paid_by if line.paid_by in partners else host
    if payer != host and amount:
        paid = (k, payer)
        s.direct[paid] = s.direct.get(paid, 0) + amount
    for body, _, recovered in by_body:  # AGENT: each partner on its share
        if recovered:
            flow = (k, body if body in partners else host, payer)
            s.vat_flows[flow] = s.vat_flows.get(flow, 0) + recovered


def _reported(s: LineSums, line: PoolLine, e: Expenditure, before: int) -> None:
    """VAT recovered by body and capital items of one expenditure line of an agreement
    scheme, for the memorandum account."""
    for body, _, recovered in line.vat_by_body:
        if recovered:
            s.vat_by_body[body] = s.vat_by_body.get(body, 0) + recovered
    if e.capital:
        s.capital.append(CapitalLine(line, e, before))


def _sum_run(ledger: Ledger, start: date, end: date) -> LineSums:
    """The sums of the lines dated in ``[start, end)`` (a run of :func:`_runs`): from the
    pool lines in columns if the ledger holds them so (and its sums fit ``Int64``),
    else line by line."""
    columns = held_columns(ledger)
    if columns is not None and columns.fits:
        lo, hi = columns.between(start, end)
        return column_sums(columns, lo, hi, ledger.agreement, ledger.get_or_none)
    return sum_run(lines_between(ledger, start, end), ledger.agreement, ledger.get_or_none)


def lines_between(ledger: Ledger, start: date, end: date) -> Sequence[PoolLine]:
    """The pool lines dated in ``[start, end)``: one slice, the lines being by date
    (a view of the pool columns if the ledger holds its lines so, each line made
    when read)."""
    columns = held_columns(ledger)
    if columns is not None:
        lo, hi = columns.between(start, end)
        return LinesAt(columns, list(range(lo, hi)))
    lines = ledger.pool_lines
    lo = bisect_left(lines, start, key=_date)
    hi = bisect_left(lines, end, lo=lo, key=_date)
    return lines[lo:hi]


def _date(line: PoolLine) -> date:
    return line.date


def line_sums(ledger: Ledger, within: DateRange) -> LineSums:
    """The sums of the ledger's pool lines dated inside ``within``, made once and kept.

    A period is summed as the runs of :func:`_runs` (each made once), added up in
    date order, so the periods of a close and of its quarters share their walks."""
    start, end = within.start, within.end
    found = ledger._memo.get(("line_sums", start, end))
    if found is None:
        runs = _runs(start, end)
        if len(runs) <= 1:
            found = _sum_run(ledger, start, end)
        else:
            found = line_sums(ledger, DateRange(*runs[0]))
            for a, b in runs[1:]:
                found = found.merged(line_sums(ledger, DateRange(a, b)))
        ledger._memo[("line_sums", start, end)] = found
    return cast(LineSums, found)


def _runs(start: date, end: date) -> list[tuple[date, date]]:
    """``[start, end)`` cut on the first of every month and on every financial year's
    last day (where a projection's forecast lines fall, docs/reports.md)."""
    cuts = [start]
    d = start
    while d < end:
        last = FinancialYear.for_date(d).last_day
        month = date(d.year + d.month // 12, d.month % 12 + 1, 1)
        d = min(month, last) if d < last else month
        cuts.append(min(d, end))
    return list(pairwise(cuts))


def seed_line_sums(ledger: Ledger, within: DateRange, sums: LineSums) -> None:
    """Keep ``sums`` as the ledger's sums for ``within``: only for a ledger the library
    derives itself, whose sums are known from those of the ledger it came from."""
    ledger._memo[("line_sums", within.start, within.end)] = sums


def reversals_of(ledger: Ledger) -> dict[str, str]:
    """Each reversed entry's id and the id of its reversal (a ledger reverses an entry
    at most once, docs/ledger.md), made once and kept."""
    memo = ledger._memo
    found = memo.get("reversals_of")
    if found is None:
        # reversals are never held in a reader's store: those made are all of them
        found = {e.reverses: e.id for e in ledger._held()[0] if isinstance(e, Reversal)}
        memo["reversals_of"] = found
    return cast(dict[str, str], found)
