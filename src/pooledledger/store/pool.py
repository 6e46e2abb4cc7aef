"""A pool's history in a database: :class:`PoolStore` (see docs/store.md).

One code path for SQLite (a single file, the default) and PostgreSQL (a shared
team store): SQLAlchemy Core, with the tables made by the Alembic migrations
shipped in this package, run when a store is made or opened.

Every command is one transaction, taken under the store's write lock (SQLite:
``BEGIN IMMEDIATE`` with a busy timeout; PostgreSQL: a transaction-level advisory
lock), so a command either lands whole or not at all, and two processes writing at
once are put one after the other.  Every change appends one event to the audit
trail, a SHA-256 hash chain (:mod:`pooledledger.store.chain`).

This module holds the store itself: making, opening, the transactions and the
commands.  What the commands do inside their transaction is in sibling modules:
:mod:`~pooledledger.store.state` (reading state, the trail),
:mod:`~pooledledger.store.imports`, :mod:`~pooledledger.store.closes` (close,
sign-off, reopen), :mod:`~pooledledger.store.verify` and
:mod:`~pooledledger.store.export`; the results are in
:mod:`~pooledledger.store.results` and shared helpers in
:mod:`~pooledledger.store.common`.  Every name this module exported before they
were split out is still importable from here.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from pooledledger.books.ledger import Ledger, LedgerError
from pooledledger.books.riskshare import BoardRuling
from pooledledger.core.errors import IssueError
from pooledledger.core.periods import FinancialYear
from pooledledger.io.agreement_files import dump_agreement_json, read_agreement
from pooledledger.io.csv_files import ColumnMap
from pooledledger.io.sources import read_ledger_source
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import SchemeId
from pooledledger.store import closes as closing
from pooledledger.store import export as exporting
from pooledledger.store import imports as importing
from pooledledger.store import schema, state
from pooledledger.store import verify as verifying
from pooledledger.store.chain import canonical, sha256_hex
from pooledledger.store.common import (
    PAUSE_ENV,
    DeferredCodes,
    StoreError,
    import_checks,
    issue,
    looks_like_store,
    pause,
    refuse,
    rulings_from,
    shown,
    store_url,
)
from pooledledger.store.results import (
    HistoryEvent,
    ImportResult,
    Reopening,
    SignOff,
    StoredClose,
    VerifyReport,
)

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

_LOCK_KEY = 0x706F6F6C  # "pool": the PostgreSQL advisory lock the store writes under
_MIGRATIONS = Path(__file__).parent / "migrations"


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
            raise refuse(
                [issue("PL-STO-013", "a file is already there; choose a new path", file=text)],
                f"store {shown(text)}",
            )
        ag = cls._read_agreement(agreement)
        store = cls(cls._engine(text), text)
        try:
            with store._write() as conn:
                store._migrate(conn)
                if conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar():
                    raise refuse(
                        [issue("PL-STO-013", "this database already holds a pool store")],
                        f"store {shown(text)}",
                    )
                state.add_agreement(conn, ag, by, "init")
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
            raise refuse(
                [issue("PL-STO-001", f"{why}; make one with `pooledledger init`", file=text)],
                f"store {shown(text)}",
            )
        store = cls(cls._engine(text), text)
        try:
            with store._write() as conn:
                store._migrate(conn)
                if not conn.execute(sa.select(sa.func.count()).select_from(schema.events)).scalar():
                    raise refuse(
                        [
                            issue(
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

    # -- reading state --------------------------------------------------------------

    def agreement(self, version: int | None = None) -> Agreement:
        """The agreement the store holds now (or the given version)."""
        with self._read() as conn:
            return state.agreement_at(conn, version)[1]

    def ledger(self) -> Ledger:
        """Every entry in the store, as a ledger under the current agreement."""
        with self._read() as conn:
            _, ag = state.agreement_at(conn)
            return state.ledger_at(conn, ag)

    # -- agreement versions -------------------------------------------------------------

    def amend(self, agreement: str | os.PathLike[str] | Agreement, *, by: str = "") -> int:
        """Store a new version of the agreement (same id); returns its version number.

        Closes already made keep the version they were made with.  The stored
        ledger must still pass the checks under the new version.
        """
        ag = self._read_agreement(agreement)
        with self._write() as conn:
            version, current = state.agreement_at(conn)
            if ag.id != current.id:
                raise refuse(
                    [
                        issue(
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
                ledger = state.ledger_at(conn, ag)
            except LedgerError as exc:
                raise refuse([issue("PL-STO-012", str(exc))], "agreement") from exc
            errors = [i for i in import_checks(ledger) if i.is_error]
            if errors:
                raise refuse(errors, "the stored ledger under the new agreement")
            return state.add_agreement(conn, ag, by, "agreement")

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
        digest = sha256_hex(importing.read_bytes(path))
        cmap, map_text = importing.column_map_and_text(column_map)
        with self._write() as conn:
            importing.refuse_seen(conn, digest, name)
            version, agreement = state.agreement_at(conn)
            read, issues = read_ledger_source(
                agreement, path, column_map=cmap, sheet=sheet, checks=import_checks
            )
            if read is None:
                raise refuse(issues, f"ledger {name}")
            importing.refuse_changed(path, digest, name)
            plan = importing.plan_batch(conn, agreement, read.entries, name, supersedes)
            batch_row = importing.write_batch(
                conn,
                plan,
                path=path,
                sheet=sheet,
                digest=digest,
                map_text=map_text,
                by=by,
                version=version,
                supersedes=supersedes,
            )
            pause()
        return ImportResult(
            batch=plan.batch,
            source=str(batch_row["source"]),
            sha256=digest,
            added=tuple(e.id for e, _ in plan.added),
            reversed=tuple(r.id for r in plan.reversals),
            kept=tuple(plan.kept),
            warnings=tuple(i for i in issues if not i.is_error),
        )

    # -- closing ----------------------------------------------------------------------

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
            close_id, already = closing.close_in(conn, fy, rulings, by, settle_within_working_days)
            if not already:
                pause()
            c = schema.closes
            row = conn.execute(sa.select(c).where(c.c.id == close_id)).one()
            return closing.stored_close(conn, row, already=already)

    def closes(self) -> tuple[StoredClose, ...]:
        """Every close in force (not reopened), earliest year first."""
        with self._read() as conn:
            active = state.active_closes(conn)
            return tuple(closing.stored_close(conn, active[y], True) for y in sorted(active))

    def stored_close(self, year: FinancialYear | str) -> StoredClose | None:
        """The close in force for ``year``, if any."""
        with self._read() as conn:
            row = state.active_closes(conn).get(str(year))
            return None if row is None else closing.stored_close(conn, row, True)

    # -- sign-off and reopening -----------------------------------------------------------

    def signoff(self, year: FinancialYear | str, *, by: str) -> SignOff:
        """Record who approved ``year``'s close; the year is then locked."""
        fy = FinancialYear.parse(year) if isinstance(year, str) else year
        if not by.strip():
            raise refuse([issue("PL-STO-011", "a sign-off needs the approver's name")], "signoff")
        with self._write() as conn:
            done = closing.signoff_in(conn, fy, by)
            pause()
        return done

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
            raise refuse([issue("PL-STO-009", "reopening a year needs a reason")], "reopen")
        with self._write() as conn:
            done = closing.reopen_in(conn, fy, reason, by, unlock)
            pause()
        return done

    # -- history and verification -----------------------------------------------------------

    def history(self) -> tuple[HistoryEvent, ...]:
        """The audit trail, oldest first."""
        e = schema.events
        with self._read() as conn:
            rows = conn.execute(sa.select(e).order_by(e.c.seq)).all()
        return verifying.history_of(rows)

    def verify(self) -> VerifyReport:
        """Recompute the hash chain, check every row against its event, re-run every close.

        Returns every mismatch as an issue, in trail order: PL-STO-020 (the chain
        is broken at an event), PL-STO-021 (a stored row differs from the event that
        wrote it, or has no event), PL-STO-022 (a stored close differs from closing
        its stored inputs again).
        """
        with self._read() as conn:
            return verifying.verify_in(conn)

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
        with self._read() as conn:
            got = exporting.export_in(conn, folder)
        return exporting.write_export(folder, got)

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
                        rulings=rulings_from(canonical(step["rulings"])),
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
