"""Year-end close: domain.md §7 and §8 to the penny (golden tests), and I-12."""

from __future__ import annotations

from datetime import date
from importlib.resources import files

import pytest

from fixture_scope import shared_scope
from pooledledger import (
    Agreement,
    Entry,
    Expenditure,
    FinancialYear,
    Income,
    Instalment,
    Ledger,
    Reversal,
    UnderspendDisposition,
    UnderspendRule,
    load_agreement,
    load_ledger,
)
from pooledledger.books.journals import Account
from pooledledger.model.entries import EntryKind
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


@pytest.fixture(scope=shared_scope)
def close1() -> YearEndClose:
    ag, led = example(1)
    return close_year(ag, led, Y7)


@pytest.fixture(scope=shared_scope)
def close2() -> YearEndClose:
    ag, led = example(2)
    return close_year(ag, led, Y25)


class TestExample1Overspend:
    """§7.2-§7.5: E 1,080,000.00, I 30,000.00, overspend 50,000.00 pro rata."""

    def test_allocation_table(self, close1: YearEndClose) -> None:
        result = close1
        s = result.scheme("LD")
        assert s.variance == 5000000
        assert s.gross_share == {"LA": 64800000, "PCT1": 32400000, "PCT2": 10800000}
        assert s.income_share == {"LA": 1800000, "PCT1": 900000, "PCT2": 300000}
        assert s.net_share == {"LA": 63000000, "PCT1": 31500000, "PCT2": 10500000}
        assert s.deficit == {"LA": 3000000, "PCT1": 1500000, "PCT2": 500000}
        assert {p.partner: p.balance for p in result.partners} == {
            "LA": -3000000,
            "PCT1": -1500000,
            "PCT2": -500000,
        }

    def test_pct1_journals_p1_to_p4(self, close1: YearEndClose) -> None:
        result = close1
        j = result.journals["PCT1"]
        assert j.balance(Account.CASH) == -30000000
        assert j.balance(Account.EXPENDITURE_SHARE) == 32400000
        assert j.balance(Account.INCOME_SHARE) == -900000
        assert [(x.debit, x.credit) for x in j.refs("P4") if x.account is Account.HELD_BY_HOST] == [
            (1500000, 0)
        ]
        assert j.balance(Account.PAYABLE_TO_HOST) == -1500000
        assert j.balance(Account.HELD_BY_HOST) == 0
        assert j.net_cost == 31500000

    def test_host_journals_h8(self, close1: YearEndClose) -> None:
        result = close1
        j = result.journals["LA"]
        assert j.balance(Account.RECEIVABLE_FROM_PARTNER, counterparty="PCT1") == 1500000
        assert j.balance(Account.RECEIVABLE_FROM_PARTNER, counterparty="PCT2") == 500000
        assert j.net_cost == 63000000
        assert j.is_balanced
        for p in ("PCT1", "PCT2"):
            assert j.balance_with(p) + result.journals[p].balance_with("LA") == 0

    def test_settlements(self, close1: YearEndClose) -> None:
        result = close1
        settle = {p.partner: p.settlement for p in result.partners}
        assert settle == {"LA": 0, "PCT1": -1500000, "PCT2": -500000}
        amounts = {e.partner: e.amount for e in result.entries if e.entry is EntryKind.SETTLEMENT}
        assert {p: str(m.amount) for p, m in amounts.items()} == {
            "PCT1": "-15000.00",
            "PCT2": "-5000.00",
        }


def underspend_variant(disposition: UnderspendDisposition) -> tuple[Agreement, Ledger]:
    """§7.6: E 1,000,000.00 and I 30,000.00 on the same contributions."""
    ag, led = example(1)
    scheme = ag.schemes[0].model_copy(
        update={"underspend": UnderspendRule(disposition=disposition)}
    )
    ag = ag.model_copy(update={"schemes": (scheme,)})
    entries: list[Entry] = [e for e in led.entries if not isinstance(e, Expenditure)]
    entries += [
        Expenditure(id=f"INV-{m}", scheme="LD", date=Y7.month(m).start, net="100000.00")
        for m in range(1, 11)
    ]
    return ag, Ledger(ag, entries)


class TestExample1Underspend:
    def test_refund(self) -> None:
        ag, led = underspend_variant(UnderspendDisposition.REFUND)
        r = close_year(ag, led, Y7)
        s = r.scheme("LD")
        assert s.gross_share == {"LA": 60000000, "PCT1": 30000000, "PCT2": 10000000}
        assert s.net_share == {"LA": 58200000, "PCT1": 29100000, "PCT2": 9700000}
        assert s.underspend == {"LA": 1800000, "PCT1": 900000, "PCT2": 300000}
        assert s.dispositions == {"REFUND": s.underspend}
        assert {p.partner: p.settlement for p in r.partners} == {
            "LA": 0,
            "PCT1": 900000,
            "PCT2": 300000,
        }
        pct1 = r.journals["PCT1"]
        assert pct1.balance(Account.REFUND_DUE_FROM_HOST) == 900000
        assert r.journals["LA"].balance(Account.PAYABLE_TO_PARTNER, counterparty="PCT1") == (
            -900000
        )
        assert [e.entry for e in r.entries] == ["settlement", "settlement", "year_closed"]

    def test_carry_forward(self) -> None:
        ag, led = underspend_variant(UnderspendDisposition.CARRY_FORWARD)
        r = close_year(ag, led, Y7)
        assert {p.partner: (p.carried_forward, p.settlement) for p in r.partners} == {
            "LA": (1800000, 0),
            "PCT1": (900000, 0),
            "PCT2": (300000, 0),
        }
        bf = {
            (e.partner, e.scheme, str(e.year)): e.pence
            for e in r.entries
            if e.entry is EntryKind.CONTRIBUTION
        }
        assert bf == {
            ("LA", "LD", "2008-09"): 1800000,
            ("PCT1", "LD", "2008-09"): 900000,
            ("PCT2", "LD", "2008-09"): 300000,
        }
        host = r.journals["LA"]
        assert host.balance(Account.EARMARKED_RESERVE) == -1800000
        # the c/f stays as a balance held by the host for each partner
        assert r.journals["PCT1"].balance_with("LA") == 900000
        assert host.balance_with("PCT1") == -900000


class TestExample2:
    """§8.3-§8.9: the Better Care Fund, every table."""

    def test_outturn_8_2(self, close2: YearEndClose) -> None:
        result = close2
        rows = {s.scheme: (s.expenditure, s.income, s.net, s.variance) for s in result.schemes}
        assert rows == {
            "S1": (185000000, 0, 185000000, -15000000),
            "S2": (423000020, 0, 423000020, 13000000),
            "S3": (211000000, 1000000, 210000000, 10000000),
            "S4": (615000000, 0, 615000000, 15000000),
            "S5": (294000000, 0, 294000000, -6000000),
        }

    def test_risk_pool_8_3(self, close2: YearEndClose) -> None:
        result = close2
        rp = result.risk_pool
        assert rp is not None
        expected = {"S2": 5131579, "S3": 3947368, "S4": 5921053}
        assert rp.by_scheme == {"COUNCIL": expected, "ICB": expected}
        assert rp.used == {"COUNCIL": 15000000, "ICB": 15000000}
        per_scheme = {s.scheme: sum(s.risk_pool.values()) for s in result.schemes}
        assert per_scheme == {"S1": 0, "S2": 10263158, "S3": 7894736, "S4": 11842106, "S5": 0}
        residual = {s.scheme: s.residual for s in result.schemes}
        assert residual == {
            "S1": -15000000,
            "S2": 2736842,
            "S3": 2105264,
            "S4": 3157894,
            "S5": -6000000,
        }

    def test_residual_shares_8_4(self, close2: YearEndClose) -> None:
        result = close2
        d = {s.scheme: s.deficit for s in result.schemes}
        assert d["S2"] == {"COUNCIL": 0, "ICB": 2736842}
        assert d["S3"] == {"COUNCIL": 1263158, "ICB": 842106}
        assert d["S4"] == {"COUNCIL": 2157894, "ICB": 1000000}
        totals = {p.partner: p.deficit for p in result.partners}
        assert totals == {"COUNCIL": 3421052, "ICB": 4578948}

    def test_underspends_8_5(self, close2: YearEndClose) -> None:
        result = close2
        assert result.scheme("S1").dispositions == {
            "CARRY_FORWARD": {"COUNCIL": 15000000, "ICB": 0}
        }
        assert result.scheme("S5").dispositions == {"REFUND": {"COUNCIL": 6000000, "ICB": 0}}

    def test_net_and_gross_shares_8_6(self, close2: YearEndClose) -> None:
        result = close2
        x = {s.scheme: s.net_share for s in result.schemes}
        assert x == {
            "S1": {"COUNCIL": 185000000, "ICB": 0},
            "S2": {"COUNCIL": 5131579, "ICB": 417868441},
            "S3": {"COUNCIL": 125210526, "ICB": 84789474},
            "S4": {"COUNCIL": 8078947, "ICB": 606921053},
            "S5": {"COUNCIL": 294000000, "ICB": 0},
        }
        s3 = result.scheme("S3")
        assert s3.income_share == {"COUNCIL": 596241, "ICB": 403759}
        assert s3.gross_share == {"COUNCIL": 125806767, "ICB": 85193233}
        by = {p.partner: (p.net_share, p.gross_share) for p in result.partners}
        assert by == {"COUNCIL": (617421052, 618017293), "ICB": (1109578968, 1109982727)}

    def test_balances_and_conservation_8_7(self, close2: YearEndClose) -> None:
        result = close2
        icb = result.partner("ICB")
        council = result.partner("COUNCIL")
        assert icb.balance == -4578948
        assert icb.settlement == -4578948
        assert icb.settlement_due == date(2026, 4, 30)
        assert council.balance == 17578948
        assert council.underspend - council.deficit == 17578948
        # 17,400,000.20 + 80,000.00 + 10,000.00 = 17,280,000.20 + 60,000.00 + 150,000.00
        assert result.conservation == {"in": 1749000020, "out": 1749000020}

    def test_journals_8_8(self, close2: YearEndClose) -> None:
        result = close2
        icb = result.journals["ICB"]
        assert icb.balance(Account.CASH) == -1105000020
        assert icb.balance(Account.EXPENDITURE_SHARE) == 1109982727
        assert {
            s: icb.balance(Account.EXPENDITURE_SHARE, scheme=s) for s in ("S2", "S3", "S4")
        } == {"S2": 417868441, "S3": 85193233, "S4": 606921053}
        assert icb.balance(Account.INCOME_SHARE) == -403759
        assert icb.balance(Account.PAYABLE_TO_HOST) == -4578948
        assert icb.net_cost == 1109578968
        council = result.journals["COUNCIL"]
        assert (
            council.balance(Account.CASH, scheme="RP")
            + sum(council.balance(Account.CASH, scheme=s) for s in ("S2", "S3", "S4"))
            == 1105000020 + 1000000
        )
        own_gross = council.balance(Account.EXPENDITURE_SHARE) + council.balance(
            Account.POOL_EXPENDITURE_GROSS
        )
        assert own_gross == 618017293
        assert council.balance(Account.INCOME_SHARE) == -596241
        assert council.balance(Account.RECEIVABLE_FROM_PARTNER, counterparty="ICB") == 4578948
        assert council.balance(Account.EARMARKED_RESERVE) == -15000000
        assert council.net_cost == 617421052
        assert council.balance(Account.POOL_EXPENDITURE_CLEARING) == 0
        assert council.balance(Account.POOL_INCOME_CLEARING) == 0
        assert council.balance_with("ICB") + icb.balance_with("COUNCIL") == 0
        assert council.is_balanced
        assert icb.is_balanced

    def test_no_warnings(self, close2: YearEndClose) -> None:
        result = close2
        assert result.issues == ()


class TestIdempotence:
    """I-12: closing a closed year adds nothing; reopening needs a reversal."""

    def test_close_twice(self) -> None:
        ag, led = example(2)
        first = close_year(ag, led, Y25)
        closed = led.post(*first.entries)
        second = close_year(ag, closed, Y25)
        assert second.already_closed
        assert second.entries == ()
        assert second.partners == first.partners
        assert closed.post(*first.entries) == closed

    def test_reopen_by_reversal(self) -> None:
        ag, led = example(1)
        first = close_year(ag, led, Y7)
        closed = led.post(*first.entries)
        reopened = closed.post(
            Reversal(
                id="REOPEN", reverses="CLOSED-2007-08", date=date(2008, 5, 1), reason="late invoice"
            )
        )
        again = close_year(ag, reopened, Y7)
        assert not again.already_closed
        assert again.entries == first.entries

    def test_brought_forward_opens_next_year(self) -> None:
        ag, led = example(2)
        first = close_year(ag, led, Y25)
        nxt = led.post(*first.entries).approved_contributions(FinancialYear(2026))
        assert nxt["S1"]["COUNCIL"] == 15000000


def test_net_income_scheme_uses_contribution_weights() -> None:
    """§14.5: a scheme whose income exceeds its spending shares income by contributions."""
    ag, led = example(1)
    entries: list[Entry] = [e for e in led.entries if isinstance(e, Instalment)]
    entries += [
        Expenditure(id="E", scheme="LD", date=date(2007, 5, 1), net="10000.00"),
        Income(id="I", scheme="LD", date=date(2007, 6, 1), amount="40000.00"),
    ]
    r = close_year(ag, Ledger(ag, entries), Y7)
    s = r.scheme("LD")
    assert s.net == -3000000
    assert s.income_basis.startswith("contributions")
    assert [i.code for i in r.issues] == ["PL-CLS-002"]
    assert s.income_share == {"LA": 2400000, "PCT1": 1200000, "PCT2": 400000}
    assert sum(s.net_share.values()) == s.net
    assert {p: s.gross_share[p] - s.income_share[p] for p in s.net_share} == s.net_share


def test_scheme_without_contributions_falls_to_lead_commissioner() -> None:
    ag, led = example(1)
    ag = ag.model_copy(update={"contributions": ()})
    led = Ledger(ag, [Expenditure(id="E", scheme="LD", date=date(2007, 5, 1), net="100.00")])
    r = close_year(ag, led, Y7)
    assert r.scheme("LD").net_share == {"LA": 10000, "PCT1": 0, "PCT2": 0}
    assert "PL-CLS-001" in [i.code for i in r.issues]


def test_a_year_without_pool_lines_warns() -> None:
    """PL-CLS-003: closing a year with no spending or income says so; contributions only."""
    ag, led = example(1)
    quiet = Ledger(ag, [e for e in led.entries if isinstance(e, Instalment)])
    r = close_year(ag, quiet, Y7)
    assert [i.code for i in r.issues] == ["PL-CLS-003"]
    assert r.scheme("LD").net == 0
    assert "PL-CLS-003" not in [i.code for i in close_year(ag, led, Y7).issues]
