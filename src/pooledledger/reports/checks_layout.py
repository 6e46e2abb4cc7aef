"""The conservation and checks section, stated once (docs/reports.md#how-a-report-is-built).

:func:`checks_document` lays out what shows that the year-end reports hold together: I-1
as a table (every pound in is applied), the memorandum account's self-checks, the
other reports' checks and the issues found.  The HTML page's last section and the
workbook's "Checks" sheet are both rendered from it; where they differ (the
workbook's difference columns and report checks, the HTML's pass/fail line, the
issues each lists), the difference is stated here with
:class:`~pooledledger.reports.document.Alt` or ``only``.  The Markdown shows I-1
and the self-checks inside the memorandum account
(:mod:`pooledledger.reports.memorandum_layout`) and the close's issues after the
statements, so this document has no Markdown form.

Reports read results and never write entries (layer L4); this module is pure.
"""

from __future__ import annotations

from collections.abc import Sequence

from pooledledger.core.errors import Issue
from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.document import (
    HTML,
    WORKBOOK,
    Alt,
    Cell,
    Column,
    Document,
    Format,
    Paragraph,
    Row,
    RowKind,
    Section,
    Table,
    money,
    text,
)
from pooledledger.reports.memorandum import Conservation, ReportCheck, _year_ended
from pooledledger.reports.quarterly import QuarterlyReport

__all__ = ["checks_document"]

LEAD = (
    "Every pound in is applied: brought forward, contributions, additional "
    "contributions and income equal expenditure, returns and carry-forwards, to the "
    "penny. A failed check is shown here, not hidden."
)
NO_ISSUES = "The close found no issues."
CHECK_COLUMNS = (
    Column("Check", "text"),
    Column("Left"),
    Column("Right"),
    Column("Difference", only=WORKBOOK),
    Column("Holds", "flag"),
)
ISSUE_COLUMNS = (
    Column("Code", "text"),
    Column("Severity", "text"),
    Column("From", "text", only=WORKBOOK),
    Column("Where", "text"),
    Column("Message", "text"),
)


def _conservation(c: Conservation) -> Table:
    """I-1: the resources in, then what applied them; each total the sum of its four
    lines above it (a subtotal in the workbook, which shows the difference too)."""
    rows = []
    for n, (label, pence, total) in enumerate(c.lines()):
        if total:
            terms = tuple((n - 4 + x, 1, 1) for x in range(4))
            kind: Alt[RowKind] = Alt("total", workbook="subtotal")
            rows.append(Row((text(label), money(pence, sum=terms)), kind))
        else:
            rows.append(Row((text(label), money(pence))))
    rows += [
        Row((text("Resources in = resources applied"), Cell(c.holds, "flag")), only=HTML),
        Row(
            (
                text("Difference (must be nil)"),
                money(c.inflow - c.outflow, sum=((4, 1, 1), (9, 1, -1))),
            ),
            "total",
            only=WORKBOOK,
        ),
    ]
    caption = Alt("Conservation (I-1)", workbook="Conservation (I-1): every pound in is applied")
    return Table(caption, (Column(Alt("", workbook="Item"), "text"), Column("£")), tuple(rows))


def _self_checks(checks: Sequence[ReportCheck]) -> Table:
    rows = [
        Row(
            (
                text(x.name),
                money(x.left),
                money(x.right),
                money(x.left - x.right, sum=((i, 1, 1), (i, 2, -1))),
                Cell(x.holds, "flag"),
            )
        )
        for i, x in enumerate(checks)
    ]
    caption = Alt("Self-checks of the account", workbook="Self-checks of the memorandum account")
    return Table(caption, CHECK_COLUMNS, tuple(rows))


def _report_checks(r: YearEndReports) -> Table:
    """The other reports' checks (the workbook's; the HTML page shows them in its summary)."""
    checks = [
        ("£000 note casts (funding, net and shares)", r.note.casts),
        ("£000 note: the exact column casts", r.note.casts_exactly),
        ("Host–partner balances mirror (I-6)", r.balances.mirrors),
    ]
    for p, st in r.statements.items():
        checks.append((f"{p}: journal balances", st.journal.is_balanced))
        checks.append((f"{p}: journal net cost agrees to its net share (I-5)", st.net_cost_agrees))
    rows = tuple(Row((text(name), Cell(holds, "flag"))) for name, holds in checks)
    columns = (Column("Check", "text"), Column("Holds", "flag"))
    return Table("Report checks", columns, rows, only=WORKBOOK)


def _issue_row(where: str, issue: Issue, only: frozenset[Format] | None) -> Row:
    cells = (issue.code, issue.severity.value, where, str(issue.location), issue.message)
    return Row(tuple(text(x) for x in cells), only=only)


def _issue_shown(new: bool, from_close: bool) -> frozenset[Format] | None:
    """Where an issue is listed: the HTML lists every one of the close's, the
    workbook every issue once."""
    if from_close:
        return None if new else HTML
    return WORKBOOK if new else frozenset()


def _issues(
    r: YearEndReports, quarters: Sequence[QuarterlyReport], issues: Sequence[Issue]
) -> list[Table | Paragraph]:
    """The issues: the close's (HTML), and in the workbook each once with those of the
    agreement of balances, the quarterly reports and the input."""
    rows: list[Row] = []
    seen: set[str] = set()
    groups = (
        ("close", r.close.issues),
        ("agreement of balances", r.balances.issues),
        *[(f"quarterly Q{q.quarter}", q.issues) for q in quarters],
        ("input", issues),
    )
    for where, group in groups:
        for issue in group:
            key = issue.model_dump_json()
            only = _issue_shown(key not in seen, where == "close")
            seen.add(key)
            if only != frozenset():
                rows.append(_issue_row(where, issue, only))
    html, workbook = bool(r.close.issues), bool(seen)
    caption = Alt("Issues found by the close", workbook="Issues and warnings")
    out: list[Table | Paragraph] = []
    if workbook:
        out.append(Table(caption, ISSUE_COLUMNS, tuple(rows), only=None if html else WORKBOOK))
    if not html:
        only = None if not workbook else HTML
        out.append(Paragraph(NO_ISSUES, only=only, style=Alt("", workbook="text")))
    return out


def checks_document(
    r: YearEndReports,
    quarters: Sequence[QuarterlyReport] = (),
    issues: Sequence[Issue] = (),
) -> Document:
    """Conservation and checks as a document: HTML and the workbook's Checks sheet.

    ``quarters`` and ``issues`` (e.g. the input files' warnings) add their issues to
    the workbook's list."""
    title = Alt(
        "Conservation and checks",
        workbook=f"Checks — {r.agreement.name} — {_year_ended(r.year, r.close.terminated_on)}",
    )
    blocks = (
        _conservation(r.memorandum.conservation),
        _self_checks(r.memorandum.checks),
        _report_checks(r),
        *_issues(r, quarters, issues),
    )
    return Document(title, (Section(blocks),), (LEAD,), id="checks")
