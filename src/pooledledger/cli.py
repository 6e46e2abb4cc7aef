"""The ``pooledledger`` command line (layer L6).

Exit codes: 0 success; 1 the data has errors (each listed, no traceback);
2 the command was used wrongly (click's usage errors).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from pooledledger.io.formats import FORMATS

if TYPE_CHECKING:
    # the rest is imported by the command that needs it: --help stays quick
    from pooledledger.books.riskshare import BoardRuling
    from pooledledger.core.errors import Issue
    from pooledledger.core.periods import FinancialYear
    from pooledledger.io.excel_out import LineSheets
    from pooledledger.io.pipeline import Inputs
    from pooledledger.model.agreement import Agreement
    from pooledledger.model.partners import SchemeId
    from pooledledger.reports.bundle import YearEndReports
    from pooledledger.store import PoolStore
    from pooledledger.yearend.whatif import Change

__all__ = ["main"]

#: The bundled examples: (agreement file, ledger file), worked examples 1 and 2
#: (docs/tutorial.md).
EXAMPLES = (
    ("example1_la_two_pcts.toml", "example1_ledger.toml"),
    ("example2_bcf.toml", "example2_ledger.toml"),
)

#: Ledgers longer than this get a progress bar when standard error is a terminal.
PROGRESS_FROM_ROWS = 100_000

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_OUT = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Folder to write the reports to (made if missing).",
)
_YEAR = click.option(
    "--year",
    metavar="YYYY-YY",
    help="Financial year, e.g. 2025-26 (1 April to 31 March). Default: the "
    "agreement's last financial year.",
)
_COLUMNS = click.option(
    "--columns",
    "column_map",
    type=_FILE,
    help="Column map (TOML or JSON) for a CSV or Excel ledger whose headers differ "
    "from pooledledger's layout, e.g. a finance system's export.",
)
_SHEET = click.option("--sheet", help="Excel ledger: read only this worksheet.")
_DATE = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])
#: The values of :class:`pooledledger.reports.note.NotePolicy`, for ``--note-policy``.
NOTE_POLICIES = ("ROUNDING_LINE", "ADJUST_LARGEST")
_ALL_ISSUES = click.option(
    "--all-issues",
    is_flag=True,
    help="List every issue. By default an issue code that repeats is listed three "
    "times, then once more with its count and first rows.",
)


def _report(issues: list[Issue] | tuple[Issue, ...]) -> None:
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


def _not_yet_reported(
    issues: list[Issue] | tuple[Issue, ...], reported: tuple[Issue, ...]
) -> list[Issue]:
    """``issues`` less those already printed with the inputs' warnings.

    A close (or report) carries the ledger's warnings; the command line printed them
    already, with their file and row, when it read the ledger.
    """
    seen = {(i.code, i.location.entry_id, i.message) for i in reported}
    return [i for i in issues if (i.code, i.location.entry_id, i.message) not in seen]


def _fail(message: str, issues: list[Issue] | tuple[Issue, ...] = ()) -> NoReturn:
    click.echo(message, err=True)
    _report(issues)
    sys.exit(1)


def _check_ledger_options(ledger: Path, column_map: Path | None, sheet: str | None) -> None:
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
def _progress(ledger: Path) -> Iterator[Callable[[int], None] | None]:
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


def _inputs(
    agreement: Path, ledger: Path, column_map: Path | None = None, sheet: str | None = None
) -> Inputs:
    from pooledledger.io.pipeline import read_inputs

    _check_ledger_options(ledger, column_map, sheet)
    with _progress(ledger) as progress:
        inputs, issues = read_inputs(
            agreement, ledger, column_map=column_map, sheet=sheet, progress=progress
        )
    if inputs is None:
        errors = [i for i in issues if i.is_error]
        _fail(f"{len(errors)} error(s); nothing was imported:", issues)
    _report(inputs.warnings)
    return inputs


def _year(inputs: Inputs, text: str | None) -> FinancialYear:
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


def _echo_written(paths: list[Path]) -> None:
    for path in paths:
        click.echo(f"  wrote {path}{'/' if path.is_dir() else ''}")


@contextmanager
def _writing(out: Path) -> Iterator[None]:
    """Report a folder or file that cannot be written as a bad ``--out`` (exit 2)."""
    try:
        yield
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        raise click.BadParameter(
            f"cannot write the reports to {out}: {exc.strerror or exc}{where}",
            param_hint="--out",
        ) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pooledledger")
def main() -> None:
    """Accounting for pooled budgets (s75 NHS Act 2006, s10 Children Act 2004, BCF).

    Give it the partnership agreement and the pool's ledger; it checks them, works
    out each partner's share of every transaction to the penny, closes the year by
    the agreement's risk-share rules and writes the memorandum account, partner
    statements, the £000 note, journals and settlements.

    Start with `pooledledger demo` to see the bundled worked examples.
    """


@main.command()
@click.argument("agreement", type=_FILE)
@click.argument("ledger", required=False, type=_FILE)
@_COLUMNS
@_SHEET
@_ALL_ISSUES
def check(
    agreement: Path,
    ledger: Path | None,
    column_map: Path | None,
    sheet: str | None,
    all_issues: bool,
) -> None:
    """Check an AGREEMENT file (and optionally a LEDGER file) and list every problem.

    The ledger may be TOML, JSON, CSV or an Excel workbook (.xlsx). Every problem
    is listed with its code, file, row and column. Exits with 1 if any problem is an
    error; warnings alone exit with 0.
    """

    from pooledledger.core.errors import has_errors
    from pooledledger.io.agreement_files import read_agreement
    from pooledledger.io.pipeline import read_inputs

    del all_issues  # read by _report from the command's parameters
    if ledger is None:
        _, issues = read_agreement(agreement)
        ok = not has_errors(issues)
    else:
        _check_ledger_options(ledger, column_map, sheet)
        with _progress(ledger) as progress:
            inputs, issues = read_inputs(
                agreement, ledger, column_map=column_map, sheet=sheet, progress=progress
            )
        ok = inputs is not None
    if issues:
        click.echo(f"{len(issues)} issue(s):", err=True)
        _report(issues)
    if not ok:
        sys.exit(1)
    click.echo("no errors found")


@main.command()
@click.argument("agreement", metavar="AGREEMENT LEDGER | STORE")
@click.argument("ledger", required=False, type=_FILE, metavar="")
@_YEAR
@_OUT
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMATS),
    help="Output format; repeat for several. Default: all of them.",
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
    type=_DATE,
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
    "one over 100,000 rows (its rows are in the CSV tables); always writes them.",
)
@_COLUMNS
@_SHEET
@click.option(
    "--by",
    metavar="NAME",
    default="",
    help="Who closes the year (a store close records it in the audit trail).",
)
@_ALL_ISSUES
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
    sheets up to 100,000 rows); and tidy CSV tables. Prints the memorandum account
    summary.

    With --terminate DATE the agreement ends on DATE: the reports cover 1 April to
    DATE, instalments due after it are cancelled and nothing is carried forward.

    From files, nothing is written to the ledger: the entries the close would
    append (settlements, balances brought forward, the year-closed marker) are in
    the JSON. A store close adds them to the store.
    """

    from pooledledger.core.errors import PooledLedgerError
    from pooledledger.core.periods import FinancialYear
    from pooledledger.io.excel_out import line_sheets_plan
    from pooledledger.io.pipeline import write_year_end
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.note import NotePolicy

    del all_issues  # read by _report from the command's parameters
    if _is_store(agreement):
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
        _close_store(agreement, year, out, formats, ruling, note_policy, by)
        return
    first = _FILE.convert(agreement, ctx.command.params[0], ctx)
    if ledger is None:
        raise click.UsageError(
            f"give the LEDGER file after {agreement}, or a pool store "
            "(a postgresql:// URL or a store file made by `pooledledger init`)"
        )
    inputs = _inputs(first, ledger, column_map, sheet)
    end = terminate.date() if terminate is not None else None
    if end is not None and year is None:  # the year containing the termination date
        _check_termination(inputs, FinancialYear.for_date(end), end)
        year = str(FinancialYear.for_date(end))
    fy = _year(inputs, year)
    if end is not None:
        _check_termination(inputs, fy, end)
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
        _fail(f"the year {fy} cannot be closed: {exc}")
    _report(_not_yet_reported(reports.close.issues, inputs.warnings))
    click.echo(_summary(reports))
    chosen = formats or FORMATS
    mode: LineSheets = "auto"
    if line_sheets == "always":
        mode = "always"
    elif line_sheets == "never":
        mode = "never"
    with _writing(out):
        written = write_year_end(
            reports, inputs.ledger, out, chosen, line_sheets=mode, issues=inputs.warnings
        )
    _echo_written(written)
    if "xlsx" in chosen:
        for sheet_plan in line_sheets_plan(reports, inputs.ledger, mode):
            if not sheet_plan.written and mode == "auto":
                click.echo(f"  note: {sheet_plan.note}")


@main.group()
def report() -> None:
    """In-year reports for the partners (quarterly monitoring)."""


@report.command("quarterly")
@click.argument("agreement", type=_FILE)
@click.argument("ledger", type=_FILE)
@click.option("--quarter", type=click.IntRange(1, 4), required=True, help="Quarter 1-4.")
@_YEAR
@click.option(
    "--forecast",
    multiple=True,
    metavar="SCHEME=AMOUNT",
    help="Forecast net outturn for a scheme in £, e.g. S2=4,250,000.00; repeat per "
    "scheme. Schemes without one are forecast on a straight line.",
)
@click.option(
    "--projection-date",
    type=click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"]),
    help="Date the projection was made (default: the quarter's last day), from the "
    "quarter's first day to the last day of the next quarter; partners must be told of "
    "a projected overspend within the agreement's working days of it.",
)
@_OUT
@_COLUMNS
@_SHEET
@_ALL_ISSUES
def quarterly(
    agreement: Path,
    ledger: Path,
    quarter: int,
    year: str | None,
    forecast: tuple[str, ...],
    projection_date: datetime | None,
    out: Path,
    column_map: Path | None,
    sheet: str | None,
    all_issues: bool,
) -> None:
    """Quarterly monitoring report: actuals to date, forecast, projected shares.

    Shows each scheme's year-to-date spending and income, the forecast outturn and
    projected over- or underspend, how the agreement's rules would share it between
    the partners, and the date by which partners must be told. Writes JSON,
    Markdown and HTML to OUT and prints the Markdown.
    """

    from pooledledger.core.errors import MoneyError
    from pooledledger.io.csv_files import parse_pounds
    from pooledledger.io.pipeline import write_quarterly
    from pooledledger.reports.quarterly import projection_window, quarterly_report

    del all_issues  # read by _report from the command's parameters
    inputs = _inputs(agreement, ledger, column_map, sheet)
    fy = _year(inputs, year)
    forecasts: dict[SchemeId, int] = {}
    for value in forecast:
        scheme, sep, amount = value.partition("=")
        scheme = scheme.strip()
        shown = value if len(value) <= 60 else value[:40] + "..."
        if not sep or not scheme:
            raise click.BadParameter(
                f"{value!r}: write SCHEME=AMOUNT, e.g. S2=4,250,000.00", param_hint="--forecast"
            )
        if scheme in forecasts:
            raise click.BadParameter(
                f"{value!r}: scheme {scheme} is given more than once", param_hint="--forecast"
            )
        try:
            forecasts[scheme] = parse_pounds(amount)
        except MoneyError as exc:
            raise click.BadParameter(f"{shown!r}: {exc}", param_hint="--forecast") from exc
    unknown = sorted(set(forecasts) - set(inputs.agreement.scheme_ids))
    if unknown:
        raise click.BadParameter(f"unknown scheme(s) {unknown}", param_hint="--forecast")
    when = projection_date.date() if projection_date is not None else None
    if when is not None:
        first, last = projection_window(fy, quarter)
        if not first <= when <= last:
            raise click.BadParameter(
                f"{when} is outside {first} to {last}: a quarter {quarter} projection of "
                f"{fy} is made from the quarter's first day until the next quarter ends",
                param_hint="--projection-date",
            )
    rep = quarterly_report(
        inputs.agreement, inputs.ledger, fy, quarter, forecast=forecasts, projection_date=when
    )
    _report(_not_yet_reported(rep.issues, inputs.warnings))
    click.echo(rep.to_markdown())
    with _writing(out):
        written = write_quarterly(rep, out)
    _echo_written(written)


@main.command()
@click.argument("agreement", type=_FILE)
@click.argument("ledger", type=_FILE)
@click.option(
    "--month",
    type=click.Choice(["6", "9", "12"]),
    required=True,
    help="Month of the financial year: 6 (September, receivables and payables), "
    "9 (December, adds income and expenditure) or 12 (March, year end).",
)
@_YEAR
@_OUT
@_COLUMNS
@_SHEET
@_ALL_ISSUES
def balances(
    agreement: Path,
    ledger: Path,
    month: str,
    year: str | None,
    out: Path,
    column_map: Path | None,
    sheet: str | None,
    all_issues: bool,
) -> None:
    """Agreement-of-balances export between the host and each partner.

    For NHS agreement of balances (months 6, 9, 12) and bilateral confirmation with
    councils: each side's receivable and payable (and, at months 9 and 12, income
    and expenditure) from its own journals, with the thresholds met. Writes JSON
    and Markdown to OUT and prints the Markdown.
    """

    from pooledledger.io.pipeline import write_balances
    from pooledledger.reports.balances import agreement_of_balances

    del all_issues  # read by _report from the command's parameters
    inputs = _inputs(agreement, ledger, column_map, sheet)
    fy = _year(inputs, year)
    rep = agreement_of_balances(inputs.agreement, inputs.ledger, fy, int(month))
    _report(_not_yet_reported(rep.issues, inputs.warnings))
    click.echo(rep.to_markdown())
    with _writing(out):
        written = write_balances(rep, out)
    _echo_written(written)


def _what_if_changes(
    spend: tuple[str, ...], rule: tuple[str, ...], contribution: tuple[str, ...]
) -> list[Change]:
    """Parse ``--spend``, ``--rule`` and ``--contribution`` into changes, in that order."""

    from pydantic import TypeAdapter, ValidationError

    from pooledledger.core.errors import MoneyError
    from pooledledger.core.money import to_money
    from pooledledger.io.csv_files import parse_pounds
    from pooledledger.model.rules import RiskShareRule
    from pooledledger.yearend.whatif import ContributionChange, RuleChange, SpendingChange

    changes: list[Change] = []
    for value in spend:
        scheme, sep, amount = value.partition("=")
        amount = amount.strip()
        try:
            if not sep or not scheme.strip() or not amount:
                raise MoneyError("write SCHEME=AMOUNT or SCHEME=PERCENT%")
            if amount.endswith("%"):
                percent = Decimal(amount[:-1].strip().lstrip("+"))
                changes.append(SpendingChange(scheme=scheme.strip(), percent=percent))
            else:
                pence = parse_pounds(amount.lstrip("+"))
                changes.append(SpendingChange(scheme=scheme.strip(), amount=to_money(pence)))
        except (MoneyError, InvalidOperation, ValidationError) as exc:
            raise click.BadParameter(
                f"{value!r}: {exc}; e.g. S4=+10000.00, S3=-2,500.00 or S2=5%",
                param_hint="--spend",
            ) from exc
    rules: TypeAdapter[RiskShareRule] = TypeAdapter(RiskShareRule)
    for value in rule:
        scheme, sep, text = value.partition("=")
        text = text.strip()
        try:
            data = json.loads(text) if text.startswith("{") else {"rule": text.upper()}
            changes.append(
                RuleChange(scheme=scheme.strip(), risk_share=rules.validate_python(data))
            )
        except (ValueError, ValidationError) as exc:  # json errors are ValueErrors
            why = exc.errors()[0]["msg"] if isinstance(exc, ValidationError) else str(exc)
            raise click.BadParameter(
                f"{value!r}: {why}; e.g. S4=PRO_RATA_CONTRIBUTIONS or "
                'S4=\'{"rule": "FIXED_SHARES", "shares": [...]}\'',
                param_hint="--rule",
            ) from exc
        if not sep or not scheme.strip():
            raise click.BadParameter(f"{value!r}: write SCHEME=RULE", param_hint="--rule")
    for value in contribution:
        target, sep, amount = value.partition("=")
        scheme, colon, partner = target.partition(":")
        try:
            if not sep or not colon or not scheme.strip() or not partner.strip():
                raise MoneyError("write SCHEME:PARTNER=AMOUNT")
            pence = parse_pounds(amount.strip().lstrip("+"))
        except MoneyError as exc:
            raise click.BadParameter(
                f"{value!r}: {exc}; e.g. S3:ICB=+50000.00", param_hint="--contribution"
            ) from exc
        changes.append(
            ContributionChange(
                scheme=scheme.strip(), partner=partner.strip(), amount=to_money(pence)
            )
        )
    return changes


@main.command("what-if")
@click.argument("agreement", type=_FILE)
@click.argument("ledger", type=_FILE)
@click.option(
    "--spend",
    multiple=True,
    metavar="SCHEME=±AMOUNT|±PERCENT%",
    help="Change a scheme's spending for the year by an amount in £ or a percent of "
    "it, e.g. S4=+10000.00 or S3=-5%. Repeatable.",
)
@click.option(
    "--rule",
    multiple=True,
    metavar="SCHEME=RULE",
    help="Give a scheme another risk-share rule: a rule name with no settings "
    "(S4=PRO_RATA_CONTRIBUTIONS) or the rule as JSON, as in an agreement file. Repeatable.",
)
@click.option(
    "--contribution",
    multiple=True,
    metavar="SCHEME:PARTNER=±AMOUNT",
    help="Change a partner's contribution to a scheme by an amount in £, e.g. "
    "S3:ICB=+50000.00. Repeatable.",
)
@_YEAR
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write what-if.md, what-if.csv and what-if.json to this folder.",
)
@_COLUMNS
@_SHEET
@_ALL_ISSUES
def what_if_command(
    agreement: Path,
    ledger: Path,
    spend: tuple[str, ...],
    rule: tuple[str, ...],
    contribution: tuple[str, ...],
    year: str | None,
    out: Path | None,
    column_map: Path | None,
    sheet: str | None,
    all_issues: bool,
) -> None:
    """What if spending, a risk-share rule or a contribution were different?

    Closes the year as the ledger stands and again with the changes, and prints
    each partner's net share, balance with the host and settlement before and
    after, the host's net position included (docs/what-if.md). Nothing is written
    to the ledger.
    """

    from pooledledger.core.errors import PooledLedgerError
    from pooledledger.io.what_if_out import write_what_if
    from pooledledger.yearend.whatif import what_if

    del all_issues  # read by _report from the command's parameters
    changes = _what_if_changes(spend, rule, contribution)
    if not changes:
        raise click.UsageError("give at least one --spend, --rule or --contribution")
    inputs = _inputs(agreement, ledger, column_map, sheet)
    fy = _year(inputs, year)
    try:
        result = what_if(inputs.agreement, inputs.ledger, fy, changes)
    except PooledLedgerError as exc:  # WhatIfError, CloseError
        _fail(f"the what-if cannot be run: {exc}")
    _report(_not_yet_reported(result.changed.issues, inputs.warnings))
    click.echo(result.to_markdown())
    if out is not None:
        with _writing(out):
            _echo_written(write_what_if(result, out))


@main.command()
@click.argument("agreement", type=_FILE)
@click.argument("ledger", type=_FILE)
@click.option(
    "--mapping",
    "mapping_file",
    type=_FILE,
    required=True,
    help="Journal mapping (TOML or JSON): each partner's own account segments per "
    "account key and scheme (docs/journal-uploads.md).",
)
@click.option(
    "--layout",
    "layout_file",
    type=_FILE,
    help="Upload layout (TOML or JSON): the columns and formats of a finance system's "
    "journal upload. Default: the generic layout.",
)
@_YEAR
@_OUT
@_COLUMNS
@_SHEET
@_ALL_ISSUES
def journals(
    agreement: Path,
    ledger: Path,
    mapping_file: Path,
    layout_file: Path | None,
    year: str | None,
    out: Path,
    column_map: Path | None,
    sheet: str | None,
    all_issues: bool,
) -> None:
    """Write each partner's year-end journal as an upload file for its own ledger.

    Closes the year, maps every journal line to the partner's own account segments
    and writes one file per partner in the mapping, in the generic layout or the
    given one. Nothing is written if any line cannot be mapped; every file is
    checked to balance first. Dates are the period's last day (31/03/YYYY).
    """

    from pooledledger.core.errors import PooledLedgerError, has_errors
    from pooledledger.core.money import format_pence
    from pooledledger.io.upload_files import (
        read_journal_mapping,
        read_upload_layout,
        write_journal_uploads,
    )
    from pooledledger.yearend.close import close_year
    from pooledledger.yearend.uploads import GENERIC_LAYOUT

    del all_issues  # read by _report from the command's parameters
    inputs = _inputs(agreement, ledger, column_map, sheet)
    fy = _year(inputs, year)
    mapping, issues = read_journal_mapping(mapping_file, inputs.agreement)
    if mapping is None:
        _fail("the journal mapping has errors; nothing was written:", issues)
    layout = GENERIC_LAYOUT
    if layout_file is not None:
        read, found = read_upload_layout(layout_file)
        if read is None:
            _fail("the upload layout has errors; nothing was written:", found)
        layout = read
    try:
        result = close_year(inputs.agreement, inputs.ledger, fy)
    except PooledLedgerError as exc:  # e.g. CloseError
        _fail(f"the year {fy} cannot be closed: {exc}")
    _report(_not_yet_reported(result.issues, inputs.warnings))
    with _writing(out):
        files, found = write_journal_uploads(result, inputs.agreement, mapping, out, layout)
    issues = [*issues, *found]
    if has_errors(issues):
        _fail("some journal lines cannot be mapped; nothing was written:", issues)
    _report(issues)
    for partner, path in files.items():
        j = result.journals[partner]
        click.echo(
            f"  wrote {path}: {partner}, {len(j.lines)} lines, {j.start} to {j.end}, "
            f"debits {format_pence(j.total_debit)} = credits {format_pence(j.total_credit)} "
            "(balanced)"
        )


@main.command()
@click.option(
    "--of",
    "what",
    type=click.Choice(["agreement", "journal-mapping", "upload-layout"]),
    default="agreement",
    show_default=True,
    help="Which file's schema to print.",
)
def schema(what: str) -> None:
    """Print the JSON Schema of an agreement, journal mapping or upload layout file."""

    from pooledledger.io.agreement_files import agreement_json_schema
    from pooledledger.io.upload_files import journal_mapping_json_schema, upload_layout_json_schema

    schemas = {
        "agreement": agreement_json_schema,
        "journal-mapping": journal_mapping_json_schema,
        "upload-layout": upload_layout_json_schema,
    }
    click.echo(json.dumps(schemas[what](), indent=2))


def _summary(reports: YearEndReports) -> str:
    """What a close prints: the memorandum account's first section and the note."""
    memo = reports.memorandum.to_markdown()
    head, _, _ = memo.partition("\n## Account by scheme")
    return head.rstrip("\n") + "\n\n" + reports.note.to_markdown().rstrip("\n") + "\n"


@main.command()
@_OUT
def demo(out: Path) -> None:
    """Run the two bundled worked examples end to end (docs/tutorial.md).

    For each example: check the agreement and its ledger, close the year by the
    agreement's rules and print the memorandum account; write every year-end
    report (JSON, Markdown, HTML, Excel, CSV), the quarterly reports for Q1-Q4 and
    the agreement-of-balances exports for months 6, 9 and 12 to OUT.
    """

    from pooledledger.io.pipeline import write_balances, write_quarterly, write_year_end
    from pooledledger.reports.balances import agreement_of_balances
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.quarterly import quarterly_report

    with _writing(out):
        out.mkdir(parents=True, exist_ok=True)
    for agreement_name, ledger_name in EXAMPLES:
        with ExitStack() as stack:
            examples = files("pooledledger") / "examples"
            ag_path = stack.enter_context(as_file(examples / agreement_name))
            led_path = stack.enter_context(as_file(examples / ledger_name))
            inputs = _inputs(ag_path, led_path)
        fy = inputs.year()
        reports = year_end_reports(inputs.agreement, inputs.ledger, fy)
        _report(_not_yet_reported(reports.close.issues, inputs.warnings))
        click.echo(reports.memorandum.to_markdown())
        folder = out / Path(agreement_name).stem
        with _writing(out):
            written = write_year_end(reports, inputs.ledger, folder)
            for q in (1, 2, 3, 4):
                rep = quarterly_report(inputs.agreement, inputs.ledger, fy, q)
                written += write_quarterly(rep, folder)
            for m in (6, 9, 12):
                close = reports.close if m == 12 else None
                aob = agreement_of_balances(inputs.agreement, inputs.ledger, fy, m, close)
                written += write_balances(aob, folder)
        _echo_written(written)
    click.echo(f"reports written to {out}/")


# -- the pool store (docs/store.md) --------------------------------------------------------

_SQLITE_MAGIC = b"SQLite format 3\x00"
_STORE = click.argument("store", metavar="STORE")
_BY = click.option(
    "--by", metavar="NAME", default="", help="Who does this; recorded in the audit trail."
)
_STORE_YEAR = click.option(
    "--year", metavar="YYYY-YY", required=True, help="Financial year, e.g. 2025-26."
)


def _is_store(location: str) -> bool:
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
def _store_errors(what: str) -> Iterator[None]:
    """Refusals and store problems as a readable list, exit 1; never a traceback."""

    from pooledledger.core.errors import IssueError
    from pooledledger.store import StoreError

    try:
        yield
    except IssueError as exc:
        errors = [i for i in exc.issues if i.is_error]
        _fail(f"{what}: {len(errors)} error(s); the store is unchanged:", exc.issues)
    except StoreError as exc:
        _fail(f"{what}: {exc}")


@contextmanager
def _open_store(location: str, what: str) -> Iterator[PoolStore]:
    try:
        from pooledledger.store import PoolStore
    except ImportError:
        _fail("the pool store needs its extra: pip install 'pooledledger[store]'")
    with _store_errors(what):
        store = PoolStore.open(location)
    try:
        with _store_errors(what):
            yield store
    finally:
        store.dispose()


def _store_year(text: str) -> FinancialYear:
    from pooledledger.core.errors import PeriodError
    from pooledledger.core.periods import FinancialYear

    try:
        return FinancialYear.parse(text)
    except PeriodError as exc:
        raise click.BadParameter(str(exc), param_hint="--year") from exc


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
    fy = _store_year(year)
    with _open_store(location, f"close {fy}") as store:
        rulings = _checked_rulings(store.agreement(), ruling)
        try:
            stored = store.close(fy, rulings=rulings, by=by)
        except PooledLedgerError as exc:
            if isinstance(exc, IssueError):
                raise
            _fail(f"the year {fy} cannot be closed: {exc}")
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
    _report(reports.close.issues)
    click.echo(_summary(reports))
    with _writing(out):
        written = write_year_end(reports, stored.ledger, out, formats or FORMATS)
    _echo_written(written)


@main.command()
@_STORE
@click.argument("agreement", type=_FILE)
@_BY
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
        _fail("the pool store needs its extra: pip install 'pooledledger[store]'")
    with _store_errors("init"):
        made = PoolStore.init(store, agreement, by=by)
    made.dispose()
    click.echo(f"made the pool store {store} holding {agreement.name}")


@main.command()
@_STORE
@click.argument("agreement", type=_FILE)
@_BY
def amend(store: str, agreement: Path, by: str) -> None:
    """Store a new version of the agreement (same id), e.g. with next year's term.

    Closes already made keep the version they were made with.
    """
    with _open_store(store, "amend") as opened:
        version = opened.amend(agreement, by=by)
    click.echo(f"the store now holds agreement version {version}")


@main.command("import")
@_STORE
@click.argument("file", type=_FILE)
@_COLUMNS
@_SHEET
@_BY
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
    _check_ledger_options(file, column_map, sheet)
    with _open_store(store, f"import {file.name}") as opened:
        got = opened.import_file(
            file, column_map=column_map, sheet=sheet, by=by, supersedes=supersedes
        )
    _report(got.warnings)
    line = f"batch {got.batch}: {got.source} (SHA-256 {got.sha256[:12]}…), {len(got.added)} added"
    if supersedes is not None:
        line += (
            f", {len(got.reversed)} reversed, {len(got.kept)} unchanged (supersedes {supersedes})"
        )
    click.echo(line)


@main.command()
@_STORE
def history(store: str) -> None:
    """The audit trail of STORE: every change, who made it, and its hash."""
    with _open_store(store, "history") as opened:
        events = opened.history()
    for e in events:
        who = e.actor or "(unnamed)"
        click.echo(f"{e.seq:>5}  {e.at[:19]}  {e.kind:<9} {who:<24} {e.summary}  [{e.hash[:12]}]")


@main.command()
@_STORE
def verify(store: str) -> None:
    """Check STORE: recompute the hash chain and every close from its stored inputs.

    Exits with 1 and names the first event or figure that does not match.
    """
    with _open_store(store, "verify") as opened:
        report = opened.verify()
    if not report.ok:
        _fail(f"the store does not verify ({len(report.issues)} problem(s)):", report.issues)
    click.echo(f"verified {report.events} events and {report.closes} close(s); head {report.head}")


@main.command()
@_STORE
@_OUT
def export(store: str, out: Path) -> None:
    """Write STORE as files: agreement.json and ledger.json for the file commands, each
    agreement version and batch, and manifest.json to rebuild the store from them."""
    with _open_store(store, "export") as opened, _writing(out):
        written = opened.export(out)
    _echo_written(written)


@main.command()
@_STORE
@_STORE_YEAR
@click.option("--by", metavar="NAME", required=True, help="Who approves the close.")
def signoff(store: str, year: str, by: str) -> None:
    """Record who approved a year's close; the year is then locked."""
    fy = _store_year(year)
    with _open_store(store, f"sign-off {fy}") as opened:
        signed = opened.signoff(fy, by=by)
    click.echo(f"{fy} signed off by {signed.by}; trail head {signed.head_hash}")


@main.command()
@_STORE
@_STORE_YEAR
@click.option("--reason", required=True, help="Why the year is reopened (recorded).")
@click.option(
    "--unlock",
    is_flag=True,
    help="Reopen a signed-off year, undoing its sign-off (recorded in the trail).",
)
@_BY
def reopen(store: str, year: str, reason: str, unlock: bool, by: str) -> None:
    """Reopen a closed year by reversal: its year-closed marker is reversed and what it
    carried into the next year is cancelled."""
    fy = _store_year(year)
    with _open_store(store, f"reopen {fy}") as opened:
        done = opened.reopen(fy, reason=reason, by=by, unlock=unlock)
    click.echo(f"{fy} reopened; added {', '.join(done.entries)}")


@main.command()
@_STORE
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def rebuild(store: str, folder: Path) -> None:
    """Make a new store at STORE from an `export` FOLDER, replaying its manifest: the
    same agreement versions, imports, closes, reopenings and sign-offs, in order."""
    try:
        from pooledledger.store import PoolStore
    except ImportError:
        _fail("the pool store needs its extra: pip install 'pooledledger[store]'")
    if not (folder / "manifest.json").is_file():
        raise click.BadParameter(f"{folder} has no manifest.json (made by `export`)")
    with _store_errors("rebuild"):
        made = PoolStore.rebuild(store, folder)
    events = len(made.history())
    made.dispose()
    click.echo(f"rebuilt {store} from {folder}: {events} events")
