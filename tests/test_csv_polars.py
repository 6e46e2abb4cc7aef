"""The columnar CSV reader (io/csv_columns.py): a plain file is read by polars, any
other from the start by the bulk reader, and both read as the row parser does.

The Hypothesis properties of tests/test_line_store.py and tests/test_bulk_csv.py
run every generated file through both readers; here each condition that makes a
file not plain is shown to fall back (with the row parser's issues, to the row),
the cells polars reads itself are shown to read as the bulk reader reads them, and
the reader's map of ids to lines (``Places``) is checked against a dict.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pooledledger.io.csv_columns as csv_columns
import pooledledger.io.csv_files as csv_files
from pooledledger.books.line_store import Block
from pooledledger.io.agreement_files import load_agreement
from pooledledger.io.bulk_amounts import _AMOUNT_RE, _amounts
from pooledledger.io.bulk_rows import _Cells
from pooledledger.io.csv_columns import _SPACE, _pence, _plain_text, read_columns
from pooledledger.io.csv_files import ENTRY_FIELDS, _read_ledger_csv, read_ledger_csv
from pooledledger.io.row_issues import Places
from pooledledger.io.row_parser import RowParser
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import EntryKind
from pooledledger.yearend.checks import _schemes_by_date

HEADER = list(ENTRY_FIELDS)
EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"


@pytest.fixture(scope="module")
def bcf() -> Agreement:
    return load_agreement(EXAMPLES / "example2_bcf.toml")


def _row(**cells: str) -> list[str]:
    row = dict.fromkeys(ENTRY_FIELDS, "")
    row.update(cells)
    return [row[f] for f in ENTRY_FIELDS]


def _plain_rows(n: int = 40) -> list[list[str]]:
    """A plain ledger: spending (amounts in every form), income, a reversal."""
    rows = [HEADER]
    forms = ["10.00", "1,234.56", "£12.50", "-3.00", "(£4.25)", "7", "0.5"]
    for k in range(n):
        rows.append(
            _row(
                entry="expenditure",
                id=f"E-{k}",
                scheme="S1" if k % 3 else "S3",
                date="2025-05-01" if k % 2 else "12/06/2025",
                net=forms[k % len(forms)],
                vat="2.00" if k % 4 == 0 else "",
                vat_recoverable="1.00" if k % 8 == 0 else "",
                supplier="Acme Care Ltd" if k % 5 else "",
                category="home care",
                description=f"line {k}, with a comma",
            )
        )
    rows.append(_row(entry="income", id="I-1", scheme="S1", date="2025-07-01", amount="55.00"))
    rows.append(_row(entry="reversal", id="R-1", reverses="E-1", date="2025-08-01", reason="dup"))
    return rows


def _text(rows: list[list[str]], end: str = "\r\n") -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator=end).writerows(rows)
    return out.getvalue()


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> list[int | None]:
    """What each call of the columnar reader returned (None: the file was not plain)."""
    seen: list[int | None] = []
    real = read_columns

    def watched(*args: Any) -> int | None:
        seen.append(real(*args))
        return seen[-1]

    monkeypatch.setattr(csv_files, "read_columns", watched)
    monkeypatch.setattr(csv_files, "STORE_FROM", 0)
    return seen


_CACHED = frozenset({"pence", "net_pence", "vat_pence"})


def _fields(entry: Any) -> dict[str, Any]:
    return {k: v for k, v in entry.__dict__.items() if k not in _CACHED}


def _same_as_row_parser(agreement: Agreement, path: Path) -> None:
    ledger, issues = read_ledger_csv(agreement, path)
    want, want_issues = _read_ledger_csv(agreement, path, bulk=False)
    assert issues == want_issues
    assert (ledger is None) == (want is None)
    if ledger is not None and want is not None:
        assert ledger.entries == want.entries
        for a, b in zip(ledger.entries, want.entries, strict=True):
            # the readers in bulk fill in the cached pence (a cached_property) at once
            assert _fields(a) == _fields(b)
            for cached in _CACHED.intersection(a.__dict__):
                assert a.__dict__[cached] == getattr(b, cached)
            assert a.model_fields_set == b.model_fields_set


@pytest.mark.parametrize("chunk", [1, 200, csv_columns.CHUNK_CHARS])
def test_a_plain_file_is_read_by_polars(
    tmp_path: Path,
    bcf: Agreement,
    spy: list[int | None],
    chunk: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Read whole or in parts (a part a line, a few lines, the whole file)."""
    monkeypatch.setattr(csv_columns, "CHUNK_CHARS", chunk)
    rows = _plain_rows()
    for end, bom in (("\r\n", False), ("\n", True)):
        path = tmp_path / "plain.csv"
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + _text(rows, end).encode())
        spy.clear()
        _same_as_row_parser(bcf, path)
        assert spy == [len(rows) - 1]
    ledger, _ = read_ledger_csv(bcf, path)
    assert ledger is not None
    store = ledger._held()[1]
    assert store is not None
    assert all(isinstance(b, Block) and b.series for b in store.blocks)


def _replace(rows: list[list[str]], at: int, **cells: str) -> list[list[str]]:
    out = [list(r) for r in rows]
    for name, value in cells.items():
        out[at][ENTRY_FIELDS.index(name)] = value
    return out


#: Files that are not plain, each made from the plain rows' text.
NOT_PLAIN: dict[str, Callable[[list[list[str]]], str]] = {
    "a line end in a quoted cell": lambda r: _text(_replace(r, 3, description="two\nlines")),
    "a lone carriage return": lambda r: _text(r, "\r"),
    "a lone carriage return in a cell": lambda r: _text(r).replace("line 7,", "li\rne 7,"),
    "a lone carriage return in the header": lambda r: _text(r).replace("scheme", "sch\reme", 1),
    "a lone carriage return at the end": lambda r: _text(r)[:-1],
    "a blank line": lambda r: _text(r[:5]) + "\r\n" + _text(r[5:]),
    "a short row": lambda r: _text(r[:5]) + "expenditure,E-99,S1\r\n" + _text(r[5:]),
    "a long row": lambda r: _text(r[:5]) + _text([[*r[5], "x"]]) + _text(r[6:]),
    "a quote inside a cell": lambda r: _text(r).replace("line 7,", 'li"ne 7,'),
    "a row of empty cells": lambda r: _text(r[:5]) + "," * (len(HEADER) - 1) + "\r\n",
    "a header with a blank cell at the end": lambda r: _text([[*r[0], ""], *r[1:]]),
    "a text with a space at its end": lambda r: _text(_replace(r, 4, supplier="Acme ")),
    "a text starting with #": lambda r: _text(_replace(r, 4, supplier="#REF!")),
    "an id with a space": lambda r: _text(_replace(r, 4, id=" E-4")),
    "an id repeated in another kind": lambda r: _text(_replace(r, len(r) - 1, id="E-2")),
    "a cell a kind does not use": lambda r: _text(_replace(r, 4, amount="5.00")),
    "a cell a kind does not use, zero": lambda r: _text(_replace(r, 4, amount="0")),
    "an amount with three decimals": lambda r: _text(_replace(r, 4, net="10.005")),
    "an amount too large": lambda r: _text(_replace(r, 4, net="12345678901234.00")),
    "an amount with a space": lambda r: _text(_replace(r, 4, net="£ 12.00")),
    "a bad date": lambda r: _text(_replace(r, 4, date="31/02/2025")),
    "an unknown scheme": lambda r: _text(_replace(r, 4, scheme="S99")),
    "a required cell empty": lambda r: _text(_replace(r, 4, net="")),
    "recoverable VAT above the VAT": lambda r: _text(_replace(r, 1, vat_recoverable="9.00")),
    "an unknown entry kind": lambda r: _text(_replace(r, 4, entry="spend")),
}


@pytest.mark.parametrize("chunk", [200, csv_columns.CHUNK_CHARS])
@pytest.mark.parametrize("case", sorted(NOT_PLAIN))
def test_a_file_not_plain_is_read_as_before(
    tmp_path: Path,
    bcf: Agreement,
    spy: list[int | None],
    case: str,
    chunk: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csv_columns, "CHUNK_CHARS", chunk)
    path = tmp_path / "ledger.csv"
    path.write_bytes(NOT_PLAIN[case](_plain_rows()).encode())
    _same_as_row_parser(bcf, path)
    plain_kinds = case in ("an unknown entry kind", "an unknown scheme")
    # rows of no known kind go to the bulk reader; an unknown scheme is a check's
    assert spy[0] is None or plain_kinds


def test_every_space_str_strip_takes_is_a_space_to_polars() -> None:
    spaces = [chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()]
    assert pl.Series(spaces).str.contains(f"^{_SPACE}$").all()
    assert not _plain_text(pl.Series([f"a{s}" for s in spaces]).head(1))


_AMOUNTS = st.one_of(
    st.from_regex(_AMOUNT_RE, fullmatch=True),
    st.text(alphabet="0123456789.,-£() ", max_size=18),
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_AMOUNTS, min_size=1, max_size=20))
def test_amounts_polars_reads_read_as_the_bulk_reader(cells: list[str]) -> None:
    """Where polars takes a column of amounts, each has the pence the bulk reader
    gives; where it does not, the bulk reader reads it (the file falls back)."""
    read = _pence(pl.Series(cells, dtype=pl.String).replace("", None))
    bulk = _amounts(_Cells(RowParser()).reader("net"), cells)
    if read is None:
        return
    for cell, got, want in zip(cells, read.to_list(), bulk.pence or (), strict=True):
        if cell == "":
            assert got is None
        else:
            assert got == want, cell


@given(st.lists(st.from_regex(r"-?[0-9]{1,13}\.[0-9]{2}", fullmatch=True), min_size=1))
def test_every_plain_amount_is_taken(cells: list[str]) -> None:
    read = _pence(pl.Series(cells))
    assert read is not None
    assert read.to_list() == [int(c.replace(".", "")) for c in cells]


def test_places_search_then_index_like_a_dict() -> None:
    where = Places()
    where["C-1"] = ("a.csv", 2)
    where.update_new([("C-2", ("a.csv", 3))])
    ids = pl.Series([f"E-{k}" for k in range(200)])
    where.hold("a.csv", ids, pl.Series(range(4, 204), dtype=pl.Int64))
    want = {"C-1": ("a.csv", 2), "C-2": ("a.csv", 3)}
    want.update({f"E-{k}": ("a.csv", k + 4) for k in range(200)})
    assert len(where) == len(want)
    assert list(where) == list(want)
    for key, place in want.items():  # more look-ups than searches: an index is made
        assert where[key] == place
        assert where.get(key) == place
    assert where.get("nope") is None
    assert "E-5" in where
    assert "nope" not in where
    assert where.isdisjoint(["x", "y"])
    assert not where.isdisjoint(["x", "E-199"])
    assert not where.isdisjoint(["C-2"])
    with pytest.raises(KeyError):
        where["nope"]


def test_reversals_of_held_lines_are_checked_with_no_entry_made(
    tmp_path: Path, bcf: Agreement, spy: list[int | None]
) -> None:
    """A plain file's reversals naming held lines: each problem (PL-CSV-026 to 029)
    reported as the row parser reports it, from the held lines' kinds and dates
    (``LineStore.targets``), and a good file's reversals make no entry of the lines
    they name."""
    rows = _plain_rows()
    bad = [
        *rows,
        _row(entry="reversal", id="R-2", reverses="NOPE", date="2025-08-01", reason="x"),
        _row(entry="reversal", id="R-3", reverses="E-3", date="2025-04-30", reason="early"),
        _row(entry="reversal", id="R-4", reverses="E-1", date="2025-08-02", reason="again"),
        _row(entry="reversal", id="R-5", reverses="R-1", date="2025-08-03", reason="of one"),
    ]
    path = tmp_path / "bad.csv"
    path.write_text(_text(bad))
    _same_as_row_parser(bcf, path)
    assert spy == [len(bad) - 1]
    _, issues = read_ledger_csv(bcf, path)
    found = {(i.code, i.location.row, i.location.column) for i in issues if i.is_error}
    last = len(bad)
    assert found == {
        ("PL-CSV-026", last - 3, "reverses"),
        ("PL-CSV-028", last - 2, "date"),
        ("PL-CSV-029", last - 1, "reverses"),
        ("PL-CSV-027", last, "reverses"),
    }
    good = tmp_path / "good.csv"
    good.write_text(_text(rows))
    ledger, _ = read_ledger_csv(bcf, good)
    assert ledger is not None
    store = ledger._held()[1]
    assert store is not None
    assert len(store) == len(rows) - 2
    assert "E-1" not in store.made_ids
    assert not store.made
    assert store.targets({"E-1", "I-1", "NOPE"}) == {
        "E-1": (EntryKind.EXPENDITURE, date(2025, 5, 1)),
        "I-1": (EntryKind.INCOME, date(2025, 7, 1)),
    }
    # the reversal's (date, scheme) for the weights' check, from the held line's scheme
    row_ledger, _ = _read_ledger_csv(bcf, good, bulk=False)
    assert row_ledger is not None
    pairs = _schemes_by_date(ledger)
    assert pairs == _schemes_by_date(row_ledger)
    assert pairs[date(2025, 8, 1)] == {"S1"}  # only R-1, reversing E-1 (S1)
    assert not store.made
