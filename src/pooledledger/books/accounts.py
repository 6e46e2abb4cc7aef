"""The journals' vocabulary: accounts and their captions, journal lines, a partner's
journal, and the book that collects balanced postings (docs/ledger.md#journals,
docs/journal-uploads.md, docs/year-end.md).

:mod:`pooledledger.books.journals` posts the pool's lines into a :class:`Book`
and re-exports every name here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import timedelta

from pydantic import Field

from pooledledger.core._model import DomainEnum, FrozenModel
from pooledledger.core.money import format_pence
from pooledledger.core.periods import DateRange
from pooledledger.model.partners import PartnerId, SchemeId

__all__ = [
    "ACCOUNT_LABELS",
    "COUNTERPARTY",
    "INCOME_AND_EXPENDITURE",
    "Account",
    "Book",
    "Journal",
    "JournalLine",
]


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


class Book:
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
