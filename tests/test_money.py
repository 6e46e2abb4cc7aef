"""Money: exact pence inside, Money at the boundary, refusals, rounding, pydantic field."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money
from pydantic import BaseModel, ConfigDict, ValidationError

from pooledledger.core.errors import CurrencyMismatchError, MoneyError
from pooledledger.core.money import (
    Amount,
    Rounding,
    format_pence,
    multiply,
    parse_amount,
    pence_to_decimal,
    round_to_pence,
    to_money,
    to_pence,
)


class Budget(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    name: str
    amount: Amount


class TestToPence:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("1234.56", 123456),
            ("-12.5", -1250),
            ("1,000.00", 100000),
            ("1,234,567.89", 123456789),
            ("£5", 500),
            ("-£5.00", -500),
            ("£-5.00", -500),
            ("(12.50)", -1250),
            ("(£1,234.50)", -123450),
            (" 7.10 ", 710),
            ("0.10000", 10),
            (Decimal("4000000.20"), 400000020),
            (5, 500),
            (Money("0.10", "GBP"), 10),
        ],
    )
    def test_accepts(self, value: object, expected: int) -> None:
        assert to_pence(value) == expected

    @pytest.mark.parametrize(
        "value",
        [
            1.5,
            0.1,
            True,
            float("nan"),
            Decimal("NaN"),
            Decimal("Infinity"),
            Decimal("-Infinity"),
            "1e3",
            "1.234,56",
            "1,23",
            "12,34.00",
            "",
            "abc",
            "--5",
            "-(5.00)",
            "(-5.00)",
            "£",
            "NaN",
            "inf",
            None,
            [1],
        ],
    )
    def test_refuses(self, value: object) -> None:
        with pytest.raises(MoneyError):
            to_pence(value)

    def test_float_message_suggests_a_string(self) -> None:
        with pytest.raises(MoneyError, match=r'"1.50"'):
            to_pence(1.5)

    @pytest.mark.parametrize("value", ["0.125", Decimal("1.001"), Money("0.001", "GBP")])
    def test_sub_penny_refused_without_rounding_mode(self, value: object) -> None:
        with pytest.raises(MoneyError, match="fraction of a penny"):
            to_pence(value)

    def test_sub_penny_rounded_with_named_mode(self) -> None:
        assert to_pence("0.125", Rounding.HALF_UP) == 13
        assert to_pence("0.125", Rounding.HALF_EVEN) == 12
        assert to_pence("-0.125", Rounding.HALF_UP) == -13
        assert to_pence("0.129", Rounding.DOWN) == 12

    def test_other_currency_refused(self) -> None:
        with pytest.raises(CurrencyMismatchError):
            to_pence(Money("1.00", "EUR"))

    def test_errors_are_value_errors(self) -> None:
        with pytest.raises(ValueError, match="float"):
            to_pence(2.0)


class TestRounding:
    @pytest.mark.parametrize(
        ("mode", "expected"),
        [
            # 0.4p, 0.5p, 0.6p, -0.4p, -0.5p, -0.6p, 1.5p, -1.5p
            (Rounding.HALF_UP, [0, 1, 1, 0, -1, -1, 2, -2]),
            (Rounding.HALF_EVEN, [0, 0, 1, 0, 0, -1, 2, -2]),
            (Rounding.HALF_DOWN, [0, 0, 1, 0, 0, -1, 1, -1]),
            (Rounding.DOWN, [0, 0, 0, 0, 0, 0, 1, -1]),
            (Rounding.UP, [1, 1, 1, -1, -1, -1, 2, -2]),
            (Rounding.FLOOR, [0, 0, 0, -1, -1, -1, 1, -2]),
            (Rounding.CEILING, [1, 1, 1, 0, 0, 0, 2, -1]),
        ],
    )
    def test_modes_below_a_penny_and_at_halves(self, mode: Rounding, expected: list[int]) -> None:
        """Found by mutation testing: amounts under a penny and exact halves either side
        of zero were not pinned down for every mode."""
        values = ["0.004", "0.005", "0.006", "-0.004", "-0.005", "-0.006", "0.015", "-0.015"]
        assert [round_to_pence(Decimal(v), mode) for v in values] == expected

    @pytest.mark.parametrize("bad", [0.5, 1.005, True, "1.00", None])
    def test_refuses_what_is_not_exact(self, bad: object) -> None:
        """Found by mutation testing: nothing checked that a float is refused here."""
        with pytest.raises(MoneyError, match="give a Decimal, Fraction or int"):
            round_to_pence(bad, Rounding.HALF_UP)  # type: ignore[arg-type]

    @pytest.mark.parametrize("bad", ["NaN", "Infinity", "-Infinity"])
    def test_refuses_non_finite(self, bad: str) -> None:
        with pytest.raises(MoneyError, match="not a finite amount"):
            round_to_pence(Decimal(bad), Rounding.HALF_UP)

    @pytest.mark.parametrize(
        ("mode", "expected"),
        [
            (Rounding.HALF_UP, [3, -3, 2, -2, 3]),
            (Rounding.HALF_EVEN, [2, -2, 2, -2, 3]),
            (Rounding.HALF_DOWN, [2, -2, 2, -2, 3]),
            (Rounding.DOWN, [2, -2, 2, -2, 2]),
            (Rounding.UP, [3, -3, 3, -3, 3]),
            (Rounding.FLOOR, [2, -3, 2, -3, 2]),
            (Rounding.CEILING, [3, -2, 3, -2, 3]),
        ],
    )
    def test_modes(self, mode: Rounding, expected: list[int]) -> None:
        # 2.5p, -2.5p, 2.1p, -2.1p, 2.6p
        values = [
            Decimal("0.025"),
            Decimal("-0.025"),
            Decimal("0.021"),
            Decimal("-0.021"),
            Decimal("0.026"),
        ]
        assert [round_to_pence(v, mode) for v in values] == expected

    def test_uplift_r6(self) -> None:
        # domain.md §8.1: £3,785,728.00 × 1.0566 = £4,000,000.2048 -> £4,000,000.20
        assert multiply(to_pence("3785728.00"), "1.0566", Rounding.HALF_UP) == 400000020
        assert round_to_pence(Decimal("3785728.00") * Decimal("1.0566"), Rounding.HALF_UP) == (
            400000020
        )

    def test_rounding_ignores_ambient_decimal_context(self) -> None:
        import decimal

        with decimal.localcontext() as ctx:
            ctx.prec = 3
            ctx.rounding = decimal.ROUND_FLOOR
            assert multiply(100001, Decimal("1.5"), Rounding.HALF_UP) == 150002

    def test_multiply_refuses_float_factor(self) -> None:
        with pytest.raises(MoneyError):
            multiply(100, 1.05, Rounding.HALF_UP)  # type: ignore[arg-type]

    @given(st.fractions(), st.sampled_from(list(Rounding)))
    def test_result_within_one_penny(self, value: Fraction, mode: Rounding) -> None:
        result = round_to_pence(value, mode)
        assert abs(result - value * 100) < 1


class TestBoundary:
    @given(st.integers(min_value=-(10**15), max_value=10**15))
    def test_money_round_trip(self, pence: int) -> None:
        money = to_money(pence)
        assert money.currency.code == "GBP"
        assert to_pence(money) == pence
        assert to_pence(str(money.amount)) == pence

    def test_format(self) -> None:
        assert format_pence(123456) == "1,234.56"
        assert format_pence(-123456) == "(1,234.56)"
        assert format_pence(-5, brackets=False, symbol=True) == "-£0.05"
        assert format_pence(0) == "0.00"

    @given(st.integers(min_value=-(10**12), max_value=10**12))
    def test_format_parses_back(self, pence: int) -> None:
        assert to_pence(format_pence(pence)) == pence
        assert to_pence(format_pence(pence, brackets=False, symbol=True)) == pence

    def test_parse_amount_keeps_exact_value(self) -> None:
        assert parse_amount("1,000.005") == Decimal("1000.005")


class TestAmountField:
    def test_validates_from_text_decimal_int_money_object(self) -> None:
        for value in [
            "1234.56",
            Decimal("1234.56"),
            Money("1234.56", "GBP"),
            {"amount": "1234.56", "currency": "GBP"},
            {"amount": "1,234.56"},
        ]:
            assert Budget(name="x", amount=value).amount == Money("1234.56", "GBP")
        assert Budget(name="x", amount=12).amount == Money("12.00", "GBP")

    def test_json_round_trip(self) -> None:
        b = Budget(name="reablement", amount="(4,100,000.20)")
        text = b.model_dump_json()
        assert json.loads(text) == {
            "name": "reablement",
            "amount": {"amount": "-4100000.20", "currency": "GBP"},
        }
        assert Budget.model_validate_json(text) == b

    def test_python_dump_keeps_money(self) -> None:
        assert Budget(name="x", amount="1.5").model_dump()["amount"] == Money("1.50", "GBP")

    @pytest.mark.parametrize(
        "value",
        [
            1.5,
            "0.001",
            {"amount": "1.00", "currency": "EUR"},
            Money("1", "USD"),
            "1.234,56",
            {"amount": "1", "currency": "GBP", "extra": 1},
            {"currency": "GBP"},
            float("inf"),
        ],
    )
    def test_refusals_are_validation_errors(self, value: object) -> None:
        with pytest.raises(ValidationError):
            Budget(name="x", amount=value)

    def test_json_float_refused(self) -> None:
        with pytest.raises(ValidationError, match="float"):
            Budget.model_validate_json('{"name": "x", "amount": 12.5}')

    def test_sub_penny_allowed_with_rounding_context(self) -> None:
        b = Budget.model_validate(
            {"name": "x", "amount": "0.125"}, context={"rounding": Rounding.HALF_UP}
        )
        assert b.amount == Money("0.13", "GBP")

    def test_json_schema(self) -> None:
        validation = Budget.model_json_schema()["properties"]["amount"]
        assert {"type": "integer", "description": "whole pounds"} in validation["anyOf"]
        serialization = Budget.model_json_schema(mode="serialization")["properties"]["amount"]
        assert serialization["properties"]["currency"] == {"const": "GBP"}
        assert serialization["required"] == ["amount", "currency"]

    def test_json_schema_is_the_published_contract(self) -> None:
        """The whole schema of an amount, as tools that validate agreement files see it.

        Found by mutation testing: a changed pattern or description went unnoticed.
        """
        validation = Budget.model_json_schema()["properties"]["amount"]
        assert validation == {
            "anyOf": [
                {
                    "description": "pounds, e.g. 1234.56, 1,234.56, £1,234.56, (1,234.56)",
                    "pattern": r"^\s*\(?\s*[-+]?£?[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s*\)?\s*$",
                    "type": "string",
                },
                {"description": "whole pounds", "type": "integer"},
                {
                    "additionalProperties": False,
                    "properties": {
                        "amount": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                        "currency": {"const": "GBP"},
                    },
                    "required": ["amount"],
                    "type": "object",
                },
            ],
            "title": "Amount (GBP)",
        }
        serialization = Budget.model_json_schema(mode="serialization")["properties"]["amount"]
        assert serialization == {
            "additionalProperties": False,
            "properties": {
                "amount": {
                    "description": "pounds with two decimal places",
                    "examples": ["1234.56"],
                    "pattern": r"^-?\d+\.\d{2}$",
                    "type": "string",
                },
                "currency": {"const": "GBP"},
            },
            "required": ["amount", "currency"],
            "title": "Amount",
            "type": "object",
        }

    def test_frozen_model_hashable(self) -> None:
        assert hash(Budget(name="x", amount="1")) == hash(Budget(name="x", amount="1.00"))


class TestMessages:
    """What a finance officer reads when an amount is refused (found by mutation testing:
    no test looked at these words)."""

    @pytest.mark.parametrize("text", ["(5", "5)", "-(5)", "1.2.3", "£"])
    def test_a_malformed_amount_says_how_to_write_one(self, text: str) -> None:
        with pytest.raises(MoneyError) as refused:
            parse_amount(text)
        assert str(refused.value) == (
            f"amount {text!r} is not a valid amount in pounds: write e.g. 1234.56, "
            "1,234.56, £1,234.56 or (1,234.56) for a negative"
        )

    def test_brackets_and_a_sign(self) -> None:
        with pytest.raises(MoneyError, match=r"^amount '\(-5\)': brackets and a sign together"):
            parse_amount("(-5)")

    def test_signs_and_pound_signs_in_either_order(self) -> None:
        assert parse_amount("£5") == parse_amount("+5") == parse_amount("+£5") == Decimal("5")
        assert parse_amount("-£5") == parse_amount("£-5") == parse_amount("(£5)") == Decimal("-5")

    def test_factor_messages(self) -> None:
        with pytest.raises(
            MoneyError, match=r"^factor 1\.5 must be a Decimal, Fraction, int or string$"
        ):
            multiply(100, 1.5, Rounding.HALF_UP)  # type: ignore[arg-type]
        with pytest.raises(MoneyError, match=r"^factor 'x' is not a number$"):
            multiply(100, "x", Rounding.HALF_UP)
        with pytest.raises(MoneyError, match=r"^factor Decimal\('NaN'\) is not finite$"):
            multiply(100, Decimal("NaN"), Rounding.HALF_UP)
        assert multiply(100, "0.125", Rounding.HALF_EVEN) == 12
        assert multiply(100, "0.135", Rounding.HALF_EVEN) == 14

    def test_what_is_not_money(self) -> None:
        with pytest.raises(MoneyError, match=r"^True is a bool, not an amount$"):
            to_pence(True)
        with pytest.raises(CurrencyMismatchError, match=r"is in EUR; only GBP is supported$"):
            to_pence(Money("1.00", "EUR"))
        with pytest.raises(MoneyError, match=r"^Decimal\('Infinity'\) is not a finite amount$"):
            to_pence(Decimal("Infinity"))
        with pytest.raises(MoneyError, match=r"^\[1\] \(list\) is not an amount of money$"):
            to_pence([1])
        with pytest.raises(
            MoneyError, match=r"pass a rounding mode \(e\.g\. Rounding\.HALF_UP\) to round it"
        ):
            to_pence(Decimal("0.005"))

    def test_pence_to_decimal_keeps_two_places(self) -> None:
        assert repr(pence_to_decimal(-5)) == "Decimal('-0.05')"
        assert repr(pence_to_decimal(0)) == "Decimal('0.00')"
        assert repr(pence_to_decimal(123456)) == "Decimal('1234.56')"


@pytest.mark.parametrize("mode", list(Rounding))
def test_whole_pence_stay_as_they_are_in_every_mode(mode: Rounding) -> None:
    """An amount already in whole pence is never moved by rounding (a surviving mutant
    showed that no test rounded an exact amount with UP, CEILING or FLOOR)."""
    for text, pence in (("0.02", 2), ("-0.02", -2), ("0", 0), ("1234.56", 123456)):
        assert round_to_pence(Decimal(text), mode) == pence
        assert multiply(pence, 1, mode) == pence


def test_multiply_uses_the_mode_it_is_given() -> None:
    """12.5p: half up gives 13, half even 12 (a surviving mutant dropped the mode)."""
    assert multiply(100, "0.125", Rounding.HALF_UP) == 13
    assert multiply(100, "0.125", Rounding.HALF_DOWN) == 12
    assert multiply(-100, "0.125", Rounding.UP) == -13
