"""Reports (L4): memorandum account, partner statements, £000 note, quarterly report
and agreement of balances, golden against domain.md §7.3, §8 and §8.9."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

import pytest

from pooledledger import (
    Agreement,
    Entry,
    Expenditure,
    FinancialYear,
    Ledger,
    LegalBasis,
    Partner,
    PartnerKind,
    PlannedContribution,
    Scheme,
    UnderspendDisposition,
    UnderspendRule,
    load_agreement,
    load_ledger,
)
from pooledledger.core.money import to_money
from pooledledger.model.rules import RiskPoolUnused
from pooledledger.reports.balances import (
    AgreementOfBalances,
    AobExercise,
    AobThresholds,
    agreement_of_balances,
)
from pooledledger.reports.memorandum import MemorandumAccount, ReportError, memorandum_account
from pooledledger.reports.note import (
    NotePolicy,
    NoteRowKind,
    PooledBudgetNote,
    pooled_budget_note,
    to_thousands,
)
from pooledledger.reports.quarterly import QuarterlyReport, quarterly_report
from pooledledger.reports.statements import PartnerStatement, partner_statements
from pooledledger.yearend.close import YearEndClose, close_year

EXAMPLES = files("pooledledger") / "examples"
Y7 = FinancialYear(2007)
Y25 = FinancialYear(2025)


def example(n: int) -> tuple[Agreement, Ledger]:
    name = {
        1: ("example1_la_two_pcts.toml", "example1_ledger.toml"),
        2: ("example2_bcf.toml", "example2_ledger.toml"),
    }[n]
    agreement = load_agreement(EXAMPLES / name[0])  # type: ignore[arg-type]
    return agreement, load_ledger(agreement, EXAMPLES / name[1])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def ex1() -> tuple[Agreement, Ledger, YearEndClose]:
    ag, led = example(1)
    return ag, led, close_year(ag, led, Y7)


@pytest.fixture(scope="module")
def ex2() -> tuple[Agreement, Ledger, YearEndClose]:
    ag, led = example(2)
    return ag, led, close_year(ag, led, Y25)


# -- memorandum account (§9.2) ---------------------------------------------------------


class TestMemorandum:
    def test_example1_reproduces_7_3(self, ex1: tuple[Agreement, Ledger, YearEndClose]) -> None:
        m = memorandum_account(*ex1)
        t = m.total
        assert {p: m.contributions[p]["LD"].total for p in m.partners} == {
            "LA": 60000000,
            "PCT1": 30000000,
            "PCT2": 10000000,
        }
        assert t.other_income == 3000000
        assert t.total_resources == 103000000  # total income 1,030,000.00
        assert t.gross_expenditure == 108000000
        assert t.net == -5000000  # net deficit (50,000.00)
        assert {p: m.additional_contributions[p]["LD"] for p in m.partners} == {
            "LA": 3000000,
            "PCT1": 1500000,
            "PCT2": 500000,
        }
        assert t.carried_forward == 0  # balance carried forward nil
        assert t.closing == 0
        assert m.ok, [c for c in m.checks if not c.holds]
        md = m.to_markdown()
        assert "| **Total income (resources)** | **1,030,000.00** |" in md
        assert "| **Net surplus/(deficit) for the year** | **(50,000.00)** |" in md
        assert "| Additional contributions – PCT1 | 15,000.00 |" in md
        assert "| **Balance carried forward** | **nil** |" in md

    def test_example2_conservation_line(self, ex2: tuple[Agreement, Ledger, YearEndClose]) -> None:
        """I-1: 17,400,000.20 + 80,000.00 + 10,000.00 = 17,280,000.20 + 60,000.00 + 150,000.00."""
        c = memorandum_account(*ex2).conservation
        assert (c.brought_forward, c.contributions, c.additional_contributions) == (
            0,
            1740000020,
            8000000,
        )
        assert (c.other_income, c.gross_expenditure) == (1000000, 1728000020)
        assert (c.underspends_returned, c.unused_risk_pool_returned, c.carried_forward) == (
            6000000,
            0,
            15000000,
        )
        assert c.inflow == c.outflow == 1749000020
        assert c.holds

    def test_example2_sections(self, ex2: tuple[Agreement, Ledger, YearEndClose]) -> None:
        m = memorandum_account(*ex2)
        assert m.columns == ("S1", "S2", "S3", "S4", "S5", "RP")
        s2 = m.contributions["ICB"]["S2"]
        assert (s2.base, s2.uplift, s2.variations, s2.risk_pool, s2.total) == (
            378572800,
            21427220,
            10000000,
            0,
            410000020,
        )
        assert m.contributions["COUNCIL"]["RP"].risk_pool == 15000000
        assert [m.line(k).risk_pool for k in m.columns] == [
            0,
            10263158,
            7894736,
            11842106,
            0,
            -30000000,
        ]
        assert m.risk_pool_applied["COUNCIL"]["S3"] == 3947368
        assert [m.line(k).net for k in m.columns] == [
            15000000,
            -13000000,
            -10000000,
            -15000000,
            6000000,
            30000000,
        ]
        assert m.total.net == 13000000
        assert m.underspend["COUNCIL"]["S1"].carried_forward == 15000000
        assert m.underspend["COUNCIL"]["S5"].refunded == 6000000
        assert m.carried_forward["COUNCIL"] == {
            "S1": 15000000,
            "S2": 0,
            "S3": 0,
            "S4": 0,
            "S5": 0,
            "RP": 0,
        }
        assert m.shares["ICB"]["S3"].model_dump() == {
            "gross": 85193233,
            "income": 403759,
            "net": 84789474,
        }
        icb = next(b for b in m.balances if b.partner == "ICB")
        assert (icb.balance, icb.settlement, icb.settlement_due) == (
            -4578948,
            -4578948,
            date(2026, 4, 30),
        )
        assert icb.position.startswith("debtor")
        assert all(x.closing == 0 for x in m.lines)
        assert m.ok

    def test_memo_vat_and_capital(self) -> None:
        ag, led = example(2)
        led = led.post(
            Expenditure(
                id="CAP-1",
                scheme="S3",
                date=date(2025, 7, 1),
                net="1000.00",
                vat="200.00",
                procuring_partner="ICB",
                capital=True,
                description="hoist",
            ),
            Expenditure(id="VAT-1", scheme="S3", date=date(2025, 7, 2), net="500.00", vat="100.00"),
        )
        m = memorandum_account(ag, led, close_year(ag, led, Y25))
        assert m.vat_recovered == {"COUNCIL": 10000, "ICB": 0}  # s33 recovers; s41 not listed
        assert [(c.entry_id, c.owner, c.amount) for c in m.capital_items] == [
            ("CAP-1", "ICB", 120000)
        ]
        assert m.expenditure_by_commissioner["S3"]["ICB"] == 120000
        assert "excluded" in m.transfers_excluded
        assert m.ok

    def test_checks_catch_a_close_from_another_ledger(
        self, ex2: tuple[Agreement, Ledger, YearEndClose]
    ) -> None:
        ag, led, _ = ex2
        other = led.post(Expenditure(id="X", scheme="S3", date=date(2025, 8, 1), net="10.00"))
        m = memorandum_account(ag, led, close_year(ag, other, Y25))
        assert not m.ok
        failed = {c.name for c in m.checks if not c.holds}
        assert "E and C agree to the close, scheme by scheme" in failed
        assert "✗ FAILED" in m.to_markdown()

    def test_brought_forward_next_year(self) -> None:
        ag, led = example(1)
        rule = UnderspendRule(disposition=UnderspendDisposition.CARRY_FORWARD)
        ag = ag.model_copy(
            update={"schemes": (ag.schemes[0].model_copy(update={"underspend": rule}),)}
        )
        # the term runs into 2008-09, where the brought-forward line is spent (a line
        # outside the term is refused when posted: PL-LED-003)
        ag = Agreement.model_validate({**ag.model_dump(), "term_end": date(2009, 3, 31)})
        entries: list[Entry] = [e for e in led.entries if not isinstance(e, Expenditure)]
        entries += [
            Expenditure(id=f"INV-{m}", scheme="LD", date=Y7.month(m).start, net="100000.00")
            for m in range(1, 11)
        ]
        led = Ledger(ag, entries)
        first = close_year(ag, led, Y7)
        m1 = memorandum_account(ag, led, first)
        assert m1.carried_forward == {
            "LA": {"LD": 1800000},
            "PCT1": {"LD": 900000},
            "PCT2": {"LD": 300000},
        }
        y8 = FinancialYear(2008)
        led2 = led.post(
            *first.entries, Expenditure(id="N1", scheme="LD", date=y8.start, net="5000.00")
        )
        m2 = memorandum_account(ag, led2, close_year(ag, led2, y8))
        assert m2.brought_forward == m1.carried_forward
        assert m2.total.contributions == 0
        assert m2.total.net == 2500000
        assert m2.ok

    @pytest.mark.parametrize(
        ("terminating", "refunded", "kept"), [(False, 0, 7000000), (True, 7000000, 0)]
    )
    def test_unused_risk_pool(self, terminating: bool, refunded: int, kept: int) -> None:
        """Unused risk pool carried forward, unless the close terminates the pool (§11.8)."""
        ag, led = example(2)
        assert ag.risk_pool is not None
        rp = ag.risk_pool.model_copy(update={"unused": RiskPoolUnused.CARRY_FORWARD})
        ag = ag.model_copy(update={"risk_pool": rp})
        keep = [e for e in led.entries if not (isinstance(e, Expenditure) and e.scheme == "S4")]
        led = Ledger(ag, keep)
        close = close_year(ag, led, Y25, terminating=terminating)
        m = memorandum_account(ag, led, close)
        rp_line = m.line("RP")
        assert rp_line.risk_pool == -23000000  # S2 and S3 overspends, 230,000.00
        assert sum(m.underspend[p]["RP"].refunded for p in m.partners) == refunded
        assert rp_line.carried_forward == kept
        assert m.conservation.unused_risk_pool_returned == refunded
        assert m.ok, [c for c in m.checks if not c.holds]
        icb = partner_statements(ag, close)["ICB"]
        assert icb.risk_pool_unused_disposition == ("REFUND" if terminating else "CARRY_FORWARD")

    def test_json_round_trip(self, ex2: tuple[Agreement, Ledger, YearEndClose]) -> None:
        m = memorandum_account(*ex2)
        assert MemorandumAccount.model_validate_json(m.model_dump_json()) == m

    def test_refuses_a_close_of_another_agreement(
        self,
        ex1: tuple[Agreement, Ledger, YearEndClose],
        ex2: tuple[Agreement, Ledger, YearEndClose],
    ) -> None:
        with pytest.raises(ReportError):
            memorandum_account(ex1[0], ex1[1], ex2[2])


# -- the £000 note (§8.9) ------------------------------------------------------------


def note_case() -> tuple[Agreement, YearEndClose]:
    """Three partners whose £000 figures cast in none of the three places."""
    amounts = {"A": "200500.00", "B": "100500.00", "C": "50500.00"}
    ag = Agreement(
        id="NOTE-CASE",
        name="Rounding case",
        legal_basis=LegalBasis.S75_NHSA2006,
        term_start=date(2025, 4, 1),
        term_end=date(2026, 3, 31),
        partners=tuple(
            Partner(id=p, name=f"Body {p}", kind=PartnerKind.LOCAL_AUTHORITY) for p in amounts
        ),
        host="A",
        pooled_fund_manager="PFM",
        schemes=(Scheme(id="S", name="Scheme", lead_commissioner="A"),),
        contributions=tuple(
            PlannedContribution(
                id=f"{p}-S", partner=p, scheme="S", year=Y25, amount=v, approval_ref="minute 1"
            )
            for p, v in amounts.items()
        ),
    )
    led = Ledger(ag, [Expenditure(id="E", scheme="S", date=date(2025, 6, 1), net="324100.00")])
    return ag, close_year(ag, led, Y25)


def shown(note: PooledBudgetNote) -> dict[str, int]:
    return {r.key: r.thousands for r in note.rows}


class TestNote:
    @pytest.mark.parametrize("policy", list(NotePolicy))
    def test_8_9_golden(
        self, ex2: tuple[Agreement, Ledger, YearEndClose], policy: NotePolicy
    ) -> None:
        ag, _, close = ex2
        note = pooled_budget_note(ag, close, policy=policy)
        assert [(r.key, r.thousands) for r in note.rows] == [
            ("funding:COUNCIL", 6350),
            ("funding:ICB", 11050),
            ("total_funding", 17400),
            ("expenditure", 17270),
            ("net", -130),
            ("share:COUNCIL", -176),
            ("share:ICB", 46),
        ]
        assert [r.pence for r in note.rows] == [
            635000000,
            1105000020,
            1740000020,
            1727000020,
            -13000000,
            -17578948,
            4578948,
        ]
        assert all(r.adjustment == 0 for r in note.rows)
        assert note.casts
        assert note.casts_exactly
        assert note.partner == "COUNCIL"
        md = note.to_markdown()
        assert "| **Net (surplus)/deficit arising on the pooled budget** | **(130)** |" in md
        assert "| Example City Council share of the net (surplus)/deficit | (176) |" in md
        assert "Integrated Care Board share of the net (surplus)/deficit | 46 |" in md

    def test_half_up_thousands(self) -> None:
        assert [to_thousands(v) for v in (50000, 49999, -50000, -49999, -17578948)] == [
            1,
            0,
            -1,
            0,
            -176,
        ]

    def test_case_does_not_cast_when_each_figure_is_rounded(self) -> None:
        _, close = note_case()
        funding = [pc.contributions for pc in close.partners]
        assert [to_thousands(v) for v in funding] == [201, 101, 51]
        assert sum(to_thousands(v) for v in funding) != to_thousands(sum(funding))  # 353 vs 352
        shares = [-pc.balance for pc in close.partners]
        assert [to_thousands(v) for v in shares] == [-16, -8, -4]
        assert to_thousands(sum(shares)) == -27  # net (27,400.00)

    def test_rounding_line(self) -> None:
        ag, close = note_case()
        note = pooled_budget_note(ag, close, policy=NotePolicy.ROUNDING_LINE)
        assert [r.key for r in note.rows] == [
            "funding:A",
            "funding:B",
            "funding:C",
            "funding:rounding",
            "total_funding",
            "expenditure",
            "net:rounding",
            "net",
            "share:A",
            "share:B",
            "share:C",
            "share:rounding",
        ]
        s = shown(note)
        assert (s["funding:rounding"], s["net:rounding"], s["share:rounding"]) == (-1, 1, 1)
        assert (s["total_funding"], s["expenditure"], s["net"]) == (352, 324, -27)
        assert all(r.adjustment == 0 for r in note.rows)
        assert all(r.pence == 0 for r in note.rows if r.kind is NoteRowKind.ROUNDING)
        assert note.casts
        assert note.casts_exactly
        assert "| Rounding | (1) | – |" in note.to_markdown()

    def test_adjust_largest(self) -> None:
        ag, close = note_case()
        note = pooled_budget_note(ag, close, policy=NotePolicy.ADJUST_LARGEST)
        assert not [r for r in note.rows if r.kind is NoteRowKind.ROUNDING]
        s = shown(note)
        assert [s["funding:A"], s["funding:B"], s["funding:C"], s["total_funding"]] == [
            200,
            101,
            51,
            352,
        ]
        assert (s["expenditure"], s["net"]) == (325, -27)
        assert [s["share:A"], s["share:B"], s["share:C"]] == [-15, -8, -4]
        assert {r.key: r.adjustment for r in note.rows if r.adjustment} == {
            "funding:A": -1,
            "expenditure": 1,
            "share:A": 1,
        }
        assert note.casts
        assert note.casts_exactly
        assert "(adjusted by +1)" in note.to_markdown()

    def test_adjust_largest_ties_go_to_partner_order(self) -> None:
        """Equal funding: the difference goes to the first partner in agreement order."""
        ag, _ = note_case()
        fixed = ag.model_copy(
            update={
                "contributions": tuple(
                    c.model_copy(update={"amount": to_money(10040000)}) for c in ag.contributions
                )
            }
        )
        led = Ledger(fixed, [Expenditure(id="E", scheme="S", date=date(2025, 6, 1), net="1.00")])
        note = pooled_budget_note(
            fixed, close_year(fixed, led, Y25), policy=NotePolicy.ADJUST_LARGEST
        )
        s = shown(note)
        # 3 × 100.4 = 301.2 → 301; each rounds to 100, so one extra £000 goes to A
        assert [s["funding:A"], s["funding:B"], s["funding:C"], s["total_funding"]] == [
            101,
            100,
            100,
            301,
        ]
        assert note.casts

    def test_note_for_another_partner(self, ex2: tuple[Agreement, Ledger, YearEndClose]) -> None:
        ag, _, close = ex2
        note = pooled_budget_note(ag, close, partner="ICB")
        assert note.partner_name == "NHS Example Integrated Care Board"
        assert note.rows == pooled_budget_note(ag, close).rows
        with pytest.raises(KeyError):
            pooled_budget_note(ag, close, partner="NOBODY")

    def test_json_round_trip(self) -> None:
        ag, close = note_case()
        note = pooled_budget_note(ag, close)
        assert PooledBudgetNote.model_validate_json(note.model_dump_json()) == note


# -- partner statements ---------------------------------------------------------------


def skeleton(md: str) -> list[str]:
    """Section headings, table headers and row labels: everything but the figures."""
    out: list[str] = []
    section = ""
    for line in md.splitlines():
        if line.startswith("## "):
            section = line
            out.append(line)
        elif line.startswith("| ") and not section.startswith("## 5"):
            out.append(line.split("|")[1].strip())
        elif line.startswith("| ref"):
            out.append(line)
    return out


class TestStatements:
    def test_same_layout_for_host_and_partner(
        self, ex2: tuple[Agreement, Ledger, YearEndClose]
    ) -> None:
        st = partner_statements(ex2[0], ex2[2])
        assert list(st) == ["COUNCIL", "ICB"]
        host, icb = st["COUNCIL"], st["ICB"]
        assert host.is_host
        assert not icb.is_host
        assert skeleton(host.to_markdown()) == skeleton(icb.to_markdown())
        assert len(skeleton(host.to_markdown())) > 30
        assert [x.scheme for x in host.lines] == [x.scheme for x in icb.lines]

    def test_same_layout_across_three_partners(
        self, ex1: tuple[Agreement, Ledger, YearEndClose]
    ) -> None:
        st = partner_statements(ex1[0], ex1[2])
        layouts = {tuple(skeleton(s.to_markdown())) for s in st.values()}
        assert len(layouts) == 1

    def test_icb(self, ex2: tuple[Agreement, Ledger, YearEndClose]) -> None:
        icb = partner_statements(ex2[0], ex2[2])["ICB"]
        assert (icb.contributions, icb.risk_pool_paid, icb.risk_pool_used) == (
            1090000020,
            15000000,
            15000000,
        )
        assert icb.total.deficit == 4578948
        assert icb.total.net_share == 1109578968
        assert icb.total.gross_share == 1109982727
        assert (icb.balance, icb.settlement, icb.settlement_due) == (
            -4578948,
            -4578948,
            date(2026, 4, 30),
        )
        assert icb.journal == ex2[2].journals["ICB"]
        assert icb.net_cost_agrees
        assert "| Settlement direction | partner pays host |" in icb.to_markdown()

    def test_host(self, ex2: tuple[Agreement, Ledger, YearEndClose]) -> None:
        council = partner_statements(ex2[0], ex2[2])["COUNCIL"]
        assert (council.balance, council.held, council.settlement) == (17578948, 15000000, 0)
        assert council.settlement_due is None
        assert council.total.underspend == 21000000
        assert council.total.disposition.carried_forward == 15000000
        assert council.total.disposition.refunded == 6000000
        assert council.net_cost_agrees
        assert "| Settlement direction | host: no cash settlement |" in council.to_markdown()

    def test_json_round_trip(self, ex1: tuple[Agreement, Ledger, YearEndClose]) -> None:
        s = partner_statements(ex1[0], ex1[2])["PCT1"]
        assert PartnerStatement.model_validate_json(s.model_dump_json()) == s


# -- quarterly report (§9.3) ----------------------------------------------------------

OUTTURN_8_2 = {"S1": 185000000, "S2": 423000020, "S3": 210000000, "S4": 615000000, "S5": 294000000}


class TestQuarterly:
    def test_q2_with_the_8_2_forecast_projects_8_4_and_8_7(self) -> None:
        ag, led = example(2)
        q = quarterly_report(ag, led, Y25, 2, forecast=OUTTURN_8_2)
        s2 = q.scheme("S2")
        assert (s2.ytd_expenditure, s2.ytd_income, s2.ytd_net) == (211500010, 0, 211500010)
        assert (s2.forecast_net, s2.forecast_method, s2.projected_variance) == (
            423000020,
            "given",
            13000000,
        )
        assert [s.projected_variance for s in q.schemes] == [
            -15000000,
            13000000,
            10000000,
            15000000,
            -6000000,
        ]
        assert q.scheme("S3").ytd_expenditure == 105500000  # Q3/Q4 lines are left out
        assert q.scheme("S4").projected_deficit == {"COUNCIL": 2157894, "ICB": 1000000}
        assert q.scheme("S2").projected_risk_pool == {"COUNCIL": 5131579, "ICB": 5131579}
        assert {p.partner: p.deficit for p in q.partners} == {"COUNCIL": 3421052, "ICB": 4578948}
        assert {p.partner: p.balance for p in q.partners} == {"COUNCIL": 17578948, "ICB": -4578948}
        assert q.projected_overspend
        assert q.projected_underspend
        assert q.projection_date == date(2025, 9, 30)
        assert q.notify_by == date(2025, 10, 7)  # 5 working days after Tue 30 September
        assert "2025-10-07" in q.to_markdown()

    def test_straight_line_by_elapsed_months(self) -> None:
        ag, led = example(2)
        q = quarterly_report(ag, led, Y25, 2, forecast={"S3": 200000000})
        assert q.scheme("S3").forecast_method == "given"
        s4 = q.scheme("S4")
        assert (s4.forecast_method, s4.forecast_net) == ("straight-line", 615000000)

    def test_straight_line_rounds_half_up_once(self) -> None:
        ag, led = example(1)
        keep: list[Entry] = [e for e in led.entries if not isinstance(e, Expenditure)]
        led = Ledger(
            ag, [*keep, Expenditure(id="E1", scheme="LD", date=date(2007, 4, 2), net="1000.01")]
        )
        q = quarterly_report(ag, led, Y7, 3)
        # 100,001p × 12/9 = 133,334.67p → 133,335p
        assert q.scheme("LD").forecast_net == 133335
        assert q.months_elapsed == 9
        assert not q.projected_overspend
        assert q.notify_by is None
        # the note cites no section a user cannot look up: docs/reports.md explains it
        assert q.notes == (
            "Projected underspends should be committed to non-recurrent spending only.",
        )

    def test_notify_by_skips_bank_holidays(self) -> None:
        ag, led = example(2)
        q = quarterly_report(
            ag, led, Y25, 3, forecast=OUTTURN_8_2, projection_date=date(2025, 12, 19)
        )
        assert q.notify_by == date(2025, 12, 30)  # Christmas Day and Boxing Day skipped

    def test_nothing_is_posted(self) -> None:
        ag, led = example(2)
        before = led.entries
        quarterly_report(ag, led, Y25, 1)
        assert led.entries == before
        assert not any(e.id.startswith("FORECAST") for e in led.entries)

    def test_refuses_bad_input(self) -> None:
        ag, led = example(2)
        with pytest.raises(ReportError):
            quarterly_report(ag, led, Y25, 5)
        with pytest.raises(ReportError):
            quarterly_report(ag, led, Y25, 2, forecast={"S9": 1})
        with pytest.raises(ValueError, match="int pence"):
            quarterly_report(ag, led, Y25, 2, forecast={"S1": "1.00"})  # type: ignore[dict-item]

    def test_json_round_trip(self) -> None:
        ag, led = example(2)
        q = quarterly_report(ag, led, Y25, 2, forecast=OUTTURN_8_2)
        assert QuarterlyReport.model_validate_json(q.model_dump_json()) == q


# -- agreement of balances ----------------------------------------------------------


class TestAgreementOfBalances:
    @pytest.mark.parametrize("n", [1, 2])
    @pytest.mark.parametrize("month", [6, 9, 12])
    def test_mirror(self, n: int, month: int) -> None:
        ag, led = example(n)
        year = ag.financial_years[0]
        aob = agreement_of_balances(ag, led, year, month)
        assert aob.rows
        assert aob.mirrors
        for r in aob.rows:
            assert r.host_receivable == r.partner_payable
            assert r.host_payable == r.partner_receivable
            assert r.exercise is AobExercise.BILATERAL  # an LA hosts both examples
            if month == 6:
                assert r.host_income is None
                assert r.partner_expenditure is None
            else:
                assert r.host_income == r.partner_expenditure
                assert r.host_expenditure == r.partner_income

    def test_example2_figures(self, ex2: tuple[Agreement, Ledger, YearEndClose]) -> None:
        ag, led, close = ex2
        m6 = agreement_of_balances(ag, led, Y25, 6).row("ICB")
        # paid 5,475,000.10 to 30 September; share of spend 5,612,000.10
        assert (m6.host_receivable, m6.host_payable) == (13700000, 0)
        assert m6.statement_threshold_met
        assert not m6.agreement_threshold_met
        m9 = agreement_of_balances(ag, led, Y25, 9).row("ICB")
        assert m9.host_income == 841800015
        assert m9.agreement_threshold_met  # I&E over £3m
        m12 = agreement_of_balances(ag, led, Y25, 12, close)
        r = m12.row("ICB")
        assert (r.host_receivable, r.partner_payable) == (4578948, 4578948)
        assert (r.host_income, r.host_expenditure) == (1109982727, 403759)
        assert m12 == agreement_of_balances(ag, led, Y25, 12)
        assert m12.month_end == date(2026, 3, 31)

    def test_dhsc_pairs(self) -> None:
        ag, led = example(1)
        nhs_host = ag.model_copy(update={"host": "PCT1"})
        aob = agreement_of_balances(nhs_host, Ledger(nhs_host, led.entries), Y7, 6)
        assert {r.partner: r.exercise for r in aob.rows} == {
            "LA": AobExercise.BILATERAL,
            "PCT2": AobExercise.DHSC_AOB,
        }
        assert aob.mirrors

    def test_thresholds_must_be_exceeded(self) -> None:
        ag, led = example(1)
        base = agreement_of_balances(ag, led, Y7, 6)
        assert base.row("PCT1").host_receivable == 1200000
        assert base.row("PCT1").statement_threshold_met
        at = AobThresholds(
            label="test",
            statement_rp=1200000,
            statement_ie=1,
            agreement_rp=10**12,
            agreement_ie=10**12,
        )
        aob = agreement_of_balances(ag, led, Y7, 6, thresholds=at)
        assert not aob.row("PCT1").statement_threshold_met  # equal is not over
        assert (
            agreement_of_balances(ag, led, Y7, 9, thresholds=at).row("PCT1").statement_threshold_met
        )

    def test_refuses_bad_input(self, ex1: tuple[Agreement, Ledger, YearEndClose]) -> None:
        ag, led, close = ex1
        with pytest.raises(ReportError):
            agreement_of_balances(ag, led, Y7, 7)
        with pytest.raises(ReportError):
            agreement_of_balances(ag, led, FinancialYear(2008), 12, close)

    def test_json_round_trip(self, ex2: tuple[Agreement, Ledger, YearEndClose]) -> None:
        aob = agreement_of_balances(ex2[0], ex2[1], Y25, 9)
        assert AgreementOfBalances.model_validate_json(aob.model_dump_json()) == aob
        assert "COUNCIL ↔ ICB" in aob.to_markdown()
