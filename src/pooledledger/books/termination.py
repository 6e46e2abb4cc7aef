"""Termination inside a financial year: the part year and the cancelled contributions.

When an agreement terminates on a date ``D`` inside a financial year, the close of
that year (:func:`~pooledledger.yearend.close.close_year` with ``terminate_on=D``) runs on
the *part year* from 1 April to ``D``.  ``D`` is the agreement's **last day**: it
counts, like ``term_end`` (docs/year-end.md#termination-and-withdrawal).

* Spending, income and reversals dated on or before ``D`` count; lines dated
  after ``D`` are left out of the close (PL-TRM-002 says how many).
* A contribution paid in instalments counts the instalments due on or before
  ``D``, and any paid on or before ``D``.  The others are **cancelled**: they are
  not contributions and never become debtors (:class:`CancelledContribution`).
* A contribution with no instalments recorded (the host's own contribution is a
  commitment of its budget, with no cash paid in) counts evenly by day: the part
  for the days after ``D`` is cancelled.  Brought-forward balances and additional
  contributions count in full when they take effect on or before ``D``.

This module never does I/O (layer L3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta
from fractions import Fraction
from typing import Literal

from pooledledger.books.ledger import Ledger, entry_date
from pooledledger.core._model import FrozenModel
from pooledledger.core.allocation import allocate
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.money import Rounding, format_pence, multiply
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import (
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
)
from pooledledger.model.partners import PartnerId, SchemeId

__all__ = [
    "CancelledContribution",
    "cancelled_by_cell",
    "cancelled_contributions",
    "period_to",
    "termination_date_issues",
    "up_to",
]

_LUMP_SUMS = (ContributionKind.BROUGHT_FORWARD, ContributionKind.ADDITIONAL)


class CancelledContribution(FrozenModel):
    """The part of a partner's approved contribution to a scheme (or to the risk pool)
    cancelled because the agreement terminated, in pence.

    ``basis`` is ``"instalments"`` when instalments due after the termination date
    (and not paid by then) were cancelled, named in ``instalments``; ``"days"``
    when a contribution without instalments was cancelled for the days after it.
    """

    partner: PartnerId
    scheme: SchemeId
    amount: int
    basis: Literal["instalments", "days"]
    instalments: tuple[str, ...] = ()


def period_to(year: FinancialYear, last_day: date) -> DateRange:
    """The part year ``[1 April, last_day + 1 day)``: ``last_day`` is inside it."""
    return DateRange(year.start, last_day + timedelta(days=1))


def termination_date_issues(agreement: Agreement, year: FinancialYear, on: date) -> list[Issue]:
    """PL-TRM-001: the termination date must lie in ``year`` and in the agreement's term."""
    where = Location(field="terminate_on")
    out: list[Issue] = []
    if not year.contains(on):
        out.append(
            Issue(
                code="PL-TRM-001",
                severity=Severity.ERROR,
                message=f"the termination date {on} is not in the financial year {year} "
                f"({year.start} to {year.last_day})",
                location=where,
            )
        )
    if not agreement.term.contains(on):
        out.append(
            Issue(
                code="PL-TRM-001",
                severity=Severity.ERROR,
                message=f"the termination date {on} is not in the agreement's term "
                f"({agreement.term_start} to {agreement.term_end})",
                location=where,
            )
        )
    return out


def up_to(ledger: Ledger, on: date) -> tuple[Ledger, list[Issue]]:
    """The ledger without its spending, income and reversal lines dated after ``on``,
    and a PL-TRM-002 warning naming how many were left out."""
    kept: list[Entry] = []
    dropped: list[str] = []
    for e in ledger.entries:
        if isinstance(e, Expenditure | Income | Reversal) and entry_date(e) > on:
            dropped.append(e.id)
        else:
            kept.append(e)
    if not dropped:
        return ledger, []
    shown = ", ".join(dropped[:5]) + (", ..." if len(dropped) > 5 else "")
    issue = Issue(
        code="PL-TRM-002",
        severity=Severity.WARNING,
        message=f"{len(dropped)} spending, income or reversal line(s) dated after the "
        f"termination date {on} are left out of the close ({shown}); date an accrual for "
        "goods or services received by then on or before it",
        location=Location(entry_id=dropped[0]),
    )
    return Ledger._derived(ledger.agreement, kept, ledger), [issue]  # not checked again


def _split(total: int, cancelled: Fraction) -> int:
    """Pence of ``total`` cancelled, given the exact cancelled part (the allocator
    splits ``total`` into counted and cancelled when both parts are non-negative)."""
    kept = total - cancelled
    if total > 0 and cancelled >= 0 and kept >= 0:
        parts = allocate(total, {"kept": kept, "cancelled": cancelled}, ["kept", "cancelled"])
        return parts["cancelled"]
    return multiply(1, cancelled, Rounding.HALF_UP)


def cancelled_contributions(
    agreement: Agreement, ledger: Ledger, year: FinancialYear, on: date
) -> tuple[tuple[CancelledContribution, ...], list[Issue]]:
    """Every contribution (part) of ``year`` cancelled by terminating on ``on``, in
    scheme then partner order, and PL-TRM-003 warnings for cancelled instalments
    paid after ``on`` (their cash is outside the close and goes back to the payer).
    """
    rp_id = agreement.risk_pool.id if agreement.risk_pool is not None else None
    order = agreement.partner_order
    schemes = [*agreement.scheme_ids, *([rp_id] if rp_id is not None else [])]
    schedule: dict[tuple[SchemeId, PartnerId], list[Instalment]] = defaultdict(list)
    for i in ledger.instalments(year):
        schedule[(i.scheme, i.partner)].append(i)
    items: dict[tuple[SchemeId, PartnerId], list[tuple[int, ContributionKind, date | None]]]
    items = defaultdict(list)
    for c in agreement.contributions_for(year):
        items[(c.scheme, c.partner)].append((c.pence, c.kind, c.effective_date))
    for e in ledger.contributions(year):
        items[(e.scheme, e.partner)].append((e.pence, e.kind, e.effective_date))
    first = max(year.start, agreement.term_start)
    last = min(year.last_day, agreement.term_end)

    out: list[CancelledContribution] = []
    issues: list[Issue] = []
    for k in schemes:
        for p in order:
            key = (k, p)
            # as the close: risk-pool money counts only on the risk pool
            mine = [
                x
                for x in items.get(key, [])
                if (x[1] is ContributionKind.RISK_POOL) == (k == rp_id)
            ]
            if key in schedule:
                found, late = _cancelled_instalments(k, p, schedule[key], on)
                issues += late
                if found is not None:
                    out.append(found)
                continue
            cancelled = sum((_after(x, first, last, on) for x in mine), Fraction(0))
            amount = _split(sum(x[0] for x in mine), cancelled) if cancelled else 0
            if amount:
                out.append(CancelledContribution(partner=p, scheme=k, amount=amount, basis="days"))
    return tuple(out), issues


def _cancelled_instalments(
    k: SchemeId, p: PartnerId, schedule: list[Instalment], on: date
) -> tuple[CancelledContribution | None, list[Issue]]:
    """The instalments of one contribution cancelled by terminating on ``on``, and a
    PL-TRM-003 warning for each that was paid after ``on``."""
    issues: list[Issue] = []
    gone = [i for i in schedule if i.due_date > on and (i.paid_date is None or i.paid_date > on)]
    for i in gone:
        if i.paid_date is not None:
            issues.append(
                Issue(
                    code="PL-TRM-003",
                    severity=Severity.WARNING,
                    message=f"instalment {i.id} of {format_pence(i.pence)} was "
                    f"due and paid after the termination date {on}: it is "
                    "cancelled, so its cash is not part of the close and goes "
                    f"back to {p}",
                    location=Location(entry_id=i.id, field="paid_date"),
                )
            )
    amount = sum(i.pence for i in gone)
    if not amount:
        return None, issues
    return (
        CancelledContribution(
            partner=p,
            scheme=k,
            amount=amount,
            basis="instalments",
            instalments=tuple(i.id for i in gone),
        ),
        issues,
    )


def _after(
    item: tuple[int, ContributionKind, date | None], first: date, last: date, on: date
) -> Fraction:
    """The exact part of one contribution cancelled by terminating on ``on``."""
    pence, kind, effective = item
    start = max(effective or first, first)
    if start > on:
        return Fraction(pence)
    if kind in _LUMP_SUMS:
        return Fraction(0)
    days = (last - start).days + 1
    if days <= 0 or on >= last:
        return Fraction(0)
    return Fraction(pence * (last - on).days, days)


def cancelled_by_cell(
    cancelled: Iterable[CancelledContribution],
) -> dict[SchemeId, dict[PartnerId, int]]:
    """Cancelled pence, scheme → partner."""
    out: dict[SchemeId, dict[PartnerId, int]] = defaultdict(dict)
    for c in cancelled:
        out[c.scheme][c.partner] = out[c.scheme].get(c.partner, 0) + c.amount
    return dict(out)
