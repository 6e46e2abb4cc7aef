"""The row parser: ledger rows (CSV text or spreadsheet cells) into entries (layer L5).

:class:`RowParser` is shared by the CSV and Excel readers (docs/csv-import.md).
It takes a header row (:mod:`pooledledger.io.ledger_header`), then each data row:
the row's entry kind (from its ``entry`` cell, a value map or a fixed value), the
side of its amounts (:mod:`pooledledger.io.debit_credit`), each field the kind
uses (:mod:`pooledledger.io.cell_values`, with fast paths for plain text and
values seen before), the cells the kind does not use
(docs/csv-import.md#cells-a-row-does-not-use), then checks of its own kind
(recoverable VAT, a reversal's original) and repeated ids.  Every problem is an
issue naming the file, line and column (docs/csv-import.md#issue-codes); the
entries are built without a second validation (docs/benchmarks.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any

from pooledledger.books.ledger import Ledger, LedgerError
from pooledledger.books.ledger_build import reversal_targets
from pooledledger.books.line_store import STORED, LineStore
from pooledledger.core.errors import Issue, Severity, has_errors
from pooledledger.io.cell_values import (
    CellError,
    CellParser,
    brief,
    given,
    is_zero_amount,
    money,
    norm,
    text_of,
)
from pooledledger.io.column_maps import ColumnMap
from pooledledger.io.debit_credit import DebitCredit
from pooledledger.io.entry_checks import (
    ReversalAt,
    check_reversals,
    recoverable_vat_ok,
    repeated_id,
)
from pooledledger.io.ledger_fields import (
    AMOUNT_FIELDS,
    DATE_FIELDS,
    ENTRY_FIELDS,
    ID_FIELDS,
    KINDS,
    MAIN_AMOUNT,
    MAX_CELL_CHARS,
    SKIP,
    TEXT_FIELDS,
    construct_entry,
)
from pooledledger.io.ledger_header import Table, read_header
from pooledledger.io.row_issues import IssueLog, Places, RowNotes, locate, sorted_issues
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry, Reversal
from pooledledger.yearend.checks import check_ledger

__all__ = ["PROGRESS_EVERY", "LedgerChecks", "RowParser"]

#: The ledger checks a reader runs on what it read (default
#: :func:`~pooledledger.yearend.checks.check_ledger`); the pool store defers the checks of
#: a whole year (instalment totals) to the close.
LedgerChecks = Callable[[Ledger], list[Issue]]

#: How often (in rows) ``progress`` is called.
PROGRESS_EVERY = 10_000

#: field -> its parser kind; None for plain text (the fast path)
_PARSERS: dict[str, str | None] = {
    name: (
        None
        if name in TEXT_FIELDS
        else "date"
        if name in DATE_FIELDS
        else "id"
        if name in ID_FIELDS
        else name
    )
    for name in ENTRY_FIELDS
}


@dataclass(slots=True)
class _Row:
    """One data row being read: its values so far and whether it has an error."""

    kind: str
    values: dict[str, Any] = field(default_factory=dict)
    entry_id: str | None = None
    bad: bool = False
    from_sides: str | None = None  # the field the debit/credit pair fed
    flip: frozenset[str] = frozenset()  # the amount fields to negate


class RowParser:
    """Parses ledger rows (strings or spreadsheet cells) into entries, exactly.

    Use :meth:`start_table` with each header row (a CSV file, a sheet), then
    :meth:`add_row` with each data row, then :meth:`finish`.  Issues accumulate
    in :attr:`issues`; entries are kept only while no row has an error.
    """

    def __init__(self, column_map: ColumnMap | None = None) -> None:
        self.column_map = column_map or ColumnMap()
        self.log = IssueLog()
        self.entries: list[Entry] = []
        #: the expenditure and income lines read in bulk and not made into entries
        #: (:mod:`pooledledger.io.bulk_rows`); None once they are made (:meth:`unstore`)
        self.store: LineStore | None = None
        self.where = Places()  # id -> (file, line)
        self._by_id: dict[str, Entry] = {}
        self._reversals: list[ReversalAt] = []
        self._cells = CellParser(self.column_map.date_format)
        self._table: Table | None = None
        #: the line (or sheet row) of the last non-blank row added, 0 if none
        self.last_line = 0
        self._reported_missing: set[tuple[str, str]] = set()
        self._reported_blank: set[tuple[str, int]] = set()
        self._bad_ids: set[str] = set()
        self._notes = RowNotes()
        # value maps: field -> {code (casefolded): value}
        self._values: dict[str, dict[str, str]] = {
            name: {code.strip().casefold(): v.strip() for code, v in codes.items()}
            for name, codes in self.column_map.values.items()
        }
        amounts = self.column_map.amounts
        self._sides = DebitCredit(amounts, self.log) if amounts is not None else None
        self._split = amounts is not None and amounts.debit is not None
        # fixed values, parsed once
        self._fixed: dict[str, object] = {}
        self._fixed_bad = False
        self._parse_fixed()

    def _parse_fixed(self) -> None:
        for name, raw in self.column_map.fixed.items():
            text = raw.strip()
            if not text:
                continue
            try:
                self._fixed[name] = self._cells.parse(name, text)
            except CellError as bad:
                self._fixed_bad = True
                self._error(
                    bad.code,
                    f"fixed value for {name!r} in the column map: {bad.message}",
                    None,
                    None,
                    None,
                    field_name=f"fixed.{name}",
                )

    # -- issues

    @property
    def issues(self) -> list[Issue]:
        """The issues found so far."""
        return self.log.issues

    @issues.setter
    def issues(self, value: list[Issue]) -> None:
        self.log.issues = value

    def _error(
        self,
        code: str,
        message: str,
        file: str | None,
        line: int | None,
        column: str | None,
        *,
        field_name: str | None = None,
        entry_id: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.log.error(
            code,
            message,
            file,
            line,
            column,
            field_name=field_name,
            entry_id=entry_id,
            severity=severity,
        )

    @property
    def has_errors(self) -> bool:
        """True once any error has been reported."""
        return self.log.errors > 0

    def note_errors(self, count: int) -> None:
        """Count ``count`` errors found outside the rows (e.g. in a sheet's layout).

        :meth:`finish` then imports nothing, as for an error in a row.
        """
        self.log.errors += count

    @property
    def value_maps(self) -> dict[str, dict[str, str]]:
        """The column map's value maps: field -> {code (casefolded): value}."""
        return self._values

    @property
    def fixed_values(self) -> dict[str, object]:
        """The column map's fixed values that parsed, as entry values."""
        return self._fixed

    @property
    def cell_parser(self) -> CellParser:
        """The parser of single cells (with its caches)."""
        return self._cells

    @property
    def table(self) -> Table | None:
        """The layout of the header last accepted by :meth:`start_table`, if any."""
        return self._table

    # -- header

    def _header_for(self, name: str) -> str:
        return self.column_map.columns.get(name, name)

    def header_matches(self, header: Sequence[object]) -> bool:
        """True if ``header`` looks like a ledger header (an id and an entry kind column)."""
        names = {norm(h) for h in header if h is not None}
        has_entry = "entry" in self._fixed or norm(self._header_for("entry")) in names
        return has_entry and norm(self._header_for("id")) in names

    def start_table(self, file: str, header: Sequence[object], line: int = 1) -> bool:
        """Read a header row; report its problems.  False if rows cannot be read under it."""
        self._table = read_header(
            self.column_map, self._fixed, self._fixed_bad, self.log, file, header, line
        )
        return self._table is not None

    # -- rows

    def add_row(self, cells: Sequence[object], line: int) -> None:
        """Parse one data row found at ``line`` (a physical CSV line or a sheet row)."""
        t = self._table
        if t is None:
            raise LedgerError("start_table() must accept a header before add_row()")
        if not self._width_ok(t, cells, line):
            return
        self._check_blank_columns(t, cells, line)
        kind = self._entry_kind(t, cells, line)
        if kind is None:
            return
        row = _Row(kind)
        if self._sides is not None:
            self._sign(t, row, cells, line)
        self._read_fields(t, row, cells, line)
        self._check_unused(t, row, cells, line)
        for name in row.flip:
            if name in row.values:
                row.values[name] = -row.values[name]
        if (
            kind == "expenditure"
            and "vat_recoverable" in row.values
            and not recoverable_vat_ok(self.log, t, row.values, line, row.entry_id)
        ):
            row.bad = True
        if row.bad:
            if row.entry_id is not None:
                self._bad_ids.add(row.entry_id)
            return
        self.keep(t, construct_entry(kind, row.values), line)

    def _width_ok(self, t: Table, cells: Sequence[object], line: int) -> bool:
        """False (``PL-CSV-010``) if the row has fewer cells than the header, or more given."""
        n = len(cells)
        if n != t.width:
            extra = cells[t.width :]
            if n < t.width or any(given(c) for c in extra):
                self._error(
                    "PL-CSV-010",
                    f"the row has {n} cells but the header has {t.width}",
                    t.file,
                    line,
                    None,
                )
                return False
        return True

    def _check_blank_columns(self, t: Table, cells: Sequence[object], line: int) -> None:
        """``PL-CSV-009``, once per column: values in a column with no header name."""
        n = len(cells)
        for i in t.blank_columns:
            if i < n and given(cells[i]) and (t.file, i) not in self._reported_blank:
                self._reported_blank.add((t.file, i))
                self._error(
                    "PL-CSV-009",
                    f"column {i + 1} has no header name but holds values "
                    f"(first: {brief(cells[i])})",
                    t.file,
                    line,
                    f"#{i + 1}",
                )

    def _entry_kind(self, t: Table, cells: Sequence[object], line: int) -> str | None:
        """The row's entry kind; None if it has none, a bad one or one the map skips."""
        if "entry" in self._fixed:
            return str(self._fixed["entry"])
        pos = t.index.get("entry")
        raw = cells[pos] if pos is not None else None
        raw = raw.strip() if isinstance(raw, str) else raw
        column = t.headers[pos] if pos is not None else self._header_for("entry")
        if not given(raw):
            self._error(
                "PL-CSV-012",
                "the row has no entry kind; use one of " + ", ".join(KINDS),
                t.file,
                line,
                column,
                field_name="entry",
            )
            return None
        codes = self._values.get("entry")
        if codes is not None:
            code = text_of(raw, "an entry kind").casefold()
            mapped = codes.get(code)
            if mapped is not None and mapped.lower() == SKIP:
                shown = text_of(raw, "an entry kind").strip()
                self._notes.skipped(t.file, column, shown, line)
                return None
            raw = mapped if mapped is not None else raw
        try:
            return str(self._cells.parse("entry", raw))
        except CellError as bad:
            message = bad.message
            if bad.code == "PL-CSV-011":
                message += " (or map the code to one in [values.entry] of a column map)"
            self._error(bad.code, message, t.file, line, column, field_name="entry")
            return None

    def _sign(self, t: Table, row: _Row, cells: Sequence[object], line: int) -> None:
        """The row's debit/credit side ([amounts]): the main amount and fields to negate."""
        assert self._sides is not None
        outcome = self._sides.signed(t, row.kind, cells, t.file, line)
        if outcome is None:
            row.bad = True
            row.from_sides = MAIN_AMOUNT.get(row.kind) if self._split else None
            return
        row.from_sides, pence, row.flip = outcome
        if row.from_sides is not None:
            row.values[row.from_sides] = money(pence)

    def _read_fields(self, t: Table, row: _Row, cells: Sequence[object], line: int) -> None:
        """Each field the row's kind uses, from its cell (fast paths first) or fixed value."""
        values = row.values
        parsers = _PARSERS
        dates, ids, years = self._cells.dates, self._cells.ids, self._cells.years
        vmaps = self._values
        for name, pos, is_required in t.plan[row.kind]:
            if name == row.from_sides:
                continue
            if pos < 0:
                self._no_column(t, row, name, is_required, line)
                continue
            raw = cells[pos]
            if raw.__class__ is str:
                raw = raw.strip()
                if len(raw) > MAX_CELL_CHARS:
                    self._too_long(t, row, name, pos, raw, line)
                    continue
            if vmaps and name in vmaps and raw is not None and raw != "":
                raw = vmaps[name].get(str(raw).casefold(), raw)
            if raw is None or raw == "":
                self._empty(t, row, name, is_required, pos, line)
                continue
            if raw.__class__ is str and raw[0] not in "#'":
                # fast paths: plain text, and values already seen (cached)
                how = parsers[name]
                if how is None:
                    values[name] = raw
                    continue
                if how == "date":
                    hit: object = dates.get(raw)
                elif how == "id":
                    hit = raw if raw in ids else None
                else:
                    hit = years.get(raw) if how == "year" else None
                if hit is not None:
                    values[name] = hit
                    if name == "id":  # as below: the row's issues name its entry
                        row.entry_id = raw
                    continue
            try:
                values[name] = self._cells.parse(name, raw)
            except CellError as bad:
                row.bad = True
                self._error(
                    bad.code,
                    bad.message,
                    t.file,
                    line,
                    t.headers[pos],
                    field_name=name,
                    entry_id=row.entry_id,
                )
                continue
            if name == "id":
                row.entry_id = str(values[name])

    def _no_column(self, t: Table, row: _Row, name: str, is_required: bool, line: int) -> None:
        """A field the header has no column for: its fixed value, or ``PL-CSV-005`` once."""
        if name in self._fixed:
            row.values[name] = self._fixed[name]
        elif is_required and name not in self.column_map.fixed:
            row.bad = True
            key = (t.file, name)
            if key not in self._reported_missing:
                self._reported_missing.add(key)
                self._error(
                    "PL-CSV-005",
                    f"{row.kind} rows need a {self._header_for(name)!r} column, which the "
                    f"header lacks (first needed here)",
                    t.file,
                    line,
                    self._header_for(name),
                    field_name=name,
                )
            else:
                self.log.errors += 1

    def _too_long(self, t: Table, row: _Row, name: str, pos: int, raw: object, line: int) -> None:
        """``PL-CSV-043``: a cell longer than :data:`MAX_CELL_CHARS`."""
        assert isinstance(raw, str)
        row.bad = True
        self._error(
            "PL-CSV-043",
            f"the cell holds {len(raw):,} characters; a cell may hold at most "
            f"{MAX_CELL_CHARS:,} (docs/csv-import.md#limits)",
            t.file,
            line,
            t.headers[pos],
            field_name=name,
            entry_id=row.entry_id,
        )

    def _empty(
        self, t: Table, row: _Row, name: str, is_required: bool, pos: int, line: int
    ) -> None:
        """An empty cell: the field's fixed value, or ``PL-CSV-013`` if it is required."""
        if name in self._fixed:
            row.values[name] = self._fixed[name]
        elif is_required:
            row.bad = True
            self._error(
                "PL-CSV-013",
                f"{row.kind} rows need a value for {name!r}",
                t.file,
                line,
                t.headers[pos],
                field_name=name,
                entry_id=row.entry_id,
            )

    def _check_unused(self, t: Table, row: _Row, cells: Sequence[object], line: int) -> None:
        """Cells the kind does not use: ignored (noted) unless a non-zero amount."""
        kind = row.kind
        for pos in t.unused[kind]:
            cell = cells[pos]
            if not (cell and given(cell)):
                continue
            names = t.fields_of[pos]
            if AMOUNT_FIELDS.isdisjoint(names) or is_zero_amount(cell):
                # docs/csv-import.md#cells-a-row-does-not-use: ignored, one warning
                self._notes.ignored(t.file, t.headers[pos], kind, line)
                continue
            row.bad = True
            self._error(
                "PL-CSV-014",
                f"{kind} rows do not use {', '.join(names)!r}, and the amount "
                f"{brief(cell)} would change the figures if it was meant for this row; "
                "leave the cell empty or 0",
                t.file,
                line,
                t.headers[pos],
                field_name=names[0],
                entry_id=row.entry_id,
            )

    def keep(self, t: Table, entry: Entry, line: int) -> None:
        """Add a good row's entry, unless its id is taken (``PL-CSV-024``/``025``)."""
        seen = self._by_id.get(entry.id)
        if seen is not None:
            repeated_id(self.log, t, seen, entry, self.where[entry.id], line)
            return
        self._by_id[entry.id] = entry
        self.where[entry.id] = (t.file, line)
        self.entries.append(entry)
        if isinstance(entry, Reversal):
            self._reversal_at(t, entry, line)

    def _reversal_at(self, t: Table, entry: Reversal, line: int) -> None:
        index, headers = t.index, t.headers
        self._reversals.append(
            (
                entry,
                t.file,
                line,
                headers[index["reverses"]] if "reverses" in index else "reverses",
                headers[index["date"]] if "date" in index else "date",
            )
        )

    def keep_new(self, t: Table, ids: list[str], entries: list[Entry], lines: list[int]) -> None:
        """:meth:`keep` for entries in line order whose ids are new and distinct (a
        line kept in :attr:`store` is given as ``STORED``: only its id is noted)."""
        self.where.update_new(zip(ids, zip(repeat(t.file), lines), strict=True))
        if self.store is not None and any(e is STORED for e in entries):
            kept = [k for k in zip(ids, entries, lines, strict=True) if k[1] is not STORED]
            ids, entries, lines = [k[0] for k in kept], [k[1] for k in kept], [k[2] for k in kept]
        self._by_id.update(zip(ids, entries, strict=True))
        self.entries += entries
        for entry, line in zip(entries, lines, strict=True):
            if isinstance(entry, Reversal):
                self._reversal_at(t, entry, line)

    def add_rows(
        self,
        rows: Iterable[tuple[int, Sequence[object]]],
        progress: Callable[[int], None] | None = None,
        done: int = 0,
    ) -> int:
        """Add ``(line, cells)`` rows, skipping blank ones; return the running row count."""
        add = self.add_row
        for line, cells in rows:
            if not any(cells) and not any(given(c) for c in cells):
                continue  # a blank row
            add(cells, line)
            self.last_line = line
            done += 1
            if progress is not None and done % PROGRESS_EVERY == 0:
                progress(done)
        return done

    # -- the whole file

    def unstore(self) -> None:
        """Make the lines of :attr:`store` into entries, kept as any other; store no more."""
        store, self.store = self.store, None
        if store is not None and len(store):
            made = store.entries()
            self._by_id.update((e.id, e) for e in made)
            self.entries += made

    def _check_reversals(self) -> None:
        """Each reversal's original: in the file, reversible, not later, reversed once."""
        held = None if self.store is None else self.store.targets  # no entry made
        wanted = {r[0].reverses for r in self._reversals}
        targets = reversal_targets(wanted, self._by_id, held)
        check_reversals(self.log, self._reversals, targets, self._bad_ids)

    @staticmethod
    def sorted_issues(issues: list[Issue]) -> list[Issue]:
        """By file (in order of first appearance), then line; stable otherwise."""
        return sorted_issues(issues)

    def finish(
        self, agreement: Agreement, checks: LedgerChecks = check_ledger
    ) -> tuple[Ledger | None, list[Issue]]:
        """Build the ledger and run its ``checks``, unless some row had an error."""
        self._notes.report(self.log)
        self._check_reversals()
        if self.log.errors:
            # nothing is imported, but the checks that look at one entry at a time
            # still run on the rows that did parse, so every error comes back at once
            try:
                partial = Ledger._derived(agreement, self.entries, gate=False, store=self.store)
            except LedgerError:
                return None, self.sorted_issues(self.issues)
            more = [locate(i, self.where) for i in partial.entry_issues]
            return None, self.sorted_issues(self.issues + more)
        self.issues = self.sorted_issues(self.issues)
        try:
            # the entry-level checks run here, once per row, without refusing: their
            # errors are reported with the file and line below, and no ledger is returned
            ledger = Ledger._derived(agreement, self.entries, gate=False, store=self.store)
        except LedgerError as exc:
            self._error("PL-LED-103", str(exc), None, None, None)
            return None, self.issues
        checked = [locate(i, self.where) for i in checks(ledger)]
        issues = self.issues + checked
        return (None if has_errors(issues) else ledger), issues
