"""The agreement of balances' layout, stated once
(docs/reports.md#agreement-of-balances-months-6-9-and-12).

:func:`balances_document` lays an
:class:`~pooledledger.reports.balances.AgreementOfBalances` out as a
:class:`~pooledledger.reports.document.Document`.  The Markdown export, the HTML
page's "Host–partner balances and settlement" section and the workbook's
"Agreement of balances" sheet are all rendered from it.

Every column a pair can show is stated once (:data:`_COLUMNS`, :func:`_cell`); each
output picks its own run of them, and where the three differ the difference is
written here with :class:`~pooledledger.reports.document.Alt` or ``only``:

* Markdown has one table of every column;
* HTML splits it in two (receivables and payables; income and expenditure with the
  thresholds) and shows the settlement schedule first;
* the workbook puts each figure beside its mirror with their difference, a formula.

Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from dataclasses import replace

from pooledledger.reports.balances import AgreementOfBalances, BalanceRow
from pooledledger.reports.document import (
    HTML,
    MARKDOWN,
    WORKBOOK,
    Alt,
    Block,
    Cell,
    Column,
    Document,
    Format,
    Row,
    Section,
    Table,
    head,
    money,
    text,
)
from pooledledger.reports.memorandum import MemorandumAccount, _year_ended
from pooledledger.reports.memorandum_layout import balances_table, long_date

__all__ = ["balances_document"]

_RP = ("host_receivable", "host_payable", "partner_receivable", "partner_payable")
_IE = ("host_income", "host_expenditure", "partner_income", "partner_expenditure")
_RECONCILING = ("held_by_host", "unpaid_contributions", "vat_recharge", "settlement")
_FLAGS = ("mirror", "statement", "agreement")
#: Each side's figure and the other side's mirror of it (the workbook's pairs).
_MIRRORED = (
    ("host_receivable", "partner_payable"),
    ("host_payable", "partner_receivable"),
    ("host_income", "partner_expenditure"),
    ("host_expenditure", "partner_income"),
)

#: Every column a pair can show: its header (lower case in Markdown) and kind.
_COLUMNS: dict[str, Column] = {
    "pair": Column(head("pair"), "text"),
    "host": Column("Host", "text"),
    "partner": Column("Partner", "text"),
    "exercise": Column(head("exercise"), "text"),
    **{f: Column(head(f.replace("_", " "))) for f in (*_RP, *_IE)},
    "held_by_host": Column(head("held by host for partner")),
    "unpaid_contributions": Column(head("unpaid instalments")),
    "vat_recharge": Column(head("VAT recharge")),
    "settlement": Column(head("year-end settlement")),
    # HTML aligns the Mirror header as the figures before it
    "mirror": Column(Alt("Mirror", markdown="mirror", workbook="Mirror (I-6)"), "flag", right=True),
    "statement": Column(head("statement"), "flag"),
    "agreement": Column(head("agreement required"), "flag"),
}


def _cell(key: str, x: BalanceRow) -> Cell:
    """The pair's cell in column ``key``; an income or expenditure not taken is "n/a"."""
    if key == "pair":
        return text(f"{x.host} ↔ {x.partner}")
    if key in ("host", "partner"):
        return text(getattr(x, key))
    if key == "exercise":
        return text(x.exercise.value)
    if key == "mirror":  # HTML ticks it; Markdown shouts a failure
        shown = Alt("✓ yes", markdown="yes") if x.mirror else Alt("✗ NO", markdown="NO")
        return Cell(x.mirror, "flag", text=shown, strong=not x.mirror)
    if key in ("statement", "agreement"):  # plain yes or no, in every format
        return Cell(getattr(x, f"{key}_threshold_met"))
    return Cell(getattr(x, key), "amount")


def _table(
    a: AgreementOfBalances,
    caption: str | Alt[str],
    keys: tuple[str, ...],
    only: frozenset[Format],
    markdown_only: tuple[str, ...] = (),
) -> Table:
    """The pairs in the columns ``keys``; those in ``markdown_only`` only in Markdown."""
    columns = tuple(
        replace(_COLUMNS[k], only=MARKDOWN) if k in markdown_only else _COLUMNS[k] for k in keys
    )
    rows = tuple(Row(tuple(_cell(k, x) for k in keys)) for x in a.rows)
    return Table(caption, columns, rows, only=only)


def _workbook_row(x: BalanceRow, r: int) -> Row:
    """Host, partner, exercise; each figure beside its mirror and their difference."""
    cells = [_cell(k, x) for k in ("host", "partner", "exercise")]
    for mine, theirs in _MIRRORED:
        left, right = getattr(x, mine), getattr(x, theirs)
        if left is None or right is None:
            cells += [Cell(None, "amount")] * 3
            continue
        c = len(cells)
        cells += [money(left), money(right), money(left - right, sum=((r, c, 1), (r, c + 1, -1)))]
    return Row((*cells, *[_cell(k, x) for k in _FLAGS]))


def _workbook_table(a: AgreementOfBalances) -> Table:
    difference = Column("Difference")
    columns = [_COLUMNS[k] for k in ("host", "partner", "exercise")]
    for mine, theirs in _MIRRORED:
        columns += [_COLUMNS[mine], _COLUMNS[theirs], difference]
    columns += [_COLUMNS[k] for k in _FLAGS]
    rows = tuple(_workbook_row(x, r) for r, x in enumerate(a.rows))
    caption = "Receivables and payables, and income and expenditure with each other (£)"
    return Table(caption, tuple(columns), rows, only=WORKBOOK)


def _issues(a: AgreementOfBalances) -> Table:
    """The warnings the export carries (Markdown)."""
    columns = tuple(Column(h, "text") for h in ("code", "severity", "where", "message"))
    rows = tuple(
        Row((text(i.code), text(i.severity.value), text(str(i.location)), text(i.message)))
        for i in a.issues
    )
    return Table("Issues", columns, rows, only=MARKDOWN)


def _blocks(
    a: AgreementOfBalances, settlement: MemorandumAccount | None, with_issues: bool
) -> list[Block]:
    blocks: list[Block] = []
    if settlement is not None:  # the HTML section starts with the settlement schedule
        blocks.append(replace(balances_table(settlement, "Settlement schedule"), only=HTML))
    at = f"Agreement of balances at {long_date(a.month_end)}: receivables and payables"
    markdown_only = (*_IE, "statement", "agreement")
    keys = ("pair", "exercise", *_RP, *_IE, *_RECONCILING, *_FLAGS)
    blocks.append(_table(a, Alt(at, markdown=""), keys, MARKDOWN | HTML, markdown_only))
    what = "Income and expenditure with each other, year to date, and thresholds"
    blocks.append(_table(a, what, ("pair", *_IE, "statement", "agreement"), HTML))
    blocks.append(_workbook_table(a))
    if with_issues and a.issues:
        blocks.append(_issues(a))
    return blocks


def balances_document(
    a: AgreementOfBalances,
    settlement: MemorandumAccount | None = None,
    *,
    with_issues: bool = True,
) -> Document:
    """The agreement of balances as a document; ``settlement`` (the memorandum account)
    adds the settlement schedule the HTML page shows first, ``with_issues`` the
    issues the export carries (Markdown)."""
    period = f"{a.year} month {a.month}"
    if a.terminated_on is not None:
        period = _year_ended(a.year, a.terminated_on)
    title = Alt(
        f"Agreement of balances — {a.agreement_name} — {a.year} month {a.month} "
        f"(at {a.month_end:%d/%m/%Y})",
        markdown=f"Agreement of balances — {a.agreement_name} — {period} (at {a.month_end})",
        html="Host–partner balances and settlement",
    )
    thresholds = f"Thresholds {a.thresholds.label}; they bind DHSC_AOB rows only."
    when = (
        f"Month {a.month} of {a.year}. "
        if a.terminated_on is None
        else f"At the termination date, {long_date(a.terminated_on)}. "
    )
    description = Alt(
        "Each side's figures are read from its own journals; each difference must be nil "
        f"(I-6). {thresholds}",
        markdown=f"{thresholds} Amounts in £.",
        html=f"{when}Balance: positive, the host owes the partner; negative, the partner owes "
        f"the host. Each side's figures are read from its own journals. {thresholds}",
    )
    blocks = _blocks(a, settlement, with_issues)
    return Document(title, (Section(tuple(blocks)),), (description,), id="balances")
