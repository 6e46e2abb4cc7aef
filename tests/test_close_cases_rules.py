"""Year-end close cases where independent auditors' calculators disagreed with the close.

Each test builds a small inline agreement and ledger that gives the auditors' quoted
figures, and asserts the correct figure (worked out by hand with exact fractions and
the largest-remainder allocator: floors first, leftover pence to the largest
remainders, ties to the earlier partner).  Partners are ``COUNCIL`` (a local
authority, the host), ``ICB`` and ``TRUST`` (NHS bodies), in that order; the year
is 2025-26.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pooledledger import (
    Agreement,
    Entry,
    Expenditure,
    FinancialYear,
    Income,
    Instalment,
    Ledger,
    Reversal,
)
from pooledledger.books.journals import Account
from pooledledger.books.riskshare import BoardRuling
from pooledledger.model.agreement import LegalBasis, PlannedContribution, Scheme
from pooledledger.model.entries import Contribution, ContributionKind
from pooledledger.model.partners import Partner, PartnerKind
from pooledledger.model.rules import (
    CappedShares,
    FaultBearer,
    NoRiskShare,
    PartnerCap,
    PartnerShare,
    ProRataCommissioned,
    ProRataContributions,
    RiskPool,
    RiskShareRule,
    UnderspendDisposition,
    WindfallManaged,
)
from pooledledger.reports.memorandum import memorandum_account
from pooledledger.reports.note import pooled_budget_note
from pooledledger.yearend.close import YearEndClose, close_year

Y = FinancialYear(2025)
D = UnderspendDisposition

PARTNERS = {
    "COUNCIL": Partner(id="COUNCIL", name="Example Council", kind=PartnerKind.LOCAL_AUTHORITY),
    "ICB": Partner(id="ICB", name="NHS Example ICB", kind=PartnerKind.NHS_BODY),
    "TRUST": Partner(id="TRUST", name="Example NHS Trust", kind=PartnerKind.NHS_BODY),
}


def agreement(
    rule: RiskShareRule,
    contributions: dict[str, str],
    *,
    partners: Sequence[str] = ("COUNCIL", "ICB"),
    risk_pool: dict[str, str] | None = None,
    **scheme: object,
) -> Agreement:
    """One scheme ``S`` led by the council, with ``rule`` and these base contributions."""
    planned = [
        PlannedContribution(
            id=f"{p}-S",
            partner=p,
            scheme="S",
            year=Y,
            amount=amount,
            kind=ContributionKind.BASE,
            approval_ref=f"{p} approval",
        )
        for p, amount in contributions.items()
    ]
    planned += [
        PlannedContribution(
            id=f"{p}-RP",
            partner=p,
            scheme="RP",
            year=Y,
            amount=amount,
            kind=ContributionKind.RISK_POOL,
            approval_ref=f"{p} approval",
        )
        for p, amount in (risk_pool or {}).items()
    ]
    return Agreement(
        id="CASES",
        name="Close cases",
        legal_basis=LegalBasis.S75_NHSA2006,
        term_start=Y.start,
        term_end=Y.last_day,
        partners=tuple(PARTNERS[p] for p in partners),
        host="COUNCIL",
        pooled_fund_manager="Head of Finance",
        schemes=(
            Scheme(id="S", name="Scheme", lead_commissioner="COUNCIL", risk_share=rule, **scheme),
        ),
        contributions=tuple(planned),
        risk_pool=RiskPool() if risk_pool else None,
    )


def spend(
    entry_id: str,
    net: str,
    *,
    by: str | None = None,
    on: date = date(2025, 10, 1),
    **fields: object,
) -> Expenditure:
    return Expenditure(id=entry_id, scheme="S", date=on, net=net, procuring_partner=by, **fields)


def reverse(entry_id: str, on: date = date(2025, 11, 1)) -> Reversal:
    return Reversal(id=f"R-{entry_id}", reverses=entry_id, date=on, reason="posted in error")


def close(ag: Agreement, entries: Sequence[Entry], **kwargs: object) -> YearEndClose:
    return close_year(ag, Ledger(ag, entries), Y, **kwargs)  # type: ignore[call-overload,no-any-return]


# ------------------------------------------------------------ 5. reversals in rule inputs


def test_rs3_weights_leave_out_a_reversed_purchase() -> None:
    """RS3: a reversed £200,000.00 ICB purchase is not commissioned spending.

    Each partner contributes £500,000.00; the council commissions £600,000.00 and
    the ICB £500,000.00 that stands (plus £200,000.00 posted and reversed), so the
    scheme overspends by £100,000.00.  Shared 6:5 the council bears 54,545.45
    (6/11 of 10,000,000p = 5,454,545.45p) and the ICB 45,454.55.  Counting the
    reversed purchase (6:7) gave 46,153.85 / 53,846.15: 8,391.60 moved.
    """
    ag = agreement(ProRataCommissioned(), {"COUNCIL": "500000.00", "ICB": "500000.00"})
    entries: list[Entry] = [
        spend("C1", "600000.00", by="COUNCIL", agreement_ref="JCB 4"),
        spend("I1", "500000.00", by="ICB"),
        spend("I2", "200000.00", by="ICB", agreement_ref="JCB 4"),
        reverse("I2"),
    ]
    s = close(ag, entries).scheme("S")
    assert s.variance == 10000000
    assert s.deficit == {"COUNCIL": 5454545, "ICB": 4545455}


def test_rs9_a_reversed_unauthorised_line_is_not_borne_by_the_bearer() -> None:
    """RS9: the only unauthorised line (£30,000.00) was reversed, so nothing is at fault.

    Contributions 600,000.00 / 400,000.00; authorised spending 1,020,000.00, an
    overspend of 20,000.00 shared 3:2 by ``otherwise`` (RS1): 12,000.00 / 8,000.00.
    Counting the reversed line put all 20,000.00 on the council.
    """
    ag = agreement(FaultBearer(bearer="COUNCIL"), {"COUNCIL": "600000.00", "ICB": "400000.00"})
    entries: list[Entry] = [
        spend("A1", "1020000.00"),
        spend("X1", "30000.00", unauthorised=True),
        reverse("X1"),
    ]
    s = close(ag, entries).scheme("S")
    assert s.variance == 2000000
    assert s.deficit == {"COUNCIL": 1200000, "ICB": 800000}


def test_rs12_with_a_reversed_line_closes() -> None:
    """RS12: an ICB line posted in error and reversed no longer stops the close.

    The docs/risk-share/rs12-no-risk-share.md example (council 520,000.00, ICB
    490,000.00 on 500,000.00 each) plus an ICB line of 25,000.00 reversed: the council
    bears its own 20,000.00 and the ICB's own 10,000.00 underspend is refunded.
    """
    ag = agreement(NoRiskShare(), {"COUNCIL": "500000.00", "ICB": "500000.00"})
    entries: list[Entry] = [
        spend("C1", "520000.00", by="COUNCIL", agreement_ref="Cabinet item 3"),
        spend("I1", "490000.00", by="ICB"),
        spend("I2", "25000.00", by="ICB", agreement_ref="JCB 4"),
        reverse("I2"),
    ]
    s = close(ag, entries).scheme("S")
    assert s.deficit == {"COUNCIL": 2000000, "ICB": 0}
    assert s.underspend == {"COUNCIL": 0, "ICB": 1000000}
    assert s.net_share == {"COUNCIL": 52000000, "ICB": 49000000}


def test_rs12_after_the_risk_pool_the_other_partner_bears_none_of_an_own_overspend() -> None:
    """RS12 after the risk pool: the pool relieves the partner that overspent.

    Each partner contributes 500,000.00 and 10,000.00 to the risk pool.  The council
    spends 540,000.00 and the ICB exactly 500,000.00: an overspend of 40,000.00, all
    the council's own.  The risk pool covers 20,000.00; the residual 20,000.00 is the
    council's (the ICB bears 0, not 10,000.00 pro rata to contributions).
    """
    ag = agreement(
        NoRiskShare(),
        {"COUNCIL": "500000.00", "ICB": "500000.00"},
        risk_pool={"COUNCIL": "10000.00", "ICB": "10000.00"},
    )
    entries: list[Entry] = [
        spend("C1", "540000.00", by="COUNCIL", agreement_ref="Cabinet item 3"),
        spend("I1", "500000.00", by="ICB"),
    ]
    r = close(ag, entries)
    s = r.scheme("S")
    assert s.residual == 2000000
    assert s.deficit == {"COUNCIL": 2000000, "ICB": 0}
    assert s.underspend == {"COUNCIL": 0, "ICB": 0}
    assert r.conservation["in"] == r.conservation["out"]


# ------------------------------------------------------------ 6. additional contributions


def _additional_case() -> tuple[Agreement, list[Entry]]:
    """RS1, 500,000.00 each; the ICB pays an ADDITIONAL 20,000.00 in year; net 1,050,000.00."""
    ag = agreement(ProRataContributions(), {"COUNCIL": "500000.00", "ICB": "500000.00"})
    entries: list[Entry] = [
        Contribution(
            id="ICB-ADD",
            partner="ICB",
            scheme="S",
            year=Y,
            amount="20000.00",
            kind=ContributionKind.ADDITIONAL,
            effective_date=date(2026, 2, 1),
            approval_ref="ICB Board 2026-01-20 paper 4",
        ),
        Instalment(
            id="ICB-I1",
            partner="ICB",
            scheme="S",
            year=Y,
            amount="500000.00",
            due_date=date(2025, 4, 30),
            paid_date=date(2025, 4, 30),
        ),
        Instalment(
            id="ICB-I2",
            partner="ICB",
            scheme="S",
            year=Y,
            amount="20000.00",
            due_date=date(2026, 2, 27),
            paid_date=date(2026, 2, 27),
        ),
        spend("E1", "1080000.00"),
        Income(id="N1", scheme="S", date=date(2025, 12, 1), amount="30000.00"),
    ]
    return ag, entries


def test_an_additional_contribution_is_not_funding() -> None:
    """RS1 weights stay 500:500 and the variance 50,000.00; the ICB's 20,000.00 pays towards D.

    Treating it as funding moved the weights to 500:520 and 10,294.12 between partners
    (the council bore 14,705.88 instead of 25,000.00).
    """
    ag, entries = _additional_case()
    r = close(ag, entries)
    s = r.scheme("S")
    assert s.contributions == {"COUNCIL": 50000000, "ICB": 50000000}
    assert s.variance == 5000000
    assert s.deficit == {"COUNCIL": 2500000, "ICB": 2500000}
    assert s.net_share == {"COUNCIL": 52500000, "ICB": 52500000}
    icb = r.partner("ICB")
    assert icb.additional_paid == 2000000
    # it settles part of what the ICB owes: 25,000.00 less the 20,000.00 already paid
    assert icb.balance == -500000
    assert icb.settlement == -500000
    j = r.journals["ICB"]
    assert j.balance(Account.PAYABLE_TO_HOST) == -500000
    assert j.balance(Account.HELD_BY_HOST) == 0
    assert j.net_cost == 52500000
    assert j.balance_with("COUNCIL") + r.journals["COUNCIL"].balance_with("ICB") == 0
    assert r.conservation["in"] == r.conservation["out"]


def test_the_note_shows_funding_without_additional_contributions() -> None:
    """The £000 note: funding 1,000 and net deficit 50 (not 1,020 / 30); shares 25 / 25."""
    ag, entries = _additional_case()
    r = close(ag, entries)
    note = pooled_budget_note(ag, r)
    assert note.row("total_funding").thousands == 1000
    assert note.row("net").thousands == 50
    assert note.row("share:COUNCIL").pence == 2500000
    assert note.row("share:ICB").pence == 2500000
    assert note.casts
    memo = memorandum_account(ag, Ledger(ag, entries), r)
    assert memo.ok, [c for c in memo.checks if not c.holds]


def test_the_quarterly_projection_does_not_count_an_additional_contribution_as_funding() -> None:
    """The Q4 report's projected variance is 50,000.00, as the close's, not 30,000.00."""
    from pooledledger.reports.quarterly import quarterly_report

    ag, entries = _additional_case()
    q = quarterly_report(ag, Ledger(ag, entries), Y, 4, forecast={"S": 105000000})
    (s,) = q.schemes
    assert s.annual_funding == 100000000
    assert s.projected_variance == 5000000
    assert s.projected_deficit == {"COUNCIL": 2500000, "ICB": 2500000}


# ------------------------------------------------------------------------------ 7. RS11


def test_rs11_a_refunded_managed_part_keeps_the_whole_underspend() -> None:
    """RS11 with ``managed_disposition = REFUND``: the windfall and managed parts are both
    refunded; none of the 150,000.00 underspend is lost (it was 100,000.00 of 150,000.00).

    Contributions 700,000.00 / 300,000.00, spending 850,000.00; the board rules
    50,000.00 windfall.  Refunded: 105,000.00 / 45,000.00.
    """
    ag = agreement(
        WindfallManaged(managed_disposition=D.REFUND),
        {"COUNCIL": "700000.00", "ICB": "300000.00"},
    )
    entries = [spend("E1", "850000.00")]
    rulings = {"S": BoardRuling(windfall_pence=5000000, reference="Board minute 4")}
    r = close(ag, entries, rulings=rulings)
    s = r.scheme("S")
    assert s.underspend == {"COUNCIL": 10500000, "ICB": 4500000}
    assert s.dispositions == {D.REFUND.value: {"COUNCIL": 10500000, "ICB": 4500000}}
    assert r.partner("ICB").refunded == 4500000
    assert r.partner("ICB").settlement == 4500000
    memo = memorandum_account(ag, Ledger(ag, entries), r)
    assert memo.ok, [c for c in memo.checks if not c.holds]


def test_rs11_windfall_is_split_pro_rata_to_contributions() -> None:
    """RS11: the windfall is allocated by contributions (7:3), not by the rounded shares.

    Underspend 150,000.01 shared 7:3: 105,000.01 / 45,000.00 (exact 105,000.007 /
    45,000.003).  Windfall 50,000.02 by 7:3: exact 35,000.014 / 15,000.006, so
    35,000.01 / 15,000.01.  Split by the rounded shares it was 35,000.02 / 15,000.00.
    """
    ag = agreement(WindfallManaged(), {"COUNCIL": "700000.00", "ICB": "300000.00"})
    entries = [spend("E1", "849999.99")]
    rulings = {"S": BoardRuling(windfall_pence=5000002, reference="Board minute 4")}
    s = close(ag, entries, rulings=rulings).scheme("S")
    assert s.underspend == {"COUNCIL": 10500001, "ICB": 4500000}
    assert s.dispositions[D.REFUND] == {"COUNCIL": 3500001, "ICB": 1500001}
    assert s.dispositions[D.CARRY_FORWARD] == {"COUNCIL": 7000000, "ICB": 2999999}


# ------------------------------------------------------------------------------- 8. RS5


def test_rs5_two_underwriters_share_the_residual_in_one_split() -> None:
    """RS5: shares council 4/10, ICB 5/10, trust 1/10; the ICB capped at 40,000.00; the
    council and the trust underwrite.

    Overspend 100,000.03: the ICB bears its cap, and the underwriters' 60,000.03 is split
    once by their weights 4:1 (exact 48,000.024 / 12,000.006): 48,000.02 / 12,000.01.
    Splitting first by the shares and then the excess gave 48,000.03 / 12,000.00.
    """
    rule = CappedShares(
        shares=(
            PartnerShare(partner="COUNCIL", share="4/10"),
            PartnerShare(partner="ICB", share="5/10"),
            PartnerShare(partner="TRUST", share="1/10"),
        ),
        caps=(PartnerCap(partner="ICB", cap="40000.00"),),
        underwriters=("COUNCIL", "TRUST"),
    )
    ag = agreement(
        rule,
        {"COUNCIL": "400000.00", "ICB": "500000.00", "TRUST": "100000.00"},
        partners=("COUNCIL", "ICB", "TRUST"),
    )
    s = close(ag, [spend("E1", "1100000.03")]).scheme("S")
    assert s.deficit == {"COUNCIL": 4800002, "ICB": 4000000, "TRUST": 1200001}


# --------------------------------------------------------------- 9. presentation models


def test_a_principal_that_is_not_the_host_warns_at_year_end() -> None:
    """PRINCIPAL(ICB) with the council as host: shown as a joint operation at year end too,
    as docs/ledger.md says, with the PL-JNL-001 warning (it was dropped at year end)."""
    from pooledledger.model.agreement import Principal

    ag = agreement(
        ProRataContributions(),
        {"COUNCIL": "500000.00", "ICB": "500000.00"},
        accounting_model=Principal(partner="ICB"),
    )
    r = close(ag, [spend("E1", "1000000.00")])
    assert "PL-JNL-001" in [i.code for i in r.issues]
    # presented as a joint operation: each partner shows its own share gross
    assert r.journals["ICB"].balance(Account.EXPENDITURE_SHARE) == 50000000
    assert r.journals["COUNCIL"].balance(Account.EXPENDITURE_SHARE) == 50000000


def test_a_host_that_is_agent_while_contributing_warns() -> None:
    """AGENT(host) where the host contributes: PL-AGR-021 (an agent bears no outcome)."""
    from pooledledger.model.agreement import Agent
    from pooledledger.model.checks_agreement import validate_agreement

    ag = agreement(
        ProRataContributions(),
        {"COUNCIL": "500000.00", "ICB": "500000.00"},
        accounting_model=Agent(partner="COUNCIL"),
    )
    assert [i.code for i in validate_agreement(ag)] == ["PL-AGR-021"]
    not_paying = agreement(
        ProRataContributions(), {"ICB": "500000.00"}, accounting_model=Agent(partner="COUNCIL")
    )
    assert [i.code for i in validate_agreement(not_paying)] == []


# ------------------------------------------------------------- 10. explicit judgements


def _capital_and_revenue(capital_to_revenue: bool | None) -> tuple[Agreement, list[Entry]]:
    """A capital scheme CAP (not ring-fenced) underspent by 30,000.00 and a revenue scheme
    REV overspent by 20,000.00, each funded 500,000.00 / 500,000.00, offsetting allowed."""
    from pooledledger.model.agreement import FundingType
    from pooledledger.model.rules import Offsetting

    base = agreement(ProRataContributions(), {"COUNCIL": "500000.00", "ICB": "500000.00"})
    cap = Scheme(id="CAP", name="Capital", lead_commissioner="COUNCIL", funding=FundingType.CAPITAL)
    rev = Scheme(id="REV", name="Revenue", lead_commissioner="COUNCIL")
    planned = tuple(
        c.model_copy(update={"id": f"{c.partner}-{k}", "scheme": k})
        for k in ("CAP", "REV")
        for c in base.contributions
    )
    extra = {} if capital_to_revenue is None else {"capital_to_revenue": capital_to_revenue}
    ag = base.model_copy(
        update={
            "schemes": (cap, rev),
            "contributions": planned,
            "offsetting": Offsetting(allowed=True, agreement_ref="Clause 8.2", **extra),
        }
    )
    entries: list[Entry] = [
        Expenditure(id="E-CAP", scheme="CAP", date=date(2025, 9, 1), net="970000.00"),
        Expenditure(id="E-REV", scheme="REV", date=date(2025, 9, 1), net="1020000.00"),
    ]
    return ag, entries


def test_a_capital_underspend_does_not_offset_a_revenue_overspend_by_default() -> None:
    """Judgement (c), default: capital money stays with its scheme; REV's 20,000.00 is shared
    by its rule (10,000.00 each) and CAP's 30,000.00 underspend is refunded 15,000.00 each."""
    ag, entries = _capital_and_revenue(None)
    r = close(ag, entries)
    assert r.scheme("REV").offset == {"COUNCIL": 0, "ICB": 0}
    assert r.scheme("REV").deficit == {"COUNCIL": 1000000, "ICB": 1000000}
    assert r.scheme("CAP").underspend == {"COUNCIL": 1500000, "ICB": 1500000}
    assert "PL-CLS-010" not in [i.code for i in r.issues]


def test_a_capital_underspend_offsets_a_revenue_overspend_only_when_allowed_and_warns() -> None:
    """Judgement (c), ``capital_to_revenue = true``: the offset happens, with PL-CLS-010."""
    ag, entries = _capital_and_revenue(True)
    r = close(ag, entries)
    assert r.scheme("REV").offset == {"COUNCIL": 1000000, "ICB": 1000000}
    assert r.scheme("REV").deficit == {"COUNCIL": 0, "ICB": 0}
    assert r.scheme("CAP").underspend == {"COUNCIL": 500000, "ICB": 500000}
    assert [i.code for i in r.issues if i.code == "PL-CLS-010"] == ["PL-CLS-010"]


def test_rs9_unauthorised_spending_inside_an_underspend_does_not_cut_the_innocent_refund() -> None:
    """Judgement (a), default ``charge = ALL_UNAUTHORISED``.

    Contributions 600,000.00 / 400,000.00; authorised spending 970,000.00 and 10,000.00
    unauthorised: an underspend of 20,000.00.  Without the unauthorised line it would be
    30,000.00, shared 3:2 (18,000.00 / 12,000.00); the council bears its 10,000.00, so
    its underspend share is 8,000.00 and the ICB keeps its whole 12,000.00.  With
    ``OVERSPEND_ONLY`` the 20,000.00 is shared 3:2 and the ICB gets only 8,000.00.
    """
    from pooledledger.model.rules import FaultCharge

    contributions = {"COUNCIL": "600000.00", "ICB": "400000.00"}
    entries = [spend("A1", "970000.00"), spend("X1", "10000.00", unauthorised=True)]
    s = close(agreement(FaultBearer(bearer="COUNCIL"), contributions), entries).scheme("S")
    assert s.underspend == {"COUNCIL": 800000, "ICB": 1200000}
    old = FaultBearer(bearer="COUNCIL", charge=FaultCharge.OVERSPEND_ONLY)
    s = close(agreement(old, contributions), entries).scheme("S")
    assert s.underspend == {"COUNCIL": 1200000, "ICB": 800000}


def test_rs9_unauthorised_spending_never_draws_on_the_joint_risk_pool() -> None:
    """Judgement (a), default: the risk pool (15,000.00 each) meets only the authorised
    overspend of 15,000.00; the council bears its 10,000.00 of unauthorised spending and
    15,000.00 of the risk pool is unused.  With ``OVERSPEND_ONLY`` the pool met all 25,000.00.
    """
    from pooledledger.model.rules import FaultCharge

    contributions = {"COUNCIL": "600000.00", "ICB": "400000.00"}
    pool = {"COUNCIL": "15000.00", "ICB": "15000.00"}
    entries = [spend("A1", "1015000.00"), spend("X1", "10000.00", unauthorised=True)]
    ag = agreement(FaultBearer(bearer="COUNCIL"), contributions, risk_pool=pool)
    r = close(ag, entries)
    assert r.scheme("S").deficit == {"COUNCIL": 1000000, "ICB": 0}
    assert r.risk_pool is not None
    assert sum(r.risk_pool.used.values()) == 1500000
    assert r.conservation["in"] == r.conservation["out"]
    old = FaultBearer(bearer="COUNCIL", charge=FaultCharge.OVERSPEND_ONLY)
    r = close(agreement(old, contributions, risk_pool=pool), entries)
    assert r.scheme("S").deficit == {"COUNCIL": 0, "ICB": 0}


def test_agent_vat_applies_each_partners_own_regime_to_its_share() -> None:
    """VAT model AGENT: the council (s33) and the ICB (s41) fund 1:1 and the ICB leads.

    A purchase of 100,000.00 + VAT 20,000.00 (not a listed contracted-out service):
    the VAT splits 10,000.00 / 10,000.00; the council recovers its 10,000.00, the ICB
    none, so the pool cost is 110,000.00 (not 120,000.00 under the lead
    commissioner's regime) and the council's journal recovers 10,000.00.
    """
    from pooledledger.model.agreement import VatModel

    ag = agreement(ProRataContributions(), {"COUNCIL": "55000.00", "ICB": "55000.00"}).model_copy(
        update={"vat_model": VatModel.AGENT}
    )
    ag = ag.model_copy(
        update={"schemes": (ag.schemes[0].model_copy(update={"lead_commissioner": "ICB"}),)}
    )
    r = close(ag, [spend("E1", "100000.00", vat="20000.00")])
    s = r.scheme("S")
    assert s.expenditure == 11000000
    assert s.variance == 0
    assert r.journals["COUNCIL"].balance(Account.VAT_RECOVERABLE) == 1000000
    assert r.journals["ICB"].balance(Account.VAT_RECOVERABLE) == 0


def test_irrecoverable_vat_on_a_partners_own_purchase() -> None:
    """Judgement (b): the ICB (s41) buys 100,000.00 + VAT 20,000.00 itself, not a listed
    service, so 20,000.00 of VAT is irrecoverable.  Contributions 500,000.00 each; the
    council's authorised spending 900,000.00; pool cost 1,020,000.00, overspend 20,000.00.

    ``SHARED`` (default): the 20,000.00 is shared 1:1 (10,000.00 each).  ``PROCURER``:
    the ICB bears its own irrecoverable VAT; the rest of the variance (nil) is shared.
    """
    from pooledledger.model.agreement import IrrecoverableVat

    ag = agreement(ProRataContributions(), {"COUNCIL": "500000.00", "ICB": "500000.00"})
    entries: list[Entry] = [
        spend("C1", "900000.00"),
        spend("I1", "100000.00", by="ICB", vat="20000.00", agreement_ref="JCB 4"),
    ]
    s = close(ag, entries).scheme("S")
    assert s.variance == 2000000
    assert s.deficit == {"COUNCIL": 1000000, "ICB": 1000000}
    own = ag.model_copy(update={"irrecoverable_vat": IrrecoverableVat.PROCURER})
    s = close(own, entries).scheme("S")
    assert s.deficit == {"COUNCIL": 0, "ICB": 2000000}
    assert s.residual == 2000000


def test_the_judgement_options_are_in_the_agreement_and_its_json_schema() -> None:
    """Each judgement is an agreement option, read from a file and described by the schema."""
    import json

    from pooledledger.io.agreement_files import agreement_from_data, agreement_json_schema
    from pooledledger.model.agreement import IrrecoverableVat
    from pooledledger.model.rules import FaultCharge

    text = json.dumps(agreement_json_schema())
    for name in ("irrecoverable_vat", "capital_to_revenue", "ALL_UNAUTHORISED", "PROCURER"):
        assert name in text, name
    ag = agreement(FaultBearer(bearer="COUNCIL"), {"COUNCIL": "600000.00", "ICB": "400000.00"})
    data = ag.model_dump(mode="json") | {"irrecoverable_vat": "PROCURER"}
    data["offsetting"] = {"allowed": True, "agreement_ref": "8.2", "capital_to_revenue": True}
    data["schemes"][0]["risk_share"]["charge"] = "OVERSPEND_ONLY"
    loaded, issues = agreement_from_data(json.loads(json.dumps(data)), file="a.json")
    assert loaded is not None, [str(i) for i in issues]
    assert loaded.irrecoverable_vat is IrrecoverableVat.PROCURER
    assert loaded.offsetting.capital_to_revenue
    rule = loaded.schemes[0].risk_share
    assert isinstance(rule, FaultBearer)
    assert rule.charge is FaultCharge.OVERSPEND_ONLY
    # the defaults, with their reasons in docs/year-end.md#judgements
    assert ag.irrecoverable_vat is IrrecoverableVat.SHARED
    assert not ag.offsetting.capital_to_revenue
    assert FaultBearer(bearer="COUNCIL").charge is FaultCharge.ALL_UNAUTHORISED


def test_the_note_keeps_a_name_with_a_line_break_on_one_line() -> None:
    """Found by the termination output property after the generators drew more cases: a
    partner name with a line break and a ``|`` no longer starts a broken table row."""
    ag, entries = _additional_case()
    named = ag.model_copy(
        update={
            "partners": (
                ag.partners[0].model_copy(update={"name": "Council\n|# North"}),
                ag.partners[1],
            )
        }
    )
    text = pooled_budget_note(named, close(named, entries)).to_markdown()
    assert all(line.endswith("|") for line in text.splitlines() if line.startswith("|"))
