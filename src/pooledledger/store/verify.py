"""Reading the store's audit trail back and verifying it: the hash chain, every row
against the event that wrote it, and every close against closing its stored inputs
again (docs/store.md, codes PL-STO-020 to PL-STO-022 in docs/issue-codes.md).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pooledledger.core.errors import Issue, PooledLedgerError
from pooledledger.core.periods import FinancialYear
from pooledledger.store import schema
from pooledledger.store.chain import GENESIS, event_hash
from pooledledger.store.common import first_difference, issue, rulings_from
from pooledledger.store.results import HistoryEvent, VerifyReport
from pooledledger.store.state import agreement_at, ledger_at
from pooledledger.yearend.close import close_year

__all__ = ["TABLES", "history_of", "verify_in"]

#: The tables whose rows the trail's events hold.
TABLES: tuple[sa.Table, ...] = (
    schema.agreement_versions,
    schema.batches,
    schema.entries,
    schema.closes,
    schema.reopenings,
    schema.signoffs,
)


def history_of(rows: Sequence[Any]) -> tuple[HistoryEvent, ...]:
    """The trail's event rows as events with their one-line summaries."""
    out = []
    for r in rows:
        try:
            summary = str(json.loads(r.payload).get("summary", ""))
        except (ValueError, AttributeError):
            summary = "(unreadable payload)"
        out.append(HistoryEvent(int(r.seq), r.at, r.kind, r.actor, summary, r.hash))
    return tuple(out)


def verify_in(conn: Connection) -> VerifyReport:
    """Every mismatch of the chain, the rows and the closes, in trail order."""
    e = schema.events
    events = conn.execute(sa.select(e).order_by(e.c.seq)).all()
    issues, payloads = _check_chain(events)
    kinds = {int(ev.seq): ev.kind for ev in events}
    for table in TABLES:
        issues += _check_rows(conn, table, payloads, kinds)
    closes_checked = 0
    for row in conn.execute(sa.select(schema.closes).order_by(schema.closes.c.id)).all():
        closes_checked += 1
        found = _rerun(conn, row)
        if found:
            issues.append(
                issue(
                    "PL-STO-022",
                    f"close {row.id} of {row.year} (event {row.event_seq}) differs from "
                    f"closing its stored inputs again: {found}",
                    field=f"event {row.event_seq}",
                )
            )
    issues.sort(key=lambda i: int((i.location.field or "event 0").split()[-1]))
    return VerifyReport(
        events=len(events),
        closes=closes_checked,
        head=events[-1].hash if events else GENESIS,
        issues=tuple(issues),
    )


def _check_chain(events: Sequence[Any]) -> tuple[list[Issue], dict[int, dict[str, Any]]]:
    """PL-STO-020 for every break in the hash chain; each event's rows, by seq."""
    issues: list[Issue] = []
    prev = GENESIS
    payloads: dict[int, dict[str, Any]] = {}
    for n, ev in enumerate(events, 1):
        where = {"field": f"event {ev.seq}"}
        if int(ev.seq) != n:
            issues.append(issue("PL-STO-020", f"event {n} is missing (found {ev.seq})", **where))
        if ev.prev_hash != prev:
            issues.append(
                issue(
                    "PL-STO-020",
                    f"event {ev.seq} ({ev.kind}) does not follow the event before it: "
                    "the trail was cut or rewritten here",
                    **where,
                )
            )
        again = event_hash(ev.prev_hash, int(ev.seq), ev.at, ev.kind, ev.actor, ev.payload)
        if again != ev.hash:
            issues.append(
                issue(
                    "PL-STO-020",
                    f"event {ev.seq} ({ev.kind}, {ev.at[:19]}) does not match its hash: "
                    "it was changed after it was written",
                    **where,
                )
            )
        prev = ev.hash
        try:
            payloads[int(ev.seq)] = json.loads(ev.payload).get("rows", {})
        except (ValueError, AttributeError):
            payloads[int(ev.seq)] = {}
    return issues, payloads


def _check_rows(
    conn: Connection,
    table: sa.Table,
    payloads: Mapping[int, Mapping[str, Any]],
    kinds: Mapping[int, str],
) -> list[Issue]:
    """PL-STO-021 for every row of ``table`` that differs from its event, or has none."""
    key = next(iter(table.primary_key.columns)).name
    expected: dict[Any, tuple[int, dict[str, Any]]] = {}
    for seq, rows in payloads.items():
        for r in rows.get(table.name, []):
            expected[r.get(key)] = (seq, r)
    out: list[Issue] = []
    stored = conn.execute(sa.select(table).order_by(table.c[key])).mappings().all()
    seen = set()
    for row in stored:
        data = dict(row)
        pk = data[key]
        seen.add(pk)
        found = _row_issue(table.name, key, data, expected.get(pk), kinds)
        if found is not None:
            out.append(found)
    for pk, (seq, _) in expected.items():
        if pk not in seen:
            out.append(
                issue(
                    "PL-STO-021",
                    f"{table.name} row {key}={pk}, written by event {seq} "
                    f"({kinds.get(seq, '?')}), is missing",
                    field=f"event {seq}",
                )
            )
    return out


def _row_issue(
    name: str,
    key: str,
    data: dict[str, Any],
    want: tuple[int, dict[str, Any]] | None,
    kinds: Mapping[int, str],
) -> Issue | None:
    """PL-STO-021 if a stored row (``data``) is not what its event wrote (``want``)."""
    pk = data[key]
    event_seq = int(data.pop("event_seq"))
    if want is None:
        return issue(
            "PL-STO-021",
            f"{name} row {key}={pk} was written by no event of the trail",
            field=f"event {event_seq}",
        )
    seq, wrote = want
    if seq == event_seq and wrote == data:
        return None
    diff = [c for c in sorted(set(wrote) | set(data)) if wrote.get(c) != data.get(c)]
    shown = (
        ", ".join(f"{c}: stored {data.get(c)!r}, trail {wrote.get(c)!r}" for c in diff[:3])
        or f"event_seq: stored {event_seq}, trail {seq}"
    )
    return issue(
        "PL-STO-021",
        f"{name} row {key}={pk} differs from event {seq} "
        f"({kinds.get(seq, '?')}) that wrote it: {shown}",
        field=f"event {seq}",
    )


def _rerun(conn: Connection, row: Any) -> str | None:
    """Close a stored close's inputs again; the first figure that differs, if any."""
    try:
        _, agreement = agreement_at(conn, int(row.agreement_version))
        ledger = ledger_at(conn, agreement, int(row.input_seq))
        again = close_year(
            agreement,
            ledger,
            FinancialYear.parse(row.year),
            rulings=rulings_from(row.rulings),
            settle_within_working_days=int(row.settle_days),
        )
        stored = json.loads(row.result)
    except (PooledLedgerError, ValueError, LookupError, sa.exc.SQLAlchemyError) as exc:
        return f"its inputs cannot be closed again ({exc})"
    return first_difference(stored, json.loads(again.model_dump_json()))
