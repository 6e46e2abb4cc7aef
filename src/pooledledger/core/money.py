"""Exact money: integer pence inside, py-moneyed ``Money`` at the boundary.

Conventions (R1 and R6 of docs/money.md#the-rounding-rules):

* Inside the library every amount is an ``int`` number of pence.  Nothing is ever
  a float.
* At the public boundary amounts are :class:`moneyed.Money` in GBP.  Convert with
  :func:`to_pence` and :func:`to_money`.
* Rounding happens only here, always to whole pence, always with a named
  :class:`Rounding` mode, never through the ambient ``decimal`` context.

Accepted input (:func:`to_pence`, :func:`parse_amount` and the :data:`Amount`
model field):

============================  =========================================
input                         meaning
============================  =========================================
``"1234.56"``, ``"-12.5"``    plain decimal text, pounds
``"1,234.56"``                UK thousands separators, in groups of three
``"£5"``, ``"-£5"``           a leading pound sign (and a sign before it)
``"(12.50)"``, ``"(£12.50)"`` accountants' brackets: a negative amount
``Decimal("1.50")``           pounds
``5`` (an ``int``)            a whole number of pounds (never pence)
``Money("1.50", "GBP")``      as is
============================  =========================================

Refused with :class:`~pooledledger.core.errors.MoneyError`: floats (use a string),
``bool``, NaN and infinities, exponents (``"1e3"``), European separators
(``"1.234,56"``), badly grouped commas (``"1,23"``), a currency other than GBP
(:class:`~pooledledger.core.errors.CurrencyMismatchError`), and amounts with more than
two decimal places unless a :class:`Rounding` mode is passed.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import Annotated, Any

from moneyed import Currency, Money
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler, ValidationInfo
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from pooledledger.core.errors import CurrencyMismatchError, MoneyError

__all__ = [
    "GBP",
    "Amount",
    "Rounding",
    "format_pence",
    "multiply",
    "parse_amount",
    "pence_to_decimal",
    "round_to_pence",
    "to_money",
    "to_pence",
]

GBP: Currency = Currency("GBP")
_PENCE_PER_POUND = 100


class Rounding(StrEnum):
    """Named rounding modes. Every rounding of money names one of these.

    ``HALF_UP`` rounds halves away from zero (uplifts, R6); ``HALF_EVEN`` is
    banker's rounding; ``DOWN`` truncates toward zero; ``UP`` rounds away from
    zero; ``FLOOR`` and ``CEILING`` round toward minus and plus infinity.
    """

    HALF_UP = "HALF_UP"
    HALF_EVEN = "HALF_EVEN"
    HALF_DOWN = "HALF_DOWN"
    DOWN = "DOWN"
    UP = "UP"
    FLOOR = "FLOOR"
    CEILING = "CEILING"


def _round_fraction(value: Fraction, mode: Rounding) -> int:
    """Round an exact rational to an integer with ``mode`` (pure integer arithmetic)."""
    floor = value.numerator // value.denominator
    rest = value - floor  # 0 <= rest < 1
    if rest == 0:
        return floor
    ceil = floor + 1
    if mode is Rounding.FLOOR:
        return floor
    if mode is Rounding.CEILING:
        return ceil
    toward_zero = floor if value > 0 else ceil
    away = ceil if value > 0 else floor
    if mode is Rounding.DOWN:
        return toward_zero
    if mode is Rounding.UP:
        return away
    half = Fraction(1, 2)
    if rest != half:
        return floor if rest < half else ceil
    if mode is Rounding.HALF_UP:
        return away
    if mode is Rounding.HALF_DOWN:
        return toward_zero
    return floor if floor % 2 == 0 else ceil  # HALF_EVEN


def round_to_pence(pounds: Decimal | Fraction | int, mode: Rounding) -> int:
    """Round an exact amount in pounds to whole pence with a named rounding mode.

    >>> round_to_pence(Decimal("4000000.2048"), Rounding.HALF_UP)
    400000020
    >>> round_to_pence(Decimal("-0.005"), Rounding.HALF_UP)
    -1
    """
    if isinstance(pounds, bool) or not isinstance(pounds, Decimal | Fraction | int):
        raise MoneyError(f"cannot round {pounds!r}: give a Decimal, Fraction or int")
    if isinstance(pounds, Decimal) and not pounds.is_finite():
        raise MoneyError(f"cannot round {pounds!r}: not a finite amount")
    return _round_fraction(Fraction(pounds) * _PENCE_PER_POUND, Rounding(mode))


def multiply(pence: int, factor: Decimal | Fraction | int | str, mode: Rounding) -> int:
    """``pence × factor``, rounded once to whole pence with ``mode`` (e.g. an uplift).

    >>> multiply(378572800, "1.0566", Rounding.HALF_UP)   # £3,785,728.00 × 1.0566
    400000020
    """
    if isinstance(factor, float | bool):
        raise MoneyError(f"factor {factor!r} must be a Decimal, Fraction, int or string")
    if isinstance(factor, str):
        try:
            factor = Decimal(factor)
        except InvalidOperation as exc:
            raise MoneyError(f"factor {factor!r} is not a number") from exc
    if isinstance(factor, Decimal) and not factor.is_finite():
        raise MoneyError(f"factor {factor!r} is not finite")
    return _round_fraction(Fraction(pence) * Fraction(factor), Rounding(mode))


_AMOUNT_RE = re.compile(
    r"""^(?P<sign1>[-+])?          # sign before the pound sign
        (?P<pound>£)?
        (?P<sign2>[-+])?           # or after it
        (?P<int>\d{1,3}(?:,\d{3})+|\d+)
        (?:\.(?P<frac>\d+))?$""",
    re.VERBOSE,
)


def parse_amount(text: str) -> Decimal:
    """Parse amount text in pounds into an exact ``Decimal`` (not yet rounded).

    >>> parse_amount("(1,234.50)")
    Decimal('-1234.50')
    >>> parse_amount("£5")
    Decimal('5')
    """
    s = text.strip()
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative = True
        s = s[1:-1].strip()
        if s.startswith("£"):
            s = s[1:]
        if s[:1] in "-+" and s:
            raise MoneyError(f"amount {text!r}: brackets and a sign together are ambiguous")
    m = _AMOUNT_RE.match(s)
    if m is None or (m["sign1"] and m["sign2"]):
        raise MoneyError(
            f"amount {text!r} is not a valid amount in pounds: write e.g. 1234.56, "
            "1,234.56, £1,234.56 or (1,234.56) for a negative"
        )
    sign = m["sign1"] or m["sign2"] or "+"
    negative ^= sign == "-"
    digits = m["int"].replace(",", "")
    if m["frac"] is not None:
        digits += "." + m["frac"]
    value = Decimal(digits)
    return -value if negative else value


def _to_exact(value: object) -> Decimal:
    """Any accepted input as an exact Decimal number of pounds, currency checked."""
    if isinstance(value, bool):
        raise MoneyError(f"{value!r} is a bool, not an amount")
    if isinstance(value, float):
        raise MoneyError(
            f"{value!r} is a float; floats cannot hold money exactly: "
            f'give a string such as "{value:.2f}" or a Decimal'
        )
    if isinstance(value, Money):
        code = value.currency.code
        if code != GBP.code:
            raise CurrencyMismatchError(f"{value!r} is in {code}; only GBP is supported")
        value = value.amount
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return parse_amount(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise MoneyError(f"{value!r} is not a finite amount")
        return value
    raise MoneyError(f"{value!r} ({type(value).__name__}) is not an amount of money")


def to_pence(value: object, rounding: Rounding | None = None) -> int:
    """Convert an amount (see the module docs for accepted forms) to integer pence.

    More than two decimal places is refused unless ``rounding`` names a mode.
    An ``int`` is a whole number of pounds.

    >>> to_pence("1,000.00"), to_pence(Money("0.10", "GBP")), to_pence(5)
    (100000, 10, 500)
    >>> to_pence("0.125", Rounding.HALF_UP)
    13
    """
    numerator, denominator = _to_exact(value).as_integer_ratio()
    pence, rest = divmod(numerator * _PENCE_PER_POUND, denominator)
    if rest == 0:
        return pence
    if rounding is None:
        raise MoneyError(
            f"{value!r} has a fraction of a penny; pass a rounding mode "
            "(e.g. Rounding.HALF_UP) to round it"
        )
    return _round_fraction(Fraction(numerator * _PENCE_PER_POUND, denominator), Rounding(rounding))


def pence_to_decimal(pence: int) -> Decimal:
    """Integer pence as a Decimal number of pounds with exactly two places."""
    if isinstance(pence, bool) or not isinstance(pence, int):
        raise MoneyError(f"{pence!r} is not an integer number of pence")
    return Decimal(pence).scaleb(-2)


def to_money(pence: int) -> Money:
    """Integer pence as a py-moneyed ``Money`` in GBP (two decimal places)."""
    return Money(pence_to_decimal(pence), GBP)


def format_pence(pence: int, *, brackets: bool = True, symbol: bool = False) -> str:
    """Format pence for people: ``1,234.56``; negatives as ``(1,234.56)`` or ``-1,234.56``.

    Independent of the process locale.

    >>> format_pence(-123456), format_pence(5, symbol=True)
    ('(1,234.56)', '£0.05')
    """
    sign = pence < 0
    pounds, p = divmod(abs(pence), 100)
    body = f"{'£' if symbol else ''}{pounds:,}.{p:02d}"
    if not sign:
        return body
    return f"({body})" if brackets else f"-{body}"


class _MoneyAnnotation:
    """Pydantic v2 hooks for a GBP ``Money`` field (see :data:`Amount`)."""

    @classmethod
    def validate(cls, value: Any, info: ValidationInfo) -> Money:
        rounding: Rounding | None = None
        if info.context and info.context.get("rounding") is not None:
            rounding = Rounding(info.context["rounding"])
        if isinstance(value, dict):
            if set(value) - {"amount", "currency"} or "amount" not in value:
                raise MoneyError('a money object needs "amount" and optional "currency" keys')
            currency = value.get("currency", GBP.code)
            if currency != GBP.code:
                raise CurrencyMismatchError(f"currency {currency!r}: only GBP is supported")
            value = value["amount"]
        return to_money(to_pence(value, rounding))

    @classmethod
    def serialize(cls, value: Money) -> dict[str, str]:
        return {"amount": str(pence_to_decimal(to_pence(value))), "currency": GBP.code}

    # Runs once, when a model class is defined (import time), which mutation testing
    # cannot reach: see docs/reliability.md#mutation-testing.
    # pragma: no mutate start
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.with_info_plain_validator_function(
            cls.validate,
            serialization=core_schema.plain_serializer_function_ser_schema(
                cls.serialize, when_used="json"
            ),
        )

    # pragma: no mutate end
    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        amount = {
            "type": "string",
            "pattern": r"^-?\d+\.\d{2}$",
            "description": "pounds with two decimal places",
            "examples": ["1234.56"],
        }
        obj = {
            "type": "object",
            "properties": {"amount": amount, "currency": {"const": "GBP"}},
            "required": ["amount", "currency"],
            "additionalProperties": False,
        }
        if handler.mode == "serialization":
            return obj
        text = {
            "type": "string",
            "description": "pounds, e.g. 1234.56, 1,234.56, £1,234.56, (1,234.56)",
            "pattern": r"^\s*\(?\s*[-+]?£?[-+]?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?\s*\)?\s*$",
        }
        loose_obj = {
            "type": "object",
            "properties": {
                "amount": {"anyOf": [{"type": "string"}, {"type": "integer"}]},
                "currency": {"const": "GBP"},
            },
            "required": ["amount"],
            "additionalProperties": False,
        }
        return {
            "anyOf": [text, {"type": "integer", "description": "whole pounds"}, loose_obj],
            "title": "Amount (GBP)",
        }


#: A model field holding GBP ``Money``: validates from text, Decimal, int pounds,
#: ``Money`` or ``{"amount": "…", "currency": "GBP"}``; dumps to JSON as
#: ``{"amount": "1234.56", "currency": "GBP"}``.
Amount = Annotated[Money, _MoneyAnnotation]
