"""A file's lines held in columns until asked for (issue #10, docs/benchmarks.md).

The bulk CSV reader keeps a clean file's expenditure and income lines in a
:class:`~pooledledger.books.line_store.LineStore` and makes no entry for them.  The
ledger it gives must be the ledger the row parser gives, entry for entry, and
everything read from it before any entry is made must be what the entries give:

* the entry-level issues (found from the columns' suspects) and every ledger check;
* the pool columns, made from the store (:mod:`pooledledger.books.pool_store`),
  field for field and in order, as the walk over the entries makes them;
* the close.

Each is checked against the same file read by the row parser alone, whose entries
are all made, on Hypothesis-drawn ledgers (tests/close_strategies.py) and on the
fallbacks: a row only the row parser reads, and an id repeated across batches.
"""

from __future__ import annotations

import copy
import importlib
import tempfile
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import pooledledger.books.line_store as line_store_module
import pooledledger.books.tables as tables_module
import pooledledger.io.csv_files as csv_files_module
from close_strategies import CloseCase, close_cases, two_year_cases
from pooledledger.books.apportion import apportion
from pooledledger.books.ledger import Ledger
from pooledledger.books.ledger_columns import ledger_fields
from pooledledger.books.line_store import Block
from pooledledger.books.pool_columns import PoolColumns, make_pool_columns, pool_columns
from pooledledger.books.tables import (
    LEDGER_COLUMNS,
    apportionment_chunks,
    apportionment_columns,
    apportionment_frame,
    ledger_chunks,
    ledger_columns,
    ledger_frame,
)
from pooledledger.core.periods import FinancialYear
from pooledledger.io.csv_files import _read_ledger_csv, read_ledger_csv
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry, Expenditure, Income
from pooledledger.yearend.checks import check_ledger
from pooledledger.yearend.close import close_year
from test_csv_import import entry_rows, write_csv

# the module, not the function of the same name that the package exports
apportion_module = importlib.import_module("pooledledger.books.apportion")

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _columns(c: PoolColumns) -> list[object]:
    return [getattr(c, f.name) for f in fields(c)]


def _both(agreement: Agreement, rows: list[list[str]]) -> tuple[Ledger, Ledger]:
    """The file read in bulk (lines stored, by polars where the file is plain: the
    same as read by the csv module) and by the row parser (every entry made)."""
    with tempfile.TemporaryDirectory() as tmp, patch.object(csv_files_module, "STORE_FROM", 0):
        path = write_csv(Path(tmp) / "ledger.csv", rows)
        stored, issues = read_ledger_csv(agreement, path)
        with patch.object(csv_files_module, "read_columns", lambda *_: None):
            by_csv, csv_issues = read_ledger_csv(agreement, path)
        made, made_issues = _read_ledger_csv(agreement, path, bulk=False)
    assert issues == made_issues
    assert csv_issues == made_issues
    assert by_csv is not None, [i.message for i in csv_issues if i.is_error]
    assert by_csv.entries == made.entries if made is not None else True
    assert stored is not None
    assert made is not None
    assert made._held()[1] is None
    return stored, made


def _same_before_made(stored: Ledger, made: Ledger) -> None:
    """Everything read before any stored line is made, then the entries themselves."""
    store = stored._held()[1]
    assert len(stored) == len(made)
    assert stored.entry_issues == made.entry_issues
    assert check_ledger(stored) == check_ledger(made)
    want = make_pool_columns(made.entries, made.agreement.host, made.vat_shares)
    _same_reads(pool_columns(stored), want, made.agreement.host)
    _same_shares(stored, made)
    assert _columns(pool_columns(stored)) == _columns(want)
    assert ledger_fields(stored) == ledger_fields(made)  # the ledger table
    frame = ledger_frame(stored)  # and as the CSV and Parquet writers take it
    assert (frame is not None) == (store is not None)
    if frame is not None:
        assert list(frame.columns) == [c.name for c in LEDGER_COLUMNS]
        assert frame.to_dict(as_series=False) == ledger_columns(made)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(tables_module, "FRAME_ROWS", 2)
            chunks = ledger_chunks(stored)
            assert chunks is not None
            assert chunks.collect().to_dict(as_series=False) == ledger_columns(made)
    if store is not None:
        assert stored._held()[1] is store  # nothing above made the stored lines
    assert stored.entries == made.entries
    assert stored == made
    assert stored._held()[1] is None


def _same_shares(stored: Ledger, made: Ledger) -> None:
    """Every partner's share of every line, made as polars columns from the held
    pool columns (column-allocated groups or line by line), is the lists' of the
    entries, value for value, and a slice at a time as whole."""
    for columns_from in (0, 512):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(apportion_module, "COLUMNS_FROM", columns_from)
            mp.setattr(tables_module, "FRAME_ROWS", 3)
            for year in made.agreement.financial_years:
                for upto in (None, year.quarter(2).end):
                    got = apportion(stored, year, upto)
                    assert got.line_frame() is not None  # from the pool columns
                    frame = apportionment_frame(got)
                    assert frame is not None
                    want = apportionment_columns(apportion(made, year, upto))
                    assert frame.to_dict(as_series=False) == want
                    chunks = apportionment_chunks(got)
                    assert chunks is not None
                    assert chunks.collect().to_dict(as_series=False) == want


def _same_reads(got: PoolColumns, want: PoolColumns, host: str) -> None:
    """What is read of some lines of held columns (from their frame, no list made)
    is what the walk's columns give."""
    n = len(want)
    assert got.lines_at(list(range(n))) == want.lines_at(list(range(n)))
    assert got.lines_at(list(range(n))[::-2]) == want.lines_at(list(range(n))[::-2])
    days = sorted({*want.dates, *(d + timedelta(days=1) for d in want.dates)})
    for start, end in zip(days, [*days[1:], *days[:1]], strict=True):
        assert got.between(start, end) == want.between(start, end)
    assert got.ids_between(1, n - 1) == want.ids_between(1, n - 1)
    assert got.capital_owners(host) == want.capital_owners(host)
    assert got.recoveries.equals(want.recoveries)  # made with the lines, or by a walk
    spent = [want.ids[i] for i in range(n) if want.expenditure[i] and want.reverses[i] is None]
    wanted = {i: want.recovered[want.ids.index(i)] for i in spent}
    assert got.recovered_of([*want.ids, "none such"]) == wanted
    assert want.recovered_of([*want.ids, "none such"]) == wanted


def _lines(case: CloseCase) -> bool:
    return any(isinstance(e, Expenditure | Income) for e in case.entries)


@SETTINGS
@given(case=close_cases(max_schemes=6))
def test_a_file_read_with_its_lines_stored_is_the_file_read_row_by_row(case: CloseCase) -> None:
    stored, made = _both(case.agreement, entry_rows(Ledger(case.agreement, case.entries)))
    if _lines(case):
        assert stored._held()[1] is not None
    _same_before_made(stored, made)


@SETTINGS
@given(case=two_year_cases())
def test_two_years_read_with_their_lines_stored(case: CloseCase) -> None:
    stored, made = _both(case.agreement, entry_rows(Ledger(case.agreement, case.entries)))
    _same_before_made(stored, made)


@SETTINGS
@given(case=close_cases(max_schemes=4), year=st.sampled_from([2025]))
def test_a_close_of_stored_lines_is_the_close_of_their_entries(case: CloseCase, year: int) -> None:
    stored, made = _both(case.agreement, entry_rows(Ledger(case.agreement, case.entries)))
    fy = FinancialYear(year)
    if any(i.is_error for i in check_ledger(made)):
        return
    assert close_year(case.agreement, stored, fy) == close_year(case.agreement, made, fy)
    assert stored._held()[1] is None or len(stored._held()[1] or ()) > 0


@pytest.fixture
def bcf() -> Agreement:
    from pooledledger.io.agreement_files import load_agreement

    return load_agreement(
        Path(__file__).resolve().parents[1]
        / "src"
        / "pooledledger"
        / "examples"
        / "example2_bcf.toml"
    )


HEADER = ["entry", "id", "scheme", "date", "net", "vat"]


def test_a_row_only_the_row_parser_reads_makes_every_line(
    bcf: Agreement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_files_module, "BULK_BATCH", 3)
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", ""] for n in range(7)]
    rows[5].append("0")  # an amount cell an expenditure does not use: the row parser's
    rows = [[*r, ""] if len(r) == 6 else r for r in rows]  # (and the whole store is made)
    stored, made = _both(bcf, [[*HEADER, "amount"], *rows])
    assert stored._held()[1] is None
    assert stored.entries == made.entries


def test_an_id_repeated_in_a_later_batch_is_reported_as_before(
    bcf: Agreement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_files_module, "BULK_BATCH", 3)
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", ""] for n in range(7)]
    rows[5][1] = "E1"  # the id of a stored line, two batches on
    with tempfile.TemporaryDirectory() as tmp, patch.object(csv_files_module, "STORE_FROM", 0):
        path = write_csv(Path(tmp) / "ledger.csv", [HEADER, *rows])
        got = read_ledger_csv(bcf, path)
        want = _read_ledger_csv(bcf, path, bulk=False)
    assert got[1] == want[1]
    assert [i.code for i in got[1]] == ["PL-CSV-024"] or got[1]
    assert (got[0] is None) == (want[0] is None)
    if got[0] is not None and want[0] is not None:
        assert got[0].entries == want[0].entries


def test_a_stored_line_is_made_once(bcf: Agreement) -> None:
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", ""] for n in range(5)]
    stored, _ = _both(bcf, [HEADER, *rows])
    one = stored.get("E3")
    assert stored.get("E3") is one
    assert "E3" in stored
    assert "E9" not in stored
    assert stored.get_or_none("E9") is None
    assert stored._held()[1] is not None
    assert next(e for e in stored.entries if e.id == "E3") is one


def test_a_small_file_makes_its_entries_as_it_is_read(bcf: Agreement) -> None:
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", ""] for n in range(5)]
    with tempfile.TemporaryDirectory() as tmp:
        ledger, _ = read_ledger_csv(bcf, write_csv(Path(tmp) / "l.csv", [HEADER, *rows]))
    assert ledger is not None
    assert ledger._held()[1] is None
    assert len(ledger) == 5


def test_a_large_file_holds_its_lines_in_columns(
    bcf: Agreement, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(csv_files_module, "STORE_FROM", 5)
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", ""] for n in range(5)]
    with tempfile.TemporaryDirectory() as tmp:
        ledger, _ = read_ledger_csv(bcf, write_csv(Path(tmp) / "l.csv", [HEADER, *rows]))
    assert ledger is not None
    store = ledger._held()[1]
    assert store is not None
    assert len(store) == 5


def test_a_line_looked_up_by_id_is_found_before_and_after_the_index_is_made(
    bcf: Agreement, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first look-ups by id search the frame; the index of every id is made only
    after line_store._SEARCHED of them; both find the same lines."""
    monkeypatch.setattr(csv_files_module, "STORE_FROM", 5)
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", f"{n}.00", ""] for n in range(80)]
    with tempfile.TemporaryDirectory() as tmp:
        ledger, _ = read_ledger_csv(bcf, write_csv(Path(tmp) / "l.csv", [HEADER, *rows]))
    assert ledger is not None
    store = ledger._held()[1]
    assert store is not None
    assert line_store_module._SEARCHED < 80
    for n in range(80):  # in place, missing, not text: before and after the index
        if store.searched < line_store_module._SEARCHED:  # searched in the frame
            assert "index" not in store.__dict__
        assert f"E{n}" in store
        assert f"E{n}x" not in store
        assert 7 not in store
        found = store.get(f"E{79 - n}")
        assert isinstance(found, Expenditure)
        assert found.id == f"E{79 - n}"
        assert found.net_pence == (79 - n) * 100
    assert "index" in store.__dict__


def test_an_interrupted_making_of_the_lines_loses_none(bcf: Agreement) -> None:
    """Making the stored lines into entries, interrupted (Ctrl-C in a notebook), leaves
    the ledger as it was: every line still there, made on the next ask."""
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", ""] for n in range(5)]
    stored, made = _both(bcf, [HEADER, *rows])

    def interrupted(self: Block, seen: object = None) -> list[Entry]:
        raise KeyboardInterrupt

    with patch.object(Block, "entries", interrupted), pytest.raises(KeyboardInterrupt):
        _ = stored.entries
    assert len(stored) == 5
    assert stored.get_or_none("E1") is not None
    assert stored.entries == made.entries
    assert stored.totals() == made.totals()


def test_a_copy_of_a_ledger_is_the_ledger(bcf: Agreement) -> None:
    """A ledger never changes: a copy is the ledger itself, so its held lines are made
    once, for both."""
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", ""] for n in range(5)]
    stored, made = _both(bcf, [HEADER, *rows])
    assert copy.copy(stored) is stored
    assert copy.deepcopy(stored) is stored
    assert copy.deepcopy([stored])[0] is stored
    assert len(stored) == 5
    assert stored.entries == made.entries
    assert len(stored) == 5


def test_a_text_that_recurs_down_a_column_is_held_once(bcf: Agreement) -> None:
    """A supplier or category repeated down a file is one string, not one a line: the
    same entries as the row parser's, in less memory."""
    header = [*HEADER, "supplier"]
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", "", " Acme Ltd"] for n in range(9)]
    stored, made = _both(bcf, [header, *rows])
    assert stored.entries == made.entries
    suppliers = [e.supplier for e in stored.entries if isinstance(e, Expenditure)]
    assert suppliers == ["Acme Ltd"] * 9
    assert all(s is suppliers[0] for s in suppliers)


def test_lines_the_checks_report_are_reported_as_by_the_row_parser(bcf: Agreement) -> None:
    """An unknown scheme or partner, a capital item with no owner, a date outside the
    term: found in the held lines' columns, reported with the row parser's issues."""
    header = [*HEADER, "procuring_partner", "paid_by", "category", "capital"]
    rows = [
        ["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", "", "", "", "", ""] for n in range(8)
    ]
    rows[1][2], rows[2][6], rows[3][7] = "ZZ", "XX", "YY"
    rows[4][8], rows[5][9], rows[6][4], rows[7][3] = "odd", "yes", "-5.00", "2031-01-01"
    codes: set[str] = set()
    for table in ([header, *rows], [header, *rows[:1], *rows[4:7]]):
        with tempfile.TemporaryDirectory() as tmp, patch.object(csv_files_module, "STORE_FROM", 0):
            path = write_csv(Path(tmp) / "ledger.csv", table)
            got = read_ledger_csv(bcf, path)
            want = _read_ledger_csv(bcf, path, bulk=False)
        assert got[1] == want[1]
        codes |= {i.code for i in got[1]}
        if got[0] is not None:
            assert got[0]._held()[1] is not None  # the lines held, the issues the same
    assert {"PL-LED-001", "PL-LED-002", "PL-LED-003", "PL-LED-007"} <= codes


def test_posting_to_a_ledger_with_held_lines(bcf: Agreement) -> None:
    """``post`` on a ledger whose lines are held gives what it gives on the same
    ledger with every entry made; the ledger posted to is unchanged."""
    rows = [["expenditure", f"E{n}", "S3", "2025-06-30", "1.00", ""] for n in range(5)]
    stored, made = _both(bcf, [HEADER, *rows])
    extra = made.get("E1").model_copy(update={"id": "E9"})
    assert stored.post(extra) == made.post(extra)
    assert len(stored) == 5
    assert "E9" not in stored
    assert stored == made


def test_a_reversal_of_a_reversal_line_leaves_the_frame_to_the_lists() -> None:
    """A ledger's reversal reverses an expenditure, an income or a year-closed marker
    (no line), never a reversal's line; were one met, the frame is not made (the
    lists, which take any chain in order, are used)."""
    import polars as pl

    from pooledledger.books.apportion_frame import _reversals

    lines = pl.DataFrame(
        {
            "at": [0, 1, 2],
            "entry_id": ["E1", "R1", "R2"],
            "scheme": ["S1"] * 3,
            "kind": ["expenditure"] * 3,
            "reverses": [None, "E1", "R1"],
            "share0": [5, -5, 5],
            "won0": [False] * 3,
            "capital_owner": [None, None, None],
        },
        schema_overrides={"capital_owner": pl.String},
    )
    assert _reversals(pl, lines, 1) is None
    assert _reversals(pl, lines.head(2), 1) is not None


def test_a_reversal_of_a_line_with_vat_lost_negates_it(bcf: Agreement) -> None:
    """The reversal's line of a held expenditure whose VAT is partly lost (procured by
    the NHS body, not on the s41 list) negates its amount, its recoverable VAT and its
    VAT lost, with the VAT bodies negated, as the walk over the entries does."""
    header = ["entry", "id", "scheme", "date", "net", "vat", "procuring_partner"]
    header += ["reverses", "reason"]
    rows = [
        ["expenditure", "E1", "S3", "2025-06-30", "100.00", "20.00", "ICB", "", ""],
        ["expenditure", "E2", "S3", "2025-06-30", "50.00", "10.00", "COUNCIL", "", ""],
        ["expenditure", "E3", "S3", "2025-07-01", "70.00", "0.00", "", "", ""],
        ["reversal", "R1", "", "2025-07-02", "", "", "", "E1", "posted in error"],
        ["reversal", "R2", "", "2025-06-30", "", "", "", "E2", "the same day"],
    ]
    stored, made = _both(bcf, [header, *rows])
    assert stored._held()[1] is not None
    want = make_pool_columns(made.entries, made.agreement.host, made.vat_shares)
    assert want.irrecoverable[want.ids.index("R1")] < 0  # VAT lost, negated
    assert want.ids.index("R2") > want.ids.index("E2")
    _same_before_made(stored, made)


#: A few days, so that lines often share a date (and a kind).
_DAYS = st.dates(min_value=date(2025, 3, 30), max_value=date(2025, 4, 3))


@settings(max_examples=200, deadline=None)
@given(
    lines=st.lists(st.tuples(_DAYS, st.sampled_from([2, 3])), max_size=30),
    others=st.lists(st.tuples(_DAYS, st.integers(0, 6)), max_size=30),
)
def test_canonical_places_are_the_sort_of_every_key(
    lines: list[tuple[date, int]], others: list[tuple[date, int]]
) -> None:
    """``LineStore.canonical``: the lines' places sorted once and others merged in
    (others of other kinds), or all sorted together (others of the lines' kinds),
    are the places ``sorted`` gives by (date, kind, id)."""
    import polars as pl

    # ids unique, falling: two lines on one date and of one kind are out of order
    keys = [(d, k, f"L{99 - i:02d}") for i, (d, k) in enumerate(lines)]
    extra = [(d, k, f"O{99 - i:02d}") for i, (d, k) in enumerate(others)]
    store = line_store_module.LineStore(size=len(keys))
    store.__dict__["frame"] = pl.DataFrame(
        {
            "date": pl.Series([k[0] for k in keys], dtype=pl.Date),
            "kind": pl.Series([k[1] for k in keys], dtype=pl.Int8),
            "id": pl.Series([k[2] for k in keys], dtype=pl.String),
        }
    )
    both = keys + extra
    want = sorted(range(len(both)), key=both.__getitem__)
    assert store.canonical(extra).to_list() == want
    assert store.canonical(extra).to_list() == want  # again, from the lines sorted once
    assert store.canonical([]).to_list() == sorted(range(len(keys)), key=keys.__getitem__)


def test_a_field_read_as_a_polars_column_is_the_list(bcf: Agreement) -> None:
    """``LineStore.series``: a field (an income line's source, an expenditure's
    agreement reference) as a polars column equals ``column``'s list, and one in the
    frame the frame's column: blocks holding polars columns or lists, a field some
    lines leave empty, all leave empty, or all give alike."""
    header = ["entry", "id", "scheme", "date", "net", "vat", "vat_recoverable", "amount"]
    header += ["category", "agreement_ref", "source"]
    rows = [header]
    for n in range(30):
        if n % 3:
            rec = "1.00" if n % 4 == 0 else ""
            ref = f"A{n}" if n % 5 else ""
            rows.append(["expenditure", f"E{n}", "S3", "2025-06-30", "9.00", "2.00", rec, ""])
            rows[-1] += ["home care" if n % 2 else "", ref, ""]
        else:
            source = "client charges" if n % 2 else ""
            rows.append(["income", f"I{n}", "S3", "2025-07-01", "", "", "", "5.00"])
            rows[-1] += ["", "", source]
    for plain in (True, False):
        with tempfile.TemporaryDirectory() as tmp, patch.object(csv_files_module, "STORE_FROM", 0):
            path = write_csv(Path(tmp) / "ledger.csv", rows)
            if plain:
                ledger, _ = read_ledger_csv(bcf, path)
            else:
                with patch.object(csv_files_module, "read_columns", lambda *_: None):
                    ledger, _ = read_ledger_csv(bcf, path)
        assert ledger is not None
        store = ledger._held()[1]
        assert store is not None
        assert any(b.series for b in store.blocks) is plain
        for name in ("source", "agreement_ref"):  # not in the frame: as the lists
            assert store.series(name).to_list() == store.column(name), name
        for name in ("category", "vat_recoverable", "capital"):  # as the frame holds them
            assert store.series(name).to_list() == store.frame[name].to_list(), name
        assert store.series("source").to_list().count("client charges") == 5
