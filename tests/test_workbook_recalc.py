"""The year-end workbook recalculated by a real spreadsheet engine (LibreOffice, headless).

LibreOffice does not recalculate an .xlsx on load by default: it trusts the cached
values.  So each run gets a throwaway user profile whose settings say "always
recalculate" for OOXML and ODF files, and a sentinel workbook, whose one formula has a
deliberately wrong cached value, proves that the engine really recalculated.  Then
every formula of the year-end workbook must evaluate to its cached value, to the
penny, and the totals must equal the JSON results.

Skipped when ``soffice`` is missing, except under ``CI=true``, where it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from decimal import Decimal
from importlib.resources import files
from pathlib import Path

import pytest
from openpyxl import load_workbook

from pooledledger.io import load_agreement, load_ledger
from pooledledger.io.excel_out import write_year_end_workbook
from pooledledger.reports.bundle import year_end_reports
from workbook_blocks import cell_pence, records, table

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
 <prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop>
</item>
</oor:items>
"""


def _soffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("soffice (LibreOffice) is not installed, and CI is set: this must run")
        pytest.skip("soffice (LibreOffice) is not installed")
    return found


def recalculate(sources: list[Path], out: Path, profile: Path) -> list[Path]:
    """Open each workbook in LibreOffice, recalculate everything, save it as .xlsx."""
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [
            _soffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            *map(str, sources),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return [out / p.name for p in sources]


def _sentinel(path: Path) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    ws.write_number(0, 0, 1)
    ws.write_formula(0, 1, "=A1+1", None, 3)  # a wrong cached value on purpose
    wb.close()
    return path


def test_libreoffice_recalculates_every_formula_to_its_cached_value(tmp_path: Path) -> None:
    _soffice()
    examples = files("pooledledger") / "examples"
    sources = [_sentinel(tmp_path / "sentinel.xlsx")]
    expected = {}
    for agreement, ledger in (
        ("example2_bcf.toml", "example2_ledger.toml"),
        ("example1_la_two_pcts.toml", "example1_ledger.toml"),
    ):
        ag = load_agreement(str(examples / agreement))
        led = load_ledger(ag, str(examples / ledger))
        reports = year_end_reports(ag, led, ag.financial_years[0])
        path = write_year_end_workbook(reports, tmp_path / f"{ag.id}.xlsx", ledger=led)
        sources.append(path)
        expected[path.name] = reports
    # a terminated agreement: its part year and cancelled contributions
    data_dir = Path(__file__).parent / "data"
    ag = load_agreement(str(data_dir / "termination_agreement.toml"))
    led = load_ledger(ag, str(data_dir / "termination_ledger.toml"))
    reports = year_end_reports(ag, led, ag.financial_years[0], terminate_on=date(2025, 10, 1))
    assert reports.close.cancelled
    path = write_year_end_workbook(reports, tmp_path / "terminated.xlsx", ledger=led)
    sources.append(path)
    expected[path.name] = reports
    results = recalculate(sources, tmp_path / "recalculated", tmp_path / "profile")

    sentinel = load_workbook(results[0], data_only=True)["S"]["B1"].value
    assert sentinel == 2, "LibreOffice kept the cached value: it did not recalculate"

    for source, result in zip(sources[1:], results[1:], strict=True):
        formulas = load_workbook(source)
        mine = load_workbook(source, data_only=True)
        theirs = load_workbook(result, data_only=True)
        count = 0
        for ws in formulas.worksheets:
            for row in ws.iter_rows():
                for c in row:
                    if c.data_type != "f":
                        continue
                    count += 1
                    cached = mine[ws.title][c.coordinate].value
                    got = theirs[ws.title][c.coordinate].value
                    assert isinstance(got, int | float), (ws.title, c.coordinate, got)
                    # the engine's double, to the penny, is the cached figure
                    penny = Decimal(str(got)).quantize(Decimal("0.01"))
                    assert penny == Decimal(str(cached)), (ws.title, c.coordinate, c.value, got)
        assert count > 50, source.name

        # the recalculated totals are the JSON results, to the penny
        r = expected[source.name]
        data = r.model_dump(mode="json")
        header, rows = table(theirs["Memorandum account"], "Account by scheme")
        total = header.index("Total")
        by_label = {row[0].value: row for row in rows}
        for label, field in (
            ("B. Contributions", "contributions"),
            ("D. Total resources (A + B + C)", "total_resources"),
            ("F. Net surplus/(deficit) (D − E)", "net"),
            ("Balance after allocation (F + G + H − I)", "closing"),
        ):
            assert _pence(by_label[label][total].value) == data["memorandum"]["total"][field]
        for p, st in data["statements"].items():
            sheet = theirs[f"Statement {p}"]
            net = list(records(sheet, "2. Share of the pool"))[-1]["Net"]
            assert _pence(net.value) == st["total"]["net_share"]
            _, rows = table(sheet, "4. Balance with the host")
            line = {r[0].value: r[1].value for r in rows}
            assert (
                _pence(line["Balance (+ host owes partner, − partner owes host)"]) == st["balance"]
            )
            settlement = line["Cash settlement (+ host pays partner, − partner pays host)"]
            assert _pence(settlement) == st["settlement"]
        for rec in records(theirs["Checks"], "Self-checks"):
            assert cell_pence(rec["Difference"]) == 0


def _pence(value: object) -> int:
    assert isinstance(value, int | float), value
    return int(Decimal(str(value)).quantize(Decimal("0.01")) * 100)
