"""Writing a store out as files (agreement versions, each batch, the whole ledger and
a manifest of the steps that rebuild it), docs/store.md#export.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pooledledger.books.ledger import Ledger
from pooledledger.io.agreement_files import dump_agreement_json
from pooledledger.io.ledger_files import dump_ledger_json
from pooledledger.model.agreement import Agreement
from pooledledger.store import schema
from pooledledger.store.rows import entry_from_row
from pooledledger.store.state import agreement_at, entry_rows

__all__ = ["Exported", "export_in", "write_export"]


@dataclass
class Exported:
    """What one read of the store gives an export: files written so far, the
    manifest's steps, and the current agreement and whole ledger still to write."""

    written: list[Path]
    steps: list[dict[str, Any]]
    agreement: Agreement
    ledger: Ledger


def export_in(conn: Connection, folder: Path) -> Exported:
    """Write each agreement version and batch into ``folder``, and list every step."""
    written: list[Path] = []
    steps: list[dict[str, Any]] = []
    _, current = agreement_at(conn)
    av = schema.agreement_versions
    for v in conn.execute(sa.select(av).order_by(av.c.version)).all():
        path = folder / f"agreement-v{v.version}.json"
        path.write_text(v.content + "\n", encoding="utf-8")
        written.append(path)
        steps.append({"event": int(v.event_seq), "step": "agreement", "file": path.name})
    rows = entry_rows(conn)
    _batch_files(conn, folder, rows, written, steps)
    steps += _other_steps(conn)
    ledger = Ledger(current, [entry_from_row(r) for r in rows])
    return Exported(written, steps, current, ledger)


def write_export(folder: Path, got: Exported) -> list[Path]:
    """Write the current agreement, the whole ledger and the manifest; every file."""
    written = got.written
    path = folder / "agreement.json"
    path.write_text(dump_agreement_json(got.agreement) + "\n", encoding="utf-8")
    written.insert(0, path)
    path = folder / "ledger.json"
    path.write_text(dump_ledger_json(got.ledger), encoding="utf-8")
    written.insert(1, path)
    path = folder / "manifest.json"
    steps = got.steps
    steps.sort(key=lambda s: int(s["event"]))
    path.write_text(json.dumps({"steps": steps}, indent=2) + "\n", encoding="utf-8")
    written.append(path)
    return written


def _batch_files(
    conn: Connection,
    folder: Path,
    rows: Sequence[Any],
    written: list[Path],
    steps: list[dict[str, Any]],
) -> None:
    """Write each batch as a ledger file of the lines its file held, with its step."""
    reversed_ids = {json.loads(r.detail).get("reverses") for r in rows if r.kind == "reversal"}
    for b in conn.execute(sa.select(schema.batches).order_by(schema.batches.c.id)).all():
        _, ag = agreement_at(conn, int(b.agreement_version))
        mine = [
            entry_from_row(r).model_copy(update={"id": r.source_id})
            for r in rows
            if r.batch_id == b.id and r.source_id
        ]
        # a superseding file also held the lines it left unchanged
        kept = [
            entry_from_row(r).model_copy(update={"id": r.source_id})
            for r in rows
            if b.supersedes is not None
            and r.batch_id == b.supersedes
            and r.source_id
            and r.entry_id not in reversed_ids
        ]
        path = folder / f"batch-{int(b.id):04d}.json"
        path.write_text(dump_ledger_json(Ledger(ag, [*kept, *mine])), encoding="utf-8")
        written.append(path)
        steps.append(
            {
                "event": int(b.event_seq),
                "step": "import",
                "file": path.name,
                "source": b.source,
                "sha256": b.sha256,
                "by": b.by,
                "supersedes": b.supersedes,
            }
        )


def _other_steps(conn: Connection) -> list[dict[str, Any]]:
    """The manifest's close, reopen and sign-off steps."""
    steps: list[dict[str, Any]] = []
    for c in conn.execute(sa.select(schema.closes)).all():
        steps.append(
            {
                "event": int(c.event_seq),
                "step": "close",
                "year": c.year,
                "rulings": json.loads(c.rulings),
                "settle_within_working_days": int(c.settle_days),
                "by": c.by,
            }
        )
    for r in conn.execute(sa.select(schema.reopenings)).all():
        steps.append(
            {
                "event": int(r.event_seq),
                "step": "reopen",
                "year": r.year,
                "reason": r.reason,
                "unlock": bool(r.unlock),
                "by": r.by,
            }
        )
    for s in conn.execute(sa.select(schema.signoffs)).all():
        steps.append({"event": int(s.event_seq), "step": "signoff", "year": s.year, "by": s.by})
    return steps
