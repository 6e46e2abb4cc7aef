"""The command line: every command on the bundled examples, and bad data without tracebacks."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from importlib.resources import as_file, files
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pooledledger.cli import main
from pooledledger.cli.common import ALLOCATOR_SETTINGS, give_back_freed_memory

EXAMPLES = files("pooledledger") / "examples"


@pytest.fixture(scope="module")
def example2() -> Iterator[tuple[Path, Path]]:
    with (
        as_file(EXAMPLES / "example2_bcf.toml") as ag,
        as_file(EXAMPLES / "example2_ledger.toml") as led,
    ):
        yield ag, led


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_demo_writes_every_output_and_prints_the_memorandum_account(tmp_path: Path) -> None:
    result = run("demo", "--out", tmp_path)
    assert result.exit_code == 0, result.output
    assert "POOLED FUND MEMORANDUM ACCOUNT" in result.output
    # §7.3 and §8.7 figures in the printed accounts
    assert "| Additional contributions – PCT1 | 15,000.00 |" in result.output
    assert "(45,789.48)" in result.output
    for stem, key in (("example1_la_two_pcts", "LD-POOL"), ("example2_bcf", "BCF")):
        folder = tmp_path / stem
        names = {p.name for p in folder.iterdir()}
        year_end = [n for n in names if n.endswith("_year_end.json")]
        assert len(year_end) == 1, names
        base = year_end[0].removesuffix("_year_end.json")
        assert key in base
        for suffix in ("_year_end.md", "_year_end.html", "_year_end.xlsx", "_csv"):
            assert base + suffix in names
        for q in (1, 2, 3, 4):
            assert {f"{base}_Q{q}.{ext}" for ext in ("json", "md", "html")} <= names
        for m in (6, 9, 12):
            assert {f"{base}_M{m}_balances.{ext}" for ext in ("json", "md")} <= names


def test_close_writes_results_whose_json_reproduces_8_7(
    example2: tuple[Path, Path], tmp_path: Path
) -> None:
    ag, led = example2
    result = run("close", ag, led, "--out", tmp_path, "--format", "json", "--format", "md")
    assert result.exit_code == 0, result.output
    written = sorted(p.name for p in tmp_path.iterdir())
    assert len(written) == 2
    assert written[0].endswith("_year_end.json")
    data = json.loads((tmp_path / written[0]).read_text(encoding="utf-8"))
    partners = {p["partner"]: p for p in data["close"]["partners"]}
    assert partners["ICB"]["balance"] == -4_578_948
    assert partners["COUNCIL"]["net_share"] == 617_421_052
    assert "(130)" in result.output  # the £000 note is printed


def test_close_leaves_big_line_sheets_out_of_the_workbook_and_says_so(
    example2: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    from pooledledger.io import excel_out

    ag, led = example2
    monkeypatch.setattr(excel_out, "LINE_SHEET_ROWS", 10)
    result = run("close", ag, led, "--out", tmp_path / "a", "--format", "xlsx")
    assert result.exit_code == 0, result.output
    assert "note: The Ledger sheet (37 rows, over 10) is left out" in result.output
    assert "apportionment.csv" in result.output
    book = load_workbook(next((tmp_path / "a").glob("*.xlsx")))
    assert "Ledger" not in book.sheetnames
    assert "Quarterly monitoring" in book.sheetnames
    result = run(
        "close", ag, led, "--out", tmp_path / "b", "--format", "xlsx", "--line-sheets", "always"
    )
    assert result.exit_code == 0, result.output
    assert "note:" not in result.output
    book = load_workbook(next((tmp_path / "b").glob("*.xlsx")))
    assert book.sheetnames[-2:] == ["Ledger", "Shares per line"]


def test_close_with_a_board_ruling(example2: tuple[Path, Path], tmp_path: Path) -> None:
    ag, led = example2
    head, s5, tail = ag.read_text(encoding="utf-8").partition('id = "S5"')
    tail = tail.replace(
        'risk_share = { rule = "OWN_RISK", owner = "COUNCIL" }',
        'risk_share = { rule = "BOARD_DECISION", default = "REFUND" }',
        1,
    )
    text = head + s5 + tail
    assert text.count("BOARD_DECISION") == 1
    board = tmp_path / "board.toml"
    board.write_text(text, encoding="utf-8")

    def council(*args: str) -> dict[str, int]:
        out = tmp_path / str(len(args))
        result = run("close", board, led, "--out", out, "--format", "json", *args)
        assert result.exit_code == 0, result.output
        data = json.loads(next(out.glob("*_year_end.json")).read_text(encoding="utf-8"))
        found: dict[str, int] = next(
            p for p in data["close"]["partners"] if p["partner"] == "COUNCIL"
        )
        return found

    # no ruling: the agreement's default refunds S5's 60,000.00
    assert council()["refunded"] == 6_000_000
    # the board carries it forward instead, beside S1's 150,000.00
    ruled = council("--ruling", "S5=carry_forward:EG-2026-04")
    assert ruled["refunded"] == 0
    assert ruled["carried_forward"] == 21_000_000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--ruling", "S5"), "SCHEME=DISPOSITION"),
        (("--ruling", "S5=KEEP"), "SCHEME=DISPOSITION"),
        (("--ruling", "S5=REFUND"), "not a board decision"),
        (("--ruling", "S9=REFUND"), "unknown scheme"),
        (("--year", "2031-32"), "not a financial year of the agreement"),
        (("--year", "2025"), "--year"),
        (("--format", "pdf"), "pdf"),
    ],
)
def test_close_refuses_bad_options(
    example2: tuple[Path, Path], tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    ag, led = example2
    result = run("close", ag, led, "--out", tmp_path, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_quarterly_report(example2: tuple[Path, Path], tmp_path: Path) -> None:
    ag, led = example2
    result = run(
        "report", "quarterly", ag, led, "--quarter", "2", "--out", tmp_path,
        "--forecast", "S2=4,230,000.20", "--projection-date", "30/09/2025",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Q2" in result.output
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".html", ".json", ".md"]
    data = json.loads(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
    s2 = next(s for s in data["schemes"] if s["scheme"] == "S2")
    assert s2["forecast_net"] == 423_000_020
    assert s2["forecast_method"] == "given"


def test_quarterly_refuses_an_unknown_scheme(example2: tuple[Path, Path], tmp_path: Path) -> None:
    ag, led = example2
    result = run(
        "report", "quarterly", ag, led, "--quarter", "1", "--out", tmp_path,
        "--forecast", "S9=1.00",
    )  # fmt: skip
    assert result.exit_code == 2
    assert "S9" in result.output


@pytest.mark.parametrize("month", ["6", "9", "12"])
def test_balances(example2: tuple[Path, Path], tmp_path: Path, month: str) -> None:
    ag, led = example2
    result = run("balances", ag, led, "--month", month, "--out", tmp_path)
    assert result.exit_code == 0, result.output
    data = json.loads(next(tmp_path.glob("*.json")).read_text(encoding="utf-8"))
    assert data["month"] == int(month)
    assert all(row["mirror"] for row in data["rows"])


def test_check_lists_every_error_without_a_traceback(
    example2: tuple[Path, Path], tmp_path: Path
) -> None:
    ag, _ = example2
    bad = tmp_path / "bad.toml"
    bad.write_text(
        "\n".join(
            [
                "[[entries]]",
                'entry = "expenditure"',
                'id = "X1"',
                'scheme = "S9"',
                "date = 2025-05-01",
                'net = "10.00"',
                "[[entries]]",
                'entry = "income"',
                'id = "X2"',
                'scheme = "S3"',
                "date = 2025-05-01",
                "amount = 10.5",
            ]
        ),
        encoding="utf-8",
    )
    result = run("check", ag, bad)
    assert result.exit_code == 1
    assert "PL-LED-102" in result.output
    assert "row 2" in result.output
    assert "Traceback" not in result.output


def test_check_good_files(example2: tuple[Path, Path]) -> None:
    ag, led = example2
    result = run("check", ag, led)
    assert result.exit_code == 0, result.output
    assert "no errors found" in result.output


def test_close_with_bad_ledger_imports_nothing(example2: tuple[Path, Path], tmp_path: Path) -> None:
    ag, _ = example2
    bad = tmp_path / "bad.json"
    bad.write_text('{"entries": [{"entry": "income", "id": "I1"}]}', encoding="utf-8")
    out = tmp_path / "out"
    result = run("close", ag, bad, "--out", out)
    assert result.exit_code == 1
    assert "nothing was imported" in result.output
    assert not out.exists()


def test_schema_is_json() -> None:
    result = run("schema")
    assert result.exit_code == 0
    assert json.loads(result.output)["title"]


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [("--sheet", "Ledger", "--sheet is for workbooks"), ("--columns", None, "column map")],
)
def test_options_that_would_be_ignored_are_refused(
    example2: tuple[Path, Path], tmp_path: Path, option: str, value: str | None, message: str
) -> None:
    ag, led = example2
    if value is None:
        mapping = tmp_path / "map.toml"
        mapping.write_text('[columns]\nid = "Invoice"\n', encoding="utf-8")
        value = str(mapping)
    commands: list[list[str | Path]] = [
        ["check", ag, led],
        ["close", ag, led, "--out", tmp_path / "out"],
    ]
    for command in commands:
        result = run(*command, option, value)
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert not (tmp_path / "out").exists()


def test_the_command_line_has_polars_give_freed_memory_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Before polars loads, a run sets its allocator's settings, unless the user set
    them; once polars is loaded, they are left alone (it has read them)."""
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    monkeypatch.setitem(sys.modules, "polars", sys.modules.get("polars"))
    give_back_freed_memory()  # polars loaded (or marked so): nothing set
    assert "_RJEM_MALLOC_CONF" not in os.environ
    monkeypatch.delitem(sys.modules, "polars")
    give_back_freed_memory()
    assert os.environ["_RJEM_MALLOC_CONF"] == ALLOCATOR_SETTINGS
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "dirty_decay_ms:10000")
    give_back_freed_memory()
    assert os.environ["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:10000"
    monkeypatch.delenv("_RJEM_MALLOC_CONF")
    result = CliRunner().invoke(main, ["schema", "--help"])  # a command's run sets them
    assert result.exit_code == 0
    assert os.environ["_RJEM_MALLOC_CONF"] == ALLOCATOR_SETTINGS


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="polars' jemalloc: on Linux")
def test_polars_allocator_takes_the_settings() -> None:
    """jemalloc reads :data:`ALLOCATOR_SETTINGS` without a complaint (it names each
    setting it cannot read on stderr: a setting misspelt would be lost silently)."""
    import subprocess

    run = subprocess.run(
        [sys.executable, "-c", "import polars; polars.Series([1, 2]).sum()"],
        env={**os.environ, "_RJEM_MALLOC_CONF": ALLOCATOR_SETTINGS},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "jemalloc" not in run.stderr
    bad = subprocess.run(
        [sys.executable, "-c", "import polars; polars.Series([1, 2]).sum()"],
        env={**os.environ, "_RJEM_MALLOC_CONF": "dirty_decay_ms:soon"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert "Invalid conf value: dirty_decay_ms:soon" in bad.stderr  # the check can fail


def test_the_command_line_has_glibc_map_large_blocks_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On glibc, a run fixes the size from which blocks are mapped alone (given back
    when freed), unless the user set it; on another C library, nothing is done."""
    import ctypes

    from pooledledger.cli import common

    calls: list[tuple[int, int]] = []

    class FakeLibc:
        def mallopt(self, option: int, value: int) -> int:
            calls.append((option, value))
            return 1

    monkeypatch.setattr(ctypes, "CDLL", lambda _name: FakeLibc())
    monkeypatch.setattr(os, "confstr", lambda _name: "glibc 2.36", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    assert common.map_large_blocks()
    assert calls == [(-3, 128 * 1024)]
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")  # the user's own
    assert not common.map_large_blocks()
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_")

    def no_glibc(_name: str) -> str:
        raise ValueError("unrecognized configuration name")

    monkeypatch.setattr(os, "confstr", no_glibc, raising=False)
    assert not common.map_large_blocks()
    assert len(calls) == 1
    calls.clear()
    monkeypatch.setattr(os, "confstr", lambda _name: "glibc 2.36", raising=False)
    result = CliRunner().invoke(main, ["schema", "--help"])  # a command's run sets it
    assert result.exit_code == 0
    assert calls == [(-3, 128 * 1024)]
