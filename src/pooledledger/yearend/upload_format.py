"""Journal upload files as rows of text: the header, each line's cells in the
layout's order and formats, the balance check, and reading such rows back
(docs/journal-uploads.md).

Nothing here reads or writes files (see :mod:`pooledledger.io.upload_files`);
:mod:`pooledledger.yearend.uploads` re-exports every name here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from decimal import Decimal, InvalidOperation

from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.money import pence_to_decimal
from pooledledger.yearend.upload_models import UploadError, UploadLayout, UploadLine

__all__ = ["balance_issues", "headers", "parse_upload_rows", "upload_rows"]

#: UploadLine fields an upload column may show as they are.
_PLAIN_FIELDS = ("partner", "ref", "account_key", "scheme", "counterparty")


def headers(layout: UploadLayout, segments: Sequence[str]) -> list[str]:
    """The header row of ``layout`` for a partner with these segments."""
    out: list[str] = []
    for c in layout.columns:
        if c.field == "segments":
            out += list(segments)
        else:
            out.append(c.header)
    return out


def _amount(pence: int) -> str:
    return format(pence_to_decimal(pence), "f")


def balance_issues(lines: Iterable[UploadLine], where: str) -> list[Issue]:
    """``PL-JUP-009`` for each journal id whose debits and credits differ (I-4)."""
    totals: dict[str, list[int]] = {}
    for x in lines:
        t = totals.setdefault(x.journal_id, [0, 0])
        t[0] += x.debit
        t[1] += x.credit
    return [
        Issue(
            code="PL-JUP-009",
            severity=Severity.ERROR,
            message=f"journal {jid} does not balance: debits {_amount(d)}, credits {_amount(c)}",
            location=Location(file=where),
        )
        for jid, (d, c) in totals.items()
        if d != c
    ]


def upload_rows(
    lines: Sequence[UploadLine], layout: UploadLayout, segments: Sequence[str]
) -> list[list[str]]:
    """The upload file's rows (header first, if the layout has headers), as text.

    Raises :class:`UploadError` if a journal does not balance: such a file is
    never written.
    """
    problems = balance_issues(lines, "upload")
    if problems:
        raise UploadError("; ".join(i.message for i in problems))
    rows = [headers(layout, segments)]
    for n, x in enumerate(lines, 1):
        row: list[str] = []
        for c in layout.columns:
            if c.text is not None:
                row.append(c.text)
                continue
            f = c.field or ""
            if f == "segments":
                row += [x.segments.get(s, "") for s in segments]
            elif f.startswith("segment:"):
                row.append(x.segments.get(f.removeprefix("segment:"), ""))
            else:
                row.append(_cell(f, x, n, layout))
        rows.append(row)
    return rows


def _cell(f: str, x: UploadLine, n: int, layout: UploadLayout) -> str:
    blank = "" if layout.blank_zero else "0.00"
    signed = x.debit - x.credit
    if layout.amount_sign == "credit_positive":
        signed = -signed
    value: str
    match f:
        case "journal_id":
            value = x.journal_id
        case "period_name":
            value = x.period_name
        case "accounting_date":
            value = x.accounting_date.strftime(layout.date_format)
        case "debit":
            value = _amount(x.debit) if x.debit else blank
        case "credit":
            value = _amount(x.credit) if x.credit else blank
        case "amount":
            value = _amount(signed)
        case "magnitude":
            value = _amount(x.debit or x.credit)
        case "side":
            value = layout.debit_code if x.debit else layout.credit_code
        case "description":
            value = x.description
        case "reference":
            value = x.reference
        case "line":
            value = str(n)
        case "currency":
            value = "GBP"
        case _:  # partner, ref, account_key, scheme, counterparty
            value = str(getattr(x, f))
    return value


def parse_upload_rows(
    rows: Sequence[Sequence[str]], layout: UploadLayout, segments: Sequence[str], where: str
) -> tuple[list[UploadLine], list[Issue]]:
    """Read an upload file's rows (header first) back into lines; ``PL-JUP-010`` issues."""
    issues: list[Issue] = []

    def bad(row: int, message: str) -> None:
        issues.append(
            Issue(
                code="PL-JUP-010",
                severity=Severity.ERROR,
                message=message,
                location=Location(file=where, row=row),
            )
        )

    want = headers(layout, segments)
    if not rows or [h.strip() for h in rows[0]] != want:
        bad(1, f"the header is not the layout's ({', '.join(want)})")
        return [], issues
    pos, seg_pos = _positions(layout, segments, want)
    out: list[UploadLine] = []
    for r, cells in enumerate(rows[1:], 2):
        if len(cells) != len(want):
            bad(r, f"the row has {len(cells)} cells, the header {len(want)}")
            continue

        def get(field: str, cells: Sequence[str] = cells) -> str:
            return cells[pos[field]].strip() if field in pos else ""

        try:
            debit, credit = _sides(get, layout)
            when = datetime.strptime(get("accounting_date"), layout.date_format).date()
        except (ValueError, InvalidOperation) as exc:
            bad(r, str(exc))
            continue
        out.append(
            UploadLine(
                journal_id=get("journal_id"),
                period_name=get("period_name"),
                accounting_date=when,
                segments={s: cells[i].strip() for s, i in seg_pos.items()},
                debit=debit,
                credit=credit,
                description=get("description"),
                reference=get("reference"),
                **{f: get(f) for f in _PLAIN_FIELDS},
            )
        )
    return out, issues


def _positions(
    layout: UploadLayout, segments: Sequence[str], want: Sequence[str]
) -> tuple[dict[str, int], dict[str, int]]:
    """The column of each field, and of each segment, in the layout's rows."""
    index = {h: i for i, h in enumerate(want)}
    pos: dict[str, int] = {}
    seg_pos: dict[str, int] = {s: index[s] for s in segments if s in index}
    col = 0
    for c in layout.columns:
        if c.field == "segments":
            col += len(segments)
            continue
        if c.field is not None and c.field.startswith("segment:"):
            seg_pos[c.field.removeprefix("segment:")] = col
        elif c.field is not None:
            pos.setdefault(c.field, col)
        col += 1
    return pos, seg_pos


def _pence(text: str) -> int:
    if not text:
        return 0
    value = Decimal(text)
    if not value.is_finite() or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{text!r} is not an amount in pounds and pence")
    return int(value * 100)


def _sides(g: Callable[[str], str], layout: UploadLayout) -> tuple[int, int]:
    """Debit and credit pence from a row's debit/credit, amount or magnitude/side cells."""
    debit, credit = _pence(g("debit")), _pence(g("credit"))
    if debit or credit:
        if debit < 0 or credit < 0:
            raise ValueError("a debit or credit is negative")
        return debit, credit
    signed = _pence(g("amount"))
    if signed:
        if layout.amount_sign == "credit_positive":
            signed = -signed
        return (signed, 0) if signed > 0 else (0, -signed)
    magnitude = _pence(g("magnitude"))
    side = g("side").casefold()
    if side == layout.debit_code.casefold():
        return magnitude, 0
    if side == layout.credit_code.casefold():
        return 0, magnitude
    raise ValueError("the row has no amount")
