"""Ledger CSV import: the documented layout, every kind of bad row, column maps."""

from __future__ import annotations

import csv
import gc
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import Issue, IssueError, Severity, has_errors
from pooledledger.core.money import pence_to_decimal, to_pence
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.csv_files import (
    ENTRY_FIELDS,
    ColumnMap,
    count_csv_rows,
    load_column_map,
    load_ledger_csv,
    read_ledger_csv,
)
from pooledledger.io.ledger_files import load_ledger
from pooledledger.io.sources import count_rows, load_ledger_source, read_ledger_source
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry, Expenditure, Income, Reversal

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"
DATA = Path(__file__).resolve().parent / "data"
PAIRS = [
    ("example1_la_two_pcts.toml", "example1_ledger.toml"),
    ("example2_bcf.toml", "example2_ledger.toml"),
]
_ENTRY: TypeAdapter[Entry] = TypeAdapter(Entry)


def cell_text(value: Any) -> str:
    """How a ledger CSV writes one entry value."""
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if hasattr(value, "currency"):
        return str(pence_to_decimal(to_pence(value)))
    return str(value)


def entry_rows(ledger: Ledger) -> list[list[str]]:
    """The header and one row per entry, in the documented layout."""
    rows = [list(ENTRY_FIELDS)]
    for e in ledger.entries:
        data = e.model_dump()
        rows.append([cell_text(data.get(f)) for f in ENTRY_FIELDS])
    return rows


def write_csv(path: Path, rows: Sequence[Sequence[str]], *, bom: bool = False) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8"))
    return path


def example(agreement_file: str, ledger_file: str) -> tuple[Agreement, Ledger]:
    agreement = load_agreement(EXAMPLES / agreement_file)
    return agreement, load_ledger(agreement, EXAMPLES / ledger_file)


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    return load_agreement(EXAMPLES / "example2_bcf.toml")


# -- the examples round trip ---------------------------------------------------------


@pytest.mark.parametrize(("agreement_file", "ledger_file"), PAIRS, ids=["example1", "example2"])
@pytest.mark.parametrize("bom", [False, True], ids=["utf8", "bom"])
def test_examples_import_equal_to_toml(
    tmp_path: Path, agreement_file: str, ledger_file: str, bom: bool
) -> None:
    agreement, expected = example(agreement_file, ledger_file)
    path = write_csv(tmp_path / "ledger.csv", entry_rows(expected), bom=bom)
    ledger, issues = read_ledger_csv(agreement, path)
    assert issues == []
    assert ledger == expected
    assert ledger is not None
    # constructed entries are exactly what validation would give
    for e in ledger.entries:
        assert _ENTRY.validate_python(e.model_dump()) == e
        assert repr(_ENTRY.validate_python(e.model_dump())) == repr(e)
    assert load_ledger_csv(agreement, path) == expected
    assert load_ledger_source(agreement, path) == expected


def test_sources_dispatch_on_suffix(tmp_path: Path, bcf: Agreement) -> None:
    expected = load_ledger(bcf, EXAMPLES / "example2_ledger.toml")
    assert load_ledger_source(bcf, EXAMPLES / "example2_ledger.toml") == expected
    path = write_csv(tmp_path / "l.CSV", entry_rows(expected))
    assert load_ledger_source(bcf, path) == expected
    ledger, issues = read_ledger_source(bcf, tmp_path / "l.ods")
    assert ledger is None
    assert [i.code for i in issues] == ["PL-CSV-001"]
    assert count_rows(path) == len(expected) == count_csv_rows(path)


def test_order_of_rows_does_not_matter_and_blank_lines_are_skipped(
    tmp_path: Path, bcf: Agreement
) -> None:
    expected = load_ledger(bcf, EXAMPLES / "example2_ledger.toml")
    header, *rows = entry_rows(expected)
    rows.reverse()
    path = write_csv(tmp_path / "l.csv", [header, rows[0], [], *rows[1:], []])
    assert load_ledger_csv(bcf, path) == expected


def test_progress_is_called_with_running_counts(tmp_path: Path, bcf: Agreement) -> None:
    header = ["entry", "id", "scheme", "date", "net"]
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00"] for n in range(25_001)]
    path = write_csv(tmp_path / "l.csv", [header, *rows])
    seen: list[int] = []
    ledger, _ = read_ledger_csv(bcf, path, progress=seen.append)
    assert ledger is not None
    assert len(ledger) == 25_001
    assert seen == [10_000, 20_000, 25_001]
    assert gc.isenabled()  # the reader pauses the collector and restores it
    assert count_csv_rows(path) == 25_001


# -- every kind of bad row -------------------------------------------------------------

BAD_HEADER = [
    "entry",
    "id",
    "scheme",
    "partner",
    "date",
    "net",
    "vat",
    "vat_recoverable",
    "amount",
    "kind",
    "year",
    "effective_date",
    "approval_ref",
    "due_date",
    "capital",
    "reverses",
    "reason",
]


def _row(**cells: str) -> list[str]:
    return [cells.get(h, "") for h in BAD_HEADER]


def _exp(id: str, **more: str) -> list[str]:
    base = {"entry": "expenditure", "id": id, "scheme": "S3", "date": "2025-06-30", "net": "100.00"}
    return _row(**{**base, **more})


_CONTRIB = {
    "entry": "contribution",
    "partner": "ICB",
    "scheme": "S3",
    "year": "2025-26",
    "amount": "1000.00",
    "effective_date": "01/10/2025",
    "approval_ref": "HWB-2025-10",
}

# (row, expected code, expected column or None); raw strings are written as they are
BAD_ROWS: list[tuple[list[str] | str, str, str | None]] = [
    (_exp("E1"), "", None),  # good
    (_exp("E2", date="30/06/2025", net="£1,234.56"), "", None),  # good, UK date and £
    (_row(**{**_CONTRIB, "id": "C1"}), "", None),  # good contribution
    ("expenditure,X1,S3", "PL-CSV-010", None),
    (
        _row(entry="spend", id="X2", scheme="S3", date="2025-06-30", net="1.00"),
        "PL-CSV-011",
        "entry",
    ),
    (_row(id="X3", scheme="S3", date="2025-06-30", net="1.00"), "PL-CSV-012", "entry"),
    (_row(entry="expenditure", id="X4", scheme="S3", date="2025-06-30"), "PL-CSV-013", "net"),
    (_exp("X5", amount="5.00"), "PL-CSV-014", "amount"),
    (_exp("X6", net="12.3.4"), "PL-CSV-015", "net"),
    (_exp("X7", net="10.005"), "PL-CSV-016", "net"),
    (_exp("X8", net="1.5e3"), "PL-CSV-017", "net"),
    (_exp("X9", date="31/02/2025"), "PL-CSV-018", "date"),
    (_exp("X10", date="04/30/2025"), "PL-CSV-019", "date"),
    (_exp("X11", capital="maybe"), "PL-CSV-020", "capital"),
    (_row(**{**_CONTRIB, "id": "X12", "year": "2025"}), "PL-CSV-021", "year"),
    (_exp("X 13"), "PL-CSV-022", "id"),
    (_row(**{**_CONTRIB, "id": "X14", "kind": "BONUS"}), "PL-CSV-023", "kind"),
    (_exp("E1", net="200.00"), "PL-CSV-024", "id"),
    (_exp("E1"), "PL-CSV-025", "id"),  # an exact repeat: a warning
    (
        _row(entry="reversal", id="R1", reverses="NOPE", date="2025-07-01", reason="typo"),
        "PL-CSV-026",
        "reverses",
    ),
    (
        _row(entry="reversal", id="R2", reverses="C1", date="2025-11-01", reason="typo"),
        "PL-CSV-027",
        "reverses",
    ),
    (
        _row(entry="reversal", id="R3", reverses="E1", date="2025-06-01", reason="typo"),
        "PL-CSV-028",
        "date",
    ),
    (_row(entry="reversal", id="R4", reverses="E2", date="2025-07-01", reason="dup"), "", None),
    (
        _row(entry="reversal", id="R5", reverses="E2", date="2025-07-02", reason="dup"),
        "PL-CSV-029",
        "reverses",
    ),
    (_exp("X15", vat="20.00", vat_recoverable="30.00"), "PL-CSV-030", "vat_recoverable"),
    (_exp("X16", net="$12.00"), "PL-CSV-031", "net"),
    (_exp("X17", net="#N/A"), "PL-CSV-032", "net"),
    (_exp("X18", date="2025-06-31"), "PL-CSV-018", "date"),
    (_exp("X19", date="30-06-25"), "PL-CSV-019", "date"),
    (_exp("X20", scheme="S 3"), "PL-CSV-022", "scheme"),
    (
        _row(entry="instalment", id="X21", partner="ICB", scheme="S3", year="2025-26", amount="1"),
        "PL-CSV-013",
        "due_date",
    ),
    (_exp("X22", net="nan"), "PL-CSV-017", "net"),
]


def _write_bad(path: Path) -> dict[int, tuple[str, str | None]]:
    """Write BAD_ROWS after BAD_HEADER; return line -> (code, column) for bad rows."""
    lines = [",".join(BAD_HEADER)]
    expected: dict[int, tuple[str, str | None]] = {}
    for row, code, column in BAD_ROWS:
        if isinstance(row, str):
            lines.append(row)
        else:
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow(row)
            lines.append(buf.getvalue())
        if code:
            expected[len(lines)] = (code, column)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return expected


def test_every_bad_row_is_reported_with_line_column_and_code(
    tmp_path: Path, bcf: Agreement
) -> None:
    path = tmp_path / "bad.csv"
    expected = _write_bad(path)
    ledger, issues = read_ledger_csv(bcf, path)
    assert ledger is None
    got = {i.location.row: (i.code, i.location.column) for i in issues}
    assert len(got) == len(issues), [str(i) for i in issues]  # one issue per bad row
    assert got == expected
    assert all(i.location.file == str(path) for i in issues)
    codes = {code for code, _ in expected.values()}
    errors = {i.code for i in issues if i.severity is Severity.ERROR}
    assert len(errors) >= 20
    assert codes - errors == {"PL-CSV-025"}
    assert [i.severity for i in issues if i.code == "PL-CSV-025"] == [Severity.WARNING]
    with pytest.raises(IssueError) as caught:
        load_ledger_csv(bcf, path)
    assert len(caught.value.issues) == len(issues)


def test_entry_checks_still_run_on_good_rows_when_others_are_bad(
    tmp_path: Path, bcf: Agreement
) -> None:
    """Nothing is imported, but an unknown scheme is reported beside a bad amount."""
    path = write_csv(
        tmp_path / "l.csv",
        [
            ["entry", "id", "scheme", "date", "net"],
            ["expenditure", "E1", "S3", "2025-05-01", "12.345"],
            ["expenditure", "E2", "S9", "2025-05-02", "100.00"],
            ["expenditure", "E3", "S3", "2025-05-03", "100.00"],
        ],
    )
    ledger, issues = read_ledger_csv(bcf, path)
    assert ledger is None
    assert [(i.code, i.location.row, i.location.entry_id) for i in issues] == [
        ("PL-CSV-016", 2, "E1"),
        ("PL-LED-001", 3, "E2"),
    ]


def test_a_row_with_several_bad_cells_reports_each(tmp_path: Path, bcf: Agreement) -> None:
    path = write_csv(
        tmp_path / "l.csv",
        [["entry", "id", "scheme", "date", "net"], ["expenditure", "E1", "S3", "32/13/2025", "x"]],
    )
    _, issues = read_ledger_csv(bcf, path)
    assert [(i.code, i.location.row, i.location.column) for i in issues] == [
        ("PL-CSV-018", 2, "date"),
        ("PL-CSV-015", 2, "net"),
    ]
    assert issues[0].location.entry_id == "E1"


def test_line_numbers_are_physical_lines(tmp_path: Path, bcf: Agreement) -> None:
    text = (
        "entry,id,scheme,date,net,description\n"
        'expenditure,E1,S3,2025-06-30,1.00,"two\nlines"\n'
        "\n"
        "expenditure,E2,S3,2025-06-30,oops,\n"
    )
    path = tmp_path / "l.csv"
    path.write_text(text, encoding="utf-8")
    _, issues = read_ledger_csv(bcf, path)
    assert [(i.code, i.location.row) for i in issues] == [("PL-CSV-015", 5)]


# -- file and header problems ----------------------------------------------------------


def _csv(issues: list[Issue]) -> list[Issue]:
    """Only the CSV reader's issues (not the ledger checks' warnings)."""
    return [i for i in issues if i.code.startswith("PL-CSV")]


def _codes(bcf: Agreement, path: Path, **kw: Any) -> list[tuple[str, int | None, str | None]]:
    _, issues = read_ledger_csv(bcf, path, **kw)
    return [(i.code, i.location.row, i.location.column) for i in issues]


def test_file_problems(tmp_path: Path, bcf: Agreement) -> None:
    assert _codes(bcf, tmp_path / "missing.csv") == [("PL-CSV-001", None, None)]
    latin = tmp_path / "latin.csv"
    latin.write_bytes(
        b"entry,id,scheme,date,net,supplier\nexpenditure,E1,S3,2025-06-30,1,Caf\xe9\n"
    )
    assert _codes(bcf, latin) == [("PL-CSV-002", 2, None)]
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert _codes(bcf, empty) == [("PL-CSV-003", 1, None)]
    blank = tmp_path / "blank.csv"
    blank.write_text(",,\nexpenditure,E1,S3\n", encoding="utf-8")
    assert _codes(bcf, blank) == [("PL-CSV-003", 1, None)]
    quote = tmp_path / "quote.csv"
    quote.write_text('entry,id,scheme,date,net\nexpenditure,E1,S3,2025-06-30,"1.00\n', "utf-8")
    assert [c for c, _, _ in _codes(bcf, quote)] == ["PL-CSV-007"]


def test_header_problems(tmp_path: Path, bcf: Agreement) -> None:
    dup = write_csv(tmp_path / "dup.csv", [["entry", "id", "ID", "net"]])
    assert _codes(bcf, dup) == [("PL-CSV-004", 1, "ID")]
    no_id = write_csv(tmp_path / "noid.csv", [["entry", "scheme", "net"]])
    assert _codes(bcf, no_id) == [("PL-CSV-005", 1, "id")]
    no_entry = write_csv(tmp_path / "noentry.csv", [["id", "scheme", "net"]])
    assert _codes(bcf, no_entry) == [("PL-CSV-005", 1, "entry")]
    # a column a row needs, missing: reported once, at the first row needing it
    no_date = write_csv(
        tmp_path / "nodate.csv",
        [
            ["entry", "id", "scheme", "net"],
            *[["expenditure", f"E{n}", "S3", "1"] for n in range(3)],
        ],
    )
    assert _codes(bcf, no_date) == [("PL-CSV-005", 2, "date")]


def test_unknown_and_blank_columns(tmp_path: Path, bcf: Agreement) -> None:
    path = write_csv(
        tmp_path / "l.csv",
        [
            ["entry", "id", "scheme", "date", "net", "cost centre", ""],
            ["expenditure", "E1", "S3", "2025-06-30", "1.00", "CC1", ""],
        ],
    )
    ledger, issues = read_ledger_csv(bcf, path)
    assert ledger is not None
    assert [(i.code, i.severity, i.location.column) for i in _csv(issues)] == [
        ("PL-CSV-006", Severity.WARNING, "cost centre")
    ]
    ignored = read_ledger_csv(bcf, path, column_map=ColumnMap(ignore=("Cost Centre",)))
    assert _csv(ignored[1]) == []
    path = write_csv(
        tmp_path / "l2.csv",
        [
            ["entry", "id", "", "scheme", "date", "net"],
            ["expenditure", "E1", "", "S3", "2025-06-30", "1.00"],
            ["expenditure", "E2", "stray", "S3", "2025-06-30", "1.00"],
            ["expenditure", "E3", "stray", "S3", "2025-06-30", "1.00"],
        ],
    )
    assert _codes(bcf, path) == [("PL-CSV-009", 3, "#3")]
    # trailing blank header cells (a spreadsheet's used range) are dropped
    path = write_csv(
        tmp_path / "l3.csv",
        [
            ["entry", "id", "scheme", "date", "net", "", ""],
            ["expenditure", "E1", "S3", "2025-06-30", "1.00", "", ""],
            ["expenditure", "E2", "S3", "2025-06-30", "1.00", "", "stray"],
        ],
    )
    assert _codes(bcf, path) == [("PL-CSV-010", 3, None)]


def test_ledger_checks_are_mapped_to_lines(tmp_path: Path, bcf: Agreement) -> None:
    path = write_csv(
        tmp_path / "l.csv",
        [
            ["entry", "id", "scheme", "date", "net"],
            ["expenditure", "E1", "S3", "2025-06-30", "1.00"],
            ["expenditure", "E2", "S9", "2025-06-30", "1.00"],
        ],
    )
    ledger, issues = read_ledger_csv(bcf, path)
    assert ledger is None
    bad = [i for i in issues if i.code == "PL-LED-001"]
    assert [(i.location.file, i.location.row, i.location.entry_id) for i in bad] == [
        (str(path), 3, "E2")
    ]


def test_amount_forms(tmp_path: Path, bcf: Agreement) -> None:
    forms = {
        "1,234.56": 123456,
        "£1,234.56": 123456,
        "(12.50)": -1250,
        "(£12.50)": -1250,
        "-£5": -500,
        "-0.5": -50,
        "7": 700,
        "1.500": 150,
        " 3.00 ": 300,
    }
    rows = [["entry", "id", "scheme", "date", "net"]]
    rows += [["expenditure", f"E{n}", "S3", "2025-06-30", t] for n, t in enumerate(forms)]
    ledger = load_ledger_csv(bcf, write_csv(tmp_path / "l.csv", rows))
    got = {e.id: e.net_pence for e in ledger.entries if isinstance(e, Expenditure)}
    assert got == {f"E{n}": p for n, p in enumerate(forms.values())}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1,23", "PL-CSV-015"),
        ("1.234,56", "PL-CSV-015"),
        ("12.345", "PL-CSV-016"),
        ("1E3", "PL-CSV-017"),
        ("inf", "PL-CSV-017"),
        ("€5", "PL-CSV-031"),
        ("5 EUR", "PL-CSV-031"),
        ("(-5)", "PL-CSV-015"),
        ("#REF!", "PL-CSV-032"),
    ],
)
def test_bad_amounts(tmp_path: Path, bcf: Agreement, text: str, code: str) -> None:
    rows = [
        ["entry", "id", "scheme", "date", "net"],
        ["expenditure", "E1", "S3", "2025-06-30", text],
    ]
    assert _codes(bcf, write_csv(tmp_path / "l.csv", rows)) == [(code, 2, "net")]


def test_booleans_and_text_from_spreadsheet_safe_exports(tmp_path: Path, bcf: Agreement) -> None:
    rows = [["entry", "id", "scheme", "date", "net", "capital", "procuring_partner", "description"]]
    for n, flag in enumerate(["yes", "No", "TRUE", "false", "1", "0", "y", "N", ""]):
        rows.append(["expenditure", f"E{n}", "S3", "2025-06-30", "1", flag, "COUNCIL", "'=x"])
    ledger = load_ledger_csv(bcf, write_csv(tmp_path / "l.csv", rows))
    got = {e.id: e.capital for e in ledger.entries if isinstance(e, Expenditure)}
    assert [got[f"E{n}"] for n in range(9)] == [
        True,
        False,
        True,
        False,
        True,
        False,
        True,
        False,
        False,
    ]
    assert {e.description for e in ledger.entries if isinstance(e, Expenditure)} == {"=x"}


# -- column maps -----------------------------------------------------------------------

FINANCE_EXPORT = DATA / "finance_export.csv"
FINANCE_MAP = DATA / "finance_export_map.toml"


def test_finance_system_export_with_a_column_map(bcf: Agreement) -> None:
    cmap = load_column_map(FINANCE_MAP)
    assert cmap.fixed == {"entry": "expenditure"}
    ledger, issues = read_ledger_csv(bcf, FINANCE_EXPORT, column_map=cmap)
    assert [(i.code, i.location.column) for i in _csv(issues)] == [("PL-CSV-006", "Cost Centre")]
    assert not has_errors(issues)
    assert ledger is not None
    lines = {e.id: e for e in ledger.entries if isinstance(e, Expenditure)}
    assert {k: (v.net_pence, v.vat_pence, v.date.isoformat()) for k, v in lines.items()} == {
        "AP-100231": (123456, 24691, "2025-04-30"),
        "AP-100232": (-1250, 0, "2025-05-01"),
        "AP-100233": (50000000, 0, "2025-12-31"),
    }
    assert lines["AP-100231"].supplier == "Acme Care Ltd"
    assert lines["AP-100232"].description == "Credit note"
    # the same map as JSON
    json_map = FINANCE_MAP.with_suffix(".json")
    assert load_column_map(json_map) == cmap
    assert read_ledger_source(bcf, FINANCE_EXPORT, column_map=json_map)[0] == ledger


def test_column_map_fixed_and_date_format(tmp_path: Path, bcf: Agreement) -> None:
    path = tmp_path / "l.csv"
    path.write_text("Ref,Scheme,When,Amount\nCH1,S3,30-Apr-2025,10.00\n", encoding="utf-8")
    cmap = ColumnMap(
        columns={"id": "Ref", "scheme": "Scheme", "date": "When", "amount": "Amount"},
        fixed={"entry": "income", "source": "client charges", "net": "1.00"},
        date_format="%d-%b-%Y",
    )
    ledger = load_ledger_csv(bcf, path, column_map=cmap)
    (line,) = ledger.entries
    assert isinstance(line, Income)
    assert (line.pence, line.date.isoformat(), line.source) == (
        1000,
        "2025-04-30",
        "client charges",
    )
    # a date in another form is refused, an impossible one too
    path.write_text("Ref,Scheme,When,Amount\nCH1,S3,30/04/2025,1\nCH2,S3,31-Feb-2025,1\n", "utf-8")
    assert _codes(bcf, path, column_map=cmap) == [
        ("PL-CSV-019", 2, "When"),
        ("PL-CSV-018", 3, "When"),
    ]


def test_a_mapped_column_that_is_missing(tmp_path: Path, bcf: Agreement) -> None:
    path = write_csv(tmp_path / "l.csv", [["entry", "id", "scheme", "date", "net"]])
    cmap = ColumnMap(columns={"supplier": "Supplier Name"})
    assert _codes(bcf, path, column_map=cmap) == [("PL-CSV-005", 1, "Supplier Name")]


def test_a_bad_fixed_value_is_reported_once(tmp_path: Path, bcf: Agreement) -> None:
    rows = [["id", "scheme", "date", "net"], ["E1", "S3", "2025-06-30", "1"]]
    cmap = ColumnMap(fixed={"entry": "spending"})
    assert _codes(bcf, write_csv(tmp_path / "l.csv", rows), column_map=cmap) == [
        ("PL-CSV-011", None, None)
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"columns": {"invoice": "Invoice No"}},
        {"fixed": {"entry": "expenditure"}, "columns": {"entry": "Type"}},
        {"date_format": "%m/%d/%Y"},
        {"date_format": "%d/%m/%y"},
        {"colums": {}},
    ],
)
def test_bad_column_maps(tmp_path: Path, data: dict[str, Any]) -> None:
    path = tmp_path / "map.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(IssueError) as caught:
        load_column_map(path)
    assert [i.code for i in caught.value.issues] == ["PL-CSV-008"]
    assert read_ledger_source(
        load_agreement(EXAMPLES / "example2_bcf.toml"), "x.csv", column_map=path
    )[1][0].code == ("PL-CSV-008")


def test_reversal_rows(tmp_path: Path, bcf: Agreement) -> None:
    rows = [
        ["entry", "id", "scheme", "date", "net", "reverses", "reason"],
        ["expenditure", "E1", "S3", "2025-06-30", "10.00", "", ""],
        ["reversal", "R1", "", "2025-07-01", "", "E1", "keyed twice"],
    ]
    ledger = load_ledger_csv(bcf, write_csv(tmp_path / "l.csv", rows))
    assert isinstance(ledger.get("R1"), Reversal)
    assert ledger.totals().expenditure == 0
