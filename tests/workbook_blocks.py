"""Reading the year-end workbook back: its tables by caption, cells in exact pence.

Every table of a sheet is a caption row (one text cell), a header row, its rows and
a blank row; a tidy sheet is its title row, then its header row and rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from openpyxl.cell.cell import Cell, MergedCell
from openpyxl.worksheet.worksheet import Worksheet

#: A cell of a re-opened workbook.
Xl = Cell | MergedCell
PENNY = Decimal("0.01")


def cell_pence(cell: Xl) -> int:
    """A number cell's value in pence, exactly (through its shortest decimal form)."""
    assert cell.data_type == "n", (cell.coordinate, cell.value)
    assert isinstance(cell.value, int | float | Decimal), (cell.coordinate, cell.value)
    assert not isinstance(cell.value, bool)
    pounds = Decimal(str(cell.value))
    assert pounds == pounds.quantize(PENNY), (cell.coordinate, cell.value)
    return int(pounds * 100)


def groups(ws: Worksheet) -> list[list[tuple[Xl, ...]]]:
    """The sheet's rows, in runs separated by blank rows."""
    out: list[list[tuple[Xl, ...]]] = []
    run: list[tuple[Xl, ...]] = []
    for row in ws.iter_rows():
        if all(c.value is None for c in row):
            if run:
                out.append(run)
            run = []
        else:
            run.append(row)
    if run:
        out.append(run)
    return out


def tables(ws: Worksheet) -> dict[str, tuple[list[str], list[tuple[Xl, ...]]]]:
    """Every table of a sheet: caption → (header, rows of cells as wide as the header)."""
    out: dict[str, tuple[list[str], list[tuple[Xl, ...]]]] = {}
    for run in groups(ws):
        if len(run) < 2 or sum(c.value is not None for c in run[0]) != 1:
            continue
        caption = str(run[0][0].value)
        header = [str(c.value) for c in run[1] if c.value is not None]
        out[caption] = (header, [row[: len(header)] for row in run[2:]])
    return out


def table(ws: Worksheet, caption: str) -> tuple[list[str], list[tuple[Xl, ...]]]:
    """The table whose caption starts with ``caption``."""
    found = [v for k, v in tables(ws).items() if k.startswith(caption)]
    assert len(found) == 1, (ws.title, caption, list(tables(ws)))
    return found[0]


def records(ws: Worksheet, caption: str) -> Iterator[dict[str, Xl]]:
    """Rows of a table as dicts by header (a repeated header keeps its first column)."""
    header, rows = table(ws, caption)
    for row in rows:
        rec: dict[str, Xl] = {}
        for h, c in zip(header, row, strict=True):
            rec.setdefault(h, c)
        yield rec


def tidy(ws: Worksheet) -> Iterator[dict[str, Xl]]:
    """Rows of a tidy sheet (title in row 1, header in row 2)."""
    header = [str(c.value) for c in ws[2] if c.value is not None]
    for row in ws.iter_rows(min_row=3, max_col=len(header)):
        yield dict(zip(header, row, strict=True))
