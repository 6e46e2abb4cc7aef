"""A pool's history in a database: :class:`PoolStore` (see docs/store.md).

One code path for SQLite (a single file, the default) and PostgreSQL (a shared
team store): SQLAlchemy Core, with the tables made by the Alembic migrations
shipped in this package, run when a store is made or opened.

Every command is one transaction, taken under the store's write lock (SQLite:
``BEGIN IMMEDIATE`` with a busy timeout; PostgreSQL: a transaction-level advisory
lock), so a command either lands whole or not at all, and two processes writing at
once are put one after the other.  Every change appends one event to the audit
trail, a SHA-256 hash chain (:mod:`pooledledger.store.chain`).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import TypeAdapter
from sqlalchemy.engine import Connection, Engine

from pooledledger.books.ledger import Ledger, LedgerError
from pooledledger.books.riskshare import BoardRuling
from pooledledger.core.errors import Issue, IssueError, Location, PooledLedgerError, Severity
from pooledledger.core.money import to_money
from pooledledger.core.periods import FinancialYear
from pooledledger.io.agreement_files import dump_agreement_json, read_agreement
from pooledledger.io.csv_files import ColumnMap, load_column_map
from pooledledger.io.ledger_files import dump_ledger_json
from pooledledger.io.sources import read_ledger_source
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import (
    Contribution,
    Entry,
    Expenditure,
    Income,
    Reversal,
    Settlement,
    YearClosed,
)
from pooledledger.model.partners import SchemeId
from pooledledger.model.rules import FallbackRule, UnderspendDisposition
from pooledledger.store import schema
from pooledledger.store.chain import GENESIS, canonical, event_hash, sha256_hex
from pooledledger.store.rows import entry_from_row, entry_row, entry_year
from pooledledger.yearend.checks import check_ledger
from pooledledger.yearend.close import YearEndClose, close_year

__all__ = [
    "PAUSE_ENV",
    "DeferredCodes",
    "HistoryEvent",
    "ImportResult",
    "PoolStore",
    "Reopening",
    "SignOff",
    "StoreError",
    "StoredClose",
    "VerifyReport",
    "looks_like_store",
    "shown",
    "store_url",
]

#: Test hook: seconds to sleep inside a write transaction, just before it commits
#: (so a test can kill the process mid-command).  Never set it in production.
PAUSE_ENV = "POOLEDLEDGER_STORE_PAUSE"

#: Ledger checks that need a whole year's entries (instalment totals, I-14): an
#: import holds part of a year, so they run when the year is closed instead.
DeferredCodes = frozenset({"PL-LED-008", "PL-LED-009"})

_SQLITE_MAGIC = b"SQLite format 3\x00"
_LOCK_KEY = 0x706F6F6C  # "pool": the PostgreSQL advisory lock the store writes under
_MIGRATIONS = Path(__file__).parent / "migrations"
_TABLES: tuple[sa.Table, ...] = (
    schema.agreement_versions,
    schema.batches,
    schema.entries,
    schema.closes,
    schema.reopenings,
    schema.signoffs,
)


class StoreError(PooledLedgerError, RuntimeError):
    """The store cannot be used as asked: unreachable, not a pool store, a newer format."""


def looks_like_store(location: str | os.PathLike[str]) -> bool:
    """True if ``location`` is a ``postgresql://`` URL or an existing SQLite file.

    Agreement and ledger files are text (TOML, YAML, JSON, CSV) or Excel
    workbooks, never SQLite databases, so the two cannot be confused.
    """
    text = str(location)
    if text.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return True
    path = Path(text)
    try:
        with path.open("rb") as fh:
            return fh.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


def store_url(location: str | os.PathLike[str]) -> str:
    """The SQLAlchemy URL of a store: a PostgreSQL URL (driven by psycopg 3) or a file."""
    text = str(location)
    for prefix in ("postgresql://", "postgres://"):
        if text.startswith(prefix):
            return "postgresql+psycopg://" + text[len(prefix) :]
    if text.startswith("postgresql+psycopg://"):
        return text
    return "sqlite:///" + str(Path(text).resolve())


def shown(location: str) -> str:
    """A store's location fit to print: a URL's password is masked."""
    if "://" in location and not location.startswith("sqlite"):
        try:
            return sa.engine.make_url(store_url(location)).render_as_string(hide_password=True)
        except sa.exc.ArgumentError:
            return "(an unreadable URL)"
    return location


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _issue(code: str, message: str, **where: Any) -> Issue:
    return Issue(code=code, severity=Severity.ERROR, message=message, location=Location(**where))


def _refuse(issues: Sequence[Issue], what: str) -> IssueError:
    return IssueError(issues, what=what)


_RULE: TypeAdapter[FallbackRule | None] = TypeAdapter(FallbackRule | None)


def _rulings_json(rulings: Mapping[SchemeId, BoardRuling]) -> str:
    return canonical(
        {
            k: {
                "rule": _RULE.dump_python(r.rule, mode="json"),
                "disposition": r.disposition.value if r.disposition is not None else None,
                "windfall_pence": r.windfall_pence,
                "reference": r.reference,
            }
            for k, r in rulings.items()
        }
    )


def _rulings_from(text: str) -> dict[SchemeId, BoardRuling]:
    out: dict[SchemeId, BoardRuling] = {}
    for k, r in json.loads(text).items():
        out[k] = BoardRuling(
            rule=_RULE.validate_python(r["rule"]),
            disposition=(
                UnderspendDisposition(r["disposition"]) if r["disposition"] is not None else None
            ),
            windfall_pence=r["windfall_pence"],
            reference=r["reference"],
        )
    return out


def _import_checks(ledger: Ledger) -> list[Issue]:
    """Every ledger check except those that need the whole year (run at the close)."""
    return [i for i in check_ledger(ledger) if i.code not in DeferredCodes]


def _pause() -> None:
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        print("pooledledger: pausing inside the transaction", file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def _renamed(entry: Entry, suffix: str) -> Entry:
    return entry.model_copy(update={"id": f"{entry.id}{suffix}"})


def _first_difference(stored: Any, rerun: Any, path: str = "") -> str | None:
    """The first path at which two JSON values differ, with both values."""
    if isinstance(stored, dict) and isinstance(rerun, dict):
        for key in [*stored, *(k for k in rerun if k not in stored)]:
            if key not in stored or key not in rerun:
                return f"{path}.{key}: present in only one of them"
            found = _first_difference(stored[key], rerun[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(rerun, list):
        for i, (a, b) in enumerate(zip(stored, rerun, strict=False)):
            found = _first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(stored) != len(rerun):
            return f"{path}: {len(stored)} items stored, {len(rerun)} on re-running"
        return None
    if stored != rerun:
        return f"{path.lstrip('.')}: stored {stored!r}, re-run {rerun!r}"
    return None


# -- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportResult:
    """What an import added: its batch, the entries added, reversed and kept, warnings."""

    batch: int
    source: str
    sha256: str
    added: tuple[str, ...]
    reversed: tuple[str, ...]
    kept: tuple[str, ...]
    warnings: tuple[Issue, ...]


@dataclass(frozen=True)
class StoredClose:
    """A close held by the store, with the inputs it was made from.

    ``already_closed`` is true when the year was closed before this call and the
    stored close is returned unchanged.  ``ledger`` holds the entries the close was
    made from; ``entries`` are the ids the close added to the store.
    """

    id: int
    year: FinancialYear
    agreement_version: int
    agreement: Agreement
    ledger: Ledger
    result: YearEndClose
    rulings: dict[SchemeId, BoardRuling]
    by: str
    at: str
    entries: tuple[str, ...]
    already_closed: bool


@dataclass(frozen=True)
class Reopening:
    """A close reopened: the reversal entries added and why."""

    id: int
    year: FinancialYear
    close: int
    reason: str
    unlock: bool
    entries: tuple[str, ...]


@dataclass(frozen=True)
class SignOff:
    """Who approved a close, and the audit trail's head hash when they did."""

    id: int
    year: FinancialYear
    close: int
    by: str
    at: str
    head_hash: str


@dataclass(frozen=True)
class HistoryEvent:
    """One event of the audit trail, with a one-line summary."""

    seq: int
    at: str
    kind: str
    actor: str
    summary: str
    hash: str


@dataclass(frozen=True)
class VerifyReport:
    """What :meth:`PoolStore.verify` found: ``issues`` is empty when all is well."""

    events: int
    closes: int
    head: str
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues


# -- the store ------------------------------------------------------------------------


class PoolStore:
    """A pool's agreement versions, ledger, imports, closes and sign-offs, with a trail.

    Make one with :meth:`init`, open it again with :meth:`open`; ``location`` is a
    file path (SQLite) or a ``postgresql://`` URL.  Use it as a context manager (or
    call :meth:`dispose`) to release its connections.  Problems in the data raise
    :class:`~pooledledger.core.errors.IssueError` listing every issue (codes
    ``PL-STO-…``, docs/issue-codes.md) and leave the store as it was.
    """

    def __init__(self, engine: Engine, location: str) -> None:
        self.engine = engine
        self.location = location

    # -- making and opening ------------------------------------------------------------

    @staticmethod
    def _engine(location: str) -> Engine:
        url = store_url(location)
        if url.startswith("sqlite"):
            engine = sa.create_engine(url, connect_args={"timeout": 60})

            @sa.event.listens_for(engine, "connect")
            def _connect(dbapi_connection: Any, _record: Any) -> None:
                dbapi_connection.isolation_level = None  # we issue BEGIN ourselves

            @sa.event.listens_for(engine, "begin")
            def _begin(conn: Connection) -> None:
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock at once

            return engine
        return sa.create_engine(url)

    @classmethod
    def init(
        cls,
        location: str | os.PathLike[str],
        agreement: str | os.PathLike[str] | Agreement,
        *,
        by: str = "",
    ) -> PoolStore:
        """Make a new store at ``location`` holding ``agreement`` (a file or model)."""
        text = str(location)
        if not text.startswith(("postgres", "postgresql")) and Path(text).exists():
            raise _refuse(
                [_issue("PL-STO-013", "a file is already there; choose a new path", file=text)],
                f"store {shown(text)}",
            )
        ag = cls._read_agreement(agreement)
        store = cls(cls._engine(text), text)
        try:
            with store._write() as conn:
                store._migrate(conn)
                if conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar():
                    raise _refuse(
                        [_issue("PL-STO-013", "this database already holds a pool store")],
                        f"store {shown(text)}",
                    )
                store._add_agreement(conn, ag, by, "init")
        except BaseException:
            store.dispose()
            raise
        return store

    @classmethod
    def open(cls, location: str | os.PathLike[str]) -> PoolStore:
        """Open an existing store (bringing its tables up to date)."""
        text = str(location)
        if not text.startswith(("postgres", "postgresql")) and not looks_like_store(text):
            why = "no such file" if not Path(text).exists() else "not a pool store"
            raise _refuse(
                [_issue("PL-STO-001", f"{why}; make one with `pooledledger init`", file=text)],
                f"store {shown(text)}",
            )
        store = cls(cls._engine(text), text)
        try:
            with store._write() as conn:
                store._migrate(conn)
                if not conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar():
                    raise _refuse(
                        [
                            _issue(
                                "PL-STO-001",
                                "not a pool store (it has no history)",
                                file=shown(text),
                            )
                        ],
                        f"store {shown(text)}",
                    )
        except BaseException:
            store.dispose()
            raise
        return store

    def dispose(self) -> None:
        """Release the store's connections."""
        self.engine.dispose()

    def __enter__(self) -> PoolStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"PoolStore({shown(self.location)!r})"

    @staticmethod
    def _alembic(conn: Connection) -> Config:
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        config.attributes["connection"] = conn
        return config

    def _migrate(self, conn: Connection) -> None:
        config = self._alembic(conn)
        heads = set(ScriptDirectory.from_config(config).get_heads())
        current = set(MigrationContext.configure(conn).get_current_heads())
        if current - heads:
            raise StoreError(
                f"the store {shown(self.location)} was made by a newer pooledledger "
                f"(revision {sorted(current)}); upgrade pooledledger"
            )
        if current != heads:
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The store's migration revision (the head revision once opened)."""
        with self._read() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @staticmethod
    def head_revision() -> str | None:
        """The newest migration revision this pooledledger ships."""
        config = Config()
        config.set_main_option("script_location", str(_MIGRATIONS))
        return ScriptDirectory.from_config(config).get_current_head()

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """One transaction under the store's write lock."""
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            why = str(exc.orig) if isinstance(exc, sa.exc.DBAPIError) else str(exc)
            raise StoreError(
                f"the store {shown(self.location)} cannot be used: {why.strip()}"
            ) from exc

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        """One consistent snapshot to read from (PostgreSQL: repeatable read)."""
        try:
            with self.engine.connect() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execution_options(isolation_level="REPEATABLE READ")
                with conn.begin():
                    yield conn
        except sa.exc.SQLAlchemyError as exc:
            why = str(exc.orig) if isinstance(exc, sa.exc.DBAPIError) else str(exc)
            raise StoreError(
                f"the store {shown(self.location)} cannot be read: {why.strip()}"
            ) from exc

    @staticmethod
    def _read_agreement(agreement: str | os.PathLike[str] | Agreement) -> Agreement:
        if isinstance(agreement, Agreement):
            return agreement
        ag, issues = read_agreement(Path(agreement))
        if ag is None:
            raise IssueError(issues, what=f"agreement {agreement}")
        return ag

    # -- the trail ------------------------------------------------------------------

    @staticmethod
    def _next_id(conn: Connection, column: sa.Column[Any]) -> int:
        return int(conn.execute(sa.select(sa.func.max(column))).scalar() or 0) + 1

    def _append(
        self,
        conn: Connection,
        kind: str,
        actor: str,
        summary: str,
        rows: Mapping[str, list[dict[str, Any]]],
    ) -> int:
        """Write ``rows`` (table name → rows) and one event covering them; its seq."""
        head = conn.execute(
            sa.select(schema.events.c.seq, schema.events.c.hash)
            .order_by(schema.events.c.seq.desc())
            .limit(1)
        ).first()
        seq = 1 if head is None else int(head.seq) + 1
        prev = GENESIS if head is None else str(head.hash)
        at = _now()
        payload = canonical({"summary": summary, "rows": {t: r for t, r in rows.items() if r}})
        conn.execute(
            schema.events.insert().values(
                seq=seq,
                at=at,
                kind=kind,
                actor=actor,
                payload=payload,
                prev_hash=prev,
                hash=event_hash(prev, seq, at, kind, actor, payload),
            )
        )
        for name, items in rows.items():
            if items:
                table = schema.metadata.tables[name]
                conn.execute(table.insert(), [{**r, "event_seq": seq} for r in items])
        return seq

    # -- reading state --------------------------------------------------------------

    @staticmethod
    def _agreement(conn: Connection, version: int | None = None) -> tuple[int, Agreement]:
        t = schema.agreement_versions
        q = sa.select(t.c.version, t.c.content)
        q = q.where(t.c.version == version) if version else q.order_by(t.c.version.desc())
        row = conn.execute(q.limit(1)).one()
        return int(row.version), Agreement.model_validate_json(row.content)

    @staticmethod
    def _entry_rows(conn: Connection, upto: int | None = None) -> list[Any]:
        t = schema.entries
        q = sa.select(t).order_by(t.c.seq)
        if upto is not None:
            q = q.where(t.c.seq <= upto)
        return list(conn.execute(q).all())

    def _ledger(self, conn: Connection, agreement: Agreement, upto: int | None = None) -> Ledger:
        return Ledger(agreement, [entry_from_row(r) for r in self._entry_rows(conn, upto)])

    @staticmethod
    def _active_closes(conn: Connection) -> dict[str, Any]:
        """Year → the close of it that has not been reopened."""
        c, r = schema.closes, schema.reopenings
        rows = conn.execute(
            sa.select(c).where(~sa.exists().where(r.c.close_id == c.c.id)).order_by(c.c.id)
        ).all()
        return {row.year: row for row in rows}

    @staticmethod
    def _signed_off(conn: Connection) -> dict[int, Any]:
        """Close id → its sign-off."""
        s = schema.signoffs
        return {int(row.close_id): row for row in conn.execute(sa.select(s)).all()}

    def agreement(self, version: int | None = None) -> Agreement:
        """The agreement the store holds now (or the given version)."""
        with self._read() as conn:
            return self._agreement(conn, version)[1]

    def ledger(self) -> Ledger:
        """Every entry in the store, as a ledger under the current agreement."""
        with self._read() as conn:
            _, ag = self._agreement(conn)
            return self._ledger(conn, ag)

    # -- agreement versions -------------------------------------------------------------

    def _add_agreement(self, conn: Connection, agreement: Agreement, by: str, kind: str) -> int:
        content = dump_agreement_json(agreement)
        version = self._next_id(conn, schema.agreement_versions.c.version)
        row = {
            "version": version,
            "agreement_id": agreement.id,
            "sha256": sha256_hex(content),
            "content": content,
        }
        self._append(
            conn,
            kind,
            by,
            f"agreement {agreement.id} version {version}",
            {"agreement_versions": [row]},
        )
        return version

    def amend(self, agreement: str | os.PathLike[str] | Agreement, *, by: str = "") -> int:
        """Store a new version of the agreement (same id); returns its version number.

        Closes already made keep the version they were made with.  The stored
        ledger must still pass the checks under the new version.
        """
        ag = self._read_agreement(agreement)
        with self._write() as conn:
            version, current = self._agreement(conn)
            if ag.id != current.id:
                raise _refuse(
                    [
                        _issue(
                            "PL-STO-012",
                            f"the store holds agreement {current.id!r}, not {ag.id!r}",
                            field="id",
                        )
                    ],
                    "agreement",
                )
            if dump_agreement_json(ag) == dump_agreement_json(current):
                return version
            try:
                ledger = self._ledger(conn, ag)
            except LedgerError as exc:
                raise _refuse([_issue("PL-STO-012", str(exc))], "agreement") from exc
            errors = [i for i in _import_checks(ledger) if i.is_error]
            if errors:
                raise _refuse(errors, "the stored ledger under the new agreement")
            return self._add_agreement(conn, ag, by, "agreement")

    # -- imports --------------------------------------------------------------------

    def import_file(
        self,
        source: str | os.PathLike[str],
        *,
        column_map: ColumnMap | str | os.PathLike[str] | None = None,
        sheet: str | None = None,
        by: str = "",
        supersedes: int | None = None,
    ) -> ImportResult:
        """Import a ledger file (TOML, JSON, CSV, Excel) as one batch.

        The file is read and checked by the ordinary readers (docs/ledger.md,
        docs/csv-import.md) together with what the store already holds; instalment
        totals are checked when the year is closed.  Refused, with nothing
        imported: the same file twice (PL-STO-002), entries already in the store
        (PL-STO-003) unless ``supersedes`` names the batch they came from, lines
        dated in a closed or signed-off year (PL-STO-005, PL-STO-006).
        """
        path = Path(source)
        name = str(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise _refuse(
                [_issue("PL-CSV-001", f"cannot read the file: {exc.strerror or exc}", file=name)],
                f"ledger {name}",
            ) from exc
        digest = sha256_hex(data)
        map_text: str | None = None
        if column_map is not None:
            cmap = column_map if isinstance(column_map, ColumnMap) else load_column_map(column_map)
            map_text = canonical(cmap.model_dump(mode="json"))
            column_map = cmap
        with self._write() as conn:
            b = schema.batches
            seen = conn.execute(sa.select(b.c.id, b.c.at).where(b.c.sha256 == digest)).first()
            if seen is not None:
                raise _refuse(
                    [
                        _issue(
                            "PL-STO-002",
                            f"this file (SHA-256 {digest[:12]}…) was imported already, as "
                            f"batch {seen.id} on {seen.at[:10]}",
                            file=name,
                        )
                    ],
                    f"ledger {name}",
                )
            version, agreement = self._agreement(conn)
            read, issues = read_ledger_source(
                agreement, path, column_map=column_map, sheet=sheet, checks=_import_checks
            )
            if read is None:
                raise _refuse(issues, f"ledger {name}")
            try:
                unchanged = sha256_hex(path.read_bytes()) == digest
            except OSError:
                unchanged = False
            if not unchanged:  # the batch must record the hash of what was read
                raise _refuse(
                    [_issue("PL-CSV-001", "the file changed while it was being read", file=name)],
                    f"ledger {name}",
                )
            batch = self._next_id(conn, b.c.id)
            rows = self._entry_rows(conn)
            existing = {r.entry_id: r for r in rows}
            by_source = {r.source_id: r for r in rows if r.source_id}
            problems: list[Issue] = []
            added: list[tuple[Entry, str]] = []  # (entry as stored, id in the file)
            reversals: list[Entry] = []
            kept: list[str] = []
            old: dict[str, Any] = {}
            if supersedes is not None:
                target = conn.execute(sa.select(b).where(b.c.id == supersedes)).first()
                already = conn.execute(
                    sa.select(b.c.id).where(b.c.supersedes == supersedes)
                ).first()
                if target is None or already is not None:
                    why = (
                        f"batch {supersedes} was superseded already, by batch {already.id}"
                        if already is not None
                        else f"there is no batch {supersedes}"
                    )
                    raise _refuse([_issue("PL-STO-004", why, file=name)], f"ledger {name}")
                old = self._batch_lines(conn, supersedes, rows)
            new_ids = {e.id for e in read.entries}
            for entry in read.entries:
                prior = old.get(entry.id)
                if prior is not None:
                    before = entry_from_row(prior).model_copy(update={"id": entry.id})
                    if before == entry:
                        kept.append(prior.entry_id)
                        continue
                    if not isinstance(entry, Expenditure | Income):
                        problems.append(self._cannot_reverse(entry.id, entry.entry, name))
                        continue
                    added.append((_renamed(entry, f"-B{batch}"), entry.id))
                    continue
                clash = existing.get(entry.id) or by_source.get(entry.id)
                if clash is not None:
                    whence = (
                        f"batch {clash.batch_id}"
                        if clash.batch_id is not None
                        else "the store's own entries"
                    )
                    hint = (
                        f"; to replace batch {clash.batch_id}, import with "
                        f"--supersedes {clash.batch_id}"
                        if clash.batch_id is not None and supersedes is None
                        else ""
                    )
                    problems.append(
                        _issue(
                            "PL-STO-003",
                            f"entry {entry.id!r} is already in the store (from {whence}){hint}",
                            file=name,
                            entry_id=entry.id,
                        )
                    )
                    continue
                added.append((entry, entry.id))
            for source_id, prior in old.items():
                if prior.entry_id in kept:
                    continue  # the same again: stays as it is
                if prior.kind not in ("expenditure", "income"):
                    if source_id not in new_ids:  # (a changed one was reported above)
                        problems.append(self._cannot_reverse(source_id, prior.kind, name))
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
            problems += self._locked(conn, [e for e, _ in added] + reversals, name)
            if problems:
                raise _refuse(problems, f"ledger {name}")
            try:
                combined = Ledger(
                    agreement,
                    [*(entry_from_row(r) for r in rows), *(e for e, _ in added), *reversals],
                )
            except LedgerError as exc:
                raise _refuse(
                    [_issue("PL-LED-103", str(exc), file=name)], f"ledger {name}"
                ) from exc
            checked = [i for i in _import_checks(combined) if i.is_error]
            if checked:
                raise _refuse(checked, f"ledger {name} with the store's entries")
            seq = self._next_id(conn, schema.entries.c.seq)
            entry_rows: list[dict[str, Any]] = []
            for entry, source_id in [*added, *((r, "") for r in reversals)]:
                entry_rows.append(
                    {
                        **entry_row(entry),
                        "seq": seq,
                        "source_id": source_id,
                        "batch_id": batch,
                        "close_id": None,
                        "reopening_id": None,
                    }
                )
                seq += 1
            batch_row = {
                "id": batch,
                "source": path.name if sheet is None else f"{path.name}[{sheet}]",
                "sha256": digest,
                "column_map": map_text,
                "by": by,
                "at": _now(),
                "supersedes": supersedes,
                "agreement_version": version,
            }
            summary = f"batch {batch}: {path.name}, {len(added)} entries"
            if supersedes is not None:
                summary += f", supersedes batch {supersedes} ({len(reversals)} reversed)"
            self._append(
                conn, "import", by, summary, {"batches": [batch_row], "entries": entry_rows}
            )
            _pause()
        return ImportResult(
            batch=batch,
            source=str(batch_row["source"]),
            sha256=digest,
            added=tuple(e.id for e, _ in added),
            reversed=tuple(r.id for r in reversals),
            kept=tuple(kept),
            warnings=tuple(i for i in issues if not i.is_error),
        )

    @staticmethod
    def _batch_lines(conn: Connection, batch: int, rows: Sequence[Any]) -> dict[str, Any]:
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

    @staticmethod
    def _cannot_reverse(entry_id: str, kind: str, file: str) -> Issue:
        return _issue(
            "PL-STO-014",
            f"the superseded batch's {kind} {entry_id!r} is changed or missing, but only "
            "spending and income lines can be reversed; correct a contribution with a "
            "VARIATION entry instead",
            file=file,
            entry_id=entry_id,
        )

    def _locked(self, conn: Connection, entries: Sequence[Entry], file: str) -> list[Issue]:
        closed = self._active_closes(conn)
        signed = self._signed_off(conn)
        out: list[Issue] = []
        for e in entries:
            year = str(entry_year(e))
            close = closed.get(year)
            if close is None:
                continue
            if int(close.id) in signed:
                out.append(
                    _issue(
                        "PL-STO-006",
                        f"{year} is signed off by {signed[int(close.id)].by} and locked; "
                        "nothing dated in it can be imported",
                        file=file,
                        entry_id=e.id,
                    )
                )
            else:
                out.append(
                    _issue(
                        "PL-STO-005",
                        f"{year} is closed; reopen it (`pooledledger reopen`) before "
                        "importing entries dated in it",
                        file=file,
                        entry_id=e.id,
                    )
                )
        return out

    # -- closing ----------------------------------------------------------------------

    def _stored_close(self, conn: Connection, row: Any, already: bool) -> StoredClose:
        version = int(row.agreement_version)
        _, agreement = self._agreement(conn, version)
        ledger = self._ledger(conn, agreement, int(row.input_seq))
        ids = conn.execute(
            sa.select(schema.entries.c.entry_id)
            .where(schema.entries.c.close_id == row.id)
            .order_by(schema.entries.c.seq)
        ).scalars()
        return StoredClose(
            id=int(row.id),
            year=FinancialYear.parse(row.year),
            agreement_version=version,
            agreement=agreement,
            ledger=ledger,
            result=YearEndClose.model_validate_json(row.result),
            rulings=_rulings_from(row.rulings),
            by=str(row.by),
            at=str(row.at),
            entries=tuple(str(i) for i in ids),
            already_closed=already,
        )

    def close(
        self,
        year: FinancialYear | str,
        *,
        rulings: Mapping[SchemeId, BoardRuling] | None = None,
        by: str = "",
        settle_within_working_days: int = 20,
    ) -> StoredClose:
        """Close ``year`` once, storing the close and what opens the next year.

        Closing a closed year again returns the stored close with
        ``already_closed=True`` and changes nothing.  Refused: a year the agreement
        does not cover (PL-STO-008), a year while an earlier year with pool lines is
        open (PL-STO-007), or a ledger with errors (e.g. instalments that do not
        sum, PL-LED-008).
        """
        fy = FinancialYear.parse(year) if isinstance(year, str) else year
        rulings = dict(rulings or {})
        with self._write() as conn:
            active = self._active_closes(conn)
            if str(fy) in active:
                return self._stored_close(conn, active[str(fy)], already=True)
            version, agreement = self._agreement(conn)
            if fy not in agreement.financial_years:
                years = ", ".join(str(y) for y in agreement.financial_years)
                raise _refuse(
                    [
                        _issue(
                            "PL-STO-008",
                            f"{fy} is not a financial year of the agreement ({years}); "
                            "store a new version of it with `pooledledger amend`",
                        )
                    ],
                    f"close {fy}",
                )
            rows = self._entry_rows(conn)
            ledger = Ledger(agreement, [entry_from_row(r) for r in rows])
            with_lines = {FinancialYear.for_date(pl.date) for pl in ledger.pool_lines}
            open_before = sorted(y for y in with_lines if y < fy and str(y) not in active)
            if open_before:
                raise _refuse(
                    [
                        _issue(
                            "PL-STO-007",
                            f"{y} has pool lines and is not closed; close it before {fy}",
                        )
                        for y in open_before
                    ],
                    f"close {fy}",
                )
            upto = Ledger(agreement, [e for e in ledger.entries if entry_year(e) <= fy])
            errors = [i for i in check_ledger(upto) if i.is_error]
            if errors:
                raise _refuse(errors, f"the ledger for {fy}")
            result = close_year(
                agreement,
                ledger,
                fy,
                rulings=rulings,
                settle_within_working_days=settle_within_working_days,
            )
            c = schema.closes
            close_id = self._next_id(conn, c.c.id)
            earlier = conn.execute(
                sa.select(sa.func.count()).select_from(c).where(c.c.year == str(fy))
            ).scalar()
            suffix = f"-R{int(earlier or 0) + 1}" if earlier else ""
            new = [_renamed(e, suffix) if suffix else e for e in result.entries]
            input_seq = int(rows[-1].seq) if rows else 0
            seq = input_seq + 1
            entry_rows = []
            for e in new:
                entry_rows.append(
                    {
                        **entry_row(e),
                        "seq": seq,
                        "source_id": "",
                        "batch_id": None,
                        "close_id": close_id,
                        "reopening_id": None,
                    }
                )
                seq += 1
            close_row = {
                "id": close_id,
                "year": str(fy),
                "agreement_version": version,
                "input_seq": input_seq,
                "rulings": _rulings_json(rulings),
                "settle_days": settle_within_working_days,
                "result": result.model_dump_json(),
                "by": by,
                "at": _now(),
            }
            self._append(
                conn,
                "close",
                by,
                f"close {close_id}: {fy}, {len(new)} entries for the next year and settlement",
                {"closes": [close_row], "entries": entry_rows},
            )
            _pause()
            row = conn.execute(sa.select(c).where(c.c.id == close_id)).one()
            return self._stored_close(conn, row, already=False)

    def closes(self) -> tuple[StoredClose, ...]:
        """Every close in force (not reopened), earliest year first."""
        with self._read() as conn:
            active = self._active_closes(conn)
            return tuple(self._stored_close(conn, active[y], True) for y in sorted(active))

    def stored_close(self, year: FinancialYear | str) -> StoredClose | None:
        """The close in force for ``year``, if any."""
        with self._read() as conn:
            row = self._active_closes(conn).get(str(year))
            return None if row is None else self._stored_close(conn, row, True)

    # -- sign-off and reopening -----------------------------------------------------------

    def signoff(self, year: FinancialYear | str, *, by: str) -> SignOff:
        """Record who approved ``year``'s close; the year is then locked."""
        fy = FinancialYear.parse(year) if isinstance(year, str) else year
        if not by.strip():
            raise _refuse([_issue("PL-STO-011", "a sign-off needs the approver's name")], "signoff")
        with self._write() as conn:
            close = self._active_closes(conn).get(str(fy))
            if close is None:
                raise _refuse(
                    [_issue("PL-STO-011", f"{fy} is not closed; close it before signing it off")],
                    f"sign-off {fy}",
                )
            signed = self._signed_off(conn).get(int(close.id))
            if signed is not None:
                raise _refuse(
                    [_issue("PL-STO-011", f"{fy} was signed off already, by {signed.by}")],
                    f"sign-off {fy}",
                )
            head = conn.execute(
                sa.select(schema.events.c.hash).order_by(schema.events.c.seq.desc()).limit(1)
            ).scalar_one()
            sid = self._next_id(conn, schema.signoffs.c.id)
            at = _now()
            row = {
                "id": sid,
                "close_id": int(close.id),
                "year": str(fy),
                "by": by,
                "at": at,
                "head_hash": head,
            }
            self._append(conn, "signoff", by, f"{fy} signed off", {"signoffs": [row]})
            _pause()
        return SignOff(sid, fy, int(close.id), by, at, head)

    def reopen(
        self, year: FinancialYear | str, *, reason: str, by: str = "", unlock: bool = False
    ) -> Reopening:
        """Reopen ``year``'s close by reversal, with a reason.

        The close's year-closed marker is reversed and what it carried into the next
        year (brought-forward contributions, settlements) is cancelled by entries of
        the opposite sign.  Refused while a later year is closed (PL-STO-009); a
        signed-off year needs ``unlock=True`` (PL-STO-010), which is recorded.
        """
        fy = FinancialYear.parse(year) if isinstance(year, str) else year
        if not reason.strip():
            raise _refuse([_issue("PL-STO-009", "reopening a year needs a reason")], "reopen")
        with self._write() as conn:
            active = self._active_closes(conn)
            close = active.get(str(fy))
            if close is None:
                raise _refuse([_issue("PL-STO-009", f"{fy} is not closed")], f"reopen {fy}")
            later = sorted(y for y in active if FinancialYear.parse(y) > fy)
            if later:
                raise _refuse(
                    [_issue("PL-STO-009", f"{y} is closed; reopen it first") for y in later],
                    f"reopen {fy}",
                )
            signed = self._signed_off(conn).get(int(close.id))
            if signed is not None and not unlock:
                raise _refuse(
                    [
                        _issue(
                            "PL-STO-010",
                            f"{fy} was signed off by {signed.by} and is locked; reopening "
                            "it needs an explicit unlock (--unlock), which the trail records",
                        )
                    ],
                    f"reopen {fy}",
                )
            rid = self._next_id(conn, schema.reopenings.c.id)
            made = [
                entry_from_row(r)
                for r in conn.execute(
                    sa.select(schema.entries)
                    .where(schema.entries.c.close_id == close.id)
                    .order_by(schema.entries.c.seq)
                ).all()
            ]
            note = f"{fy} reopened: {reason}"
            undo: list[Entry] = []
            for e in made:
                if isinstance(e, YearClosed):
                    undo.append(
                        Reversal(
                            id=f"REOPEN-{e.id}", reverses=e.id, date=e.closed_on, reason=reason
                        )
                    )
                elif isinstance(e, Contribution):
                    undo.append(
                        e.model_copy(
                            update={
                                "id": f"{e.id}-REOPENED",
                                "amount": to_money(-e.pence),
                                "approval_ref": note[:200],
                                "description": f"cancels {e.id}",
                            }
                        )
                    )
                elif isinstance(e, Settlement):
                    undo.append(
                        e.model_copy(
                            update={
                                "id": f"{e.id}-REOPENED",
                                "amount": -e.amount,
                                "description": f"cancels {e.id}: {note}"[:200],
                            }
                        )
                    )
            seq = self._next_id(conn, schema.entries.c.seq)
            entry_rows = []
            for e in undo:
                entry_rows.append(
                    {
                        **entry_row(e),
                        "seq": seq,
                        "source_id": "",
                        "batch_id": None,
                        "close_id": None,
                        "reopening_id": rid,
                    }
                )
                seq += 1
            row = {
                "id": rid,
                "close_id": int(close.id),
                "year": str(fy),
                "reason": reason,
                "unlock": bool(unlock and signed is not None),
                "by": by,
                "at": _now(),
            }
            what = f"{fy} reopened (close {close.id})"
            if signed is not None:
                what += f", unlocking the sign-off by {signed.by}"
            self._append(
                conn,
                "reopen",
                by,
                f"{what}: {reason}",
                {"reopenings": [row], "entries": entry_rows},
            )
            _pause()
        return Reopening(
            rid, fy, int(close.id), reason, bool(row["unlock"]), tuple(e.id for e in undo)
        )

    # -- history and verification -----------------------------------------------------------

    def history(self) -> tuple[HistoryEvent, ...]:
        """The audit trail, oldest first."""
        e = schema.events
        with self._read() as conn:
            rows = conn.execute(sa.select(e).order_by(e.c.seq)).all()
        out = []
        for r in rows:
            try:
                summary = str(json.loads(r.payload).get("summary", ""))
            except (ValueError, AttributeError):
                summary = "(unreadable payload)"
            out.append(HistoryEvent(int(r.seq), r.at, r.kind, r.actor, summary, r.hash))
        return tuple(out)

    def verify(self) -> VerifyReport:
        """Recompute the hash chain, check every row against its event, re-run every close.

        Returns every mismatch as an issue, in trail order: PL-STO-020 (the chain
        is broken at an event), PL-STO-021 (a stored row differs from the event that
        wrote it, or has no event), PL-STO-022 (a stored close differs from closing
        its stored inputs again).
        """
        issues: list[Issue] = []
        e = schema.events
        with self._read() as conn:
            events = conn.execute(sa.select(e).order_by(e.c.seq)).all()
            prev = GENESIS
            payloads: dict[int, dict[str, Any]] = {}
            for n, ev in enumerate(events, 1):
                where = {"field": f"event {ev.seq}"}
                if int(ev.seq) != n:
                    issues.append(
                        _issue("PL-STO-020", f"event {n} is missing (found {ev.seq})", **where)
                    )
                if ev.prev_hash != prev:
                    issues.append(
                        _issue(
                            "PL-STO-020",
                            f"event {ev.seq} ({ev.kind}) does not follow the event before it: "
                            "the trail was cut or rewritten here",
                            **where,
                        )
                    )
                again = event_hash(ev.prev_hash, int(ev.seq), ev.at, ev.kind, ev.actor, ev.payload)
                if again != ev.hash:
                    issues.append(
                        _issue(
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
            kinds = {int(ev.seq): ev.kind for ev in events}
            for table in _TABLES:
                issues += self._check_rows(conn, table, payloads, kinds)
            closes_checked = 0
            for row in conn.execute(sa.select(schema.closes).order_by(schema.closes.c.id)).all():
                closes_checked += 1
                found = self._rerun(conn, row)
                if found:
                    issues.append(
                        _issue(
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

    @staticmethod
    def _check_rows(
        conn: Connection,
        table: sa.Table,
        payloads: Mapping[int, Mapping[str, Any]],
        kinds: Mapping[int, str],
    ) -> list[Issue]:
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
            event_seq = int(data.pop("event_seq"))
            want = expected.get(pk)
            if want is None:
                out.append(
                    _issue(
                        "PL-STO-021",
                        f"{table.name} row {key}={pk} was written by no event of the trail",
                        field=f"event {event_seq}",
                    )
                )
                continue
            seq, wrote = want
            if seq != event_seq or wrote != data:
                diff = [c for c in sorted(set(wrote) | set(data)) if wrote.get(c) != data.get(c)]
                shown = (
                    ", ".join(
                        f"{c}: stored {data.get(c)!r}, trail {wrote.get(c)!r}" for c in diff[:3]
                    )
                    or f"event_seq: stored {event_seq}, trail {seq}"
                )
                out.append(
                    _issue(
                        "PL-STO-021",
                        f"{table.name} row {key}={pk} differs from event {seq} "
                        f"({kinds.get(seq, '?')}) that wrote it: {shown}",
                        field=f"event {seq}",
                    )
                )
        for pk, (seq, _) in expected.items():
            if pk not in seen:
                out.append(
                    _issue(
                        "PL-STO-021",
                        f"{table.name} row {key}={pk}, written by event {seq} "
                        f"({kinds.get(seq, '?')}), is missing",
                        field=f"event {seq}",
                    )
                )
        return out

    def _rerun(self, conn: Connection, row: Any) -> str | None:
        """Close a stored close's inputs again; the first figure that differs, if any."""
        try:
            _, agreement = self._agreement(conn, int(row.agreement_version))
            ledger = self._ledger(conn, agreement, int(row.input_seq))
            again = close_year(
                agreement,
                ledger,
                FinancialYear.parse(row.year),
                rulings=_rulings_from(row.rulings),
                settle_within_working_days=int(row.settle_days),
            )
            stored = json.loads(row.result)
        except (PooledLedgerError, ValueError, LookupError, sa.exc.SQLAlchemyError) as exc:
            return f"its inputs cannot be closed again ({exc})"
        return _first_difference(stored, json.loads(again.model_dump_json()))

    # -- export ----------------------------------------------------------------------

    def export(self, out: str | os.PathLike[str]) -> list[Path]:
        """Write the store as files: agreement versions, each batch, the whole ledger.

        ``agreement.json`` and ``ledger.json`` (every entry, the closes' included)
        work with the file commands (``pooledledger close agreement.json
        ledger.json``); ``agreement-vN.json``, ``batch-NNNN.json`` and
        ``manifest.json`` (the order of agreements, imports, closes, reopenings and
        sign-offs) rebuild a store with the same entries and closes
        (docs/store.md#export).
        """
        folder = Path(out)
        folder.mkdir(parents=True, exist_ok=True)
        written: list[Path] = []
        steps: list[dict[str, Any]] = []
        with self._read() as conn:
            _, current = self._agreement(conn)
            av = schema.agreement_versions
            for v in conn.execute(sa.select(av).order_by(av.c.version)).all():
                path = folder / f"agreement-v{v.version}.json"
                path.write_text(v.content + "\n", encoding="utf-8")
                written.append(path)
                steps.append({"event": int(v.event_seq), "step": "agreement", "file": path.name})
            rows = self._entry_rows(conn)
            reversed_ids = {
                json.loads(r.detail).get("reverses") for r in rows if r.kind == "reversal"
            }
            for b in conn.execute(sa.select(schema.batches).order_by(schema.batches.c.id)).all():
                _, ag = self._agreement(conn, int(b.agreement_version))
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
                steps.append(
                    {"event": int(s.event_seq), "step": "signoff", "year": s.year, "by": s.by}
                )
            ledger = Ledger(current, [entry_from_row(r) for r in rows])
        path = folder / "agreement.json"
        path.write_text(dump_agreement_json(current) + "\n", encoding="utf-8")
        written.insert(0, path)
        path = folder / "ledger.json"
        path.write_text(dump_ledger_json(ledger), encoding="utf-8")
        written.insert(1, path)
        path = folder / "manifest.json"
        steps.sort(key=lambda s: int(s["event"]))
        path.write_text(json.dumps({"steps": steps}, indent=2) + "\n", encoding="utf-8")
        written.append(path)
        return written

    @classmethod
    def rebuild(cls, location: str | os.PathLike[str], folder: str | os.PathLike[str]) -> PoolStore:
        """Make a new store at ``location`` from an :meth:`export` folder, step by step."""
        src = Path(folder)
        steps = json.loads((src / "manifest.json").read_text(encoding="utf-8"))["steps"]
        store: PoolStore | None = None
        batch_ids: dict[int, int] = {}
        n = 0
        try:
            for step in steps:
                kind = step["step"]
                if kind == "agreement":
                    if store is None:
                        store = cls.init(location, src / step["file"])
                    else:
                        store.amend(src / step["file"])
                    continue
                assert store is not None
                if kind == "import":
                    n += 1
                    sup = step["supersedes"]
                    got = store.import_file(
                        src / step["file"],
                        by=step["by"],
                        supersedes=None if sup is None else batch_ids[int(sup)],
                    )
                    batch_ids[n] = got.batch
                elif kind == "close":
                    store.close(
                        step["year"],
                        rulings=_rulings_from(canonical(step["rulings"])),
                        by=step["by"],
                        settle_within_working_days=step["settle_within_working_days"],
                    )
                elif kind == "reopen":
                    store.reopen(
                        step["year"], reason=step["reason"], by=step["by"], unlock=step["unlock"]
                    )
                elif kind == "signoff":
                    store.signoff(step["year"], by=step["by"])
        except BaseException:
            if store is not None:
                store.dispose()
            raise
        if store is None:
            raise StoreError(f"{src / 'manifest.json'} makes no store (no agreement step)")
        return store
