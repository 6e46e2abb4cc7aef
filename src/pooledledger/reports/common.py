"""What the year-end reports share: :class:`ReportError` and how a report is given its close.

A close carries the agreement it was made under (``YearEndClose.agreement_terms``,
docs/year-end.md#what-the-result-holds), so a report needs only the close:
``partner_statements(close)``, ``pooled_budget_note(close)``,
``memorandum_account(ledger, close)``.  The older calls that name the agreement
first still work (deprecated); they check that the close is for that agreement,
as they always did (docs/reports.md).
"""

from __future__ import annotations

from pooledledger.core.errors import PooledLedgerError
from pooledledger.model.agreement import Agreement
from pooledledger.yearend.close import YearEndClose

__all__ = ["ReportError", "agreement_and_close"]


class ReportError(PooledLedgerError, ValueError):
    """A report was asked for inconsistent or impossible inputs (API misuse)."""


def agreement_and_close(
    args: tuple[object, ...], report: str
) -> tuple[Agreement, YearEndClose, tuple[object, ...]]:
    """The agreement and close of ``report(close, ...)`` or of the older
    ``report(agreement, close, ...)``, and the arguments after them.

    The older form raises :class:`ReportError` when the close is for another agreement.
    """
    if args and isinstance(args[0], YearEndClose):
        return args[0].agreement_terms, args[0], args[1:]
    if len(args) >= 2 and isinstance(args[0], Agreement) and isinstance(args[1], YearEndClose):
        agreement, close = args[0], args[1]
        if close.agreement != agreement.id:
            raise ReportError(
                f"the close is for agreement {close.agreement!r}, not {agreement.id!r}"
            )
        return agreement, close, args[2:]
    raise TypeError(f"{report}() takes a YearEndClose (or, deprecated, an Agreement and its close)")
