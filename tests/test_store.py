"""The pool store (docs/store.md), run against SQLite and a real PostgreSQL server.

Every test takes ``store_location`` (tests/conftest.py): a new SQLite file or a
fresh PostgreSQL database (POOLEDLEDGER_TEST_PG).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import IssueError
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.ledger_files import dump_ledger_json
from pooledledger.io.pipeline import read_inputs
from pooledledger.model.entries import Contribution, ContributionKind, EntryKind, Reversal
from pooledledger.store import PoolStore, StoreError
from pooledledger.store import schema as store_schema
from pooledledger.yearend.close import close_year
from store_support import (
    AGREEMENT,
    LEDGER,
    Y1,
    Y2,
    agreement_v2,
    monthly_files,
    year1,
    year2_files,
)


def codes(exc: pytest.ExceptionInfo[IssueError]) -> list[str]:
    return [i.code for i in exc.value.issues]


def dumped(close: Any) -> Any:
    return json.loads(close.model_dump_json())


@pytest.fixture
def store(store_location: str) -> Any:
    with PoolStore.init(store_location, AGREEMENT, by="A. Finance") as s:
        yield s


def run_two_years(store: PoolStore, tmp_path: Path) -> tuple[Any, Any, Path]:
    for path in monthly_files(tmp_path / "y1"):
        store.import_file(path, by="A. Finance")
    first = store.close(Y1, by="A. Finance")
    v2 = agreement_v2(tmp_path)
    store.amend(v2, by="A. Finance")
    for path in year2_files(load_agreement(v2), tmp_path / "y2"):
        store.import_file(path, by="A. Finance")
    second = store.close(Y2, by="A. Finance")
    return first, second, v2


# -- making and opening ----------------------------------------------------------------


def test_a_fresh_store_is_at_the_head_revision_and_matches_the_schema(store: PoolStore) -> None:
    assert store.revision() == PoolStore.head_revision() == "0001"
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), store_schema.metadata)
    assert diff == []


def test_open_finds_the_store_and_refuses_what_is_not_one(store: PoolStore, tmp_path: Path) -> None:
    with PoolStore.open(store.location) as again:
        assert again.agreement().id == "BCF-2025"
    with pytest.raises(IssueError) as exc:
        PoolStore.open(tmp_path / "missing.db")
    assert codes(exc) == ["PL-STO-001"]
    with pytest.raises(IssueError) as exc:
        PoolStore.open(AGREEMENT)
    assert codes(exc) == ["PL-STO-001"]


def test_init_refuses_an_existing_store(store: PoolStore) -> None:
    with pytest.raises(IssueError) as exc:
        PoolStore.init(store.location, AGREEMENT)
    assert codes(exc) == ["PL-STO-013"]


def test_amounts_are_stored_as_integer_pence_never_floats(store: PoolStore) -> None:
    store.import_file(LEDGER)
    for table in store_schema.metadata.sorted_tables:
        for column in table.columns:
            assert not isinstance(column.type, sa.Float | sa.Numeric), column
    with store.engine.connect() as conn:
        net = conn.execute(
            sa.select(store_schema.entries.c.amount_pence).where(
                store_schema.entries.c.entry_id == "S2-Q1"
            )
        ).scalar_one()
    assert net == 105750005
    assert isinstance(net, int)


# -- imports --------------------------------------------------------------------------


def test_an_import_is_a_batch_with_provenance(store: PoolStore) -> None:
    got = store.import_file(LEDGER, by="B. Clerk")
    assert got.batch == 1
    assert len(got.added) == 37
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(store_schema.batches)).one()
    assert row.source == "example2_ledger.toml"
    assert row.by == "B. Clerk"
    assert len(row.sha256) == 64
    assert row.supersedes is None
    assert store.ledger().entries == year1()[1].entries


def test_the_same_file_twice_is_refused_and_nothing_is_doubled(
    store: PoolStore, tmp_path: Path
) -> None:
    store.import_file(LEDGER)
    copy = tmp_path / "renamed.toml"
    copy.write_bytes(LEDGER.read_bytes())
    with pytest.raises(IssueError) as exc:
        store.import_file(copy)
    assert codes(exc) == ["PL-STO-002"]
    assert len(store.ledger()) == 37
    assert [e.kind for e in store.history()] == ["init", "import"]


def test_an_overlapping_export_is_refused_naming_each_entry(
    store: PoolStore, tmp_path: Path
) -> None:
    months = monthly_files(tmp_path)
    store.import_file(months[0])
    both = tmp_path / "both.json"
    agreement, ledger = year1()
    first_two = [e for e in ledger.entries if e.id in {*store.ledger()._by_id}]
    first_two += [e for e in ledger.entries if e.id == "ICB-S2-Q2"]
    both.write_text(dump_ledger_json(Ledger(agreement, first_two)), encoding="utf-8")
    with pytest.raises(IssueError) as exc:
        store.import_file(both)
    assert set(codes(exc)) == {"PL-STO-003"}
    assert len(exc.value.issues) == len(store.ledger())
    assert all("--supersedes 1" in i.message for i in exc.value.issues)


def test_a_superseding_batch_reverses_what_changed_and_adds_the_new(
    store: PoolStore, tmp_path: Path
) -> None:
    agreement, ledger = year1()
    june = [e for e in ledger.entries if e.id.endswith("-Q1") and e.entry is EntryKind.EXPENDITURE]
    first = tmp_path / "june.json"
    first.write_text(dump_ledger_json(Ledger(agreement, june)), encoding="utf-8")
    store.import_file(first)
    fixed = [
        e.model_copy(update={"net": e.net + e.net.__class__("10.00", "GBP")})
        if e.id == "S3-Q1"
        else e
        for e in june
        if e.id != "S5-Q1"
    ]
    second = tmp_path / "june-corrected.json"
    second.write_text(dump_ledger_json(Ledger(agreement, fixed)), encoding="utf-8")
    before = store.ledger().totals()
    got = store.import_file(second, supersedes=1, by="B. Clerk")
    assert got.added == ("S3-Q1-B2",)
    assert sorted(got.reversed) == ["S3-Q1-REV-B2", "S5-Q1-REV-B2"]
    assert len(got.kept) == 3
    after = store.ledger()
    s5 = after.get("S5-Q1")
    assert after.totals().expenditure == before.expenditure + 1000 - s5.net_pence  # type: ignore[union-attr]
    assert isinstance(after.get("S5-Q1-REV-B2"), Reversal)
    with pytest.raises(IssueError) as exc:
        store.import_file(first, supersedes=1)
    assert codes(exc) == ["PL-STO-002"]
    third = tmp_path / "june-again.json"
    third.write_text(dump_ledger_json(Ledger(agreement, june[:1])), encoding="utf-8")
    with pytest.raises(IssueError) as exc:
        store.import_file(third, supersedes=1)
    assert codes(exc) == ["PL-STO-004"]
    assert store.verify().ok


def test_bad_data_in_an_import_is_refused_whole(store: PoolStore, tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        LEDGER.read_text(encoding="utf-8").replace('scheme = "S5"', 'scheme = "S9"', 1),
        encoding="utf-8",
    )
    with pytest.raises(IssueError) as exc:
        store.import_file(bad)
    assert "PL-LED-001" in codes(exc)
    assert len(store.ledger()) == 0
    assert [e.kind for e in store.history()] == ["init"]


# -- closing ---------------------------------------------------------------------------


def test_two_years_imported_month_by_month_close_as_from_files(
    store: PoolStore, tmp_path: Path
) -> None:
    first, second, v2 = run_two_years(store, tmp_path)
    # year 1 equals closing the bundled files
    inputs, _ = read_inputs(AGREEMENT, LEDGER)
    assert inputs is not None
    assert dumped(first.result) == dumped(close_year(inputs.agreement, inputs.ledger, Y1))
    # 2025-26's carry-forward opens 2026-27
    bf = store.ledger().get("BF-2026-27-S1-COUNCIL")
    assert isinstance(bf, Contribution)
    assert bf.kind is ContributionKind.BROUGHT_FORWARD
    assert bf.pence == first.result.partner("COUNCIL").carried_forward == 15_000_000
    uplifted = 211_320_000  # £2,000,000.00 x 1.0566
    assert second.result.scheme("S1").contributions["COUNCIL"] == uplifted + 15_000_000
    # year 2 equals closing the same data from files
    ledger_file = tmp_path / "both_years.json"
    ledger_file.write_text(dump_ledger_json(second.ledger), encoding="utf-8")
    inputs2, issues = read_inputs(v2, ledger_file)
    assert inputs2 is not None, issues
    assert dumped(second.result) == dumped(close_year(inputs2.agreement, inputs2.ledger, Y2))
    assert second.result.partner("ICB").settlement != 0
    assert store.verify().ok


def test_closing_again_returns_the_stored_close_and_says_so(store: PoolStore) -> None:
    store.import_file(LEDGER)
    first = store.close(Y1)
    events = len(store.history())
    again = store.close(Y1)
    assert again.already_closed
    assert not first.already_closed
    assert again.id == first.id
    assert again.result == first.result
    assert len(store.history()) == events


def test_a_later_year_cannot_close_while_an_earlier_one_is_open(
    store: PoolStore, tmp_path: Path
) -> None:
    store.import_file(LEDGER)
    v2 = agreement_v2(tmp_path)
    store.amend(v2)
    for path in year2_files(load_agreement(v2), tmp_path / "y2"):
        store.import_file(path)
    with pytest.raises(IssueError) as exc:
        store.close(Y2)
    assert codes(exc) == ["PL-STO-007"]
    assert "2025-26" in exc.value.issues[0].message


def test_a_year_outside_the_agreement_is_refused(store: PoolStore) -> None:
    with pytest.raises(IssueError) as exc:
        store.close(Y2)
    assert codes(exc) == ["PL-STO-008"]


def test_a_close_needs_the_whole_years_instalments(store: PoolStore, tmp_path: Path) -> None:
    store.import_file(monthly_files(tmp_path)[0])  # April only: one quarter's instalments
    with pytest.raises(IssueError) as exc:
        store.close(Y1)
    assert set(codes(exc)) == {"PL-LED-008"}
    assert store.stored_close(Y1) is None


def test_imports_dated_in_a_closed_year_are_refused(store: PoolStore, tmp_path: Path) -> None:
    months = monthly_files(tmp_path)
    for path in months[:-1]:
        store.import_file(path)
    store.import_file(months[-1])
    store.close(Y1)
    agreement, ledger = year1()
    late = tmp_path / "late.json"
    extra = ledger.get("S3-CHARGES").model_copy(update={"id": "S3-LATE"})
    late.write_text(dump_ledger_json(Ledger(agreement, [extra])), encoding="utf-8")
    with pytest.raises(IssueError) as exc:
        store.import_file(late)
    assert codes(exc) == ["PL-STO-005"]


# -- sign-off and reopening -------------------------------------------------------------


def test_signoff_locks_the_year_and_reopening_needs_an_unlock(
    store: PoolStore, tmp_path: Path
) -> None:
    store.import_file(LEDGER)
    first = store.close(Y1)
    signed = store.signoff(Y1, by="Chief Finance Officer")
    assert signed.head_hash == store.history()[-1].hash or len(signed.head_hash) == 64
    with pytest.raises(IssueError) as exc:
        store.signoff(Y1, by="Someone else")
    assert codes(exc) == ["PL-STO-011"]
    agreement, ledger = year1()
    late = tmp_path / "late.json"
    extra = ledger.get("S3-CHARGES").model_copy(update={"id": "S3-LATE"})
    late.write_text(dump_ledger_json(Ledger(agreement, [extra])), encoding="utf-8")
    with pytest.raises(IssueError) as exc:
        store.import_file(late)
    assert codes(exc) == ["PL-STO-006"]
    with pytest.raises(IssueError) as exc:
        store.reopen(Y1, reason="late invoice")
    assert codes(exc) == ["PL-STO-010"]
    reopened = store.reopen(Y1, reason="late invoice", unlock=True, by="CFO")
    assert reopened.unlock
    assert "REOPEN-CLOSED-2025-26" in reopened.entries
    assert "BF-2026-27-S1-COUNCIL-REOPENED" in reopened.entries
    assert store.stored_close(Y1) is None
    # the year is open again: the late line lands, and closing again adds new entries
    store.import_file(late)
    again = store.close(Y1)
    assert again.id == 2
    assert not again.already_closed
    assert "CLOSED-2025-26-R2" in again.entries
    led = store.ledger()
    bf = [c for c in led.contributions(Y2) if c.kind is ContributionKind.BROUGHT_FORWARD]
    assert sum(c.pence for c in bf) == again.result.partner("COUNCIL").carried_forward
    assert again.result.scheme("S3").income == first.result.scheme("S3").income * 2
    kinds = [e.kind for e in store.history()]
    assert kinds == ["init", "import", "close", "signoff", "reopen", "import", "close"]
    assert store.verify().ok


def test_a_year_cannot_reopen_while_a_later_one_is_closed(store: PoolStore, tmp_path: Path) -> None:
    run_two_years(store, tmp_path)
    with pytest.raises(IssueError) as exc:
        store.reopen(Y1, reason="audit adjustment")
    assert codes(exc) == ["PL-STO-009"]
    store.reopen(Y2, reason="audit adjustment")
    store.reopen(Y1, reason="audit adjustment")
    assert store.closes() == ()


# -- the audit trail --------------------------------------------------------------------


def tamper(store: PoolStore, statement: str) -> None:
    with store.engine.begin() as conn:
        assert conn.execute(sa.text(statement)).rowcount == 1


@pytest.fixture
def closed(store: PoolStore) -> PoolStore:
    store.import_file(LEDGER, by="A. Finance")
    store.close(Y1, by="A. Finance")
    store.signoff(Y1, by="CFO")
    assert store.verify().ok
    return store


def test_verify_passes_on_an_untouched_store(closed: PoolStore) -> None:
    report = closed.verify()
    assert report.ok
    assert report.events == 4
    assert report.closes == 1
    assert report.head == closed.history()[-1].hash


def test_tampering_with_a_stored_amount_is_found_with_its_event(closed: PoolStore) -> None:
    tamper(closed, "UPDATE entries SET amount_pence = amount_pence + 1 WHERE entry_id = 'S2-Q1'")
    report = closed.verify()
    assert not report.ok
    first = report.issues[0]
    assert first.code == "PL-STO-021"
    assert first.location.field == "event 2"
    assert "amount_pence: stored 105750006, trail 105750005" in first.message
    # the re-run close no longer matches either
    assert "PL-STO-022" in [i.code for i in report.issues]


def test_tampering_with_an_entrys_detail_is_found(closed: PoolStore) -> None:
    tamper(
        closed,
        "UPDATE entries SET detail = REPLACE(detail, '\"S4\"', '\"S3\"') WHERE entry_id = 'S4-Q2'",
    )
    report = closed.verify()
    assert [i.code for i in report.issues][:1] == ["PL-STO-021"]
    assert report.issues[0].location.field == "event 2"


def test_tampering_with_a_stored_close_is_found(closed: PoolStore) -> None:
    tamper(
        closed,
        "UPDATE closes SET result = REPLACE(result, '\"settlement\":-4578948', "
        "'\"settlement\":-4578000') WHERE id = 1",
    )
    report = closed.verify()
    found = {i.code: i for i in report.issues}
    assert found["PL-STO-021"].location.field == "event 3"
    assert "settlement: stored -4578000, re-run -4578948" in found["PL-STO-022"].message


def test_tampering_with_the_trail_itself_is_found(closed: PoolStore) -> None:
    tamper(closed, "UPDATE events SET actor = 'Someone else' WHERE seq = 4")
    report = closed.verify()
    assert [(i.code, i.location.field) for i in report.issues] == [("PL-STO-020", "event 4")]


def test_deleting_an_event_breaks_the_chain(closed: PoolStore) -> None:
    tamper(closed, "DELETE FROM events WHERE seq = 4")
    report = closed.verify()
    assert "PL-STO-021" in [i.code for i in report.issues]  # the sign-off has no event


def test_rewriting_an_event_with_a_new_hash_breaks_the_next_link(closed: PoolStore) -> None:
    tamper(closed, f"UPDATE events SET hash = '{'a' * 64}' WHERE seq = 2")
    report = closed.verify()
    assert [i.location.field for i in report.issues[:2]] == ["event 2", "event 3"]


# -- export ----------------------------------------------------------------------------


def test_export_rebuilds_a_store_with_the_same_entries_and_closes(
    store: PoolStore, tmp_path: Path
) -> None:
    agreement, ledger = year1()
    months = monthly_files(tmp_path / "m")
    for path in months:
        store.import_file(path, by="A. Finance")
    june = [e for e in ledger.entries if e.id in {"S3-Q1", "S5-Q1"}]
    fixed = tmp_path / "fix.json"
    june_fixed = [
        e.model_copy(update={"description": "corrected"}) if e.id == "S3-Q1" else e for e in june
    ]
    fixed.write_text(dump_ledger_json(Ledger(agreement, june_fixed)), encoding="utf-8")
    first_june = next(i for i, p in enumerate(months) if "2025-06" in p.name) + 1
    store.import_file(fixed, supersedes=first_june, by="A. Finance")
    store.close(Y1, by="A. Finance")
    store.signoff(Y1, by="CFO")
    written = store.export(tmp_path / "export")
    names = [p.name for p in written]
    assert names[:2] == ["agreement.json", "ledger.json"]
    assert "manifest.json" in names
    # the file form closes to the same figures
    inputs, _ = read_inputs(
        tmp_path / "export" / "agreement.json", tmp_path / "export" / "ledger.json"
    )
    assert inputs is not None
    original = store.stored_close(Y1)
    assert original is not None
    assert close_year(inputs.agreement, inputs.ledger, Y1).partners == original.result.partners
    location = str(tmp_path / "rebuilt.db")
    with PoolStore.rebuild(location, tmp_path / "export") as rebuilt:
        assert rebuilt.ledger().entries == store.ledger().entries
        again = rebuilt.stored_close(Y1)
        assert again is not None
        assert again.result == original.result
        assert [e.kind for e in rebuilt.history()] == [e.kind for e in store.history()]
        assert rebuilt.verify().ok


def test_a_store_error_is_a_pooledledger_error() -> None:
    assert issubclass(StoreError, RuntimeError)


def test_open_leaves_a_database_that_is_not_a_store_untouched(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    engine = sa.create_engine(f"sqlite:///{other}")
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    with pytest.raises(IssueError) as exc:
        PoolStore.open(other)
    assert codes(exc) == ["PL-STO-001"]
    assert sa.inspect(engine).get_table_names() == ["invoices"]
    engine.dispose()


def test_a_workbook_batch_records_the_sheet_read(store: PoolStore, tmp_path: Path) -> None:
    from test_excel_import import ledger_sheets, write_book

    _, ledger = year1()
    book = write_book(tmp_path / "export.xlsx", ledger_sheets(ledger))
    got = store.import_file(book, sheet="Contributions")
    assert got.source == "export.xlsx[Contributions]"
    assert len(got.added) == 16  # the instalments
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(store_schema.batches.c.source)).scalar_one() == got.source


def test_a_file_changed_while_it_is_read_is_refused(
    store: PoolStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pooledledger.io.sources import read_ledger_source as original

    path = tmp_path / "ledger.toml"
    path.write_bytes(LEDGER.read_bytes())

    def read_then_change(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        path.write_bytes(path.read_bytes() + b"\n# edited\n")
        return result

    monkeypatch.setattr("pooledledger.store.pool.read_ledger_source", read_then_change)
    with pytest.raises(IssueError) as exc:
        store.import_file(path)
    assert codes(exc) == ["PL-CSV-001"]
    assert len(store.ledger()) == 0


def test_a_batch_can_be_superseded_again(store: PoolStore, tmp_path: Path) -> None:
    agreement, ledger = year1()
    june = [e for e in ledger.entries if e.id.endswith("-Q1") and e.entry is EntryKind.EXPENDITURE]

    def write(name: str, entries: list[Any]) -> Path:
        path = tmp_path / name
        path.write_text(dump_ledger_json(Ledger(agreement, entries)), encoding="utf-8")
        return path

    def described(text: str, ids: set[str]) -> list[Any]:
        return [e.model_copy(update={"description": text}) if e.id in ids else e for e in june]

    store.import_file(write("june.json", june))
    second = store.import_file(write("june2.json", described("v2", {"S3-Q1"})), supersedes=1)
    assert second.added == ("S3-Q1-B2",)
    third = store.import_file(write("june3.json", described("v3", {"S1-Q1"})), supersedes=2)
    # S3 goes back to the first version (S3-Q1-B2 reversed, S3-Q1-B3 added), S1 changes
    assert sorted(third.added) == ["S1-Q1-B3", "S3-Q1-B3"]
    assert sorted(third.reversed) == ["S1-Q1-REV-B3", "S3-Q1-B2-REV-B3"]
    assert sorted(third.kept) == ["S2-Q1", "S4-Q1", "S5-Q1"]
    assert store.ledger().totals() == Ledger(agreement, june).totals()
    assert store.verify().ok
