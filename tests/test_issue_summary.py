"""Repeated issues are summarised (code, count, first rows); the full list stays available."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from pooledledger.cli import main
from pooledledger.core.errors import Issue, IssueError, Location, Severity, summarise_issues
from pooledledger.io import load_agreement, load_ledger

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"


def _issue(code: str, row: int) -> Issue:
    return Issue(
        code=code, severity=Severity.ERROR, message="bad", location=Location(file="f", row=row)
    )


def test_summary_keeps_three_then_counts() -> None:
    issues = [_issue("PL-CSV-011", n) for n in range(2, 2006)] + [_issue("PL-CSV-013", 9)]
    out = summarise_issues(issues)
    assert [i.code for i in out] == ["PL-CSV-011"] * 4 + ["PL-CSV-013"]
    assert [i.location.row for i in out[:3]] == [2, 3, 4]
    assert out[3].message.startswith("2004 PL-CSV-011 issues in all; 2001 more")
    assert "rows 5, 6, 7, 8, 9, …" in out[3].message
    # four of a kind are listed whole: a summary would save nothing
    four = [_issue("PL-CSV-015", n) for n in range(4)]
    assert summarise_issues(four) == four


def test_issue_error_message_is_summarised_but_keeps_every_issue() -> None:
    issues = [_issue("PL-CSV-011", n) for n in range(2, 2006)]
    exc = IssueError(issues, what="ledger x.csv")
    assert len(exc.issues) == 2004
    assert len(str(exc).splitlines()) == 5


def _bad_export(tmp_path: Path) -> Path:
    rows = ["entry,id,scheme,date,net"] + [f"AP INV,E{n},S3,30/04/2025,1.00" for n in range(50)]
    path = tmp_path / "export.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_cli_summarises_and_all_issues_lists_each(tmp_path: Path) -> None:
    agreement = EXAMPLES / "example2_bcf.toml"
    ledger = _bad_export(tmp_path)
    short = CliRunner().invoke(main, ["check", str(agreement), str(ledger)])
    assert short.exit_code == 1
    assert short.output.count("\n  PL-CSV-011 ") == 4
    assert "50 PL-CSV-011 issues in all; 47 more" in short.output
    assert "--all-issues lists each" in short.output
    full = CliRunner().invoke(main, ["check", str(agreement), str(ledger), "--all-issues"])
    assert full.exit_code == 1
    assert full.output.count("\n  PL-CSV-011 ") == 50


def test_load_ledger_raises_with_every_issue(tmp_path: Path) -> None:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    with pytest.raises(IssueError, match="47 more") as caught:
        load_ledger(agreement, _bad_export(tmp_path))
    assert len(caught.value.issues) == 50
