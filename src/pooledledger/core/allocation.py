"""The allocator: the one way money is ever split (docs/money.md, R1-R4 and R9).

Largest remainder (Hamilton) on exact rational weights, in integer pence:

1. each key's exact share is ``|total| × w_k / Σw``;
2. each key gets the floor of its exact share;
3. the pence left over go one each to the keys with the largest fractional
   remainders; ties are broken by ``order`` (the agreement's partner order),
   earlier first;
4. the sign of ``total`` is applied last, so ``allocate(-x) == -allocate(x)``.

Guarantees, each a property test: parts sum exactly to the total; each part lies
between the floor and the ceiling of its exact share; a zero weight gets zero;
the order in which weights are given never matters, only ``order`` does.

Variants:

* :func:`allocate_2d` splits contractual row totals (e.g. each partner's risk
  pool) across columns (e.g. schemes) and derives the column totals by
  summation, never rounding both sides (R4; the trap is shown in
  docs/money.md#two-dimensions-the-rounding-trap-of-worked-example-2).
* :class:`CumulativeAllocator` / :func:`allocate_cumulative` split a sequence of
  amounts so each key's running total is always the allocation of the running
  total, so within 1p of its exact running share at every step.
* :func:`explain_allocation` gives the pence trail an auditor needs: weights,
  exact shares, floors and where each remainder penny went.

All arithmetic is integer: weights are scaled to a common denominator once.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Generic, TypeVar

from pooledledger.core.errors import AllocationError

__all__ = [
    "AllocationTrail",
    "CumulativeAllocator",
    "Grid",
    "Weight",
    "allocate",
    "allocate_2d",
    "allocate_2d_fixed",
    "allocate_cumulative",
    "explain_allocation",
]

K = TypeVar("K", bound=Hashable)
C = TypeVar("C", bound=Hashable)

#: An exact weight. Floats are refused: they cannot hold 1/3 or 0.1 exactly.
Weight = Fraction | int | Decimal


def _as_fraction(key: object, w: object) -> Fraction:
    if isinstance(w, bool) or not isinstance(w, Fraction | int | Decimal):
        raise AllocationError(
            f"weight {w!r} for {key!r} must be a Fraction, int or Decimal (never a float)"
        )
    if isinstance(w, Decimal) and not w.is_finite():
        raise AllocationError(f"weight {w!r} for {key!r} is not finite")
    f = Fraction(w)
    if f < 0:
        raise AllocationError(f"weight {w!r} for {key!r} is negative")
    return f


@dataclass(frozen=True, slots=True)
class _Plan(Generic[K]):
    """Weights scaled to integers over a common denominator, and the tie-break rank."""

    keys: tuple[K, ...]  # in `order`
    numerators: tuple[int, ...]
    total_weight: int


def _plan(weights: Mapping[K, Weight], order: Sequence[K] | None) -> _Plan[K]:
    if not weights:
        raise AllocationError("no weights given: nothing to allocate to")
    fractions = {k: _as_fraction(k, w) for k, w in weights.items()}
    if order is None:
        keys = tuple(weights)
    else:
        rank = {k: i for i, k in enumerate(order)}
        if len(rank) != len(order):
            raise AllocationError(f"order {list(order)!r} names a key twice")
        missing = [k for k in weights if k not in rank]
        if missing:
            raise AllocationError(f"order does not name {missing!r}")
        keys = tuple(sorted(weights, key=rank.__getitem__))
    denominator = math.lcm(*(f.denominator for f in fractions.values()))
    numerators = tuple(
        fractions[k].numerator * (denominator // fractions[k].denominator) for k in keys
    )
    total_weight = sum(numerators)
    if total_weight == 0:
        raise AllocationError("all weights are zero: there is no basis to split the money")
    return _Plan(keys, numerators, total_weight)


def _split(total: int, plan: _Plan[K]) -> tuple[list[int], list[int]]:
    """Parts (in plan order, signed) and the indexes that received a remainder penny."""
    if isinstance(total, bool) or not isinstance(total, int):
        raise AllocationError(f"total {total!r} must be an int number of pence")
    t = -total if total < 0 else total
    s = plan.total_weight
    parts: list[int] = []
    rems: list[int] = []
    for n in plan.numerators:
        q, r = divmod(t * n, s)
        parts.append(q)
        rems.append(r)
    leftover = t - sum(parts)
    winners: list[int] = []
    if leftover:
        # largest remainder first; equal remainders in `order` (index) order
        winners = sorted(range(len(parts)), key=lambda i: (-rems[i], i))[:leftover]
        for i in winners:
            parts[i] += 1
    if total < 0:
        parts = [-p for p in parts]
    return parts, winners


def allocate(
    total: int, weights: Mapping[K, Weight], order: Sequence[K] | None = None
) -> dict[K, int]:
    """Split ``total`` pence by ``weights``; ties go to the key earlier in ``order``.

    ``order`` defaults to the order of ``weights``; give it explicitly (the
    agreement's partner order) whenever the weights come from somewhere else.
    The result is in ``order``.

    >>> allocate(100000, {"A": 1, "B": 1, "C": 1})
    {'A': 33334, 'B': 33333, 'C': 33333}
    >>> allocate(-10000, {"A": 1, "B": 1, "C": 1})
    {'A': -3334, 'B': -3333, 'C': -3333}
    """
    plan = _plan(weights, order)
    parts, _ = _split(total, plan)
    return dict(zip(plan.keys, parts, strict=True))


@dataclass(frozen=True, slots=True)
class AllocationTrail(Generic[K]):
    """How one allocation was made, penny by penny, for an auditor.

    ``exact`` holds each key's exact rational share of ``total``; ``floors`` the
    whole pence each got first; ``remainder_to`` the keys that got one more penny,
    in the order the pence were handed out; ``parts`` the result.
    """

    total: int
    weights: dict[K, Fraction]
    order: tuple[K, ...]
    exact: dict[K, Fraction]
    floors: dict[K, int]
    remainder_to: tuple[K, ...]
    parts: dict[K, int]

    def describe(self) -> str:
        """A one-paragraph explanation in words."""
        lines = [
            f"{self.total}p split by weights "
            + ", ".join(f"{k}={w}" for k, w in self.weights.items())
        ]
        for k in self.order:
            sign = "+" if self.total >= 0 else "-"
            extra = f" {sign} 1p remainder" if k in self.remainder_to else ""
            lines.append(
                f"  {k}: exact {self.exact[k]} -> {self.floors[k]}p{extra} = {self.parts[k]}p"
            )
        return "\n".join(lines)


def explain_allocation(
    total: int, weights: Mapping[K, Weight], order: Sequence[K] | None = None
) -> AllocationTrail[K]:
    """Allocate as :func:`allocate` does and return the full trail."""
    plan = _plan(weights, order)
    parts, winners = _split(total, plan)
    sign = -1 if total < 0 else 1
    s = plan.total_weight
    exact = {k: Fraction(total * n, s) for k, n in zip(plan.keys, plan.numerators, strict=True)}
    floors = {k: parts[i] - sign * (1 if i in winners else 0) for i, k in enumerate(plan.keys)}
    return AllocationTrail(
        total=total,
        weights={k: Fraction(n, s) for k, n in zip(plan.keys, plan.numerators, strict=True)},
        order=plan.keys,
        exact=exact,
        floors=floors,
        remainder_to=tuple(plan.keys[i] for i in winners),
        parts=dict(zip(plan.keys, parts, strict=True)),
    )


@dataclass(frozen=True, slots=True)
class Grid(Generic[K, C]):
    """A two-dimensional allocation: ``cells[row][column]`` in pence.

    Row totals are the contractual ones that were allocated; column totals are
    derived by summation.
    """

    cells: dict[K, dict[C, int]]

    @property
    def row_totals(self) -> dict[K, int]:
        return {r: sum(cols.values()) for r, cols in self.cells.items()}

    @property
    def column_totals(self) -> dict[C, int]:
        out: dict[C, int] = {}
        for cols in self.cells.values():
            for c, v in cols.items():
                out[c] = out.get(c, 0) + v
        return out

    @property
    def total(self) -> int:
        return sum(self.row_totals.values())


def allocate_2d(
    row_totals: Mapping[K, int],
    weights: Mapping[C, Weight],
    order: Sequence[C] | None = None,
) -> Grid[K, C]:
    """Split each contractual row total across columns by ``weights`` (R4).

    Each row is allocated on its own, so every row total is kept to the penny;
    column totals are the sums of the cells.  This is how a partner's risk-pool
    money is spread over the overspending schemes (worked example 2): rounding per scheme
    first and then splitting by partner would break a partner's contractual total.

    >>> g = allocate_2d({"council": 15000000, "icb": 15000000},
    ...                 {"S2": 130, "S3": 100, "S4": 150})
    >>> g.cells["council"], g.column_totals["S3"]
    ({'S2': 5131579, 'S3': 3947368, 'S4': 5921053}, 7894736)
    """
    plan = _plan(weights, order)
    cells: dict[K, dict[C, int]] = {}
    for row, total in row_totals.items():
        parts, _ = _split(total, plan)
        cells[row] = dict(zip(plan.keys, parts, strict=True))
    return Grid(cells)


class CumulativeAllocator(Generic[K]):
    """Splits a sequence of amounts so running totals never drift.

    See docs/money.md#running-totals-the-cumulative-form.

    After each :meth:`add`, every key's running total equals
    ``allocate(running_total, weights, order)[key]``, so it lies within 1p of its
    exact running share; the parts of each single amount still sum to that amount.

    >>> acc = CumulativeAllocator({"A": 1, "B": 1, "C": 1})
    >>> [acc.add(100) for _ in range(3)]
    [{'A': 34, 'B': 33, 'C': 33}, {'A': 33, 'B': 34, 'C': 33}, {'A': 33, 'B': 33, 'C': 34}]
    """

    __slots__ = ("_plan", "_previous", "_running", "_winners")

    def __init__(self, weights: Mapping[K, Weight], order: Sequence[K] | None = None) -> None:
        self._plan: _Plan[K] = _plan(weights, order)
        self._running = 0
        self._previous = [0] * len(self._plan.keys)
        self._winners: tuple[K, ...] = ()

    @property
    def running_total(self) -> int:
        return self._running

    @property
    def running_parts(self) -> dict[K, int]:
        return dict(zip(self._plan.keys, self._previous, strict=True))

    def add(self, amount: int) -> dict[K, int]:
        """The parts of ``amount``: the change in each key's allocation of the running total."""
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise AllocationError(f"amount {amount!r} must be an int number of pence")
        self._running += amount
        now, winners = _split(self._running, self._plan)
        step = [a - b for a, b in zip(now, self._previous, strict=True)]
        self._previous = now
        self._winners = tuple(self._plan.keys[i] for i in winners)
        return dict(zip(self._plan.keys, step, strict=True))

    @property
    def last_remainder_to(self) -> tuple[K, ...]:
        """Keys that got a remainder penny in the allocation of the running total at the
        last :meth:`add` (the pence trail of that step)."""
        return self._winners

    def apply(self, parts: Mapping[K, int]) -> None:
        """Add ``parts`` exactly as given, without allocating (e.g. a reversal that
        copies and negates an earlier line's shares).  Later :meth:`add` calls bring
        the running parts back to the allocation of the running total."""
        unknown = set(parts) - set(self._plan.keys)
        if unknown:
            raise AllocationError(f"parts name unknown keys {sorted(map(str, unknown))}")
        self._running += sum(parts.values())
        self._previous = [
            p + parts.get(k, 0) for k, p in zip(self._plan.keys, self._previous, strict=True)
        ]
        self._winners = ()


def allocate_cumulative(
    amounts: Iterable[int], weights: Mapping[K, Weight], order: Sequence[K] | None = None
) -> list[dict[K, int]]:
    """Split each of ``amounts`` so each key's running total stays within 1p of exact."""
    acc = CumulativeAllocator(weights, order)
    return [acc.add(a) for a in amounts]


def allocate_2d_fixed(
    row_totals: Mapping[K, int],
    column_totals: Mapping[C, int],
    row_order: Sequence[K] | None = None,
    column_order: Sequence[C] | None = None,
) -> Grid[K, C]:
    """Fill a grid whose row *and* column totals are both contractual.

    Cells start at the floor of their exact share ``row × column / total`` and the
    missing pence go to the largest remainders among cells whose row and column
    still need a penny (ties by row, then column order), so both sets of totals are
    kept exactly.  Used when, e.g., a risk pool covers every overspend in full.
    Totals must be non-negative and sum to the same amount.
    """
    if any(v < 0 for v in (*row_totals.values(), *column_totals.values())):
        raise AllocationError("fixed-margin allocation needs non-negative totals")
    total = sum(row_totals.values())
    if total != sum(column_totals.values()):
        raise AllocationError(
            f"row totals ({total}) and column totals ({sum(column_totals.values())}) differ"
        )
    rows = list(row_order or row_totals)
    cols = list(column_order or column_totals)
    cells: dict[K, dict[C, int]] = {r: dict.fromkeys(cols, 0) for r in rows}
    if total == 0:
        return Grid(cells)
    rems: list[tuple[int, int, int]] = []
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            q, rem = divmod(row_totals[r] * column_totals[c], total)
            cells[r][c] = q
            if rem:
                rems.append((-rem, i, j))
    row_need = [row_totals[r] - sum(cells[r].values()) for r in rows]
    col_need = [column_totals[c] - sum(cells[r][c] for r in rows) for c in cols]
    for i, j in _controlled_rounding(sorted(rems), row_need, col_need):
        cells[rows[i]][cols[j]] += 1
    return Grid(cells)


def _controlled_rounding(
    candidates: list[tuple[int, int, int]], row_need: list[int], col_need: list[int]
) -> set[tuple[int, int]]:
    """Which cells get a remainder penny, at most one each, so every row and column gets
    exactly the pence it still needs.

    ``candidates`` are ``(-remainder, row, column)`` of the cells whose exact share
    is not whole, largest remainder first.  They are taken greedily in that order;
    where the greedy pass leaves a row short, an augmenting path (the row takes a
    penny in a column whose penny another row gives up for a column with one left)
    completes it.  Such an assignment always exists, because the exact shares are a
    fractional one, so each cell ends within 1p of its exact share (docs/money.md).
    """
    rows_need = list(row_need)
    cols_need = list(col_need)
    edges: dict[int, list[int]] = {}
    for _, i, j in candidates:
        edges.setdefault(i, []).append(j)
    chosen: set[tuple[int, int]] = set()
    for _, i, j in candidates:
        if rows_need[i] > 0 and cols_need[j] > 0:
            chosen.add((i, j))
            rows_need[i] -= 1
            cols_need[j] -= 1
    for start in range(len(rows_need)):
        while rows_need[start] > 0:
            # breadth first: a row reaches a column through a cell not chosen, a
            # column reaches a row through a cell chosen in it
            came: dict[int, int] = {}  # column -> the row it was reached from
            back: dict[int, int] = {start: -1}  # row -> the column it was reached from
            queue = [start]
            end = -1
            while queue and end < 0:
                i = queue.pop(0)
                for j in edges.get(i, []):
                    if (i, j) in chosen or j in came:
                        continue
                    came[j] = i
                    if cols_need[j] > 0:
                        end = j
                        break
                    for i2 in range(len(rows_need)):
                        if (i2, j) in chosen and i2 not in back:
                            back[i2] = j
                            queue.append(i2)
            if end < 0:  # pragma: no cover - cannot happen when the totals agree
                raise AllocationError("no rounding keeps both sets of totals")
            cols_need[end] -= 1
            rows_need[start] -= 1
            j = end
            while True:
                i = came[j]
                chosen.add((i, j))
                if i == start:
                    break
                j = back[i]
                chosen.discard((i, j))
    return chosen
