"""Workbook sheets written from a report document (layer L5).

A :class:`~pooledledger.reports.document.Document` becomes a sheet: its title, its
description, then each block in order: a table (cells typed by column; a worked-out
cell becomes a formula where a spreadsheet is bound to get the same penny), a
paragraph, an item list, a chart's table.  The cell writer is
:mod:`pooledledger.io.excel_book` (docs/reports.md#how-a-report-is-built).
"""

from __future__ import annotations

from typing import Any, Literal

from pooledledger.io.excel_book import (
    Block,
    Book,
    Calc,
    Col,
    Kind,
    Sheet,
    SheetRow,
    first_row,
)
from pooledledger.reports import document as rd

# -- sheets written from a report document ------------------------------------------------

DOC_KINDS: dict[str, Kind] = {
    "text": "text",
    "amount": "money",
    "thousands": "thousands",
    "count": "int",
    "percent": "int",
    "date": "date",
    "flag": "flag",
}
DOC_STYLES: dict[str, Literal["", "sub", "total"]] = {
    "item": "",
    "heading": "",
    "subtotal": "sub",
    "total": "total",
}


def document_table(s: Sheet, table: rd.Table) -> Block:
    """A document's table: its cells typed by column, its worked-out cells formulas
    (a cell's :attr:`~rd.Cell.refs` name tables written before it on the sheet)."""
    caption = rd.pick(table.caption, "workbook")
    cols = table.shown_columns("workbook")
    col_at = {i: n for n, i in enumerate(cols)}
    rows = [(i, r) for i, r in enumerate(table.rows) if rd.shown(r.only, "workbook")]
    first = first_row(s, caption)
    row_at = {i: first + n for n, (i, _) in enumerate(rows)}
    s.tables[table.key] = (row_at, col_at)
    written = []
    for _, row in rows:
        cells: list[Any] = []
        for c in cols:
            cell = row.cells[c]
            if (cell.sum or cell.refs) and isinstance(cell.value, int):
                terms = tuple((row_at[x], col_at[y], sign) for x, y, sign in cell.sum)
                terms += tuple(
                    (s.tables[k][0][x], s.tables[k][1][y], g) for k, x, y, g in cell.refs
                )
                cells.append(Calc(terms, cell.value))
            else:
                cells.append(cell.value)
        kind = row.kind.get("workbook") if isinstance(row.kind, rd.Alt) else row.kind
        written.append(SheetRow(cells, DOC_STYLES[kind]))
    columns = [
        Col(rd.pick(table.columns[c].header, "workbook"), DOC_KINDS[table.columns[c].kind])
        for c in cols
    ]
    return s.table(caption, columns, written)


def document_paragraph(s: Sheet, block: rd.Paragraph) -> None:
    """A paragraph in its format (muted unless styled); a joined one on the next row."""
    if block.joined:
        s.row -= 1
    s.para(rd.pick(block.text, "workbook"), rd.pick(block.style, "workbook") or "muted")


#: An item's line format: in a status, information muted; in a list, bad news marked.
_ITEM_FORMATS = {"status": {"info": "muted"}, "list": {"bad": "bad"}}


def _document_items(s: Sheet, block: rd.Items) -> None:
    """Items a line each; a list under its caption line."""
    heading = rd.pick(block.heading, "workbook") if block.look == "list" else ""
    formats = _ITEM_FORMATS[block.look]
    s.lines(
        [(heading, "caption")] * bool(heading)
        + [
            (rd.pick(i.text, "workbook"), formats.get(i.status, "text"))
            for i in block.shown_items("workbook")
        ]
    )


def document_block(s: Sheet, block: rd.Block) -> Block | None:
    """One block of a document (a chart as its table); where a table landed."""
    if isinstance(block, rd.Paragraph):
        document_paragraph(s, block)
    elif isinstance(block, rd.Items):
        _document_items(s, block)
    elif isinstance(block, rd.Table):
        return document_table(s, block)
    else:
        return document_table(s, block.table)
    return None


def document_blocks(s: Sheet, doc: rd.Document) -> None:
    """A document's description, tables and paragraphs, from the sheet's next row."""
    for line in doc.description:
        s.para(rd.pick(line, "workbook"))
    document_body(s, doc)


def document_body(s: Sheet, doc: rd.Document) -> None:
    """A document's tables and paragraphs (not its description), from the next row."""
    for section in doc.sections:
        for block in section.blocks:
            if rd.shown(block.only, "workbook"):
                document_block(s, block)


def document_sheet(book: Book, name: str, doc: rd.Document) -> None:
    """A sheet from a report document: its title, description, tables and paragraphs."""
    s = Sheet(book, name, rd.pick(doc.title, "workbook"))
    document_blocks(s, doc)
    s.finish()
