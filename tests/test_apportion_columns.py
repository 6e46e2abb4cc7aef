"""The column-allocated apportionment equals the row-by-row one it replaced, to the penny."""

from __future__ import annotations

import dataclasses
import importlib
import pickle
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apportion_oracle import row_apportion
from pooledledger.books.apportion import apportion
from pooledledger.books.ledger import Ledger
from pooledledger.books.tables import (
    APPORTIONMENT_COLUMNS,
    apportionment_columns,
    apportionment_frame,
)
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry
from strategies import YEAR, agreements, entry_streams, random_pool

# the module, not the function of the same name that the package exports
apportion_module = importlib.import_module("pooledledger.books.apportion")


def _same(ledger: Ledger) -> None:
    for upto in (None, YEAR.quarter(2).end):
        want = row_apportion(ledger, YEAR, upto)
        got = apportion(ledger, YEAR, upto)
        assert got.schemes == want.schemes  # worked out without making the lines
        assert got.issues == want.issues
        assert got.lines == want.lines
        assert got == want
        # the CSV and Parquet writers' polars columns: the table's lists, value for value
        frame = apportionment_frame(got)
        assert frame is not None
        assert list(frame.columns) == [c.name for c in APPORTIONMENT_COLUMNS]
        assert frame.to_dict(as_series=False) == apportionment_columns(want)


@st.composite
def pools(draw: st.DrawFn) -> tuple[Agreement, list[Entry]]:
    agreement = draw(agreements(max_partners=5, max_schemes=3))
    return agreement, draw(entry_streams(agreement, max_size=60))


@settings(max_examples=60, deadline=None)
@given(pool=pools(), columns_from=st.sampled_from([0, 1, 3]))
def test_same_as_the_row_path(pool: tuple[Agreement, list[Entry]], columns_from: int) -> None:
    agreement, entries = pool
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(apportion_module, "COLUMNS_FROM", columns_from)
        _same(Ledger(agreement, entries))


@pytest.mark.parametrize("seed", [7, 2025])
def test_same_as_the_row_path_on_a_seeded_pool(seed: int) -> None:
    agreement, entries = random_pool(seed, 5000, n_partners=6, n_schemes=3)
    ledger = Ledger(agreement, entries)
    sizes = Counter((line.scheme, line.kind) for line in ledger.pool_lines)
    assert max(sizes.values()) >= apportion_module.COLUMNS_FROM  # columns are used
    _same(ledger)


def test_lines_are_made_only_when_read() -> None:
    agreement, entries = random_pool(11, 600, n_partners=3, n_schemes=2)
    ledger = Ledger(agreement, entries)
    got = apportion(ledger, YEAR)
    assert got._lines is None
    first = got.lines
    assert got.lines is first  # made once, then kept
    assert got == row_apportion(ledger, YEAR)


def test_an_apportionment_is_immutable_and_pickles() -> None:
    agreement, entries = random_pool(11, 300, n_partners=3, n_schemes=2)
    got = apportion(Ledger(agreement, entries), YEAR)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.year = YEAR
    with pytest.raises(dataclasses.FrozenInstanceError):
        del got.schemes
    again = pickle.loads(pickle.dumps(got))
    assert again == got
    assert repr(again) == repr(got)
    assert repr(got).startswith("Apportionment(year=FinancialYear(2025)")
    with pytest.raises(TypeError):
        hash(got)
