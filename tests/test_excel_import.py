"""Ledger import from Excel workbooks: same layout and row checks as CSV files."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import Issue, Severity
from pooledledger.core.money import pence_to_decimal, to_pence
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.csv_files import ENTRY_FIELDS, ColumnMap
from pooledledger.io.excel_files import count_excel_rows, load_ledger_excel, read_ledger_excel
from pooledledger.io.ledger_files import load_ledger
from pooledledger.io.sources import count_rows, load_ledger_source
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Contribution, Expenditure, Instalment

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"


def excel_value(value: Any) -> Any:
    """How a spreadsheet holds an entry value: numbers, dates and booleans as such."""
    if value is None:
        return None
    if hasattr(value, "currency"):
        pounds = pence_to_decimal(to_pence(value))
        return int(pounds) if pounds == pounds.to_integral_value() else float(pounds)
    if isinstance(value, bool | int | float | date):
        return value
    return str(value)


def write_book(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, rows in sheets.items():
        ws = book.create_sheet(name)
        for row in rows:
            ws.append(list(row))
    book.save(path)
    return path


def ledger_sheets(ledger: Ledger) -> dict[str, list[list[Any]]]:
    """Instalments and contributions on one sheet, the pool lines on another, plus notes."""
    header = list(ENTRY_FIELDS)
    money_in: list[list[Any]] = [header]
    lines: list[list[Any]] = [header]
    for e in ledger.entries:
        data = e.model_dump()
        row = [excel_value(data.get(f)) for f in ENTRY_FIELDS]
        (money_in if isinstance(e, Instalment | Contribution) else lines).append(row)
    return {
        "Notes": [["Ledger for the year"], ["prepared by the host"]],
        "Contributions": money_in,
        "Ledger": lines,
    }


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    return load_agreement(EXAMPLES / "example2_bcf.toml")


def _csv(issues: list[Issue]) -> list[tuple[str, str | None, int | None, str | None]]:
    return [
        (i.code, i.location.file, i.location.row, i.location.column)
        for i in issues
        if i.code.startswith("PL-CSV")
    ]


@pytest.mark.parametrize(
    ("agreement_file", "ledger_file"),
    [
        ("example1_la_two_pcts.toml", "example1_ledger.toml"),
        ("example2_bcf.toml", "example2_ledger.toml"),
    ],
    ids=["example1", "example2"],
)
def test_examples_round_trip_through_a_workbook(
    tmp_path: Path, agreement_file: str, ledger_file: str
) -> None:
    agreement = load_agreement(EXAMPLES / agreement_file)
    expected = load_ledger(agreement, EXAMPLES / ledger_file)
    path = write_book(tmp_path / "ledger.xlsx", ledger_sheets(expected))
    seen: list[int] = []
    ledger, issues = read_ledger_excel(agreement, path, progress=seen.append)
    assert ledger == expected
    assert _csv(issues) == [("PL-CSV-035", f"{path}[Notes]", None, None)]
    assert [i.severity for i in issues] == [Severity.INFO]
    assert seen == [len(expected)]
    assert load_ledger_source(agreement, path) == expected
    assert count_rows(path) == count_excel_rows(path) == len(expected) + 1  # the notes row


def test_one_named_sheet(tmp_path: Path, bcf: Agreement) -> None:
    expected = load_ledger(bcf, EXAMPLES / "example2_ledger.toml")
    path = write_book(tmp_path / "ledger.xlsx", ledger_sheets(expected))
    ledger, issues = read_ledger_excel(bcf, path, sheet="Ledger")
    assert ledger is not None
    assert len(ledger) == 21  # the instalments are on the other sheet
    assert _csv(issues) == []
    assert "PL-LED-009" in {i.code for i in issues}
    ledger, issues = read_ledger_excel(bcf, path, sheet="Budget")
    assert ledger is None
    assert [i.code for i in issues] == ["PL-CSV-034"]
    ledger, issues = read_ledger_excel(bcf, path, sheet="Notes")
    assert [i.code for i in issues] == ["PL-CSV-005", "PL-CSV-005", "PL-CSV-006"]


def test_no_ledger_sheet_and_unreadable_books(tmp_path: Path, bcf: Agreement) -> None:
    path = write_book(tmp_path / "notes.xlsx", {"Notes": [["hello"]]})
    _, issues = read_ledger_excel(bcf, path)
    assert [i.code for i in issues] == ["PL-CSV-035", "PL-CSV-034"]
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not a workbook", encoding="utf-8")
    assert [i.code for i in read_ledger_excel(bcf, bad)[1]] == ["PL-CSV-001"]
    assert [i.code for i in read_ledger_excel(bcf, tmp_path / "none.xlsx")[1]] == ["PL-CSV-001"]
    assert count_excel_rows(bad) == 0


HEADER = ["entry", "id", "scheme", "date", "net", "vat", "cos_listed", "supplier"]


def test_spreadsheet_cells_are_checked_exactly(tmp_path: Path, bcf: Agreement) -> None:
    rows: list[list[Any]] = [
        HEADER,
        ["expenditure", "E1", "S3", datetime(2025, 6, 30), 1234.56, 0.2, True, "Acme"],
        ["expenditure", 1002, "S3", date(2025, 6, 30), 17, None, 0, 42],
        ["expenditure", "E3", "S3", datetime(2025, 6, 30), 12.345, None, None, None],
        ["expenditure", "E4", "S3", datetime(2025, 6, 30, 9, 30), 1, None, None, None],
        ["expenditure", "E5", "S3", datetime(2025, 6, 30), datetime(2025, 1, 1), None, None, None],
        ["expenditure", "E6", "S3", 45838, 1, None, None, None],
        ["expenditure", "E7", "S3", "30/06/2025", "#N/A", None, None, None],
        ["expenditure", "E8", "S3", "30/06/2025", 1, None, 2, None],
        ["expenditure", "E9", "S3", "30/06/2025", "1.2E+05", None, None, None],
        [None] * len(HEADER),
        ["expenditure", "E10", "S3", "30/06/2025", 1.001, None, None, None, "stray"],
    ]
    path = write_book(tmp_path / "l.xlsx", {"Ledger": rows})
    where = f"{path}[Ledger]"
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert _csv(issues) == [
        ("PL-CSV-016", where, 4, "net"),
        ("PL-CSV-033", where, 5, "date"),
        ("PL-CSV-033", where, 6, "net"),
        ("PL-CSV-033", where, 7, "date"),
        ("PL-CSV-032", where, 8, "net"),
        ("PL-CSV-020", where, 9, "cos_listed"),
        ("PL-CSV-017", where, 10, "net"),
        ("PL-CSV-010", where, 12, None),
    ]
    good = write_book(tmp_path / "good.xlsx", {"Ledger": rows[:3]})
    ledger = load_ledger_excel(bcf, good)
    e1, e2 = ledger.get("E1"), ledger.get("1002")
    assert isinstance(e1, Expenditure)
    assert isinstance(e2, Expenditure)
    assert (e1.id, e1.net_pence, e1.vat_pence, e1.cos_listed, e1.supplier) == (
        "E1",
        123456,
        20,
        True,
        "Acme",
    )
    assert (e2.id, e2.net_pence, e2.cos_listed, e2.supplier) == ("1002", 1700, False, "42")


def test_contribution_rows_with_a_column_map(tmp_path: Path, bcf: Agreement) -> None:
    rows: list[list[Any]] = [
        ["Ref", "Partner", "Scheme", "Year", "Amount", "From", "Approval"],
        ["ICB-S3-VAR", "ICB", "S3", "2025-26", Decimal("0"), datetime(2025, 10, 1), "ICB Board 12"],
    ]
    cmap = ColumnMap(
        columns={
            "id": "Ref",
            "partner": "Partner",
            "scheme": "Scheme",
            "year": "Year",
            "amount": "Amount",
            "effective_date": "From",
            "approval_ref": "Approval",
        },
        fixed={"entry": "contribution", "kind": "variation"},
    )
    path = write_book(tmp_path / "c.xlsx", {"Variations": rows})
    ledger, issues = read_ledger_excel(bcf, path, column_map=cmap)
    assert _csv(issues) == []
    assert ledger is not None
    (c,) = ledger.contributions()
    assert (c.id, c.pence, c.effective_date, c.kind.value) == (
        "ICB-S3-VAR",
        0,
        date(2025, 10, 1),
        "VARIATION",
    )
