"""Checks a ledger reader makes beyond single cells (layer L5).

Once a row's cells have parsed, some rules look at several values or several rows
(docs/csv-import.md#issue-codes): an expenditure line's recoverable VAT lies
between nothing and its VAT (``PL-CSV-030``); an id is used once, a row repeated
exactly being a warning (``PL-CSV-025``) and a different row with the same id an
error (``PL-CSV-024``); and each reversal reverses an expenditure or income line
of the file, dated no earlier, and only once (``PL-CSV-026`` to ``PL-CSV-029``).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pooledledger.books.entry_order import REVERSIBLE, Target
from pooledledger.core.errors import Severity
from pooledledger.io.ledger_header import Table
from pooledledger.io.row_issues import IssueLog
from pooledledger.model.entries import Entry, Reversal

__all__ = ["ReversalAt", "check_reversals", "recoverable_vat_ok", "repeated_id"]

#: A reversal read, with where: (entry, file, line, reverses column, date column)
ReversalAt = tuple[Reversal, str, int, str, str]


def recoverable_vat_ok(
    log: IssueLog, t: Table, values: Mapping[str, Any], line: int, entry_id: str | None
) -> bool:
    """False (``PL-CSV-030``) unless the recoverable VAT lies between 0 and the VAT."""
    vat = values["vat"].amount if "vat" in values else Decimal(0)
    rec = values["vat_recoverable"].amount
    if min(Decimal(0), vat) <= rec <= max(Decimal(0), vat):
        return True
    pos = t.index.get("vat_recoverable")
    log.error(
        "PL-CSV-030",
        f"recoverable VAT {rec} must lie between 0 and the VAT {vat}",
        t.file,
        line,
        t.headers[pos] if pos is not None else "vat_recoverable",
        field_name="vat_recoverable",
        entry_id=entry_id,
    )
    return False


def repeated_id(
    log: IssueLog, t: Table, seen: Entry, entry: Entry, first: tuple[str, int], line: int
) -> None:
    """A row whose id was read before: the same entry again, or a different one."""
    first_file, first_line = first
    pos = t.index.get("id")
    col = t.headers[pos] if pos is not None else "id"
    if seen == entry:
        log.error(
            "PL-CSV-025",
            f"the row repeats entry {entry.id!r} from {first_file} line {first_line} "
            "exactly; it is counted once",
            t.file,
            line,
            col,
            field_name="id",
            entry_id=entry.id,
            severity=Severity.WARNING,
        )
    else:
        log.error(
            "PL-CSV-024",
            f"id {entry.id!r} is already used, with different content, by "
            f"{first_file} line {first_line}",
            t.file,
            line,
            col,
            field_name="id",
            entry_id=entry.id,
        )


def _reversal_problem(
    rev: Reversal, target: Target | None, reversed_by: Mapping[str, int]
) -> tuple[str, str] | None:
    """The code and message of what is wrong with ``rev``, given the kind and date of
    the entry it names (``None``: no such entry), or None."""
    if target is None:
        return (
            "PL-CSV-026",
            f"reversal {rev.id!r} reverses {rev.reverses!r}, which is not in the file",
        )
    kind, counts_from = target
    if kind not in REVERSIBLE:
        return (
            "PL-CSV-027",
            f"reversal {rev.id!r} reverses {rev.reverses!r}, a {kind}; only "
            "expenditure and income lines can be reversed",
        )
    if rev.date < counts_from:
        return (
            "PL-CSV-028",
            f"reversal {rev.id!r} is dated {rev.date}, before the entry it reverses "
            f"({counts_from})",
        )
    if rev.reverses in reversed_by:
        return (
            "PL-CSV-029",
            f"{rev.reverses!r} is already reversed by the row at line {reversed_by[rev.reverses]}",
        )
    return None


def check_reversals(
    log: IssueLog,
    reversals: list[ReversalAt],
    targets: Mapping[str, Target],
    bad_ids: set[str],
) -> None:
    """Each reversal's original: in the file, reversible, not later, reversed once.
    ``targets`` gives the kind and date of each entry a reversal names, by id."""
    reversed_by: dict[str, int] = {}
    for rev, file, line, col, date_col in reversals:
        target = targets.get(rev.reverses)
        if target is None and rev.reverses in bad_ids:
            continue  # the original's own row is already reported
        problem = _reversal_problem(rev, target, reversed_by)
        if problem is None:
            reversed_by[rev.reverses] = line
            continue
        code, message = problem
        on_date = code == "PL-CSV-028"
        log.error(
            code,
            message,
            file,
            line,
            date_col if on_date else col,
            field_name="date" if on_date else "reverses",
            entry_id=rev.id,
        )
