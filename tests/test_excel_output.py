"""The year-end workbook: numbers as numbers, exact to the penny, text made inert."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from decimal import Decimal
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from pooledledger.entries import Expenditure
from pooledledger.io import load_agreement, load_ledger
from pooledledger.io.excel_out import MONEY_FORMAT, SHEETS, write_year_end_workbook
from pooledledger.ledger import Ledger
from pooledledger.reports.bundle import YearEndReports, year_end_reports

EVIL = '=HYPERLINK("http://x","y")'
PENNY = Decimal("0.01")


def pence(value: Any) -> int:
    """A numeric cell's value in pence, exactly (never float arithmetic on sums)."""
    assert isinstance(value, int | float), value
    assert not isinstance(value, bool), value
    pounds = Decimal(str(value)).quantize(PENNY)
    return int(pounds * 100)


@pytest.fixture(scope="module")
def example2() -> tuple[Ledger, YearEndReports]:
    examples = files("pooledledger") / "examples"
    ag = load_agreement(str(examples / "example2_bcf.toml"))
    led = load_ledger(ag, str(examples / "example2_ledger.toml"))
    return led, year_end_reports(ag, led, ag.financial_years[0])


@pytest.fixture(scope="module")
def workbook(
    example2: tuple[Ledger, YearEndReports], tmp_path_factory: pytest.TempPathFactory
) -> Workbook:
    led, reports = example2
    evil = led.post(
        Expenditure(id="EVIL-1", scheme="S1", date=date(2025, 7, 1), net="0.00", supplier=EVIL)
    )
    path = tmp_path_factory.mktemp("xlsx") / "year-end.xlsx"
    assert write_year_end_workbook(reports, path, ledger=evil) == path
    return load_workbook(path)


def table(ws: Worksheet) -> tuple[list[str], list[tuple[Any, ...]]]:
    """The first block of a sheet: header (row 2) and rows up to the first blank row."""
    header = [str(c.value) for c in ws[2] if c.value is not None]
    rows: list[tuple[Any, ...]] = []
    for row in ws.iter_rows(min_row=3, max_col=len(header)):
        if all(c.value is None for c in row):
            break
        rows.append(tuple(row))
    return header, rows


def test_sheets_titles_headers(workbook: Workbook) -> None:
    assert workbook.sheetnames == list(SHEETS)
    for ws in workbook.worksheets:
        assert isinstance(ws["A1"].value, str)
        assert ws["A1"].font.bold
        assert all(c.font.bold for c in ws[2] if c.value is not None)
        assert ws.freeze_panes == "A3"
        assert ws.column_dimensions["A"].width >= 8
        # no formula anywhere: everything is a value
        for row in ws.iter_rows():
            for c in row:
                assert c.data_type != "f", (ws.title, c.coordinate, c.value)


def test_without_a_ledger_there_is_no_ledger_sheet(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    _, reports = example2
    wb = load_workbook(write_year_end_workbook(reports, tmp_path / "x.xlsx"))
    assert wb.sheetnames == list(SHEETS[:-1])


def test_settlement_schedule_is_exact(
    workbook: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    data = reports.close.model_dump(mode="json")
    header, rows = table(workbook["Settlement schedule"])
    col = {h: i for i, h in enumerate(header)}
    assert header[-1] == "Currency"
    for pc, row in zip(data["partners"], rows, strict=True):
        assert row[col["Partner"]].value == pc["partner"]
        assert row[col["Currency"]].value == "GBP"
        for h, field in (
            ("Balance (+ host owes partner)", "balance"),
            ("Held by host for next year", "held"),
            ("Cash settlement (+ host pays partner)", "settlement"),
        ):
            cell = row[col[h]]
            assert cell.data_type == "n"
            assert cell.number_format == MONEY_FORMAT
            assert pence(cell.value) == pc[field]
    icb = rows[1]
    assert icb[col["Cash settlement (+ host pays partner)"]].value < 0  # a number, not text
    due = icb[col["Due"]]
    assert isinstance(due.value, datetime)
    assert due.value.date() == date(2026, 4, 30)


def test_shares_sum_to_the_json_close(
    workbook: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    data = reports.close.model_dump(mode="json")
    header, rows = table(workbook["Shares"])
    assert header == ["Level", "Scheme", "Partner", "Measure", "Amount", "Currency"]
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    for level, _, partner, measure, amount, currency in rows:
        assert amount.data_type == "n"
        assert amount.number_format == MONEY_FORMAT
        assert currency.value == "GBP"
        sums[(level.value, partner.value, measure.value)] += pence(amount.value)
    for pc in data["partners"]:
        p = pc["partner"]
        assert sums[("scheme", p, "net_share")] == pc["net_share"]
        assert sums[("scheme", p, "gross_share")] == pc["gross_share"]
        assert sums[("scheme", p, "income_share")] == pc["income_share"]
        assert sums[("scheme", p, "contribution")] == pc["contributions"]
        assert sums[("scheme", p, "deficit")] == pc["deficit"]
        assert sums[("partner", p, "balance")] == pc["balance"]
    total_net = sum(s["net"] for s in data["schemes"])
    assert sum(v for (lv, _, m), v in sums.items() if lv == "scheme" and m == "net_share") == (
        total_net
    )


def test_statements_money_cells_are_numbers(
    workbook: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    header, rows = table(workbook["Partner statements"])
    col = {h: i for i, h in enumerate(header)}
    money = [h for h in header[4:] if h != "Currency"]
    for row in rows:
        for h in money:
            assert row[col[h]].data_type == "n", (h, row[col[h]].value)
    for p, st in reports.statements.items():
        # the total row: no scheme id (a scheme may be called "TOTAL"), named "Total"
        total = next(r for r in rows if r[0].value == p and r[2].value is None)
        assert total[3].value == "Total"
        assert pence(total[col["Net"]].value) == st.total.net_share
        assert pence(total[col["Gross expenditure"]].value) == st.total.gross_share


def test_note_thousands_are_integers(
    workbook: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    header, rows = table(workbook["Pooled budgets note"])
    col = {h: i for i, h in enumerate(header)}
    assert len(rows) == len(reports.note.rows)
    for note_row, row in zip(reports.note.rows, rows, strict=True):
        k = row[col["£000"]]
        assert k.data_type == "n"
        assert isinstance(k.value, int)
        assert k.value == note_row.thousands
        exact = row[col["Exact £"]]
        if note_row.kind.value != "ROUNDING":
            assert pence(exact.value) == note_row.pence
    share = {r[0].value: r[col["£000"]].value for r in rows}
    assert share["Example City Council share of the net (surplus)/deficit"] == -176


def test_journals_and_memorandum_totals(
    workbook: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    header, rows = table(workbook["Journals"])
    col = {h: i for i, h in enumerate(header)}
    debit: dict[str, int] = defaultdict(int)
    credit: dict[str, int] = defaultdict(int)
    for row in rows:
        debit[row[col["Partner"]].value] += pence(row[col["Debit"]].value)
        credit[row[col["Partner"]].value] += pence(row[col["Credit"]].value)
    for p, j in reports.close.journals.items():
        assert (debit[p], credit[p]) == (j.total_debit, j.total_credit)

    header, rows = table(workbook["Memorandum account"])
    col = {h: i for i, h in enumerate(header)}
    by_label = {r[0].value: r for r in rows}
    m = reports.memorandum
    total = by_label["B. Contributions"][col["Total"]]
    assert total.data_type == "n"
    assert pence(total.value) == m.total.contributions
    assert pence(by_label["E. Gross expenditure"][col["Total"]].value) == m.total.gross_expenditure
    for line in m.lines:
        cell = by_label["Balance after allocation (F + G + H − I)"][col[line.scheme]]
        assert pence(cell.value) == 0  # every column closes to nil (I-2)


def test_formula_text_is_inert(workbook: Workbook) -> None:
    header, rows = table(workbook["Ledger"])
    col = {h: i for i, h in enumerate(header)}
    evil = next(r for r in rows if r[col["Entry id"]].value == "EVIL-1")
    cell = evil[col["Supplier / source"]]
    assert cell.data_type == "s"
    assert cell.value == "'" + EVIL
    amounts = [r[col["Pool cost"]] for r in rows]
    assert all(c.data_type == "n" for c in amounts)
