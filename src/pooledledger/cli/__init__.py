"""The ``pooledledger`` command line (layer L6).

Exit codes: 0 success; 1 the data has errors (each listed, no traceback);
2 the command was used wrongly (click's usage errors).

The commands (docs/cli.md) live in one module each per group: ``demo``,
``check`` and ``schema`` in :mod:`~pooledledger.cli.first_steps`; ``close`` in
:mod:`~pooledledger.cli.closing`; ``report quarterly`` and ``balances`` in
:mod:`~pooledledger.cli.in_year`; ``journals`` in
:mod:`~pooledledger.cli.journal_uploads`; ``what-if`` in
:mod:`~pooledledger.cli.what_if`; the pool store's commands in
:mod:`~pooledledger.cli.store_commands`.  Their shared options are in
:mod:`~pooledledger.cli.options` and their shared helpers in
:mod:`~pooledledger.cli.common`.  Only click is loaded at start; each command
imports the library when it runs, so ``--help`` stays quick.
"""

from __future__ import annotations

import click

from pooledledger.cli.closing import close
from pooledledger.cli.common import PROGRESS_FROM_ROWS, give_back_freed_memory
from pooledledger.cli.first_steps import EXAMPLES, check, demo, schema
from pooledledger.cli.in_year import balances, report_group
from pooledledger.cli.in_year import quarterly as quarterly  # the subcommand, as before
from pooledledger.cli.journal_uploads import journals
from pooledledger.cli.options import NOTE_POLICIES
from pooledledger.cli.store_commands import (
    amend,
    export,
    history,
    import_file,
    init,
    rebuild,
    reopen,
    signoff,
    verify,
)
from pooledledger.cli.what_if import what_if_command

__all__ = ["EXAMPLES", "NOTE_POLICIES", "PROGRESS_FROM_ROWS", "main"]

#: The command objects keep the names they had when the command line was one module.
report = report_group


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
    give_back_freed_memory()


for _command in (
    check,
    close,
    report_group,
    balances,
    what_if_command,
    journals,
    schema,
    demo,
    init,
    amend,
    import_file,
    history,
    verify,
    export,
    signoff,
    reopen,
    rebuild,
):
    main.add_command(_command)
