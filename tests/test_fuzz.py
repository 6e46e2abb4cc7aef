"""Fuzz targets for every reader of user files (docs/reliability.md#fuzzing).

Each target feeds a reader bytes it was never meant to see, either raw bytes or a
valid file mutated byte by byte and token by token, and checks the one contract
every reader has: it returns a valid result or coded issues, and never raises
anything else.  A result that is returned is checked too: a ledger holds only
entries of the agreement, an issue's code is in the catalogue, and a reader that
returns nothing gives at least one error saying why.

The suite runs a short fuzz in every test run (``POOLEDLEDGER_FUZZ_EXAMPLES``
inputs per target: 60 by default, 300 under CI); the long run in docs/reliability.md sets it
to tens of thousands.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
import warnings
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import ISSUE_CODES, Issue, IssueError, Severity
from pooledledger.core.money import pence_to_decimal, to_pence
from pooledledger.io.agreement_files import dump_agreement_json, load_agreement, read_agreement
from pooledledger.io.csv_files import ENTRY_FIELDS, load_column_map, read_ledger_csv
from pooledledger.io.excel_files import read_ledger_excel
from pooledledger.io.ledger_files import load_ledger, read_ledger
from pooledledger.model.agreement import Agreement

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"
DATA = Path(__file__).resolve().parent / "data"

EXAMPLES_PER_TARGET = int(
    os.environ.get("POOLEDLEDGER_FUZZ_EXAMPLES", "300" if os.environ.get("CI") else "60")
)

fuzz_settings = settings(
    max_examples=EXAMPLES_PER_TARGET,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.filter_too_much,
        HealthCheck.large_base_example,
    ],
)

AGREEMENT = load_agreement(EXAMPLES / "example2_bcf.toml")

# -- seeds: valid files of every kind the readers take ------------------------------


def _cell(value: Any) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "yes"
    if hasattr(value, "currency"):
        return str(pence_to_decimal(to_pence(value)))
    return str(value)


def _ledger_rows() -> list[list[str]]:
    ledger = load_ledger(AGREEMENT, EXAMPLES / "example2_ledger.toml")
    rows = [list(ENTRY_FIELDS)]
    for entry in ledger.entries[:40]:
        data = entry.model_dump()
        rows.append([_cell(data.get(f)) for f in ENTRY_FIELDS])
    return rows


LEDGER_ROWS = _ledger_rows()


def _csv_text(rows: list[list[str]]) -> str:
    import csv

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def _xlsx_bytes(rows: list[list[Any]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Ledger"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


AGREEMENT_TOML = (EXAMPLES / "example2_bcf.toml").read_bytes()
AGREEMENT_JSON = dump_agreement_json(AGREEMENT).encode()
_AGREEMENT_DATA = json.loads(AGREEMENT_JSON)
AGREEMENT_YAML = yaml.safe_dump(_AGREEMENT_DATA, sort_keys=False).encode()
LEDGER_TOML = (EXAMPLES / "example2_ledger.toml").read_bytes()
LEDGER_CSV = _csv_text(LEDGER_ROWS).encode()
LEDGER_XLSX = _xlsx_bytes(LEDGER_ROWS)
COLUMN_MAP = (DATA / "finance_export_map.toml").read_bytes()

# Text that has broken readers before, or that sits on a boundary of one.
TOKENS: tuple[bytes, ...] = (
    b"",
    b"0",
    b"-0",
    b"-1",
    b"0.001",
    b"1e309",
    b"NaN",
    b"inf",
    b"9" * 40,
    b"90071992547409.92",
    b"(\xc2\xa35000.00)",
    b"\xc2\xa31,234.56",
    b"(12.50)",
    b"2025-02-30",
    b"9999-12-31",
    b"0001-01-01",
    b"31/03/2026",
    b"1:30",
    b"yes",
    b"no",
    b"~",
    b"null",
    b"true",
    b"\xef\xbb\xbf",
    b"\x00",
    b"\xff\xfe",
    b"=1+1",
    b"=SUM(A1:A2)",
    b"@cmd",
    b'"',
    b"'",
    b",",
    b";",
    b"\t",
    b"\r\n",
    b"\n\n",
    b"[",
    b"[[",
    b"{",
    b"}",
    b"]",
    b"[" * 200,
    b"!!python/object/apply:os.system ['true']",
    b"&a [*a, *a]",
    b"*a",
    b"TOTAL",
    b"BCF99",
    b"S1",
    b"ICB",
    b"expenditure",
    b"income",
    b"instalment",
    b"reversal",
    b"contribution",
    b"\xe2\x80\x93",
    b"\xf0\x9f\x92\xb7",
    b"<",
    b"&amp;",
    b"</c>",
    b"<f>SUM(A1)</f>",
)


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few byte and token mutations (insert, delete, replace, repeat)."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(("flip", "insert", "delete", "token", "repeat", "cut")))
        at = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            i = min(at, len(data) - 1)
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            data[at : at + draw(st.integers(1, 40))] = b""
        elif op == "token":
            width = draw(st.integers(0, 12))
            data[at : at + width] = draw(st.sampled_from(TOKENS))
        elif op == "repeat":
            span = bytes(data[at : at + draw(st.integers(1, 200))])
            data[at:at] = span * draw(st.integers(1, 4))
        elif op == "cut":
            del data[at:]
    return bytes(data)


def inputs(seed: bytes) -> st.SearchStrategy[bytes]:
    """Raw bytes, or the seed mutated."""
    return st.one_of(st.binary(max_size=600), mutated(seed))


@contextlib.contextmanager
def written(data: bytes, name: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        yield path


# -- the contract ----------------------------------------------------------------


def check_issues(issues: list[Issue]) -> None:
    for issue in issues:
        assert isinstance(issue, Issue)
        assert issue.code in ISSUE_CODES, issue
        assert issue.message.strip(), issue
        str(issue)  # every issue prints


def check_result(result: object, issues: list[Issue], kind: type) -> None:
    """A reader's ``(result, issues)``: a valid result, or nothing and an error."""
    check_issues(issues)
    errors = [i for i in issues if i.severity is Severity.ERROR]
    if result is None:
        assert errors, f"nothing returned and no error said why: {issues}"
    else:
        assert isinstance(result, kind)
        assert not errors, f"a result came back with errors: {errors}"


def check_ledger(ledger: Ledger | None) -> None:
    if ledger is None:
        return
    assert ledger.agreement == AGREEMENT
    known = set(AGREEMENT.scheme_ids)
    if AGREEMENT.risk_pool is not None:
        known.add(AGREEMENT.risk_pool.id)
    for line in ledger.pool_lines:
        assert line.scheme in known, line


#: inputs each target has been given in this run (printed by the long run's report)
TRIED: dict[str, int] = {}


def count_input() -> None:
    name = os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0]
    TRIED[name] = TRIED.get(name, 0) + 1


def call(reader: Callable[[], tuple[Any, list[Issue]]]) -> tuple[Any, list[Issue]]:
    """Call a reader with Python's warnings as errors, as the test suite runs."""
    count_input()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return reader()


# -- targets ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suffix", "seed"),
    [(".toml", AGREEMENT_TOML), (".yaml", AGREEMENT_YAML), (".json", AGREEMENT_JSON)],
    ids=["toml", "yaml", "json"],
)
def test_fuzz_agreement_reader(suffix: str, seed: bytes) -> None:
    @fuzz_settings
    @given(data=inputs(seed))
    def target(data: bytes) -> None:
        with written(data, "agreement" + suffix) as path:
            agreement, issues = call(lambda: read_agreement(path))
            check_result(agreement, issues, Agreement)
            try:
                load_agreement(path)
            except IssueError as exc:
                assert agreement is None
                check_issues(list(exc.issues))

    target()


def test_fuzz_toml_ledger_reader() -> None:
    @fuzz_settings
    @given(data=inputs(LEDGER_TOML))
    def target(data: bytes) -> None:
        with written(data, "ledger.toml") as path:
            ledger, issues = call(lambda: read_ledger(AGREEMENT, path))
            check_result(ledger, issues, Ledger)
            check_ledger(ledger)

    target()


def test_fuzz_csv_reader() -> None:
    @fuzz_settings
    @given(data=inputs(LEDGER_CSV))
    def target(data: bytes) -> None:
        with written(data, "ledger.csv") as path:
            ledger, issues = call(lambda: read_ledger_csv(AGREEMENT, path))
            check_result(ledger, issues, Ledger)
            check_ledger(ledger)

    target()


def _xlsx_mutated(draw: st.DrawFn) -> bytes:
    """The seed workbook with one of its XML parts mutated (as a broken exporter might)."""
    source = zipfile.ZipFile(io.BytesIO(LEDGER_XLSX))
    names = source.namelist()
    victim = draw(
        st.sampled_from(
            [n for n in names if n.endswith((".xml", ".rels"))] or names,
        )
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in names:
            data = source.read(name)
            if name == victim:
                data = draw(mutated(data))
            target.writestr(name, data)
    return out.getvalue()


_CELL_VALUES = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.sampled_from([t.decode("utf-8", "replace") for t in TOKENS]),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)


@st.composite
def workbooks(draw: st.DrawFn) -> bytes:
    how = draw(st.sampled_from(("bytes", "xml", "cells")))
    if how == "bytes":
        return draw(inputs(LEDGER_XLSX[:2000]))
    if how == "xml":
        return _xlsx_mutated(draw)
    rows: list[list[Any]] = [list(r) for r in LEDGER_ROWS[:12]]
    for _ in range(draw(st.integers(1, 8))):
        r = draw(st.integers(0, len(rows) - 1))
        c = draw(st.integers(0, len(rows[0]) - 1))
        value = draw(_CELL_VALUES)
        if isinstance(value, str):
            # openpyxl refuses control characters a real workbook cannot hold
            value = "".join(ch for ch in value if ch >= " " or ch in "\t\n\r")
        rows[r][c] = value
    return _xlsx_bytes(rows)


def test_fuzz_workbook_reader() -> None:
    @fuzz_settings
    @given(data=workbooks())
    def target(data: bytes) -> None:
        with written(data, "ledger.xlsx") as path:
            ledger, issues = call(lambda: read_ledger_excel(AGREEMENT, path))
            check_result(ledger, issues, Ledger)
            check_ledger(ledger)

    target()


def test_fuzz_column_map_reader() -> None:
    @fuzz_settings
    @given(data=inputs(COLUMN_MAP), suffix=st.sampled_from([".toml", ".json"]))
    def target(data: bytes, suffix: str) -> None:
        count_input()
        with written(data, "map" + suffix) as path:
            try:
                column_map = load_column_map(path)
            except IssueError as exc:
                problems = list(exc.issues)
                check_issues(problems)
                assert problems
                return
            csv_path = DATA / "finance_export.csv"
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                ledger, issues = read_ledger_csv(AGREEMENT, csv_path, column_map=column_map)
            check_result(ledger, issues, Ledger)

    target()


def test_seeds_are_valid() -> None:
    """The fuzzers start from valid files: each seed reads without an error."""
    with written(AGREEMENT_YAML, "a.yaml") as path:
        assert read_agreement(path)[0] is not None
    with written(AGREEMENT_JSON, "a.json") as path:
        assert read_agreement(path)[0] is not None
    with written(LEDGER_CSV, "l.csv") as path:
        assert read_ledger_csv(AGREEMENT, path)[0] is not None, read_ledger_csv(AGREEMENT, path)
    with written(LEDGER_XLSX, "l.xlsx") as path:
        assert read_ledger_excel(AGREEMENT, path)[0] is not None


def test_damaged_workbook_part_is_a_coded_issue_not_a_traceback() -> None:
    """Found by the workbook fuzzer: a broken XML part gave a ParseError and an open file."""
    source = zipfile.ZipFile(io.BytesIO(LEDGER_XLSX))
    for victim in ("docProps/core.xml", "xl/worksheets/sheet1.xml", "xl/workbook.xml"):
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as target:
            for name in source.namelist():
                data = source.read(name)
                target.writestr(name, b"\x00" + data[1:] if name == victim else data)
        with written(out.getvalue(), "ledger.xlsx") as path:
            ledger, issues = call(lambda: read_ledger_excel(AGREEMENT, path))
        assert ledger is None
        assert [i.code for i in issues] == ["PL-CSV-001"], (victim, issues)
        assert "damaged" in issues[0].message


def test_zz_report_inputs_tried() -> None:
    """Writes how many inputs each target was given, when asked (docs/reliability.md).

    Last in the file, so it runs after every target."""
    out = os.environ.get("POOLEDLEDGER_FUZZ_REPORT")
    if out:
        Path(out).write_text(
            "".join(f"{name}\t{n}\n" for name, n in sorted(TRIED.items())), encoding="utf-8"
        )
