"""Reading a ledger file's header row into the layout of its columns (layer L5).

A header (docs/csv-import.md, "The column layout" and "Column maps") names each
column; :func:`read_header` finds the column of every ledger field, under its own
name or the name a :class:`~pooledledger.io.column_maps.ColumnMap` gives it, and
the debit/credit or indicator columns of the map's ``[amounts]``.  It reports a
header's problems (``PL-CSV-003`` empty, ``PL-CSV-004`` a repeated column,
``PL-CSV-005`` a missing one, ``PL-CSV-006`` a column that is not a field) and
returns the :class:`Table` the row parser reads rows with, or ``None`` if rows
cannot be read under the header.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pooledledger.core.errors import Severity
from pooledledger.io.cell_values import norm
from pooledledger.io.column_maps import ColumnMap
from pooledledger.io.ledger_fields import ENTRY_FIELDS, KINDS
from pooledledger.io.row_issues import IssueLog

__all__ = ["Table", "header_names", "read_header"]


@dataclass(slots=True)
class Table:
    """One header's layout: where each field's cells are."""

    file: str
    headers: tuple[str, ...]
    width: int
    index: dict[str, int]  # field -> cell index
    blank_columns: tuple[int, ...]  # columns with no header name
    unused: dict[str, tuple[int, ...]]  # kind -> columns none of whose fields it uses
    fields_of: dict[int, tuple[str, ...]] = field(default_factory=dict)
    plan: dict[str, tuple[tuple[str, int, bool], ...]] = field(default_factory=dict)
    sides: tuple[int, int] | None = None  # the debit and credit columns ([amounts])
    indicator: int | None = None  # the debit/credit indicator column ([amounts])


@dataclass(slots=True)
class _Reading:
    """One header being read: where its issues go and what is found so far."""

    column_map: ColumnMap
    log: IssueLog
    file: str
    line: int
    headers: tuple[str, ...]
    ok: bool
    positions: dict[str, int] = field(default_factory=dict)  # header (normalised) -> column
    repeated: set[int] = field(default_factory=set)
    index: dict[str, int] = field(default_factory=dict)  # field -> column
    used: set[int] = field(default_factory=set)

    def header_for(self, name: str) -> str:
        return self.column_map.columns.get(name, name)

    def missing(self, message: str, column: str | None, field_name: str) -> None:
        """``PL-CSV-005``: a column the file needs is not in the header."""
        self.log.error("PL-CSV-005", message, self.file, self.line, column, field_name=field_name)
        self.ok = False


def header_names(header: Sequence[object]) -> tuple[str, ...]:
    """The header's names, stripped, without trailing blank cells."""
    names = ["" if h is None else str(h).strip() for h in header]
    while names and not names[-1]:
        names.pop()  # trailing blank header cells (a spreadsheet's used range)
    return tuple(names)


def _find_positions(r: _Reading) -> None:
    """Each header name's column; a name given twice is ``PL-CSV-004``."""
    for i, h in enumerate(r.headers):
        if not h:
            continue
        key = norm(h)
        if key in r.positions:
            r.log.error(
                "PL-CSV-004",
                f"column {h!r} appears twice in the header (columns {r.positions[key] + 1} "
                f"and {i + 1})",
                r.file,
                r.line,
                h,
            )
            r.ok = False
            r.repeated.add(i)
        else:
            r.positions[key] = i


def _find_fields(r: _Reading, fixed: Mapping[str, object], split: bool) -> None:
    """Each field's column; a column the map names but the header lacks is reported."""
    cmap = r.column_map
    for name in ENTRY_FIELDS:
        if name in fixed or name in cmap.fixed:
            continue
        if split and name in ("net", "amount"):
            continue  # from the debit and credit columns
        pos = r.positions.get(norm(r.header_for(name)))
        if pos is not None:
            r.index[name] = pos
            r.used.add(pos)
        elif name in cmap.columns:
            r.missing(
                f"the column map names column {cmap.columns[name]!r} for "
                f"{name!r}, but the header has no such column",
                cmap.columns[name],
                name,
            )


def _need_id_and_entry(r: _Reading) -> None:
    """The ``id`` and ``entry`` columns every ledger needs (unless fixed or mapped)."""
    looks_like_data = any(norm(h) in KINDS for h in r.headers)
    for name in ("id", "entry"):
        mapped = name in r.column_map.fixed or name in r.column_map.columns
        if name not in r.index and not mapped:
            r.missing(
                f"the header has no {r.header_for(name)!r} column"
                + (" (or give a fixed 'entry' in a column map)" if name == "entry" else "")
                + (
                    "; the first row looks like an entry, not a header: put the "
                    "column names (entry, id, scheme, ...) in the first row"
                    if looks_like_data
                    else ""
                ),
                r.header_for(name),
                name,
            )


def _find_sides(r: _Reading, split: bool) -> tuple[tuple[int, int] | None, int | None]:
    """The ``[amounts]`` columns: (debit and credit, indicator), as the map has them."""
    amounts = r.column_map.amounts
    if amounts is None:
        return None, None
    side_columns = (
        [("debit", amounts.debit), ("credit", amounts.credit)]
        if split
        else [("indicator", amounts.indicator)]
    )
    found: list[int] = []
    for role, side_header in side_columns:
        assert side_header is not None
        pos = r.positions.get(norm(side_header))
        if pos is None:
            r.missing(
                f"the column map names column {side_header!r} as the {role} column "
                "([amounts]), but the header has no such column",
                side_header,
                f"amounts.{role}",
            )
        else:
            found.append(pos)
            r.used.add(pos)
    if r.ok and split:
        return (found[0], found[1]), None
    if r.ok:
        return None, found[0]
    return None, None


def _warn_unused(r: _Reading) -> None:
    """``PL-CSV-006`` (a warning) for each named column that is not a ledger field."""
    ignore = {norm(x) for x in r.column_map.ignore}
    for i, h in enumerate(r.headers):
        if h and i not in r.used and i not in r.repeated and norm(h) not in ignore:
            r.log.error(
                "PL-CSV-006",
                f"column {h!r} is not a ledger field and is ignored",
                r.file,
                r.line,
                h,
                severity=Severity.WARNING,
            )


def _layout(
    file: str,
    headers: tuple[str, ...],
    index: dict[str, int],
    sides: tuple[int, int] | None,
    indicator: int | None,
) -> Table:
    """The table of a good header: per kind, the fields to read and the unused columns."""
    fields_of: dict[int, list[str]] = {}
    for name, pos in index.items():
        fields_of.setdefault(pos, []).append(name)
    unused: dict[str, tuple[int, ...]] = {}
    for kind, (_, required, optional) in KINDS.items():
        wanted = {"entry", *required, *optional}
        unused[kind] = tuple(
            pos for pos, names in fields_of.items() if not wanted.intersection(names)
        )
    return Table(
        file=file,
        headers=headers,
        width=len(headers),
        index=index,
        blank_columns=tuple(i for i, h in enumerate(headers) if not h),
        unused=unused,
        fields_of={k: tuple(v) for k, v in fields_of.items()},
        sides=sides,
        indicator=indicator,
        plan={
            kind: tuple(
                (name, index.get(name, -1), name in required) for name in (*required, *optional)
            )
            for kind, (_, required, optional) in KINDS.items()
        },
    )


def read_header(
    column_map: ColumnMap,
    fixed: Mapping[str, object],
    fixed_bad: bool,
    log: IssueLog,
    file: str,
    header: Sequence[object],
    line: int,
) -> Table | None:
    """Read a header row; report its problems.  None if rows cannot be read under it.

    ``fixed`` holds the column map's fixed values that parsed; ``fixed_bad`` is true
    if one did not (the rows are then not read).
    """
    headers = header_names(header)
    if not any(headers):
        log.error("PL-CSV-003", "the header row is missing or empty", file, line, None)
        return None
    split = column_map.amounts is not None and column_map.amounts.debit is not None
    r = _Reading(column_map, log, file, line, headers, ok=not fixed_bad)
    _find_positions(r)
    _find_fields(r, fixed, split)
    _need_id_and_entry(r)
    sides, indicator = _find_sides(r, split)
    _warn_unused(r)
    if not r.ok:
        return None
    return _layout(file, headers, r.index, sides, indicator)
