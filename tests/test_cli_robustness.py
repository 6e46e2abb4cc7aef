"""Bad and unusual files and options: coded issues, never a traceback or wrong money.

Each test here was a crash, a silent acceptance or an unclear message found by
feeding the command line and the readers what a finance officer might.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from importlib.resources import as_file, files
from pathlib import Path

import openpyxl
import pytest
import yaml
from click.testing import CliRunner, Result

from pooledledger.cli import main
from pooledledger.core.errors import ISSUE_CODES, Issue
from pooledledger.io.agreement_files import (
    MAX_PENCE,
    dump_agreement_json,
    load_agreement,
    read_agreement,
)
from pooledledger.io.csv_files import (
    ENTRY_FIELDS,
    ColumnMap,
    load_column_map,
    parse_pounds,
    read_ledger_csv,
)
from pooledledger.io.excel_files import read_ledger_excel
from pooledledger.io.ledger_files import read_ledger
from pooledledger.io.sources import read_ledger_source
from pooledledger.model.agreement import Agreement

EXAMPLES = files("pooledledger") / "examples"
HEADER = ["entry", "id", "scheme", "date", "net"]


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


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def spending(tmp_path: Path, net: str, date: str = "2025-06-30") -> Path:
    return write_csv(tmp_path / "l.csv", [HEADER, ["expenditure", "E1", "S3", date, net]])


def codes(issues: Sequence[Issue]) -> list[str]:
    return [i.code for i in issues]


# -- agreement files ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000),
        ("deep.yaml", "a: " + "[" * 100_000 + "]" * 100_000),
        ("deep.toml", "a = " + "[" * 100_000 + "]" * 100_000),
        ("huge.toml", "a = " + "9" * 5000),
        ("huge.json", '{"a": ' + "9" * 5000 + "}"),
    ],
)
def test_an_agreement_too_deep_or_with_a_huge_number_is_a_parse_error(
    tmp_path: Path, name: str, text: str
) -> None:
    # was: RecursionError / ValueError traceback from the parser
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    agreement, issues = read_agreement(path)
    assert agreement is None
    assert codes(issues) == ["PL-AGR-001"]
    assert "set_int_max_str_digits" not in issues[0].message
    result = run("check", path)
    assert result.exit_code == 1
    assert "PL-AGR-001" in result.output


def _agreement_json() -> str:
    with as_file(EXAMPLES / "example2_bcf.toml") as ag:
        return dump_agreement_json(load_agreement(ag))


def test_a_key_given_twice_in_json_or_yaml_is_refused(tmp_path: Path) -> None:
    # was: the last "amount" silently won, so the file's money was not what it showed
    text = _agreement_json()
    at = text.index('"amount"', text.index('"contributions"'))
    doubled = text[:at] + '"amount": {"amount": "1.00", "currency": "GBP"},\n' + text[at:]
    path = tmp_path / "ag.json"
    path.write_text(doubled, encoding="utf-8")
    agreement, issues = read_agreement(path)
    assert agreement is None
    assert codes(issues) == ["PL-AGR-001"]
    assert "'amount' appears twice" in issues[0].message

    data = yaml.safe_dump(json.loads(text), sort_keys=False)
    at = data.index("  amount:", data.index("contributions:"))
    doubled = data[:at] + "  amount: {amount: '1.00', currency: GBP}\n" + data[at:]
    path = tmp_path / "ag.yaml"
    path.write_text(doubled, encoding="utf-8")
    agreement, issues = read_agreement(path)
    assert agreement is None
    assert codes(issues) == ["PL-AGR-001"]
    # the row is the line of the second "amount:", just after the inserted one
    assert issues[0].location.row == doubled[:at].count("\n") + 2
    # YAML merge keys still work
    merged = "base: &b {x: 1}\nother:\n  <<: *b\n  x: 2\n"
    assert read_agreement(merged, format="yaml")[1][0].code == "PL-AGR-002"


def test_an_agreement_amount_too_large_for_a_spreadsheet_is_refused(tmp_path: Path) -> None:
    # was: accepted; the Excel results then showed it rounded (1e+47)
    with as_file(EXAMPLES / "example2_bcf.toml") as ag:
        text = ag.read_text(encoding="utf-8")
    path = tmp_path / "ag.toml"
    huge = 'amount = "' + "9" * 4400 + '.00"'
    path.write_text(text.replace('amount = "2000000.00"', huge, 1), encoding="utf-8")
    agreement, issues = read_agreement(path)
    assert agreement is None
    assert [(i.code, i.location.field) for i in issues] == [
        ("PL-AGR-002", "contributions[0].amount")
    ]
    assert "too large" in issues[0].message
    assert len(issues[0].message) < 200


# -- ledger files ------------------------------------------------------------------


def test_a_ledger_toml_amount_too_large_is_refused(
    tmp_path: Path, bcf: Agreement, example2: tuple[Path, Path]
) -> None:
    text = example2[1].read_text(encoding="utf-8")
    path = tmp_path / "l.toml"
    path.write_text(text.replace('"462500.00"', '"100000000000000.00"', 1), encoding="utf-8")
    ledger, issues = read_ledger(bcf, path)
    assert ledger is None
    assert [(i.code, i.location.row, i.location.field) for i in issues] == [
        ("PL-LED-102", 1, "net")
    ]


def test_a_ledger_json_too_deep_or_with_a_key_twice_is_refused(
    tmp_path: Path, bcf: Agreement
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text('{"entries": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    twice = tmp_path / "twice.json"
    twice.write_text(
        '{"entries": [{"entry": "expenditure", "id": "E1", "scheme": "S3", '
        '"date": "2025-06-30", "net": "5.00", "net": "500.00"}]}',
        encoding="utf-8",
    )
    for path in (deep, twice):
        ledger, issues = read_ledger(bcf, path)
        assert ledger is None
        assert codes(issues) == ["PL-LED-101"], issues


# -- CSV amounts and dates ---------------------------------------------------------


@pytest.mark.parametrize(
    "net",
    [
        "9" * 5000,
        "99999999999999999999999999.99",
        "£10,000,000,000,000.00",
        "-10000000000000",
        "90071992547409.91",  # the old limit: three such lines broke the workbook totals
    ],
)
def test_an_amount_too_large_is_refused_without_a_traceback(
    tmp_path: Path, bcf: Agreement, net: str
) -> None:
    # was: a ValueError traceback (over 4,300 digits), or accepted and shown as 1e+26
    ledger, issues = read_ledger_csv(bcf, spending(tmp_path, net))
    assert ledger is None
    assert [(i.code, i.location.row, i.location.column) for i in issues] == [
        ("PL-CSV-036", 2, "net")
    ]
    assert len(issues[0].message) < 200


def test_the_largest_amount_is_accepted(tmp_path: Path, bcf: Agreement) -> None:
    assert MAX_PENCE == 999_999_999_999_999  # 15 significant digits, as a spreadsheet
    assert parse_pounds("£9,999,999,999,999.99") == MAX_PENCE
    assert parse_pounds("(9999999999999.99)") == -MAX_PENCE
    assert parse_pounds("0000000000000000000000012.50") == 1250
    ledger, issues = read_ledger_csv(bcf, spending(tmp_path, "9999999999999.99"))
    assert ledger is not None, issues


@pytest.mark.parametrize("net", ["١٢٣", "５", "£１,000", "(٥)"])
def test_digits_other_than_0_to_9_are_refused(tmp_path: Path, bcf: Agreement, net: str) -> None:
    # was: read silently as 123, 5, ...
    ledger, issues = read_ledger_csv(bcf, spending(tmp_path, net))
    assert ledger is None
    assert codes(issues) == ["PL-CSV-015"]


def test_a_date_in_other_digits_is_refused(tmp_path: Path, bcf: Agreement) -> None:
    ledger, issues = read_ledger_csv(bcf, spending(tmp_path, "5.00", date="٢٠٢٥-٠٦-٣٠"))
    assert ledger is None
    assert codes(issues) == ["PL-CSV-019"]


@pytest.mark.parametrize(("net", "pence"), [("£-5", -500), (" 12.50 ", 1250), ("12.5", 1250)])
def test_unusual_but_exact_amounts(tmp_path: Path, bcf: Agreement, net: str, pence: int) -> None:
    ledger, issues = read_ledger_csv(bcf, spending(tmp_path, net))
    assert ledger is not None, issues
    assert parse_pounds(net) == pence


@pytest.mark.parametrize(
    ("net", "code"),
    [
        ("1,23.45", "PL-CSV-015"),
        ("-(5)", "PL-CSV-015"),
        ("1e3", "PL-CSV-017"),
        ("€5", "PL-CSV-031"),
    ],
)
def test_bad_amounts_are_coded(tmp_path: Path, bcf: Agreement, net: str, code: str) -> None:
    _, issues = read_ledger_csv(bcf, spending(tmp_path, net))
    assert [(i.code, i.location.row, i.location.column) for i in issues] == [(code, 2, "net")]


# -- CSV layout --------------------------------------------------------------------


@pytest.mark.parametrize(("sep", "shown"), [(";", "';'"), ("\t", "a tab")])
def test_a_csv_separated_by_semicolons_or_tabs_says_so(
    tmp_path: Path, bcf: Agreement, sep: str, shown: str
) -> None:
    # was: "the header has no 'id' column" with the whole header as one column name
    path = tmp_path / "l.csv"
    path.write_text(
        sep.join(HEADER) + "\n" + sep.join(["expenditure", "E1", "S3", "2025-06-30", "5"]) + "\n",
        encoding="utf-8",
    )
    ledger, issues = read_ledger_csv(bcf, path)
    assert ledger is None
    assert [(i.code, i.location.row) for i in issues] == [("PL-CSV-007", 1)]
    assert f"separated by {shown}" in issues[0].message


def test_a_malformed_csv_names_the_line_of_the_bad_row(tmp_path: Path, bcf: Agreement) -> None:
    # was: "malformed after line 1" whatever the line, and no row in the location
    good = [f"expenditure,E{n},S3,2025-06-30,5\n" for n in (1, 2, 3)]
    text = ",".join(HEADER) + "\n" + "".join(good) + 'expenditure,E9,"S3\n'
    path = tmp_path / "l.csv"
    path.write_text(text, encoding="utf-8")
    _, issues = read_ledger_csv(bcf, path)
    assert [(i.code, i.location.row) for i in issues] == [("PL-CSV-007", 5)]
    assert "line 5" in issues[0].message


def test_a_nul_byte_is_refused_not_read_into_a_text_cell(tmp_path: Path, bcf: Agreement) -> None:
    # was: accepted, the NUL kept inside the supplier's name (docs: PL-CSV-007)
    path = tmp_path / "l.csv"
    path.write_bytes(
        b"entry,id,scheme,date,net,supplier\nexpenditure,E1,S3,2025-06-30,5,Ac\x00me\n"
    )
    ledger, issues = read_ledger_csv(bcf, path)
    assert ledger is None
    assert [(i.code, i.location.row) for i in issues] == [("PL-CSV-007", 2)]


def test_a_csv_with_no_header_says_the_first_row_looks_like_an_entry(
    tmp_path: Path, bcf: Agreement
) -> None:
    path = write_csv(tmp_path / "l.csv", [["expenditure", "E1", "S3", "2025-06-30", "5"]])
    ledger, issues = read_ledger_csv(bcf, path)
    assert ledger is None
    missing = [i for i in issues if i.code == "PL-CSV-005"]
    assert missing
    assert all("looks like an entry, not a header" in i.message for i in missing)


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"entry,id\n",
        b"\xef\xbb\xbfentry,id,scheme,date,net\r\nexpenditure,E1,S3,2025-06-30,5\r\n",
        b'entry,id,scheme,date,net,description\nexpenditure,E1,S3,2025-06-30,5,"a\nb"\n',
        b"entry,id,scheme,date,net\nexpenditure,E1,S3,2025-06-30,5,extra\n",
        b"entry,id,scheme,date,net\nexpenditure,E1,S3\n",
        b"entry,id,scheme,date,net\nexpenditure,E1,S3,31/06/2025,5\n",
        b"entry,id,scheme,date,net\nexpenditure,E1,S3,2025-13-01,5\n",
        b"entry,id,scheme,date,net\nexpenditure,E1,S3,2025-02-29,5\n",
        b"entry,id,supplier\nexpenditure,E1,Caf\xe9\n",
        b'entry,id,scheme,date,net\n"expenditure,E1\n',
        b"entry,id,scheme,date,net\x00\n",
        b"entry,id,reverses,date,reason\nreversal,R1,R2,2025-06-30,x\nreversal,R2,R1,2025-06-30,x\n",
    ],
)
def test_odd_csv_files_never_give_a_traceback(
    tmp_path: Path, example2: tuple[Path, Path], content: bytes
) -> None:
    path = tmp_path / "l.csv"
    path.write_bytes(content)
    result = run("check", example2[0], path)
    assert result.exit_code in (0, 1), result.output
    assert "Traceback" not in result.output


# -- Excel -------------------------------------------------------------------------


def _book(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Ledger"
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


def test_an_excel_number_too_large_to_be_exact_is_refused(tmp_path: Path, bcf: Agreement) -> None:
    # was: 1e300 accepted as an exact amount
    path = _book(tmp_path / "b.xlsx", [HEADER, ["expenditure", "E1", "S3", "2025-06-30", 1e300]])
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert [(i.code, i.location.row, i.location.column) for i in issues] == [
        ("PL-CSV-036", 2, "net")
    ]


def test_a_formula_with_no_saved_value_is_named(tmp_path: Path, bcf: Agreement) -> None:
    # was: "expenditure rows need a value for 'net'" for a cell that shows a formula
    path = _book(tmp_path / "b.xlsx", [HEADER, ["expenditure", "E1", "S3", "2025-06-30", "=1+2"]])
    ledger, issues = read_ledger_excel(bcf, path)
    assert ledger is None
    assert [(i.code, i.location.row, i.location.column) for i in issues] == [
        ("PL-CSV-013", 2, "net")
    ]
    assert "formula =1+2" in issues[0].message


def test_unusual_workbooks_are_coded(tmp_path: Path, bcf: Agreement) -> None:
    as_csv = tmp_path / "csv.xlsx"
    as_csv.write_text("entry,id\n", encoding="utf-8")
    assert codes(read_ledger_excel(bcf, as_csv)[1]) == ["PL-CSV-001"]
    empty = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(empty)
    assert codes(read_ledger_excel(bcf, empty)[1]) == ["PL-CSV-035", "PL-CSV-034"]
    texts = _book(
        tmp_path / "t.xlsx",
        [HEADER, ["expenditure", "E1", "S3", "30/06/2025", "1,234.50"]],
    )
    ledger, issues = read_ledger_excel(bcf, texts)
    assert ledger is not None, issues
    timed = _book(
        tmp_path / "d.xlsx", [HEADER, ["expenditure", "E1", "S3", datetime(2025, 6, 30, 9), 5]]
    )
    assert codes(read_ledger_excel(bcf, timed)[1]) == ["PL-CSV-033"]


# -- column maps -------------------------------------------------------------------


def test_a_date_format_with_a_bad_directive_is_refused_when_the_map_is_read(
    tmp_path: Path,
) -> None:
    # was: accepted, then every date refused as "not a real date"
    path = tmp_path / "map.toml"
    path.write_text('date_format = "%d/%m/%Y %Q"\n', encoding="utf-8")
    with pytest.raises(Exception, match="bad directive") as caught:
        load_column_map(path)
    assert [i.code for i in caught.value.issues] == ["PL-CSV-008"]  # type: ignore[attr-defined]
    assert ColumnMap(date_format="%d-%b-%Y").date_format == "%d-%b-%Y"


def test_a_column_map_json_with_a_key_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "map.json"
    path.write_text('{"columns": {"net": "Net", "net": "Gross"}}', encoding="utf-8")
    with pytest.raises(Exception, match="appears twice"):
        load_column_map(path)


def test_a_bad_fixed_value_names_the_column_map_file(tmp_path: Path, bcf: Agreement) -> None:
    # was: "(no location)"
    path = tmp_path / "map.toml"
    path.write_text('[fixed]\nentry = "spending"\n', encoding="utf-8")
    ledger_csv = write_csv(
        tmp_path / "l.csv", [["id", "scheme", "date", "net"], ["E1", "S3", "2025-06-30", "1"]]
    )
    ledger, issues = read_ledger_source(bcf, ledger_csv, column_map=path)
    assert ledger is None
    assert [(i.code, i.location.file, i.location.field) for i in issues] == [
        ("PL-CSV-011", str(path), "fixed.entry")
    ]


# -- command-line options ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("=5", "write SCHEME=AMOUNT"),
        ("S2", "write SCHEME=AMOUNT"),
        ("S2=abc", "not a valid amount"),
        ("S2=1.005", "fraction of a penny"),
        ("S2=" + "9" * 5000, "too large"),
    ],
)
def test_bad_forecasts_are_usage_errors(
    tmp_path: Path, example2: tuple[Path, Path], value: str, says: str
) -> None:
    # was: "unknown scheme(s) ['']", a Python rounding hint, or a traceback
    result = run("report", "quarterly", *example2, "--quarter", "2", "--forecast", value)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert "Rounding" not in result.output
    assert len(result.output) < 1000


def test_a_scheme_forecast_or_ruled_twice_is_a_usage_error(
    tmp_path: Path, example2: tuple[Path, Path]
) -> None:
    # was: the last one silently won
    result = run(
        "report", "quarterly", *example2, "--quarter", "2", "--forecast", "S2=1", "--forecast",
        "S2=2", "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "more than once" in result.output
    result = run(
        "close", *example2, "--ruling", "S1=REFUND", "--ruling", "S1=CARRY_FORWARD",
        "--out", tmp_path,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "more than once" in result.output


@pytest.mark.parametrize("command", ["close", "quarterly", "balances", "demo"])
def test_an_out_folder_that_cannot_be_written_is_a_usage_error(
    tmp_path: Path, example2: tuple[Path, Path], command: str
) -> None:
    # was: NotADirectoryError traceback
    blocker = tmp_path / "a_file"
    blocker.write_text("", encoding="utf-8")
    out = blocker / "reports"
    args: dict[str, list[str | Path]] = {
        "close": ["close", *example2],
        "quarterly": ["report", "quarterly", *example2, "--quarter", "1"],
        "balances": ["balances", *example2, "--month", "6"],
        "demo": ["demo"],
    }
    result = run(*args[command], "--out", out)
    assert result.exit_code == 2, result.output
    assert "cannot write the reports" in result.output


def test_an_output_file_taken_by_a_folder_is_a_usage_error(
    tmp_path: Path, example2: tuple[Path, Path]
) -> None:
    # was: IsADirectoryError traceback
    (tmp_path / "BCF-2025_2025-26_year_end.json").mkdir()
    result = run("close", *example2, "--out", tmp_path, "--format", "json")
    assert result.exit_code == 2
    assert "Is a directory" in result.output


def test_closing_a_year_with_no_lines_warns(tmp_path: Path, example2: tuple[Path, Path]) -> None:
    # was: all-zero reports written without a word
    text = example2[0].read_text(encoding="utf-8")
    two_years = tmp_path / "ag.toml"
    two_years.write_text(
        text.replace("term_end = 2026-03-31", "term_end = 2027-03-31"), encoding="utf-8"
    )
    result = run("close", two_years, example2[1], "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert "PL-CLS-003 warning" in result.output
    assert "no spending or income lines in 2026-27" in result.output
    assert "PL-CLS-003" in ISSUE_CODES
    result = run("close", two_years, example2[1], "--year", "2025-26", "--out", tmp_path / "o2")
    assert result.exit_code == 0
    assert "PL-CLS-003" not in result.output
    header_only = write_csv(tmp_path / "l.csv", [list(ENTRY_FIELDS)])
    result = run("close", example2[0], header_only, "--out", tmp_path / "o3")
    assert result.exit_code == 0
    assert "PL-CLS-003" in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["close", "--year", "2025-27"],
        ["close", "--year", "2024-25"],
        ["report", "quarterly", "--quarter", "5"],
        ["balances", "--month", "7"],
        ["close", "--ruling", "=REFUND"],
    ],
)
def test_bad_options_are_usage_errors(example2: tuple[Path, Path], args: list[str]) -> None:
    command, options = (args[:2], args[2:]) if args[0] == "report" else (args[:1], args[1:])
    result = run(*command, *example2, *options)
    assert result.exit_code == 2, result.output
