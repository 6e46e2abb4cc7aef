"""The journals each partner posts for a period to date (docs/ledger.md#journals).

For each scheme, the journals follow its accounting model:

* ``JOINT_OPERATION`` (docs/ledger.md#journal-references): every partner
  recognises its own share of gross
  expenditure and income.  A non-host partner posts P1 (instalments paid), P2
  (share of expenditure) and P3 (share of income) against its "Pooled fund - held
  by host" balance; the host posts H1 (instalments received), H3 (pool spend into
  a clearing account), H4 (VAT it recovers), H5 (pool income into a clearing
  account), and H6/H7, which empty the clearing accounts into its own share and
  into "Pool funds held for" each partner.
* ``PRINCIPAL(host)`` (docs/concepts.md#three-accounting-models): the host
  shows the scheme 100% gross and the other
  partners' shares of net expenditure as its income; each other partner shows its
  share of net expenditure as a contribution to the host.
* ``AGENT(host)``: the host keeps the money in balance-sheet agency
  accounts and shows in income and expenditure only its own share of net
  expenditure; the other partners show their shares gross.

Whatever the model, every journal balances (I-4), each partner's net cost is its
share of net expenditure (I-10), and the host's balance with each partner is the
mirror image of that partner's balance with the host (I-6).  Presentation for a
PRINCIPAL or AGENT that is not the host is not built yet: such schemes are shown as
joint operations, with a PL-JNL-001 warning.

The accounts, journal lines and journals themselves are in
:mod:`pooledledger.books.accounts` (every name is importable from here too); this
module posts the pool's lines into them.

All pool spending is paid through the host.  Recoverable VAT is posted only by the
recovering body (H4; a non-host body recovers via a recharge from the host), and a
capital item's owner posts its share of that item to its own asset register (P8).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from pooledledger.books.accounts import (
    ACCOUNT_LABELS,
    Account,
    Book,
    Journal,
    JournalLine,
)
from pooledledger.books.accounts import COUNTERPARTY as COUNTERPARTY
from pooledledger.books.accounts import INCOME_AND_EXPENDITURE as INCOME_AND_EXPENDITURE
from pooledledger.books.apportion import Apportionment, SchemeShares
from pooledledger.books.ledger import Ledger
from pooledledger.books.line_sums import line_sums
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import AccountingMode, Agent, Principal, Scheme
from pooledledger.model.partners import PartnerId, SchemeId

__all__ = ["ACCOUNT_LABELS", "Account", "Journal", "JournalLine", "build_journals"]


def build_journals(
    ledger: Ledger, apportionment: Apportionment
) -> tuple[dict[PartnerId, Journal], list[Issue]]:
    """Each partner's journal for the apportionment's period to date, and any warnings."""
    within = apportionment.within
    book, issues = post_pool_lines(ledger, apportionment.year, within, apportionment.schemes)
    # instalments due by the period end but not paid: a debtor (P1/H1), as at year end
    host = ledger.agreement.host
    overdue: dict[PartnerId, int] = defaultdict(int)
    for i in ledger.instalments(apportionment.year):
        unpaid = i.paid_date is None or i.paid_date >= within.end
        if i.partner != host and i.due_date < within.end and unpaid:
            overdue[i.partner] += i.pence
    for p, amount in overdue.items():
        book.post(
            p,
            "P1",
            [(Account.HELD_BY_HOST, amount, host)],
            [(Account.CONTRIBUTION_PAYABLE, amount, host)],
            None,
            "contribution instalments due and unpaid",
        )
        book.post(
            host,
            "H1",
            [(Account.CONTRIBUTION_RECEIVABLE, amount, p)],
            [(Account.FUNDS_HELD_FOR, amount, p)],
            None,
            f"contribution instalments due from {p} and unpaid",
        )
    return book.journals(ledger.agreement.partner_order, within), issues


def post_pool_lines(
    ledger: Ledger,
    year: FinancialYear,
    within: DateRange,
    scheme_shares: Mapping[SchemeId, SchemeShares],
) -> tuple[Book, list[Issue]]:
    """Post P1-P3 and H1, H3-H7 for the given shares (in-year or year-end)."""
    agreement = ledger.agreement
    host = agreement.host
    others = [p for p in agreement.partner_order if p != host]
    paid = ledger.paid_instalments(year, upto=within.end)
    book = Book()
    issues: list[Issue] = []
    if agreement.risk_pool is not None:
        rp = agreement.risk_pool.id
        for j in others:
            amount = paid.get(rp, {}).get(j, 0)
            book.post(
                j,
                "P1",
                [(Account.HELD_BY_HOST, amount, host)],
                [(Account.CASH, amount, None)],
                rp,
                "risk pool instalments paid",
            )
            book.post(
                host,
                "H1",
                [(Account.CASH, amount, None)],
                [(Account.FUNDS_HELD_FOR, amount, j)],
                rp,
                f"risk pool instalments received from {j}",
            )

    _post_opening(book, ledger, year, within)
    vat, direct = line_flows(ledger, within)

    for scheme in agreement.schemes:
        k = scheme.id
        at = _Posting(book, k, host, others, _mode(scheme, host, issues), scheme_shares[k])
        _post_instalments(at, paid.get(k, {}))
        _post_spend_and_income(at, direct.get(k, {}))
        _post_vat(at, vat.get(k, {}))
        if at.mode is AccountingMode.PRINCIPAL:
            _post_principal(at)
            continue
        _post_shares(at)
        _post_capital(at)

    return book, issues


@dataclass(frozen=True)
class _Posting:
    """One scheme being posted: the book, the host, the other partners, the shares and
    the presentation (``mode``)."""

    book: Book
    k: SchemeId
    host: PartnerId
    others: Sequence[PartnerId]
    mode: AccountingMode
    shares: SchemeShares

    @property
    def is_agent(self) -> bool:
        return self.mode is AccountingMode.AGENT

    @property
    def held_for(self) -> Account:
        return Account.AGENCY_ACCOUNT if self.is_agent else Account.FUNDS_HELD_FOR

    @property
    def clear_e(self) -> Account:
        return Account.AGENCY_CLEARING if self.is_agent else Account.POOL_EXPENDITURE_CLEARING

    @property
    def clear_i(self) -> Account:
        return Account.AGENCY_CLEARING if self.is_agent else Account.POOL_INCOME_CLEARING


def _mode(scheme: Scheme, host: PartnerId, issues: list[Issue]) -> AccountingMode:
    """How the scheme is presented; PL-JNL-001 (added to ``issues``) when a principal
    or agent is not the host and the scheme is shown as a joint operation."""
    model = scheme.accounting_model
    k = scheme.id
    mode = AccountingMode.JOINT_OPERATION
    if isinstance(model, Principal | Agent):
        if model.partner == host:
            mode = model.model
        else:
            issues.append(
                Issue(
                    code="PL-JNL-001",
                    severity=Severity.WARNING,
                    message=(
                        f"scheme {k}: {model.model}({model.partner}) presentation is only "
                        "built for the host; journals are shown as a joint operation"
                    ),
                    location=Location(field=f"schemes[{k}].accounting_model"),
                )
            )
    return mode


def _post_instalments(at: _Posting, paid: Mapping[PartnerId, int]) -> None:
    """P1 / H1: instalments paid to the host."""
    book, k, host = at.book, at.k, at.host
    for j in at.others:
        amount = paid.get(j, 0)
        book.post(
            j,
            "P1",
            [(Account.HELD_BY_HOST, amount, host)],
            [(Account.CASH, amount, None)],
            k,
            "contribution instalments paid",
        )
        book.post(
            host,
            "H1",
            [(Account.CASH, amount, None)],
            [(at.held_for, amount, j)],
            k,
            f"instalments received from {j}",
        )


def _post_spend_and_income(at: _Posting, paid_directly: Mapping[PartnerId, int]) -> None:
    """H3 / H5: pool spend and income through the host; spending a partner paid
    directly to the supplier is that partner's money into the pool (P1)."""
    book, k, host = at.book, at.k, at.host
    e_total, i_total = at.shares.total_expenditure, at.shares.total_income
    book.post(
        host,
        "H3",
        [(at.clear_e, e_total, None)],
        [(Account.TRADE_PAYABLES, e_total - sum(paid_directly.values()), None)]
        + [(at.held_for, v, j) for j, v in paid_directly.items()],
        k,
        "pool expenditure (net + irrecoverable VAT)",
    )
    for j, v in paid_directly.items():
        book.post(
            j,
            "P1",
            [(Account.HELD_BY_HOST, v, host)],
            [(Account.CASH, v, None)],
            k,
            "pool spending paid directly to suppliers",
        )
    book.post(
        host,
        "H5",
        [(Account.CASH, i_total, None)],
        [(at.clear_i, i_total, None)],
        k,
        "pool income",
    )


def _post_vat(at: _Posting, vat: Mapping[tuple[PartnerId, PartnerId], int]) -> None:
    """H4: recoverable VAT, in the recovering body's books; VAT one body paid and
    another recovers is owed back to the payer, through the host."""
    book, k, host = at.book, at.k, at.host
    for (body, payer), amount in vat.items():
        if body == payer and body != host:
            book.post(
                body,
                "H4",
                [(Account.VAT_RECOVERABLE, amount, None)],
                [(Account.CASH, amount, None)],
                k,
                "VAT recoverable on spending it paid",
            )
            continue
        host_dr = (
            (Account.VAT_RECOVERABLE, amount, None)
            if body == host
            else (Account.RECEIVABLE_FROM_PARTNER, amount, body)
        )
        host_cr = (
            (Account.TRADE_PAYABLES, amount, None)
            if payer == host
            else (at.held_for, amount, payer)
        )
        book.post(
            host,
            "H4",
            [host_dr],
            [host_cr],
            k,
            "VAT recoverable" if body == host else f"VAT paid for {body}, recharged",
        )
        if body != host:
            book.post(
                body,
                "H4",
                [(Account.VAT_RECOVERABLE, amount, None)],
                [(Account.PAYABLE_TO_HOST, amount, host)],
                k,
                "VAT recoverable",
            )
        if payer != host:
            book.post(
                payer,
                "P1",
                [(Account.HELD_BY_HOST, amount, host)],
                [(Account.CASH, amount, None)],
                k,
                f"VAT paid on pool spending, recovered by {body}",
            )


def _post_principal(at: _Posting) -> None:
    """H6 / H7 and P2 for a host principal: the scheme 100% gross in the host's books,
    the other partners' shares of net expenditure as its income."""
    book, k, host, shares = at.book, at.k, at.host, at.shares
    e_total, i_total = shares.total_expenditure, shares.total_income
    e, i = shares.expenditure, shares.income
    net_others = {j: e[j] - i[j] for j in at.others}
    book.post(
        host,
        "H6",
        [(Account.POOL_EXPENDITURE_GROSS, e_total, None)],
        [(at.clear_e, e_total, None)],
        k,
        "pool expenditure, 100% gross",
    )
    book.post(
        host,
        "H7",
        [(at.clear_i, i_total, None)],
        [(Account.POOL_INCOME_GROSS, i_total, None)],
        k,
        "pool income, 100% gross",
    )
    for j in at.others:
        book.post(
            host,
            "H6",
            [(at.held_for, net_others[j], j)],
            [(Account.PARTNER_CONTRIBUTION_INCOME, net_others[j], None)],
            k,
            f"{j}'s share of net expenditure",
        )
        book.post(
            j,
            "P2",
            [(Account.CONTRIBUTION_TO_POOL, net_others[j], None)],
            [(Account.HELD_BY_HOST, net_others[j], host)],
            k,
            "share of net expenditure: contribution to host",
        )


def _post_shares(at: _Posting) -> None:
    """JOINT_OPERATION and AGENT: the non-host partners show their shares gross (P2,
    P3); the host allocates the clearing accounts (H6, H7)."""
    book, k, host, shares = at.book, at.k, at.host, at.shares
    e, i, cap = shares.expenditure, shares.income, shares.capital_owned
    for j in at.others:
        book.post(
            j,
            "P2",
            [(Account.EXPENDITURE_SHARE, e[j] - cap[j], None), (Account.ASSETS, cap[j], None)],
            [(Account.HELD_BY_HOST, e[j], host)],
            k,
            "share of pool expenditure",
        )
        book.post(
            j,
            "P3",
            [(Account.HELD_BY_HOST, i[j], host)],
            [(Account.INCOME_SHARE, i[j], None)],
            k,
            "share of pool income",
        )
    if at.mode is AccountingMode.AGENT:
        _allocate_as_agent(at)
    else:
        _allocate_as_joint_operation(at)


def _allocate_as_agent(at: _Posting) -> None:
    """H6 / H7 for a host agent: only its own share of net expenditure in its I&E."""
    book, k, host, shares = at.book, at.k, at.host, at.shares
    e, i = shares.expenditure, shares.income
    held_for, others = at.held_for, at.others
    own = e[host] - i[host]
    book.post(
        host,
        "H6",
        [(Account.CONTRIBUTION_TO_POOL, own, None)] + [(held_for, e[j], j) for j in others],
        [(at.clear_e, shares.total_expenditure - i[host], None)],
        k,
        "allocate pool expenditure",
    )
    book.post(
        host,
        "H7",
        [(at.clear_i, shares.total_income - i[host], None)],
        [(held_for, i[j], j) for j in others],
        k,
        "allocate pool income",
    )


def _allocate_as_joint_operation(at: _Posting) -> None:
    """H6 / H7 for a joint operation: the host's own shares, the rest held for others."""
    book, k, host, shares = at.book, at.k, at.host, at.shares
    e, i, cap = shares.expenditure, shares.income, shares.capital_owned
    held_for, others = at.held_for, at.others
    book.post(
        host,
        "H6",
        [
            (Account.EXPENDITURE_SHARE, e[host] - cap[host], None),
            (Account.ASSETS, cap[host], None),
        ]
        + [(held_for, e[j], j) for j in others],
        [(at.clear_e, shares.total_expenditure, None)],
        k,
        "allocate pool expenditure",
    )
    book.post(
        host,
        "H7",
        [(at.clear_i, shares.total_income, None)],
        [(Account.INCOME_SHARE, i[host], None)] + [(held_for, i[j], j) for j in others],
        k,
        "allocate pool income",
    )


def _post_capital(at: _Posting) -> None:
    """P8: a capital item goes on its owner's register at cost; the other partners'
    shares of that cost are a capital grant to the owner (I-11)."""
    shares, host = at.shares, at.host
    owners = [*at.others, host] if at.mode is AccountingMode.JOINT_OPERATION else at.others
    for j in owners:
        top_up = max(max(shares.capital_cost.get(j, 0), 0) - shares.capital_owned[j], 0)
        at.book.post(
            j,
            "P8" if j != host else "H6",
            [(Account.ASSETS, top_up, None)],
            [(Account.CAPITAL_GRANT_INCOME, top_up, None)],
            at.k,
            "capital items at cost: other partners' shares of the cost",
        )


def line_flows(
    ledger: Ledger, within: DateRange
) -> tuple[
    dict[SchemeId, dict[tuple[PartnerId, PartnerId], int]], dict[SchemeId, dict[PartnerId, int]]
]:
    """Recoverable VAT per scheme by (recovering body, payer), and per scheme the pool
    cost of spending each non-host partner paid directly, for lines inside ``within``.

    Read from the period's line sums (:func:`~pooledledger.books.line_sums.line_sums`),
    schemes and keys in the order they first appear among the lines, nil sums left out."""
    sums = line_sums(ledger, within)
    vat: dict[SchemeId, dict[tuple[PartnerId, PartnerId], int]] = {}
    for (k, body, payer), v in sums.vat_flows.items():
        row = vat.setdefault(k, {})
        if v:
            row[(body, payer)] = v
    direct: dict[SchemeId, dict[PartnerId, int]] = {}
    for (k, payer), v in sums.direct.items():
        row2 = direct.setdefault(k, {})
        if v:
            row2[payer] = v
    return vat, direct


def settlement_flows(
    ledger: Ledger, within: DateRange
) -> tuple[dict[PartnerId, int], dict[PartnerId, int]]:
    """Per non-host partner: money it paid into the pool by paying suppliers directly
    (pool cost plus VAT another body recovers), and VAT it recovered on spending
    someone else paid (owed back, through the host).  Lines inside ``within``."""
    host = ledger.agreement.host
    vat, direct = line_flows(ledger, within)
    paid: dict[PartnerId, int] = defaultdict(int)
    recharge: dict[PartnerId, int] = defaultdict(int)
    for parts in direct.values():
        for p, v in parts.items():
            paid[p] += v
    for by_pair in vat.values():
        for (body, payer), v in by_pair.items():
            if body == payer:
                continue
            if payer != host:
                paid[payer] += v
            if body != host:
                recharge[body] += v
    return dict(paid), dict(recharge)


def _post_opening(book: Book, ledger: Ledger, year: FinancialYear, within: DateRange) -> None:
    """Opening balances at 1 April (docs/year-end.md#opening-balances).

    * Balances brought forward: money the host already holds for each partner
      (pooled fund held by host / pool funds held for partner); the host's own
      is its earmarked reserve (H11), released as it is applied in the year.
    * Earlier years' instalments unpaid at 1 April: a debtor (contributions
      receivable / payable), less what is paid late within the period.
    """
    _post_brought_forward(book, ledger, year)
    _post_unpaid_earlier(book, ledger, year, within)


def _post_brought_forward(book: Book, ledger: Ledger, year: FinancialYear) -> None:
    """Balances brought forward: held by the host for each partner; its own, reserved."""
    agreement = ledger.agreement
    host = agreement.host
    known = set(agreement.partner_order)
    for target, parts in ledger.brought_forward(year).items():
        for p, amount in parts.items():
            if p not in known:
                continue
            if p == host:
                book.post(
                    host,
                    "OB",
                    [(Account.OPENING_BALANCES, amount, None)],
                    [(Account.EARMARKED_RESERVE, amount, None)],
                    target,
                    "own balance brought forward: earmarked reserve",
                )
                book.post(
                    host,
                    "H11",
                    [(Account.EARMARKED_RESERVE, amount, None)],
                    [(Account.GENERAL_FUND, amount, None)],
                    target,
                    "earmarked reserve released: balance brought forward applied this year",
                )
                continue
            book.post(
                p,
                "OB",
                [(Account.HELD_BY_HOST, amount, host)],
                [(Account.OPENING_BALANCES, amount, None)],
                target,
                "balance brought forward, held by host",
            )
            book.post(
                host,
                "OB",
                [(Account.OPENING_BALANCES, amount, None)],
                [(Account.FUNDS_HELD_FOR, amount, p)],
                target,
                f"balance brought forward, held for {p}",
            )


def _post_unpaid_earlier(
    book: Book, ledger: Ledger, year: FinancialYear, within: DateRange
) -> None:
    """Earlier years' instalments unpaid at 1 April, and those paid late in the period."""
    agreement = ledger.agreement
    host = agreement.host
    for earlier in (y for y in agreement.financial_years if y < year):
        at_start = ledger.unpaid_contributions(earlier, upto=year.start)
        at_end = ledger.unpaid_contributions(earlier, upto=within.end)
        for p, owed in at_start.items():
            book.post(
                p,
                "OB",
                [(Account.OPENING_BALANCES, owed, None)],
                [(Account.CONTRIBUTION_PAYABLE, owed, host)],
                None,
                f"{earlier} instalments unpaid at 1 April",
            )
            book.post(
                host,
                "OB",
                [(Account.CONTRIBUTION_RECEIVABLE, owed, p)],
                [(Account.OPENING_BALANCES, owed, None)],
                None,
                f"{earlier} instalments unpaid by {p} at 1 April",
            )
            late = owed - at_end.get(p, 0)
            book.post(
                p,
                "P1",
                [(Account.CONTRIBUTION_PAYABLE, late, host)],
                [(Account.CASH, late, None)],
                None,
                f"{earlier} instalments paid late",
            )
            book.post(
                host,
                "H1",
                [(Account.CASH, late, None)],
                [(Account.CONTRIBUTION_RECEIVABLE, late, p)],
                None,
                f"{earlier} instalments received late from {p}",
            )
