"""The commands to start with: ``demo``, ``check`` and ``schema`` (layer L6).

``demo`` runs the bundled worked examples end to end
(docs/cli.md#pooledledger-demo); ``check`` lists every problem in an agreement
and, if given, a ledger, with its code, file, row and column
(docs/cli.md#pooledledger-check); ``schema`` prints the JSON Schema of an
agreement, journal mapping or upload layout file
(docs/cli.md#pooledledger-schema).
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from importlib.resources import as_file, files
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pooledledger.cli.common import (
    check_ledger_options,
    echo_written,
    not_yet_reported,
    progress_bar,
    read_files,
    report,
    writing,
)
from pooledledger.cli.options import ALL_ISSUES, COLUMNS, FILE, OUT, SHEET

if TYPE_CHECKING:
    from pooledledger.io.pipeline import Inputs

__all__ = ["EXAMPLES", "check", "demo", "schema"]

#: The bundled examples: (agreement file, ledger file), docs/tutorial.md.
EXAMPLES = (
    ("example1_la_two_pcts.toml", "example1_ledger.toml"),
    ("example2_bcf.toml", "example2_ledger.toml"),
)


@click.command()
@click.argument("agreement", type=FILE)
@click.argument("ledger", required=False, type=FILE)
@COLUMNS
@SHEET
@ALL_ISSUES
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

    del all_issues  # read by report() from the command's parameters
    if ledger is None:
        _, issues = read_agreement(agreement)
        ok = not has_errors(issues)
    else:
        check_ledger_options(ledger, column_map, sheet)
        with progress_bar(ledger) as progress:
            inputs, issues = read_inputs(
                agreement, ledger, column_map=column_map, sheet=sheet, progress=progress
            )
        ok = inputs is not None
    if issues:
        click.echo(f"{len(issues)} issue(s):", err=True)
        report(issues)
    if not ok:
        sys.exit(1)
    click.echo("no errors found")


@click.command()
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


def _example(agreement_name: str, ledger_name: str) -> Inputs:
    """A bundled example's agreement and ledger, read as files."""
    with ExitStack() as stack:
        examples = files("pooledledger") / "examples"
        ag_path = stack.enter_context(as_file(examples / agreement_name))
        led_path = stack.enter_context(as_file(examples / ledger_name))
        return read_files(ag_path, led_path)


def _run_example(agreement_name: str, ledger_name: str, out: Path) -> None:
    """Close one example's year, print its memorandum account, write every report."""
    from pooledledger.io.pipeline import write_balances, write_quarterly, write_year_end
    from pooledledger.reports.balances import agreement_of_balances
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.quarterly import quarterly_report

    inputs = _example(agreement_name, ledger_name)
    fy = inputs.year()
    reports = year_end_reports(inputs.agreement, inputs.ledger, fy)
    report(not_yet_reported(reports.close.issues, inputs.warnings))
    click.echo(reports.memorandum.to_markdown())
    folder = out / Path(agreement_name).stem
    with writing(out):
        written = write_year_end(reports, inputs.ledger, folder)
        for q in (1, 2, 3, 4):
            rep = quarterly_report(inputs.agreement, inputs.ledger, fy, q)
            written += write_quarterly(rep, folder)
        for m in (6, 9, 12):
            close = reports.close if m == 12 else None
            aob = agreement_of_balances(inputs.agreement, inputs.ledger, fy, m, close)
            written += write_balances(aob, folder)
    echo_written(written)


@click.command()
@OUT
def demo(out: Path) -> None:
    """Run the two bundled worked examples end to end (docs/tutorial.md).

    For each example: check the agreement and its ledger, close the year by the
    agreement's rules and print the memorandum account; write every year-end
    report (JSON, Markdown, HTML, Excel, CSV), the quarterly reports for Q1-Q4 and
    the agreement-of-balances exports for months 6, 9 and 12 to OUT.
    """
    with writing(out):
        out.mkdir(parents=True, exist_ok=True)
    for agreement_name, ledger_name in EXAMPLES:
        _run_example(agreement_name, ledger_name, out)
    click.echo(f"reports written to {out}/")
