"""Input defects found by a reviewer's hostile files: each test is named after one.

Every one was a silent loss, a misleading message or a traceback; each now gives a
coded issue naming where the problem is, or reads the file correctly.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner, Result

from pooledledger.agreement import Agreement
from pooledledger.cli import main
from pooledledger.errors import Issue
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.csv_files import read_ledger_csv
from pooledledger.io.excel_files import read_ledger_excel

EXAMPLES = files("pooledledger") / "examples"
HEADER = ["entry", "id", "scheme", "date", "net", "supplier", "description"]
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def example2() -> Iterator[tuple[Path, Path]]:
    with (
        as_file(EXAMPLES / "example2_bcf.toml") as ag,
        as_file(EXAMPLES / "example2_ledger.toml") as led,
    ):
        yield ag, led


@pytest.fixture(scope="module")
def bcf(example2: tuple[Path, Path]) -> Agreement:
    return load_agreement(example2[0])


def run(*args: str | Path) -> Result:
    """Run the command line; any exception other than a clean exit fails the test."""
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def where(issues: Sequence[Issue]) -> list[tuple[str, str | None, int | None, str | None]]:
    return [(i.code, i.location.file, i.location.row, i.location.column) for i in issues]


def codes(issues: Sequence[Issue]) -> list[str]:
    return [i.code for i in issues]


def spend(n: int, net: Any = "100.00", **extra: Any) -> list[Any]:
    row: list[Any] = ["expenditure", f"E{n}", "S3", "2025-06-30", net, None, None]
    for k, v in extra.items():
        row[HEADER.index(k)] = v
    return row


def book(path: Path, rows: Sequence[Sequence[Any]], sheet: str = "Ledger") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = sheet
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def rewrite(path: Path, old: str, new: str, *, regex: bool = False) -> Path:
    """Edit the first sheet's XML in place, as another program might have written it."""
    name = "xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    xml = parts[name].decode("utf-8")
    xml, count = re.subn(old if regex else re.escape(old), new.replace("\\", "\\\\"), xml)
    assert count == 1
    parts[name] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    return path


def set_dimension(path: Path, ref: str) -> Path:
    """Rewrite the sheet's declared used range, as some exporters write it."""
    return rewrite(path, r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="{ref}"/>', regex=True)


# -- 1. rows after a workbook's declared used range ---------------------------------


def test_rows_after_the_declared_dimension_are_read(tmp_path: Path, bcf: Agreement) -> None:
    # was: the £999,999.00 row past the declared range disappeared, "no errors found"
    path = book(tmp_path / "b.xlsx", [HEADER, spend(1), spend(2, "999999.00")])
    set_dimension(path, "A1:G2")
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is not None, issues
    assert [e.id for e in ledger.entries if e.id.startswith("E")] == ["E1", "E2"]
    result = run("check", ROOT / "src/pooledledger/examples/example2_bcf.toml", path)
    assert result.exit_code == 0, result.output


def test_broken_rows_after_the_declared_dimension_are_reported(
    tmp_path: Path, bcf: Agreement
) -> None:
    # was: 300,000 broken rows past the declared range accepted without a word
    rows = [HEADER, spend(1)] + [spend(n, "not money") for n in range(2, 2002)]
    path = set_dimension(book(tmp_path / "b.xlsx", rows), "A1:G2")
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert codes(issues) == ["PL-CSV-015"] * 2000
    assert issues[-1].location.row == 2002


def test_a_workbook_declaring_range_a1_is_read(tmp_path: Path, bcf: Agreement) -> None:
    # was: "no sheet has a ledger header" for a sheet that plainly has one
    path = set_dimension(book(tmp_path / "b.xlsx", [HEADER, spend(1), spend(2)]), "A1")
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is not None, issues
    assert {"E1", "E2"} <= {e.id for e in ledger.entries}


def test_short_rows_past_the_declared_dimension_are_not_short(
    tmp_path: Path, bcf: Agreement
) -> None:
    # a row read past the declared range ends at its last filled cell: no PL-CSV-010
    path = book(tmp_path / "b.xlsx", [HEADER, spend(1), spend(2, supplier="Acme Ltd")])
    set_dimension(path, "A1:B1")
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is not None, issues
    assert ledger.entries[-1].id == "E2"


# -- 2. an uncached formula in an optional text cell --------------------------------


def test_an_uncached_formula_in_an_optional_cell_is_an_error(
    tmp_path: Path, bcf: Agreement
) -> None:
    # was: the supplier silently read as empty
    path = book(tmp_path / "b.xlsx", [HEADER, spend(1), spend(2, supplier='=UPPER("acme")')])
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert where(issues) == [("PL-CSV-038", f"{path}[Ledger]", 3, "supplier")]
    assert 'formula =UPPER("acme")' in issues[0].message


def test_an_uncached_formula_in_a_required_cell_keeps_its_code(
    tmp_path: Path, bcf: Agreement
) -> None:
    path = book(tmp_path / "b.xlsx", [HEADER, spend(1, net="=1+2")])
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert where(issues) == [("PL-CSV-013", f"{path}[Ledger]", 2, "net")]
    assert "formula =1+2" in issues[0].message


def test_a_calculated_formula_is_read_for_its_value(tmp_path: Path, bcf: Agreement) -> None:
    path = book(tmp_path / "b.xlsx", [HEADER, spend(1, supplier="=A1")])
    rewrite(path, '<c r="F2"><f>A1</f><v /></c>', '<c r="F2" t="str"><f>A1</f><v>Acme Ltd</v></c>')
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is not None, issues
    supplier = next(e for e in ledger.entries if e.id == "E1").model_dump()["supplier"]
    assert supplier == "Acme Ltd"


# -- 3. merged cells over data rows -------------------------------------------------


def test_merged_cells_over_data_rows_are_an_error(tmp_path: Path, bcf: Agreement) -> None:
    # was: the description of rows 3 and 4 silently empty
    path = tmp_path / "b.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ledger"
    for r in [HEADER, spend(1, description="Q1 equipment"), spend(2), spend(3)]:
        ws.append(r)
    ws.merge_cells("G2:G4")
    ws.merge_cells("A6:C6")  # below the data, in no data row: harmless
    ws.merge_cells("J2:K3")  # columns the ledger does not read: harmless
    wb.save(path)
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert where(issues) == [("PL-CSV-037", f"{path}[Ledger]", 2, "description")]
    assert "G2:G4" in issues[0].message
    assert "rows 2 to 4" in issues[0].message


# -- 4. the per-cell limit ----------------------------------------------------------


def test_a_cell_over_the_documented_limit_is_coded_in_csv_and_excel(
    tmp_path: Path, bcf: Agreement
) -> None:
    # was: an undocumented limit; a huge cell was "the CSV is malformed"
    page = (ROOT / "docs" / "csv-import.md").read_text(encoding="utf-8")
    assert "32,767 characters" in page
    for size in (32_768, 5_000_000):
        text = "x" * size
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows([HEADER, spend(1, description=text)])
        path = tmp_path / "l.csv"
        path.write_text(out.getvalue(), encoding="utf-8")
        ledger, issues = read_ledger_csv(bcf, path)
        assert ledger is None
        assert where(issues) == [("PL-CSV-039", str(path), 2, "description")], size
        assert len(issues[0].message) < 300
    ok = "x" * 32_767
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows([HEADER, spend(1, description=ok)])
    (tmp_path / "ok.csv").write_text(out.getvalue(), encoding="utf-8")
    assert read_ledger_csv(bcf, tmp_path / "ok.csv")[0] is not None

    # openpyxl cuts text at 32,767 characters when it writes; other programs may not
    xlsx = book(tmp_path / "b.xlsx", [HEADER, spend(1, supplier="SUPPLIER")])
    rewrite(xlsx, "SUPPLIER", "y" * 40_000)
    ledger, issues = read_ledger_excel(bcf, xlsx)
    assert ledger is None
    assert where(issues) == [("PL-CSV-039", f"{xlsx}[Ledger]", 2, "supplier")]
