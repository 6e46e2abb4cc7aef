"""The quarterly monitoring report's layout, stated once (docs/reports.md#how-a-report-is-built).

:func:`quarterly_document` lays a :class:`~pooledledger.reports.quarterly.QuarterlyReport`
out as a :class:`~pooledledger.reports.document.Document`, in sections the HTML page
places by their ``id``:

* ``actuals``: actuals to date and forecast outturn per scheme, the table of the
  *annual funding against forecast outturn* chart (a
  :class:`~pooledledger.reports.document.ChartSpec`: HTML draws it, Markdown and the
  workbook show its table);
* ``projection``: the projected allocation under the rules (Markdown; the HTML page
  has the variance chart instead) and the projected year end by partner;
* ``action``: the action plan, an overspend's notification date and the notes;
* ``issues``: the projected close's issues (the workbook lists them on its Checks sheet).

Markdown, the HTML page and each quarter on the workbook's "Quarterly monitoring"
sheet are rendered from it.  Where the three word a thing differently, the
difference is stated here with :class:`~pooledledger.reports.document.Alt` or ``only``.

Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from collections.abc import Sequence

from pooledledger.core.errors import Issue
from pooledledger.core.money import format_pence
from pooledledger.reports.document import (
    HTML,
    MARKDOWN,
    NOT_MARKDOWN,
    NOT_WORKBOOK,
    WORKBOOK,
    Alt,
    Cell,
    ChartSpec,
    Column,
    Document,
    Item,
    Items,
    Row,
    Section,
    Series,
    Table,
    column_sum,
    head,
    money,
    one_line,
    text,
    total_row,
)
from pooledledger.reports.memorandum_layout import long_date
from pooledledger.reports.quarterly import QuarterlyReport

__all__ = ["issues_table", "quarterly_document"]

#: How to read the budget chart (the HTML page shows it under the chart's caption).
HOW_FORECAST = (
    "Each scheme has two bars on one scale: the light bar is its annual funding (the "
    "partners' approved contributions), the dark bar its forecast net outturn. The figure "
    "at the right is the projected overspend or underspend."
)

_ACTUALS = ("annual_funding", "ytd_expenditure", "ytd_income", "ytd_net", "forecast_net")
_ACTUALS_HEADS = ("annual funding", "YTD gross", "YTD income", "YTD net", "forecast net outturn")
_PARTNER_HEADS = (
    "paid in",
    "risk pool used",
    "deficit share",
    "underspend share",
    "net share",
    "balance",
    "settlement",
)


def _actuals(q: QuarterlyReport) -> Table:
    """Per scheme: funding, actuals to date, forecast and projected variance; the
    workbook works out the net to date, the variance and the totals."""
    rows = [
        Row(
            (
                text(s.scheme),
                text(s.name),
                money(s.annual_funding),
                money(s.ytd_expenditure),
                money(s.ytd_income),
                money(s.ytd_net, sum=((r, 3, 1), (r, 4, -1))),
                money(s.forecast_net),
                Cell(s.forecast_method, nowrap=True),
                money(s.projected_variance, sum=((r, 6, 1), (r, 2, -1))),
            )
        )
        for r, s in enumerate(q.schemes)
    ]
    n = len(rows)
    totals = [sum(getattr(s, f) for s in q.schemes) for f in _ACTUALS]
    variance = sum(s.projected_variance for s in q.schemes)
    sums = [money(v, sum=column_sum(n, 2 + j)) for j, v in enumerate(totals)]
    blank = Cell(None)
    rows.append(total_row("Total", blank, *sums, blank, money(variance, sum=column_sum(n, 8))))
    columns = (
        Column(head("scheme"), "text"),
        Column("Name", "text", only=NOT_MARKDOWN),
        *[Column(head(h)) for h in _ACTUALS_HEADS],
        Column(head("method"), "text"),
        Column(head("projected variance")),
    )
    caption = Alt(
        "Actuals to date and forecast outturn",
        workbook=f"Q{q.quarter}: actuals {q.period_start:%d/%m/%Y} to "
        f"{q.period_last_day:%d/%m/%Y} ({q.months_elapsed} months) and forecast outturn "
        "(£; variance: overspend positive)",
    )
    return Table(caption, columns, tuple(rows))


def _budget_chart(q: QuarterlyReport) -> ChartSpec:
    """Annual funding against forecast outturn: the actuals table is its text alternative."""
    return ChartSpec(
        "budget",
        f"Annual funding against forecast outturn by scheme, {q.year} Q{q.quarter}",
        HOW_FORECAST,
        tuple(s.scheme for s in q.schemes),
        (
            Series("Annual funding", tuple(s.annual_funding for s in q.schemes)),
            Series("Forecast net outturn", tuple(s.forecast_net for s in q.schemes)),
        ),
        _actuals(q),
        names=tuple(s.name for s in q.schemes),
        caption="Chart 1. Annual funding against forecast outturn by scheme",
    )


def _allocation(q: QuarterlyReport) -> Table:
    """Partner × scheme: what the rules would take from or give each partner (Markdown)."""
    partners = [p.partner for p in q.partners]
    rows: list[Row] = []
    for s in q.schemes:
        for label, values in (
            ("risk pool", s.projected_risk_pool),
            ("deficit share", s.projected_deficit),
            ("underspend share", s.projected_underspend),
        ):
            if any(values.values()):
                shares = [money(values.get(p, 0)) for p in partners]
                rows.append(Row((text(s.scheme), text(label), *shares)))
    columns = (Column("scheme", "text"), Column("", "text"), *[Column(p) for p in partners])
    caption = "Projected allocation under the rules (partner × scheme)"
    return Table(caption, columns, tuple(rows), only=MARKDOWN)


def _by_partner(q: QuarterlyReport) -> Table:
    """Each partner's projected year end; the workbook adds a Total row."""
    figures = [
        (
            p.contributions + p.risk_pool_contribution,
            p.risk_pool_used,
            p.deficit,
            p.underspend,
            p.net_share,
            p.balance,
            p.settlement,
        )
        for p in q.partners
    ]
    rows = [
        Row((text(p.partner), *[money(v) for v in values]))
        for p, values in zip(q.partners, figures, strict=True)
    ]
    n = len(rows)
    totals = [sum(values[j] for values in figures) for j in range(len(_PARTNER_HEADS))]
    rows.append(
        total_row(
            "Total",
            *[money(v, sum=column_sum(n, 1 + j)) for j, v in enumerate(totals)],
            only=WORKBOOK,
        )
    )
    columns = (Column(head("partner"), "text"), *[Column(head(h)) for h in _PARTNER_HEADS])
    caption = Alt(
        "Projected year end by partner", workbook=f"Q{q.quarter}: projected year end by partner (£)"
    )
    return Table(caption, columns, tuple(rows))


def _overspent(q: QuarterlyReport, symbol: str = "") -> str:
    """The schemes projecting an overspend, each with its amount (after ``symbol``)."""
    return ", ".join(
        f"{s.scheme} {symbol}{format_pence(s.projected_variance)}"
        for s in q.schemes
        if s.projected_variance > 0
    )


def _action(q: QuarterlyReport) -> Item:
    """Whom to tell by when of a projected overspend, or that there is none."""
    if q.notify_by is None:
        return Item(
            Alt(
                "No scheme projects an overspend.",
                html="No scheme projects an overspend",
                workbook=f"Q{q.quarter}: no scheme projects an overspend.",
            ),
            "ok",
        )
    days, made = q.notify_within_working_days, q.projection_date
    return Item(
        Alt(
            f"Projected overspend ({_overspent(q)}): tell the partners by "
            f"**{q.notify_by}** ({days} working days after {made}), with reasons and "
            "corrective actions.",
            html=f"Projected overspend ({_overspent(q, '£')}): tell the partners by "
            f"{long_date(q.notify_by)}",
            workbook=f"Q{q.quarter} projected overspend ({_overspent(q, '£')}): tell the "
            f"partners by {q.notify_by:%d/%m/%Y} ({days} working days after {made:%d/%m/%Y}).",
        ),
        "bad",
    )


def _action_plan(q: QuarterlyReport) -> Items:
    """The action, the notes, and (HTML) how many issues the projection raised."""
    issues = f"{len(q.issues)} issue(s)" if q.issues else "No issues"
    return Items(
        (_action(q), *[Item(n) for n in q.notes], Item(issues, only=HTML)),
    )


def issues_table(issues: Sequence[Issue]) -> Table:
    """Code, severity, where and message of each issue (Markdown and HTML)."""
    rows = [
        Row((text(i.code), text(i.severity.value), text(str(i.location)), text(i.message)))
        for i in issues
    ]
    columns = tuple(Column(head(h), "text") for h in ("code", "severity", "where", "message"))
    return Table("Issues", columns, tuple(rows), only=NOT_WORKBOOK)


def quarterly_document(q: QuarterlyReport) -> Document:
    """The quarterly monitoring report (docs/reports.md#the-quarterly-monitoring-report)
    as a document; the workbook writes its sections under the sheet's own title."""
    name = f"{q.year} Q{q.quarter}"
    title = Alt(
        f"Quarterly report — {q.agreement_name} — {name}",
        markdown=f"Quarterly report — {one_line(q.agreement_name)} — {name}",
        html=f"{q.agreement_name} — quarterly report {name}",
    )
    description = Alt(
        f"Actuals from {q.period_start} to {q.period_last_day} ({q.months_elapsed} months). "
        "Amounts in £; negatives in brackets; variance: overspend positive.",
        html=f"Actuals from {long_date(q.period_start)} to {long_date(q.period_last_day)} "
        f"({q.months_elapsed} months); forecast outturn and projected shares under the "
        "agreement's rules.",
    )
    issues = (issues_table(q.issues),) if q.issues else ()
    sections = (
        Section((_budget_chart(q),), id="actuals"),
        Section((_allocation(q), _by_partner(q)), id="projection"),
        Section((_action_plan(q),), heading="Action plan", id="action"),
        Section(issues, id="issues"),
    )
    return Document(title, sections, (description,), id="quarterly")
