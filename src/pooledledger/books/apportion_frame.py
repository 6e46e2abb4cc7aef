"""An apportionment's lines as one polars frame, made from pool columns (layer L2).

:func:`~pooledledger.books.apportion_lines.line_columns` gives every line of an
apportionment as Python lists: a million lines' ids, dates, schemes and shares
as Python objects, about 570 MB.  :func:`line_frame` gives the same lines as polars
columns, with no Python object per line, when the ledger's pool lines are held in
columns (a large CSV file's, docs/csv-import.md#speed):

* the period's lines of the agreement's schemes are one slice of the pool
  columns' frame, filtered;
* each scheme and kind's amounts go to the running allocation as one column
  (:func:`~pooledledger.core.allocation_columns.allocate_running`), whose steps
  and remainder pennies come back as columns
  (:meth:`~pooledledger.core.allocation_columns.RunningAllocation.step_frame`) and
  are put back in the lines' order by one sort;
* the reversals of lines of the period (rare) are then gone through one by one,
  as :func:`~pooledledger.books.apportion_lines.line_columns` goes through them:
  each takes its original's shares negated, and its capital owner, and a true-up
  line follows it where the copied shares leave the running shares off the
  allocation of the running total (docs/ledger.md#in-year-apportionment).

The figures are those of the lists, value for value (tests/test_line_store.py
holds the property, docs/benchmarks.md has the figures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from pooledledger.books.pool_columns import PoolColumns
from pooledledger.core.allocation_columns import RunningAllocation
from pooledledger.model.entries import EntryKind
from pooledledger.model.partners import PartnerId, SchemeId

if TYPE_CHECKING:
    import polars

__all__ = ["LINE_FIELDS", "LineFrame", "line_frame"]

#: The per-line columns of :func:`line_frame`, in order (then ``share{j}`` and
#: ``won{j}`` for each partner ``j``).
LINE_FIELDS = ("entry_id", "scheme", "date", "kind", "reverses", "capital_owner", "line_pence")

_EXPENDITURE, _INCOME = EntryKind.EXPENDITURE.value, EntryKind.INCOME.value

Running = Callable[[Any], RunningAllocation[PartnerId]]


@dataclass(frozen=True)
class LineFrame:
    """An apportionment's lines as polars columns: ``rows`` (:data:`LINE_FIELDS`,
    then ``share{j}`` and ``won{j}`` per partner) and ``order``, the places of the
    rows in canonical order (``None``: as they are), taken a slice at a time."""

    rows: polars.DataFrame
    order: polars.Series | None = None

    def __len__(self) -> int:
        return self.rows.height

    def slice(self, lo: int, n: int) -> polars.DataFrame:
        """The ``n`` lines from place ``lo``, in order."""
        import polars as pl

        if self.order is None:
            return self.rows.slice(lo, n)
        return self.rows.select(pl.all().gather(self.order.slice(lo, n)))

    def whole(self) -> polars.DataFrame:
        """Every line, in order."""
        return self.slice(0, len(self))


def line_frame(
    columns: PoolColumns,
    start: date,
    end: date,
    schemes: Sequence[SchemeId],
    running: Mapping[SchemeId, Running],
    owners: Mapping[str, PartnerId],
    partners: tuple[PartnerId, ...],
) -> LineFrame | None:
    """The lines dated in ``[start, end)`` of ``schemes``, with every partner's share.

    ``running[k]`` allocates the running totals of a column of scheme ``k``'s amounts;
    ``owners`` are the capital items' owners by id.  The columns are
    :data:`LINE_FIELDS`, then ``share{j}`` (``Int64``) and ``won{j}`` (``Boolean``,
    a remainder penny) for each ``partners[j]``; ``None`` if a sum could leave
    ``Int64`` (:attr:`~pooledledger.books.pool_columns.PoolColumns.fits`)."""
    import polars as pl

    if not columns.fits:
        return None
    lo, hi = columns.between(start, end)
    kind = pl.when(pl.col("expenditure")).then(pl.lit(_EXPENDITURE)).otherwise(pl.lit(_INCOME))
    key = pl.coalesce("reverses", "ids")  # a capital item's, or the item a reversal undoes
    owner = key.replace_strict(
        list(owners), list(owners.values()), default=None, return_dtype=pl.String
    )
    lines = (
        columns.line_frame()
        .lazy()
        .slice(lo, hi - lo)
        .filter(pl.col("schemes").is_in(list(schemes)))
        .select(
            pl.col("ids").alias("entry_id"),
            pl.col("schemes").alias("scheme"),
            pl.col("dates").alias("date"),
            kind.alias("kind"),
            pl.col("reverses"),
            owner.alias("capital_owner"),
            pl.col("amounts").alias("line_pence"),
        )
        .with_row_index("at")
        .with_columns(pl.col("at").cast(pl.Int64))
        .collect()
    )
    shares, keys = _steps(pl, lines, running, partners)
    both = lines.with_columns(shares)
    del lines, shares
    rows, order = _reversals(pl, both, keys, len(partners))
    return LineFrame(rows.select(*LINE_FIELDS, *_share_columns(len(partners))), order)


def _share_columns(count: int) -> list[str]:
    return [*(f"share{j}" for j in range(count)), *(f"won{j}" for j in range(count))]


def _steps(
    pl: Any,
    lines: Any,
    running: Mapping[SchemeId, Running],
    partners: tuple[PartnerId, ...],
) -> tuple[list[Any], dict[tuple[str, str], tuple[int, ...]]]:
    """Every line's steps and remainder pennies by partner (``share{j}``, ``won{j}``),
    each group's (scheme and kind's) put in its lines' places; and the places in
    ``partners`` of each group's keys."""
    index = {p: j for j, p in enumerate(partners)}
    n, count = lines.height, len(partners)
    shares = [pl.zeros(n, dtype=pl.Int64, eager=True).alias(f"share{j}") for j in range(count)]
    won = [pl.repeat(False, n, dtype=pl.Boolean, eager=True).alias(f"won{j}") for j in range(count)]
    found = lines.select("scheme", "kind").unique().sort("scheme", "kind")
    keys: dict[tuple[str, str], tuple[int, ...]] = {}
    for scheme, kind in found.iter_rows():
        group = lines.lazy().filter((pl.col("scheme") == scheme) & (pl.col("kind") == kind))
        group = group.select("at", "line_pence").collect()
        run = running[scheme](group["line_pence"])
        got = run.step_frame()
        at = group["at"]
        for i, k in enumerate(run.keys):
            j = index[k]
            shares[j].scatter(at, got[f"D{i}"])
            won[j].scatter(at, got[f"W{i}"])
        keys[(scheme, kind)] = tuple(index[k] for k in run.keys)
    return [*shares, *won], keys


def _reversals(
    pl: Any, lines: Any, keys: Mapping[tuple[str, str], tuple[int, ...]], count: int
) -> tuple[Any, Any]:
    """``lines`` with the reversals of lines among them done: as
    :func:`~pooledledger.books.apportion_lines.line_columns` does them, one by one in
    order, each a few values read and set; with the true-up lines, and the order
    that puts each after its reversal (``None``: the lines are in order)."""
    undoing = lines.filter(
        pl.col("reverses").is_not_null() & pl.col("reverses").is_in(lines["entry_id"])
    )
    if not undoing.height:
        return lines, None
    share, won = [f"share{j}" for j in range(count)], [f"won{j}" for j in range(count)]
    originals = lines.filter(pl.col("entry_id").is_in(undoing["reverses"]))
    place = dict(zip(originals["entry_id"].to_list(), originals["at"].to_list(), strict=True))
    involved = pl.concat([undoing["at"], originals["at"]]).unique().sort()
    rows = lines.select("at", *share, *won, "capital_owner").filter(pl.col("at").is_in(involved))
    shares = {r[0]: list(r[1 : count + 1]) for r in rows.iter_rows()}
    wins = {r[0]: list(r[count + 1 : 2 * count + 1]) for r in rows.iter_rows()}
    owner = dict(zip(rows["at"].to_list(), rows["capital_owner"].to_list(), strict=True))
    true_ups: list[tuple[int, list[int], list[bool]]] = []
    for i, r, scheme, kind in undoing.select("at", "reverses", "scheme", "kind").iter_rows():
        o = place[r]
        if o > i:  # as the lines made one by one: an original must come first
            raise KeyError(r)
        was, got = shares[i], wins[i]
        up = [0] * count
        for j in keys[(scheme, kind)]:
            up[j] = was[j] + shares[o][j]  # step − (−original)
        shares[i] = [-v for v in shares[o]]
        wins[i] = [False] * count
        owner[i] = owner[o]
        if any(up):
            true_ups.append((i, up, got))
    at = undoing["at"]
    places = at.to_list()
    done = [
        *(
            lines[name].clone().scatter(at, pl.Series([shares[i][j] for i in places]))
            for j, name in enumerate(share)
        ),
        *(
            lines[name].clone().scatter(at, pl.Series([wins[i][j] for i in places]))
            for j, name in enumerate(won)
        ),
        lines["capital_owner"]
        .clone()
        .scatter(at, pl.Series([owner[i] for i in places], dtype=pl.String)),
    ]
    lines = lines.with_columns(done)
    return _with_true_ups(pl, lines, true_ups, share, won) if true_ups else (lines, None)


def _with_true_ups(
    pl: Any,
    lines: Any,
    true_ups: list[tuple[int, list[int], list[bool]]],
    share: list[str],
    won: list[str],
) -> tuple[Any, Any]:
    """``lines`` and the true-up lines after them, and the places of all of them in
    order: each true-up line after its reversal (gathered a slice at a time)."""
    at = [i for i, _, _ in true_ups]
    of = lines.filter(pl.col("at").is_in(at)).sort("at")
    extra = of.select(
        (pl.col("entry_id") + ":true-up").alias("entry_id"),
        "scheme",
        "date",
        "kind",
        pl.lit(None, dtype=pl.String).alias("reverses"),
        pl.lit(0, dtype=pl.Int64).alias("line_pence"),
        pl.lit(None, dtype=pl.String).alias("capital_owner"),
        (pl.col("at") * 2 + 1).alias("order"),
    ).with_columns(
        *(
            pl.Series(name, [up[j] for _, up, _ in true_ups], dtype=pl.Int64)
            for j, name in enumerate(share)
        ),
        *(
            pl.Series(name, [w[j] for _, _, w in true_ups], dtype=pl.Boolean)
            for j, name in enumerate(won)
        ),
    )
    columns = [*LINE_FIELDS, *share, *won]
    both = pl.concat([lines.select(columns), extra.select(columns)], how="vertical", rechunk=False)
    order = pl.concat([lines["at"] * 2, extra["order"]]).arg_sort()
    return both, order
