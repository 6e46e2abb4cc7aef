"""The in-year commands: ``report quarterly`` and ``balances`` (layer L6).

``report quarterly`` is the quarterly monitoring report, with forecasts and the
date by which partners must be told of a projected overspend
(docs/cli.md#pooledledger-report-quarterly, docs/reports.md); ``balances`` is the
agreement-of-balances export at months 6, 9 and 12
(docs/cli.md#pooledledger-balances).  Each prints its Markdown and writes its
files to ``--out``.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pooledledger.cli.common import (
    echo_written,
    financial_year,
    not_yet_reported,
    read_files,
    report,
    writing,
)
from pooledledger.cli.options import ALL_ISSUES, COLUMNS, FILE, OUT, SHEET, YEAR

if TYPE_CHECKING:
    from pooledledger.core.periods import FinancialYear
    from pooledledger.model.agreement import Agreement
    from pooledledger.model.partners import SchemeId

__all__ = ["balances", "report_group"]


@click.group("report")
def report_group() -> None:
    """In-year reports for the partners (quarterly monitoring)."""


def _forecasts(values: tuple[str, ...], agreement: Agreement) -> dict[SchemeId, int]:
    """``--forecast SCHEME=AMOUNT`` values as pence per scheme (exit 2 if one is bad)."""
    from pooledledger.core.errors import MoneyError
    from pooledledger.io.csv_files import parse_pounds

    forecasts: dict[SchemeId, int] = {}
    for value in values:
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
    unknown = sorted(set(forecasts) - set(agreement.scheme_ids))
    if unknown:
        raise click.BadParameter(f"unknown scheme(s) {unknown}", param_hint="--forecast")
    return forecasts


def _projection_date(given: datetime | None, fy: FinancialYear, quarter: int) -> date | None:
    """``--projection-date``, which must lie in the quarter or the next (exit 2 if not)."""
    from pooledledger.reports.quarterly import projection_window

    when = given.date() if given is not None else None
    if when is not None:
        first, last = projection_window(fy, quarter)
        if not first <= when <= last:
            raise click.BadParameter(
                f"{when} is outside {first} to {last}: a quarter {quarter} projection of "
                f"{fy} is made from the quarter's first day until the next quarter ends",
                param_hint="--projection-date",
            )
    return when


@report_group.command("quarterly")
@click.argument("agreement", type=FILE)
@click.argument("ledger", type=FILE)
@click.option("--quarter", type=click.IntRange(1, 4), required=True, help="Quarter 1-4.")
@YEAR
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
@OUT
@COLUMNS
@SHEET
@ALL_ISSUES
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

    from pooledledger.io.pipeline import write_quarterly
    from pooledledger.reports.quarterly import quarterly_report

    del all_issues  # read by report() from the command's parameters
    inputs = read_files(agreement, ledger, column_map, sheet)
    fy = financial_year(inputs, year)
    forecasts = _forecasts(forecast, inputs.agreement)
    when = _projection_date(projection_date, fy, quarter)
    rep = quarterly_report(
        inputs.agreement, inputs.ledger, fy, quarter, forecast=forecasts, projection_date=when
    )
    report(not_yet_reported(rep.issues, inputs.warnings))
    click.echo(rep.to_markdown())
    with writing(out):
        written = write_quarterly(rep, out)
    echo_written(written)


@click.command()
@click.argument("agreement", type=FILE)
@click.argument("ledger", type=FILE)
@click.option(
    "--month",
    type=click.Choice(["6", "9", "12"]),
    required=True,
    help="Month of the financial year: 6 (September, receivables and payables), "
    "9 (December, adds income and expenditure) or 12 (March, year end).",
)
@YEAR
@OUT
@COLUMNS
@SHEET
@ALL_ISSUES
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

    del all_issues  # read by report() from the command's parameters
    inputs = read_files(agreement, ledger, column_map, sheet)
    fy = financial_year(inputs, year)
    rep = agreement_of_balances(inputs.agreement, inputs.ledger, fy, int(month))
    report(not_yet_reported(rep.issues, inputs.warnings))
    click.echo(rep.to_markdown())
    with writing(out):
        written = write_balances(rep, out)
    echo_written(written)
