"""Pool lines and their totals, grouped in one pass (layer L2).

:class:`PoolLine` is an expenditure, income or reversal line as the pool sees it, in
pence; :class:`Totals` sums lines.  :func:`make_pool_lines` turns a ledger's entries
into its pool lines (reusing the lines of a ledger it was derived from where they
cannot differ), and :func:`grouped_totals` sums them per group in one walk, so a
report asking for every scheme, month or quarter does not scan the lines once per
group.  Both are used by :class:`~pooledledger.books.ledger.Ledger`, which is where
they are documented for users (docs/ledger.md).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from pooledledger.books.entry_order import KIND_RANK
from pooledledger.model.entries import Entry, EntryKind, Expenditure, Income, Reversal
from pooledledger.model.partners import PartnerId, SchemeId

__all__ = [
    "PoolLine",
    "Totals",
    "grouped_totals",
    "line_sort_key",
    "make_pool_lines",
    "sum_lines",
]

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class Totals:
    """Pool totals in pence: gross expenditure (pool cost), income, net, recoverable VAT."""

    expenditure: int = 0
    income: int = 0
    vat_recovered: int = 0

    @property
    def net(self) -> int:
        return self.expenditure - self.income

    def __add__(self, other: Totals) -> Totals:
        return Totals(
            self.expenditure + other.expenditure,
            self.income + other.income,
            self.vat_recovered + other.vat_recovered,
        )


@dataclass(frozen=True, slots=True)
class PoolLine:
    """An expenditure, income or reversal line as the pool sees it, in pence.

    ``amount`` is the pool cost (expenditure) or income, signed; a reversal carries
    the negated amount and kind of the line it reverses.
    """

    entry_id: str
    scheme: SchemeId
    date: date
    kind: EntryKind  # EXPENDITURE or INCOME (a reversal takes the kind it reverses)
    amount: int
    vat_recovered: int
    reverses: str | None = None
    paid_by: PartnerId | None = None  # the payer of an expenditure line; None is the host
    #: ``(body, VAT, recoverable VAT)`` per VAT body, signed like ``amount``
    vat_by_body: tuple[tuple[PartnerId, int, int], ...] = ()


def line_sort_key(line: PoolLine) -> tuple[date, int, str]:
    """The place of a line's entry in the canonical order, from the line alone: its
    date, its kind (a reversal's line ranks as the reversal), its id; the
    ``sort_key`` of the entry, which need not be made (docs/ledger.md)."""
    rank = _REVERSAL_RANK if line.reverses is not None else KIND_RANK[line.kind.value]
    return line.date, rank, line.entry_id


_REVERSAL_RANK = KIND_RANK["reversal"]

VatParts = Callable[[Expenditure], Mapping[PartnerId, tuple[int, int]]]


def make_pool_lines(
    entries: Iterable[Entry],
    host: PartnerId,
    vat_shares: VatParts,
    reuse: Mapping[str, PoolLine] | None = None,
) -> tuple[PoolLine, ...]:
    """Every expenditure, income and reversal line of ``entries`` (in their order).

    ``reuse`` maps entry ids to lines already made for the identical expenditure
    under the same agreement and contributions (so the same VAT split): they are
    taken as they are instead of being worked out again.  A reversal's line is
    always made from the line it reverses.
    """
    out: list[PoolLine] = []
    lines: dict[str, PoolLine] = {}
    known = reuse or {}
    split = _VatSplits(vat_shares)
    for e in entries:
        line: PoolLine
        if isinstance(e, Expenditure):
            prior = known.get(e.id)
            if prior is not None:
                line = prior
            else:
                rec, by_body = split(e)
                line = PoolLine(
                    e.id,
                    e.scheme,
                    e.date,
                    EntryKind.EXPENDITURE,
                    e.net_pence + e.vat_pence - rec,
                    rec,
                    paid_by=None if e.paid_by == host else e.paid_by,
                    vat_by_body=by_body,
                )
        elif isinstance(e, Income):
            line = PoolLine(e.id, e.scheme, e.date, EntryKind.INCOME, e.pence, 0)
        elif isinstance(e, Reversal) and e.reverses in lines:
            o = lines[e.reverses]
            line = PoolLine(
                e.id,
                o.scheme,
                e.date,
                o.kind,
                -o.amount,
                -o.vat_recovered,
                o.entry_id,
                o.paid_by,
                tuple((p, -v, -r) for p, v, r in o.vat_by_body),
            )
        else:
            continue
        lines[e.id] = line
        out.append(line)
    return tuple(out)


class _VatSplits:
    """An expenditure's recoverable VAT and ``vat_by_body``, from ``vat_shares``.

    A line with no VAT (and no recoverable VAT given) has the split of every such
    line of its scheme, date, procurer and s41 flag: the same bodies, each with
    nothing (docs/ledger.md#vat).  That split is worked out once per such key, not
    once per line: most lines of a real ledger carry no VAT.
    """

    def __init__(self, vat_shares: VatParts) -> None:
        self._vat_shares = vat_shares
        self._no_vat: dict[tuple[object, ...], tuple[int, tuple[tuple[PartnerId, int, int], ...]]]
        self._no_vat = {}

    def __call__(self, e: Expenditure) -> tuple[int, tuple[tuple[PartnerId, int, int], ...]]:
        key = None
        if e.vat_pence == 0 and e.vat_recoverable is None:
            key = (e.scheme, e.date, e.procuring_partner, e.cos_listed)
            done = self._no_vat.get(key)
            if done is not None:
                return done
        parts = self._vat_shares(e)
        split = (
            sum(r for _, r in parts.values()),
            tuple((p, v, r) for p, (v, r) in parts.items()),
        )
        if key is not None:
            self._no_vat[key] = split
        return split


def sum_lines(lines: Iterable[PoolLine], start: date | None, end: date | None) -> Totals:
    """The totals of ``lines`` dated in ``[start, end)`` (``None``: every line)."""
    exp = inc = vat = 0
    expenditure = EntryKind.EXPENDITURE
    for line in lines:
        if start is not None and end is not None and not start <= line.date < end:
            continue
        if line.kind is expenditure:
            exp += line.amount
            vat += line.vat_recovered
        else:
            inc += line.amount
    return Totals(exp, inc, vat)


def grouped_totals(
    lines: Iterable[PoolLine],
    groups: Sequence[K],
    key: Callable[[PoolLine], K | None],
) -> dict[K, Totals]:
    """The totals of ``lines`` per group, in one walk: ``key`` names a line's group
    (``None``, or a group not in ``groups``: the line is left out).  Every group of
    ``groups`` is in the result, in that order, with zero totals if it has no lines."""
    sums: dict[K, list[int]] = {g: [0, 0, 0] for g in groups}
    expenditure = EntryKind.EXPENDITURE
    for line in lines:
        cell = sums.get(key(line))  # type: ignore[arg-type]
        if cell is None:
            continue
        if line.kind is expenditure:
            cell[0] += line.amount
            cell[2] += line.vat_recovered
        else:
            cell[1] += line.amount
    return {g: Totals(e, i, v) for g, (e, i, v) in sums.items()}


def period_index(starts: Sequence[date], end: date) -> Callable[[date], int | None]:
    """The number (from 1) of the period containing a date, for periods back to back
    from ``starts[0]`` to ``end`` (exclusive), ``starts`` ascending; ``None`` outside."""

    first = starts[0]

    def index(d: date) -> int | None:
        if d < first or d >= end:
            return None
        return bisect_right(starts, d)

    return index
