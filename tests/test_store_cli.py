"""The pool store's commands (docs/cli.md, docs/store.md), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner, Result

from pooledledger.cli import main
from pooledledger.store import PoolStore
from store_support import AGREEMENT, LEDGER, monthly_files


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_a_year_through_the_store_commands(store_location: str, tmp_path: Path) -> None:
    assert run("init", store_location, AGREEMENT, "--by", "A. Finance").exit_code == 0
    months = monthly_files(tmp_path / "m")
    for path in months:
        got = run("import", store_location, path, "--by", "B. Clerk")
        assert got.exit_code == 0, got.output
        assert got.output.startswith("batch ")
    again = run("import", store_location, months[0])
    assert again.exit_code == 1
    assert "PL-STO-002" in again.output
    assert "the store is unchanged" in again.output

    out = tmp_path / "out"
    closed = run("close", store_location, "--year", "2025-26", "--out", out, "--by", "CFO")
    assert closed.exit_code == 0, closed.output
    assert "45,789.48" in closed.output  # the ICB's share, as `close AGREEMENT LEDGER` prints
    from_files = run("close", AGREEMENT, LEDGER, "--out", tmp_path / "files")
    stem = "BCF-2025_2025-26_year_end.json"
    stored_json = json.loads((out / stem).read_text(encoding="utf-8"))
    files_json = json.loads((tmp_path / "files" / stem).read_text(encoding="utf-8"))
    assert from_files.exit_code == 0
    assert stored_json == files_json  # the same reports as closing from files

    twice = run("close", store_location, "--year", "2025-26", "--out", out)
    assert twice.exit_code == 0
    assert "closed already" in twice.output

    assert run("signoff", store_location, "--year", "2025-26", "--by", "CFO").exit_code == 0
    locked = run("reopen", store_location, "--year", "2025-26", "--reason", "late invoice")
    assert locked.exit_code == 1
    assert "PL-STO-010" in locked.output

    history = run("history", store_location)
    assert history.exit_code == 0
    kinds = [line.split()[2] for line in history.output.splitlines()]
    assert kinds == ["init", *["import"] * len(months), "close", "signoff"]

    verified = run("verify", store_location)
    assert verified.exit_code == 0
    assert verified.output.startswith(f"verified {len(kinds)} events and 1 close(s)")

    exported = run("export", store_location, "--out", tmp_path / "export")
    assert exported.exit_code == 0
    assert (tmp_path / "export" / "manifest.json").exists()
    refiled = run(
        "close",
        tmp_path / "export" / "agreement.json",
        tmp_path / "export" / "ledger.json",
        "--out",
        tmp_path / "refiled",
        "--format",
        "json",
    )
    assert refiled.exit_code == 0, refiled.output
    rebuilt = tmp_path / "rebuilt.pool"
    again = run("rebuild", rebuilt, tmp_path / "export")
    assert again.exit_code == 0, again.output
    with PoolStore.open(rebuilt) as copy, PoolStore.open(store_location) as original:
        assert copy.ledger().entries == original.ledger().entries
        assert copy.closes()[0].result == original.closes()[0].result

    reopened = run(
        "reopen", store_location, "--year", "2025-26", "--reason", "late invoice", "--unlock"
    )
    assert reopened.exit_code == 0
    assert "REOPEN-CLOSED-2025-26" in reopened.output


def test_verify_names_the_event_a_tampered_amount_breaks(
    store_location: str, tmp_path: Path
) -> None:
    with PoolStore.init(store_location, AGREEMENT) as store:
        store.import_file(LEDGER)
        with store.engine.begin() as conn:
            conn.execute(sa.text("UPDATE entries SET amount_pence = 0 WHERE entry_id = 'S1-Q3'"))
    got = run("verify", store_location)
    assert got.exit_code == 1
    first = got.output.splitlines()[1]
    assert first.startswith("  PL-STO-021 error: event 2: entries row")
    assert "amount_pence: stored 0, trail 46250000" in first


def test_the_close_forms_are_told_apart(store_location: str, tmp_path: Path) -> None:
    PoolStore.init(store_location, AGREEMENT).dispose()
    both = run("close", store_location, LEDGER)
    assert both.exit_code == 2
    assert "is a pool store" in both.output
    no_year = run("close", store_location)
    assert no_year.exit_code == 2
    assert "--year" in no_year.output
    columns = run("close", store_location, "--year", "2025-26", "--columns", LEDGER)
    assert columns.exit_code == 2
    terminate = run("close", store_location, "--year", "2025-26", "--terminate", "2025-12-31")
    assert terminate.exit_code == 2
    assert "not a store" in terminate.output
    alone = run("close", AGREEMENT)
    assert alone.exit_code == 2
    assert "give the LEDGER file" in alone.output
    missing = run("close", tmp_path / "nothing.toml", LEDGER)
    assert missing.exit_code == 2
    assert "does not exist" in missing.output


def test_store_commands_refuse_what_is_not_a_store(tmp_path: Path) -> None:
    got = run("history", AGREEMENT)
    assert got.exit_code == 1
    assert "PL-STO-001" in got.output
    got = run("verify", tmp_path / "none.db")
    assert got.exit_code == 1
    assert "no such file" in got.output


def test_an_unreachable_server_is_a_message_not_a_traceback() -> None:
    got = run("history", "postgresql://someone:secret@127.0.0.1:1/none")
    assert got.exit_code == 1
    assert "cannot be used" in got.output
    assert "secret" not in got.output
