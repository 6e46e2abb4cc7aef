"""A report as a small typed document, stated once and rendered three ways.

A report function (e.g. :func:`~pooledledger.reports.memorandum_layout.memorandum_document`)
lays a report out once as a :class:`Document`: its title and description, then
blocks (:class:`Table`, :class:`Paragraph`, :class:`ChartSpec`, :class:`Items`) in
order.  Thin renderers turn it into Markdown (:func:`render_markdown`), HTML
(:mod:`pooledledger.reports.templating`, Jinja2 templates) and a workbook sheet
(:mod:`pooledledger.io.excel_out`).  In the spirit of hledger's
``Write/Spreadsheet.hs``, the basis of its ODS and HTML export.

Cells are typed: text, an amount in pence (negatives in brackets), a £000 figure,
a percentage, a date, a yes/no flag.  A cell may say how a workbook works it out
from other cells of its table (:attr:`Cell.sum`), so the sheet keeps its formulas.

Where the outputs word or show a thing differently today, the difference is stated
in the document itself, next to the thing: :class:`Alt` gives one wording per
format, and ``only`` limits a block, a column or a row to some formats.  Each such
difference is visible in one place and can be dropped once the outputs agree.

Reports read results and never write entries (layer L4); this module is pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Generic, Literal, TypeAlias, TypeVar

from pooledledger.core.money import format_pence

__all__ = [
    "Alt",
    "Block",
    "Cell",
    "ChartSpec",
    "Column",
    "Document",
    "Format",
    "Item",
    "Items",
    "Paragraph",
    "Ref",
    "Row",
    "Section",
    "Series",
    "Table",
    "Terms",
    "amount_text",
    "column_sum",
    "head",
    "money",
    "one_line",
    "pick",
    "render_markdown",
    "series_name",
    "shown",
    "text",
    "thousands_text",
    "total_row",
]

Format = Literal["markdown", "html", "workbook"]
CellKind = Literal["text", "amount", "thousands", "percent", "count", "date", "flag"]
RowKind = Literal["heading", "item", "subtotal", "total"]
#: An :class:`Item`'s standing: good news, bad news, or information.
Status = Literal["ok", "bad", "info"]
#: Zero as shown in an amount cell: a dash, "nil", or "0.00" (Markdown only; HTML
#: shows a dash unless "nil").
Zero = Literal["–", "nil", "0.00"]
NUMERIC: frozenset[str] = frozenset({"amount", "thousands", "percent", "count"})

#: Where a block, column or row is shown, when not in every format.
MARKDOWN: frozenset[Format] = frozenset({"markdown"})
HTML: frozenset[Format] = frozenset({"html"})
WORKBOOK: frozenset[Format] = frozenset({"workbook"})
NOT_MARKDOWN: frozenset[Format] = frozenset({"html", "workbook"})
NOT_WORKBOOK: frozenset[Format] = frozenset({"markdown", "html"})

#: A workbook formula's terms: (row, column, sign) within a table.
Terms: TypeAlias = tuple[tuple[int, int, int], ...]
#: A workbook formula's term in an earlier table: (its key, row, column, sign).
Ref: TypeAlias = tuple[str, int, int, int]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Alt(Generic[T]):
    """One thing worded per format: ``default`` unless a format has its own."""

    default: T
    markdown: T | None = None
    html: T | None = None
    workbook: T | None = None

    def get(self, fmt: Format) -> T:
        own: T | None = getattr(self, fmt)
        return self.default if own is None else own


def pick(value: T | Alt[T], fmt: Format) -> T:
    """``value`` as the format ``fmt`` shows it."""
    return value.get(fmt) if isinstance(value, Alt) else value


def shown(only: frozenset[Format] | None, fmt: Format) -> bool:
    """Whether something limited to ``only`` formats (``None``: all) is shown in ``fmt``."""
    return only is None or fmt in only


Value: TypeAlias = str | int | date | bool | None


@dataclass(frozen=True, slots=True)
class Cell:
    """One typed cell.

    ``value`` is text, pence (``amount``), a £000 figure, a percentage in basis
    points, a count, a date or a flag; ``None`` is an empty cell (or "n/a" for an
    amount).  ``text`` overrides what Markdown and HTML show (the workbook keeps the
    value).  ``strong`` emphasises the cell in Markdown.  ``sum`` is how the workbook
    works the cell out: ``(row, column, sign)`` terms over the table's rows and
    columns (indices into :attr:`Table.rows` and :attr:`Table.columns`); ``refs``
    adds terms in an earlier table of the document, named by its :attr:`Table.key`.
    """

    value: Value = None
    kind: CellKind = "text"
    zero: Zero | Alt[Zero] = "–"
    strong: bool = False
    text: str | Alt[str] | None = None
    sum: tuple[tuple[int, int, int], ...] = ()
    #: HTML keeps the cell's text on one line (a short word such as "straight-line").
    nowrap: bool = False
    refs: tuple[Ref, ...] = ()


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its header and the kind of its cells (numeric ones align right)."""

    header: str | Alt[str]
    kind: CellKind = "amount"
    only: frozenset[Format] | None = None
    #: Whether the column aligns as figures do (right), when not as its ``kind`` says
    #: (``None``: numeric kinds align right).
    right: bool | None = None

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC if self.right is None else self.right


@dataclass(frozen=True, slots=True)
class Row:
    """A row of cells, one per column; ``kind`` is item, heading, subtotal or total."""

    cells: tuple[Cell, ...]
    kind: RowKind | Alt[RowKind] = "item"
    only: frozenset[Format] | None = None


@dataclass(frozen=True, slots=True)
class Table:
    """A captioned table; ``text_alternative`` describes it for a reader who cannot
    see a chart it stands beside; ``key`` names it for a later table's
    :attr:`Cell.refs`."""

    caption: str | Alt[str]
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]
    text_alternative: str = ""
    only: frozenset[Format] | None = None
    #: How HTML shows it: a table, or (``"figures"``) a card per row of a label and
    #: an amount; Markdown and the workbook show a table either way.
    look: Literal["table", "figures"] = "table"
    key: str = ""

    def shown_columns(self, fmt: Format) -> list[int]:
        return [i for i, c in enumerate(self.columns) if shown(c.only, fmt)]


@dataclass(frozen=True, slots=True)
class Paragraph:
    """A paragraph.  ``style`` is its HTML class and its workbook cell format (empty:
    no class, the workbook's muted text); the style ``heading`` makes it a
    sub-heading (Markdown ``##``, HTML ``<h3>``).  A ``joined`` paragraph follows the block
    before it with no gap: no line break in HTML, no blank line in Markdown, the
    next row in the workbook."""

    text: str | Alt[str]
    only: frozenset[Format] | None = None
    style: str | Alt[str] = ""
    joined: bool = False


@dataclass(frozen=True, slots=True)
class Series:
    """A chart's data series: a name and one pence figure per category.

    ``key`` says what it is to the drawing (its colour, its side of a diverging bar),
    ``column`` where its figures are in the chart's table (a workbook chart reads
    them there), ``shown_as`` its name where a format words it differently."""

    name: str
    values: tuple[int, ...]
    key: str = ""
    column: int = -1
    shown_as: Alt[str] | None = None


def series_name(series: Series, fmt: Format) -> str:
    """A series' name as the format ``fmt`` shows it."""
    return series.name if series.shown_as is None else series.shown_as.get(fmt)


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """A chart's data (its drawing stays in Python): kind, categories and series, and
    the table that is its text alternative.

    ``title`` is the chart's own title, ``description`` how to read it; ``names`` a
    longer name for each category, drawn beside it; ``caption`` the figure's caption
    where a page shows one (else the title); ``ends`` figures written at the end of each
    category's bars, not drawn (a variance).  Markdown and the workbook show the table.
    """

    kind: Literal["budget", "variance"]
    title: str
    description: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    table: Table
    only: frozenset[Format] | None = None
    names: tuple[str, ...] = ()
    caption: str = ""
    ends: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Item:
    """One short line of a list (an action, a note), with its :data:`Status`.

    Markdown shows it as a bullet, HTML as a status chip (✓ ok, ✗ bad, plain info), a
    workbook as a line of its own (an information line muted)."""

    text: str | Alt[str]
    status: Status = "info"
    only: frozenset[Format] | None = None


@dataclass(frozen=True, slots=True)
class Items:
    """A list of :class:`Item` lines, shown together.

    ``look`` "list" is a plain list under ``heading``: HTML an ``<h3>`` and a
    ``<ul>`` of class ``name``, a workbook a caption line and a line an item (a bad
    item in the workbook's warning format)."""

    items: tuple[Item, ...]
    only: frozenset[Format] | None = None
    heading: str | Alt[str] = ""
    look: Literal["status", "list"] = "status"
    name: str = ""

    def shown_items(self, fmt: Format) -> list[Item]:
        return [i for i in self.items if shown(i.only, fmt)]


Block: TypeAlias = Table | Paragraph | ChartSpec | Items


@dataclass(frozen=True, slots=True)
class Section:
    """A part of a document: an optional heading and anchor, then its blocks."""

    blocks: tuple[Block, ...]
    heading: str | Alt[str] | None = None
    id: str = ""


@dataclass(frozen=True, slots=True)
class Document:
    """A whole report: title, description lines, sections; ``id`` anchors it in HTML;
    ``level`` is the Markdown heading level of its title (``#``, or ``##`` for a
    document that is a part of another)."""

    title: str | Alt[str]
    sections: tuple[Section, ...]
    description: tuple[str | Alt[str], ...] = ()
    id: str = ""
    level: int = 1
    #: HTML: a major section (it starts a new page in print).
    major: bool = True


# -- building documents ----------------------------------------------------------------------------


def text(value: str | Alt[str], *, strong: bool = False) -> Cell:
    """A text cell; an :class:`Alt` is shown per format (the workbook writes its own)."""
    if isinstance(value, Alt):
        return Cell(value.get("workbook"), text=value, strong=strong)
    return Cell(value, strong=strong)


def one_line(value: str) -> str:
    """Free text on one line, as Markdown needs it (line ends become spaces).

    Applied to a part of a text, before the whole is escaped, so a name ending in a
    line break reads as it always has."""
    return " ".join(value.splitlines())


def money(pence: int, *, zero: Zero = "–", strong: bool = False, sum: Terms = ()) -> Cell:
    """An amount in pence; ``sum`` is how the workbook works it out."""
    return Cell(pence, "amount", zero=zero, strong=strong, sum=sum)


def column_sum(rows: int, col: int) -> Terms:
    """The workbook's ``SUM`` of a column over the first ``rows`` rows."""
    return tuple((x, col, 1) for x in range(rows))


def head(title: str) -> Alt[str]:
    """A column header: capitalised, lower case in Markdown."""
    return Alt(title[:1].upper() + title[1:], markdown=title)


def total_row(label: str, *cells: Cell, only: frozenset[Format] | None = None) -> Row:
    return Row((text(label, strong=True), *cells), "total", only)


# -- cell text ------------------------------------------------------------------------


def amount_text(pence: int, zero: Zero = "–") -> str:
    """An amount: negatives in brackets, zero as ``zero``."""
    return format_pence(pence) if pence != 0 or zero == "0.00" else zero


def thousands_text(value: int) -> str:
    """A £000 figure: ``(176)`` for negatives."""
    return f"({-value:,})" if value < 0 else f"{value:,}"


def cell_text(cell: Cell, fmt: Format) -> str:
    """What Markdown or HTML shows in a cell (escaping is the renderer's)."""
    if cell.text is not None:
        return pick(cell.text, fmt)
    v = cell.value
    if v is None:
        return "n/a" if cell.kind == "amount" else ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, int):
        if cell.kind == "amount":
            zero = cell.zero.get(fmt) if isinstance(cell.zero, Alt) else cell.zero
            return amount_text(v, zero if fmt == "markdown" or zero == "nil" else "–")
        if cell.kind == "thousands":
            return thousands_text(v)
        return f"{v:,}"
    return v


# -- Markdown -------------------------------------------------------------------------


def _md(text: str) -> str:
    """Free text for Markdown: a ``|`` escaped, line ends as spaces."""
    return " ".join(text.replace("|", "\\|").splitlines())


def _md_cell(cell: Cell) -> str:
    text = _md(cell_text(cell, "markdown"))
    return f"**{text}**" if cell.strong and text else text


def markdown_table(table: Table) -> list[str]:
    """A table's Markdown lines (no caption); numbers align right from the first
    numeric column on."""
    cols = table.shown_columns("markdown")
    numeric = [n for n, i in enumerate(cols) if table.columns[i].numeric]
    right_from = numeric[0] if numeric else len(cols)
    head = [_md(pick(table.columns[i].header, "markdown")) for i in cols]
    align = ["---" if n < right_from else "---:" for n in range(len(cols))]
    out = ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |"]
    for row in table.rows:
        if shown(row.only, "markdown"):
            out.append("| " + " | ".join(_md_cell(row.cells[i]) for i in cols) + " |")
    return out


def _md_block(block: Block) -> list[str]:
    if isinstance(block, Paragraph):
        sub = pick(block.style, "markdown") == "heading"
        return [("## " if sub else "") + _md(pick(block.text, "markdown"))]
    if isinstance(block, Items):
        heading = pick(block.heading, "markdown")
        lines = ["- " + _md(pick(i.text, "markdown")) for i in block.shown_items("markdown")]
        return [f"## {_md(heading)}", "", *lines] if heading else lines
    table = block.table if isinstance(block, ChartSpec) else block
    caption = pick(table.caption, "markdown")
    return [f"## {_md(caption)}", "", *markdown_table(table)] if caption else markdown_table(table)


def render_markdown(doc: Document) -> str:
    """The document as Markdown: ``# title``, description, then each block after a
    blank line (a captioned table under a ``##`` heading)."""
    out = [f"{'#' * doc.level} {_md(pick(doc.title, 'markdown'))}", ""]
    for line in doc.description:
        text = pick(line, "markdown")
        if text:
            out += [_md(text), ""]
    first = True
    for section in doc.sections:
        heading = section.heading and pick(section.heading, "markdown")
        if heading:
            out += ([] if first else [""]) + [f"## {_md(heading)}"]
            first = False
        for block in section.blocks:
            if shown(block.only, "markdown"):
                joined = first or (isinstance(block, Paragraph) and block.joined)
                out += ([] if joined else [""]) + _md_block(block)
                first = False
    return "\n".join(out) + "\n"
