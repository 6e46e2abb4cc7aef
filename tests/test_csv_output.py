"""CSV output of the tidy tables: exact plain amounts, currency apart, text made inert."""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest

from pooledledger.books.ledger import Ledger
from pooledledger.io import load_agreement, load_ledger
from pooledledger.io._cells import neutralise
from pooledledger.io.csv_out import write_csv_tables, write_table_csv
from pooledledger.model.entries import Expenditure
from pooledledger.reports.bundle import YearEndReports, year_end_reports
from pooledledger.tables import Column, Table

EVIL = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def example2() -> tuple[Ledger, YearEndReports]:
    examples = files("pooledledger") / "examples"
    ag = load_agreement(str(examples / "example2_bcf.toml"))
    led = load_ledger(ag, str(examples / "example2_ledger.toml"))
    return led, year_end_reports(ag, led, ag.financial_years[0])


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def written(
    example2: tuple[Ledger, YearEndReports], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    led, reports = example2
    evil = led.post(
        Expenditure(
            id="EVIL-1",
            scheme="S1",
            date=date(2025, 7, 1),
            net="-12.50",
            supplier=EVIL,
            description="+44 20 7946 0000",
        )
    )
    return write_csv_tables(reports, tmp_path_factory.mktemp("csv") / "out", ledger=evil)


def test_files(written: dict[str, Path]) -> None:
    assert list(written) == ["shares", "settlement_schedule", "journals", "ledger", "apportionment"]
    for name, path in written.items():
        assert path.name == f"{name}.csv"
        assert path.exists()
        assert path.read_bytes().count(b"\r\n") >= 2


def test_amounts_are_exact_plain_text(
    written: dict[str, Path], example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    data = reports.close.model_dump(mode="json")
    rows = read(written["shares"])
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    for r in rows:
        assert r["currency"] == "GBP"
        amount = Decimal(r["amount"])
        assert r["amount"] == f"{amount:.2f}"  # two places, no separators, no brackets
        assert int(r["pence"]) == amount * 100
        sums[(r["level"], r["partner"], r["measure"])] += int(r["pence"])
    for pc in data["partners"]:
        p = pc["partner"]
        assert sums[("scheme", p, "net_share")] == pc["net_share"]
        assert sums[("partner", p, "settlement")] == pc["settlement"]
    schedule = {r["partner"]: r for r in read(written["settlement_schedule"])}
    assert schedule["ICB"]["settlement"] == "-45789.48"  # a negative number stays a number
    assert schedule["ICB"]["due"] == "2026-04-30"
    assert schedule["COUNCIL"]["due"] == ""
    assert schedule["COUNCIL"]["is_host"] == "true"
    for p, j in reports.close.journals.items():
        lines = [r for r in read(written["journals"]) if r["partner"] == p]
        assert sum(Decimal(r["debit"]) for r in lines) == Decimal(j.total_debit).scaleb(-2)


def test_formula_text_is_inert(written: dict[str, Path]) -> None:
    rows = {r["entry_id"]: r for r in read(written["ledger"])}
    evil = rows["EVIL-1"]
    assert evil["party"] == "'" + EVIL
    assert evil["description"] == "'+44 20 7946 0000"
    assert evil["amount"] == "-12.50"
    assert evil["pence"] == "-1250"
    shares = [r for r in read(written["apportionment"]) if r["entry_id"] == "EVIL-1"]
    assert sum(int(r["pence"]) for r in shares) == -1250


def test_write_table_csv(tmp_path: Path) -> None:
    table = Table(
        "t",
        (Column("name", "str", nullable=True), Column("pence", "pence"), Column("flag", "bool")),
        (
            {"name": "@SUM(A1)", "pence": -5, "flag": False},
            {"name": None, "pence": 0, "flag": True},
        ),
    )
    path = write_table_csv(table, tmp_path / "t.csv")
    assert path.read_text(encoding="utf-8").splitlines() == [
        "name,pence,flag",
        "'@SUM(A1),-5,false",
        ",0,true",
    ]


@pytest.mark.parametrize(
    ("text", "inert"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        (EVIL, "'" + EVIL),
        ("Care home fees", "Care home fees"),
        ("a=b", "a=b"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_neutralise(text: str, inert: str) -> None:
    assert neutralise(text) == inert


def test_neutralise_refuses_numbers() -> None:
    with pytest.raises(TypeError):
        neutralise(-1)  # type: ignore[arg-type]
