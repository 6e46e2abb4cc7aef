"""Transfers under s256 / s76 NHS Act 2006: grants, never pools (I-15).

See docs/year-end.md#transfers-are-not-pools.

A transfer is a payment from one body towards the *recipient's own* functions: an
ICB paying a council under s256, or a council paying an NHS body under s76.  It
has no host, no shares and no memorandum account, so it is not a ledger entry and
a :class:`~pooledledger.books.ledger.Ledger` never sees it.  The payer records a grant
paid; the recipient records grant income once the conditions are met (until then,
a receipt in advance).

Capital transfers usually carry a clawback if the asset stops being used for its
purpose, is sold, or the scheme ends.  :class:`ClawbackSchedule` holds the
percentage repayable by complete years since the transfer; the default is the
common taper of 100% in year 1 falling by 20 points a year to nothing after year 5.
"""

from __future__ import annotations

from datetime import date
from fractions import Fraction
from typing import Literal

from dateutil.relativedelta import relativedelta
from pydantic import Field, model_validator

from pooledledger.books.journals import Account, Journal, JournalLine
from pooledledger.core._model import DomainEnum, FrozenModel
from pooledledger.core.money import Amount, Rounding, multiply, to_pence
from pooledledger.model.partners import PartnerId
from pooledledger.model.rules import Share

__all__ = ["ClawbackSchedule", "Transfer", "TransferPower", "clawback_due", "transfer_journals"]


class TransferPower(DomainEnum):
    """The power a transfer is made under."""

    S256_NHSA2006 = "S256_NHSA2006"  # NHS body to a local authority (formerly s28A)
    S76_NHSA2006 = "S76_NHSA2006"  # local authority to an NHS body (formerly s28BB)


class ClawbackSchedule(FrozenModel):
    """Share of the grant repayable on disposal, by complete years since the transfer.

    ``repayable[n]`` applies when fewer than ``n + 1`` complete years have passed;
    after the last entry nothing is repayable.
    """

    repayable: tuple[Share, ...] = (
        Fraction(1),
        Fraction(4, 5),
        Fraction(3, 5),
        Fraction(2, 5),
        Fraction(1, 5),
    )


class Transfer(FrozenModel):
    """One s256 or s76 payment, with its conditions and optional clawback."""

    id: str
    power: TransferPower
    payer: PartnerId
    recipient: PartnerId
    amount: Amount
    paid_on: date
    purpose: str
    conditions_met: bool = True
    capital: bool = False
    clawback: ClawbackSchedule | None = None
    kind: Literal["transfer"] = "transfer"
    conditions: tuple[str, ...] = Field(default=())

    @model_validator(mode="after")
    def _check(self) -> Transfer:
        if self.payer == self.recipient:
            raise ValueError("a transfer needs two different bodies")
        if to_pence(self.amount) <= 0:
            raise ValueError("a transfer amount must be positive")
        return self


def transfer_journals(transfer: Transfer) -> dict[PartnerId, Journal]:
    """The payer's and the recipient's entries: a grant, never shares of a pool."""
    pence = to_pence(transfer.amount)
    when = transfer.paid_on.isoformat()
    end = when  # one day, inclusive
    income_account = (
        Account.GRANT_INCOME if transfer.conditions_met else (Account.RECEIPT_IN_ADVANCE)
    )
    payer = Journal(
        partner=transfer.payer,
        start=when,
        end=end,
        lines=(
            JournalLine(
                ref="T1",
                account=Account.GRANT_PAID,
                debit=pence,
                counterparty=transfer.recipient,
                memo=f"{transfer.power.value}: {transfer.purpose}",
            ),
            JournalLine(ref="T1", account=Account.CASH, credit=pence),
        ),
    )
    recipient = Journal(
        partner=transfer.recipient,
        start=when,
        end=end,
        lines=(
            JournalLine(ref="T2", account=Account.CASH, debit=pence),
            JournalLine(
                ref="T2",
                account=income_account,
                credit=pence,
                counterparty=transfer.payer,
                memo=transfer.purpose,
            ),
        ),
    )
    return {transfer.payer: payer, transfer.recipient: recipient}


def clawback_due(transfer: Transfer, disposal: date) -> int:
    """Pence repayable if the asset is disposed of (or stops being used) on ``disposal``."""
    if transfer.clawback is None or disposal < transfer.paid_on:
        return 0
    years = relativedelta(disposal, transfer.paid_on).years
    schedule = transfer.clawback.repayable
    if years >= len(schedule):
        return 0
    return multiply(to_pence(transfer.amount), schedule[years], Rounding.HALF_UP)
