"""Expenditure and income lines held as columns, each entry made only when asked for
(layer L2).

A reader that checks a file's cells column by column (the bulk CSV reader,
:mod:`pooledledger.io.bulk_rows`) has every field of a clean line in columns before
it makes the line's entry.  A :class:`LineStore` keeps those columns instead: one
:class:`Block` per run of lines of one kind that give the same fields, each field
one tuple down the block.  The ledger reads the lines from :attr:`LineStore.frame`
(polars) for its checks and its pool lines, and makes the entries, exactly as the
reader would have made them, only when one is asked for
(docs/benchmarks.md#sixth-round-6-december-night-the-floor-of-one-object-per-line-and-lines-held-in-columns).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

from moneyed import Money

from pooledledger.books.entry_order import KIND_RANK, Target
from pooledledger.core.money import GBP, to_pence
from pooledledger.model.entries import Entry, EntryKind, Expenditure, Income

if TYPE_CHECKING:
    import polars

__all__ = ["FRAME_FIELDS", "STORED", "Block", "LineStore", "SharedMoney", "money_of"]

#: What a reader holds for a line kept in a store, in place of its entry.
STORED: Any = type("_Stored", (), {"__repr__": lambda self: "<stored>"})()

_new = object.__new__
_set = object.__setattr__

#: The columns of :attr:`LineStore.frame`: its name, the entry field it is read from
#: for an expenditure and for an income (``None``: no such field), the polars type.
FRAME_FIELDS: tuple[tuple[str, str | None, str | None, str], ...] = (
    ("id", "id", "id", "String"),
    ("scheme", "scheme", "scheme", "Categorical"),
    ("date", "date", "date", "Date"),
    ("pence", "net_pence", "pence", "Int64"),
    ("vat", "vat_pence", None, "Int64"),
    ("vat_recoverable", "vat_recoverable", None, "Int64"),
    ("paid_by", "paid_by", None, "Categorical"),
    ("procuring_partner", "procuring_partner", None, "Categorical"),
    ("category", "category", None, "Categorical"),
    ("capital", "capital", None, "Boolean"),
    ("cos_listed", "cos_listed", None, "Boolean"),
    ("unauthorised", "unauthorised", None, "Boolean"),
    ("agreement_ref", "agreement_ref", None, "String"),
    ("source", None, "source", "String"),
)

#: Each field of :data:`FRAME_FIELDS`, by name.
_FRAME_FIELD = {f[0]: f for f in FRAME_FIELDS}

#: The columns read only as lists (:meth:`LineStore.column`) or polars columns
#: (:meth:`LineStore.series`), not in the frame.
_NOT_IN_FRAME = frozenset({"agreement_ref", "source"})

#: Each column's field for an expenditure and for an income.
_FIELD_OF = {name: (spending, income) for name, spending, income, _ in FRAME_FIELDS}

#: The value of a column for a kind without that field.
_NOTHING: dict[str, object] = {
    "vat": 0,
    "vat_recoverable": None,
    "paid_by": None,
    "procuring_partner": None,
    "category": None,
    "capital": False,
    "cos_listed": False,
    "unauthorised": False,
    "agreement_ref": None,
    "source": None,
}


def money_of(pence: int) -> Money:
    """The ``Money`` of ``pence``, as the readers make an amount:
    ``Money(Decimal(pence).scaleb(-2), GBP)``."""
    return Money(Decimal(pence).scaleb(-2), GBP)


def _money(value: Any) -> Any:
    """An amount kept as pence made a ``Money``; any other value as it is."""
    return money_of(value) if type(value) is int else value


class SharedMoney:
    """:func:`_money`, one ``Money`` (never changed) for each of the first
    :data:`_SHARED_AT_MOST` amounts it is given: a recurring amount is held once."""

    __slots__ = ("seen",)

    def __init__(self, seen: dict[int, Money]) -> None:
        self.seen = seen

    def __call__(self, value: Any) -> Any:
        if type(value) is not int:
            return value
        found = self.seen.get(value)
        if found is None:
            found = money_of(value)
            if len(self.seen) < _SHARED_AT_MOST:
                self.seen[value] = found
        return found


#: Look-ups by id of a store searched for in its frame before its index is made.
_SEARCHED = 64

#: Distinct amounts shared per store when its entries are made (a bound on memory).
_SHARED_AT_MOST = 4096

#: The amount field of each cached pence field.
_AMOUNT_OF = {"net_pence": "net", "vat_pence": "vat", "pence": "amount"}


@dataclass(slots=True)
class Block:
    """Lines of one kind that give the same fields: what an entry of them holds.

    ``base`` is the dictionary every entry of the block starts from (defaults and
    fixed values; its keys shared); ``names`` the fields each line gives, and
    ``columns`` their values, one sequence per name, one value per line; ``given``
    the shared set of field names the model records as given.  With ``series``,
    each column is a polars ``Series`` (the columnar CSV reader,
    :mod:`pooledledger.io.csv_columns`), read as Python values only when entries
    are made.
    """

    model: type[Expenditure] | type[Income]
    base: dict[str, Any]
    names: tuple[str, ...]
    columns: tuple[Sequence[Any], ...]
    given: set[str]
    #: the places in ``names`` of the amounts kept as pence: each made a ``Money``
    #: (:func:`money_of`) with its entry (a value read otherwise is kept as it is)
    money: tuple[int, ...] = ()
    #: the columns are polars ``Series`` (of the types of :data:`FRAME_FIELDS`)
    series: bool = False

    def __len__(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    def _list(self, k: int) -> Sequence[Any]:
        """Column ``k`` as Python values (amounts as pence)."""
        column = self.columns[k]
        return column.to_list() if self.series else column  # type: ignore[attr-defined]

    def values(self, name: str) -> Sequence[Any]:
        """The field ``name`` of every line of the block (the pence of an amount too,
        as ``net_pence``, ``vat_pence`` or ``pence``)."""
        if name in self.names:
            k = self.names.index(name)
            if k in self.money:
                return [_money(v) for v in self._list(k)]
            return self._list(k)
        if name in self.base:
            return tuple(repeat(self.base[name], len(self)))
        return [to_pence(v) for v in self.values(_AMOUNT_OF[name])]

    def series_of(self, name: str) -> Any:
        """The polars column of field ``name`` (an amount's in pence), or None if the
        block's columns are not polars columns or the field is not given here."""
        if not self.series or name not in self.names:
            return None
        return self.columns[self.names.index(name)]

    def entry(self, k: int) -> Entry:
        """The entry of line ``k``, as the reader makes it."""
        return self.entries_of([k])[0]

    def entries_of(self, ks: Sequence[int]) -> list[Entry]:
        """The entries of lines ``ks`` (made now, not kept), as the reader makes them."""
        if self.series:
            columns: list[Sequence[Any]] = [c.gather(ks).to_list() for c in self.columns]  # type: ignore[attr-defined]
        else:
            columns = [[c[k] for k in ks] for c in self.columns]
        for m in self.money:
            columns[m] = [_money(v) for v in columns[m]]
        return self._rows(columns)

    def entries(self, seen: dict[int, Money] | None = None) -> list[Entry]:
        """Every line's entry, in order; an amount that recurs (in ``seen``, which
        this fills) gives one ``Money``, never changed, as the reader gives (memory)."""
        shared = SharedMoney(seen if seen is not None else {})
        columns = [
            list(map(shared, self._list(k))) if k in self.money else self._list(k)
            for k in range(len(self.columns))
        ]
        return self._rows(columns)

    def _rows(self, columns: Sequence[Sequence[Any]]) -> list[Entry]:
        base, names = self.base, self.names
        out: list[Entry] = []
        add, made = out.append, self._made
        for row in zip(*columns, strict=True):
            full = base.copy()
            full.update(zip(names, row, strict=True))
            add(made(full))
        return out

    def _made(self, full: dict[str, Any]) -> Entry:
        entry = _new(self.model)
        _set(entry, "__dict__", full)
        _set(entry, "__pydantic_fields_set__", self.given)
        _set(entry, "__pydantic_extra__", None)
        _set(entry, "__pydantic_private__", None)
        return entry


@dataclass
class LineStore:
    """A ledger's expenditure and income lines in :class:`Block` columns, in the order
    they were read: each entry made only when asked for."""

    blocks: list[Block] = field(default_factory=list)
    #: the entries made one at a time so far, by line: made once, so always the same
    made: dict[int, Entry] = field(default_factory=dict)
    #: the same entries, by id (a look-up by id of a line made needs no :attr:`index`)
    made_ids: dict[str, Entry] = field(default_factory=dict)
    size: int = 0
    #: look-ups by id searched for in the frame so far (:meth:`_place`)
    searched: int = 0

    def __len__(self) -> int:
        return self.size

    def add(self, block: Block) -> None:
        if len(block):
            self.blocks.append(block)
            self.size += len(block)
            for cached in ("frame", "index", "_sorted", "_known"):
                self.__dict__.pop(cached, None)

    def entries(self) -> list[Entry]:
        """Every line's entry, in the order read (those made before as they were)."""
        seen: dict[int, Money] = {}
        out = list(chain.from_iterable(b.entries(seen) for b in self.blocks))
        for i, e in self.made.items():
            out[i] = e
        return out

    def entry(self, i: int) -> Entry:
        """The entry of line ``i``, made on the first call."""
        if not 0 <= i < self.size:
            raise IndexError(i)
        return next(self.entries_at([i]))[1]

    def __contains__(self, entry_id: object) -> bool:
        """Whether a line has this id."""
        return entry_id in self.made_ids or self._place(entry_id) is not None

    def get(self, entry_id: str) -> Entry | None:
        """The entry of the line with this id (made now if not before), or ``None``."""
        found = self.made_ids.get(entry_id)
        if found is None and (at := self._place(entry_id)) is not None:
            found = self.entry(at)
        return found

    def _place(self, entry_id: object) -> int | None:
        """The place of the line with this id: the first :data:`_SEARCHED` look-ups
        are searched for in the frame, the rest in :attr:`index` (made then): a few
        look-ups need no dictionary of every id (100 MB for a million lines)."""
        if "index" not in self.__dict__ and self.searched < _SEARCHED:
            self.searched += 1
            if not isinstance(entry_id, str):
                return None
            import polars as pl

            found = self.frame.select(pl.col("id").eq(entry_id).arg_true().first())
            place = found.item()
            return None if place is None else int(place)
        return self.index.get(entry_id) if isinstance(entry_id, str) else None

    def make(self, ids: Iterable[str]) -> None:
        """Make the entries of the lines with these ids not made before, together (one
        polars look-up and one batch per block, instead of one each): what is about
        to look many lines up by id calls this first.  Ids of no line are passed over."""
        self.find(set(ids) - self.made_ids.keys())

    def find(self, wanted: set[str]) -> dict[str, Entry]:
        """The entries of the lines whose ids are ``wanted``, by id (made now)."""
        if not wanted:
            return {}
        import polars as pl

        found = self.frame.select(pl.col("id").is_in(sorted(wanted)).arg_true())
        return {e.id: e for _, e in self.entries_at(found.to_series().to_list())}

    def targets(self, wanted: Collection[str]) -> dict[str, Target]:
        """The kind and date (:data:`~pooledledger.books.entry_order.Target`) of each
        line whose id is in ``wanted``, by id, read from :attr:`frame` with no entry
        made: what the checks of the reversals naming held lines read."""
        kinds = {KIND_RANK[k.value]: k for k in (EntryKind.INCOME, EntryKind.EXPENDITURE)}
        return {i: (kinds[rank], day) for i, (rank, day, _) in self._facts(wanted).items()}

    def schemes_of(self, wanted: Collection[str]) -> dict[str, str]:
        """The scheme of each line whose id is in ``wanted``, by id (no entry made)."""
        return {i: scheme for i, (_, _, scheme) in self._facts(wanted).items()}

    def _facts(self, wanted: Collection[str]) -> dict[str, tuple[int, date, str]]:
        """``(kind, date, scheme)`` of each line whose id is in ``wanted``, by id, read
        from :attr:`frame` once: the reader's, the ledger's and the weights' checks of
        the reversals ask for the same lines (each id kept, found or not)."""
        known: dict[str, tuple[int, date, str] | None] = self.__dict__.setdefault("_known", {})
        new = [i for i in wanted if i not in known]
        if new:
            import polars as pl

            found = self.frame.filter(pl.col("id").is_in(sorted(new)))
            known.update(dict.fromkeys(new))
            rows = found.select("id", "kind", "date", "scheme").iter_rows()
            known.update((i, (kind, day, scheme)) for i, kind, day, scheme in rows)
        return {i: fact for i in wanted if (fact := known[i]) is not None}

    def entries_at(
        self, places: Iterable[int], *, keep: bool = True
    ) -> Iterator[tuple[int, Entry]]:
        """The entries of the lines at ``places`` (in increasing order), each with its
        place; ``keep=False`` makes those not made before without keeping them.
        The lines of one block are made together."""
        made = self.made
        blocks = iter(self.blocks)
        block: Block | None = None
        start = end = 0
        wanted: list[int] = []  # places in ``block`` not made before
        ready: list[tuple[int, Entry | None]] = []  # places in ``block``, in order
        for i in places:
            if i >= end:
                yield from self._flush(block, start, wanted, ready, keep)
                while i >= end:
                    block = next(blocks)
                    start, end = end, end + len(block)
            found = made.get(i)
            if found is None:
                wanted.append(i)
            ready.append((i, found))
        yield from self._flush(block, start, wanted, ready, keep)

    def _flush(
        self,
        block: Block | None,
        start: int,
        wanted: list[int],
        ready: list[tuple[int, Entry | None]],
        keep: bool,
    ) -> Iterator[tuple[int, Entry]]:
        """The entries of ``ready`` (the places ``wanted`` made now); both emptied."""
        if not ready:
            return
        new: dict[int, Entry] = {}
        if wanted:
            assert block is not None
            new = dict(zip(wanted, block.entries_of([i - start for i in wanted]), strict=True))
            if keep:
                self.made.update(new)
                self.made_ids.update((e.id, e) for e in new.values())
        out = [(i, e if e is not None else new[i]) for i, e in ready]
        wanted.clear()
        ready.clear()
        yield from out

    def column(self, name: str) -> list[Any]:
        """The column ``name`` of :data:`FRAME_FIELDS` as a list, one value per line
        (each the value the line's entry holds, or what a kind without it gives)."""
        out: list[Any] = []
        for b in self.blocks:
            spending = b.model is Expenditure
            source = _FIELD_OF[name][0 if spending else 1]
            out += b.values(source) if source is not None else repeat(_NOTHING[name], len(b))
        return out

    def series(self, name: str) -> polars.Series:
        """:meth:`column` as a polars column (of the type :data:`FRAME_FIELDS` gives
        it), with no list of a value per line where the blocks hold columns."""
        import polars as pl

        parts = [_block_column(pl, b, name) for b in self.blocks]
        found: polars.Series = pl.concat(parts) if parts else _block_column(pl, None, name)
        return found

    @cached_property
    def index(self) -> dict[str, int]:
        """Each line's place, by id (made on the first look-up by id)."""
        return {entry_id: i for i, entry_id in enumerate(self.column("id"))}

    def canonical(self, others: Sequence[tuple[date, int, str]]) -> polars.Series:
        """The places of the lines and of ``others`` (each ``sort_key``, numbered on
        after the lines) in canonical order: the order ``sort_key`` gives, by (date,
        kind, id), ids being unique.  The lines are sorted once (:attr:`_sorted`);
        ``others`` of other kinds than the lines' (reversals, contributions…) are
        sorted alone and merged in, else all are sorted together."""
        import polars as pl

        keys = pl.DataFrame(
            {
                "date": pl.Series([k[0] for k in others], dtype=pl.Date),
                "kind": pl.Series([k[1] for k in others], dtype=pl.Int8),
                "id": pl.Series([k[2] for k in others], dtype=pl.String),
            }
        )
        if _HELD_KINDS.isdisjoint(k[1] for k in others):
            mine = keys.with_row_index("at", offset=self.size).sort("date", "kind", "id")
            return self._sorted.merge_sorted(mine.select(_key(), "at"), key="key")["at"]
        both = pl.concat([self.frame.select("date", "kind", "id"), keys], how="vertical")
        return both.with_row_index("at").sort("date", "kind", "id")["at"]

    @cached_property
    def _sorted(self) -> polars.DataFrame:
        """The lines' places in canonical order (``at``), each with its date and kind
        as one whole number (``key``) to merge others by."""
        ordered = self.frame.select("date", "kind", "id").with_row_index("at")
        return ordered.sort("date", "kind", "id").select(_key(), "at")

    @cached_property
    def frame(self) -> polars.DataFrame:
        """One row per line, in order: ``kind`` (its rank in the canonical order on
        one date: 2 income, 3 expenditure) and the columns of :data:`FRAME_FIELDS`
        the checks and the pool columns read, amounts in pence."""
        import polars as pl

        parts: list[polars.DataFrame] = [_block_frame(pl, b) for b in self.blocks]
        return pl.concat(parts, how="vertical", rechunk=True) if parts else _block_frame(pl, None)


#: The kinds of the lines a store holds (their ranks in the canonical order).
_HELD_KINDS = frozenset({KIND_RANK["income"], KIND_RANK["expenditure"]})


def _key() -> polars.Expr:
    """A line's date and kind as one whole number, in their order."""
    import polars as pl

    return (pl.col("date").cast(pl.Int64) * 8 + pl.col("kind")).alias("key")


def _block_frame(pl: Any, b: Block | None) -> Any:
    """The frame of one block (an empty frame of the same columns for ``None``)."""
    n = len(b) if b is not None else 0
    spending = b is not None and b.model is Expenditure
    kind = KIND_RANK["expenditure" if spending else "income"]
    data: dict[str, Any] = {"kind": pl.repeat(kind, n, dtype=pl.Int8, eager=True)}
    for name, *_ in FRAME_FIELDS:
        if name not in _NOT_IN_FRAME:
            data[name] = _block_column(pl, b, name)
    return pl.DataFrame(data)


def _block_column(pl: Any, b: Block | None, name: str) -> Any:
    """The column ``name`` of :data:`FRAME_FIELDS` of one block (empty for ``None``):
    a field no line of the block gives, or all give alike, one value repeated, with
    no Python list of a value per line."""
    _, of_spending, of_income, dtype = _FRAME_FIELD[name]
    kind_of = getattr(pl, dtype)
    if b is None:
        return pl.Series(name, [], dtype=kind_of)
    source = of_spending if b.model is Expenditure else of_income
    held = b.series_of(source) if source is not None else None
    if held is not None:  # a polars column already (amounts in pence)
        return held.alias(name).cast(kind_of)
    if source is None or (source not in b.names and source in b.base):  # one value
        value = _NOTHING[name] if source is None else b.base[source]
        if name == "vat_recoverable" and value is not None:
            value = to_pence(value)
        return pl.repeat(value, len(b), dtype=kind_of, eager=True).alias(name)
    values = b.values(source)
    if name == "vat_recoverable":
        values = [None if v is None else to_pence(v) for v in values]
    return pl.Series(name, values, dtype=kind_of)
