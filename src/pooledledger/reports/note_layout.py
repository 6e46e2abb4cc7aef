"""The "Pooled budgets" note's layout, stated once (docs/reports.md#how-a-report-is-built).

:func:`note_document` lays a :class:`~pooledledger.reports.note.PooledBudgetNote` out
as a :class:`~pooledledger.reports.document.Document`: its title and description,
the table of £000 figures beside the exact £, and whether each column casts.  The
Markdown, the HTML page's note section and the workbook's "Pooled budgets note"
sheet are all rendered from it (docs/reports.md#the-pooled-budgets-note-000).  The
workbook keeps its formulas: Total funding and Net are sums of the rows above,
in £000 and in exact £ (a rounding row counts in £000 only, its exact figure
being nil).  Where the three outputs word a thing differently, the difference is
stated here with :class:`~pooledledger.reports.document.Alt` or ``only``.

Reports read results and never write entries (layer L4); this module is pure.
"""

from __future__ import annotations

from pooledledger.reports.document import (
    HTML,
    WORKBOOK,
    Alt,
    Cell,
    Column,
    Document,
    Paragraph,
    Row,
    Section,
    Table,
    Terms,
    money,
    text,
)
from pooledledger.reports.memorandum import _year_ended
from pooledledger.reports.note import NoteRow, NoteRowKind, PooledBudgetNote

__all__ = ["note_document"]

#: The table's columns; the workbook alone shows the adjustment and the row's kind.
THOUSANDS, EXACT = 1, 3
COLUMNS = (
    Column(Alt("", workbook="Row"), "text"),
    Column("£000", "thousands"),
    Column("Adjustment (£000)", "thousands", only=WORKBOOK),
    Column(Alt("£ (exact)", workbook="Exact £"), "amount"),
    Column("Kind", "text", only=WORKBOOK),
)
FIGURES = (
    "Figures in £000, each rounded half up, with the exact figures in £ beside them; "
    "deficits positive, surpluses in brackets."
)


def _yes_no(holds: bool) -> str:
    return "yes" if holds else "NO"


def _sums(n: PooledBudgetNote) -> dict[str, tuple[tuple[int, int], ...]]:
    """How the workbook works out the totals: (row, sign) terms, rounding rows included."""
    index = {row.key: i for i, row in enumerate(n.rows)}
    funding = tuple((i, 1) for k, i in index.items() if k.startswith("funding:"))
    net = [(index["expenditure"], 1), (index["total_funding"], -1)]
    if "net:rounding" in index:
        net.append((index["net:rounding"], 1))
    return {"total_funding": funding, "net": tuple(net)}


def _terms(n: PooledBudgetNote, terms: tuple[tuple[int, int], ...], col: int) -> Terms:
    """The terms in a column; the exact column leaves out rounding rows (nil in £)."""
    rounding = {i for i, r in enumerate(n.rows) if r.kind is NoteRowKind.ROUNDING}
    return tuple((i, col, s) for i, s in terms if col == THOUSANDS or i not in rounding)


def _row(n: PooledBudgetNote, r: NoteRow, sums: dict[str, tuple[tuple[int, int], ...]]) -> Row:
    total = r.kind is NoteRowKind.TOTAL
    terms = sums.get(r.key, ())
    label = r.label + (f" (adjusted by {r.adjustment:+d})" if r.adjustment else "")
    thousands = Cell(r.thousands, "thousands", strong=total, sum=_terms(n, terms, THOUSANDS))
    if r.kind is NoteRowKind.ROUNDING:
        exact = Cell(None, "amount", text="–")
    else:
        exact = money(r.pence, zero="0.00", strong=total, sum=_terms(n, terms, EXACT))
    cells = (
        text(label, strong=total),
        thousands,
        Cell(r.adjustment or None, "thousands"),
        exact,
        text(r.kind.value),
    )
    return Row(cells, "total" if total else "item")


def _casts(n: PooledBudgetNote) -> list[Paragraph]:
    """Whether each column casts: one paragraph in HTML, a line each in the workbook."""
    thousands, exact = _yes_no(n.casts), _yes_no(n.casts_exactly)
    return [
        Paragraph(
            f"Casting policy: {n.policy.value}. The £000 column casts: {thousands}; "
            f"the exact column casts: {exact}.",
            only=HTML,
            style="muted",
            joined=True,
        ),
        Paragraph(f"The £000 column casts: {thousands}.", only=WORKBOOK),
        Paragraph(f"The exact column casts: {exact}.", only=WORKBOOK, joined=True),
    ]


def note_document(n: PooledBudgetNote) -> Document:
    """The "Pooled budgets" note (docs/reports.md#the-pooled-budgets-note-000) as a document."""
    period = _year_ended(n.year, n.terminated_on)
    title = Alt(
        f"Pooled budgets — {n.agreement_name}",
        html="Pooled budgets note (£000)",
        workbook=f"Pooled budgets (£000) — note to the accounts of {n.partner_name} — {period}",
    )
    cancelled = " Funding excludes contributions cancelled on termination."
    description = Alt(
        f"Note to the accounts of {n.partner_name}, {period}. {FIGURES}",
        markdown=f"Note to the accounts of {n.partner_name}, {period}. "
        "Figures in £000, each rounded half up; exact figures in £ beside them. "
        f"Casting policy: {n.policy.value}." + (cancelled if n.terminated_on is not None else ""),
        workbook=f"{n.agreement_name}. {FIGURES} Casting policy: {n.policy.value}.",
    )
    sums = _sums(n)
    table = Table(
        Alt(f"Pooled budgets — {n.agreement_name}", markdown=""),
        COLUMNS,
        tuple(_row(n, r, sums) for r in n.rows),
    )
    blocks: tuple[Table | Paragraph, ...] = (table, *_casts(n))
    return Document(title, (Section(blocks),), (description,), id="note", level=2)
