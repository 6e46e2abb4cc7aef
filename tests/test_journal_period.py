"""Journals name their period with inclusive dates: 2025-04-01 to 2026-03-31 for a year."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

from pooledledger import FinancialYear, apportion, build_journals, load_agreement, load_ledger
from pooledledger.reports.bundle import year_end_reports
from pooledledger.reports.summary import journals_markdown
from pooledledger.tables import journal_table
from pooledledger.yearend.close import close_year

EXAMPLES = files("pooledledger") / "examples"
Y25 = FinancialYear(2025)


def test_year_end_journals_end_on_31_march() -> None:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")  # type: ignore[arg-type]
    ledger = load_ledger(agreement, EXAMPLES / "example2_ledger.toml")  # type: ignore[arg-type]
    close = close_year(agreement, ledger, Y25)
    for journal in close.journals.values():
        assert (journal.start, journal.end) == ("2025-04-01", "2026-03-31")
    rows = journal_table(close.journals).rows
    assert {r["end"] for r in rows} == {date(2026, 3, 31)}
    reports = year_end_reports(agreement, ledger, Y25)
    statement = reports.statements["ICB"].to_markdown()
    assert "Period 2025-04-01 to 2026-03-31;" in statement
    assert "2026-04-01" not in journals_markdown(close.journals)


def test_in_year_journals_end_on_the_months_last_day() -> None:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")  # type: ignore[arg-type]
    ledger = load_ledger(agreement, EXAMPLES / "example2_ledger.toml")  # type: ignore[arg-type]
    journals, _ = build_journals(ledger, apportion(ledger, Y25, upto=Y25.month(6).end))
    assert {(j.start, j.end) for j in journals.values()} == {("2025-04-01", "2025-09-30")}
