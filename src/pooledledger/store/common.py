"""What every part of the pool store shares: locations, errors, issues, rulings as JSON.

The store is described in docs/store.md; its issue codes (``PL-STO-…``) are listed
in docs/issue-codes.md.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import TypeAdapter

from pooledledger.books.ledger import Ledger
from pooledledger.books.riskshare import BoardRuling
from pooledledger.core.errors import Issue, IssueError, Location, PooledLedgerError, Severity
from pooledledger.model.entries import Entry
from pooledledger.model.partners import SchemeId
from pooledledger.model.rules import FallbackRule, UnderspendDisposition
from pooledledger.store.chain import canonical
from pooledledger.yearend.checks import check_ledger

__all__ = [
    "PAUSE_ENV",
    "DeferredCodes",
    "StoreError",
    "first_difference",
    "import_checks",
    "issue",
    "looks_like_store",
    "now",
    "pause",
    "refuse",
    "renamed",
    "rulings_from",
    "rulings_json",
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


def now() -> str:
    """The time now (UTC, to the microsecond), as the store records it."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def issue(code: str, message: str, **where: Any) -> Issue:
    """An error-level issue at ``where`` (a :class:`~pooledledger.core.errors.Location`)."""
    return Issue(code=code, severity=Severity.ERROR, message=message, location=Location(**where))


def refuse(issues: Sequence[Issue], what: str) -> IssueError:
    """The error a command raises, listing every issue, when it changes nothing."""
    return IssueError(issues, what=what)


_RULE: TypeAdapter[FallbackRule | None] = TypeAdapter(FallbackRule | None)


def rulings_json(rulings: Mapping[SchemeId, BoardRuling]) -> str:
    """Board rulings as the canonical JSON a close is stored with."""
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


def rulings_from(text: str) -> dict[SchemeId, BoardRuling]:
    """Board rulings read back from :func:`rulings_json`."""
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


def import_checks(ledger: Ledger) -> list[Issue]:
    """Every ledger check except those that need the whole year (run at the close)."""
    return [i for i in check_ledger(ledger) if i.code not in DeferredCodes]


def pause() -> None:
    """Sleep inside the transaction if the :data:`PAUSE_ENV` test hook is set."""
    seconds = os.environ.get(PAUSE_ENV)
    if seconds:
        print("pooledledger: pausing inside the transaction", file=sys.stderr, flush=True)
        time.sleep(float(seconds))


def renamed(entry: Entry, suffix: str) -> Entry:
    """``entry`` with ``suffix`` added to its id."""
    return entry.model_copy(update={"id": f"{entry.id}{suffix}"})


def first_difference(stored: Any, rerun: Any, path: str = "") -> str | None:
    """The first path at which two JSON values differ, with both values."""
    if isinstance(stored, dict) and isinstance(rerun, dict):
        for key in [*stored, *(k for k in rerun if k not in stored)]:
            if key not in stored or key not in rerun:
                return f"{path}.{key}: present in only one of them"
            found = first_difference(stored[key], rerun[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(stored, list) and isinstance(rerun, list):
        for i, (a, b) in enumerate(zip(stored, rerun, strict=False)):
            found = first_difference(a, b, f"{path}[{i}]")
            if found:
                return found
        if len(stored) != len(rerun):
            return f"{path}: {len(stored)} items stored, {len(rerun)} on re-running"
        return None
    if stored != rerun:
        return f"{path.lstrip('.')}: stored {stored!r}, re-run {rerun!r}"
    return None
