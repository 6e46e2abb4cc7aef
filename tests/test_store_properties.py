"""Properties of the pool store (SQLite; the backends share every line of code).

* any entry survives being stored as a row (amounts as integer pence) unchanged;
* a ledger imported in any grouping and order closes as it does from one file;
* a close through the store equals :func:`close_year` on the same entries, for
  generated agreements, ledgers and board rulings;
* changing any one character of any event of the trail is found by ``verify``,
  naming that event.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from close_strategies import CloseCase, close_cases
from pooledledger.books.ledger import Ledger
from pooledledger.io.ledger_files import dump_ledger_json
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry
from pooledledger.store import PoolStore
from pooledledger.store.rows import entry_from_row, entry_row
from pooledledger.yearend.checks import check_ledger
from pooledledger.yearend.close import close_year
from store_support import AGREEMENT, Y1, year1
from strategies import YEAR, agreements, entry_streams

_SLOW = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def agreement_and_entries(draw: st.DrawFn) -> tuple[Agreement, list[Entry]]:
    agreement = draw(agreements())
    return agreement, draw(entry_streams(agreement))


@given(agreement_and_entries())
def test_every_entry_survives_a_row_round_trip(case: tuple[Agreement, list[Entry]]) -> None:
    _, entries = case
    for entry in entries:
        row = entry_row(entry)
        for column in ("amount_pence", "vat_pence", "vat_recoverable_pence"):
            assert row[column] is None or type(row[column]) is int
        assert entry_from_row(SimpleNamespace(**row)) == entry


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


_N = [0]


def _fresh(folder: Path) -> str:
    _N[0] += 1
    return str(folder / f"store{_N[0]}.db")


@_SLOW
@given(data=st.data())
def test_any_grouping_and_order_of_imports_closes_as_one_file(
    folder: Path, data: st.DataObject
) -> None:
    agreement, ledger = year1()
    n = data.draw(st.integers(1, 6), label="batches")
    groups: list[list[Entry]] = [[] for _ in range(n)]
    for entry in ledger.entries:
        groups[data.draw(st.integers(0, n - 1))].append(entry)
    order = data.draw(st.permutations(range(n)), label="order")
    with PoolStore.init(_fresh(folder), agreement) as store:
        for i in order:
            if groups[i]:
                path = folder / f"batch{_N[0]}-{i}.json"
                path.write_text(
                    dump_ledger_json(Ledger(agreement, groups[i])),
                    encoding="utf-8",
                )
                store.import_file(path)
        stored = store.close(Y1)
        assert stored.result == close_year(agreement, ledger, Y1)
        assert store.verify().ok


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
@given(close_cases(max_partners=4, max_schemes=4))
def test_a_store_close_equals_close_year_on_the_same_entries(folder: Path, case: CloseCase) -> None:
    ledger = Ledger(case.agreement, case.entries)
    assume(not any(i.is_error for i in check_ledger(ledger)))
    path = folder / f"case{_N[0]}.json"
    path.write_text(dump_ledger_json(ledger), encoding="utf-8")
    with PoolStore.init(_fresh(folder), case.agreement) as store:
        store.import_file(path)
        stored = store.close(YEAR, rulings=case.rulings)
        expected = close_year(case.agreement, ledger, YEAR, rulings=case.rulings)
        assert stored.result == expected
        assert store.verify().ok
        assert store.close(YEAR).already_closed


@pytest.fixture(scope="module")
def closed_store(folder: Path) -> str:
    location = str(folder / "closed.db")
    with PoolStore.init(location, AGREEMENT, by="A. Finance") as store:
        store.import_file(Path(str(AGREEMENT)).with_name("example2_ledger.toml"))
        store.close(Y1, by="A. Finance")
        store.signoff(Y1, by="CFO")
    return location


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_changing_any_character_of_the_trail_is_found(
    folder: Path, closed_store: str, data: st.DataObject
) -> None:
    copy = _fresh(folder)
    shutil.copyfile(closed_store, copy)
    with sqlite3.connect(copy) as conn:
        events = conn.execute("SELECT seq, actor, payload FROM events ORDER BY seq").fetchall()
        seq, actor, payload = data.draw(st.sampled_from(events), label="event")
        column = data.draw(st.sampled_from(["actor", "payload"]), label="column")
        text = actor if column == "actor" else payload
        assume(text)
        at = data.draw(st.integers(0, len(text) - 1), label="position")
        new = data.draw(st.characters(codec="utf-8"), label="character")
        assume(new != text[at])
        changed = text[:at] + new + text[at + 1 :]
        conn.execute(f"UPDATE events SET {column} = ? WHERE seq = ?", (changed, seq))
    conn.close()
    with PoolStore.open(copy) as store:
        report = store.verify()
    assert not report.ok
    assert report.issues[0].location.field == f"event {seq}"
    assert report.issues[0].code == "PL-STO-020"
    json.dumps([str(i) for i in report.issues])  # every issue prints
