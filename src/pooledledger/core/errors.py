"""Problems in user data (``Issue``) and misuse of the API (``PooledLedgerError``).

Two kinds of trouble, kept apart:

* Problems in the data a user gives us (an agreement file, a ledger CSV) are
  *returned* as :class:`Issue` values.  Each has a stable code such as
  ``PL-AGR-003``, a severity, a message a finance officer can act on, and where
  the problem is: file, row, column, field path or entry id.  A loader reports
  every problem it finds, not only the first, and imports nothing when any of
  them is an error.
* Misuse of the API (a float passed as money, weights that are all zero) *raises*
  a :class:`PooledLedgerError` subclass that also subclasses the matching
  built-in (``ValueError`` or ``TypeError``), so ``except ValueError`` still works.

The catalogue of codes lives in :data:`ISSUE_CODES`; docs/issue-codes.md
lists them for users.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

__all__ = [
    "ISSUE_CODES",
    "AllocationError",
    "CurrencyMismatchError",
    "Issue",
    "IssueError",
    "Location",
    "MoneyError",
    "PeriodError",
    "PooledLedgerError",
    "Severity",
    "has_errors",
    "summarise_issues",
]


class PooledLedgerError(Exception):
    """Base class of every exception pooledledger raises on API misuse."""


class MoneyError(PooledLedgerError, ValueError):
    """An amount that is not exact money: a float, NaN, sub-penny or malformed text."""


class CurrencyMismatchError(MoneyError):
    """Amounts in different currencies were combined, or a non-GBP amount was given."""


class AllocationError(PooledLedgerError, ValueError):
    """An allocation that cannot be made, e.g. all weights zero or a negative weight."""


class PeriodError(PooledLedgerError, ValueError):
    """A financial year, period, date schedule or working-day request that is not valid."""


class Severity(StrEnum):
    """How bad an issue is. ERROR blocks an import or a close; WARNING does not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Location(BaseModel):
    """Where a problem is. Every part is optional; fill in what is known."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    file: str | None = None
    row: int | None = None
    column: str | None = None
    field: str | None = None
    entry_id: str | None = None

    def __str__(self) -> str:
        parts: list[str] = []
        if self.file is not None:
            parts.append(self.file)
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column is not None:
            parts.append(f"column {self.column!r}")
        if self.field is not None:
            parts.append(self.field)
        if self.entry_id is not None:
            parts.append(f"entry {self.entry_id!r}")
        return ", ".join(parts) if parts else "(no location)"


class Issue(BaseModel):
    """One problem found in user data, with a stable code and a location."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: str
    severity: Severity
    message: str
    location: Location = Location()

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"{self.code} {self.severity.value}: {self.location}: {self.message}"


class IssueError(PooledLedgerError, ValueError):
    """Raised by strict entry points (``load_agreement`` and friends) when data has errors.

    ``issues`` holds every issue found, not just the first.
    """

    def __init__(self, issues: Iterable[Issue], what: str = "input") -> None:
        self.issues: tuple[Issue, ...] = tuple(issues)
        errors = [i for i in self.issues if i.is_error]
        lines = "\n".join(f"  {i}" for i in summarise_issues(self.issues))
        super().__init__(f"{what} has {len(errors)} error(s):\n{lines}")


#: How many issues of one code :func:`summarise_issues` lists before it summarises.
SUMMARY_KEEP = 3


def summarise_issues(issues: Iterable[Issue], keep: int = SUMMARY_KEEP) -> list[Issue]:
    """``issues`` with each code's repeats after the first ``keep`` folded into one issue.

    The summary issue has the code and severity of the ones it stands for, the
    location of the first one left out, and a message giving the count and the
    first rows (or entries) not listed.  Codes that occur ``keep + 1`` times or
    fewer are kept whole, so a summary always saves at least two lines.  Order is
    kept: a code's summary follows its last listed issue.  The full list stays
    where it came from (``IssueError.issues``, a reader's returned list, or
    ``--all-issues`` on the command line).
    """
    items = list(issues)
    keep = max(keep, 1)
    by_code: dict[tuple[str, Severity], list[int]] = {}
    for n, issue in enumerate(items):
        by_code.setdefault((issue.code, issue.severity), []).append(n)
    out: list[Issue] = []
    for n, issue in enumerate(items):
        positions = by_code[(issue.code, issue.severity)]
        if len(positions) <= keep + 1:
            out.append(issue)
            continue
        index = positions.index(n)
        if index < keep:
            out.append(issue)
        if index == keep - 1:
            rest = [items[i] for i in positions[keep:]]
            where = [
                str(i.location.row)
                if i.location.row is not None
                else repr(i.location.entry_id or i.location.field or "")
                for i in rest[:5]
            ]
            what = "rows" if rest[0].location.row is not None else "at"
            more = ", …" if len(rest) > 5 else ""
            out.append(
                Issue(
                    code=issue.code,
                    severity=issue.severity,
                    message=f"{len(positions)} {issue.code} issues in all; {len(rest)} more "
                    f"like those above not listed ({what} {', '.join(where)}{more})",
                    location=Location(file=rest[0].location.file),
                )
            )
    return out


def has_errors(issues: Iterable[Issue]) -> bool:
    """True if any of ``issues`` is an error (warnings and info do not count)."""
    return any(i.is_error for i in issues)


#: Every issue code pooledledger emits, with a one-line meaning.
ISSUE_CODES: dict[str, str] = {
    # agreement files and models
    "PL-AGR-001": "the file could not be read or parsed (syntax error, unknown format)",
    "PL-AGR-002": "a field is missing, has the wrong type or an invalid value",
    "PL-AGR-003": "the host partner is not one of the partners",
    "PL-AGR-004": "two partners, schemes or contributions share an id",
    "PL-AGR-005": "a contribution names an unknown scheme",
    "PL-AGR-006": "a contribution names an unknown partner",
    "PL-AGR-007": "fixed percentage shares do not sum to exactly 100%",
    "PL-AGR-008": "a cap, underwriter or named partner of a risk-share rule is not in the scheme",
    "PL-AGR-009": "a scheme has no contributor",
    "PL-AGR-010": "the legal basis does not allow these kinds of partner",
    "PL-AGR-011": "a date lies outside the agreement's term",
    "PL-AGR-012": "a partner named by the agreement (lead commissioner, owner) is unknown",
    "PL-AGR-013": "the offset order names an unknown scheme, or offsetting is not allowed",
    "PL-AGR-014": "a financial year of the agreement lies outside its term",
    "PL-AGR-015": "the risk pool is inconsistent (contributors, amounts)",
    "PL-AGR-016": "a risk-share rule lists a partner twice, or its lists cannot be applied "
    "(commissioned amounts all zero, a bearer also fixed, every underwriter capped)",
    "PL-AGR-017": "an underspend rule is inconsistent: REDEPLOY without a known target "
    "scheme, a target without REDEPLOY, or redeploying a ring-fenced scheme",
    "PL-AGR-018": "a contribution is negative (only a VARIATION may reduce one) or a "
    "partner's year total for a scheme is negative",
    "PL-AGR-019": "a contribution's effective date lies outside its own financial year",
    "PL-AGR-020": "a partner's VAT regime or DHSC-group flag is unusual for its kind (warning)",
    "PL-AGR-021": "the host is the AGENT of a scheme it also contributes to (warning)",
    "PL-AGR-023": "a partner, scheme or risk pool is called TOTAL, which reports use for "
    "their total rows",
    "PL-AGR-024": "a date or day count of the agreement is out of range (dates in 1990-91 to "
    "2099-00, notice period 0 to 260 working days)",
    # ledgers
    "PL-LED-001": "an entry names a scheme the agreement does not have",
    "PL-LED-002": "an entry names a partner the agreement does not have",
    "PL-LED-003": "a pool line is dated outside the agreement's term",
    "PL-LED-004": "a contribution or instalment is dated outside its financial year "
    "(an instalment may be paid after 31 March, never before its year starts)",
    "PL-LED-005": "spending in a category the scheme does not permit (I-9)",
    "PL-LED-006": "spending by a partner beyond its own contribution to a protected scheme "
    "without an agreement reference (I-8)",
    "PL-LED-007": "a capital item with no owner (I-11)",
    "PL-LED-008": "instalments do not sum to the approved annual contribution (I-14)",
    "PL-LED-009": "a non-host partner contributes but no instalments are recorded (warning)",
    "PL-LED-010": "a scheme has no usable contributions; charged to its lead commissioner",
    "PL-LED-011": "a date or financial year lies outside the supported range (financial "
    "years 1900-01 to 2199-00)",
    "PL-LED-012": "income is entered as a negative amount, a credit (warning)",
    "PL-LED-013": "VAT is negative on a positive net amount (warning)",
    "PL-LED-014": "a partner's approved contributions to a scheme for a year add up to a "
    "negative amount",
    # ledger files
    "PL-LED-101": "the ledger file cannot be read or parsed",
    "PL-LED-102": "a ledger entry is malformed (named by its row and field)",
    "PL-LED-103": "the entries cannot form a ledger (an id reused, a bad reversal)",
    # ledger CSV and Excel files (io/csv_files.py, io/excel_files.py)
    "PL-CSV-001": "the CSV file or workbook cannot be read (missing, unreadable, not .xlsx)",
    "PL-CSV-002": "the CSV file is not UTF-8 text",
    "PL-CSV-003": "the file or sheet has no header row",
    "PL-CSV-004": "a column name appears twice in the header",
    "PL-CSV-005": "a needed column is missing from the header (id, entry, a mapped or "
    "required column)",
    "PL-CSV-006": "a column is not a ledger field and is ignored (warning)",
    "PL-CSV-007": "the CSV is malformed (an unclosed quote, a NUL byte)",
    "PL-CSV-008": "a column map file cannot be read or is not a valid column map",
    "PL-CSV-009": "a column with no header name holds values",
    "PL-CSV-010": "a row has a different number of cells from the header",
    "PL-CSV-011": "a row names an unknown entry kind",
    "PL-CSV-012": "a row gives no entry kind",
    "PL-CSV-013": "a required value is missing",
    "PL-CSV-014": "a value is given in a column this kind of entry does not use",
    "PL-CSV-015": "an amount is not an amount in pounds",
    "PL-CSV-016": "an amount has a fraction of a penny",
    "PL-CSV-017": "an amount is written as a floating-point number (exponent, NaN, infinity)",
    "PL-CSV-018": "a date is not a real date (31/02/2025, month 13)",
    "PL-CSV-019": "a date is in an unsupported or ambiguous form (US order, two-digit year)",
    "PL-CSV-020": "a yes/no value is not one of yes, no, true, false, y, n, 1, 0",
    "PL-CSV-021": "a financial year is not written like 2025-26",
    "PL-CSV-022": "an id (entry, scheme, partner) is not a valid id",
    "PL-CSV-023": "a contribution kind is unknown",
    "PL-CSV-024": "an id is used again with different content",
    "PL-CSV-025": "a row repeats an earlier row exactly; counted once (warning)",
    "PL-CSV-026": "a reversal names an id that is not in the file",
    "PL-CSV-027": "a reversal names an entry that cannot be reversed",
    "PL-CSV-028": "a reversal is dated before the entry it reverses",
    "PL-CSV-029": "a line is reversed more than once",
    "PL-CSV-030": "recoverable VAT does not lie between 0 and the VAT",
    "PL-CSV-031": "an amount is in a currency other than pounds sterling",
    "PL-CSV-032": "a cell holds a spreadsheet error (#N/A, #REF!, #DIV/0!)",
    "PL-CSV-033": "a spreadsheet cell has the wrong type (a date as an amount, a date with a "
    "time of day)",
    "PL-CSV-034": "the workbook has no such sheet, or no sheet with a ledger header",
    "PL-CSV-035": "a sheet without a ledger header was skipped (info)",
    "PL-CSV-036": "an amount is too large to be exact in a spreadsheet (over "
    "£9,999,999,999,999.99)",
    "PL-CSV-037": "a row has an amount in both the debit and the credit column",
    "PL-CSV-038": "a debit/credit indicator cell holds none of the column map's codes",
    "PL-CSV-039": "cells a row's entry kind does not use were ignored (warning; one per column "
    "and kind, with the count and first rows)",
    "PL-CSV-040": "rows whose entry-type code the column map sends to 'skip' were skipped "
    "(info; one per code)",
    "PL-CSV-041": "merged cells in a workbook cover data rows (only the top-left cell holds "
    "the value)",
    "PL-CSV-042": "an optional workbook cell holds a formula with no calculated value",
    "PL-CSV-043": "a cell holds more than 32,767 characters",
    # year-end close
    "PL-CLS-001": "a risk-share rule had no usable weights; the lead commissioner bears the "
    "variance (warning)",
    "PL-CLS-002": "a scheme with net income or a negative net share: income shared by "
    "contributions (warning)",
    "PL-CLS-003": "the year closed has no spending or income lines in the ledger (warning)",
    "PL-CLS-004": "a partner's contributions for the year closed are not all paid by 31 "
    "March: the unpaid instalments are a debtor in the settlement (warning)",
    "PL-CLS-010": "a capital scheme's underspend offsets a revenue scheme's overspend, as the "
    "agreement allows (warning)",
    # termination
    "PL-TRM-001": "the termination date is outside the financial year or the agreement's term",
    "PL-TRM-002": "spending or income lines dated after the termination date are left out of "
    "the close (warning)",
    "PL-TRM-003": "an instalment due after the termination date was paid after it: cancelled, "
    "its cash goes back (warning)",
    # pool store (pooledledger.store, docs/store.md)
    "PL-STO-001": "the store cannot be opened: no such file, or not a pool store",
    "PL-STO-002": "this file (the same SHA-256) was imported already",
    "PL-STO-003": "an entry of the file is already in the store (an overlapping export)",
    "PL-STO-004": "--supersedes names no batch, or a batch superseded already",
    "PL-STO-005": "an import has entries dated in a closed year",
    "PL-STO-006": "an import has entries dated in a signed-off (locked) year",
    "PL-STO-007": "a year cannot close while an earlier year with pool lines is open",
    "PL-STO-008": "the year to close is not a financial year of the stored agreement",
    "PL-STO-009": "the year cannot be reopened: not closed, a later year is closed, or no reason",
    "PL-STO-010": "a signed-off year can be reopened only with an explicit unlock",
    "PL-STO-011": "the year cannot be signed off: not closed, signed off already, or no name",
    "PL-STO-012": "a new agreement version has another id or does not fit the stored ledger",
    "PL-STO-013": "init: a file or a pool store is already there",
    "PL-STO-014": "a superseding file changes or drops a contribution or instalment (only "
    "spending and income lines can be reversed)",
    "PL-STO-020": "verify: the audit trail's hash chain is broken at an event",
    "PL-STO-021": "verify: a stored row differs from the event that wrote it, or has none",
    "PL-STO-022": "verify: a stored close differs from closing its stored inputs again",
    # journals
    "PL-JNL-001": "PRINCIPAL/AGENT presentation for a partner other than the host is shown "
    "as a joint operation (warning)",
    # journal uploads (uploads.py, io/upload_files.py)
    "PL-JUP-001": "a journal mapping file cannot be read or is not a valid mapping",
    "PL-JUP-002": "a journal mapping names an unknown partner or account key",
    "PL-JUP-003": "a journal mapping names a scheme the agreement does not have",
    "PL-JUP-004": "a journal mapping gives a segment not in the partner's segments, or an "
    "unknown {placeholder}",
    "PL-JUP-005": "a journal line's account key and scheme have no mapping",
    "PL-JUP-006": "a journal line's segment has no value",
    "PL-JUP-007": "a partner has no journal mapping, so no upload file is written (warning)",
    "PL-JUP-008": "an upload layout file cannot be read or is not a valid layout",
    "PL-JUP-009": "a journal in an upload does not balance (the file is not written)",
    "PL-JUP-010": "an upload file read back is malformed (header, cells, amounts, dates)",
    "PL-JUP-011": "an upload line's segments map back to no account key, or to several",
    # outputs (io/parquet_out.py)
    "PL-OUT-001": "a whole number (pence, a count) of a table is outside the range of a "
    "Parquet Int64 column, so the table is not written",
}
