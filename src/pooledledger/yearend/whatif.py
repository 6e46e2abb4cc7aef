"""What if? Close a year again with some facts changed and compare (layer L3).

:func:`what_if` closes ``year`` as the ledger stands (the *base* case), applies
the changes to copies of the agreement and the ledger, closes the year again (the
*changed* case) and compares, for every partner in agreement order:

* ``net_share``: its share of the pool's net expenditure (its net cost, ``X``);
* ``balance``: contributions (with the risk pool) less the net share;
* ``settlement``: the cash that moves at year end, positive when the partner
  receives it.  For a non-host partner this is its settlement with the host
  (positive: the host pays it); for the **host** it is the host's net position,
  ``-Σ`` of the other partners' settlements (positive: the host receives cash).
  So the settlements of all partners, the host's included, always sum to zero.

The changes (docs/what-if.md):

* :class:`SpendingChange`: a scheme's spending goes up (or down) by an ``amount``
  in pounds, or by a ``percent`` of its gross expenditure for the year (rounded
  once to pence, half up).  It is added as one expenditure line on the year's last
  day, paid by the host, with no VAT, in the scheme's first permitted category if
  it restricts them.
* :class:`RuleChange`: a scheme follows a different risk-share rule.
* :class:`ContributionChange`: a partner's contribution to a scheme changes by an
  ``amount`` (a ``VARIATION`` effective on the year's last day; a non-host partner
  pays it in the year, so its cash matches).

Nothing here changes the caller's agreement or ledger: both are frozen, and new
copies are made.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from pooledledger.books.ledger import Ledger
from pooledledger.books.line_sums import line_sums
from pooledledger.books.riskshare import BoardRuling
from pooledledger.core._model import FrozenModel
from pooledledger.core.errors import IssueError, PooledLedgerError
from pooledledger.core.money import Amount, Rounding, format_pence, multiply, to_money, to_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.core.tables import CURRENCY, Column, Row, Table, to_pandas, to_polars
from pooledledger.model.agreement import Agreement
from pooledledger.model.checks_agreement import validate_agreement
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Instalment,
)
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.model.rules import RiskShareRule
from pooledledger.yearend.close import YearEndClose, close_year

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = [
    "WHAT_IF_COLUMNS",
    "Change",
    "ContributionChange",
    "PartnerComparison",
    "RuleChange",
    "SpendingChange",
    "WhatIf",
    "WhatIfError",
    "what_if",
]

#: The measures compared, in the order shown.
MEASURES: tuple[str, ...] = ("net_share", "balance", "settlement")
_LABELS = {
    "net_share": "Net share (net cost)",
    "balance": "Balance with the host",
    "settlement": "Settlement (+ receives cash)",
}


class WhatIfError(PooledLedgerError, ValueError):
    """A change that cannot be applied (an unknown scheme or partner, a bad amount)."""


class SpendingChange(FrozenModel):
    """A scheme's spending changes by ``amount`` (pounds) or by ``percent`` of it."""

    change: Literal["spending"] = "spending"
    scheme: SchemeId
    amount: Amount | None = None
    percent: Decimal | None = None

    @model_validator(mode="after")
    def _one(self) -> SpendingChange:
        if (self.amount is None) == (self.percent is None):
            raise ValueError("give either an amount or a percent")
        if self.percent is not None and not self.percent.is_finite():
            raise ValueError("percent must be a finite number")
        return self

    def describe(self) -> str:
        if self.percent is not None:
            return f"{self.scheme} spending {self.percent:+}%"
        assert self.amount is not None
        return f"{self.scheme} spending {_signed(to_pence(self.amount))}"


class RuleChange(FrozenModel):
    """A scheme follows ``risk_share`` instead of its agreed rule."""

    change: Literal["rule"] = "rule"
    scheme: SchemeId
    risk_share: RiskShareRule

    def describe(self) -> str:
        return f"{self.scheme} rule {self.risk_share.code} {self.risk_share.rule}"


class ContributionChange(FrozenModel):
    """``partner``'s contribution to ``scheme`` changes by ``amount`` (pounds, ±)."""

    change: Literal["contribution"] = "contribution"
    scheme: SchemeId
    partner: PartnerId
    amount: Amount

    def describe(self) -> str:
        return f"{self.partner} contribution to {self.scheme} {_signed(to_pence(self.amount))}"


#: One change, told apart by its ``change`` field.
Change = Annotated[SpendingChange | RuleChange | ContributionChange, Field(discriminator="change")]


class PartnerComparison(FrozenModel):
    """One partner's figures before and after the changes, in pence."""

    partner: PartnerId
    is_host: bool
    before: dict[str, int]
    after: dict[str, int]

    @property
    def change(self) -> dict[str, int]:
        return {m: self.after[m] - self.before[m] for m in MEASURES}


WHAT_IF_COLUMNS: tuple[Column, ...] = (
    Column("year", "str"),
    Column("partner", "str"),
    Column("is_host", "bool"),
    Column("measure", "str"),
    Column("before_pence", "pence"),
    Column("before", "decimal"),
    Column("after_pence", "pence"),
    Column("after", "decimal"),
    Column("change_pence", "pence"),
    Column("change", "decimal"),
    Column("currency", "str"),
)


class WhatIf(FrozenModel):
    """The result of :func:`what_if`: both closes and the per-partner comparison."""

    year: FinancialYear
    changes: tuple[Change, ...]
    spending_added: dict[SchemeId, int]
    base: YearEndClose
    changed: YearEndClose
    partners: tuple[PartnerComparison, ...]

    def partner(self, partner_id: str) -> PartnerComparison:
        for p in self.partners:
            if p.partner == partner_id:
                return p
        raise KeyError(partner_id)

    @property
    def host(self) -> PartnerComparison:
        return next(p for p in self.partners if p.is_host)

    def to_table(self) -> Table:
        """One row per partner and measure: before, after and change, pence and pounds."""
        from pooledledger.core.money import pence_to_decimal

        rows: list[Row] = []
        for p in self.partners:
            for m in MEASURES:
                b, a = p.before[m], p.after[m]
                rows.append(
                    {
                        "year": str(self.year),
                        "partner": p.partner,
                        "is_host": p.is_host,
                        "measure": m,
                        "before_pence": b,
                        "before": pence_to_decimal(b),
                        "after_pence": a,
                        "after": pence_to_decimal(a),
                        "change_pence": a - b,
                        "change": pence_to_decimal(a - b),
                        "currency": CURRENCY,
                    }
                )
        return Table("what_if", WHAT_IF_COLUMNS, tuple(rows))

    def to_pandas(self) -> pandas.DataFrame:
        """:meth:`to_table` as a pandas DataFrame (pence ``int64``, amounts ``Decimal``)."""
        return to_pandas(self.to_table())

    def to_polars(self) -> polars.DataFrame:
        """:meth:`to_table` as a polars DataFrame (pence ``Int64``, ``Decimal(38, 2)``)."""
        return to_polars(self.to_table())

    def to_markdown(self) -> str:
        """A report section: the changes, then each partner's figures before and after."""
        out = [f"## What if? {self.year}", "", "Changes:", ""]
        out += [f"- {c.describe()}" for c in self.changes]
        for k, pence in self.spending_added.items():
            out.append(f"- (spending added to {k}: {_signed(pence)})")
        out += [
            "",
            "Settlement: positive when the partner receives cash; the host's figure is its "
            "net position, minus the sum of the other partners' settlements.",
            "",
            "| partner | measure | before £ | after £ | change £ |",
            "|---|---|--:|--:|--:|",
        ]
        for p in self.partners:
            who = f"{p.partner} (host)" if p.is_host else p.partner
            for m in MEASURES:
                b, a = p.before[m], p.after[m]
                out.append(
                    f"| {who} | {_LABELS[m]} | {format_pence(b)} | {format_pence(a)} | "
                    f"{_signed(a - b)} |"
                )
        total = {m: sum(p.change[m] for p in self.partners) for m in MEASURES}
        out.append(
            f"| all partners | change in net shares, balances, settlements | | | "
            f"{_signed(total['net_share'])}; {_signed(total['balance'])}; "
            f"{_signed(total['settlement'])} |"
        )
        return "\n".join(out) + "\n"


def _signed(pence: int) -> str:
    return ("+" if pence > 0 else "") + format_pence(pence, brackets=False)


def positions(close: YearEndClose) -> dict[PartnerId, dict[str, int]]:
    """Each partner's net share, balance and settlement; the host's is its net position."""
    host = close.host_position
    return {
        p.partner: {
            "net_share": p.net_share,
            "balance": p.balance,
            "settlement": host if p.is_host else p.settlement,
        }
        for p in close.partners
    }


def what_if(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    changes: Iterable[Change],
    *,
    rulings: Mapping[SchemeId, BoardRuling] | None = None,
) -> WhatIf:
    """Close ``year`` as it stands and with ``changes`` applied, and compare.

    ``rulings`` (board decisions, RS13) apply to both closes.  Raises
    :class:`WhatIfError` for a change naming an unknown scheme or partner, or a
    year outside the agreement.
    """
    todo = tuple(changes)
    if year not in agreement.financial_years:
        raise WhatIfError(f"{year} is not a financial year of agreement {agreement.id!r}")
    base = close_year(agreement, ledger, year, rulings=rulings)
    new_agreement, extra, added = _apply(agreement, ledger, year, todo)
    try:
        new_ledger = Ledger(new_agreement, (*ledger.entries, *extra))
    except IssueError as exc:  # the ledger's gate: the changed entries are not valid
        raise WhatIfError(
            "the changes give entries the ledger refuses: "
            + "; ".join(str(i) for i in exc.issues if i.is_error)
        ) from exc
    changed = close_year(new_agreement, new_ledger, year, rulings=rulings)
    before, after = positions(base), positions(changed)
    return WhatIf(
        year=year,
        changes=todo,
        spending_added=added,
        base=base,
        changed=changed,
        partners=tuple(
            PartnerComparison(
                partner=p.partner,
                is_host=p.is_host,
                before=before[p.partner],
                after=after[p.partner],
            )
            for p in base.partners
        ),
    )


def _apply(
    agreement: Agreement, ledger: Ledger, year: FinancialYear, changes: Sequence[Change]
) -> tuple[Agreement, list[Entry], dict[SchemeId, int]]:
    schemes = {s.id: s for s in agreement.schemes}
    extra: list[Entry] = []
    added: dict[SchemeId, int] = {}
    last: date = year.last_day
    # the sums the close made and kept: no line walked (or made) again
    totals = line_sums(ledger, year.as_range()).totals(ledger.agreement.scheme_ids)
    gross = {k: t.expenditure for k, t in totals.items()}
    for n, change in enumerate(changes, 1):
        if change.scheme not in schemes:
            raise WhatIfError(f"change {n} ({change.describe()}): no scheme {change.scheme!r}")
        if isinstance(change, RuleChange):
            schemes[change.scheme] = schemes[change.scheme].model_copy(
                update={"risk_share": change.risk_share}
            )
        elif isinstance(change, SpendingChange):
            if change.percent is not None:
                pence = multiply(gross[change.scheme], change.percent / 100, Rounding.HALF_UP)
            else:
                assert change.amount is not None
                pence = to_pence(change.amount)
            added[change.scheme] = added.get(change.scheme, 0) + pence
            extra.append(
                Expenditure(
                    id=f"WHAT-IF-{year}-{n}",
                    scheme=change.scheme,
                    date=last,
                    net=to_money(pence),
                    category=next(iter(schemes[change.scheme].permitted_categories), None),
                    description=f"what if: {change.describe()}",
                )
            )
        else:
            extra += _contribution_change(agreement, year, n, change)
    new = agreement.model_copy(update={"schemes": tuple(schemes[s.id] for s in agreement.schemes)})
    checked = Agreement.model_validate(new.model_dump())
    problems = [str(i) for i in validate_agreement(checked) if i.is_error]
    if problems:
        raise WhatIfError("the changed agreement is not valid: " + "; ".join(problems))
    _refuse_negative(ledger, year, extra)
    return checked, extra, added


def _contribution_change(
    agreement: Agreement, year: FinancialYear, n: int, change: ContributionChange
) -> list[Entry]:
    """Change ``n`` to a contribution: a variation, paid at once unless it is the host's."""
    last: date = year.last_day
    extra: list[Entry] = []
    if change.partner not in agreement.partner_order:
        raise WhatIfError(f"change {n} ({change.describe()}): no partner {change.partner!r}")
    extra.append(
        Contribution(
            id=f"WHAT-IF-{year}-{n}",
            partner=change.partner,
            scheme=change.scheme,
            year=year,
            amount=change.amount,
            kind=ContributionKind.VARIATION,
            effective_date=last,
            approval_ref="what if",
            description=f"what if: {change.describe()}",
        )
    )
    if change.partner != agreement.host:
        extra.append(
            Instalment(
                id=f"WHAT-IF-{year}-{n}-PAID",
                partner=change.partner,
                scheme=change.scheme,
                year=year,
                amount=change.amount,
                due_date=last,
                paid_date=last,
            )
        )
    return extra


def _refuse_negative(ledger: Ledger, year: FinancialYear, extra: Sequence[Entry]) -> None:
    """WhatIfError if a changed contribution would leave a partner's total negative."""
    totals = ledger.approved_contributions(year)
    for c in extra:
        if isinstance(c, Contribution):
            total = totals.get(c.scheme, {}).get(c.partner, 0) + c.pence
            totals.setdefault(c.scheme, {})[c.partner] = total
            if total < 0:
                raise WhatIfError(
                    f"{c.description}: {c.partner}'s contribution to {c.scheme} for {year} "
                    f"would be negative ({format_pence(total)})"
                )
