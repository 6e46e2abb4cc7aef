"""One gate for every path (issue 8): nothing lost, nothing crashes.

An entry that fails an entry-level check never reaches a ledger (``Ledger(...)`` and
``post`` raise a coded ``IssueError``); a ledger whose whole-ledger checks have
errors is refused by the close and by every report; dates outside the supported
range are coded issues on every path (API, CSV, command line); warnings travel with
the close into every output.  See docs/ledger.md#the-gate.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

import pooledledger.books.ledger as ledger_module
from pooledledger import (
    Agreement,
    Contribution,
    Expenditure,
    FinancialYear,
    Income,
    Instalment,
    IssueError,
    Ledger,
    check_ledger,
    close_year,
    load_agreement,
    load_ledger,
    read_ledger_csv,
)
from pooledledger.books.ledger import LedgerError
from pooledledger.cli import main
from pooledledger.core.errors import ISSUE_CODES, Issue, Severity
from pooledledger.io.ledger_files import read_ledger
from pooledledger.io.pipeline import write_year_end
from pooledledger.model.entries import Entry, Settlement
from pooledledger.reports.balances import agreement_of_balances
from pooledledger.reports.bundle import year_end_reports
from pooledledger.reports.html import render_html, render_quarterly_html
from pooledledger.reports.memorandum import memorandum_account
from pooledledger.reports.quarterly import quarterly_report
from pooledledger.yearend.budget import terminate
from pooledledger.yearend.checks import LEDGER_CHECKS

if TYPE_CHECKING:
    from pooledledger.model.entry_checks import EntryCheck

EXAMPLES = files("pooledledger") / "examples"
Y25 = FinancialYear(2025)


@pytest.fixture(scope="module")
def bcf() -> tuple[Agreement, Ledger]:
    """The bundled Better Care Fund example (domain.md §8)."""
    ag = load_agreement(str(EXAMPLES / "example2_bcf.toml"))
    return ag, load_ledger(ag, str(EXAMPLES / "example2_ledger.toml"))


def codes(issues: tuple[Issue, ...] | list[Issue]) -> list[tuple[str, str | None]]:
    return [(i.code, i.location.entry_id) for i in issues]


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


# -- 1. entries are checked where they enter ---------------------------------------------


def test_post_unknown_scheme_is_refused_not_lost(bcf: tuple[Agreement, Ledger]) -> None:
    """The reviewer's case: £500,000 on scheme BCF99 no longer vanishes from the close."""
    ag, led = bcf
    z1 = Expenditure(id="Z1", scheme="BCF99", date=date(2025, 9, 1), net="500000.00")
    with pytest.raises(IssueError) as caught:
        led.post(z1)
    assert isinstance(caught.value, ValueError)
    assert [(i.code, i.location.entry_id, i.location.field) for i in caught.value.issues] == [
        ("PL-LED-001", "Z1", "scheme")
    ]
    assert "Z1" not in led  # the ledger posted to is unchanged
    with pytest.raises(IssueError):
        Ledger(ag, [*led.entries, z1])


def test_posting_reports_every_problem_of_the_entries_at_once(
    bcf: tuple[Agreement, Ledger],
) -> None:
    _, led = bcf
    bad: list[Entry] = [
        Expenditure(id="B1", scheme="BCF99", date=date(2025, 9, 1), net="1.00"),
        Instalment(
            id="B2", partner="NOBODY", scheme="S3", year=Y25, amount="1", due_date=date(2025, 9, 1)
        ),
        Expenditure(id="B3", scheme="S2", date=date(2025, 9, 1), net="9.00", capital=True),
        Expenditure(id="B4", scheme="S2", date=date(2027, 9, 1), net="9.00"),
        Settlement(id="B6", year=Y25, partner="NOBODY", amount="1", due_date=date(2026, 5, 1)),
    ]
    with pytest.raises(IssueError) as caught:
        led.post(*bad)
    assert sorted(codes(caught.value.issues)) == [
        ("PL-LED-001", "B1"),
        ("PL-LED-002", "B2"),
        ("PL-LED-002", "B6"),
        ("PL-LED-003", "B4"),
        ("PL-LED-007", "B3"),
    ]
    # a good entry posted with them is refused with them: nothing is half-posted
    good = Expenditure(id="G1", scheme="S2", date=date(2025, 9, 1), net="9.00")
    with pytest.raises(IssueError):
        led.post(good, *bad)
    assert "G1" not in led


def test_post_checks_only_the_new_entries(
    bcf: tuple[Agreement, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries already in the ledger are not checked again (the CSV path posts 10^6)."""
    from pooledledger.model.entry_checks import ENTRY_CHECKS

    _, led = bcf
    seen: list[str] = []

    def counting(check: EntryCheck) -> EntryCheck:
        def run(agreement: Agreement, entries: Any) -> list[Issue]:
            seen.extend(e.id for e in entries)
            return check(agreement, entries)

        return run

    monkeypatch.setattr(ledger_module, "ENTRY_CHECKS", tuple(counting(c) for c in ENTRY_CHECKS))
    new = Expenditure(id="N1", scheme="S2", date=date(2025, 9, 1), net="9.00")
    bigger = led.post(new)
    assert set(seen) == {"N1"}
    seen.clear()
    bigger.post(new)  # an identical re-post is a no-op, and is not checked again
    assert seen == []


def test_ledger_error_is_coded() -> None:
    ag = load_agreement(str(EXAMPLES / "example2_bcf.toml"))
    e = Expenditure(id="E", scheme="S2", date=date(2025, 9, 1), net="9.00")
    with pytest.raises(LedgerError) as caught:
        Ledger(ag, [e, e.model_copy(update={"net": e.net * 2})])
    assert codes(caught.value.issues) == [("PL-LED-103", "E")]


# -- 2. the close and every report refuse a ledger with errors ------------------------------


@pytest.fixture(scope="module")
def unbalanced(bcf: tuple[Agreement, Ledger]) -> Ledger:
    """A ledger with a whole-ledger error: ICB's S3 instalments exceed its contribution."""
    _, led = bcf
    extra = Instalment(
        id="ICB-S3-EXTRA", partner="ICB", scheme="S3", year=Y25, amount="0.01",
        due_date=date(2025, 12, 1),
    )  # fmt: skip
    bad = led.post(extra)  # entry-level checks pass: only the ledger as a whole is wrong
    assert "PL-LED-008" in {i.code for i in check_ledger(bad) if i.is_error}
    return bad


def test_close_refuses_ledger_with_errors(
    bcf: tuple[Agreement, Ledger], unbalanced: Ledger
) -> None:
    ag, _ = bcf
    with pytest.raises(IssueError) as caught:
        close_year(ag, unbalanced, Y25)
    assert "PL-LED-008" in {i.code for i in caught.value.issues}


@pytest.mark.parametrize(
    "entry_point",
    [
        "year_end_reports",
        "quarterly_report",
        "balances_m6",
        "balances_m12",
        "memorandum_account",
        "terminate",
        "write_year_end",
    ],
)
def test_every_report_refuses_ledger_with_errors(
    bcf: tuple[Agreement, Ledger], unbalanced: Ledger, entry_point: str, tmp_path: Path
) -> None:
    ag, led = bcf
    good = year_end_reports(ag, led, Y25)
    calls: dict[str, Any] = {
        "year_end_reports": lambda: year_end_reports(ag, unbalanced, Y25),
        "quarterly_report": lambda: quarterly_report(ag, unbalanced, Y25, 2),
        "balances_m6": lambda: agreement_of_balances(ag, unbalanced, Y25, 6),
        "balances_m12": lambda: agreement_of_balances(ag, unbalanced, Y25, 12, good.close),
        "memorandum_account": lambda: memorandum_account(ag, unbalanced, good.close),
        "terminate": lambda: terminate(ag, unbalanced, date(2026, 1, 1)),
        "write_year_end": lambda: write_year_end(good, unbalanced, tmp_path),
    }
    with pytest.raises(IssueError) as caught:
        calls[entry_point]()
    assert "PL-LED-008" in {i.code for i in caught.value.issues}
    assert not any(tmp_path.iterdir())  # nothing written


def test_check_ledger_is_cached(
    bcf: tuple[Agreement, Ledger], monkeypatch: pytest.MonkeyPatch
) -> None:
    ag, led = bcf
    fresh = Ledger(ag, led.entries)
    first = check_ledger(fresh)
    runs: list[int] = []

    def counted(_: Ledger) -> list[Issue]:
        runs.append(1)
        return []

    monkeypatch.setattr("pooledledger.yearend.checks.LEDGER_CHECKS", (counted, *LEDGER_CHECKS))
    assert check_ledger(fresh) == first
    close_year(ag, fresh, Y25)
    assert runs == []


# -- 3. dates outside the supported range --------------------------------------------------

OUT_OF_RANGE = [date(9999, 6, 1), date(1, 1, 15), date(1900, 3, 31), date(2200, 4, 1)]


@pytest.mark.parametrize("day", OUT_OF_RANGE, ids=str)
def test_year_9999_date_is_coded_issue_api(bcf: tuple[Agreement, Ledger], day: date) -> None:
    _, led = bcf
    e = Expenditure(id="FAR", scheme="S2", date=day, net="9.00")
    with pytest.raises(IssueError) as caught:
        led.post(e)
    assert [(i.code, i.location.entry_id, i.location.field) for i in caught.value.issues] == [
        ("PL-LED-011", "FAR", "date")
    ]


def test_supported_range_edges_are_accepted(bcf: tuple[Agreement, Ledger]) -> None:
    ag, _ = bcf
    for year, day in (
        (FinancialYear(1900), date(1900, 4, 1)),
        (FinancialYear(2199), date(2200, 3, 31)),
    ):
        c = Contribution(
            id="C", partner="ICB", scheme="RP", year=year, amount="1", effective_date=day,
            approval_ref="x",
        )  # fmt: skip
        assert codes(Ledger(ag, [c]).entry_issues) == []


def test_year_9998_contribution_is_coded_issue_api(bcf: tuple[Agreement, Ledger]) -> None:
    _, led = bcf
    c = Contribution(
        id="FAR",
        partner="ICB",
        scheme="S2",
        year=FinancialYear(9998),
        amount="1.00",
        effective_date=date(9998, 5, 1),
        approval_ref="x",
    )
    with pytest.raises(IssueError) as caught:
        led.post(c)
    assert [(i.code, i.location.field) for i in caught.value.issues] == [
        ("PL-LED-011", "year"),
        ("PL-LED-011", "effective_date"),
    ]


def test_year_9999_date_is_coded_issue_csv(bcf: tuple[Agreement, Ledger], tmp_path: Path) -> None:
    ag, _ = bcf
    path = write_csv(
        tmp_path / "far.csv",
        [
            ["entry", "id", "scheme", "date", "net"],
            ["expenditure", "E1", "S2", "2025-06-30", "1.00"],
            ["expenditure", "FAR1", "S2", "9999-06-01", "1.00"],
            ["expenditure", "FAR2", "S2", "0001-01-15", "1.00"],
        ],
    )
    ledger, issues = read_ledger_csv(ag, path)
    assert ledger is None
    assert sorted((i.code, i.location.row or 0, i.location.entry_id) for i in issues) == [
        ("PL-LED-011", 3, "FAR1"),
        ("PL-LED-011", 4, "FAR2"),
    ]


def test_year_9999_date_is_coded_issue_toml(bcf: tuple[Agreement, Ledger], tmp_path: Path) -> None:
    ag, _ = bcf
    path = tmp_path / "far.toml"
    path.write_text(
        '[[entries]]\nentry = "expenditure"\nid = "FAR"\nscheme = "S2"\n'
        'date = 9999-06-01\nnet = "1.00"\n',
        encoding="utf-8",
    )
    ledger, issues = read_ledger(ag, path)
    assert ledger is None
    assert [(i.code, i.location.row) for i in issues] == [("PL-LED-011", 1)]


@pytest.mark.parametrize("command", ["check", "close"])
def test_year_9999_date_is_coded_issue_cli(tmp_path: Path, command: str) -> None:
    path = write_csv(
        tmp_path / "far.csv",
        [
            ["entry", "id", "scheme", "date", "net"],
            ["expenditure", "FAR1", "S2", "9999-06-01", "1.00"],
        ],
    )
    args = [command, str(EXAMPLES / "example2_bcf.toml"), str(path)]
    if command == "close":
        args += ["--out", str(tmp_path / "out")]
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code != 0
    assert "PL-LED-011" in result.output
    assert "Traceback" not in result.output


# -- 4. new warnings -----------------------------------------------------------------------


def test_negative_income_warns(bcf: tuple[Agreement, Ledger], tmp_path: Path) -> None:
    ag, led = bcf
    credit = Income(id="NEG", scheme="S3", date=date(2025, 9, 1), amount="-5000.00")
    posted = led.post(credit)  # a warning does not refuse the entry
    warned = [i for i in check_ledger(posted) if i.code == "PL-LED-012"]
    assert [(i.severity, i.location.entry_id) for i in warned] == [(Severity.WARNING, "NEG")]
    assert "reversal" in warned[0].message
    # a CSV cell "(£5000.00)" on an income row: warned, with its line, still imported
    path = write_csv(
        tmp_path / "neg.csv",
        [
            ["entry", "id", "scheme", "date", "amount"],
            ["income", "NEG", "S3", "2025-09-01", "(£5000.00)"],
        ],
    )
    ledger, issues = read_ledger_csv(ag, path)
    assert ledger is not None
    assert [(i.code, i.location.row) for i in issues if i.code == "PL-LED-012"] == [
        ("PL-LED-012", 2)
    ]


def test_negative_vat_on_positive_net_warns(bcf: tuple[Agreement, Ledger]) -> None:
    _, led = bcf
    odd = Expenditure(id="ODD", scheme="S2", date=date(2025, 9, 1), net="100.00", vat="-20.00")
    credit_note = Expenditure(
        id="CN", scheme="S2", date=date(2025, 9, 1), net="-100.00", vat="-20.00"
    )
    posted = led.post(odd, credit_note)
    assert [
        (i.code, i.severity, i.location.entry_id, i.location.field)
        for i in check_ledger(posted)
        if i.code == "PL-LED-013"
    ] == [("PL-LED-013", Severity.WARNING, "ODD", "vat")]


def test_new_codes_are_catalogued() -> None:
    for code in ("PL-LED-011", "PL-LED-012", "PL-LED-013"):
        assert code in ISSUE_CODES


# -- 5. warnings travel with the result --------------------------------------------------


def test_warnings_travel_to_every_report(bcf: tuple[Agreement, Ledger], tmp_path: Path) -> None:
    ag, led = bcf
    posted = led.post(Income(id="NEG", scheme="S3", date=date(2025, 9, 1), amount="-5000.00"))
    close = close_year(ag, posted, Y25)
    assert "PL-LED-012" in {i.code for i in close.issues}
    reports = year_end_reports(ag, posted, Y25)
    assert "PL-LED-012" in {i.code for i in reports.close.issues}
    assert "PL-LED-012" in reports.to_markdown()
    assert "PL-LED-012" in reports.model_dump_json()
    assert "PL-LED-012" in render_html(reports)
    written = write_year_end(reports, posted, tmp_path)
    by_suffix = {p.suffix or "csv": p for p in written}
    for suffix in (".json", ".md", ".html"):
        assert "PL-LED-012" in by_suffix[suffix].read_text(encoding="utf-8"), suffix
    workbook = load_workbook(by_suffix[".xlsx"], read_only=True)
    cells = {
        str(v) for ws in workbook.worksheets for row in ws.iter_rows(values_only=True) for v in row
    }
    workbook.close()
    assert "PL-LED-012" in cells
    issues_csv = (by_suffix["csv"] / "issues.csv").read_text(encoding="utf-8")
    assert "PL-LED-012" in issues_csv
    assert json.loads(by_suffix[".json"].read_text(encoding="utf-8"))["close"]["issues"]
    # in-year reports carry them too
    q = quarterly_report(ag, posted, Y25, 3)
    assert "PL-LED-012" in {i.code for i in q.issues}
    assert "PL-LED-012" in q.to_markdown()
    assert "PL-LED-012" in render_quarterly_html(q)
    for month in (6, 9, 12):
        aob = agreement_of_balances(ag, posted, Y25, month)
        assert "PL-LED-012" in {i.code for i in aob.issues}
        assert "PL-LED-012" in aob.to_markdown()


def test_year_9999_date_is_coded_issue_excel(bcf: tuple[Agreement, Ledger], tmp_path: Path) -> None:
    from openpyxl import Workbook

    from pooledledger import read_ledger_excel

    ag, _ = bcf
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["entry", "id", "scheme", "date", "net"])
    sheet.append(["expenditure", "FAR", "S2", date(9999, 6, 1), "1.00"])
    path = tmp_path / "far.xlsx"
    book.save(path)
    ledger, issues = read_ledger_excel(ag, path)
    assert ledger is None
    assert [(i.code, i.location.row, i.location.entry_id) for i in issues] == [
        ("PL-LED-011", 2, "FAR")
    ]


def test_negative_contribution_total_is_coded_not_a_crash(bcf: tuple[Agreement, Ledger]) -> None:
    """Found by the acceptance property: a reduction larger than the contribution made the
    close fail with an AllocationError; now the ledger check names it (PL-LED-014)."""
    ag, led = bcf
    cut = Contribution(
        id="ICB-S4-CUT", partner="ICB", scheme="S4", year=Y25, amount="-99999999.00",
        effective_date=date(2025, 10, 1), approval_ref="ICB Board",
    )  # fmt: skip
    posted = led.post(cut)
    errors = [(i.code, i.location.entry_id) for i in check_ledger(posted) if i.is_error]
    assert ("PL-LED-014", "ICB-S4-CUT") in errors  # (and its instalments no longer add up)
    with pytest.raises(IssueError) as caught:
        close_year(ag, posted, Y25)
    assert "PL-LED-014" in {i.code for i in caught.value.issues}
