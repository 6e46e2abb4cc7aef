"""Risk-share rules: exact shares and the discriminated union of rules (domain.md §10)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from moneyed import Money
from pydantic import TypeAdapter, ValidationError

from pooledledger.model import rules
from pooledledger.model.rules import (
    BoardDecision,
    CappedShares,
    CapScope,
    FaultBearer,
    FixedShares,
    FixedVariableProfile,
    NoRiskShare,
    Offsetting,
    OwnRisk,
    PartnerCap,
    PartnerShare,
    ProRataCommissioned,
    ProRataContributions,
    RiskPool,
    RiskShareRule,
    ShareError,
    Termination,
    Threshold,
    UnderspendDisposition,
    WindfallManaged,
    format_share,
    parse_share,
)

RULES: TypeAdapter[Any] = TypeAdapter(RiskShareRule)


# ------------------------------------------------------------------------ shares


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("1/2", Fraction(1, 2)),
        (" 3 / 10 ", Fraction(3, 10)),
        ("50%", Fraction(1, 2)),
        ("33.5%", Fraction(67, 200)),
        ("0.5", Fraction(1, 2)),
        ("0.6", Fraction(3, 5)),
        ("1", Fraction(1)),
        ("0%", Fraction(0)),
        (Decimal("0.25"), Fraction(1, 4)),
        (Fraction(1, 3), Fraction(1, 3)),
        (1, Fraction(1)),
        (0, Fraction(0)),
    ],
)
def test_parse_share_accepts_exact_forms(given: object, expected: Fraction) -> None:
    assert parse_share(given) == expected
    assert isinstance(parse_share(given), Fraction)


@pytest.mark.parametrize(
    "given",
    [0.5, 1.0, True, "1/0", "120%", "-1/2", "1.5", "abc", "1e-1", "", None, Decimal("NaN"), 2],
)
def test_parse_share_refuses_floats_and_out_of_range(given: object) -> None:
    with pytest.raises(ShareError):
        parse_share(given)


def test_share_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="float"):
        parse_share(0.5)


@pytest.mark.parametrize("given", ["1/2", "50%", "0.5", Decimal("0.5"), Fraction(1, 2)])
def test_partner_share_validates_and_serializes_as_a_fraction_string(given: object) -> None:
    ps = PartnerShare.model_validate({"partner": "ICB", "share": given})
    assert ps.share == Fraction(1, 2)
    assert ps.model_dump(mode="json") == {"partner": "ICB", "share": "1/2"}
    assert PartnerShare.model_validate_json(ps.model_dump_json()) == ps


def test_partner_share_refuses_float_with_a_clear_message() -> None:
    with pytest.raises(ValidationError, match="float") as info:
        PartnerShare.model_validate({"partner": "ICB", "share": 0.5})
    assert info.value.errors()[0]["loc"] == ("share",)


def test_format_share_is_exact_and_reduced() -> None:
    assert format_share(Fraction(6, 10)) == "3/5"
    assert format_share(Fraction(1)) == "1"
    assert parse_share(format_share(Fraction(1, 3))) == Fraction(1, 3)


def test_threshold_is_a_share_too() -> None:
    t = Threshold(protected="ICB", threshold="10%")
    assert t.threshold == Fraction(1, 10)
    with pytest.raises(ValidationError):
        Threshold(protected="ICB", threshold=0.1)


# ------------------------------------------------------------ discriminated union


@pytest.mark.parametrize(
    ("data", "cls", "code"),
    [
        ({"rule": "PRO_RATA_CONTRIBUTIONS"}, ProRataContributions, "RS1"),
        ({"rule": "OWN_RISK", "owner": "ICB"}, OwnRisk, "RS2"),
        (
            {"rule": "PRO_RATA_COMMISSIONED", "commissioned": [{"partner": "A", "amount": "1"}]},
            ProRataCommissioned,
            "RS3",
        ),
        ({"rule": "FIXED_SHARES", "shares": [{"partner": "A", "share": "1"}]}, FixedShares, "RS4"),
        (
            {
                "rule": "CAPPED_SHARES",
                "caps": [{"partner": "A", "cap": "10.00"}],
                "underwriters": ["B"],
            },
            CappedShares,
            "RS5",
        ),
        ({"rule": "FIXED_VARIABLE_PROFILE", "fixed": ["ICB"]}, FixedVariableProfile, "RS6"),
        ({"rule": "MALADMINISTRATION", "bearer": "LA"}, FaultBearer, "RS9"),
        ({"rule": "THRESHOLD", "protected": "ICB", "threshold": "10%"}, Threshold, "RS10"),
        ({"rule": "WINDFALL_MANAGED"}, WindfallManaged, "RS11"),
        ({"rule": "NO_RISK_SHARE"}, NoRiskShare, "RS12"),
        ({"rule": "BOARD_DECISION", "default": "CONTINGENCY"}, BoardDecision, "RS13"),
        ({"rule": "TERMINATION"}, Termination, "RS14"),
    ],
)
def test_rule_union_picks_the_model_named_by_rule(
    data: dict[str, Any], cls: type[Any], code: str
) -> None:
    rule = RULES.validate_python(data)
    assert type(rule) is cls
    assert cls.code == code
    # the JSON form names the rule and reads back to an equal rule
    assert RULES.validate_json(RULES.dump_json(rule)) == rule


def test_rule_codes_are_unique_and_pool_level_rules_have_theirs() -> None:
    codes = [
        cls.code
        for cls in vars(rules).values()
        if isinstance(cls, type) and issubclass(cls, rules._Rule) and cls is not rules._Rule
    ]
    assert len(codes) == len(set(codes)) == 12
    assert RiskPool.code == "RS7"
    assert Offsetting.code == "RS8"


def test_unknown_or_missing_rule_tag_is_refused() -> None:
    with pytest.raises(ValidationError, match="PRO_RATA_CONTRIBUTIONS"):
        RULES.validate_python({"rule": "FIFTY_FIFTY"})
    with pytest.raises(ValidationError):
        RULES.validate_python({"owner": "ICB"})


def test_fallback_rule_cannot_be_a_complex_rule() -> None:
    with pytest.raises(ValidationError):
        FaultBearer.model_validate(
            {
                "bearer": "LA",
                "otherwise": {"rule": "CAPPED_SHARES", "caps": [], "underwriters": ["LA"]},
            }
        )
    fb = FaultBearer.model_validate(
        {
            "bearer": "LA",
            "otherwise": {"rule": "FIXED_SHARES", "shares": [{"partner": "LA", "share": "1"}]},
        }
    )
    assert isinstance(fb.otherwise, FixedShares)


def test_defaults() -> None:
    assert FaultBearer(bearer="LA").otherwise == ProRataContributions()
    assert (
        BoardDecision(default=UnderspendDisposition.REFUND).default_rule == ProRataContributions()
    )
    assert WindfallManaged().managed_disposition is UnderspendDisposition.CARRY_FORWARD
    capped = CappedShares(
        caps=(PartnerCap(partner="ICB", cap=Money("10", "GBP")),), underwriters=("LA",)
    )
    assert capped.caps_apply_to is CapScope.OVERSPEND_ONLY
    assert capped.shares == ()


def test_rules_are_frozen_and_refuse_unknown_fields() -> None:
    rule = OwnRisk(owner="ICB")
    with pytest.raises(ValidationError):
        rule.owner = "LA"  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        RULES.validate_python({"rule": "OWN_RISK", "owner": "ICB", "cap": "1"})


def test_negative_cap_is_refused() -> None:
    with pytest.raises(ValidationError, match="negative"):
        PartnerCap.model_validate({"partner": "ICB", "cap": "-1.00"})


def test_partner_refs_and_share_sets_give_paths_relative_to_the_rule() -> None:
    rule = FaultBearer.model_validate(
        {
            "bearer": "LA",
            "otherwise": {
                "rule": "FIXED_SHARES",
                "shares": [{"partner": "LA", "share": "60%"}, {"partner": "ICB", "share": "40%"}],
            },
        }
    )
    assert rule.partner_refs() == (
        ("bearer", "LA"),
        ("otherwise.shares[0].partner", "LA"),
        ("otherwise.shares[1].partner", "ICB"),
    )
    [(path, shares)] = rule.share_sets()
    assert path == "otherwise.shares"
    assert sum(s.share for s in shares) == 1


def test_reprs_are_short_and_eval_able() -> None:
    rule = RULES.validate_python(
        {
            "rule": "CAPPED_SHARES",
            "shares": [{"partner": "LA", "share": "1/2"}, {"partner": "ICB", "share": "1/2"}],
            "caps": [{"partner": "ICB", "cap": "10000.00"}],
            "underwriters": ["LA"],
        }
    )
    text = repr(rule)
    assert "caps_apply_to" not in text  # defaults are left out
    namespace = {**vars(rules), "Fraction": Fraction, "Money": Money}
    assert eval(text, namespace) == rule
