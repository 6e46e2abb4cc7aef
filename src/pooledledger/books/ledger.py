"""The pool ledger: an immutable, canonically ordered collection of entries.

A :class:`Ledger` pairs an :class:`~pooledledger.model.agreement.Agreement` with the
entries recorded against it.  It never changes: :meth:`Ledger.post` returns a new
ledger.  Entries are kept in a *canonical order* (date, then kind, then id), so
the order in which they were given never changes any result.

VAT (docs/ledger.md#vat, I-13): an expenditure's *pool cost* is its net amount plus
the VAT that nobody recovers.  Which body recovers VAT, and how much, follows the
agreement's :class:`~pooledledger.model.agreement.VatModel`; the VAT functions are in
:mod:`pooledledger.books.vat` and importable from here too.

Dates: a query ``upto`` is exclusive (half-open ranges, as everywhere).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING

from pooledledger.books.entry_order import canonical as _canonical
from pooledledger.books.entry_order import entry_date as entry_date
from pooledledger.books.entry_order import sort_key as _sort_key
from pooledledger.books.ledger_build import HeldTargets, _ordered, _same, reversal_problem
from pooledledger.books.ledger_build import _in_order as _in_order
from pooledledger.books.ledger_store import held_in_order, stored_apart, stored_issues
from pooledledger.books.line_store import LineStore
from pooledledger.books.lines import PoolLine as PoolLine
from pooledledger.books.lines import Totals as Totals
from pooledledger.books.lines import grouped_totals, make_pool_lines, period_index, sum_lines
from pooledledger.books.vat import VatWeights as VatWeights
from pooledledger.books.vat import pool_cost, recoverable_vat, vat_body, vat_shares
from pooledledger.core.errors import Issue, IssueError, Location, PooledLedgerError, Severity
from pooledledger.core.money import to_pence
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model import entry_checks as _entry_checks
from pooledledger.model.agreement import Agreement, VatModel
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
    Settlement,
    YearClosed,
)
from pooledledger.model.entry_checks import (
    DATES_RANK,
    ENTRY_CHECKS,
    check_reversal_dates,
    entry_issues,
)
from pooledledger.model.partners import PartnerId, SchemeId

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = [
    "EntryConflictError",
    "Ledger",
    "LedgerError",
    "Totals",
    "entry_date",
    "pool_cost",
    "recoverable_vat",
    "vat_body",
    "vat_shares",
]


class LedgerError(PooledLedgerError, ValueError):
    """A ledger cannot be built from these entries (misuse of the API).

    ``issues`` holds the problem as one coded issue (PL-LED-103, naming the entry),
    so a caller can report it like any other problem in the data.
    """

    def __init__(self, message: str, entry_id: str | None = None) -> None:
        super().__init__(message)
        self.issues: tuple[Issue, ...] = (
            Issue(
                code="PL-LED-103",
                severity=Severity.ERROR,
                message=message,
                location=Location(entry_id=entry_id),
            ),
        )


class EntryConflictError(LedgerError):
    """The same entry id was posted twice with different content."""


_ENTRY_TYPES = (Contribution, Instalment, Expenditure, Income, Reversal, Settlement, YearClosed)
_EXACT_TYPES = frozenset(_ENTRY_TYPES)
_OTHER_TYPES = frozenset({Expenditure, Income, Reversal, Settlement})


def _collect(entries: Iterable[Entry]) -> dict[str, Entry]:
    """Entries by id: refuses what is not a pool entry, and an id reused differently."""
    given = entries if isinstance(entries, list | tuple) else list(entries)
    # the common case in one step: pool entries only, every id once
    if all(type(e) in _EXACT_TYPES for e in given):
        by_id = {e.id: e for e in given}
        if len(by_id) == len(given):
            return by_id
    by_id = {}
    for entry in given:
        if not isinstance(entry, _ENTRY_TYPES):
            raise LedgerError(
                f"{entry!r} is not a pool ledger entry; s256/s76 transfers are grants, "
                "never pooled (I-15)"
                if getattr(entry, "kind", None) == "transfer"
                else f"{entry!r} is not a pool ledger entry"
            )
        seen = by_id.get(entry.id)
        if seen is None:
            by_id[entry.id] = entry
        elif seen != entry:
            raise EntryConflictError(
                f"entry id {entry.id!r} was posted twice with different content:\n"
                f"  first:  {seen!r}\n  second: {entry!r}",
                entry.id,
            )
    return by_id


def _check_reversals(by_id: Mapping[str, Entry], held: HeldTargets | None = None) -> None:
    """Every reversal reverses one earlier line of this ledger, once (LedgerError).
    ``held`` gives the kind and date of lines held in columns, by id (no entry made)."""
    problem = reversal_problem(by_id, held)
    if problem is not None:
        raise LedgerError(*problem)


def _entry_issues(
    agreement: Agreement, fresh: list[Entry], original: Callable[[str], Entry | None]
) -> list[tuple[int, Issue]]:
    """The issues of :data:`ENTRY_CHECKS` (and of the reversals' dates) on ``fresh``,
    each with its check's place: in one pass (:func:`entry_issues`) unless the checks
    were replaced (a test counting them), then each check in turn."""
    if ENTRY_CHECKS is _entry_checks.ENTRY_CHECKS:
        return entry_issues(agreement, fresh, original)
    found = [(rank, i) for rank, check in enumerate(ENTRY_CHECKS) for i in check(agreement, fresh)]
    return found + [(DATES_RANK, i) for i in check_reversal_dates(agreement, fresh, original)]


class Ledger:
    """An agreement plus its entries, immutable, in canonical order.

    Every entry passes the entry-level checks of :mod:`pooledledger.model.entry_checks`
    once, when it is posted (here or by :meth:`post`): an unknown scheme or partner,
    a date outside the term or the supported range, a category the scheme does not
    permit, a capital item with no owner.  If any of them is an error the entries
    are refused with :class:`~pooledledger.core.errors.IssueError` listing every problem
    of the entries given at once, and no ledger is made (docs/ledger.md#the-gate).
    Their warnings stay with the ledger and come back from
    :func:`pooledledger.yearend.checks.check_ledger`, which adds the checks of the ledger as
    a whole (instalments, cross-subsidy, weights).

    Raises :class:`EntryConflictError` if an id is reused with different content and
    :class:`LedgerError` if a reversal names no earlier expenditure or income line,
    or a line is reversed twice.
    """

    __slots__ = (
        "__dict__",
        "_all",
        "_checked",
        "_entries",
        "_entry_issues",
        "_reuse",
        "_store",
        "agreement",
    )

    agreement: Agreement
    _all: dict[str, Entry]  # the entries made, by id, in the order given
    _entries: tuple[Entry, ...] | None  # every entry in canonical order, once made
    _store: LineStore | None  # the lines a reader holds in columns, not made yet
    _checked: tuple[Issue, ...] | None
    _vat_weights: dict[FinancialYear, dict[SchemeId, dict[PartnerId, int]]]
    _entry_issues: tuple[tuple[int, Issue], ...]
    _reuse: tuple[tuple[PoolLine, ...], tuple[Contribution, ...], Iterable[Entry]] | None

    def __init__(self, agreement: Agreement, entries: Iterable[Entry] = ()) -> None:
        self._build(agreement, entries, None)

    def _build(
        self,
        agreement: Agreement,
        entries: Iterable[Entry],
        base: Ledger | None,
        *,
        gate: bool = True,
        store: LineStore | None = None,
    ) -> None:
        """Build from ``entries``; those that are (identically) in ``base`` are not
        checked again.  ``gate=False`` keeps entry errors instead of raising: only for
        ledgers the library derives itself (a projection) and for readers reporting
        the issues of a file; such a ledger is never handed to a user.  A reader's
        ``store`` holds more lines, in columns: their entries are made when first
        asked for (:mod:`pooledledger.books.ledger_store`)."""
        self.agreement, self._checked, self._store = agreement, None, None
        by_id = _collect(entries)
        if store is not None and (base is not None or not stored_apart(store, by_id)):
            by_id, store = _collect([*by_id.values(), *store.entries()]), None
        if store is not None:
            self._all, self._entries, self._reuse, self._vat_weights = by_id, None, None, {}
            found = stored_issues(agreement, by_id, store, _entry_issues)
            if gate and any(issue.is_error for _, issue in found):
                raise IssueError([issue for _, issue in found], what="the entries posted")
            _check_reversals(by_id, store.targets)
            self._entry_issues, self._store = tuple(found), store
            return
        same = base is not None and base.agreement == agreement
        known = base._by_id if base is not None and same else {}
        ordered, fresh = _ordered(by_id, base if known else None)
        # with no base every entry is fresh: checked in the order given (see walk())
        found = _entry_issues(agreement, fresh if known else list(by_id.values()), by_id.get)
        _in_order(found, by_id)
        if gate and any(issue.is_error for _, issue in found):
            raise IssueError([issue for _, issue in found], what="the entries posted")
        if known and base is not None and base._entry_issues:
            found += [pair for pair in base._entry_issues if pair[1].location.entry_id in by_id]
            _in_order(found, by_id)
        self._entry_issues = tuple(found)
        _check_reversals(by_id)
        self._all, self._vat_weights, self._entries = by_id, {}, ordered
        # the base's pool lines, if made, serve for the entries taken over unchanged
        lines = base.__dict__.get("pool_lines") if base is not None and known else None
        self._reuse = (
            None if lines is None or base is None else (lines, base.contributions(), fresh)
        )

    @classmethod
    def _derived(
        cls,
        agreement: Agreement,
        entries: Iterable[Entry],
        base: Ledger | None = None,
        *,
        gate: bool = True,
        store: LineStore | None = None,
    ) -> Ledger:
        """A ledger built by the library itself (see :meth:`_build`); not public API."""
        ledger = cls.__new__(cls)
        ledger._build(agreement, entries, base, gate=gate, store=store)
        return ledger

    @property
    def entries(self) -> tuple[Entry, ...]:
        """Every entry, in canonical order (date, kind, id)."""
        found = self._entries
        if found is None:
            store = self._store
            if store is None:
                found = tuple(_canonical(self._by_id.values()))
            else:  # the held lines made, their order found by one sort in polars
                stored, found = held_in_order(list(self._all.values()), store)
                self._all, self._store = {**self._all, **{e.id: e for e in stored}}, None
            self._entries = found
        return found

    @property
    def _by_id(self) -> Mapping[str, Entry]:
        """Every entry by id, in the order given (a reader's stored lines made now)."""
        store = self._store
        if store is not None:  # all made first: an interruption leaves the store as it was
            self._all = {**self._all, **{e.id: e for e in store.entries()}}
            self._store = None
        return self._all

    def _held(self) -> tuple[Iterable[Entry], LineStore | None]:
        """The entries made so far (in the order given) and the store of lines not made."""
        return self._all.values(), self._store

    def post(self, *entries: Entry) -> Ledger:
        """A new ledger with ``entries`` added (identical re-posts change nothing).

        Only the new entries are checked; :class:`~pooledledger.core.errors.IssueError`
        lists every entry-level error among them, and this ledger is unchanged.
        """
        return Ledger._derived(self.agreement, (*self.entries, *entries), self)

    @property
    def entry_issues(self) -> tuple[Issue, ...]:
        """The entry-level issues found when the entries were posted (warnings only,
        since errors are refused), in check order, then canonical entry order."""
        return tuple(issue for _, issue in self._entry_issues)

    def __len__(self) -> int:
        store = self._store
        return len(self._all) + (len(store) if store is not None else 0)

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __contains__(self, entry_id: object) -> bool:
        store = self._store
        return entry_id in self._all or (store is not None and entry_id in store)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Ledger):
            return NotImplemented
        return self.agreement == other.agreement and self.entries == other.entries

    def __hash__(self) -> int:
        return hash(self.entries)

    def __repr__(self) -> str:
        return f"Ledger({self.agreement.id!r}, {len(self)} entries)"

    def __copy__(self) -> Ledger:
        return self  # immutable; a copy would make a store's lines a second time

    def __deepcopy__(self, memo: dict[int, object]) -> Ledger:
        return self

    def to_pandas(self) -> pandas.DataFrame:
        """One row per entry as a pandas DataFrame (:func:`.tables.ledger_table`): pence
        ``int64``, amounts ``decimal.Decimal``, never a float (``pooledledger[pandas]``)."""
        from pooledledger.books.tables import ledger_table
        from pooledledger.core.tables import to_pandas

        return to_pandas(ledger_table(self))

    def to_polars(self) -> polars.DataFrame:
        """One row per entry as a polars DataFrame (:func:`.tables.ledger_table`): pence
        ``Int64``, amounts ``Decimal(38, 2)``, never a float (``pooledledger[polars]``)."""
        from pooledledger.books.tables import ledger_table
        from pooledledger.core.tables import to_polars

        return to_polars(ledger_table(self))

    def get(self, entry_id: str) -> Entry:
        """The entry with this id (``KeyError`` if none)."""
        if (found := self.get_or_none(entry_id)) is None:
            raise KeyError(entry_id)
        return found

    def get_or_none(self, entry_id: str) -> Entry | None:
        """The entry with this id, or ``None``."""
        found, store = self._all.get(entry_id), self._store
        if found is None and store is not None:
            return store.get(entry_id)
        return found

    # -- entries by kind -------------------------------------------------------

    def walk(self) -> Iterable[Entry]:
        """Every entry in the order given, usually their order in memory: where order
        does not count, several times quicker than canonical order (docs/benchmarks.md)."""
        return self._by_id.values()

    @cached_property
    def _by_type(self) -> dict[type, tuple[Entry, ...]]:
        """The contributions, instalments and year-closed markers, each in canonical order."""
        found: dict[type, list[Entry]] = {Contribution: [], Instalment: [], YearClosed: []}
        for e in self._all.values():  # a reader's stored lines are lines: in no bucket
            if type(e) in _OTHER_TYPES:  # the lines: in no bucket (the common case)
                continue
            for kind, bucket in found.items():
                if isinstance(e, kind):
                    bucket.append(e)
                    break
        return {kind: tuple(sorted(bucket, key=_sort_key)) for kind, bucket in found.items()}

    def contributions(self, year: FinancialYear | None = None) -> tuple[Contribution, ...]:
        return tuple(
            e
            for e in self._by_type[Contribution]
            if isinstance(e, Contribution) and (year is None or e.year == year)
        )

    def instalments(self, year: FinancialYear | None = None) -> tuple[Instalment, ...]:
        return tuple(
            e
            for e in self._by_type[Instalment]
            if isinstance(e, Instalment) and (year is None or e.year == year)
        )

    def year_closed(self, year: FinancialYear | None = None) -> tuple[YearClosed, ...]:
        """The year-closed markers for ``year`` (every year: None), reversed or not, in
        canonical order."""
        return tuple(
            e
            for e in self._by_type[YearClosed]
            if isinstance(e, YearClosed) and (year is None or e.year == year)
        )

    @cached_property
    def _memo(self) -> dict[object, object]:
        """Views of these entries other modules derive once and keep here (the ledger
        never changes), e.g. :func:`pooledledger.books.line_sums.line_sums`."""
        return {}

    @cached_property
    def pool_lines(self) -> tuple[PoolLine, ...]:
        """Every expenditure, income and reversal line, in canonical order, in pence."""
        reuse: dict[str, PoolLine] = {}
        if self._reuse is not None:
            lines, contributions, fresh = self._reuse
            if _same(contributions, self.contributions()):  # so the same VAT weights
                changed = {e.id for e in fresh}
                reuse = {x.entry_id: x for x in lines if x.entry_id not in changed}
        self._reuse = None
        return make_pool_lines(self.entries, self.agreement.host, self.vat_shares, reuse)

    # -- VAT -------------------------------------------------------------------

    def vat_shares(self, expenditure: Expenditure) -> dict[PartnerId, tuple[int, int]]:
        """Each VAT body's ``(VAT, recoverable VAT)`` on ``expenditure`` (:func:`vat_shares`),
        under ``AGENT`` split by the scheme's approved contributions for the line's year."""
        weights = None
        if self.agreement.vat_model is VatModel.AGENT:
            year = FinancialYear.for_date(expenditure.date)
            if year not in self._vat_weights:
                self._vat_weights[year] = self.approved_contributions(
                    year, include_additional=False
                )
            weights = self._vat_weights[year].get(expenditure.scheme, {})
        return vat_shares(self.agreement, expenditure, weights)

    def pool_cost(self, expenditure: Expenditure) -> int:
        """Net plus irrecoverable VAT of ``expenditure`` in this ledger, in pence (I-13)."""
        parts = self.vat_shares(expenditure)
        return expenditure.net_pence + expenditure.vat_pence - sum(r for _, r in parts.values())

    # -- contributions ---------------------------------------------------------

    def approved_contributions(
        self,
        year: FinancialYear,
        *,
        include_risk_pool: bool = False,
        include_additional: bool = True,
    ) -> dict[SchemeId, dict[PartnerId, int]]:
        """Approved annual contributions in pence, scheme → partner (agreement order).

        The agreement's planned contributions for ``year`` plus the ledger's
        contribution entries for ``year`` (final approved annual figures,
        docs/ledger.md#weights-approved-annual-contributions).
        Risk-pool money is left out unless ``include_risk_pool``; ``ADDITIONAL``
        contributions (paid in year towards a deficit share, not funding: see
        docs/year-end.md#additional-contributions) are left out unless
        ``include_additional`` (the default, as cash the partner pays in).
        """
        order = {p: i for i, p in enumerate(self.agreement.partner_order)}
        sums: dict[SchemeId, dict[PartnerId, int]] = defaultdict(lambda: defaultdict(int))
        items: list[tuple[SchemeId, PartnerId, int, ContributionKind]] = [
            (c.scheme, c.partner, to_pence(c.amount), c.kind)
            for c in self.agreement.contributions
            if c.year == year
        ]
        items += [(c.scheme, c.partner, c.pence, c.kind) for c in self.contributions(year)]
        for scheme, partner, pence, kind in items:
            if kind is ContributionKind.RISK_POOL and not include_risk_pool:
                continue
            if kind is ContributionKind.ADDITIONAL and not include_additional:
                continue
            sums[scheme][partner] += pence
        return {
            s: dict(sorted(ps.items(), key=lambda kv: order.get(kv[0], len(order))))
            for s, ps in sums.items()
        }

    def brought_forward(self, year: FinancialYear) -> dict[SchemeId, dict[PartnerId, int]]:
        """Balances brought forward into ``year`` in pence, scheme (or risk pool) → partner.

        These are the ``BROUGHT_FORWARD`` contributions: money the host already holds
        for the partner at 1 April (last year's carried-forward, redeployed and
        contingency underspends and unused risk pool).  They are part of the approved
        contributions but are never paid again by instalments
        (docs/year-end.md#opening-balances).
        """
        out: dict[SchemeId, dict[PartnerId, int]] = defaultdict(lambda: defaultdict(int))
        items: list[tuple[SchemeId, PartnerId, int]] = [
            (c.scheme, c.partner, to_pence(c.amount))
            for c in self.agreement.contributions
            if c.year == year and c.kind is ContributionKind.BROUGHT_FORWARD
        ]
        items += [
            (c.scheme, c.partner, c.pence)
            for c in self.contributions(year)
            if c.kind is ContributionKind.BROUGHT_FORWARD
        ]
        for scheme, partner, pence in items:
            out[scheme][partner] += pence
        return {s: dict(ps) for s, ps in out.items()}

    def unpaid_contributions(
        self, year: FinancialYear, upto: date | None = None
    ) -> dict[PartnerId, int]:
        """Each non-host partner's contributions for ``year`` not paid before ``upto``.

        Approved contributions (with the risk pool) less balances brought forward
        (already held by the host) less instalments for ``year`` paid before ``upto``
        (exclusive; ``None``: every payment recorded).  Positive: the partner owes the
        host (a debtor, docs/year-end.md#unpaid-instalments); negative: overpaid.
        Partners in agreement order, zeros left out.
        """
        host = self.agreement.host
        owed: dict[PartnerId, int] = defaultdict(int)
        grids = (
            (self.approved_contributions(year, include_risk_pool=True), 1),
            (self.brought_forward(year), -1),
            (self.paid_instalments(year, upto=upto), -1),
        )
        for grid, sign in grids:
            for parts in grid.values():
                for partner, pence in parts.items():
                    if partner != host:
                        owed[partner] += sign * pence
        return {p: owed[p] for p in self.agreement.partner_order if owed.get(p)}

    def paid_instalments(
        self, year: FinancialYear, upto: date | None = None
    ) -> dict[SchemeId, dict[PartnerId, int]]:
        """Instalments paid (``paid_date`` before ``upto``), scheme → partner, pence."""
        out: dict[SchemeId, dict[PartnerId, int]] = defaultdict(lambda: defaultdict(int))
        for i in self.instalments(year):
            if i.paid_date is not None and (upto is None or i.paid_date < upto):
                out[i.scheme][i.partner] += i.pence
        return {s: dict(ps) for s, ps in out.items()}

    # -- totals ----------------------------------------------------------------

    def totals(
        self,
        *,
        scheme: SchemeId | None = None,
        within: DateRange | None = None,
    ) -> Totals:
        """Pool totals for one scheme (or all), for lines dated inside ``within``."""
        lines = self.pool_lines if scheme is None else self._scheme_lines.get(scheme, ())
        if within is None:
            return sum_lines(lines, None, None)
        return sum_lines(lines, within.start, within.end)

    @cached_property
    def _scheme_lines(self) -> dict[SchemeId, tuple[PoolLine, ...]]:
        by_scheme: dict[SchemeId, list[PoolLine]] = defaultdict(list)
        for line in self.pool_lines:
            by_scheme[line.scheme].append(line)
        return {k: tuple(v) for k, v in by_scheme.items()}

    def totals_by_scheme(self, within: DateRange | None = None) -> dict[SchemeId, Totals]:
        """Totals per scheme, in agreement scheme order (schemes with no lines included)."""
        lines = self.pool_lines
        ids = [s.id for s in self.agreement.schemes]
        if within is None:
            return grouped_totals(lines, ids, lambda x: x.scheme)
        start, end = within.start, within.end
        return grouped_totals(lines, ids, lambda x: x.scheme if start <= x.date < end else None)

    def totals_by_month(
        self, year: FinancialYear, scheme: SchemeId | None = None
    ) -> dict[int, Totals]:
        """Totals for each month 1-12 of ``year`` (month 1 is April)."""
        return self._by_period([year.month(n).as_range() for n in range(1, 13)], scheme)

    def totals_by_quarter(
        self, year: FinancialYear, scheme: SchemeId | None = None
    ) -> dict[int, Totals]:
        """Totals for each quarter 1-4 of ``year``."""
        return self._by_period([year.quarter(n).as_range() for n in range(1, 5)], scheme)

    def _by_period(self, ranges: list[DateRange], scheme: SchemeId | None) -> dict[int, Totals]:
        """Totals for back-to-back ``ranges``, numbered from 1, in one walk of the lines."""
        lines = self.pool_lines if scheme is None else self._scheme_lines.get(scheme, ())
        index = period_index([r.start for r in ranges], ranges[-1].end)
        return grouped_totals(lines, range(1, len(ranges) + 1), lambda x: index(x.date))

    def year_to_date(
        self, year: FinancialYear, upto: date, scheme: SchemeId | None = None
    ) -> Totals:
        """Totals from the start of ``year`` to ``upto`` (exclusive)."""
        return self.totals(scheme=scheme, within=DateRange(year.start, min(upto, year.end)))
