"""The column allocator against the row allocator it must equal, to the penny."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import polars as pl
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pooledledger.core.allocation import CumulativeAllocator, _plan
from pooledledger.core.allocation_columns import LIMIT, allocate_running

KEYS = ["LA", "PCT1", "PCT2", "ICB", "TRUST", "POLICE"]

weight_values = st.one_of(
    st.integers(min_value=0, max_value=10**12),
    st.fractions(min_value=0, max_value=10**6, max_denominator=10**6),
)


@st.composite
def weight_maps(draw: st.DrawFn) -> dict[str, Fraction | int]:
    n = draw(st.integers(min_value=1, max_value=len(KEYS)))
    keys = draw(st.permutations(KEYS))[:n]
    ws = {k: draw(weight_values) for k in keys}
    assume(sum(ws.values()) > 0)
    return ws


def _row_path(
    amounts: list[int], weights: Mapping[str, Fraction | int], order: list[str]
) -> tuple[list[dict[str, int]], list[dict[str, int]], list[tuple[str, ...]]]:
    acc = CumulativeAllocator(weights, order)
    steps, running, winners = [], [], []
    for a in amounts:
        steps.append(acc.add(a))
        running.append(acc.running_parts)
        winners.append(acc.last_remainder_to)
    return steps, running, winners


@settings(max_examples=150, deadline=None)
@given(
    weights=weight_maps(),
    amounts=st.lists(
        st.one_of(
            st.integers(min_value=-(10**9), max_value=10**9),
            st.sampled_from([0, 1, -1, 2, 3, 100, -100]),
        ),
        min_size=1,
        max_size=40,
    ),
    data=st.data(),
)
def test_same_as_the_cumulative_allocator(
    weights: dict[str, Fraction | int], amounts: list[int], data: st.DataObject
) -> None:
    order = data.draw(st.permutations(sorted(weights)))
    got = allocate_running(amounts, weights, order)
    if got is None:  # scaled weights too large for Int64: the row allocator's job
        assert _plan(weights, order).total_weight >= LIMIT
        return
    # the steps and remainder pennies as columns, from a polars column of amounts
    from_column = allocate_running(pl.Series(amounts, dtype=pl.Int64), weights, order)
    assert from_column is not None
    frame = from_column.step_frame()
    steps, running, winners = _row_path(amounts, weights, order)
    assert list(got.keys) == [k for k in order if k in weights]
    for i in range(len(amounts)):
        assert {k: got.steps[k][i] for k in got.keys} == steps[i]
        assert {k: got.running[k][i] for k in got.keys} == running[i]
        assert got.winners[i] == winners[i]
        assert {k: frame[f"D{j}"][i] for j, k in enumerate(got.keys)} == steps[i]
        assert {k for j, k in enumerate(got.keys) if frame[f"W{j}"][i]} == set(winners[i])
    assert got.step_frame().equals(frame)  # made from the lists once they are read


def test_products_beyond_int64_are_exact() -> None:
    # |R| × n is about 2**100 here: Int64 arithmetic would wrap
    weights = {"A": 2**60 + 7, "B": 2**59 + 3, "C": 2**58 + 1}
    amounts = [2**40 + 11, -(2**38) - 5, 2**39 + 1, 3, -7]
    got = allocate_running(amounts, weights)
    assert got is not None
    steps, _, winners = _row_path(amounts, weights, ["A", "B", "C"])
    assert [{k: got.steps[k][i] for k in got.keys} for i in range(5)] == steps
    assert got.winners == winners


def test_totals_too_large_for_columns_are_left_to_the_row_allocator() -> None:
    assert allocate_running([LIMIT // 2, LIMIT // 2], {"A": 1, "B": 2}) is None
    big = pl.Series([LIMIT // 2, LIMIT // 2], dtype=pl.Int64)
    assert allocate_running(big, {"A": 1, "B": 2}) is None
    assert allocate_running(pl.Series([3, 4], dtype=pl.Int64), {"A": LIMIT, "B": 1}) is None
    assert allocate_running([1, 2], {"A": LIMIT, "B": 1}) is None
    assert allocate_running([LIMIT // 2 - 1, 1 - LIMIT // 2], {"A": 1, "B": 2}) is not None


def test_many_keys_beyond_the_winner_code() -> None:
    weights = {f"P{i:02d}": i + 1 for i in range(17)}
    amounts = [1000 + 13 * i for i in range(-20, 20)]
    got = allocate_running(amounts, weights)
    assert got is not None
    _, running, winners = _row_path(amounts, weights, list(weights))
    assert got.winners == winners
    assert [{k: got.running[k][i] for k in got.keys} for i in range(40)] == running


def test_no_amounts() -> None:
    got = allocate_running([], {"A": 1})
    assert got is not None
    assert got.winners == []
