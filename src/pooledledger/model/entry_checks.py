"""Checks on one ledger entry at a time, run where an entry enters a ledger.

Every check here looks at a single entry against the agreement, never at the
ledger as a whole, so :class:`~pooledledger.books.ledger.Ledger` runs them once per entry
when the entry is posted (``Ledger(...)`` or ``ledger.post(...)``) and refuses the
entries with :class:`~pooledledger.core.errors.IssueError` if any problem is an error.
Entries already in a ledger are never checked again.  See docs/ledger.md#the-gate.

Each check is ``check_<rule>(agreement, entries) -> list[Issue]``, listed in
:data:`ENTRY_CHECKS`; :func:`check_entries` runs them all, in that order.

=========== ======== ==============================================================
code        severity meaning
=========== ======== ==============================================================
PL-LED-001  error    an entry names a scheme the agreement does not have
PL-LED-002  error    an entry names a partner the agreement does not have
PL-LED-011  error    a date or financial year outside the supported range
                     (financial years 1900-01 to 2199-00)
PL-LED-003  error    a pool line (or a reversal of one) is dated outside the agreement's
                     term
PL-LED-004  error    a contribution or instalment is dated outside its financial year
PL-LED-005  error    spending in a category the scheme does not permit (I-9)
PL-LED-007  error    a capital item with no owner (I-11)
PL-LED-012  warning  income entered as a negative amount (a credit)
PL-LED-013  warning  negative VAT on a positive net amount
=========== ======== ==============================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Final

from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.money import format_pence
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import (
    Contribution,
    Entry,
    EntryKind,
    Expenditure,
    Income,
    Instalment,
    Settlement,
    YearClosed,
)

__all__ = [
    "DATES_RANK",
    "ENTRY_CHECKS",
    "FIRST_SUPPORTED_YEAR",
    "LAST_SUPPORTED_YEAR",
    "SUPPORTED_DATES",
    "EntryCheck",
    "check_capital_owner",
    "check_dates",
    "check_entries",
    "check_permitted_categories",
    "check_reversal_dates",
    "check_signs",
    "check_unknown_partners",
    "check_unknown_schemes",
    "entry_issues",
]

#: The first and last financial years an entry may fall in (docs/ledger.md#the-gate).
FIRST_SUPPORTED_YEAR = FinancialYear(1900)
LAST_SUPPORTED_YEAR = FinancialYear(2199)
#: Every supported date: 1 April 1900 up to (not including) 1 April 2200.
SUPPORTED_DATES = DateRange(FIRST_SUPPORTED_YEAR.start, LAST_SUPPORTED_YEAR.end)

#: One entry-level check: the agreement and the entries to check, in canonical order.
EntryCheck = Callable[[Agreement, Sequence[Entry]], list[Issue]]

# the entry kinds as module constants: an enum member read from its class costs an
# attribute lookup per entry, and these checks run on every entry (docs/ledger.md#the-gate)
_CONTRIBUTION: Final = EntryKind.CONTRIBUTION
_INSTALMENT: Final = EntryKind.INSTALMENT
_EXPENDITURE: Final = EntryKind.EXPENDITURE
_INCOME: Final = EntryKind.INCOME
_REVERSAL: Final = EntryKind.REVERSAL
_SETTLEMENT: Final = EntryKind.SETTLEMENT


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


def check_unknown_schemes(agreement: Agreement, entries: Sequence[Entry]) -> list[Issue]:
    """PL-LED-001: every entry's scheme is one of the agreement's (or the risk pool)."""
    out: list[Issue] = []
    lines = _scheme_ids(agreement, with_risk_pool=False)
    funds = _scheme_ids(agreement, with_risk_pool=True)
    for e in entries:
        # the ``entry`` tag, not isinstance: an order of magnitude faster on models
        if (e.entry is _EXPENDITURE or e.entry is _INCOME) and e.scheme not in lines:
            known = lines
        elif (e.entry is _CONTRIBUTION or e.entry is _INSTALMENT) and e.scheme not in funds:
            known = funds
        else:
            continue
        out.append(_unknown_scheme(e.id, e.scheme, known))
    return out


def _unknown_scheme(entry_id: str, scheme: str, known: set[str]) -> Issue:
    return _issue(
        "PL-LED-001",
        entry_id,
        f"unknown scheme {scheme!r}; the agreement's schemes are {sorted(known)}",
        "scheme",
    )


def check_unknown_partners(agreement: Agreement, entries: Sequence[Entry]) -> list[Issue]:
    """PL-LED-002: every partner an entry names is a partner of the agreement."""
    known = set(agreement.partner_order)
    out: list[Issue] = []
    for e in entries:
        if (
            e.entry is _CONTRIBUTION or e.entry is _INSTALMENT or e.entry is _SETTLEMENT
        ) and e.partner not in known:
            out.append(_issue("PL-LED-002", e.id, f"unknown partner {e.partner!r}", "partner"))
        elif e.entry is _EXPENDITURE:
            out += _unknown_payers(e, known)
    return out


def _unknown_payers(e: Expenditure, known: set[str]) -> list[Issue]:
    """PL-LED-002 for an expenditure line's procuring and paying partners."""
    out: list[Issue] = []
    if e.procuring_partner is not None and e.procuring_partner not in known:
        out.append(
            _issue(
                "PL-LED-002",
                e.id,
                f"unknown procuring partner {e.procuring_partner!r}",
                "procuring_partner",
            )
        )
    if e.paid_by is not None and e.paid_by not in known:
        out.append(_issue("PL-LED-002", e.id, f"unknown paying partner {e.paid_by!r}", "paid_by"))
    return out


def _dated_fields(e: Entry) -> Iterator[tuple[str, date | None]]:
    if isinstance(e, Contribution):
        yield "effective_date", e.effective_date
    elif isinstance(e, Instalment | Settlement):
        yield "due_date", e.due_date
        yield "paid_date", e.paid_date
    elif isinstance(e, YearClosed):
        yield "closed_on", e.closed_on
    else:
        yield "date", e.date


def _out_of_range(e: Entry) -> list[Issue]:
    out: list[Issue] = []
    if (
        isinstance(e, Contribution | Instalment | Settlement | YearClosed)
        and not FIRST_SUPPORTED_YEAR <= e.year <= LAST_SUPPORTED_YEAR
    ):
        out.append(
            _issue(
                "PL-LED-011",
                e.id,
                f"financial year {e.year} is outside the supported range "
                f"{FIRST_SUPPORTED_YEAR} to {LAST_SUPPORTED_YEAR}",
                "year",
            )
        )
    for name, d in _dated_fields(e):
        if d is not None and not SUPPORTED_DATES.contains(d):
            out.append(
                _issue(
                    "PL-LED-011",
                    e.id,
                    f"{name} {d.isoformat()} is outside the supported range "
                    f"{SUPPORTED_DATES.start.isoformat()} to "
                    f"{SUPPORTED_DATES.last_day.isoformat()} (financial years "
                    f"{FIRST_SUPPORTED_YEAR} to {LAST_SUPPORTED_YEAR}); is the year mistyped?",
                    name,
                )
            )
    return out


def check_dates(agreement: Agreement, entries: Sequence[Entry]) -> list[Issue]:
    """PL-LED-011/003/004: dates in the supported range, lines inside the term,
    contributions and instalments in their own financial year.

    An entry with a date or year outside the supported range gets PL-LED-011 only.
    """
    term_start, term_end = agreement.term.start, agreement.term.end
    lo, hi = SUPPORTED_DATES.start, SUPPORTED_DATES.end
    out: list[Issue] = []
    for e in entries:
        if e.entry is _EXPENDITURE or e.entry is _INCOME:  # the common case, fast
            if not lo <= e.date < hi:
                out += _out_of_range(e)
            elif not term_start <= e.date < term_end:
                out.append(_outside_term(agreement, e.id, e.date))
            continue
        bad = _out_of_range(e)
        if bad:
            out += bad
            continue
        if isinstance(e, Contribution):
            if not e.year.contains(e.effective_date):
                out.append(
                    _issue(
                        "PL-LED-004",
                        e.id,
                        f"effective {e.effective_date}, outside its financial year {e.year}",
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
    return out


def _outside_term(agreement: Agreement, entry_id: str, d: date) -> Issue:
    return _issue(
        "PL-LED-003",
        entry_id,
        f"dated {d}, outside the agreement's term ({agreement.term_start} to {agreement.term_end})",
        "date",
    )


def check_reversal_dates(
    agreement: Agreement, entries: Sequence[Entry], original: Callable[[str], Entry | None]
) -> list[Issue]:
    """PL-LED-003 for reversals: a reversal of an expenditure or income line lies
    inside the term (a reversal of a year-closed marker, reopening a year, may come
    after it).  ``original`` finds the entry a reversal names; the ledger runs this
    beside :data:`ENTRY_CHECKS`, as part of :func:`check_dates`."""
    term = agreement.term
    out: list[Issue] = []
    for e in entries:
        if (
            e.entry is _REVERSAL
            and SUPPORTED_DATES.contains(e.date)
            and not term.contains(e.date)
            and isinstance(original(e.reverses), Expenditure | Income)
        ):
            out.append(_outside_term(agreement, e.id, e.date))
    return out


def check_permitted_categories(agreement: Agreement, entries: Sequence[Entry]) -> list[Issue]:
    """PL-LED-005 (I-9): spending only in categories its scheme permits."""
    permitted = {s.id: set(s.permitted_categories) for s in agreement.schemes}
    out: list[Issue] = []
    for e in entries:
        if e.entry is _EXPENDITURE and permitted.get(e.scheme):
            allowed = permitted[e.scheme]
            if e.category not in allowed:
                out.append(_not_permitted(e, allowed))
    return out


def _not_permitted(e: Expenditure, allowed: set[str]) -> Issue:
    return _issue(
        "PL-LED-005",
        e.id,
        f"category {e.category!r} is not permitted expenditure for "
        f"scheme {e.scheme}; permitted: {sorted(allowed)}",
        "category",
    )


def check_capital_owner(agreement: Agreement, entries: Sequence[Entry]) -> list[Issue]:
    """PL-LED-007 (I-11): a capital item names the partner that procures and owns it."""
    return [
        _no_owner(e.id)
        for e in entries
        if e.entry is _EXPENDITURE and e.capital and e.procuring_partner is None
    ]


def _no_owner(entry_id: str) -> Issue:
    return _issue(
        "PL-LED-007",
        entry_id,
        "capital item with no owner: the pool cannot own assets; "
        "name the procuring partner, whose asset register it goes on",
        "procuring_partner",
    )


def check_signs(agreement: Agreement, entries: Sequence[Entry]) -> list[Issue]:
    """PL-LED-012/013 (warnings): income entered as a credit; negative VAT on a positive net.

    Negative income reduces the pool's income and so *adds* to net spending; it is
    usually a refund or a reversal typed as income with brackets.  Negative VAT on
    a positive net is usually a sign typed wrongly on one of the two cells.
    """
    out: list[Issue] = []
    for e in entries:
        if e.entry is _INCOME and e.pence < 0:
            out.append(_negative_income(e.id, e.pence))
        elif e.entry is _EXPENDITURE and e.net_pence > 0 and e.vat_pence < 0:
            out.append(_negative_vat(e.id, e.net_pence, e.vat_pence))
    return out


def _negative_income(entry_id: str, pence: int) -> Issue:
    return _issue(
        "PL-LED-012",
        entry_id,
        f"income of {format_pence(pence)} is negative, which adds to net "
        "spending; income is entered as a positive amount. Did you mean a "
        "reversal of the original income line, or a refund recorded as "
        "expenditure?",
        "amount",
        Severity.WARNING,
    )


def _negative_vat(entry_id: str, net_pence: int, vat_pence: int) -> Issue:
    return _issue(
        "PL-LED-013",
        entry_id,
        f"VAT of {format_pence(vat_pence)} is negative on a positive net of "
        f"{format_pence(net_pence)}; a credit note has both negative. Is a sign "
        "typed wrongly?",
        "vat",
        Severity.WARNING,
    )


#: Every entry-level check, in the order they run.
ENTRY_CHECKS: tuple[EntryCheck, ...] = (
    check_unknown_schemes,
    check_unknown_partners,
    check_dates,
    check_permitted_categories,
    check_capital_owner,
    check_signs,
)


#: The place of :func:`check_dates` in :data:`ENTRY_CHECKS` (and of
#: :func:`check_reversal_dates`, which is part of it).
DATES_RANK = ENTRY_CHECKS.index(check_dates)


def entry_issues(
    agreement: Agreement, entries: Sequence[Entry], original: Callable[[str], Entry | None]
) -> list[tuple[int, Issue]]:
    """Every issue of :data:`ENTRY_CHECKS` and :func:`check_reversal_dates` on
    ``entries``, each with its check's place in :data:`ENTRY_CHECKS`, in one pass.

    The same issues as running the checks one after another: in check order, each
    check's issues in the order of ``entries``.  A ledger runs this once per entry
    posted (docs/ledger.md#the-gate).
    """
    lines = _scheme_ids(agreement, with_risk_pool=False)
    funds = _scheme_ids(agreement, with_risk_pool=True)
    partners = set(agreement.partner_order)
    permitted = {s.id: set(s.permitted_categories) for s in agreement.schemes}
    term_start, term_end = agreement.term.start, agreement.term.end
    lo, hi = SUPPORTED_DATES.start, SUPPORTED_DATES.end
    found: list[list[Issue]] = [[] for _ in ENTRY_CHECKS]
    schemes, payers, dates, categories, owners, signs = found
    for e in entries:
        if e.entry is _EXPENDITURE:
            if e.scheme not in lines:
                schemes.append(_unknown_scheme(e.id, e.scheme, lines))
            if e.procuring_partner is not None or e.paid_by is not None:
                payers += _unknown_payers(e, partners)
            if not lo <= e.date < hi:
                dates += _out_of_range(e)
            elif not term_start <= e.date < term_end:
                dates.append(_outside_term(agreement, e.id, e.date))
            allowed = permitted.get(e.scheme)
            if allowed and e.category not in allowed:
                categories.append(_not_permitted(e, allowed))
            if e.capital and e.procuring_partner is None:
                owners.append(_no_owner(e.id))
            if e.net_pence > 0 and e.vat_pence < 0:
                signs.append(_negative_vat(e.id, e.net_pence, e.vat_pence))
        elif e.entry is _INCOME:
            if e.scheme not in lines:
                schemes.append(_unknown_scheme(e.id, e.scheme, lines))
            if not lo <= e.date < hi:
                dates += _out_of_range(e)
            elif not term_start <= e.date < term_end:
                dates.append(_outside_term(agreement, e.id, e.date))
            if e.pence < 0:
                signs.append(_negative_income(e.id, e.pence))
        elif e.entry is _REVERSAL:  # check_dates, then check_reversal_dates, inline
            if not lo <= e.date < hi:
                dates += _out_of_range(e)
            elif not term_start <= e.date < term_end and isinstance(
                original(e.reverses), Expenditure | Income
            ):
                dates.append(_outside_term(agreement, e.id, e.date))
        else:
            _other_entry(agreement, e, funds, partners, original, found)
    return [(rank, issue) for rank, issues in enumerate(found) for issue in issues]


def _other_entry(
    agreement: Agreement,
    e: Entry,
    funds: set[str],
    partners: set[str],
    original: Callable[[str], Entry | None],
    found: list[list[Issue]],
) -> None:
    """:func:`entry_issues` for an entry that is not an expenditure or income line."""
    schemes, payers, dates = found[0], found[1], found[DATES_RANK]
    if (e.entry is _CONTRIBUTION or e.entry is _INSTALMENT) and e.scheme not in funds:
        schemes.append(_unknown_scheme(e.id, e.scheme, funds))
    if (
        e.entry is _CONTRIBUTION or e.entry is _INSTALMENT or e.entry is _SETTLEMENT
    ) and e.partner not in partners:
        payers.append(_issue("PL-LED-002", e.id, f"unknown partner {e.partner!r}", "partner"))
    dates += check_dates(agreement, (e,))
    if e.entry is _REVERSAL:
        dates += check_reversal_dates(agreement, (e,), original)


def check_entries(agreement: Agreement, entries: Sequence[Entry]) -> list[Issue]:
    """Run every check in :data:`ENTRY_CHECKS` on ``entries``; all issues, in check order."""
    return [issue for check in ENTRY_CHECKS for issue in check(agreement, entries)]
