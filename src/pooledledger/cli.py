"""The ``pooledledger`` command line (layer L6).

Exit codes: 0 success; 1 the data has errors (each listed, no traceback);
2 the command was used wrongly (click's usage errors).
"""

from __future__ import annotations

import json
import sys
from importlib.resources import as_file, files
from pathlib import Path

import click

from pooledledger.apportion import apportion
from pooledledger.errors import Issue, has_errors
from pooledledger.io.agreement_files import agreement_json_schema, read_agreement
from pooledledger.io.ledger_files import read_ledger
from pooledledger.journals import build_journals
from pooledledger.reports.summary import agreement_summary, journals_markdown, shares_markdown

__all__ = ["main"]

#: The bundled examples: (agreement file, ledger file), domain.md §7 and §8.
EXAMPLES = (
    ("example1_la_two_pcts.toml", "example1_ledger.toml"),
    ("example2_bcf.toml", "example2_ledger.toml"),
)


def _report(issues: list[Issue]) -> None:
    for issue in issues:
        click.echo(f"  {issue}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pooledledger")
def main() -> None:
    """Accounting for pooled budgets (s75 NHS Act 2006, s10 Children Act 2004, BCF).

    Give it the partnership agreement and the pool's ledger; it checks them and
    works out each partner's share of every transaction, to the penny.
    """


@main.command()
@click.argument("agreement", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument(
    "ledger", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def check(agreement: Path, ledger: Path | None) -> None:
    """Check an AGREEMENT file (and optionally a LEDGER file) and list every problem.

    Exits with 1 if any problem is an error; warnings alone exit with 0.
    """
    ag, issues = read_agreement(agreement)
    if ag is not None and ledger is not None:
        _, more = read_ledger(ag, ledger)
        issues += more
    if issues:
        click.echo(f"{len(issues)} issue(s):", err=True)
        _report(issues)
    if has_errors(issues) or ag is None:
        sys.exit(1)
    click.echo("no errors found")


@main.command()
def schema() -> None:
    """Print the JSON Schema of an agreement file."""
    click.echo(json.dumps(agreement_json_schema(), indent=2))


@main.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Folder to write the reports to.",
)
def demo(out: Path) -> None:
    """Run the bundled worked examples (domain.md §7 and §8) end to end.

    For each example: check the agreement and its ledger, print a summary of the
    agreement and each partner's share of the year's spending and income, and
    write the summary and each partner's journals to OUT.
    """
    out.mkdir(parents=True, exist_ok=True)
    failed = False
    for agreement_name, ledger_name in EXAMPLES:
        with (
            as_file(files("pooledledger") / "examples" / agreement_name) as ag_path,
            as_file(files("pooledledger") / "examples" / ledger_name) as led_path,
        ):
            ag, issues = read_agreement(ag_path)
            if ag is None:
                click.echo(f"{agreement_name}: the agreement has errors:", err=True)
                _report(issues)
                failed = True
                continue
            ledger, issues = read_ledger(ag, led_path)
            if ledger is None:
                click.echo(f"{ledger_name}: the ledger has errors:", err=True)
                _report(issues)
                failed = True
                continue
        _report(issues)  # warnings
        year = ag.financial_years[0]
        shares = apportion(ledger, year)
        journals, warnings = build_journals(ledger, shares)
        _report(warnings)
        text = agreement_summary(ag, year) + "\n" + shares_markdown(ag, shares)
        click.echo(text)
        stem = Path(agreement_name).stem
        (out / f"{stem}_summary.md").write_text(
            text + journals_markdown(journals), encoding="utf-8"
        )
        (out / f"{stem}_shares.json").write_text(
            json.dumps(
                {"agreement": ag.id, "year": str(year), "shares": shares.by_partner()}, indent=2
            )
            + "\n",
            encoding="utf-8",
        )
    click.echo(f"reports written to {out}/")
    if failed:
        sys.exit(1)
