"""Unit tests for :func:`pooledledger.books.riskshare.share_variance`, rule by rule (domain.md §10).

Every expected figure is worked out by hand in pence with the largest-remainder
allocator of §12 (floors first, leftover pence to the largest fractional
remainders, ties to the earlier partner in agreement order, sign last).  Partners
are ``LA`` (the host), ``ICB`` and ``TR`` in that order.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from pooledledger.books.riskshare import BoardRuling, RuleOutcome, SchemeFacts, share_variance
from pooledledger.model.agreement import Scheme
from pooledledger.model.partners import PartnerId
from pooledledger.model.rules import (
    BoardDecision,
    CappedShares,
    CapScope,
    FallbackRule,
    FaultBearer,
    FaultCharge,
    FixedShares,
    FixedVariableProfile,
    NoRiskShare,
    OwnRisk,
    PartnerAmount,
    PartnerCap,
    PartnerShare,
    ProRataCommissioned,
    ProRataContributions,
    RiskShareRule,
    Termination,
    TerminationSettlement,
    Threshold,
    UnderspendDisposition,
    WindfallManaged,
)

ORDER: tuple[PartnerId, ...] = ("LA", "ICB", "TR")
HOST = "LA"


def facts(
    contributions: dict[PartnerId, int] | None = None,
    *,
    lead: PartnerId = "LA",
    commissioned: dict[PartnerId, int] | None = None,
    own_net: dict[PartnerId, int] | None = None,
    unauthorised: int = 0,
) -> SchemeFacts:
    """Facts for scheme ``S`` with every partner present (0 where not given)."""
    return SchemeFacts(
        scheme=Scheme(id="S", name="Scheme", lead_commissioner=lead),
        contributions={p: (contributions or {}).get(p, 0) for p in ORDER},
        commissioned={p: (commissioned or {}).get(p, 0) for p in ORDER},
        own_net={p: (own_net or {}).get(p, 0) for p in ORDER},
        unauthorised=unauthorised,
    )


def share(
    rule: RiskShareRule | FallbackRule,
    variance: int,
    f: SchemeFacts,
    *,
    ruling: BoardRuling | None = None,
    terminating: bool = False,
) -> RuleOutcome:
    outcome = share_variance(rule, variance, f, ORDER, HOST, ruling, terminating)
    assert sum(outcome.shares.values()) == variance  # §10: Σ A_ik = V_k exactly
    assert list(outcome.shares) == list(ORDER)  # every partner, in agreement order
    return outcome


def shares(*pairs: tuple[PartnerId, str]) -> tuple[PartnerShare, ...]:
    return tuple(PartnerShare(partner=p, share=Fraction(s)) for p, s in pairs)


#: 600.00 / 300.00 / 100.00
C631 = {"LA": 60000, "ICB": 30000, "TR": 10000}
#: three equal contributions
C111 = {"LA": 10000, "ICB": 10000, "TR": 10000}
HALF = {"LA": 50000, "ICB": 50000}
C64 = {"LA": 6000, "ICB": 4000}
EQUAL = {"LA": 5000, "ICB": 5000}
C_THRESHOLD = {"LA": 100000, "ICB": 60000, "TR": 40000}
C31 = {"LA": 3000, "ICB": 1000}


def test_no_variance_gives_zero_shares() -> None:
    out = share(ProRataContributions(), 0, facts(C631))
    assert out.shares == {"LA": 0, "ICB": 0, "TR": 0}
    assert not out.fallback


# ------------------------------------------------------------------------------ RS1


class TestRS1ProRataContributions:
    def test_overspend(self) -> None:
        out = share(ProRataContributions(), 10000, facts(C631))
        assert out.shares == {"LA": 6000, "ICB": 3000, "TR": 1000}

    def test_underspend_remainder_penny_to_largest_remainder(self) -> None:
        # exact 6000.6 / 3000.3 / 1000.1: floors 10000, the penny to LA (0.6), sign last
        out = share(ProRataContributions(), -10001, facts(C631))
        assert out.shares == {"LA": -6001, "ICB": -3000, "TR": -1000}

    def test_r9_vectors_and_sign_awareness(self) -> None:
        # £1.01 ÷ 3 → 0.34 / 0.34 / 0.33 (ties by partner order)
        assert share(ProRataContributions(), 101, facts(C111)).shares == {
            "LA": 34,
            "ICB": 34,
            "TR": 33,
        }
        # −£100.00 ÷ 3 → −33.34 / −33.33 / −33.33 (R3)
        assert share(ProRataContributions(), -10000, facts(C111)).shares == {
            "LA": -3334,
            "ICB": -3333,
            "TR": -3333,
        }

    def test_non_contributor_bears_nothing(self) -> None:
        out = share(ProRataContributions(), 999, facts({"LA": 1, "ICB": 2}))
        assert out.shares == {"LA": 333, "ICB": 666, "TR": 0}


# ------------------------------------------------------------------------------ RS2


class TestRS2OwnRisk:
    def test_lead_commissioner_by_default(self) -> None:
        out = share(OwnRisk(), 12345, facts(C631, lead="ICB"))
        assert out.shares == {"LA": 0, "ICB": 12345, "TR": 0}

    def test_named_owner_underspend(self) -> None:
        out = share(OwnRisk(owner="TR"), -500, facts(C631, lead="ICB"))
        assert out.shares == {"LA": 0, "ICB": 0, "TR": -500}


# ------------------------------------------------------------------------------ RS3


class TestRS3ProRataCommissioned:
    def test_from_the_ledger_overspend(self) -> None:
        # 2:1 → exact 2000.67 / 1000.33: the penny to ICB
        f = facts(C631, commissioned={"ICB": 20000, "TR": 10000})
        out = share(ProRataCommissioned(), 3001, f)
        assert out.shares == {"LA": 0, "ICB": 2001, "TR": 1000}

    def test_from_the_ledger_underspend(self) -> None:
        f = facts(C631, commissioned={"ICB": 20000, "TR": 10000})
        out = share(ProRataCommissioned(), -3000, f)
        assert out.shares == {"LA": 0, "ICB": -2000, "TR": -1000}

    def test_agreement_amounts_override_the_ledger(self) -> None:
        rule = ProRataCommissioned(
            commissioned=(
                PartnerAmount(partner="LA", amount="1.00"),
                PartnerAmount(partner="ICB", amount="3.00"),
            )
        )
        f = facts(C631, commissioned={"TR": 10000})
        assert share(rule, 400, f).shares == {"LA": 100, "ICB": 300, "TR": 0}
        assert share(rule, -401, f).shares == {"LA": -100, "ICB": -301, "TR": 0}

    def test_negative_commissioned_weight_falls_to_lead(self) -> None:
        # a net credit makes a weight negative: no usable basis (§14.5)
        f = facts(C631, lead="TR", commissioned={"LA": 500, "ICB": -100})
        out = share(ProRataCommissioned(), 700, f)
        assert out.shares == {"LA": 0, "ICB": 0, "TR": 700}
        assert out.fallback


# ------------------------------------------------------------------------------ RS4


class TestRS4FixedShares:
    rule = FixedShares(shares=shares(("LA", "3/5"), ("ICB", "2/5")))

    def test_overspend_60_40(self) -> None:
        # 600.6 / 400.4 → the penny to LA
        assert share(self.rule, 1001, facts(C111)).shares == {"LA": 601, "ICB": 400, "TR": 0}

    def test_underspend_60_40(self) -> None:
        assert share(self.rule, -1001, facts(C111)).shares == {"LA": -601, "ICB": -400, "TR": 0}

    def test_ignores_contributions(self) -> None:
        rule = FixedShares(shares=shares(("LA", "1/3"), ("ICB", "1/3"), ("TR", "1/3")))
        assert share(rule, 100, facts(C631)).shares == {"LA": 34, "ICB": 33, "TR": 33}


# ------------------------------------------------------------------------------ RS5


class TestRS5CappedShares:
    def test_overspend_cap_binds_residual_to_underwriter(self) -> None:
        # a = 1501 / 1500 (tie → LA); ICB capped at 10.00, its 5.00 excess to LA
        rule = CappedShares(caps=(PartnerCap(partner="ICB", cap="10.00"),), underwriters=("LA",))
        out = share(rule, 3001, facts(HALF))
        assert out.shares == {"LA": 2001, "ICB": 1000, "TR": 0}

    def test_cap_not_binding(self) -> None:
        rule = CappedShares(caps=(PartnerCap(partner="ICB", cap="100.00"),), underwriters=("LA",))
        assert share(rule, 3001, facts(HALF)).shares == {"LA": 1501, "ICB": 1500, "TR": 0}

    def test_underspend_not_capped_by_default(self) -> None:
        rule = CappedShares(caps=(PartnerCap(partner="ICB", cap="10.00"),), underwriters=("LA",))
        out = share(rule, -3001, facts(HALF))
        assert out.shares == {"LA": -1501, "ICB": -1500, "TR": 0}

    def test_underspend_capped_when_caps_apply_to_both(self) -> None:
        rule = CappedShares(
            caps=(PartnerCap(partner="ICB", cap="10.00"),),
            underwriters=("LA",),
            caps_apply_to=CapScope.BOTH,
        )
        out = share(rule, -3001, facts(HALF))
        assert out.shares == {"LA": -2001, "ICB": -1000, "TR": 0}

    def test_cap_compared_after_rounding_r7(self) -> None:
        # 1:2 of 10.00 → exact 333.33 / 666.67, rounded 333 / 667.  The cap of 6.67
        # equals the rounded share, so it does not bind; a cap of 6.66 binds by 1p.
        base = {"LA": 1, "ICB": 2}
        at = CappedShares(caps=(PartnerCap(partner="ICB", cap="6.67"),), underwriters=("LA",))
        assert share(at, 1000, facts(base)).shares == {"LA": 333, "ICB": 667, "TR": 0}
        below = CappedShares(caps=(PartnerCap(partner="ICB", cap="6.66"),), underwriters=("LA",))
        assert share(below, 1000, facts(base)).shares == {"LA": 334, "ICB": 666, "TR": 0}

    def test_residual_to_two_underwriters_by_their_weights(self) -> None:
        # a = 333 / 333 / 333; TR capped at 0, its 333 split 1:1 → 167 (LA) / 166 (ICB)
        rule = CappedShares(
            caps=(PartnerCap(partner="TR", cap="0.00"),), underwriters=("LA", "ICB")
        )
        out = share(rule, 999, facts(C111))
        assert out.shares == {"LA": 500, "ICB": 499, "TR": 0}

    def test_fixed_shares_and_zero_weight_underwriter(self) -> None:
        # shares 1 / 0: LA's 5.00 capped at 1.00; the underwriter has no weight of its
        # own, so it takes the whole 4.00 excess (equal split among underwriters)
        rule = CappedShares(
            shares=shares(("LA", "1"), ("ICB", "0")),
            caps=(PartnerCap(partner="LA", cap="1.00"),),
            underwriters=("ICB",),
        )
        assert share(rule, 500, facts(C111)).shares == {"LA": 100, "ICB": 400, "TR": 0}

    def test_zero_weights_fall_to_lead_then_cap(self) -> None:
        rule = CappedShares(caps=(PartnerCap(partner="ICB", cap="2.00"),), underwriters=("TR",))
        out = share(rule, 1000, facts({}, lead="ICB"))
        assert out.shares == {"LA": 0, "ICB": 200, "TR": 800}
        assert out.fallback


# ------------------------------------------------------------------------------ RS6


class TestRS6FixedVariableProfile:
    def test_fixed_partner_moves_to_host_overspend(self) -> None:
        out = share(FixedVariableProfile(fixed=("ICB",)), 1000, facts(C64))
        assert out.shares == {"LA": 1000, "ICB": 0, "TR": 0}

    def test_fixed_partner_moves_to_host_underspend(self) -> None:
        out = share(FixedVariableProfile(fixed=("ICB",)), -1001, facts(C64))
        assert out.shares == {"LA": -1001, "ICB": 0, "TR": 0}

    def test_named_bearer_and_variable_shares(self) -> None:
        rule = FixedVariableProfile(
            fixed=("ICB",),
            bearer="TR",
            variable_shares=shares(("LA", "1/2"), ("ICB", "1/4"), ("TR", "1/4")),
        )
        # 500 / 250 / 250, ICB's 250 to TR
        assert share(rule, 1000, facts(C631)).shares == {"LA": 500, "ICB": 0, "TR": 500}
        assert share(rule, -1000, facts(C631)).shares == {"LA": -500, "ICB": 0, "TR": -500}

    def test_zero_weights_fall_to_lead_then_move_to_bearer(self) -> None:
        out = share(FixedVariableProfile(fixed=("ICB",)), 700, facts({}, lead="ICB"))
        assert out.shares == {"LA": 700, "ICB": 0, "TR": 0}
        assert out.fallback


# ------------------------------------------------------------------------------ RS9


class TestRS9FaultBearer:
    def test_unauthorised_spend_to_bearer_first(self) -> None:
        # 3.00 unauthorised to LA, the other 7.00 pro rata 1:1
        out = share(FaultBearer(bearer="LA"), 1000, facts(EQUAL, unauthorised=300))
        assert out.shares == {"LA": 650, "ICB": 350, "TR": 0}

    # OVERSPEND_ONLY: the bearer bears at most the overspend (the default before the
    # judgement in docs/year-end.md#judgements was made explicit)
    only = FaultBearer(bearer="LA", charge=FaultCharge.OVERSPEND_ONLY)

    def test_unauthorised_above_the_overspend(self) -> None:
        out = share(self.only, 1000, facts(EQUAL, unauthorised=1500))
        assert out.shares == {"LA": 1000, "ICB": 0, "TR": 0}

    def test_underspend_shared_normally(self) -> None:
        out = share(self.only, -1000, facts(EQUAL, unauthorised=300))
        assert out.shares == {"LA": -500, "ICB": -500, "TR": 0}

    # ALL_UNAUTHORISED (default): the bearer bears all of it, over- or underspend
    def test_all_unauthorised_above_the_overspend(self) -> None:
        # 15.00 to LA; the other -5.00 pro rata 1:1
        out = share(FaultBearer(bearer="LA"), 1000, facts(EQUAL, unauthorised=1500))
        assert out.shares == {"LA": 1250, "ICB": -250, "TR": 0}

    def test_all_unauthorised_inside_an_underspend(self) -> None:
        # 3.00 to LA; the other -13.00 pro rata 1:1: the ICB keeps its whole 6.50
        out = share(FaultBearer(bearer="LA"), -1000, facts(EQUAL, unauthorised=300))
        assert out.shares == {"LA": -350, "ICB": -650, "TR": 0}

    def test_otherwise_rule(self) -> None:
        rule = FaultBearer(bearer="LA", otherwise=OwnRisk(owner="ICB"))
        out = share(rule, 1000, facts(EQUAL, unauthorised=300))
        assert out.shares == {"LA": 300, "ICB": 700, "TR": 0}


# ----------------------------------------------------------------------------- RS10


class TestRS10Threshold:
    rule = Threshold(protected="LA", threshold=Fraction(1, 10))

    def test_within_threshold_others_only(self) -> None:
        # others' capacity: 10% of 1,000.00 = 100.00; 50.00 split 3:2
        assert share(self.rule, 5000, facts(C_THRESHOLD)).shares == {
            "LA": 0,
            "ICB": 3000,
            "TR": 2000,
        }

    def test_beyond_threshold_shared_pro_rata(self) -> None:
        # first 100.00 → 60.00 / 40.00; the other 200.00 pro rata 5:3:2
        out = share(self.rule, 30000, facts(C_THRESHOLD))
        assert out.shares == {"LA": 10000, "ICB": 12000, "TR": 8000}

    def test_underspend_within_threshold(self) -> None:
        out = share(self.rule, -5000, facts(C_THRESHOLD))
        assert out.shares == {"LA": 0, "ICB": -3000, "TR": -2000}

    def test_capacity_rounded_down_and_shares_beyond(self) -> None:
        # others 1.00, a third → capacity 33p; the other 67p by shares 1/2 LA, 1/2 TR
        rule = Threshold(
            protected="LA", threshold=Fraction(1, 3), shares=shares(("LA", "1/2"), ("TR", "1/2"))
        )
        out = share(rule, 100, facts({"LA": 1000, "ICB": 100}))
        assert out.shares == {"LA": 34, "ICB": 33, "TR": 33}

    def test_no_others_falls_to_the_rule_beyond(self) -> None:
        out = share(self.rule, 700, facts({"LA": 100}))
        assert out.shares == {"LA": 700, "ICB": 0, "TR": 0}


# ----------------------------------------------------------------------------- RS11


class TestRS11WindfallManaged:
    def test_underspend_pro_rata(self) -> None:
        rule = WindfallManaged()
        assert share(rule, -1001, facts(C31)).shares == {"LA": -751, "ICB": -250, "TR": 0}

    def test_overspend_pro_rata(self) -> None:
        rule = WindfallManaged(managed_disposition=UnderspendDisposition.REFUND)
        assert share(rule, 1000, facts(C31)).shares == {"LA": 750, "ICB": 250, "TR": 0}


# ----------------------------------------------------------------------------- RS12


class TestRS12NoRiskShare:
    def test_overspend_each_bears_own(self) -> None:
        # net 120.00 against contributions 115.00: LA overspent its 60.00 by 10.00,
        # ICB underspent its 55.00 by 5.00
        f = facts({"LA": 6000, "ICB": 5500}, own_net={"LA": 7000, "ICB": 5000})
        out = share(NoRiskShare(), 500, f)
        assert out.shares == {"LA": 1000, "ICB": -500, "TR": 0}

    def test_underspend_each_keeps_own(self) -> None:
        f = facts({"LA": 6000, "ICB": 5500}, own_net={"LA": 5000, "ICB": 4000})
        out = share(NoRiskShare(), -2500, f)
        assert out.shares == {"LA": -1000, "ICB": -1500, "TR": 0}


# ----------------------------------------------------------------------------- RS13


class TestRS13BoardDecision:
    rule = BoardDecision(default=UnderspendDisposition.REFUND)

    def test_no_ruling_uses_default_rule(self) -> None:
        out = share(self.rule, 1000, facts(C631))
        assert out.shares == {"LA": 600, "ICB": 300, "TR": 100}
        assert "no board decision" in " ".join(out.explanation)

    def test_ruling_rule_applies(self) -> None:
        ruling = BoardRuling(
            rule=FixedShares(shares=shares(("LA", "1/4"), ("ICB", "3/4"))), reference="MIN-7"
        )
        out = share(self.rule, -1000, facts(C631), ruling=ruling)
        assert out.shares == {"LA": -250, "ICB": -750, "TR": 0}
        assert "board decision MIN-7" in out.explanation

    def test_ruling_without_rule_uses_default(self) -> None:
        rule = BoardDecision(default=UnderspendDisposition.REFUND, default_rule=OwnRisk())
        ruling = BoardRuling(disposition=UnderspendDisposition.CARRY_FORWARD)
        out = share(rule, 1000, facts(C631, lead="TR"), ruling=ruling)
        assert out.shares == {"LA": 0, "ICB": 0, "TR": 1000}


# ----------------------------------------------------------------------------- RS14


class TestRS14Termination:
    rule = Termination(in_year=OwnRisk(owner="ICB"))

    def test_in_year_rule_when_not_terminating(self) -> None:
        assert share(self.rule, 1000, facts(C631)).shares == {"LA": 0, "ICB": 1000, "TR": 0}

    def test_pro_rata_on_termination(self) -> None:
        out = share(self.rule, -1000, facts(C631), terminating=True)
        assert out.shares == {"LA": -600, "ICB": -300, "TR": -100}

    def test_scheme_rule_on_termination(self) -> None:
        rule = Termination(
            settle_by=TerminationSettlement.SCHEME_RULE, in_year=OwnRisk(owner="ICB")
        )
        assert share(rule, 1000, facts(C631), terminating=True).shares == {
            "LA": 0,
            "ICB": 1000,
            "TR": 0,
        }


# -------------------------------------------------------------------- §14.5 fallback


@pytest.mark.parametrize(
    "rule",
    [
        ProRataContributions(),
        ProRataCommissioned(),
        WindfallManaged(),
        BoardDecision(default=UnderspendDisposition.REFUND),
        Termination(),
        FaultBearer(bearer="LA"),
        Threshold(protected="LA", threshold=Fraction(1, 10)),
    ],
    ids=lambda r: r.code,
)
@pytest.mark.parametrize("variance", [1234, -1234])
def test_zero_weights_fall_to_lead_commissioner(rule: RiskShareRule, variance: int) -> None:
    out = share(rule, variance, facts({}, lead="ICB"))
    assert out.shares == {"LA": 0, "ICB": variance, "TR": 0}
    assert out.fallback
    assert any("lead commissioner ICB" in line for line in out.explanation)


# --------------------------------------------------- found by mutation testing


def test_rs5_two_partners_capped_at_once() -> None:
    """Each capped partner's excess adds up for the underwriter: 10.00 a third each;
    ICB capped at 5.00 (5.00 over), TR at 2.00 (8.00 over), so LA bears 10.00 + 13.00."""
    rule = CappedShares(
        caps=(PartnerCap(partner="ICB", cap="5.00"), PartnerCap(partner="TR", cap="2.00")),
        underwriters=("LA",),
    )
    out = share(rule, 3000, facts(C111))
    assert out.shares == {"LA": 2300, "ICB": 500, "TR": 200}
    assert out.explanation[-1] == "13.00 above the caps to the underwriter(s) LA"


def test_rs5_an_underwriter_with_no_weight_takes_none_of_the_excess() -> None:
    """LA and ICB underwrite; ICB contributes nothing, so LA takes all 9.00 over TR's cap."""
    rule = CappedShares(caps=(PartnerCap(partner="TR", cap="1.00"),), underwriters=("LA", "ICB"))
    out = share(rule, 3000, facts({"LA": 20000, "TR": 10000}))
    assert out.shares == {"LA": 2900, "ICB": 0, "TR": 100}


@pytest.mark.parametrize(
    ("rule", "variance", "f", "explanation"),
    [
        (
            ProRataContributions(),
            1001,
            facts(C631),
            (
                "RS1 PRO_RATA_CONTRIBUTIONS",
                "pro rata to contributions: 10.01 split LA 3/5, ICB 3/10, TR 1/10",
            ),
        ),
        (OwnRisk(), -500, facts(C631), ("RS2 OWN_RISK", "LA bears its own variance of (5.00)")),
        (
            ProRataCommissioned(),
            999,
            facts(C631, commissioned={"LA": 2, "ICB": 1}),
            (
                "RS3 PRO_RATA_COMMISSIONED",
                "pro rata to spending commissioned: 9.99 split LA 2/3, ICB 1/3",
            ),
        ),
        (
            FixedShares(shares=shares(("LA", "0.6"), ("ICB", "0.4"))),
            1000,
            facts(C64),
            ("RS4 FIXED_SHARES", "fixed shares: 10.00 split LA 3/5, ICB 2/5"),
        ),
        (
            CappedShares(caps=(PartnerCap(partner="ICB", cap="10.00"),), underwriters=("LA",)),
            3001,
            facts(HALF),
            (
                "RS5 CAPPED_SHARES",
                "before caps: 30.01 split LA 1/2, ICB 1/2",
                "ICB capped at 10.00 (share was 15.00)",
                "5.00 above the caps to the underwriter(s) LA",
            ),
        ),
    ],
    ids=["RS1", "RS2", "RS3", "RS4", "RS5"],
)
def test_the_explanation_an_auditor_reads(
    rule: RiskShareRule, variance: int, f: SchemeFacts, explanation: tuple[str, ...]
) -> None:
    """The words of each rule's trail, as the memorandum account and statements show them."""
    assert share(rule, variance, f).explanation == explanation


@pytest.mark.parametrize(
    ("rule", "variance", "f", "terminating", "shares_", "explanation"),
    [
        (
            FixedVariableProfile(fixed=("ICB",)),
            1000,
            facts(C64),
            False,
            {"LA": 1000, "ICB": 0, "TR": 0},
            (
                "RS6 FIXED_VARIABLE_PROFILE",
                "variable share: 10.00 split LA 3/5, ICB 2/5",
                "fixed partners' 4.00 borne by LA",
            ),
        ),
        (
            FaultBearer(bearer="LA"),
            1000,
            facts(EQUAL, unauthorised=300),
            False,
            {"LA": 650, "ICB": 350, "TR": 0},
            (
                "RS9 MALADMINISTRATION",
                "unauthorised spending of 3.00 borne by LA",
                "RS1 PRO_RATA_CONTRIBUTIONS",
                "pro rata to contributions: 7.00 split LA 1/2, ICB 1/2",
            ),
        ),
        (
            Threshold(protected="LA", threshold=Fraction(1, 10)),
            1000,
            facts(C_THRESHOLD),
            False,
            {"LA": 0, "ICB": 600, "TR": 400},
            (
                "RS10 THRESHOLD",
                "first 1/10 of the others' contributions: 10.00 split ICB 3/5, TR 2/5",
            ),
        ),
        (
            WindfallManaged(),
            -1001,
            facts(C31),
            False,
            {"LA": -751, "ICB": -250, "TR": 0},
            (
                "RS11 WINDFALL_MANAGED",
                "pro rata to contributions: (10.01) split LA 3/4, ICB 1/4",
            ),
        ),
        (
            NoRiskShare(),
            500,
            facts({"LA": 6000, "ICB": 5500}, own_net={"LA": 7000, "ICB": 5000}),
            False,
            {"LA": 1000, "ICB": -500, "TR": 0},
            ("RS12 NO_RISK_SHARE", "each partner bears its own spending less its own contribution"),
        ),
        (
            BoardDecision(default=UnderspendDisposition.REFUND),
            1000,
            facts(C631),
            False,
            {"LA": 600, "ICB": 300, "TR": 100},
            (
                "RS13 BOARD_DECISION",
                "no board decision: the agreement's default applies",
                "RS1 PRO_RATA_CONTRIBUTIONS",
                "pro rata to contributions: 10.00 split LA 3/5, ICB 3/10, TR 1/10",
            ),
        ),
        (
            Termination(in_year=OwnRisk(owner="ICB")),
            1000,
            facts(C631),
            True,
            {"LA": 600, "ICB": 300, "TR": 100},
            (
                "RS14 TERMINATION",
                "RS1 PRO_RATA_CONTRIBUTIONS",
                "pro rata to contributions: 10.00 split LA 3/5, ICB 3/10, TR 1/10",
            ),
        ),
        (
            Termination(in_year=OwnRisk(owner="ICB")),
            1000,
            facts(C631),
            False,
            {"LA": 0, "ICB": 1000, "TR": 0},
            ("RS14 TERMINATION", "RS2 OWN_RISK", "ICB bears its own variance of 10.00"),
        ),
    ],
    ids=["RS6", "RS9", "RS10", "RS11", "RS12", "RS13", "RS14", "RS14-in-year"],
)
def test_the_trail_of_the_other_rules(
    rule: RiskShareRule,
    variance: int,
    f: SchemeFacts,
    terminating: bool,
    shares_: dict[str, int],
    explanation: tuple[str, ...],
) -> None:
    out = share(rule, variance, f, terminating=terminating)
    assert out.shares == shares_
    assert out.explanation == explanation


def test_not_terminating_unless_told() -> None:
    """``share_variance`` settles by the in-year rule unless the close says it terminates."""
    out = share_variance(Termination(in_year=OwnRisk(owner="ICB")), 1000, facts(C631), ORDER, HOST)
    assert out.shares == {"LA": 0, "ICB": 1000, "TR": 0}
    assert out.fallback is False


def test_no_fallback_is_reported_where_none_was_taken() -> None:
    assert share(OwnRisk(), 500, facts(C631)).fallback is False
    fixed = FixedShares(shares=shares(("LA", "0.6"), ("ICB", "0.4")))
    assert share(fixed, 1000, facts(C64)).fallback is False
    zero = share(ProRataContributions(), 0, facts(C631))
    assert zero.explanation == ("RS1 PRO_RATA_CONTRIBUTIONS", "no variance")
    assert zero.fallback is False


def test_rs10_trail_beyond_the_threshold() -> None:
    out = share(Threshold(protected="LA", threshold=Fraction(1, 10)), 30000, facts(C_THRESHOLD))
    assert out.explanation == (
        "RS10 THRESHOLD",
        "first 1/10 of the others' contributions: 100.00 split ICB 3/5, TR 2/5",
        "beyond the threshold: 200.00 split LA 1/2, ICB 3/10, TR 1/5",
    )


def test_ties_go_to_the_agreement_order_not_the_order_a_rule_lists() -> None:
    """A rule listing ICB before LA still breaks a tie in the agreement's order (LA first)."""
    fixed = FixedShares(shares=shares(("ICB", "1/2"), ("LA", "1/2")))
    assert share(fixed, 1, facts(C631)).shares == {"LA": 1, "ICB": 0, "TR": 0}
    capped = CappedShares(caps=(PartnerCap(partner="TR", cap="0.00"),), underwriters=("ICB", "LA"))
    out = share(capped, 3, facts({"LA": 1, "ICB": 1, "TR": 1}))
    assert out.shares == {"LA": 2, "ICB": 1, "TR": 0}
    assert out.explanation[-1] == (
        "0.01 above the caps to the underwriter(s) ICB, LA; "
        "their 0.03 split once by their own weights"
    )
