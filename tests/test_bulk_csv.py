"""The bulk CSV reader gives exactly what the row parser gives (io/bulk_rows.py).

:func:`~pooledledger.io.csv_files.read_ledger_csv` reads a file's clean rows in bulk,
column by column, and hands every other row to the row parser.  These tests read
generated ledger CSV files both ways (``bulk=False`` is the row parser alone, the
reference) and check the results are the same: equal entries in the same order,
with the same field types and the same fields set; the same issues (code,
severity, message, file, line, column, field, entry), in the same order; the same
``progress`` calls.  The files mix good rows with bad dates and amounts, unknown
schemes, blanks, extra and missing cells, odd spacing, both date layouts, bracket
negatives, ``£`` and thousands separators, repeated ids, reversals, quoted line
breaks and blank rows, under the documented layout and under column maps.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pooledledger.core.errors import Issue
from pooledledger.core.money import pence_to_decimal, to_pence
from pooledledger.io import csv_files
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.csv_files import ENTRY_FIELDS, ColumnMap, _read_ledger_csv
from pooledledger.io.ledger_files import load_ledger
from pooledledger.model.agreement import Agreement

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"
AGREEMENT: Agreement = load_agreement(EXAMPLES / "example2_bcf.toml")


def _cell(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if hasattr(value, "currency"):
        return str(pence_to_decimal(to_pence(value)))
    return str(value)


def _example_rows() -> list[dict[str, str]]:
    ledger = load_ledger(AGREEMENT, EXAMPLES / "example2_ledger.toml")
    rows = []
    for entry in ledger.entries:
        data = entry.model_dump()
        rows.append({f: _cell(data.get(f)) for f in ENTRY_FIELDS})
    return rows


EXAMPLE_ROWS = _example_rows()

# -- cells: good ones in every accepted form, and bad ones --------------------------

AMOUNTS = [
    "1234.56", "1,234.56", "£1,234.56", "-12.50", "(12.50)", "(£12.50)", "-£12.50",
    "7", "1.500", "0", "0.00", "£0.00", "-0", "(0.00)", "12.5", "0001.50", "1,000,000.05",
    "9999999999999.99", "-9999999999999.99", "10000000000000.00", "99999999999999999999999",
    "10.005", "1.5e3", "nan", "$12", "5 EUR", "١٢٣", "５", "1,23", "1.234,56", "(-5)",
    "-(5)", "+5", "£-5", " 12.50 ", "( 12.50 )", "12.", ".5", "#N/A", "'12", "abc", "NIL",
    "nil ", "  ", "",
]  # fmt: skip
DATES = [
    "2025-04-30", "30/04/2025", "1/4/2025", "01/04/2025", "2025-04-30 00:00:00",
    "2025-06-30T00:00", " 2025-05-01 ", "04/30/2025", "31/02/2025", "2025-13-01",
    "30-Apr-2025", "30/04/25", "1899-04-01", "2030-01-01", "#REF!", "",
]  # fmt: skip
IDS = ["NEW-1", "NEW-2", "INV-9", "a.b_c-1", "bad id", " PAD-1 ", "-x", "#N/A", "é1", "S3", ""]
LONG = "L" * 32_768  # one character more than a cell may hold
SCHEMES = ["S1", "S2", "S3", "S4", "S5", "RP", "S9", "s1", " S3 ", "", "bad scheme"]
PARTNERS = ["ICB", "COUNCIL", "NOBODY", "icb", ""]
TEXTS = [
    "x", "Various providers", "'=SUM(A1)", "'+1", "#REF!", "#hash", "  padded  ", "  ", "",
    "a\nb", LONG,
]  # fmt: skip
BOOLS = ["yes", "no", "Y", "n", "TRUE", "0", "1", "maybe", ""]
YEARS = ["2025-26", "2025/2026", "2025", "2024-25", "2026-27", ""]
KINDS = ["BASE", "uplift", "risk pool", "VARIATION", "bogus", ""]
ENTRY_KINDS = [
    "expenditure", "EXPENDITURE", " income ", "instalment", "contribution", "reversal",
    "bogus", "", "#N/A",
]  # fmt: skip

VARIANTS: dict[str, list[str]] = {
    "entry": ENTRY_KINDS,
    "id": IDS,
    "scheme": SCHEMES,
    "partner": PARTNERS,
    "procuring_partner": PARTNERS,
    "paid_by": PARTNERS,
    "reverses": ["INV-9", "NEW-1", "NOPE", ""],
    "year": YEARS,
    "kind": KINDS,
    **dict.fromkeys(("net", "vat", "vat_recoverable", "amount"), AMOUNTS),
    **dict.fromkeys(("date", "effective_date", "due_date", "paid_date"), DATES),
    **dict.fromkeys(("capital", "cos_listed", "unauthorised"), BOOLS),
}


@st.composite
def _rows(draw: st.DrawFn) -> list[dict[str, str]]:
    """Data rows: example rows (some changed cell by cell) and generated spending lines."""
    out: list[dict[str, str]] = []
    for _ in range(draw(st.integers(0, 30))):
        choice = draw(st.integers(0, 9))
        if choice < 4:
            row = dict(draw(st.sampled_from(EXAMPLE_ROWS)))
        else:
            row = dict.fromkeys(ENTRY_FIELDS, "")
            n = draw(st.integers(1, 99))
            row.update(
                entry="expenditure",
                id=f"INV-{n}",
                scheme=draw(st.sampled_from(["S1", "S2", "S3", "S4", "S5"])),
                date=draw(st.sampled_from(DATES[:7])),
                net=draw(st.sampled_from(AMOUNTS[:18])),
                category=draw(st.sampled_from(["", "equipment", "adaptation grants"])),
                supplier="Various providers",
            )
            if draw(st.booleans()):
                row["vat"] = draw(st.sampled_from(AMOUNTS[:18]))
            if draw(st.integers(0, 4)) == 0:
                row["vat_recoverable"] = draw(st.sampled_from(AMOUNTS[:18]))
        for _ in range(draw(st.integers(0, 2))):  # cells changed
            name = draw(st.sampled_from(ENTRY_FIELDS))
            row[name] = draw(st.sampled_from(VARIANTS.get(name, TEXTS)))
        if draw(st.integers(0, 12)) == 0:  # a reversal of an earlier line
            earlier = [r["id"] for r in out if r.get("entry") in ("expenditure", "income")]
            if earlier:
                rev = dict.fromkeys(ENTRY_FIELDS, "")
                rev.update(
                    entry="reversal",
                    id=f"REV-{len(out)}",
                    reverses=draw(st.sampled_from(earlier)),
                    date=draw(st.sampled_from(DATES[:7])),
                    reason="duplicate",
                )
                out.append(rev)
        out.append(row)
    return out


@st.composite
def ledger_csv(draw: st.DrawFn) -> tuple[str, ColumnMap | None]:
    """The text of a ledger CSV file, and the column map to read it with (if any)."""
    rows = draw(_rows())
    columns = list(ENTRY_FIELDS)
    if draw(st.booleans()):
        columns = draw(st.permutations(columns))
    if draw(st.integers(0, 3)) == 0:  # a column or two left out
        for _ in range(draw(st.integers(1, 2))):
            columns.remove(draw(st.sampled_from(columns)))
    names = {c: c for c in columns}
    column_map: ColumnMap | None = None
    mapped = draw(st.integers(0, 5))
    if mapped == 1:
        names.update(id="Invoice No", net="Net Amount", date="Posting Date")
        column_map = ColumnMap(
            columns={k: v for k, v in names.items() if k != v and k in columns},
            values={"scheme": {"BCF03": "S3", "BCF01": "S1"}, "net": {"NIL": "0"}},
            date_format=draw(st.sampled_from([None, "%d-%b-%Y"])),
            ignore=("Cost Centre",),
        )
        for row in rows:
            if row.get("scheme") == "S3" and draw(st.booleans()):
                row["scheme"] = "bcf03"
    elif mapped == 2 and "entry" in columns:
        columns.remove("entry")
        column_map = ColumnMap(fixed={"entry": "expenditure", "supplier": "Fixed Ltd"})
        if "supplier" in columns:
            columns.remove("supplier")
    elif mapped == 3 and "entry" in columns:
        column_map = ColumnMap(
            values={"entry": {"AP INV": "expenditure", "JNL": "skip", "AR INV": "income"}},
            header_row=3,
        )
        for row in rows:
            row["entry"] = {"expenditure": "AP INV", "income": "ar inv"}.get(
                row.get("entry", ""), row.get("entry", "")
            )
        rows.insert(0, {"entry": "JNL", "id": "J-1"})
    header = [names[c] for c in columns]
    if draw(st.integers(0, 5)) == 0:
        header.append(draw(st.sampled_from(["Cost Centre", "", "notes"])))
    lines: list[list[str]] = []
    if column_map is not None and column_map.header_row == 3:
        lines += [["General ledger report"], []]
    lines.append(header)
    for row in rows:
        cells = [row.get(c, "") for c in columns]
        cells += [""] * (len(header) - len(columns))
        shape = draw(st.integers(0, 20))
        if shape == 0:
            cells = cells[:-1]  # a cell short
        elif shape == 1:
            cells.append(draw(st.sampled_from(["", "extra"])))
        elif shape == 2:
            lines.append([])  # a blank line
        elif shape == 3 and len(header) > len(columns):
            cells[-1] = "value"
        lines.append(cells)
    out = io.StringIO()
    csv.writer(out).writerows(lines)
    return out.getvalue(), column_map


def _read(
    path: Path, column_map: ColumnMap | None, bulk: bool
) -> tuple[Any, list[Issue], list[int]]:
    calls: list[int] = []
    ledger, issues = _read_ledger_csv(AGREEMENT, path, column_map, calls.append, bulk=bulk)
    return ledger, issues, calls


def assert_same_read(path: Path, column_map: ColumnMap | None = None) -> None:
    """Read ``path`` in bulk and row by row: the same ledger, issues and progress."""
    fast, fast_issues, fast_calls = _read(path, column_map, bulk=True)
    slow, slow_issues, slow_calls = _read(path, column_map, bulk=False)
    assert fast_issues == slow_issues
    assert fast_calls == slow_calls
    assert (fast is None) == (slow is None)
    if fast is None:
        return
    assert fast.entries == slow.entries
    for a, b in zip(fast.entries, slow.entries, strict=True):
        assert type(a) is type(b)
        assert a.model_fields_set == b.model_fields_set
        for name in type(a).model_fields:
            x, y = getattr(a, name), getattr(b, name)
            assert type(x) is type(y), (a.id, name)
            assert repr(x) == repr(y), (a.id, name)  # Decimal places and enum members too
    assert fast.entry_issues == slow.entry_issues


@settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    ledger_csv(),
    st.sampled_from([1, 2, 3, 7, csv_files.BULK_BATCH]),
    st.sampled_from([0, csv_files.STORE_FROM]),
    st.booleans(),
)
def test_bulk_reader_reads_as_the_row_parser(
    data: tuple[str, ColumnMap | None], batch: int, store_from: int, by_polars: bool
) -> None:
    """Whatever the batches the data rows are read in, whether the clean lines
    are held in columns (``STORE_FROM``, books/line_store.py), and whether a plain
    file is read by polars (io/csv_columns.py): the same as the row parser."""
    text, column_map = data
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        mp.setattr(csv_files, "BULK_BATCH", batch)
        mp.setattr(csv_files, "STORE_FROM", store_from)
        if not by_polars:
            mp.setattr(csv_files, "read_columns", lambda *_: None)
        path = Path(tmp) / "ledger.csv"
        path.write_text(text, encoding="utf-8")
        assert_same_read(path, column_map)


def _write(path: Path, rows: list[list[str]], bom: bool = False) -> Path:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8-sig" if bom else "utf-8")
    return path


def _spending(n: int, net: str = "10.00") -> list[str]:
    row = dict.fromkeys(ENTRY_FIELDS, "")
    row.update(entry="expenditure", id=f"X-{n}", scheme="S1", date="2025-05-01", net=net)
    return [row[f] for f in ENTRY_FIELDS]


@pytest.mark.parametrize("bom", [False, True])
def test_example_ledger_and_bad_rows(tmp_path: Path, bom: bool) -> None:
    rows = [list(ENTRY_FIELDS)] + [[r[f] for f in ENTRY_FIELDS] for r in EXAMPLE_ROWS]
    assert_same_read(_write(tmp_path / "good.csv", rows, bom))
    bad = [*rows, _spending(1, "10.005"), _spending(2, "£1,000.00"), _spending(1, "1.00")]
    assert_same_read(_write(tmp_path / "bad.csv", bad, bom))


@pytest.mark.parametrize("batch", [csv_files.BULK_BATCH, 9_999, 10_000, 12_345])
def test_many_rows_with_progress(
    tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_files, "BULK_BATCH", batch)
    rows = [list(ENTRY_FIELDS)] + [_spending(n, f"{n}.{n % 100:02d}") for n in range(25_001)]
    rows[12_345] = _spending(12_344, "(5.00)")  # a repeated id, different content
    rows[20_000][ENTRY_FIELDS.index("date")] = "31/02/2025"
    assert_same_read(_write(tmp_path / "many.csv", rows))


@pytest.mark.parametrize("batch", [1, 2, 10_000])
def test_malformed_csv_after_a_batch(
    tmp_path: Path, batch: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record the csv module refuses after batches were read: the row parser reads
    the whole file from the start, and progress never goes back."""
    monkeypatch.setattr(csv_files, "BULK_BATCH", batch)
    rows = [list(ENTRY_FIELDS)] + [_spending(n) for n in range(20_003)]
    rows[2][ENTRY_FIELDS.index("net")] = "x"  # an issue the bulk reader logged first
    path = _write(tmp_path / "bad.csv", rows)
    path.write_text(path.read_text(encoding="utf-8") + 'expenditure,"X-9"oops\n')
    assert_same_read(path)
    _, issues, calls = _read(path, None, bulk=True)
    assert [i.code for i in issues] == ["PL-CSV-015", "PL-CSV-007"]
    assert calls == sorted(set(calls))


def test_malformed_csv_and_multiline_cells(tmp_path: Path) -> None:
    rows = [list(ENTRY_FIELDS), _spending(1), _spending(2)]
    rows[2][ENTRY_FIELDS.index("description")] = "two\nlines"
    path = _write(tmp_path / "multi.csv", [*rows, _spending(3, "x")])
    assert_same_read(path)
    text = path.read_text(encoding="utf-8") + 'expenditure,"X-9"oops\n'
    path.write_text(text, encoding="utf-8")
    assert_same_read(path)


# -- the lines the csv module reads -------------------------------------------------

_LINE_TEXT = st.text(
    alphabet=st.sampled_from(["a", ",", '"', "\r", "\n", "\u2028", "\x85", "\x0c", "é", "\ud800"]),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(_LINE_TEXT, st.sampled_from([0, 8150, 8170, 8180, 8186, 8189, 8190, 8191, 8192]))
def test_text_lines_split_as_a_string_file(text: str, pad: int) -> None:
    """The csv module reads the same records (or fails on the same one) from
    ``_text_lines`` as from ``io.StringIO(text, newline="")``, whatever the line
    endings, with a ``\\r\\n`` or a character of several bytes across the reader's
    8 KB chunks."""
    text = "x" * pad + text
    expected = _records(io.StringIO(text, newline=""))
    assert _records(csv_files._text_lines(text)) == expected


def _records(lines: Iterable[str]) -> list[object]:
    reader = csv.reader(lines, strict=True)
    out: list[object] = []
    try:
        for record in reader:
            out.append((reader.line_num, record))
    except csv.Error as exc:
        out.append(("error", reader.line_num, str(exc)))
    return out


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="CPython's key-sharing dicts")
def test_bulk_entries_share_their_keys_and_recurring_amounts(tmp_path: Path) -> None:
    """Entries read in bulk hold key-sharing dicts (smaller than a dict of their
    own), and a cell that recurs down a column gives one Money: the same entries as
    the row parser's, in less memory."""
    rows = [list(ENTRY_FIELDS)] + [_spending(n, "0.00" if n % 2 else f"{n}.25") for n in range(50)]
    path = _write(tmp_path / "shared.csv", rows)
    assert_same_read(path)
    ledger, _, _ = _read(path, None, bulk=True)
    spending = [e for e in ledger.entries if e.entry == "expenditure"]
    for e in spending:
        assert sys.getsizeof(e.__dict__) < sys.getsizeof(dict(e.__dict__)), e.id
        assert e.net_pence == to_pence(e.net)
    nil = [e.net for e in spending if e.net_pence == 0]
    assert len(nil) == 25
    assert all(m is nil[0] for m in nil)
    assert len({id(e.net) for e in spending if e.net_pence}) == 25
