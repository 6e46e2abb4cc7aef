"""The allocator: R9 vectors, the §8.3 rounding trap, and its contract as properties."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from pooledledger.core.allocation import (
    CumulativeAllocator,
    allocate,
    allocate_2d,
    allocate_2d_fixed,
    allocate_cumulative,
    explain_allocation,
)
from pooledledger.core.errors import AllocationError

KEYS = ["LA", "PCT1", "PCT2", "ICB", "TRUST", "POLICE", "PROB", "OTHER"]

totals = st.integers(min_value=-(10**12), max_value=10**12)
weight_values = st.one_of(
    st.integers(min_value=0, max_value=10**9),
    st.fractions(min_value=0, max_value=10**6, max_denominator=10**6),
)


@st.composite
def weight_maps(draw: st.DrawFn, min_size: int = 1) -> dict[str, Fraction | int]:
    n = draw(st.integers(min_value=min_size, max_value=len(KEYS)))
    keys = draw(st.permutations(KEYS))[:n]
    ws = {k: draw(weight_values) for k in keys}
    assume(sum(ws.values()) > 0)
    return ws


class TestReferenceVectors:
    """domain.md §12 R9 and R3."""

    def test_thousand_pounds_by_three(self) -> None:
        assert list(allocate(100000, {"a": 1, "b": 1, "c": 1}).values()) == [33334, 33333, 33333]

    def test_one_pound_one_by_three(self) -> None:
        assert list(allocate(101, {"a": 1, "b": 1, "c": 1}).values()) == [34, 34, 33]

    def test_ten_pounds_six_three_one(self) -> None:
        assert allocate(1000, {"a": 6, "b": 3, "c": 1}) == {"a": 600, "b": 300, "c": 100}

    def test_negative_hundred_by_three(self) -> None:
        assert list(allocate(-10000, {"a": 1, "b": 1, "c": 1}).values()) == [-3334, -3333, -3333]

    def test_example1_contribution_shares(self) -> None:
        # §7.2: gross expenditure 1,080,000.00 by 6:3:1
        w = {"LA": 60000000, "PCT1": 30000000, "PCT2": 10000000}
        assert allocate(108000000, w) == {"LA": 64800000, "PCT1": 32400000, "PCT2": 10800000}

    def test_tie_break_follows_order_not_weights_order(self) -> None:
        w = {"c": 1, "b": 1, "a": 1}
        assert allocate(100, w, order=["a", "b", "c"]) == {"a": 34, "b": 33, "c": 33}
        assert allocate(100, w, order=["c", "a", "b"]) == {"c": 34, "a": 33, "b": 33}

    def test_largest_remainder_beats_order(self) -> None:
        # exact: a 0.6p ... b 0.4p: the remainder penny goes to a only if its
        # remainder is larger, whatever the order
        assert allocate(1, {"a": 2, "b": 3}, order=["a", "b"]) == {"a": 0, "b": 1}

    def test_zero_weight_gets_zero(self) -> None:
        assert allocate(100, {"a": 0, "b": 1, "c": 2}) == {"a": 0, "b": 33, "c": 67}

    def test_decimal_and_fraction_weights(self) -> None:
        assert allocate(1000, {"a": Decimal("0.6"), "b": Fraction(2, 5)}) == {"a": 600, "b": 400}


class TestRefusals:
    @pytest.mark.parametrize(
        "weights",
        [
            {"a": 0, "b": 0},
            {},
            {"a": -1, "b": 2},
            {"a": 0.5, "b": 0.5},
            {"a": True},
            {"a": Decimal("NaN")},
        ],
    )
    def test_bad_weights(self, weights: dict[str, object]) -> None:
        with pytest.raises(AllocationError):
            allocate(100, weights)  # type: ignore[arg-type]

    @pytest.mark.parametrize("total", [1.0, Decimal("1"), "100", True])
    def test_total_must_be_int_pence(self, total: object) -> None:
        with pytest.raises(AllocationError):
            allocate(total, {"a": 1})  # type: ignore[arg-type]

    def test_order_must_name_every_key(self) -> None:
        with pytest.raises(AllocationError, match="does not name"):
            allocate(100, {"a": 1, "b": 1}, order=["a"])

    def test_order_must_not_repeat(self) -> None:
        with pytest.raises(AllocationError, match="twice"):
            allocate(100, {"a": 1, "b": 1}, order=["a", "b", "a"])

    def test_is_value_error(self) -> None:
        with pytest.raises(ValueError, match="zero"):
            allocate(100, {"a": 0})


class TestProperties:
    @given(totals, weight_maps())
    def test_parts_sum_exactly(self, total: int, w: dict[str, Fraction | int]) -> None:
        assert sum(allocate(total, w).values()) == total

    @given(totals, weight_maps())
    def test_each_part_between_floor_and_ceiling_of_exact_share(
        self, total: int, w: dict[str, Fraction | int]
    ) -> None:
        s = sum(Fraction(v) for v in w.values())
        for k, part in allocate(total, w).items():
            exact = total * Fraction(w[k]) / s
            assert math.floor(exact) <= part <= math.ceil(exact)

    @given(totals, weight_maps())
    def test_sign_symmetric(self, total: int, w: dict[str, Fraction | int]) -> None:
        neg = allocate(-total, w)
        assert {k: -v for k, v in allocate(total, w).items()} == neg

    @given(totals, weight_maps(), st.randoms(use_true_random=False))
    def test_order_weights_are_given_in_does_not_matter(
        self, total: int, w: dict[str, Fraction | int], rnd: object
    ) -> None:
        order = list(w)
        shuffled_keys = list(w)
        rnd.shuffle(shuffled_keys)  # type: ignore[attr-defined]
        shuffled = {k: w[k] for k in shuffled_keys}
        assert allocate(total, shuffled, order=order) == allocate(total, w, order=order)

    @given(totals, weight_maps(min_size=2), st.data())
    def test_tie_break_is_the_only_effect_of_order(
        self, total: int, w: dict[str, Fraction | int], data: st.DataObject
    ) -> None:
        """Changing `order` moves at most the pence whose remainders tie."""
        other = data.draw(st.permutations(list(w)))
        a, b = allocate(total, w), allocate(total, w, order=other)
        s = sum(Fraction(v) for v in w.values())
        for k in w:
            if a[k] != b[k]:
                exact = abs(total) * Fraction(w[k]) / s
                rem = exact - math.floor(exact)
                tied = [j for j in w if j != k and (abs(total) * Fraction(w[j]) / s) % 1 == rem]
                assert tied, f"{k} changed without a tie"
                assert abs(a[k] - b[k]) == 1

    @given(totals, weight_maps())
    def test_zero_weights_get_zero(self, total: int, w: dict[str, Fraction | int]) -> None:
        w = {**w, "ZERO": 0}
        assert allocate(total, w)["ZERO"] == 0

    @given(totals, weight_maps())
    def test_scaling_weights_changes_nothing(
        self, total: int, w: dict[str, Fraction | int]
    ) -> None:
        scaled = {k: Fraction(v) * 7 / 3 for k, v in w.items()}
        assert allocate(total, scaled) == allocate(total, w)

    @given(totals, weight_maps())
    def test_trail_explains_result(self, total: int, w: dict[str, Fraction | int]) -> None:
        trail = explain_allocation(total, w)
        assert trail.parts == allocate(total, w)
        assert sum(trail.exact.values()) == total
        sign = -1 if total < 0 else 1
        for k in w:
            extra = 1 if k in trail.remainder_to else 0
            assert trail.parts[k] == trail.floors[k] + sign * extra
        assert len(trail.remainder_to) == abs(total - sum(trail.floors.values()))


class TestTwoDimensional:
    def test_section_8_3_risk_pool_spread(self) -> None:
        """Allocate per partner (contractual), derive per scheme (§8.3)."""
        grid = allocate_2d(
            {"council": 15000000, "icb": 15000000}, {"S2": 13000000, "S3": 10000000, "S4": 15000000}
        )
        assert grid.cells["council"] == {"S2": 5131579, "S3": 3947368, "S4": 5921053}
        assert grid.cells["icb"] == {"S2": 5131579, "S3": 3947368, "S4": 5921053}
        assert grid.row_totals == {"council": 15000000, "icb": 15000000}
        assert grid.column_totals == {"S2": 10263158, "S3": 7894736, "S4": 11842106}
        assert grid.total == 30000000

    def test_the_trap_it_avoids(self) -> None:
        """Rounding per scheme first and then halving gives the council £150,000.01."""
        per_scheme = allocate(30000000, {"S2": 130, "S3": 100, "S4": 150})
        assert per_scheme == {"S2": 10263158, "S3": 7894737, "S4": 11842105}
        council = sum(allocate(v, {"council": 1, "icb": 1})["council"] for v in per_scheme.values())
        assert council == 15000001  # the trap
        assert (
            allocate_2d({"council": 15000000}, {"S2": 130, "S3": 100, "S4": 150}).row_totals[
                "council"
            ]
            == 15000000
        )

    @given(st.dictionaries(st.sampled_from(KEYS), totals, min_size=1), weight_maps())
    def test_row_totals_kept_and_columns_derived(
        self, rows: dict[str, int], w: dict[str, Fraction | int]
    ) -> None:
        grid = allocate_2d(rows, w)
        assert grid.row_totals == rows
        assert sum(grid.column_totals.values()) == sum(rows.values())
        for r, total in rows.items():
            assert grid.cells[r] == allocate(total, w)


class TestCumulative:
    def test_equal_thirds_rotate_the_penny(self) -> None:
        steps = allocate_cumulative([100, 100, 100], {"a": 1, "b": 1, "c": 1})
        assert steps == [
            {"a": 34, "b": 33, "c": 33},
            {"a": 33, "b": 34, "c": 33},
            {"a": 33, "b": 33, "c": 34},
        ]

    def test_independent_rounding_would_drift(self) -> None:
        """Rounding each line alone gives a 1p-per-line drift; cumulative does not."""
        amounts = [100] * 300
        naive = sum(allocate(a, {"a": 1, "b": 1, "c": 1})["a"] for a in amounts)
        cumulative = sum(s["a"] for s in allocate_cumulative(amounts, {"a": 1, "b": 1, "c": 1}))
        assert naive == 10200  # A gets £2.00 more than its exact third after 300 lines
        assert cumulative == 10000

    @given(st.lists(st.integers(min_value=-(10**9), max_value=10**9), max_size=60), weight_maps())
    def test_running_totals_within_one_penny_at_every_step(
        self, amounts: list[int], w: dict[str, Fraction | int]
    ) -> None:
        acc = CumulativeAllocator(w)
        s = sum(Fraction(v) for v in w.values())
        running = dict.fromkeys(w, 0)
        cumulative = 0
        for amount in amounts:
            step = acc.add(amount)
            assert sum(step.values()) == amount
            cumulative += amount
            for k in w:
                running[k] += step[k]
                assert abs(running[k] - cumulative * Fraction(w[k]) / s) < 1
        assert acc.running_parts == running
        assert acc.running_total == cumulative

    @given(st.lists(totals, max_size=30), weight_maps())
    def test_year_total_equals_allocation_of_year_total(
        self, amounts: list[int], w: dict[str, Fraction | int]
    ) -> None:
        steps = allocate_cumulative(amounts, w)
        year = {k: sum(s[k] for s in steps) for k in w}
        assert year == allocate(sum(amounts), w)


class TestTrailInWords:
    """The trail an auditor reads: every figure of it, and its words (found by mutation testing)."""

    def test_positive_total_with_a_tie(self) -> None:
        trail = explain_allocation(100000, {"LA": 1, "PCT1": 1, "PCT2": 1})
        assert trail.weights == dict.fromkeys(("LA", "PCT1", "PCT2"), Fraction(1, 3))
        assert trail.order == ("LA", "PCT1", "PCT2")
        assert trail.exact == dict.fromkeys(("LA", "PCT1", "PCT2"), Fraction(100000, 3))
        assert trail.floors == {"LA": 33333, "PCT1": 33333, "PCT2": 33333}
        assert trail.remainder_to == ("LA",)
        assert trail.parts == {"LA": 33334, "PCT1": 33333, "PCT2": 33333}
        assert trail.describe() == (
            "100000p split by weights LA=1/3, PCT1=1/3, PCT2=1/3\n"
            "  LA: exact 100000/3 -> 33333p + 1p remainder = 33334p\n"
            "  PCT1: exact 100000/3 -> 33333p = 33333p\n"
            "  PCT2: exact 100000/3 -> 33333p = 33333p"
        )

    def test_negative_total_mirrors_the_positive(self) -> None:
        trail = explain_allocation(-100000, {"LA": 1, "PCT1": 1, "PCT2": 1})
        assert trail.exact == dict.fromkeys(("LA", "PCT1", "PCT2"), Fraction(-100000, 3))
        assert trail.floors == {"LA": -33333, "PCT1": -33333, "PCT2": -33333}
        assert trail.remainder_to == ("LA",)
        assert trail.parts == {"LA": -33334, "PCT1": -33333, "PCT2": -33333}
        assert trail.describe().splitlines()[1] == (
            "  LA: exact -100000/3 -> -33333p - 1p remainder = -33334p"
        )

    def test_remainder_goes_to_the_largest_fraction_not_the_first(self) -> None:
        trail = explain_allocation(7, {"LA": 6, "PCT1": 3, "PCT2": 1})
        assert trail.weights == {
            "LA": Fraction(3, 5),
            "PCT1": Fraction(3, 10),
            "PCT2": Fraction(1, 10),
        }
        assert trail.exact == {
            "LA": Fraction(21, 5),
            "PCT1": Fraction(21, 10),
            "PCT2": Fraction(7, 10),
        }
        assert trail.floors == {"LA": 4, "PCT1": 2, "PCT2": 0}
        assert trail.remainder_to == ("PCT2",)
        assert trail.parts == {"LA": 4, "PCT1": 2, "PCT2": 1}
        assert trail.describe() == (
            "7p split by weights LA=3/5, PCT1=3/10, PCT2=1/10\n"
            "  LA: exact 21/5 -> 4p = 4p\n"
            "  PCT1: exact 21/10 -> 2p = 2p\n"
            "  PCT2: exact 7/10 -> 0p + 1p remainder = 1p"
        )


class TestFixedMargins:
    """``allocate_2d_fixed``: both row and column totals contractual (found untested by
    mutation testing; the close uses it when a risk pool covers every overspend)."""

    def test_the_risk_pool_grid(self) -> None:
        # £1,500.00 each from two partners across three overspends, in pence
        grid = allocate_2d_fixed(
            {"LA": 150000, "ICB": 150000}, {"S2": 102632, "S3": 78947, "S4": 118421}
        )
        # S3 and S4 split 39473.5 / 59210.5: the tie goes to the first row, then the
        # row that still needs a penny
        assert grid.cells == {
            "LA": {"S2": 51316, "S3": 39474, "S4": 59210},
            "ICB": {"S2": 51316, "S3": 39473, "S4": 59211},
        }

    def test_ties_follow_the_orders_given(self) -> None:
        assert allocate_2d_fixed({"A": 1, "B": 1}, {"X": 1, "Y": 1}).cells == {
            "A": {"X": 1, "Y": 0},
            "B": {"X": 0, "Y": 1},
        }
        assert allocate_2d_fixed(
            {"A": 1, "B": 1}, {"X": 1, "Y": 1}, ["B", "A"], ["Y", "X"]
        ).cells == {
            "B": {"Y": 1, "X": 0},
            "A": {"Y": 0, "X": 1},
        }

    def test_nothing_to_allocate(self) -> None:
        assert allocate_2d_fixed({"A": 0, "B": 0}, {"X": 0}).cells == {"A": {"X": 0}, "B": {"X": 0}}

    def test_refuses_negative_or_unequal_totals(self) -> None:
        with pytest.raises(AllocationError, match="non-negative"):
            allocate_2d_fixed({"A": -1, "B": 2}, {"X": 1})
        with pytest.raises(AllocationError, match="non-negative"):
            allocate_2d_fixed({"A": 1}, {"X": 2, "Y": -1})
        with pytest.raises(
            AllocationError, match=r"row totals \(3\) and column totals \(2\) differ"
        ):
            allocate_2d_fixed({"A": 1, "B": 2}, {"X": 2})

    @given(
        rows=st.lists(st.integers(0, 10**9), min_size=1, max_size=5),
        cuts=st.lists(st.integers(0, 1000), min_size=1, max_size=5),
    )
    def test_both_margins_kept_and_each_cell_within_a_penny(
        self, rows: list[int], cuts: list[int]
    ) -> None:
        total = sum(rows)
        assume(sum(cuts) > 0)
        columns = allocate(total, dict(enumerate(cuts)))
        row_totals = {f"r{i}": v for i, v in enumerate(rows)}
        column_totals = {f"c{j}": v for j, v in columns.items()}
        grid = allocate_2d_fixed(row_totals, column_totals)
        for r, v in row_totals.items():
            assert sum(grid.cells[r].values()) == v
        for c, v in column_totals.items():
            assert sum(grid.cells[r][c] for r in row_totals) == v
        for r, rv in row_totals.items():
            for c, cv in column_totals.items():
                exact = Fraction(rv * cv, total) if total else Fraction(0)
                assert abs(grid.cells[r][c] - exact) < 1
                assert grid.cells[r][c] >= 0


class TestApplyGivenParts:
    """``CumulativeAllocator.apply``: a reversal's parts go in exactly as given."""

    def test_parts_are_added_as_given_and_the_next_add_catches_up(self) -> None:
        acc = CumulativeAllocator({"A": 1, "B": 2})
        assert acc.add(100) == {"A": 33, "B": 67}
        assert acc.last_remainder_to == ("B",)
        acc.apply({"A": -34})  # not the allocation: a copy of some other line's share
        assert acc.running_total == 66
        assert acc.running_parts == {"A": -1, "B": 67}
        assert len(acc.last_remainder_to) == 0
        # the next step brings the running parts back to the allocation of 166
        assert acc.add(100) == {"A": 56, "B": 44}
        assert acc.running_parts == allocate(166, {"A": 1, "B": 2}) == {"A": 55, "B": 111}

    def test_unknown_keys_are_refused(self) -> None:
        acc = CumulativeAllocator({"A": 1, "B": 2})
        with pytest.raises(AllocationError, match=r"unknown keys \['Z'\]"):
            acc.apply({"A": 1, "Z": 1})
        assert acc.running_total == 0
        assert acc.running_parts == {"A": 0, "B": 0}


def test_fixed_margins_where_the_greedy_pass_falls_short() -> None:
    """The case that gave one cell two remainder pence (7,909p for an exact 7,907.91p)."""
    rows = {"r0": 2257, "r1": 6026, "r2": 12808}
    total = sum(rows.values())
    columns = {f"c{j}": v for j, v in allocate(total, dict(enumerate([58, 100, 365, 844]))).items()}
    grid = allocate_2d_fixed(rows, columns)
    for r, rv in rows.items():
        assert sum(grid.cells[r].values()) == rv
        for c, cv in columns.items():
            assert abs(grid.cells[r][c] - Fraction(rv * cv, total)) < 1
    for c, cv in columns.items():
        assert sum(grid.cells[r][c] for r in rows) == cv


class TestOrderAndRefusals:
    """The order argument decides ties everywhere, and each refusal says why (found by
    mutation testing)."""

    def test_order_decides_the_tie_in_every_form(self) -> None:
        trail = explain_allocation(1, {"A": 1, "B": 1}, ["B", "A"])
        assert (trail.parts, trail.remainder_to) == ({"B": 1, "A": 0}, ("B",))
        assert allocate_2d({"r": 1}, {"A": 1, "B": 1}, ["B", "A"]).cells == {"r": {"B": 1, "A": 0}}
        assert allocate(1, {"A": 1, "B": 1}, ["B", "A"]) == {"B": 1, "A": 0}

    @pytest.mark.parametrize(
        ("weights", "message"),
        [
            (
                {"A": 1.5},
                r"^weight 1\.5 for 'A' must be a Fraction, int or Decimal \(never a float\)$",
            ),
            ({"A": Decimal("NaN")}, r"^weight Decimal\('NaN'\) for 'A' is not finite$"),
            ({"A": -1}, r"^weight -1 for 'A' is negative$"),
            ({}, r"^no weights given: nothing to allocate to$"),
            ({"A": 0}, r"^all weights are zero: there is no basis to split the money$"),
        ],
    )
    def test_weights_refused_with_the_reason(
        self, weights: dict[str, object], message: str
    ) -> None:
        with pytest.raises(AllocationError, match=message):
            allocate(10, weights)  # type: ignore[arg-type]

    def test_amounts_must_be_whole_pence(self) -> None:
        with pytest.raises(AllocationError, match=r"^total 1\.0 must be an int number of pence$"):
            allocate(1.0, {"A": 1})  # type: ignore[arg-type]
        acc = CumulativeAllocator({"A": 1})
        with pytest.raises(AllocationError, match=r"^amount True must be an int number of pence$"):
            acc.add(True)
        assert acc.running_total == 0
