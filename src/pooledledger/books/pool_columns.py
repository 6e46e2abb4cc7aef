"""A ledger's pool lines held in columns, and the sums of a period's lines made from
them with column expressions (layer L2).

:attr:`~pooledledger.books.ledger.Ledger.pool_lines` makes one
:class:`~pooledledger.books.lines.PoolLine` object per line, and
:func:`~pooledledger.books.line_sums.sum_run` walks those objects again, looking up
each line's entry, to sum a period.  On a large ledger both walks cost far more
than the sums (docs/benchmarks.md#design-note-columns).  Here the same lines are
made once, in one walk of the entries, as one list per field (:class:`PoolColumns`):
what :func:`~pooledledger.books.lines.make_pool_lines` puts in a line, plus what
the sums read from the entry behind it (for a reversal, the entry it reverses).
The sums of any period are then polars group-bys over one slice of those columns
(the lines are in canonical order, so by date), each grouped in the order its keys
first appear, as the per-line loop fills its dictionaries: :func:`column_sums`
gives exactly the :class:`~pooledledger.books.line_sums.LineSums` of
:func:`~pooledledger.books.line_sums.sum_run`, figure for figure and key for key
(tests/test_pool_columns.py holds the property).

Sums are made in ``Int64`` only when they cannot wrap: :attr:`PoolColumns.fits` is
false if the largest amount times the number of lines reaches 2**62 (never a real
ledger), and the caller sums line by line instead.  polars is imported only here,
when a large ledger is summed.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from typing import TYPE_CHECKING, Any

from pooledledger.books.ledger import Ledger
from pooledledger.books.lines import PoolLine, _VatSplits
from pooledledger.model.entries import Entry, EntryKind, Expenditure, Income, Reversal
from pooledledger.model.partners import PartnerId, SchemeId

if TYPE_CHECKING:
    import polars

    from pooledledger.books.line_sums import LineSums
    from pooledledger.model.agreement import Agreement

__all__ = [
    "COLUMNS_FROM",
    "LinesAt",
    "PoolColumns",
    "capital_owners",
    "column_sums",
    "held_columns",
    "pool_columns",
    "procurer_or_host",
]

#: From this many entries a ledger's lines are held in columns for its sums, its
#: apportionment's lines and its ledger table (the same figures in the same order);
#: below it, line by line (a few group-bys cost more than a short walk).
COLUMNS_FROM = 20_000

#: Where a line's sums look: the entry behind it is an expenditure, an income, or
#: neither (a reversed reversal: its line adds to the amounts only).
OTHER, SPENDING, INCOME = 0, 1, 2

_LIMIT = 2**62

Bodies = tuple[tuple[PartnerId, int, int], ...]

#: The columns of :attr:`PoolColumns.frame`: name, the list it is made from, polars type.
_FRAME = (
    ("scheme", "schemes", "String"),
    ("expenditure", "expenditure", "Boolean"),
    ("amount", "amounts", "Int64"),
    ("recovered", "recovered", "Int64"),
    ("paid_by", "paid_by", "String"),
    ("source", "source", "Int8"),
    ("procurer", "procurer", "String"),
    ("category", "category", "String"),
    ("unauthorised", "unauthorised", "Boolean"),
    ("capital", "capital", "Boolean"),
    ("income_source", "income_source", "String"),
    ("irrecoverable", "irrecoverable", "Int64"),
)


@dataclass
class PoolColumns:
    """The pool lines of a ledger, one list per field, in canonical order.

    The first nine are a :class:`~pooledledger.books.lines.PoolLine`'s fields
    (``expenditure`` its kind); ``source`` says whether the entry behind the line
    (the line's own, or the one a reversal reverses) is an expenditure
    (:data:`SPENDING`), an income (:data:`INCOME`) or neither (:data:`OTHER`), and
    the rest are that entry's fields the sums read (``None``/false where it has none).
    ``irrecoverable`` is the line's VAT less its recoverable VAT over its VAT bodies.
    """

    ids: list[str] = field(default_factory=list)
    schemes: list[SchemeId] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    expenditure: list[bool] = field(default_factory=list)
    amounts: list[int] = field(default_factory=list)
    recovered: list[int] = field(default_factory=list)
    reverses: list[str | None] = field(default_factory=list)
    paid_by: list[PartnerId | None] = field(default_factory=list)
    bodies: list[Bodies] = field(default_factory=list)
    source: list[int] = field(default_factory=list)
    procurer: list[PartnerId | None] = field(default_factory=list)
    category: list[str | None] = field(default_factory=list)
    unauthorised: list[bool] = field(default_factory=list)
    capital: list[bool] = field(default_factory=list)
    income_source: list[str | None] = field(default_factory=list)
    irrecoverable: list[int] = field(default_factory=list)
    #: the largest amount, recoverable VAT or VAT not recovered of any line, either sign
    largest: int = 0

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def fits(self) -> bool:
        """Whether every sum of these lines stays well inside ``Int64``."""
        return self.largest * max(len(self.ids), 1) < _LIMIT

    def between(self, start: date, end: date) -> tuple[int, int]:
        """The places of the lines dated in ``[start, end)``: one slice, lines being by date."""
        lo = bisect_left(self.dates, start)
        return lo, bisect_left(self.dates, end, lo=lo)

    def line(self, i: int) -> PoolLine:
        """The :class:`~pooledledger.books.lines.PoolLine` at place ``i``."""
        return PoolLine(
            self.ids[i],
            self.schemes[i],
            self.dates[i],
            EntryKind.EXPENDITURE if self.expenditure[i] else EntryKind.INCOME,
            self.amounts[i],
            self.recovered[i],
            self.reverses[i],
            self.paid_by[i],
            self.bodies[i],
        )

    def line_frame(self) -> polars.DataFrame:
        """The lines' ids, schemes, dates, kinds (``expenditure``), amounts and ids
        reversed as a polars frame, one row per line, named as the lists."""
        import polars as pl

        return pl.DataFrame(
            {
                "ids": pl.Series(self.ids, dtype=pl.String),
                "schemes": pl.Series(self.schemes, dtype=pl.String),
                "dates": pl.Series(self.dates, dtype=pl.Date),
                "expenditure": pl.Series(self.expenditure, dtype=pl.Boolean),
                "amounts": pl.Series(self.amounts, dtype=pl.Int64),
                "reverses": pl.Series(self.reverses, dtype=pl.String),
            }
        )

    def lines_at(self, at: Sequence[int]) -> list[PoolLine]:
        """The lines at places ``at``, in that order."""
        return [self.line(i) for i in at]

    def ids_between(self, lo: int, hi: int) -> list[str]:
        """The ids of the lines at places ``[lo, hi)``."""
        return self.ids[lo:hi]

    def recovered_of(self, ids: list[str]) -> dict[str, int]:
        """The recoverable VAT of the expenditure lines (not reversals') of ``ids``."""
        wanted = set(ids)
        return {
            x: self.recovered[i]
            for i, x in enumerate(self.ids)
            if x in wanted and self.expenditure[i] and self.reverses[i] is None
        }

    def capital_owners(self, host: PartnerId) -> dict[str, PartnerId]:
        """Each capital expenditure's id and owner (its procurer, else the host), in order."""
        return {
            self.ids[i]: self.procurer[i] or host
            for i in range(len(self.ids))
            if self.capital[i] and self.reverses[i] is None and self.source[i] == SPENDING
        }

    @cached_property
    def frame(self) -> polars.DataFrame:
        """The lines' figures and keys as a polars frame (one row per line)."""
        import polars as pl

        return pl.DataFrame(
            {
                name: pl.Series(getattr(self, field), dtype=getattr(pl, dtype))
                for name, field, dtype in _FRAME
            }
        )

    @cached_property
    def recoveries(self) -> polars.DataFrame:
        """Each VAT body's recoverable VAT on each line, where it is not nil: one row
        per (line, body), by line, then in the line's order of bodies."""
        import polars as pl

        at: list[int] = []
        body: list[PartnerId] = []
        amount: list[int] = []
        nil: dict[int, bool] = {}  # a tuple of bodies shared by many lines: looked at once
        for i, parts in enumerate(self.bodies):
            empty = nil.get(id(parts))
            if empty is None:
                empty = not any(r for _, _, r in parts)
                if len(nil) < 65_536:
                    nil[id(parts)] = empty
            if empty:
                continue
            for b, _, r in parts:
                if r:
                    at.append(i)
                    body.append(b)
                    amount.append(r)
        return pl.DataFrame(
            {
                "at": pl.Series(at, dtype=pl.Int64),
                "body": pl.Series(body, dtype=pl.String),
                "recovered": pl.Series(amount, dtype=pl.Int64),
            }
        )


def held_columns(ledger: Ledger) -> PoolColumns | None:
    """The ledger's pool lines in columns if they are read that way: a large ledger
    whose :attr:`~pooledledger.books.ledger.Ledger.pool_lines` are not made yet and
    whose entries are held (not a projection's view, whose sums are seeded:
    docs/reports.md#the-quarterly-monitoring-report), or one whose columns are made."""
    if type(ledger) is not Ledger:
        return None
    if "pool_columns" in ledger._memo:
        return pool_columns(ledger)
    if "pool_lines" not in ledger.__dict__ and len(ledger) >= COLUMNS_FROM:
        return pool_columns(ledger)
    return None


def pool_columns(ledger: Ledger) -> PoolColumns:
    """The ledger's pool lines in columns, made once and kept with the ledger.

    The same lines as :attr:`~pooledledger.books.ledger.Ledger.pool_lines`, made
    by the same rules (docs/ledger.md#vat for the split of the VAT)."""
    memo = ledger._memo
    found = memo.get("pool_columns")
    if found is None:
        ledger._reuse = None  # its base's lines are not read: let them go
        made, store = ledger._held()
        if store is not None and all(type(e) not in _LINES for e in made):
            from pooledledger.books.pool_store import stored_pool_columns

            found = stored_pool_columns(store, made, ledger.agreement, ledger.vat_shares)
        else:
            found = make_pool_columns(ledger.entries, ledger.agreement.host, ledger.vat_shares)
        memo["pool_columns"] = found
    return found  # type: ignore[return-value]


#: The entry types whose entries a reader's store holds as lines (docs/ledger.md).
_LINES = frozenset({Expenditure, Income})


def make_pool_columns(
    entries: Sequence[Entry],
    host: PartnerId,
    vat_shares: Callable[[Expenditure], Any],
) -> PoolColumns:
    """The pool lines of ``entries`` in columns, as :func:`make_pool_lines` makes them."""
    c = PoolColumns()
    at: dict[str, int] = {}  # each line's place, by entry id
    split = _VatSplits(vat_shares)
    largest = 0
    ids, schemes, dates, spent = c.ids, c.schemes, c.dates, c.expenditure
    amounts, recovered, reverses, paid_by = c.amounts, c.recovered, c.reverses, c.paid_by
    bodies, source, procurer, category = c.bodies, c.source, c.procurer, c.category
    unauthorised, capital, told, lost = c.unauthorised, c.capital, c.income_source, c.irrecoverable
    for e in entries:
        kind = type(e)
        if kind is Expenditure or (kind is not Income and isinstance(e, Expenditure)):
            rec, by_body = split(e)  # type: ignore[arg-type]
            vat, net = e.vat_pence, e.net_pence  # type: ignore[union-attr]
            amount = net + vat - rec if vat or rec else net  # the entry's own int: memory
            at[e.id] = len(ids)
            ids.append(e.id)
            schemes.append(e.scheme)  # type: ignore[union-attr]
            dates.append(e.date)  # type: ignore[union-attr]
            spent.append(True)
            amounts.append(amount)
            recovered.append(rec)
            reverses.append(None)
            paid = e.paid_by  # type: ignore[union-attr]
            paid_by.append(None if paid == host else paid)
            bodies.append(by_body)
            source.append(SPENDING)
            procurer.append(e.procuring_partner)  # type: ignore[union-attr]
            category.append(e.category)  # type: ignore[union-attr]
            unauthorised.append(e.unauthorised)  # type: ignore[union-attr]
            capital.append(e.capital)  # type: ignore[union-attr]
            told.append(None)
            # no VAT and none recoverable: nothing lost on any body
            gone = sum(v - r for _, v, r in by_body) if vat or rec else 0
            lost.append(gone)
            big = max(abs(amount), abs(rec), abs(gone))
            if big > largest:
                largest = big
        elif isinstance(e, Income):
            at[e.id] = len(ids)
            _add(c, e.id, e.scheme, e.date, False, e.pence, 0, None)
            c.paid_by.append(None)
            c.bodies.append(())
            _not_spending(c, INCOME, e.source)
            c.irrecoverable.append(0)
            largest = max(largest, abs(e.pence))
        elif isinstance(e, Reversal) and e.reverses in at:
            at[e.id] = len(ids)
            _reversal(c, e, at[e.reverses])
    c.largest = largest
    return c


def _reversal(c: PoolColumns, e: Reversal, o: int) -> None:
    """The line of reversal ``e`` of the line at ``o``: that line negated.  The entry
    behind it is the entry reversed: the one behind line ``o`` if that is not itself
    a reversal's line, else a reversal (:data:`OTHER`)."""
    _add(c, e.id, c.schemes[o], e.date, c.expenditure[o], -c.amounts[o], -c.recovered[o], c.ids[o])
    c.paid_by.append(c.paid_by[o])
    c.bodies.append(tuple((p, -v, -r) for p, v, r in c.bodies[o]))
    if c.reverses[o] is None:
        c.source.append(c.source[o])
        c.procurer.append(c.procurer[o])
        c.category.append(c.category[o])
        c.unauthorised.append(c.unauthorised[o])
        c.capital.append(c.capital[o])
        c.income_source.append(c.income_source[o])
    else:
        _not_spending(c, OTHER, None)
    c.irrecoverable.append(-c.irrecoverable[o])


def _add(
    c: PoolColumns,
    entry_id: str,
    scheme: SchemeId,
    when: date,
    expenditure: bool,
    amount: int,
    recovered: int,
    reverses: str | None,
) -> None:
    c.ids.append(entry_id)
    c.schemes.append(scheme)
    c.dates.append(when)
    c.expenditure.append(expenditure)
    c.amounts.append(amount)
    c.recovered.append(recovered)
    c.reverses.append(reverses)


def _not_spending(c: PoolColumns, source: int, told: str | None) -> None:
    """The fields of the entry behind a line that is not spending: an income's
    ``source`` (``told``), or nothing (a reversal)."""
    c.source.append(source)
    c.procurer.append(None)
    c.category.append(None)
    c.unauthorised.append(False)
    c.capital.append(False)
    c.income_source.append(told)


# -- the lines, read where they are ------------------------------------------------


class LinesAt(Sequence[PoolLine]):
    """The lines at some places of :class:`PoolColumns`, as a sequence of
    :class:`~pooledledger.books.lines.PoolLine` (each made when read); :meth:`field`
    gives one field of them all without making a line.  It equals, and adds to, a
    tuple or list of the same lines, as the tuple of the ledger's lines it stands for."""

    __slots__ = ("at", "columns")

    def __init__(self, columns: PoolColumns, at: list[int]) -> None:
        self.columns, self.at = columns, at

    def __len__(self) -> int:
        return len(self.at)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return LinesAt(self.columns, self.at[i])
        return self.columns.line(self.at[i])

    def __iter__(self) -> Iterator[PoolLine]:
        return iter(self.columns.lines_at(self.at))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LinesAt | tuple | list):
            return tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __add__(self, other: Sequence[PoolLine]) -> tuple[PoolLine, ...]:
        return (*self, *other)

    def __radd__(self, other: Sequence[PoolLine]) -> tuple[PoolLine, ...]:
        return (*other, *self)

    def field(self, name: str) -> list[Any]:
        """One :class:`PoolColumns` list, at these places."""
        values = getattr(self.columns, name)
        return [values[i] for i in self.at]


def group_lines(
    c: PoolColumns, start: date, end: date, schemes: Container[SchemeId]
) -> tuple[LinesAt, list[int], dict[tuple[SchemeId, str], list[int]], set[str]]:
    """The lines dated in ``[start, end)`` of ``schemes``, each one's place in its
    scheme and kind's group, each group's amounts and the lines' ids: what
    ``apportion._group_lines`` makes from the line objects."""
    lo, hi = c.between(start, end)
    ids, schemes_of, spent, amounts = c.ids, c.schemes, c.expenditure, c.amounts
    kinds = {True: EntryKind.EXPENDITURE, False: EntryKind.INCOME}
    at: list[int] = []
    places: list[int] = []
    groups: dict[tuple[SchemeId, str], list[int]] = {}
    for i in range(lo, hi):
        k = schemes_of[i]
        if k not in schemes:
            continue  # an unknown scheme (reported by the checks)
        group = groups.setdefault((k, kinds[spent[i]]), [])
        at.append(i)
        places.append(len(group))
        group.append(amounts[i])
    return LinesAt(c, at), places, groups, {ids[i] for i in at}


def capital_owners(c: PoolColumns, host: PartnerId) -> dict[str, PartnerId]:
    """Each capital expenditure's id and owner (its procurer, else the host), in order."""
    return c.capital_owners(host)


# -- the sums of a period ---------------------------------------------------------


def column_sums(
    c: PoolColumns,
    lo: int,
    hi: int,
    agreement: Agreement,
    get: Callable[[str], Entry | None],
) -> LineSums:
    """The :class:`~pooledledger.books.line_sums.LineSums` of the lines at places
    ``[lo, hi)``: what :func:`~pooledledger.books.line_sums.sum_run` gives for them
    (``get`` finds a capital line's entry by id).  Needs :attr:`PoolColumns.fits`."""
    import polars as pl

    from pooledledger.books.line_sums import LineSums

    s = LineSums(count=max(hi - lo, 0))
    if hi <= lo:
        return s
    host, partners = agreement.host, list(agreement.partner_order)
    schemes = list(agreement.scheme_ids)
    lines = c.frame.slice(lo, hi - lo)
    kinds = {True: EntryKind.EXPENDITURE, False: EntryKind.INCOME}
    s.amounts = {(k, kinds[x]): v for (k, x), v in _sums(lines, "amount", "scheme", "expenditure")}
    ours = pl.col("scheme").is_in(schemes)
    income = lines.filter((pl.col("source") == INCOME) & ours)
    told = pl.col("income_source")
    source = pl.when(told.is_null() | (told == "")).then(pl.lit("other income")).otherwise(told)
    source = source.alias("income_source")
    s.income_by = dict(_sums(income.with_columns(source), "amount", "scheme", "income_source"))
    spending = lines.filter(pl.col("source") == SPENDING)
    if spending.height:
        _spending_sums(s, spending, host, partners, schemes)
        _recoveries(s, c, lo, hi, host, partners, schemes)
        if spending["capital"].any():
            _capital(s, c, lo, lines, schemes, get)
    return s


def procurer_or_host(host: PartnerId) -> polars.Expr:
    """A line's ``procurer``, or ``host`` where it has none (``None``, or empty text):
    who commissioned it, and who owns a capital item."""
    import polars as pl

    procurer = pl.col("procurer")
    nobody = procurer.is_null() | (procurer == "")
    return pl.when(nobody).then(pl.lit(host)).otherwise(procurer)


def _sums(frame: polars.DataFrame, value: str, *keys: str) -> list[tuple[Any, int]]:
    """The sum of ``value`` per key, keys in the order they first appear (one key: as
    it is; several: a tuple)."""
    import polars as pl

    got = frame.group_by(*keys, maintain_order=True).agg(pl.col(value).sum())
    rows = got.iter_rows()
    if len(keys) == 1:
        return [(k, v) for k, v in rows]
    return [(row[:-1], row[-1]) for row in rows]


def _spending_sums(
    s: LineSums,
    spending: polars.DataFrame,
    host: PartnerId,
    partners: list[PartnerId],
    schemes: list[SchemeId],
) -> None:
    """What the lines of expenditures (and their reversals) add, but their VAT
    recovered by body and their capital items."""
    import polars as pl

    s.vat_recovered = dict(_sums(spending, "recovered", "scheme"))
    commissioner = procurer_or_host(host).alias("procurer")
    commissioned = spending.with_columns(commissioner)
    s.commissioned = dict(_sums(commissioned, "amount", "scheme", "procurer"))
    s.unauthorised = dict(_sums(spending.filter(pl.col("unauthorised")), "amount", "scheme"))
    own = spending.filter(pl.col("procurer").is_in(partners))
    s.own_vat = dict(_sums(own, "irrecoverable", "scheme", "procurer"))
    payer = pl.when(pl.col("paid_by").is_in(partners)).then("paid_by").otherwise(pl.lit(host))
    paid = spending.with_columns(payer.alias("payer"))
    direct = paid.filter((pl.col("payer") != host) & (pl.col("amount") != 0))
    s.direct = dict(_sums(direct, "amount", "scheme", "payer"))
    ours = spending.filter(pl.col("scheme").is_in(schemes))
    told = pl.col("category")
    category = pl.when(told.is_null() | (told == "")).then(pl.lit("uncategorised")).otherwise(told)
    category = category.alias("category")
    s.by_category = dict(_sums(ours.with_columns(category), "amount", "scheme", "category"))


def _recoveries(
    s: LineSums,
    c: PoolColumns,
    lo: int,
    hi: int,
    host: PartnerId,
    partners: list[PartnerId],
    schemes: list[SchemeId],
) -> None:
    """The VAT recovered on the period's spending lines, by (scheme, body, payer) and,
    on the agreement's schemes, by body: each line's bodies in their order."""
    import polars as pl

    found = c.recoveries
    found = found.slice(*_span(found["at"], lo, hi))
    if not found.height:
        return
    line = c.frame.select("scheme", "paid_by", "source").select(pl.all().gather(found["at"]))
    rows = pl.concat([found, line], how="horizontal").filter(pl.col("source") == SPENDING)
    known = pl.col("body").is_in(partners)
    payer = pl.when(pl.col("paid_by").is_in(partners)).then("paid_by").otherwise(pl.lit(host))
    flows = rows.with_columns(
        pl.when(known).then("body").otherwise(pl.lit(host)).alias("recovering"),
        payer.alias("payer"),
    )
    s.vat_flows = dict(_sums(flows, "recovered", "scheme", "recovering", "payer"))
    s.vat_by_body = dict(_sums(rows.filter(pl.col("scheme").is_in(schemes)), "recovered", "body"))


def _span(at: polars.Series, lo: int, hi: int) -> tuple[int, int]:
    """Where the rows of lines ``[lo, hi)`` start in ``at`` (ascending), and how many."""
    first = int(at.search_sorted(lo, side="left"))
    last = int(at.search_sorted(hi, side="left"))
    return first, last - first


def _capital(
    s: LineSums,
    c: PoolColumns,
    lo: int,
    lines: polars.DataFrame,
    schemes: list[SchemeId],
    get: Callable[[str], Entry | None],
) -> None:
    """The capital lines of the agreement's schemes, each with the running total of its
    scheme's lines of its kind before it in the period."""
    import polars as pl

    from pooledledger.books.line_sums import CapitalLine

    before = pl.col("amount").cum_sum().over("scheme", "expenditure") - pl.col("amount")
    found = (
        lines.with_row_index("at")
        .with_columns(before.alias("before"))
        .filter(
            (pl.col("source") == SPENDING) & pl.col("capital") & pl.col("scheme").is_in(schemes)
        )
    )
    places, aheads = found["at"].to_list(), found["before"].to_list()
    for line, ahead in zip(c.lines_at([lo + at for at in places]), aheads, strict=True):
        item = get(line.reverses or line.entry_id)
        s.capital.append(CapitalLine(line, item, ahead))  # type: ignore[arg-type]
