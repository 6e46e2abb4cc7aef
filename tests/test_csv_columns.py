"""The line-level CSV tables, made column by column and written by polars, are byte
for byte the files the row-by-row writer made (tests/csv_row_oracle.py keeps it).

Equality is shown on random tables (Hypothesis: text needing quotes, formula
triggers, non-ASCII, empty and missing cells, large pence, every encoding asked
for), on the generated benchmark ledger (reversals, true-up lines, 20,000 lines)
and on the example ledger with a reversal; the tables' rows (``ledger_table``,
``apportionment_table``) are the rows they were.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Sequence
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from csv_row_oracle import (
    _write_rows,
    old_apportionment_rows,
    old_ledger_rows,
    old_write_csv_tables,
)
from pooledledger.books.apportion import apportion
from pooledledger.books.ledger import Ledger
from pooledledger.books.tables import (
    apportionment_frame,
    apportionment_rows,
    ledger_rows,
    raw_frame,
)
from pooledledger.core.tables import Column, column_rows, raw_polars_type
from pooledledger.io import column_csv, load_agreement, load_ledger
from pooledledger.io.column_csv import fits, write_columns_csv, write_frame_csv
from pooledledger.io.csv_files import read_ledger_csv
from pooledledger.io.csv_out import _write, write_csv_tables
from pooledledger.model.entries import Expenditure, Reversal
from pooledledger.reports.bundle import YearEndReports, year_end_reports

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = files("pooledledger") / "examples"

#: A table with a column of every kind, nullable and not.
tables_module = importlib.import_module("pooledledger.books.tables")

COLUMNS = (
    Column("text", "str"),
    Column("maybe", "str", nullable=True),
    Column("when", "date"),
    Column("flag", "bool"),
    Column("n", "int", nullable=True),
    Column("pence", "pence"),
    Column("amount", "decimal"),
    Column("other_pence", "pence"),
    Column("other", "decimal"),
)

TRICKY = [
    "",
    "plain",
    "a,b",
    'say "hi"',
    '"',
    "two\nlines",
    "cr\rhere",
    "crlf\r\nend",
    "=1+1",
    "+44 20",
    "-5",
    "@SUM(A1)",
    "\tindented",
    "\rreturn",
    "'quoted",
    " space ",
    "café £5 – ok",
    "€ sign",
    "日本",
    "#hash",
    "semi;colon",
]

text = st.one_of(st.sampled_from(TRICKY), st.text(max_size=12))
pence = st.one_of(st.integers(-(2**61), 2**61), st.integers(-1000, 1000))


@st.composite
def tables(draw: st.DrawFn) -> dict[str, list[Any]]:
    n = draw(st.integers(0, 25))

    def column(values: st.SearchStrategy[Any]) -> list[Any]:
        return draw(st.lists(values, min_size=n, max_size=n))

    amounts = column(pence)
    others = column(pence)
    return {
        "text": column(text),
        "maybe": column(st.none() | text),
        "when": column(st.dates(date(1, 1, 1), date(9999, 12, 31))),
        "flag": column(st.booleans()),
        "n": column(st.none() | st.integers(-(2**40), 2**40)),
        "pence": amounts,
        "amount": amounts,
        "other_pence": others,
        "other": others,
    }


def old_bytes(data: dict[str, list[Any]], path: Path, encoding: str) -> bytes:
    _write_rows(COLUMNS, column_rows(COLUMNS, data), path, encoding)
    return path.read_bytes()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=tables(),
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "UTF8", "utf-16"]),
    chunk=st.sampled_from([1, 2, 7, column_csv.CHUNK_ROWS]),
)
def test_random_tables_are_written_byte_for_byte(
    tmp_path_factory: pytest.TempPathFactory,
    data: dict[str, list[Any]],
    encoding: str,
    chunk: int,
) -> None:
    """The same bytes as the row-by-row writer, whatever the rows written at a time
    (one header, a byte-order mark only at the start)."""
    folder = tmp_path_factory.mktemp("t")
    assert fits(COLUMNS, data)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(column_csv, "CHUNK_ROWS", chunk)
        write_columns_csv(COLUMNS, data, folder / "new.csv", encoding)
        write_frame_csv(COLUMNS, _raw(data), folder / "frame.csv", encoding)
    want = old_bytes(data, folder / "old.csv", encoding)
    assert (folder / "new.csv").read_bytes() == want
    assert (folder / "frame.csv").read_bytes() == want  # the table as polars columns


def _raw(data: dict[str, list[Any]]) -> Any:
    """``data`` as the polars columns the line-level tables give (each pounds column
    its pence twin's values)."""
    import polars as pl

    fields = pl.DataFrame(
        [
            pl.Series(c.name, data[c.name], dtype=raw_polars_type(c.kind))
            for c in COLUMNS
            if c.kind != "decimal"
        ]
    )
    return raw_frame(COLUMNS, fields)


@settings(max_examples=60, deadline=None)
@given(data=tables())
def test_cp1252_gives_the_same_bytes_or_the_same_error(
    tmp_path_factory: pytest.TempPathFactory, data: dict[str, list[Any]]
) -> None:
    folder = tmp_path_factory.mktemp("t")
    try:
        want = old_bytes(data, folder / "old.csv", "cp1252")
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            write_columns_csv(COLUMNS, data, folder / "new.csv", "cp1252")
        return
    write_columns_csv(COLUMNS, data, folder / "new.csv", "cp1252")
    assert (folder / "new.csv").read_bytes() == want


def test_every_tricky_cell_and_the_bytes_they_make(tmp_path: Path) -> None:
    n = len(TRICKY)
    amounts = [0, 5, -5, 99, -1, 100, -100, 123456, -4578948, 2**61, -(2**61)]
    amounts = (amounts * n)[:n]
    data: dict[str, list[Any]] = {
        "text": TRICKY,
        "maybe": [None, *TRICKY[1:]],
        "when": [date(2025, 4, 1)] * (n - 1) + [date(999, 1, 2)],
        "flag": [i % 2 == 0 for i in range(n)],
        "n": [None, *range(1, n)],
        "pence": amounts,
        "amount": amounts,
        "other_pence": amounts[::-1],
        "other": amounts[::-1],
    }
    for encoding in ("utf-8", "utf-8-sig"):
        write_columns_csv(COLUMNS, data, tmp_path / "new.csv", encoding)
        got = (tmp_path / "new.csv").read_bytes()
        assert got == old_bytes(data, tmp_path / "old.csv", encoding)
    text = got.decode("utf-8-sig")
    assert text.startswith("text,maybe,when,flag,n,pence,amount,")
    for cell in ('"two\nlines"', '"say ""hi"""', "'=1+1", "-45789.48", "0999-01-02", ",-0.05,"):
        assert cell in text


def test_pence_out_of_int64_reach_are_written_row_by_row(tmp_path: Path) -> None:
    big = [2**70, -(2**64), 7]
    data: dict[str, list[Any]] = {
        "text": ["a", "b", "c"],
        "maybe": [None, "", "x"],
        "when": [date(2025, 4, 1)] * 3,
        "flag": [True, False, True],
        "n": [1, None, 3],
        "pence": big,
        "amount": big,
        "other_pence": [1, 2, 3],
        "other": [1, 2, 3],
    }
    assert not fits(COLUMNS, data)
    _write(COLUMNS, data, tmp_path / "new.csv", "utf-8")
    got = (tmp_path / "new.csv").read_bytes()
    assert got == old_bytes(data, tmp_path / "old.csv", "utf-8")
    assert b"11805916207174113034.24" in got


# -- whole ledgers --------------------------------------------------------------------


def _same_files(reports: YearEndReports, ledger: Ledger, tmp: Path, encoding: str) -> None:
    old = old_write_csv_tables(reports, tmp / "old", ledger=ledger, encoding=encoding)
    new = write_csv_tables(reports, tmp / "new", ledger=ledger, encoding=encoding)
    assert list(new) == list(old)
    for name, path in new.items():
        assert path.read_bytes() == old[name].read_bytes(), name


@pytest.fixture(scope="module")
def bench_ledger(tmp_path_factory: pytest.TempPathFactory) -> tuple[Ledger, YearEndReports]:
    """The generated benchmark ledger (benchmarks/bench_csv_import.py), 20,000 lines."""
    spec = importlib.util.spec_from_file_location(
        "bench_csv_import", ROOT / "benchmarks" / "bench_csv_import.py"
    )
    assert spec is not None
    assert spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    agreement = load_agreement(str(EXAMPLES / "example2_bcf.toml"))
    path = tmp_path_factory.mktemp("bench") / "r20000.csv"
    bench.generate(path, agreement, 20_000, 7)
    ledger, issues = read_ledger_csv(agreement, path)
    assert ledger is not None, issues
    return ledger, year_end_reports(ledger, agreement.financial_years[-1])


def test_the_benchmark_ledger_gives_the_same_files(
    bench_ledger: tuple[Ledger, YearEndReports], tmp_path: Path
) -> None:
    ledger, reports = bench_ledger
    lines = apportion(ledger, reports.year, upto=reports.close.period.end).lines
    assert any(x.reverses for x in lines)
    assert any(x.entry_id.endswith(":true-up") for x in lines)
    _same_files(reports, ledger, tmp_path / "utf8", "utf-8")
    _same_files(reports, ledger, tmp_path / "sig", "utf-8-sig")


def test_the_benchmark_ledger_gives_the_same_rows(
    bench_ledger: tuple[Ledger, YearEndReports],
) -> None:
    ledger, reports = bench_ledger
    assert list(ledger_rows(ledger)) == list(old_ledger_rows(ledger))
    shares = apportion(ledger, reports.year, upto=reports.close.period.end)
    new = list(apportionment_rows(shares))  # from the running allocations
    assert new == list(old_apportionment_rows(shares))  # from the LineShare objects
    assert list(apportionment_rows(shares)) == new  # now from the lines made


@pytest.fixture(scope="module")
def example2() -> tuple[Ledger, YearEndReports]:
    ag = load_agreement(str(EXAMPLES / "example2_bcf.toml"))
    led = load_ledger(ag, str(EXAMPLES / "example2_ledger.toml"))
    led = led.post(
        Expenditure(
            id="X-1",
            scheme="S1",
            date=date(2025, 7, 1),
            net="100.01",
            vat="20.00",
            supplier='=HYPERLINK("http://x","y")',
            description="two\nlines, and a comma",
            capital=True,
            procuring_partner="ICB",
            agreement_ref="Board minute 7",
        ),
        Reversal(id="X-1-REV", reverses="X-1", date=date(2025, 8, 1), reason="-duplicate"),
    )
    return led, year_end_reports(led, ag.financial_years[0])


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_the_example_ledger_gives_the_same_files(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path, encoding: str
) -> None:
    ledger, reports = example2
    _same_files(reports, ledger, tmp_path, encoding)
    shares = apportion(ledger, reports.year)
    assert list(apportionment_rows(shares)) == list(old_apportionment_rows(shares))
    assert list(ledger_rows(ledger)) == list(old_ledger_rows(ledger))


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_columns_of_different_lengths_are_refused_whatever_the_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """A table whose columns differ in length is refused, as polars refused it when
    the table went to polars whole, and no file is left: not cut to the first
    column's length when that length is a whole number of chunks."""
    monkeypatch.setattr(column_csv, "CHUNK_ROWS", chunk)
    columns = (Column("a", "int"), Column("b", "pence"))
    data = {"a": [1, 2], "b": [1, 2, 3]}
    out = tmp_path / "t.csv"
    with pytest.raises(ValueError, match="values"):
        write_columns_csv(columns, data, out)
    assert not out.exists()


@pytest.mark.parametrize("chunk", [1, 2, column_csv.CHUNK_ROWS])
def test_columns_held_in_any_sequence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    """A column given as any sequence (a deque cannot be sliced) is written as the
    same values in a list are, as when the table went to polars whole."""
    from collections import deque

    monkeypatch.setattr(column_csv, "CHUNK_ROWS", chunk)
    columns = (Column("a", "int"), Column("b", "pence"), Column("c", "str"))
    values: dict[str, list[Any]] = {"a": [1, 2, 3], "b": [4, 5, 6], "c": ["x", "y,z", ""]}
    write_columns_csv(columns, values, tmp_path / "list.csv")
    odd: dict[str, Sequence[Any]] = {
        "a": deque(values["a"]),
        "b": tuple(values["b"]),
        "c": deque(values["c"]),
    }
    write_columns_csv(columns, odd, tmp_path / "odd.csv")
    assert (tmp_path / "odd.csv").read_bytes() == (tmp_path / "list.csv").read_bytes()


def test_a_failure_part_way_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A table written in chunks that fails after its first chunk leaves an earlier
    file of that name untouched, and nothing beside it."""
    monkeypatch.setattr(column_csv, "CHUNK_ROWS", 2)
    path = tmp_path / "t.csv"
    path.write_bytes(b"before")
    calls: list[int] = []
    real = column_csv._text_frame

    def failing(columns: Any, chunk: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(columns, chunk)

    monkeypatch.setattr(column_csv, "_text_frame", failing)
    data: dict[str, list[Any]] = {"text": ["a", "b", "c"], "n": [1, 2, 3]}
    cols = [Column("text", "str"), Column("n", "int")]
    with pytest.raises(RuntimeError, match="disk full"):
        write_columns_csv(cols, data, path)
    assert path.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
    monkeypatch.setattr(column_csv, "_text_frame", real)
    write_columns_csv(cols, data, path)
    assert path.read_bytes() == b"text,n\r\na,1\r\nb,2\r\nc,3\r\n"


def test_pence_beyond_the_limit_go_to_the_writers_as_lists(
    example2: tuple[Ledger, YearEndReports], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An apportionment with a share beyond ±WHOLE_LIMIT is not put in polars
    columns; the CSV tables are then written from its lists, to the same bytes."""
    ledger, reports = example2
    shares = apportion(ledger, reports.year, upto=reports.close.period.end)
    want = write_csv_tables(reports, tmp_path / "frames", ledger=ledger)
    assert apportionment_frame(shares) is not None
    monkeypatch.setattr(tables_module, "WHOLE_LIMIT", 2)
    assert apportionment_frame(shares) is None
    lists = write_csv_tables(reports, tmp_path / "lists", ledger=ledger)
    assert list(lists) == list(want)
    for name, path in want.items():
        assert lists[name].read_bytes() == path.read_bytes(), name


@pytest.mark.parametrize("fail_at", [1, 2, 5])
def test_a_failure_writing_a_chunk_leaves_the_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fail_at: int
) -> None:
    """A chunk that fails as it is written (on the writer's thread) stops the table:
    the error is raised here, no later chunk is written, and an earlier file of that
    name is left as it was."""
    import polars as pl

    monkeypatch.setattr(column_csv, "CHUNK_ROWS", 1)
    path = tmp_path / "t.csv"
    path.write_bytes(b"before")
    written: list[int] = []
    real = pl.DataFrame.write_csv

    def failing(self: pl.DataFrame, *args: Any, **kwargs: Any) -> Any:
        written.append(self.height)
        if len(written) == fail_at:
            raise OSError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pl.DataFrame, "write_csv", failing)
    data: dict[str, list[Any]] = {"text": ["a", "b", "c", "d", "e"], "n": [1, 2, 3, 4, 5]}
    with pytest.raises(OSError, match="disk full"):
        write_columns_csv([Column("text", "str"), Column("n", "int")], data, path)
    assert len(written) == fail_at  # no chunk written after the one failing
    assert path.read_bytes() == b"before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.csv"]
