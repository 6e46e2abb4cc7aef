"""A ledger's pool columns made from the lines a reader holds in columns (layer L2).

:func:`~pooledledger.books.pool_columns.make_pool_columns` walks every entry in
canonical order.  For a ledger whose expenditure and income lines are held in a
:class:`~pooledledger.books.line_store.LineStore`, :func:`stored_pool_columns` makes
the same :class:`~pooledledger.books.pool_columns.PoolColumns` from the store's
columns: the canonical order is one polars sort of (date, kind, id); a line with
no VAT takes the VAT split of its scheme, date, procurer and s41 flag, worked out
once per such key from one line's entry, as the walk does; only a line with VAT
has its entry made, for its own split, and let go; the reversals, which are
always entries, are put in their places in canonical order and negate the line
they reverse.  tests/test_line_store.py holds the property: the same columns,
field for field and in the same order, as the walk over the entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from pooledledger.books.line_store import LineStore
from pooledledger.books.lines import _VatSplits
from pooledledger.books.pool_columns import INCOME, OTHER, SPENDING, PoolColumns
from pooledledger.model.agreement import Agreement, VatModel
from pooledledger.model.entries import Entry, Expenditure, Reversal
from pooledledger.model.partners import PartnerId

__all__ = ["stored_pool_columns"]

Bodies = tuple[tuple[PartnerId, int, int], ...]

#: The kinds' ranks on one date (``entry_order.KIND_RANK``) as the store holds them.
_EXPENDITURE, _REVERSAL = 3, 4


def stored_pool_columns(
    store: LineStore,
    made: Iterable[Entry],
    agreement: Agreement,
    vat_shares: Callable[[Expenditure], Any],
) -> PoolColumns:
    """The pool columns of the store's lines and the reversals among ``made`` (the
    ledger's other entries, none of them an expenditure or income line)."""
    import polars as pl

    frame = store.frame
    n = len(frame)
    spending = (frame["kind"] == _EXPENDITURE).to_list()
    amounts = store.column("pence")
    lead = agreement.vat_model is VatModel.LEAD_PARTNER_REGIME
    recovered, bodies, lost = _vat(pl, store, _VatSplits(vat_shares), amounts, lead)
    largest = max(
        max(map(abs, amounts), default=0),
        max(map(abs, recovered), default=0),
        max(map(abs, lost), default=0),
    )
    host = agreement.host
    paid_by = [None if p == host else p for p in store.column("paid_by")]
    source = [SPENDING if s else INCOME for s in spending]
    fields: list[list[Any]] = [
        store.column("id"),
        store.column("scheme"),
        store.column("date"),
        spending,
        amounts,
        recovered,
        [None] * n,
        paid_by,
        bodies,
        source,
        store.column("procuring_partner"),
        store.column("category"),
        store.column("unauthorised"),
        store.column("capital"),
        store.column("source"),
        lost,
    ]
    order = _with_reversals(pl, frame, [e for e in made if isinstance(e, Reversal)], fields)
    c = PoolColumns()
    for k, column in enumerate(_columns(c)):
        values, fields[k] = fields[k], []  # each list let go once gathered (memory)
        column.extend(map(values.__getitem__, order))
        del values
    c.largest = largest
    return c


def _vat(
    pl: Any, store: LineStore, split: _VatSplits, amounts: list[int], lead_partner: bool
) -> tuple[list[int], list[Bodies], list[int]]:
    """Each stored line's recoverable VAT, VAT bodies and VAT lost, as the walk finds
    them (``amounts``, each line's net or income to start with, made pool costs)."""
    frame = store.frame
    n = len(frame)
    recovered = [0] * n
    bodies: list[Bodies] = [()] * n
    lost = [0] * n
    plain = (pl.col("kind") == _EXPENDITURE) & (pl.col("vat") == 0)
    plain = plain & pl.col("vat_recoverable").is_null()
    keys = ["scheme", "date", "procuring_partner", "cos_listed"]
    groups = (
        frame.with_row_index("at")
        .filter(plain)
        .group_by(keys, maintain_order=True)
        .agg(pl.col("at"))
    )
    firsts = [at[0] for at in groups["at"].to_list()]
    reps = dict(store.entries_at(firsts))
    for at in groups["at"].to_list():
        rec, by_body = split(reps[at[0]])  # type: ignore[arg-type]
        for i in at:
            bodies[i] = by_body
        if rec:  # never, with no VAT: kept as the walk has it
            for i in at:
                recovered[i] = rec
                amounts[i] -= rec
                lost[i] = sum(v - r for _, v, r in by_body)
    taxed = frame.with_row_index("at").filter(~plain & (pl.col("kind") == _EXPENDITURE))
    if lead_partner:
        _taxed_lead_partner(pl, store, split, taxed, amounts, recovered, bodies, lost)
        return recovered, bodies, lost
    for i, e in store.entries_at(taxed["at"].to_list(), keep=False):
        rec, by_body = split(e)  # type: ignore[arg-type]
        vat = e.vat_pence  # type: ignore[union-attr]
        bodies[i], recovered[i] = by_body, rec
        if vat or rec:
            amounts[i] = e.net_pence + vat - rec  # type: ignore[union-attr]
            lost[i] = sum(v - r for _, v, r in by_body)
    return recovered, bodies, lost


def _taxed_lead_partner(
    pl: Any,
    store: LineStore,
    split: _VatSplits,
    taxed: Any,
    amounts: list[int],
    recovered: list[int],
    bodies: list[Bodies],
    lost: list[int],
) -> None:
    """The VAT of the lines with VAT under ``LEAD_PARTNER_REGIME``: one body, the
    procurer (else the host), recovering the VAT given, else all of it or none as its
    regime and the line's s41 flag say.  One entry's split per procurer, s41 flag and
    VAT given or not tells the body and whether it recovers (docs/ledger.md#vat)."""
    given = pl.col("vat_recoverable").is_null().alias("none_given")
    groups = taxed.group_by("procuring_partner", "cos_listed", given, maintain_order=True).agg(
        "at", "vat", "vat_recoverable"
    )
    firsts = [at[0] for at in groups["at"].to_list()]
    reps = dict(store.entries_at(firsts, keep=False))
    for at, vats, recs in zip(
        groups["at"].to_list(),
        groups["vat"].to_list(),
        groups["vat_recoverable"].to_list(),
        strict=True,
    ):
        ((body, rep_vat, rep_rec),) = split(reps[at[0]])[1]  # type: ignore[arg-type]
        recovers = rep_rec == rep_vat  # with none given: all of it, or nothing
        for i, vat, given_rec in zip(at, vats, recs, strict=True):
            rec = given_rec if given_rec is not None else (vat if recovers else 0)
            bodies[i], recovered[i] = ((body, vat, rec),), rec
            if vat or rec:
                amounts[i] += vat - rec
                lost[i] = vat - rec


def _with_reversals(
    pl: Any, frame: Any, reversals: list[Reversal], fields: list[list[Any]]
) -> list[int]:
    """Add the lines of ``reversals`` to ``fields`` (after the store's lines); the
    places in ``fields`` of every line, in canonical order.

    As in the walk, a reversal makes a line only if the line it reverses comes before
    it; that line negated, the entry behind it the one behind that line unless that
    line is itself a reversal's (:data:`OTHER`)."""
    n = len(frame)
    keys = pl.DataFrame(
        {
            "date": pl.Series([e.date for e in reversals], dtype=pl.Date),
            "kind": pl.Series([_REVERSAL] * len(reversals), dtype=pl.Int8),
            "id": pl.Series([e.id for e in reversals], dtype=pl.String),
        }
    )
    both = pl.concat([frame.select("date", "kind", "id"), keys], how="vertical")
    order = both.with_row_index("at").sort("date", "kind", "id")["at"]
    if not reversals:
        return list(order.to_list())
    place = order.arg_sort().to_list()  # each line's place in canonical order
    named = sorted({e.reverses for e in reversals})
    ids = fields[0]
    row_of = {ids[i]: i for i in frame.select(pl.col("id").is_in(named).arg_true()).to_series()}
    new = [*range(n), *([-1] * len(reversals))]  # where each line ends up in ``fields``
    line_of: dict[str, int] = {}  # the reversals' lines so far, by id
    for i in order.filter(order >= n).to_list():  # the reversals, in canonical order
        e = reversals[i - n]
        o = line_of.get(e.reverses)
        if o is None:
            o = row_of.get(e.reverses)
            if o is None or place[o] > place[i]:
                continue  # the line it reverses is not before it: no line
        new[i] = line_of[e.id] = len(ids)
        _negated(fields, e, o)
    gathered = pl.Series(new, dtype=pl.Int64).gather(order)
    return list(gathered.filter(gathered >= 0).to_list())


def _negated(fields: list[list[Any]], e: Reversal, o: int) -> None:
    """Add the line of reversal ``e`` of the line at ``o`` to ``fields``."""
    (ids, schemes, dates, spending, amounts, recovered, reverses, paid_by, bodies) = fields[:9]
    (source, procurer, category, unauthorised, capital, told, lost) = fields[9:]
    ids.append(e.id)
    schemes.append(schemes[o])
    dates.append(e.date)
    spending.append(spending[o])
    amounts.append(-amounts[o])
    recovered.append(-recovered[o])
    reverses.append(ids[o])
    paid_by.append(paid_by[o])
    bodies.append(tuple((p, -v, -r) for p, v, r in bodies[o]))
    if reverses[o] is None:
        source.append(source[o])
        procurer.append(procurer[o])
        category.append(category[o])
        unauthorised.append(unauthorised[o])
        capital.append(capital[o])
        told.append(told[o])
    else:
        source.append(OTHER)
        procurer.append(None)
        category.append(None)
        unauthorised.append(False)
        capital.append(False)
        told.append(None)
    lost.append(-lost[o])


def _columns(c: PoolColumns) -> list[list[Any]]:
    """The sixteen lists of ``c``, in the order of a line's fields."""
    return [
        c.ids,
        c.schemes,
        c.dates,
        c.expenditure,
        c.amounts,
        c.recovered,
        c.reverses,
        c.paid_by,
        c.bodies,
        c.source,
        c.procurer,
        c.category,
        c.unauthorised,
        c.capital,
        c.income_source,
        c.irrecoverable,
    ]
