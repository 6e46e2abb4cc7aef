"""The "Pooled budgets" note to a partner's statement of accounts, in £000 (docs/reports.md).

:func:`pooled_budget_note` builds the note from a year-end close:

==========================================================  ==========================
row                                                         exact figure (pence)
==========================================================  ==========================
Funding provided to the pooled budget – <partner>           its contributions, with
                                                            the risk pool
Total funding                                               the sum of the above
Expenditure met from the pooled budget (net of income)      Σ schemes' net expenditure
Net (surplus)/deficit arising on the pooled budget          expenditure − total funding
<partner> share of the net (surplus)/deficit                ``−balance``: its net share
                                                            less what it paid in
==========================================================  ==========================

The shares come from the risk-share rules, not from a percentage: a partner's share
is its close balance with the sign flipped (worked example 2: the council's −175,789.48 is shown
as (176), the ICB's +45,789.48 as 46).  The shares sum exactly to the net figure in
pence (I-3).  Deficits are positive, surpluses in brackets.

Presentation rounding (R8; never fed back into the ledger)
----------------------------------------------------------
Each figure is first rounded on its own to whole £000, **half up** (away from zero
at exactly £500): ``multiply(pence, 1/100000, Rounding.HALF_UP)``, integer
arithmetic only.  The note must then *cast* in £000, in three places:

1. the funding rows add up to *Total funding*;
2. *Expenditure* − *Total funding* = *Net (surplus)/deficit*;
3. the partners' shares add up to *Net (surplus)/deficit*.

A total always shows its own rounding (Total funding and Net are never adjusted).
Where a relation does not cast, the difference ``Δ = rounded total − Σ shown parts``
is dealt with by the policy:

* ``NotePolicy.ROUNDING_LINE`` (default): a row "Rounding" showing Δ is added to the
  block: just before *Total funding* (relation 1), just before *Net* (relation 2),
  and after the last share (relation 3).  Its exact pence figure is nil.
* ``NotePolicy.ADJUST_LARGEST``: all of Δ is added to one part, the one with the
  largest absolute exact amount in pence; equal amounts go to the earliest row,
  i.e. the agreement's partner order (the allocator's tie-break).  In relation 2
  the only part that is not itself a total is *Expenditure*, so Δ goes there.
  Relations are settled in the order 1, 2, 3, so relation 2 uses the Total
  funding that relation 1 kept.  :attr:`NoteRow.adjustment` records every change.

Either way the exact pence column beside it is untouched and casts exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Any, overload

from pooledledger.core._model import DomainEnum, FrozenModel
from pooledledger.core.money import Rounding, multiply
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId
from pooledledger.reports.common import ReportError, agreement_and_close
from pooledledger.yearend.close import YearEndClose

__all__ = [
    "NotePolicy",
    "NoteRow",
    "NoteRowKind",
    "PooledBudgetNote",
    "pooled_budget_note",
    "to_thousands",
]

_PENCE_PER_THOUSAND = 100_000


class NotePolicy(DomainEnum):
    """How a £000 note is made to cast (R8): see the module docs."""

    ROUNDING_LINE = "ROUNDING_LINE"
    ADJUST_LARGEST = "ADJUST_LARGEST"


class NoteRowKind(DomainEnum):
    """An item, a total, or a rounding row added to make the note cast."""

    ITEM = "ITEM"
    TOTAL = "TOTAL"
    ROUNDING = "ROUNDING"


class NoteRow(FrozenModel):
    """One row of the note: exact pence, its own £000 rounding, and what is shown.

    ``thousands = rounded + adjustment``; ``adjustment`` is non-zero only under
    ``ADJUST_LARGEST``.  A rounding row has ``pence == 0`` and shows the difference
    it carries as ``rounded`` and ``thousands``.
    """

    key: str
    label: str
    kind: NoteRowKind
    pence: int
    rounded: int
    adjustment: int = 0
    thousands: int
    partner: PartnerId | None = None


def to_thousands(pence: int) -> int:
    """Pence to whole £000, half up (away from zero): -175,789.48 → -176.

    >>> to_thousands(-17578948), to_thousands(4578948), to_thousands(50000)
    (-176, 46, 1)
    """
    return multiply(pence, Fraction(1, _PENCE_PER_THOUSAND), Rounding.HALF_UP)


class PooledBudgetNote(FrozenModel):
    """The "Pooled budgets" note for one partner's accounts, pence and £000."""

    agreement: str
    agreement_name: str
    year: FinancialYear
    partner: PartnerId
    partner_name: str
    policy: NotePolicy
    rows: tuple[NoteRow, ...]
    terminated_on: date | None = None

    def row(self, key: str) -> NoteRow:
        """The row with ``key``, e.g. ``"total_funding"``, ``"share:ICB"``, ``"net:rounding"``."""
        for r in self.rows:
            if r.key == key:
                return r
        raise KeyError(key)

    def _sum(self, prefix: str, column: str) -> int:
        return sum(getattr(r, column) for r in self.rows if r.key.startswith(prefix + ":"))

    def _relations(self, column: str) -> list[tuple[int, int]]:
        get = {r.key: getattr(r, column) for r in self.rows}
        return [
            (self._sum("funding", column), get["total_funding"]),
            (get["expenditure"] - get["total_funding"] + get.get("net:rounding", 0), get["net"]),
            (self._sum("share", column), get["net"]),
        ]

    @property
    def casts(self) -> bool:
        """The £000 column casts: funding, net and shares, rounding rows included."""
        return all(a == b for a, b in self._relations("thousands"))

    @property
    def casts_exactly(self) -> bool:
        """The pence column casts (it always should)."""
        return all(a == b for a, b in self._relations("pence"))

    def to_markdown(self) -> str:
        """The note as Markdown, from its one layout
        (:func:`~pooledledger.reports.note_layout.note_document`)."""
        from pooledledger.reports.document import render_markdown
        from pooledledger.reports.note_layout import note_document

        return render_markdown(note_document(self))


def _largest(keys: Sequence[str], pence: dict[str, int]) -> str:
    """The key with the largest |pence|; ties to the earliest key."""
    best = keys[0]
    for k in keys[1:]:
        if abs(pence[k]) > abs(pence[best]):
            best = k
    return best


@overload
def pooled_budget_note(
    close: YearEndClose,
    /,
    partner: PartnerId | None = None,
    policy: NotePolicy = NotePolicy.ROUNDING_LINE,
) -> PooledBudgetNote: ...


@overload
def pooled_budget_note(
    agreement: Agreement,
    close: YearEndClose,
    /,
    partner: PartnerId | None = None,
    policy: NotePolicy = NotePolicy.ROUNDING_LINE,
) -> PooledBudgetNote: ...


def pooled_budget_note(*args: Any, **kwargs: Any) -> PooledBudgetNote:
    """The "Pooled budgets" note for ``partner``'s accounts (default: the host).

    ``pooled_budget_note(close, partner=None, policy=...)`` reads the agreement from
    the close; the older ``pooled_budget_note(agreement, close, ...)`` (deprecated)
    still works (:func:`~pooledledger.reports.common.agreement_and_close`).
    """
    agreement, close, rest = agreement_and_close(args, "pooled_budget_note")
    return _pooled_budget_note(agreement, close, *rest, **kwargs)  # type: ignore[arg-type]


def _pooled_budget_note(
    agreement: Agreement,
    close: YearEndClose,
    partner: PartnerId | None = None,
    policy: NotePolicy = NotePolicy.ROUNDING_LINE,
) -> PooledBudgetNote:
    who = agreement.partner(partner if partner is not None else agreement.host)
    policy = NotePolicy(policy)
    names = {p.id: p.name for p in agreement.partners}
    cast = _cast(_exact(close), policy)
    return PooledBudgetNote(
        agreement=agreement.id,
        agreement_name=agreement.name,
        year=close.year,
        partner=who.id,
        partner_name=who.name,
        policy=policy,
        rows=tuple(_rows(cast, [pc.partner for pc in close.partners], names)),
        terminated_on=close.terminated_on,
    )


def _exact(close: YearEndClose) -> dict[str, int]:
    """Every row's exact figure in pence, by key (``funding:<partner>``, ``total_funding``,
    ``expenditure``, ``net``, ``share:<partner>``)."""
    funding = {pc.partner: pc.contributions + pc.risk_pool_contribution for pc in close.partners}
    # a partner's share of the net (surplus)/deficit is its net share less its funding;
    # ADDITIONAL contributions are payments towards that share, not funding
    shares = {
        pc.partner: pc.net_share - pc.contributions - pc.risk_pool_contribution
        for pc in close.partners
    }
    total_funding = sum(funding.values())
    expenditure = sum(s.net for s in close.schemes)
    net = expenditure - total_funding
    if sum(shares.values()) != net:
        raise ReportError(
            f"the partners' shares ({sum(shares.values())}p) do not sum to the net "
            f"(surplus)/deficit ({net}p): the close is inconsistent"
        )
    pence: dict[str, int] = {f"funding:{p}": v for p, v in funding.items()}
    pence |= {"total_funding": total_funding, "expenditure": expenditure, "net": net}
    return pence | {f"share:{p}": v for p, v in shares.items()}


@dataclass(slots=True)
class _Cast:
    """The note's figures: exact pence, each rounded to £000, as shown (after any
    adjustment) and the rounding rows' differences, by block."""

    pence: dict[str, int]
    rounded: dict[str, int]
    shown: dict[str, int]
    rounding: dict[str, int]


def _settle(
    c: _Cast,
    policy: NotePolicy,
    block: str,
    parts: list[str],
    signs: list[int],
    total: str,
    adjustable: list[str],
) -> None:
    """Make ``total = Σ sign × part`` cast in £000, as ``policy`` says (module docs)."""
    delta = c.shown[total] - sum(s * c.shown[k] for k, s in zip(parts, signs, strict=True))
    if not delta:
        return
    if policy is NotePolicy.ROUNDING_LINE:
        c.rounding[block] = delta
    else:
        target = _largest(adjustable, c.pence)
        c.shown[target] += delta * signs[parts.index(target)]


def _cast(pence: dict[str, int], policy: NotePolicy) -> _Cast:
    """Round each figure to £000, then settle relations 1, 2 and 3 in that order."""
    rounded = {k: to_thousands(v) for k, v in pence.items()}
    c = _Cast(pence, rounded, dict(rounded), {})
    funding = [k for k in pence if k.startswith("funding:")]
    shares = [k for k in pence if k.startswith("share:")]
    _settle(c, policy, "funding", funding, [1] * len(funding), "total_funding", funding)
    _settle(c, policy, "net", ["expenditure", "total_funding"], [1, -1], "net", ["expenditure"])
    _settle(c, policy, "share", shares, [1] * len(shares), "net", shares)
    return c


def _row(
    c: _Cast, key: str, label: str, kind: NoteRowKind, partner: PartnerId | None = None
) -> NoteRow:
    if kind is NoteRowKind.ROUNDING:
        value = c.rounding[key.split(":")[0]]
        return NoteRow(key=key, label=label, kind=kind, pence=0, rounded=value, thousands=value)
    return NoteRow(
        key=key,
        label=label,
        kind=kind,
        pence=c.pence[key],
        rounded=c.rounded[key],
        adjustment=c.shown[key] - c.rounded[key],
        thousands=c.shown[key],
        partner=partner,
    )


def _rounding(c: _Cast, block: str) -> list[NoteRow]:
    """A block's rounding row, if it has one."""
    if block not in c.rounding:
        return []
    return [_row(c, f"{block}:rounding", "Rounding", NoteRowKind.ROUNDING)]


def _rows(c: _Cast, partners: list[PartnerId], names: dict[PartnerId, str]) -> list[NoteRow]:
    """The note's rows in order: funding, total, expenditure, net, shares."""
    item, total = NoteRowKind.ITEM, NoteRowKind.TOTAL
    funding = "Funding provided to the pooled budget –"
    return [
        *[_row(c, f"funding:{p}", f"{funding} {names[p]}", item, p) for p in partners],
        *_rounding(c, "funding"),
        _row(c, "total_funding", "Total funding", total),
        _row(c, "expenditure", "Expenditure met from the pooled budget (net of income)", item),
        *_rounding(c, "net"),
        _row(c, "net", "Net (surplus)/deficit arising on the pooled budget", total),
        *[
            _row(c, f"share:{p}", f"{names[p]} share of the net (surplus)/deficit", item, p)
            for p in partners
        ],
        *_rounding(c, "share"),
    ]
