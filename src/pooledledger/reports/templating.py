"""Reports as HTML from Jinja2 templates (``pooledledger/reports/templates/``).

``page.html.j2`` is the page frame: one self-contained file with the stylesheet
``report.css`` inlined, nothing fetched from the network.  ``blocks.html.j2`` holds
the macros that render a :class:`~pooledledger.reports.document.Document`: its
section, tables (with ``<caption>``), paragraphs and item lists (status chips).

Autoescaping is on, and every value a template prints is escaped with
:func:`html.escape` (quotes too), so a partner called ``<script>`` is shown, never
run.  Charts and other fragments built in Python come in as
:class:`markupsafe.Markup`.

Reports read results and never write entries (layer L4); this module is pure.
"""

from __future__ import annotations

import html
from functools import cache
from typing import TYPE_CHECKING, Any

from pooledledger.core.money import format_pence
from pooledledger.reports.document import (
    Alt,
    Cell,
    ChartSpec,
    Document,
    Format,
    Items,
    Row,
    Status,
    cell_text,
    pick,
    shown,
)

if TYPE_CHECKING:
    import jinja2

__all__ = ["html_document", "html_items", "html_page", "html_table"]

HTML: Format = "html"
_ROW_CLASS = {"item": "", "heading": "heading", "subtotal": "sub", "total": "total"}
_STATUS_MARK: dict[Status, str] = {"ok": "✓ ", "bad": "✗ ", "info": ""}


def _finalize(value: object) -> Any:
    """Every printed value escaped as :func:`html.escape` does (``'`` as ``&#x27;``)."""
    from markupsafe import Markup

    if isinstance(value, Markup):
        return value
    return Markup(html.escape(str(value), quote=True))


def _cell_class(cell: Cell) -> str:
    if cell.kind == "flag":
        return "pass" if cell.value else "fail"
    if cell.kind in ("amount", "thousands"):
        v = cell.value
        return "num neg" if isinstance(v, int) and not isinstance(v, bool) and v < 0 else "num"
    return "nowrap" if cell.nowrap else ""


def _cell_text(cell: Cell) -> str:
    if cell.kind == "flag" and cell.text is None:
        return "✓ yes" if cell.value else "✗ NO"
    return cell_text(cell, HTML)


def _row_class(row: Row) -> str:
    kind = row.kind.get(HTML) if isinstance(row.kind, Alt) else row.kind
    return _ROW_CLASS[kind]


def _figure_text(cell: Cell) -> str:
    """A key figure on its card: ``£1,234.56``, nil as "nil"."""
    v = cell.value
    return format_pence(v, symbol=True) if isinstance(v, int) and v else "nil"


def _chart_figure(spec: ChartSpec) -> Any:
    """A chart's figure and its table (:func:`pooledledger.reports.html_charts.spec_figure`;
    the drawing is Python's)."""
    from markupsafe import Markup

    from pooledledger.reports.html_charts import spec_figure

    return Markup(spec_figure(spec))


def _pick(value: str | Alt[str]) -> str:
    return pick(value, HTML)


def _shown(only: frozenset[Format] | None) -> bool:
    return shown(only, HTML)


@cache
def environment() -> jinja2.Environment:
    """The report templates' environment (built once, on first use)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pooledledger.reports", "templates"),
        autoescape=True,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals.update(
        cell_class=_cell_class,
        cell_text=_cell_text,
        row_class=_row_class,
        pick=_pick,
        shown=_shown,
        status_mark=_STATUS_MARK.__getitem__,
        figure_text=_figure_text,
        chart_figure=_chart_figure,
    )
    return env


def _macros() -> Any:
    return environment().get_template("blocks.html.j2").module


def html_document(doc: Document) -> str:
    """A document as one HTML ``<section>`` (its title the heading, its description
    the lead), to place in a page."""
    return str(_macros().section(doc))


def html_table(table: Any) -> str:
    """One table (a :class:`~pooledledger.reports.document.Table`) as HTML."""
    return str(_macros().table(table))


def html_items(items: Items) -> str:
    """An item list as status chips (``<ul class="status">``)."""
    return str(_macros().items(items))


def html_page(title: str, body: str) -> str:
    """The whole page: the frame, the stylesheet inlined, and ``body`` (HTML)."""
    from markupsafe import Markup

    env = environment()
    css = env.loader.get_source(env, "report.css")[0] if env.loader else ""
    page = env.get_template("page.html.j2")
    return page.render(title=title, css=Markup(css), body=Markup(body))
