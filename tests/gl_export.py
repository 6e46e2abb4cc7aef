"""A council general-ledger export of a pool's transactions, as a finance system writes it.

:func:`gl_export_rows` turns a ledger (instalments, spending, income) into the rows
such a system exports: a four-row header block, its own column names, transaction
type codes (``AP INV``, ``AP CRN``, ``AR INV``, ``RECEIPT``, ``JNL``), cost-centre
and customer codes, Debit and Credit columns with ``£`` and thousands separators,
bracketed credit notes, DD/MM/YYYY dates, and every column filled on every row
whether or not the row's kind uses it.  ``tests/data/gl_export_map.toml`` is the
column map that reads it back with no pre-processing.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from pooledledger.books.ledger import Ledger
from pooledledger.core.money import to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.entries import Expenditure, Income, Instalment

MAP = Path(__file__).resolve().parent / "data" / "gl_export_map.toml"
SCHEME_CODES = {"S1": "BCF01", "S2": "BCF02", "S3": "BCF03", "S4": "BCF04", "S5": "BCF05"}
SCHEME_CODES |= {"LD": "LD100", "RP": "BCFRP"}
PARTNER_CODES = {"ICB": "C00417", "PCT1": "C00388", "PCT2": "C00389"}
HEADER = [
    "Company",
    "Trans Ref",
    "Type",
    "Trans Date",
    "Period",
    "Cost Centre",
    "Account",
    "Cust/Supp Code",
    "Cust/Supp Name",
    "Analysis",
    "Narrative",
    "Debit",
    "Credit",
    "VAT",
    "Capital",
    "Fin Year",
    "Due Date",
]


def pounds(pence: int) -> str:
    """``£1,234.56``; negative amounts in brackets, ``(£1,234.56)``."""
    text = f"£{Decimal(abs(pence)) / 100:,.2f}"
    return f"({text})" if pence < 0 else text


def dmy(d: date | None) -> str:
    return "" if d is None else d.strftime("%d/%m/%Y")


def gl_export_rows(ledger: Ledger) -> list[list[str]]:
    """The export's rows, header block included (the column row is row 5)."""
    rows: list[list[str]] = [
        ["Council of Exampleshire - General Ledger transactions"],
        ["Report run 01/04/2026 09:14 by FINANCE\\ANALYST1"],
        ["Selection: cost centres BCF01-BCF05, LD100, BCFRP; periods 1-12"],
        [],
        HEADER,
    ]

    def row(
        ref: str,
        kind: str,
        when: date | None,
        scheme: str,
        code: str,
        name: str,
        narrative: str,
        debit: str,
        credit: str,
        *,
        analysis: str = "",
        vat: str = "0.00",
        due: date | None = None,
    ) -> list[str]:
        period = "" if when is None else str((when.month - 4) % 12 + 1)
        fy = FinancialYear.for_date(when or date(2025, 4, 1))
        return [
            "EXC01",
            ref,
            kind,
            dmy(when),
            period,
            SCHEME_CODES[scheme],
            "51000" if kind.startswith("AP") else "41000",
            code,
            name,
            analysis,
            narrative,
            debit,
            credit,
            vat,
            "N",
            f"{fy.start_year}/{fy.start_year + 1}",
            dmy(due or when),
        ]

    for n, e in enumerate(ledger.entries):
        if isinstance(e, Instalment):
            assert e.paid_date is not None
            rows.append(
                row(
                    e.id,
                    "RECEIPT",
                    e.paid_date,
                    e.scheme,
                    PARTNER_CODES[e.partner],
                    f"{e.partner} contribution",
                    f"Instalment {e.id}",
                    "",
                    pounds(to_pence(e.amount)),
                    due=e.due_date,
                )
            )
        elif isinstance(e, Expenditure):
            net = to_pence(e.net)
            supplier = e.supplier or "Various providers"
            analysis, vat = e.category or "", pounds(to_pence(e.vat))
            if n % 3 == 0:  # an invoice and a credit note in the Credit column
                rows.append(
                    row(
                        e.id,
                        "AP INV",
                        e.date,
                        e.scheme,
                        "S0042",
                        supplier,
                        "Invoice",
                        pounds(net + 250000),
                        "",
                        analysis=analysis,
                        vat=vat,
                    )
                )
                rows.append(
                    row(
                        f"{e.id}-CN",
                        "AP CRN",
                        e.date,
                        e.scheme,
                        "S0042",
                        supplier,
                        "Credit note",
                        "",
                        pounds(250000),
                        analysis=e.category or "",
                    )
                )
            elif n % 3 == 1:  # an invoice and a bracketed credit note in the Debit column
                rows.append(
                    row(
                        e.id,
                        "AP INV",
                        e.date,
                        e.scheme,
                        "S0042",
                        supplier,
                        "Invoice",
                        pounds(net + 100000),
                        "",
                        analysis=analysis,
                        vat=vat,
                    )
                )
                rows.append(
                    row(
                        f"{e.id}-CN",
                        "AP CRN",
                        e.date,
                        e.scheme,
                        "S0042",
                        supplier,
                        "Credit note",
                        pounds(-100000),
                        "",
                        analysis=e.category or "",
                    )
                )
            else:
                rows.append(
                    row(
                        e.id,
                        "AP INV",
                        e.date,
                        e.scheme,
                        "S0042",
                        supplier,
                        "Invoice",
                        pounds(net),
                        "",
                        analysis=analysis,
                        vat=vat,
                    )
                )
        elif isinstance(e, Income):
            rows.append(
                row(
                    e.id,
                    "AR INV",
                    e.date,
                    e.scheme,
                    "C00901",
                    e.source or "Client charges",
                    "Client contributions",
                    "",
                    pounds(to_pence(e.amount)),
                    analysis=e.category or "",
                )
            )
        else:  # pragma: no cover - the examples hold only these kinds
            raise AssertionError(f"no export row for {e.entry}")
    first = next(e for e in ledger.entries if isinstance(e, Expenditure))
    rows.append(  # an accrual journal: skipped by the map's "JNL" = "skip"
        row("JNL-0001", "JNL", first.date, first.scheme, "", "", "Accrual", "£99.00", "")
    )
    return rows


def write_csv(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[str]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "GL export"
    for r in rows:
        sheet.append(list(r))
    book.save(path)
    return path
