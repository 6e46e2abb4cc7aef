"""What if? Changes move the partners' and the host's positions by exactly the change."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pooledledger import (
    ContributionChange,
    FinancialYear,
    ProRataContributions,
    RuleChange,
    SpendingChange,
    WhatIf,
    WhatIfError,
    close_year,
    load_agreement,
    load_ledger,
    to_money,
    what_if,
)
from pooledledger.books.ledger import Ledger
from pooledledger.model.agreement import Agreement

EXAMPLES = Path(__file__).resolve().parents[1] / "src" / "pooledledger" / "examples"
Y25 = FinancialYear(2025)


@pytest.fixture(scope="module")
def bcf() -> tuple[Agreement, Ledger]:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    return agreement, load_ledger(agreement, EXAMPLES / "example2_ledger.toml")


def _sums(result: WhatIf) -> dict[str, int]:
    return {m: sum(p.change[m] for p in result.partners) for m in ("net_share", "settlement")}


def test_capped_scheme_overspend_moves_positions_by_the_change(
    bcf: tuple[Agreement, Ledger],
) -> None:
    """S4 (RS5: 50/50, ICB capped at £10,000.00, council underwrites): +£10,000.00.

    By hand: overspends become S2 130,000, S3 100,000, S4 160,000; each partner's
    £150,000.00 of risk pool spreads 130:100:160 = 50,000.00 / 38,461.54 / 61,538.46.
    Residuals: S2 30,000.00 (ICB, own risk); S3 23,076.92 (60:40 = 13,846.15 /
    9,230.77); S4 36,923.08 (half is 18,461.54: the ICB is capped at 10,000.00, the
    council takes 26,923.08).  ICB net share = 4,180,000.20 + 847,692.31 +
    6,071,538.46 = 11,099,230.97, up 3,441.29; the council's is up 6,558.71.
    """
    agreement, ledger = bcf
    result = what_if(agreement, ledger, Y25, [SpendingChange(scheme="S4", amount="10000.00")])
    council, icb = result.partner("COUNCIL"), result.partner("ICB")
    assert council.is_host
    assert result.changed.scheme("S4").deficit == {"COUNCIL": 2692308, "ICB": 1000000}
    assert icb.after["net_share"] == 1109923097
    assert icb.change == {"net_share": 344129, "balance": -344129, "settlement": -344129}
    assert council.change == {"net_share": 655871, "balance": -655871, "settlement": 344129}
    assert _sums(result) == {"net_share": 1000000, "settlement": 0}  # to the penny
    # the base case is the documented close: the ICB pays the host £45,789.48
    assert icb.before["settlement"] == -4578948
    assert council.before["settlement"] == 4578948


def test_shared_scheme_moves_both_and_the_host_position(bcf: tuple[Agreement, Ledger]) -> None:
    """S3 (RS1, 60:40, after the risk pool): +£1,000.00 is shared, and what the ICB pays
    more in settlement is exactly what the host receives more."""
    agreement, ledger = bcf
    result = what_if(agreement, ledger, Y25, [SpendingChange(scheme="S3", amount="1000.00")])
    icb, host = result.partner("ICB"), result.host
    assert icb.change["net_share"] > 0
    assert host.change["net_share"] > 0
    assert icb.change["settlement"] == -icb.change["net_share"]  # nothing held for the ICB
    assert host.change["settlement"] == -icb.change["settlement"]
    assert _sums(result) == {"net_share": 100000, "settlement": 0}


def test_percent_rule_and_contribution_changes(bcf: tuple[Agreement, Ledger]) -> None:
    agreement, ledger = bcf
    pct = what_if(agreement, ledger, Y25, [SpendingChange(scheme="S4", percent=Decimal("1"))])
    assert pct.spending_added == {"S4": 6150000}  # 1% of £6,150,000.00
    rule = what_if(
        agreement, ledger, Y25, [RuleChange(scheme="S4", risk_share=ProRataContributions())]
    )
    # S4 is all ICB money: pro rata, the ICB bears the whole residual £31,578.94
    assert rule.changed.scheme("S4").deficit == {"COUNCIL": 0, "ICB": 3157894}
    assert _sums(rule)["net_share"] == 0
    more = what_if(
        agreement,
        ledger,
        Y25,
        [ContributionChange(scheme="S3", partner="ICB", amount=to_money(500000))],
    )
    assert _sums(more) == {"net_share": 0, "settlement": 0}
    assert more.partner("ICB").change["balance"] == 500000 - more.partner("ICB").change["net_share"]


def test_outputs(bcf: tuple[Agreement, Ledger]) -> None:
    agreement, ledger = bcf
    result = what_if(agreement, ledger, Y25, [SpendingChange(scheme="S4", amount="10000.00")])
    md = result.to_markdown()
    host = "| COUNCIL (host) | Settlement (+ receives cash) | 45,789.48 | 49,230.77 | +3,441.29 |"
    assert host in md
    assert "| ICB | Net share (net cost) | 11,095,789.68 | 11,099,230.97 | +3,441.29 |" in md
    frame = result.to_pandas()
    assert list(frame["change_pence"]) == [655871, -655871, 344129, 344129, -344129, -344129]
    assert str(frame["change_pence"].dtype) == "int64"
    assert result.to_polars().height == 6


def test_bad_changes_raise(bcf: tuple[Agreement, Ledger]) -> None:
    agreement, ledger = bcf
    with pytest.raises(WhatIfError, match="no scheme 'S9'"):
        what_if(agreement, ledger, Y25, [SpendingChange(scheme="S9", amount="1.00")])
    with pytest.raises(WhatIfError, match="no partner 'XX'"):
        what_if(agreement, ledger, Y25, [ContributionChange(scheme="S3", partner="XX", amount="1")])
    with pytest.raises(WhatIfError, match="COUNCIL's contribution to S4 for 2025-26 would be"):
        what_if(
            agreement,
            ledger,
            Y25,
            [ContributionChange(scheme="S4", partner="COUNCIL", amount="-1")],
        )
    with pytest.raises(ValueError, match="either an amount or a percent"):
        SpendingChange(scheme="S3")


def test_host_position_sums_settlements_to_zero(bcf: tuple[Agreement, Ledger]) -> None:
    agreement, ledger = bcf
    close = close_year(agreement, ledger, Y25)
    assert close.host_position == 4578948
    assert close.host_position + sum(p.settlement for p in close.partners) == 0


changes = st.lists(
    st.one_of(
        st.builds(
            SpendingChange,
            scheme=st.sampled_from(["S1", "S2", "S3", "S4", "S5"]),
            amount=st.integers(-100_000_000, 100_000_000).map(to_money),
        ),
        st.sampled_from([("S2", "ICB"), ("S3", "COUNCIL"), ("S3", "ICB"), ("S4", "ICB")]).flatmap(
            lambda pair: st.builds(
                ContributionChange,
                scheme=st.just(pair[0]),
                partner=st.just(pair[1]),
                amount=st.integers(-10_000_000, 10_000_000).map(to_money),
            )
        ),
        st.builds(
            RuleChange,
            scheme=st.sampled_from(["S3", "S4"]),
            risk_share=st.just(ProRataContributions()),
        ),
    ),
    min_size=1,
    max_size=3,
)


@settings(max_examples=40)
@given(todo=changes)
def test_changes_are_conserved_to_the_penny(todo: list[object]) -> None:
    agreement = load_agreement(EXAMPLES / "example2_bcf.toml")
    ledger = load_ledger(agreement, EXAMPLES / "example2_ledger.toml")
    result = what_if(agreement, ledger, Y25, todo)  # type: ignore[arg-type]
    spent = sum(result.spending_added.values())
    contributed = sum(int(c.amount.amount * 100) for c in todo if isinstance(c, ContributionChange))
    sums = _sums(result)
    assert sums["net_share"] == spent  # Σ ΔX_i = ΔN, the host included
    assert sums["settlement"] == 0  # cash: what one side pays, the other receives
    assert sum(p.change["balance"] for p in result.partners) == contributed - spent
    for p in result.partners:
        assert p.after["balance"] == p.before["balance"] + p.change["balance"]


def test_cli_what_if(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pooledledger.cli import main

    args = ["what-if", str(EXAMPLES / "example2_bcf.toml"), str(EXAMPLES / "example2_ledger.toml")]
    run = CliRunner().invoke(main, [*args, "--spend", "S4=+10,000.00", "--out", str(tmp_path)])
    assert run.exit_code == 0, run.output
    assert (
        "| ICB | Net share (net cost) | 11,095,789.68 | 11,099,230.97 | +3,441.29 |" in run.output
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "what-if.csv",
        "what-if.json",
        "what-if.md",
    ]
    rule = CliRunner().invoke(main, [*args, "--rule", "S4=pro_rata_contributions"])
    assert rule.exit_code == 0, rule.output
    assert "S4 rule RS1 PRO_RATA_CONTRIBUTIONS" in rule.output
    shares = '{"rule": "FIXED_SHARES", "shares": [{"partner": "COUNCIL", "share": "3/4"}, '
    shares += '{"partner": "ICB", "share": "1/4"}]}'
    both = CliRunner().invoke(
        main, [*args, "--rule", f"S4={shares}", "--contribution", "S3:ICB=+50,000.00"]
    )
    assert both.exit_code == 0, both.output
    assert "S4 rule RS4 FIXED_SHARES" in both.output
    assert "ICB contribution to S3 +50,000.00" in both.output
    bad_rule = CliRunner().invoke(main, [*args, "--rule", "S4=NOT_A_RULE"])
    assert bad_rule.exit_code == 2
    assert "--rule" in bad_rule.output
    bad = CliRunner().invoke(main, [*args, "--spend", "S4=ten"])
    assert bad.exit_code == 2
    assert "--spend" in bad.output
    none = CliRunner().invoke(main, args)
    assert none.exit_code == 2
    unknown = CliRunner().invoke(main, [*args, "--spend", "S9=1.00"])
    assert unknown.exit_code == 1
    assert "no scheme 'S9'" in unknown.output


def test_host_position_is_shown_wherever_settlements_are(bcf: tuple[Agreement, Ledger]) -> None:
    from pooledledger.reports.bundle import year_end_reports
    from pooledledger.reports.html import render_html
    from pooledledger.tables import settlement_table

    agreement, ledger = bcf
    reports = year_end_reports(agreement, ledger, Y25)
    rows = settlement_table(reports.close).rows
    assert [r["net_position_pence"] for r in rows] == [4578948, -4578948]
    assert sum(int(str(r["net_position_pence"])) for r in rows) == 0
    host = reports.statements["COUNCIL"]
    assert host.host_position == 4578948
    assert "| **Net cash on settlement" in host.to_markdown()
    assert "| **45,789.48** |" in host.to_markdown()
    assert reports.statements["ICB"].net_position == -4578948
    assert reports.memorandum.host_position == 4578948
    assert "Host's net position on settlement" in reports.memorandum.to_markdown()
    assert "Net, the host receives £45,789.48 from the other partners." in render_html(reports)


def test_spending_in_a_scheme_with_permitted_categories(bcf: tuple[Agreement, Ledger]) -> None:
    """The added line takes the scheme's first permitted category, so the ledger's
    gate (PL-LED-005) accepts it."""
    agreement, ledger = bcf
    schemes = tuple(
        s.model_copy(update={"permitted_categories": ("care packages", "equipment")})
        if s.id == "S3"
        else s
        for s in agreement.schemes
    )
    restricted = agreement.model_copy(update={"schemes": schemes})
    entries = [
        e.model_copy(update={"category": "equipment"})
        if getattr(e, "scheme", None) == "S3" and e.entry == "expenditure"
        else e
        for e in ledger.entries
    ]
    result = what_if(
        restricted,
        Ledger(restricted, entries),
        Y25,
        [SpendingChange(scheme="S3", amount="1000.00")],
    )
    assert sum(p.change["net_share"] for p in result.partners) == 100000
