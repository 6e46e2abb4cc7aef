"""The ledger table column by column: one list per column, made a short run of
entries at a time, the entries of a run taken class by class.

:func:`~pooledledger.books.tables.ledger_table` shows every entry of a ledger
(docs/excel-and-dataframes.md), and a ledger may hold hundreds of thousands, most
of them expenditure.  Reading the fields is bound by memory, not by Python: an
entry, its field ``dict`` and its values lie scattered over hundreds of megabytes.
Reading one field from every entry in turn (one pass per column) brings every
entry back into the processor's cache once per column, and keeping a tuple per
entry until the end makes the columns from memory the cache no longer holds.  So
the entries are taken :data:`_CHUNK` at a time, a run small enough to stay in the
cache while its cells are read and placed:

* the run's entries are grouped by exact class (a subclass of an entry class is
  shown as that class); one comprehension per class, with no call per entry,
  reads each entry's row as a tuple in the order of :data:`LEDGER_FIELDS` (pence
  from the entries' cached ``pence``, ``net_pence`` and ``vat_pence``); the rows
  of a run of one class are taken as they are, else the classes' rows are put
  back in ledger order by one ``itemgetter`` of their places;
* the run's rows are turned into its cells of each column, which are put in
  place in the full-length column lists, made once.

A date's financial year, as text, is worked out once per distinct date.  An
expenditure's recoverable VAT is its pool line's (``Ledger.pool_lines``, or the
pool columns of a large ledger, :mod:`pooledledger.books.pool_columns`: the same VAT
split), else its VAT split's.  The pool lines come in ledger order, so a
run's expenditures have the next expenditure lines and its reversals the next
reversal lines, checked by id, with no lookup by id.  A reversal's row is the row
of the entry it reverses, negated, with its own id, date, year, reason and
``reverses``; the rows of the entries reversed are made as above, the recoverable
VAT of an expenditure reversed being its reversal's line's, negated (a reversal's
line is the line it reverses, negated).  Whatever the lines do not give in order
is looked up by id, as before.  A reversed reversal shows no row of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from itertools import compress, repeat
from operator import is_, itemgetter
from typing import Any

from pooledledger.books.ledger import Ledger
from pooledledger.books.pool_columns import held_columns
from pooledledger.core.money import to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import Cell
from pooledledger.model.entries import (
    Contribution,
    EntryKind,
    Expenditure,
    Income,
    Instalment,
    Reversal,
    Settlement,
    YearClosed,
)

__all__ = ["LEDGER_FIELDS", "ledger_fields"]

#: The fields of an entry's row, in the order its tuple holds them (the ledger
#: table's columns but the pounds and the currency).
LEDGER_FIELDS = (
    "entry_id",
    "entry",
    "date",
    "year",
    "scheme",
    "partner",
    "kind",
    "party",
    "category",
    "description",
    "reverses",
    "capital",
    "pence",
    "vat_pence",
    "recoverable_vat_pence",
    "pool_cost_pence",
)

_Row = tuple[Cell, ...]

#: Entries per run: small enough that a run's entries, their fields and their
#: tuples stay in the processor's cache while its cells are read and placed.
_CHUNK = 64


class _Context:
    """What the rows of the entries need beyond the entries (shared by all runs)."""

    __slots__ = (
        "_by_id",
        "find",
        "hints",
        "ledger",
        "lines",
        "next",
        "next_undo",
        "undo",
        "years",
    )

    def __init__(
        self, ledger: Ledger, find: Callable[[list[str]], dict[str, int]] | None = None
    ) -> None:
        """``find`` gives the recoverable VAT of expenditure lines by id: with it, the
        ledger's lines are not all listed (the rows of a few entries need a few)."""
        self.ledger = ledger
        self.find = find
        #: each date's financial year, as text, once seen
        self.years: dict[date, str] = {}
        #: the expenditure lines and the reversal lines, each in ledger order, as
        #: (id, recoverable VAT) and (id, recoverable VAT, id reversed)
        self.lines, self.undo = ([], []) if find is not None else _lines(ledger)
        #: the places in those of the lines of the ledger's next expenditure and reversal
        self.next = self.next_undo = 0
        #: the recoverable VAT of the lines some reversals reverse, by id
        self.hints: dict[str, int] = {}
        self._by_id: dict[str, int] | None = None

    def year(self, when: date) -> str:
        got = self.years.get(when)
        if got is None:
            got = self.years[when] = str(FinancialYear.for_date(when))
        return got

    def recoverable(self, xs: Sequence[Expenditure]) -> list[int]:
        """Each expenditure's recoverable VAT: its pool line's, else its VAT split's."""
        got = self._of_lines([x.id for x in xs])
        if None in got:
            for i, rec in enumerate(got):
                if rec is None:
                    got[i] = sum(r for _, r in self.ledger.vat_shares(xs[i]).values())
        return got  # type: ignore[return-value]

    def _of_lines(self, ids: list[str]) -> list[int | None]:
        """The recoverable VAT of the expenditure lines of ``ids`` (``None``: no line).

        Met in ledger order, their lines are the next ones (if their ids agree);
        otherwise they are looked up by id, first among the :attr:`hints`.
        """
        k = self.next
        lines = self.lines[k : k + len(ids)]
        if [x[0] for x in lines] == ids:
            self.next = k + len(ids)
            return [x[1] for x in lines]
        got: list[int | None] = list(map(self.hints.get, ids))
        if None in got and self.find is not None:
            found = self.find([x for x, g in zip(ids, got, strict=True) if g is None])
            return [found.get(x) if g is None else g for x, g in zip(ids, got, strict=True)]
        if None in got:
            if self._by_id is None:
                self._by_id = dict(self.lines)
            got = list(map(self._by_id.get, ids))
        return got

    def reversing(self, xs: Sequence[Reversal], sources: list[Any]) -> None:
        """The :attr:`hints` for reversals ``xs`` of ``sources``, from the reversals' own
        lines if theirs are the next reversal lines: a reversal's line is the line it
        reverses negated (a reversal of a year-closed marker has none)."""
        lines = (Expenditure, Income)
        ids = [x.id for x, e in zip(xs, sources, strict=True) if isinstance(e, lines)]
        k = self.next_undo
        undo = self.undo[k : k + len(ids)]
        if [x[0] for x in undo] == ids:
            self.next_undo = k + len(ids)
            self.hints = {x[2]: -x[1] for x in undo}


def _lines(
    ledger: Ledger,
) -> tuple[list[tuple[str, int]], list[tuple[str, int, str]]]:
    """The ledger's expenditure lines as (id, recoverable VAT) and its reversal lines as
    (id, recoverable VAT, id reversed), each in ledger order: read from the pool
    columns if the ledger's lines are held that way, else from its lines."""
    columns = held_columns(ledger)
    if columns is not None:
        ids, rec, undo, spent = (
            columns.ids,
            columns.recovered,
            columns.reverses,
            columns.expenditure,
        )
        return (
            [(ids[i], rec[i]) for i in range(len(ids)) if undo[i] is None and spent[i]],
            [(ids[i], rec[i], r) for i, r in enumerate(undo) if r is not None],
        )
    lines = ledger.pool_lines
    return (
        [(x.entry_id, x.vat_recovered) for x in lines if x.reverses is None and x.kind is _EXP],
        [(x.entry_id, x.vat_recovered, x.reverses) for x in lines if x.reverses is not None],
    )


_EXP = EntryKind.EXPENDITURE


def ledger_fields(ledger: Ledger) -> dict[str, list[Cell]]:
    """Every entry's row, as one list per :data:`LEDGER_FIELDS` name (a ledger's lines
    held in columns read there, :mod:`pooledledger.books.ledger_held`)."""
    from pooledledger.books.ledger_held import held_fields

    held = held_fields(ledger, LEDGER_FIELDS)
    if held is not None:
        return held
    t, entries = _Context(ledger), ledger.entries
    n = len(entries)
    columns: list[list[Cell]] = [[None] * n for _ in LEDGER_FIELDS]
    for start in range(0, n, _CHUNK):
        end = start + _CHUNK
        for column, cells in zip(
            columns, zip(*_rows(t, entries[start:end]), strict=True), strict=True
        ):
            column[start:end] = cells
    return dict(zip(LEDGER_FIELDS, columns, strict=True))


def _rows(t: _Context, entries: Sequence[Any]) -> Sequence[_Row]:
    """The rows of ``entries``, in their order, made class by class."""
    classes = list(map(type, entries))
    kinds = dict.fromkeys(classes)
    if len(kinds) <= 1:
        return _builder(classes[0])(t, entries) if classes else []
    places: list[int] = []
    rows: list[_Row] = []
    for kind in kinds:
        at = list(compress(range(len(classes)), map(is_, classes, repeat(kind))))
        places += at
        rows += _builder(kind)(t, list(map(entries.__getitem__, at)))
    back = [0] * len(places)  # each entry's place in the classes' rows, joined
    for joined, place in enumerate(places):
        back[place] = joined
    return itemgetter(*back)(rows)  # type: ignore[no-any-return]  # two or more rows


def _builder(kind: type) -> _Build:
    """The rows of an entry class; of a subclass, those of the entry class."""
    return _BUILDERS.get(kind) or next(f for c, f in _BUILDERS.items() if issubclass(kind, c))


def _expenditure(t: _Context, xs: Sequence[Expenditure]) -> list[_Row]:
    known, year = t.years.get, t.year
    return [
        (
            x.id,
            _EXPENDITURE,
            d := x.date,
            known(d) or year(d),
            x.scheme,
            x.procuring_partner,
            None,
            x.supplier or None,
            x.category,
            x.description or None,
            None,
            x.capital,
            f := x.net_pence,
            v := x.vat_pence,
            r,
            f + v - r,
        )
        for x, r in zip(xs, t.recoverable(xs), strict=True)
    ]


def _income(t: _Context, xs: Sequence[Income]) -> list[_Row]:
    known, year = t.years.get, t.year
    return [
        (
            x.id,
            _INCOME,
            d := x.date,
            known(d) or year(d),
            x.scheme,
            None,
            None,
            x.source or None,
            x.category,
            x.description or None,
            None,
            False,
            x.pence,
            0,
            0,
            0,
        )
        for x in xs
    ]


def _reversal(t: _Context, xs: Sequence[Reversal]) -> list[_Row]:
    """The rows of the entries reversed, negated, with the reversals' own fields."""
    from pooledledger.books.ledger_held import make_held

    known, year, source = t.years.get, t.year, t.ledger.get
    make_held(t.ledger, (x.reverses for x in xs))  # the held lines reversed, together
    sources = [source(x.reverses) for x in xs]
    t.reversing(xs, sources)
    shown = iter(_rows(t, [e for e in sources if not isinstance(e, Reversal)]))
    out: list[_Row] = []
    for x, e in zip(xs, sources, strict=True):
        s = _NO_ROW if isinstance(e, Reversal) else next(shown)
        when = x.date
        out.append(
            (
                *(x.id, _REVERSAL, when, known(when) or year(when), *s[4:9]),
                *(x.reason or None, x.reverses, s[11]),
                *(-s[12], -s[13], -s[14], -s[15]),  # type: ignore[operator]
            )
        )
    return out


def _contribution(t: _Context, xs: Sequence[Contribution]) -> list[_Row]:
    return [
        (
            x.id,
            _CONTRIBUTION,
            x.effective_date,
            str(x.year),
            x.scheme,
            x.partner,
            x.kind.value,
            None,
            None,
            x.description or None,
            None,
            False,
            x.pence,
            0,
            0,
            0,
        )
        for x in xs
    ]


def _instalment(t: _Context, xs: Sequence[Instalment]) -> list[_Row]:
    return [
        (
            x.id,
            _INSTALMENT,
            x.paid_date or x.due_date,
            str(x.year),
            x.scheme,
            x.partner,
            None,
            None,
            None,
            None,
            None,
            False,
            x.pence,
            0,
            0,
            0,
        )
        for x in xs
    ]


def _settlement(t: _Context, xs: Sequence[Settlement]) -> list[_Row]:
    return [
        (
            x.id,
            _SETTLEMENT,
            x.due_date,
            str(x.year),
            None,
            x.partner,
            None,
            None,
            None,
            x.description or None,
            None,
            False,
            to_pence(x.amount),
            0,
            0,
            0,
        )
        for x in xs
    ]


def _year_closed(t: _Context, xs: Sequence[YearClosed]) -> list[_Row]:
    return [(x.id, _YEAR_CLOSED, x.closed_on, str(x.year), *_NO_ROW[4:]) for x in xs]


_EXPENDITURE = EntryKind.EXPENDITURE.value
_INCOME = EntryKind.INCOME.value
_REVERSAL = EntryKind.REVERSAL.value
_CONTRIBUTION = EntryKind.CONTRIBUTION.value
_INSTALMENT = EntryKind.INSTALMENT.value
_SETTLEMENT = EntryKind.SETTLEMENT.value
_YEAR_CLOSED = EntryKind.YEAR_CLOSED.value

#: The row fields a reversal copies from the entry it reverses, when that entry
#: shows none (it is itself a reversal); a year-closed marker shows these too.
_NO_ROW: _Row = (None,) * 11 + (False, 0, 0, 0, 0)

_Build = Callable[[_Context, Sequence[Any]], Sequence[_Row]]

_BUILDERS: Mapping[type, _Build] = {
    Expenditure: _expenditure,
    Income: _income,
    Reversal: _reversal,
    Contribution: _contribution,
    Instalment: _instalment,
    Settlement: _settlement,
    YearClosed: _year_closed,
}
