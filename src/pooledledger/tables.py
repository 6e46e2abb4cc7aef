"""Every tidy table of pooledledger in one place (docs/excel-and-dataframes.md).

A facade over the layers that build them: the :class:`Table` type and the
DataFrame conversions (:mod:`pooledledger.core.tables`), the tables of a ledger,
an apportionment and journals (:mod:`pooledledger.books.tables`) and those of a
close (:mod:`pooledledger.yearend.tables`).  No module of the library imports this
one; it is for callers.

==============================  ======================================================
function                        one row per
==============================  ======================================================
:func:`ledger_table`            ledger entry (face amount, VAT, recoverable VAT, pool
                                cost)
:func:`apportionment_table`     pool line × partner share (the pence trail)
:func:`close_table`             scheme × partner × measure (``level == "scheme"``),
                                then partner × measure for partner-level figures
                                (``level == "partner"``); no measure appears at both
                                levels, so summing one measure never double counts
:func:`settlement_table`        partner: balance with the host, held, settlement, due
:func:`journal_table`           journal line of each partner's journal
:func:`issues_table`            issue (code, severity, where, message)
==============================  ======================================================
"""

from __future__ import annotations

from pooledledger.books.tables import (
    APPORTIONMENT_COLUMNS,
    JOURNAL_COLUMNS,
    LEDGER_COLUMNS,
    apportionment_table,
    journal_table,
    ledger_table,
)
from pooledledger.core.tables import (
    CURRENCY,
    ISSUE_COLUMNS,
    Cell,
    Column,
    ColumnKind,
    Row,
    Table,
    issues_table,
    to_pandas,
    to_polars,
)
from pooledledger.yearend.tables import (
    CLOSE_COLUMNS,
    CLOSE_PARTNER_MEASURES,
    CLOSE_SCHEME_MEASURES,
    SETTLEMENT_COLUMNS,
    close_table,
    settlement_table,
)

__all__ = [
    "APPORTIONMENT_COLUMNS",
    "CLOSE_COLUMNS",
    "CLOSE_PARTNER_MEASURES",
    "CLOSE_SCHEME_MEASURES",
    "CURRENCY",
    "ISSUE_COLUMNS",
    "JOURNAL_COLUMNS",
    "LEDGER_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "Cell",
    "Column",
    "ColumnKind",
    "Row",
    "Table",
    "apportionment_table",
    "close_table",
    "issues_table",
    "journal_table",
    "ledger_table",
    "settlement_table",
    "to_pandas",
    "to_polars",
]
