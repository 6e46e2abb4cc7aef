"""The options and arguments the ``pooledledger`` commands share (layer L6).

Each command of docs/cli.md takes its files and options through these: an input
file that must exist, ``--out``, ``--year``, ``--columns`` and ``--sheet`` for a
CSV or Excel ledger (docs/csv-import.md#column-maps), ``--all-issues``, and for
the pool store commands (docs/store.md) the ``STORE`` argument, ``--by`` and a
required ``--year``.  Only click is imported here, so ``pooledledger --help``
stays quick.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = [
    "ALL_ISSUES",
    "BY",
    "COLUMNS",
    "DATE",
    "FILE",
    "NOTE_POLICIES",
    "OUT",
    "SHEET",
    "STORE",
    "STORE_YEAR",
    "YEAR",
]

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
OUT = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("out"),
    show_default=True,
    help="Folder to write the reports to (made if missing).",
)
YEAR = click.option(
    "--year",
    metavar="YYYY-YY",
    help="Financial year, e.g. 2025-26 (1 April to 31 March). Default: the "
    "agreement's last financial year.",
)
COLUMNS = click.option(
    "--columns",
    "column_map",
    type=FILE,
    help="Column map (TOML or JSON) for a CSV or Excel ledger whose headers differ "
    "from pooledledger's layout, e.g. a finance system's export.",
)
SHEET = click.option("--sheet", help="Excel ledger: read only this worksheet.")
DATE = click.DateTime(formats=["%Y-%m-%d", "%d/%m/%Y"])
#: The values of :class:`pooledledger.reports.note.NotePolicy`, for ``--note-policy``.
NOTE_POLICIES = ("ROUNDING_LINE", "ADJUST_LARGEST")
ALL_ISSUES = click.option(
    "--all-issues",
    is_flag=True,
    help="List every issue. By default an issue code that repeats is listed three "
    "times, then once more with its count and first rows.",
)

# -- the pool store (docs/store.md)

STORE = click.argument("store", metavar="STORE")
BY = click.option(
    "--by", metavar="NAME", default="", help="Who does this; recorded in the audit trail."
)
STORE_YEAR = click.option(
    "--year", metavar="YYYY-YY", required=True, help="Financial year, e.g. 2025-26."
)
