"""The issues a ledger reader collects while it reads rows (layer L5).

:class:`IssueLog` holds the coded issues of one read (docs/csv-import.md#issue-codes),
each with its file, line, column and field, and counts the errors among them, so
the reader imports nothing once any row has one.  :class:`RowNotes` counts the
rows that are reported once per column rather than once each: cells a row does
not use (``PL-CSV-039``, docs/csv-import.md#cells-a-row-does-not-use) and rows a
column map skips (``PL-CSV-040``).  :func:`sorted_issues` puts a read's issues in
file and line order, and :func:`locate` names the file and line of an issue
found later by the ledger checks.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping
from itertools import repeat
from typing import Any

from pooledledger.core.errors import Issue, Location, Severity

__all__ = ["IssueLog", "RowNotes", "locate", "sorted_issues"]

_Key = tuple[str, str, str]


class IssueLog:
    """The issues found so far, and how many of them are errors."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []
        self.errors = 0

    def error(
        self,
        code: str,
        message: str,
        file: str | None,
        line: int | None,
        column: str | None,
        *,
        field_name: str | None = None,
        entry_id: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        """Add one issue (an error unless ``severity`` says otherwise)."""
        if severity is Severity.ERROR:
            self.errors += 1
        self.issues.append(
            Issue(
                code=code,
                severity=severity,
                message=message,
                location=Location(
                    file=file, row=line, column=column, field=field_name, entry_id=entry_id
                ),
            )
        )


def _note(lines: dict[_Key, list[int]], counts: dict[_Key, int], key: _Key, line: int) -> None:
    """Count one occurrence for a summary issue, keeping the first few lines."""
    counts[key] = counts.get(key, 0) + 1
    first = lines.setdefault(key, [])
    if len(first) < 5:
        first.append(line)


class RowNotes:
    """Rows reported in one summary issue each: ignored cells and skipped rows."""

    def __init__(self) -> None:
        # cells ignored because their kind does not use them: (file, header, kind) -> lines
        self._ignored: dict[_Key, list[int]] = {}
        self._ignored_count: dict[_Key, int] = {}
        # rows skipped by a value map: (file, column, code) -> lines
        self._skipped: dict[_Key, list[int]] = {}
        self._skipped_count: dict[_Key, int] = {}

    def ignored(self, file: str, header: str, kind: str, line: int) -> None:
        """A cell in column ``header`` that a ``kind`` row does not use, ignored."""
        _note(self._ignored, self._ignored_count, (file, header, kind), line)

    def skipped(self, file: str, column: str, code: str, line: int) -> None:
        """A row whose entry-type ``code`` the column map skips."""
        _note(self._skipped, self._skipped_count, (file, column, code), line)

    def report(self, log: IssueLog) -> None:
        """One issue per column and kind for ignored cells, per code for skipped rows."""
        for (file, header, kind), lines in self._ignored.items():
            n = self._ignored_count[(file, header, kind)]
            log.error(
                "PL-CSV-039",
                f"{n} {kind} row(s) have a value in column {header!r}, which {kind} rows do "
                f"not use; ignored (first at line(s) {', '.join(map(str, lines))})",
                file,
                lines[0],
                header,
                severity=Severity.WARNING,
            )
        for (file, column, code), lines in self._skipped.items():
            n = self._skipped_count[(file, column, code)]
            log.error(
                "PL-CSV-040",
                f"{n} row(s) with {column!r} code {code!r} skipped, as the column map's "
                f"[values.entry] says (first at line(s) {', '.join(map(str, lines))})",
                file,
                lines[0],
                column,
                severity=Severity.INFO,
            )
        self._ignored.clear()
        self._skipped.clear()


def sorted_issues(issues: list[Issue]) -> list[Issue]:
    """By file (in order of first appearance), then line; stable otherwise."""
    files: dict[str | None, int] = {}
    for i in issues:
        files.setdefault(i.location.file, len(files))
    return sorted(issues, key=lambda i: (files[i.location.file], i.location.row or 0))


def locate(issue: Issue, where: Mapping[str, tuple[str, int]]) -> Issue:
    """``issue`` with the file and line of its entry, if the entry was read here."""
    place = where.get(issue.location.entry_id or "")
    if place is None:
        return issue
    return issue.model_copy(
        update={"location": issue.location.model_copy(update={"file": place[0], "row": place[1]})}
    )


#: Look-ups of held lines answered by a search before an index of them is made.
_SEARCHES = 64


class Places(MutableMapping[str, tuple[str, int]]):
    """Where each entry read was: id -> (file, line).

    The lines a columnar reader keeps (:mod:`pooledledger.io.csv_columns`) are held
    as two polars columns, ids and lines, not as a million tuples: a look-up of one
    of them searches the column (a few issues name such lines), and a dict of them is
    made only once many look-ups have been asked for (docs/benchmarks.md).
    """

    def __init__(self) -> None:
        self._known: dict[str, tuple[str, int]] = {}
        self._held: list[tuple[str, Any, Any]] = []  # (file, ids, lines): polars Series
        self._index: dict[str, tuple[str, int]] | None = None
        self._searches = 0

    def hold(self, file: str, ids: Any, lines: Any) -> None:
        """Note the lines of ``ids`` (a polars String Series) at ``lines`` (Int64)."""
        self._held.append((file, ids, lines))
        self._index = None

    def __getitem__(self, key: str) -> tuple[str, int]:
        found = self._known.get(key)
        if found is not None or not self._held:
            if found is None:
                raise KeyError(key)
            return found
        if self._index is None and self._searches >= _SEARCHES:
            self._index = {}
            for file, ids, lines in self._held:
                places = zip(repeat(file), lines.to_list())
                self._index.update(zip(ids.to_list(), places, strict=True))
        if self._index is not None:
            return self._index[key]
        self._searches += 1
        for file, ids, lines in self._held:
            hits = (ids == key).arg_true()
            if len(hits):
                return file, int(lines[hits[0]])
        raise KeyError(key)

    def __setitem__(self, key: str, value: tuple[str, int]) -> None:
        self._known[key] = value

    def __delitem__(self, key: str) -> None:
        del self._known[key]

    def __iter__(self) -> Iterator[str]:
        yield from self._known
        for _, ids, _ in self._held:
            yield from ids

    def __len__(self) -> int:
        return len(self._known) + sum(len(ids) for _, ids, _ in self._held)

    def update_new(self, pairs: Iterable[tuple[str, tuple[str, int]]]) -> None:
        """Add ``pairs`` (each id not yet here), as ``dict.update``."""
        self._known.update(pairs)

    def isdisjoint(self, ids: Collection[str]) -> bool:
        """True if none of ``ids`` is here."""
        if not self._known.keys().isdisjoint(ids):
            return False
        if not self._held or not ids:
            return True
        import polars as pl

        wanted = pl.Series(list(ids), dtype=pl.String)
        return not any(wanted.is_in(held).any() for _, held, _ in self._held)
