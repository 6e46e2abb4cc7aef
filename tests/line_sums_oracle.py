"""The per-line loops the close and its reports used before the line sums
(src/pooledledger/books/line_sums.py), kept as oracles for tests/test_fast_close.py.

Each walks every pool line of the ledger on its own, as the close did, so each figure
(and the order of every mapping) can be compared with what is now read from the sums.
Also the quarterly projection the straightforward way: the entries kept found by
scanning the ledger, then a fresh ledger of them and the forecast lines, built and
checked from scratch (docs/reports.md#the-quarterly-monitoring-report).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import date

from pooledledger.books.ledger import Ledger
from pooledledger.core.money import to_money
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import (
    EntryKind,
    Expenditure,
    Income,
    Reversal,
    YearClosed,
)
from pooledledger.model.partners import PartnerId, SchemeId
from pooledledger.reports.memorandum import CapitalItem

Cells = dict[SchemeId, dict[PartnerId, int]]


def rule_inputs(ledger: Ledger, within: DateRange) -> tuple[Cells, dict[SchemeId, int], Cells]:
    """steps.variance._rule_inputs as it was: one walk of every pool line."""
    agreement = ledger.agreement
    host = agreement.host
    zero = dict.fromkeys(agreement.partner_order, 0)
    commissioned: Cells = defaultdict(lambda: dict(zero))
    unauthorised: dict[SchemeId, int] = defaultdict(int)
    own_vat: Cells = defaultdict(lambda: dict(zero))
    for pl in ledger.pool_lines:
        if pl.kind is not EntryKind.EXPENDITURE or not within.contains(pl.date):
            continue
        e = ledger.get(pl.reverses or pl.entry_id)
        assert isinstance(e, Expenditure)
        commissioned[pl.scheme][e.procuring_partner or host] += pl.amount
        if e.unauthorised:
            unauthorised[pl.scheme] += pl.amount
        if e.procuring_partner in zero:
            own_vat[pl.scheme][e.procuring_partner] += sum(v - r for _, v, r in pl.vat_by_body)
    ids = agreement.scheme_ids
    return (
        {k: commissioned[k] for k in ids},
        {k: unauthorised[k] for k in ids},
        {k: own_vat[k] for k in ids},
    )


def line_flows(
    ledger: Ledger, within: DateRange
) -> tuple[
    dict[SchemeId, dict[tuple[PartnerId, PartnerId], int]], dict[SchemeId, dict[PartnerId, int]]
]:
    """books.journals.line_flows as it was."""
    agreement = ledger.agreement
    host = agreement.host
    known = set(agreement.partner_order)
    vat: dict[SchemeId, dict[tuple[PartnerId, PartnerId], int]] = defaultdict(
        lambda: defaultdict(int)
    )
    direct: dict[SchemeId, dict[PartnerId, int]] = defaultdict(lambda: defaultdict(int))
    for line in ledger.pool_lines:
        if line.kind is not EntryKind.EXPENDITURE or not within.contains(line.date):
            continue
        payer = line.paid_by if line.paid_by in known else host
        if payer != host and line.amount:
            direct[line.scheme][payer] += line.amount
        for body, _, recovered in line.vat_by_body:
            if recovered:
                vat[line.scheme][(body if body in known else host, payer)] += recovered
    return (
        {k: {key: v for key, v in d.items() if v} for k, d in vat.items()},
        {k: {p: v for p, v in d.items() if v} for k, d in direct.items()},
    )


def pool_figures(
    ledger: Ledger, within: DateRange
) -> tuple[
    dict[tuple[SchemeId, str], int],
    dict[SchemeId, dict[PartnerId, int]],
    dict[SchemeId, dict[str, int]],
    dict[PartnerId, int],
    list[CapitalItem],
]:
    """reports.memorandum_sections.pool_figures as it was: income by source, spending by
    commissioner and by category, VAT recovered by body, capital items."""
    agreement = ledger.agreement
    host, order, schemes = agreement.host, agreement.partner_order, agreement.scheme_ids
    income_by: dict[tuple[SchemeId, str], int] = {}
    by_commissioner = {k: dict.fromkeys(order, 0) for k in schemes}
    by_category: dict[SchemeId, dict[str, int]] = {k: {} for k in schemes}
    vat = dict.fromkeys(order, 0)
    capital: list[CapitalItem] = []
    for line in ledger.pool_lines:
        if not within.contains(line.date) or line.scheme not in schemes:
            continue
        original = ledger.get(line.reverses or line.entry_id)
        if isinstance(original, Income):
            key = (line.scheme, original.source or "other income")
            income_by[key] = income_by.get(key, 0) + line.amount
            continue
        assert isinstance(original, Expenditure)
        scheme, amount = line.scheme, line.amount
        who = original.procuring_partner or host
        if who in by_commissioner[scheme]:
            by_commissioner[scheme][who] += amount
        cat = original.category or "uncategorised"
        by_category[scheme][cat] = by_category[scheme].get(cat, 0) + amount
        for body, _, recovered in line.vat_by_body:
            if recovered:
                vat[body] = vat.get(body, 0) + recovered
        if original.capital:
            capital.append(
                CapitalItem(
                    entry_id=line.entry_id,
                    scheme=scheme,
                    date=line.date,
                    owner=who,
                    amount=amount,
                    description=original.description or original.supplier,
                )
            )
    return income_by, by_commissioner, by_category, vat, capital


def slow_projected_ledger(
    agreement: Agreement,
    ledger: Ledger,
    year: FinancialYear,
    quarter: int,
    ytd_net: Mapping[SchemeId, int],
    outturn: Mapping[SchemeId, int],
    method: Mapping[SchemeId, str],
) -> Ledger:
    """reports.quarterly._projected_ledger the straightforward way: scan for the entries
    kept, then a fresh ledger of them and the forecast lines, from scratch."""
    upto = year.quarter(quarter).end
    start, end = year.start, year.end
    lines = (Expenditure, Income, Reversal)
    dropped = {
        e.id
        for e in ledger.entries
        if (isinstance(e, lines) and start <= e.date < end and e.date >= upto)
        or (isinstance(e, YearClosed) and e.year == year)
    }
    removed = dropped | {
        e.id for e in ledger.entries if isinstance(e, Reversal) and e.reverses in dropped
    }
    kept = [e for e in ledger.entries if e.id not in removed]

    def taken(entry_id: str) -> bool:
        return entry_id in ledger and entry_id not in removed

    synthetic = []
    for k in agreement.scheme_ids:
        if outturn[k] == ytd_net[k]:
            continue
        n, wanted = 1, f"FORECAST-{year}-Q{quarter}-{k}"
        candidate = wanted
        while taken(candidate):
            n += 1
            candidate = f"{wanted}-{n}"
        synthetic.append(
            Expenditure(
                id=candidate,
                scheme=k,
                date=year.last_day,
                net=to_money(outturn[k] - ytd_net[k]),
                description=f"forecast remainder ({method[k]}), not posted",
            )
        )
    return Ledger._derived(agreement, (*kept, *synthetic), None, gate=False)


def ranges(year: FinancialYear, terminate_on: date | None = None) -> list[DateRange]:
    """The periods a close, its quarters and the balances read: the year, each quarter
    to date, months 6 and 9 to date, and a part year."""
    out = [year.as_range()]
    out += [DateRange(year.start, year.quarter(q).end) for q in (1, 2, 3)]
    out += [DateRange(year.start, year.month(m).end) for m in (6, 9, 11)]
    if terminate_on is not None:
        out.append(DateRange(year.start, min(terminate_on, year.last_day)))
    return out
