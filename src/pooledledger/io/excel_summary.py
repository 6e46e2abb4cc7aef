"""The year-end workbook's Summary sheet and its two native charts (layer L5).

The sheet is written from the summary's document
(:func:`~pooledledger.reports.summary_layout.summary_document`): key figures,
status, settlements, budget against outturn and how each variance was shared.  The
two charts are XlsxWriter charts read from the same chart specs as the HTML page's
SVG (docs/excel-and-dataframes.md#the-year-end-workbook).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from pooledledger.io.excel_book import (
    COLOURS,
    GREY,
    SUMMARY,
    Block,
    Book,
    Calc,
    Col,
    LineSheet,
    Sheet,
)
from pooledledger.io.excel_document import (
    document_block,
    document_table,
)
from pooledledger.reports import document as rd
from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.summary_layout import summary_document

# -- Summary ------------------------------------------------------------------------------


def summary_sheet(book: Book, r: YearEndReports, lines: Sequence[LineSheet]) -> None:
    """The summary from its document; the charts go above their tables, drawn once
    the sheet is written (drawings need no rows)."""
    doc = summary_document(r, [x.note for x in lines if not x.written])
    s = Sheet(book, SUMMARY, rd.pick(doc.title, "workbook"))
    for line in doc.description:
        if rd.pick(line, "workbook"):
            s.para(rd.pick(line, "workbook"))
    band = -1
    charts: list[_Drawn] = []
    for section in doc.sections:
        for block in section.blocks:
            if not rd.shown(block.only, "workbook"):
                continue
            if not isinstance(block, rd.ChartSpec):
                document_block(s, block)
                continue
            if band < 0:
                band = _chart_band(s, len(block.categories))
            table = document_table(s, block.table)
            charts.append(_Drawn(block, table, _drawn_left(s, block, table)))
    s.finish()
    if charts and charts[0].spec.categories:
        height = _chart_height(len(charts[0].spec.categories))
        for n, drawn in enumerate(charts):
            chart = _native_chart(book, s, drawn, height)
            s.ws.insert_chart(band + n * _chart_rows(height), 0, chart, {"object_position": 3})


class _Drawn(NamedTuple):
    """A chart spec, where its table landed, and where its left-drawn figures are."""

    spec: rd.ChartSpec
    table: Block
    left: Block | None


def _chart_height(schemes: int) -> int:
    return max(288, 80 + 36 * schemes)


def _chart_rows(height: int) -> int:
    """The rows a chart of ``height`` pixels (and its legend) covers, and one more."""
    return -(-(height + 40) // 20) + 1


def _chart_band(s: Sheet, schemes: int) -> int:
    """Leave the rows the two charts cover; the first row of the band."""
    band = s.row
    if schemes:
        s.row += 2 * _chart_rows(_chart_height(schemes))
    return band


def _sheet_column(spec: rd.ChartSpec, series: rd.Series) -> int:
    """The sheet column of a series' figures (its table column, among those shown)."""
    return spec.table.shown_columns("workbook").index(series.column)


def _drawn_left(s: Sheet, spec: rd.ChartSpec, table: Block) -> Block | None:
    """A native bar chart draws to the left what is negative: the underspend shares
    negated, worked out from the table."""
    left = [x for x in spec.series if x.key.startswith("underspend:")]
    if not left:
        return None
    rows = [
        [
            scheme,
            *[Calc(((table.first + i, _sheet_column(spec, x), -1),), -x.values[i]) for x in left],
        ]
        for i, scheme in enumerate(spec.categories)
    ]
    return s.table(
        "Chart 2 data: underspend shares drawn to the left of the line (negated)",
        [Col("Scheme", "text"), *[Col(f"{x.name} (drawn)") for x in left]],
        rows,
    )


#: The workbook's colours of the budget chart (the HTML page has its own).
_BUDGET_FILLS = {"budget": "#A9C4E0", "outturn": "#1F3A5F"}
_EDGE = {"color": "#333333", "width": 0.5}


def _series_style(key: str, partners: Sequence[str]) -> dict[str, Any]:
    """How a series is filled: budget and outturn plain; the risk pool grey, offsetting
    lighter; each partner's deficit share in its colour, its underspend share hatched."""
    if key in _BUDGET_FILLS:
        return {"fill": {"color": _BUDGET_FILLS[key]}, "border": {"none": True}}
    if key in ("risk_pool", "offset"):
        return {"border": _EDGE, "fill": {"color": GREY if key == "risk_pool" else "#999999"}}
    side, partner = key.split(":", 1)
    colour = COLOURS[partners.index(partner) % len(COLOURS)]
    if side == "deficit":
        return {"border": _EDGE, "fill": {"color": colour}}
    pattern = {"pattern": "wide_upward_diagonal", "fg_color": colour, "bg_color": "#FFFFFF"}
    return {"border": _EDGE, "pattern": pattern}


def _native_chart(book: Book, s: Sheet, drawn: _Drawn, height: int) -> Any:
    """One chart of the HTML report as a native Excel chart, from the same spec."""
    spec, t = drawn.spec, drawn.table
    rows = len(spec.categories)  # the table's total row is no category
    budget = spec.kind == "budget"
    chart = book.wb.add_chart({"type": "bar"} if budget else {"type": "bar", "subtype": "stacked"})
    partners = [x.key.split(":", 1)[1] for x in spec.series if x.key.startswith("deficit:")]
    left = 0
    for x in spec.series:
        if x.key.startswith("underspend:") and drawn.left is not None:
            left += 1
            first, col = drawn.left.first, left
        else:
            first, col = t.first, _sheet_column(spec, x)
        chart.add_series(
            {
                "name": rd.series_name(x, "workbook"),
                "categories": [s.name, t.first, 0, t.first + rows - 1, 0],
                "values": [s.name, first, col, first + rows - 1, col],
                **_series_style(x.key, partners),
            }
        )
    chart.set_title({"name": spec.title})
    chart.set_x_axis({"num_format": "£#,##0;(£#,##0)", "major_gridlines": {"visible": True}})
    chart.set_y_axis({"reverse": True})
    chart.set_legend({"position": "bottom"})
    chart.set_size({"width": 760, "height": height if budget else height + 40})
    return chart
