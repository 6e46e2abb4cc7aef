"""The year-end workbook: every report of one close as an Excel file (layer L5).

:func:`write_year_end_workbook` writes a :class:`~pooledledger.reports.bundle.YearEndReports`
to an ``.xlsx`` file with openpyxl, one sheet per report:

=========================  ===========================================================
sheet                      what it holds
=========================  ===========================================================
Memorandum account         the account by scheme (A–J), the conservation line (I-1),
                           the account's self-checks and any issues (warnings) of
                           the ledger checks and the close
Partner statements         each partner's share of each scheme and its total (one
                           sheet, a partner column); for a terminated agreement, a
                           block of the contributions cancelled on termination
Pooled budgets note        the note in £000 (whole numbers) beside the exact £
Journals                   every line of every partner's year-end journal
Settlement schedule        each partner's balance with the host, held, cash
                           settlement, direction and due date, with the reconciling
                           items (brought forward, paid directly, VAT recharge,
                           unpaid instalments, balance at 31 March, still to move)
Shares                     the close as tidy rows: scheme × partner × measure, then
                           partner-level measures
Ledger                     one row per entry (only when ``ledger`` is given)
=========================  ===========================================================

Every sheet has a title in row 1 and a bold header in row 2, frozen, then data.
Amounts are **numbers**, never text: pence are written as exact ``Decimal`` pounds
(``pence / 100``) with the number format ``#,##0.00``; the note's £000 column holds
whole numbers (``#,##0``).  The currency is a column of its own.  Every text cell
passes through :func:`~pooledledger.io._cells.neutralise`, so text that a
spreadsheet would read as a formula (``=…``, ``+…``, ``-…``, ``@…``) stays text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from os import PathLike
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pooledledger.io._cells import neutralise
from pooledledger.ledger import Ledger
from pooledledger.money import GBP, pence_to_decimal
from pooledledger.periods import FinancialYear
from pooledledger.reports.bundle import YearEndReports
from pooledledger.reports.note import NoteRowKind
from pooledledger.tables import (
    Cell,
    Table,
    close_table,
    journal_table,
    ledger_table,
    settlement_table,
)

__all__ = ["MONEY_FORMAT", "SHEETS", "THOUSANDS_FORMAT", "write_year_end_workbook"]

#: Number format of every amount in pounds.
MONEY_FORMAT = "#,##0.00"
#: Number format of the note's £000 column.
THOUSANDS_FORMAT = "#,##0"
DATE_FORMAT = "yyyy-mm-dd"

#: Sheet names, in workbook order ("Ledger" only when a ledger is given).
SHEETS = (
    "Memorandum account",
    "Partner statements",
    "Pooled budgets note",
    "Journals",
    "Settlement schedule",
    "Shares",
    "Ledger",
)

Kind = Literal["text", "money", "thousands", "int", "date", "flag"]
_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=13)
_MIN_WIDTH, _MAX_WIDTH = 8, 60


@dataclass(frozen=True, slots=True)
class _Col:
    header: str
    kind: Kind
    key: str = ""  # the table column it reads (when built from a Table)


class _Sheet:
    """Writes a title, then one or more blocks of header + rows, tracking widths."""

    def __init__(self, ws: Worksheet, title: str) -> None:
        self.ws = ws
        self.row = 1
        self.widths: dict[int, int] = {}
        ws.cell(row=1, column=1, value=_text(title)).font = _TITLE
        self.row = 2
        self.frozen = False

    def block(self, columns: Sequence[_Col], rows: Iterable[Sequence[Cell]]) -> None:
        """A bold header row and its rows; the first header of a sheet is frozen."""
        if self.frozen:
            self.row += 1  # a blank row between blocks
        for n, col in enumerate(columns, start=1):
            cell = self.ws.cell(row=self.row, column=n, value=_text(col.header))
            cell.font = _BOLD
            self._width(n, col.header)
        if not self.frozen:
            self.ws.freeze_panes = f"A{self.row + 1}"
            self.frozen = True
        self.row += 1
        for values in rows:
            for n, (col, value) in enumerate(zip(columns, values, strict=True), start=1):
                self._put(n, col.kind, value)
            self.row += 1

    def _put(self, column: int, kind: Kind, value: Cell) -> None:
        if value is None:
            return
        cell = self.ws.cell(row=self.row, column=column)
        if kind == "money":
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"a money cell takes integer pence, not {value!r}")
            pounds = pence_to_decimal(value)
            cell.value = pounds
            cell.number_format = MONEY_FORMAT
            self._width(column, f"{pounds:,}")
        elif kind in ("thousands", "int"):
            if not isinstance(value, int) or isinstance(value, bool):
                raise TypeError(f"a number cell takes an int, not {value!r}")
            cell.value = value
            cell.number_format = THOUSANDS_FORMAT if kind == "thousands" else "0"
            self._width(column, f"{value:,}")
        elif kind == "date":
            if not isinstance(value, date):
                raise TypeError(f"a date cell takes a date, not {value!r}")
            cell.value = value
            cell.number_format = DATE_FORMAT
            self._width(column, "2026-03-31")
        elif kind == "flag":
            cell.value = "yes" if value else "no"
        else:
            text = _text(str(value))
            cell.value = text
            self._width(column, text)

    def _width(self, column: int, text: str) -> None:
        self.widths[column] = max(self.widths.get(column, 0), len(text))

    def finish(self) -> None:
        for n, w in self.widths.items():
            width = min(max(w + 2, _MIN_WIDTH), _MAX_WIDTH)
            self.ws.column_dimensions[get_column_letter(n)].width = width


def _text(value: str) -> str:
    """Text for a cell: characters Excel refuses removed, formulas neutralised."""
    return neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))


def _from_table(table: Table, columns: Sequence[_Col]) -> list[list[Cell]]:
    return [[r[c.key] for c in columns] for r in table.rows]


def _year_ended(year: FinancialYear, terminated_on: date | None = None) -> str:
    if terminated_on is not None:
        s, t = year.start, terminated_on
        return f"period {s.day} {s:%B} {s.year} to {t.day} {t:%B} {t.year} (terminated)"
    d = year.last_day
    return f"year ended {d.day} {d:%B} {d.year}"


_CUR = _Col("Currency", "text", "currency")


def _memorandum(sheet: _Sheet, reports: YearEndReports) -> None:
    m = reports.memorandum
    labels = [
        ("A. Balances brought forward", "brought_forward"),
        ("B. Contributions", "contributions"),
        ("C. Other income", "other_income"),
        ("D. Total resources (A + B + C)", "total_resources"),
        ("E. Gross expenditure", "gross_expenditure"),
        ("F. Net surplus/(deficit) (D − E)", "net"),
        ("G. Risk pool applied", "risk_pool"),
        ("G. Offsetting between schemes", "offset"),
        ("H. Additional contributions", "additional_contributions"),
        ("I. Underspend disposed of", "underspend"),
        ("Balance after allocation (F + G + H − I)", "closing"),
        ("J. Balances carried forward", "carried_forward"),
    ]
    accounts = (*m.lines, m.total)
    cols = [
        _Col("Line", "text"),
        *[_Col(a.scheme, "money") for a in m.lines],
        _Col("Total", "money"),  # never the total's id: a scheme may be called "TOTAL"
        _Col("Currency", "text"),
    ]
    rows: list[list[Cell]] = [
        [label, *[getattr(a, field) for a in accounts], GBP.code] for label, field in labels
    ]
    sheet.block(cols, rows)
    c = m.conservation
    sheet.block(
        [_Col("Conservation (I-1)", "text"), _Col("Amount", "money"), _CUR],
        [
            [label, value, GBP.code]
            for label, value in (
                ("Balances brought forward", c.brought_forward),
                ("Contributions", c.contributions),
                ("Additional contributions", c.additional_contributions),
                ("Other income", c.other_income),
                ("Resources in", c.inflow),
                ("Gross expenditure", c.gross_expenditure),
                ("Underspends returned", c.underspends_returned),
                ("Unused risk pool returned", c.unused_risk_pool_returned),
                ("Carried forward", c.carried_forward),
                ("Resources applied", c.outflow),
            )
        ],
    )
    sheet.block(
        [
            _Col("Check", "text"),
            _Col("Left", "money"),
            _Col("Right", "money"),
            _Col("Holds", "flag"),
            _CUR,
        ],
        [[x.name, x.left, x.right, x.holds, GBP.code] for x in m.checks],
    )
    if reports.close.issues:  # warnings of the ledger checks and the close travel with it
        sheet.block(
            [
                _Col("Issue", "text"),
                _Col("Severity", "text"),
                _Col("Where", "text"),
                _Col("Message", "text"),
            ],
            [[i.code, i.severity.value, str(i.location), i.message] for i in reports.close.issues],
        )


_STATEMENT_FIELDS = (
    ("Contribution", "contribution"),
    ("Risk pool applied", "risk_pool"),
    ("Offsetting", "offset"),
    ("Deficit share", "deficit"),
    ("Underspend share", "underspend"),
)
_DISPOSITION_FIELDS = (
    ("Refunded", "refunded"),
    ("Carried forward", "carried_forward"),
    ("Redeployed", "redeployed"),
    ("Contingency", "contingency"),
)
_SHARE_FIELDS = (
    ("Gross expenditure", "gross_share"),
    ("Income", "income_share"),
    ("Net", "net_share"),
)


def _statements(sheet: _Sheet, reports: YearEndReports) -> None:
    cols = [
        _Col("Partner", "text"),
        _Col("Partner name", "text"),
        _Col("Scheme", "text"),
        _Col("Scheme name", "text"),
        *[_Col(h, "money") for h, _ in (*_STATEMENT_FIELDS, *_DISPOSITION_FIELDS, *_SHARE_FIELDS)],
        _CUR,
    ]
    rows: list[list[Cell]] = []
    for st in reports.statements.values():
        for line in (*st.lines, st.total):
            is_total = line is st.total  # its scheme cell is empty: a scheme may be "TOTAL"
            rows.append(
                [
                    st.partner,
                    st.partner_name,
                    None if is_total else line.scheme,
                    "Total" if is_total else line.name,
                    *[getattr(line, f) for _, f in _STATEMENT_FIELDS],
                    *[getattr(line.disposition, f) for _, f in _DISPOSITION_FIELDS],
                    *[getattr(line, f) for _, f in _SHARE_FIELDS],
                    GBP.code,
                ]
            )
    sheet.block(cols, rows)
    cancelled = reports.close.cancelled
    if cancelled:  # a terminated agreement: what it no longer pays, on its own lines
        sheet.block(
            [
                _Col("Partner", "text"),
                _Col("Scheme", "text"),
                _Col("Cancelled on termination", "text"),
                _Col("Amount", "money"),
                _CUR,
            ],
            [
                [
                    c.partner,
                    c.scheme,
                    f"instalments due after {reports.close.terminated_on}: "
                    + ", ".join(c.instalments)
                    if c.basis == "instalments"
                    else f"the part for the days after {reports.close.terminated_on}",
                    c.amount,
                    GBP.code,
                ]
                for c in cancelled
            ],
        )


def _note(sheet: _Sheet, reports: YearEndReports) -> None:
    cols = [
        _Col("Row", "text"),
        _Col("Kind", "text"),
        _Col("£000", "thousands"),
        _Col("Adjustment (£000)", "thousands"),
        _Col("Exact £", "money"),
        _CUR,
    ]
    rows: list[list[Cell]] = [
        [
            r.label,
            r.kind.value,
            r.thousands,
            r.adjustment,
            None if r.kind is NoteRowKind.ROUNDING else r.pence,
            GBP.code,
        ]
        for r in reports.note.rows
    ]
    sheet.block(cols, rows)


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

_SETTLEMENT_COLUMNS = (
    _Col("Partner", "text", "partner"),
    _Col("Host", "flag", "is_host"),
    _Col("Brought forward, already held", "money", "opening_balance_pence"),
    _Col("Balance (+ host owes partner)", "money", "balance_pence"),
    _Col("Held by host for next year", "money", "held_pence"),
    _Col("Spending paid directly", "money", "paid_directly_pence"),
    _Col("VAT recharge owed to host", "money", "vat_recharge_pence"),
    _Col("Cash settlement (+ host pays partner)", "money", "settlement_pence"),
    _Col("Direction", "text", "direction"),
    _Col("Due", "date", "due"),
    _Col("Instalments unpaid at 31 March", "money", "unpaid_contributions_pence"),
    _Col("Earlier years unpaid", "money", "unpaid_earlier_years_pence"),
    _Col("Balance with host at 31 March", "money", "balance_with_host_pence"),
    _Col("Instalments paid since 31 March", "money", "paid_after_year_end_pence"),
    _Col("Still to move (+ host pays)", "money", "amount_due_pence"),
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


def write_year_end_workbook(
    reports: YearEndReports,
    path: str | PathLike[str],
    *,
    ledger: Ledger | None = None,
) -> Path:
    """Write every report of ``reports`` to the ``.xlsx`` workbook ``path``; return it.

    ``ledger``, when given, adds a "Ledger" sheet (one row per entry).  An existing
    file at ``path`` is replaced.  See the module docs for the sheets.
    """
    out = Path(path)
    a = reports.agreement
    year = _year_ended(reports.year, reports.close.terminated_on)
    wb = Workbook()
    for blank in list(wb.worksheets):
        wb.remove(blank)
    # document properties are XML too: a control character in a name would corrupt
    # the file (it is not a cell, so no formula neutralising is needed)
    wb.properties.title = ILLEGAL_CHARACTERS_RE.sub("", f"{a.name}: year-end reports, {year}")

    def sheet(name: str, title: str) -> _Sheet:
        return _Sheet(wb.create_sheet(name), title)

    s = sheet(SHEETS[0], f"Pooled fund memorandum account — {a.name} — {year}")
    _memorandum(s, reports)
    s.finish()

    s = sheet(SHEETS[1], f"Partner statements — {a.name} — {year}")
    _statements(s, reports)
    s.finish()

    note = reports.note
    s = sheet(
        SHEETS[2],
        f"Pooled budgets (£000) — note to the accounts of {note.partner_name} — {year}",
    )
    _note(s, reports)
    s.finish()

    journals = journal_table(reports.close.journals)
    s = sheet(SHEETS[3], f"Year-end journals — {a.name} — {year}")
    s.block(_JOURNAL_COLUMNS, _from_table(journals, _JOURNAL_COLUMNS))
    s.finish()

    s = sheet(SHEETS[4], f"Settlement schedule — {a.name} — {year}")
    schedule = settlement_table(reports.close)
    s.block(_SETTLEMENT_COLUMNS, _from_table(schedule, _SETTLEMENT_COLUMNS))
    s.finish()

    s = sheet(SHEETS[5], f"Shares at year end — {a.name} — {year}")
    s.block(_SHARES_COLUMNS, _from_table(close_table(reports.close), _SHARES_COLUMNS))
    s.finish()

    if ledger is not None:
        s = sheet(SHEETS[6], f"Ledger — {a.name} — {len(ledger)} entries")
        s.block(_LEDGER_COLUMNS, _from_table(ledger_table(ledger), _LEDGER_COLUMNS))
        s.finish()

    wb.save(out)
    return out
