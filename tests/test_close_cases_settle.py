"""Settlement, journals and agreement of balances reconcile (issue 9, part).

Each test reproduces a case where independent auditors' calculators (exact
fractions, built from docs/year-end.md and docs/reports.md) disagreed with the
library, with the figure the auditors give.  Every scenario is a small inline
agreement and ledger: a council host and an ICB, pro rata risk share (RS1).
Every ledger here passes ``check_ledger`` with no errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

import pytest

from pooledledger.books.journals import Account
from pooledledger.books.ledger import Ledger
from pooledledger.core.errors import IssueError, has_errors
from pooledledger.core.periods import FinancialYear
from pooledledger.io.csv_files import read_ledger_csv
from pooledledger.model.agreement import (
    Agreement,
    LegalBasis,
    PlannedContribution,
    Scheme,
    VatModel,
)
from pooledledger.model.entries import (
    ContributionKind,
    Entry,
    Expenditure,
    Instalment,
)
from pooledledger.model.partners import Partner, PartnerKind
from pooledledger.model.rules import (
    RiskPool,
    RiskPoolUnused,
    UnderspendDisposition,
    UnderspendRule,
)
from pooledledger.reports.balances import agreement_of_balances
from pooledledger.reports.memorandum import memorandum_account
from pooledledger.reports.quarterly import quarterly_report
from pooledledger.reports.statements import partner_statements
from pooledledger.tables import settlement_table
from pooledledger.yearend.checks import check_ledger
from pooledledger.yearend.close import YearEndClose, close_year

Y25 = FinancialYear(2025)
Y26 = FinancialYear(2026)
PARTNERS = (
    Partner(id="COUNCIL", name="Example Council", kind=PartnerKind.LOCAL_AUTHORITY),
    Partner(id="ICB", name="NHS Example ICB", kind=PartnerKind.NHS_BODY, dhsc_group=True),
)
D = UnderspendDisposition


def agreement(
    schemes: Iterable[Scheme],
    contributions: Iterable[tuple[str, str, FinancialYear, str]],
    *,
    risk_pool: RiskPool | None = None,
    vat_model: VatModel = VatModel.LEAD_PARTNER_REGIME,
) -> Agreement:
    planned = tuple(
        PlannedContribution(
            id=f"C-{scheme}-{partner}-{year}",
            partner=partner,
            scheme=scheme,
            year=year,
            amount=amount,
            kind=ContributionKind.RISK_POOL
            if risk_pool is not None and scheme == risk_pool.id
            else ContributionKind.BASE,
            approval_ref="BUDGET",
        )
        for scheme, partner, year, amount in contributions
    )
    return Agreement(
        id="SETTLE",
        name="Settlement cases",
        legal_basis=LegalBasis.S75_NHSA2006,
        term_start=date(2025, 4, 1),
        term_end=date(2028, 3, 31),
        partners=PARTNERS,
        host="COUNCIL",
        pooled_fund_manager="Pooled fund manager",
        schemes=tuple(schemes),
        contributions=planned,
        risk_pool=risk_pool,
        vat_model=vat_model,
    )


def scheme(sid: str, disposition: D = D.REFUND, redeploy_to: str | None = None) -> Scheme:
    return Scheme(
        id=sid,
        name=f"Scheme {sid}",
        lead_commissioner="ICB",
        no_cross_subsidy=False,
        underspend=UnderspendRule(
            disposition=disposition,
            redeploy_to=redeploy_to,
            agreement_ref="JCB" if redeploy_to else None,
        ),
    )


def paid(sid: str, year: FinancialYear, amount: str, n: int = 1, **kw: object) -> Instalment:
    fields: dict[str, object] = {"due_date": year.start, "paid_date": year.start, **kw}
    return Instalment(
        id=f"I-{sid}-{year}-{n}", partner="ICB", scheme=sid, year=year, amount=amount, **fields
    )


def spend(eid: str, sid: str, on: date, net: str, **kw: object) -> Expenditure:
    return Expenditure(id=eid, scheme=sid, date=on, net=net, **kw)


def checked(ag: Agreement, entries: Iterable[Entry]) -> Ledger:
    ledger = Ledger(ag, entries)
    issues = check_ledger(ledger)
    assert not has_errors(issues), issues
    return ledger


def reconciles(ag: Agreement, ledger: Ledger, r: YearEndClose, partner: str = "ICB") -> int:
    """The settlement schedule, the partner's journal and month-12 AoB agree; the figure."""
    pc = r.partner(partner)
    j = r.journals[partner]
    row = agreement_of_balances(ag, ledger, r.year, 12, close=r).row(partner)
    assert row.mirror
    assert j.balance_with(ag.host) == pc.balance_with_host
    assert row.partner_receivable - row.partner_payable == pc.balance_with_host
    assert row.host_payable - row.host_receivable == pc.balance_with_host
    statement = partner_statements(ag, r)[partner]
    assert statement.balance_with_host == pc.balance_with_host
    assert statement.reconciles
    assert "agrees to section 4" in statement.to_markdown()
    return pc.balance_with_host


# ------------------------------------------------------------- 1. years that follow on


def two_years() -> tuple[Agreement, Ledger, YearEndClose, Ledger]:
    """2025-26 then 2026-27; the ICB's figures are the auditors'.

    2025-26: S1 (carry forward) council 100,000 and ICB 100,000, spend 170,000, so
    15,000.00 each is carried forward; S2 (redeploy to S3) ICB 50,000, spend
    47,200, so 2,800.00 is redeployed; a risk pool of 15,000.00 each, unused and
    carried forward.  The ICB's balance held by the host at 31 March 2026 is
    32,800.00.

    2026-27: new contributions S1 council 100,000 and ICB 100,000 (both with their
    15,000 brought forward, spend 230,000: nil variance), S3 ICB 20,000 (with its
    2,800 redeployed, spend 20,962.15: underspend 1,837.85 refunded); the risk
    pool (15,000 each brought forward) is unused and carried forward again.  The
    host pays the ICB 1,837.85, and the ICB's balance with the host at 31 March
    2027 is that refund plus the 15,000.00 risk pool still held: 16,837.85.  The
    old journal said the ICB owed 30,962.15 (1,837.85 - 32,800.00).
    """
    rp = RiskPool(id="RP", unused=RiskPoolUnused.CARRY_FORWARD)
    ag = agreement(
        [scheme("S1", D.CARRY_FORWARD), scheme("S2", D.REDEPLOY, "S3"), scheme("S3")],
        [
            ("S1", "COUNCIL", Y25, "100000.00"),
            ("S1", "ICB", Y25, "100000.00"),
            ("S2", "ICB", Y25, "50000.00"),
            ("RP", "COUNCIL", Y25, "15000.00"),
            ("RP", "ICB", Y25, "15000.00"),
            ("S1", "COUNCIL", Y26, "100000.00"),
            ("S1", "ICB", Y26, "100000.00"),
            ("S3", "ICB", Y26, "20000.00"),
        ],
        risk_pool=rp,
    )
    first = checked(
        ag,
        [
            paid("S1", Y25, "100000.00"),
            paid("S2", Y25, "50000.00"),
            paid("RP", Y25, "15000.00"),
            spend("E1", "S1", date(2025, 6, 1), "170000.00"),
            spend("E2", "S2", date(2025, 6, 1), "47200.00"),
        ],
    )
    c1 = close_year(ag, first, Y25)
    second = checked(
        ag,
        [
            *first.post(*c1.entries).entries,
            paid("S1", Y26, "100000.00"),
            paid("S3", Y26, "20000.00"),
            spend("E3", "S1", date(2026, 6, 1), "230000.00"),
            spend("E4", "S3", date(2026, 6, 1), "20962.15"),
        ],
    )
    return ag, second, close_year(ag, second, Y26), first


class TestYearsThatFollowOn:
    def test_first_year_holds_32800_for_the_icb(self) -> None:
        ag, _, _, first = two_years()
        c1 = close_year(ag, first, Y25)
        icb = c1.partner("ICB")
        assert (icb.carried_forward, icb.redeployed, icb.unused_risk_pool) == (
            1500000,
            280000,
            1500000,
        )
        assert icb.held == 3280000
        assert reconciles(ag, first, c1) == 3280000

    def test_settlement_is_host_pays_icb_1837_85(self) -> None:
        _, _, r, _ = two_years()
        icb = r.partner("ICB")
        assert icb.opening_balance == 3280000
        assert icb.settlement == 183785
        assert icb.unpaid_contributions == 0

    def test_journal_and_balances_agree_with_the_settlement(self) -> None:
        ag, ledger, r, _ = two_years()
        j = r.journals["ICB"]
        # no additional contribution: the 32,800.00 was already held by the host
        assert j.refs("P4") == ()
        assert sum(x.debit for x in j.refs("P6") if x.account is Account.REFUND_DUE_FROM_HOST) == (
            183785
        )
        assert reconciles(ag, ledger, r) == 183785 + 1500000
        row = agreement_of_balances(ag, ledger, Y26, 12, close=r).row("ICB")
        assert (row.host_receivable, row.partner_payable) == (0, 0)

    def test_journals_open_with_the_balance_held(self) -> None:
        _, _, r, _ = two_years()
        icb, council = r.journals["ICB"], r.journals["COUNCIL"]
        opening = [x for x in icb.refs("OB") if x.account is Account.HELD_BY_HOST]
        assert sum(x.debit for x in opening) == 3280000
        assert icb.is_balanced
        assert council.is_balanced
        held_for = [x for x in council.refs("OB") if x.account is Account.FUNDS_HELD_FOR]
        assert sum(x.credit for x in held_for) == 3280000

    def test_host_reserve_is_released_when_applied(self) -> None:
        """H11: the council's own 15,000.00 c/f and 15,000.00 risk pool go to the reserve
        in 2025-26 and are released in 2026-27; the risk pool carried again is reserved."""
        ag, _, r, first = two_years()
        c1 = close_year(ag, first, Y25)
        assert c1.journals["COUNCIL"].balance(Account.EARMARKED_RESERVE) == -3000000
        j = r.journals["COUNCIL"]
        released = sum(x.debit for x in j.refs("H11") if x.account is Account.EARMARKED_RESERVE)
        assert released == 3000000
        # the closing reserve is what the host holds of its own money for 2027-28
        assert j.balance(Account.EARMARKED_RESERVE) == -1500000
        assert r.partner("COUNCIL").held == 1500000

    def test_memorandum_brings_forward_what_was_carried(self) -> None:
        """A of 2026-27 is J of 2025-26, the risk pool included (it used to come back as
        a new RISK_POOL contribution in B, needing instalments)."""
        ag, ledger, r, first = two_years()
        m1 = memorandum_account(ag, first, close_year(ag, first, Y25))
        m2 = memorandum_account(ag, ledger, r)
        assert m2.brought_forward == m1.carried_forward
        assert m2.brought_forward["ICB"]["RP"] == 1500000
        assert m2.ok


# ------------------------------------------------------------- 2. unpaid instalments


def half_paid(late: bool = False) -> tuple[Agreement, Ledger]:
    """Council 800,000.00 and ICB 300,000.00 to S1; spend 1,120,000.00: an overspend
    of 20,000.00, of which the ICB's 3/11 is 5,454.55.  The ICB has paid Q1 and Q2
    (75,000.00 each); Q3 and Q4 are unpaid at 31 March.  With ``late`` Q3 is paid
    on 15 April 2026, after the year end, for 2025-26."""
    ag = agreement(
        [scheme("S1")], [("S1", "COUNCIL", Y25, "800000.00"), ("S1", "ICB", Y25, "300000.00")]
    )
    q3_paid = date(2026, 4, 15) if late else None
    return ag, checked(
        ag,
        [
            paid("S1", Y25, "75000.00", 1, due_date=date(2025, 4, 1), paid_date=date(2025, 4, 1)),
            paid("S1", Y25, "75000.00", 2, due_date=date(2025, 7, 1), paid_date=date(2025, 7, 1)),
            paid("S1", Y25, "75000.00", 3, due_date=date(2025, 10, 1), paid_date=q3_paid),
            paid("S1", Y25, "75000.00", 4, due_date=date(2026, 1, 1), paid_date=None),
            spend("E1", "S1", date(2025, 6, 1), "1120000.00"),
        ],
    )


class TestUnpaidInstalments:
    def test_debtor_on_its_own_line(self) -> None:
        ag, ledger = half_paid()
        r = close_year(ag, ledger, Y25)
        icb = r.partner("ICB")
        assert icb.balance == -545455
        assert icb.settlement == -545455
        assert icb.unpaid_contributions == 15000000
        assert icb.amount_due == -15545455  # what moves after counting both
        assert reconciles(ag, ledger, r) == -15545455
        j = r.journals["ICB"]
        assert j.balance(Account.CONTRIBUTION_PAYABLE, counterparty="COUNCIL") == -15000000
        assert j.balance(Account.PAYABLE_TO_HOST, counterparty="COUNCIL") == -545455
        row = agreement_of_balances(ag, ledger, Y25, 12, close=r).row("ICB")
        assert row.unpaid_contributions == 15000000
        statement = partner_statements(ag, r)["ICB"]
        assert statement.unpaid_contributions == 15000000
        assert "instalments unpaid at 31 March" in statement.to_markdown()
        table = settlement_table(r)
        icb_row = next(x for x in table.rows if x["partner"] == "ICB")
        assert icb_row["unpaid_contributions_pence"] == 15000000
        assert icb_row["amount_due_pence"] == -15545455

    def test_unpaid_instalments_warn(self) -> None:
        ag, ledger = half_paid()
        r = close_year(ag, ledger, Y25)
        warnings = [i for i in r.issues if i.code == "PL-CLS-004"]
        assert len(warnings) == 1
        assert "150,000.00" in warnings[0].message

    def test_late_payment_is_accepted_for_its_year(self) -> None:
        ag, ledger = half_paid(late=True)  # checked(): no PL-LED-004
        r = close_year(ag, ledger, Y25)
        icb = r.partner("ICB")
        assert icb.unpaid_contributions == 15000000  # still a debtor at 31 March
        assert icb.paid_after_year_end == 7500000
        assert icb.amount_due == -545455 - 7500000
        assert reconciles(ag, ledger, r) == -15545455

    def test_late_payment_clears_the_debtor_next_year(self) -> None:
        ag, ledger = half_paid(late=True)
        r = close_year(ag, ledger, Y25)
        nxt = ledger.post(*r.entries)
        r2 = close_year(ag, nxt, Y26)
        j = r2.journals["ICB"]
        # opened with the 150,000.00 debtor, 75,000.00 of it paid on 15 April
        assert j.balance(Account.CONTRIBUTION_PAYABLE, counterparty="COUNCIL") == -7500000
        assert r2.partner("ICB").unpaid_earlier_years == 7500000
        assert reconciles(ag, nxt, r2) == -7500000

    def test_an_earlier_years_instalment_paid_after_this_year_end(self) -> None:
        """Q3 paid on 15 April 2026, Q4 only on 9 April 2027, after 2026-27 ends: closing
        2026-27, the ICB still owed 75,000.00 of 2025-26 at 31 March 2027 (an earlier
        year's arrears) and paid it after that year end; Q4's 75,000.00 is both."""
        ag, ledger = half_paid(late=True)
        r = close_year(ag, ledger, Y25)
        q4 = next(i for i in ledger.instalments(Y25) if i.due_date == date(2026, 1, 1))
        paid_late = q4.model_copy(update={"id": "ICB-S1-Q4-PAID", "paid_date": date(2027, 4, 9)})
        rest = [e for e in ledger.entries if e.id != q4.id]
        nxt = Ledger(ag, [*rest, paid_late, *r.entries])
        r2 = close_year(ag, nxt, Y26)
        icb = r2.partner("ICB")
        assert icb.unpaid_earlier_years == 7500000
        assert icb.paid_after_year_end == 7500000
        assert icb.unpaid_contributions == 0

    def test_two_instalments_paid_after_the_year_end_add_up(self) -> None:
        """Q3 paid on 15 April 2026 and Q4 on 20 April 2026: both after the year end, for
        2025-26: 150,000.00 paid after the year end, all of the 31 March debtor."""
        ag, ledger = half_paid(late=True)
        q4 = next(i for i in ledger.instalments(Y25) if i.due_date == date(2026, 1, 1))
        paid_q4 = q4.model_copy(update={"paid_date": date(2026, 4, 20)})
        both = Ledger(ag, [paid_q4 if e.id == q4.id else e for e in ledger.entries])
        icb = close_year(ag, both, Y25).partner("ICB")
        assert icb.unpaid_contributions == 15000000
        assert icb.paid_after_year_end == 15000000

    def test_paid_date_after_year_end_is_not_refused(self) -> None:
        _, ledger = half_paid()
        early = Instalment(
            id="EARLY",
            partner="ICB",
            scheme="S1",
            year=Y25,
            amount="1.00",
            due_date=date(2025, 4, 1),
            paid_date=date(2025, 3, 1),
        )
        # an entry-level error: refused when posted (docs/ledger.md#the-gate)
        with pytest.raises(IssueError) as refused:
            ledger.post(early)
        issues = [i for i in refused.value.issues if i.code == "PL-LED-004"]
        assert [(i.location.entry_id, i.location.field) for i in issues] == [("EARLY", "paid_date")]
        wrong_due = early.model_copy(
            update={"id": "WRONG", "due_date": date(2026, 4, 1), "paid_date": None}
        )
        with pytest.raises(IssueError) as refused:
            ledger.post(wrong_due)
        issues = [i for i in refused.value.issues if i.code == "PL-LED-004"]
        assert [(i.location.entry_id, i.location.field) for i in issues] == [("WRONG", "due_date")]


# ------------------------------------------------------------- 3. VAT recharges


def vat_case(model: VatModel) -> tuple[Agreement, Ledger]:
    """Council 100,000.00 and ICB 100,000.00 to S1, spend 200,000.00 net: nil variance.

    LEAD_PARTNER_REGIME: one invoice procured by the ICB, net 40,000.00 + VAT
    8,000.00 on a contracted-out service; the host pays it and the ICB recovers
    the 8,000.00 under s41, so owes it to the host.  AGENT: the ICB is the scheme's
    lead commissioner; on 90,000.00 + VAT 18,000.00 each partner recovers its own
    half under its own regime (the council 9,000.00 under s33, the ICB 9,000.00
    under s41, which it owes the host).
    """
    ag = agreement(
        [scheme("S1")],
        [("S1", "COUNCIL", Y25, "100000.00"), ("S1", "ICB", Y25, "100000.00")],
        vat_model=model,
    )
    if model is VatModel.AGENT:
        lines = [
            spend("E1", "S1", date(2025, 6, 1), "90000.00", vat="18000.00", cos_listed=True),
            spend("E2", "S1", date(2025, 7, 1), "110000.00"),
        ]
    else:
        lines = [
            spend(
                "E1",
                "S1",
                date(2025, 6, 1),
                "40000.00",
                vat="8000.00",
                cos_listed=True,
                procuring_partner="ICB",
            ),
            spend("E2", "S1", date(2025, 7, 1), "160000.00"),
        ]
    return ag, checked(ag, [paid("S1", Y25, "100000.00"), *lines])


class TestVatRecharge:
    def test_8000_recharge_is_in_the_settlement(self) -> None:
        ag, ledger = vat_case(VatModel.LEAD_PARTNER_REGIME)
        r = close_year(ag, ledger, Y25)
        icb = r.partner("ICB")
        assert icb.balance == 0
        assert icb.vat_recharge == 800000
        assert icb.settlement == -800000
        assert reconciles(ag, ledger, r) == -800000
        statement = partner_statements(ag, r)["ICB"]
        assert statement.vat_recharge == 800000
        assert "VAT recovered by the partner, owed to the host" in statement.to_markdown()
        icb_row = next(x for x in settlement_table(r).rows if x["partner"] == "ICB")
        assert icb_row["vat_recharge_pence"] == 800000
        assert icb_row["settlement_pence"] == -800000

    def test_9000_recharge_under_the_agent_model(self) -> None:
        # each partner is the principal for VAT on its share (issue 9, point 9): the
        # ICB recovers 9,000.00 of the 18,000.00, not all of it (18,000.00 before)
        ag, ledger = vat_case(VatModel.AGENT)
        r = close_year(ag, ledger, Y25)
        assert r.partner("ICB").vat_recharge == 900000
        assert r.partner("ICB").settlement == -900000
        assert reconciles(ag, ledger, r) == -900000


# ------------------------------------------------------------- 10d/e. capital, paid by


class TestCapitalAndDirectPayment:
    def base(self, **kw: object) -> tuple[Agreement, Ledger]:
        """Council and ICB 50,000.00 each to S1; a 40,000.00 capital item procured by
        the ICB and 60,000.00 of other spending: nil variance, 50/50 shares."""
        ag = agreement(
            [scheme("S1")], [("S1", "COUNCIL", Y25, "50000.00"), ("S1", "ICB", Y25, "50000.00")]
        )
        return ag, checked(
            ag,
            [
                paid("S1", Y25, "50000.00"),
                spend(
                    "CAP",
                    "S1",
                    date(2025, 6, 1),
                    "40000.00",
                    capital=True,
                    procuring_partner="ICB",
                    **kw,
                ),
                spend("E2", "S1", date(2025, 7, 1), "60000.00"),
            ],
        )

    def test_capital_item_at_cost_on_the_owner_register(self) -> None:
        """P8: the ICB's PPE is the item's cost, 40,000.00, not its 50% share."""
        ag, ledger = self.base()
        r = close_year(ag, ledger, Y25)
        j = r.journals["ICB"]
        assert j.balance(Account.ASSETS) == 4000000
        assert j.net_cost == r.partner("ICB").net_share == 5000000
        assert r.journals["COUNCIL"].balance(Account.ASSETS) == 0
        assert reconciles(ag, ledger, r) == 0

    def test_paid_directly_by_the_icb(self) -> None:
        """The ICB pays the 40,000.00 supplier itself: its money into the pool."""
        ag, ledger = self.base(paid_by="ICB")
        r = close_year(ag, ledger, Y25)
        icb = r.partner("ICB")
        assert icb.paid_directly == 4000000
        assert icb.settlement == 4000000  # the host owes it back: it paid in 90,000
        assert reconciles(ag, ledger, r) == 4000000
        j, host = r.journals["ICB"], r.journals["COUNCIL"]
        assert j.balance(Account.CASH) == -9000000
        assert host.balance(Account.TRADE_PAYABLES) == -6000000
        assert host.balance(Account.POOL_EXPENDITURE_CLEARING) == 0

    def test_paid_by_from_a_csv_ledger(self, tmp_path: Path) -> None:
        ag, _ = self.base()
        path = tmp_path / "ledger.csv"
        path.write_text(
            "entry,id,scheme,partner,year,amount,due_date,paid_date,date,net,"
            "procuring_partner,paid_by,capital\n"
            "instalment,I1,S1,ICB,2025-26,50000.00,2025-04-01,2025-04-01,,,,,\n"
            "expenditure,CAP,S1,,,,,,2025-06-01,40000.00,ICB,ICB,yes\n"
            "expenditure,E2,S1,,,,,,2025-07-01,60000.00,,,\n",
            encoding="utf-8",
        )
        ledger, issues = read_ledger_csv(ag, path)
        assert ledger is not None, issues
        assert close_year(ag, ledger, Y25).partner("ICB").paid_directly == 4000000

    def test_unknown_payer_is_named(self) -> None:
        _, ledger = self.base()
        odd = spend("ODD", "S1", date(2025, 8, 1), "1.00", paid_by="NOBODY")
        with pytest.raises(IssueError) as refused:  # refused when posted
            ledger.post(odd)
        found = [
            (i.location.entry_id, i.location.field)
            for i in refused.value.issues
            if i.code == "PL-LED-002"
        ]
        assert found == [("ODD", "paid_by")]


def test_quarterly_projection_does_not_call_instalments_overdue() -> None:
    """Q2 of the half-paid year: Q3 and Q4 are not due yet, so no PL-CLS-004."""
    ag, ledger = half_paid()
    report = quarterly_report(ag, ledger, Y25, 2)
    assert "PL-CLS-004" not in [i.code for i in report.issues]


def test_in_year_balances_show_instalments_due_and_unpaid() -> None:
    """Month 6: Q1 and Q2 paid, nothing overdue; month 9: Q3 (due 1 October) unpaid."""
    ag, ledger = half_paid()
    month6 = agreement_of_balances(ag, ledger, Y25, 6).row("ICB")
    month9 = agreement_of_balances(ag, ledger, Y25, 9).row("ICB")
    assert (month6.unpaid_contributions, month9.unpaid_contributions) == (0, 7500000)
    assert month9.mirror
