"""An apportionment's lines as columns: one list per field, no object per line.

:attr:`~pooledledger.books.apportion.Apportionment.lines` makes one
:class:`~pooledledger.books.apportion.LineShare` per pool line, which a close never
needs and a 200,000-line table pays for dearly.  :func:`line_columns` gives the same
lines, in the same order and with the same pence, as plain lists taken straight from
the running allocations the apportionment has already made
(docs/benchmarks.md#design-note-columns): each group's steps are put in place by
the lines' positions, and only the reversals (rare) are then gone through one by one
to copy and negate their originals' shares and add any true-up line, exactly as
:func:`~pooledledger.books.apportion._line_shares` does (docs/ledger.md#in-year-apportionment).
:func:`columns_of` turns lines already made into the same columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import compress, repeat
from operator import is_not
from typing import TYPE_CHECKING, Any

from pooledledger.books.pool_columns import LinesAt
from pooledledger.model.entries import EntryKind
from pooledledger.model.partners import PartnerId, SchemeId

if TYPE_CHECKING:
    from pooledledger.books.apportion import LineShare, _Groups
    from pooledledger.core.allocation_columns import RunningAllocation

__all__ = ["LineColumns", "columns_of", "line_columns"]


@dataclass(frozen=True, slots=True)
class LineColumns:
    """Every line of an apportionment, one list per field, in canonical order.

    Row ``i`` of each list is line ``i`` (as ``Apportionment.lines[i]`` has it, with
    ``kind`` as its text value); ``shares[j][i]`` is partner ``partners[j]``'s share
    of line ``i`` (0 for a partner the line does not name) and ``remainder[j][i]``
    whether that partner is in the line's ``remainder_to``.
    """

    partners: tuple[PartnerId, ...]
    entry_id: list[str]
    scheme: list[SchemeId]
    date: list[date]
    kind: list[str]
    amount: list[int]
    reverses: list[str | None]
    capital_owner: list[PartnerId | None]
    shares: list[list[int]]
    remainder: list[list[bool]]

    def __len__(self) -> int:
        return len(self.entry_id)

    def fields(self) -> tuple[list[Any], ...]:
        """The per-line lists (not the per-partner ones), in the order of the class."""
        return (
            self.entry_id,
            self.scheme,
            self.date,
            self.kind,
            self.amount,
            self.reverses,
            self.capital_owner,
        )


def columns_of(lines: Sequence[LineShare], partners: tuple[PartnerId, ...]) -> LineColumns:
    """Lines already made, as :class:`LineColumns`."""
    return LineColumns(
        partners,
        [x.entry_id for x in lines],
        [x.scheme for x in lines],
        [x.date for x in lines],
        [x.kind.value for x in lines],
        [x.amount for x in lines],
        [x.reverses for x in lines],
        [x.capital_owner for x in lines],
        [[x.shares.get(p, 0) for x in lines] for p in partners],
        [[p in x.remainder_to for x in lines] for p in partners],
    )


def line_columns(
    groups: _Groups,
    runs: Mapping[tuple[SchemeId, str], RunningAllocation[PartnerId]],
    owners: Mapping[str, PartnerId],
    partners: tuple[PartnerId, ...],
) -> LineColumns:
    """The lines ``_line_shares(groups, runs, owners)`` makes, as columns."""
    included = groups.included
    n = len(included)
    if isinstance(included, LinesAt):  # from the pool columns, no line made
        fields = included.field
        kind_of = {True: _KIND_TEXT[EntryKind.EXPENDITURE], False: _KIND_TEXT[EntryKind.INCOME]}
        entry_id, scheme, when = fields("ids"), fields("schemes"), fields("dates")
        kind, amount = [kind_of[x] for x in fields("expenditure")], fields("amounts")
        reverses = fields("reverses")
    else:
        entry_id, scheme = [x.entry_id for x in included], [x.scheme for x in included]
        when, kind = [x.date for x in included], [_KIND_TEXT[x.kind] for x in included]
        amount, reverses = [x.amount for x in included], [x.reverses for x in included]
    owner: list[PartnerId | None] = [None] * n
    if owners:
        owner = [owners.get(r or e) for e, r in zip(entry_id, reverses, strict=True)]
    cols = LineColumns(
        partners,
        entry_id,
        scheme,
        when,
        kind,
        amount,
        reverses,
        owner,
        [[0] * n for _ in partners],
        [[False] * n for _ in partners],
    )
    _place_steps(cols, _positions(cols), runs)
    if not any(r is not None for r in reverses):
        return cols
    return _reversals(cols, groups, runs)


#: A kind's text, looked up (quicker than the enum's ``value`` on every line).
_KIND_TEXT = {k: k.value for k in EntryKind}


def _positions(cols: LineColumns) -> dict[tuple[SchemeId, str], list[int]]:
    """Each group's (scheme and kind's) lines' positions among all the lines, in order,
    the groups in sorted order: one walk (a sort of the positions took three times
    as long)."""
    where: dict[tuple[SchemeId, str], list[int]] = {}
    for i, key in enumerate(zip(cols.scheme, cols.kind, strict=True)):
        at = where.get(key)
        if at is None:
            where[key] = [i]
        else:
            at.append(i)
    return {key: where[key] for key in sorted(where)}


def _place_steps(
    cols: LineColumns,
    where: Mapping[tuple[SchemeId, str], list[int]],
    runs: Mapping[tuple[SchemeId, str], RunningAllocation[PartnerId]],
) -> None:
    """Each line's step of its group's running allocation, and its remainder pennies."""
    index = {p: j for j, p in enumerate(cols.partners)}
    for key, at in where.items():
        run = runs[key]
        for k, steps in run.steps.items():
            column = cols.shares[index[k]]
            for i, v in zip(at, steps, strict=True):
                column[i] = v
        for i, won in zip(at, run.winners, strict=True):
            for k in won:
                cols.remainder[index[k]][i] = True


def _reversals(
    cols: LineColumns,
    groups: _Groups,
    runs: Mapping[tuple[SchemeId, str], RunningAllocation[PartnerId]],
) -> LineColumns:
    """Reversals of lines in the period take their originals' shares, negated (and
    their capital owner, and no remainder pennies); a true-up line follows one whose
    copied shares leave the running shares off the allocation of the running total."""
    index = {p: j for j, p in enumerate(cols.partners)}
    shares, remainder = cols.shares, cols.remainder
    reverses, ids = cols.reverses, groups.ids
    at = [
        i
        for i in compress(range(len(cols)), map(is_not, reverses, repeat(None)))
        if reverses[i] in ids
    ]
    wanted = {reverses[i] for i in at}
    by_id = {e: i for i, e in enumerate(cols.entry_id) if e in wanted}  # ids are unique
    true_ups: list[tuple[int, list[int], list[bool]]] = []
    for i in at:  # each reversal of a line in the period, in order
        r = reverses[i]
        assert r is not None  # a reversal's, by ``at``
        o = by_id[r]
        if o > i:  # as the lines made one by one: an original must come first
            raise KeyError(r)
        run = runs[(cols.scheme[i], cols.kind[i])]
        won = [remainder[j][i] for j in range(len(index))]
        up = [0] * len(index)
        for k in run.keys:
            j = index[k]
            up[j] = shares[j][i] + shares[j][o]  # step − (−original)
        for j in range(len(index)):
            shares[j][i] = -shares[j][o]
            remainder[j][i] = False
        cols.capital_owner[i] = cols.capital_owner[o]
        if any(up):
            true_ups.append((i, up, won))
    return _with_true_ups(cols, true_ups) if true_ups else cols


def _with_true_ups(
    cols: LineColumns, true_ups: Sequence[tuple[int, list[int], list[bool]]]
) -> LineColumns:
    """``cols`` with each true-up line after its reversal."""

    def spliced(column: list[Any], extra: Sequence[Any]) -> list[Any]:
        out: list[Any] = []
        start = 0
        for (i, _, _), value in zip(true_ups, extra, strict=True):
            out += column[start : i + 1]
            out.append(value)
            start = i + 1
        out += column[start:]
        return out

    at = [i for i, _, _ in true_ups]
    return LineColumns(
        cols.partners,
        spliced(cols.entry_id, [f"{cols.entry_id[i]}:true-up" for i in at]),
        spliced(cols.scheme, [cols.scheme[i] for i in at]),
        spliced(cols.date, [cols.date[i] for i in at]),
        spliced(cols.kind, [cols.kind[i] for i in at]),
        spliced(cols.amount, [0] * len(at)),
        spliced(cols.reverses, [None] * len(at)),
        spliced(cols.capital_owner, [None] * len(at)),
        [spliced(s, [up[j] for _, up, _ in true_ups]) for j, s in enumerate(cols.shares)],
        [spliced(s, [won[j] for _, _, won in true_ups]) for j, s in enumerate(cols.remainder)],
    )
