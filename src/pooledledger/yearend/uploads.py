"""Journal uploads: each partner's journals in its own chart of accounts (layer L3).

The close's journals (:class:`~pooledledger.books.journals.Journal`) name pooledledger's
own accounts (``HELD_BY_HOST``, ``EXPENDITURE_SHARE``...).  A partner posts them
in its own ledger under its own codes, so a :class:`JournalMapping` gives, per
partner, the **segments** of its chart of accounts (entity, cost centre, account,
analysis...) for each account key and scheme, and an :class:`UploadLayout` says
how its finance system's journal upload file is laid out (columns, order, date
and sign formats).  docs/journal-uploads.md shows both with worked examples.

:func:`upload_lines` turns one journal into upload lines, checking the mapping
(``PL-JUP`` issues: an account key and scheme with no mapping, a segment left
empty); :func:`upload_rows` formats them as the layout's rows, refusing a file
whose journal does not balance; :func:`parse_upload_rows` reads such rows back.
Nothing here reads or writes files (see :mod:`pooledledger.io.upload_files`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from pooledledger.books.journals import ACCOUNT_LABELS, COUNTERPARTY, Account, Journal, JournalLine
from pooledledger.core._model import FrozenModel
from pooledledger.core.errors import Issue, Location, PooledLedgerError, Severity
from pooledledger.core.money import pence_to_decimal
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId

__all__ = [
    "ANY_SCHEME",
    "GENERIC_LAYOUT",
    "JournalMapping",
    "PartnerMapping",
    "UploadColumn",
    "UploadError",
    "UploadLayout",
    "UploadLine",
    "check_mapping",
    "journal_from_upload",
    "parse_upload_rows",
    "upload_lines",
    "upload_rows",
]

#: The scheme key of a mapping that applies to every scheme (and to lines with none).
ANY_SCHEME = "*"

_Name = Annotated[str, StringConstraints(min_length=1, max_length=100)]
_PLACEHOLDERS = frozenset({"scheme", "counterparty", "partner", "account"})
_FIELD_RE = re.compile(r"\{([^{}:!]*)")


class UploadError(PooledLedgerError, ValueError):
    """An upload that cannot be made as asked (e.g. a layout that cannot show signs)."""


class PartnerMapping(FrozenModel):
    """One partner's chart of accounts for the close's journals.

    * ``segments``: the names of its account segments, in its order, e.g.
      ``["entity", "cost_centre", "account"]``;
    * ``fixed``: segment values for every line (e.g. the entity code);
    * ``accounts``: account key (:class:`~pooledledger.books.journals.Account`) → scheme
      id, or ``"*"`` for every scheme and for lines with no scheme → segment values.
      A scheme's entry is laid over the ``"*"`` entry, which is laid over ``fixed``.

    A value may hold ``{scheme}``, ``{counterparty}``, ``{partner}`` or
    ``{account}``, filled in per line (empty when the line has none).
    """

    segments: tuple[_Name, ...] = Field(min_length=1)
    fixed: dict[str, str] = Field(default_factory=dict)
    accounts: dict[str, dict[str, dict[str, str]]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _known_segments(self) -> PartnerMapping:
        if len(set(self.segments)) != len(self.segments):
            raise ValueError("segments must not repeat a name")
        return self


class JournalMapping(FrozenModel):
    """Per partner (by id), its :class:`PartnerMapping` (a TOML file's ``[partners.ID]``)."""

    partners: dict[PartnerId, PartnerMapping]


_FIELDS = (
    "journal_id",
    "period_name",
    "accounting_date",
    "segments",
    "debit",
    "credit",
    "amount",
    "magnitude",
    "side",
    "description",
    "reference",
    "line",
    "currency",
    "partner",
    "ref",
    "account_key",
    "scheme",
    "counterparty",
)


class UploadColumn(FrozenModel):
    """One column of an upload file: its ``header`` and what it holds.

    ``field`` is one of ``journal_id``, ``period_name``, ``accounting_date``,
    ``segments`` (every segment of the partner's mapping, headed by its name),
    ``segment:NAME`` (one segment), ``debit``, ``credit``, ``amount`` (signed by
    the layout's ``amount_sign``), ``magnitude`` with ``side`` (the layout's debit
    or credit code), ``description``, ``reference``, ``line`` (1, 2, ...),
    ``currency``, ``partner``, ``ref`` (the close's P/H reference), ``account_key``,
    ``scheme``, ``counterparty``; or give ``text``, the same text on every row.
    """

    header: str = ""
    field: str | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _one(self) -> UploadColumn:
        if (self.field is None) == (self.text is None):
            raise ValueError(f"column {self.header!r}: give either a field or a text")
        if self.field is not None:
            name = self.field.removeprefix("segment:")
            if self.field.startswith("segment:") and not name:
                raise ValueError(f"column {self.header!r}: name the segment after 'segment:'")
            if not self.field.startswith("segment:") and self.field not in _FIELDS:
                raise ValueError(
                    f"column {self.header!r}: unknown field {self.field!r}; use "
                    + ", ".join(_FIELDS)
                    + " or segment:NAME"
                )
        if self.field != "segments" and not self.header:
            raise ValueError("a column needs a header")
        return self


class UploadLayout(FrozenModel):
    """How a finance system's journal upload file is laid out.

    * ``columns`` in order (:class:`UploadColumn`);
    * ``date_format``: ``strftime`` format of ``accounting_date`` (default
      ``%d/%m/%Y``: 31/03/2026);
    * ``period_name``, ``journal_id``, ``description``, ``reference``: templates
      filled from ``{agreement}``, ``{fy}`` (2025-26), ``{fy_start}``, ``{fy_end}``,
      ``{period}`` (1-12 of the financial year), ``{date}`` (the accounting date,
      e.g. ``{date:%b-%y}`` → ``Mar-26``), ``{partner}``; descriptions and
      references also ``{ref}``, ``{label}``, ``{account}``, ``{scheme}``,
      ``{counterparty}``, ``{memo}``, ``{line}``;
    * ``amount_sign``: for an ``amount`` column, whether debits are positive;
    * ``debit_code``/``credit_code``: for a ``side`` column;
    * ``blank_zero``: leave the empty side of a debit/credit pair blank (else
      ``0.00``); ``delimiter``: ``,`` (or a tab ``\\t``, ``;``, ``|``);
    * ``file_name``: the file for one partner, from ``{partner}``, ``{fy}``...
    """

    name: str = "generic"
    columns: tuple[UploadColumn, ...] = Field(min_length=1)
    date_format: str = "%d/%m/%Y"
    period_name: str = "{fy} M{period:02d}"
    journal_id: str = "{agreement}-{fy}-{partner}"
    description: str = "{ref} {label} {scheme} {counterparty}"
    reference: str = "pooledledger close {agreement} {fy} {ref}"
    amount_sign: Literal["debit_positive", "credit_positive"] = "debit_positive"
    debit_code: str = "DR"
    credit_code: str = "CR"
    blank_zero: bool = True
    delimiter: Literal[",", "\t", ";", "|"] = ","
    file_name: str = "journal-upload-{partner}.csv"

    @field_validator("date_format")
    @classmethod
    def _dates(cls, value: str) -> str:
        sample = date(2026, 3, 31)
        try:
            back = datetime.strptime(sample.strftime(value), value).date()
        except ValueError as exc:
            raise ValueError(f"date format {value!r} cannot be used: {exc}") from None
        if back != sample:
            raise ValueError(f"date format {value!r} does not read back the date it writes")
        return value

    @model_validator(mode="after")
    def _signs(self) -> UploadLayout:
        fields = {c.field for c in self.columns}
        if not (
            {"debit", "credit"} <= fields or "amount" in fields or {"magnitude", "side"} <= fields
        ):
            raise ValueError(
                "the columns cannot show debits and credits: give debit and credit, "
                "amount, or magnitude and side columns"
            )
        if self.debit_code.strip().casefold() == self.credit_code.strip().casefold():
            raise ValueError("debit_code and credit_code must differ")
        for name in ("period_name", "journal_id", "description", "reference", "file_name"):
            template = getattr(self, name)
            try:
                template.format_map(_Probe())
            except (ValueError, KeyError, IndexError, AttributeError) as exc:
                raise ValueError(f"{name} template {template!r} cannot be used: {exc}") from None
        return self


class _Probe(dict[str, object]):
    """Template check: every known field name gives a value of a fitting type."""

    def __missing__(self, key: str) -> object:
        if key in ("period", "fy_start", "fy_end", "line"):
            return 1
        if key == "date":
            return date(2026, 3, 31)
        if key in _TEMPLATE_TEXT:
            return "x"
        raise KeyError(f"unknown name {{{key}}}")


_TEMPLATE_TEXT = frozenset(
    {"agreement", "fy", "partner", "ref", "label", "account", "scheme", "counterparty", "memo"}
)

#: The generic layout: journal id, period name, accounting date, the partner's
#: segments, debit, credit, description and a reference to the close.
GENERIC_LAYOUT = UploadLayout(
    columns=(
        UploadColumn(header="journal_id", field="journal_id"),
        UploadColumn(header="period_name", field="period_name"),
        UploadColumn(header="accounting_date", field="accounting_date"),
        UploadColumn(field="segments"),
        UploadColumn(header="debit", field="debit"),
        UploadColumn(header="credit", field="credit"),
        UploadColumn(header="description", field="description"),
        UploadColumn(header="reference", field="reference"),
    )
)


class UploadLine(FrozenModel):
    """One line of a partner's journal upload, in the partner's own segments (pence)."""

    journal_id: str
    period_name: str
    accounting_date: date
    segments: dict[str, str]
    debit: int = Field(ge=0)
    credit: int = Field(ge=0)
    description: str = ""
    reference: str = ""
    partner: str = ""
    ref: str = ""
    account_key: str = ""
    scheme: str = ""
    counterparty: str = ""


#: UploadLine fields an upload column may show as they are.
_PLAIN_FIELDS = ("partner", "ref", "account_key", "scheme", "counterparty")


def _issue(code: str, message: str, partner: str, field: str | None = None) -> Issue:
    return Issue(
        code=code,
        severity=Severity.ERROR,
        message=message,
        location=Location(field=f"partners.{partner}" + (f".{field}" if field else "")),
    )


def check_mapping(mapping: JournalMapping, agreement: Agreement) -> list[Issue]:
    """Every problem of ``mapping`` against ``agreement``, as coded issues.

    ``PL-JUP-002`` an unknown partner or account key, ``PL-JUP-003`` an unknown
    scheme, ``PL-JUP-004`` a segment not in the partner's ``segments`` or an
    unknown ``{placeholder}``.
    """
    issues: list[Issue] = []
    schemes = set(agreement.scheme_ids)
    if agreement.risk_pool is not None:
        schemes.add(agreement.risk_pool.id)
    keys = {a.value for a in Account}
    for p, pm in mapping.partners.items():
        if p not in agreement.partner_order:
            issues.append(
                _issue(
                    "PL-JUP-002",
                    f"{p!r} is not a partner of agreement {agreement.id!r} "
                    f"({', '.join(agreement.partner_order)})",
                    p,
                )
            )
        segs = set(pm.segments)
        places: list[tuple[str, dict[str, str]]] = [("fixed", pm.fixed)]
        for key, by_scheme in pm.accounts.items():
            if key not in keys:
                issues.append(
                    _issue(
                        "PL-JUP-002",
                        f"{key!r} is not an account key; use one of {', '.join(sorted(keys))}",
                        p,
                        f"accounts.{key}",
                    )
                )
            for scheme, values in by_scheme.items():
                if scheme != ANY_SCHEME and scheme not in schemes:
                    issues.append(
                        _issue(
                            "PL-JUP-003",
                            f"{key} names scheme {scheme!r}, which the agreement does not "
                            f'have (schemes: {", ".join(sorted(schemes))}, or "*")',
                            p,
                            f"accounts.{key}.{scheme}",
                        )
                    )
                places.append((f"accounts.{key}.{scheme}", values))
        for where, values in places:
            for seg, value in values.items():
                if seg not in segs:
                    issues.append(
                        _issue(
                            "PL-JUP-004",
                            f"{where} gives segment {seg!r}, which is not one of the "
                            f"partner's segments ({', '.join(pm.segments)})",
                            p,
                            f"{where}.{seg}",
                        )
                    )
                unknown = {m for m in _FIELD_RE.findall(value) if m not in _PLACEHOLDERS}
                if unknown:
                    issues.append(
                        _issue(
                            "PL-JUP-004",
                            f"{where}.{seg} uses {', '.join(sorted(unknown))} in {{}}; use "
                            "{scheme}, {counterparty}, {partner} or {account}",
                            p,
                            f"{where}.{seg}",
                        )
                    )
    return issues


def _context(agreement: Agreement, year: FinancialYear, journal: Journal) -> dict[str, object]:
    end = date.fromisoformat(journal.end)
    return {
        "agreement": agreement.id,
        "fy": str(year),
        "fy_start": year.start_year,
        "fy_end": year.start_year + 1,
        "period": (end.month - 4) % 12 + 1,
        "date": end,
        "partner": journal.partner,
    }


def upload_lines(
    journal: Journal,
    mapping: JournalMapping,
    agreement: Agreement,
    year: FinancialYear,
    layout: UploadLayout = GENERIC_LAYOUT,
) -> tuple[list[UploadLine], list[Issue]]:
    """``journal``'s lines in its partner's segments, dated its last day, or the issues.

    Every line is mapped: an account key and scheme with no mapping (``PL-JUP-005``,
    naming both) or a segment left without a value (``PL-JUP-006``) is an error,
    and no lines are returned if there is any.
    """
    p = journal.partner
    pm = mapping.partners.get(p)
    if pm is None:
        return [], [_issue("PL-JUP-007", f"the mapping has no partner {p!r}", p)]
    ctx = _context(agreement, year, journal)
    journal_id = layout.journal_id.format_map(ctx)
    period_name = layout.period_name.format_map(ctx)
    when = date.fromisoformat(journal.end)
    lines: list[UploadLine] = []
    issues: list[Issue] = []
    reported: set[tuple[str, str]] = set()
    for n, x in enumerate(journal.lines, 1):
        key, scheme = x.account.value, x.scheme or ""
        by_scheme = pm.accounts.get(key)
        if by_scheme is None or (scheme not in by_scheme and ANY_SCHEME not in by_scheme):
            if (key, scheme) not in reported:
                reported.add((key, scheme))
                issues.append(
                    _issue(
                        "PL-JUP-005",
                        f"no mapping for account key {key} and scheme "
                        f"{scheme or '(none)'}: add [partners.{p}.accounts.{key}] with "
                        f'"{scheme or ANY_SCHEME}" or "*"',
                        p,
                        f"accounts.{key}",
                    )
                )
            continue
        segments = _segments(pm, p, key, scheme, x.counterparty or "")
        for seg, text in segments.items():
            if not text and (key, f"{scheme}/{seg}") not in reported:
                reported.add((key, f"{scheme}/{seg}"))
                issues.append(
                    _issue(
                        "PL-JUP-006",
                        f"account key {key}, scheme {scheme or '(none)'}: segment {seg!r} "
                        "has no value",
                        p,
                        f"accounts.{key}",
                    )
                )
        line_ctx = {
            **ctx,
            "ref": x.ref,
            "label": ACCOUNT_LABELS[x.account],
            "account": key,
            "scheme": scheme,
            "counterparty": x.counterparty or "",
            "memo": x.memo,
            "line": n,
        }
        lines.append(
            UploadLine(
                journal_id=journal_id,
                period_name=period_name,
                accounting_date=when,
                segments=segments,
                debit=x.debit,
                credit=x.credit,
                description=" ".join(layout.description.format_map(line_ctx).split()),
                reference=" ".join(layout.reference.format_map(line_ctx).split()),
                partner=p,
                ref=x.ref,
                account_key=key,
                scheme=scheme,
                counterparty=x.counterparty or "",
            )
        )
    return ([] if issues else lines), issues


def _segments(
    pm: PartnerMapping, partner: str, key: str, scheme: str, counterparty: str
) -> dict[str, str]:
    """The segments of one line: ``fixed``, then ``"*"``, then the scheme's entry."""
    by_scheme = pm.accounts.get(key, {})
    values = {**pm.fixed, **by_scheme.get(ANY_SCHEME, {}), **by_scheme.get(scheme, {})}
    fill = {"scheme": scheme, "counterparty": counterparty, "partner": partner, "account": key}
    return {
        seg: (values[seg].format_map(fill).strip() if values.get(seg) else "")
        for seg in pm.segments
    }


def journal_from_upload(
    lines: Sequence[UploadLine],
    mapping: JournalMapping,
    agreement: Agreement,
    partner: PartnerId,
    layout: UploadLayout = GENERIC_LAYOUT,
) -> tuple[Journal | None, list[Issue]]:
    """The journal an upload's lines stand for, read back through the mapping.

    Each line's segments are matched to the one account key, scheme and
    counterparty the mapping sends there (counterparties: the host on a partner's
    balances with it, each other partner on the host's); its P/H reference comes
    from a ``ref`` column or from the ``reference`` template.  A line whose
    segments match no key, or several (a mapping that sends two keys to one
    account), is ``PL-JUP-011``, and no journal is returned.  An upload with no
    lines (a partner with nothing to post) gives ``(None, [])``.
    """
    pm = mapping.partners.get(partner)
    if pm is None:
        return None, [_issue("PL-JUP-007", f"the mapping has no partner {partner!r}", partner)]
    host = agreement.host
    others = tuple(p for p in agreement.partner_order if p != host)
    schemes = [*agreement.scheme_ids, ""]
    if agreement.risk_pool is not None:
        schemes.append(agreement.risk_pool.id)
    index: dict[tuple[str, ...], list[tuple[Account, str, str]]] = {}
    for key, by_scheme in pm.accounts.items():
        try:
            account = Account(key)
        except ValueError:
            continue
        if account in COUNTERPARTY:
            cps: tuple[str, ...] = others if partner == host else (host,)
        else:
            cps = ("",)
        for scheme in schemes:
            if scheme not in by_scheme and ANY_SCHEME not in by_scheme:
                continue
            for cp in cps:
                segs = _segments(pm, partner, key, scheme, cp)
                index.setdefault(tuple(segs.values()), []).append((account, scheme, cp))
    pattern = _template_regex(layout.reference)
    issues: list[Issue] = []
    out: list[JournalLine] = []
    for n, x in enumerate(lines, 1):
        found = index.get(tuple(x.segments.get(s, "") for s in pm.segments), [])
        if len(found) != 1:
            what = (
                "no account key"
                if not found
                else "several: " + ", ".join(f"{a.value} {s or '(none)'}" for a, s, _ in found[:4])
            )
            issues.append(
                Issue(
                    code="PL-JUP-011",
                    severity=Severity.ERROR,
                    message=f"line {n}: segments {x.segments} map back to {what}",
                    location=Location(row=n, field=f"partners.{partner}"),
                )
            )
            continue
        account, scheme, cp = found[0]
        ref = x.ref
        if not ref and pattern is not None:
            m = pattern.fullmatch(x.reference)
            ref = m["ref"] if m else ""
        out.append(
            JournalLine(
                ref=ref,
                account=account,
                debit=x.debit,
                credit=x.credit,
                scheme=scheme or None,
                counterparty=cp or None,
            )
        )
    if issues or not lines:
        return None, issues
    end = lines[0].accounting_date
    start = FinancialYear.for_date(end).start
    return Journal(
        partner=partner, start=start.isoformat(), end=end.isoformat(), lines=tuple(out)
    ), issues


def _template_regex(template: str) -> re.Pattern[str] | None:
    """A regex matching ``template``'s output, capturing ``{ref}``; None without it."""
    if "{ref}" not in template:
        return None
    parts = re.split(r"(\{[^{}]*\})", " ".join(template.split()))
    body = "".join(
        "(?P<ref>\\S+)" if part == "{ref}" else ".*?" if part.startswith("{") else re.escape(part)
        for part in parts
    )
    return re.compile(body)


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
