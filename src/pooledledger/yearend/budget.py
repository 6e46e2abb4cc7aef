"""Next year's contributions and termination (docs/year-end.md, RS14).

:func:`next_year_contributions` builds next year's fund the way agreements say:

    C(y+1) = C_initial(y) + recurrent in-year changes(y) + uplift(y+1)
             ± planned changes(y+1) - efficiencies(y+1)

for each partner and scheme, as dated, approved :class:`~pooledledger.model.entries.Contribution`
entries (one per term, so every change is traceable to the agreement, reg 7(3)(b)).
``C_initial`` is the year's BASE and UPLIFT contributions; in-year VARIATION
contributions are recurrent unless their id is listed in ``non_recurrent``.  The
uplift is applied to ``C_initial + recurrent changes`` and rounded once, half up
(R6).

:func:`terminate` settles the pool when the agreement ends or a partner withdraws:
it is :func:`~pooledledger.yearend.close.close_year` with ``terminate_on``, on the year
containing the termination date (the agreement's last day, which counts).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import date
from decimal import Decimal

from pooledledger.books.ledger import Ledger
from pooledledger.core.money import Rounding, multiply, to_money
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Contribution, ContributionKind
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.yearend.close import YearEndClose, close_year

__all__ = ["next_year_contributions", "terminate"]

Key = tuple[SchemeId, PartnerId]


def next_year_contributions(
    ledger: Ledger,
    year: FinancialYear,
    *,
    uplift: Decimal | str | Mapping[Key, Decimal | str] = "0",
    planned_changes: Mapping[Key, int] | None = None,
    efficiencies: Mapping[Key, int] | None = None,
    non_recurrent: Collection[str] = (),
    approval_ref: str,
) -> tuple[Contribution, ...]:
    """Next year's contributions per scheme and partner, as approved entries.

    ``uplift`` is a rate (``"0.0566"`` for 5.66%), for all or per (scheme, partner);
    ``planned_changes`` and ``efficiencies`` are in pence (efficiencies are
    subtracted).  Risk-pool contributions are not rolled forward.
    """
    agreement = ledger.agreement
    nxt = year.next()
    base, recurrent = _this_year(ledger, year, non_recurrent)
    changes = dict(planned_changes or {})
    cuts = dict(efficiencies or {})
    keys = _in_order(agreement, {*base, *recurrent, *changes, *cuts})
    out: list[Contribution] = []

    def add(key: Key, kind: ContributionKind, pence: int, what: str) -> None:
        if pence:
            scheme, partner = key
            out.append(
                Contribution(
                    id=f"{partner}-{scheme}-{nxt}-{what}",
                    partner=partner,
                    scheme=scheme,
                    year=nxt,
                    amount=to_money(pence),
                    kind=kind,
                    effective_date=nxt.start,
                    approval_ref=approval_ref,
                    description=f"{what.lower()} for {nxt}",
                )
            )

    for key in keys:
        start = base[key] + recurrent[key]
        rate = (
            uplift[key]
            if isinstance(uplift, Mapping) and key in uplift
            else (uplift if not isinstance(uplift, Mapping) else "0")
        )
        uplifted = multiply(start, Decimal(1) + Decimal(rate), Rounding.HALF_UP)
        add(key, ContributionKind.BASE, start, "BASE")
        add(key, ContributionKind.UPLIFT, uplifted - start, "UPLIFT")
        add(key, ContributionKind.VARIATION, changes.get(key, 0), "PLANNED")
        add(key, ContributionKind.VARIATION, -cuts.get(key, 0), "EFFICIENCY")
    return tuple(out)


def _this_year(
    ledger: Ledger, year: FinancialYear, non_recurrent: Collection[str]
) -> tuple[defaultdict[Key, int], defaultdict[Key, int]]:
    """This year's base (BASE and UPLIFT) and recurrent variations, per (scheme, partner)."""
    agreement = ledger.agreement
    base: defaultdict[Key, int] = defaultdict(int)
    recurrent: defaultdict[Key, int] = defaultdict(int)
    planned = [
        (c.id, c.scheme, c.partner, c.pence, c.kind)
        for c in agreement.contributions
        if c.year == year
    ]
    planned += [(c.id, c.scheme, c.partner, c.pence, c.kind) for c in ledger.contributions(year)]
    for cid, scheme, partner, pence, kind in planned:
        if kind in (ContributionKind.BASE, ContributionKind.UPLIFT):
            base[(scheme, partner)] += pence
        elif kind is ContributionKind.VARIATION and cid not in non_recurrent:
            recurrent[(scheme, partner)] += pence
    return base, recurrent


def _in_order(agreement: Agreement, keys: set[Key]) -> list[Key]:
    """(scheme, partner) keys in the agreement's scheme, then partner, order."""
    return sorted(
        keys,
        key=lambda k: (
            agreement.scheme_ids.index(k[0])
            if k[0] in agreement.scheme_ids
            else len(agreement.scheme_ids),
            agreement.partner_order.index(k[1]),
        ),
    )


def terminate(
    agreement: Agreement, ledger: Ledger, on: date, *, settle_within_working_days: int = 20
) -> YearEndClose:
    """Settle the pool on its last day ``on`` (inclusive): the close of the year
    containing it, on the part year to ``on``, with the contributions due after it
    cancelled and every underspend and unused risk pool paid out
    (docs/year-end.md#termination-and-withdrawal).

    A ledger with errors is refused (``IssueError``; docs/ledger.md#the-gate)."""
    return close_year(
        agreement,
        ledger,
        FinancialYear.for_date(on),
        terminate_on=on,
        settle_within_working_days=settle_within_working_days,
    )
