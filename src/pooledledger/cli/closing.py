"""``pooledledger close``: close a financial year and write every report (layer L6).

Two forms (docs/cli.md#pooledledger-close): from files, ``close AGREEMENT LEDGER``
closes the year by the agreement's risk-share rules (with board rulings, a note
policy or an early termination, docs/year-end.md) and writes the year-end reports
without changing the ledger; from a pool store, ``close STORE --year 2025-26``
closes the year once, records it and opens the next year (docs/store.md).  Both
print the memorandum account's summary and the £000 note.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pooledledger.cli.common import (
    batch_gc,
    echo_written,
    fail,
    financial_year,
    not_yet_reported,
    read_files,
    report,
    writing,
)
from pooledledger.cli.options import (
    ALL_ISSUES,
    COLUMNS,
    DATE,
    FILE,
    NOTE_POLICIES,
    OUT,
    SHEET,
    YEAR,
)
from pooledledger.cli.store_commands import is_store, open_store, store_year
from pooledledger.io.formats import ALL_FORMATS, FORMATS

if TYPE_CHECKING:
    from pooledledger.books.riskshare import BoardRuling
    from pooledledger.core.periods import FinancialYear
    from pooledledger.io.excel_out import LineSheets
    from pooledledger.io.pipeline import Inputs
    from pooledledger.model.agreement import Agreement
    from pooledledger.model.partners import SchemeId
    from pooledledger.reports.bundle import YearEndReports

__all__ = ["close"]


def _check_termination(inputs: Inputs, year: FinancialYear, end: date) -> None:
    """PL-TRM-001 as a usage error (exit 2): the date must be in the year and the term."""

    from pooledledger.books.termination import termination_date_issues

    bad = termination_date_issues(inputs.agreement, year, end)
    if bad:
        raise click.BadParameter(
            "; ".join(f"{i.code}: {i.message}" for i in bad), param_hint="--terminate"
        )


def _rulings(values: tuple[str, ...]) -> dict[SchemeId, BoardRuling]:
    from pooledledger.books.riskshare import BoardRuling
    from pooledledger.model.rules import UnderspendDisposition

    out: dict[SchemeId, BoardRuling] = {}
    for value in values:
        scheme, sep, rest = value.partition("=")
        disposition, _, reference = rest.partition(":")
        try:
            chosen = UnderspendDisposition(disposition.strip().upper())
        except ValueError:
            chosen = None
        if not sep or not scheme.strip() or chosen is None:
            choices = "|".join(d.value for d in UnderspendDisposition)
            raise click.BadParameter(
                f"{value!r}: write SCHEME=DISPOSITION[:MINUTE], DISPOSITION one of {choices}",
                param_hint="--ruling",
            )
        if scheme.strip() in out:
            raise click.BadParameter(
                f"{value!r}: scheme {scheme.strip()} is given more than once",
                param_hint="--ruling",
            )
        out[scheme.strip()] = BoardRuling(disposition=chosen, reference=reference.strip())
    return out


def _checked_rulings(agreement: Agreement, values: tuple[str, ...]) -> dict[SchemeId, BoardRuling]:
    from pooledledger.model.rules import BoardDecision, WindfallManaged

    rulings = _rulings(values)
    for k in rulings:
        if k not in agreement.scheme_ids:
            raise click.BadParameter(f"unknown scheme {k!r}", param_hint="--ruling")
        rule = agreement.scheme(k).risk_share
        if not isinstance(rule, BoardDecision | WindfallManaged):
            raise click.BadParameter(
                f"scheme {k} follows {rule.code} {rule.rule}, not a board decision (RS13): "
                "its underspend rule is in the agreement",
                param_hint="--ruling",
            )
    return rulings


def _summary(reports: YearEndReports) -> str:
    """What a close prints: the memorandum account's first section and the note."""
    memo = reports.memorandum.to_markdown()
    head, _, _ = memo.partition("\n## Account by scheme")
    return head.rstrip("\n") + "\n\n" + reports.note.to_markdown().rstrip("\n") + "\n"


def _close_store(
    location: str,
    year: str | None,
    out: Path,
    formats: tuple[str, ...],
    ruling: tuple[str, ...],
    note_policy: str,
    by: str,
) -> None:
    from pooledledger.core.errors import IssueError, PooledLedgerError
    from pooledledger.io.pipeline import write_year_end
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.note import NotePolicy

    if year is None:
        raise click.BadParameter("a store close needs the year, e.g. 2025-26", param_hint="--year")
    fy = store_year(year)
    with open_store(location, f"close {fy}") as store:
        rulings = _checked_rulings(store.agreement(), ruling)
        try:
            stored = store.close(fy, rulings=rulings, by=by)
        except PooledLedgerError as exc:
            if isinstance(exc, IssueError):
                raise
            fail(f"the year {fy} cannot be closed: {exc}")
    if stored.already_closed:
        who = f" by {stored.by}" if stored.by else ""
        click.echo(
            f"{fy} was closed already (close {stored.id}, {stored.at[:10]}{who}); "
            "showing the stored close. Nothing was changed.",
            err=True,
        )
    else:
        click.echo(f"{fy} closed (close {stored.id}); added {', '.join(stored.entries)}", err=True)
    reports = year_end_reports(
        stored.agreement,
        stored.ledger,
        fy,
        close=stored.result,
        note_policy=NotePolicy(note_policy.upper()),
    )
    report(reports.close.issues)
    click.echo(_summary(reports))
    with writing(out):
        written = write_year_end(reports, stored.ledger, out, formats or FORMATS)
    echo_written(written)


def _refuse_file_options(
    agreement: str,
    ledger: Path | None,
    column_map: Path | None,
    sheet: str | None,
    terminate: datetime | None,
) -> None:
    """A store close takes neither a ledger nor the options for reading one."""
    if ledger is not None:
        raise click.UsageError(
            f"{agreement} is a pool store: write `close STORE --year YYYY-YY` "
            "(the ledger is in the store)"
        )
    for flag, value in (
        ("--columns", column_map),
        ("--sheet", sheet),
        ("--terminate", terminate),
    ):
        if value is not None:
            raise click.BadParameter("is for closing from files, not a store", param_hint=flag)


def _close_year(inputs: Inputs, year: str | None, end: date | None) -> FinancialYear:
    """The year to close: ``--year``, or the year containing the termination date."""
    from pooledledger.core.periods import FinancialYear

    if end is not None and year is None:  # the year containing the termination date
        _check_termination(inputs, FinancialYear.for_date(end), end)
        year = str(FinancialYear.for_date(end))
    fy = financial_year(inputs, year)
    if end is not None:
        _check_termination(inputs, fy, end)
    return fy


def _write_close(
    reports: YearEndReports, inputs: Inputs, out: Path, formats: tuple[str, ...], line_sheets: str
) -> None:
    """Write the reports of a close from files; note any line-level sheet left out."""
    from pooledledger.io.excel_out import line_sheets_plan
    from pooledledger.io.pipeline import write_year_end

    chosen = formats or FORMATS
    mode: LineSheets = "auto"
    if line_sheets == "always":
        mode = "always"
    elif line_sheets == "never":
        mode = "never"
    with writing(out):
        written = write_year_end(
            reports, inputs.ledger, out, chosen, line_sheets=mode, issues=inputs.warnings
        )
    echo_written(written)
    if "xlsx" in chosen:
        for sheet_plan in line_sheets_plan(reports, inputs.ledger, mode):
            if not sheet_plan.written and mode == "auto":
                click.echo(f"  note: {sheet_plan.note}")


def _close_files(
    inputs: Inputs,
    year: str | None,
    ruling: tuple[str, ...],
    note_policy: str,
    terminate: datetime | None,
) -> YearEndReports:
    """Close a year from files: the reports, the close's new issues printed."""
    from pooledledger.core.errors import PooledLedgerError
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.note import NotePolicy

    end = terminate.date() if terminate is not None else None
    fy = _close_year(inputs, year, end)
    rulings = _checked_rulings(inputs.agreement, ruling)
    try:
        reports = year_end_reports(
            inputs.agreement,
            inputs.ledger,
            fy,
            rulings=rulings,
            note_policy=NotePolicy(note_policy.upper()),
            terminate_on=end,
        )
    except PooledLedgerError as exc:  # e.g. CloseError
        fail(f"the year {fy} cannot be closed: {exc}")
    report(not_yet_reported(reports.close.issues, inputs.warnings))
    click.echo(_summary(reports))
    return reports


@click.command()
@click.argument("agreement", metavar="AGREEMENT LEDGER | STORE")
@click.argument("ledger", required=False, type=FILE, metavar="")
@YEAR
@OUT
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(ALL_FORMATS),
    help="Output format; repeat for several. Default: all but parquet.",
)
@click.option(
    "--ruling",
    multiple=True,
    metavar="SCHEME=DISPOSITION[:MINUTE]",
    help="A board's decision on a scheme's underspend (RS13), e.g. "
    "S5=CARRY_FORWARD:EG-2026-04. Schemes without one follow the agreement.",
)
@click.option(
    "--note-policy",
    type=click.Choice(NOTE_POLICIES, case_sensitive=False),
    default=NOTE_POLICIES[0].lower(),
    show_default=True,
    help="How the £000 note is made to cast: a rounding line, or adjust the largest item.",
)
@click.option(
    "--terminate",
    type=DATE,
    metavar="DATE",
    help="The agreement terminates on DATE, its last day (YYYY-MM-DD or DD/MM/YYYY): "
    "close the part year to it, cancel the instalments due after it and refund every "
    "underspend. Default --year: the year containing DATE.",
)
@click.option(
    "--line-sheets",
    type=click.Choice(["auto", "always", "never"]),
    default="auto",
    show_default=True,
    help="Line-level sheets (Ledger, Shares per line) in the workbook: auto leaves out "
    "one over 5,000 rows (its rows are in the CSV tables); always writes them.",
)
@COLUMNS
@SHEET
@click.option(
    "--by",
    metavar="NAME",
    default="",
    help="Who closes the year (a store close records it in the audit trail).",
)
@ALL_ISSUES
@click.pass_context
def close(
    ctx: click.Context,
    agreement: str,
    ledger: Path | None,
    year: str | None,
    out: Path,
    formats: tuple[str, ...],
    ruling: tuple[str, ...],
    note_policy: str,
    terminate: datetime | None,
    line_sheets: str,
    column_map: Path | None,
    sheet: str | None,
    by: str,
    all_issues: bool,
) -> None:
    """Close a financial year and write every year-end report.

    Two forms: `close AGREEMENT LEDGER` closes from files; `close STORE --year
    2025-26` closes a year of a pool store (a `postgresql://` URL or an existing
    store file) once, records it and opens the next year (docs/store.md).

    Settles each scheme's over- or underspend by the agreement's rules (offsetting,
    risk pool, risk-share rule, underspend disposition), then writes to OUT: the
    results as JSON; the memorandum account, the "Pooled budgets" note in £000,
    agreement-of-balances at month 12 and each partner's statement as Markdown;
    the same as a printable HTML page with charts; an Excel workbook with every
    report (totals as formulas, native charts, the quarterly monitoring, the line-level
    sheets up to 5,000 rows); and tidy CSV tables. Prints the memorandum account
    summary.

    With --terminate DATE the agreement ends on DATE: the reports cover 1 April to
    DATE, instalments due after it are cancelled and nothing is carried forward.

    From files, nothing is written to the ledger: the entries the close would
    append (settlements, balances brought forward, the year-closed marker) are in
    the JSON. A store close adds them to the store.
    """
    del all_issues  # read by report() from the command's parameters
    if is_store(agreement):
        _refuse_file_options(agreement, ledger, column_map, sheet, terminate)
        _close_store(agreement, year, out, formats, ruling, note_policy, by)
        return
    first = FILE.convert(agreement, ctx.command.params[0], ctx)
    if ledger is None:
        raise click.UsageError(
            f"give the LEDGER file after {agreement}, or a pool store "
            "(a postgresql:// URL or a store file made by `pooledledger init`)"
        )
    with batch_gc():
        inputs = read_files(first, ledger, column_map, sheet)
        reports = _close_files(inputs, year, ruling, note_policy, terminate)
        _write_close(reports, inputs, out, formats, line_sheets)
