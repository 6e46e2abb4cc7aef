"""The pool ledger, in-year apportionment, VAT, journals and ledger checks (issue 3).

Scenario tests on small inline agreements; domain.md §7 before year end to the penny.
"""

from __future__ import annotations

import random
from datetime import date
from fractions import Fraction

import pytest
from moneyed import Money

from pooledledger.books.apportion import apportion
from pooledledger.books.journals import Account, build_journals
from pooledledger.books.ledger import EntryConflictError, Ledger, LedgerError, pool_cost
from pooledledger.core.errors import IssueError
from pooledledger.core.periods import FinancialYear
from pooledledger.model.agreement import (
    Agent,
    Agreement,
    JointOperation,
    PlannedContribution,
    Principal,
    Scheme,
    VatModel,
)
from pooledledger.model.entries import (
    Contribution,
    Entry,
    Expenditure,
    Income,
    Instalment,
    Reversal,
)
from pooledledger.model.partners import Partner, PartnerKind, VatRegime
from pooledledger.yearend.checks import check_ledger

Y = FinancialYear(2007)
QUARTER_DAYS = [date(2007, 4, 15), date(2007, 7, 15), date(2007, 10, 15), date(2008, 1, 15)]


def example1(**scheme_fields: object) -> Agreement:
    """domain.md §7: LA host and two PCTs, contributions 600k / 300k / 100k."""
    return Agreement(
        id="EX1",
        name="Learning disability pool",
        legal_basis="S31_HA1999",
        term_start=date(2007, 4, 1),
        term_end=date(2008, 3, 31),
        partners=(
            Partner(id="LA", name="Council", kind=PartnerKind.LOCAL_AUTHORITY),
            Partner(id="PCT1", name="PCT One", kind=PartnerKind.NHS_BODY),
            Partner(id="PCT2", name="PCT Two", kind=PartnerKind.NHS_BODY),
        ),
        host="LA",
        pooled_fund_manager="Head of Joint Commissioning",
        schemes=(Scheme(id="POOL", name="Pooled fund", lead_commissioner="LA", **scheme_fields),),
        contributions=tuple(
            PlannedContribution(
                id=f"C-{p}",
                partner=p,
                scheme="POOL",
                year=Y,
                amount=a,
                approval_ref=f"{p} budget 2007-08",
            )
            for p, a in [("LA", "600000.00"), ("PCT1", "300000.00"), ("PCT2", "100000.00")]
        ),
    )


def example1_entries() -> list[Entry]:
    """E = 1,080,000.00 in twelve monthly invoices, I = 30,000.00, quarterly instalments."""
    entries: list[Entry] = [
        Expenditure(
            id=f"INV-{m:02d}",
            scheme="POOL",
            date=Y.month(m).start,
            net="90000.00",
            supplier="Care provider",
        )
        for m in range(1, 13)
    ]
    entries.append(
        Income(
            id="CHG-1",
            scheme="POOL",
            date=date(2007, 9, 30),
            amount="30000.00",
            source="client charges",
        )
    )
    for p, amount in [("PCT1", "75000.00"), ("PCT2", "25000.00")]:
        entries += [
            Instalment(
                id=f"{p}-Q{q}",
                partner=p,
                scheme="POOL",
                year=Y,
                amount=amount,
                due_date=d,
                paid_date=d,
            )
            for q, d in enumerate(QUARTER_DAYS, 1)
        ]
    return entries


@pytest.fixture
def ledger() -> Ledger:
    return Ledger(example1(), example1_entries())


class TestExample1BeforeYearEnd:
    """domain.md §7.2, §7.4 (P1-P3) and §7.5 (H1, H3, H5, H6, H7)."""

    def test_shares_of_gross_expenditure_and_income(self, ledger: Ledger) -> None:
        ap = apportion(ledger, Y)
        assert ap.by_partner() == {
            "LA": {"expenditure": 64800000, "income": 1800000, "net": 63000000},
            "PCT1": {"expenditure": 32400000, "income": 900000, "net": 31500000},
            "PCT2": {"expenditure": 10800000, "income": 300000, "net": 10500000},
        }
        assert ap.issues == ()

    def test_pct1_journal(self, ledger: Ledger) -> None:
        journals, issues = build_journals(ledger, apportion(ledger, Y))
        j = journals["PCT1"]
        assert issues == []
        assert [(x.ref, x.account, x.debit, x.credit) for x in j.lines] == [
            ("P1", Account.HELD_BY_HOST, 30000000, 0),
            ("P1", Account.CASH, 0, 30000000),
            ("P2", Account.EXPENDITURE_SHARE, 32400000, 0),
            ("P2", Account.HELD_BY_HOST, 0, 32400000),
            ("P3", Account.HELD_BY_HOST, 900000, 0),
            ("P3", Account.INCOME_SHARE, 0, 900000),
        ]
        assert j.is_balanced
        assert j.net_cost == 31500000
        # held by host: 300,000 - 324,000 + 9,000 = (15,000): the deficit to settle (P4)
        assert j.balance_with("LA") == -1500000

    def test_pct2_journal(self, ledger: Ledger) -> None:
        j = build_journals(ledger, apportion(ledger, Y))[0]["PCT2"]
        assert j.balance(Account.EXPENDITURE_SHARE) == 10800000
        assert j.balance(Account.INCOME_SHARE) == -300000
        assert j.balance(Account.CASH) == -10000000
        assert j.balance_with("LA") == -500000

    def test_host_journal(self, ledger: Ledger) -> None:
        j = build_journals(ledger, apportion(ledger, Y))[0]["LA"]
        assert [(x.ref, x.account, x.counterparty, x.debit, x.credit) for x in j.lines] == [
            ("H1", Account.CASH, None, 30000000, 0),
            ("H1", Account.FUNDS_HELD_FOR, "PCT1", 0, 30000000),
            ("H1", Account.CASH, None, 10000000, 0),
            ("H1", Account.FUNDS_HELD_FOR, "PCT2", 0, 10000000),
            ("H3", Account.POOL_EXPENDITURE_CLEARING, None, 108000000, 0),
            ("H3", Account.TRADE_PAYABLES, None, 0, 108000000),
            ("H5", Account.CASH, None, 3000000, 0),
            ("H5", Account.POOL_INCOME_CLEARING, None, 0, 3000000),
            ("H6", Account.EXPENDITURE_SHARE, None, 64800000, 0),
            ("H6", Account.FUNDS_HELD_FOR, "PCT1", 32400000, 0),
            ("H6", Account.FUNDS_HELD_FOR, "PCT2", 10800000, 0),
            ("H6", Account.POOL_EXPENDITURE_CLEARING, None, 0, 108000000),
            ("H7", Account.POOL_INCOME_CLEARING, None, 3000000, 0),
            ("H7", Account.INCOME_SHARE, None, 0, 1800000),
            ("H7", Account.FUNDS_HELD_FOR, "PCT1", 0, 900000),
            ("H7", Account.FUNDS_HELD_FOR, "PCT2", 0, 300000),
        ]
        assert j.is_balanced
        assert j.balance(Account.POOL_EXPENDITURE_CLEARING) == 0
        assert j.balance(Account.POOL_INCOME_CLEARING) == 0
        assert j.net_cost == 63000000
        # mirror (I-6): host's balance with each partner is minus the partner's
        assert j.balance_with("PCT1") == 1500000
        assert j.balance_with("PCT2") == 500000

    def test_period_to_date(self, ledger: Ledger) -> None:
        """Half year to 30 September: six invoices, the income, two instalments each."""
        ap = apportion(ledger, Y, upto=date(2007, 10, 1))
        assert ap.by_partner()["PCT1"] == {
            "expenditure": 16200000,
            "income": 900000,
            "net": 15300000,
        }
        j = build_journals(ledger, ap)[0]["PCT1"]
        assert j.balance(Account.CASH) == -15000000
        assert j.balance_with("LA") == 15000000 - 16200000 + 900000

    def test_queries(self, ledger: Ledger) -> None:
        assert ledger.totals().expenditure == 108000000
        assert ledger.totals().net == 105000000
        months = ledger.totals_by_month(Y)
        assert months[1].expenditure == 9000000
        assert months[6].income == 3000000
        assert sum(t.expenditure for t in months.values()) == 108000000
        assert ledger.totals_by_quarter(Y)[2].income == 3000000
        assert ledger.year_to_date(Y, date(2007, 7, 1)).expenditure == 27000000
        assert ledger.totals_by_scheme()["POOL"].income == 3000000

    def test_no_issues(self, ledger: Ledger) -> None:
        assert check_ledger(ledger) == []


class TestLedgerBehaviour:
    def test_input_order_never_changes_results(self) -> None:
        entries = [
            *example1_entries(),
            Expenditure(id="ODD", scheme="POOL", date=date(2007, 5, 3), net="0.01"),
            Expenditure(id="ODD2", scheme="POOL", date=date(2007, 5, 3), net="0.02"),
        ]
        base = apportion(Ledger(example1(), entries), Y)
        for seed in range(5):
            shuffled = entries[:]
            random.Random(seed).shuffle(shuffled)
            other = apportion(Ledger(example1(), shuffled), Y)
            assert other.lines == base.lines

    def test_identical_repost_is_a_no_op(self, ledger: Ledger) -> None:
        again = ledger.post(*example1_entries()[:3])
        assert again == ledger
        assert len(again) == len(ledger)

    def test_same_id_different_content_is_an_error(self, ledger: Ledger) -> None:
        with pytest.raises(EntryConflictError, match="INV-01"):
            ledger.post(
                Expenditure(id="INV-01", scheme="POOL", date=date(2007, 4, 1), net="90000.01")
            )

    def test_reversal_copies_negated_shares(self, ledger: Ledger) -> None:
        odd = Expenditure(id="ODD", scheme="POOL", date=date(2007, 5, 3), net="0.05")
        led = ledger.post(
            odd,
            Reversal(id="REV", reverses="ODD", date=date(2008, 3, 1), reason="duplicate invoice"),
        )
        ap = apportion(led, Y)
        original, reversal = ap.line("ODD"), ap.line("REV")
        assert sum(original.shares.values()) == 5
        assert reversal.shares == {p: -v for p, v in original.shares.items()}
        assert reversal.reverses == "ODD"
        assert ap.by_partner() == apportion(ledger, Y).by_partner()

    @pytest.mark.parametrize(
        ("entry", "match"),
        [
            (Reversal(id="R", reverses="NOPE", date=date(2007, 6, 1), reason="x"), "not an"),
            (Reversal(id="R", reverses="INV-06", date=date(2007, 6, 1), reason="x"), "before"),
        ],
    )
    def test_bad_reversals(self, ledger: Ledger, entry: Entry, match: str) -> None:
        with pytest.raises(LedgerError, match=match):
            ledger.post(entry)

    def test_reversed_twice(self, ledger: Ledger) -> None:
        r1 = Reversal(id="R1", reverses="INV-01", date=date(2007, 6, 1), reason="x")
        r2 = Reversal(id="R2", reverses="INV-01", date=date(2007, 6, 2), reason="x")
        with pytest.raises(LedgerError, match="more than once"):
            ledger.post(r1, r2)

    def test_variation_changes_weights_to_final_annual(self, ledger: Ledger) -> None:
        """A Q3 variation is part of the final approved annual contribution (§11.2)."""
        var = Contribution(
            id="V1",
            partner="PCT2",
            scheme="POOL",
            year=Y,
            amount="100000.00",
            effective_date=date(2007, 10, 1),
            approval_ref="PCT2 board 9/07",
        )
        ap = apportion(ledger.post(var), Y)
        # weights now 6:3:2
        assert ap.schemes["POOL"].weights == {
            "LA": Fraction(6, 11),
            "PCT1": Fraction(3, 11),
            "PCT2": Fraction(2, 11),
        }
        assert ap.schemes["POOL"].expenditure["PCT2"] == 19636364

    def test_cumulative_shares_stay_within_a_penny(self) -> None:
        led = Ledger(
            _thirds(),
            [
                Expenditure(id=f"E{i:03d}", scheme="POOL", date=date(2007, 4, 2), net="1.00")
                for i in range(300)
            ],
        )
        ap = apportion(led, Y)
        assert ap.schemes["POOL"].expenditure == {"LA": 10000, "PCT1": 10000, "PCT2": 10000}
        running = dict.fromkeys(("LA", "PCT1", "PCT2"), 0)
        for n, line in enumerate(ap.lines, 1):
            for p, v in line.shares.items():
                running[p] += v
                assert abs(running[p] * 3 - n * 100) < 3  # within 1p of n × 100 / 3
        assert ap.lines[0].remainder_to == ("LA",)


def _thirds() -> Agreement:
    ag = example1()
    return ag.model_copy(
        update={
            "contributions": tuple(
                c.model_copy(update={"amount": example1().contributions[0].amount})
                for c in ag.contributions
            )
        }
    )


def _vat_agreement(vat_model: VatModel) -> Agreement:
    """Council host (s33) and ICB (s41); an ICB-led reablement scheme, 50/50 funding."""
    y = FinancialYear(2025)
    return Agreement(
        id="VAT",
        name="VAT",
        legal_basis="S75_NHSA2006",
        term_start=date(2025, 4, 1),
        term_end=date(2026, 3, 31),
        partners=(
            Partner(
                id="COUNCIL",
                name="Council",
                kind=PartnerKind.LOCAL_AUTHORITY,
                vat_regime=VatRegime.LA_S33,
            ),
            Partner(
                id="ICB", name="ICB", kind=PartnerKind.NHS_BODY, vat_regime=VatRegime.NHS_S41_COS
            ),
        ),
        host="COUNCIL",
        pooled_fund_manager="PFM",
        schemes=(Scheme(id="S2", name="Reablement", lead_commissioner="ICB"),),
        contributions=tuple(
            PlannedContribution(
                id=f"C-{p}", partner=p, scheme="S2", year=y, amount="50000.00", approval_ref="x"
            )
            for p in ("COUNCIL", "ICB")
        ),
        vat_model=vat_model,
    )


class TestVat:
    """§11.4, I-13: pool cost is net + irrecoverable VAT; the model changes gross shares."""

    spend = Expenditure(id="E1", scheme="S2", date=date(2025, 6, 1), net="1000.00", vat="200.00")

    def test_lead_partner_regime_host_recovers(self) -> None:
        ag = _vat_agreement(VatModel.LEAD_PARTNER_REGIME)
        led = Ledger(ag, [self.spend])
        assert pool_cost(ag, self.spend) == 100000
        ap = apportion(led, FinancialYear(2025))
        assert ap.by_partner()["ICB"]["expenditure"] == 50000
        host = build_journals(led, ap)[0]["COUNCIL"]
        assert host.balance(Account.VAT_RECOVERABLE) == 20000

    def test_agent_model_each_partner_recovers_on_its_own_share(self) -> None:
        # the VAT of 200.00 is split 1:1; the council (s33) recovers its 100.00, the
        # ICB (s41, not a listed service) none of its 100.00.  Before: the lead
        # commissioner's regime (the ICB's) was applied to the whole line, cost 1,200.00
        ag = _vat_agreement(VatModel.AGENT)
        led = Ledger(ag, [self.spend])
        assert pool_cost(ag, self.spend) == 110000
        assert led.pool_cost(self.spend) == 110000
        ap = apportion(led, FinancialYear(2025))
        assert ap.by_partner()["ICB"]["expenditure"] == 55000
        assert ap.by_partner()["COUNCIL"]["expenditure"] == 55000
        journals = build_journals(led, ap)[0]
        assert journals["COUNCIL"].balance(Account.VAT_RECOVERABLE) == 10000
        assert journals["ICB"].balance(Account.VAT_RECOVERABLE) == 0

    def test_agent_model_listed_cos_recovered_by_icb_via_recharge(self) -> None:
        ag = _vat_agreement(VatModel.AGENT)
        spend = self.spend.model_copy(update={"cos_listed": True})
        led = Ledger(ag, [spend])
        ap = apportion(led, FinancialYear(2025))
        assert ap.by_partner()["ICB"]["expenditure"] == 50000
        journals = build_journals(led, ap)[0]
        assert journals["ICB"].balance(Account.VAT_RECOVERABLE) == 10000
        assert journals["COUNCIL"].balance(Account.VAT_RECOVERABLE) == 10000
        assert (
            journals["COUNCIL"].balance_with("ICB") + journals["ICB"].balance_with("COUNCIL") == 0
        )
        assert all(j.is_balanced for j in journals.values())

    def test_procuring_nhs_partner_under_lead_partner_regime(self) -> None:
        ag = _vat_agreement(VatModel.LEAD_PARTNER_REGIME)
        spend = self.spend.model_copy(update={"procuring_partner": "ICB"})
        assert pool_cost(ag, spend) == 120000

    def test_explicit_recoverable_vat_overrides(self) -> None:
        ag = _vat_agreement(VatModel.AGENT)
        spend = self.spend.model_copy(update={"vat_recoverable": Money("150.00", "GBP")})
        assert pool_cost(ag, spend) == 100000 + 5000

    def test_recoverable_cannot_exceed_vat(self) -> None:
        with pytest.raises(ValueError, match="recoverable VAT"):
            Expenditure(
                id="E",
                scheme="S2",
                date=date(2025, 6, 1),
                net="1",
                vat="0.20",
                vat_recoverable="0.21",
            )


class TestAccountingModels:
    """I-10: JOINT_OPERATION, PRINCIPAL(host), AGENT(host) give the same net costs."""

    @pytest.mark.parametrize(
        "model", [JointOperation(), Principal(partner="LA"), Agent(partner="LA")]
    )
    def test_same_net_cost_and_balances(self, model: object) -> None:
        led = Ledger(example1(accounting_model=model), example1_entries())
        journals, issues = build_journals(led, apportion(led, Y))
        assert issues == []
        assert {p: j.net_cost for p, j in journals.items()} == {
            "LA": 63000000,
            "PCT1": 31500000,
            "PCT2": 10500000,
        }
        assert journals["LA"].balance_with("PCT1") == 1500000
        assert journals["PCT1"].balance_with("LA") == -1500000
        assert all(j.is_balanced for j in journals.values())

    def test_principal_host_shows_scheme_gross(self) -> None:
        led = Ledger(example1(accounting_model=Principal(partner="LA")), example1_entries())
        journals = build_journals(led, apportion(led, Y))[0]
        assert journals["LA"].balance(Account.POOL_EXPENDITURE_GROSS) == 108000000
        assert journals["LA"].balance(Account.PARTNER_CONTRIBUTION_INCOME) == -42000000
        assert journals["PCT1"].balance(Account.CONTRIBUTION_TO_POOL) == 31500000

    def test_agent_host_has_no_gross_spend(self) -> None:
        led = Ledger(example1(accounting_model=Agent(partner="LA")), example1_entries())
        journals = build_journals(led, apportion(led, Y))[0]
        assert journals["LA"].balance(Account.EXPENDITURE_SHARE) == 0
        assert journals["LA"].balance(Account.CONTRIBUTION_TO_POOL) == 63000000
        assert journals["LA"].balance(Account.AGENCY_CLEARING) == 0

    def test_non_host_principal_is_flagged(self) -> None:
        led = Ledger(example1(accounting_model=Principal(partner="PCT1")), example1_entries())
        _, issues = build_journals(led, apportion(led, Y))
        assert [i.code for i in issues] == ["PL-JNL-001"]


class TestChecks:
    """Each ledger check fires with its code and entry id, and stays quiet otherwise."""

    def codes(self, *entries: Entry, **scheme_fields: object) -> list[tuple[str, str | None]]:
        """The codes of ``check_ledger``, or of the refusal if an entry-level check fails
        (those entries never reach a ledger: docs/ledger.md#the-gate)."""
        try:
            led = Ledger(example1(**scheme_fields), [*example1_entries(), *entries])
        except IssueError as exc:
            return [(i.code, i.location.entry_id) for i in exc.issues]
        return [(i.code, i.location.entry_id) for i in check_ledger(led)]

    def refused(self, *entries: Entry, **scheme_fields: object) -> list[tuple[str, str | None]]:
        """The codes with which posting ``entries`` to the example ledger is refused."""
        led = Ledger(example1(**scheme_fields), example1_entries())
        with pytest.raises(IssueError) as caught:
            led.post(*entries)
        return [(i.code, i.location.entry_id) for i in caught.value.issues]

    def test_unknown_scheme(self) -> None:
        e = Expenditure(id="X", scheme="NOPE", date=date(2007, 5, 1), net="1")
        assert self.codes(e) == [("PL-LED-001", "X")]
        assert self.refused(e) == [("PL-LED-001", "X")]

    def test_unknown_partner(self) -> None:
        e = Expenditure(
            id="X", scheme="POOL", date=date(2007, 5, 1), net="1", procuring_partner="NOPE"
        )
        assert ("PL-LED-002", "X") in self.codes(e)
        assert self.refused(e) == [("PL-LED-002", "X")]

    def test_outside_term(self) -> None:
        e = Expenditure(id="X", scheme="POOL", date=date(2008, 4, 1), net="1")
        # refused when posted, so no ledger (and no PL-LED-010 for 2008-09) is made
        assert self.codes(e) == [("PL-LED-003", "X")]
        assert self.refused(e) == [("PL-LED-003", "X")]

    def test_contribution_outside_its_year(self) -> None:
        c = Contribution(
            id="X",
            partner="LA",
            scheme="POOL",
            year=Y,
            amount="1",
            effective_date=date(2008, 4, 1),
            approval_ref="x",
        )
        assert ("PL-LED-004", "X") in self.codes(c)

    def test_category_not_permitted(self) -> None:
        ok = Expenditure(id="OK", scheme="POOL", date=date(2007, 5, 1), net="1", category="care")
        bad = Expenditure(
            id="BAD", scheme="POOL", date=date(2007, 5, 1), net="1", category="catering"
        )
        codes = self.codes(ok, bad, permitted_categories=("care",))
        assert ("PL-LED-005", "BAD") in codes
        assert ("PL-LED-005", "OK") not in codes
        # the example's own invoices have no category: also refused
        assert ("PL-LED-005", "INV-01") in codes

    def test_cross_subsidy_needs_agreement_ref(self) -> None:
        big = Expenditure(
            id="BIG",
            scheme="POOL",
            date=date(2007, 5, 1),
            net="100000.00",
            procuring_partner="PCT2",
        )
        over = Expenditure(
            id="OVER", scheme="POOL", date=date(2007, 5, 2), net="0.01", procuring_partner="PCT2"
        )
        agreed = over.model_copy(update={"id": "AGREED", "agreement_ref": "Board 12/07"})
        codes = self.codes(big, over, agreed, ring_fenced=True)
        assert ("PL-LED-006", "OVER") in codes
        assert ("PL-LED-006", "BIG") not in codes
        assert ("PL-LED-006", "AGREED") not in codes

    def test_cross_subsidy_allowed_by_agreement(self) -> None:
        ag = example1(ring_fenced=True).model_copy(update={"cross_subsidy_allowed": True})
        over = Expenditure(
            id="OVER",
            scheme="POOL",
            date=date(2007, 5, 2),
            net="100000.01",
            procuring_partner="PCT2",
        )
        assert check_ledger(Ledger(ag, [*example1_entries(), over])) == []

    def test_capital_without_owner(self) -> None:
        e = Expenditure(id="VAN", scheme="POOL", date=date(2007, 5, 1), net="20000", capital=True)
        owned = e.model_copy(update={"id": "VAN2", "procuring_partner": "PCT1"})
        assert self.codes(e, owned) == [("PL-LED-007", "VAN")]

    def test_instalments_must_sum(self) -> None:
        extra = Instalment(
            id="PCT1-X",
            partner="PCT1",
            scheme="POOL",
            year=Y,
            amount="0.01",
            due_date=date(2008, 3, 1),
        )
        assert self.codes(extra) == [("PL-LED-008", "PCT1-Q1")]

    def test_missing_instalments_warned(self) -> None:
        led = Ledger(example1(), [e for e in example1_entries() if not e.id.startswith("PCT2")])
        issues = check_ledger(led)
        assert [(i.code, i.severity.value) for i in issues] == [("PL-LED-009", "warning")]

    def test_scheme_without_contributions(self) -> None:
        ag = example1().model_copy(update={"contributions": ()})
        led = Ledger(ag, [Expenditure(id="E", scheme="POOL", date=date(2007, 5, 1), net="3")])
        assert [i.code for i in check_ledger(led)] == ["PL-LED-010"]
        ap = apportion(led, Y)
        assert ap.by_partner()["LA"]["expenditure"] == 300  # the lead commissioner


class TestCapital:
    def test_owner_puts_the_item_at_cost_on_its_asset_register(self) -> None:
        """P8: the owner's register carries the whole cost (20,000.00), its 30% share
        (6,000.00) through P2 and the other partners' 14,000.00 as a capital grant.
        (This test used to expect the share on the register: that was the defect.)"""
        van = Expenditure(
            id="VAN",
            scheme="POOL",
            date=date(2007, 5, 1),
            net="20000.00",
            capital=True,
            procuring_partner="PCT1",
        )
        led = Ledger(example1(), [*example1_entries(), van])
        ap = apportion(led, Y)
        assert ap.line("VAN").capital_owner == "PCT1"
        journals = build_journals(led, ap)[0]
        assert journals["PCT1"].balance(Account.ASSETS) == 2000000
        assert journals["PCT1"].balance(Account.CAPITAL_GRANT_INCOME) == -1400000
        assert journals["PCT1"].balance(Account.EXPENDITURE_SHARE) == 32400000
        assert journals["LA"].balance(Account.ASSETS) == 0
        assert journals["LA"].balance(Account.EXPENDITURE_SHARE) == 64800000 + 1200000


def test_entries_share_their_fields_set_and_a_copy_changes_only_its_own() -> None:
    """Entries that set the same fields share one set (memory, docs/benchmarks.md);
    ``model_copy(update=...)`` adds to a copy of it, never to the shared one."""
    from pooledledger.core.money import to_money
    from pooledledger.model.entries import fields_set

    a = Expenditure(id="A1", scheme="S1", date=date(2025, 5, 1), net=to_money(1234))
    b = Expenditure(id="A2", scheme="S1", date=date(2025, 5, 2), net=to_money(99))
    assert a.model_fields_set is b.model_fields_set
    assert a.model_fields_set is fields_set(["id", "scheme", "date", "net"])
    assert a.vat is b.vat
    assert a.vat == to_money(0)
    c = a.model_copy(update={"supplier": "Acme"})
    assert c.model_fields_set == {"id", "scheme", "date", "net", "supplier"}
    assert a.model_fields_set == b.model_fields_set == {"id", "scheme", "date", "net"}
    assert a.model_dump(exclude_unset=True) == {
        "id": "A1",
        "scheme": "S1",
        "date": date(2025, 5, 1),
        "net": to_money(1234),
    }
