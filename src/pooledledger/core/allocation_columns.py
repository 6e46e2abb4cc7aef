"""Cumulative largest-remainder allocation of a whole column of amounts at once.

The same arithmetic as :class:`~pooledledger.core.allocation.CumulativeAllocator`, to the
penny, done with polars column expressions instead of one Python call per line
(docs/benchmarks.md#design-note-columns): for running totals ``R_i`` of a column of
amounts, each key's allocation of ``R_i`` is

* ``floor(|R_i| × n_k / S)`` with remainder ``|R_i| × n_k mod S`` (exact ``Int128``
  products of ``Int64`` values, so nothing can wrap),
* plus one penny when fewer than ``|R_i| − Σ floors`` keys rank above it by
  (larger remainder, then earlier in ``order``),
* with the sign of ``R_i`` applied last;

and each amount's parts are the differences of consecutive rows.  Values that do
not fit ``Int64`` (running totals or scaled weights of 2**62 or more) are never
wrapped: the caller gets ``None`` and uses the row allocator, whose Python
integers have no bound.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from pooledledger.core.allocation import Weight, _plan

if TYPE_CHECKING:
    import polars

__all__ = ["RunningAllocation", "allocate_running"]

K = TypeVar("K", bound=Hashable)

#: Bound on running totals and scaled weights: products stay far inside Int128.
LIMIT = 2**62


_Lists = tuple[dict[K, list[int]], dict[K, list[int]]]


class RunningAllocation(Generic[K]):
    """Each key's allocation of every running total, and the remainder pennies.

    ``running[k][i]`` is ``allocate(R_i, weights, order)[k]``; ``steps[k][i]`` is
    ``running[k][i] - running[k][i - 1]`` (what ``CumulativeAllocator.add`` returns);
    ``winners[i]`` the keys that got a remainder penny in the allocation of ``R_i``,
    in the order the pence were handed out (``last_remainder_to``); ``final`` is the
    allocation of the last running total.  ``final`` is ready at once; the per-row
    lists are made the first time they are read.
    """

    __slots__ = (
        "_lists",
        "_load_frame",
        "_load_lists",
        "_load_winners",
        "_winners",
        "final",
        "keys",
    )

    def __init__(
        self,
        keys: tuple[K, ...],
        final: dict[K, int],
        lists: Callable[[], _Lists[K]],
        winners: Callable[[], list[tuple[K, ...]]],
        frame: Callable[[], polars.DataFrame] | None = None,
    ) -> None:
        """``frame``, if given, makes :meth:`step_frame` (else it is made from the lists)."""
        self.keys = keys
        self.final = final
        self._load_lists: Callable[[], _Lists[K]] | None = lists
        self._load_winners: Callable[[], list[tuple[K, ...]]] | None = winners
        self._load_frame = frame
        self._lists: _Lists[K] | None = None
        self._winners: list[tuple[K, ...]] | None = None

    def step_frame(self) -> polars.DataFrame:
        """Each row's steps and remainder pennies as polars columns, with no list made:
        ``D{i}`` (``Int64``) is ``steps[keys[i]]`` and ``W{i}`` (``Boolean``) whether
        ``keys[i]`` is among the row's ``winners``."""
        if self._load_frame is not None and self._lists is None:
            return self._load_frame()
        import polars as pl

        winners = self.winners
        return pl.DataFrame(
            [
                *(
                    pl.Series(f"D{i}", self.steps[k], dtype=pl.Int64)
                    for i, k in enumerate(self.keys)
                ),
                *(
                    pl.Series(f"W{i}", [k in won for won in winners], dtype=pl.Boolean)
                    for i, k in enumerate(self.keys)
                ),
            ]
        )

    def _made(self) -> _Lists[K]:
        if self._lists is None:
            assert self._load_lists is not None
            self._lists = self._load_lists()
            self._load_lists = None
        return self._lists

    @property
    def running(self) -> dict[K, list[int]]:
        return self._made()[0]

    @property
    def steps(self) -> dict[K, list[int]]:
        return self._made()[1]

    @property
    def winners(self) -> list[tuple[K, ...]]:
        if self._winners is None:
            assert self._load_winners is not None
            self._winners = self._load_winners()
            self._load_winners = None
        return self._winners


def allocate_running(
    amounts: Sequence[int] | polars.Series,
    weights: Mapping[K, Weight],
    order: Sequence[K] | None = None,
) -> RunningAllocation[K] | None:
    """Allocate the running totals of ``amounts`` (a list, or a polars ``Int64``
    column) in one pass of column arithmetic.

    ``None`` when a running total or a scaled weight is 2**62 or more (use
    :class:`~pooledledger.core.allocation.CumulativeAllocator` then: it is exact at any size).
    """
    plan = _plan(weights, order)
    s = plan.total_weight
    size = len(amounts)
    if s >= LIMIT or not size:
        return None if size else RunningAllocation(plan.keys, {}, lambda: ({}, {}), list)

    import polars as pl

    column = _column(pl, amounts)
    if column is None:
        return None
    keys = plan.keys
    n = len(keys)
    df = pl.DataFrame({"a": column.alias("a")})
    r = pl.col("a").cum_sum()
    t = r.abs().cast(pl.Int128)
    df = df.select(
        r.alias("R"),
        *[(t * num // s).cast(pl.Int64).alias(f"q{i}") for i, num in enumerate(plan.numerators)],
        *[(t * num % s).cast(pl.Int64).alias(f"m{i}") for i, num in enumerate(plan.numerators)],
    )
    left = pl.col("R").abs() - pl.sum_horizontal([pl.col(f"q{i}") for i in range(n)])
    df = df.with_columns(left.alias("left"), *_ranks(n))
    sign = pl.when(pl.col("R") < 0).then(-1).otherwise(1)
    df = df.with_columns(
        [
            (sign * (pl.col(f"q{i}") + (pl.col(f"k{i}") < pl.col("left")).cast(pl.Int64))).alias(
                f"A{i}"
            )
            for i in range(n)
        ]
    )
    df = df.with_columns(
        [
            (pl.col(f"A{i}") - pl.col(f"A{i}").shift(1, fill_value=0)).alias(f"D{i}")
            for i in range(n)
        ]
    )
    last = df.row(df.height - 1, named=True)
    final = {k: last[f"A{i}"] for i, k in enumerate(keys)}
    return RunningAllocation(
        keys,
        final,
        lambda: _lists(df, keys),
        lambda: _remainder_winners(df, keys),
        lambda: _step_frame(df, n),
    )


def _step_frame(df: polars.DataFrame, n: int) -> polars.DataFrame:
    """:meth:`RunningAllocation.step_frame` of the allocation's frame: the steps, and
    whether each key got a remainder penny (it ranks inside the pennies left)."""
    import polars as pl

    return df.select(
        *(pl.col(f"D{i}") for i in range(n)),
        *((pl.col(f"k{i}") < pl.col("left")).alias(f"W{i}") for i in range(n)),
    )


def _column(pl: Any, amounts: Sequence[int] | polars.Series) -> polars.Series | None:
    """``amounts`` (not empty) as an ``Int64`` column, or ``None`` if a running total
    of them could reach :data:`LIMIT`: ``|R_i| <= Σ|a| <= len × max|a|``, the cheap
    bound checked first, then the exact one."""
    size = len(amounts)
    if isinstance(amounts, pl.Series):
        column: polars.Series = amounts.cast(pl.Int64)
        top, bottom = column.max(), column.min()
        assert isinstance(top, int)  # a column of Int64
        assert isinstance(bottom, int)
        if size * max(top, -bottom) >= LIMIT and column.cast(pl.Int128).abs().sum() >= LIMIT:
            return None
        return column
    if size * max(max(amounts), -min(amounts)) >= LIMIT and sum(map(abs, amounts)) >= LIMIT:
        return None
    found: polars.Series = pl.Series("a", amounts, dtype=pl.Int64)
    return found


def _ranks(n: int) -> list[polars.Expr]:
    """Column ``k{i}``: how many keys come before key ``i`` for a remainder penny (a
    larger remainder ``m``, or an equal one earlier in the order)."""
    import polars as pl

    ranks = []
    for i in range(n):
        ahead = [
            (pl.col(f"m{j}") > pl.col(f"m{i}")) | (pl.col(f"m{j}") == pl.col(f"m{i}"))
            if j < i
            else pl.col(f"m{j}") > pl.col(f"m{i}")
            for j in range(n)
            if j != i
        ]
        rank = pl.sum_horizontal([a.cast(pl.Int64) for a in ahead]) if ahead else pl.lit(0)
        ranks.append(rank.alias(f"k{i}"))
    return ranks


def _lists(df: polars.DataFrame, keys: tuple[K, ...]) -> _Lists[K]:
    """The running allocations and steps of every row, as lists."""
    running = {k: df.get_column(f"A{i}").to_list() for i, k in enumerate(keys)}
    steps = {k: df.get_column(f"D{i}").to_list() for i, k in enumerate(keys)}
    return running, steps


def _remainder_winners(df: polars.DataFrame, keys: tuple[K, ...]) -> list[tuple[K, ...]]:
    """Who got the remainder pennies of each row, in the order they were handed out."""
    import polars as pl

    n = len(keys)
    # one integer per row: Σ over winners of (index + 1) × base**rank, decoded once
    # per distinct value
    base = n + 1
    if base**n >= LIMIT:  # never for a real agreement's partners; exact all the same
        return _winners_by_row(df, keys)
    code = pl.sum_horizontal(
        [
            pl.when(pl.col(f"k{i}") < pl.col("left"))
            .then((i + 1) * pl.lit(base, pl.Int64).pow(pl.col(f"k{i}")))
            .otherwise(0)
            for i in range(n)
        ]
    )
    codes = df.select(code.alias("c")).get_column("c").to_list()
    table = {c: _decode(c, base, keys) for c in set(codes)}
    return [table[c] for c in codes]


def _decode(code: int, base: int, keys: tuple[K, ...]) -> tuple[K, ...]:
    out: list[K] = []
    while code:
        code, digit = divmod(code, base)
        out.append(keys[digit - 1])
    return tuple(out)


def _winners_by_row(df: polars.DataFrame, keys: tuple[K, ...]) -> list[tuple[K, ...]]:
    n = len(keys)
    lefts = df.get_column("left").to_list()
    rank_cols = [df.get_column(f"k{i}").to_list() for i in range(n)]
    winners: list[tuple[K, ...]] = []
    for row, lo in enumerate(lefts):
        got = sorted((rank_cols[i][row], i) for i in range(n) if rank_cols[i][row] < lo)
        winners.append(tuple(keys[i] for _, i in got))
    return winners
