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

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from os import PathLike
from pathlib import Path

from pooledledger.books.apportion import apportion
from pooledledger.books.ledger import Ledger
from pooledledger.books.pool_columns import held_columns
from pooledledger.books.tables import apportionment_rows, journal_table, ledger_rows
from pooledledger.core.errors import Issue
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import Cell
from pooledledger.io.excel_book import (
    BALANCES,
    CHECKS,
    DATE_FORMAT,
    EXCEL_MAX_ROWS,
    JOURNALS,
    LEDGER,
    LINE_SHARES,
    LINE_SHEET_ROWS,
    MAX_EXACT_PENCE,
    MEMORANDUM,
    MONEY_FORMAT,
    NOTE,
    QUARTERLY,
    SETTLEMENT,
    SHARES,
    SHEETS,
    THOUSANDS_FORMAT,
    Book,
    Col,
    Kind,
    LineSheet,
    LineSheets,
    Sheet,
    WorkbookError,
    exact_in_a_spreadsheet,
)
from pooledledger.io.excel_document import (
    document_body,
    document_sheet,
)
from pooledledger.io.excel_summary import (
    summary_sheet,
)
from pooledledger.io.excel_tables import (
    JOURNAL_COLUMNS,
    LEDGER_COLUMNS,
    LINE_SHARE_COLUMNS,
    SHARES_COLUMNS,
    tidy_sheet,
)
from pooledledger.model.partners import PartnerId
from pooledledger.reports.balances_layout import balances_document
from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.checks_layout import checks_document
from pooledledger.reports.document import pick
from pooledledger.reports.memorandum_layout import memorandum_document
from pooledledger.reports.note_layout import note_document
from pooledledger.reports.quarterly import QuarterlyReport
from pooledledger.reports.quarterly_layout import quarterly_document
from pooledledger.reports.statements import PartnerStatement
from pooledledger.reports.statements_layout import statement_document
from pooledledger.reports.wording import period_text, settlement_text, short_date
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

# -- Memorandum account ---------------------------------------------------------------------


def _memorandum(book: Book, r: YearEndReports) -> None:
    document_sheet(book, MEMORANDUM, memorandum_document(r.memorandum))


# -- the £000 note -----------------------------------------------------------------------------


def _note(book: Book, r: YearEndReports) -> None:
    document_sheet(book, NOTE, note_document(r.note))


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


def _statement(book: Book, name: str, st: PartnerStatement) -> None:
    document_sheet(book, name, statement_document(st))


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


def _settlement(book: Book, r: YearEndReports) -> None:
    s = Sheet(
        book,
        SETTLEMENT,
        f"Settlement schedule — {r.agreement.name} — {period_text(r.year, r.close.terminated_on)}",
    )
    s.para(
        "Balance: positive, the host owes the partner; negative, the partner owes the host. "
        "The host's own row has no cash settlement."
    )
    table = settlement_table(r.close)  # every column it has, so new items appear here too
    columns = [c for c in table.columns if c.kind != "decimal" and c.name not in _NOT_SHOWN]
    s.table(
        "Settlement schedule",
        [Col(_header(c.name), _KINDS[c.kind]) for c in columns],
        [[row[c.name] for c in columns] for row in table.rows],
        total="Total",
    )
    s.lines(
        [
            (
                settlement_text(
                    pc.partner, pc.is_host, pc.settlement, pc.settlement_due, short_date
                ),
                "text",
            )
            for pc in r.close.partners
        ]
    )
    s.finish()


def _quarterly(book: Book, r: YearEndReports, quarters: Sequence[QuarterlyReport]) -> None:
    """Q1–Q4 one after another, each from its one layout (:func:`quarterly_document`)."""
    s = Sheet(book, QUARTERLY, f"Quarterly monitoring — {r.agreement.name} — {r.year}")
    if not quarters:
        s.para(
            "No quarterly monitoring reports were given: write the workbook with the ledger "
            "(or pass the quarterly reports) to have them here."
        )
    for q in quarters:
        document_body(s, quarterly_document(q))
    s.finish()


def _balances(book: Book, r: YearEndReports) -> None:
    document_sheet(book, BALANCES, balances_document(r.balances))


# -- checks ------------------------------------------------------------------------------------


def _checks(
    book: Book, r: YearEndReports, quarters: Sequence[QuarterlyReport], issues: Sequence[Issue]
) -> Sheet:
    """The Checks sheet from its document; left open for :func:`_workbook_notes`."""
    doc = checks_document(r, quarters, issues)
    s = Sheet(book, CHECKS, pick(doc.title, "workbook"))
    document_body(s, doc)
    return s


def _workbook_notes(s: Sheet, lines: Sequence[LineSheet]) -> None:
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
    columns = held_columns(ledger)
    if columns is not None:  # the lines by date: one slice, counted without a walk
        lo, hi = columns.between(year.start, year.end)
        return hi - lo
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
            LINE_SHEET_ROWS,
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


def _line_sheet(
    book: Book,
    name: str,
    title: str,
    columns: Sequence[Col],
    rows: Iterable[Mapping[str, Cell]],
    count: int,
) -> None:
    """``count`` rows streamed to one sheet, or split across sheets beyond Excel's rows."""
    per_sheet = EXCEL_MAX_ROWS - 2  # a title row and a header row
    if count <= per_sheet:
        tidy_sheet(book, name, title, columns, rows)
        return
    for n, chunk in enumerate(_chunks(rows, per_sheet), start=1):
        tidy_sheet(book, f"{name} ({n})", f"{title} — part {n}", columns, chunk)


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
    plan = line_sheets_plan(reports, ledger, line_sheets)
    quarters = _quarters(reports, ledger, quarterly)
    year_end = reports.year.last_day
    book = Book(
        out,
        f"{reports.agreement.name}: year-end reports, {_period(reports)}",
        datetime(year_end.year, year_end.month, year_end.day),
    )
    try:
        _sheets(book, reports, ledger, quarters, issues, plan)
    except BaseException:
        book.abandon()
        raise
    book.close()
    return out


def _period(r: YearEndReports) -> str:
    return period_text(r.year, r.close.terminated_on)


def _quarters(
    r: YearEndReports, ledger: Ledger | None, quarterly: Sequence[QuarterlyReport] | None
) -> Sequence[QuarterlyReport]:
    """The quarterly reports to show: as given, else Q1–Q4 from the ledger, else none."""
    if quarterly is not None:
        return quarterly
    if ledger is None:
        return []
    from pooledledger.reports.quarterly import quarterly_report

    return [quarterly_report(r.agreement, ledger, r.year, q) for q in (1, 2, 3, 4)]


def _sheets(
    book: Book,
    r: YearEndReports,
    ledger: Ledger | None,
    quarters: Sequence[QuarterlyReport],
    issues: Sequence[Issue],
    plan: Sequence[LineSheet],
) -> None:
    """Every sheet, in workbook order (:data:`SHEETS`); the Checks sheet's notes last."""
    name, period = r.agreement.name, _period(r)
    summary_sheet(book, r, plan)
    _memorandum(book, r)
    _note(book, r)
    for sheet, st in zip(statement_sheet_names(r.statements), r.statements.values(), strict=True):
        _statement(book, sheet, st)
    journals = journal_table(r.close.journals).rows
    tidy_sheet(book, JOURNALS, f"Year-end journals — {name} — {period}", JOURNAL_COLUMNS, journals)
    _settlement(book, r)
    _quarterly(book, r, quarters)
    _balances(book, r)
    checks = _checks(book, r, quarters, issues)
    shares = close_table(r.close).rows
    tidy_sheet(book, SHARES, f"Shares at year end — {name} — {period}", SHARES_COLUMNS, shares)
    if ledger is not None:
        _line_sheets(book, r, ledger, {x.name for x in plan if x.written})
    _workbook_notes(checks, plan)


def _line_sheets(book: Book, r: YearEndReports, ledger: Ledger, written: set[str]) -> None:
    """The line-level sheets the plan writes: Ledger, Shares per line."""
    name = r.agreement.name
    if LEDGER in written:
        title = f"Ledger — {name} — {len(ledger):,} entries"
        _line_sheet(book, LEDGER, title, LEDGER_COLUMNS, ledger_rows(ledger), len(ledger))
    if LINE_SHARES in written:
        title = f"Shares per line — {name} — {r.year}"
        shares = apportion(ledger, r.year)
        count = len(shares.lines) * len(shares.partners)
        rows = apportionment_rows(shares)
        _line_sheet(book, LINE_SHARES, title, LINE_SHARE_COLUMNS, rows, count)
