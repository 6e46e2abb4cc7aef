"""In-year apportionment: every partner's share of every pool line.

See docs/ledger.md#in-year-apportionment.

A pool is not an entity, so every pound charged to it belongs to a partner.
:func:`apportion` gives each partner its share of each expenditure and income line
of a financial year, to a date, with the pence trail an auditor needs.

Method:

* Weights per scheme are the partners' *approved annual contributions* to it for
  the year (the agreement's planned contributions plus contribution entries;
  final annual figures, docs/ledger.md#weights-approved-annual-contributions).
  Risk-pool money is not a scheme weight, nor is an ``ADDITIONAL`` contribution
  (a payment towards a deficit share, docs/year-end.md#additional-contributions).
* A scheme with no contributions (or whose contributions do not give usable
  weights) is charged to its lead commissioner, with a warning
  (docs/reports.md#edge-cases-with-defined-results).
* Within a scheme, expenditure lines and income lines each go through a
  :class:`~pooledledger.core.allocation.CumulativeAllocator`, so each partner's share of
  the lines to date is always the allocation of the running total: within 1p of
  its exact share after every line, and its shares of a year's lines add up to its
  share of the year's total.
* A reversal copies and negates the shares of the line it reverses.  Because the
  copied shares need not be the allocation of the new running total, a reversal
  may be followed by a *true-up* line (id ``<reversal id>:true-up``, amount 0):
  pennies moved between partners, summing to zero, that bring every running share
  back to the allocation of the running total.  So after every line, reversal or
  not, each partner's share to date is within 1p of exact.
* A reversal dated in a later financial year than its original is a prior-year
  adjustment: it is apportioned by its own year's weights like an ordinary line.
* Net shares are derived: net = expenditure share − income share (R5).

Year-end shares under the risk-share rules are the close's job, not this module's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import FrozenInstanceError, dataclass, field
from datetime import date
from fractions import Fraction
from functools import cached_property, partial
from typing import TYPE_CHECKING

from pooledledger.books.apportion_frame import LineFrame, line_frame
from pooledledger.books.apportion_lines import LineColumns, columns_of, line_columns
from pooledledger.books.ledger import Ledger, PoolLine
from pooledledger.books.line_sums import LineSums, line_sums
from pooledledger.books.pool_columns import capital_owners, group_lines, held_columns
from pooledledger.core.allocation import CumulativeAllocator, allocate
from pooledledger.core.allocation_columns import RunningAllocation, allocate_running
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.periods import DateRange, FinancialYear
from pooledledger.model.entries import EntryKind, Expenditure
from pooledledger.model.partners import PartnerId, SchemeId

if TYPE_CHECKING:
    import pandas
    import polars

__all__ = ["Apportionment", "LineShare", "SchemeShares", "apportion", "scheme_weights"]


@dataclass(frozen=True, slots=True)
class LineShare:
    """One pool line and each partner's share of it, in pence.

    ``remainder_to`` names the partners that held a remainder penny in the
    allocation of the scheme's running total after this line (empty for a
    reversal, whose shares are copied).  ``capital_owner`` is set for a capital
    expenditure: the procuring partner, who owns the asset (I-11).
    """

    entry_id: str
    scheme: SchemeId
    date: date
    kind: EntryKind
    amount: int
    shares: dict[PartnerId, int]
    remainder_to: tuple[PartnerId, ...] = ()
    capital_owner: PartnerId | None = None
    reverses: str | None = None


@dataclass(frozen=True, slots=True)
class SchemeShares:
    """A scheme's totals to date and each partner's share, in pence.

    ``capital_owned`` is each owner's share of its capital items; ``capital_cost``
    their whole pool cost, which goes on the owner's register (P8).
    """

    scheme: SchemeId
    weights: dict[PartnerId, Fraction]
    weights_basis: str
    expenditure: dict[PartnerId, int]
    income: dict[PartnerId, int]
    capital_owned: dict[PartnerId, int] = field(default_factory=dict)
    capital_cost: dict[PartnerId, int] = field(default_factory=dict)

    @property
    def net(self) -> dict[PartnerId, int]:
        """Share of net expenditure, derived: expenditure − income (R5)."""
        return {p: e - self.income[p] for p, e in self.expenditure.items()}

    @property
    def total_expenditure(self) -> int:
        return sum(self.expenditure.values())

    @property
    def total_income(self) -> int:
        return sum(self.income.values())


def scheme_weights(
    ledger: Ledger, year: FinancialYear
) -> tuple[dict[SchemeId, dict[PartnerId, Fraction]], dict[SchemeId, str], list[Issue]]:
    """Apportionment weights per scheme, the basis of each, and any warnings."""
    agreement = ledger.agreement
    contributed = ledger.approved_contributions(year, include_additional=False)
    weights: dict[SchemeId, dict[PartnerId, Fraction]] = {}
    basis: dict[SchemeId, str] = {}
    issues: list[Issue] = []
    for scheme in agreement.schemes:
        amounts = contributed.get(scheme.id, {})
        total = sum(amounts.values())
        if total > 0 and all(v >= 0 for v in amounts.values()):
            weights[scheme.id] = {p: Fraction(v, total) for p, v in amounts.items()}
            basis[scheme.id] = "approved annual contributions"
        else:
            weights[scheme.id] = {scheme.lead_commissioner: Fraction(1)}
            basis[scheme.id] = "lead commissioner (no usable contributions)"
            issues.append(
                Issue(
                    code="PL-LED-010",
                    severity=Severity.WARNING,
                    message=(
                        f"scheme {scheme.id} has no usable contributions for {year} "
                        f"(total {total}p); its lines are charged to its lead commissioner "
                        f"{scheme.lead_commissioner} until contributions are recorded"
                    ),
                    location=Location(field=f"schemes[{scheme.id}]"),
                )
            )
    return weights, basis, issues


class Apportionment:
    """Every partner's share of every pool line of ``year`` dated inside ``within``.

    Immutable.  The scheme totals (``schemes``) are worked out from the running
    totals of each scheme's lines; the per-line :class:`LineShare` objects are made
    only when ``lines`` is first read (a close needs only the totals), and are then
    kept (docs/benchmarks.md#design-note-columns).
    """

    __slots__ = ("_build", "_lines", "issues", "partners", "schemes", "within", "year")

    year: FinancialYear
    within: DateRange
    partners: tuple[PartnerId, ...]
    schemes: dict[SchemeId, SchemeShares]
    issues: tuple[Issue, ...]
    _lines: tuple[LineShare, ...] | None
    _build: Callable[[], tuple[LineShare, ...]] | None

    def __init__(
        self,
        year: FinancialYear,
        within: DateRange,
        partners: tuple[PartnerId, ...],
        schemes: dict[SchemeId, SchemeShares],
        lines: tuple[LineShare, ...] | Callable[[], tuple[LineShare, ...]],
        issues: tuple[Issue, ...] = (),
    ) -> None:
        """``lines`` may be a function that makes them, called once, on first use."""
        for name, value in (
            ("year", year),
            ("within", within),
            ("partners", partners),
            ("schemes", schemes),
            ("issues", issues),
        ):
            object.__setattr__(self, name, value)
        if callable(lines):
            object.__setattr__(self, "_lines", None)
            object.__setattr__(self, "_build", lines)
        else:
            object.__setattr__(self, "_lines", tuple(lines))
            object.__setattr__(self, "_build", None)

    @property
    def lines(self) -> tuple[LineShare, ...]:
        """Every pool line with each partner's share, in canonical order."""
        made = self._lines
        if made is None:
            assert self._build is not None
            made = self._build()
            object.__setattr__(self, "_lines", made)
            object.__setattr__(self, "_build", None)
        return made

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    def _fields(self) -> tuple[object, ...]:
        return (self.year, self.within, self.partners, self.schemes, self.lines, self.issues)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, Apportionment)
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # holds dicts, as the dataclass did

    def __repr__(self) -> str:
        return (
            f"Apportionment(year={self.year!r}, within={self.within!r}, "
            f"partners={self.partners!r}, schemes={self.schemes!r}, lines={self.lines!r}, "
            f"issues={self.issues!r})"
        )

    def __reduce__(self) -> tuple[object, ...]:
        return (Apportionment, self._fields())

    def line_columns(self) -> LineColumns:
        """:attr:`lines` as columns, made without a :class:`LineShare` per line when
        the lines have not been made yet (:mod:`pooledledger.books.apportion_lines`)."""
        build = self._build
        if self._lines is None and isinstance(build, _MakeLines):
            return line_columns(*build.parts, self.partners)
        return columns_of(self.lines, self.partners)

    def line_frame(self) -> LineFrame | None:
        """:attr:`lines` as one polars frame, if they are not made yet and the ledger
        holds its pool lines in columns (:mod:`pooledledger.books.apportion_frame`)."""
        build = self._build
        return build.frame() if self._lines is None and isinstance(build, _MakeLines) else None

    def line(self, entry_id: str) -> LineShare:
        for line in self.lines:
            if line.entry_id == entry_id:
                return line
        raise KeyError(entry_id)

    def partner_expenditure(self, partner: PartnerId) -> int:
        return sum(s.expenditure.get(partner, 0) for s in self.schemes.values())

    def partner_income(self, partner: PartnerId) -> int:
        return sum(s.income.get(partner, 0) for s in self.schemes.values())

    def partner_net(self, partner: PartnerId) -> int:
        return self.partner_expenditure(partner) - self.partner_income(partner)

    def by_partner(self) -> dict[PartnerId, dict[str, int]]:
        """``{partner: {"expenditure": …, "income": …, "net": …}}`` over all schemes."""
        return {
            p: {
                "expenditure": self.partner_expenditure(p),
                "income": self.partner_income(p),
                "net": self.partner_net(p),
            }
            for p in self.partners
        }

    def to_pandas(self) -> pandas.DataFrame:
        """Each partner's share of each pool line as a pandas DataFrame, one row per
        line × partner (see :func:`pooledledger.books.tables.apportionment_table`).

        Pence are ``int64``, amounts ``decimal.Decimal``; never a float.  Needs
        ``pip install pooledledger[pandas]``.
        """
        from pooledledger.books.tables import apportionment_table
        from pooledledger.core.tables import to_pandas

        return to_pandas(apportionment_table(self))

    def to_polars(self) -> polars.DataFrame:
        """Each partner's share of each pool line as a polars DataFrame, one row per
        line × partner (see :func:`pooledledger.books.tables.apportionment_table`).

        Pence are ``Int64``, amounts ``Decimal(38, 2)``; never a float.  Needs
        ``pip install pooledledger[polars]``.
        """
        from pooledledger.books.tables import apportionment_table
        from pooledledger.core.tables import to_polars

        return to_polars(apportionment_table(self))


def _full(partners: tuple[PartnerId, ...], values: Mapping[PartnerId, int]) -> dict[PartnerId, int]:
    return {p: values.get(p, 0) for p in partners}


#: A scheme's expenditure (or income) lines are allocated with column arithmetic
#: (:mod:`pooledledger.core.allocation_columns`) from this many lines; fewer go through
#: :class:`~pooledledger.core.allocation.CumulativeAllocator` one by one.  Both give the
#: same pence (docs/benchmarks.md#design-note-columns).
COLUMNS_FROM = 512


def _running(
    amounts: list[int] | polars.Series,
    weights: Mapping[PartnerId, Fraction],
    partners: tuple[PartnerId, ...],
) -> RunningAllocation[PartnerId]:
    """Each partner's allocation of every running total of ``amounts``, and its steps."""
    if len(amounts) >= COLUMNS_FROM:
        got = allocate_running(amounts, weights, partners)
        if got is not None:
            return got
    amounts = amounts if isinstance(amounts, list) else amounts.to_list()
    acc = CumulativeAllocator(weights, partners)
    keys = tuple(acc.running_parts)
    steps: dict[PartnerId, list[int]] = {k: [] for k in keys}
    running: dict[PartnerId, list[int]] = {k: [] for k in keys}
    winners: list[tuple[PartnerId, ...]] = []
    for amount in amounts:
        step = acc.add(amount)
        now = acc.running_parts
        for k in keys:
            steps[k].append(step[k])
            running[k].append(now[k])
        winners.append(acc.last_remainder_to)
    return RunningAllocation(keys, acc.running_parts, lambda: (running, steps), lambda: winners)


def apportion(ledger: Ledger, year: FinancialYear, upto: date | None = None) -> Apportionment:
    """Each partner's share of each expenditure and income line of ``year`` before ``upto``.

    ``upto`` is exclusive and defaults to the end of the year.  The scheme totals come
    from the sums of the period's lines (:func:`_scheme_shares`); the per-line shares
    are made only when ``lines`` is first read (:class:`_MakeLines`).
    """
    agreement = ledger.agreement
    partners = agreement.partner_order
    end = year.end if upto is None else min(upto, year.end)
    within = DateRange(year.start, max(end, year.start))
    weights, basis, issues = scheme_weights(ledger, year)
    sums = line_sums(ledger, within)
    schemes = _scheme_shares(agreement.scheme_ids, sums, weights, basis, partners, agreement.host)
    return Apportionment(
        year,
        within,
        partners,
        schemes,
        _MakeLines(ledger, within, weights, partners),
        tuple(issues),
    )


def _scheme_shares(
    ids: Sequence[SchemeId],
    sums: LineSums,
    weights: Mapping[SchemeId, dict[PartnerId, Fraction]],
    basis: Mapping[SchemeId, str],
    partners: tuple[PartnerId, ...],
    host: PartnerId,
) -> dict[SchemeId, SchemeShares]:
    """Each scheme's shares of its expenditure and income to date.

    A group's shares of its lines to date are the allocation of its running total
    after the last line (docs/ledger.md#in-year-apportionment): the allocation of
    the group's sum.  A capital item's shares are its step, the allocation of the
    running total after it less that before it (:func:`_capital_shares`).
    """
    out: dict[SchemeId, SchemeShares] = {}
    capital, cost = _capital_shares(sums, weights, partners, host)
    for k in ids:
        exp = _allocated(sums.amounts.get((k, EntryKind.EXPENDITURE)), weights[k], partners)
        inc = _allocated(sums.amounts.get((k, EntryKind.INCOME)), weights[k], partners)
        out[k] = SchemeShares(
            k,
            weights[k],
            basis[k],
            _full(partners, exp),
            _full(partners, inc),
            _full(partners, capital.get(k, {})),
            _full(partners, cost.get(k, {})),
        )
    return out


def _allocated(
    total: int | None, weights: Mapping[PartnerId, Fraction], partners: tuple[PartnerId, ...]
) -> dict[PartnerId, int]:
    """The allocation of a group's sum (nothing for a group with no lines)."""
    return {} if total is None else allocate(total, weights, partners)


def _line_parts(
    ledger: Ledger,
    within: DateRange,
    weights: Mapping[SchemeId, Mapping[PartnerId, Fraction]],
    partners: tuple[PartnerId, ...],
) -> tuple[_Groups, dict[tuple[SchemeId, str], RunningAllocation[PartnerId]], dict[str, PartnerId]]:
    """What every line's shares are made from: the period's lines grouped by scheme and
    kind, each group's running allocations and the capital items' owners."""
    columns = held_columns(ledger)
    if columns is not None:  # the lines read from the columns, none made
        owners = capital_owners(columns, ledger.agreement.host)
        groups = _Groups(*group_lines(columns, within.start, within.end, weights))
    else:
        owners = {}
        for e in ledger.entries:
            if isinstance(e, Expenditure) and e.capital:
                owners[e.id] = e.procuring_partner or ledger.agreement.host
        groups = _group_lines(ledger, within, weights)
    runs = {
        key: _running(group, weights[key[0]], partners) for key, group in groups.amounts.items()
    }
    return groups, runs, owners


class _MakeLines:
    """Makes an apportionment's lines on first use (:func:`_line_parts`, then
    :func:`_line_shares`); :meth:`Apportionment.line_columns` takes them from the
    same parts as columns, without a :class:`LineShare` per line."""

    def __init__(
        self,
        ledger: Ledger,
        within: DateRange,
        weights: Mapping[SchemeId, Mapping[PartnerId, Fraction]],
        partners: tuple[PartnerId, ...],
    ) -> None:
        self._args = (ledger, within, weights, partners)

    @cached_property
    def parts(
        self,
    ) -> tuple[
        _Groups, dict[tuple[SchemeId, str], RunningAllocation[PartnerId]], dict[str, PartnerId]
    ]:
        return _line_parts(*self._args)

    def __call__(self) -> tuple[LineShare, ...]:
        return _line_shares(*self.parts)

    def frame(self) -> LineFrame | None:
        ledger, within, weights, partners = self._args
        columns = held_columns(ledger)
        if columns is None:
            return None
        run = {k: partial(_running, weights=w, partners=partners) for k, w in weights.items()}
        owners = capital_owners(columns, ledger.agreement.host)
        return line_frame(columns, within.start, within.end, list(weights), run, owners, partners)


@dataclass(frozen=True)
class _Groups:
    """The period's lines of each scheme and kind, in canonical order.

    ``included`` are the lines apportioned, ``places`` each one's place in its group,
    ``amounts`` each group's amounts and ``ids`` the included entries' ids.
    """

    included: Sequence[PoolLine]  # a list, or a LinesAt of the pool columns
    places: list[int]
    amounts: dict[tuple[SchemeId, str], list[int]]
    ids: set[str]


def _group_lines(ledger: Ledger, within: DateRange, weights: Mapping[SchemeId, object]) -> _Groups:
    """The lines of each scheme and kind, in canonical order.

    Every partner's share of a scheme's lines to date is the allocation of their
    running total after every line (a reversal's copied shares are brought back to it
    by its true-up line), so a whole group is allocated at once from its running totals.
    """
    included: list[PoolLine] = []
    places: list[int] = []
    amounts: dict[tuple[SchemeId, str], list[int]] = {}
    ids: set[str] = set()
    start, stop = within.start, within.end
    for pl in ledger.pool_lines:
        if not start <= pl.date < stop or pl.scheme not in weights:
            continue  # outside the period, or an unknown scheme (reported by checks)
        group = amounts.setdefault((pl.scheme, pl.kind), [])
        included.append(pl)
        places.append(len(group))  # the line's place in its group
        ids.add(pl.entry_id)
        group.append(pl.amount)
    return _Groups(included, places, amounts, ids)


def _line_shares(
    groups: _Groups,
    runs: Mapping[tuple[SchemeId, str], RunningAllocation[PartnerId]],
    owners: Mapping[str, PartnerId],
) -> tuple[LineShare, ...]:
    """Every line's shares (with true-up lines after reversals), in canonical order."""
    # each group's steps as one tuple per line, in its partners' order
    rows = {key: list(zip(*run.steps.values(), strict=True)) for key, run in runs.items()}
    at = dict.fromkeys(runs, 0)
    lines: list[LineShare] = []
    by_id: dict[str, LineShare] = {}
    for pl in groups.included:
        key = (pl.scheme, pl.kind)
        run = runs[key]
        i = at[key]
        at[key] = i + 1
        step = dict(zip(run.keys, rows[key][i], strict=True))
        if pl.reverses is not None and pl.reverses in groups.ids:
            made = _reversal_shares(pl, by_id[pl.reverses], step, run.winners[i])
        else:
            made = [
                LineShare(
                    pl.entry_id,
                    pl.scheme,
                    pl.date,
                    pl.kind,
                    pl.amount,
                    step,
                    run.winners[i],
                    owners.get(pl.reverses or pl.entry_id),
                    pl.reverses,
                )
            ]
        by_id[pl.entry_id] = made[0]
        lines += made
    return tuple(lines)


def _reversal_shares(
    pl: PoolLine,
    original: LineShare,
    step: Mapping[PartnerId, int],
    winners: tuple[PartnerId, ...],
) -> list[LineShare]:
    """A reversal's line, with the original's shares negated, and its true-up line."""
    shares = {p: -v for p, v in original.shares.items()}
    line = LineShare(
        pl.entry_id,
        pl.scheme,
        pl.date,
        pl.kind,
        pl.amount,
        shares,
        (),
        original.capital_owner,
        pl.reverses,
    )
    # the copied shares may leave the running shares off the allocation of the
    # running total; a zero-sum true-up line moves the pennies back at once
    true_up = {k: v - shares.get(k, 0) for k, v in step.items()}
    if not any(true_up.values()):
        return [line]
    return [
        line,
        LineShare(
            f"{pl.entry_id}:true-up",
            pl.scheme,
            pl.date,
            pl.kind,
            0,
            true_up,
            winners,
            None,
            None,
        ),
    ]


def _capital_shares(
    sums: LineSums,
    weights: Mapping[SchemeId, Mapping[PartnerId, Fraction]],
    partners: tuple[PartnerId, ...],
    host: PartnerId,
) -> tuple[dict[SchemeId, dict[PartnerId, int]], dict[SchemeId, dict[PartnerId, int]]]:
    """Per scheme, each owner's share of its capital items and their cost (I-11, P8).

    A capital line's shares are the change in the allocation of its group's running
    total (as :class:`~pooledledger.core.allocation.CumulativeAllocator` gives them); a
    reversal of an item of the period copies and negates the item's shares."""
    capital_by_scheme: dict[SchemeId, dict[PartnerId, int]] = {}
    cost_by_scheme: dict[SchemeId, dict[PartnerId, int]] = {}
    owned_shares: dict[str, tuple[PartnerId, dict[PartnerId, int]]] = {}
    for c in sums.capital:
        pl = c.line
        owner = c.item.procuring_partner or host
        if pl.reverses is not None and pl.reverses in owned_shares:
            owner, original = owned_shares[pl.reverses]
            shares = {p: -v for p, v in original.items()}
        else:
            w = weights[pl.scheme]
            now = allocate(c.before + pl.amount, w, partners)
            was = allocate(c.before, w, partners)
            shares = {p: v - was[p] for p, v in now.items()}
        owned_shares[pl.entry_id] = (owner, shares)
        owned = capital_by_scheme.setdefault(pl.scheme, {})
        owned[owner] = owned.get(owner, 0) + shares.get(owner, 0)
        cost = cost_by_scheme.setdefault(pl.scheme, {})
        cost[owner] = cost.get(owner, 0) + pl.amount
    return capital_by_scheme, cost_by_scheme
