"""``pooledledger journals``: each partner's year-end journal as an upload file (layer L6).

The year is closed, every journal line mapped to the partner's own account
segments by a journal mapping, and one upload file written per partner in the
generic layout or a finance system's own (docs/journal-uploads.md,
docs/cli.md#pooledledger-journals).  Nothing is written if any line cannot be
mapped; every file is checked to balance first.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from pooledledger.cli.common import (
    fail,
    financial_year,
    not_yet_reported,
    read_files,
    report,
    writing,
)
from pooledledger.cli.options import ALL_ISSUES, COLUMNS, FILE, OUT, SHEET, YEAR

if TYPE_CHECKING:
    from pooledledger.yearend.uploads import UploadLayout

__all__ = ["journals"]


def _layout(layout_file: Path | None) -> UploadLayout:
    """The ``--layout`` file's upload layout, or the generic one (exit 1 if it has errors)."""
    from pooledledger.io.upload_files import read_upload_layout
    from pooledledger.yearend.uploads import GENERIC_LAYOUT

    if layout_file is None:
        return GENERIC_LAYOUT
    read, found = read_upload_layout(layout_file)
    if read is None:
        fail("the upload layout has errors; nothing was written:", found)
    return read


@click.command()
@click.argument("agreement", type=FILE)
@click.argument("ledger", type=FILE)
@click.option(
    "--mapping",
    "mapping_file",
    type=FILE,
    required=True,
    help="Journal mapping (TOML or JSON): each partner's own account segments per "
    "account key and scheme (docs/journal-uploads.md).",
)
@click.option(
    "--layout",
    "layout_file",
    type=FILE,
    help="Upload layout (TOML or JSON): the columns and formats of a finance system's "
    "journal upload. Default: the generic layout.",
)
@YEAR
@OUT
@COLUMNS
@SHEET
@ALL_ISSUES
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
    from pooledledger.io.upload_files import read_journal_mapping, write_journal_uploads
    from pooledledger.yearend.close import close_year

    del all_issues  # read by report() from the command's parameters
    inputs = read_files(agreement, ledger, column_map, sheet)
    fy = financial_year(inputs, year)
    mapping, issues = read_journal_mapping(mapping_file, inputs.agreement)
    if mapping is None:
        fail("the journal mapping has errors; nothing was written:", issues)
    layout = _layout(layout_file)
    try:
        result = close_year(inputs.agreement, inputs.ledger, fy)
    except PooledLedgerError as exc:  # e.g. CloseError
        fail(f"the year {fy} cannot be closed: {exc}")
    report(not_yet_reported(result.issues, inputs.warnings))
    with writing(out):
        files, found = write_journal_uploads(result, inputs.agreement, mapping, out, layout)
    issues = [*issues, *found]
    if has_errors(issues):
        fail("some journal lines cannot be mapped; nothing was written:", issues)
    report(issues)
    for partner, path in files.items():
        j = result.journals[partner]
        click.echo(
            f"  wrote {path}: {partner}, {len(j.lines)} lines, {j.start} to {j.end}, "
            f"debits {format_pence(j.total_debit)} = credits {format_pence(j.total_credit)} "
            "(balanced)"
        )
