"""What the pool store's commands return: imports, closes, reopenings, sign-offs,
the trail's events and a verification report (docs/store.md)."""

from __future__ import annotations

from dataclasses import dataclass

from pooledledger.books.ledger import Ledger
from pooledledger.books.riskshare import BoardRuling
from pooledledger.core.errors import Issue
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import SchemeId
from pooledledger.yearend.close import YearEndClose

__all__ = [
    "HistoryEvent",
    "ImportResult",
    "Reopening",
    "SignOff",
    "StoredClose",
    "VerifyReport",
]


@dataclass(frozen=True)
class ImportResult:
    """What an import added: its batch, the entries added, reversed and kept, warnings."""

    batch: int
    source: str
    sha256: str
    added: tuple[str, ...]
    reversed: tuple[str, ...]
    kept: tuple[str, ...]
    warnings: tuple[Issue, ...]


@dataclass(frozen=True)
class StoredClose:
    """A close held by the store, with the inputs it was made from.

    ``already_closed`` is true when the year was closed before this call and the
    stored close is returned unchanged.  ``ledger`` holds the entries the close was
    made from; ``entries`` are the ids the close added to the store.
    """

    id: int
    year: FinancialYear
    agreement_version: int
    agreement: Agreement
    ledger: Ledger
    result: YearEndClose
    rulings: dict[SchemeId, BoardRuling]
    by: str
    at: str
    entries: tuple[str, ...]
    already_closed: bool


@dataclass(frozen=True)
class Reopening:
    """A close reopened: the reversal entries added and why."""

    id: int
    year: FinancialYear
    close: int
    reason: str
    unlock: bool
    entries: tuple[str, ...]


@dataclass(frozen=True)
class SignOff:
    """Who approved a close, and the audit trail's head hash when they did."""

    id: int
    year: FinancialYear
    close: int
    by: str
    at: str
    head_hash: str


@dataclass(frozen=True)
class HistoryEvent:
    """One event of the audit trail, with a one-line summary."""

    seq: int
    at: str
    kind: str
    actor: str
    summary: str
    hash: str


@dataclass(frozen=True)
class VerifyReport:
    """What :meth:`PoolStore.verify` found: ``issues`` is empty when all is well."""

    events: int
    closes: int
    head: str
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return not self.issues
