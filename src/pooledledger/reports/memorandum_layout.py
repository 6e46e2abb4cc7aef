"""The memorandum account's layout, stated once (docs/reports.md#how-a-report-is-built).

:func:`memorandum_document` lays a :class:`~pooledledger.reports.memorandum.MemorandumAccount`
out as a :class:`~pooledledger.reports.document.Document`: the summary, the account by
scheme (A–J), then the partner × scheme tables B to M.  Markdown, HTML and the
workbook's "Memorandum account" sheet are all rendered from it.  Where the three
outputs word a thing differently, the difference is stated here with
:class:`~pooledledger.reports.document.Alt` or ``only``.

Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from pooledledger.core.money import format_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.partners import PartnerId
from pooledledger.reports.document import (
    MARKDOWN,
    NOT_MARKDOWN,
    NOT_WORKBOOK,
    WORKBOOK,
    Alt,
    Cell,
    Column,
    Document,
    Format,
    Paragraph,
    Row,
    RowKind,
    Section,
    Table,
    Terms,
    Zero,
    column_sum,
    head,
    money,
    one_line,
    text,
    total_row,
)
from pooledledger.reports.memorandum import MemorandumAccount
from pooledledger.reports.memorandum import _year_ended as _year_ended_text

__all__ = ["balances_table", "grid_table", "memorandum_document"]


def long_date(d: date | None) -> str:
    return "–" if d is None else f"{d.day} {d:%B} {d.year}"


def period_title(year: FinancialYear, terminated_on: date | None) -> str:
    """``Year ended 31 March 2008``, as the HTML page says it."""
    if terminated_on is not None:
        return f"Period {long_date(year.start)} to {long_date(terminated_on)} (terminated)"
    return f"Year ended {long_date(year.last_day)}"


# -- shared tables -----------------------------------------------------------------------


def grid_table(
    caption: str | Alt[str],
    grid: Mapping[PartnerId, Mapping[str, int]],
    rows: Sequence[PartnerId],
    cols: Sequence[str],
) -> Table:
    """Partner rows × columns of pence, with a Total column and a Total row."""
    n, width = len(rows), len(cols)
    body = []
    for r, q in enumerate(rows):
        values = [grid.get(q, {}).get(k, 0) for k in cols]
        body.append(
            Row(
                (
                    text(q),
                    *[money(v) for v in values],
                    money(sum(values), sum=tuple((r, 1 + j, 1) for j in range(width))),
                )
            )
        )
    totals = [sum(grid.get(q, {}).get(k, 0) for q in rows) for k in cols]
    body.append(
        total_row(
            "Total",
            *[money(v, sum=column_sum(n, 1 + j)) for j, v in enumerate(totals)],
            money(sum(totals), sum=column_sum(n, 1 + width)),
        )
    )
    columns = (
        Column(Alt("Partner", markdown=""), "text"),
        *[Column(c) for c in cols],
        Column("Total"),
    )
    return Table(caption, columns, tuple(body))


_BALANCE_HEADS = (
    "balance",
    "held for next year",
    "paid directly",
    "VAT recharge",
    "settlement",
)


def balances_table(m: MemorandumAccount, caption: str | Alt[str]) -> Table:
    """L for Markdown and HTML: each partner's balance with the host and settlement."""
    rows = [
        Row(
            (
                text(b.partner + (" (host)" if b.is_host else "")),
                text(b.position),
                *[
                    money(v)
                    for v in (b.balance, b.held, b.paid_directly, b.vat_recharge, b.settlement)
                ],
                Cell(
                    b.settlement_due,
                    "date",
                    text=Alt(
                        b.settlement_due.isoformat() if b.settlement_due else "–",
                        html=long_date(b.settlement_due),
                    ),
                ),
                money(b.unpaid_contributions),
                money(b.balance_with_host),
            )
        )
        for b in m.balances
    ]
    columns = (
        Column(head("partner"), "text"),
        Column(head("position"), "text"),
        *[Column(head(h)) for h in _BALANCE_HEADS],
        Column(head("due"), "date"),
        Column(head("unpaid instalments")),
        Column(head("balance with host at 31 March")),
    )
    return Table(caption, columns, tuple(rows), only=NOT_WORKBOOK)


def balances_workbook_table(m: MemorandumAccount, caption: str) -> Table:
    """L for the workbook: who owes whom, what is held and the cash settlement."""
    rows = [
        Row(
            (
                text(b.partner),
                Cell(b.is_host, "flag"),
                text(b.position),
                money(b.balance),
                money(b.held),
                money(b.settlement),
                Cell(b.settlement_due, "date"),
            )
        )
        for b in m.balances
    ]
    n = len(rows)
    totals = [sum(getattr(b, f) for b in m.balances) for f in ("balance", "held", "settlement")]
    rows.append(
        total_row(
            "Total",
            Cell(None),
            Cell(None),
            *[money(v, sum=column_sum(n, 3 + j)) for j, v in enumerate(totals)],
            Cell(None),
        )
    )
    columns = (
        Column("Partner", "text"),
        Column("Host", "flag"),
        Column("Position", "text"),
        Column("Balance (+ host owes partner)"),
        Column("Held by host for next year"),
        Column("Cash settlement (+ host pays partner)"),
        Column("Due", "date"),
    )
    return Table(caption, columns, tuple(rows), only=WORKBOOK)


# -- the memorandum account ----------------------------------------------------------------


def _summary(m: MemorandumAccount) -> Table:
    t = m.total
    rows: list[Row] = []

    def add(
        label: str | Alt[str],
        pence: int,
        kind: RowKind | Alt[RowKind] = "item",
        *,
        zero: Zero = "0.00",
        sum: Terms = (),
    ) -> int:
        strong = kind != "item"
        rows.append(
            Row((text(label, strong=strong), money(pence, zero=zero, strong=strong, sum=sum)), kind)
        )
        return len(rows) - 1

    for q in m.partners:
        bf = sum(m.brought_forward[q].values())
        if bf:
            add(f"Balance brought forward – {q}", bf)
    for label, pence in m.contribution_rows():
        add(label, pence)
    sources = sorted({i.source for i in m.other_income})
    joined = ", ".join(sources)
    income = Alt(
        "Other income" + (f" ({joined})" if sources else ""),
        markdown="Other income" + (f" ({one_line(joined)})" if sources else ""),
    )
    add(income, t.other_income)
    sub: Alt[RowKind] = Alt("subtotal", html="total")
    d = add("Total income (resources)", t.total_resources, sub, sum=column_sum(len(rows), 1))
    e = add("Gross expenditure", t.gross_expenditure)
    span = "period" if m.terminated_on is not None else "year"
    net = Alt(
        f"Net surplus/(deficit) for the {span}", workbook="Net surplus/(deficit) for the year"
    )
    add(net, t.net, sub, sum=((d, 1, 1), (e, 1, -1)))
    for q in m.partners:
        add(f"Additional contributions – {q}", m.partner_total("additional_contributions", q))
    for q in m.partners:
        refunded = sum(u.refunded for u in m.underspend[q].values())
        if refunded:
            add(f"Underspend returned – {q}", -refunded)
    add("Balance carried forward", t.carried_forward, "total", zero="nil")
    columns = (Column(Alt("", workbook="Item"), "text"), Column("£"))
    return Table(Alt("Summary of the account", markdown="Summary"), columns, tuple(rows))


_ACCOUNT_LINES: tuple[tuple[str, str, RowKind], ...] = (
    ("A. Balances brought forward", "brought_forward", "item"),
    ("B. Contributions", "contributions", "item"),
    ("C. Other income", "other_income", "item"),
    ("D. Total resources (A + B + C)", "total_resources", "subtotal"),
    ("E. Gross expenditure", "gross_expenditure", "item"),
    ("F. Net surplus/(deficit) (D − E)", "net", "subtotal"),
    ("G. Risk pool applied", "risk_pool", "item"),
    ("G. Offsetting between schemes", "offset", "item"),
    ("H. Additional contributions", "additional_contributions", "item"),
    ("I. Underspend disposed of", "underspend", "item"),
    ("Balance after allocation (F + G + H − I)", "closing", "total"),
    ("J. Balances carried forward", "carried_forward", "item"),
)
#: Lines of the account worked out from the lines above: (line, [(line, sign)…]).
_ACCOUNT_SUMS = {
    "total_resources": (("brought_forward", 1), ("contributions", 1), ("other_income", 1)),
    "net": (("total_resources", 1), ("gross_expenditure", -1)),
    "closing": (
        ("net", 1),
        ("risk_pool", 1),
        ("offset", 1),
        ("additional_contributions", 1),
        ("underspend", -1),
    ),
}


def _account(m: MemorandumAccount) -> Table:
    """A–J by scheme; the workbook works out D, F, the closing line and the Total column."""
    line_row = {f: i for i, (_, f, _) in enumerate(_ACCOUNT_LINES)}
    accounts = (*m.lines, m.total)
    n = len(accounts)
    rows: list[Row] = []
    for i, (label, f, kind) in enumerate(_ACCOUNT_LINES):
        zero: Zero | Alt[Zero] = Alt("–", html="nil") if f == "closing" else "–"
        cells = [text(label)]
        for j, x in enumerate(accounts):
            terms: Terms = ()
            if j == n - 1:  # the Total column: the sum of the columns before it
                terms = tuple((i, 1 + k, 1) for k in range(n - 1))
            elif f in _ACCOUNT_SUMS:
                terms = tuple((line_row[g], 1 + j, sign) for g, sign in _ACCOUNT_SUMS[f])
            cells.append(Cell(getattr(x, f), "amount", zero=zero, sum=terms))
        rows.append(Row(tuple(cells), kind))
    # "Total", never the total's id: a scheme may be called "TOTAL"
    columns = (
        Column(Alt("", workbook="Line"), "text"),
        *[Column(c) for c in m.columns],
        Column("Total"),
    )
    return Table("Account by scheme (A–J)", columns, tuple(rows))


def _contributions(m: MemorandumAccount) -> Table:
    """B: partner × scheme by kind; a terminated agreement's cancelled ones negative."""
    kinds = m.contribution_kinds()
    fields = [f for f, _ in kinds]
    rows: list[Row] = []
    for q in m.partners:
        for k in m.columns:
            s = m.contributions[q][k]
            if s.total or any(getattr(s, f) for f in fields):
                r = len(rows)
                terms = tuple((r, 2 + j, 1) for j in range(len(fields)))
                cells = [money(s.signed(f)) for f in fields]
                rows.append(Row((text(q), text(k), *cells, money(s.total, sum=terms))))
    splits = [s for q in m.partners for s in m.contributions[q].values()]
    n = len(rows)
    sums = [sum(s.signed(f) for s in splits) for f in [*fields, "total"]]
    rows.append(
        total_row(
            "Total", Cell(None), *[money(v, sum=column_sum(n, 2 + j)) for j, v in enumerate(sums)]
        )
    )
    columns = (
        Column(head("partner"), "text"),
        Column(head("scheme"), "text"),
        *[Column(head(h)) for _, h in kinds],
        Column(head("total")),
    )
    return Table("B. Contributions (partner × scheme)", columns, tuple(rows))


def _by_source(
    caption: str | Alt[str],
    what: str,
    items: Sequence[tuple[str, str, int]],
    total: int,
    only_total: frozenset[Format] | None = None,
) -> Table:
    """C or E: scheme × source (or category) amounts, with a Total row."""
    rows = [Row((text(k), text(s), money(v))) for k, s, v in items]
    rows.append(
        total_row("Total", Cell(None), money(total, sum=column_sum(len(items), 2)), only=only_total)
    )
    columns = (Column(head("scheme"), "text"), Column(head(what), "text"), Column("£"))
    return Table(caption, columns, tuple(rows))


def _underspend(m: MemorandumAccount) -> Table:
    """I: what each partner's underspend went to, partner × scheme."""
    fields = ("refunded", "carried_forward", "redeployed", "contingency")
    rows: list[Row] = []
    for q in m.partners:
        for k in m.columns:
            u = m.underspend[q][k]
            if u.total:
                terms = tuple((len(rows), 2 + j, 1) for j in range(len(fields)))
                cells = [money(getattr(u, f)) for f in fields]
                rows.append(Row((text(q), text(k), *cells, money(u.total, sum=terms))))
    uses = [u for q in m.partners for u in m.underspend[q].values()]
    n = len(rows)
    sums = [sum(getattr(u, f) for u in uses) for f in (*fields, "total")]
    rows.append(
        total_row(
            "Total", Cell(None), *[money(v, sum=column_sum(n, 2 + j)) for j, v in enumerate(sums)]
        )
    )
    heads = ("refunded", "carried forward", "redeployed", "contingency", "total")
    columns = (
        Column(head("partner"), "text"),
        Column(head("scheme"), "text"),
        *[Column(head(h)) for h in heads],
    )
    return Table("I. Underspend disposition (partner × scheme)", columns, tuple(rows))


def _shares(m: MemorandumAccount) -> Table:
    """K: each partner's shares by scheme, then over all schemes."""
    p = m.partners
    rows: list[Row] = []
    where: dict[str, list[int]] = {q: [] for q in p}
    for k in m.columns:
        if not any(k in m.shares[q] for q in p):
            continue
        for q in p:
            sh = m.shares[q][k]
            where[q].append(len(rows))
            rows.append(Row((text(k), text(q), money(sh.gross), money(sh.income), money(sh.net))))
    for q in p:
        figures = [
            sum(getattr(sh, f) for sh in m.shares[q].values()) for f in ("gross", "income", "net")
        ]
        sums = [money(v, sum=tuple((x, 2 + j, 1) for x in where[q])) for j, v in enumerate(figures)]
        label = text(Alt("All schemes", markdown="All"), strong=True)
        rows.append(Row((label, text(q), *sums), "subtotal"))
    columns = (
        Column(head("scheme"), "text"),
        Column(head("partner"), "text"),
        Column(Alt("Gross expenditure", markdown="gross")),
        Column(head("income")),
        Column(head("net")),
    )
    caption = Alt(
        "K. Partners' shares of gross expenditure, income and net",
        markdown="K. Partners' shares: gross expenditure / income / net",
    )
    return Table(caption, columns, tuple(rows))


def _memorandum_items(m: MemorandumAccount) -> list[Paragraph | Table]:
    """M: VAT recovered, capital items and the exclusion of s256/s76 transfers."""
    vat = [
        Row((text(Alt(f"VAT recovered by {q}", workbook=q)), money(v)))
        for q, v in m.vat_recovered.items()
    ]
    total = money(sum(m.vat_recovered.values()), sum=column_sum(len(vat), 1))
    vat.append(total_row("Total", total, only=WORKBOOK))
    columns: tuple[Column, ...] = (Column(Alt("", workbook="Recovered by"), "text"), Column("£"))
    caption = Alt("M. VAT recovered", markdown="M. Memorandum items")
    blocks: list[Paragraph | Table] = [Table(caption, columns, tuple(vat))]
    if not m.capital_items:
        none = "Capital items bought with pool money: none."
        blocks.append(Paragraph(Alt(none, workbook="M. " + none)))
        return [*blocks, Paragraph(m.transfers_excluded)]
    what = "Capital items bought with pool money (owned by the procuring partner)"
    rows = [
        Row(
            (
                text(c.entry_id),
                text(c.scheme),
                Cell(c.date, "date"),
                text(c.owner),
                text(c.description),
                money(c.amount),
            )
        )
        for c in m.capital_items
    ]
    figure = sum(c.amount for c in m.capital_items)
    blank = Cell(None)
    rows.append(
        total_row(
            "Total",
            blank,
            blank,
            blank,
            blank,
            money(figure, sum=column_sum(len(rows), 5)),
            only=WORKBOOK,
        )
    )
    columns = (
        *[
            Column(head(h), "date" if h == "date" else "text")
            for h in ("entry", "scheme", "date", "owner")
        ],
        Column("Description", "text", only=NOT_MARKDOWN),
        Column("£"),
    )
    table = Table(Alt(f"M. {what}", markdown=""), columns, tuple(rows))
    return [*blocks, Paragraph(f"{what}:", only=MARKDOWN), table, Paragraph(m.transfers_excluded)]


def _balances(m: MemorandumAccount) -> list[Table | Paragraph]:
    """L: the host–partner balances, and the host's net position (Markdown)."""
    at = "at year end" if m.terminated_on is None else f"at {m.terminated_on}"
    caption = "L. Host–partner balances at year end and settlement dates"
    position = (
        "Host's net position on settlement (minus the partners' settlements; + the host "
        f"receives, − it pays): {'–' if m.host_position == 0 else format_pence(m.host_position)}"
    )
    return [
        balances_table(m, Alt(caption, markdown=f"L. Host–partner balances {at}")),
        balances_workbook_table(m, caption),
        Paragraph(position, only=MARKDOWN),
    ]


def _conservation(m: MemorandumAccount) -> Table:
    """I-1 as a table (Markdown; the HTML page and the workbook show it with the checks)."""
    c = m.conservation
    rows = [
        Row((text(label, strong=bold), money(v, zero="0.00", strong=bold)))
        for label, v, bold in c.lines()
    ]
    rows.append(Row((text("In = applied"), text("yes" if c.holds else "NO", strong=not c.holds))))
    return Table(
        "Conservation (I-1)", (Column("", "text"), Column("£")), tuple(rows), only=MARKDOWN
    )


def _checks(m: MemorandumAccount) -> Table:
    rows = [
        Row(
            (
                text(x.name),
                money(x.left, zero="0.00"),
                money(x.right, zero="0.00"),
                text("✓" if x.holds else "✗ FAILED"),
            )
        )
        for x in m.checks
    ]
    columns = (Column("check", "text"), Column("left"), Column("right"), Column("", "text"))
    return Table("Checks", columns, tuple(rows), only=MARKDOWN)


def memorandum_document(m: MemorandumAccount) -> Document:
    """The memorandum account (docs/reports.md#the-memorandum-account) as a document."""
    period = _year_ended_text(m.year, m.terminated_on)
    host = f"Host: {m.host}; pooled fund manager: {m.pooled_fund_manager}. "
    md_host = f"Host: {one_line(m.host)}; pooled fund manager: {one_line(m.pooled_fund_manager)}. "
    title = Alt(
        f"Pooled fund memorandum account — {m.name} — {period}",
        markdown=f"POOLED FUND MEMORANDUM ACCOUNT — {one_line(m.name)} — {period}",
        html="Pooled fund memorandum account",
    )
    closes = host + "Amounts in £; negatives in brackets; every column closes to nil."
    description = Alt(
        closes,
        markdown=md_host + "Amounts in £; negatives in brackets.",
        html=f"{m.name} — {period_title(m.year, m.terminated_on)}. {closes}",
    )
    return Document(title, (Section(tuple(_blocks(m))),), (description,), id="memorandum")


def _blocks(m: MemorandumAccount) -> list[Table | Paragraph]:
    """The account's tables and paragraphs, in order."""
    p, cols = m.partners, list(m.columns)
    by_partner = {q: {k: v[q] for k, v in m.expenditure_by_commissioner.items()} for q in p}
    categories = [
        (k, c, v) for k, cats in m.expenditure_by_category.items() for c, v in cats.items()
    ]
    income = [(i.scheme, i.source, i.amount) for i in m.other_income]
    blocks: list[Table | Paragraph] = [
        _summary(m),
        _account(m),
        grid_table("A. Balances brought forward (partner × scheme)", m.brought_forward, p, cols),
        _contributions(m),
        _by_source(
            Alt(
                "C. Other income by scheme and source",
                markdown="C. Other income (by scheme and source)",
            ),
            "source",
            income,
            m.total.other_income,
        ),
        grid_table(
            "E. Gross expenditure by commissioning partner",
            by_partner,
            p,
            list(m.expenditure_by_commissioner),
        ),
        _by_source(
            "E. Gross expenditure by category (subjective analysis)",
            "category",
            categories,
            m.total.gross_expenditure,
            NOT_MARKDOWN,
        ),
        grid_table("G. Risk pool applied (partner × scheme)", m.risk_pool_applied, p, cols),
    ]
    if any(v for row in m.offset.values() for v in row.values()):
        blocks.append(
            grid_table("G. Offsetting between schemes (partner × scheme)", m.offset, p, cols)
        )
    blocks += [
        grid_table(
            "H. Additional contributions (partner × scheme)", m.additional_contributions, p, cols
        ),
        _underspend(m),
        grid_table("J. Balances carried forward (partner × scheme)", m.carried_forward, p, cols),
        _shares(m),
        *_balances(m),
        *_memorandum_items(m),
        _conservation(m),
        _checks(m),
    ]
    return blocks
