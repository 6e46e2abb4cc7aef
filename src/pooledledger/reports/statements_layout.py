"""A partner's statement, stated once (docs/reports.md#partner-statements).

:func:`statement_document` lays a :class:`~pooledledger.reports.statements.PartnerStatement`
out as a :class:`~pooledledger.reports.document.Document`: who it is for, then
sections 1 to 5 (contributions and the risk pool, the share of the pool by scheme,
the underspend disposition, the balance with the host and the settlement, the
journals to post).  Markdown, the HTML page's statement and the workbook's
"Statement <partner>" sheet are all rendered from it.  Where the three outputs word
or show a thing differently, the difference is stated here with
:class:`~pooledledger.reports.document.Alt` or ``only``.

Reports read results and never write entries (layer L4).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from pooledledger.books.journals import ACCOUNT_LABELS
from pooledledger.core.money import format_pence
from pooledledger.reports.document import (
    HTML,
    MARKDOWN,
    NOT_MARKDOWN,
    NOT_WORKBOOK,
    WORKBOOK,
    Alt,
    Cell,
    Column,
    Document,
    Format,
    Item,
    Items,
    Paragraph,
    Ref,
    Row,
    RowKind,
    Section,
    Table,
    column_sum,
    head,
    money,
    one_line,
    text,
    total_row,
)
from pooledledger.reports.html_parts import (
    host_position_text,
    pounds_text,
    settlement_text,
    year_ended,
)
from pooledledger.reports.memorandum import _year_ended
from pooledledger.reports.statements import PartnerStatement, StatementLine

__all__ = ["statement_document"]

NOT_HTML: frozenset[Format] = frozenset({"markdown", "workbook"})

#: Section 2's columns: (header, field of a :class:`StatementLine`).
SHARE_FIELDS = (
    ("contribution", "contribution"),
    ("risk pool applied", "risk_pool"),
    ("offsetting", "offset"),
    ("deficit share", "deficit"),
    ("underspend share", "underspend"),
    ("gross expenditure", "gross_share"),
    ("income", "income_share"),
    ("net", "net_share"),
)
#: Section 3's columns: (header, field of an underspend use).
USE_FIELDS = (
    ("refunded", "refunded"),
    ("carried forward", "carried_forward"),
    ("redeployed", "redeployed"),
    ("contingency", "contingency"),
)


def statement_document(st: PartnerStatement) -> Document:
    """The statement (docs/reports.md#partner-statements) as a document."""
    period = _year_ended(st.year, st.terminated_on)
    title = Alt(
        f"Partner statement — {st.partner_name} ({st.partner}) — {st.agreement_name} — {period}",
        markdown=f"Partner statement — {one_line(st.partner_name)} ({st.partner}) — "
        f"{one_line(st.agreement_name)} — {period}",
        html=f"Partner statement — {st.partner_name}",
    )
    role = "host" if st.is_host else "partner"
    who = (
        f"{st.partner_name} ({st.partner}), {role}. Host: {st.host_name} ({st.host}). Amounts in £."
    )
    # the HTML page's lead says the period; the workbook's says who (as the page's head)
    lead = Alt(
        who, html=f"{st.agreement_name} — {year_ended(st.year, st.terminated_on)}.", markdown=""
    )
    facts = (
        f"Partner: {one_line(st.partner_name)} ({st.partner})",
        f"Host: {one_line(st.host_name)} ({st.host})",
        f"Role: {role}",
        "Amounts in £; negatives in brackets.",
    )
    paid, shares = _contributions(st), _shares(st)
    blocks = (
        Items(tuple(Item(f) for f in facts), only=MARKDOWN),
        Paragraph(who, HTML, "statement-head"),
        paid,
        *_cancelled(st),
        shares,
        _uses(st),
        _balance(
            st,
            paid_in=(paid.key, len(paid.rows) - 1, 1, 1),
            net=(shares.key, len(shares.rows) - 1, len(shares.columns) - 1, -1),
        ),
        _settlement(st),
        *_journals(st),
    )
    return Document(title, (Section(blocks),), (lead,), id=f"statement-{st.partner}")


def _contributions(st: PartnerStatement) -> Table:
    """1: each scheme's contribution (a terminated agreement's approved and cancelled
    ones first), the risk pool, and what was paid in."""
    rows = [Row((text(label), money(v))) for label, v in st.contribution_rows()]
    k = len(rows)
    schemes = tuple((i, 1, 1) for i in range(k - len(st.lines), k))
    disp = st.risk_pool_unused_disposition
    unused = "Risk pool unused" + (f" ({disp.lower().replace('_', ' ')})" if disp else "")
    rows += [
        Row(
            (text("Contributions to schemes", strong=True), money(st.contributions, sum=schemes)),
            "subtotal",
        ),
        Row((text("Risk pool paid in"), money(st.risk_pool_paid))),
        Row((text("Risk pool used on overspends"), money(st.risk_pool_used))),
        Row((text(unused), money(st.risk_pool_unused))),
        total_row(
            "Paid in, in total",
            money(st.contributions + st.risk_pool_paid, sum=((k, 1, 1), (k + 1, 1, 1))),
        ),
    ]
    columns = (Column(Alt("", workbook="Item"), "text"), Column("£"))
    return Table("1. Contributions and risk pool", columns, tuple(rows), key="paid-in")


def _cancelled(st: PartnerStatement) -> list[Table]:
    """The workbook's table of what a terminated agreement's partner no longer pays."""
    if not st.cancelled:
        return []
    on = st.terminated_on
    rows = [
        Row(
            (
                text(c.scheme),
                text(
                    f"instalments due after {on}: " + ", ".join(c.instalments)
                    if c.basis == "instalments"
                    else f"the part for the days after {on}"
                ),
                money(c.amount),
            )
        )
        for c in st.cancelled
    ]
    total = sum(c.amount for c in st.cancelled)
    rows.append(total_row("Total", Cell(None), money(total, sum=column_sum(len(rows), 2))))
    columns = (
        Column("Scheme", "text"),
        Column("Cancelled on termination", "text"),
        Column("£"),
    )
    caption = "Contributions cancelled on termination"
    return [Table(caption, columns, tuple(rows), only=WORKBOOK)]


def _by_scheme(
    st: PartnerStatement,
    caption: str,
    fields: Sequence[tuple[str, str]],
    figures: Callable[[StatementLine], list[int]],
    names: bool = False,
) -> Table:
    """Scheme rows and the Total row (the workbook's sums of the rows above); with
    ``names``, the workbook shows each scheme's name beside its id."""
    lead = 2 if names else 1
    rows = [
        Row((text(x.scheme), *([text(x.name)] if names else []), *map(money, figures(x))))
        for x in st.lines
    ]
    n = len(rows)
    sums = [money(v, sum=column_sum(n, lead + j)) for j, v in enumerate(figures(st.total))]
    rows.append(total_row("Total", *([Cell(None)] if names else []), *sums))
    columns = (
        Column(head("scheme"), "text"),
        *([Column("Name", "text", only=WORKBOOK)] if names else []),
        *[Column(head(h)) for h, _ in fields],
    )
    return Table(caption, columns, tuple(rows), key=caption)


def _shares(st: PartnerStatement) -> Table:
    """2: the partner's share of each scheme, ``X = C + RP + offset + D − U``."""

    def figures(x: StatementLine) -> list[int]:
        return [getattr(x, f) for _, f in SHARE_FIELDS]

    return _by_scheme(st, "2. Share of the pool by scheme", SHARE_FIELDS, figures, names=True)


def _uses(st: PartnerStatement) -> Table:
    """3: what the partner's underspend shares went to."""

    def figures(x: StatementLine) -> list[int]:
        return [getattr(x.disposition, f) for _, f in USE_FIELDS]

    return _by_scheme(st, "3. Underspend disposition", USE_FIELDS, figures)


def _direction(st: PartnerStatement) -> str:
    if st.is_host:
        return "host: no cash settlement"
    if st.settlement > 0:
        return "host pays partner"
    return "partner pays host" if st.settlement < 0 else "nothing to pay"


def _held_label(st: PartnerStatement) -> str | Alt[str]:
    if st.terminated_on is None:
        return "Less held by the host for next year"
    return Alt(
        "Less held by the host for next year (terminated: nothing)",
        markdown="Less held by the host (terminated: nothing)",
        html="Less held by the host for next year",
    )


class _Lines:
    """Section 4's rows as they are added: a label and an amount (zero as 0.00 in
    Markdown; a row that is not an item in bold), each add giving its row's index."""

    def __init__(self) -> None:
        self.rows: list[Row] = []

    def add(
        self,
        label: str | Alt[str],
        pence: int,
        kind: RowKind | Alt[RowKind] = "item",
        *,
        sum: tuple[int, ...] = (),
        refs: tuple[Ref, ...] = (),
        only: frozenset[Format] | None = None,
    ) -> int:
        """A row; the workbook works it out as the sum of the rows ``sum`` and ``refs``."""
        strong = kind != "item"
        terms = tuple((r, 1, 1) for r in sum)
        cell = Cell(pence, "amount", zero="0.00", strong=strong, sum=terms, refs=refs)
        self.rows.append(Row((text(label, strong=strong), cell), kind, only))
        return len(self.rows) - 1


def _balance(st: PartnerStatement, *, paid_in: Ref, net: Ref) -> Table:
    """4: the balance with the host, what it holds, the cash settlement, each
    reconciling item, and the balance with the host at 31 March; the workbook works
    out the balances and the settlement (``paid_in`` and ``net``: section 1's paid in
    and section 2's total net share)."""
    lines = _Lines()
    cash = _to_settlement(st, lines, paid_in, net)
    due = st.settlement_due
    lines.rows += [
        Row((text("Settlement direction"), text(_direction(st))), only=NOT_HTML),
        Row((text("Settlement due"), Cell(due, "date", text=None if due else "–")), only=NOT_HTML),
    ]
    _to_balance_with_host(st, lines, cash)
    columns = (Column(Alt("", workbook="Item"), "text"), Column("£"))
    return Table("4. Balance with the host and settlement", columns, tuple(lines.rows))


def _to_settlement(st: PartnerStatement, lines: _Lines, paid_in: Ref, net: Ref) -> int:
    """From what was paid in to the cash settlement; gives the settlement's row."""
    add = lines.add
    paid_in_total = st.contributions + st.risk_pool_paid
    paid = add("Paid in (contributions and risk pool)", paid_in_total, refs=(paid_in,))
    add("of which balances brought forward, already held", st.opening_balance, only=NOT_HTML)
    if st.additional_paid:
        add("Additional contributions paid in year", st.additional_paid, only=MARKDOWN)
    less = add("Less share of net expenditure", -st.total.net_share, refs=(net,))
    balance = add(
        "Balance (+ host owes partner, − partner owes host)",
        st.balance,
        "subtotal",
        sum=(paid, less),
    )
    held = add(_held_label(st), -st.held)
    direct = add("Add pool spending paid directly by the partner", st.paid_directly)
    vat = add("Less VAT recovered by the partner, owed to the host", -st.vat_recharge)
    return add(
        "Cash settlement (+ host pays partner, − partner pays host)",
        st.settlement,
        "total",
        sum=(balance, held, direct, vat),
    )


def _to_balance_with_host(st: PartnerStatement, lines: _Lines, cash: int) -> None:
    """From the cash settlement (row ``cash``) to the balance with the host at 31 March,
    what is still to move, and the net cash on settlement."""
    add = lines.add
    unpaid = add("Less instalments unpaid at 31 March", -st.unpaid_contributions)
    earlier = add("Less earlier years' instalments unpaid at 31 March", -st.unpaid_earlier_years)
    back = add("Add held by the host for next year", st.held)
    with_host = add(
        "Balance with the host at 31 March (journals; agreement of balances)",
        st.balance_with_host,
        "subtotal",
        sum=(cash, unpaid, earlier, back),
    )
    since = add("Instalments paid since 31 March", st.paid_after_year_end)
    add(
        "Still to move after counting unpaid instalments (+ host pays)",
        st.amount_due,
        Alt("subtotal", html="total"),
        sum=(with_host, since),
    )
    add(
        "Net cash on settlement (+ receives, − pays; the host: the partners' settlements, "
        "reversed)",
        st.net_position,
        "total",
        only=NOT_HTML,
    )


def _day(d: date | None) -> str:
    """A date as the workbook's text writes it."""
    return f"{d:%d/%m/%Y}" if d else "–"


def _settlement(st: PartnerStatement) -> Paragraph:
    """Who pays whom, by when (HTML: and the host's net position)."""
    who = (st.partner, st.is_host, st.settlement, st.settlement_due)
    position = "" if st.host_position is None else f" {host_position_text(st.host_position)}"
    html = settlement_text(*who) + position
    return Paragraph(
        Alt(settlement_text(*who, when=_day), html=html),
        NOT_MARKDOWN,
        Alt("", workbook="text"),
    )


def _journal_summary(st: PartnerStatement) -> Alt[str]:
    """The journal's period, whether it balances and agrees to sections 2 and 4."""
    j = st.journal
    cost = "agrees" if st.net_cost_agrees else "DOES NOT AGREE"
    host = "agrees" if st.reconciles else "DOES NOT AGREE"
    bal = j.balance_with(st.host)
    ok = "yes" if j.is_balanced else "NO"
    period, share = f"{j.start} to {j.end}", "to the share of net expenditure"
    md = f"Period {period}; balanced: {ok}; net cost {format_pence(j.net_cost)} ({cost} {share})"
    html = (
        f"Period {period}. Balanced: {ok}. "
        f"Net cost {pounds_text(j.net_cost)}, which {cost} {share}."
    )
    wb = (
        f"5. Journals to post — period {period}. Balanced: {ok}. "
        f"Net cost {_pounds(j.net_cost)}, which {cost} {share}"
    )
    if not st.is_host:
        md += f"; balance with the host {format_pence(bal)} ({host} to section 4)"
        html += f" Balance with the host {pounds_text(bal)}, which {host} to section 4."
        wb += f"; balance with the host {_pounds(bal)}, which {host} to section 4"
    return Alt(wb + ".", markdown=md + ".", html=html)


def _pounds(pence: int) -> str:
    """``-£1,234.56``, as the workbook's text writes an amount."""
    return ("-" if pence < 0 else "") + "£" + format_pence(abs(pence))


def _journals(st: PartnerStatement) -> list[Paragraph | Table]:
    """5: the journals the partner posts, exactly ``close.journals[partner]``; the
    workbook's caption says what the other formats say above the table."""
    j = st.journal
    rows = [
        Row(
            (
                text(x.ref),
                text(
                    ACCOUNT_LABELS[x.account] + (f" – {x.counterparty}" if x.counterparty else "")
                ),
                Cell(x.scheme),
                Cell(x.memo or None),
                money(x.debit) if x.debit else Cell(None),
                money(x.credit) if x.credit else Cell(None),
            )
        )
        for x in j.lines
    ]
    n, blank = len(rows), Cell(None)
    totals = [
        money(v, zero="0.00", sum=column_sum(n, 4 + k))
        for k, v in enumerate((j.total_debit, j.total_credit))
    ]
    rows.append(Row((blank, text("Total", strong=True), blank, blank, *totals), "total"))
    columns = (
        *[Column(head(h), "text") for h in ("ref", "account", "scheme")],
        Column("Memo", "text", only=WORKBOOK),
        Column("Dr"),
        Column("Cr"),
    )
    summary = _journal_summary(st)
    heading = Alt("5. Journals to post", html=f"5. Journals to post — {st.partner}")
    return [
        Paragraph(heading, NOT_WORKBOOK, "heading"),
        Paragraph(summary, NOT_WORKBOOK, Alt("", html="muted")),
        Table(Alt("", workbook=summary.default), columns, tuple(rows)),
    ]
