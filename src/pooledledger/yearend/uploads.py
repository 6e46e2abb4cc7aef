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
The models are in :mod:`pooledledger.yearend.upload_models` and the rows of text in
:mod:`pooledledger.yearend.upload_format`; every name is importable from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

from pooledledger.books.journals import ACCOUNT_LABELS, COUNTERPARTY, Account, Journal, JournalLine
from pooledledger.core.errors import Issue, Location, Severity
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import Agreement
from pooledledger.model.partners import PartnerId
from pooledledger.yearend.upload_format import (
    balance_issues,
    headers,
    parse_upload_rows,
    upload_rows,
)
from pooledledger.yearend.upload_models import (
    ANY_SCHEME,
    GENERIC_LAYOUT,
    JournalMapping,
    PartnerMapping,
    UploadColumn,
    UploadError,
    UploadLayout,
    UploadLine,
)

__all__ = [
    "ANY_SCHEME",
    "GENERIC_LAYOUT",
    "JournalMapping",
    "PartnerMapping",
    "UploadColumn",
    "UploadError",
    "UploadLayout",
    "UploadLine",
    "balance_issues",
    "check_mapping",
    "headers",
    "journal_from_upload",
    "parse_upload_rows",
    "upload_lines",
    "upload_rows",
]


_PLACEHOLDERS = frozenset({"scheme", "counterparty", "partner", "account"})
_FIELD_RE = re.compile(r"\{([^{}:!]*)")


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
        places, found = _mapped_places(p, pm, schemes)
        issues += found
        issues += _segment_issues(p, pm, places)
    return issues


def _mapped_places(
    p: str, pm: PartnerMapping, schemes: set[str]
) -> tuple[list[tuple[str, dict[str, str]]], list[Issue]]:
    """Where a partner's mapping gives segments (``fixed``, each key and scheme), and
    ``PL-JUP-002``/``PL-JUP-003`` for unknown account keys and schemes."""
    keys = {a.value for a in Account}
    issues: list[Issue] = []
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
    return places, issues


def _segment_issues(
    p: str, pm: PartnerMapping, places: list[tuple[str, dict[str, str]]]
) -> list[Issue]:
    """``PL-JUP-004``: a segment not among the partner's, or an unknown placeholder."""
    segs = set(pm.segments)
    issues: list[Issue] = []
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
            issues += _unmapped(p, key, scheme, reported)
            continue
        segments = _segments(pm, p, key, scheme, x.counterparty or "")
        issues += _empty_segments(p, key, scheme, segments, reported)
        lines.append(_upload_line(p, x, n, segments, ctx, layout, (journal_id, period_name, when)))
    return ([] if issues else lines), issues


def _unmapped(p: str, key: str, scheme: str, reported: set[tuple[str, str]]) -> list[Issue]:
    """``PL-JUP-005`` for an account key and scheme with no mapping, once each."""
    if (key, scheme) in reported:
        return []
    reported.add((key, scheme))
    return [
        _issue(
            "PL-JUP-005",
            f"no mapping for account key {key} and scheme "
            f"{scheme or '(none)'}: add [partners.{p}.accounts.{key}] with "
            f'"{scheme or ANY_SCHEME}" or "*"',
            p,
            f"accounts.{key}",
        )
    ]


def _empty_segments(
    p: str, key: str, scheme: str, segments: dict[str, str], reported: set[tuple[str, str]]
) -> list[Issue]:
    """``PL-JUP-006`` for each segment a key and scheme leaves empty, once each."""
    issues: list[Issue] = []
    for seg, text in segments.items():
        if not text and (key, f"{scheme}/{seg}") not in reported:
            reported.add((key, f"{scheme}/{seg}"))
            issues.append(
                _issue(
                    "PL-JUP-006",
                    f"account key {key}, scheme {scheme or '(none)'}: segment {seg!r} has no value",
                    p,
                    f"accounts.{key}",
                )
            )
    return issues


def _upload_line(
    p: str,
    x: JournalLine,
    n: int,
    segments: dict[str, str],
    ctx: dict[str, object],
    layout: UploadLayout,
    head: tuple[str, str, date],
) -> UploadLine:
    """Journal line ``n`` as an upload line: its segments, amounts and texts."""
    journal_id, period_name, when = head
    key, scheme = x.account.value, x.scheme or ""
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
    return UploadLine(
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
    index = _segment_index(pm, partner, agreement)
    pattern = _template_regex(layout.reference)
    issues: list[Issue] = []
    out: list[JournalLine] = []
    for n, x in enumerate(lines, 1):
        line, problem = _line_back(n, x, index, pm, partner, pattern)
        if problem is not None:
            issues.append(problem)
        elif line is not None:
            out.append(line)
    if issues or not lines:
        return None, issues
    end = lines[0].accounting_date
    start = FinancialYear.for_date(end).start
    return Journal(
        partner=partner, start=start.isoformat(), end=end.isoformat(), lines=tuple(out)
    ), issues


def _segment_index(
    pm: PartnerMapping, partner: PartnerId, agreement: Agreement
) -> dict[tuple[str, ...], list[tuple[Account, str, str]]]:
    """Segment values → every (account key, scheme, counterparty) the mapping sends there."""
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
    return index


def _line_back(
    n: int,
    x: UploadLine,
    index: Mapping[tuple[str, ...], list[tuple[Account, str, str]]],
    pm: PartnerMapping,
    partner: PartnerId,
    pattern: re.Pattern[str] | None,
) -> tuple[JournalLine, None] | tuple[None, Issue]:
    """Upload line ``n`` as the journal line it stands for, or its ``PL-JUP-011``."""
    found = index.get(tuple(x.segments.get(s, "") for s in pm.segments), [])
    if len(found) != 1:
        what = (
            "no account key"
            if not found
            else "several: " + ", ".join(f"{a.value} {s or '(none)'}" for a, s, _ in found[:4])
        )
        return None, Issue(
            code="PL-JUP-011",
            severity=Severity.ERROR,
            message=f"line {n}: segments {x.segments} map back to {what}",
            location=Location(row=n, field=f"partners.{partner}"),
        )
    account, scheme, cp = found[0]
    ref = x.ref
    if not ref and pattern is not None:
        m = pattern.fullmatch(x.reference)
        ref = m["ref"] if m else ""
    return (
        JournalLine(
            ref=ref,
            account=account,
            debit=x.debit,
            credit=x.credit,
            scheme=scheme or None,
            counterparty=cp or None,
        ),
        None,
    )


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
