"""The year-end workbook's tidy, filterable tables (layer L5): Journals, Shares, and the
line-level Ledger and Shares per line, one row per line as the CSV tables have them
(docs/excel-and-dataframes.md#the-year-end-workbook).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime

from pooledledger.core.money import pence_to_decimal
from pooledledger.core.tables import Cell
from pooledledger.io.excel_book import (
    MAX_EXACT_PENCE,
    Book,
    Col,
    Sheet,
    cell_ref,
    cell_text,
    pounds,
)

# -- tidy tables (filterable) ---------------------------------------------------------------

#: How many distinct texts a sheet keeps made-safe copies of (:func:`cell_text` once each).
_TEXTS = 4096


class _SafeTexts(dict[str, str]):
    """:func:`cell_text` of each text, kept for the first :data:`_TEXTS` distinct ones
    (the repeated ones come early: codes, partners, schemes)."""

    def __missing__(self, raw: str) -> str:
        text = cell_text(raw)
        if len(self) < _TEXTS:
            self[raw] = text
        return text


def tidy_sheet(
    book: Book,
    name: str,
    title: str,
    columns: Sequence[Col],
    rows: Iterable[Mapping[str, Cell]],
    *,
    fallback: str = "Sheet",
) -> int:
    """A line-level or tidy sheet: title, one header row (frozen, filtered), then rows.

    Streams: each row goes to disk as it is written.  Returns the rows written.
    """
    s = Sheet(book, name, title, fallback=fallback, print_rows=2)
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
    texts = _SafeTexts()
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
                    shown = pounds(value)
                    write_string(r, n, shown, formats[n])
                    book.too_large.append(f"{s.name}!{cell_ref(r, n)}: {shown}")
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
                text = texts[str(value)]
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


CURRENCY_COLUMN = Col("Currency", "text", "currency")

JOURNAL_COLUMNS = (
    Col("Partner", "text", "partner"),
    Col("Line", "int", "line"),
    Col("Ref", "text", "ref"),
    Col("Account", "text", "account"),
    Col("Account label", "text", "account_label"),
    Col("Scheme", "text", "scheme"),
    Col("Counterparty", "text", "counterparty"),
    Col("Memo", "text", "memo"),
    Col("Debit", "money", "debit_pence"),
    Col("Credit", "money", "credit_pence"),
    CURRENCY_COLUMN,
)

SHARES_COLUMNS = (
    Col("Level", "text", "level"),
    Col("Scheme", "text", "scheme"),
    Col("Partner", "text", "partner"),
    Col("Measure", "text", "measure"),
    Col("Amount", "money", "pence"),
    CURRENCY_COLUMN,
)

LEDGER_COLUMNS = (
    Col("Entry id", "text", "entry_id"),
    Col("Entry", "text", "entry"),
    Col("Date", "date", "date"),
    Col("Year", "text", "year"),
    Col("Scheme", "text", "scheme"),
    Col("Partner", "text", "partner"),
    Col("Kind", "text", "kind"),
    Col("Supplier / source", "text", "party"),
    Col("Category", "text", "category"),
    Col("Description", "text", "description"),
    Col("Reverses", "text", "reverses"),
    Col("Capital", "flag", "capital"),
    Col("Amount", "money", "pence"),
    Col("VAT", "money", "vat_pence"),
    Col("Recoverable VAT", "money", "recoverable_vat_pence"),
    Col("Pool cost", "money", "pool_cost_pence"),
    CURRENCY_COLUMN,
)

LINE_SHARE_COLUMNS = (
    Col("Entry id", "text", "entry_id"),
    Col("Scheme", "text", "scheme"),
    Col("Date", "date", "date"),
    Col("Kind", "text", "kind"),
    Col("Reverses", "text", "reverses"),
    Col("Capital owner", "text", "capital_owner"),
    Col("Line", "money", "line_pence"),
    Col("Partner", "text", "partner"),
    Col("Share", "money", "pence"),
    Col("Remainder penny", "flag", "remainder_penny"),
    CURRENCY_COLUMN,
)
