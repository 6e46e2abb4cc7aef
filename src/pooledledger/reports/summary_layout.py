"""The year-end summary's layout, stated once (docs/html-report.md#what-is-in-the-report).

:func:`summary_document` lays the summary of a
:class:`~pooledledger.reports.bundle.YearEndReports` out as a
:class:`~pooledledger.reports.document.Document`: the key figures, the status of
the self-checks, the settlements, and two charts, each a
:class:`~pooledledger.reports.document.ChartSpec` with its table beside it (its
text alternative):

* *budget against outturn* (:func:`budget_chart_spec`): per scheme, its
  contributions and its net expenditure;
* *how the variance was shared* (:func:`variance_chart_spec`): per scheme, what met
  an overspend (risk pool, offsetting, each partner's deficit share) and where an
  underspend went (each partner's underspend share).

The HTML page's "Summary" section draws the charts as SVG
(:func:`pooledledger.reports.html_charts.chart_svg`) and the workbook's "Summary"
sheet as native charts, both from the same specs: categories, series, titles.
Where the two outputs differ, the difference is written here with
:class:`~pooledledger.reports.document.Alt` or ``only``: the workbook opens with a
table of the pool (the HTML page has it in its header), words the status lines as
checks, writes dates as ``31/03/2008`` and carries its own notes.

Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.document import (
    HTML,
    WORKBOOK,
    Alt,
    Cell,
    ChartSpec,
    Column,
    Document,
    Format,
    Item,
    Items,
    Row,
    Section,
    Series,
    Table,
    column_sum,
    money,
    text,
    total_row,
)
from pooledledger.reports.html_charts import HOW_BUDGET, HOW_VARIANCE
from pooledledger.reports.html_parts import LEGAL_BASIS, host_position_text, settlement_text
from pooledledger.reports.memorandum import _year_ended
from pooledledger.reports.memorandum_layout import period_title

__all__ = ["budget_chart_spec", "summary_document", "variance_chart_spec"]

#: The workbook's sheet of checks and issues, which its status line points to.
CHECKS_SHEET = "Checks"


def _numeric_date(d: date | None) -> str:
    return "–" if d is None else f"{d:%d/%m/%Y}"


def _pool(r: YearEndReports) -> Table:
    """The pool's facts (the workbook; the HTML page has them in its header)."""
    ag = r.agreement
    host = ag.host_partner
    facts = [
        ("Agreement", f"{ag.name} ({ag.id})"),
        ("Year", f"{r.year}, {_year_ended(r.year, r.close.terminated_on)}"),
        ("Host", f"{host.name} ({host.id})"),
        ("Pooled fund manager", ag.pooled_fund_manager),
        ("Legal basis", LEGAL_BASIS.get(ag.legal_basis, ag.legal_basis.value)),
        ("Partners", ", ".join(f"{p.name} ({p.id})" for p in ag.partners)),
        ("Term", f"{_numeric_date(ag.term_start)} to {_numeric_date(ag.term_end)}"),
        ("Figures", "£ and pence, exact to the penny; negatives in brackets; overspends positive"),
    ]
    columns = (Column("Item", "text"), Column("Detail", "text"))
    return Table("Pool", columns, tuple(Row((text(k), text(v))) for k, v in facts), only=WORKBOOK)


def _key_figures(r: YearEndReports) -> Table:
    """The year in seven figures (HTML: a card each)."""
    m, c = r.memorandum, r.close
    t = m.total
    refunded = sum(u.refunded for q in m.partners for u in m.underspend[q].values())
    figures = [
        ("Total resources", t.total_resources),
        ("Gross expenditure", t.gross_expenditure),
        ("Net surplus/(deficit)", t.net),
        ("Risk pool used", sum(pc.risk_pool_used for pc in c.partners)),
        ("Additional contributions", t.additional_contributions),
        ("Underspend refunded", refunded),
        ("Carried forward", t.carried_forward),
    ]
    rows = tuple(Row((text(label), money(v))) for label, v in figures)
    columns = (Column("Figure", "text"), Column("£"))
    return Table("Key figures", columns, rows, look="figures")


def _status(r: YearEndReports) -> list[Items | Table]:
    """Whether the checks hold: HTML says how (chips), the workbook names each check."""
    m, c = r.memorandum, r.close
    holds, n = m.conservation.holds, len(m.checks)
    failed = [x.name for x in m.checks if not x.holds]
    errors = [i for i in c.issues if i.is_error]
    mirrors, casts = r.balances.mirrors, r.note.casts
    checks = f"{n} of {n} self-checks hold" if not failed else f"{len(failed)} self-check(s) FAIL"
    issues = f"{len(c.issues)} issue(s) from the close" if c.issues else "No issues from the close"
    lines = [  # (HTML chip, workbook check, holds)
        (
            "Conservation (I-1) holds" if holds else "Conservation FAILS",
            "Conservation (I-1): resources in = resources applied",
            holds,
        ),
        (checks, f"Self-checks of the account ({n})", not failed),
        (
            "Host–partner balances mirror (I-6)" if mirrors else "Balances do NOT mirror",
            "Host–partner balances mirror (I-6)",
            mirrors,
        ),
        ("£000 note casts" if casts else "£000 note does NOT cast", "£000 note casts", casts),
        (
            issues,
            f"Issues from the close: {len(c.issues)} ({len(errors)} error(s)); "
            f"see the {CHECKS_SHEET} sheet",
            not errors,
        ),
    ]
    chips = [Item(chip, "ok" if ok else "bad") for chip, _, ok in lines]
    chips[-1] = Item(issues, "bad" if errors else "info")  # issues without errors: information
    rows = tuple(Row((text(check), text("yes" if ok else "NO"))) for _, check, ok in lines)
    columns = (Column("Check", "text"), Column("Holds", "text"))
    return [Items(tuple(chips), only=HTML), Table("Status", columns, rows, only=WORKBOOK)]


def _settlements(r: YearEndReports) -> Items:
    """Who pays whom by when; HTML adds the host's net position to the host's line."""
    c = r.close
    items = []
    for pc in c.partners:
        said = settlement_text(pc.partner, pc.is_host, pc.settlement, pc.settlement_due)
        if pc.is_host:
            said += " " + host_position_text(c.host_position)
        numeric = settlement_text(
            pc.partner, pc.is_host, pc.settlement, pc.settlement_due, _numeric_date
        )
        items.append(Item(Alt(said, workbook=numeric)))
    return Items(tuple(items), heading="Settlements", look="list", name="settle")


def budget_chart_spec(r: YearEndReports) -> ChartSpec:
    """Chart 1: each scheme's budget (contributions) against its outturn (net
    expenditure), and Table 1 beside it; the workbook works out each variance."""
    schemes = r.close.schemes
    budget = tuple(sum(sc.contributions.values()) for sc in schemes)
    outturn = tuple(sc.net for sc in schemes)
    rows = [
        Row(
            (
                text(sc.scheme),
                text(sc.name),
                money(b),
                money(o),
                money(o - b, sum=((i, 3, 1), (i, 2, -1))),
            )
        )
        for i, (sc, b, o) in enumerate(zip(schemes, budget, outturn, strict=True))
    ]
    totals = (sum(budget), sum(outturn), sum(o - b for b, o in zip(budget, outturn, strict=True)))
    n = len(rows)
    rows.append(
        total_row(
            "Total", Cell(None), *[money(v, sum=column_sum(n, 2 + j)) for j, v in enumerate(totals)]
        )
    )
    columns = (
        Column("Scheme", "text"),
        Column("Name", "text"),
        Column(Alt("Budget", workbook="Budget (contributions)")),
        Column(Alt("Outturn", workbook="Outturn (net expenditure)")),
        Column("Variance (+ over)"),
    )
    caption = Alt(
        "Table 1. Budget and outturn by scheme (£)",
        workbook=f"Table 1. Budget against outturn by scheme, {r.year} (£)",
    )
    return ChartSpec(
        "budget",
        f"Budget against outturn by scheme, {r.year}",
        HOW_BUDGET,
        tuple(sc.scheme for sc in schemes),
        (
            Series("Budget (contributions)", budget, "budget", 2),
            Series(
                "Outturn (net expenditure)",
                outturn,
                "outturn",
                3,
                Alt("Outturn (net expenditure)", workbook="Outturn"),
            ),
        ),
        Table(caption, columns, tuple(rows)),
        caption="Chart 1. Budget against outturn by scheme",
        names=tuple(sc.name for sc in schemes),
    )


def _variance_series(r: YearEndReports, offset_col: bool) -> tuple[Series, ...]:
    """Risk pool, offsetting (when the workbook has it), each partner's deficit share,
    then each partner's underspend share (drawn to the left); their Table 2 columns."""
    schemes, partners = r.close.schemes, list(r.memorandum.partners)
    series = [
        Series(
            "Risk pool used", tuple(sum(sc.risk_pool.values()) for sc in schemes), "risk_pool", 2
        )
    ]
    if offset_col:
        offset = tuple(sum(sc.offset.values()) for sc in schemes)
        series.append(
            Series(
                "Offsetting",
                offset,
                "offset",
                3,
                Alt("Offset between schemes", workbook="Offsetting"),
            )
        )
    first = 4
    for side in ("deficit", "underspend"):
        for p in partners:
            values = tuple(getattr(sc, side).get(p, 0) for sc in schemes)
            series.append(Series(f"{p} {side} share", values, f"{side}:{p}", first))
            first += 1
    return tuple(series)


def variance_chart_spec(r: YearEndReports) -> ChartSpec:
    """Chart 2: how each scheme's variance was shared, and Table 2 beside it."""
    schemes = r.close.schemes
    # the workbook shows offsetting when any partner's is not nil, HTML when a scheme's is not
    shown: set[Format] = set()
    if any(sum(sc.offset.values()) for sc in schemes):
        shown |= {"html", "markdown"}
    if any(v for sc in schemes for v in sc.offset.values()):
        shown.add("workbook")
    series = _variance_series(r, "workbook" in shown)
    by_key = {s.key: s for s in series}
    offset = by_key.get("offset", Series("", tuple(sum(sc.offset.values()) for sc in schemes)))
    drawn = [s for s in series if s.key not in ("risk_pool", "offset")]
    rows = [
        Row(
            (
                text(sc.scheme),
                money(sc.variance),
                money(by_key["risk_pool"].values[i]),
                money(offset.values[i]),
                *[money(s.values[i]) for s in drawn],
            )
        )
        for i, sc in enumerate(schemes)
    ]
    n = len(rows)
    figures = [
        sum(sc.variance for sc in schemes),
        sum(by_key["risk_pool"].values),
        sum(offset.values),
        *[sum(s.values) for s in drawn],
    ]
    rows.append(
        total_row("Total", *[money(v, sum=column_sum(n, 1 + j)) for j, v in enumerate(figures)])
    )
    columns = (
        Column("Scheme", "text"),
        Column("Variance (+ over)"),
        Column("Risk pool used"),
        Column(Alt("Offset (+ in)", workbook="Offset (+ in, − out)"), only=frozenset(shown)),
        *[Column(s.name) for s in drawn],
    )
    caption = Alt(
        "Table 2. Variance and how it was shared (£)",
        workbook=f"Table 2. How each scheme's variance was shared, {r.year} (£)",
    )
    return ChartSpec(
        "variance",
        f"How each scheme's variance was shared, {r.year}",
        HOW_VARIANCE,
        tuple(sc.scheme for sc in schemes),
        series,
        Table(caption, columns, tuple(rows)),
        caption="Chart 2. How each scheme's variance was shared between the partners",
        names=tuple(sc.name for sc in schemes),
        ends=tuple(sc.variance for sc in schemes),
    )


def summary_document(r: YearEndReports, notes: Sequence[str] = ()) -> Document:
    """The year-end summary as a document; ``notes`` are the workbook's own (what it
    left out).  Each block is a section of its own: HTML runs them together."""
    period = _year_ended(r.year, r.close.terminated_on)
    title = Alt(f"{r.agreement.name} — year-end report — {period}", html="Summary")
    lead = Alt(
        "",
        html=f"{period_title(r.year, r.close.terminated_on)}. Figures in £ and pence, exact "
        "to the penny.",
    )
    settle: list[Items] = [_settlements(r)]
    if notes:  # what the workbook left out, in its warning format
        said = tuple(Item(x, "bad") for x in notes)
        settle.append(Items(said, look="list", only=WORKBOOK))
    blocks = (
        (_pool(r),),
        (_key_figures(r),),
        tuple(_status(r)),
        tuple(settle),
        (budget_chart_spec(r),),
        (variance_chart_spec(r),),
    )
    sections = tuple(Section(b) for b in blocks)
    return Document(title, sections, (lead,), id="summary", major=False)
