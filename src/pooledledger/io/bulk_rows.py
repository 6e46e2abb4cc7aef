"""Reading a CSV file's data rows in bulk, column by column (layer L5).

The row parser (:mod:`pooledledger.io.row_parser`) reads one row at a time.  For a
whole CSV file already split into cells, :func:`add_bulk` does the same work a
column at a time: it reads each column's distinct cells once (with the row
parser's own cell rules, :mod:`pooledledger.io.cell_values`), reads plain amounts
and ids with an exact pattern, and builds the entries of the rows that are
entirely clean without a second validation, as the row parser does.

A row is *clean* if it has as many cells as the header, a known entry kind, a good
value in every cell its kind uses, a value in every cell its kind needs, nothing
in the cells its kind does not use or in columns with no header name, and (on a
spending line) a recoverable VAT between nothing and the VAT.  Every other row,
and every row of a kind the header cannot serve, goes through
:meth:`~pooledledger.io.row_parser.RowParser.add_row` unchanged, in line order with
the clean rows, so its issues are exactly those of the row parser and come in the
same order (docs/csv-import.md#what-happens-on-import).  A clean row makes no
issue in the row parser either, except a repeated id, which is reported in line
order here too (``PL-CSV-024``/``025``).

The layouts of ``[amounts]`` (debit and credit columns, an indicator) are not read
here: :func:`bulk_ready` is false for them and the reader uses the row parser for
the whole file.  See docs/benchmarks.md for the speed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import itemgetter
from typing import Any

from pooledledger.books.line_store import STORED, Block, LineStore
from pooledledger.core.money import to_pence
from pooledledger.io.bulk_amounts import _BAD, _EMPTY, _amounts, _MoneyColumn, _pence_of, _Values
from pooledledger.io.cell_values import CellError, CellParser
from pooledledger.io.column_maps import ColumnMap
from pooledledger.io.ledger_fields import (
    AMOUNT_FIELDS,
    KINDS,
    MAX_CELL_CHARS,
    SKIP,
    TEXT_FIELDS,
    entry_template,
)
from pooledledger.io.ledger_header import Table
from pooledledger.io.row_parser import PROGRESS_EVERY, RowParser
from pooledledger.io.shared_keys import shared_keys as _shared_keys
from pooledledger.model.entries import Entry, fields_set

__all__ = ["add_bulk", "bulk_ready"]

# An id as cell_values reads it (ID_PATTERN), no longer than a cell may be.
_ID_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9_.-]{{0,{MAX_CELL_CHARS - 1}}}", re.ASCII)
_ID_FIELDS_FAST = frozenset({"id", "reverses"})  # nearly every cell distinct
# text the row parser reads by its own rules (a spreadsheet error, a formula quote)
_SPECIAL = re.compile("[#']").match

_new = object.__new__
_set = object.__setattr__

#: The kinds whose lines a store keeps.
_STORED_KINDS = frozenset({"expenditure", "income"})


def bulk_ready(column_map: ColumnMap) -> bool:
    """True if rows read under ``column_map`` can be read in bulk (no ``[amounts]``)."""
    return column_map.amounts is None


# -- cells -------------------------------------------------------------------------


class _Cells:
    """Reads one field's cells as the row parser's ``_read_fields`` does."""

    def __init__(self, parser: RowParser) -> None:
        self._parser = CellParser(parser.column_map.date_format)
        self._values = parser.value_maps

    def reader(self, name: str) -> Callable[[str], object]:
        """The value of one cell for ``name``: its entry value, ``_EMPTY`` or ``_BAD``."""
        vmap = self._values.get(name)
        text = name in TEXT_FIELDS
        parse = self._parser.parse

        def value(cell: str) -> object:
            raw = cell.strip()
            if len(raw) > MAX_CELL_CHARS:
                return _BAD
            if vmap and raw != "":
                raw = vmap.get(raw.casefold(), raw)
            if raw == "":
                return _EMPTY
            if text and raw[0] not in "#'":
                return raw
            try:
                return parse(name, raw)
            except CellError:
                return _BAD

        return value

    def column(self, name: str, cells: Sequence[str]) -> _Values:
        """The values of ``cells`` for field ``name``: each as the row parser reads it."""
        if not any(cells):  # a column left empty on every row (a flag, a field unused)
            return _empty_column(len(cells), name in AMOUNT_FIELDS)
        value = self.reader(name)
        if name in self._values:  # a value map: each distinct cell through it
            out = _by_distinct(value, cells)
            if name in AMOUNT_FIELDS:
                out.pence = [_pence_of(v) for v in out.values]
            return out
        if name in AMOUNT_FIELDS:
            return _amounts(value, cells)
        if name in _ID_FIELDS_FAST:
            return _ids(value, cells)
        if name in TEXT_FIELDS:
            return _texts(value, cells)
        return _by_distinct(value, cells)


def _empty_column(n: int, amount: bool) -> _Values:
    """``n`` empty cells, as every reader reads an empty cell (``_EMPTY``)."""
    values: list[object] = [_EMPTY] * n
    if amount:
        return _Values(_MoneyColumn(values, {}), list(range(n)), [], values)
    return _Values(values, list(range(n)), [])


def _positions(values: Sequence[object], which: object) -> list[int]:
    return [j for j, v in enumerate(values) if v is which]


def _by_distinct(value: Callable[[str], object], cells: Sequence[str]) -> _Values:
    """Each distinct cell read once (dates, schemes, kinds: few distinct cells)."""
    seen = {c: value(c) for c in set(cells)}
    values = list(map(seen.__getitem__, cells))
    found = {id(v) for v in seen.values()}
    return _Values(
        values,
        _positions(values, _EMPTY) if id(_EMPTY) in found else [],
        _positions(values, _BAD) if id(_BAD) in found else [],
    )


def _ids(value: Callable[[str], object], cells: Sequence[str]) -> _Values:
    """Ids (nearly all distinct): an exact pattern first, the row parser's rule otherwise."""
    ok = _ID_RE.fullmatch
    if all(map(ok, cells)):
        return _Values(list(cells), [], [])
    values = [c if ok(c) else value(c) for c in cells]
    return _Values(values, _positions(values, _EMPTY), _positions(values, _BAD))


def _texts(value: Callable[[str], object], cells: Sequence[str]) -> _Values:
    """Text as written, trimmed; a cell starting with ``#`` or ``'`` by the row parser.
    A text that recurs down the column (a supplier, a category) is held once (memory)."""
    trimmed = list(map(str.strip, cells))
    seen: dict[str, str] = {}
    values: list[object] = list(map(seen.setdefault, trimmed, trimmed))
    del trimmed, seen
    longest = max(map(len, values), default=0)  # type: ignore[arg-type]
    if longest > MAX_CELL_CHARS or any(map(_SPECIAL, values)):  # type: ignore[arg-type]
        return _by_distinct(value, cells)
    empty = [j for j, v in enumerate(values) if v == ""] if "" in values else []
    for j in empty:
        values[j] = _EMPTY
    return _Values(values, empty, [])


# -- rows --------------------------------------------------------------------------


def entry_kind(parser: RowParser, cell: str) -> str | None:
    """The kind an entry cell gives, as ``RowParser._entry_kind``; None if not clean."""
    raw = cell.strip()
    if not raw:
        return None
    codes = parser.value_maps.get("entry")
    if codes is not None:
        mapped = codes.get(raw.casefold())
        if mapped is not None and mapped.lower() == SKIP:
            return None  # the row parser notes the skipped row
        raw = mapped if mapped is not None else raw
    try:
        return str(parser.cell_parser.parse("entry", raw))
    except CellError:
        return None


class _Bulk:
    """One file's data rows, read column by column."""

    def __init__(self, parser: RowParser, t: Table, rows: list[list[str]]) -> None:
        self.parser = parser
        self.t = t
        self.cells = _Cells(parser)
        width = t.width
        self.nonblank = list(map(any, rows))
        widths = list(map(len, rows))
        self.slow = [b and w != width for b, w in zip(self.nonblank, widths, strict=True)]
        #: the rows not as wide as the header, as read (the others are in the columns)
        self.odd: dict[int, list[str]] = {}
        if any(self.slow) or min(widths, default=width) != width:
            self.odd = {i: r for i, r in enumerate(rows) if len(r) != width}
            filler = [""] * width
            rows = [r if len(r) == width else filler for r in rows]
        self.n = len(rows)
        self.columns: list[tuple[str, ...]] = list(zip(*rows, strict=True)) or [
            () for _ in range(width)
        ]
        self.entries: list[Entry | None] = [None] * self.n
        #: the entries to build, by kind: (kind, fields, fixed values, clean rows, rows)
        self.builds: list[tuple[str, dict[str, _Values], dict[str, object], Any, list[int]]] = []
        self.clean_ids: list[object] = []  # the ids of the clean rows
        self.row_ids: dict[int, str] = {}  # the id of each row whose line is stored
        self.fixed_id = False

    def row(self, i: int) -> list[str]:
        """The cells of row ``i``, as read."""
        odd = self.odd.get(i)
        return odd if odd is not None else [col[i] for col in self.columns]

    def mark(self, indices: Sequence[int]) -> None:
        slow = self.slow
        for i in indices:
            slow[i] = True

    def kinds(self) -> dict[str, list[int]]:
        """The rows of each entry kind (blank and slow rows left out)."""
        parser, t = self.parser, self.t
        n = self.n
        fixed = parser.fixed_values.get("entry")
        if fixed is not None:
            kind_of: Sequence[str | None] = [str(fixed)] * n
        else:
            cells = self.columns[t.index["entry"]]
            seen = {c: self._entry_kind(c) for c in set(cells)}
            kind_of = list(map(seen.__getitem__, cells))
        out: dict[str, list[int]] = {}
        for i, (kind, keep, slow) in enumerate(zip(kind_of, self.nonblank, self.slow, strict=True)):
            if not keep or slow:
                continue
            if kind is None:
                self.slow[i] = True
            else:
                out.setdefault(kind, []).append(i)
        return out

    def _entry_kind(self, cell: str) -> str | None:
        return entry_kind(self.parser, cell)

    def check_blank_columns(self) -> None:
        """Rows with a value in a column with no header name (``PL-CSV-009``)."""
        for pos in self.t.blank_columns:
            col = self.columns[pos]
            self.mark([i for i, c in enumerate(col) if c and not c.isspace()])

    def read_kind(self, kind: str, idx: list[int]) -> None:
        """Read the rows ``idx`` of one kind; build the entries of the clean ones."""
        parser, t = self.parser, self.t
        gather = _gatherer(idx)
        bad: set[int] = set()  # positions in idx
        for pos in t.unused[kind]:
            sub = gather(self.columns[pos])
            if any(sub):
                bad.update(j for j, c in enumerate(sub) if c and not c.isspace())
        fields: dict[str, _Values] = {}
        fixed: dict[str, object] = {}
        for name, pos, required in t.plan[kind]:
            if pos < 0:
                if name in parser.fixed_values:
                    fixed[name] = parser.fixed_values[name]
                elif required or name in parser.column_map.fixed:
                    self.mark(idx)  # the row parser reports the missing column
                    return
                continue
            read = fields[name] = self.cells.column(name, gather(self.columns[pos]))
            bad.update(read.bad)
            if required:
                bad.update(read.empty)
        if kind == "expenditure":
            bad.update(_bad_recoverable_vat(fields))
        if bad:
            self.mark([idx[j] for j in bad])
        clean = [j for j in range(len(idx)) if j not in bad] if bad else range(len(idx))
        if "id" in fields:
            ids = fields["id"].values
            self.clean_ids += [ids[j] for j in clean] if bad else ids
        elif clean:
            self.fixed_id = True  # one id on every row: kept one by one, not stored
        self.builds.append((kind, fields, fixed, clean, idx))

    def run(self, progress: Callable[[int], None] | None, done: int = 0) -> int:
        """Read every row (clean ones here, the others by the row parser); the row
        count, with the ``done`` rows before.

        The clean expenditure and income lines go to the parser's
        :class:`~pooledledger.books.line_store.LineStore`, their entries not made,
        if every row of the batch is clean and every id new; otherwise the store's
        lines are made into entries and the rest of the file is read as before."""
        self.check_blank_columns()
        for kind, idx in self.kinds().items():
            self.read_kind(kind, idx)
        store = self.parser.store
        if store is not None and not self._storable():
            self.parser.unstore()
            store = None
        for kind, fields, fixed, clean, idx in self.builds:
            _build(kind, fields, fixed, clean, idx, self.entries, store, self.row_ids)
        return self.keep_all(progress, done)

    def _storable(self) -> bool:
        """No row for the row parser, and the ids of the clean rows distinct and new."""
        if self.fixed_id or any(compress(self.slow, self.nonblank)):
            return False
        ids: list[Any] = self.clean_ids
        return len(set(ids)) == len(ids) and self.parser.where.isdisjoint(ids)

    def keep_all(self, progress: Callable[[int], None] | None, done: int = 0) -> int:
        """Add the rows in line order: entries kept, other rows parsed by the row parser.

        Runs of clean rows whose ids are new are kept at once; ``progress`` is called
        with every multiple of :data:`PROGRESS_EVERY` rows (counting the ``done`` rows
        before), as the row parser calls it.
        """
        parser, lines, nonblank = self.parser, self.lines, self.nonblank
        entries = self.entries
        slow = [i for i, e in enumerate(entries) if e is None and nonblank[i]]
        start = 0
        for i in slow:
            run = list(compress(range(start, i), nonblank[start:i]))
            done = self._keep_run(run, done, progress)
            parser.add_row(self.row(i), lines[i])
            parser.last_line = lines[i]
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
            start = i + 1
        end = len(entries)
        return self._keep_run(
            list(compress(range(start, end), nonblank[start:end])), done, progress
        )

    def _keep_run(self, run: list[int], done: int, progress: Callable[[int], None] | None) -> int:
        """Keep the entries of the clean rows ``run`` (in line order)."""
        if not run:
            return done
        parser, t, lines = self.parser, self.t, self.lines
        entries = [self.entries[i] for i in run]
        at = [lines[i] for i in run]
        stored = self.row_ids
        ids = [stored[i] if e is STORED else e.id for i, e in zip(run, entries, strict=True)]  # type: ignore[union-attr]
        known = parser.where
        # a stored batch's ids are known to be distinct and new (``_storable``)
        if not self.row_ids and (len(set(ids)) < len(ids) or not known.isdisjoint(ids)):
            for e, line in zip(entries, at, strict=True):
                parser.keep(t, e, line)  # type: ignore[arg-type]
        else:
            parser.keep_new(t, ids, entries, at)  # type: ignore[arg-type]
        parser.last_line = at[-1]
        if progress is not None:
            for n in range(
                (done // PROGRESS_EVERY + 1) * PROGRESS_EVERY, done + len(run) + 1, PROGRESS_EVERY
            ):
                progress(n)
        return done + len(run)

    lines: Sequence[int] = ()


def _gatherer(idx: list[int]) -> Callable[[Sequence[Any]], Sequence[Any]]:
    if len(idx) == 1:
        one = idx[0]
        return lambda col: (col[one],)
    return itemgetter(*idx)


def _bad_recoverable_vat(fields: dict[str, _Values]) -> list[int]:
    """Rows whose recoverable VAT is not between 0 and the VAT (``PL-CSV-030``)."""
    recs = fields.get("vat_recoverable")
    if recs is None:
        return []
    vats: list[Any] | None = fields["vat"].pence if "vat" in fields else None
    out: list[int] = []
    rec: Any
    for j, rec in enumerate(recs.pence or ()):
        vat = vats[j] if vats is not None else _EMPTY
        if rec is _EMPTY or rec is _BAD or vat is _BAD:
            continue
        v = 0 if vat is _EMPTY else vat  # as io/entry_checks.py compares them, in pence
        if not min(0, v) <= rec <= max(0, v):
            out.append(j)
    return out


#: The cached pence an entry kind's amounts give: (``cached_property`` name, field).
_PENCE_OF: dict[str, tuple[tuple[str, str], ...]] = {
    "contribution": (("pence", "amount"),),
    "instalment": (("pence", "amount"),),
    "income": (("pence", "amount"),),
    "expenditure": (("net_pence", "net"), ("vat_pence", "vat")),
}


def _groups(fields: dict[str, _Values], clean: Sequence[int]) -> dict[int, list[int]]:
    """The clean rows grouped by which fields they leave empty (a bit per field)."""
    n = len(clean)
    always = 0  # fields empty on every clean row
    mixed: list[tuple[int, list[int]]] = []
    for bit, read in enumerate(fields.values()):
        if read.empty:
            empty = read.empty
            if isinstance(clean, list):
                wanted = set(clean)
                empty = [j for j in empty if j in wanted]
            if len(empty) == n:
                always |= 1 << bit
            elif empty:
                mixed.append((1 << bit, empty))
    if not mixed:
        return {always: list(clean)}
    mask = [always] * (max(clean) + 1)
    for flag, empty in mixed:
        for j in empty:
            mask[j] |= flag
    groups: dict[int, list[int]] = {}
    for j in clean:
        groups.setdefault(mask[j], []).append(j)
    return groups


def _build(
    kind: str,
    fields: dict[str, _Values],
    fixed: dict[str, object],
    clean: Sequence[int],
    idx: list[int],
    entries: list[Entry | None],
    store: LineStore | None = None,
    row_ids: dict[int, str] | None = None,
) -> None:
    """The entries of the clean rows of one kind, as ``construct_entry`` builds them.

    Each entry also holds the pence of its amounts (the ``cached_property`` values
    ``pence``, ``net_pence``, ``vat_pence`` its model would work out on first use).
    With a ``store``, the lines of an expenditure or income are kept there in
    columns instead, each row marked :data:`STORED` and its id put in ``row_ids``.
    """
    if not clean:
        return
    if store is not None and kind not in _STORED_KINDS:
        store = None
    for mask, js in _groups(fields, clean).items():
        gather = _gatherer(js)
        names = [name for bit, name in enumerate(fields) if not mask >> bit & 1]
        keep = store is not None and row_ids is not None
        money = [k for k, n in enumerate(names) if isinstance(fields[n].values, _MoneyColumn)]
        columns: list[Sequence[Any]] = [
            fields[n].values.cells(js) if keep and k in money else gather(fields[n].values)  # type: ignore[attr-defined]
            for k, n in enumerate(names)
        ]
        given = {*names, *fixed}
        pence = {
            f: gather(fields[f].pence)  # type: ignore[arg-type]
            for _, f in _PENCE_OF.get(kind, ())
            if f in given and f in fields and fields[f].pence is not None
        }
        # gathered as Money when the entries are made now
        block = make_block(kind, names, columns, fixed, pence, money if keep else [])
        if store is not None and row_ids is not None:
            store.add(block)
            ids = columns[names.index("id")] if "id" in names else repeat(block.base["id"])
            for j, entry_id in zip(js, ids, strict=False):
                entries[idx[j]] = STORED
                row_ids[idx[j]] = entry_id
            continue
        for j, entry in zip(js, block.entries(), strict=True):  # as Block makes them
            entries[idx[j]] = entry


def make_block(
    kind: str,
    names: Sequence[str],
    columns: Sequence[Any],
    fixed: dict[str, object],
    pence: dict[str, Any],
    money: Sequence[int],
    *,
    series: bool = False,
) -> Block:
    """The :class:`~pooledledger.books.line_store.Block` of lines of ``kind`` giving
    the fields ``names`` (``columns``, one per name) and the ``fixed`` values.

    ``pence`` holds the pence column of each amount given (``net``, ``vat``,
    ``amount``): kept as the entry's cached ``net_pence``, ``vat_pence`` or
    ``pence``; an amount fixed or defaulted gets its pence in the block's base.
    ``money`` are the places in ``names`` of the amounts held as pence.
    """
    template = entry_template(kind)
    template.update(fixed)
    given = fields_set({*names, *fixed})  # one shared set (memory)
    names, columns, base = list(names), list(columns), dict(template)
    for cached, field in _PENCE_OF.get(kind, ()):
        column = pence.get(field)
        if column is not None:
            names.append(cached)
            columns.append(column)
            base[cached] = None  # its place in the shared keys (filled in per line)
        elif base.get(field) is not None:
            base[cached] = to_pence(base[field])  # a default or fixed amount
    model = KINDS[kind][0]
    return Block(
        model,  # type: ignore[arg-type]
        _shared_keys(base),
        tuple(names),
        tuple(columns),
        given,
        tuple(money),
        series,
    )


def add_bulk(
    parser: RowParser,
    held: list[list[list[str]]],
    lines: Sequence[int],
    progress: Callable[[int], None] | None = None,
    done: int = 0,
) -> int:
    """Add a batch of a CSV file's data rows (at physical ``lines``) to ``parser``.

    ``held`` holds the list of rows and is emptied: the rows are let go once they are
    in columns.  ``done`` is the number of rows read before this batch (a file is
    read in batches, in line order).  The same entries, issues and ``progress`` calls
    as ``parser.add_rows``; returns the number of rows that are not blank, this
    batch's and those before it.
    """
    t = parser.table
    if t is None:  # pragma: no cover - the reader starts a table first
        raise ValueError("start_table() must accept a header before add_bulk()")
    bulk = _Bulk(parser, t, held.pop())
    bulk.lines = lines
    return bulk.run(progress, done)
