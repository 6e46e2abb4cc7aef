"""Ledger entries: frozen, append-only facts, each with a caller-supplied id.

The pool ledger records what happened during the year (docs/ledger.md#entry-kinds):

* :class:`Contribution`: money a partner commits to a scheme (base, uplift,
  in-year variation, risk pool, additional contribution, brought-forward balance),
  each with an approval reference (reg 7(3)(b)).  Together with the agreement's
  planned contributions these are the *approved annual contributions*.
* :class:`Instalment`: cash a non-host partner pays the host towards its
  contributions, with due and paid dates.  Instalments must sum to the approved
  annual contribution (I-14).
* :class:`Expenditure`: a charge to a scheme: net, VAT and the recoverable part of
  the VAT.  Pool cost is net plus *irrecoverable* VAT (I-13).
* :class:`Income`: money the pool receives other than contributions, e.g. client
  charges.
* :class:`Reversal`: cancels an earlier expenditure or income line by copying and
  negating its stored shares; it never re-allocates.

Entries never change.  Posting an identical entry twice is a no-op; the same id
with different content is an error.  Amounts are GBP :data:`~pooledledger.core.money.Amount`
fields at this boundary; the ledger turns them into integer pence once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, model_validator

from pooledledger.core._model import DomainEnum, FrozenModel, TagEnum
from pooledledger.core.money import Amount, to_money, to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model.partners import ID_PATTERN, PartnerId, SchemeId

__all__ = [
    "Contribution",
    "ContributionKind",
    "Entry",
    "EntryId",
    "EntryKind",
    "Expenditure",
    "Income",
    "Instalment",
    "Reversal",
    "Settlement",
    "YearClosed",
]

#: A caller-supplied entry id, unique within a ledger, e.g. ``"INV-2025-00042"``.
EntryId = Annotated[str, StringConstraints(pattern=ID_PATTERN)]


class EntryKind(TagEnum):
    """What a ledger entry is: the ``entry`` field that tells the kinds apart in files
    (docs/ledger.md#entry-kinds).

    The values are the lower-case words the files use, so ``EntryKind.INCOME ==
    "income"`` and a file or JSON holds ``"income"`` as before.
    """

    CONTRIBUTION = "contribution"
    INSTALMENT = "instalment"
    EXPENDITURE = "expenditure"
    INCOME = "income"
    REVERSAL = "reversal"
    SETTLEMENT = "settlement"
    YEAR_CLOSED = "year_closed"


class ContributionKind(DomainEnum):
    """Why a contribution was made (docs/concepts.md#contributions-and-instalments)."""

    BASE = "BASE"
    UPLIFT = "UPLIFT"
    VARIATION = "VARIATION"
    RISK_POOL = "RISK_POOL"
    ADDITIONAL = "ADDITIONAL"
    BROUGHT_FORWARD = "BROUGHT_FORWARD"


#: The VAT of an expenditure that names none: one shared £0.00 (Money is never
#: changed in place), not one object per line.
_NO_VAT = to_money(0)

#: One set of field names per distinct combination, shared by the entries that set
#: those fields (see :meth:`_Entry.model_post_init`).
_FIELDS_SETS: dict[frozenset[str], set[str]] = {}


class _Entry(FrozenModel):
    id: EntryId

    def model_post_init(self, context: Any, /) -> None:
        """Share the set of fields given with every entry that gave the same fields.

        pydantic keeps one such set per instance (about 700 bytes): a ledger of a
        million lines holds a handful of distinct ones (docs/benchmarks.md).  The set
        is only read (``model_fields_set``, ``exclude_unset``); ``model_copy`` copies
        it before adding to it, so sharing it changes nothing else.
        """
        object.__setattr__(
            self, "__pydantic_fields_set__", fields_set(self.__pydantic_fields_set__)
        )


def fields_set(names: Iterable[str]) -> set[str]:
    """The one shared set of these field names (see :meth:`_Entry.model_post_init`);
    a reader that builds entries without validation uses it too."""
    key = frozenset(names)
    shared = _FIELDS_SETS.get(key)
    if shared is None:
        shared = _FIELDS_SETS.setdefault(key, set(key))
    return shared


class Contribution(_Entry):
    """A partner's approved contribution to a scheme (or to the risk pool) for a year.

    ``effective_date`` is the day the contribution takes effect; a variation from
    quarter 3 is effective 1 October.  ``amount`` may be negative for a reduction.
    """

    entry: Literal[EntryKind.CONTRIBUTION] = EntryKind.CONTRIBUTION
    partner: PartnerId
    scheme: SchemeId
    year: FinancialYear
    amount: Amount
    kind: ContributionKind = ContributionKind.VARIATION
    effective_date: date
    approval_ref: Annotated[str, StringConstraints(min_length=1)]
    description: str = ""

    @cached_property
    def pence(self) -> int:
        return to_pence(self.amount)


class Instalment(_Entry):
    """A payment by a non-host partner to the host towards its contributions.

    ``due_date`` lies in ``year``.  ``paid_date`` is ``None`` while the instalment
    is due but unpaid; it may fall after 31 March (a late payment, which clears the
    debtor the year-end close records for it; see docs/year-end.md#unpaid-instalments).
    """

    entry: Literal[EntryKind.INSTALMENT] = EntryKind.INSTALMENT
    partner: PartnerId
    scheme: SchemeId
    year: FinancialYear
    amount: Amount
    due_date: date
    paid_date: date | None = None

    @cached_property
    def pence(self) -> int:
        return to_pence(self.amount)


class Expenditure(_Entry):
    """A charge to a scheme.

    ``vat_recoverable`` is the part of ``vat`` that the recovering body gets back;
    leave it ``None`` to have it worked out from the agreement's VAT model and the
    procuring partner's VAT regime (docs/ledger.md#vat).  ``procuring_partner`` is the
    body that contracts with the supplier (``None`` means the host).  ``paid_by`` is
    the partner that pays the supplier; ``None`` means the host, which pays for the
    pool from the money it holds.  A non-host partner that pays directly puts its
    own money into the pool for that line (docs/year-end.md#spending-paid-directly).  A capital
    item belongs to the procuring partner (I-11); the pool never owns assets.
    ``cos_listed`` marks a contracted-out service listed for NHS s41 refunds.
    ``unauthorised`` marks spending outside the agreement (risk-share RS9).
    ``agreement_ref`` records the partners' agreement to spending that would
    otherwise be a cross-subsidy (I-8).
    """

    entry: Literal[EntryKind.EXPENDITURE] = EntryKind.EXPENDITURE
    scheme: SchemeId
    date: date
    net: Amount
    vat: Amount = Field(default_factory=lambda: _NO_VAT)
    vat_recoverable: Amount | None = None
    supplier: str = ""
    category: str | None = None
    procuring_partner: PartnerId | None = None
    paid_by: PartnerId | None = None
    capital: bool = False
    cos_listed: bool = False
    unauthorised: bool = False
    agreement_ref: str | None = None
    description: str = ""

    @model_validator(mode="after")
    def _check_vat(self) -> Expenditure:
        vat = to_pence(self.vat)
        if self.vat_recoverable is not None:
            rec = to_pence(self.vat_recoverable)
            if not (min(0, vat) <= rec <= max(0, vat)):
                raise ValueError(
                    f"recoverable VAT {self.vat_recoverable} must lie between 0 and the VAT "
                    f"{self.vat}"
                )
        return self

    @cached_property
    def net_pence(self) -> int:
        return to_pence(self.net)

    @cached_property
    def vat_pence(self) -> int:
        return to_pence(self.vat)


class Income(_Entry):
    """Money the pool receives other than contributions, e.g. client charges or a grant."""

    entry: Literal[EntryKind.INCOME] = EntryKind.INCOME
    scheme: SchemeId
    date: date
    amount: Amount
    source: str = ""
    category: str | None = None
    description: str = ""

    @cached_property
    def pence(self) -> int:
        return to_pence(self.amount)


class Reversal(_Entry):
    """Cancels an earlier expenditure or income line on ``date``.

    Its shares are the original's shares negated, copied, never re-allocated, so a
    reversal always undoes exactly what the original did to each partner.
    """

    entry: Literal[EntryKind.REVERSAL] = EntryKind.REVERSAL
    reverses: EntryId
    date: date
    reason: Annotated[str, StringConstraints(min_length=1)]


class Settlement(_Entry):
    """The year-end cash settlement between the host and a partner (from the close).

    ``amount`` is positive when the host pays the partner (a refund of underspend)
    and negative when the partner pays the host (an additional contribution).
    """

    entry: Literal[EntryKind.SETTLEMENT] = EntryKind.SETTLEMENT
    year: FinancialYear
    partner: PartnerId
    amount: Amount
    due_date: date
    paid_date: date | None = None
    description: str = ""


class YearClosed(_Entry):
    """Marks a financial year as closed; closing it again adds nothing (I-12).

    Reverse this entry (with a :class:`Reversal`) to reopen the year.
    """

    entry: Literal[EntryKind.YEAR_CLOSED] = EntryKind.YEAR_CLOSED
    year: FinancialYear
    closed_on: date


#: Any ledger entry; the ``entry`` field tells them apart in files.
Entry = Annotated[
    Contribution | Instalment | Expenditure | Income | Reversal | Settlement | YearClosed,
    Field(discriminator="entry"),
]
