"""Checks on a ledger against its agreement, each returning coded issues.

Two kinds of check (docs/ledger.md#the-gate):

* entry-level checks (:mod:`pooledledger.model.entry_checks`) look at one entry at a
  time and run once per entry when it is posted; a ledger never holds an entry
  that fails one of them with an error.  The ``check_<rule>(ledger)`` functions
  of the same names here run them over a whole ledger;
* ledger checks, listed in :data:`LEDGER_CHECKS`, look at the ledger as a whole.

:func:`check_ledger` returns both (cached on the ledger) and
:func:`require_no_errors` is the gate every close and report passes.  Every issue
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
PL-LED-011  error    a date or financial year outside the supported range
PL-LED-012  warning  income entered as a negative amount (a credit)
PL-LED-013  warning  negative VAT on a positive net amount
PL-LED-014  error    a partner's approved contributions to a scheme for a year add up
                     to a negative amount
=========== ======== ==============================================================
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from pooledledger.books.apportion import scheme_weights
from pooledledger.books.entry_order import sort_key
from pooledledger.books.ledger import Ledger
from pooledledger.books.ledger_store import stored_lines, stored_pairs
from pooledledger.core.errors import Issue, IssueError, Location, Severity, has_errors
from pooledledger.core.money import format_pence
from pooledledger.core.periods import FinancialYear
from pooledledger.model import entry_checks
from pooledledger.model.entries import Entry, Expenditure, Income, Reversal
from pooledledger.model.entry_checks import ENTRY_CHECKS, _issue, check_entries
from pooledledger.model.partners import SchemeId

__all__ = [
    "ENTRY_CHECKS",
    "LEDGER_CHECKS",
    "check_capital_owner",
    "check_contribution_totals",
    "check_cross_subsidy",
    "check_dates",
    "check_entries",
    "check_instalments",
    "check_ledger",
    "check_permitted_categories",
    "check_scheme_weights",
    "check_signs",
    "check_unknown_partners",
    "check_unknown_schemes",
    "require_no_errors",
]


def check_unknown_schemes(ledger: Ledger) -> list[Issue]:
    """PL-LED-001 over a whole ledger (the entry-level check of the same name)."""
    return entry_checks.check_unknown_schemes(ledger.agreement, ledger.entries)


def check_unknown_partners(ledger: Ledger) -> list[Issue]:
    """PL-LED-002 over a whole ledger (the entry-level check of the same name)."""
    return entry_checks.check_unknown_partners(ledger.agreement, ledger.entries)


def check_dates(ledger: Ledger) -> list[Issue]:
    """PL-LED-011/003/004 over a whole ledger (the entry-level check of the same name)."""
    return entry_checks.check_dates(
        ledger.agreement, ledger.entries
    ) + entry_checks.check_reversal_dates(ledger.agreement, ledger.entries, ledger.get_or_none)


def check_permitted_categories(ledger: Ledger) -> list[Issue]:
    """PL-LED-005 over a whole ledger (see
    :func:`pooledledger.model.entry_checks.check_permitted_categories`)."""
    return entry_checks.check_permitted_categories(ledger.agreement, ledger.entries)


def check_capital_owner(ledger: Ledger) -> list[Issue]:
    """PL-LED-007 over a whole ledger (the entry-level check of the same name)."""
    return entry_checks.check_capital_owner(ledger.agreement, ledger.entries)


def check_signs(ledger: Ledger) -> list[Issue]:
    """PL-LED-012/013 over a whole ledger (the entry-level check of the same name)."""
    return entry_checks.check_signs(ledger.agreement, ledger.entries)


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
    # the lines a partner procured in a protected scheme (with that partner), found
    # in a quick walk and then put in canonical order, as the running totals count them
    made, store = ledger._held()
    if store is not None:  # the stored lines that could be: made (few, if any)
        made = [*made, *stored_lines(store, procured_in=protected)]
    procured = sorted(
        (
            (e, partner)
            for e in made
            if isinstance(e, Expenditure)
            and (partner := e.procuring_partner)
            and e.scheme in protected
        ),
        key=lambda pair: sort_key(pair[0]),
    )
    for e, partner in procured:
        year = FinancialYear.for_date(e.date)
        if year not in approved:
            approved[year] = ledger.approved_contributions(year)
        own = approved[year].get(e.scheme, {}).get(partner, 0)
        key = (e.scheme, partner, year)
        spent[key] += ledger.pool_cost(e)
        if spent[key] > own and not e.agreement_ref:
            out.append(
                _issue(
                    "PL-LED-006",
                    e.id,
                    f"{partner} has now procured {format_pence(spent[key])} in scheme "
                    f"{e.scheme} for {year} against its own contribution of {format_pence(own)}: "
                    "the excess is funded by other partners; record the agreement that allows "
                    "it in agreement_ref",
                    "procuring_partner",
                )
            )
    return out


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


def check_contribution_totals(ledger: Ledger) -> list[Issue]:
    """PL-LED-014: no partner's approved contributions to a scheme (or the risk pool)
    for a year add up to a negative amount (a reduction larger than the contribution).

    The agreement's planned contributions plus the ledger's contribution entries; the
    issue names the partner's last contribution entry for that scheme and year.
    """
    years = sorted({*ledger.agreement.financial_years, *(c.year for c in ledger.contributions())})
    last: dict[tuple[str, str, FinancialYear], str] = {}
    for c in ledger.contributions():
        last[(c.scheme, c.partner, c.year)] = c.id
    out: list[Issue] = []
    for year in years:
        for scheme, partners in ledger.approved_contributions(year, include_risk_pool=True).items():
            for partner, amount in partners.items():
                if amount < 0:
                    out.append(
                        Issue(
                            code="PL-LED-014",
                            severity=Severity.ERROR,
                            message=f"{partner}'s approved contributions to {scheme} for {year} "
                            f"add up to {format_pence(amount)}: a reduction cannot exceed the "
                            "contribution",
                            location=Location(
                                entry_id=last.get((scheme, partner, year)),
                                field=f"{scheme}/{partner}/{year}",
                            ),
                        )
                    )
    return out


def check_scheme_weights(ledger: Ledger) -> list[Issue]:
    """PL-LED-010: every scheme with lines in a year has usable contribution weights."""
    out: list[Issue] = []
    by_year: dict[FinancialYear, set[SchemeId]] = {}
    for day, schemes in _schemes_by_date(ledger).items():  # one year lookup per date
        by_year.setdefault(FinancialYear.for_date(day), set()).update(schemes)
    for year in sorted(by_year):
        with_lines = by_year[year]
        _, _, issues = scheme_weights(ledger, year)
        out += [i for i in issues if i.location.field in {f"schemes[{s}]" for s in with_lines}]
    return out


def _schemes_by_date(ledger: Ledger) -> dict[date, set[SchemeId]]:
    """The schemes of the pool lines on each date, without making the lines.

    A pool line is an expenditure or income line, or a reversal of one (dated as
    the reversal, in the scheme of the line it reverses): the lines of
    :attr:`~pooledledger.books.ledger.Ledger.pool_lines`, used if already made.
    """
    lines = ledger.__dict__.get("pool_lines")
    made, store = ledger._held()
    pairs: set[tuple[date, SchemeId]] = set()
    if lines is not None:
        pairs = {(line.date, line.scheme) for line in lines}
    else:  # one walk of the entries (each read once: they are many)
        get: Callable[[str], Entry | None] = ledger.get_or_none
        held: dict[str, SchemeId] = {}  # the schemes of held lines reversed, by id
        if store is not None:  # the stored lines' pairs from their columns
            made = list(made)
            pairs = stored_pairs(store)
            known = {e.id: e for e in made}
            wanted = {e.reverses for e in made if isinstance(e, Reversal)}
            held = store.schemes_of(wanted - known.keys())
            get = known.get
        add = pairs.add
        lines = (Expenditure, Income)
        for e in made if store is not None else ledger.walk():
            if isinstance(e, lines):
                add((e.date, e.scheme))
            elif isinstance(e, Reversal):
                original = get(e.reverses)
                if isinstance(original, Expenditure | Income):
                    add((e.date, original.scheme))
                elif original is None and e.reverses in held:
                    add((e.date, held[e.reverses]))
    out: dict[date, set[SchemeId]] = {}
    for day, scheme in pairs:
        out.setdefault(day, set()).add(scheme)
    return out


#: The checks of the ledger as a whole, in the order they run (the entry-level checks
#: of :data:`pooledledger.model.entry_checks.ENTRY_CHECKS` run when entries are posted).
LEDGER_CHECKS: tuple[Callable[[Ledger], list[Issue]], ...] = (
    check_cross_subsidy,
    check_contribution_totals,
    check_instalments,
    check_scheme_weights,
)


def check_ledger(ledger: Ledger) -> list[Issue]:
    """Every issue of ``ledger``: the entry-level issues found when its entries were
    posted (:attr:`~pooledledger.books.ledger.Ledger.entry_issues`), then every check in
    :data:`LEDGER_CHECKS`, in check order.

    The result is kept on the (immutable) ledger, so asking again costs nothing.
    """
    found = ledger._checked
    if found is None:
        found = ledger.entry_issues
        # a date outside the supported range has no financial year to be checked in
        if not any(i.code == "PL-LED-011" for i in found):
            found += tuple(i for check in LEDGER_CHECKS for i in check(ledger))
        ledger._checked = found
    return list(found)


def require_no_errors(ledger: Ledger) -> tuple[Issue, ...]:
    """The gate of every close and report: :func:`check_ledger` with no errors.

    Raises :class:`~pooledledger.core.errors.IssueError` with every issue if any is an
    error, so no figures are ever made from a ledger the command line would refuse;
    otherwise returns the warnings (and notes), which travel with the result.
    See docs/ledger.md#the-gate.
    """
    issues = check_ledger(ledger)
    if has_errors(issues):
        raise IssueError(issues, what=f"the ledger of {ledger.agreement.id}")
    return tuple(issues)
