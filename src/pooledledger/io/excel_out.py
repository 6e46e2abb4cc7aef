"""The board-ready year-end workbook: every report of one close in one ``.xlsx`` (layer L5).

:func:`write_year_end_workbook` writes a :class:`~pooledledger.reports.bundle.YearEndReports`
(and, when given, the ledger and the quarterly monitoring reports) to one workbook with
XlsxWriter, streaming: rows go to disk as they are written (``constant_memory``), so
a 200,000-line ledger never builds millions of cells in memory.  XlsxWriter is
imported only when a workbook is written.

Sheets, in order (see docs/excel-and-dataframes.md#the-year-end-workbook):

=========================  ===========================================================
sheet                      what it holds
=========================  ===========================================================
Summary                    key figures, status, settlements, budget against outturn
                           and how each variance was shared, with two native charts
Memorandum account         the account A–M
Pooled budgets note        the note in £000 beside the exact £
Statement <partner>        one per partner: sections 1–5 with its journals
Journals                   every line of every partner's year-end journal (filterable)
Settlement schedule        each partner's balance, held, cash settlement, due date
Quarterly monitoring       Q1–Q4: actuals to date, forecast, projected shares
Agreement of balances      host–partner receivables, payables, income, expenditure
Checks                     self-checks, the close's issues, notes on this workbook
Shares                     the close as tidy rows (filterable)
Ledger                     one row per entry (line-level; ``ledger`` given)
Shares per line            one row per pool line × partner (line-level; ``ledger``)
=========================  ===========================================================

Money is a number cell in pounds, written from integer pence as an exact decimal,
formatted :data:`MONEY_FORMAT` (negatives in brackets, nil as a dash); the note's
£000 column is whole numbers (:data:`THOUSANDS_FORMAT`); dates are date cells.  A
total is a formula (``SUM`` or a sum of cells) with its cached value, the figure of
the report: a spreadsheet that recalculates gets the same pence.  Two guards keep
that honest:

* a number cell holds at most 15 significant digits exactly, so an amount beyond
  :data:`MAX_EXACT_PENCE` (£9,999,999,999,999.99) is written as exact text, and
  listed on the Checks sheet;
* a formula is written only when any IEEE double arithmetic is bound to give the
  right penny (:func:`exact_in_a_spreadsheet`); otherwise the figure is written as a
  number, and the Checks sheet says so.

Line-level sheets (Ledger, Shares per line) are left out above
:data:`LINE_SHEET_ROWS` rows unless ``line_sheets="always"``; the Summary and
Checks sheets say where their rows are (the CSV tables).  The file is
deterministic: the same reports give the same bytes (fixed created date, fixed
order).  Every text cell passes through :func:`~pooledledger.io._cells.neutralise`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any, Literal

from pooledledger.books.apportion import apportion
from pooledledger.books.journals import ACCOUNT_LABELS, Journal
from pooledledger.books.ledger import Ledger
from pooledledger.books.tables import apportionment_table, journal_table, ledger_table
from pooledledger.core.errors import Issue, PooledLedgerError
from pooledledger.core.money import format_pence, pence_to_decimal
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import Cell, Table
from pooledledger.io._cells import neutralise
from pooledledger.model.agreement import LegalBasis
from pooledledger.model.partners import PartnerId
from pooledledger.reports import document as rd
from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.memorandum import MemorandumAccount
from pooledledger.reports.memorandum import _year_ended as _period
from pooledledger.reports.memorandum_layout import memorandum_document
from pooledledger.reports.note import NoteRowKind
from pooledledger.reports.quarterly import QuarterlyReport
from pooledledger.reports.statements import PartnerStatement
from pooledledger.yearend.tables import close_table, settlement_table

__all__ = [
    "DATE_FORMAT",
    "EXCEL_MAX_ROWS",
    "LINE_SHEET_ROWS",
    "MAX_EXACT_PENCE",
    "MONEY_FORMAT",
    "SHEETS",
    "THOUSANDS_FORMAT",
    "LineSheet",
    "LineSheets",
    "WorkbookError",
    "exact_in_a_spreadsheet",
    "line_sheets_plan",
    "statement_sheet_names",
    "write_year_end_workbook",
]

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
LINE_SHEET_ROWS = 100_000
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
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")

_LEGAL_BASIS = {
    LegalBasis.S75_NHSA2006: "Section 75, National Health Service Act 2006",
    LegalBasis.S31_HA1999: "Section 31, Health Act 1999",
    LegalBasis.S10_CA2004: "Section 10, Children Act 2004",
    LegalBasis.S65Z5_NHSA2006: "Section 65Z5, National Health Service Act 2006",
}
#: Partner colours in agreement order (Okabe–Ito, as the HTML report), risk pool grey.
_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
_GREY = "#5F6B76"


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
class _Calc:
    """A cell worked out from other cells of its sheet: Σ sign × cell, and its figure.

    ``terms`` are ``(row, column, sign)``, zero-based; ``pence`` is the report's own
    figure, the formula's cached value.
    """

    terms: tuple[tuple[int, int, int], ...]
    pence: int


@dataclass(frozen=True, slots=True)
class _Row:
    cells: Sequence[Any]
    style: Literal["", "sub", "total"] = ""


Kind = Literal["text", "money", "thousands", "int", "date", "flag"]


@dataclass(frozen=True, slots=True)
class _Col:
    header: str
    kind: Kind = "money"
    key: str = ""  # the table column it reads (line sheets and tidy tables)


@dataclass(frozen=True, slots=True)
class _Block:
    """Where a table landed: its header row and its first and last data rows."""

    header: int
    first: int
    last: int


@dataclass(frozen=True, slots=True)
class LineSheet:
    """A line-level sheet: its name, its rows, whether it is written, and its CSV twin."""

    name: str
    rows: int
    written: bool
    csv: str

    @property
    def note(self) -> str:
        """What the workbook and the command line say about a sheet left out."""
        return (
            f"The {self.name} sheet ({self.rows:,} rows, over {LINE_SHEET_ROWS:,}) is left "
            f"out of the workbook: its rows are in {self.csv} (the CSV tables); "
            "to write it anyway use line_sheets='always' (--line-sheets always)."
        )


def _col_name(col: int) -> str:
    name = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        name = chr(65 + rem) + name
    return name


def _ref(row: int, col: int) -> str:
    return f"{_col_name(col)}{row + 1}"


def _text(value: str) -> str:
    """Text for a cell: characters .xlsx refuses removed, formulas neutralised."""
    kept = _ILLEGAL.sub("", value)
    # a carriage return would be stored as "_x000D_": every line end is written "\n"
    return neutralise(kept).replace("\r\n", "\n").replace("\r", "\n") if kept else ""


def _year_ended(year: FinancialYear, terminated_on: date | None = None) -> str:
    """The period a report covers (a terminated agreement's part year, so marked)."""
    return _period(year, terminated_on)


def _pounds(pence: int) -> str:
    return ("-" if pence < 0 else "") + "£" + format_pence(abs(pence))


# -- the book and its sheets ----------------------------------------------------------------


class _Book:
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
                "title": _ILLEGAL.sub("", title),
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


class _Sheet:
    """Writes one sheet top to bottom (as streaming needs): a title, then blocks."""

    def __init__(
        self, book: _Book, name: str, title: str, *, fallback: str = "Sheet", print_rows: int = 1
    ) -> None:
        self.book = book
        self.name = book.sheet_name(name, fallback)
        self.ws: Any = book.wb.add_worksheet(self.name)
        self.values: dict[tuple[int, int], int] = {}
        self.texts: set[tuple[int, int]] = set()  # figures too large, written as text
        self.widths: dict[int, int] = {}
        self.row = 0
        self.ws.write_string(0, 0, _text(title), book.fmt("title"))
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
            text = _text(value)
            if text:
                ws.write_string(row, col, text, book.fmt("text", style))
                self._width(col, min(len(text), 60))
        elif isinstance(value, date):
            ws.write_datetime(
                row, col, datetime(value.year, value.month, value.day), book.fmt("date", style)
            )
            self._width(col, 10)
        elif isinstance(value, _Calc):
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
                shown = _pounds(value)
                ws.write_string(row, col, shown, book.fmt("text", style))
                book.too_large.append(f"{self.name}!{_ref(row, col)}: {shown}")
                self.texts.add((row, col))
                self._width(col, len(shown))
                return
            ws.write_number(row, col, pence_to_decimal(value), book.fmt("money", style))
            self._width(col, len(format_pence(value)) + 2)
        else:
            if abs(value) > MAX_EXACT_PENCE:
                ws.write_string(row, col, f"{value:,}", book.fmt("text", style))
                book.too_large.append(f"{self.name}!{_ref(row, col)}: {value:,}")
                self.texts.add((row, col))
                return
            ws.write_number(row, col, value, book.fmt(kind, style))
            self._width(col, len(f"{value:,}") + 2)

    def _calc(self, row: int, col: int, calc: _Calc, kind: Kind, style: str) -> None:
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
                self.book.as_values.append(f"{self.name}!{_ref(row, col)}")
            self._number(row, col, pence, kind, style)
            return
        self.ws.write_formula(row, col, _formula(terms), self.book.fmt(kind, style), cached)
        self.values[(row, col)] = pence
        self._width(col, len(format_pence(pence)) + 2 if kind == "money" else len(f"{pence:,}"))

    # -- blocks

    def para(self, text: str, fmt: str = "muted") -> None:
        self.ws.write_string(self.row, 0, _text(text), self.book.fmt(fmt))
        self.row += 2

    def lines(self, texts: Iterable[tuple[str, str]]) -> None:
        """Single-cell lines, each with its format, then a blank row."""
        for text, fmt in texts:
            self.ws.write_string(self.row, 0, _text(text), self.book.fmt(fmt))
            self.row += 1
        self.row += 1

    def table(
        self,
        caption: str,
        columns: Sequence[_Col],
        rows: Iterable[Sequence[Any] | _Row],
        *,
        total: str | None = None,
        label_col: int = 0,
        row_totals: bool = False,
    ) -> _Block:
        """A caption, a bold header row, its rows, optionally a total row, a blank row.

        ``total`` adds a row labelled so whose money cells are ``SUM`` of the rows
        above.  ``row_totals`` makes the last column of each row the ``SUM`` of the
        money columns before it (its figure given as the row's last cell).
        """
        ws, book = self.ws, self.book
        if caption:
            ws.write_string(self.row, 0, _text(caption), book.fmt("caption"))
            self.row += 1
        header = self.row
        for n, col in enumerate(columns):
            ws.write_string(header, n, _text(col.header), book.fmt("header"))
            self._width(n, min(len(col.header), 24))
        self.row += 1
        first = self.row
        money = [n for n, c in enumerate(columns) if c.kind in ("money", "thousands")]
        for item in rows:
            cells, style = (item.cells, item.style) if isinstance(item, _Row) else (item, "")
            r = self.row
            for n, (col, value) in enumerate(zip(columns, cells, strict=True)):
                if row_totals and n == len(columns) - 1 and isinstance(value, int):
                    value = _Calc(tuple((r, m, 1) for m in money if m < n), value)
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
                    self.put(r, n, _Calc(terms, figure), col.kind, "total")
                elif col.kind in ("money", "thousands"):
                    self.put(r, n, 0, col.kind, "total")
                else:
                    self.put(r, n, None, col.kind, "total")
            self.row += 1
        self.row += 1
        return _Block(header, first, last)

    def finish(self, *, min_width: int = 8, max_width: int = 60) -> None:
        for n, w in sorted(self.widths.items()):
            self.ws.set_column(n, n, min(max(w + 2, min_width), max_width))


def _formula(terms: Sequence[tuple[int, int, int]]) -> str:
    """``=SUM(B3:B9)`` for a run of cells in one row or column, else ``=B3+C3-D3``."""
    rows = [r for r, _, _ in terms]
    cols = [c for _, c, _ in terms]
    plus = all(s == 1 for _, _, s in terms)
    if plus and len(terms) > 1:
        if len(set(cols)) == 1 and rows == list(range(rows[0], rows[0] + len(rows))):
            return f"=SUM({_ref(rows[0], cols[0])}:{_ref(rows[-1], cols[0])})"
        if len(set(rows)) == 1 and cols == list(range(cols[0], cols[0] + len(cols))):
            return f"=SUM({_ref(rows[0], cols[0])}:{_ref(rows[0], cols[-1])})"
    out = ""
    for n, (r, c, s) in enumerate(terms):
        sign = "-" if s < 0 else ("+" if n else "")
        out += sign + _ref(r, c)
    return "=" + out


def _money_cols(headers: Iterable[str]) -> list[_Col]:
    return [_Col(h, "money") for h in headers]


def _first_row(sheet: _Sheet, caption: str) -> int:
    """The first data row of the next table written on ``sheet``."""
    return sheet.row + (2 if caption else 1)


# -- Summary ------------------------------------------------------------------------------


def _summary(book: _Book, r: YearEndReports, lines: Sequence[LineSheet]) -> None:
    ag, m, c = r.agreement, r.memorandum, r.close
    t = m.total
    host = ag.host_partner
    s = _Sheet(
        book, SUMMARY, f"{ag.name} — year-end report — {_year_ended(r.year, r.close.terminated_on)}"
    )
    s.table(
        "Pool",
        [_Col("Item", "text"), _Col("Detail", "text")],
        [
            ("Agreement", f"{ag.name} ({ag.id})"),
            ("Year", f"{r.year}, {_year_ended(r.year, r.close.terminated_on)}"),
            ("Host", f"{host.name} ({host.id})"),
            ("Pooled fund manager", ag.pooled_fund_manager),
            ("Legal basis", _LEGAL_BASIS.get(ag.legal_basis, ag.legal_basis.value)),
            ("Partners", ", ".join(f"{p.name} ({p.id})" for p in ag.partners)),
            ("Term", f"{ag.term_start:%d/%m/%Y} to {ag.term_end:%d/%m/%Y}"),
            (
                "Figures",
                "£ and pence, exact to the penny; negatives in brackets; overspends positive",
            ),
        ],
    )
    refunded = sum(u.refunded for q in m.partners for u in m.underspend[q].values())
    s.table(
        "Key figures",
        [_Col("Figure", "text"), _Col("£")],
        [
            ("Total resources", t.total_resources),
            ("Gross expenditure", t.gross_expenditure),
            ("Net surplus/(deficit)", t.net),
            ("Risk pool used", sum(pc.risk_pool_used for pc in c.partners)),
            ("Additional contributions", t.additional_contributions),
            ("Underspend refunded", refunded),
            ("Carried forward", t.carried_forward),
        ],
    )
    failed = [x for x in m.checks if not x.holds]
    errors = [i for i in c.issues if i.is_error]
    s.table(
        "Status",
        [_Col("Check", "text"), _Col("Holds", "text")],
        [
            ("Conservation (I-1): resources in = resources applied", _yes(m.conservation.holds)),
            (f"Self-checks of the account ({len(m.checks)})", _yes(not failed)),
            ("Host–partner balances mirror (I-6)", _yes(r.balances.mirrors)),
            ("£000 note casts", _yes(r.note.casts)),
            (
                f"Issues from the close: {len(c.issues)} ({len(errors)} error(s)); "
                f"see the {CHECKS} sheet",
                _yes(not errors),
            ),
        ],
    )
    s.lines(
        [("Settlements", "caption")]
        + [
            (_settlement_text(pc.partner, pc.is_host, pc.settlement, pc.settlement_due), "text")
            for pc in c.partners
        ]
    )
    if any(not x.written for x in lines):
        s.lines([(x.note, "bad") for x in lines if not x.written])

    # the charts go here, above the tables they draw (drawings need no rows written)
    band = s.row
    height = _chart_height(len(c.schemes))
    if c.schemes:
        s.row += 2 * (-(-(height + 40) // 20) + 1)

    # Table 1 and chart 1: budget against outturn
    caption = f"Table 1. Budget against outturn by scheme, {r.year} (£)"
    first = _first_row(s, caption)
    rows1 = []
    for i, sc in enumerate(c.schemes):
        budget = sum(sc.contributions.values())
        row = first + i
        rows1.append(
            (
                sc.scheme,
                sc.name,
                budget,
                sc.net,
                _Calc(((row, 3, 1), (row, 2, -1)), sc.net - budget),
            )
        )
    t1 = s.table(
        caption,
        [
            _Col("Scheme", "text"),
            _Col("Name", "text"),
            _Col("Budget (contributions)"),
            _Col("Outturn (net expenditure)"),
            _Col("Variance (+ over)"),
        ],
        rows1,
        total="Total",
    )

    # Table 2 and chart 2: how each variance was shared
    partners = list(m.partners)
    has_offset = any(v for sc in c.schemes for v in sc.offset.values())
    cols2 = [_Col("Scheme", "text"), _Col("Variance (+ over)"), _Col("Risk pool used")]
    if has_offset:
        cols2.append(_Col("Offset (+ in, − out)"))
    cols2 += [_Col(f"{p} deficit share") for p in partners]
    cols2 += [_Col(f"{p} underspend share") for p in partners]
    rows2 = []
    for sc in c.schemes:
        values: list[Any] = [sc.scheme, sc.variance, sum(sc.risk_pool.values())]
        if has_offset:
            values.append(sum(sc.offset.values()))
        values += [sc.deficit.get(p, 0) for p in partners]
        values += [sc.underspend.get(p, 0) for p in partners]
        rows2.append(values)
    t2 = s.table(
        f"Table 2. How each scheme's variance was shared, {r.year} (£)",
        cols2,
        rows2,
        total="Total",
    )
    under_col0 = len(cols2) - len(partners)
    caption = "Chart 2 data: underspend shares drawn to the left of the line (negated)"
    first = _first_row(s, caption)
    t3 = s.table(
        caption,
        [_Col("Scheme", "text"), *[_Col(f"{p} underspend share (drawn)") for p in partners]],
        [
            [
                sc.scheme,
                *[
                    _Calc(((t2.first + i, under_col0 + j, -1),), -sc.underspend.get(p, 0))
                    for j, p in enumerate(partners)
                ],
            ]
            for i, sc in enumerate(c.schemes)
        ],
    )
    s.finish()
    if c.schemes:
        _charts(book, s, r, band, (t1, t2, t3), partners, has_offset)


def _chart_height(schemes: int) -> int:
    return max(288, 80 + 36 * schemes)


def _charts(
    book: _Book,
    s: _Sheet,
    r: YearEndReports,
    band: int,
    blocks: tuple[_Block, _Block, _Block],
    partners: Sequence[PartnerId],
    has_offset: bool,
) -> None:
    """The two charts of the HTML report, as native Excel charts above their tables."""
    t1, t2, t3 = blocks
    height = _chart_height(t1.last - t1.first + 1)
    money_axis = {"num_format": "£#,##0;(£#,##0)", "major_gridlines": {"visible": True}}
    cats1 = [s.name, t1.first, 0, t1.last, 0]

    chart1 = book.wb.add_chart({"type": "bar"})
    for col, name, colour in ((2, "Budget (contributions)", "#A9C4E0"), (3, "Outturn", "#1F3A5F")):
        chart1.add_series(
            {
                "name": name,
                "categories": cats1,
                "values": [s.name, t1.first, col, t1.last, col],
                "fill": {"color": colour},
                "border": {"none": True},
            }
        )
    chart1.set_title({"name": f"Budget against outturn by scheme, {r.year}"})
    chart1.set_x_axis(money_axis)
    chart1.set_y_axis({"reverse": True})
    chart1.set_legend({"position": "bottom"})
    chart1.set_size({"width": 760, "height": height})

    chart2 = book.wb.add_chart({"type": "bar", "subtype": "stacked"})
    cats2 = [s.name, t2.first, 0, t2.last, 0]
    series: list[tuple[str, int, int, int, dict[str, Any]]] = [
        ("Risk pool used", t2.first, t2.last, 2, {"fill": {"color": _GREY}})
    ]
    col = 3
    if has_offset:
        series.append(("Offsetting", t2.first, t2.last, col, {"fill": {"color": "#999999"}}))
        col += 1
    for i, p in enumerate(partners):
        colour = _COLOURS[i % len(_COLOURS)]
        series.append(
            (f"{p} deficit share", t2.first, t2.last, col + i, {"fill": {"color": colour}})
        )
    for i, p in enumerate(partners):
        colour = _COLOURS[i % len(_COLOURS)]
        pattern = {"pattern": "wide_upward_diagonal", "fg_color": colour, "bg_color": "#FFFFFF"}
        series.append((f"{p} underspend share", t3.first, t3.last, 1 + i, {"pattern": pattern}))
    for name, first, last, column, style in series:
        chart2.add_series(
            {
                "name": name,
                "categories": cats2,
                "values": [s.name, first, column, last, column],
                "border": {"color": "#333333", "width": 0.5},
                **style,
            }
        )
    chart2.set_title({"name": f"How each scheme's variance was shared, {r.year}"})
    chart2.set_x_axis(money_axis)
    chart2.set_y_axis({"reverse": True})
    chart2.set_legend({"position": "bottom"})
    chart2.set_size({"width": 760, "height": height + 40})
    s.ws.insert_chart(band, 0, chart1, {"object_position": 3})
    s.ws.insert_chart(band + -(-(height + 40) // 20) + 1, 0, chart2, {"object_position": 3})


def _yes(holds: bool) -> str:
    return "yes" if holds else "NO"


def _settlement_text(partner: str, is_host: bool, settlement: int, due: date | None) -> str:
    when = f"{due:%d/%m/%Y}" if due else "–"
    if is_host:
        return f"{partner} (host): no cash settlement; its money never leaves it."
    if settlement > 0:
        return f"Host pays {partner} £{format_pence(settlement)} by {when}."
    if settlement < 0:
        return f"{partner} pays the host £{format_pence(-settlement)} by {when}."
    return f"{partner}: nothing to pay."


# -- sheets written from a report document ------------------------------------------------

_DOC_KINDS: dict[str, Kind] = {
    "text": "text",
    "amount": "money",
    "thousands": "thousands",
    "count": "int",
    "percent": "int",
    "date": "date",
    "flag": "flag",
}
_DOC_STYLES: dict[str, Literal["", "sub", "total"]] = {
    "item": "",
    "heading": "",
    "subtotal": "sub",
    "total": "total",
}


def _document_table(s: _Sheet, table: rd.Table) -> _Block:
    """A document's table: its cells typed by column, its worked-out cells formulas."""
    caption = rd.pick(table.caption, "workbook")
    cols = table.shown_columns("workbook")
    col_at = {i: n for n, i in enumerate(cols)}
    rows = [(i, r) for i, r in enumerate(table.rows) if rd.shown(r.only, "workbook")]
    first = _first_row(s, caption)
    row_at = {i: first + n for n, (i, _) in enumerate(rows)}
    written = []
    for _, row in rows:
        cells: list[Any] = []
        for c in cols:
            cell = row.cells[c]
            if cell.sum and isinstance(cell.value, int):
                terms = tuple((row_at[x], col_at[y], sign) for x, y, sign in cell.sum)
                cells.append(_Calc(terms, cell.value))
            else:
                cells.append(cell.value)
        kind = row.kind.get("workbook") if isinstance(row.kind, rd.Alt) else row.kind
        written.append(_Row(cells, _DOC_STYLES[kind]))
    columns = [
        _Col(rd.pick(table.columns[c].header, "workbook"), _DOC_KINDS[table.columns[c].kind])
        for c in cols
    ]
    return s.table(caption, columns, written)


def _document_sheet(book: _Book, name: str, doc: rd.Document) -> None:
    """A sheet from a report document: its title, description, tables and paragraphs."""
    s = _Sheet(book, name, rd.pick(doc.title, "workbook"))
    for line in doc.description:
        s.para(rd.pick(line, "workbook"))
    for section in doc.sections:
        for block in section.blocks:
            if not rd.shown(block.only, "workbook"):
                continue
            if isinstance(block, rd.Paragraph):
                s.para(rd.pick(block.text, "workbook"))
            elif isinstance(block, rd.Table):
                _document_table(s, block)
            else:
                _document_table(s, block.table)
    s.finish()


# -- Memorandum account ---------------------------------------------------------------------


def _memorandum(book: _Book, r: YearEndReports) -> None:
    _document_sheet(book, MEMORANDUM, memorandum_document(r.memorandum))


def _balances_table(s: _Sheet, m: MemorandumAccount, caption: str) -> _Block:
    return s.table(
        caption,
        [
            _Col("Partner", "text"),
            _Col("Host", "flag"),
            _Col("Position", "text"),
            _Col("Balance (+ host owes partner)"),
            _Col("Held by host for next year"),
            _Col("Cash settlement (+ host pays partner)"),
            _Col("Due", "date"),
        ],
        [
            [b.partner, b.is_host, b.position, b.balance, b.held, b.settlement, b.settlement_due]
            for b in m.balances
        ],
        total="Total",
    )


# -- the £000 note -----------------------------------------------------------------------------


def _note(book: _Book, r: YearEndReports) -> None:
    n = r.note
    s = _Sheet(
        book,
        NOTE,
        f"Pooled budgets (£000) — note to the accounts of {n.partner_name} — "
        f"{_year_ended(n.year, r.close.terminated_on)}",
    )
    s.para(
        f"{n.agreement_name}. Figures in £000, each rounded half up, with the exact figures "
        f"in £ beside them; deficits positive, surpluses in brackets. Casting policy: "
        f"{n.policy.value}."
    )
    caption = f"Pooled budgets — {n.agreement_name}"
    first = _first_row(s, caption)
    index = {row.key: first + i for i, row in enumerate(n.rows)}
    funding = [k for k in index if k.startswith("funding:")]
    sums: dict[str, tuple[tuple[str, int], ...]] = {
        "total_funding": tuple((k, 1) for k in funding),
        "net": (
            ("expenditure", 1),
            ("total_funding", -1),
            *((("net:rounding", 1),) if "net:rounding" in index else ()),
        ),
    }
    rows: list[Any] = []
    for row in n.rows:
        label = row.label + (f" (adjusted by {row.adjustment:+d})" if row.adjustment else "")
        thousands: Any = row.thousands
        exact: Any = None if row.kind is NoteRowKind.ROUNDING else row.pence
        if row.key in sums:
            terms = sums[row.key]
            thousands = _Calc(tuple((index[k], 1, sign) for k, sign in terms), row.thousands)
            exact_terms = tuple((index[k], 3, sign) for k, sign in terms if ":rounding" not in k)
            exact = _Calc(exact_terms, row.pence)
        style: Literal["", "total"] = "total" if row.kind is NoteRowKind.TOTAL else ""
        rows.append(_Row((label, thousands, row.adjustment or None, exact, row.kind.value), style))
    s.table(
        caption,
        [
            _Col("Row", "text"),
            _Col("£000", "thousands"),
            _Col("Adjustment (£000)", "thousands"),
            _Col("Exact £"),
            _Col("Kind", "text"),
        ],
        rows,
    )
    s.lines(
        [
            (f"The £000 column casts: {_yes(n.casts)}.", "muted"),
            (f"The exact column casts: {_yes(n.casts_exactly)}.", "muted"),
        ]
    )
    s.finish()


# -- statements ----------------------------------------------------------------------------------


def statement_sheet_names(partners: Iterable[PartnerId]) -> list[str]:
    """The statement sheets' names, in partner order: ``Statement <id>`` (31 characters
    at most; a clash, after shortening, gets a number)."""
    seen: set[str] = {x.lower() for x in SHEETS}
    out: list[str] = []
    for p in partners:
        name = f"Statement {p}"[:31]
        if name.lower() in seen:
            k = 2
            while f"{name[:26]} ({k})".lower() in seen:
                k += 1
            name = f"{name[:26]} ({k})"
        seen.add(name.lower())
        out.append(name)
    return out


_STATEMENT_FIELDS = (
    ("Contribution", "contribution"),
    ("Risk pool applied", "risk_pool"),
    ("Offsetting", "offset"),
    ("Deficit share", "deficit"),
    ("Underspend share", "underspend"),
    ("Gross expenditure", "gross_share"),
    ("Income", "income_share"),
    ("Net", "net_share"),
)
_DISPOSITION_FIELDS = (
    ("Refunded", "refunded"),
    ("Carried forward", "carried_forward"),
    ("Redeployed", "redeployed"),
    ("Contingency", "contingency"),
)


def _statement(book: _Book, name: str, st: PartnerStatement) -> None:
    s = _Sheet(
        book,
        name,
        f"Partner statement — {st.partner_name} ({st.partner}) — {st.agreement_name} — "
        f"{_year_ended(st.year, st.terminated_on)}",
        fallback="Statement",
    )
    role = "host" if st.is_host else "partner"
    s.para(
        f"{st.partner_name} ({st.partner}), {role}. Host: {st.host_name} ({st.host}). Amounts in £."
    )

    caption = "1. Contributions and risk pool"
    first = _first_row(s, caption)
    disp = st.risk_pool_unused_disposition
    paid_in = st.contributions + st.risk_pool_paid
    # each scheme's contribution (after, for a terminated agreement, the approved
    # contributions and what termination cancelled, on lines of their own)
    rows1: list[Any] = [list(x) for x in st.contribution_rows()]
    k = len(rows1)
    schemes = range(k - len(st.lines), k)
    rows1 += [
        _Row(
            [
                "Contributions to schemes",
                _Calc(tuple((first + i, 1, 1) for i in schemes), st.contributions),
            ],
            "sub",
        ),
        ["Risk pool paid in", st.risk_pool_paid],
        ["Risk pool used on overspends", st.risk_pool_used],
        [
            "Risk pool unused" + (f" ({disp.lower().replace('_', ' ')})" if disp else ""),
            st.risk_pool_unused,
        ],
        _Row(
            ["Paid in, in total", _Calc(((first + k, 1, 1), (first + k + 1, 1, 1)), paid_in)],
            "total",
        ),
    ]
    paid_row = first + k + 4
    s.table(caption, [_Col("Item", "text"), _Col("£")], rows1)
    if st.cancelled:  # a terminated agreement: what the partner no longer pays
        on = st.terminated_on
        s.table(
            "Contributions cancelled on termination",
            [_Col("Scheme", "text"), _Col("Cancelled on termination", "text"), _Col("£")],
            [
                [
                    c.scheme,
                    f"instalments due after {on}: " + ", ".join(c.instalments)
                    if c.basis == "instalments"
                    else f"the part for the days after {on}",
                    c.amount,
                ]
                for c in st.cancelled
            ],
            total="Total",
        )

    caption = "2. Share of the pool by scheme"
    block = s.table(
        caption,
        [
            _Col("Scheme", "text"),
            _Col("Name", "text"),
            *_money_cols(h for h, _ in _STATEMENT_FIELDS),
        ],
        [[x.scheme, x.name, *[getattr(x, f) for _, f in _STATEMENT_FIELDS]] for x in st.lines],
        total="Total",
    )
    net_total = (block.last + 1, 2 + len(_STATEMENT_FIELDS) - 1)
    s.table(
        "3. Underspend disposition",
        [_Col("Scheme", "text"), *_money_cols(h for h, _ in _DISPOSITION_FIELDS)],
        [
            [x.scheme, *[getattr(x.disposition, f) for _, f in _DISPOSITION_FIELDS]]
            for x in st.lines
        ],
        total="Total",
    )
    caption = "4. Balance with the host and settlement"
    f = _first_row(s, caption)  # row f + n is line n below

    def add(*lines: int) -> tuple[tuple[int, int, int], ...]:
        return tuple((f + n, 1, 1) for n in lines)

    if st.is_host:
        direction = "host: no cash settlement"
    elif st.settlement:
        direction = "host pays partner" if st.settlement > 0 else "partner pays host"
    else:
        direction = "nothing to pay"
    held = "" if st.terminated_on is None else " (terminated: nothing)"
    s.table(
        caption,
        [_Col("Item", "text"), _Col("£")],
        [
            ["Paid in (contributions and risk pool)", _Calc(((paid_row, 1, 1),), paid_in)],
            ["of which balances brought forward, already held", st.opening_balance],
            ["Less share of net expenditure", _Calc(((*net_total, -1),), -st.total.net_share)],
            _Row(
                [
                    "Balance (+ host owes partner, − partner owes host)",
                    _Calc(add(0, 2), st.balance),
                ],
                "sub",
            ),
            [f"Less held by the host for next year{held}", -st.held],
            ["Add pool spending paid directly by the partner", st.paid_directly],
            ["Less VAT recovered by the partner, owed to the host", -st.vat_recharge],
            _Row(
                [
                    "Cash settlement (+ host pays partner, − partner pays host)",
                    _Calc(add(3, 4, 5, 6), st.settlement),
                ],
                "total",
            ),
            ["Settlement direction", direction],
            ["Settlement due", st.settlement_due],
            ["Less instalments unpaid at 31 March", -st.unpaid_contributions],
            ["Less earlier years' instalments unpaid at 31 March", -st.unpaid_earlier_years],
            ["Add held by the host for next year", st.held],
            _Row(
                [
                    "Balance with the host at 31 March (journals; agreement of balances)",
                    _Calc(add(7, 10, 11, 12), st.balance_with_host),
                ],
                "sub",
            ),
            ["Instalments paid since 31 March", st.paid_after_year_end],
            _Row(
                [
                    "Still to move after counting unpaid instalments (+ host pays)",
                    _Calc(add(13, 14), st.amount_due),
                ],
                "sub",
            ),
            _Row(
                [
                    "Net cash on settlement (+ receives, − pays; the host: the partners' "
                    "settlements, reversed)",
                    st.net_position,
                ],
                "total",
            ),
        ],
    )
    s.para(_settlement_text(st.partner, st.is_host, st.settlement, st.settlement_due), "text")
    j = st.journal
    s.para(
        f"5. Journals to post — period {j.start} to {j.end}. Balanced: "
        f"{_yes(j.is_balanced)}. Net cost {_pounds(j.net_cost)}, which "
        f"{'agrees' if st.net_cost_agrees else 'DOES NOT AGREE'} to the share of net expenditure"
        + (
            ""
            if st.is_host
            else f"; balance with the host {_pounds(j.balance_with(st.host))}, which "
            f"{'agrees' if st.reconciles else 'DOES NOT AGREE'} to section 4"
        )
        + ".",
        "caption",
    )
    s.row -= 1
    _journal_lines(s, j)
    s.finish()


def _journal_lines(s: _Sheet, j: Journal) -> None:
    s.table(
        "",
        [
            _Col("Ref", "text"),
            _Col("Account", "text"),
            _Col("Scheme", "text"),
            _Col("Memo", "text"),
            _Col("Dr"),
            _Col("Cr"),
        ],
        [
            [
                x.ref,
                ACCOUNT_LABELS[x.account] + (f" – {x.counterparty}" if x.counterparty else ""),
                x.scheme,
                x.memo or None,
                x.debit or None,
                x.credit or None,
            ]
            for x in j.lines
        ],
        total="Total",
        label_col=1,
    )


# -- tidy tables (filterable) ---------------------------------------------------------------


def _tidy(
    book: _Book,
    name: str,
    title: str,
    columns: Sequence[_Col],
    rows: Iterable[Mapping[str, Cell]],
    *,
    fallback: str = "Sheet",
) -> int:
    """A line-level or tidy sheet: title, one header row (frozen, filtered), then rows.

    Streams: each row goes to disk as it is written.  Returns the rows written.
    """
    s = _Sheet(book, name, title, fallback=fallback, print_rows=2)
    ws, fmt = s.ws, book.fmt
    header = 1
    for n, col in enumerate(columns):
        ws.write_string(header, n, col.header, fmt("header"))
    formats = [fmt(c.kind if c.kind in ("money", "int", "date") else "text") for c in columns]
    kinds = [c.kind for c in columns]
    keys = [c.key for c in columns]
    widths = [max(len(c.header), 8) for c in columns]
    r = header
    write_string, write_number, write_datetime = ws.write_string, ws.write_number, ws.write_datetime
    for row in rows:
        r += 1
        for n, key in enumerate(keys):
            value = row[key]
            if value is None:
                continue
            kind = kinds[n]
            if kind == "money":
                assert isinstance(value, int)
                if abs(value) > MAX_EXACT_PENCE:
                    shown = _pounds(value)
                    write_string(r, n, shown, formats[n])
                    book.too_large.append(f"{s.name}!{_ref(r, n)}: {shown}")
                else:
                    write_number(r, n, pence_to_decimal(value), formats[n])
            elif kind == "date":
                assert isinstance(value, date)
                write_datetime(r, n, datetime(value.year, value.month, value.day), formats[n])
            elif kind == "flag":
                write_string(r, n, "yes" if value else "no", formats[n])
            elif kind == "int":
                assert isinstance(value, int)
                write_number(r, n, value, formats[n])
            else:
                text = _text(str(value))
                if text:
                    write_string(r, n, text, formats[n])
                    if r < 1000 and len(text) > widths[n]:
                        widths[n] = min(len(text), 50)
    for n, kind in enumerate(kinds):
        w = {"money": 16, "date": 11, "flag": 6}.get(kind, widths[n])
        ws.set_column(n, n, max(w, min(len(columns[n].header), 24)) + 2)
    ws.freeze_panes(header + 1, 0)
    ws.autofilter(header, 0, max(r, header), len(columns) - 1)
    return r - header


_CUR = _Col("Currency", "text", "currency")

_JOURNAL_COLUMNS = (
    _Col("Partner", "text", "partner"),
    _Col("Line", "int", "line"),
    _Col("Ref", "text", "ref"),
    _Col("Account", "text", "account"),
    _Col("Account label", "text", "account_label"),
    _Col("Scheme", "text", "scheme"),
    _Col("Counterparty", "text", "counterparty"),
    _Col("Memo", "text", "memo"),
    _Col("Debit", "money", "debit_pence"),
    _Col("Credit", "money", "credit_pence"),
    _CUR,
)

_SHARES_COLUMNS = (
    _Col("Level", "text", "level"),
    _Col("Scheme", "text", "scheme"),
    _Col("Partner", "text", "partner"),
    _Col("Measure", "text", "measure"),
    _Col("Amount", "money", "pence"),
    _CUR,
)

_LEDGER_COLUMNS = (
    _Col("Entry id", "text", "entry_id"),
    _Col("Entry", "text", "entry"),
    _Col("Date", "date", "date"),
    _Col("Year", "text", "year"),
    _Col("Scheme", "text", "scheme"),
    _Col("Partner", "text", "partner"),
    _Col("Kind", "text", "kind"),
    _Col("Supplier / source", "text", "party"),
    _Col("Category", "text", "category"),
    _Col("Description", "text", "description"),
    _Col("Reverses", "text", "reverses"),
    _Col("Capital", "flag", "capital"),
    _Col("Amount", "money", "pence"),
    _Col("VAT", "money", "vat_pence"),
    _Col("Recoverable VAT", "money", "recoverable_vat_pence"),
    _Col("Pool cost", "money", "pool_cost_pence"),
    _CUR,
)

_LINE_SHARE_COLUMNS = (
    _Col("Entry id", "text", "entry_id"),
    _Col("Scheme", "text", "scheme"),
    _Col("Date", "date", "date"),
    _Col("Kind", "text", "kind"),
    _Col("Reverses", "text", "reverses"),
    _Col("Capital owner", "text", "capital_owner"),
    _Col("Line", "money", "line_pence"),
    _Col("Partner", "text", "partner"),
    _Col("Share", "money", "pence"),
    _Col("Remainder penny", "flag", "remainder_penny"),
    _CUR,
)


# -- settlement, quarterly, balances ---------------------------------------------------------


_KINDS: dict[str, Kind] = {
    "str": "text",
    "int": "int",
    "pence": "money",
    "decimal": "money",
    "date": "date",
    "bool": "flag",
}
_NOT_SHOWN = frozenset({"year", "currency"})
#: Headers of the settlement schedule's columns; a column not named here is headed
#: from its name ("unpaid_contributions_pence" → "Unpaid contributions").
_HEADERS = {
    "partner": "Partner",
    "is_host": "Host",
    "opening_balance_pence": "Brought forward, already held",
    "balance_pence": "Balance (+ host owes partner)",
    "held_pence": "Held by host for next year",
    "paid_directly_pence": "Spending paid directly",
    "vat_recharge_pence": "VAT recharge owed to host",
    "settlement_pence": "Cash settlement (+ host pays partner)",
    "net_position_pence": "Net cash on settlement (+ receives)",
    "direction": "Direction",
    "due": "Due",
    "unpaid_contributions_pence": "Instalments unpaid at 31 March",
    "unpaid_earlier_years_pence": "Earlier years unpaid",
    "balance_with_host_pence": "Balance with host at 31 March",
    "paid_after_year_end_pence": "Instalments paid since 31 March",
    "amount_due_pence": "Still to move (+ host pays)",
}


def _header(name: str) -> str:
    if name in _HEADERS:
        return _HEADERS[name]
    words = name.removesuffix("_pence").replace("_", " ")
    return words[:1].upper() + words[1:]


def _settlement(book: _Book, r: YearEndReports) -> None:
    s = _Sheet(
        book,
        SETTLEMENT,
        f"Settlement schedule — {r.agreement.name} — {_year_ended(r.year, r.close.terminated_on)}",
    )
    s.para(
        "Balance: positive, the host owes the partner; negative, the partner owes the host. "
        "The host's own row has no cash settlement."
    )
    table = settlement_table(r.close)  # every column it has, so new items appear here too
    columns = [c for c in table.columns if c.kind != "decimal" and c.name not in _NOT_SHOWN]
    s.table(
        "Settlement schedule",
        [_Col(_header(c.name), _KINDS[c.kind]) for c in columns],
        [[row[c.name] for c in columns] for row in table.rows],
        total="Total",
    )
    s.lines(
        [
            (_settlement_text(pc.partner, pc.is_host, pc.settlement, pc.settlement_due), "text")
            for pc in r.close.partners
        ]
    )
    s.finish()


def _quarterly(book: _Book, r: YearEndReports, quarters: Sequence[QuarterlyReport]) -> None:
    s = _Sheet(book, QUARTERLY, f"Quarterly monitoring — {r.agreement.name} — {r.year}")
    if not quarters:
        s.para(
            "No quarterly monitoring reports were given: write the workbook with the ledger "
            "(or pass the quarterly reports) to have them here."
        )
    for q in quarters:
        caption = (
            f"Q{q.quarter}: actuals {q.period_start:%d/%m/%Y} to {q.period_last_day:%d/%m/%Y} "
            f"({q.months_elapsed} months) and forecast outturn (£; variance: overspend positive)"
        )
        first = _first_row(s, caption)
        rows = []
        for i, x in enumerate(q.schemes):
            row = first + i
            rows.append(
                [
                    x.scheme,
                    x.name,
                    x.annual_funding,
                    x.ytd_expenditure,
                    x.ytd_income,
                    _Calc(((row, 3, 1), (row, 4, -1)), x.ytd_net),
                    x.forecast_net,
                    x.forecast_method,
                    _Calc(((row, 6, 1), (row, 2, -1)), x.projected_variance),
                ]
            )
        s.table(
            caption,
            [
                _Col("Scheme", "text"),
                _Col("Name", "text"),
                _Col("Annual funding"),
                _Col("YTD gross"),
                _Col("YTD income"),
                _Col("YTD net"),
                _Col("Forecast net outturn"),
                _Col("Method", "text"),
                _Col("Projected variance"),
            ],
            rows,
            total="Total",
        )
        s.table(
            f"Q{q.quarter}: projected year end by partner (£)",
            [
                _Col("Partner", "text"),
                *_money_cols(
                    [
                        "Paid in",
                        "Risk pool used",
                        "Deficit share",
                        "Underspend share",
                        "Net share",
                        "Balance",
                        "Settlement",
                    ]
                ),
            ],
            [
                [
                    x.partner,
                    x.contributions + x.risk_pool_contribution,
                    x.risk_pool_used,
                    x.deficit,
                    x.underspend,
                    x.net_share,
                    x.balance,
                    x.settlement,
                ]
                for x in q.partners
            ],
            total="Total",
        )
        if q.notify_by is not None:
            over = ", ".join(
                f"{x.scheme} {_pounds(x.projected_variance)}"
                for x in q.schemes
                if x.projected_variance > 0
            )
            action = (
                f"Q{q.quarter} projected overspend ({over}): tell the partners by "
                f"{q.notify_by:%d/%m/%Y} ({q.notify_within_working_days} working days after "
                f"{q.projection_date:%d/%m/%Y})."
            )
        else:
            action = f"Q{q.quarter}: no scheme projects an overspend."
        s.lines([(action, "text"), *[(note, "muted") for note in q.notes]])
    s.finish()


def _balances(book: _Book, r: YearEndReports) -> None:
    a = r.balances
    s = _Sheet(
        book,
        BALANCES,
        f"Agreement of balances — {a.agreement_name} — {a.year} month {a.month} "
        f"(at {a.month_end:%d/%m/%Y})",
    )
    s.para(
        "Each side's figures are read from its own journals; each difference must be nil "
        f"(I-6). Thresholds {a.thresholds.label}; they bind DHSC_AOB rows only."
    )
    caption = "Receivables and payables, and income and expenditure with each other (£)"
    first = _first_row(s, caption)
    rows = []
    for i, x in enumerate(a.rows):
        row = first + i
        cells: list[Any] = [
            x.host,
            x.partner,
            x.exercise.value,
            x.host_receivable,
            x.partner_payable,
            _Calc(((row, 3, 1), (row, 4, -1)), x.host_receivable - x.partner_payable),
            x.host_payable,
            x.partner_receivable,
            _Calc(((row, 6, 1), (row, 7, -1)), x.host_payable - x.partner_receivable),
        ]
        if x.host_income is not None and x.partner_expenditure is not None:
            cells += [
                x.host_income,
                x.partner_expenditure,
                _Calc(((row, 9, 1), (row, 10, -1)), x.host_income - x.partner_expenditure),
            ]
        else:
            cells += [None, None, None]
        if x.host_expenditure is not None and x.partner_income is not None:
            cells += [
                x.host_expenditure,
                x.partner_income,
                _Calc(((row, 12, 1), (row, 13, -1)), x.host_expenditure - x.partner_income),
            ]
        else:
            cells += [None, None, None]
        cells += [x.mirror, x.statement_threshold_met, x.agreement_threshold_met]
        rows.append(cells)
    s.table(
        caption,
        [
            _Col("Host", "text"),
            _Col("Partner", "text"),
            _Col("Exercise", "text"),
            *_money_cols(
                [
                    "Host receivable",
                    "Partner payable",
                    "Difference",
                    "Host payable",
                    "Partner receivable",
                    "Difference",
                    "Host income",
                    "Partner expenditure",
                    "Difference",
                    "Host expenditure",
                    "Partner income",
                    "Difference",
                ]
            ),
            _Col("Mirror (I-6)", "flag"),
            _Col("Statement", "flag"),
            _Col("Agreement required", "flag"),
        ],
        rows,
    )
    s.finish()


# -- checks ------------------------------------------------------------------------------------


def _checks(
    book: _Book,
    r: YearEndReports,
    quarters: Sequence[QuarterlyReport],
    issues: Sequence[Issue],
    lines: Sequence[LineSheet],
) -> _Sheet:
    m = r.memorandum
    s = _Sheet(
        book, CHECKS, f"Checks — {r.agreement.name} — {_year_ended(r.year, r.close.terminated_on)}"
    )
    cons = m.conservation
    caption = "Conservation (I-1): every pound in is applied"
    first = _first_row(s, caption)
    s.table(
        caption,
        [_Col("Item", "text"), _Col("£")],
        [
            ["Balances brought forward", cons.brought_forward],
            ["Contributions (including the risk pool)", cons.contributions],
            ["Additional contributions", cons.additional_contributions],
            ["Other income", cons.other_income],
            _Row(
                ["Resources in", _Calc(tuple((first + i, 1, 1) for i in range(4)), cons.inflow)],
                "sub",
            ),
            ["Gross expenditure", cons.gross_expenditure],
            ["Underspends returned", cons.underspends_returned],
            ["Unused risk pool returned", cons.unused_risk_pool_returned],
            ["Carried forward", cons.carried_forward],
            _Row(
                [
                    "Resources applied",
                    _Calc(tuple((first + 5 + i, 1, 1) for i in range(4)), cons.outflow),
                ],
                "sub",
            ),
            _Row(
                [
                    "Difference (must be nil)",
                    _Calc(((first + 4, 1, 1), (first + 9, 1, -1)), cons.inflow - cons.outflow),
                ],
                "total",
            ),
        ],
    )
    caption = "Self-checks of the memorandum account"
    first = _first_row(s, caption)
    s.table(
        caption,
        [
            _Col("Check", "text"),
            _Col("Left"),
            _Col("Right"),
            _Col("Difference"),
            _Col("Holds", "flag"),
        ],
        [
            [
                x.name,
                x.left,
                x.right,
                _Calc(((first + i, 1, 1), (first + i, 2, -1)), x.left - x.right),
                x.holds,
            ]
            for i, x in enumerate(m.checks)
        ],
    )
    report_checks: list[tuple[str, bool]] = [
        ("£000 note casts (funding, net and shares)", r.note.casts),
        ("£000 note: the exact column casts", r.note.casts_exactly),
        ("Host–partner balances mirror (I-6)", r.balances.mirrors),
    ]
    for p, st in r.statements.items():
        report_checks.append((f"{p}: journal balances", st.journal.is_balanced))
        report_checks.append(
            (f"{p}: journal net cost agrees to its net share (I-5)", st.net_cost_agrees)
        )
    s.table("Report checks", [_Col("Check", "text"), _Col("Holds", "flag")], report_checks)

    found: list[tuple[str, Issue]] = []
    seen: set[str] = set()
    for where, group in (
        ("close", r.close.issues),
        ("agreement of balances", r.balances.issues),
        *[(f"quarterly Q{q.quarter}", q.issues) for q in quarters],
        ("input", issues),
    ):
        for issue in group:
            key = issue.model_dump_json()
            if key not in seen:
                seen.add(key)
                found.append((where, issue))
    if found:
        s.table(
            "Issues and warnings",
            [
                _Col("Code", "text"),
                _Col("Severity", "text"),
                _Col("From", "text"),
                _Col("Where", "text"),
                _Col("Message", "text"),
            ],
            [[i.code, i.severity.value, w, str(i.location), i.message] for w, i in found],
        )
    else:
        s.para("The close found no issues.", "text")
    return s


def _workbook_notes(s: _Sheet, lines: Sequence[LineSheet]) -> None:
    """The last block of the Checks sheet: what this workbook left out or wrote as values."""
    book = s.book
    notes: list[tuple[str, str]] = [("Notes on this workbook", "caption")]
    notes += [(x.note, "bad") for x in lines if not x.written]
    notes += [
        (
            f"{x.name}: {x.rows:,} rows, written"
            + (" (split across sheets)" if x.rows > EXCEL_MAX_ROWS - 2 else ""),
            "text",
        )
        for x in lines
        if x.written
    ]
    if book.as_values:
        notes.append(
            (
                f"{len(book.as_values)} total(s) written as values, not formulas: a spreadsheet "
                "could not add them up exactly to the penny: " + ", ".join(book.as_values[:20]),
                "bad",
            )
        )
    if book.too_large:
        notes.append(
            (
                f"{len(book.too_large)} figure(s) over £9,999,999,999,999.99 written as text, "
                "the most a spreadsheet number holds exactly: " + ", ".join(book.too_large[:20]),
                "bad",
            )
        )
    if len(notes) == 1:
        notes.append(
            ("Every figure is a number exact to the penny; every total is a formula.", "text")
        )
    s.lines(notes)
    s.finish()


# -- the workbook --------------------------------------------------------------------------------


def _pool_lines_in(ledger: Ledger, year: FinancialYear) -> int:
    within = year.as_range()
    return sum(1 for line in ledger.pool_lines if within.contains(line.date))


def line_sheets_plan(
    reports: YearEndReports, ledger: Ledger | None, line_sheets: LineSheets = "auto"
) -> list[LineSheet]:
    """Which line-level sheets the workbook holds: rows each, and whether written.

    ``"auto"`` writes a sheet of at most :data:`LINE_SHEET_ROWS` rows; ``"always"``
    writes every one (split across sheets beyond Excel's rows); ``"never"`` none.
    Without a ledger there are none.
    """
    if line_sheets not in ("auto", "always", "never"):
        raise WorkbookError(f"line_sheets is 'auto', 'always' or 'never', not {line_sheets!r}")
    if ledger is None:
        return []
    sizes = (
        (LEDGER, len(ledger), "ledger.csv"),
        (
            LINE_SHARES,
            _pool_lines_in(ledger, reports.year) * len(reports.agreement.partners),
            "apportionment.csv",
        ),
    )
    return [
        LineSheet(
            name,
            rows,
            line_sheets == "always" or (line_sheets == "auto" and rows <= LINE_SHEET_ROWS),
            csv,
        )
        for name, rows, csv in sizes
    ]


def _chunks(rows: Iterable[Mapping[str, Cell]], size: int) -> Iterator[list[Mapping[str, Cell]]]:
    chunk: list[Mapping[str, Cell]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _line_sheet(book: _Book, name: str, title: str, columns: Sequence[_Col], table: Table) -> None:
    per_sheet = EXCEL_MAX_ROWS - 2  # a title row and a header row
    if len(table.rows) <= per_sheet:
        _tidy(book, name, title, columns, table.rows)
        return
    for n, chunk in enumerate(_chunks(table.rows, per_sheet), start=1):
        _tidy(book, f"{name} ({n})", f"{title} — part {n}", columns, chunk)


def write_year_end_workbook(
    reports: YearEndReports,
    path: str | PathLike[str],
    *,
    ledger: Ledger | None = None,
    quarterly: Sequence[QuarterlyReport] | None = None,
    line_sheets: LineSheets = "auto",
    issues: Sequence[Issue] = (),
) -> Path:
    """Write every report of ``reports`` to the ``.xlsx`` workbook ``path``; return it.

    ``ledger`` adds the line-level sheets (Ledger, Shares per line) within
    :data:`LINE_SHEET_ROWS` rows, or as ``line_sheets`` says (see
    :func:`line_sheets_plan`), and the quarterly monitoring Q1–Q4 (unless
    ``quarterly`` gives the reports to show).  ``issues`` are listed on the Checks
    sheet with the close's own (e.g. the input files' warnings).  An existing file at
    ``path`` is replaced.  The same arguments give the same bytes.
    """
    out = Path(path)
    a = reports.agreement
    plan = line_sheets_plan(reports, ledger, line_sheets)
    if quarterly is None:
        if ledger is not None:
            from pooledledger.reports.quarterly import quarterly_report

            quarterly = [quarterly_report(a, ledger, reports.year, q) for q in (1, 2, 3, 4)]
        else:
            quarterly = []
    year_end = reports.year.last_day
    period = _year_ended(reports.year, reports.close.terminated_on)
    book = _Book(
        out,
        f"{a.name}: year-end reports, {period}",
        datetime(year_end.year, year_end.month, year_end.day),
    )
    try:
        _summary(book, reports, plan)
        _memorandum(book, reports)
        _note(book, reports)
        for name, st in zip(
            statement_sheet_names(reports.statements), reports.statements.values(), strict=True
        ):
            _statement(book, name, st)
        _tidy(
            book,
            JOURNALS,
            f"Year-end journals — {a.name} — {period}",
            _JOURNAL_COLUMNS,
            journal_table(reports.close.journals).rows,
        )
        _settlement(book, reports)
        _quarterly(book, reports, quarterly)
        _balances(book, reports)
        checks = _checks(book, reports, quarterly, issues, plan)
        _tidy(
            book,
            SHARES,
            f"Shares at year end — {a.name} — {period}",
            _SHARES_COLUMNS,
            close_table(reports.close).rows,
        )
        written = {x.name for x in plan if x.written}
        if ledger is not None and LEDGER in written:
            _line_sheet(
                book,
                LEDGER,
                f"Ledger — {a.name} — {len(ledger):,} entries",
                _LEDGER_COLUMNS,
                ledger_table(ledger),
            )
        if ledger is not None and LINE_SHARES in written:
            _line_sheet(
                book,
                LINE_SHARES,
                f"Shares per line — {a.name} — {reports.year}",
                _LINE_SHARE_COLUMNS,
                apportionment_table(apportion(ledger, reports.year)),
            )
        _workbook_notes(checks, plan)
    except BaseException:
        book.abandon()
        raise
    book.close()
    return out
