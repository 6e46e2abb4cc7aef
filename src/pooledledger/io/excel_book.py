"""The workbook's parts every sheet shares (layer L5): formats, cells, the sheet writer.

:class:`Book` wraps an XlsxWriter workbook and the formats its sheets share;
:class:`Sheet` writes one sheet top to bottom (streaming: a row is final once
written), typing each cell (text, money from integer pence, £000, dates, flags) and
writing a total as a formula only when a spreadsheet is bound to get the same penny
(:func:`exact_in_a_spreadsheet`).  :mod:`pooledledger.io.excel_document` writes a
sheet from a report document (:mod:`pooledledger.reports.document`).  The sheets are
in :mod:`pooledledger.io.excel_out` (docs/excel-and-dataframes.md#the-year-end-workbook).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pooledledger.core.errors import PooledLedgerError
from pooledledger.core.money import format_pence, pence_to_decimal
from pooledledger.io._cells import neutralise

#: Number format of every amount in pounds: £, negatives in brackets, nil as a dash.
MONEY_FORMAT = '£#,##0.00;(£#,##0.00);"–"'
#: Number format of the note's £000 column (whole thousands).
THOUSANDS_FORMAT = '#,##0;(#,##0);"–"'
#: Number format of every date cell.
DATE_FORMAT = "dd/mm/yyyy"
#: The largest amount (in pence, either way) a number cell holds exactly to the
#: penny: 15 significant digits, what a spreadsheet keeps and shows.
MAX_EXACT_PENCE = 10**15 - 1
#: Line-level sheets with more rows than this are left out unless forced.
LINE_SHEET_ROWS = 5_000
#: Rows of an Excel worksheet (a forced line sheet is split across sheets beyond it).
EXCEL_MAX_ROWS = 1_048_576

SUMMARY = "Summary"
MEMORANDUM = "Memorandum account"
NOTE = "Pooled budgets note"
JOURNALS = "Journals"
SETTLEMENT = "Settlement schedule"
QUARTERLY = "Quarterly monitoring"
BALANCES = "Agreement of balances"
CHECKS = "Checks"
SHARES = "Shares"
LEDGER = "Ledger"
LINE_SHARES = "Shares per line"

#: The fixed sheets, in workbook order; one "Statement <partner>" sheet per partner
#: comes after the note (:func:`statement_sheet_names`), and the line-level sheets
#: (Ledger, Shares per line) only with a ledger and within :data:`LINE_SHEET_ROWS`.
SHEETS = (
    SUMMARY,
    MEMORANDUM,
    NOTE,
    JOURNALS,
    SETTLEMENT,
    QUARTERLY,
    BALANCES,
    CHECKS,
    SHARES,
    LEDGER,
    LINE_SHARES,
)

LineSheets = Literal["auto", "always", "never"]

#: Characters an .xlsx file cannot hold (as openpyxl's ILLEGAL_CHARACTERS_RE).
ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

#: Partner colours in agreement order (Okabe–Ito, as the HTML report), risk pool grey.
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
GREY = "#5F6B76"


class WorkbookError(PooledLedgerError, ValueError):
    """The workbook was asked for something it cannot do (API misuse)."""


def exact_in_a_spreadsheet(terms: int, magnitude: int) -> bool:
    """Whether a sum of ``terms`` amounts, ``magnitude`` pence in absolute value in all,
    is bound to come out to the exact penny in IEEE double arithmetic.

    Each stored amount and each addition is off by at most half a unit in the last
    place of ``magnitude`` pounds; the result is right to the penny when all of it is
    under half a penny: ``terms × ulp < £0.005``.

    >>> exact_in_a_spreadsheet(12, 1_000_000_000_00), exact_in_a_spreadsheet(10, 10**15)
    (True, False)
    """
    pounds = -(-abs(magnitude) // 100)
    exponent = pounds.bit_length()  # 2**exponent > pounds: ulp < 2**(exponent - 52)
    return max(terms, 1) * 200 * (1 << exponent) < 1 << 52


# -- cell values ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Calc:
    """A cell worked out from other cells of its sheet: Σ sign × cell, and its figure.

    ``terms`` are ``(row, column, sign)``, zero-based; ``pence`` is the report's own
    figure, the formula's cached value.
    """

    terms: tuple[tuple[int, int, int], ...]
    pence: int


@dataclass(frozen=True, slots=True)
class SheetRow:
    cells: Sequence[Any]
    style: Literal["", "sub", "total"] = ""


Kind = Literal["text", "money", "thousands", "int", "date", "flag"]


@dataclass(frozen=True, slots=True)
class Col:
    header: str
    kind: Kind = "money"
    key: str = ""  # the table column it reads (line sheets and tidy tables)


@dataclass(frozen=True, slots=True)
class Block:
    """Where a table landed: its header row and its first and last data rows."""

    header: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class LineSheet:
    """A line-level sheet: its name, its rows, whether it is written, its CSV twin, and
    the row limit it was judged against."""

    name: str
    rows: int
    written: bool
    csv: str
    limit: int = LINE_SHEET_ROWS

    @property
    def note(self) -> str:
        """What the workbook and the command line say about a sheet left out."""
        return (
            f"The {self.name} sheet ({self.rows:,} rows, over {self.limit:,}) is left "
            f"out of the workbook: its rows are in {self.csv} (the CSV tables); "
            "to write it anyway use line_sheets='always' (--line-sheets always)."
        )


def col_name(col: int) -> str:
    name = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


def cell_ref(row: int, col: int) -> str:
    return f"{col_name(col)}{row + 1}"


def cell_text(value: str) -> str:
    """Text for a cell: characters .xlsx refuses removed, formulas neutralised."""
    kept = ILLEGAL.sub("", value)
    # a carriage return would be stored as "_x000D_": every line end is written "\n"
    return neutralise(kept).replace("\r\n", "\n").replace("\r", "\n") if kept else ""


def pounds(pence: int) -> str:
    return ("-" if pence < 0 else "") + "£" + format_pence(abs(pence))


# -- the book and its sheets ----------------------------------------------------------------


class Book:
    """An XlsxWriter workbook with the formats every sheet shares, and notes on it."""

    def __init__(self, path: Path, title: str, created: datetime) -> None:
        import xlsxwriter  # lazily: only when a workbook is written

        self.wb: Any = xlsxwriter.Workbook(
            str(path),
            {
                "constant_memory": True,
                "strings_to_numbers": False,
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "use_zip64": True,
            },
        )
        self.wb.set_properties(
            {
                "title": ILLEGAL.sub("", title),
                "author": "pooledledger",
                "comments": "Written by pooledledger from the year-end close.",
                "created": created,
            }
        )
        self.wb.set_calc_mode("auto")
        self.formats: dict[tuple[str, str], Any] = {}
        self.too_large: list[str] = []  # figures written as text
        self.as_values: list[str] = []  # totals written as values, not formulas
        self.names: set[str] = set()

    def fmt(self, kind: str, style: str = "") -> Any:
        key = (kind, style)
        if key not in self.formats:
            spec: dict[str, Any] = {}
            if kind == "money":
                spec["num_format"] = MONEY_FORMAT
            elif kind == "thousands":
                spec["num_format"] = THOUSANDS_FORMAT
            elif kind == "int":
                spec["num_format"] = "0"
            elif kind == "date":
                spec["num_format"] = DATE_FORMAT
                spec["align"] = "left"
            elif kind == "title":
                spec.update(bold=True, font_size=14)
            elif kind == "caption":
                spec.update(bold=True, font_size=11, font_color="#1F3A5F")
            elif kind == "header":
                spec.update(bold=True, bottom=1, text_wrap=True, valign="bottom")
            elif kind == "muted":
                spec.update(italic=True, font_color="#555555")
            elif kind == "bad":
                spec.update(bold=True, font_color="#B00020")
            if style in ("sub", "total"):
                spec.update(bold=True, top=1)
            if style == "total":
                spec["bottom"] = 6  # double underline: an accountant's total
            self.formats[key] = self.wb.add_format(spec)
        return self.formats[key]

    def sheet_name(self, wanted: str, fallback: str) -> str:
        name = _BAD_SHEET_CHARS.sub("_", wanted)[:31].strip("'") or fallback
        if name.lower() in self.names:
            n = 2
            while f"{name[:26]} ({n})".lower() in self.names:
                n += 1
            name = f"{name[:26]} ({n})"
        self.names.add(name.lower())
        return name

    def abandon(self) -> None:
        """Drop the temporary files of a workbook that will not be written."""
        for ws in self.wb.worksheets():
            fh = getattr(ws, "row_data_fh", None)
            name = getattr(ws, "row_data_filename", None)
            if fh is not None:
                fh.close()
            if name:
                Path(name).unlink(missing_ok=True)

    def close(self) -> None:
        from xlsxwriter.exceptions import FileCreateError

        try:
            self.wb.close()
        except FileCreateError as exc:
            cause = exc.args[0] if exc.args else exc
            if isinstance(cause, OSError):
                raise cause from None
            raise


class Sheet:
    """Writes one sheet top to bottom (as streaming needs): a title, then blocks."""

    def __init__(
        self, book: Book, name: str, title: str, *, fallback: str = "Sheet", print_rows: int = 1
    ) -> None:
        self.book = book
        self.name = book.sheet_name(name, fallback)
        self.ws: Any = book.wb.add_worksheet(self.name)
        self.values: dict[tuple[int, int], int] = {}
        self.texts: set[tuple[int, int]] = set()  # figures too large, written as text
        self.widths: dict[int, int] = {}
        self.tables: dict[str, tuple[dict[int, int], dict[int, int]]] = {}  # keyed: rows, cols
        self.row = 0
        self.ws.write_string(0, 0, cell_text(title), book.fmt("title"))
        self.ws.set_row(0, 20)
        self.row = 2
        self.ws.set_landscape()
        self.ws.set_paper(9)  # A4
        self.ws.fit_to_pages(1, 0)  # fit to the page width, as many pages down as needed
        self.ws.repeat_rows(0, print_rows - 1)
        self.ws.set_footer("&L&A&RPage &P of &N")

    # -- cells

    def _width(self, col: int, n: int) -> None:
        if n > self.widths.get(col, 0):
            self.widths[col] = n

    def put(self, row: int, col: int, value: Any, kind: Kind, style: str = "") -> None:
        """One cell: text, a flag, a date, a whole number, money or a calculation."""
        ws, book = self.ws, self.book
        if value is None:
            if style:
                ws.write_blank(row, col, None, book.fmt(kind, style))
            return
        if isinstance(value, bool):
            ws.write_string(row, col, "yes" if value else "no", book.fmt("text", style))
            self._width(col, 3)
        elif isinstance(value, str):
            text = cell_text(value)
            if text:
                ws.write_string(row, col, text, book.fmt("text", style))
                self._width(col, min(len(text), 60))
        elif isinstance(value, date):
            ws.write_datetime(
                row, col, datetime(value.year, value.month, value.day), book.fmt("date", style)
            )
            self._width(col, 10)
        elif isinstance(value, Calc):
            self._calc(row, col, value, kind, style)
        elif isinstance(value, int):
            self._number(row, col, value, kind, style)
        else:
            raise TypeError(f"a workbook cell takes text, a date, a flag or pence, not {value!r}")

    def _number(self, row: int, col: int, value: int, kind: Kind, style: str) -> None:
        ws, book = self.ws, self.book
        self.values[(row, col)] = value
        if kind == "money":
            if abs(value) > MAX_EXACT_PENCE:
                shown = pounds(value)
                ws.write_string(row, col, shown, book.fmt("text", style))
                book.too_large.append(f"{self.name}!{cell_ref(row, col)}: {shown}")
                self.texts.add((row, col))
                self._width(col, len(shown))
                return
            ws.write_number(row, col, pence_to_decimal(value), book.fmt("money", style))
            self._width(col, len(format_pence(value)) + 2)
        else:
            if abs(value) > MAX_EXACT_PENCE:
                ws.write_string(row, col, f"{value:,}", book.fmt("text", style))
                book.too_large.append(f"{self.name}!{cell_ref(row, col)}: {value:,}")
                self.texts.add((row, col))
                return
            ws.write_number(row, col, value, book.fmt(kind, style))
            self._width(col, len(f"{value:,}") + 2)

    def _calc(self, row: int, col: int, calc: Calc, kind: Kind, style: str) -> None:
        terms = calc.terms
        known = [self.values.get((r, c)) for r, c, _ in terms]
        written = all((r, c) not in self.texts for r, c, _ in terms)
        worked = sum(s * (v or 0) for (_, _, s), v in zip(terms, known, strict=True))
        magnitude = sum(abs(v or 0) for v in known) + abs(calc.pence)
        pence = calc.pence
        if (
            kind == "money"
            and terms
            and written
            and worked == pence
            and abs(pence) <= MAX_EXACT_PENCE
            and exact_in_a_spreadsheet(len(terms), magnitude)
        ):
            cached: Any = pence_to_decimal(pence)
        elif kind != "money" and terms and written and worked == pence:
            cached = pence
        else:
            if kind == "money" and abs(pence) <= MAX_EXACT_PENCE and written and worked == pence:
                # the formula would be right, but not bound to be right to the penny
                self.book.as_values.append(f"{self.name}!{cell_ref(row, col)}")
            self._number(row, col, pence, kind, style)
            return
        self.ws.write_formula(row, col, formula(terms), self.book.fmt(kind, style), cached)
        self.values[(row, col)] = pence
        self._width(col, len(format_pence(pence)) + 2 if kind == "money" else len(f"{pence:,}"))

    # -- blocks

    def para(self, text: str, fmt: str = "muted") -> None:
        self.ws.write_string(self.row, 0, cell_text(text), self.book.fmt(fmt))
        self.row += 2

    def lines(self, texts: Iterable[tuple[str, str]]) -> None:
        """Single-cell lines, each with its format, then a blank row."""
        for text, fmt in texts:
            self.ws.write_string(self.row, 0, cell_text(text), self.book.fmt(fmt))
            self.row += 1
        self.row += 1

    def table(
        self,
        caption: str,
        columns: Sequence[Col],
        rows: Iterable[Sequence[Any] | SheetRow],
        *,
        total: str | None = None,
        label_col: int = 0,
        row_totals: bool = False,
    ) -> Block:
        """A caption, a bold header row, its rows, optionally a total row, a blank row.

        ``total`` adds a row labelled so whose money cells are ``SUM`` of the rows
        above.  ``row_totals`` makes the last column of each row the ``SUM`` of the
        money columns before it (its figure given as the row's last cell).
        """
        ws, book = self.ws, self.book
        if caption:
            ws.write_string(self.row, 0, cell_text(caption), book.fmt("caption"))
            self.row += 1
        header = self.row
        for n, col in enumerate(columns):
            ws.write_string(header, n, cell_text(col.header), book.fmt("header"))
            self._width(n, min(len(col.header), 24))
        self.row += 1
        first = self.row
        money = [n for n, c in enumerate(columns) if c.kind in ("money", "thousands")]
        for item in rows:
            cells, style = (item.cells, item.style) if isinstance(item, SheetRow) else (item, "")
            r = self.row
            for n, (col, value) in enumerate(zip(columns, cells, strict=True)):
                if row_totals and n == len(columns) - 1 and isinstance(value, int):
                    value = Calc(tuple((r, m, 1) for m in money if m < n), value)
                self.put(r, n, value, col.kind, style)
            self.row += 1
        last = self.row - 1
        if total is not None:
            r = self.row
            for n, col in enumerate(columns):
                if n == label_col:
                    self.put(r, n, total, "text", "total")
                elif col.kind in ("money", "thousands") and last >= first:
                    figure = sum(self.values.get((x, n), 0) for x in range(first, last + 1))
                    terms = tuple((x, n, 1) for x in range(first, last + 1))
                    self.put(r, n, Calc(terms, figure), col.kind, "total")
                elif col.kind in ("money", "thousands"):
                    self.put(r, n, 0, col.kind, "total")
                else:
                    self.put(r, n, None, col.kind, "total")
            self.row += 1
        self.row += 1
        return Block(header, first, last)

    def finish(self, *, min_width: int = 8, max_width: int = 60) -> None:
        for n, w in sorted(self.widths.items()):
            self.ws.set_column(n, n, min(max(w + 2, min_width), max_width))


def formula(terms: Sequence[tuple[int, int, int]]) -> str:
    """``=SUM(B3:B9)`` for a run of cells in one row or column, else ``=B3+C3-D3``."""
    rows = [r for r, _, _ in terms]
    cols = [c for _, c, _ in terms]
    plus = all(s == 1 for _, _, s in terms)
    if plus and len(terms) > 1:
        if len(set(cols)) == 1 and rows == list(range(rows[0], rows[0] + len(rows))):
            return f"=SUM({cell_ref(rows[0], cols[0])}:{cell_ref(rows[-1], cols[0])})"
        if len(set(rows)) == 1 and cols == list(range(cols[0], cols[0] + len(cols))):
            return f"=SUM({cell_ref(rows[0], cols[0])}:{cell_ref(rows[0], cols[-1])})"
    out = ""
    for n, (r, c, s) in enumerate(terms):
        sign = "-" if s < 0 else ("+" if n else "")
        out += sign + cell_ref(r, c)
    return "=" + out


def first_row(sheet: Sheet, caption: str) -> int:
    """The first data row of the next table written on ``sheet``."""
    return sheet.row + (2 if caption else 1)


def yes_no(holds: bool) -> str:
    return "yes" if holds else "NO"
