"""``pooledledger what-if``: a year closed as it stands and again with changes (layer L6).

The changes are given as options (docs/what-if.md, docs/cli.md#pooledledger-what-if):
``--spend`` a scheme's spending by an amount or a percent, ``--rule`` another
risk-share rule, ``--contribution`` a partner's contribution by an amount.  Each
is parsed here into a :mod:`pooledledger.yearend.whatif` change, a bad value being
a usage error (exit 2); the command prints each partner's position before and
after, and writes nothing to the ledger.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

import click

from pooledledger.cli.common import (
    echo_written,
    fail,
    financial_year,
    not_yet_reported,
    read_files,
    report,
    writing,
)
from pooledledger.cli.options import ALL_ISSUES, COLUMNS, FILE, SHEET, YEAR

if TYPE_CHECKING:
    from pooledledger.yearend.whatif import Change

__all__ = ["what_if_command"]


def _spend_changes(values: tuple[str, ...]) -> list[Change]:
    """``--spend SCHEME=±AMOUNT`` or ``SCHEME=±PERCENT%``."""
    from pydantic import ValidationError

    from pooledledger.core.errors import MoneyError
    from pooledledger.core.money import to_money
    from pooledledger.io.csv_files import parse_pounds
    from pooledledger.yearend.whatif import SpendingChange

    changes: list[Change] = []
    for value in values:
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
    return changes


def _rule_changes(values: tuple[str, ...]) -> list[Change]:
    """``--rule SCHEME=RULE`` (a rule name) or ``SCHEME={...}`` (the rule as JSON)."""
    from pydantic import TypeAdapter, ValidationError

    from pooledledger.model.rules import RiskShareRule
    from pooledledger.yearend.whatif import RuleChange

    changes: list[Change] = []
    rules: TypeAdapter[RiskShareRule] = TypeAdapter(RiskShareRule)
    for value in values:
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
    return changes


def _contribution_changes(values: tuple[str, ...]) -> list[Change]:
    """``--contribution SCHEME:PARTNER=±AMOUNT``."""
    from pooledledger.core.errors import MoneyError
    from pooledledger.core.money import to_money
    from pooledledger.io.csv_files import parse_pounds
    from pooledledger.yearend.whatif import ContributionChange

    changes: list[Change] = []
    for value in values:
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


def _what_if_changes(
    spend: tuple[str, ...], rule: tuple[str, ...], contribution: tuple[str, ...]
) -> list[Change]:
    """Parse ``--spend``, ``--rule`` and ``--contribution`` into changes, in that order."""
    return [*_spend_changes(spend), *_rule_changes(rule), *_contribution_changes(contribution)]


@click.command("what-if")
@click.argument("agreement", type=FILE)
@click.argument("ledger", type=FILE)
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
@YEAR
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write what-if.md, what-if.csv and what-if.json to this folder.",
)
@COLUMNS
@SHEET
@ALL_ISSUES
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

    del all_issues  # read by report() from the command's parameters
    changes = _what_if_changes(spend, rule, contribution)
    if not changes:
        raise click.UsageError("give at least one --spend, --rule or --contribution")
    inputs = read_files(agreement, ledger, column_map, sheet)
    fy = financial_year(inputs, year)
    try:
        result = what_if(inputs.agreement, inputs.ledger, fy, changes)
    except PooledLedgerError as exc:  # WhatIfError, CloseError
        fail(f"the what-if cannot be run: {exc}")
    report(not_yet_reported(result.changed.issues, inputs.warnings))
    click.echo(result.to_markdown())
    if out is not None:
        with writing(out):
            echo_written(write_what_if(result, out))
