"""A finance system's own export, read with a column map and no pre-processing.

The export (tests/gl_export.py) has a header block, its own column names,
transaction-type codes, Debit and Credit columns, £ signs, bracketed credit notes,
DD/MM/YYYY dates and cells filled on rows whose kind does not use them.  Read with
tests/data/gl_export_map.toml, it closes exactly as the documented layout does.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gl_export import MAP, gl_export_rows, write_csv, write_xlsx
from pooledledger import FinancialYear, close_year
from pooledledger.core.errors import Severity
from pooledledger.io import load_agreement, load_column_map, load_ledger, read_ledger
from pooledledger.io.csv_files import ColumnMap, read_ledger_csv

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"
PAIRS = [
    ("example1_la_two_pcts.toml", "example1_ledger.toml", FinancialYear(2007)),
    ("example2_bcf.toml", "example2_ledger.toml", FinancialYear(2025)),
]


@pytest.mark.parametrize(("agreement_file", "ledger_file", "year"), PAIRS, ids=["ex1", "ex2"])
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_gl_export_closes_as_the_documented_layout(
    tmp_path: Path, agreement_file: str, ledger_file: str, year: FinancialYear, suffix: str
) -> None:
    agreement = load_agreement(EXAMPLES / agreement_file)
    documented = load_ledger(agreement, EXAMPLES / ledger_file)
    rows = gl_export_rows(documented)
    write = write_csv if suffix == ".csv" else write_xlsx
    path = write(tmp_path / f"gl_export{suffix}", rows)
    ledger, issues = read_ledger(agreement, path, columns=MAP)
    assert ledger is not None, [str(i) for i in issues]
    assert not [i for i in issues if i.severity is Severity.ERROR]
    assert close_year(agreement, ledger, year) == close_year(agreement, documented, year)
    # cells a row's kind does not use: one warning per column and kind, not per row
    ignored = [i for i in issues if i.code == "PL-CSV-039"]
    assert ignored
    assert len(ignored) == len({(i.location.column, i.message.split()[1]) for i in ignored})
    assert len(ignored) < 20 < len(rows)
    narrative = next(i for i in ignored if i.location.column == "Narrative")
    assert "instalment row(s)" in narrative.message
    # the accrual journal is skipped, with one info issue
    skipped = [i for i in issues if i.code == "PL-CSV-040"]
    assert len(skipped) == 1
    assert skipped[0].severity is Severity.INFO
    # load_ledger reads it too, and takes a ColumnMap as well as a file
    assert load_ledger(agreement, path, columns=load_column_map(MAP)) == ledger


def test_documented_layout_still_reads_with_load_ledger(tmp_path: Path) -> None:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    for name in ("example2_ledger.toml",):
        assert load_ledger(agreement, EXAMPLES / name) == load_ledger(
            agreement, str(EXAMPLES / name)
        )


def _read(tmp_path: Path, text: str, cmap: ColumnMap) -> tuple[object, list[str]]:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    path = tmp_path / "x.csv"
    path.write_text(text, encoding="utf-8")
    ledger, issues = read_ledger_csv(agreement, path, column_map=cmap)
    shown = [i for i in issues if i.code.startswith("PL-CSV")]  # not the ledger checks
    return ledger, [f"{i.code} {i.location.row} {i.location.column}" for i in shown]


SIDES = ColumnMap(
    columns={"id": "Ref", "entry": "Type", "scheme": "CC", "date": "Date"},
    values={"entry": {"AP INV": "expenditure", "AR INV": "income"}},
    amounts={"debit": "Dr", "credit": "Cr"},
)


def test_debit_and_credit_columns_give_signed_amounts(tmp_path: Path) -> None:
    text = (
        "Ref,Type,CC,Date,Dr,Cr\n"
        "A1,AP INV,S3,30/04/2025,£10.00,\n"
        "A2,ap inv,S3,30/04/2025,,£2.50\n"
        "A3,AP INV,S3,30/04/2025,(£1.00),0.00\n"
        "R1,AR INV,S3,30/04/2025,,£5.00\n"
        "R2,AR INV,S3,30/04/2025,£1.00,\n"
    )
    ledger, issues = _read(tmp_path, text, SIDES)
    assert issues == []
    assert ledger is not None
    got = {e.id: e for e in ledger.entries}  # type: ignore[attr-defined]
    assert [str(got[k].net.amount) for k in ("A1", "A2", "A3")] == ["10.00", "-2.50", "-1.00"]
    assert [str(got[k].amount.amount) for k in ("R1", "R2")] == ["5.00", "-1.00"]


def test_both_sides_or_neither_is_an_error(tmp_path: Path) -> None:
    text = (
        "Ref,Type,CC,Date,Dr,Cr\nA1,AP INV,S3,30/04/2025,£10.00,£1.00\nA2,AP INV,S3,30/04/2025,,\n"
    )
    ledger, issues = _read(tmp_path, text, SIDES)
    assert ledger is None
    assert issues == ["PL-CSV-037 2 Dr", "PL-CSV-013 3 Dr"]


def test_indicator_column_signs_every_amount(tmp_path: Path) -> None:
    cmap = ColumnMap(
        columns={"id": "Ref", "scheme": "CC", "date": "Date", "net": "Value", "vat": "Tax"},
        fixed={"entry": "expenditure"},
        amounts={"indicator": "D/C"},
    )
    text = (
        "Ref,CC,Date,Value,Tax,D/C\nA1,S3,30/04/2025,10.00,2.00,D\nA2,S3,30/04/2025,4.00,0.80,cr\n"
    )
    text += "A3,S3,30/04/2025,1.00,,X\n"
    ledger, issues = _read(tmp_path, text, cmap)
    assert issues == ["PL-CSV-038 4 D/C"]
    cmap = cmap.model_copy(update={"amounts": cmap.amounts})
    ledger, issues = _read(tmp_path, text.rsplit("A3", 1)[0], cmap)
    assert ledger is not None
    got = {e.id: e for e in ledger.entries}  # type: ignore[attr-defined]
    assert (str(got["A2"].net.amount), str(got["A2"].vat.amount)) == ("-4.00", "-0.80")
    assert (str(got["A1"].net.amount), str(got["A1"].vat.amount)) == ("10.00", "2.00")


def test_an_amount_a_kind_does_not_use_is_still_an_error(tmp_path: Path) -> None:
    """A non-zero amount in a column the row's kind does not use would change the figures."""
    cmap = ColumnMap(columns={"id": "Ref", "entry": "Type", "scheme": "CC", "date": "Date"})
    text = "Ref,Type,CC,Date,net,amount,vat\n"
    text += "I1,income,S3,30/04/2025,,5.00,0.00\n"  # a zero VAT: ignored (a warning)
    text += "I2,income,S3,30/04/2025,,5.00,1.00\n"  # VAT on income: an error
    ledger, issues = _read(tmp_path, text, cmap)
    assert ledger is None
    assert issues == ["PL-CSV-039 2 vat", "PL-CSV-014 3 vat"]


def test_header_row_skips_a_title_block(tmp_path: Path) -> None:
    cmap = ColumnMap(header_row=3, fixed={"entry": "expenditure"})
    text = "GL report,,,\nrun 01/04/2026,,,\nid,scheme,date,net\nA1,S3,30/04/2025,1.00\n"
    ledger, issues = _read(tmp_path, text, cmap)
    assert issues == []
    assert ledger is not None
    _, issues = _read(tmp_path, "title\n", cmap)
    assert issues == ["PL-CSV-003 2 None"]


def test_unknown_type_code_says_how_to_map_it(tmp_path: Path) -> None:
    text = "Ref,Type,CC,Date,Dr,Cr\nA1,AP XYZ,S3,30/04/2025,£10.00,\n"
    _, issues = _read(tmp_path, text, SIDES)
    assert issues == ["PL-CSV-011 2 Type"]


def test_bad_value_maps_are_refused() -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match=r"values\.entry maps to 'spend'"):
        ColumnMap(values={"entry": {"AP": "spend"}})
    with pytest.raises(ValidationError, match="either debit and credit"):
        ColumnMap(amounts={"debit": "Dr", "credit": "Cr", "indicator": "X"})
    with pytest.raises(ValidationError, match="do not map them too"):
        ColumnMap(columns={"net": "Net"}, amounts={"debit": "Dr", "credit": "Cr"})


amounts = st.integers(-(10**12), 10**12).filter(lambda p: p != 0)


@settings(max_examples=100)
@given(
    lines=st.lists(
        st.tuples(st.sampled_from(["expenditure", "income"]), amounts, st.booleans()),
        min_size=1,
        max_size=8,
    ),
    indicator=st.booleans(),
)
def test_debit_credit_layouts_give_back_the_signed_amounts(
    lines: list[tuple[str, int, bool]], indicator: bool
) -> None:
    """Any signed amount, written on either side (with a bracket when the side is the
    other one), or with an indicator, reads back as the same signed pence."""
    import tempfile

    from pooledledger.core.money import to_pence

    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    header = "Ref,Type,CC,Date," + ("Value,DC" if indicator else "Dr,Cr")
    rows = [header]
    for n, (kind, pence, other_side) in enumerate(lines):
        code = "AP INV" if kind == "expenditure" else "AR INV"
        positive_side = "debit" if kind == "expenditure" else "credit"
        # write the amount on its natural side, or on the other side with the sign flipped
        side = (
            positive_side if not other_side else ("credit" if positive_side == "debit" else "debit")
        )
        shown = pence if side == positive_side else -pence
        text = f"£{abs(shown) // 100:,}.{abs(shown) % 100:02d}"
        cell = f"({text})" if shown < 0 else text
        if indicator:
            tail = f'"{cell}",{"DR" if side == "debit" else "CR"}'
        else:
            tail = f'"{cell}",' if side == "debit" else f',"{cell}"'
        rows.append(f"L{n},{code},S3,30/04/2025,{tail}")
    cmap = ColumnMap(
        columns={"id": "Ref", "entry": "Type", "scheme": "CC", "date": "Date"}
        | ({"net": "Value", "amount": "Value"} if indicator else {}),
        values={"entry": {"AP INV": "expenditure", "AR INV": "income"}},
        amounts={"indicator": "DC"} if indicator else {"debit": "Dr", "credit": "Cr"},
    )
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        ledger, issues = read_ledger_csv(agreement, path, column_map=cmap)
    assert ledger is not None, [str(i) for i in issues]
    got = {e.id: e for e in ledger.entries}
    for n, (kind, pence, _) in enumerate(lines):
        e = got[f"L{n}"]
        assert to_pence(e.net if kind == "expenditure" else e.amount) == pence  # type: ignore[union-attr]


def test_cli_reads_the_export_with_its_map(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pooledledger.cli import main

    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    documented = load_ledger(agreement, EXAMPLES / "example2_ledger.toml")
    path = write_csv(tmp_path / "gl_export.csv", gl_export_rows(documented))
    bcf = str(EXAMPLES / "example2_bcf.toml")
    run = CliRunner().invoke(main, ["check", bcf, str(path), "--columns", str(MAP)])
    assert run.exit_code == 0, run.output
    assert "no errors found" in run.output
    assert "PL-CSV-040 info" in run.output
    out = tmp_path / "out"
    run = CliRunner().invoke(
        main,
        ["close", bcf, str(path), "--columns", str(MAP), "--out", str(out), "--format", "json"],
    )
    assert run.exit_code == 0, run.output


def test_the_rows_side_signs_its_vat(tmp_path: Path) -> None:
    cmap = SIDES.model_copy(update={"columns": {**SIDES.columns, "vat": "Tax"}})
    text = "Ref,Type,CC,Date,Dr,Cr,Tax\nA1,AP INV,S3,30/04/2025,£10.00,,2.00\n"
    text += "A2,AP INV,S3,30/04/2025,,£10.00,2.00\n"
    ledger, issues = _read(tmp_path, text, cmap)
    assert issues == []
    assert ledger is not None
    got = {e.id: e for e in ledger.entries}  # type: ignore[attr-defined]
    assert (str(got["A1"].net.amount), str(got["A1"].vat.amount)) == ("10.00", "2.00")
    assert (str(got["A2"].net.amount), str(got["A2"].vat.amount)) == ("-10.00", "-2.00")
