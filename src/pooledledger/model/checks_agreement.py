"""Checks that an agreement makes sense, each one small pure function (L1).

:func:`validate_agreement` runs every check in :data:`AGREEMENT_CHECKS` and
returns all the issues found, so a finance officer sees every problem in an
agreement file at once. Each issue's location names the field by its path in
the file, e.g. ``schemes[3].risk_share.caps[0].partner``.

What "in the scheme" means (PL-AGR-008): a partner is in a scheme if it has a
planned contribution to it in any year, or is its lead commissioner. The host
also counts for the bearer of RS6 and RS9 (the body that runs the budget).
A rule may only name partners in its scheme.

Ranges (PL-AGR-024, docs/agreements.md#ranges): every date of the agreement lies
in the financial years 1990-91 to 2099-00 (:data:`EARLIEST_DATE` to
:data:`LATEST_DATE`) and the notice period is at most
:data:`MAX_NOTICE_WORKING_DAYS` working days; amounts are bounded where the file is
read (PL-AGR-002) and shares lie between 0 and 1 by their type.  While a date is
out of range, the checks that work with dates (:data:`DATE_CHECKS`) are skipped.

Codes used: PL-AGR-003 to PL-AGR-021, PL-AGR-023 and PL-AGR-024 (see
:data:`~pooledledger.core.errors.ISSUE_CODES`).  The checks of the risk-share
rules, underspends, the risk pool and offsetting are in
:mod:`pooledledger.model.checks_rules`; they are listed and importable here too.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date

from pooledledger.core.errors import Issue
from pooledledger.model.agreement import Agent, Agreement, ContributionKind, LegalBasis, Principal
from pooledledger.model.checks_common import error, rule_refs, warning
from pooledledger.model.checks_rules import (
    check_offsetting,
    check_risk_pool,
    check_rule_lists,
    check_rule_partners_in_scheme,
    check_share_sums,
    check_underspend_rules,
)
from pooledledger.model.partners import PartnerKind, VatRegime

__all__ = [
    "AGREEMENT_CHECKS",
    "DATE_CHECKS",
    "EARLIEST_DATE",
    "LATEST_DATE",
    "MAX_NOTICE_WORKING_DAYS",
    "RESERVED_IDS",
    "AgreementCheck",
    "check_agent_host_contributes",
    "check_contribution_amounts",
    "check_contribution_partners",
    "check_contribution_schemes",
    "check_contribution_years",
    "check_duplicate_ids",
    "check_effective_dates",
    "check_host",
    "check_legal_basis",
    "check_named_partners_known",
    "check_offsetting",
    "check_partner_attributes",
    "check_ranges",
    "check_reserved_ids",
    "check_risk_pool",
    "check_rule_lists",
    "check_rule_partners_in_scheme",
    "check_scheme_contributors",
    "check_share_sums",
    "check_term",
    "check_underspend_rules",
    "validate_agreement",
]

#: A check: a pure function from an agreement to the issues it finds.
AgreementCheck = Callable[[Agreement], list[Issue]]


#: Ids the reports use for their own rows ("TOTAL"), refused in any case (PL-AGR-023).
RESERVED_IDS: frozenset[str] = frozenset({"total"})

#: The first and last days any date of an agreement may fall on (PL-AGR-024): the
#: financial years 1990-91 to 2099-00.
EARLIEST_DATE = date(1990, 4, 1)
LATEST_DATE = date(2100, 3, 31)

#: The longest notice period for a projected overspend, in working days (about a year).
MAX_NOTICE_WORKING_DAYS = 260


# ------------------------------------------------------------------ ids and ranges


def check_reserved_ids(agreement: Agreement) -> list[Issue]:
    """PL-AGR-023: no partner, scheme or risk pool is called ``TOTAL`` (in any case).

    Reports and tables label their total row and column ``TOTAL``/``Total``; an id
    spelt the same would be read as the total in a CSV table or a spreadsheet.
    """
    named: list[tuple[str, str]] = [
        (f"partners[{i}].id", p.id) for i, p in enumerate(agreement.partners)
    ]
    named += [(f"schemes[{k}].id", s.id) for k, s in enumerate(agreement.schemes)]
    if agreement.risk_pool is not None:
        named.append(("risk_pool.id", agreement.risk_pool.id))
    return [
        error(
            "PL-AGR-023",
            field,
            f"the id {id_!r} is reserved: reports use it for their total rows; choose another id",
        )
        for field, id_ in named
        if id_.casefold() in RESERVED_IDS
    ]


def _dates(agreement: Agreement) -> Iterator[tuple[str, date]]:
    """Every date of the agreement with its field path (a year by its first day)."""
    yield "term_start", agreement.term_start
    yield "term_end", agreement.term_end
    for i, c in enumerate(agreement.contributions):
        yield f"contributions[{i}].year", c.year.start
        if c.effective_date is not None:
            yield f"contributions[{i}].effective_date", c.effective_date


def _dates_in_range(agreement: Agreement) -> bool:
    return all(EARLIEST_DATE <= d <= LATEST_DATE for _, d in _dates(agreement))


def check_ranges(agreement: Agreement) -> list[Issue]:
    """PL-AGR-024: dates and day counts lie in the ranges pooledledger accepts.

    Every date (the term, each contribution's year and effective date) lies between
    :data:`EARLIEST_DATE` and :data:`LATEST_DATE`; the notice period is 0 to
    :data:`MAX_NOTICE_WORKING_DAYS` working days.
    """
    issues = [
        error(
            "PL-AGR-024",
            field,
            f"{d} is out of range: dates must lie between {EARLIEST_DATE} and "
            f"{LATEST_DATE} (financial years 1990-91 to 2099-00)",
        )
        for field, d in _dates(agreement)
        if not EARLIEST_DATE <= d <= LATEST_DATE
    ]
    days = agreement.notify_within_working_days
    if not 0 <= days <= MAX_NOTICE_WORKING_DAYS:
        shown = f"{days:,}" if abs(days) < 10**40 else f"a number of {len(str(abs(days)))} digits"
        issues.append(
            error(
                "PL-AGR-024",
                "notify_within_working_days",
                f"a notice period of {shown} working days is out of range: give 0 to "
                f"{MAX_NOTICE_WORKING_DAYS} (about a year of working days)",
            )
        )
    return issues


# ------------------------------------------------------------------ partners and host


def check_host(agreement: Agreement) -> list[Issue]:
    """PL-AGR-003: the host must be one of the partners."""
    if agreement.host in agreement.partner_order:
        return []
    return [
        error(
            "PL-AGR-003",
            "host",
            f"host {agreement.host!r} is not one of the partners "
            f"({', '.join(agreement.partner_order)})",
        )
    ]


def check_duplicate_ids(agreement: Agreement) -> list[Issue]:
    """PL-AGR-004: partner, scheme and contribution ids are each unique.

    The risk pool's id shares the scheme namespace: it may not be a scheme's id.
    The second and later uses of an id are reported.
    """
    issues: list[Issue] = []
    groups: tuple[tuple[str, str, tuple[str, ...]], ...] = (
        ("partners", "partner", agreement.partner_order),
        ("schemes", "scheme", agreement.scheme_ids),
        ("contributions", "contribution", tuple(c.id for c in agreement.contributions)),
    )
    for field, what, ids in groups:
        first: dict[str, int] = {}
        for i, id_ in enumerate(ids):
            if id_ in first:
                issues.append(
                    error(
                        "PL-AGR-004",
                        f"{field}[{i}].id",
                        f"{what} id {id_!r} is already used by {field}[{first[id_]}]",
                    )
                )
            else:
                first[id_] = i
    rp = agreement.risk_pool
    if rp is not None and rp.id in agreement.scheme_ids:
        issues.append(
            error(
                "PL-AGR-004",
                "risk_pool.id",
                f"the risk pool's id {rp.id!r} is also a scheme's id; give it its own id",
            )
        )
    return issues


def check_named_partners_known(agreement: Agreement) -> list[Issue]:
    """PL-AGR-012: lead commissioners, accounting-model partners and rule partners exist."""
    known = set(agreement.partner_order)
    issues: list[Issue] = []
    for k, scheme in enumerate(agreement.schemes):
        if scheme.lead_commissioner not in known:
            issues.append(
                error(
                    "PL-AGR-012",
                    f"schemes[{k}].lead_commissioner",
                    f"lead commissioner {scheme.lead_commissioner!r} of scheme {scheme.id!r} "
                    "is not a partner",
                )
            )
        model = scheme.accounting_model
        if isinstance(model, Principal | Agent) and model.partner not in known:
            issues.append(
                error(
                    "PL-AGR-012",
                    f"schemes[{k}].accounting_model.partner",
                    f"{model.model.lower()} {model.partner!r} of scheme {scheme.id!r} "
                    "is not a partner",
                )
            )
    for k, path, partner, _ in rule_refs(agreement):
        if partner not in known:
            issues.append(
                error(
                    "PL-AGR-012",
                    path,
                    f"the risk-share rule of scheme {agreement.schemes[k].id!r} names "
                    f"{partner!r}, which is not a partner",
                )
            )
    return issues


def check_legal_basis(agreement: Agreement) -> list[Issue]:
    """PL-AGR-010: the legal basis allows these kinds of partner (docs/concepts.md).

    * s75 NHS Act 2006 and s31 Health Act 1999: at least one NHS body and one local
      authority, and no other kind of body.
    * s10 Children Act 2004: a local authority (the children's services authority)
      and at least one relevant partner of any kind (NHS, police, probation…).
    * s65Z5 NHS Act 2006: NHS bodies only, at least two.
    """
    basis = agreement.legal_basis
    kinds = [p.kind for p in agreement.partners]
    issues: list[Issue] = []
    if len(kinds) < 2:
        issues.append(error("PL-AGR-010", "partners", "a pooled fund needs at least two partners"))
    allowed: set[PartnerKind]
    needed: tuple[PartnerKind, ...]
    if basis in (LegalBasis.S75_NHSA2006, LegalBasis.S31_HA1999):
        allowed = {PartnerKind.NHS_BODY, PartnerKind.LOCAL_AUTHORITY}
        needed = (PartnerKind.NHS_BODY, PartnerKind.LOCAL_AUTHORITY)
    elif basis is LegalBasis.S10_CA2004:
        allowed = set(PartnerKind)
        needed = (PartnerKind.LOCAL_AUTHORITY,)
    else:  # S65Z5_NHSA2006
        allowed = {PartnerKind.NHS_BODY}
        needed = (PartnerKind.NHS_BODY,)
    for i, p in enumerate(agreement.partners):
        if p.kind not in allowed:
            issues.append(
                error(
                    "PL-AGR-010",
                    f"partners[{i}].kind",
                    f"partner {p.id!r} is {p.kind.value}, which cannot join a pool under "
                    f"{basis.value}",
                )
            )
    for kind in needed:
        if kind not in kinds:
            issues.append(
                error(
                    "PL-AGR-010",
                    "legal_basis",
                    f"a pool under {basis.value} needs at least one {kind.value} partner",
                )
            )
    return issues


def check_partner_attributes(agreement: Agreement) -> list[Issue]:
    """PL-AGR-020 (warning): VAT regime or DHSC-group flag unusual for the partner's kind."""
    expected_kind = {
        VatRegime.LA_S33: PartnerKind.LOCAL_AUTHORITY,
        VatRegime.NHS_S41_COS: PartnerKind.NHS_BODY,
    }
    issues: list[Issue] = []
    for i, p in enumerate(agreement.partners):
        kind = expected_kind.get(p.vat_regime)
        if kind is not None and p.kind is not kind:
            issues.append(
                warning(
                    "PL-AGR-020",
                    f"partners[{i}].vat_regime",
                    f"partner {p.id!r} is {p.kind.value} but has VAT regime "
                    f"{p.vat_regime.value}, which is for {kind.value} partners",
                )
            )
        if p.dhsc_group and p.kind is not PartnerKind.NHS_BODY:
            issues.append(
                warning(
                    "PL-AGR-020",
                    f"partners[{i}].dhsc_group",
                    f"partner {p.id!r} is {p.kind.value} but is marked as a DHSC group body",
                )
            )
    return issues


# ----------------------------------------------------------------------- contributions


def check_contribution_schemes(agreement: Agreement) -> list[Issue]:
    """PL-AGR-005: a contribution names a scheme of the agreement.

    Contributions to the risk pool are checked by :func:`check_risk_pool`.
    """
    schemes = set(agreement.scheme_ids)
    rp_id = agreement.risk_pool.id if agreement.risk_pool is not None else None
    issues: list[Issue] = []
    for i, c in enumerate(agreement.contributions):
        if c.kind is ContributionKind.RISK_POOL or c.scheme == rp_id:
            continue
        if c.scheme not in schemes:
            issues.append(
                error(
                    "PL-AGR-005",
                    f"contributions[{i}].scheme",
                    f"contribution {c.id!r} names scheme {c.scheme!r}, which is not a scheme "
                    f"of the agreement ({', '.join(agreement.scheme_ids)})",
                )
            )
    return issues


def check_contribution_partners(agreement: Agreement) -> list[Issue]:
    """PL-AGR-006: a contribution names a partner of the agreement."""
    known = set(agreement.partner_order)
    return [
        error(
            "PL-AGR-006",
            f"contributions[{i}].partner",
            f"contribution {c.id!r} names partner {c.partner!r}, which is not a partner",
        )
        for i, c in enumerate(agreement.contributions)
        if c.partner not in known
    ]


def check_contribution_amounts(agreement: Agreement) -> list[Issue]:
    """PL-AGR-018: only a VARIATION may be negative, and no partner's year total may be.

    The total is per partner, scheme (or risk pool) and year.
    """
    issues: list[Issue] = []
    totals: Counter[tuple[str, str, str]] = Counter()
    last_index: dict[tuple[str, str, str], int] = {}
    for i, c in enumerate(agreement.contributions):
        key = (c.partner, c.scheme, str(c.year))
        totals[key] += c.pence
        last_index[key] = i
        if c.pence < 0 and c.kind is not ContributionKind.VARIATION:
            issues.append(
                error(
                    "PL-AGR-018",
                    f"contributions[{i}].amount",
                    f"contribution {c.id!r} is negative; only a VARIATION may reduce a "
                    "contribution",
                )
            )
    for key, total in totals.items():
        if total < 0:
            partner, scheme, year = key
            issues.append(
                error(
                    "PL-AGR-018",
                    f"contributions[{last_index[key]}].amount",
                    f"{partner}'s contributions to {scheme} for {year} add up to a negative amount",
                )
            )
    return issues


def check_scheme_contributors(agreement: Agreement) -> list[Issue]:
    """PL-AGR-009: every scheme has at least one planned contribution."""
    funded = {c.scheme for c in agreement.contributions}
    return [
        error(
            "PL-AGR-009",
            f"schemes[{k}]",
            f"scheme {s.id!r} has no planned contribution from any partner",
        )
        for k, s in enumerate(agreement.schemes)
        if s.id not in funded
    ]


def check_term(agreement: Agreement) -> list[Issue]:
    """PL-AGR-011: the term does not end before it starts, and effective dates lie in it."""
    issues: list[Issue] = []
    if agreement.term_end < agreement.term_start:
        issues.append(
            error(
                "PL-AGR-011",
                "term_end",
                f"the term ends ({agreement.term_end}) before it starts ({agreement.term_start})",
            )
        )
        return issues
    for i, c in enumerate(agreement.contributions):
        d = c.effective_date
        if d is not None and not agreement.term_start <= d <= agreement.term_end:
            issues.append(
                error(
                    "PL-AGR-011",
                    f"contributions[{i}].effective_date",
                    f"contribution {c.id!r} takes effect on {d}, outside the term "
                    f"{agreement.term_start} to {agreement.term_end}",
                )
            )
    return issues


def check_contribution_years(agreement: Agreement) -> list[Issue]:
    """PL-AGR-014: each contribution's financial year shares at least a day with the term."""
    years = set(agreement.financial_years)
    if not years:  # a reversed term is reported by check_term
        return []
    return [
        error(
            "PL-AGR-014",
            f"contributions[{i}].year",
            f"contribution {c.id!r} is for {c.year}, which lies outside the term "
            f"{agreement.term_start} to {agreement.term_end}",
        )
        for i, c in enumerate(agreement.contributions)
        if c.year not in years
    ]


def check_effective_dates(agreement: Agreement) -> list[Issue]:
    """PL-AGR-019: a contribution's effective date lies within its own financial year."""
    return [
        error(
            "PL-AGR-019",
            f"contributions[{i}].effective_date",
            f"contribution {c.id!r} for {c.year} takes effect on {c.effective_date}, "
            f"outside that year ({c.year.start} to {c.year.last_day})",
        )
        for i, c in enumerate(agreement.contributions)
        if c.effective_date is not None and not c.year.contains(c.effective_date)
    ]


def check_agent_host_contributes(agreement: Agreement) -> list[Issue]:
    """PL-AGR-021 (warning): the host is the AGENT of a scheme it also contributes to.

    An agent only administers the money and bears none of the outcome
    (docs/concepts.md); a contributing host has a share of the outcome, so the
    scheme is better presented as a joint operation or with the host as principal.
    """
    issues: list[Issue] = []
    for k, scheme in enumerate(agreement.schemes):
        model = scheme.accounting_model
        if not isinstance(model, Agent) or model.partner != agreement.host:
            continue
        if any(
            c.partner == agreement.host and c.scheme == scheme.id and c.pence != 0
            for c in agreement.contributions
        ):
            issues.append(
                warning(
                    "PL-AGR-021",
                    f"schemes[{k}].accounting_model",
                    f"scheme {scheme.id!r} has the host {agreement.host!r} as AGENT, but the "
                    "host also contributes to it, so it bears part of the outcome: an agent "
                    "bears none. Present the scheme as a JOINT_OPERATION (or PRINCIPAL), "
                    "or confirm the host's contribution is intended",
                )
            )
    return issues


# ---------------------------------------------------------------------------- runner


#: Every agreement check, in the order :func:`validate_agreement` runs them.
AGREEMENT_CHECKS: tuple[AgreementCheck, ...] = (
    check_ranges,
    check_reserved_ids,
    check_host,
    check_duplicate_ids,
    check_legal_basis,
    check_partner_attributes,
    check_named_partners_known,
    check_term,
    check_contribution_schemes,
    check_contribution_partners,
    check_contribution_amounts,
    check_contribution_years,
    check_effective_dates,
    check_scheme_contributors,
    check_share_sums,
    check_rule_partners_in_scheme,
    check_rule_lists,
    check_underspend_rules,
    check_offsetting,
    check_risk_pool,
    check_agent_host_contributes,
)


#: The checks that work with the agreement's dates and financial years: skipped
#: while a date is out of range (PL-AGR-024), which is reported instead.
DATE_CHECKS: frozenset[AgreementCheck] = frozenset(
    {check_term, check_contribution_years, check_effective_dates}
)


def validate_agreement(agreement: Agreement) -> list[Issue]:
    """Run every check in :data:`AGREEMENT_CHECKS` and return all the issues found.

    An empty list means the agreement is consistent. Errors block loading;
    warnings do not (see :func:`~pooledledger.core.errors.has_errors`).
    """
    issues: list[Issue] = []
    dates_ok = _dates_in_range(agreement)
    for check in AGREEMENT_CHECKS:
        if dates_ok or check not in DATE_CHECKS:
            issues.extend(check(agreement))
    return issues
