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
they reverse, as the walk negates it.  tests/test_line_store.py holds the
property: the same columns, field for field and in the same order, as the walk
over the entries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import date
from operator import itemgetter
from typing import Any

from pooledledger.books.entry_order import KIND_RANK
from pooledledger.books.line_store import LineStore
from pooledledger.books.lines import PoolLine, _VatSplits
from pooledledger.books.pool_columns import (
    _FRAME,
    _LIMIT,
    INCOME,
    SPENDING,
    PoolColumns,
    _reversal,
    procurer_or_host,
)
from pooledledger.core.tables import gather_rows
from pooledledger.model.agreement import Agreement, VatModel
from pooledledger.model.entries import Entry, EntryKind, Expenditure, Reversal
from pooledledger.model.partners import PartnerId

__all__ = ["stored_pool_columns"]

Bodies = tuple[tuple[PartnerId, int, int], ...]

#: The kinds' ranks on one date, as the store's frame holds them.
_EXPENDITURE, _REVERSAL = KIND_RANK["expenditure"], KIND_RANK["reversal"]


def stored_pool_columns(
    store: LineStore,
    made: Iterable[Entry],
    agreement: Agreement,
    vat_shares: Callable[[Expenditure], Any],
) -> PoolColumns:
    """The pool columns of the store's lines and the reversals among ``made`` (the
    ledger's other entries, none of them an expenditure or income line).

    The lines are put in canonical order by polars; the lists are made from the
    ordered frame only when read (:class:`_Ordered`): the close reads the frame."""
    import polars as pl

    frame = store.frame
    spending = frame["kind"] == _EXPENDITURE
    amounts = frame["pence"].to_list()
    lead = agreement.vat_model is VatModel.LEAD_PARTNER_REGIME
    recovered, bodies, lost, recoveries = _vat(pl, store, _VatSplits(vat_shares), amounts, lead)
    host = agreement.host
    text = pl.String
    lines = pl.DataFrame(  # the store's lines, in its order: the fields of PoolColumns
        {
            "ids": frame["id"],
            "schemes": frame["scheme"].cast(text),
            "dates": frame["date"],
            "expenditure": spending,
            "amounts": pl.Series(amounts, dtype=pl.Int64),
            "recovered": pl.Series(recovered, dtype=pl.Int64),
            "reverses": pl.repeat(None, len(frame), dtype=text, eager=True),
            "paid_by": frame.select(
                pl.when(pl.col("paid_by").cast(text) != host).then(pl.col("paid_by").cast(text))
            ).to_series(),
            "source": spending.cast(pl.Int8).replace_strict(
                [1, 0], [SPENDING, INCOME], return_dtype=pl.Int8
            ),
            "procurer": frame["procuring_partner"].cast(text),
            "category": frame["category"].cast(text),
            "unauthorised": frame["unauthorised"],
            "capital": frame["capital"],
            "income_source": store.series("source"),
            "irrecoverable": pl.Series(lost, dtype=pl.Int64),
        }
    )
    del amounts, recovered, lost
    held_recovered = lines["recovered"]  # each held line's, in the store's order
    reversals = [e for e in made if isinstance(e, Reversal)]
    lines, order, hits = _with_reversal_lines(pl, store, reversals, lines, bodies)
    ordered = gather_rows(lines, order)
    del lines
    figures = ordered.select(pl.col("amounts", "recovered", "irrecoverable").abs().max())
    largest = max((v or 0 for v in figures.row(0)), default=0)
    at = order.to_list()
    found = _Ordered(
        ordered, list(itemgetter(*at)(bodies)) if len(at) > 1 else [bodies[i] for i in at], largest
    )
    found.__dict__["held_recovered"] = held_recovered
    if hits is not None:  # else made by a walk of the bodies when read
        found.__dict__["recoveries"] = _ordered_recoveries(pl, recoveries, hits, order)
    return found


def _ordered_recoveries(pl: Any, held: Any, hits: Any, order: Any) -> Any:
    """The recoveries of the held lines (``held``, by row in the store) and of the
    reversals' lines (those of the held line each reverses, negated: ``hits`` maps a
    reversal's row to that line's), by place in canonical order, then body."""
    undone = held.join(hits, left_on="row", right_on="hit", how="inner").select(
        pl.col("new").alias("row"), "k", "body", -pl.col("recovered")
    )
    rows = pl.concat([held, undone], how="vertical")
    place = order.arg_sort()  # each row's place in canonical order
    return (
        rows.with_columns(place.gather(rows["row"]).cast(pl.Int64).alias("at"))
        .sort("at", "k")
        .select("at", "body", "recovered")
    )


#: The list fields of :class:`PoolColumns`.
_LISTS = tuple(f.name for f in fields(PoolColumns) if f.name != "largest")
#: The polars type of each list field held in a frame (all but ``bodies``).
_TYPES = {
    "ids": "String",
    "schemes": "String",
    "dates": "Date",
    "expenditure": "Boolean",
    "amounts": "Int64",
    "recovered": "Int64",
    "reverses": "String",
    "paid_by": "String",
    "source": "Int8",
    "procurer": "String",
    "category": "String",
    "unauthorised": "Boolean",
    "capital": "Boolean",
    "income_source": "String",
    "irrecoverable": "Int64",
}


def _frame_of(pl: Any, c: PoolColumns) -> Any:
    """The list fields of ``c`` (``bodies`` apart) as a frame of :data:`_TYPES`."""
    return pl.DataFrame(
        {name: pl.Series(getattr(c, name), dtype=getattr(pl, t)) for name, t in _TYPES.items()}
    )


class _Ordered(PoolColumns):
    """Pool columns held as a polars frame in canonical order: each list made from
    the frame when first read, the frame the sums read made from it directly."""

    def __init__(self, ordered: Any, bodies: list[Bodies], largest: int) -> None:
        # the dataclass fields are not set here: each is made when first read
        self.__dict__["_ordered"] = ordered
        self.__dict__["bodies"] = bodies
        self.__dict__["largest"] = largest
        self.__dict__["frame"] = ordered.select(
            [ordered[field].alias(name) for name, field, _ in _FRAME]
        )

    def __getattr__(self, name: str) -> Any:
        if name in _TYPES:
            values = self.__dict__["_ordered"][name].to_list()
            self.__dict__[name] = values
            return values
        raise AttributeError(name)

    def __len__(self) -> int:
        return len(self.bodies)

    @property
    def fits(self) -> bool:
        return self.largest * max(len(self), 1) < _LIMIT

    # what is read of a few lines, or of one slice, is read from the frame: no list
    # of a million values is made for it (docs/benchmarks.md#eighth-round)

    def between(self, start: date, end: date) -> tuple[int, int]:
        dates = self.__dict__["_ordered"]["dates"]
        lo = dates.search_sorted(start, side="left")
        return lo, max(lo, dates.search_sorted(end, side="left"))

    def line(self, i: int) -> PoolLine:
        return self.lines_at([i])[0]

    def line_frame(self) -> Any:
        return self.__dict__["_ordered"]

    def lines_at(self, at: Sequence[int]) -> list[PoolLine]:
        if not at:
            return []
        import polars as pl

        rows = self.__dict__["_ordered"].select(
            pl.col(list(_LINE_FIELDS)).gather(pl.Series(at, dtype=pl.Int64))
        )
        bodies, kinds = self.bodies, {True: EntryKind.EXPENDITURE, False: EntryKind.INCOME}
        return [
            PoolLine(i, k, d, kinds[x], a, r, u, p, bodies[place])
            for place, (i, k, d, x, a, r, u, p) in zip(at, rows.iter_rows(), strict=True)
        ]

    def ids_between(self, lo: int, hi: int) -> list[str]:
        ids: list[str] = self.__dict__["_ordered"]["ids"].slice(lo, max(hi - lo, 0)).to_list()
        return ids

    def recovered_of(self, ids: list[str]) -> dict[str, int]:
        import polars as pl

        found = self.__dict__["_ordered"].filter(
            pl.col("ids").is_in(ids) & pl.col("expenditure") & pl.col("reverses").is_null()
        )
        return dict(zip(found["ids"].to_list(), found["recovered"].to_list(), strict=True))

    def capital_owners(self, host: PartnerId) -> dict[str, PartnerId]:
        import polars as pl

        owner = procurer_or_host(host)
        found = self.__dict__["_ordered"].filter(
            pl.col("capital") & pl.col("reverses").is_null() & (pl.col("source") == SPENDING)
        )
        owners = found.select("ids", owner.alias("owner"))
        return dict(zip(owners["ids"].to_list(), owners["owner"].to_list(), strict=True))


#: The fields of a :class:`~pooledledger.books.lines.PoolLine` but its VAT bodies, in order.
_LINE_FIELDS = (
    "ids",
    "schemes",
    "dates",
    "expenditure",
    "amounts",
    "recovered",
    "reverses",
    "paid_by",
)


def _vat(
    pl: Any, store: LineStore, split: _VatSplits, amounts: list[int], lead_partner: bool
) -> tuple[list[int], list[Bodies], list[int], Any]:
    """Each stored line's recoverable VAT, VAT bodies and VAT lost, as the walk finds
    them (``amounts``, each line's net or income to start with, made pool costs), and
    the recoveries of their bodies (:func:`_recoveries`)."""
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
    grouped = groups["at"].to_list()
    for at in grouped:
        rec, by_body = split(reps[at[0]])  # type: ignore[arg-type]
        for i in at:
            bodies[i] = by_body
        if rec:  # never, with no VAT: kept as the walk has it
            for i in at:
                recovered[i] = rec
                amounts[i] -= rec
                lost[i] = sum(v - r for _, v, r in by_body)
    taxed = frame.with_row_index("at").filter(~plain & (pl.col("kind") == _EXPENDITURE))
    taxed_at = taxed["at"].to_list()
    if lead_partner:
        _taxed_lead_partner(pl, store, split, taxed, amounts, recovered, bodies, lost)
        return recovered, bodies, lost, _recoveries(pl, bodies, grouped, taxed_at)
    for i, e in store.entries_at(taxed_at, keep=False):
        rec, by_body = split(e)  # type: ignore[arg-type]
        vat = e.vat_pence  # type: ignore[union-attr]
        bodies[i], recovered[i] = by_body, rec
        if vat or rec:
            amounts[i] = e.net_pence + vat - rec  # type: ignore[union-attr]
            lost[i] = sum(v - r for _, v, r in by_body)
    return recovered, bodies, lost, _recoveries(pl, bodies, grouped, taxed_at)


def _recoveries(pl: Any, bodies: list[Bodies], grouped: list[list[int]], taxed: list[int]) -> Any:
    """Each VAT body's recoverable VAT on each stored line, where it is not nil: the
    rows of :attr:`~pooledledger.books.pool_columns.PoolColumns.recoveries` by the
    line's ``row`` in the store and the body's place ``k`` in the line.  Only the
    lines with VAT (``taxed``) have bodies of their own; the lines of a group with
    none (``grouped``) share one tuple, looked at once.  Income lines have none."""
    row: list[int] = []
    k: list[int] = []
    body: list[PartnerId] = []
    amount: list[int] = []

    def add(i: int, parts: Bodies) -> None:
        for j, (b, _, r) in enumerate(parts):
            if r:
                row.append(i)
                k.append(j)
                body.append(b)
                amount.append(r)

    for at in grouped:
        if any(r for _, _, r in bodies[at[0]]):  # never, with no VAT
            for i in at:
                add(i, bodies[i])
    for i in taxed:
        add(i, bodies[i])
    return pl.DataFrame(
        {
            "row": pl.Series(row, dtype=pl.Int64),
            "k": pl.Series(k, dtype=pl.Int64),
            "body": pl.Series(body, dtype=pl.String),
            "recovered": pl.Series(amount, dtype=pl.Int64),
        }
    )


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


def _with_reversal_lines(
    pl: Any, store: LineStore, reversals: list[Reversal], lines: Any, bodies: list[Bodies]
) -> tuple[Any, Any, Any]:
    """``lines`` with the reversals' lines after them (their bodies added to
    ``bodies``), the places of every line in canonical order, and each reversal's
    line's row with the row of the held line it reverses (``new``, ``hit``): by
    column expressions (:func:`_reversal_lines`), else by the walk
    (:func:`_with_reversals`, no rows: ``None``)."""
    fast = _reversal_lines(pl, store, reversals, lines, bodies)
    if fast is not None:
        order, extra_lines, extra_bodies, hits = fast
        if extra_lines.height:
            lines = pl.concat([lines, extra_lines], how="vertical")
            bodies += extra_bodies
        return lines, order, hits
    order, extra = _with_reversals(store, reversals, lines, bodies)
    if len(extra):
        lines = pl.concat([lines, _frame_of(pl, extra)], how="vertical")
        bodies += extra.bodies
    return lines, order, None


def _reversal_lines(
    pl: Any, store: LineStore, reversals: list[Reversal], lines: Any, bodies: list[Bodies]
) -> tuple[Any, Any, list[Bodies], Any] | None:
    """What :func:`_with_reversals` makes, by column expressions: the places of every
    line in canonical order, and the reversals' lines (a frame of ``lines``' columns,
    in canonical order) with their VAT bodies.  A reversal's line is the held line it
    reverses negated, if that line comes before it (``_reversal``: the entry behind
    it the one reversed).  ``None`` if a reversal reverses another reversal (never in
    a ledger: the walk of :func:`_with_reversals` then)."""
    n = len(store)
    named = {e.id for e in reversals}
    if any(e.reverses in named for e in reversals):
        return None
    order = store.canonical([(e.date, _REVERSAL, e.id) for e in reversals])
    if not reversals:
        return order, lines.clear(), [], _no_hits(pl)
    found = _reversed(pl, store, reversals, order)
    negated = {"amounts", "recovered", "irrecoverable"}
    extra = lines.select(
        [
            (-pl.col(c) if c in negated else pl.col(c)).gather(found["hit"]).alias(c)
            for c in lines.columns
        ]
    ).with_columns(
        found["id"].alias("ids"),
        found["date"].alias("dates"),
        lines["ids"].gather(found["hit"]).alias("reverses"),
    )
    new = pl.Series([-1] * len(reversals), dtype=pl.Int64).scatter(
        found["row"] - n, pl.int_range(n, n + found.height, dtype=pl.Int64, eager=True)
    )
    gathered = pl.concat([pl.int_range(0, n, dtype=pl.Int64, eager=True), new]).gather(order)
    flipped: dict[int, Bodies] = {}
    extra_bodies = []
    for h in found["hit"].to_list():
        parts = bodies[h]
        got = flipped.get(id(parts))
        if got is None:
            got = flipped[id(parts)] = tuple((p, -v, -r) for p, v, r in parts)
        extra_bodies.append(got)
    hits = pl.DataFrame(
        {"new": pl.int_range(n, n + found.height, dtype=pl.Int64, eager=True), "hit": found["hit"]}
    )
    return gathered.filter(gathered >= 0), extra.select(lines.columns), extra_bodies, hits


def _no_hits(pl: Any) -> Any:
    """No reversal's line: no rows."""
    return pl.DataFrame(schema={"new": pl.Int64, "hit": pl.Int64})


def _reversed(pl: Any, store: LineStore, reversals: list[Reversal], order: Any) -> Any:
    """The reversals that make a line, in canonical order: each one's ``row`` (numbered
    on after the held lines), ``id``, ``date`` and the place ``hit`` of the held line
    it reverses, which comes before it in canonical order."""
    n = len(store)
    places = order.arg_sort()  # each line's place in canonical order, by row
    held = store.frame.select(pl.col("id").alias("reverses")).with_row_index("hit")
    found = (
        pl.DataFrame(
            {
                "row": pl.int_range(n, n + len(reversals), dtype=pl.Int64, eager=True),
                "id": [e.id for e in reversals],
                "date": pl.Series([e.date for e in reversals], dtype=pl.Date),
                "reverses": [e.reverses for e in reversals],
            }
        )
        .join(held, on="reverses", how="inner", maintain_order="left")
        .with_columns(pl.col("hit").cast(pl.Int64))
    )
    return (
        found.with_columns(
            places.gather(found["row"]).alias("place"), places.gather(found["hit"]).alias("was")
        )
        .filter(pl.col("was") < pl.col("place"))  # the line reversed comes first
        .sort("place")
    )


def _with_reversals(
    store: LineStore, reversals: list[Reversal], lines: Any, bodies: list[Bodies]
) -> tuple[Any, PoolColumns]:
    """The lines of ``reversals`` (a :class:`PoolColumns` of their own, numbered on
    after the store's ``lines``), and the places of every line in canonical order.

    As in the walk, a reversal makes a line only if the line it reverses comes before
    it: that line negated (:func:`~pooledledger.books.pool_columns._reversal`), made
    here from the lines reversed (taken from ``lines`` and ``bodies``) and the
    reversals' own lines before it."""
    import polars as pl

    n = len(store)
    order = store.canonical([(e.date, _REVERSAL, e.id) for e in reversals])
    if not reversals:
        return order, PoolColumns()
    places = order.arg_sort()  # each line's place in canonical order
    named = sorted({e.reverses for e in reversals})
    hits = store.frame.select(pl.col("id").is_in(named).arg_true()).to_series().to_list()
    undoing = order.filter(order >= n)  # the reversals, in canonical order
    place = dict(zip(hits, places.gather(hits).to_list(), strict=True))
    place.update(zip(undoing.to_list(), places.gather(undoing).to_list(), strict=True))
    # the lines reversed, then the reversals' lines as they are made (``_reversal``)
    mine = _columns_of(lines.select(pl.all().gather(hits)), [bodies[i] for i in hits])
    first = len(hits)
    row_of = {mine.ids[k]: k for k in range(first)}
    new = [*range(n), *([-1] * len(reversals))]  # where each line ends up
    line_of: dict[str, int] = {}  # the reversals' lines so far (places in ``mine``), by id
    for i in undoing.to_list():
        e = reversals[i - n]
        o = line_of.get(e.reverses)
        if o is None:
            k = row_of.get(e.reverses)
            if k is None or place[hits[k]] > place[i]:
                continue  # the line it reverses is not before it: no line
            o = k
        new[i] = n + len(mine.ids) - first
        line_of[e.id] = len(mine.ids)
        _reversal(mine, e, o)
    gathered = pl.Series(new, dtype=pl.Int64).gather(order)
    extra = PoolColumns()
    for name in _LISTS:
        setattr(extra, name, getattr(mine, name)[first:])
    return gathered.filter(gathered >= 0), extra


def _columns_of(frame: Any, bodies: list[Bodies]) -> PoolColumns:
    """A :class:`PoolColumns` of the lines in ``frame`` (its list fields) and ``bodies``."""
    c = PoolColumns(bodies=bodies)
    for name in _TYPES:
        setattr(c, name, frame[name].to_list())
    return c
