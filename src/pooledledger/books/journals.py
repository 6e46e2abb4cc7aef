"""The journals each partner posts for a period to date (docs/ledger.md#journals).

For each scheme, the journals follow its accounting model:

* ``JOINT_OPERATION`` (docs/ledger.md#journal-references): every partner
  recognises its own share of gross expenditure and income.  A non-host partner
  posts P1 (instalments paid), P2 (share of expenditure) and P3 (share of
  income) against its "Pooled fund - held by host" balance; the host posts H1
  (instalments received), H3 (pool spend into a clearing account), H4 (VAT it
  recovers), H5 (pool income into a clearing account), and H6/H7, which empty the
  clearing accounts into its own share and into "Pool funds held for" each
  partner.
* ``PRINCIPAL(host)`` (docs/concepts.md#three-accounting-models): the host shows
  the scheme 100% gross and the other partners' shares of net expenditure as its
  income; each other partner shows its share of net expenditure as a contribution
  to the host.
* ``AGENT(host)``: the host keeps the money in balance-sheet agency
  accounts and shows in income and expenditure only its own share of net
  expenditure; the other partners show their shares gross.

Whatever the model, every journal balances (I-4), each partner's net cost is its
share of net expenditure (I-10), and the host's balance with each partner is the
mirror image of that partner's balance with the host (I-6).  Presentation for a
PRINCIPAL or AGENT that is not the host is not built yet: such schemes are shown as
joint operations, with a PL-JNL-001 warning.

All pool spending is paid through the host.  Recoverable VAT is posted only by the
recovering body (H4; a non-host body recovers via a recharge from the host), and a
capital item's owner posts its share of that item to its own asset register (P8).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta

from pydantic import Field

from pooledledger.books.apportion import Apportionment, SchemeShares
from pooledledger.books.ledger import Ledger
from pooledledger.core._model import DomainEnum, FrozenModel
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.money import format_pence
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import Agent, Principal
from pooledledger.model.partners import PartnerId, SchemeId

__all__ = ["ACCOUNT_LABELS", "Account", "Journal", "JournalLine", "build_journals"]


class Account(DomainEnum):
    """Accounts used by the journals; :data:`ACCOUNT_LABELS` gives their captions."""

    CASH = "CASH"
    HELD_BY_HOST = "HELD_BY_HOST"
    PAYABLE_TO_HOST = "PAYABLE_TO_HOST"
    EXPENDITURE_SHARE = "EXPENDITURE_SHARE"
    INCOME_SHARE = "INCOME_SHARE"
    CONTRIBUTION_TO_POOL = "CONTRIBUTION_TO_POOL"
    ASSETS = "ASSETS"
    VAT_RECOVERABLE = "VAT_RECOVERABLE"
    FUNDS_HELD_FOR = "FUNDS_HELD_FOR"
    RECEIVABLE_FROM_PARTNER = "RECEIVABLE_FROM_PARTNER"
    POOL_EXPENDITURE_CLEARING = "POOL_EXPENDITURE_CLEARING"
    POOL_INCOME_CLEARING = "POOL_INCOME_CLEARING"
    TRADE_PAYABLES = "TRADE_PAYABLES"
    POOL_EXPENDITURE_GROSS = "POOL_EXPENDITURE_GROSS"
    POOL_INCOME_GROSS = "POOL_INCOME_GROSS"
    PARTNER_CONTRIBUTION_INCOME = "PARTNER_CONTRIBUTION_INCOME"
    AGENCY_ACCOUNT = "AGENCY_ACCOUNT"
    AGENCY_CLEARING = "AGENCY_CLEARING"
    REFUND_DUE_FROM_HOST = "REFUND_DUE_FROM_HOST"
    PAYABLE_TO_PARTNER = "PAYABLE_TO_PARTNER"
    GENERAL_FUND = "GENERAL_FUND"
    EARMARKED_RESERVE = "EARMARKED_RESERVE"
    GRANT_PAID = "GRANT_PAID"
    GRANT_INCOME = "GRANT_INCOME"
    RECEIPT_IN_ADVANCE = "RECEIPT_IN_ADVANCE"
    CONTRIBUTION_RECEIVABLE = "CONTRIBUTION_RECEIVABLE"
    CONTRIBUTION_PAYABLE = "CONTRIBUTION_PAYABLE"
    CAPITAL_GRANT_INCOME = "CAPITAL_GRANT_INCOME"
    OPENING_BALANCES = "OPENING_BALANCES"


ACCOUNT_LABELS: dict[Account, str] = {
    Account.CASH: "Cash",
    Account.HELD_BY_HOST: "Pooled fund – held by host",
    Account.PAYABLE_TO_HOST: "Payable to host",
    Account.EXPENDITURE_SHARE: "Expenditure – share of pool",
    Account.INCOME_SHARE: "Income – share of pool",
    Account.CONTRIBUTION_TO_POOL: "Expenditure – contribution to pooled fund",
    Account.ASSETS: "Property, plant and equipment (own register)",
    Account.VAT_RECOVERABLE: "VAT recoverable",
    Account.FUNDS_HELD_FOR: "Pool funds held for partner",
    Account.RECEIVABLE_FROM_PARTNER: "Receivable from partner",
    Account.POOL_EXPENDITURE_CLEARING: "Pool expenditure clearing",
    Account.POOL_INCOME_CLEARING: "Pool income clearing",
    Account.TRADE_PAYABLES: "Trade payables / cash",
    Account.POOL_EXPENDITURE_GROSS: "Expenditure – pooled fund (gross)",
    Account.POOL_INCOME_GROSS: "Income – pooled fund (gross)",
    Account.PARTNER_CONTRIBUTION_INCOME: "Income – partner contributions",
    Account.AGENCY_ACCOUNT: "Agency account – funds held for partner",
    Account.AGENCY_CLEARING: "Agency clearing",
    Account.REFUND_DUE_FROM_HOST: "Refund of underspend due from host",
    Account.PAYABLE_TO_PARTNER: "Payable to partner (refund of underspend)",
    Account.GENERAL_FUND: "General fund (transfer to reserve)",
    Account.EARMARKED_RESERVE: "Earmarked reserve – pool underspend carried forward",
    Account.GRANT_PAID: "Expenditure – grant paid (s256/s76 transfer)",
    Account.GRANT_INCOME: "Income – grant received (s256/s76 transfer)",
    Account.RECEIPT_IN_ADVANCE: "Receipt in advance (grant conditions not yet met)",
    Account.CONTRIBUTION_RECEIVABLE: "Contributions receivable from partner (unpaid instalments)",
    Account.CONTRIBUTION_PAYABLE: "Contributions payable to host (unpaid instalments)",
    Account.CAPITAL_GRANT_INCOME: (
        "Income – other partners' shares of capital items (capital grant)"
    ),
    Account.OPENING_BALANCES: "Balances brought forward (opening position)",
}

#: Accounts that make up a partner's net cost (income and expenditure).
INCOME_AND_EXPENDITURE = frozenset(
    {
        Account.EXPENDITURE_SHARE,
        Account.INCOME_SHARE,
        Account.CONTRIBUTION_TO_POOL,
        Account.POOL_EXPENDITURE_GROSS,
        Account.POOL_INCOME_GROSS,
        Account.PARTNER_CONTRIBUTION_INCOME,
        Account.ASSETS,  # capital bought with pool money, at cost on the owner's register (P8)
        Account.CAPITAL_GRANT_INCOME,  # ... less the other partners' shares of that cost
    }
)

#: Accounts that hold a balance between the host and one partner (I-6).
COUNTERPARTY = frozenset(
    {
        Account.HELD_BY_HOST,
        Account.PAYABLE_TO_HOST,
        Account.FUNDS_HELD_FOR,
        Account.RECEIVABLE_FROM_PARTNER,
        Account.AGENCY_ACCOUNT,
        Account.REFUND_DUE_FROM_HOST,
        Account.PAYABLE_TO_PARTNER,
        Account.CONTRIBUTION_RECEIVABLE,
        Account.CONTRIBUTION_PAYABLE,
    }
)


class JournalLine(FrozenModel):
    """One debit or credit, in pence, with its reference (``P2``, ``H6``…).

    The references are listed in docs/ledger.md#journal-references.
    """

    ref: str
    account: Account
    debit: int = Field(default=0, ge=0)
    credit: int = Field(default=0, ge=0)
    scheme: SchemeId | None = None
    counterparty: PartnerId | None = None
    memo: str = ""

    def __str__(self) -> str:
        side = f"Dr {format_pence(self.debit)}" if self.debit else f"Cr {format_pence(self.credit)}"
        cp = f" [{self.counterparty}]" if self.counterparty else ""
        sc = f" {self.scheme}" if self.scheme else ""
        return f"{self.ref:4} {ACCOUNT_LABELS[self.account]}{cp}{sc}: {side}"


class Journal(FrozenModel):
    """A partner's journal lines for a period to date.

    ``start`` is the first day of the period and ``end`` its **last** day, both
    inclusive and ISO text (``2025-04-01`` to ``2026-03-31`` for a year), as a
    partner's ledger dates a journal (docs/journal-uploads.md).  A period with no
    days has ``end`` the day before ``start``.
    """

    partner: PartnerId
    start: str
    end: str
    lines: tuple[JournalLine, ...]

    @property
    def total_debit(self) -> int:
        return sum(line.debit for line in self.lines)

    @property
    def total_credit(self) -> int:
        return sum(line.credit for line in self.lines)

    @property
    def is_balanced(self) -> bool:
        return self.total_debit == self.total_credit

    def balance(
        self,
        account: Account,
        *,
        counterparty: PartnerId | None = None,
        scheme: SchemeId | None = None,
    ) -> int:
        """Debits minus credits on ``account`` (optionally for one counterparty/scheme)."""
        return sum(
            line.debit - line.credit
            for line in self.lines
            if line.account is account
            and (counterparty is None or line.counterparty == counterparty)
            and (scheme is None or line.scheme == scheme)
        )

    def balance_with(self, counterparty: PartnerId) -> int:
        """This partner's net balance with ``counterparty`` (positive: owed to it)."""
        return sum(
            line.debit - line.credit
            for line in self.lines
            if line.account in COUNTERPARTY and line.counterparty == counterparty
        )

    @property
    def net_cost(self) -> int:
        """Net cost to this partner: debits less credits on income and expenditure."""
        return sum(
            line.debit - line.credit
            for line in self.lines
            if line.account in INCOME_AND_EXPENDITURE
        )

    def refs(self, ref: str) -> tuple[JournalLine, ...]:
        return tuple(line for line in self.lines if line.ref == ref)


class _Book:
    """Collects lines per partner; every ``post`` is itself balanced."""

    def __init__(self) -> None:
        self.lines: dict[PartnerId, list[JournalLine]] = defaultdict(list)

    def journals(
        self, partners: Iterable[PartnerId], within: DateRange
    ) -> dict[PartnerId, Journal]:
        # the journal names its last day (inclusive), not the range's exclusive end
        start, end = within.start.isoformat(), (within.end - timedelta(days=1)).isoformat()
        return {
            p: Journal(partner=p, start=start, end=end, lines=tuple(self.lines.get(p, [])))
            for p in partners
        }

    def post(
        self,
        partner: PartnerId,
        ref: str,
        debits: Iterable[tuple[Account, int, PartnerId | None]],
        credits: Iterable[tuple[Account, int, PartnerId | None]],
        scheme: SchemeId | None,
        memo: str = "",
    ) -> None:
        dr = [d for d in debits if d[1] != 0]
        cr = [c for c in credits if c[1] != 0]
        if sum(a for _, a, _ in dr) != sum(a for _, a, _ in cr):  # pragma: no cover
            raise AssertionError(f"unbalanced posting {ref} for {partner}")
        out = self.lines[partner]
        # a negative amount is the opposite side (e.g. a net reversal)
        for account, amount, cp in dr:
            out.append(_line(ref, account, amount, scheme, cp, memo))
        for account, amount, cp in cr:
            out.append(_line(ref, account, -amount, scheme, cp, memo))


def _line(
    ref: str,
    account: Account,
    amount: int,
    scheme: SchemeId | None,
    cp: PartnerId | None,
    memo: str,
) -> JournalLine:
    if amount >= 0:
        return JournalLine(
            ref=ref, account=account, debit=amount, scheme=scheme, counterparty=cp, memo=memo
        )
    return JournalLine(
        ref=ref, account=account, credit=-amount, scheme=scheme, counterparty=cp, memo=memo
    )


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
) -> tuple[_Book, list[Issue]]:
    """Post P1-P3 and H1, H3-H7 for the given shares (in-year or year-end)."""
    agreement = ledger.agreement
    host = agreement.host
    others = [p for p in agreement.partner_order if p != host]
    paid = ledger.paid_instalments(year, upto=within.end)
    book = _Book()
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
        shares = scheme_shares[k]
        e_total, i_total = shares.total_expenditure, shares.total_income
        model = scheme.accounting_model
        mode = "JO"
        if isinstance(model, Principal | Agent):
            if model.partner == host:
                mode = "PRINCIPAL" if isinstance(model, Principal) else "AGENT"
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
        held_for = Account.AGENCY_ACCOUNT if mode == "AGENT" else Account.FUNDS_HELD_FOR
        clear_e = Account.AGENCY_CLEARING if mode == "AGENT" else Account.POOL_EXPENDITURE_CLEARING
        clear_i = Account.AGENCY_CLEARING if mode == "AGENT" else Account.POOL_INCOME_CLEARING

        # P1 / H1: instalments paid to the host
        for j in others:
            amount = paid.get(k, {}).get(j, 0)
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
                [(held_for, amount, j)],
                k,
                f"instalments received from {j}",
            )

        # H3 / H5: pool spend and income through the host; spending a partner paid
        # directly to the supplier is that partner's money into the pool (P1)
        paid_directly = direct.get(k, {})
        book.post(
            host,
            "H3",
            [(clear_e, e_total, None)],
            [(Account.TRADE_PAYABLES, e_total - sum(paid_directly.values()), None)]
            + [(held_for, v, j) for j, v in paid_directly.items()],
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
            [(clear_i, i_total, None)],
            k,
            "pool income",
        )
        # H4: recoverable VAT, in the recovering body's books; VAT one body paid and
        # another recovers is owed back to the payer, through the host
        for (body, payer), amount in vat.get(k, {}).items():
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
                else (held_for, amount, payer)
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

        e, i, cap = shares.expenditure, shares.income, shares.capital_owned
        if mode == "PRINCIPAL":
            net_others = {j: e[j] - i[j] for j in others}
            book.post(
                host,
                "H6",
                [(Account.POOL_EXPENDITURE_GROSS, e_total, None)],
                [(clear_e, e_total, None)],
                k,
                "pool expenditure, 100% gross",
            )
            book.post(
                host,
                "H7",
                [(clear_i, i_total, None)],
                [(Account.POOL_INCOME_GROSS, i_total, None)],
                k,
                "pool income, 100% gross",
            )
            for j in others:
                book.post(
                    host,
                    "H6",
                    [(held_for, net_others[j], j)],
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
            continue

        # JOINT_OPERATION and AGENT: the non-host partners show their shares gross
        for j in others:
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
        if mode == "AGENT":
            own = e[host] - i[host]
            book.post(
                host,
                "H6",
                [(Account.CONTRIBUTION_TO_POOL, own, None)] + [(held_for, e[j], j) for j in others],
                [(clear_e, e_total - i[host], None)],
                k,
                "allocate pool expenditure",
            )
            book.post(
                host,
                "H7",
                [(clear_i, i_total - i[host], None)],
                [(held_for, i[j], j) for j in others],
                k,
                "allocate pool income",
            )
        else:
            book.post(
                host,
                "H6",
                [
                    (Account.EXPENDITURE_SHARE, e[host] - cap[host], None),
                    (Account.ASSETS, cap[host], None),
                ]
                + [(held_for, e[j], j) for j in others],
                [(clear_e, e_total, None)],
                k,
                "allocate pool expenditure",
            )
            book.post(
                host,
                "H7",
                [(clear_i, i_total, None)],
                [(Account.INCOME_SHARE, i[host], None)] + [(held_for, i[j], j) for j in others],
                k,
                "allocate pool income",
            )
        # P8: a capital item goes on its owner's register at cost; the other partners'
        # shares of that cost are a capital grant to the owner (I-11)
        owners = [*others, host] if mode == "JO" else others
        for j in owners:
            top_up = max(max(shares.capital_cost.get(j, 0), 0) - cap[j], 0)
            book.post(
                j,
                "P8" if j != host else "H6",
                [(Account.ASSETS, top_up, None)],
                [(Account.CAPITAL_GRANT_INCOME, top_up, None)],
                k,
                "capital items at cost: other partners' shares of the cost",
            )

    return book, issues


def line_flows(
    ledger: Ledger, within: DateRange
) -> tuple[
    dict[SchemeId, dict[tuple[PartnerId, PartnerId], int]], dict[SchemeId, dict[PartnerId, int]]
]:
    """Recoverable VAT per scheme by (recovering body, payer), and per scheme the pool
    cost of spending each non-host partner paid directly, for lines inside ``within``."""
    agreement = ledger.agreement
    host = agreement.host
    known = set(agreement.partner_order)
    vat: dict[SchemeId, dict[tuple[PartnerId, PartnerId], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    direct: dict[SchemeId, dict[PartnerId, int]] = defaultdict(lambda: defaultdict(int))
    for line in ledger.pool_lines:
        if line.kind != "expenditure" or not within.contains(line.date):
            continue
        payer = line.paid_by if line.paid_by in known else host
        if payer != host and line.amount:
            direct[line.scheme][payer] += line.amount
        for body, _, recovered in line.vat_by_body:  # AGENT: each partner on its share
            if recovered:
                vat[line.scheme][(body if body in known else host, payer)] += recovered
    return (
        {k: {key: v for key, v in d.items() if v} for k, d in vat.items()},
        {k: {p: v for p, v in d.items() if v} for k, d in direct.items()},
    )


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


def _post_opening(book: _Book, ledger: Ledger, year: FinancialYear, within: DateRange) -> None:
    """Opening balances at 1 April (docs/year-end.md#opening-balances).

    * Balances brought forward: money the host already holds for each partner
      (pooled fund held by host / pool funds held for partner); the host's own
      is its earmarked reserve (H11), released as it is applied in the year.
    * Earlier years' instalments unpaid at 1 April: a debtor (contributions
      receivable / payable), less what is paid late within the period.
    """
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
