"""The year-end and quarterly reports as one self-contained, printable HTML page.

:func:`render_html` renders a :class:`~pooledledger.reports.bundle.YearEndReports`
and :func:`render_quarterly_html` a
:class:`~pooledledger.reports.quarterly.QuarterlyReport`.  Each returns one string:
inline CSS, inline SVG charts, no JavaScript and nothing fetched from the network
(no web fonts, no CDN, no images), so the page can be mailed, archived and printed
as it is.

The year-end page holds, in order: a header (pool, year, host, pooled fund
manager, legal basis); a summary (key figures, self-check status and two charts);
the memorandum account, sections A–M; the "Pooled budgets" note in £000; the
host–partner balances and the settlement schedule; each partner's statement with
the journals it posts; and the conservation check with every self-check.

Charts are static SVG drawn from the same integer-pence figures as the tables:

* *budget against outturn*: per scheme, its contributions and its net expenditure
  as a pair of horizontal bars, each labelled with its exact value;
* *how the variance was shared*: per scheme, a diverging bar; to the right of the
  centre line what met an overspend (risk pool, offsetting from other schemes,
  each partner's deficit share), to the left what an underspend went to (each
  partner's underspend share, offsetting to other schemes).

Bar lengths are pixel positions worked out from pence with integer arithmetic and
rounded to whole pixels; the money shown is never rounded.  Every chart has a
``<title>``, a ``<desc>`` and a table beside it with the same figures (the text
alternative).  Every piece of user text is escaped with :func:`html.escape`.

Reports read results and never write entries (layer L4); this module is pure.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from pooledledger.reports.balances_layout import balances_document
from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.checks_layout import checks_document
from pooledledger.reports.document import Block, ChartSpec, Document, Items, Table, pick, shown
from pooledledger.reports.html_charts import (
    HOW_VARIANCE,
    chart_figure,
    spec_figure,
    variance_bar_svg,
    variance_chart,
    variance_table,
)
from pooledledger.reports.html_parts import (
    LEGAL_BASIS,
    PARTNER_COLOURS,
    day_text,
    esc,
    figure_list,
    html_section,
    report_page,
    year_ended,
)
from pooledledger.reports.memorandum import MemorandumAccount
from pooledledger.reports.memorandum_layout import memorandum_document
from pooledledger.reports.note import PooledBudgetNote
from pooledledger.reports.note_layout import note_document
from pooledledger.reports.quarterly import QuarterlyReport
from pooledledger.reports.quarterly_layout import quarterly_document
from pooledledger.reports.statements import PartnerStatement
from pooledledger.reports.statements_layout import statement_document
from pooledledger.reports.summary_layout import summary_document
from pooledledger.reports.templating import html_document, html_items
from pooledledger.reports.templating import html_table as document_table

__all__ = ["PARTNER_COLOURS", "render_html", "render_quarterly_html"]

# -- the year-end page --------------------------------------------------------------------


def _header(r: YearEndReports) -> str:
    ag = r.agreement
    host = ag.host_partner
    basis = LEGAL_BASIS.get(ag.legal_basis, ag.legal_basis.value)
    partners = ", ".join(f"{p.name} ({p.id})" for p in ag.partners)
    facts = [
        ("Agreement", f"{ag.name} ({ag.id})"),
        ("Host", f"{host.name} ({host.id})"),
        ("Pooled fund manager", ag.pooled_fund_manager),
        ("Legal basis", basis),
        ("Partners", partners),
        ("Term", f"{day_text(ag.term_start)} to {day_text(ag.term_end)}"),
        ("Figures", "£ and pence; negatives in brackets; overspends positive"),
    ]
    dl = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts)
    toc = [
        ("summary", "Summary"),
        ("memorandum", "Memorandum account"),
        ("note", "Pooled budgets note"),
        ("balances", "Balances and settlement"),
        *[(f"statement-{esc(p)}", f"Statement: {p}") for p in r.statements],
        ("checks", "Conservation and checks"),
    ]
    nav = "".join(f'<a href="#{k}">{esc(v)}</a>' for k, v in toc)
    year = "" if str(r.year) in ag.name else f' <span class="year">{esc(r.year)}</span>'
    return (
        '<header class="report">'
        '<p class="kicker">Pooled fund year-end report</p>'
        f"<h1>{esc(ag.name)}{year}</h1>"
        f'<p class="muted">{esc(year_ended(r.year, r.close.terminated_on))}</p>'
        f'<dl class="facts">{dl}</dl>'
        f'<nav class="toc" aria-label="Contents">{nav}</nav>'
        "</header>"
    )


def _summary(r: YearEndReports) -> str:
    return html_document(summary_document(r))


def _memorandum(m: MemorandumAccount) -> str:
    return html_document(memorandum_document(m))


def _note(n: PooledBudgetNote) -> str:
    return html_document(note_document(n))


def _balances(r: YearEndReports) -> str:
    return html_document(balances_document(r.balances, r.memorandum))


def _statement(s: PartnerStatement) -> str:
    return html_document(statement_document(s))


def _checks(r: YearEndReports) -> str:
    return html_document(checks_document(r))


def render_html(reports: YearEndReports) -> str:
    """The year-end reports as one self-contained, printable HTML page (see module docs)."""
    r = reports
    body = "\n".join(
        [
            _header(r),
            _summary(r),
            _memorandum(r.memorandum),
            _note(r.note),
            _balances(r),
            *[_statement(s) for s in r.statements.values()],
            _checks(r),
            f"<footer>{esc(r.agreement.name)} ({esc(r.agreement.id)}) — {esc(r.year)}. "
            "Produced by pooledledger from the year-end close; every figure is exact "
            "to the penny except the £000 note.</footer>",
        ]
    )
    return report_page(f"{r.agreement.name} — year-end report {r.year}", body)


# -- the quarterly page ---------------------------------------------------------------------


def _quarterly_header(q: QuarterlyReport, doc: Document) -> str:
    """The page's header: the agreement, the quarter, the period and the facts."""
    when = "" if str(q.year) in q.agreement_name else f" {esc(q.year)}"
    return (
        '<header class="report">'
        '<p class="kicker">Pooled fund quarterly monitoring report</p>'
        f'<h1>{esc(q.agreement_name)} <span class="year">Q{q.quarter}{when}</span></h1>'
        # element content: quotes need no escaping (the page has always shown them as they are)
        f'<p class="muted">{html.escape(pick(doc.description[0], "html"), quote=False)}</p>'
        f'<dl class="facts"><dt>Agreement</dt><dd>{esc(q.agreement_name)} ({esc(q.agreement)})</dd>'
        f"<dt>Projection date</dt><dd>{esc(day_text(q.projection_date))}</dd>"
        "<dt>Figures</dt><dd>£ and pence; negatives in brackets; variance: overspend "
        "positive</dd></dl></header>"
    )


def _quarterly_blocks(blocks: Iterable[Block]) -> str:
    """A section's blocks the page shows: tables, status chips, charts with their tables."""
    out = []
    for b in blocks:
        if not shown(b.only, "html"):
            continue
        if isinstance(b, ChartSpec):
            out.append(spec_figure(b))
        elif isinstance(b, Items):
            out.append(html_items(b))
        elif isinstance(b, Table):
            out.append(document_table(b))
        else:
            out.append(f"<p>{esc(pick(b.text, 'html'))}</p>")
    return "".join(out)


def _projected_shares(q: QuarterlyReport) -> str:
    """Chart 2: how each scheme's projected variance would be shared, and its table."""
    partners = [p.partner for p in q.partners]
    bars = [
        variance_bar_svg(
            s.scheme,
            s.name,
            s.projected_variance,
            partners,
            s.projected_risk_pool,
            {},
            s.projected_deficit,
            s.projected_underspend,
        )
        for s in q.schemes
    ]
    return chart_figure(
        variance_chart(
            "chart-variance",
            bars,
            partners,
            f"How each projected variance would be shared, {q.year} Q{q.quarter}",
        ),
        "Chart 2. How each scheme's projected variance would be shared",
        HOW_VARIANCE,
        variance_table(bars, partners, "Projected variance and how it would be shared (£)"),
    )


def render_quarterly_html(report: QuarterlyReport) -> str:
    """The quarterly monitoring report as one self-contained HTML page, from its one
    layout (:func:`~pooledledger.reports.quarterly_layout.quarterly_document`)."""
    q, doc = report, quarterly_document(report)
    part = {s.id: s.blocks for s in doc.sections}
    figures = figure_list(
        [
            ("Annual funding", sum(s.annual_funding for s in q.schemes)),
            ("Net to date", sum(s.ytd_net for s in q.schemes)),
            ("Forecast net outturn", sum(s.forecast_net for s in q.schemes)),
            ("Projected variance (+ over)", sum(s.projected_variance for s in q.schemes)),
        ]
    )
    summary = figures + _quarterly_blocks((*part["action"], *part["actuals"]))
    projection = _projected_shares(q) + _quarterly_blocks((*part["projection"], *part["issues"]))
    body = "\n".join(
        [
            _quarterly_header(q, doc),
            html_section("summary", "Summary", summary, major=False),
            html_section(
                "projection",
                "Projected outcome under the rules",
                projection,
                lead="The agreement's year-end close run on the actuals plus the forecast "
                "remainder; nothing is posted.",
            ),
            f"<footer>{esc(q.agreement_name)} ({esc(q.agreement)}) — {esc(q.year)} Q{q.quarter}. "
            "Produced by pooledledger.</footer>",
        ]
    )
    return report_page(pick(doc.title, "html"), body)
