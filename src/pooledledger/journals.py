"""The journals each partner posts for a period to date (domain.md §6.1-§6.5).

For each scheme, the journals follow its accounting model:

* ``JOINT_OPERATION`` (§6.1, §6.2): every partner recognises its own share of gross
  expenditure and income.  A non-host partner posts P1 (instalments paid), P2
  (share of expenditure) and P3 (share of income) against its "Pooled fund - held
  by host" balance; the host posts H1 (instalments received), H3 (pool spend into
  a clearing account), H4 (VAT it recovers), H5 (pool income into a clearing
  account), and H6/H7, which empty the clearing accounts into its own share and
  into "Pool funds held for" each partner.
* ``PRINCIPAL(host)`` (§6.4): the host shows the scheme 100% gross and the other
  partners' shares of net expenditure as its income; each other partner shows its
  share of net expenditure as a contribution to the host.
* ``AGENT(host)`` (§6.5): the host keeps the money in balance-sheet agency
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

from pooledledger._model import DomainEnum, FrozenModel
from pooledledger.agreement import Agent, Principal
from pooledledger.apportion import Apportionment, SchemeShares
from pooledledger.entries import Expenditure
from pooledledger.errors import Issue, Location, Severity
from pooledledger.ledger import Ledger, vat_body
from pooledledger.money import format_pence
from pooledledger.partners import PartnerId, SchemeId
from pooledledger.periods import DateRange, FinancialYear

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
        Account.ASSETS,  # capital bought with pool money: the owner's share of the cost
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
    }
)


class JournalLine(FrozenModel):
    """One debit or credit, in pence, with the §6 reference (``P2``, ``H6``…)."""

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
    book, issues = post_pool_lines(
        ledger, apportionment.year, apportionment.within, apportionment.schemes
    )
    return book.journals(ledger.agreement.partner_order, apportionment.within), issues


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

    # recoverable VAT and its recovering body, per scheme
    vat: dict[SchemeId, dict[PartnerId, int]] = defaultdict(lambda: defaultdict(int))
    for line in ledger.pool_lines:
        if line.kind != "expenditure" or not within.contains(line.date) or not line.vat_recovered:
            continue
        original = ledger.get(line.reverses or line.entry_id)
        assert isinstance(original, Expenditure)
        vat[line.scheme][vat_body(agreement, original)] += line.vat_recovered

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

        # H3 / H5: pool spend and income through the host
        book.post(
            host,
            "H3",
            [(clear_e, e_total, None)],
            [(Account.TRADE_PAYABLES, e_total, None)],
            k,
            "pool expenditure (net + irrecoverable VAT)",
        )
        book.post(
            host,
            "H5",
            [(Account.CASH, i_total, None)],
            [(clear_i, i_total, None)],
            k,
            "pool income",
        )
        # H4: recoverable VAT, in the recovering body's books
        for body, amount in vat.get(k, {}).items():
            if body == host:
                book.post(
                    host,
                    "H4",
                    [(Account.VAT_RECOVERABLE, amount, None)],
                    [(Account.TRADE_PAYABLES, amount, None)],
                    k,
                    "VAT recoverable",
                )
            else:
                book.post(
                    host,
                    "H4",
                    [(Account.RECEIVABLE_FROM_PARTNER, amount, body)],
                    [(Account.TRADE_PAYABLES, amount, None)],
                    k,
                    f"VAT paid for {body}, recharged",
                )
                book.post(
                    body,
                    "H4",
                    [(Account.VAT_RECOVERABLE, amount, None)],
                    [(Account.PAYABLE_TO_HOST, amount, host)],
                    k,
                    "VAT recoverable",
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

    return book, issues
