"""Input defects found by a reviewer's hostile files: each test is named after one.

Every one was a silent loss, a misleading message or a traceback; each now gives a
coded issue naming where the problem is, or reads the file correctly.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from datetime import date
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pooledledger.cli import main
from pooledledger.core.errors import Issue
from pooledledger.io.agreement_files import (
    dump_agreement_json,
    load_agreement,
    loads_yaml,
    read_agreement,
)
from pooledledger.io.csv_files import read_ledger_csv
from pooledledger.io.excel_files import read_ledger_excel
from pooledledger.io.ledger_files import dump_ledger_json, read_ledger
from pooledledger.io.sources import read_ledger_source
from pooledledger.model.agreement import Agreement

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


@pytest.mark.parametrize("declared", ["A1", "A1:A1", "B2:G3", "C5"])
def test_a_workbook_declaring_range_a1_is_read(
    tmp_path: Path, bcf: Agreement, declared: str
) -> None:
    # was: "no sheet has a ledger header" for a sheet that plainly has one
    path = set_dimension(book(tmp_path / "b.xlsx", [HEADER, spend(1), spend(2)]), declared)
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
    assert where(issues) == [("PL-CSV-042", f"{path}[Ledger]", 3, "supplier")]
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
    assert where(issues) == [("PL-CSV-041", f"{path}[Ledger]", 2, "description")]
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
        assert where(issues) == [("PL-CSV-043", str(path), 2, "description")], size
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
    assert where(issues) == [("PL-CSV-043", f"{xlsx}[Ledger]", 2, "supplier")]


# -- 5. YAML 1.1 surprises and byte-order marks -------------------------------------


def _agreement_yaml() -> str:
    with as_file(EXAMPLES / "example2_bcf.toml") as ag:
        data = json.loads(dump_agreement_json(load_agreement(ag)))
    return str(yaml.safe_dump(data, sort_keys=False))


def test_yaml_sexagesimal_notice_period_is_not_read_as_90(tmp_path: Path) -> None:
    # was: "notify_within_working_days: 1:30" read as 90 working days without a word
    text = _agreement_yaml()
    assert "notify_within_working_days: 5\n" in text
    path = tmp_path / "ag.yaml"
    path.write_text(text.replace("working_days: 5\n", "working_days: 1:30\n"), encoding="utf-8")
    agreement, issues = read_agreement(path)
    assert agreement is None
    assert [(i.code, i.location.field) for i in issues] == [
        ("PL-AGR-002", "notify_within_working_days")
    ]


@pytest.mark.parametrize("plain", ["no", "off", "Yes", "0o17", "1_000", "1:30", "0x1F"])
def test_yaml_1_1_plain_scalars_stay_the_text_they_show(tmp_path: Path, plain: str) -> None:
    # was: no -> False, 1_000 -> 1000, 1:30 -> 90 ...: refused as not text, or silently changed
    text = _agreement_yaml()
    at = text.index("pooled_fund_manager:")
    end = text.index("\n", at)
    path = tmp_path / "ag.yaml"
    path.write_text(text[:at] + f"pooled_fund_manager: {plain}" + text[end:], encoding="utf-8")
    agreement, issues = read_agreement(path)
    assert agreement is not None, issues
    assert agreement.pooled_fund_manager == plain


def test_yaml_decimal_numbers_and_dates_still_read() -> None:
    text = "a: 017\nb: 2025-04-01\nc: true\nd: ~\ne: -3\n"
    data = loads_yaml(text)
    assert data == {"a": 17, "b": date(2025, 4, 1), "c": True, "d": None, "e": -3}


@pytest.mark.parametrize("suffix", [".toml", ".json", ".yaml"])
def test_a_byte_order_mark_at_the_start_of_an_agreement_is_accepted(
    tmp_path: Path, suffix: str
) -> None:
    # was: TOML "Invalid statement (at line 1, column 1)", JSON "Unexpected UTF-8 BOM"
    with as_file(EXAMPLES / "example2_bcf.toml") as ag:
        toml_text = ag.read_text(encoding="utf-8")
        expected = load_agreement(ag)
    text = {
        ".toml": toml_text,
        ".json": dump_agreement_json(expected),
        ".yaml": _agreement_yaml(),
    }[suffix]
    path = tmp_path / f"ag{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    agreement, issues = read_agreement(path)
    assert agreement == expected, issues
    assert read_agreement("\ufeff" + text, format=suffix[1:])[0] == expected


@pytest.mark.parametrize("suffix", [".toml", ".json", ".csv"])
def test_a_byte_order_mark_at_the_start_of_a_ledger_is_accepted(
    tmp_path: Path, suffix: str, example2: tuple[Path, Path], bcf: Agreement
) -> None:
    # was: "cannot read the ledger file: Invalid statement (at line 1, column 1)"
    expected = read_ledger(bcf, example2[1])[0]
    assert expected is not None
    if suffix == ".toml":
        text = example2[1].read_text(encoding="utf-8")
    elif suffix == ".json":
        text = dump_ledger_json(expected)
    else:
        out = io.StringIO()
        rows = [HEADER[:5], ["expenditure", "E1", "S3", "2025-06-30", "10.00"]]
        csv.writer(out, lineterminator="\n").writerows(rows)
        text = out.getvalue()
    path = tmp_path / f"l{suffix}"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    ledger, issues = read_ledger_source(bcf, path)
    assert ledger is not None, issues
    if suffix != ".csv":
        assert ledger.entries == expected.entries


# -- 6. reserved ids and ranges in the agreement ------------------------------------


def _bcf_text() -> str:
    with as_file(EXAMPLES / "example2_bcf.toml") as ag:
        return ag.read_text(encoding="utf-8")


def _write_agreement(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ag.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_total_in_any_case_is_reserved_as_a_scheme_partner_or_risk_pool_id(
    tmp_path: Path,
) -> None:
    # was: a scheme called "Total" accepted, though every output labels its total row so
    text = _bcf_text().replace('"S5"', '"Total"').replace('"ICB"', '"TOTAL"')
    text = text.replace('id = "RP"', 'id = "total"').replace('scheme = "RP"', 'scheme = "total"')
    agreement, issues = read_agreement(_write_agreement(tmp_path, text))
    assert agreement is None
    reserved = [(i.code, i.location.field) for i in issues if i.code == "PL-AGR-023"]
    assert reserved == [
        ("PL-AGR-023", "partners[1].id"),
        ("PL-AGR-023", "schemes[4].id"),
        ("PL-AGR-023", "risk_pool.id"),
    ]
    assert codes(issues) == ["PL-AGR-023"] * 3


def test_a_notice_period_of_ten_billion_working_days_is_refused(
    tmp_path: Path, example2: tuple[Path, Path]
) -> None:
    # was: OverflowError traceback from `pooledledger report quarterly`
    text = _bcf_text().replace(
        "notify_within_working_days = 5 ", "notify_within_working_days = 10000000000 "
    )
    path = _write_agreement(tmp_path, text)
    agreement, issues = read_agreement(path)
    assert agreement is None
    assert [(i.code, i.location.field) for i in issues] == [
        ("PL-AGR-024", "notify_within_working_days")
    ]
    assert "10,000,000,000" in issues[0].message
    result = run("report", "quarterly", path, example2[1], "--quarter", "2", "--out", tmp_path)
    assert result.exit_code == 1
    assert "PL-AGR-024" in result.output


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ("term_end = 2026-03-31", "term_end = 9999-12-31", "term_end"),
        ("term_start = 2025-04-01", "term_start = 0001-01-01", "term_start"),
        ("notify_within_working_days = 5 ", "notify_within_working_days = 261 ", None),
        ('year = "2025-26"', 'year = "2150-51"', "contributions[0].year"),
    ],
)
def test_dates_and_day_counts_out_of_range_are_coded(
    tmp_path: Path, old: str, new: str, field: str | None
) -> None:
    # was: a PeriodError traceback for a term ending in 9999; nothing for the others
    text = _bcf_text()
    assert old in text
    agreement, issues = read_agreement(_write_agreement(tmp_path, text.replace(old, new, 1)))
    assert agreement is None
    ranged = [i.location.field for i in issues if i.code == "PL-AGR-024"]
    assert ranged[:1] == [field or "notify_within_working_days"]
    result = run("check", tmp_path / "ag.toml")
    assert result.exit_code == 1
    assert "PL-AGR-024" in result.output


def test_the_range_bounds_themselves_are_accepted(tmp_path: Path) -> None:
    text = _bcf_text().replace(
        "notify_within_working_days = 5 ", "notify_within_working_days = 260 "
    )
    agreement, issues = read_agreement(_write_agreement(tmp_path, text))
    assert agreement is not None, issues
    assert agreement.notify_within_working_days == 260


def test_working_days_past_the_calendar_are_a_period_error() -> None:
    # was: OverflowError from the working-day arithmetic an unchecked agreement reaches
    from pooledledger.core.errors import PeriodError
    from pooledledger.core.periods import ENGLAND_AND_WALES

    with pytest.raises(PeriodError, match="past year 9999"):
        ENGLAND_AND_WALES.add_working_days(date(2025, 4, 1), 10_000_000_000)
    with pytest.raises(PeriodError, match="past year 9999"):
        ENGLAND_AND_WALES.add_working_days(date(9999, 12, 30), 5)


# -- 7. --projection-date against the quarter reported ------------------------------


@pytest.mark.parametrize(
    ("quarter", "when"),
    [
        ("2", "2025-06-30"),
        ("2", "2026-01-01"),
        ("1", "2024-12-31"),
        ("4", "2026-07-01"),
        ("3", "9999-12-30"),
    ],
)
def test_projection_date_outside_its_window_is_a_usage_error(
    tmp_path: Path, example2: tuple[Path, Path], quarter: str, when: str
) -> None:
    # was: any date taken; 9999-12-30 gave an OverflowError traceback
    result = run(
        "report", "quarterly", *example2, "--quarter", quarter,
        "--projection-date", when, "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "--projection-date" in result.output
    assert "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("quarter", "when"), [("2", "2025-07-01"), ("2", "2025-12-31"), ("4", "2026-06-30")]
)
def test_projection_date_inside_its_window_is_reported(
    tmp_path: Path, example2: tuple[Path, Path], quarter: str, when: str
) -> None:
    result = run(
        "report", "quarterly", *example2, "--quarter", quarter,
        "--projection-date", when, "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 0, result.output


def test_quarterly_report_refuses_a_projection_date_outside_its_window(
    example2: tuple[Path, Path], bcf: Agreement
) -> None:
    from pooledledger.core.periods import FinancialYear
    from pooledledger.reports.memorandum import ReportError
    from pooledledger.reports.quarterly import quarterly_report

    ledger = read_ledger(bcf, example2[1])[0]
    assert ledger is not None
    with pytest.raises(ReportError, match="projection date"):
        quarterly_report(bcf, ledger, FinancialYear(2025), 1, projection_date=date(2025, 3, 31))


# -- 8. deterministic outputs -------------------------------------------------------

_DRIVER = """
import sys
from pooledledger.cli import main

out, ag1, led1, ag2, led2, board = sys.argv[1:]
for args in (
    ["close", board, led2, "--ruling", "S3=CARRY_FORWARD:MIN-1", "--out", f"{out}/board"],
    ["demo", "--out", f"{out}/demo"],
    ["close", ag1, led1, "--out", f"{out}/close1", "--note-policy", "adjust_largest"],
    ["close", ag2, led2, "--out", f"{out}/close2"],
    ["report", "quarterly", ag2, led2, "--quarter", "3", "--forecast", "S2=4,230,000.20",
     "--forecast", "S4=1,000,000.00", "--projection-date", "2025-12-19", "--out", f"{out}/q"],
    ["balances", ag1, led1, "--month", "9", "--out", f"{out}/b1"],
    ["balances", ag2, led2, "--month", "12", "--out", f"{out}/b2"],
):
    try:
        main(args, standalone_mode=False)
    except SystemExit as exc:
        assert not exc.code, (args, exc.code)
"""


def _outputs(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix != ".xlsx"
    }


def test_every_output_but_the_workbook_is_byte_identical_across_hash_seeds(
    tmp_path: Path,
) -> None:
    # JSON, Markdown, HTML, CSV tables, quarterly and balances: the same bytes from the
    # same inputs, whatever order Python's hash seed gives sets and dicts of strings
    with (
        as_file(EXAMPLES / "example1_la_two_pcts.toml") as ag1,
        as_file(EXAMPLES / "example1_ledger.toml") as led1,
        as_file(EXAMPLES / "example2_bcf.toml") as ag2,
        as_file(EXAMPLES / "example2_ledger.toml") as led2,
    ):
        board = tmp_path / "board.toml"
        board.write_text(
            ag2.read_text(encoding="utf-8").replace(
                '{ rule = "PRO_RATA_CONTRIBUTIONS" }',
                '{ rule = "BOARD_DECISION", default = "REFUND" }',
            ),
            encoding="utf-8",
        )
        runs: list[tuple[dict[str, bytes], bytes]] = []
        for seed in ("1", "2"):
            out = tmp_path / seed
            env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": os.pathsep.join(sys.path)}
            done = subprocess.run(
                [sys.executable, "-c", _DRIVER, str(out), *map(str, (ag1, led1, ag2, led2, board))],
                env=env,
                capture_output=True,
                check=False,
                cwd=tmp_path,
            )
            assert done.returncode == 0, done.stderr.decode()
            runs.append((_outputs(out), done.stdout.replace(str(out).encode(), b"OUT")))
    (first, out1), (second, out2) = runs
    assert len(first) > 40
    assert {n for n in first if n.endswith((".json", ".md", ".html", ".csv"))} == set(first)
    assert sorted(first) == sorted(second)
    differ = [name for name in first if first[name] != second[name]]
    assert differ == []
    assert out1 == out2


def test_an_uncached_formula_in_the_entry_cell_is_named_once(
    tmp_path: Path, bcf: Agreement
) -> None:
    path = book(tmp_path / "b.xlsx", [HEADER, spend(1), ['=IF(1,"expenditure")', *spend(2)[1:]]])
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert where(issues) == [("PL-CSV-012", f"{path}[Ledger]", 3, "entry")]
    assert "formula =IF(1," in issues[0].message


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    nets=st.lists(st.integers(min_value=-(10**9), max_value=10**9), min_size=1, max_size=12),
    declared=st.one_of(
        st.just("A1"),
        st.tuples(st.sampled_from("ABCDEFGH"), st.integers(min_value=1, max_value=20)).map(
            lambda t: f"A1:{t[0]}{t[1]}"
        ),
    ),
)
def test_any_declared_dimension_reads_the_same_ledger(
    tmp_path_factory: pytest.TempPathFactory, bcf: Agreement, nets: list[int], declared: str
) -> None:
    # property: what the workbook declares as its used range never changes what is read
    folder = tmp_path_factory.mktemp("dim")
    rows = [HEADER] + [
        spend(n, f"{v // 100}.{v % 100:02d}" if v >= 0 else f"-{-v // 100}.{-v % 100:02d}")
        for n, v in enumerate(nets, 1)
    ]
    true = read_ledger_excel(bcf, book(folder / "a.xlsx", rows))
    lying = read_ledger_excel(bcf, set_dimension(book(folder / "b.xlsx", rows), declared))
    assert true[0] is not None, true[1]
    assert lying[0] is not None, lying[1]
    assert lying[0].entries == true[0].entries
    assert [i.code for i in lying[1]] == [i.code for i in true[1]]


_CORE_12 = re.compile(
    r"[-+]?[0-9]+|[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|true|True|TRUE|false|False|FALSE"
    r"|~|null|Null|NULL|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789:_.+-eEoxXyYnNabf", min_size=1, max_size=10))
def test_a_yaml_plain_scalar_is_text_unless_it_is_a_yaml_1_2_core_value(plain: str) -> None:
    # property: no YAML 1.1-only form (sexagesimal, 0o/0x, underscores, yes/no) is
    # turned into a number or a boolean
    try:
        value = loads_yaml(f"a: {plain}\n")["a"]
    except (yaml.YAMLError, ValueError):
        return  # not a plain scalar (e.g. ends with ':'), or a date that does not exist
    if isinstance(value, str):
        assert value == plain
    else:
        assert _CORE_12.fullmatch(plain), (plain, value)


def test_a_sheet_whose_xml_cannot_be_read_again_is_coded(
    tmp_path: Path, bcf: Agreement, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the second look at a sheet's XML (formulas, merged cells) never raises
    import zlib

    import pooledledger.io.excel_files as excel_files

    def broken(book: object, ws: object) -> None:
        raise zlib.error("Error -3 while decompressing data")

    monkeypatch.setattr(excel_files, "_scan_sheet", broken)
    path = book(tmp_path / "b.xlsx", [HEADER, spend(1)])
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert codes(issues) == ["PL-CSV-001"]
