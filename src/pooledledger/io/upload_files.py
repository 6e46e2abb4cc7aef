"""Journal upload files: mapping and layout files in, each partner's upload out (layer L5).

docs/journal-uploads.md describes the files.  In short:

* a **journal mapping** (TOML, or JSON if named ``.json``) gives each partner's
  chart-of-accounts segments per account key and scheme
  (:class:`~pooledledger.yearend.uploads.JournalMapping`);
* an **upload layout** (TOML/JSON) gives a finance system's upload columns and
  formats (:class:`~pooledledger.yearend.uploads.UploadLayout`); without one the generic
  layout is used;
* :func:`write_journal_uploads` writes one file per mapped partner, each journal
  checked to balance before anything is written, and nothing written if any
  line cannot be mapped;
* :func:`read_journal_upload` reads such a file back (for checks and tests).

Problems come back as ``PL-JUP`` issues (docs/issue-codes.md).
"""

from __future__ import annotations

import csv
import io
import os
import tomllib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from pooledledger.core.errors import Issue, IssueError, Location, Severity, has_errors
from pooledledger.io.agreement_files import loads_json, parse_failure
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId
from pooledledger.yearend.close import YearEndClose
from pooledledger.yearend.uploads import (
    GENERIC_LAYOUT,
    JournalMapping,
    UploadLayout,
    UploadLine,
    balance_issues,
    check_mapping,
    parse_upload_rows,
    upload_lines,
    upload_rows,
)

__all__ = [
    "journal_mapping_json_schema",
    "load_journal_mapping",
    "load_upload_layout",
    "read_journal_mapping",
    "read_journal_upload",
    "read_upload_layout",
    "upload_layout_json_schema",
    "write_journal_uploads",
]


M = TypeVar("M", bound=BaseModel)


def _read_model(
    model: type[M], source: str | os.PathLike[str], code: str, what: str
) -> tuple[M | None, list[Issue]]:
    path = Path(source)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        data: Any = loads_json(text) if path.suffix.lower() == ".json" else tomllib.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, [
            Issue(
                code=code,
                severity=Severity.ERROR,
                message=f"cannot read the {what}: {parse_failure(exc)}",
                location=Location(file=file),
            )
        ]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, [
            Issue(
                code=code,
                severity=Severity.ERROR,
                message=f"not a valid {what}: {e['msg']}",
                location=Location(file=file, field=".".join(str(x) for x in e["loc"]) or None),
            )
            for e in exc.errors(include_url=False)
        ]


def read_journal_mapping(
    source: str | os.PathLike[str], agreement: Agreement | None = None
) -> tuple[JournalMapping | None, list[Issue]]:
    """Read a journal mapping file; with ``agreement``, check it against it too.

    Never raises on bad data: ``(None, issues)`` if any issue is an error
    (``PL-JUP-001`` unreadable or invalid; ``PL-JUP-002``-``004`` from
    :func:`~pooledledger.yearend.uploads.check_mapping`).
    """
    mapping, issues = _read_model(JournalMapping, source, "PL-JUP-001", "journal mapping")
    if mapping is not None and agreement is not None:
        found = check_mapping(mapping, agreement)
        issues += [
            i.model_copy(update={"location": i.location.model_copy(update={"file": str(source)})})
            for i in found
        ]
    return (None if has_errors(issues) else mapping), issues


def load_journal_mapping(
    source: str | os.PathLike[str], agreement: Agreement | None = None
) -> JournalMapping:
    """As :func:`read_journal_mapping`, raising :class:`~pooledledger.core.errors.IssueError`."""
    mapping, issues = read_journal_mapping(source, agreement)
    if mapping is None:
        raise IssueError(issues, what=f"journal mapping {source}")
    return mapping


def read_upload_layout(source: str | os.PathLike[str]) -> tuple[UploadLayout | None, list[Issue]]:
    """Read an upload layout file; ``PL-JUP-008`` if it cannot be read or is invalid."""
    return _read_model(UploadLayout, source, "PL-JUP-008", "upload layout")


def load_upload_layout(source: str | os.PathLike[str]) -> UploadLayout:
    """As :func:`read_upload_layout`, raising :class:`~pooledledger.core.errors.IssueError`."""
    layout, issues = read_upload_layout(source)
    if layout is None:
        raise IssueError(issues, what=f"upload layout {source}")
    return layout


def journal_mapping_json_schema() -> dict[str, Any]:
    """The JSON Schema of a journal mapping file."""
    return JournalMapping.model_json_schema()


def upload_layout_json_schema() -> dict[str, Any]:
    """The JSON Schema of an upload layout file."""
    return UploadLayout.model_json_schema()


def _csv_text(rows: list[list[str]], delimiter: str) -> str:
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue()


def write_journal_uploads(
    close: YearEndClose,
    agreement: Agreement,
    mapping: JournalMapping,
    folder: str | os.PathLike[str],
    layout: UploadLayout = GENERIC_LAYOUT,
) -> tuple[dict[PartnerId, Path], list[Issue]]:
    """Write each mapped partner's upload of its year-end journal into ``folder``.

    Partners the mapping does not name are skipped with a ``PL-JUP-007`` warning.
    Every line of every mapped partner is checked first: if any cannot be mapped
    (``PL-JUP-005``, ``PL-JUP-006``) nothing is written.  Each journal is checked
    to balance (``PL-JUP-009``) before its file is written.  Returns each
    partner's file written and the issues.
    """
    issues = check_mapping(mapping, agreement)
    planned: list[tuple[PartnerId, Path, str]] = []
    where = Path(folder)
    for partner, journal in close.journals.items():
        pm = mapping.partners.get(partner)
        if pm is None:
            issues.append(
                Issue(
                    code="PL-JUP-007",
                    severity=Severity.WARNING,
                    message=f"the mapping has no partner {partner!r}: no upload file for it",
                    location=Location(field=f"partners.{partner}"),
                )
            )
            continue
        lines, found = upload_lines(journal, mapping, agreement, close.year, layout)
        issues += found
        if found:
            continue
        name = layout.file_name.format_map(
            {"partner": partner, "fy": str(close.year), "agreement": agreement.id}
        )
        path = where / name
        issues += balance_issues(lines, str(path))
        if has_errors(issues):
            continue
        rows = upload_rows(lines, layout, pm.segments)
        planned.append((partner, path, _csv_text(rows, layout.delimiter)))
    if has_errors(issues):
        return {}, issues
    where.mkdir(parents=True, exist_ok=True)
    for _, path, text in planned:
        path.write_text(text, encoding="utf-8", newline="")
    return {partner: path for partner, path, _ in planned}, issues


def read_journal_upload(
    source: str | os.PathLike[str],
    layout: UploadLayout,
    segments: tuple[str, ...] | list[str],
) -> tuple[list[UploadLine], list[Issue]]:
    """Read an upload file written with ``layout`` for a partner with ``segments``.

    Returns its lines and issues (``PL-JUP-010`` a malformed file or row,
    ``PL-JUP-009`` a journal that does not balance).
    """
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=layout.delimiter))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return [], [
            Issue(
                code="PL-JUP-010",
                severity=Severity.ERROR,
                message=f"cannot read the upload file: {exc}",
                location=Location(file=str(path)),
            )
        ]
    lines, issues = parse_upload_rows(rows, layout, list(segments), str(path))
    return lines, issues + balance_issues(lines, str(path))
