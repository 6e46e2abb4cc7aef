"""The pool store commands: init, amend, import, history, verify, export, signoff,
reopen and rebuild (layer L6).

A pool store keeps an agreement's versions, every import, close, reopening and
sign-off in a hash-chained audit trail (docs/store.md; the commands are in
docs/cli.md, "Pool store commands").  This module also holds what the store form
of ``close`` shares with them: telling a store from a file, opening one with its
refusals listed (exit 1, never a traceback) and reading a required ``--year``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pooledledger.cli.common import (
    check_ledger_options,
    echo_written,
    fail,
    report,
    writing,
)
from pooledledger.cli.options import BY, COLUMNS, FILE, OUT, SHEET, STORE, STORE_YEAR

if TYPE_CHECKING:
    from pooledledger.core.periods import FinancialYear
    from pooledledger.store import PoolStore

__all__ = [
    "amend",
    "export",
    "history",
    "import_file",
    "init",
    "is_store",
    "open_store",
    "rebuild",
    "reopen",
    "signoff",
    "store_year",
    "verify",
]

_SQLITE_MAGIC = b"SQLite format 3\x00"
_EXTRA = "the pool store needs its extra: pip install 'pooledledger[store]'"


def is_store(location: str) -> bool:
    """A ``postgresql://`` URL or an existing SQLite file (a pool store made by `init`).

    Agreement and ledger files are text or Excel workbooks, never SQLite files, so
    the two forms of `close` cannot be confused.
    """
    if location.startswith(("postgresql://", "postgresql+psycopg://", "postgres://")):
        return True
    try:
        with Path(location).open("rb") as fh:
            return fh.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


@contextmanager
def store_errors(what: str) -> Iterator[None]:
    """Refusals and store problems as a readable list, exit 1; never a traceback."""

    from pooledledger.core.errors import IssueError
    from pooledledger.store import StoreError

    try:
        yield
    except IssueError as exc:
        errors = [i for i in exc.issues if i.is_error]
        fail(f"{what}: {len(errors)} error(s); the store is unchanged:", exc.issues)
    except StoreError as exc:
        fail(f"{what}: {exc}")


@contextmanager
def open_store(location: str, what: str) -> Iterator[PoolStore]:
    """The store at ``location``, its problems reported as :func:`store_errors` does."""
    try:
        from pooledledger.store import PoolStore
    except ImportError:
        fail(_EXTRA)
    with store_errors(what):
        store = PoolStore.open(location)
    try:
        with store_errors(what):
            yield store
    finally:
        store.dispose()


def store_year(text: str) -> FinancialYear:
    """A store command's ``--year`` (exit 2 if it is not a financial year)."""
    from pooledledger.core.errors import PeriodError
    from pooledledger.core.periods import FinancialYear

    try:
        return FinancialYear.parse(text)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--year") from exc


@click.command()
@STORE
@click.argument("agreement", type=FILE)
@BY
def init(store: str, agreement: Path, by: str) -> None:
    """Make a pool store at STORE holding AGREEMENT (docs/store.md).

    STORE is a new file path (SQLite, nothing to install) or a `postgresql://` URL
    of an empty database (a shared team store). The store keeps the agreement's
    versions, every import, close, reopening and sign-off, in a hash-chained
    audit trail.
    """
    try:
        from pooledledger.store import PoolStore
    except ImportError:
        fail(_EXTRA)
    with store_errors("init"):
        made = PoolStore.init(store, agreement, by=by)
    made.dispose()
    click.echo(f"made the pool store {store} holding {agreement.name}")


@click.command()
@STORE
@click.argument("agreement", type=FILE)
@BY
def amend(store: str, agreement: Path, by: str) -> None:
    """Store a new version of the agreement (same id), e.g. with next year's term.

    Closes already made keep the version they were made with.
    """
    with open_store(store, "amend") as opened:
        version = opened.amend(agreement, by=by)
    click.echo(f"the store now holds agreement version {version}")


@click.command("import")
@STORE
@click.argument("file", type=FILE)
@COLUMNS
@SHEET
@BY
@click.option(
    "--supersedes",
    type=click.IntRange(min=1),
    metavar="BATCH",
    help="This file replaces batch BATCH: its changed or missing lines are reversed "
    "and the new ones added.",
)
def import_file(
    store: str,
    file: Path,
    column_map: Path | None,
    sheet: str | None,
    by: str,
    supersedes: int | None,
) -> None:
    """Import a ledger FILE (TOML, JSON, CSV, Excel) into STORE as one batch.

    The batch records the file's name, its SHA-256, the column map, who and when.
    The same file twice, or entries already in the store, are refused unless
    --supersedes names the batch being replaced. Nothing is half-imported.
    """
    check_ledger_options(file, column_map, sheet)
    with open_store(store, f"import {file.name}") as opened:
        got = opened.import_file(
            file, column_map=column_map, sheet=sheet, by=by, supersedes=supersedes
        )
    report(got.warnings)
    line = f"batch {got.batch}: {got.source} (SHA-256 {got.sha256[:12]}…), {len(got.added)} added"
    if supersedes is not None:
        line += (
            f", {len(got.reversed)} reversed, {len(got.kept)} unchanged (supersedes {supersedes})"
        )
    click.echo(line)


@click.command()
@STORE
def history(store: str) -> None:
    """The audit trail of STORE: every change, who made it, and its hash."""
    with open_store(store, "history") as opened:
        events = opened.history()
    for e in events:
        who = e.actor or "(unnamed)"
        click.echo(f"{e.seq:>5}  {e.at[:19]}  {e.kind:<9} {who:<24} {e.summary}  [{e.hash[:12]}]")


@click.command()
@STORE
def verify(store: str) -> None:
    """Check STORE: recompute the hash chain and every close from its stored inputs.

    Exits with 1 and names the first event or figure that does not match.
    """
    with open_store(store, "verify") as opened:
        found = opened.verify()
    if not found.ok:
        fail(f"the store does not verify ({len(found.issues)} problem(s)):", found.issues)
    click.echo(f"verified {found.events} events and {found.closes} close(s); head {found.head}")


@click.command()
@STORE
@OUT
def export(store: str, out: Path) -> None:
    """Write STORE as files: agreement.json and ledger.json for the file commands, each
    agreement version and batch, and manifest.json to rebuild the store from them."""
    with open_store(store, "export") as opened, writing(out):
        written = opened.export(out)
    echo_written(written)


@click.command()
@STORE
@STORE_YEAR
@click.option("--by", metavar="NAME", required=True, help="Who approves the close.")
def signoff(store: str, year: str, by: str) -> None:
    """Record who approved a year's close; the year is then locked."""
    fy = store_year(year)
    with open_store(store, f"sign-off {fy}") as opened:
        signed = opened.signoff(fy, by=by)
    click.echo(f"{fy} signed off by {signed.by}; trail head {signed.head_hash}")


@click.command()
@STORE
@STORE_YEAR
@click.option("--reason", required=True, help="Why the year is reopened (recorded).")
@click.option(
    "--unlock",
    is_flag=True,
    help="Reopen a signed-off year, undoing its sign-off (recorded in the trail).",
)
@BY
def reopen(store: str, year: str, reason: str, unlock: bool, by: str) -> None:
    """Reopen a closed year by reversal: its year-closed marker is reversed and what it
    carried into the next year is cancelled."""
    fy = store_year(year)
    with open_store(store, f"reopen {fy}") as opened:
        done = opened.reopen(fy, reason=reason, by=by, unlock=unlock)
    click.echo(f"{fy} reopened; added {', '.join(done.entries)}")


@click.command()
@STORE
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def rebuild(store: str, folder: Path) -> None:
    """Make a new store at STORE from an `export` FOLDER, replaying its manifest: the
    same agreement versions, imports, closes, reopenings and sign-offs, in order."""
    try:
        from pooledledger.store import PoolStore
    except ImportError:
        fail(_EXTRA)
    if not (folder / "manifest.json").is_file():
        raise click.BadParameter(f"{folder} has no manifest.json (made by `export`)")
    with store_errors("rebuild"):
        made = PoolStore.rebuild(store, folder)
    events = len(made.history())
    made.dispose()
    click.echo(f"rebuilt {store} from {folder}: {events} events")
