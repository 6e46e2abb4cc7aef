"""Reading ledger entry files: TOML or JSON lists of entries (layer L5).

A ledger file holds a list of entries under the key ``entries``; each entry names
its kind in ``entry`` (``contribution``, ``instalment``, ``expenditure``,
``income``, ``reversal``)::

    [[entries]]
    entry = "expenditure"
    id = "INV-0001"
    scheme = "S3"
    date = 2025-04-30
    net = "175000.00"

:func:`read_ledger` never raises on bad data: it returns ``(ledger, issues)``
with every problem found, and ``None`` for the ledger if any is an error, so
nothing is half-imported.  Codes:

* ``PL-LED-101``: the file cannot be read or parsed;
* ``PL-LED-102``: an entry is malformed (one issue per problem, naming the entry
  number in ``row`` (1-based) and the field);
* ``PL-LED-103``: the entries cannot form a ledger (an id reused with different
  content, a bad reversal);
* then every issue of :func:`~pooledledger.yearend.checks.check_ledger`.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pooledledger.books.ledger import Ledger, LedgerError
from pooledledger.core.errors import Issue, IssueError, Location, Severity, has_errors
from pooledledger.io.agreement_files import loads_json, parse_failure, too_large_amounts
from pooledledger.model.agreement import Agreement
from pooledledger.model.entries import Entry
from pooledledger.yearend.checks import check_ledger

__all__ = ["dump_ledger_json", "load_ledger", "read_ledger"]

_ENTRY: TypeAdapter[Entry] = TypeAdapter(Entry)


def _issue(
    code: str, message: str, file: str, row: int | None = None, field: str | None = None
) -> Issue:
    return Issue(
        code=code,
        severity=Severity.ERROR,
        message=message,
        location=Location(file=file, row=row, field=field),
    )


def _path(loc: tuple[int | str, ...]) -> str | None:
    # drop the discriminator tag pydantic puts first (e.g. "expenditure")
    parts = [str(p) for p in loc[1:]] if len(loc) > 1 else [str(p) for p in loc]
    return ".".join(parts) or None


def read_ledger(
    agreement: Agreement,
    source: str | os.PathLike[str],
    *,
    checks: Callable[[Ledger], list[Issue]] = check_ledger,
) -> tuple[Ledger | None, list[Issue]]:
    """Read a TOML or JSON ledger file against ``agreement``; never raises on bad data.

    ``checks`` are the ledger checks run on the entries read (default: all).
    """
    path = Path(source)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is dropped
        data: Any = loads_json(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        # ValueError: bad syntax, a key given twice, a number of over 4,300 digits
        why = parse_failure(exc)
        return None, [_issue("PL-LED-101", f"cannot read the ledger file: {why}", file)]
    raw = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(raw, list):
        return None, [_issue("PL-LED-101", "a ledger file must hold a list named 'entries'", file)]
    entries: list[Entry] = []
    issues: list[Issue] = []
    for row, item in enumerate(raw, 1):
        try:
            entry = _ENTRY.validate_python(item)
        except ValidationError as exc:
            entry_id = item.get("id") if isinstance(item, dict) else None
            for err in exc.errors(include_url=False):
                where = f" (entry {entry_id!r})" if entry_id else ""
                issues.append(
                    _issue("PL-LED-102", f"{err['msg']}{where}", file, row, _path(err["loc"]))
                )
            continue
        for field, message in too_large_amounts(entry):
            issues.append(_issue("PL-LED-102", f"{message} (entry {entry.id!r})", file, row, field))
        entries.append(entry)
    if issues:
        return None, issues
    try:
        # entry-level errors are reported below with their rows, not raised
        ledger = Ledger._derived(agreement, entries, gate=False)
    except LedgerError as exc:
        return None, [_issue("PL-LED-103", str(exc), file)]
    rows = {e.id: row for row, e in enumerate(entries, 1)}
    checked = [
        i.model_copy(
            update={
                "location": i.location.model_copy(
                    update={"file": file, "row": rows.get(i.location.entry_id or "")}
                )
            }
        )
        for i in checks(ledger)
    ]
    return (None if has_errors(checked) else ledger), checked


def load_ledger(agreement: Agreement, source: str | os.PathLike[str]) -> Ledger:
    """Read a ledger file, raising :class:`~pooledledger.core.errors.IssueError` on any error."""
    ledger, issues = read_ledger(agreement, source)
    if ledger is None:
        raise IssueError(issues, what=f"ledger {source}")
    return ledger


def dump_ledger_json(ledger: Ledger) -> str:
    """The ledger's entries as JSON text (``{"entries": [...]}``), canonical order."""
    data = {"entries": [_ENTRY.dump_python(e, mode="json") for e in ledger.entries]}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
