"""The year-end workbook: every report a sheet, numbers as numbers exact to the penny,
totals as formulas with their cached values, formats, filters, panes, determinism."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

from pooledledger.books.ledger import Ledger
from pooledledger.io import excel_out, load_agreement, load_ledger
from pooledledger.io.excel_out import (
    DATE_FORMAT,
    MAX_EXACT_PENCE,
    MONEY_FORMAT,
    THOUSANDS_FORMAT,
    WorkbookError,
    exact_in_a_spreadsheet,
    line_sheets_plan,
    write_year_end_workbook,
)
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Expenditure
from pooledledger.reports.bundle import YearEndReports, year_end_reports
from workbook_blocks import cell_pence, records, table, tables, tidy

EVIL = '=HYPERLINK("http://x","y")'
SRC = Path(__file__).resolve().parents[1] / "src"

REPORT_SHEETS = [
    "Summary",
    "Memorandum account",
    "Pooled budgets note",
    "Statement COUNCIL",
    "Statement ICB",
    "Journals",
    "Settlement schedule",
    "Quarterly monitoring",
    "Agreement of balances",
    "Checks",
    "Shares",
]
LINE_SHEETS = ["Ledger", "Shares per line"]


@pytest.fixture(scope="module")
def example2() -> tuple[Ledger, YearEndReports]:
    examples = files("pooledledger") / "examples"
    ag = load_agreement(str(examples / "example2_bcf.toml"))
    led = load_ledger(ag, str(examples / "example2_ledger.toml"))
    return led, year_end_reports(ag, led, ag.financial_years[0])


@pytest.fixture(scope="module")
def path(example2: tuple[Ledger, YearEndReports], tmp_path_factory: pytest.TempPathFactory) -> Path:
    led, reports = example2
    evil = led.post(
        Expenditure(id="EVIL-1", scheme="S1", date=date(2025, 7, 1), net="0.00", supplier=EVIL)
    )
    out = tmp_path_factory.mktemp("xlsx") / "year-end.xlsx"
    assert write_year_end_workbook(reports, out, ledger=evil) == out
    return out


@pytest.fixture(scope="module")
def workbook(path: Path) -> Workbook:
    return load_workbook(path)


@pytest.fixture(scope="module")
def cached(path: Path) -> Workbook:
    """The same workbook with each formula read as its cached value."""
    return load_workbook(path, data_only=True)


def test_every_report_has_a_sheet(workbook: Workbook) -> None:
    assert workbook.sheetnames == REPORT_SHEETS + LINE_SHEETS
    for ws in workbook.worksheets:
        assert isinstance(ws["A1"].value, str)
        assert ws["A1"].font.bold
        assert ws.page_setup.orientation == "landscape"
        setup = ws.sheet_properties.pageSetUpPr
        assert setup is not None
        assert setup.fitToPage
        assert ws.page_setup.fitToHeight == 0  # fit to width, as many pages down as needed
        assert ws.print_title_rows is not None
    summary = tables(workbook["Summary"])
    assert any(k.startswith("Table 1. Budget against outturn") for k in summary)
    assert any(k.startswith("Table 2. How each scheme's variance") for k in summary)
    memo = tables(workbook["Memorandum account"])
    for letter in "ABCEGHIJKLM":
        assert any(k.startswith(f"{letter}. ") for k in memo), letter
    assert any(k.startswith("Q4:") for k in tables(workbook["Quarterly monitoring"]))


def test_summary_has_two_native_charts(workbook: Workbook) -> None:
    charts = workbook["Summary"]._charts  # type: ignore[attr-defined]
    assert [c.tagname for c in charts] == ["barChart", "barChart"]
    assert charts[0].grouping == "clustered"
    assert len(charts[0].series) == 2  # budget, outturn
    assert charts[1].grouping == "stacked"
    # risk pool, then each partner's deficit share and underspend share
    assert len(charts[1].series) == 1 + 2 * 2


def test_line_and_tidy_sheets_are_filtered_and_frozen(workbook: Workbook) -> None:
    for name in ("Journals", "Shares", *LINE_SHEETS):
        ws = workbook[name]
        assert ws.freeze_panes == "A3", name
        assert ws.auto_filter.ref is not None
        assert ws.auto_filter.ref.startswith("A2:"), name
        assert all(c.font.bold for c in ws[2] if c.value is not None)


def test_number_formats(workbook: Workbook) -> None:
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if isinstance(c.value, datetime):
                    assert c.number_format == DATE_FORMAT, (ws.title, c.coordinate)
                elif c.data_type in ("n", "f") and c.value is not None:
                    if ws.title == "Pooled budgets note" and c.column in (2, 3):
                        assert c.number_format == THOUSANDS_FORMAT, c.coordinate
                    elif not (ws.title == "Journals" and c.column == 2):  # line numbers
                        assert c.number_format == MONEY_FORMAT, (ws.title, c.coordinate)
    assert MONEY_FORMAT == '£#,##0.00;(£#,##0.00);"–"'


def test_every_formula_has_its_cached_value(workbook: Workbook, cached: Workbook) -> None:
    formulas = 0
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    formulas += 1
                    value = cached[ws.title][c.coordinate]
                    assert value.value is not None, (ws.title, c.coordinate)
                    cell_pence(value)
    assert formulas > 100


def test_totals_are_formulas_equal_to_the_json(
    workbook: Workbook, cached: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    m = reports.memorandum
    header, rows = table(workbook["Memorandum account"], "Account by scheme")
    _, values = table(cached["Memorandum account"], "Account by scheme")
    col = header.index("Total")
    by_label = {r[0].value: (r, v) for r, v in zip(rows, values, strict=True)}
    formula, value = by_label["B. Contributions"]
    assert str(formula[col].value).startswith("=SUM(")
    assert cell_pence(value[col]) == m.total.contributions
    formula, value = by_label["D. Total resources (A + B + C)"]
    d = formula[1].row
    assert d is not None
    assert formula[1].value == f"=SUM(B{d - 3}:B{d - 1})"  # A + B + C
    for line, cell in zip(m.lines, value[1:-1], strict=True):
        assert cell_pence(cell) == line.total_resources
    formula, value = by_label["F. Net surplus/(deficit) (D − E)"]
    assert formula[1].value == f"=B{d}-B{d + 1}"
    for line, cell in zip(m.lines, value[1:-1], strict=True):
        assert cell_pence(cell) == line.net
    _, closing = by_label["Balance after allocation (F + G + H − I)"]
    assert all(cell_pence(c) == 0 for c in closing[1:])  # every column closes to nil (I-2)

    for p, st in reports.statements.items():
        header, rows = table(cached[f"Statement {p}"], "2. Share of the pool")
        total = rows[-1]
        assert total[0].value == "Total"
        assert cell_pence(total[header.index("Net")]) == st.total.net_share
        assert cell_pence(total[header.index("Gross expenditure")]) == st.total.gross_share
        _, rows = table(cached[f"Statement {p}"], "4. Balance with the host")
        item = {r[0].value: r[1] for r in rows}
        assert cell_pence(item["Balance (+ host owes partner, − partner owes host)"]) == st.balance
        settlement = item["Cash settlement (+ host pays partner, − partner pays host)"]
        assert cell_pence(settlement) == st.settlement
        _, rows = table(cached[f"Statement {p}"], "5. Journals to post")
        assert cell_pence(rows[-1][4]) == st.journal.total_debit
        assert cell_pence(rows[-1][5]) == st.journal.total_credit


def test_settlement_schedule_is_exact(
    cached: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    data = reports.close.model_dump(mode="json")
    recs = list(records(cached["Settlement schedule"], "Settlement schedule"))
    assert recs[-1]["Partner"].value == "Total"
    for pc, rec in zip(data["partners"], recs, strict=False):
        assert rec["Partner"].value == pc["partner"]
        for h, field in (
            ("Balance (+ host owes partner)", "balance"),
            ("Held by host for next year", "held"),
            ("Cash settlement (+ host pays partner)", "settlement"),
        ):
            assert cell_pence(rec[h]) == pc[field]
    icb = recs[1]
    assert cell_pence(icb["Cash settlement (+ host pays partner)"]) < 0  # a number, not text
    assert isinstance(icb["Due"].value, datetime)
    assert icb["Due"].value.date() == date(2026, 4, 30)
    total = recs[-1]["Balance (+ host owes partner)"]
    assert cell_pence(total) == sum(pc["balance"] for pc in data["partners"])


def test_shares_sum_to_the_json_close(
    workbook: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    data = reports.close.model_dump(mode="json")
    sums: dict[tuple[str, str, str], int] = defaultdict(int)
    for rec in tidy(workbook["Shares"]):
        assert rec["Currency"].value == "GBP"
        key = (rec["Level"].value, rec["Partner"].value, rec["Measure"].value)
        sums[key] += cell_pence(rec["Amount"])  # type: ignore[index]
    for pc in data["partners"]:
        p = pc["partner"]
        assert sums[("scheme", p, "net_share")] == pc["net_share"]
        assert sums[("scheme", p, "contribution")] == pc["contributions"]
        assert sums[("partner", p, "balance")] == pc["balance"]


def test_note_thousands_are_integers(
    workbook: Workbook, cached: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    recs = list(records(cached["Pooled budgets note"], "Pooled budgets"))
    formulas = list(records(workbook["Pooled budgets note"], "Pooled budgets"))
    assert len(recs) == len(reports.note.rows)
    for note_row, rec, f in zip(reports.note.rows, recs, formulas, strict=True):
        assert rec["£000"].value == note_row.thousands
        assert isinstance(rec["£000"].value, int)
        if note_row.kind.value != "ROUNDING":
            assert cell_pence(rec["Exact £"]) == note_row.pence
        if note_row.key in ("total_funding", "net"):
            assert str(f["£000"].value).startswith("=")
            assert str(f["Exact £"].value).startswith("=")
    share = {r["Row"].value: r["£000"].value for r in recs}
    assert share["Example City Council share of the net (surplus)/deficit"] == -176


def test_checks_sheet_lists_checks_and_issues(
    cached: Workbook, example2: tuple[Ledger, YearEndReports]
) -> None:
    _, reports = example2
    recs = list(records(cached["Checks"], "Self-checks"))
    assert [r["Check"].value for r in recs] == [c.name for c in reports.memorandum.checks]
    assert all(r["Holds"].value == "yes" and cell_pence(r["Difference"]) == 0 for r in recs)
    _, rows = table(cached["Checks"], "Conservation (I-1)")
    assert cell_pence(rows[4][1]) == reports.memorandum.conservation.inflow
    assert cell_pence(rows[-1][1]) == 0
    checks = {r["Check"].value: r["Holds"].value for r in records(cached["Checks"], "Report")}
    assert checks["ICB: journal net cost agrees to its net share (I-5)"] == "yes"


def test_formula_text_is_inert(workbook: Workbook) -> None:
    evil = next(r for r in tidy(workbook["Ledger"]) if r["Entry id"].value == "EVIL-1")
    cell = evil["Supplier / source"]
    assert cell.data_type == "s"
    assert cell.value == "'" + EVIL
    for ws in workbook.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "f":
                    assert str(c.value)[1:2] in ("S", "-") or str(c.value)[1].isalpha()


def test_without_a_ledger_there_are_no_line_sheets(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    _, reports = example2
    wb = load_workbook(write_year_end_workbook(reports, tmp_path / "x.xlsx"))
    assert wb.sheetnames == REPORT_SHEETS
    groups = tables(wb["Quarterly monitoring"])
    assert not groups  # no quarterly reports without the ledger: the sheet says so


def test_line_sheets_above_the_threshold_are_left_out_with_a_note(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    led, reports = example2
    monkeypatch.setattr(excel_out, "LINE_SHEET_ROWS", 10)
    plan = line_sheets_plan(reports, led)
    assert [(x.name, x.written) for x in plan] == [("Ledger", False), ("Shares per line", False)]
    wb = load_workbook(write_year_end_workbook(reports, tmp_path / "x.xlsx", ledger=led))
    assert wb.sheetnames == REPORT_SHEETS
    for name in ("Summary", "Checks"):
        text = [c.value for row in wb[name].iter_rows() for c in row if isinstance(c.value, str)]
        assert any("ledger.csv" in t and "Ledger sheet" in t for t in text), name
        assert any("apportionment.csv" in t for t in text), name
    forced = write_year_end_workbook(reports, tmp_path / "y.xlsx", ledger=led, line_sheets="always")
    assert load_workbook(forced).sheetnames == REPORT_SHEETS + LINE_SHEETS
    never = write_year_end_workbook(reports, tmp_path / "z.xlsx", ledger=led, line_sheets="never")
    assert load_workbook(never).sheetnames == REPORT_SHEETS
    with pytest.raises(WorkbookError):
        line_sheets_plan(reports, led, "sometimes")  # type: ignore[arg-type]


def test_a_forced_line_sheet_beyond_excel_rows_is_split(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    led, reports = example2
    monkeypatch.setattr(excel_out, "EXCEL_MAX_ROWS", 12)  # 10 data rows a sheet
    wb = load_workbook(
        write_year_end_workbook(reports, tmp_path / "x.xlsx", ledger=led, line_sheets="always")
    )
    parts = [n for n in wb.sheetnames if n.startswith("Ledger (")]
    assert len(parts) == -(-len(led) // 10)
    ids = [r["Entry id"].value for n in parts for r in tidy(wb[n])]
    assert ids == [e.id for e in led.entries]


def test_the_same_reports_give_the_same_bytes(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    led, reports = example2
    a = write_year_end_workbook(reports, tmp_path / "a.xlsx", ledger=led).read_bytes()
    b = write_year_end_workbook(reports, tmp_path / "b.xlsx", ledger=led).read_bytes()
    assert a == b
    wb = load_workbook(tmp_path / "a.xlsx")
    assert wb.properties.created == datetime(2026, 3, 31)
    assert wb.properties.modified == datetime(2026, 3, 31)


_WRITE = """
import sys
from importlib.resources import files
from pooledledger.io import load_agreement, load_ledger
from pooledledger.io.excel_out import write_year_end_workbook
from pooledledger.reports.bundle import year_end_reports
ex = files("pooledledger") / "examples"
ag = load_agreement(str(ex / "example2_bcf.toml"))
led = load_ledger(ag, str(ex / "example2_ledger.toml"))
write_year_end_workbook(year_end_reports(ag, led, ag.financial_years[0]), sys.argv[1], ledger=led)
"""


def test_the_same_bytes_whatever_the_hash_seed(tmp_path: Path) -> None:
    digests = set()
    for seed in ("0", "1", "12345"):
        out = tmp_path / f"seed{seed}.xlsx"
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(SRC)}
        subprocess.run([sys.executable, "-c", _WRITE, str(out)], check=True, env=env)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_import_does_not_load_the_writer() -> None:
    code = (
        "import sys, pooledledger, pooledledger.io, pooledledger.io.excel_out, "
        "pooledledger.io.pipeline, pooledledger.cli; print('xlsxwriter' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", code], check=True, env=env, capture_output=True)
    assert out.stdout.strip() == b"False"


# -- exactness: figures a spreadsheet cannot hold to the penny ---------------------------


def test_the_exactness_bound() -> None:
    assert MAX_EXACT_PENCE == 999_999_999_999_999  # 15 significant digits
    assert exact_in_a_spreadsheet(1000, 1_000_000_000_00)  # £1bn over 1,000 terms
    assert exact_in_a_spreadsheet(2, 4_000_000_000_000_00)  # £4 trillion, two terms
    assert not exact_in_a_spreadsheet(2, 9_000_000_000_000_00)  # £9 trillion: the bound is safe
    assert not exact_in_a_spreadsheet(3, 3 * 2 * 3_000_000_000_000_00)
    assert not exact_in_a_spreadsheet(1, 10**17)


def test_huge_figures_stay_exact(example2: tuple[Ledger, YearEndReports], tmp_path: Path) -> None:
    """Three lines of £90,071,992,547,409.91 (the old limit): every number cell in the
    workbook is still exact, and what a number cannot hold is exact text."""
    led, _ = example2
    big = "90071992547409.91"
    huge = led.post(
        *[
            Expenditure(id=f"BIG-{n}", scheme="S4", date=date(2025, 9, n), net=big)
            for n in (1, 2, 3)
        ]
    )
    reports = year_end_reports(huge.agreement, huge, huge.agreement.financial_years[0])
    path = write_year_end_workbook(reports, tmp_path / "big.xlsx", ledger=huge)
    wb, cached = load_workbook(path), load_workbook(path, data_only=True)
    for ws in cached.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.data_type == "n" and isinstance(c.value, float):
                    cell_pence(c)  # exact to the penny through its shortest form
    lines = [r for r in tidy(wb["Ledger"]) if str(r["Entry id"].value).startswith("BIG-")]
    assert [r["Amount"].value for r in lines] == ["£90,071,992,547,409.91"] * 3
    _, rows = table(cached["Memorandum account"], "Account by scheme")
    gross = next(r for r in rows if r[0].value == "E. Gross expenditure")
    total = reports.memorandum.total.gross_expenditure
    assert total > MAX_EXACT_PENCE
    assert gross[-1].value == "£" + f"{total // 100:,}.{total % 100:02d}"
    notes = [c.value for row in wb["Checks"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("written as text" in t for t in notes)


def test_a_total_a_spreadsheet_might_miss_by_a_penny_is_a_value(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    led, _ = example2
    big = led.post(
        *[
            Expenditure(id=f"BIG-{n}", scheme="S4", date=date(2025, 9, n), net="3000000000000.01")
            for n in (1, 2, 3)
        ]
    )
    reports = year_end_reports(big.agreement, big, big.agreement.financial_years[0])
    gross = reports.memorandum.total.gross_expenditure
    assert gross <= MAX_EXACT_PENCE  # a number cell holds it exactly...
    path = write_year_end_workbook(reports, tmp_path / "big.xlsx")
    wb, cached = load_workbook(path), load_workbook(path, data_only=True)
    _, rows = table(wb["Memorandum account"], "Account by scheme")
    formula = next(r for r in rows if r[0].value == "E. Gross expenditure")[-1]
    assert formula.data_type == "n"  # ...but a SUM over the schemes might miss the penny
    assert cell_pence(formula) == gross
    _, rows = table(cached["Memorandum account"], "Account by scheme")
    assert cell_pence(next(r for r in rows if r[0].value == "D. Total resources (A + B + C)")[1])
    notes = [c.value for row in wb["Checks"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any("written as values, not formulas" in t and "Memorandum account!" in t for t in notes)


def test_a_carriage_return_in_a_name_is_a_line_end_not_an_escape(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    # was: written as "_x000D_", which every reader but Excel shows as it is
    _, reports = example2
    ag = reports.agreement
    schemes = tuple(
        s.model_copy(update={"name": "Reablement\rsecond line"}) if s.id == "S2" else s
        for s in ag.schemes
    )
    renamed = Agreement.model_validate({**ag.model_dump(), "schemes": schemes})
    led = load_ledger(renamed, str(files("pooledledger") / "examples" / "example2_ledger.toml"))
    r = year_end_reports(renamed, led, renamed.financial_years[0])
    wb = load_workbook(write_year_end_workbook(r, tmp_path / "x.xlsx"))
    names = {rec["Scheme"].value: rec["Name"].value for rec in records(wb["Statement ICB"], "2.")}
    assert names["S2"] == "Reablement\nsecond line"
