"""What every ``pooledledger`` command shares: reading inputs, printing issues (layer L6).

The commands of docs/cli.md read an agreement and a ledger the same way (with a
progress bar for a long CSV or Excel ledger in a terminal), list issues the same
way (repeats summarised unless ``--all-issues``), fail the same way (exit 1 with
every problem listed, docs/cli.md#exit-codes) and report an output folder that
cannot be written as a bad ``--out`` (exit 2).  The library is imported inside
each helper, so ``pooledledger --help`` loads none of it.
"""

from __future__ import annotations

import atexit
import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from pooledledger.core.gc_pause import promote_young, promoting

if TYPE_CHECKING:
    from pooledledger.core.errors import Issue
    from pooledledger.core.periods import FinancialYear
    from pooledledger.io.pipeline import Inputs

__all__ = [
    "PROGRESS_FROM_ROWS",
    "check_ledger_options",
    "echo_written",
    "fail",
    "financial_year",
    "not_yet_reported",
    "progress_bar",
    "read_files",
    "report",
    "writing",
]

#: Ledgers longer than this get a progress bar when standard error is a terminal.
PROGRESS_FROM_ROWS = 100_000


def report(issues: list[Issue] | tuple[Issue, ...]) -> None:
    """Print ``issues`` to standard error, repeats summarised unless ``--all-issues``."""
    from pooledledger.core.errors import summarise_issues

    ctx = click.get_current_context(silent=True)
    list_all = ctx is not None and bool(ctx.params.get("all_issues"))
    shown = list(issues) if list_all else summarise_issues(issues)
    for issue in shown:
        click.echo(f"  {issue}", err=True)
    if len(shown) < len(issues):
        click.echo(
            f"  ({len(issues)} issues in all, repeats summarised; --all-issues lists each)",
            err=True,
        )


def not_yet_reported(
    issues: list[Issue] | tuple[Issue, ...], reported: tuple[Issue, ...]
) -> list[Issue]:
    """``issues`` less those already printed with the inputs' warnings.

    A close (or report) carries the ledger's warnings; the command line printed them
    already, with their file and row, when it read the ledger.
    """
    seen = {(i.code, i.location.entry_id, i.message) for i in reported}
    return [i for i in issues if (i.code, i.location.entry_id, i.message) not in seen]


def fail(message: str, issues: list[Issue] | tuple[Issue, ...] = ()) -> NoReturn:
    """Print ``message`` and ``issues``; exit 1."""
    click.echo(message, err=True)
    report(issues)
    sys.exit(1)


def check_ledger_options(ledger: Path, column_map: Path | None, sheet: str | None) -> None:
    """Refuse options that would be ignored for this kind of ledger file."""
    suffix = ledger.suffix.lower()
    if sheet is not None and suffix != ".xlsx":
        raise click.BadParameter(
            f"{ledger.name} is not an Excel workbook (.xlsx); --sheet is for workbooks",
            param_hint="--sheet",
        )
    if column_map is not None and suffix not in (".csv", ".xlsx"):
        raise click.BadParameter(
            f"{ledger.name} is not a CSV or Excel ledger; a column map is for those",
            param_hint="--columns",
        )


@contextmanager
def progress_bar(ledger: Path) -> Iterator[Callable[[int], None] | None]:
    """A progress bar for a long CSV or Excel ledger when run in a terminal."""

    from pooledledger.io.sources import count_rows

    if not sys.stderr.isatty() or ledger.suffix.lower() not in (".csv", ".xlsx"):
        yield None
        return
    total = count_rows(ledger)
    if total < PROGRESS_FROM_ROWS:
        yield None
        return
    with click.progressbar(
        length=total, label=f"reading {ledger.name}", file=sys.stderr, show_pos=True
    ) as bar:
        done = 0

        def advance(rows: int) -> None:
            nonlocal done
            bar.update(rows - done)
            done = rows

        yield advance


#: Allocations between the garbage collector's youngest-generation runs while a
#: command works through a ledger (Python's default is 700).
GC_BATCH = 100_000


@contextmanager
def batch_gc() -> Iterator[None]:
    """Run the cyclic garbage collector less often while a command reads and closes
    a ledger: its runs walk every object young enough, hundreds of thousands of
    entries on a big ledger, which cost about a tenth of a 200,000-line close
    (docs/benchmarks.md).  Memory is freed by reference counting as before; the
    thresholds are put back afterwards, the objects made meanwhile moved to the
    oldest generation first (:func:`~pooledledger.core.gc_pause.promote_young`), as
    by each pause inside (:func:`~pooledledger.core.gc_pause.promoting`).

    When the process ends, Python's last collections would walk every object still
    alive (the ledger, its lines, the reports) to find cycles to free in a process
    that is going anyway: about 70 ms of a 10,000-line close.  So an exit hook (set once)
    freezes the collector's objects first (:func:`gc.freeze`); reference counting
    still frees them as Python shuts down, and every file was closed by then."""
    saved = gc.get_threshold()
    gc.set_threshold(GC_BATCH, saved[1], saved[2])
    if not _EXIT_HOOK:
        _EXIT_HOOK.append(atexit.register(gc.freeze))
    try:
        with promoting():  # the pauses inside (the readers') promote too
            yield
    finally:
        promote_young()  # what was made is kept: no run over it as the threshold drops
        gc.set_threshold(*saved)


#: The exit hook of :func:`batch_gc`, once it is set (once per process).
_EXIT_HOOK: list[Callable[[], None]] = []


def read_files(
    agreement: Path, ledger: Path, column_map: Path | None = None, sheet: str | None = None
) -> Inputs:
    """The agreement and ledger, checked; exit 1 listing every error if any."""
    from pooledledger.io.pipeline import read_inputs

    check_ledger_options(ledger, column_map, sheet)
    with progress_bar(ledger) as progress:
        inputs, issues = read_inputs(
            agreement, ledger, column_map=column_map, sheet=sheet, progress=progress
        )
    if inputs is None:
        errors = [i for i in issues if i.is_error]
        fail(f"{len(errors)} error(s); nothing was imported:", issues)
    report(inputs.warnings)
    return inputs


def financial_year(inputs: Inputs, text: str | None) -> FinancialYear:
    """``--year`` (default: the agreement's last year); a year outside the term is exit 2."""
    from pooledledger.core.errors import PeriodError

    try:
        year = inputs.year(text)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--year") from exc
    if year not in inputs.agreement.financial_years:
        years = ", ".join(str(y) for y in inputs.agreement.financial_years)
        raise click.BadParameter(
            f"{year} is not a financial year of the agreement ({years})", param_hint="--year"
        )
    return year


def echo_written(paths: list[Path]) -> None:
    """One ``wrote`` line per file or folder written."""
    for path in paths:
        click.echo(f"  wrote {path}{'/' if path.is_dir() else ''}")


@contextmanager
def writing(out: Path) -> Iterator[None]:
    """Report a folder or file that cannot be written as a bad ``--out`` (exit 2), and
    a table a format cannot hold (e.g. PL-OUT-001 for Parquet) as a failure (exit 1)."""
    from pooledledger.core.errors import IssueError

    try:
        yield
    except IssueError as exc:
        fail(f"cannot write the reports to {out}:", exc.issues)
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        raise click.BadParameter(
            f"cannot write the reports to {out}: {exc.strerror or exc}{where}",
            param_hint="--out",
        ) from exc


#: The settings of polars' memory allocator (jemalloc, on Linux) the command line
#: runs with: memory freed is given back to the system within about 50 ms, not kept
#: for ten seconds, so a large close's peak is about what it holds, not what it held.
#: Not at once (``dirty_decay_ms:0``): a page given back and taken again costs system
#: time, a quarter of a million-line close's.  One arena for every thread
#: (``narenas:1``): the threads reading and writing at once otherwise each keep
#: their own (docs/benchmarks.md#ninth-round).  A ``_RJEM_MALLOC_CONF`` already set
#: is kept.
ALLOCATOR_SETTINGS = "dirty_decay_ms:50,muzzy_decay_ms:0,narenas:1"


def give_back_freed_memory() -> None:
    """Set :data:`ALLOCATOR_SETTINGS` for polars' allocator, if polars is not loaded
    yet (its allocator reads them once, when it starts) and the user set none; and
    fix the C library's threshold for mapping a block alone (:func:`map_large_blocks`)."""
    if "polars" not in sys.modules:
        os.environ.setdefault("_RJEM_MALLOC_CONF", ALLOCATOR_SETTINGS)
    map_large_blocks()


#: glibc's ``M_MMAP_THRESHOLD`` (``malloc.h``), and the size from which the command
#: line has glibc map each block it allocates alone: glibc's own starting value.
_M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 128 * 1024


def map_large_blocks() -> bool:
    """Have glibc map every block of :data:`MMAP_THRESHOLD` bytes or more alone, given
    back to the system when freed; True if set (never on another C library).

    By default glibc raises that size each time a larger mapped block is freed (up
    to 32 MB), after which such blocks (Python's lists of a million values) come
    from its heap, and what they leave when freed is kept: at 1,000,000 lines about
    60 MB more at the close's peak (docs/benchmarks.md#ninth-round).  Setting the
    size once stops the raising; the user's ``MALLOC_MMAP_THRESHOLD_`` is kept."""
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION")
    except (AttributeError, ValueError, OSError):  # not a glibc system
        return False
    if not libc or "MALLOC_MMAP_THRESHOLD_" in os.environ:
        return False
    import ctypes

    try:
        return bool(ctypes.CDLL(None).mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD))
    except (OSError, AttributeError):  # pragma: no cover - glibc has mallopt
        return False
