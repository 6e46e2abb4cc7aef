"""Next year's contributions (§11.2), termination (§11.8, RS14) and transfers (I-15)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from importlib.resources import files

import pytest

from pooledledger import FinancialYear, Ledger, LedgerError, load_agreement, load_ledger
from pooledledger.books.journals import Account
from pooledledger.books.transfers import (
    ClawbackSchedule,
    Transfer,
    TransferPower,
    clawback_due,
    transfer_journals,
)
from pooledledger.yearend.budget import next_year_contributions, terminate
from pooledledger.yearend.close import close_year

EXAMPLES = files("pooledledger") / "examples"
Y25 = FinancialYear(2025)


def example2() -> Ledger:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")  # type: ignore[arg-type]
    return load_ledger(agreement, EXAMPLES / "example2_ledger.toml")  # type: ignore[arg-type]


def pence(amount: str) -> int:
    return int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


class TestNextYear:
    def test_base_recurrent_uplift_planned_efficiency(self) -> None:
        led = example2()
        out = next_year_contributions(
            led,
            Y25,
            uplift="0.0566",
            planned_changes={("S3", "COUNCIL"): 5000000},
            efficiencies={("S4", "ICB"): 1000000},
            approval_ref="HWB 2026-02",
        )
        got = {(c.scheme, c.partner, c.id.rsplit("-", 1)[1]): c.pence for c in out}
        # S2: 3,785,728.00 + 214,272.20 + recurrent 100,000.00 = 4,100,000.20, x 1.0566
        uplifted = Decimal("4100000.20") * Decimal("1.0566")
        assert got[("S2", "ICB", "BASE")] == 410000020
        assert got[("S2", "ICB", "UPLIFT")] == pence(str(uplifted)) - 410000020
        assert got[("S3", "COUNCIL", "PLANNED")] == 5000000
        assert got[("S4", "ICB", "EFFICIENCY")] == -1000000
        assert all(str(c.year) == "2026-27" and c.effective_date == date(2026, 4, 1) for c in out)
        assert all(c.approval_ref == "HWB 2026-02" for c in out)
        assert not any(c.scheme == "RP" for c in out)

    def test_non_recurrent_variation_drops_out(self) -> None:
        out = next_year_contributions(
            example2(), Y25, non_recurrent={"ICB-S2-VAR-Q3"}, approval_ref="x"
        )
        base = {(c.scheme, c.partner): c.pence for c in out if c.id.endswith("BASE")}
        assert base[("S2", "ICB")] == 400000020
        assert not any(c.id.endswith("UPLIFT") for c in out)

    def test_per_partner_uplift(self) -> None:
        out = next_year_contributions(
            example2(), Y25, uplift={("S3", "ICB"): "0.1"}, approval_ref="x"
        )
        up = {(c.scheme, c.partner): c.pence for c in out if c.id.endswith("UPLIFT")}
        assert up == {("S3", "ICB"): 8000000}


class TestTermination:
    def test_mid_year_termination_pays_everything_out(self) -> None:
        led = example2()
        ag = led.agreement
        r = terminate(ag, led, date(2025, 10, 1))
        assert all(p.carried_forward == 0 and p.held == 0 for p in r.partners)
        assert not any(e.entry == "contribution" for e in r.entries)
        assert r.conservation["in"] == r.conservation["out"]
        # only the first two quarters' spending counts
        assert r.scheme("S1").expenditure == 2 * pence("462500.00")
        s1 = r.scheme("S1")
        assert s1.dispositions == {"REFUND": s1.underspend}

    def test_normal_close_carries_forward(self) -> None:
        led = example2()
        r = close_year(led.agreement, led, Y25)
        assert r.partner("COUNCIL").carried_forward == 15000000


class TestTransfers:
    t = Transfer(
        id="T1",
        power=TransferPower.S256_NHSA2006,
        payer="ICB",
        recipient="COUNCIL",
        amount="500000.00",
        paid_on=date(2025, 6, 1),
        purpose="discharge support",
        capital=True,
        clawback=ClawbackSchedule(),
    )

    def test_journals_are_a_grant(self) -> None:
        j = transfer_journals(self.t)
        assert j["ICB"].balance(Account.GRANT_PAID) == 50000000
        assert j["COUNCIL"].balance(Account.GRANT_INCOME) == -50000000
        assert all(x.is_balanced for x in j.values())

    def test_conditions_not_met_is_a_receipt_in_advance(self) -> None:
        t = self.t.model_copy(update={"conditions_met": False})
        assert transfer_journals(t)["COUNCIL"].balance(Account.RECEIPT_IN_ADVANCE) == -50000000

    @pytest.mark.parametrize(
        ("disposal", "repay"),
        [
            (date(2025, 6, 1), 50000000),
            (date(2026, 5, 31), 50000000),
            (date(2026, 6, 1), 40000000),
            (date(2029, 6, 1), 10000000),
            (date(2030, 6, 1), 0),
            (date(2025, 1, 1), 0),
        ],
    )
    def test_tapered_clawback(self, disposal: date, repay: int) -> None:
        assert clawback_due(self.t, disposal) == repay

    def test_a_transfer_is_never_pooled(self) -> None:
        led = example2()
        with pytest.raises(LedgerError, match="I-15"):
            led.post(self.t)  # type: ignore[arg-type]
