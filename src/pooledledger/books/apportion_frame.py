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
  are scattered into the lines' places;
* the reversals of lines of the period are then done all at once by column
  expressions, as :func:`~pooledledger.books.apportion_lines.line_columns` does
  them one by one: each takes its original's shares negated (a ledger's reversal
  reverses an expenditure or an income, never a reversal, so no reversal reads what
  another sets), and its capital owner, and a true-up line follows it where the
  copied shares leave the running shares off the allocation of the running total
  (docs/ledger.md#in-year-apportionment).

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
from pooledledger.core.tables import gather_rows
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

        if self.order is None:
            return self.rows.slice(lo, n)
        return gather_rows(self.rows, self.order.slice(lo, n))


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
    shares = _steps(pl, lines, running, partners)
    both = lines.with_columns(shares)
    del lines, shares
    done = _reversals(pl, both, len(partners))
    if done is None:
        return None
    rows, order = done
    return LineFrame(rows.select(*LINE_FIELDS, *_share_columns(len(partners))), order)


def _share_columns(count: int) -> list[str]:
    return [*(f"share{j}" for j in range(count)), *(f"won{j}" for j in range(count))]


def _steps(
    pl: Any,
    lines: Any,
    running: Mapping[SchemeId, Running],
    partners: tuple[PartnerId, ...],
) -> list[Any]:
    """Every line's steps and remainder pennies by partner (``share{j}``, ``won{j}``),
    each group's (scheme and kind's) put in its lines' places."""
    index = {p: j for j, p in enumerate(partners)}
    n, count = lines.height, len(partners)
    shares = [pl.zeros(n, dtype=pl.Int64, eager=True).alias(f"share{j}") for j in range(count)]
    won = [pl.repeat(False, n, dtype=pl.Boolean, eager=True).alias(f"won{j}") for j in range(count)]
    found = lines.select("scheme", "kind").unique().sort("scheme", "kind")
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
    return [*shares, *won]


def _reversals(pl: Any, lines: Any, count: int) -> tuple[Any, Any] | None:
    """``lines`` with the reversals of lines among them done, as
    :func:`~pooledledger.books.apportion_lines.line_columns` does them one by one in
    order: each takes its original's shares negated (no remainder penny) and its
    capital owner, and a true-up line of its step less those copied follows it if
    that is not nil.  With the true-up lines, and the order that puts each after its
    reversal (``None``: the lines are in order).

    A ledger's reversal reverses an expenditure or an income (or a year-closed
    marker, which has no line), never a reversal: so each reads only values no
    reversal changes, and all are done at once by column expressions.  Were a
    reversal of a reversal's line met, ``None`` (the lists take any chain in order)."""
    share, won = [f"share{j}" for j in range(count)], [f"won{j}" for j in range(count)]
    undoing = (
        lines.lazy()
        .filter(pl.col("reverses").is_not_null())
        .select("at", "reverses", "scheme", "kind")
        .join(
            lines.lazy().select(pl.col("entry_id").alias("reverses"), pl.col("at").alias("o")),
            on="reverses",
            how="inner",
            maintain_order="left",
        )
        .collect()
    )
    if not undoing.height:
        return lines, None
    late = undoing.filter(pl.col("o") > pl.col("at"))
    if late.height:  # as the lines made one by one: an original must come first
        raise KeyError(late["reverses"][0])
    if undoing.select(pl.col("o").is_in(pl.col("at").implode()).any()).item():
        return None  # a reversal of a reversal's line: never in a ledger (the lists)
    i, o = undoing["at"], undoing["o"]
    step = lines.select(pl.col(share).gather(i))
    copied = lines.select(pl.col([*share, "capital_owner"]).gather(o))
    columns = {name: lines[name].clone() for name in (*share, *won, "capital_owner")}
    for name in share:
        columns[name].scatter(i, -copied[name])
    for name in won:
        columns[name].scatter(i, pl.repeat(False, len(i), dtype=pl.Boolean, eager=True))
    columns["capital_owner"].scatter(i, copied["capital_owner"])
    ups = pl.DataFrame(
        {
            "at": i,
            **{name: step[name] + copied[name] for name in share},
            **{name: lines[name].gather(i) for name in won},  # the step's pennies
        }
    )
    lines = lines.with_columns(columns.values())
    ups = ups.filter(pl.any_horizontal(pl.col(share) != 0)).sort("at")
    return _with_true_ups(pl, lines, ups, share, won) if ups.height else (lines, None)


def _with_true_ups(
    pl: Any, lines: Any, ups: Any, share: list[str], won: list[str]
) -> tuple[Any, Any]:
    """``lines`` and the true-up lines after them (``ups``: each one's reversal's
    place ``at``, in order, and its shares and remainder pennies), and the places of
    all of them in order: each true-up line after its reversal (gathered a slice at
    a time)."""
    extra = (
        lines.select("entry_id", "scheme", "date", "kind")
        .select(pl.all().gather(ups["at"]))
        .select(
            (pl.col("entry_id") + ":true-up").alias("entry_id"),
            "scheme",
            "date",
            "kind",
            pl.lit(None, dtype=pl.String).alias("reverses"),
            pl.lit(None, dtype=pl.String).alias("capital_owner"),
            pl.lit(0, dtype=pl.Int64).alias("line_pence"),
        )
        .with_columns(ups.select(*share, *won))
    )
    columns = [*LINE_FIELDS, *share, *won]
    both = pl.concat([lines.select(columns), extra.select(columns)], how="vertical", rechunk=False)
    order = pl.concat([lines["at"] * 2, ups["at"] * 2 + 1]).arg_sort()
    return both, order
