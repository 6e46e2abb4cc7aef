"""Importing a ledger file into the store as one batch: refusing a file seen before,
planning what the batch adds, keeps and reverses when it supersedes an earlier one,
and writing it with its event (docs/store.md, docs/ledger.md, docs/csv-import.md).

The file itself is read by :meth:`pooledledger.store.pool.PoolStore.import_file`
with the ordinary readers; this module takes over from the entries read.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pooledledger.books.ledger import Ledger, LedgerError
from pooledledger.core.errors import Issue
from pooledledger.io.csv_files import ColumnMap, load_column_map
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry, Expenditure, Income, Reversal
from pooledledger.store import schema
from pooledledger.store.chain import canonical, sha256_hex
from pooledledger.store.common import import_checks, issue, now, refuse, renamed
from pooledledger.store.rows import entry_from_row
from pooledledger.store.state import append, entry_rows, locked, new_entry_rows, next_id

__all__ = [
    "BatchPlan",
    "batch_lines",
    "cannot_reverse",
    "column_map_and_text",
    "plan_batch",
    "read_bytes",
    "refuse_changed",
    "refuse_seen",
    "write_batch",
]


@dataclass(frozen=True)
class BatchPlan:
    """What a batch will add (each entry with its id in the file), reverse and keep."""

    batch: int
    added: list[tuple[Entry, str]]
    reversals: list[Entry]
    kept: list[str]


def read_bytes(path: Path) -> bytes:
    """The file's bytes, or PL-CSV-001 if it cannot be read."""
    name = str(path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise refuse(
            [issue("PL-CSV-001", f"cannot read the file: {exc.strerror or exc}", file=name)],
            f"ledger {name}",
        ) from exc


def column_map_and_text(
    column_map: ColumnMap | str | os.PathLike[str] | None,
) -> tuple[ColumnMap | None, str | None]:
    """The column map (loaded if given as a file) and its canonical JSON to store."""
    if column_map is None:
        return None, None
    cmap = column_map if isinstance(column_map, ColumnMap) else load_column_map(column_map)
    return cmap, canonical(cmap.model_dump(mode="json"))


def refuse_seen(conn: Connection, digest: str, name: str) -> None:
    """PL-STO-002 if a file with this SHA-256 was imported already."""
    b = schema.batches
    seen = conn.execute(sa.select(b.c.id, b.c.at).where(b.c.sha256 == digest)).first()
    if seen is not None:
        raise refuse(
            [
                issue(
                    "PL-STO-002",
                    f"this file (SHA-256 {digest[:12]}…) was imported already, as "
                    f"batch {seen.id} on {seen.at[:10]}",
                    file=name,
                )
            ],
            f"ledger {name}",
        )


def refuse_changed(path: Path, digest: str, name: str) -> None:
    """PL-CSV-001 if the file no longer has the hash it had before it was read."""
    try:
        unchanged = sha256_hex(path.read_bytes()) == digest
    except OSError:
        unchanged = False
    if not unchanged:  # the batch must record the hash of what was read
        raise refuse(
            [issue("PL-CSV-001", "the file changed while it was being read", file=name)],
            f"ledger {name}",
        )


def plan_batch(
    conn: Connection,
    agreement: Agreement,
    entries: Sequence[Entry],
    name: str,
    supersedes: int | None,
) -> BatchPlan:
    """What importing ``entries`` does, or every reason it is refused (raised)."""
    batch = next_id(conn, schema.batches.c.id)
    rows = entry_rows(conn)
    old: dict[str, Any] = {}
    if supersedes is not None:
        old = _superseded_lines(conn, supersedes, rows, name)
    added, kept, problems = _new_lines(entries, rows, old, batch, name, supersedes)
    reversals, more = _reversed_lines(old, kept, {e.id for e in entries}, batch, name)
    problems += more
    problems += locked(conn, [e for e, _ in added] + reversals, name)
    if problems:
        raise refuse(problems, f"ledger {name}")
    _check_combined(agreement, rows, [e for e, _ in added], reversals, name)
    return BatchPlan(batch, added, reversals, kept)


def write_batch(
    conn: Connection,
    plan: BatchPlan,
    *,
    path: Path,
    sheet: str | None,
    digest: str,
    map_text: str | None,
    by: str,
    version: int,
    supersedes: int | None,
) -> dict[str, Any]:
    """Write the batch's entries and its row, with one import event; the batch row."""
    seq = next_id(conn, schema.entries.c.seq)
    lines = [*plan.added, *((r, "") for r in plan.reversals)]
    rows = new_entry_rows(lines, seq, batch_id=plan.batch)
    batch_row = {
        "id": plan.batch,
        "source": path.name if sheet is None else f"{path.name}[{sheet}]",
        "sha256": digest,
        "column_map": map_text,
        "by": by,
        "at": now(),
        "supersedes": supersedes,
        "agreement_version": version,
    }
    summary = f"batch {plan.batch}: {path.name}, {len(plan.added)} entries"
    if supersedes is not None:
        summary += f", supersedes batch {supersedes} ({len(plan.reversals)} reversed)"
    append(conn, "import", by, summary, {"batches": [batch_row], "entries": rows})
    return batch_row


def _superseded_lines(
    conn: Connection, supersedes: int, rows: Sequence[Any], name: str
) -> dict[str, Any]:
    """The lines of the batch superseded (PL-STO-004 if none, or superseded already)."""
    b = schema.batches
    target = conn.execute(sa.select(b).where(b.c.id == supersedes)).first()
    already = conn.execute(sa.select(b.c.id).where(b.c.supersedes == supersedes)).first()
    if target is None or already is not None:
        why = (
            f"batch {supersedes} was superseded already, by batch {already.id}"
            if already is not None
            else f"there is no batch {supersedes}"
        )
        raise refuse([issue("PL-STO-004", why, file=name)], f"ledger {name}")
    return batch_lines(conn, supersedes, rows)


def _new_lines(
    entries: Sequence[Entry],
    rows: Sequence[Any],
    old: Mapping[str, Any],
    batch: int,
    name: str,
    supersedes: int | None,
) -> tuple[list[tuple[Entry, str]], list[str], list[Issue]]:
    """The file's entries sorted into added (with their file ids), kept, and problems."""
    existing = {r.entry_id: r for r in rows}
    by_source = {r.source_id: r for r in rows if r.source_id}
    problems: list[Issue] = []
    added: list[tuple[Entry, str]] = []  # (entry as stored, id in the file)
    kept: list[str] = []
    for entry in entries:
        prior = old.get(entry.id)
        if prior is not None:
            before = entry_from_row(prior).model_copy(update={"id": entry.id})
            if before == entry:
                kept.append(prior.entry_id)
            elif not isinstance(entry, Expenditure | Income):
                problems.append(cannot_reverse(entry.id, entry.entry, name))
            else:
                added.append((renamed(entry, f"-B{batch}"), entry.id))
            continue
        clash = existing.get(entry.id) or by_source.get(entry.id)
        if clash is not None:
            problems.append(_already_stored(entry.id, clash, name, supersedes))
            continue
        added.append((entry, entry.id))
    return added, kept, problems


def _already_stored(entry_id: str, clash: Any, name: str, supersedes: int | None) -> Issue:
    """PL-STO-003: the entry is in the store already, with a hint to supersede its batch."""
    whence = f"batch {clash.batch_id}" if clash.batch_id is not None else "the store's own entries"
    hint = (
        f"; to replace batch {clash.batch_id}, import with --supersedes {clash.batch_id}"
        if clash.batch_id is not None and supersedes is None
        else ""
    )
    return issue(
        "PL-STO-003",
        f"entry {entry_id!r} is already in the store (from {whence}){hint}",
        file=name,
        entry_id=entry_id,
    )


def _reversed_lines(
    old: Mapping[str, Any], kept: Sequence[str], new_ids: set[str], batch: int, name: str
) -> tuple[list[Entry], list[Issue]]:
    """Reversals of the superseded lines not kept, and those that cannot be reversed."""
    reversals: list[Entry] = []
    problems: list[Issue] = []
    for source_id, prior in old.items():
        if prior.entry_id in kept:
            continue  # the same again: stays as it is
        if prior.kind not in ("expenditure", "income"):
            if source_id not in new_ids:  # (a changed one was reported above)
                problems.append(cannot_reverse(source_id, prior.kind, name))
            continue
        original = entry_from_row(prior)
        assert isinstance(original, Expenditure | Income)
        reversals.append(
            Reversal(
                id=f"{prior.entry_id}-REV-B{batch}",
                reverses=prior.entry_id,
                date=original.date,
                reason=f"superseded by batch {batch}",
            )
        )
    return reversals, problems


def _check_combined(
    agreement: Agreement,
    rows: Sequence[Any],
    added: Sequence[Entry],
    reversals: Sequence[Entry],
    name: str,
) -> None:
    """Refuse the batch if the store's entries with it fail the import checks."""
    try:
        combined = Ledger(agreement, [*(entry_from_row(r) for r in rows), *added, *reversals])
    except LedgerError as exc:
        raise refuse([issue("PL-LED-103", str(exc), file=name)], f"ledger {name}") from exc
    checked = [i for i in import_checks(combined) if i.is_error]
    if checked:
        raise refuse(checked, f"ledger {name} with the store's entries")


def batch_lines(conn: Connection, batch: int, rows: Sequence[Any]) -> dict[str, Any]:
    """File id → stored row of the lines a batch stands for now: its own, and those it
    kept unchanged from the batches it superseded (not reversed since)."""
    b = schema.batches
    parents = {int(r.id): r.supersedes for r in conn.execute(sa.select(b.c.id, b.c.supersedes))}
    reversed_ids = {json.loads(r.detail).get("reverses") for r in rows if r.kind == "reversal"}
    out: dict[str, Any] = {}
    current: int | None = batch
    while current is not None:
        for r in rows:
            if (
                r.batch_id == current
                and r.source_id
                and r.source_id not in out
                and r.entry_id not in reversed_ids
            ):
                out[r.source_id] = r
        current = parents.get(current)
    return out


def cannot_reverse(entry_id: str, kind: str, file: str) -> Issue:
    """PL-STO-014: a superseded line that is not spending or income changed or went."""
    return issue(
        "PL-STO-014",
        f"the superseded batch's {kind} {entry_id!r} is changed or missing, but only "
        "spending and income lines can be reversed; correct a contribution with a "
        "VARIATION entry instead",
        file=file,
        entry_id=entry_id,
    )
