"""Parquet output of the tidy tables: every value that of the CSV tables, typed.

Each Parquet file is read back with polars and compared, value for value, with the
CSV file of the same table (parsed back) and with the table's own values (a
:class:`~pooledledger.core.tables.Table` or its columns), on the bundled example 2
(with a formula-like supplier and a reversal) and on a generated 5,000-line ledger.
"""

from __future__ import annotations

import csv
import importlib.util
from datetime import date
from decimal import Decimal
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from click.testing import CliRunner

from pooledledger.books.ledger import Ledger
from pooledledger.cli import main
from pooledledger.core.errors import ISSUE_CODES, IssueError
from pooledledger.core.tables import Cell, Column, ColumnData, FrameChunks, Table, column_rows
from pooledledger.io import load_agreement, load_ledger
from pooledledger.io._cells import neutralise
from pooledledger.io.csv_files import read_ledger_csv
from pooledledger.io.csv_out import write_csv_tables, year_end_tables
from pooledledger.io.parquet_out import (
    INT64_MAX,
    INT64_MIN,
    write_columns_parquet,
    write_parquet_tables,
    write_table_parquet,
)
from pooledledger.io.pipeline import write_year_end
from pooledledger.model.entries import Expenditure, Income, Reversal
from pooledledger.reports.bundle import YearEndReports, year_end_reports

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = files("pooledledger") / "examples"
EVIL = '=HYPERLINK("http://x","y")'

DTYPES: dict[str, Any] = {
    "str": pl.String,
    "int": pl.Int64,
    "pence": pl.Int64,
    "decimal": pl.Decimal(38, 2),
    "date": pl.Date,
    "bool": pl.Boolean,
}


@pytest.fixture(scope="module")
def example2() -> tuple[Ledger, YearEndReports]:
    ag = load_agreement(str(EXAMPLES / "example2_bcf.toml"))
    led = load_ledger(ag, str(EXAMPLES / "example2_ledger.toml"))
    led = led.post(
        Expenditure(
            id="X-1",
            scheme="S1",
            date=date(2025, 7, 1),
            net="100.01",
            vat="20.00",
            supplier=EVIL,
            description="two\nlines, and a comma",
            capital=True,
            procuring_partner="ICB",
            agreement_ref="Board minute 7",
        ),
        Reversal(id="X-1-REV", reverses="X-1", date=date(2025, 8, 1), reason="-duplicate"),
    )
    return led, year_end_reports(led, ag.financial_years[0])


@pytest.fixture(scope="module")
def bench_ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ledger, YearEndReports]:
    """The generated benchmark ledger (benchmarks/bench_csv_import.py), 5,000 lines."""
    spec = importlib.util.spec_from_file_location(
        "bench_csv_import", ROOT / "benchmarks" / "bench_csv_import.py"
    )
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    agreement = load_agreement(str(EXAMPLES / "example2_bcf.toml"))
    path = tmp_path_factory.mktemp("bench") / "r5000.csv"
    bench.generate(path, agreement, 5_000, 11)
    ledger, issues = read_ledger_csv(agreement, path)
    assert ledger is not None, issues
    return ledger, year_end_reports(ledger, agreement.financial_years[-1])


def csv_text(column: Column, value: Any) -> str:
    """A Parquet value as the CSV file shows it (text neutralised there)."""
    if value is None:
        return ""
    if column.kind == "decimal":
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2  # exact, two places
        return format(value, "f")
    if column.kind == "bool":
        assert isinstance(value, bool)
        return "true" if value else "false"
    if column.kind == "date":
        assert type(value) is date
        return value.isoformat()
    if column.kind in ("int", "pence"):
        assert type(value) is int
        return str(value)
    assert isinstance(value, str)
    return neutralise(value)


def own_values(column: Column, made: Table | ColumnData | pl.DataFrame | FrameChunks) -> list[Cell]:
    """The column's values as the table holds them (pounds as exact ``Decimal``;
    empty text in a nullable column as ``None``, as Parquet holds it)."""
    if isinstance(made, FrameChunks):  # a line-level table, a slice at a time
        made = made.collect()
    if isinstance(made, pl.DataFrame):  # the raw columns of a line-level table
        made = made.to_dict(as_series=False)
    if isinstance(made, Table):
        values = made.column(column.name)
    else:
        values = [row[column.name] for row in column_rows([column], made)]
    if column.kind == "str" and column.nullable:
        return [None if v == "" else v for v in values]
    return values


def check_same_tables(reports: YearEndReports, ledger: Ledger, tmp: Path) -> dict[str, Path]:
    parquet = write_parquet_tables(reports, tmp / "parquet", ledger=ledger)
    texts = write_csv_tables(reports, tmp / "csv", ledger=ledger)
    assert list(parquet) == list(texts)
    made = {name: (columns, make()) for name, columns, make in year_end_tables(reports, ledger)}
    assert list(made) == list(parquet)
    for name, path in parquet.items():
        assert path == tmp / "parquet" / f"{name}.parquet"
        columns, table = made[name]
        frame = pl.read_parquet(path)
        assert frame.columns == [c.name for c in columns], name
        assert frame.schema == pl.Schema({c.name: DTYPES[c.kind] for c in columns}), name
        with texts[name].open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        assert rows[0] == [c.name for c in columns]
        assert frame.height == len(rows) - 1, name
        for n, c in enumerate(columns):
            got = frame[c.name].to_list()
            assert got == own_values(c, table), (name, c.name)
            assert [csv_text(c, v) for v in got] == [r[n] for r in rows[1:]], (name, c.name)
            if not c.nullable:
                assert frame[c.name].null_count() == 0, (name, c.name)
    return parquet


def test_the_example_ledger_gives_the_csv_values(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    ledger, reports = example2
    written = check_same_tables(reports, ledger, tmp_path)
    assert list(written) == ["shares", "settlement_schedule", "journals", "ledger", "apportionment"]
    entries = pl.read_parquet(written["ledger"])
    x1 = entries.filter(pl.col("entry_id") == "X-1").row(0, named=True)
    assert x1["party"] == EVIL  # not neutralised: a Parquet reader sees data
    assert x1["description"] == "two\nlines, and a comma"
    assert x1["amount"] == Decimal("100.01")
    assert x1["pence"] == 10001
    assert x1["date"] == date(2025, 7, 1)
    assert x1["capital"] is True
    assert x1["reverses"] is None
    shares = pl.read_parquet(written["apportionment"])
    assert shares.filter(pl.col("entry_id") == "X-1-REV")["reverses"].unique().to_list() == ["X-1"]


def test_the_benchmark_ledger_gives_the_csv_values(
    bench_ledger: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    ledger, reports = bench_ledger
    assert len(ledger.entries) >= 5_000
    written = check_same_tables(reports, ledger, tmp_path)
    assert pl.read_parquet(written["ledger"]).height == len(ledger.entries)
    reversals = pl.read_parquet(written["apportionment"])["reverses"].drop_nulls()
    assert reversals.len() > 0


def test_the_issues_table(example2: tuple[Ledger, YearEndReports], tmp_path: Path) -> None:
    ledger, reports = example2
    ag = reports.agreement
    # a year with no spending lines carries PL-CLS-003
    empty = Ledger(
        ag, [e for e in ledger.entries if not isinstance(e, Expenditure | Income | Reversal)]
    )
    closed = year_end_reports(empty, ag.financial_years[0])
    assert closed.close.issues
    written = check_same_tables(closed, empty, tmp_path)
    issues = pl.read_parquet(written["issues"])
    assert issues["code"].to_list() == [i.code for i in closed.close.issues]


def test_write_table_parquet(tmp_path: Path) -> None:
    columns = (
        Column("name", "str"),
        Column("note", "str", nullable=True),
        Column("n", "int", nullable=True),
        Column("pence", "pence"),
        Column("amount", "decimal"),
    )
    rows: list[dict[str, Cell]] = [
        {"name": "=1+1", "note": "", "n": None, "pence": -1, "amount": Decimal("-0.01")},
        {"name": "", "note": "-x", "n": 3, "pence": 10**15, "amount": Decimal("1E13")},
    ]
    path = write_table_parquet(Table("t", columns, tuple(rows)), tmp_path / "t.parquet")
    frame = pl.read_parquet(path)
    assert frame.to_dicts() == [
        {"name": "=1+1", "note": None, "n": None, "pence": -1, "amount": Decimal("-0.01")},
        {"name": "", "note": "-x", "n": 3, "pence": 10**15, "amount": Decimal("10000000000000.00")},
    ]


COLUMNS = (Column("pence", "pence"), Column("amount", "decimal"), Column("n", "int", True))


def test_the_ends_of_int64_are_exact(tmp_path: Path) -> None:
    pence: list[Cell] = [INT64_MIN, INT64_MAX, 0]
    data: dict[str, list[Cell]] = {"pence": pence, "amount": pence, "n": [None, INT64_MAX, 1]}
    frame = pl.read_parquet(write_columns_parquet(COLUMNS, data, tmp_path / "t.parquet"))
    assert frame["pence"].to_list() == pence
    assert frame["amount"].to_list() == [
        Decimal("-92233720368547758.08"),
        Decimal("92233720368547758.07"),
        Decimal("0.00"),
    ]
    assert frame["n"].to_list() == [None, INT64_MAX, 1]


@pytest.mark.parametrize(
    ("column", "values", "row"),
    [
        ("pence", [1, INT64_MAX + 1, 3], 2),
        ("pence", [INT64_MIN - 1, 2, 3], 1),
        ("n", [1, None, 2**70], 3),
    ],
)
def test_a_number_beyond_int64_is_refused_not_wrapped(
    tmp_path: Path, column: str, values: list[Cell], row: int
) -> None:
    data: dict[str, list[Cell]] = {"pence": [1, 2, 3], "amount": [1, 2, 3], "n": [1, 2, 3]}
    data[column] = values
    if column == "pence":
        data["amount"] = values
    path = tmp_path / "t.parquet"
    with pytest.raises(IssueError, match="PL-OUT-001") as caught:
        write_columns_parquet(COLUMNS, data, path)
    (issue,) = caught.value.issues
    assert issue.code in ISSUE_CODES
    assert issue.location.column == column
    assert issue.location.row == row
    assert issue.location.file == "t.parquet"
    assert not path.exists()


def test_the_pipeline_writes_parquet_only_when_asked(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    ledger, reports = example2
    default = write_year_end(reports, ledger, tmp_path / "default", ("json", "csv"))
    assert not any(p.name.endswith("_parquet") for p in default)
    (folder,) = write_year_end(reports, ledger, tmp_path / "p", ("parquet",))
    stem = f"{reports.agreement.id}_{reports.year}"
    assert folder == tmp_path / "p" / f"{stem}_parquet"
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{name}.parquet"
        for name in ("shares", "settlement_schedule", "journals", "ledger", "apportionment")
    )


def test_close_writes_parquet_with_format_parquet(tmp_path: Path) -> None:
    with (
        as_file(EXAMPLES / "example2_bcf.toml") as ag,
        as_file(EXAMPLES / "example2_ledger.toml") as led,
    ):
        args = ["close", str(ag), str(led), "--out", str(tmp_path), "--format", "parquet"]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    (folder,) = tmp_path.iterdir()
    assert folder.name.endswith("_parquet")
    assert folder.name == folder.name.removesuffix("_parquet") + "_parquet"
    assert f"wrote {folder}/" in result.output
    shares = pl.read_parquet(folder / "settlement_schedule.parquet")
    icb = shares.filter(pl.col("partner") == "ICB").row(0, named=True)
    assert icb["balance_pence"] == -4_578_948
    assert icb["balance"] == Decimal("-45789.48")


def test_close_help_lists_parquet() -> None:
    result = CliRunner().invoke(main, ["close", "--help"])
    assert "parquet" in result.output


def test_close_reports_pl_out_001_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pooledledger.io import pipeline

    def refuse(*_: object, **__: object) -> dict[str, Path]:
        data: dict[str, list[Cell]] = {"pence": [2**63], "amount": [2**63], "n": [None]}
        write_columns_parquet(COLUMNS, data, tmp_path / "never.parquet")
        raise AssertionError("not reached")  # pragma: no cover

    monkeypatch.setattr(pipeline, "write_parquet_tables", refuse)
    with (
        as_file(EXAMPLES / "example2_bcf.toml") as ag,
        as_file(EXAMPLES / "example2_ledger.toml") as led,
    ):
        args = ["close", str(ag), str(led), "--out", str(tmp_path / "o"), "--format", "parquet"]
        result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1
    assert "PL-OUT-001" in result.output
    assert "cannot write the reports to" in result.output
