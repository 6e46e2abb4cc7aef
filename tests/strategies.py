"""Hypothesis strategies shared by the tests: valid agreements and ledger entry streams.

Everything is built for one financial year, :data:`YEAR` (2025-26), and every
entry is dated inside it.  Money is generated as integer pence and handed to the
entries as text (``"-12.34"``), the way a user or a file gives it.

* :func:`agreements` draws an agreement that :func:`validate_agreement` accepts:
  a local-authority host first, at least one NHS body, s75 NHS Act 2006, a term
  covering :data:`YEAR`, schemes with random accounting models (joint operation,
  principal or agent, both with the host) and at least one contributing partner
  each, and random VAT regimes.
* :func:`contributions`, :func:`instalments`, :func:`expenditures`,
  :func:`incomes` and :func:`reversal_of` draw one entry each; the stateful test
  uses them rule by rule.
* :func:`entry_streams` draws a whole list of entries, reversals included.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from hypothesis import strategies as st

from pooledledger.core.errors import has_errors
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import (
    Agent,
    Agreement,
    JointOperation,
    LegalBasis,
    PlannedContribution,
    Principal,
    Scheme,
    VatModel,
)
from pooledledger.model.checks_agreement import validate_agreement
from pooledledger.model.entries import (
    Contribution,
    ContributionKind,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
)
from pooledledger.model.partners import Partner, PartnerKind, VatRegime

__all__ = [
    "YEAR",
    "YEAR_DAYS",
    "agreements",
    "contributions",
    "day",
    "entry_streams",
    "expenditures",
    "incomes",
    "instalments",
    "pence_text",
    "random_pool",
    "reversal_of",
    "year_days",
]

#: The one financial year everything is generated for.
YEAR = FinancialYear(2025)
#: Number of days in :data:`YEAR` (1 April 2025 to 31 March 2026).
YEAR_DAYS = (YEAR.end - YEAR.start).days


def pence_text(pence: int) -> str:
    """Integer pence as pounds text: ``-1234`` → ``"-12.34"``."""
    sign = "-" if pence < 0 else ""
    pounds, p = divmod(abs(pence), 100)
    return f"{sign}{pounds}.{p:02d}"


def day(offset: int) -> date:
    """The day ``offset`` days after the start of :data:`YEAR` (clamped into the year)."""
    return YEAR.start + timedelta(days=max(0, min(offset, YEAR_DAYS - 1)))


#: A day of :data:`YEAR`.
year_days = st.integers(min_value=0, max_value=YEAR_DAYS - 1).map(day)

#: Positive pence, mixing pennies (where rounding bites) with large sums.
positive_pence = st.one_of(
    st.integers(min_value=1, max_value=999),
    st.integers(min_value=1_000, max_value=10**10),
)

#: Signed pence for pool lines: mostly charges, sometimes credits or zero.
line_pence = st.one_of(
    st.integers(min_value=-500, max_value=5_000),
    st.integers(min_value=1, max_value=10**9),
    st.integers(min_value=-(10**7), max_value=-1),
)

_KINDS = (PartnerKind.LOCAL_AUTHORITY, PartnerKind.NHS_BODY)
_MODELS = ("JOINT_OPERATION", "PRINCIPAL", "AGENT")


@st.composite
def agreements(
    draw: st.DrawFn,
    min_partners: int = 2,
    max_partners: int = 8,
    max_schemes: int = 4,
    min_schemes: int = 1,
) -> Agreement:
    """A valid s75 agreement for :data:`YEAR` (checked with ``validate_agreement``)."""
    n = draw(st.integers(min_value=max(2, min_partners), max_value=max(2, max_partners)))
    kinds = [PartnerKind.LOCAL_AUTHORITY, PartnerKind.NHS_BODY]
    kinds += draw(st.lists(st.sampled_from(_KINDS), min_size=n - 2, max_size=n - 2))
    # the host stays first; the NHS body and the rest come in any order after it
    kinds[1:] = draw(st.permutations(kinds[1:]))
    partners = tuple(
        Partner(
            id=f"{'LA' if kind is PartnerKind.LOCAL_AUTHORITY else 'NHS'}{i}",
            name=f"Partner {i}",
            kind=kind,
            vat_regime=draw(st.sampled_from(VatRegime)),
        )
        for i, kind in enumerate(kinds)
    )
    ids = [p.id for p in partners]
    host = ids[0]
    m = draw(st.integers(min_value=max(1, min_schemes), max_value=max(1, max_schemes)))
    schemes: list[Scheme] = []
    planned: list[PlannedContribution] = []
    for k in range(m):
        sid = f"S{k}"
        model_name = draw(st.sampled_from(_MODELS))
        model = (
            JointOperation()
            if model_name == "JOINT_OPERATION"
            else Principal(partner=host)
            if model_name == "PRINCIPAL"
            else Agent(partner=host)
        )
        contributors = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=n, unique=True))
        schemes.append(
            Scheme(
                id=sid,
                name=f"Scheme {k}",
                lead_commissioner=draw(st.sampled_from(ids)),
                accounting_model=model,
            )
        )
        for p in contributors:
            planned.append(
                PlannedContribution(
                    id=f"C-{sid}-{p}",
                    partner=p,
                    scheme=sid,
                    year=YEAR,
                    amount=pence_text(draw(positive_pence)),
                    approval_ref=f"BOARD-{sid}-{p}",
                )
            )
            if draw(st.booleans()):
                planned.append(
                    PlannedContribution(
                        id=f"C-{sid}-{p}-UP",
                        partner=p,
                        scheme=sid,
                        year=YEAR,
                        amount=pence_text(draw(st.integers(min_value=0, max_value=10**8))),
                        kind=ContributionKind.UPLIFT,
                        approval_ref=f"UPLIFT-{sid}-{p}",
                    )
                )
    agreement = Agreement(
        id="GEN",
        name="Generated pooled fund",
        legal_basis=LegalBasis.S75_NHSA2006,
        term_start=YEAR.start - timedelta(days=draw(st.integers(0, 800))),
        term_end=YEAR.last_day + timedelta(days=draw(st.integers(0, 800))),
        partners=partners,
        host=host,
        pooled_fund_manager="Pooled fund manager",
        schemes=tuple(schemes),
        contributions=tuple(planned),
        vat_model=draw(st.sampled_from(VatModel)),
    )
    issues = validate_agreement(agreement)
    assert not has_errors(issues), issues  # the generator itself must be right
    return agreement


# ----------------------------------------------------------------------- single entries


def contributions(
    agreement: Agreement, entry_id: str, amounts: st.SearchStrategy[int] | None = None
) -> st.SearchStrategy[Contribution]:
    """An in-year VARIATION to some partner's contribution to some scheme."""
    return st.builds(
        Contribution,
        id=st.just(entry_id),
        partner=st.sampled_from(agreement.partner_order),
        scheme=st.sampled_from(agreement.scheme_ids),
        year=st.just(YEAR),
        amount=(amounts if amounts is not None else positive_pence).map(pence_text),
        kind=st.just(ContributionKind.VARIATION),
        effective_date=year_days,
        approval_ref=st.just(f"VAR-{entry_id}"),
    )


@st.composite
def instalments(draw: st.DrawFn, agreement: Agreement, entry_id: str) -> Instalment:
    """A non-host partner's instalment to the host, paid (usually) or still due."""
    others = [p for p in agreement.partner_order if p != agreement.host]
    due = draw(year_days)
    paid = draw(st.one_of(st.none(), year_days, year_days))
    return Instalment(
        id=entry_id,
        partner=draw(st.sampled_from(others)),
        scheme=draw(st.sampled_from(agreement.scheme_ids)),
        year=YEAR,
        amount=pence_text(draw(positive_pence)),
        due_date=due,
        paid_date=paid,
    )


@st.composite
def expenditures(draw: st.DrawFn, agreement: Agreement, entry_id: str) -> Expenditure:
    """A charge with VAT: none, 20%, arbitrary; recoverable VAT by policy or explicit."""
    net = draw(line_pence)
    vat_kind = draw(st.sampled_from(("none", "standard", "arbitrary")))
    if vat_kind == "none":
        vat = 0
    elif vat_kind == "standard":
        vat = net // 5
    else:
        vat = draw(line_pence)
    explicit = draw(st.booleans())
    recoverable: str | None = None
    if explicit:
        lo, hi = min(0, vat), max(0, vat)
        recoverable = pence_text(draw(st.integers(min_value=lo, max_value=hi)))
    scheme = draw(st.sampled_from(agreement.scheme_ids))
    on = draw(year_days)
    procuring = draw(st.one_of(st.none(), st.sampled_from(agreement.partner_order)))
    cos_listed = draw(st.booleans())
    return Expenditure(
        id=entry_id,
        scheme=scheme,
        date=on,
        net=pence_text(net),
        vat=pence_text(vat),
        vat_recoverable=recoverable,
        procuring_partner=procuring,
        cos_listed=cos_listed,
        # a capital item names its owner (PL-LED-007, refused when posted)
        capital=draw(st.booleans()) and procuring is not None,
        supplier="Generated supplier",
    )


def incomes(agreement: Agreement, entry_id: str) -> st.SearchStrategy[Income]:
    """Pool income (e.g. client charges), occasionally negative (a refund)."""
    return st.builds(
        Income,
        id=st.just(entry_id),
        scheme=st.sampled_from(agreement.scheme_ids),
        date=year_days,
        amount=line_pence.map(pence_text),
        source=st.just("client charges"),
    )


def reversal_of(original: Expenditure | Income, entry_id: str) -> st.SearchStrategy[Reversal]:
    """A reversal of ``original``, on its date or later in the year."""
    first = (original.date - YEAR.start).days
    return st.builds(
        Reversal,
        id=st.just(entry_id),
        reverses=st.just(original.id),
        date=st.integers(min_value=first, max_value=YEAR_DAYS - 1).map(day),
        reason=st.just("posted in error"),
    )


_STREAM_KINDS = (
    *("expenditure", "expenditure", "expenditure", "income", "reversal"),
    *("contribution", "reduction", "instalment"),
)


@st.composite
def entry_streams(
    draw: st.DrawFn, agreement: Agreement, min_size: int = 0, max_size: int = 40
) -> list[Entry]:
    """A list of entries in the order they were posted, ids ``X0001``, ``X0002``, …

    Expenditure, income, VARIATION contributions (some negative), instalments and
    reversals of earlier, not yet reversed, expenditure or income lines.
    """
    n = draw(st.integers(min_value=min_size, max_value=max_size))
    out: list[Entry] = []
    open_lines: list[Expenditure | Income] = []
    for i in range(n):
        entry_id = f"X{i:04d}"
        what = draw(st.sampled_from(_STREAM_KINDS))
        entry: Entry
        if what == "reversal" and open_lines:
            original = open_lines.pop(draw(st.integers(0, len(open_lines) - 1)))
            entry = draw(reversal_of(original, entry_id))
        elif what == "income":
            entry = draw(incomes(agreement, entry_id))
        elif what == "contribution":
            entry = draw(contributions(agreement, entry_id))
        elif what == "reduction":
            entry = draw(
                contributions(agreement, entry_id, st.integers(min_value=-(10**8), max_value=-1))
            )
        elif what == "instalment":
            entry = draw(instalments(agreement, entry_id))
        else:
            entry = draw(expenditures(agreement, entry_id))
        if isinstance(entry, Expenditure | Income):
            open_lines.append(entry)
        out.append(entry)
    return out


# ------------------------------------------------------------- seeded generator for scale


def random_pool(
    seed: int, n_transactions: int, n_partners: int = 8, n_schemes: int = 50
) -> tuple[Agreement, list[Entry]]:
    """A valid agreement and ``n_transactions`` entries from ``random.Random(seed)``.

    For scale tests, where Hypothesis would be too slow: 8 partners and 50 schemes
    by default, each scheme with 1 to all partners contributing; about 70%
    expenditure (with explicit recoverable VAT, some credits and capital items),
    14% income, 6% reversals of earlier lines (up to 60 days later), 5%
    VARIATIONs (a cut never takes a partner below half its total, so every scheme
    keeps usable weights) and 5% instalments, all dated inside :data:`YEAR`.
    """
    rng = random.Random(seed)
    kinds = [PartnerKind.LOCAL_AUTHORITY, PartnerKind.NHS_BODY]
    kinds += [rng.choice(_KINDS) for _ in range(n_partners - 2)]
    partners = tuple(
        Partner(
            id=f"P{i}",
            name=f"Partner {i}",
            kind=kind,
            vat_regime=rng.choice(list(VatRegime)),
        )
        for i, kind in enumerate(kinds)
    )
    ids = [p.id for p in partners]
    host = ids[0]
    schemes: list[Scheme] = []
    planned: list[PlannedContribution] = []
    sums: dict[tuple[str, str], int] = {}
    for k in range(n_schemes):
        sid = f"S{k:02d}"
        model = rng.choice((JointOperation(), Principal(partner=host), Agent(partner=host)))
        schemes.append(
            Scheme(
                id=sid,
                name=f"Scheme {k}",
                lead_commissioner=rng.choice(ids),
                accounting_model=model,
            )
        )
        for p in rng.sample(ids, rng.randint(1, n_partners)):
            amount = rng.choice((rng.randint(1, 10**6), rng.randint(10**6, 10**10)))
            sums[sid, p] = amount
            planned.append(
                PlannedContribution(
                    id=f"C-{sid}-{p}",
                    partner=p,
                    scheme=sid,
                    year=YEAR,
                    amount=pence_text(amount),
                    approval_ref=f"BOARD-{sid}",
                )
            )
    agreement = Agreement(
        id="SCALE",
        name="Scale test pool",
        legal_basis=LegalBasis.S75_NHSA2006,
        term_start=YEAR.start,
        term_end=YEAR.last_day,
        partners=partners,
        host=host,
        pooled_fund_manager="Pooled fund manager",
        schemes=tuple(schemes),
        contributions=tuple(planned),
        vat_model=rng.choice(list(VatModel)),
    )
    scheme_ids = [s.id for s in schemes]
    others = ids[1:]
    entries: list[Entry] = []
    open_lines: list[Expenditure | Income] = []
    for i in range(n_transactions):
        entry_id = f"T{i:06d}"
        r = rng.random()
        when = day(rng.randrange(YEAR_DAYS))
        entry: Entry
        if r < 0.06 and open_lines:
            j = rng.randrange(len(open_lines))
            original = open_lines[j]
            open_lines[j] = open_lines[-1]
            open_lines.pop()
            first = (original.date - YEAR.start).days
            offset = first + rng.randint(0, min(60, YEAR_DAYS - 1 - first))
            entry = Reversal(id=entry_id, reverses=original.id, date=day(offset), reason="error")
        elif r < 0.11:
            sid, p = rng.choice(scheme_ids), rng.choice(ids)
            current = sums.get((sid, p), 0)
            amount = rng.randint(1, 10**8)
            if current > 1 and rng.random() < 0.3:
                amount = -rng.randint(1, current // 2)
            sums[sid, p] = current + amount
            entry = Contribution(
                id=entry_id,
                partner=p,
                scheme=sid,
                year=YEAR,
                amount=pence_text(amount),
                effective_date=when,
                approval_ref=f"VAR-{entry_id}",
            )
        elif r < 0.16:
            entry = Instalment(
                id=entry_id,
                partner=rng.choice(others),
                scheme=rng.choice(scheme_ids),
                year=YEAR,
                amount=pence_text(rng.randint(1, 10**8)),
                due_date=when,
                paid_date=when if rng.random() < 0.9 else None,
            )
        elif r < 0.30:
            entry = Income(
                id=entry_id,
                scheme=rng.choice(scheme_ids),
                date=when,
                amount=pence_text(rng.choice((rng.randint(1, 999), rng.randint(1, 10**7)))),
            )
        else:
            net = rng.choice((rng.randint(-999, 999), rng.randint(1, 10**8)))
            vat = net // 5 if rng.random() < 0.5 else 0
            scheme = rng.choice(scheme_ids)
            recoverable = pence_text(rng.choice((0, vat, vat // 2)))
            procuring = rng.choice((None, rng.choice(ids)))
            entry = Expenditure(
                id=entry_id,
                scheme=scheme,
                date=when,
                net=pence_text(net),
                vat=pence_text(vat),
                vat_recoverable=recoverable,
                procuring_partner=procuring,
                # a capital item names its owner (PL-LED-007, refused when posted)
                capital=rng.random() < 0.02 and procuring is not None,
            )
        if isinstance(entry, Expenditure | Income):
            open_lines.append(entry)
        entries.append(entry)
    return agreement, entries
