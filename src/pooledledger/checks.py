"""Checks on a ledger against its agreement, each returning coded issues.

One small pure function per rule, ``check_<rule>(ledger) -> list[Issue]``, all
listed in :data:`LEDGER_CHECKS`; :func:`check_ledger` runs them all.  Every issue
names the entry id (and, through the loader, the file and row).

=========== ======== ==============================================================
code        severity meaning
=========== ======== ==============================================================
PL-LED-001  error    an entry names a scheme the agreement does not have
PL-LED-002  error    an entry names a partner the agreement does not have
PL-LED-003  error    a pool line is dated outside the agreement's term
PL-LED-004  error    a contribution or instalment is dated outside its financial year
                     (an instalment's due date; it may be paid late, after 31 March)
PL-LED-005  error    spending in a category the scheme does not permit (I-9)
PL-LED-006  error    spending procured by a partner beyond its own contribution to a
                     ring-fenced or no-cross-subsidy scheme, without an agreement
                     reference (I-8)
PL-LED-007  error    a capital item with no owner: name the procuring partner (I-11)
PL-LED-008  error    instalments do not sum to the approved annual contribution (I-14)
PL-LED-009  warning  a non-host partner contributes but no instalments are recorded
PL-LED-010  warning  a scheme has no usable contributions (charged to its lead
                     commissioner)
=========== ======== ==============================================================
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from pooledledger.agreement import Agreement
from pooledledger.apportion import scheme_weights
from pooledledger.entries import Contribution, Expenditure, Income, Instalment, Reversal
from pooledledger.errors import Issue, Location, Severity
from pooledledger.ledger import Ledger, entry_date, pool_cost
from pooledledger.money import format_pence
from pooledledger.partners import SchemeId
from pooledledger.periods import FinancialYear

__all__ = [
    "LEDGER_CHECKS",
    "check_capital_owner",
    "check_cross_subsidy",
    "check_dates",
    "check_instalments",
    "check_ledger",
    "check_permitted_categories",
    "check_scheme_weights",
    "check_unknown_partners",
    "check_unknown_schemes",
]


def _issue(
    code: str,
    entry_id: str,
    message: str,
    field: str | None = None,
    severity: Severity = Severity.ERROR,
) -> Issue:
    return Issue(
        code=code,
        severity=severity,
        message=message,
        location=Location(entry_id=entry_id, field=field),
    )


def _scheme_ids(agreement: Agreement, with_risk_pool: bool) -> set[str]:
    ids = set(agreement.scheme_ids)
    if with_risk_pool and agreement.risk_pool is not None:
        ids.add(agreement.risk_pool.id)
    return ids


def check_unknown_schemes(ledger: Ledger) -> list[Issue]:
    """PL-LED-001: every entry's scheme is one of the agreement's (or the risk pool)."""
    out: list[Issue] = []
    lines = _scheme_ids(ledger.agreement, with_risk_pool=False)
    funds = _scheme_ids(ledger.agreement, with_risk_pool=True)
    for e in ledger.entries:
        if isinstance(e, Expenditure | Income) and e.scheme not in lines:
            out.append(
                _issue(
                    "PL-LED-001",
                    e.id,
                    f"unknown scheme {e.scheme!r}; the agreement's schemes are {sorted(lines)}",
                    "scheme",
                )
            )
        elif isinstance(e, Contribution | Instalment) and e.scheme not in funds:
            out.append(
                _issue(
                    "PL-LED-001",
                    e.id,
                    f"unknown scheme {e.scheme!r}; the agreement's schemes are {sorted(funds)}",
                    "scheme",
                )
            )
    return out


def check_unknown_partners(ledger: Ledger) -> list[Issue]:
    """PL-LED-002: every partner an entry names is a partner of the agreement."""
    known = set(ledger.agreement.partner_order)
    out: list[Issue] = []
    for e in ledger.entries:
        if isinstance(e, Contribution | Instalment) and e.partner not in known:
            out.append(_issue("PL-LED-002", e.id, f"unknown partner {e.partner!r}", "partner"))
        elif isinstance(e, Expenditure):
            if e.procuring_partner not in (None, *known):
                out.append(
                    _issue(
                        "PL-LED-002",
                        e.id,
                        f"unknown procuring partner {e.procuring_partner!r}",
                        "procuring_partner",
                    )
                )
            if e.paid_by not in (None, *known):
                out.append(
                    _issue("PL-LED-002", e.id, f"unknown paying partner {e.paid_by!r}", "paid_by")
                )
    return out


def check_dates(ledger: Ledger) -> list[Issue]:
    """PL-LED-003/004: lines inside the term; contributions and instalments in their year."""
    term = ledger.agreement.term
    out: list[Issue] = []
    for e in ledger.entries:
        d = entry_date(e)
        if isinstance(e, Contribution):
            if not e.year.contains(d):
                out.append(
                    _issue(
                        "PL-LED-004",
                        e.id,
                        f"effective {d}, outside its financial year {e.year}",
                        "effective_date",
                    )
                )
        elif isinstance(e, Instalment):
            # due in its own year; paid at any time from the start of that year
            # (a payment after 31 March is a late payment for its due year)
            if not e.year.contains(e.due_date):
                out.append(
                    _issue(
                        "PL-LED-004",
                        e.id,
                        f"due {e.due_date}, outside its financial year {e.year}",
                        "due_date",
                    )
                )
            elif e.paid_date is not None and e.paid_date < e.year.start:
                out.append(
                    _issue(
                        "PL-LED-004",
                        e.id,
                        f"paid {e.paid_date}, before its financial year {e.year} starts",
                        "paid_date",
                    )
                )
        elif isinstance(e, Expenditure | Income | Reversal) and not term.contains(d):
            out.append(
                _issue(
                    "PL-LED-003",
                    e.id,
                    f"dated {d}, outside the agreement's term "
                    f"({ledger.agreement.term_start} to {ledger.agreement.term_end})",
                    "date",
                )
            )
    return out


def check_permitted_categories(ledger: Ledger) -> list[Issue]:
    """PL-LED-005 (I-9): spending only in categories its scheme permits."""
    permitted = {s.id: set(s.permitted_categories) for s in ledger.agreement.schemes}
    out: list[Issue] = []
    for e in ledger.entries:
        if isinstance(e, Expenditure) and permitted.get(e.scheme):
            allowed = permitted[e.scheme]
            if e.category not in allowed:
                out.append(
                    _issue(
                        "PL-LED-005",
                        e.id,
                        f"category {e.category!r} is not permitted expenditure for "
                        f"scheme {e.scheme}; permitted: {sorted(allowed)}",
                        "category",
                    )
                )
    return out


def check_cross_subsidy(ledger: Ledger) -> list[Issue]:
    """PL-LED-006 (I-8): no partner spends others' money in a protected scheme unagreed.

    In a ring-fenced or no-cross-subsidy scheme (unless the agreement allows
    cross-subsidy), spending a partner procures beyond its own approved
    contribution to the scheme for the year is funded by other partners' money;
    each such line needs an ``agreement_ref``.
    """
    agreement = ledger.agreement
    if agreement.cross_subsidy_allowed:
        return []
    protected = {s.id for s in agreement.schemes if s.ring_fenced or s.no_cross_subsidy}
    out: list[Issue] = []
    spent: dict[tuple[str, str, FinancialYear], int] = defaultdict(int)
    approved: dict[FinancialYear, dict[str, dict[str, int]]] = {}
    for e in ledger.entries:
        if not (isinstance(e, Expenditure) and e.scheme in protected and e.procuring_partner):
            continue
        year = FinancialYear.for_date(e.date)
        if year not in approved:
            approved[year] = ledger.approved_contributions(year)
        own = approved[year].get(e.scheme, {}).get(e.procuring_partner, 0)
        key = (e.scheme, e.procuring_partner, year)
        spent[key] += pool_cost(agreement, e)
        if spent[key] > own and not e.agreement_ref:
            out.append(
                _issue(
                    "PL-LED-006",
                    e.id,
                    f"{e.procuring_partner} has now procured {format_pence(spent[key])} in scheme "
                    f"{e.scheme} for {year} against its own contribution of {format_pence(own)}: "
                    "the excess is funded by other partners; record the agreement that allows "
                    "it in agreement_ref",
                    "procuring_partner",
                )
            )
    return out


def check_capital_owner(ledger: Ledger) -> list[Issue]:
    """PL-LED-007 (I-11): a capital item names the partner that procures and owns it."""
    return [
        _issue(
            "PL-LED-007",
            e.id,
            "capital item with no owner: the pool cannot own assets; "
            "name the procuring partner, whose asset register it goes on",
            "procuring_partner",
        )
        for e in ledger.entries
        if isinstance(e, Expenditure) and e.capital and e.procuring_partner is None
    ]


def check_instalments(ledger: Ledger) -> list[Issue]:
    """PL-LED-008/009 (I-14): a non-host partner's instalments sum to its contributions.

    Brought-forward balances are left out: the host already holds them.
    """
    agreement = ledger.agreement
    out: list[Issue] = []
    years = sorted({*agreement.financial_years, *(i.year for i in ledger.instalments())})
    for year in years:
        approved = ledger.approved_contributions(year, include_risk_pool=True)
        # balances brought forward are already held by the host: no instalments
        for scheme, partners in ledger.brought_forward(year).items():
            for partner, amount in partners.items():
                if scheme in approved and partner in approved[scheme]:
                    approved[scheme][partner] -= amount
        due: dict[tuple[str, str], int] = defaultdict(int)
        first: dict[tuple[str, str], str] = {}
        for i in ledger.instalments(year):
            due[(i.scheme, i.partner)] += i.pence
            first.setdefault((i.scheme, i.partner), i.id)
        for scheme, partners in approved.items():
            for partner, amount in partners.items():
                if partner == agreement.host or amount == 0:
                    continue
                key = (scheme, partner)
                if key not in due:
                    out.append(
                        Issue(
                            code="PL-LED-009",
                            severity=Severity.WARNING,
                            message=f"{partner} contributes {format_pence(amount)} to {scheme} in "
                            f"{year} but no instalments are recorded",
                            location=Location(field=f"{scheme}/{partner}/{year}"),
                        )
                    )
                elif due[key] != amount:
                    out.append(
                        _issue(
                            "PL-LED-008",
                            first[key],
                            f"{partner}'s instalments to {scheme} for {year} total "
                            f"{format_pence(due[key])}, but its approved contributions total "
                            f"{format_pence(amount)} "
                            f"(difference {format_pence(due[key] - amount)})",
                            "amount",
                        )
                    )
        for key, total in due.items():
            scheme, partner = key
            if approved.get(scheme, {}).get(partner, 0) == 0 and total:
                out.append(
                    _issue(
                        "PL-LED-008",
                        first[key],
                        f"{partner} pays instalments of {format_pence(total)} to "
                        f"{scheme} for {year} but has no approved contribution",
                        "amount",
                    )
                )
    return out


def check_scheme_weights(ledger: Ledger) -> list[Issue]:
    """PL-LED-010: every scheme with lines in a year has usable contribution weights."""
    out: list[Issue] = []
    schemes_by_date: dict[date, set[SchemeId]] = {}
    for line in ledger.pool_lines:
        schemes_by_date.setdefault(line.date, set()).add(line.scheme)
    by_year: dict[FinancialYear, set[SchemeId]] = {}
    for day, schemes in schemes_by_date.items():  # one year lookup per distinct date
        by_year.setdefault(FinancialYear.for_date(day), set()).update(schemes)
    for year in sorted(by_year):
        with_lines = by_year[year]
        _, _, issues = scheme_weights(ledger, year)
        out += [i for i in issues if i.location.field in {f"schemes[{s}]" for s in with_lines}]
    return out


#: Every ledger check, in the order they run.
LEDGER_CHECKS: tuple[Callable[[Ledger], list[Issue]], ...] = (
    check_unknown_schemes,
    check_unknown_partners,
    check_dates,
    check_permitted_categories,
    check_cross_subsidy,
    check_capital_owner,
    check_instalments,
    check_scheme_weights,
)


def check_ledger(ledger: Ledger) -> list[Issue]:
    """Run every check in :data:`LEDGER_CHECKS`; all issues, in check order."""
    return [issue for check in LEDGER_CHECKS for issue in check(ledger)]
